//! A bounded HTTP load generator for daka's latency figures (docs/BENCHMARKS.md).
//!
//! Starts the real server in-process on 127.0.0.1 over a fresh SQLite file, sets up 50 people
//! in a fixed 9:00–18:00 group through the API, then times, one request at a time:
//! `user_flows/batch_create` of 50 punches (with recompute and event records) and
//! `user_tasks/query` for 50 people × 31 days. Run it with
//! `cargo run --release -p daka-server --example loadgen [-- REQUESTS]`.

use std::time::{Duration, Instant};

use daka_server::ratelimit::RateLimiter;
use daka_server::{AppState, Bootstrap, Clock};
use daka_store::Store;
use serde_json::{json, Value};

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
    async fn call(&self, path: &str, body: Value) -> Value {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .body(body.to_string())
            .send()
            .await
            .expect("request");
        let v: Value = serde_json::from_slice(&resp.bytes().await.expect("body")).expect("json");
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

#[tokio::main]
async fn main() {
    let requests: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(200);
    let dir = std::env::temp_dir().join(format!("daka-loadgen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let store = Store::open(&format!("sqlite://{}?mode=rwc", dir.join("daka.db").display())).await.expect("store");
    let now = JAN1 + 400 * DAY;
    let creds = Bootstrap { app_id: Some(APP_ID.into()), app_secret: Some(APP_SECRET.into()) };
    daka_server::bootstrap(&store, &creds, now).await.expect("bootstrap");
    let state = AppState::new(store.clone(), Clock::Fixed(now), RateLimiter::new(None));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(daka_server::serve(listener, daka_server::app(state), async {
        let _ = stopped.await;
    }));

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
    let api = Api { http, base, token: token["tenant_access_token"].as_str().expect("token").to_owned() };
    let users: Vec<String> = (0..PEOPLE).map(|i| format!("lg{i:03}")).collect();
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

    let mut import = Vec::with_capacity(requests);
    for r in 0..requests {
        let day = JAN1 + (r / 2) as i64 * DAY;
        let at = if r % 2 == 0 { day + 9 * 3600 - 60 } else { day + 18 * 3600 + 120 };
        let records: Vec<Value> = users
            .iter()
            .enumerate()
            .map(|(i, u)| {
                json!({"user_id": u, "creator_id": u, "location_name": "gate", "comment": "",
                "check_time": (at + i as i64).to_string()})
            })
            .collect();
        let started = Instant::now();
        api.call(
            "/open-apis/attendance/v1/user_flows/batch_create?employee_type=employee_id",
            json!({"flow_records": records}),
        )
        .await;
        import.push(started.elapsed());
    }
    percentiles("user_flows/batch_create, 50 punches", import);

    let body = json!({"user_ids": users, "check_date_from": 20240101, "check_date_to": 20240131});
    api.call("/open-apis/attendance/v1/user_tasks/query?employee_type=employee_id", body.clone()).await;
    let mut query = Vec::with_capacity(requests);
    for _ in 0..requests {
        let started = Instant::now();
        let v = api.call("/open-apis/attendance/v1/user_tasks/query?employee_type=employee_id", body.clone()).await;
        query.push(started.elapsed());
        assert_eq!(v["data"]["user_task_results"].as_array().map(Vec::len), Some(PEOPLE * 31));
    }
    percentiles("user_tasks/query, 50 people x 31 days", query);

    let _ = stop.send(());
    let _ = server.await;
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
