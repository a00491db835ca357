//! Identifier generation: time-ordered 19-digit record ids and Feishu-shaped string ids.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// 2020-01-01T00:00:00Z in milliseconds: the id epoch.
const EPOCH_MS: i64 = 1_577_836_800_000;
/// Added so every id has 19 decimal digits, like Feishu's.
const OFFSET: i64 = 6_000_000_000_000_000_000;

/// Generates unique, strictly increasing ids: milliseconds since 2020 in the high bits, a random
/// per-process node number and a sequence in the low 22 bits.
pub struct IdGenerator {
    last: AtomicI64,
    node: i64,
}

impl Default for IdGenerator {
    fn default() -> Self {
        Self::new()
    }
}

impl IdGenerator {
    /// A generator with a random node number.
    pub fn new() -> Self {
        IdGenerator { last: AtomicI64::new(0), node: i64::from(rand::random::<u16>() & 0x3ff) }
    }

    /// A generator with the given node number (taken mod 1024), e.g. one allocated by the
    /// database so that processes sharing it never share a node.
    pub fn with_node(node: i64) -> Self {
        IdGenerator { last: AtomicI64::new(0), node: node.rem_euclid(1024) }
    }

    /// The next id.
    pub fn next(&self) -> i64 {
        self.next_from(self.base())
    }

    /// The next `n` ids, in increasing order (the clock read once).
    pub fn many(&self, n: usize) -> Vec<i64> {
        let base = self.base();
        (0..n).map(|_| self.next_from(base)).collect()
    }

    /// The lowest raw id of the current millisecond on this node.
    fn base(&self) -> i64 {
        let ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
        ((ms - EPOCH_MS).max(0) << 22) + (self.node << 12)
    }

    /// The next id at or after raw id `base`.
    fn next_from(&self, base: i64) -> i64 {
        let mut last = self.last.load(Ordering::Relaxed);
        loop {
            let mut raw = base.max(last - OFFSET + 1).max(0);
            if (raw >> 12) & 0x3ff != self.node {
                // 4096 ids in one millisecond (or a clock step back): move on to the next
                // millisecond rather than into another node's bits.
                raw = (((raw >> 22) + 1) << 22) + (self.node << 12);
            }
            let candidate = OFFSET + raw;
            match self.last.compare_exchange_weak(last, candidate, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return candidate,
                Err(actual) => last = actual,
            }
        }
    }
}

/// `n` random bytes as lower-case hex.
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::fill(&mut bytes[..]);
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_19_digits_and_increasing() {
        let g = IdGenerator::new();
        let mut prev = 0;
        for _ in 0..10_000 {
            let id = g.next();
            assert_eq!(id.to_string().len(), 19);
            assert!(id > prev);
            prev = id;
        }
    }

    #[test]
    fn many_at_once_are_increasing_on_the_node_and_after_earlier_ids() {
        let g = IdGenerator::with_node(7);
        let before = g.next();
        let ids = g.many(10_000);
        assert_eq!(ids.len(), 10_000);
        assert!(ids[0] > before);
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert!(ids.iter().all(|id| ((id - OFFSET) >> 12) & 0x3ff == 7));
        assert!(g.next() > ids[9_999]);
    }

    #[test]
    fn a_burst_keeps_the_node_bits() {
        let g = IdGenerator::with_node(1023);
        let mut prev = 0;
        for _ in 0..20_000 {
            let id = g.next();
            assert_eq!(((id - OFFSET) >> 12) & 0x3ff, 1023);
            assert!(id > prev);
            prev = id;
        }
    }
}
