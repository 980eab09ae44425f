//! Timestamps: stored as microseconds since the Unix epoch, shown as RFC 3339; and the clock the
//! store reads them from, which tests replace to move time forward.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, SecondsFormat, Utc};

use crate::error::{CoreError, CoreResult};

/// Now, in microseconds since the Unix epoch, by the system clock.
pub fn now_us() -> i64 {
    Utc::now().timestamp_micros()
}

/// RFC 3339 with millisecond precision and `Z`, as SCIM `meta` shows times.
pub fn rfc3339(us: i64) -> String {
    DateTime::<Utc>::from_timestamp_micros(us)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A stored time as a date-time.
pub(crate) fn to_time(us: i64) -> CoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_micros(us).ok_or_else(|| CoreError::Corrupt(format!("time {us}")))
}

/// Where the store reads the time for expiry, grace windows and audit records.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now, in microseconds since the Unix epoch.
    fn now_us(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_us(&self) -> i64 {
        now_us()
    }
}

/// A clock that moves only when told to (for tests of expiry and grace windows).
#[derive(Debug)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// A clock standing at the system time now.
    pub fn starting_now() -> Self {
        Self(AtomicI64::new(now_us()))
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: std::time::Duration) {
        let us = i64::try_from(by.as_micros()).unwrap_or(i64::MAX);
        self.0.fetch_add(us, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_us(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}
