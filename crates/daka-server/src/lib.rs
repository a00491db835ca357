//! daka's HTTP server: the Feishu/Lark Attendance v1 open API (plus the auth and contact subsets
//! it needs) over daka's store. Thin by design: decode, authorize, call the store, encode.

pub mod api;
pub mod error;
pub mod events;
pub mod extract;
pub mod metrics;
pub mod platform;
pub mod ratelimit;
pub mod results_cache;
pub mod state;
pub mod wire;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::middleware::from_fn_with_state;
use axum::routing::get;
use axum::Router;
use daka_store::apps::DEFAULT_SCOPES;
use daka_store::Store;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

pub use state::{AppState, Clock};

/// The whole HTTP application over `state`.
pub fn app(state: AppState) -> Router {
    api::routes()
        .route_layer(from_fn_with_state(state.clone(), platform::guard))
        .route("/healthz", get(platform::healthz))
        .route("/metrics", get(platform::metrics))
        .fallback(platform::unknown_path)
        .method_not_allowed_fallback(platform::wrong_method)
        .layer(from_fn_with_state(state.clone(), platform::envelope))
        .with_state(state)
}

/// Runs [`daka_store::Store::sweep`] every `interval` so results follow the clock (Todo becomes
/// Lack when a window closes, with its event) even for days nobody queries; with
/// `event_retention`, also prunes event records and deliveries older than that which delivery no
/// longer needs ([`daka_store::Store::prune_events`]). Retention counts real time, as record ids
/// do: a fixed `--now` does not age records.
pub fn spawn_sweeper(
    state: AppState,
    interval: Duration,
    event_retention: Option<Duration>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match state.store.sweep(state.now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(person_days = n, "results brought up to date"),
                Err(e) => tracing::warn!(error = %e, "sweep failed"),
            }
            if let Some(keep) = event_retention {
                prune_events(&state.store, keep).await;
            }
            tokio::time::sleep(interval).await;
        }
    })
}

/// How often `daka serve` checkpoints the embedded database's write-ahead log: at ≈ 100 punch
/// batches a second the log then stays at 5–12 MB, far under SQLite's own threshold (64 MiB).
pub const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(250);

/// Checkpoints the embedded database's write-ahead log every `interval`
/// ([`daka_store::Store::checkpoint`]), so that requests never do it: a commit that found the
/// log past SQLite's threshold would first copy it into the database, tens of milliseconds
/// added to that one request. Nothing to do on PostgreSQL; the task then ends.
pub fn spawn_checkpointer(store: Store, interval: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(interval).await;
            match store.checkpoint().await {
                Ok(None) => return,
                Ok(Some(_)) => {}
                Err(e) => tracing::warn!(error = %e, "checkpointing the write-ahead log failed"),
            }
        }
    })
}

/// Rows pruned per transaction, so a pass never holds the write lock for long.
const PRUNE_BATCH: i64 = 5_000;

/// One pruning pass: batches until one comes back short (at most 20 per pass).
async fn prune_events(store: &Store, keep: Duration) {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    let before_ms = now_ms.saturating_sub(i64::try_from(keep.as_millis()).unwrap_or(i64::MAX));
    let (mut deliveries, mut records) = (0, 0);
    for _ in 0..20 {
        match store.prune_events(before_ms, PRUNE_BATCH).await {
            Ok((d, r)) => {
                deliveries += d;
                records += r;
                if d < PRUNE_BATCH as u64 && r < PRUNE_BATCH as u64 {
                    break;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "pruning event records failed");
                break;
            }
        }
    }
    if deliveries + records > 0 {
        tracing::info!(deliveries, records, "pruned delivered events past their retention");
    }
}

/// Credentials of the bootstrap app created on first start.
#[derive(Debug, Clone)]
pub struct Bootstrap {
    /// Fixed app id (`DAKA_APP_ID`), else generated.
    pub app_id: Option<String>,
    /// Fixed secret (`DAKA_APP_SECRET`), else generated.
    pub app_secret: Option<String>,
}

/// What [`bootstrap`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bootstrapped {
    /// Nothing: the tenant and app already existed.
    Existing,
    /// A new app; its secret is shown this once.
    Created {
        /// The tenant's key.
        tenant_key: String,
        /// The app id.
        app_id: String,
        /// The secret.
        app_secret: String,
    },
}

/// On first start creates a tenant and its self-built app with every attendance scope and the
/// contact scopes; when `DAKA_APP_ID` names an app that does not exist yet, creates it in the
/// first tenant.
pub async fn bootstrap(store: &Store, creds: &Bootstrap, now: i64) -> Result<Bootstrapped, daka_store::Error> {
    let tenant = store.first_tenant_or_create("default", now).await?;
    let apps = store.apps().await?;
    let wanted = match &creds.app_id {
        Some(id) => !apps.iter().any(|a| &a.app_id == id),
        None => apps.is_empty(),
    };
    if !wanted {
        return Ok(Bootstrapped::Existing);
    }
    let scopes: Vec<String> = DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect();
    let created = match store
        .create_app(tenant.id, "daka bootstrap app", &scopes, creds.app_id.as_deref(), creds.app_secret.as_deref(), now)
        .await
    {
        Ok(created) => created,
        // Another process created the same app a moment ago.
        Err(daka_store::Error::Conflict { .. }) => return Ok(Bootstrapped::Existing),
        Err(e) => return Err(e),
    };
    Ok(Bootstrapped::Created { tenant_key: tenant.tenant_key, app_id: created.app.app_id, app_secret: created.secret })
}

/// Serves `app` on `listener` until `shutdown` resolves, then stops accepting, lets in-flight
/// requests finish (up to 30 s) and returns. Header names go out as Feishu's gateway spells them
/// (`X-Tt-Logid`, `Content-Type`, `x-ogw-ratelimit-reset`; see [`wire`]), as the Python SDK looks
/// them up case-sensitively. Connections support
/// upgrades (the long-connection WebSocket); an upgraded connection leaves this loop's tracking
/// and is closed by [`events::Events::shutdown`].
pub async fn serve(listener: TcpListener, app: Router, shutdown: impl Future<Output = ()>) {
    // Each connection holds a receiver: `stop` asks them to finish, `closed()` waits for all.
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _peer): (_, SocketAddr) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let service = TowerToHyperService::new(app.clone());
                let conn = hyper::server::conn::http1::Builder::new()
                    .title_case_headers(true)
                    .serve_connection(TokioIo::new(wire::FeishuHeaderCase(stream)), service)
                    .with_upgrades();
                let mut stopping = stopping.clone();
                tokio::spawn(async move {
                    let mut conn = std::pin::pin!(conn);
                    let ended = tokio::select! {
                        r = conn.as_mut() => Some(r),
                        _ = stopping.wait_for(|s| *s) => None,
                    };
                    let ended = match ended {
                        Some(r) => r,
                        None => {
                            conn.as_mut().graceful_shutdown();
                            conn.await
                        }
                    };
                    if let Err(e) = ended {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                });
            }
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    drop(stopping);
    let _ = stop.send(true);
    if tokio::time::timeout(Duration::from_secs(30), stop.closed()).await.is_err() {
        tracing::warn!("some connections were still open after 30 s");
    }
}
