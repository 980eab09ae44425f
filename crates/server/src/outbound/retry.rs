//! The one retry rule of the console's outbound calls (pilot runs and the conformance
//! checker): which answers are tried again, and how long to wait — the server's `Retry-After`
//! when it gives one (up to a minute), else a backoff doubling from a first wait with jitter.

use std::time::Duration;

/// The longest `Retry-After` honoured; a longer one is cut to this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
/// The longest backoff between two attempts when the server says nothing.
pub const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// A `Retry-After` header's value in seconds (an HTTP date is not honoured), capped at
/// [`MAX_RETRY_AFTER`].
pub fn retry_after(value: Option<&str>) -> Option<Duration> {
    value
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|s| Duration::from_secs(s).min(MAX_RETRY_AFTER))
}

/// How a call is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryRule {
    /// Attempts at most, the first included.
    pub attempts: u32,
    /// The first backoff; each retry doubles it (±25 % jitter), up to [`MAX_BACKOFF`].
    pub first_backoff: Duration,
    /// Whether 5xx answers and lost connections are tried again too (429 always is).
    pub on_server_errors: bool,
}

impl RetryRule {
    /// Whether an answer with `status` is tried again (0: no answer came).
    pub fn retries(&self, status: u16) -> bool {
        status == 429 || (self.on_server_errors && (status >= 500 || status == 0))
    }

    /// Whether attempt number `attempt` (from 1) was the last one allowed.
    pub fn exhausted(&self, attempt: u32) -> bool {
        attempt >= self.attempts.max(1)
    }

    /// The wait after attempt number `attempt` (from 1): the server's `Retry-After` if it gave
    /// one, else the backoff.
    pub fn wait(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        retry_after.unwrap_or_else(|| {
            let base = self
                .first_backoff
                .saturating_mul(1 << attempt.saturating_sub(1).min(8))
                .min(MAX_BACKOFF);
            base.mul_f64(rand::random::<f64>() * 0.5 + 0.75)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_read_in_seconds_and_capped() {
        assert_eq!(retry_after(Some(" 5 ")), Some(Duration::from_secs(5)));
        assert_eq!(retry_after(Some("86400")), Some(MAX_RETRY_AFTER));
        assert_eq!(retry_after(Some("Wed, 21 Oct 2026 07:28:00 GMT")), None);
        assert_eq!(retry_after(None), None);
    }

    #[test]
    fn the_rule_retries_429_always_and_5xx_when_asked_and_waits_as_told() {
        let pilot = RetryRule {
            attempts: 3,
            first_backoff: Duration::from_millis(100),
            on_server_errors: true,
        };
        let checker = RetryRule {
            on_server_errors: false,
            ..pilot
        };
        assert!(pilot.retries(429) && pilot.retries(503) && !pilot.retries(404));
        assert!(pilot.retries(0), "a lost connection is tried again");
        assert!(checker.retries(429) && !checker.retries(503) && !checker.retries(0));
        assert!(!pilot.exhausted(2) && pilot.exhausted(3));
        assert_eq!(
            pilot.wait(1, Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
        // The backoff doubles with ±25 % jitter and stops growing at MAX_BACKOFF.
        let third = pilot.wait(3, None);
        assert!(
            third >= Duration::from_millis(300) && third <= Duration::from_millis(500),
            "{third:?}"
        );
        assert!(pilot.wait(20, None) <= MAX_BACKOFF.mul_f64(1.25));
    }
}
