//! `tenant_access_token` cache: one entry per (base URL, app id), shared by every [`Client`]
//! of the process, refreshed early, fetched by one caller at a time.
//!
//! [`Client`]: crate::Client

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A cached token and when to stop using it.
#[derive(Debug, Clone)]
pub(crate) struct Cached {
    pub(crate) value: String,
    pub(crate) refresh_at: Instant,
}

/// One cache slot. The async mutex is held while fetching, so concurrent callers that miss wait
/// for the one fetch instead of each asking the platform (single flight).
#[derive(Debug, Default)]
pub(crate) struct Slot {
    pub(crate) state: tokio::sync::Mutex<Option<Cached>>,
}

type Registry = Mutex<HashMap<(String, String), Arc<Slot>>>;

/// The process-wide slot for `(base_url, app_id)`.
pub(crate) fn slot(base_url: &str, app_id: &str) -> Arc<Slot> {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    let registry = REGISTRY.get_or_init(Default::default);
    let mut map = registry.lock().unwrap_or_else(|p| p.into_inner());
    map.entry((base_url.to_owned(), app_id.to_owned())).or_default().clone()
}

/// When to refresh a token valid for `expire` seconds: `early` before its end, but never
/// sooner than half its lifetime.
pub(crate) fn refresh_at(now: Instant, expire: i64, early: Duration) -> Instant {
    let life = Duration::from_secs(expire.max(0) as u64);
    let margin = early.min(life / 2);
    now + life - margin
}

impl Slot {
    /// Drops the cached token if it is still `token` (another caller may already have replaced
    /// it).
    pub(crate) async fn invalidate(&self, token: &str) {
        let mut state = self.state.lock().await;
        if state.as_ref().is_some_and(|c| c.value == token) {
            *state = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refreshes_early_but_not_before_half_life() {
        let now = Instant::now();
        assert_eq!(refresh_at(now, 7200, Duration::from_secs(300)), now + Duration::from_secs(6900));
        assert_eq!(refresh_at(now, 400, Duration::from_secs(300)), now + Duration::from_secs(200));
        assert!(Arc::ptr_eq(&slot("https://x", "cli_1"), &slot("https://x", "cli_1")));
        assert!(!Arc::ptr_eq(&slot("https://x", "cli_1"), &slot("https://y", "cli_1")));
    }
}
