//! What comes next for the tokens still in use: when each expires and when its configuration's
//! policy wants it rotated — read in one query for every configuration, for the configurations
//! list's "token due" flag and the `tokenExpiring` / `rotationOverdue` alerts.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::format::{self, Kind};
use crate::configuration::ConfigurationId;
use crate::db;
use crate::error::{CoreError, CoreResult};
use crate::store::Store;
use crate::time::to_time;

const DAY_US: i64 = 86_400_000_000;

/// What falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum DeadlineKind {
    /// The token stops working by itself (or has: expired, not revoked).
    Expiry,
    /// The configuration's policy wants the token rotated.
    Rotation,
}

/// One token's next deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TokenDeadline {
    /// The token's configuration.
    pub configuration_id: ConfigurationId,
    /// The token's public id.
    pub token_id: String,
    /// Its non-secret beginning (`scim_ab12cd34_…`).
    pub prefix: String,
    /// Its label.
    pub label: String,
    /// What falls due.
    pub kind: DeadlineKind,
    /// When (in the past when overdue or expired).
    pub at: DateTime<Utc>,
}

impl TokenDeadline {
    /// The deadline in words, as of `now`: `token scim_ab12cd34_… ("Entra") expires on
    /// 2027-01-01 (in 10 days)`.
    pub fn describe(&self, now: DateTime<Utc>) -> String {
        let name = if self.label.is_empty() {
            format!("token {}", self.prefix)
        } else {
            format!("token {} (\"{}\")", self.prefix, self.label)
        };
        let day = self.at.format("%Y-%m-%d");
        let days = (self.at - now).num_days();
        match (self.kind, self.at <= now) {
            (DeadlineKind::Expiry, true) => format!("{name} expired on {day} and is not revoked"),
            (DeadlineKind::Expiry, false) => format!("{name} expires on {day} (in {days} days)"),
            (DeadlineKind::Rotation, true) => format!(
                "{name} was due for rotation on {day} ({} days ago)",
                (now - self.at).num_days()
            ),
            (DeadlineKind::Rotation, false) => {
                format!("{name} is due for rotation on {day} (in {days} days)")
            }
        }
    }
}

impl Store {
    /// The deadlines of the tokens in use — neither revoked nor in a rotation's grace window
    /// (their successor carries on) — of one configuration or (`None`) all: for each, its
    /// expiry and its rotation date when it has them, soonest first.
    pub async fn token_deadlines(
        &self,
        configuration: Option<ConfigurationId>,
    ) -> CoreResult<Vec<TokenDeadline>> {
        let mut q = db::QueryBuilder::new(
            "SELECT t.id, t.configuration_id, t.label, t.created_us, t.expires_us, c.token_rotation_days
             FROM tokens t JOIN configurations c ON c.id = t.configuration_id
             WHERE t.revoked_us IS NULL",
        );
        if let Some(c) = configuration {
            q.push(" AND t.configuration_id = ")
                .push_bind(c.to_string());
        }
        let rows = q.build().fetch_all(self.pool()).await?;
        let mut deadlines = Vec::new();
        for row in &rows {
            let id: String = row.try_get("id")?;
            let text: String = row.try_get("configuration_id")?;
            let configuration_id =
                ConfigurationId::parse(&text).ok_or_else(|| CoreError::Corrupt(text.clone()))?;
            let label: String = row.try_get("label")?;
            let prefix = format::display_prefix(Kind::Bearer, &id);
            let created: i64 = row.try_get("created_us")?;
            let expires: Option<i64> = row.try_get("expires_us")?;
            let rotation_days: Option<i64> = row.try_get("token_rotation_days")?;
            let rotation = rotation_days.map(|d| created.saturating_add(d.saturating_mul(DAY_US)));
            for (kind, at) in [
                (DeadlineKind::Expiry, expires),
                (DeadlineKind::Rotation, rotation),
            ] {
                let Some(at) = at else { continue };
                // A token that expires before its rotation date needs no rotation.
                if kind == DeadlineKind::Rotation && expires.is_some_and(|e| e <= at) {
                    continue;
                }
                deadlines.push(TokenDeadline {
                    configuration_id,
                    token_id: id.clone(),
                    prefix: prefix.clone(),
                    label: label.clone(),
                    kind,
                    at: to_time(at)?,
                });
            }
        }
        deadlines.sort_by(|a, b| a.at.cmp(&b.at).then(a.token_id.cmp(&b.token_id)));
        Ok(deadlines)
    }

    /// Per configuration, its soonest token deadline when it falls within `days` days from now
    /// (by the store's clock), or is past.
    pub async fn token_deadlines_within(
        &self,
        days: i64,
    ) -> CoreResult<HashMap<ConfigurationId, TokenDeadline>> {
        let until = to_time(self.now_us())? + chrono::Duration::days(days);
        let mut soonest = HashMap::new();
        for deadline in self.token_deadlines(None).await? {
            if deadline.at <= until {
                soonest.entry(deadline.configuration_id).or_insert(deadline);
            }
        }
        Ok(soonest)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Test code: a failure is a test failure.

    use super::*;

    #[test]
    fn deadlines_read_as_sentences() {
        let now = DateTime::parse_from_rfc3339("2027-01-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let deadline = |kind, days: i64, label: &str| TokenDeadline {
            configuration_id: ConfigurationId::new(),
            token_id: "ab12cd34".into(),
            prefix: "scim_ab12cd34_…".into(),
            label: label.into(),
            kind,
            at: now + chrono::Duration::days(days),
        };
        assert_eq!(
            deadline(DeadlineKind::Expiry, 10, "Entra").describe(now),
            "token scim_ab12cd34_… (\"Entra\") expires on 2027-01-11 (in 10 days)"
        );
        assert_eq!(
            deadline(DeadlineKind::Expiry, -1, "").describe(now),
            "token scim_ab12cd34_… expired on 2026-12-31 and is not revoked"
        );
        assert_eq!(
            deadline(DeadlineKind::Rotation, -3, "").describe(now),
            "token scim_ab12cd34_… was due for rotation on 2026-12-29 (3 days ago)"
        );
        assert_eq!(
            deadline(DeadlineKind::Rotation, 20, "").describe(now),
            "token scim_ab12cd34_… is due for rotation on 2027-01-21 (in 20 days)"
        );
    }
}
