//! Timestamps: stored as microseconds since the Unix epoch, shown as RFC 3339.

use chrono::{DateTime, SecondsFormat, Utc};

/// Now, in microseconds since the Unix epoch.
pub fn now_us() -> i64 {
    Utc::now().timestamp_micros()
}

/// RFC 3339 with millisecond precision and `Z`, as SCIM `meta` shows times.
pub fn rfc3339(us: i64) -> String {
    DateTime::<Utc>::from_timestamp_micros(us)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}
