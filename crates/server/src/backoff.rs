//! Exponential backoff per source address after repeated refused credentials.
//!
//! A source may fail [`FREE_FAILURES`] times; after that each further refusal bars its refused
//! requests for twice as long as the last (1 s, 2 s, 4 s, … up to [`MAX_BAR`]), answered 429
//! with `Retry-After` instead of 401. A valid credential is always honoured — from any
//! address, barred or not — and clears the address's record, so an attacker who guesses
//! from the identity provider's address (or behind the same NAT) cannot lock it out. Memory is
//! bounded: at most [`MAX_SOURCES`] addresses are remembered, the quietest forgotten first.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Refusals a source may have before backoff starts.
pub const FREE_FAILURES: u32 = 10;
/// The longest bar.
pub const MAX_BAR: Duration = Duration::from_secs(300);
/// Sources remembered at most.
const MAX_SOURCES: usize = 100_000;
/// A source with no refusal for this long starts afresh.
const FORGET_AFTER: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, Copy)]
struct Record {
    failures: u32,
    barred_until: Option<Instant>,
    last: Instant,
}

/// The refusal records of a server's sources.
#[derive(Debug, Default)]
pub struct Backoff {
    sources: Mutex<HashMap<String, Record>>,
    /// Whether any source has a record: every accepted request asks, and the answer is almost
    /// always no, so it is read without taking the lock.
    any: AtomicBool,
}

impl Backoff {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Record>> {
        self.sources
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How long `source` is still barred, if it is.
    pub fn barred(&self, source: &str) -> Option<Duration> {
        self.barred_at(source, Instant::now())
    }

    fn barred_at(&self, source: &str, now: Instant) -> Option<Duration> {
        if !self.any.load(Ordering::Acquire) {
            return None;
        }
        self.lock()
            .get(source)
            .and_then(|r| r.barred_until)
            .filter(|until| *until > now)
            .map(|until| until - now)
    }

    /// Records a refused credential from `source`; returns the bar it now has, if any.
    pub fn refused(&self, source: &str) -> Option<Duration> {
        self.refused_at(source, Instant::now())
    }

    fn refused_at(&self, source: &str, now: Instant) -> Option<Duration> {
        let mut sources = self.lock();
        if sources.len() >= MAX_SOURCES && !sources.contains_key(source) {
            sources.retain(|_, r| now.duration_since(r.last) < FORGET_AFTER);
            if sources.len() >= MAX_SOURCES {
                // Still full: forget the quietest tenth.
                let mut ages: Vec<Instant> = sources.values().map(|r| r.last).collect();
                ages.sort_unstable();
                let cut = ages[ages.len() / 10];
                sources.retain(|_, r| r.last > cut);
            }
        }
        self.any.store(true, Ordering::Release);
        let record = sources.entry(source.to_owned()).or_insert(Record {
            failures: 0,
            barred_until: None,
            last: now,
        });
        if now.duration_since(record.last) >= FORGET_AFTER {
            record.failures = 0;
            record.barred_until = None;
        }
        record.last = now;
        record.failures = record.failures.saturating_add(1);
        if record.failures <= FREE_FAILURES {
            return None;
        }
        let doublings = (record.failures - FREE_FAILURES - 1).min(16);
        let bar = Duration::from_secs(1 << doublings).min(MAX_BAR);
        record.barred_until = Some(now + bar);
        Some(bar)
    }

    /// A valid credential came from `source`: its record is cleared.
    pub fn accepted(&self, source: &str) {
        if !self.any.load(Ordering::Acquire) {
            return;
        }
        let mut sources = self.lock();
        sources.remove(source);
        if sources.is_empty() {
            self.any.store(false, Ordering::Release);
        }
    }
}

/// The `Retry-After` value of a bar, in whole seconds rounded up (at least 1).
pub fn retry_after(bar: Duration) -> String {
    bar.as_millis().div_ceil(1000).max(1).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_double_after_the_free_failures_and_a_valid_credential_clears_them() {
        let b = Backoff::default();
        let t = Instant::now();
        for _ in 0..FREE_FAILURES {
            assert_eq!(b.refused_at("192.0.2.1", t), None);
        }
        assert_eq!(b.barred_at("192.0.2.1", t), None);
        assert_eq!(b.refused_at("192.0.2.1", t), Some(Duration::from_secs(1)));
        assert_eq!(b.refused_at("192.0.2.1", t), Some(Duration::from_secs(2)));
        assert_eq!(b.refused_at("192.0.2.1", t), Some(Duration::from_secs(4)));
        assert_eq!(
            b.barred_at("192.0.2.1", t + Duration::from_secs(1)),
            Some(Duration::from_secs(3))
        );
        assert_eq!(b.barred_at("192.0.2.2", t), None, "per source");
        for _ in 0..40 {
            b.refused_at("192.0.2.1", t);
        }
        assert_eq!(b.barred_at("192.0.2.1", t), Some(MAX_BAR));
        b.accepted("192.0.2.1");
        assert_eq!(b.barred_at("192.0.2.1", t), None);
        // A quiet hour starts afresh.
        for _ in 0..=FREE_FAILURES {
            b.refused_at("192.0.2.3", t);
        }
        assert_eq!(
            b.refused_at("192.0.2.3", t + FORGET_AFTER),
            None,
            "the count restarts"
        );
    }

    #[test]
    fn memory_stays_bounded() {
        let b = Backoff::default();
        let t = Instant::now();
        for i in 0..(MAX_SOURCES + 10) {
            b.refused_at(
                &format!("10.{}.{}.{}", i >> 16, (i >> 8) & 255, i & 255),
                t + Duration::from_micros(i as u64),
            );
        }
        assert!(b.lock().len() <= MAX_SOURCES);
    }
}
