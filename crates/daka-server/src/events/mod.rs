//! Event delivery: the outbox's event records become deliveries for every subscribed app, sent
//! as schema 2.0 envelopes to the app's webhook (encrypted and signed as Feishu does) or, while
//! the app has a live long-connection client, over that connection; retried on a schedule and
//! kept in the database, so nothing committed is lost across crashes (at least once; receivers
//! dedupe by `event_id`).

pub mod crypto;
pub mod webhook;
pub mod ws;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::{get, post};
use axum::Router;
use daka_store::deliveries::{DueDelivery, Outcome};
use daka_store::subscriptions::{Subscription, SubscriptionSpec, ALL_EVENT_TYPES};
use daka_store::{Backend, Store};
use futures_util::StreamExt;
use tokio::sync::{watch, Notify};

pub use ws::{ClientConfig, Hub};

/// Feishu's retry schedule after a failed push: 15 s, 5 min, 1 h, 6 h.
pub const DEFAULT_RETRY_SCHEDULE: &str = "15s,5m,1h,6h";

/// Tuning of the delivery worker.
#[derive(Debug, Clone)]
pub struct EventsConfig {
    /// Delay before each retry; after the last one a delivery is marked failed.
    pub retry_schedule: Vec<Duration>,
    /// How often an idle worker looks for new events.
    pub poll: Duration,
    /// Deliveries claimed per batch.
    pub batch: i64,
    /// Concurrent attempts.
    pub concurrency: usize,
    /// How long a claim lasts before another worker may take the delivery over.
    pub lease: Duration,
    /// `ClientConfig` handed to long-connection clients.
    pub client_config: ClientConfig,
}

impl Default for EventsConfig {
    fn default() -> Self {
        EventsConfig {
            retry_schedule: parse_schedule(DEFAULT_RETRY_SCHEDULE).expect("the default schedule parses"),
            poll: Duration::from_millis(100),
            batch: 512,
            concurrency: 128,
            lease: Duration::from_secs(60),
            client_config: ClientConfig::default(),
        }
    }
}

/// Parses a retry schedule such as `15s,5m,1h,6h` (units ms, s, m, h; empty for no retries).
pub fn parse_schedule(s: &str) -> Result<Vec<Duration>, String> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (num, unit) = p.split_at(p.find(|c: char| !c.is_ascii_digit()).unwrap_or(p.len()));
            let n: u64 = num.parse().map_err(|_| format!("retry delay {p:?}: expected e.g. 15s, 5m, 1h"))?;
            let ms = match unit {
                "ms" => n,
                "s" | "" => n * 1000,
                "m" => n * 60_000,
                "h" => n * 3_600_000,
                _ => return Err(format!("retry delay {p:?}: unit must be ms, s, m or h")),
            };
            Ok(Duration::from_millis(ms))
        })
        .collect()
}

/// Unix milliseconds by the real clock (delivery timing never follows a fixed `--now`).
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// `n` random bytes as hex.
pub(crate) fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::fill(&mut bytes[..]);
    hex::encode(bytes)
}

struct Inner {
    store: Store,
    hub: Hub,
    config: EventsConfig,
    client: reqwest::Client,
    wake: Notify,
    shutdown: watch::Sender<bool>,
    worker_id: String,
}

/// Event delivery: the long-connection routes and the delivery worker. Cheap to clone.
#[derive(Clone)]
pub struct Events {
    inner: Arc<Inner>,
}

impl Events {
    /// Event delivery over `store`.
    pub fn new(store: Store, config: EventsConfig) -> Self {
        Events {
            inner: Arc::new(Inner {
                store,
                hub: Hub::default(),
                config,
                client: webhook::client(),
                wake: Notify::new(),
                shutdown: watch::channel(false).0,
                worker_id: format!("{}-{}", std::process::id(), random_hex(4)),
            }),
        }
    }

    /// The live long connections.
    pub fn hub(&self) -> &Hub {
        &self.inner.hub
    }

    /// `POST /callback/ws/endpoint` and the WebSocket `GET /ws/v2`, to merge into the app.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/callback/ws/endpoint", post(ws::endpoint))
            .route("/ws/v2", get(ws::socket))
            .with_state(self.clone())
    }

    /// Wakes the worker (new events were committed).
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// Closes the long connections (clients reconnect elsewhere) and stops the worker loop.
    pub fn shutdown(&self) {
        let _ = self.inner.shutdown.send(true);
    }

    /// Runs the delivery worker until [`Events::shutdown`]. Pending deliveries left by a previous
    /// process resume: on SQLite (one process) its claims are released at once; on PostgreSQL
    /// they are taken over when their lease runs out.
    pub fn spawn_worker(&self) -> tokio::task::JoinHandle<()> {
        let events = self.clone();
        tokio::spawn(async move {
            if events.inner.store.backend() == Backend::Sqlite {
                match events.inner.store.release_delivery_claims().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(deliveries = n, "resuming deliveries claimed before a restart"),
                    Err(e) => tracing::warn!(error = %e, "releasing stale delivery claims failed"),
                }
            }
            let mut shutdown = events.inner.shutdown.subscribe();
            loop {
                let busy = match events.run_once().await {
                    Ok(n) => n > 0,
                    Err(e) => {
                        tracing::warn!(error = %e, "event delivery pass failed");
                        false
                    }
                };
                if *shutdown.borrow() {
                    break;
                }
                if !busy {
                    tokio::select! {
                        _ = tokio::time::sleep(events.inner.config.poll) => {}
                        _ = events.inner.wake.notified() => {}
                        _ = shutdown.changed() => break,
                    }
                }
            }
        })
    }

    /// One pass: fans new event records out into deliveries, then makes one attempt at up to
    /// one batch of due deliveries. Returns how many deliveries it created or attempted.
    pub async fn run_once(&self) -> Result<usize, daka_store::Error> {
        let store = &self.inner.store;
        let config = &self.inner.config;
        let created = store.fan_out(now_ms(), config.batch).await?;
        let claim = format!("{}-{}", self.inner.worker_id, random_hex(4));
        let due = store.claim_deliveries(&claim, now_ms(), config.lease.as_millis() as i64, config.batch).await?;
        if due.is_empty() {
            return Ok(created);
        }
        let subs: HashMap<String, Subscription> =
            store.subscriptions().await?.into_iter().map(|s| (s.app_id.clone(), s)).collect();
        let attempted = due.len();
        let outcomes: Vec<(DueDelivery, Outcome)> = futures_util::stream::iter(due)
            .map(|d| {
                let sub = subs.get(&d.app_id);
                async move {
                    let outcome = self.attempt(sub, &d).await;
                    (d, outcome)
                }
            })
            .buffer_unordered(config.concurrency.max(1))
            .collect()
            .await;
        for (d, o) in &outcomes {
            if let Outcome::Failed(e) = o {
                tracing::info!(delivery = d.id, app_id = %d.app_id, event_id = ?d.event_id, attempt = d.attempts + 1, error = %e, "event delivery failed");
            }
        }
        let retry: Vec<i64> = config.retry_schedule.iter().map(|d| d.as_millis() as i64).collect();
        store.finish_deliveries(&claim, &outcomes, now_ms(), &retry).await?;
        Ok(created + attempted)
    }

    async fn attempt(&self, sub: Option<&Subscription>, d: &DueDelivery) -> Outcome {
        let Some(sub) = sub else { return Outcome::Failed("the app has no event subscription".into()) };
        if d.event_id.is_none() {
            return Outcome::Failed("the event record no longer exists".into());
        }
        let envelope = webhook::envelope(d, sub);
        if let Some(result) = self.inner.hub.deliver(&d.app_id, &envelope).await {
            return match result {
                Ok(()) => Outcome::Delivered("ws"),
                Err(e) => Outcome::Failed(e),
            };
        }
        match webhook::deliver(&self.inner.client, sub, d).await {
            Ok(()) => Outcome::Delivered("webhook"),
            Err(e) => Outcome::Failed(e),
        }
    }
}

/// Subscription of the bootstrap app from `DAKA_EVENT_URL`, `DAKA_EVENT_VERIFICATION_TOKEN` and
/// `DAKA_EVENT_ENCRYPT_KEY`.
#[derive(Debug, Clone, Default)]
pub struct EnvSubscription {
    /// Request URL.
    pub url: Option<String>,
    /// Verification Token.
    pub verification_token: Option<String>,
    /// Encrypt Key.
    pub encrypt_key: Option<String>,
}

/// Subscribes the bootstrap app (`app_id`, else the first app) to every event type at the
/// configured URL after the url_verification challenge succeeds. Does nothing without a URL.
/// Returns the app subscribed.
pub async fn subscribe_from_env(
    store: &Store,
    app_id: Option<&str>,
    env: &EnvSubscription,
    now: i64,
) -> Result<Option<String>, String> {
    let Some(url) = env.url.as_deref().filter(|u| !u.is_empty()) else { return Ok(None) };
    let app_id = match app_id {
        Some(a) => a.to_owned(),
        None => {
            let apps = store.apps().await.map_err(|e| e.to_string())?;
            apps.into_iter().next().map(|a| a.app_id).ok_or("no app to subscribe")?
        }
    };
    let spec = SubscriptionSpec {
        url: Some(url.to_owned()),
        verification_token: env.verification_token.clone().unwrap_or_default(),
        encrypt_key: env.encrypt_key.clone().unwrap_or_default(),
        event_types: ALL_EVENT_TYPES.iter().map(|t| t.to_string()).collect(),
    };
    subscribe(store, &app_id, &spec, now).await?;
    Ok(Some(app_id))
}

/// Sets an app's subscription, first performing the url_verification challenge when it has a URL.
pub async fn subscribe(store: &Store, app_id: &str, spec: &SubscriptionSpec, now: i64) -> Result<Subscription, String> {
    if let Some(url) = &spec.url {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!("request URL {url:?} must start with http:// or https://"));
        }
        webhook::verify_url(&webhook::client(), url, &spec.verification_token, &spec.encrypt_key).await?;
    }
    store.set_subscription(app_id, spec, now).await.map_err(|e| e.to_string())
}
