//! Client-side request pacing per endpoint, so a busy program stays under the platform's
//! per-endpoint limits instead of collecting 429s.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Paces requests per endpoint: at most `rate` per second, evenly spaced (the platform counts
/// in fixed one-second windows, so bursts would trip it).
#[derive(Debug)]
pub(crate) struct Pacer {
    default: Option<u32>,
    overrides: HashMap<String, Option<u32>>,
    next: Mutex<HashMap<&'static str, Instant>>,
}

impl Pacer {
    pub(crate) fn new(default: Option<u32>, overrides: HashMap<String, Option<u32>>) -> Self {
        Pacer { default, overrides, next: Mutex::new(HashMap::new()) }
    }

    fn rate(&self, endpoint: &str) -> Option<u32> {
        match self.overrides.get(endpoint) {
            Some(r) => *r,
            None => self.default,
        }
        .filter(|r| *r > 0)
    }

    /// Waits until a request to `endpoint` may be sent.
    pub(crate) async fn acquire(&self, endpoint: &'static str) {
        let Some(rate) = self.rate(endpoint) else { return };
        let interval = Duration::from_secs(1) / rate;
        let now = Instant::now();
        let slot = {
            let Ok(mut next) = self.next.lock() else { return };
            let entry = next.entry(endpoint).or_insert(now);
            let slot = (*entry).max(now);
            *entry = slot + interval;
            slot
        };
        if slot > now {
            tokio::time::sleep_until(slot.into()).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn spaces_requests_per_endpoint() {
        let p = Pacer::new(Some(100), HashMap::from([("slow".to_owned(), Some(10)), ("free".to_owned(), None)]));
        let start = Instant::now();
        for _ in 0..11 {
            p.acquire("a").await;
        }
        let a = start.elapsed();
        assert!(a >= Duration::from_millis(95), "{a:?}");
        let start = Instant::now();
        for _ in 0..3 {
            p.acquire("slow").await;
        }
        assert!(start.elapsed() >= Duration::from_millis(195));
        let start = Instant::now();
        for _ in 0..1000 {
            p.acquire("free").await;
        }
        assert!(start.elapsed() < Duration::from_millis(50));
    }
}
