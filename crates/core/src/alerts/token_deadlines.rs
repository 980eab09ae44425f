//! The token conditions of alert rules: a token in use about to expire, or due for rotation
//! under its configuration's policy — judged ahead of time, so that the security staff rotate
//! before the identity provider loses its access.

use chrono::Duration;

use super::evaluate::Finding;
use crate::configuration::ConfigurationId;
use crate::error::CoreResult;
use crate::store::Store;
use crate::time::to_time;
use crate::token::DeadlineKind;

impl Store {
    /// Whether a token of `configuration` in use has a deadline of `kind` within `days` days of
    /// `now` (microseconds), or past: the soonest one names the token.
    pub(super) async fn token_due(
        &self,
        configuration: ConfigurationId,
        kind: DeadlineKind,
        days: u32,
        now: i64,
    ) -> CoreResult<Finding> {
        let now = to_time(now)?;
        let horizon = now + Duration::days(i64::from(days));
        let due: Vec<_> = self
            .token_deadlines(Some(configuration))
            .await?
            .into_iter()
            .filter(|d| d.kind == kind && d.at <= horizon)
            .collect();
        let what = match kind {
            DeadlineKind::Expiry => "expires",
            DeadlineKind::Rotation => "is due for rotation",
        };
        Ok(match due.first() {
            None => Finding {
                holds: false,
                message: format!("no token in use {what} within {days} days"),
            },
            Some(soonest) => {
                let others = match due.len() - 1 {
                    0 => String::new(),
                    1 => " (and 1 other token)".to_owned(),
                    n => format!(" (and {n} other tokens)"),
                };
                Finding {
                    holds: true,
                    message: format!("{}{others}", soonest.describe(now)),
                }
            }
        })
    }
}
