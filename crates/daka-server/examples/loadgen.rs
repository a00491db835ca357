//! A bounded HTTP load generator for daka's latency figures (docs/BENCHMARKS.md).
//!
//! Starts the real server in-process on 127.0.0.1 over a fresh SQLite file, sets up 50 people
//! in a fixed 9:00–18:00 group through the API (with `daka serve`'s background checkpoints of
//! the write-ahead log; the app subscribed to every event type, so changes record their events),
//! then times, one request at a time:
//! `user_flows/batch_create` of 50 punches (with recompute and event records) and
//! `user_tasks/query` for 50 people × 31 days. Run it with
//! `cargo run --release -p daka-server --example loadgen [-- REQUESTS]`.
//!
//! Options (after `--`): `--database postgres://…` runs over a fresh database created on that
//! server (and dropped afterwards) instead of SQLite; `--servers N` starts N servers, each with
//! its own store (connection pool, id node), on the one database — N processes sharing it;
//! `--results-cache-mb M` bounds each server's rendered-results cache (default 256; 0 turns it
//! off, so every `user_tasks/query` reads and renders, as after a change to every person asked);
//! `--concurrency C` runs C clients at once (client j talks to server j mod N and has its own 50
//! people), and prints the throughput as well.

use std::time::{Duration, Instant};

use daka_server::ratelimit::RateLimiter;
use daka_server::{AppState, Bootstrap, Clock};
use daka_store::Store;
use serde_json::{json, Value};

/// The allocator of the `daka` binary, so the figures are those of `daka serve`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const APP_ID: &str = "cli_0000000000000bec";
const APP_SECRET: &str = "loadgen-secret";
const PEOPLE: usize = 50;
/// 2024-01-01T00:00:00+08:00, a Monday.
const JAN1: i64 = 1_704_038_400;
const DAY: i64 = 86_400;

struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    /// The response body, complete: what the latency figures time.
    async fn send(&self, path: &str, body: Value) -> bytes::Bytes {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .body(body.to_string())
            .send()
            .await
            .expect("request");
        resp.bytes().await.expect("body")
    }

    /// Sends and checks that the answer is a success.
    async fn call(&self, path: &str, body: Value) -> Value {
        let body = self.send(path, body).await;
        let v: Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(v["code"], 0, "{path}: {v}");
        v
    }
}

fn percentiles(label: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1e3;
    println!(
        "{label:<42} n={:<4} p50 {:>6.2} ms  p90 {:>6.2} ms  p99 {:>6.2} ms  max {:>6.2} ms",
        samples.len(),
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0)
    );
}

struct Options {
    requests: usize,
    database: Option<String>,
    servers: usize,
    concurrency: usize,
    results_cache_mb: u64,
}

fn options() -> Options {
    let mut o = Options { requests: 200, database: None, servers: 1, concurrency: 1, results_cache_mb: 256 };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--database" => o.database = args.next(),
            "--servers" => o.servers = args.next().and_then(|v| v.parse().ok()).expect("--servers N"),
            "--concurrency" => o.concurrency = args.next().and_then(|v| v.parse().ok()).expect("--concurrency C"),
            "--results-cache-mb" => {
                o.results_cache_mb = args.next().and_then(|v| v.parse().ok()).expect("--results-cache-mb M")
            }
            n => o.requests = n.parse().expect("REQUESTS, --database URL, --servers N or --concurrency C"),
        }
    }
    o.servers = o.servers.max(1);
    o.concurrency = o.concurrency.max(1);
    o
}

/// `url` with its database name replaced.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let root = match base.find("://").map(|i| i + 3).and_then(|s| base[s..].find('/').map(|j| s + j)) {
        Some(slash) => &base[..slash],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

/// The envelope's `code`: checked without building the whole answer as a `Value`, which would
/// allocate (and free) a megabyte of small objects between timed requests.
#[derive(serde::Deserialize)]
struct Code {
    code: i64,
}

async fn timed(
    apis: &[Api],
    concurrency: usize,
    requests: usize,
    make: impl Fn(usize, usize) -> (&'static str, Value) + Sync,
) -> (Vec<Duration>, Duration) {
    let started = Instant::now();
    let per_client = requests.div_ceil(concurrency);
    let runs = (0..concurrency).map(|c| {
        let make = &make;
        async move {
            let api = &apis[c % apis.len()];
            let mut out = Vec::with_capacity(per_client);
            for r in (0..per_client).filter(|r| c * per_client + r < requests) {
                let (path, body) = make(c, r);
                let t = Instant::now();
                let answer = api.send(path, body).await;
                out.push(t.elapsed());
                let code: Code = serde_json::from_slice(&answer).expect("json");
                assert_eq!(code.code, 0, "{path}: {}", String::from_utf8_lossy(&answer));
            }
            out
        }
    });
    let all = futures_util::future::join_all(runs).await;
    (all.into_iter().flatten().collect(), started.elapsed())
}

#[tokio::main]
async fn main() {
    let o = options();
    let requests = o.requests;
    let dir = std::env::temp_dir().join(format!("daka-loadgen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let scratch = format!("daka_loadgen_{}", std::process::id());
    let url = match &o.database {
        None => format!("sqlite://{}?mode=rwc", dir.join("daka.db").display()),
        Some(admin) => {
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(admin).await.expect("connect to --database");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {scratch}")))
                .execute(&pool)
                .await
                .expect("create database");
            pool.close().await;
            with_database(admin, &scratch)
        }
    };
    let now = JAN1 + 400 * DAY;
    let creds = Bootstrap { app_id: Some(APP_ID.into()), app_secret: Some(APP_SECRET.into()) };
    let mut stores = Vec::new();
    let mut stops = Vec::new();
    let mut handles = Vec::new();
    let mut checkpointers = Vec::new();
    let mut bases = Vec::new();
    for _ in 0..o.servers {
        let store = Store::open(&url).await.expect("store");
        daka_server::bootstrap(&store, &creds, now).await.expect("bootstrap");
        // Subscribed (long connection, nobody connected): every change writes its event records.
        let every_type = daka_store::subscriptions::SubscriptionSpec::default();
        store.set_subscription(APP_ID, &every_type, now).await.expect("subscription");
        let state = AppState::new(store.clone(), Clock::Fixed(now), RateLimiter::new(None))
            .with_results_cache(o.results_cache_mb << 20);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        bases.push(format!("http://{}", listener.local_addr().expect("addr")));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        checkpointers.push(daka_server::spawn_checkpointer(store.clone(), daka_server::CHECKPOINT_INTERVAL));
        handles.push(tokio::spawn(daka_server::serve(listener, daka_server::app(state), async {
            let _ = stopped.await;
        })));
        stops.push(stop);
        stores.push(store);
    }
    let base = bases[0].clone();
    let http = reqwest::Client::new();
    let token = http
        .post(format!("{base}/open-apis/auth/v3/tenant_access_token/internal"))
        .body(json!({"app_id": APP_ID, "app_secret": APP_SECRET}).to_string())
        .send()
        .await
        .expect("token")
        .bytes()
        .await
        .expect("token body");
    let token: Value = serde_json::from_slice(&token).expect("token json");
    let token = token["tenant_access_token"].as_str().expect("token").to_owned();
    let apis: Vec<Api> =
        bases.iter().map(|b| Api { http: http.clone(), base: b.clone(), token: token.clone() }).collect();
    let api = &apis[0];
    let users: Vec<String> = (0..PEOPLE * o.concurrency).map(|i| format!("lg{i:03}")).collect();
    for u in &users {
        api.call("/open-apis/contact/v3/users?user_id_type=user_id", json!({"user_id": u, "name": u})).await;
    }
    let shift = api
        .call(
            "/open-apis/attendance/v1/shifts",
            json!({"shift_name": "9-18", "punch_times": 1, "punch_time_rule": [{"on_time": "9:00", "off_time": "18:00",
                "late_minutes_as_late": 5, "late_minutes_as_lack": 60, "on_advance_minutes": 120,
                "early_minutes_as_early": 5, "early_minutes_as_lack": 60, "off_delay_minutes": 240}]}),
        )
        .await;
    let sid = shift["data"]["shift"]["shift_id"].as_str().expect("shift id").to_owned();
    api.call(
        "/open-apis/attendance/v1/groups?employee_type=employee_id&dept_type=open_id",
        json!({"group": {"group_name": "office", "time_zone": "Asia/Shanghai", "group_type": 0, "calendar_id": 0,
            "group_leader_ids": [users[0]], "bind_user_ids": users,
            "punch_day_shift_ids": [sid, sid, sid, sid, sid, "0", "0"]}}),
    )
    .await;

    let c = o.concurrency;
    println!(
        "backend {}, {} server(s) on one database, {} client(s) at once, results cache {} MiB",
        if o.database.is_some() { "postgres" } else { "sqlite" },
        o.servers,
        c,
        o.results_cache_mb
    );
    let (import, wall) = timed(&apis, c, requests, |client, r| {
        let day = JAN1 + (r / 2) as i64 * DAY;
        let at = if r % 2 == 0 { day + 9 * 3600 - 60 } else { day + 18 * 3600 + 120 };
        let records: Vec<Value> = users[client * PEOPLE..(client + 1) * PEOPLE]
            .iter()
            .enumerate()
            .map(|(i, u)| {
                json!({"user_id": u, "creator_id": u, "location_name": "gate", "comment": "",
                "check_time": (at + i as i64).to_string()})
            })
            .collect();
        ("/open-apis/attendance/v1/user_flows/batch_create?employee_type=employee_id", json!({"flow_records": records}))
    })
    .await;
    let n = import.len();
    percentiles("user_flows/batch_create, 50 punches", import);
    if c > 1 || o.servers > 1 {
        println!(
            "  throughput: {:.1} requests/s, {:.0} punches/s",
            n as f64 / wall.as_secs_f64(),
            (n * PEOPLE) as f64 / wall.as_secs_f64()
        );
    }

    let query = |client: usize| {
        json!({"user_ids": users[client * PEOPLE..(client + 1) * PEOPLE], "check_date_from": 20240101,
            "check_date_to": 20240131})
    };
    for client in 0..c {
        api.call("/open-apis/attendance/v1/user_tasks/query?employee_type=employee_id", query(client)).await;
    }
    let (samples, wall) = timed(&apis, c, requests, |client, _| {
        ("/open-apis/attendance/v1/user_tasks/query?employee_type=employee_id", query(client))
    })
    .await;
    let n = samples.len();
    percentiles("user_tasks/query, 50 people x 31 days", samples);
    if c > 1 || o.servers > 1 {
        println!("  throughput: {:.1} requests/s", n as f64 / wall.as_secs_f64());
    }

    for stop in stops {
        let _ = stop.send(());
    }
    for h in handles {
        let _ = h.await;
    }
    for c in checkpointers {
        c.abort();
    }
    for store in &stores {
        store.close().await;
    }
    if let Some(admin) = &o.database {
        let pool = sqlx::AnyPool::connect(admin).await.expect("connect to --database");
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {scratch} WITH (FORCE)")))
            .execute(&pool)
            .await;
        pool.close().await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}
