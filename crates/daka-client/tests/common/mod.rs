//! A real daka server in-process: `daka_server::app` with the event routes and the delivery
//! worker, served by `daka_server::serve` on a loopback port over a fresh SQLite file, wired as
//! `daka serve` wires them. No mocks.

#![allow(dead_code)]

use std::net::SocketAddr;

use daka_client::types::attendance::groups::Group;
use daka_client::{Client, RetryPolicy};
use daka_server::events::{ClientConfig, Events, EventsConfig};
use daka_server::ratelimit::RateLimiter;
use daka_server::{AppState, Bootstrap, Clock};
use daka_store::Store;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const APP_ID: &str = "cli_0123456789abcdef";
pub const APP_SECRET: &str = "daka-client-test-secret";

/// A running daka server with its own database.
pub struct Daka {
    pub addr: SocketAddr,
    pub store: Store,
    pub dir: tempfile::TempDir,
    pub events: Events,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

impl Daka {
    /// A fresh server on port 0; `rate_limit` is the server's per-endpoint limit.
    pub async fn start(rate_limit: Option<u32>) -> Daka {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        Daka::start_on(listener, tempfile::tempdir().expect("temp dir"), rate_limit).await
    }

    /// A server on `listener` over the database in `dir`.
    pub async fn start_on(listener: TcpListener, dir: tempfile::TempDir, rate_limit: Option<u32>) -> Daka {
        Daka::start_with(listener, dir, rate_limit, fast_events()).await
    }

    /// A server on `listener` over the database in `dir` with its event delivery tuned by `events`.
    pub async fn start_with(
        listener: TcpListener,
        dir: tempfile::TempDir,
        rate_limit: Option<u32>,
        events: EventsConfig,
    ) -> Daka {
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("daka.db").display());
        let store = Store::open(&url).await.expect("open store");
        let creds = Bootstrap { app_id: Some(APP_ID.into()), app_secret: Some(APP_SECRET.into()) };
        daka_server::bootstrap(&store, &creds, now()).await.expect("bootstrap");
        let addr = listener.local_addr().expect("addr");
        let state = AppState::new(store.clone(), Clock::System, RateLimiter::new(rate_limit));
        let (stop, stopped) = oneshot::channel::<()>();
        let events = Events::new(store.clone(), events);
        let worker = events.spawn_worker();
        let app = daka_server::app(state).merge(events.router());
        let closing = events.clone();
        let task = tokio::spawn(async move {
            daka_server::serve(listener, app, async {
                let _ = stopped.await;
                closing.shutdown();
            })
            .await;
            let _ = worker.await;
        });
        Daka { addr, store, dir, events, stop: Some(stop), task: Some(task) }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A client of this server with fast retries and no client-side pacing unless asked.
    pub fn client(&self) -> Client {
        Client::builder()
            .base_url(self.base_url())
            .app_id(APP_ID)
            .app_secret(APP_SECRET)
            .retry(RetryPolicy {
                max_retries: 3,
                initial_backoff: std::time::Duration::from_millis(20),
                max_backoff: std::time::Duration::from_millis(200),
                ..RetryPolicy::default()
            })
            .build()
            .expect("client")
    }

    /// Stops serving and waits for the server task.
    pub async fn stop(mut self) -> tempfile::TempDir {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
        self.store.close().await;
        self.dir
    }

    /// The Prometheus count of requests to `endpoint` (a route path).
    pub async fn requests_to(&self, endpoint: &str) -> u64 {
        let text = reqwest::get(format!("{}/metrics", self.base_url())).await.unwrap().text().await.unwrap();
        if std::env::var("DAKA_DEBUG_METRICS").is_ok() {
            eprintln!("{text}");
        }
        text.lines()
            .filter(|l| l.contains("http_requests_total{") && l.contains(&format!("endpoint=\"{endpoint}\"")))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
            .sum()
    }
}

/// Event delivery as `daka serve` has it, except that failed pushes are retried after 1 s
/// (instead of 15 s, 5 min, …) and long-connection clients are told to reconnect within a second
/// (instead of 3 s of nonce and 10 s between attempts).
pub fn fast_events() -> EventsConfig {
    EventsConfig {
        retry_schedule: vec![std::time::Duration::from_secs(1); 30],
        client_config: ClientConfig {
            reconnect_count: 30,
            reconnect_interval: 1,
            reconnect_nonce: 1,
            ping_interval: 30,
        },
        ..EventsConfig::default()
    }
}

/// Creates `n` people `u000…` via the contact API and returns their user ids.
pub async fn people(client: &Client, n: usize) -> Vec<String> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let id = format!("u{i:04}");
        client
            .contact()
            .users()
            .create(
                &daka_client::contact::new_user(&id, format!("Person {i}")),
                daka_client::contact::UserIdType::UserId,
            )
            .await
            .expect("create user");
        ids.push(id);
    }
    ids
}

/// A shift named `name`, 9:00–18:00: late from 09:01, early before 18:00, lack beyond 2 h;
/// punches from 07:00 to 22:00 count. Returns its id.
pub async fn day_shift(client: &Client, name: &str) -> String {
    use daka_client::types::attendance::shifts::{PunchTimeRule, Shift};
    let rule = PunchTimeRule {
        on_time: Some("9:00".into()),
        off_time: Some("18:00".into()),
        late_minutes_as_late: Some(1),
        late_minutes_as_lack: Some(120),
        on_advance_minutes: Some(120),
        early_minutes_as_early: Some(1),
        early_minutes_as_lack: Some(120),
        off_delay_minutes: Some(240),
        ..PunchTimeRule::default()
    };
    let shift = Shift {
        shift_name: Some(name.into()),
        punch_times: Some(1),
        punch_time_rule: Some(vec![rule]),
        ..Shift::default()
    };
    client.attendance().shifts().create(&shift, None).await.expect("shift").shift_id.expect("shift id")
}

/// A fixed group (Asia/Shanghai, no holiday calendar) working `shift_id` Monday to Friday, with
/// `members`, remedies allowed.
pub fn fixed_group(name: &str, members: &[String], shift_id: &str) -> Group {
    let mut week = vec![shift_id.to_owned(); 5];
    week.extend(["0".to_owned(), "0".to_owned()]);
    Group {
        group_name: Some(name.into()),
        time_zone: Some("Asia/Shanghai".into()),
        group_type: Some(0),
        bind_user_ids: Some(members.to_vec()),
        group_leader_ids: Some(members[..1].to_vec()),
        punch_day_shift_ids: Some(week),
        calendar_id: Some(0),
        allow_remedy: Some(true),
        ..Group::default()
    }
}

/// Creates `group`; returns its id.
pub async fn create_group(client: &Client, group: Group) -> String {
    let created =
        client.attendance().groups().create(daka_client::EmployeeType::EmployeeId, group, None).await.expect("group");
    created.group_id.expect("group id")
}

/// A fixed group, Monday to Friday 9:00–18:00 ([`day_shift`]), with `members`; returns (group
/// id, shift id).
pub async fn office(client: &Client, members: &[String]) -> (String, String) {
    let shift_id = day_shift(client, "Office day").await;
    let group_id = create_group(client, fixed_group("Office", members, &shift_id)).await;
    (group_id, shift_id)
}
