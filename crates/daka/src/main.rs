//! `daka`: the attendance server and its operator commands.

mod apps;
mod calendars;
mod events;
mod import;
mod report;
mod results;
mod seed;
mod users;

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use daka_server::{AppState, Bootstrap, Bootstrapped, Clock};
use daka_store::Store;

/// mimalloc instead of the system allocator: glibc hands freed memory back to the kernel
/// eagerly (`madvise`), and on virtual machines the TLB flush that follows costs every core.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (`mi_option_e` in its `mimalloc.h`; the bindings name no
/// constant for it): how long freed memory waits before it is returned to the kernel.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Keeps the memory the process frees for its own reuse instead of returning it to the kernel
/// a second later. For a batch command: an import whose batches take longer than that would
/// otherwise have every batch's memory zeroed and mapped again by the kernel (docs/BENCHMARKS.md).
fn keep_freed_memory() {
    // SAFETY: `mi_option_set` stores an option's value; -1 (never purge) is valid for this one.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, -1) }
}

/// daka (打卡): a self-hostable attendance service, wire-compatible with the Feishu/Lark
/// Attendance v1 open API.
#[derive(Parser)]
#[command(name = "daka", version, about)]
struct Cli {
    #[command(flatten)]
    db: DbArgs,
    #[command(subcommand)]
    command: Command,
}

/// Where the data lives.
#[derive(Args, Clone)]
struct DbArgs {
    /// Directory of the embedded database (created on first run).
    #[arg(long, global = true, env = "DAKA_DATA_DIR", default_value = "daka-data")]
    data_dir: PathBuf,
    /// Database URL (sqlite://… or postgres://…); overrides --data-dir.
    #[arg(long, global = true, env = "DAKA_DATABASE_URL")]
    database: Option<String>,
}

impl DbArgs {
    async fn open(&self) -> Result<Store> {
        let url = match &self.database {
            Some(url) => url.clone(),
            None => {
                std::fs::create_dir_all(&self.data_dir)
                    .with_context(|| format!("creating data directory {}", self.data_dir.display()))?;
                format!("sqlite://{}?mode=rwc", self.data_dir.join("daka.db").display())
            }
        };
        Store::open(&url).await.with_context(|| format!("opening database {}", redact(&url)))
    }
}

/// Hides a password in a database URL.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].find(':') {
            Some(c) => format!("{}:***{}", &url[..s + 3 + c], &url[at..]),
            None => url.to_owned(),
        },
        _ => url.to_owned(),
    }
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API.
    Serve(ServeArgs),
    /// Manage tenants and apps.
    Apps {
        #[command(subcommand)]
        command: apps::AppsCommand,
    },
    /// Recompute results for a range of days (every person, every tenant).
    Recompute(results::RecomputeArgs),
    /// Explain one person-day: the rules, windows, punches and thresholds that decided it.
    Explain(results::ExplainArgs),
    /// Event deliveries: list, failed, redeliver.
    Events {
        #[command(subcommand)]
        command: events::EventsCommand,
    },
    /// Custom holiday calendars (group `new_calendar_id`).
    Calendars {
        #[command(subcommand)]
        command: calendars::CalendarsCommand,
    },
    /// Import punches from time clocks: CSV exports or ZKTeco attendance logs.
    Import(import::ImportArgs),
    /// Monthly report: one row per person, one column per day, a summary (csv, xlsx, json).
    Report(report::ReportArgs),
    /// Demo data and benchmark inputs.
    Seed {
        #[command(subcommand)]
        command: seed::SeedCommand,
    },
    /// Manage people.
    Users {
        #[command(subcommand)]
        command: users::UsersCommand,
    },
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "DAKA_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Requests per second per app and endpoint, or `off`.
    #[arg(long, env = "DAKA_RATE_LIMIT", default_value = "50")]
    rate_limit: String,
    /// Fix the server clock (RFC 3339 or Unix seconds), for tests and demos.
    #[arg(long, env = "DAKA_NOW")]
    now: Option<String>,
    /// Bootstrap app id (`cli_` + 16 hex digits).
    #[arg(long, env = "DAKA_APP_ID", hide_env_values = true)]
    app_id: Option<String>,
    /// Bootstrap app secret.
    #[arg(long, env = "DAKA_APP_SECRET", hide_env_values = true)]
    app_secret: Option<String>,
    /// Seconds between passes that bring results up to date with the clock.
    #[arg(long, env = "DAKA_SWEEP_INTERVAL", default_value_t = 30)]
    sweep_interval: u64,
    /// Days to keep event records and deliveries that delivery no longer needs (delivered, or
    /// fanned out to every subscription with nothing pending or failed); 0 keeps them forever.
    #[arg(long, env = "DAKA_EVENT_RETENTION_DAYS", default_value_t = 30)]
    event_retention_days: u64,
    /// MiB of rendered `user_tasks/query` results kept in memory between requests (0: none);
    /// every use is checked against the database, so it is safe with several processes.
    #[arg(long, env = "DAKA_RESULTS_CACHE_MB", default_value_t = 256)]
    results_cache_mb: u64,
    /// Webhook request URL of the bootstrap app's event subscription (every event type);
    /// verified with the url_verification challenge at start-up.
    #[arg(long, env = "DAKA_EVENT_URL")]
    event_url: Option<String>,
    /// Verification Token of that subscription.
    #[arg(long, env = "DAKA_EVENT_VERIFICATION_TOKEN", hide_env_values = true)]
    event_verification_token: Option<String>,
    /// Encrypt Key of that subscription (events are encrypted and signed when set).
    #[arg(long, env = "DAKA_EVENT_ENCRYPT_KEY", hide_env_values = true)]
    event_encrypt_key: Option<String>,
    /// Delays before each retry of a failed event push, then it is marked failed.
    #[arg(long, env = "DAKA_EVENT_RETRY_SCHEDULE", default_value = daka_server::events::DEFAULT_RETRY_SCHEDULE)]
    event_retry_schedule: String,
    /// Log format: `text` or `json`.
    #[arg(long, env = "DAKA_LOG_FORMAT", default_value = "text")]
    log_format: String,
    /// On an empty database, create the demo company first (see `daka seed demo`).
    #[arg(long)]
    demo: bool,
}

/// Parses an instant given as Unix seconds or RFC 3339.
pub fn parse_instant(s: &str) -> Result<i64> {
    if let Ok(n) = s.trim().parse::<i64>() {
        return Ok(n);
    }
    let ts: jiff::Timestamp =
        s.trim().parse().with_context(|| format!("{s:?} is neither Unix seconds nor RFC 3339"))?;
    Ok(ts.as_second())
}

fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("DAKA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutdown signal received: finishing in-flight requests");
}

async fn serve(db: &DbArgs, args: ServeArgs) -> Result<()> {
    init_logging(args.log_format == "json");
    let rate = match args.rate_limit.as_str() {
        "off" | "0" => None,
        n => Some(n.parse::<u32>().with_context(|| format!("--rate-limit {n:?} must be a number or off"))?),
    };
    let clock = match &args.now {
        Some(s) => Clock::Fixed(parse_instant(s)?),
        None => Clock::System,
    };
    let store = db.open().await?;
    let creds = Bootstrap { app_id: args.app_id, app_secret: args.app_secret };
    if let Bootstrapped::Created { tenant_key, app_id, app_secret } =
        daka_server::bootstrap(&store, &creds, clock.now()).await?
    {
        println!("daka created the bootstrap app (the secret is shown only this once):");
        println!("  tenant_key: {tenant_key}\n  app_id:     {app_id}\n  app_secret: {app_secret}");
    }
    if args.demo {
        seed::demo_if_empty(&store, clock.now()).await?;
    }
    let event_env = daka_server::events::EnvSubscription {
        url: args.event_url.clone(),
        verification_token: args.event_verification_token.clone(),
        encrypt_key: args.event_encrypt_key.clone(),
    };
    let event_config = daka_server::events::EventsConfig {
        retry_schedule: daka_server::events::parse_schedule(&args.event_retry_schedule)
            .map_err(|e| anyhow::anyhow!("DAKA_EVENT_RETRY_SCHEDULE: {e}"))?,
        ..Default::default()
    };
    if let Some(app) = daka_server::events::subscribe_from_env(&store, creds.app_id.as_deref(), &event_env, clock.now())
        .await
        .map_err(|e| anyhow::anyhow!("DAKA_EVENT_URL: {e}"))?
    {
        tracing::info!(app_id = %app, "bootstrap app subscribed to events at DAKA_EVENT_URL");
    }
    let events = daka_server::events::Events::new(store.clone(), event_config);
    let listener =
        tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("binding {}", args.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, backend = ?store.backend(), "daka listening");
    println!("daka listening on http://{addr}");
    let state = AppState::new(store.clone(), clock, daka_server::ratelimit::RateLimiter::new(rate))
        .with_results_cache(args.results_cache_mb.saturating_mul(1 << 20));
    let retention = (args.event_retention_days > 0)
        .then(|| std::time::Duration::from_secs(args.event_retention_days.saturating_mul(86_400)));
    let sweeper = daka_server::spawn_sweeper(
        state.clone(),
        std::time::Duration::from_secs(args.sweep_interval.max(1)),
        retention,
    );
    let checkpointer = daka_server::spawn_checkpointer(store.clone(), daka_server::CHECKPOINT_INTERVAL);
    let event_worker = events.spawn_worker();
    let router = daka_server::app(state).merge(events.router());
    daka_server::serve(listener, router, async {
        shutdown_signal().await;
        events.shutdown();
    })
    .await;
    event_worker.abort();
    sweeper.abort();
    checkpointer.abort();
    store.close().await;
    tracing::info!("daka stopped");
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve(&cli.db, args).await,
        Command::Apps { command } => apps::run(&cli.db.open().await?, command).await,
        Command::Events { command } => events::run(&cli.db.open().await?, command).await,
        Command::Calendars { command } => calendars::run(&cli.db.open().await?, command).await,
        Command::Import(args) => {
            keep_freed_memory();
            import::run(&cli.db.open().await?, args).await.map(|_| ())
        }
        Command::Report(args) => report::run(&cli.db.open().await?, args).await,
        Command::Seed { command } => seed::run(&cli.db.open().await?, command).await,
        Command::Users { command } => users::run(&cli.db.open().await?, command).await,
        Command::Recompute(args) => results::recompute(&cli.db.open().await?, args).await,
        Command::Explain(args) => results::explain(&cli.db.open().await?, args).await,
    }
}

/// Now, Unix seconds.
fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// Fails with a message when `cond` is false.
fn ensure(cond: bool, msg: impl Into<String>) -> Result<()> {
    if !cond {
        bail!(msg.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The option index is mimalloc's purge delay: its default (1,000 ms in mimalloc 3) is unlike
    /// every other option's, and it takes the value set.
    #[test]
    fn purge_delay_is_the_option_kept_freed_memory_sets() {
        // SAFETY: `mi_option_get` reads an option's value.
        let get = || unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) };
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(get(), 1000);
        }
        keep_freed_memory();
        assert_eq!(get(), -1);
    }
}
