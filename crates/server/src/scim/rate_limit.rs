//! Per-token rate limiting: a token bucket per bearer token, refilled at the configured rate,
//! holding at most two seconds' worth. Beyond it the endpoint answers 429 with `Retry-After`.
//!
//! Instances sharing a PostgreSQL database share the limit out: each refills at the configured
//! rate divided by the number of live instances (they count each other through the database
//! every few seconds), so behind a load balancer that spreads requests evenly the limit holds
//! for the whole service without a round trip per request.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Token buckets keyed by token id.
pub struct RateLimiter {
    per_second: f64,
    instances: AtomicU32,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// A limiter allowing `per_second` requests per key (0: unlimited).
    pub fn new(per_second: u32) -> Self {
        Self {
            per_second: f64::from(per_second),
            instances: AtomicU32::new(1),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Shares the limit out between `n` live instances (at least 1).
    pub fn set_instances(&self, n: u32) {
        self.instances.store(n.max(1), Ordering::Relaxed);
    }

    /// This instance's rate: its share of the limit.
    fn rate(&self) -> f64 {
        self.per_second / f64::from(self.instances.load(Ordering::Relaxed).max(1))
    }

    /// Takes one request from `key`'s bucket, or says how long to wait.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        self.take_at(key, 1.0, 1.0, Instant::now())
    }

    /// Takes `n` more requests from `key`'s bucket — the operations of a bulk request beyond
    /// the one its arrival took — or says how long to wait. A charge larger than the bucket
    /// holds is allowed when the bucket was full as the request arrived, and leaves it in
    /// debt, so later requests wait until the average rate is kept.
    pub fn charge(&self, key: &str, n: usize) -> Result<(), Duration> {
        #[allow(clippy::cast_precision_loss)] // At most a bulk request's 1,000 operations.
        let n = n as f64;
        if n <= 0.0 {
            return Ok(());
        }
        self.take_at(key, n, n.min(self.rate() * 2.0 - 1.0), Instant::now())
    }

    /// Takes `n` requests when at least `need` are left.
    fn take_at(&self, key: &str, n: f64, need: f64, now: Instant) -> Result<(), Duration> {
        let rate = self.rate();
        let burst = rate * 2.0;
        if rate <= 0.0 {
            return Ok(());
        }
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() > 10_000 {
            buckets.retain(|_, b| now.duration_since(b.last) < Duration::from_secs(60));
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: burst,
            last: now,
        });
        let elapsed = now.duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(burst);
        bucket.last = now;
        if bucket.tokens >= need {
            bucket.tokens -= n;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((need - bucket.tokens) / rate))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_a_burst_then_refills_at_the_rate() {
        let limiter = RateLimiter::new(10);
        let start = Instant::now();
        for _ in 0..20 {
            assert!(limiter.take_at("t", 1.0, 1.0, start).is_ok());
        }
        let wait = limiter.take_at("t", 1.0, 1.0, start).unwrap_err();
        assert!(wait <= Duration::from_millis(100) && wait > Duration::ZERO);
        assert!(
            limiter.take_at("other", 1.0, 1.0, start).is_ok(),
            "buckets are per token"
        );
        assert!(
            limiter
                .take_at("t", 1.0, 1.0, start + Duration::from_millis(100))
                .is_ok()
        );
        assert!(RateLimiter::new(0).take_at("t", 1.0, 1.0, start).is_ok());
    }

    #[test]
    fn a_bulk_charge_takes_one_request_per_operation_and_may_leave_a_debt() {
        let limiter = RateLimiter::new(10);
        let start = Instant::now();
        // A bulk request of 5 operations: its arrival and 4 more, of the 20 in the bucket.
        assert!(limiter.take_at("t", 1.0, 1.0, start).is_ok());
        assert!(limiter.take_at("t", 4.0, 4.0, start).is_ok());
        assert!(limiter.take_at("t", 15.0, 15.0, start).is_ok());
        assert!(
            limiter.take_at("t", 1.0, 1.0, start).is_err(),
            "the bucket is empty"
        );
        // 100 operations on a full bucket: allowed, 80 in debt, so 8.1 s of waiting.
        let later = start + Duration::from_secs(2);
        assert!(limiter.take_at("t", 1.0, 1.0, later).is_ok());
        assert!(limiter.take_at("t", 99.0, 19.0, later).is_ok());
        let wait = limiter.take_at("t", 1.0, 1.0, later).unwrap_err();
        assert!(
            wait > Duration::from_secs(8) && wait < Duration::from_secs(9),
            "{wait:?}"
        );
        // The same bulk request on a bucket that is not full waits for it to fill.
        let fresh = RateLimiter::new(10);
        assert!(fresh.take_at("u", 1.0, 1.0, start).is_ok());
        assert!(fresh.take_at("u", 1.0, 1.0, start).is_ok());
        assert!(fresh.take_at("u", 99.0, 19.0, start).is_err());
        assert!(RateLimiter::new(0).charge("t", 1000).is_ok());
    }

    #[test]
    fn instances_share_the_limit_out() {
        let limiter = RateLimiter::new(10);
        limiter.set_instances(2);
        let start = Instant::now();
        // 5 per second here, 10 in the bucket.
        for _ in 0..10 {
            assert!(limiter.take_at("t", 1.0, 1.0, start).is_ok());
        }
        let wait = limiter.take_at("t", 1.0, 1.0, start).unwrap_err();
        assert!(
            wait > Duration::from_millis(150) && wait <= Duration::from_millis(200),
            "{wait:?}"
        );
        limiter.set_instances(0);
        assert!(
            limiter
                .take_at("t", 1.0, 1.0, start + Duration::from_millis(100))
                .is_ok()
        );
    }
}
