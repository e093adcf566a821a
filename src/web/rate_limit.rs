//! A per-link request limit: a token bucket per link id, in memory. A leaked link hammered by
//! a crawler or a script gets 429 instead of costing a report per request; other links are
//! unaffected. Each process keeps its own buckets (with several `--web-only` replicas the
//! effective limit is per replica, which is fine for this purpose).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Above this many tracked links, idle full buckets are forgotten (they'd be full anyway).
const PRUNE_ABOVE: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

#[derive(Debug)]
pub struct RateLimiter {
    capacity: f64,
    per_second: f64,
    buckets: Mutex<HashMap<i64, Bucket>>,
}

impl RateLimiter {
    /// `per_minute` requests per link per minute, with bursts of up to that many.
    pub fn per_minute(per_minute: u32) -> RateLimiter {
        let capacity = f64::from(per_minute.max(1));
        RateLimiter {
            capacity,
            per_second: capacity / 60.0,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `link`; false when its bucket is empty.
    pub fn allow(&self, link: i64, now: Instant) -> bool {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > PRUNE_ABOVE {
            let (capacity, rate) = (self.capacity, self.per_second);
            buckets.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * rate < capacity
            });
        }
        let bucket = buckets.entry(link).or_insert(Bucket {
            tokens: self.capacity,
            at: now,
        });
        let refill = now.saturating_duration_since(bucket.at).as_secs_f64() * self.per_second;
        bucket.tokens = (bucket.tokens + refill).min(self.capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn bursts_then_refills_per_link() {
        let limiter = RateLimiter::per_minute(3);
        let t0 = Instant::now();
        assert!(limiter.allow(1, t0));
        assert!(limiter.allow(1, t0));
        assert!(limiter.allow(1, t0));
        assert!(!limiter.allow(1, t0), "burst spent");
        assert!(limiter.allow(2, t0), "another link has its own bucket");
        assert!(!limiter.allow(1, t0 + Duration::from_secs(19)));
        assert!(
            limiter.allow(1, t0 + Duration::from_secs(21)),
            "one token per 20 s"
        );
        assert!(!limiter.allow(1, t0 + Duration::from_secs(21)));
    }

    #[test]
    fn idle_links_are_forgotten_when_many() {
        let limiter = RateLimiter::per_minute(60);
        let t0 = Instant::now();
        for id in 0..(PRUNE_ABOVE as i64 + 2) {
            limiter.allow(id, t0);
        }
        limiter.allow(-1, t0 + Duration::from_secs(120));
        assert!(limiter.buckets.lock().unwrap().len() < 10);
    }
}
