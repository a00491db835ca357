//! Webhook delivery end to end in-process: event records in a fresh SQLite store, the delivery
//! worker, and a local receiver that checks signatures and decrypts like the SDKs. The ignored
//! `bench_webhook_throughput` is the benchmark of `docs/BENCHMARKS.md`.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use daka_server::events::{crypto, Events, EventsConfig};
use daka_store::subscriptions::SubscriptionSpec;
use daka_store::Store;
use serde_json::Value;

const APP_ID: &str = "cli_00112233445566ff";

struct Dir(std::path::PathBuf);
impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn store(tag: &str) -> (Store, Dir) {
    let dir = std::env::temp_dir().join(format!("daka-events-{tag}-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Store::open(&format!("sqlite://{}?mode=rwc", dir.join("daka.db").display())).await.unwrap();
    (store, Dir(dir))
}

fn rand_suffix() -> u128 {
    jiff::Timestamp::now().as_nanosecond() as u128
}

#[derive(Default)]
struct Received {
    event_ids: Mutex<HashSet<String>>,
    requests: AtomicUsize,
    fail_first: AtomicUsize,
    encrypt_key: String,
    bad: AtomicUsize,
}

async fn receive(State(r): State<Arc<Received>>, headers: HeaderMap, body: Bytes) -> (StatusCode, &'static str) {
    r.requests.fetch_add(1, Ordering::Relaxed);
    if r.fail_first.load(Ordering::Relaxed) > 0 {
        r.fail_first.fetch_sub(1, Ordering::Relaxed);
        return (StatusCode::SERVICE_UNAVAILABLE, "{}");
    }
    let plain: Vec<u8> = if r.encrypt_key.is_empty() {
        body.to_vec()
    } else {
        let h = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let sig = crypto::sign(&h("x-lark-request-timestamp"), &h("x-lark-request-nonce"), &r.encrypt_key, &body);
        if sig != h("x-lark-signature") {
            r.bad.fetch_add(1, Ordering::Relaxed);
            return (StatusCode::INTERNAL_SERVER_ERROR, "{\"msg\":\"signature verification failed\"}");
        }
        let outer: Value = serde_json::from_slice(&body).unwrap();
        crypto::decrypt(&r.encrypt_key, outer["encrypt"].as_str().unwrap()).unwrap()
    };
    let envelope: Value = serde_json::from_slice(&plain).unwrap();
    assert_eq!(envelope["schema"], "2.0");
    assert_eq!(envelope["header"]["app_id"], APP_ID);
    assert_eq!(envelope["header"]["token"], "vt");
    r.event_ids.lock().unwrap().insert(envelope["header"]["event_id"].as_str().unwrap().to_owned());
    (StatusCode::OK, "{\"msg\":\"success\"}")
}

async fn receiver(r: Arc<Received>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().route("/hook", post(receive)).with_state(r);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// Subscribes the app and appends `n` event records (as the change transactions do).
async fn seed(store: &Store, url: &str, encrypt_key: &str, n: usize) -> HashSet<String> {
    let tenant = store.create_tenant("t", 1_700_000_000).await.unwrap();
    store.create_app(tenant.id, "a", &[], Some(APP_ID), Some("secret-secret"), 1_700_000_000).await.unwrap();
    let spec = SubscriptionSpec {
        url: Some(url.to_owned()),
        verification_token: "vt".into(),
        encrypt_key: encrypt_key.into(),
        event_types: vec![],
    };
    store.set_subscription(APP_ID, &spec, 1_700_000_000).await.unwrap();
    append(store, tenant.id, n).await
}

/// Appends `n` event records for the tenant, returning their event ids.
async fn append(store: &Store, tenant_id: i64, n: usize) -> HashSet<String> {
    let mut ids = HashSet::new();
    for chunk in 0..n.div_ceil(1000) {
        let mut w = store.write().await.unwrap();
        for i in 0..1000.min(n - chunk * 1000) {
            let seq = store.next_id();
            let event_id = format!("{seq:032x}{:04x}", chunk * 1000 + i);
            sqlx::query(
                "INSERT INTO event_records (seq, tenant_id, event_id, event_type, created_ms, payload) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(seq)
            .bind(tenant_id)
            .bind(&event_id)
            .bind("attendance.user_flow.created_v1")
            .bind(1_700_000_000_000i64)
            .bind(r#"{"employee_id":"u1","check_time":"1700000000","record_id":"1","location_name":"西溪","type":7}"#)
            .execute(&mut *w.tx)
            .await
            .unwrap();
            ids.insert(event_id);
        }
        w.commit().await.unwrap();
    }
    ids
}

async fn drain(events: &Events, r: &Received, want: usize, deadline: Duration) {
    let started = Instant::now();
    while r.event_ids.lock().unwrap().len() < want && started.elapsed() < deadline {
        if events.run_once().await.unwrap() == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[tokio::test]
async fn every_event_arrives_encrypted_and_signed_despite_failures() {
    let (store, _dir) = store("e2e").await;
    let r = Arc::new(Received { encrypt_key: "ek".into(), ..Default::default() });
    r.fail_first.store(3, Ordering::Relaxed);
    let addr = receiver(r.clone()).await;
    let ids = seed(&store, &format!("http://{addr}/hook"), "ek", 300).await;
    let config = EventsConfig { retry_schedule: vec![Duration::from_millis(50); 3], ..Default::default() };
    let events = Events::new(store.clone(), config);
    drain(&events, &r, ids.len(), Duration::from_secs(20)).await;
    assert_eq!(*r.event_ids.lock().unwrap(), ids);
    assert_eq!(r.bad.load(Ordering::Relaxed), 0);
    // Everything is marked delivered; nothing is delivered twice once acknowledged.
    tokio::time::sleep(Duration::from_millis(100)).await;
    events.run_once().await.unwrap();
    let (pending, delivered, failed) = store.delivery_counts().await.unwrap();
    assert_eq!((pending, delivered as usize, failed), (0, ids.len(), 0));
    assert_eq!(r.requests.load(Ordering::Relaxed), ids.len() + 3);
}

#[tokio::test]
async fn exhausted_retries_mark_failed_and_redeliver_requeues() {
    let (store, _dir) = store("fail").await;
    let r = Arc::new(Received::default());
    r.fail_first.store(usize::MAX / 2, Ordering::Relaxed);
    let addr = receiver(r.clone()).await;
    let ids = seed(&store, &format!("http://{addr}/hook"), "", 5).await;
    let config = EventsConfig { retry_schedule: vec![Duration::from_millis(10); 2], ..Default::default() };
    let events = Events::new(store.clone(), config);
    let started = Instant::now();
    while store.delivery_counts().await.unwrap().2 < 5 && started.elapsed() < Duration::from_secs(10) {
        events.run_once().await.unwrap();
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
    let failed = store.deliveries(true, 100).await.unwrap();
    assert_eq!(failed.len(), 5);
    assert!(failed.iter().all(|d| d.attempts == 3 && d.last_error.as_deref().unwrap_or("").contains("HTTP 503")));
    r.fail_first.store(0, Ordering::Relaxed);
    assert_eq!(store.redeliver_failed(daka_server::events::now_ms()).await.unwrap(), 5);
    drain(&events, &r, ids.len(), Duration::from_secs(10)).await;
    assert_eq!(*r.event_ids.lock().unwrap(), ids);
}

#[tokio::test]
async fn pruning_removes_only_old_records_that_delivery_no_longer_needs() {
    let (store, _dir) = store("prune").await;
    let r = Arc::new(Received::default());
    let addr = receiver(r.clone()).await;
    let delivered = seed(&store, &format!("http://{addr}/hook"), "", 10).await;
    let config = EventsConfig { retry_schedule: vec![Duration::from_millis(10); 2], ..Default::default() };
    let events = Events::new(store.clone(), config);
    drain(&events, &r, delivered.len(), Duration::from_secs(10)).await;
    let tenant = store.tenants().await.unwrap()[0].id;
    // Three whose every attempt fails (kept for redelivery), two not yet fanned out.
    r.fail_first.store(usize::MAX / 2, Ordering::Relaxed);
    append(&store, tenant, 3).await;
    let started = Instant::now();
    while store.delivery_counts().await.unwrap().2 < 3 && started.elapsed() < Duration::from_secs(10) {
        events.run_once().await.unwrap();
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
    assert_eq!(store.delivery_counts().await.unwrap(), (0, 10, 3));
    append(&store, tenant, 2).await;
    let now = daka_server::events::now_ms();

    // Nothing was issued an hour ago: nothing is old enough.
    assert_eq!(store.prune_events(now - 3_600_000, 1000).await.unwrap(), (0, 0));
    // Everything so far counts as old: delivered deliveries and their records go, in batches.
    let later = now + 60_000;
    assert_eq!(store.prune_events(later, 4).await.unwrap(), (4, 4));
    assert_eq!(store.prune_events(later, 1000).await.unwrap(), (6, 6));
    assert_eq!(store.delivery_counts().await.unwrap(), (0, 0, 3));
    assert_eq!(store.events_after(tenant, 0, 100).await.unwrap().len(), 5, "failed and unfanned records stay");
    assert_eq!(store.prune_events(later, 1000).await.unwrap(), (0, 0));

    // Once those are delivered too, they go as well.
    r.fail_first.store(0, Ordering::Relaxed);
    assert_eq!(store.redeliver_failed(now).await.unwrap(), 3);
    drain(&events, &r, delivered.len() + 5, Duration::from_secs(10)).await;
    assert_eq!(store.delivery_counts().await.unwrap(), (0, 5, 0));
    assert_eq!(store.prune_events(daka_server::events::now_ms() + 60_000, 1000).await.unwrap(), (5, 5));
    assert!(store.events_after(tenant, 0, 100).await.unwrap().is_empty());
}

/// `cargo test --release -p daka-server --test events -- --ignored --nocapture bench_webhook_throughput`
#[tokio::test(flavor = "multi_thread")]
#[ignore]
async fn bench_webhook_throughput() {
    let n: usize = std::env::var("DAKA_BENCH_EVENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000);
    let (store, _dir) = store("bench").await;
    let r = Arc::new(Received { encrypt_key: "bench-key".into(), ..Default::default() });
    let addr = receiver(r.clone()).await;
    let ids = seed(&store, &format!("http://{addr}/hook"), "bench-key", n).await;
    let events = Events::new(store.clone(), EventsConfig::default());
    let started = Instant::now();
    drain(&events, &r, ids.len(), Duration::from_secs(120)).await;
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(r.event_ids.lock().unwrap().len(), n);
    let rate = n as f64 / secs;
    println!("webhook delivery: {n} encrypted+signed events in {secs:.2} s = {rate:.0} events/s");
    assert!(rate >= 5_000.0, "{rate:.0} events/s is below 5,000");
}
