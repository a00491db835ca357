//! Per (app, endpoint) request-rate limits in one-second windows, as Feishu's gateway applies
//! them. Limits are per process: with N processes behind a load balancer an app may reach N times
//! the rate (see docs/DEPLOYMENT.md).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::ApiError;

/// (app, endpoint) → (window second, requests counted in it).
type Windows = HashMap<(String, &'static str), (u64, u32)>;

/// Fixed-window counters keyed by (app, endpoint).
pub struct RateLimiter {
    default: Option<u32>,
    windows: Mutex<Windows>,
}

impl RateLimiter {
    /// A limiter allowing `default` requests per second per (app, endpoint); `None` disables it.
    pub fn new(default: Option<u32>) -> Self {
        RateLimiter { default, windows: Mutex::new(HashMap::new()) }
    }

    /// Counts one request; fails with 99991400 when over the limit. `cap` is an endpoint's own,
    /// lower limit (10/s for `user_flows/batch_del`).
    pub fn check(&self, app_id: &str, endpoint: &'static str, cap: Option<u32>) -> Result<(), ApiError> {
        let Some(default) = self.default else { return Ok(()) };
        let limit = cap.map_or(default, |c| c.min(default));
        let second = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let Ok(mut windows) = self.windows.lock() else { return Ok(()) };
        let entry = windows.entry((app_id.to_owned(), endpoint)).or_insert((second, 0));
        if entry.0 != second {
            *entry = (second, 0);
        }
        if entry.1 >= limit {
            return Err(ApiError::RateLimited { limit, reset: 1 });
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_app_and_endpoint() {
        let l = RateLimiter::new(Some(3));
        let mut refused = 0;
        for _ in 0..5 {
            if l.check("a", "x", None).is_err() {
                refused += 1;
            }
        }
        // Two or more refusals unless the second rolled over mid-loop.
        assert!(refused >= 1);
        assert!(l.check("b", "x", None).is_ok());
        assert!(RateLimiter::new(None).check("a", "x", Some(0)).is_ok());
    }
}
