//! Shared server state: store, clock, token cache, rate limiter, metrics.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use daka_store::apps::Caller;
use daka_store::Store;

use crate::metrics::Metrics;
use crate::ratelimit::RateLimiter;
use crate::results_cache::ResultsCache;

/// The server's notion of "now".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// The system clock.
    System,
    /// A fixed instant (Unix seconds), for tests and demos.
    Fixed(i64),
}

impl Clock {
    /// Now, Unix seconds.
    pub fn now(&self) -> i64 {
        match self {
            Clock::System => jiff::Timestamp::now().as_second(),
            Clock::Fixed(t) => *t,
        }
    }
}

/// How long a verified token is trusted without asking the database again.
const TOKEN_CACHE_TTL: Duration = Duration::from_secs(10);

/// Default bound of the rendered-results cache, bytes (≈ 13,000 person-months).
pub const DEFAULT_RESULTS_CACHE_BYTES: u64 = 256 << 20;

/// State shared by every request.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// The clock.
    pub clock: Clock,
    /// Per (app, endpoint) rate limits.
    pub limiter: Arc<RateLimiter>,
    /// Request metrics.
    pub metrics: Arc<Metrics>,
    /// Rendered `user_tasks/query` results, checked against the database's revisions.
    pub results: Arc<ResultsCache>,
    tokens: Arc<Mutex<HashMap<String, (Caller, Instant)>>>,
}

impl AppState {
    /// State over `store`.
    pub fn new(store: Store, clock: Clock, limiter: RateLimiter) -> Self {
        AppState {
            store,
            clock,
            limiter: Arc::new(limiter),
            metrics: Arc::new(Metrics::new()),
            results: Arc::new(ResultsCache::new(DEFAULT_RESULTS_CACHE_BYTES)),
            tokens: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// The same state with a rendered-results cache of at most `bytes` (0: none).
    pub fn with_results_cache(self, bytes: u64) -> Self {
        AppState { results: Arc::new(ResultsCache::new(bytes)), ..self }
    }

    /// Now, by the server's clock.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// The caller a bearer token speaks for, if valid now.
    pub async fn caller(&self, token: &str) -> Result<Option<Caller>, daka_store::Error> {
        let now = self.now();
        if let Ok(cache) = self.tokens.lock() {
            if let Some((caller, at)) = cache.get(token) {
                if at.elapsed() < TOKEN_CACHE_TTL {
                    return Ok((caller.expires_at > now).then(|| caller.clone()));
                }
            }
        }
        let caller = self.store.caller_for_token(token, now).await?;
        if let (Some(c), Ok(mut cache)) = (&caller, self.tokens.lock()) {
            if cache.len() > 10_000 {
                cache.clear();
            }
            cache.insert(token.to_owned(), (c.clone(), Instant::now()));
        }
        Ok(caller)
    }
}
