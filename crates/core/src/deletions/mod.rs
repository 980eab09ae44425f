//! The accidental-deletion threshold: per configuration, how many user deletions and
//! deactivations — a count, or a percentage of its users — may go through within a window.
//! Beyond it, further ones are **held**: not applied, answered 503 with `Retry-After` so that
//! the identity provider retries later, recorded here (and as `skipped` in the provisioning
//! log), and a `deletionsHeld` alert fires; an admin then releases them (applied now) or
//! discards them (the users stay) — [`held`].
//!
//! Only configurations with a threshold pay for it: one primary-key read per DELETE or
//! deactivation, and one row per deletion applied, pruned after a week.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Actor, Subject};
use crate::configuration::{Configuration, ConfigurationId};
use crate::db::{self, Link};
use crate::error::{CoreError, CoreResult};
use crate::logs::REQUEST_HELD;
use crate::store::Store;
use crate::time::to_time;

pub mod held;

/// How many deletions a window allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum DeletionLimit {
    /// At most this many (1 to 1,000,000).
    Count(u32),
    /// At most this percentage of the configuration's users (1 to 100).
    Percent(u32),
}

/// A configuration's threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeletionThreshold {
    /// How many deletions and deactivations go through within the window.
    pub limit: DeletionLimit,
    /// The window, 1 to 10,080 minutes (a week).
    pub window_minutes: u32,
}

/// The longest window: a week (applied deletions are kept that long).
pub const MAX_WINDOW_MINUTES: u32 = 10_080;

const MINUTE_US: i64 = 60_000_000;

impl DeletionThreshold {
    /// Checks the numbers, naming the one at fault.
    pub fn check(&self) -> CoreResult<()> {
        match self.limit {
            DeletionLimit::Count(n) if !(1..=1_000_000).contains(&n) => {
                return Err(CoreError::invalid("limit.count", "must be 1 to 1000000"));
            }
            DeletionLimit::Percent(p) if !(1..=100).contains(&p) => {
                return Err(CoreError::invalid("limit.percent", "must be 1 to 100"));
            }
            _ => {}
        }
        if !(1..=MAX_WINDOW_MINUTES).contains(&self.window_minutes) {
            return Err(CoreError::invalid(
                "windowMinutes",
                format!("must be 1 to {MAX_WINDOW_MINUTES}"),
            ));
        }
        Ok(())
    }

    /// The threshold in words.
    pub fn describe(&self) -> String {
        let what = match self.limit {
            DeletionLimit::Count(n) => format!("{n} deletions or deactivations"),
            DeletionLimit::Percent(p) => format!("{p}% of the users deleted or deactivated"),
        };
        format!("{what} within {} minutes", self.window_minutes)
    }

    /// How many may go through, given the users the directory holds and those deleted in the
    /// window (a percentage of none allows none).
    fn allowed(&self, users: i64, deleted: i64) -> i64 {
        match self.limit {
            DeletionLimit::Count(n) => i64::from(n),
            DeletionLimit::Percent(p) => (i64::from(p) * (users + deleted) + 99) / 100,
        }
    }
}

/// A threshold as stored: with who set it and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ThresholdSettings {
    /// The threshold.
    pub threshold: DeletionThreshold,
    /// In words.
    pub description: String,
    /// When it was set.
    pub updated: DateTime<Utc>,
    /// Who set it.
    pub updated_by: String,
}

/// What is deprovisioned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum DeletionKind {
    /// A DELETE.
    Delete,
    /// `active` set to false (PATCH or PUT).
    Deactivate,
}

impl DeletionKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Delete => "delete",
            Self::Deactivate => "deactivate",
        }
    }

    fn parse(s: &str) -> CoreResult<Self> {
        match s {
            "delete" => Ok(Self::Delete),
            "deactivate" => Ok(Self::Deactivate),
            other => Err(CoreError::Corrupt(format!("deletion kind {other}"))),
        }
    }
}

/// A deletion the threshold stops: written once the request's own transaction is dropped.
#[derive(Debug)]
pub(crate) struct Hold {
    configuration: ConfigurationId,
    user_id: String,
    user_name: Option<String>,
    kind: DeletionKind,
    detail: String,
    retry_after: u64,
}

tokio::task_local! {
    /// Set while an admin releases held deletions: they are applied, not judged again.
    static RELEASING: ();
}

impl Store {
    /// The configuration's threshold, if it has one.
    pub async fn deletion_threshold(
        &self,
        configuration: ConfigurationId,
    ) -> CoreResult<Option<ThresholdSettings>> {
        let row = db::query(
            "SELECT limit_kind, limit_value, window_minutes, updated_us, updated_by FROM deletion_thresholds WHERE configuration_id = ?",
        )
        .bind(configuration.to_string())
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let threshold = threshold_of(
            &row.try_get::<String, _>("limit_kind")?,
            row.try_get("limit_value")?,
            row.try_get("window_minutes")?,
        )?;
        Ok(Some(ThresholdSettings {
            description: threshold.describe(),
            threshold,
            updated: to_time(row.try_get("updated_us")?)?,
            updated_by: row.try_get("updated_by")?,
        }))
    }

    /// Sets the configuration's threshold (audited). The first time, a `deletionsHeld` alert
    /// rule is added for the configuration unless it has one, so that a hold is never silent.
    pub async fn set_deletion_threshold(
        &self,
        configuration: &Configuration,
        threshold: &DeletionThreshold,
        actor: &Actor,
    ) -> CoreResult<ThresholdSettings> {
        threshold.check()?;
        let (kind, value) = match threshold.limit {
            DeletionLimit::Count(n) => ("count", n),
            DeletionLimit::Percent(p) => ("percent", p),
        };
        let now = self.now_us();
        let mut w = self.writer().await?;
        let mut tx = w.begin().await?;
        db::query(
            "INSERT INTO deletion_thresholds (configuration_id, limit_kind, limit_value, window_minutes, updated_us, updated_by)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (configuration_id) DO UPDATE SET limit_kind = excluded.limit_kind, limit_value = excluded.limit_value,
               window_minutes = excluded.window_minutes, updated_us = excluded.updated_us, updated_by = excluded.updated_by",
        )
        .bind(configuration.id.to_string())
        .bind(kind)
        .bind(i64::from(value))
        .bind(i64::from(threshold.window_minutes))
        .bind(now)
        .bind(&actor.name)
        .execute(&mut tx)
        .await?;
        audit::record(
            &mut tx,
            now,
            actor,
            "deletionThreshold.set",
            Subject {
                configuration: Some((configuration.id, &configuration.name)),
                target: None,
            },
            &json!({"threshold": threshold, "description": threshold.describe()}),
        )
        .await?;
        tx.commit().await?;
        drop(w);
        self.ensure_held_alert(configuration.id, actor).await?;
        self.deletion_threshold(configuration.id)
            .await?
            .ok_or_else(|| CoreError::Corrupt("deletion threshold vanished".into()))
    }

    /// Removes the threshold (audited): deletions go through again; held ones stay held until
    /// an admin decides.
    pub async fn clear_deletion_threshold(
        &self,
        configuration: &Configuration,
        actor: &Actor,
    ) -> CoreResult<()> {
        let now = self.now_us();
        let mut w = self.writer().await?;
        let mut tx = w.begin().await?;
        let gone = db::query("DELETE FROM deletion_thresholds WHERE configuration_id = ?")
            .bind(configuration.id.to_string())
            .execute(&mut tx)
            .await?;
        if gone.rows_affected() == 0 {
            return Err(CoreError::NotFound(
                "no deletion threshold is set for this configuration".into(),
            ));
        }
        audit::record(
            &mut tx,
            now,
            actor,
            "deletionThreshold.clear",
            Subject {
                configuration: Some((configuration.id, &configuration.name)),
                target: None,
            },
            &json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds a `deletionsHeld` alert rule for the configuration unless it has one.
    async fn ensure_held_alert(
        &self,
        configuration: ConfigurationId,
        actor: &Actor,
    ) -> CoreResult<()> {
        let rules = self.alert_rules(Some(configuration)).await?;
        if rules
            .iter()
            .any(|r| r.condition == crate::alerts::AlertCondition::DeletionsHeld)
        {
            return Ok(());
        }
        self.create_alert_rule(
            configuration,
            &crate::alerts::NewAlertRule {
                name: "Deletions held".into(),
                condition: crate::alerts::AlertCondition::DeletionsHeld,
                enabled: true,
                webhook_url: None,
                email_to: Vec::new(),
            },
            actor,
        )
        .await?;
        Ok(())
    }

    /// Judges a deletion or deactivation of a user about to be written in `tx`: without a
    /// threshold, or while an admin releases it, it goes through; under the threshold it is
    /// counted and goes through; beyond it, the [`Hold`] to record once `tx` is dropped.
    pub(crate) async fn judge_deletion(
        &self,
        tx: &mut impl Link,
        configuration: &Configuration,
        user_id: &str,
        user_name: Option<&str>,
        kind: DeletionKind,
    ) -> CoreResult<Option<Hold>> {
        if RELEASING.try_with(|()| ()).is_ok() {
            return Ok(None);
        }
        let cfg = configuration.id.to_string();
        let Some(row) = db::query(
            "SELECT limit_kind, limit_value, window_minutes FROM deletion_thresholds WHERE configuration_id = ?",
        )
        .bind(&cfg)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(None);
        };
        let threshold = threshold_of(
            &row.try_get::<String, _>("limit_kind")?,
            row.try_get("limit_value")?,
            row.try_get("window_minutes")?,
        )?;
        let now = self.now_us();
        let since = now - i64::from(threshold.window_minutes) * MINUTE_US;
        let counts = db::query(
            "SELECT COUNT(*) AS applied, CAST(COALESCE(SUM(CASE WHEN kind = 'delete' THEN 1 ELSE 0 END), 0) AS BIGINT) AS deleted,
                    (SELECT COALESCE(MAX(total), 0) FROM directory_counts WHERE configuration_id = ? AND resource_type = 'User') AS users
             FROM deletions WHERE configuration_id = ? AND state = 'applied' AND at_us > ?",
        )
        .bind(&cfg)
        .bind(&cfg)
        .bind(since)
        .fetch_one(&mut *tx)
        .await?;
        let applied: i64 = counts.try_get("applied")?;
        let allowed = threshold.allowed(counts.try_get("users")?, counts.try_get("deleted")?);
        if applied >= allowed {
            let retry_after = u64::from(threshold.window_minutes.min(60)) * 60;
            return Ok(Some(Hold {
                configuration: configuration.id,
                user_id: user_id.to_owned(),
                user_name: user_name.map(str::to_owned),
                kind,
                detail: format!(
                    "the accidental-deletion threshold of configuration \"{}\" ({}) is reached: this {} is held until an admin releases it; retry later; {REQUEST_HELD}",
                    configuration.name,
                    threshold.describe(),
                    if kind == DeletionKind::Delete {
                        "deletion"
                    } else {
                        "deactivation"
                    }
                ),
                retry_after,
            }));
        }
        // Counted; what fell out of the longest window goes.
        db::query(
            "DELETE FROM deletions WHERE configuration_id = ? AND state = 'applied' AND at_us < ?",
        )
        .bind(&cfg)
        .bind(now - i64::from(MAX_WINDOW_MINUTES) * MINUTE_US)
        .execute(&mut *tx)
        .await?;
        db::query(
            "INSERT INTO deletions (id, configuration_id, user_id, user_name, kind, state, at_us) VALUES (?, ?, ?, ?, ?, 'applied', ?)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(&cfg)
        .bind(user_id)
        .bind(user_name)
        .bind(kind.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        Ok(None)
    }

    /// Records a hold (a repeat of one already held counts as another attempt) and returns
    /// the error that answers the request: 503 with `Retry-After`.
    pub(crate) async fn hold_deletion(&self, hold: Hold) -> CoreError {
        match self.record_hold(&hold).await {
            Ok(()) => CoreError::Held {
                detail: hold.detail,
                retry_after: hold.retry_after,
            },
            Err(e) => e,
        }
    }

    async fn record_hold(&self, hold: &Hold) -> CoreResult<()> {
        let cfg = hold.configuration.to_string();
        let now = self.now_us();
        let mut w = self.writer().await?;
        let mut tx = w.begin().await?;
        let repeated = db::query(
            "UPDATE deletions SET attempts = attempts + 1 WHERE configuration_id = ? AND user_id = ? AND kind = ? AND state = 'held'",
        )
        .bind(&cfg)
        .bind(&hold.user_id)
        .bind(hold.kind.as_str())
        .execute(&mut tx)
        .await?;
        if repeated.rows_affected() == 0 {
            db::query(
                "INSERT INTO deletions (id, configuration_id, user_id, user_name, kind, state, at_us) VALUES (?, ?, ?, ?, ?, 'held', ?)",
            )
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(&cfg)
            .bind(&hold.user_id)
            .bind(hold.user_name.as_deref())
            .bind(hold.kind.as_str())
            .bind(now)
            .execute(&mut tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Whether a write takes an active user to inactive (`active` absent counts as active).
pub(crate) fn deactivates(
    before: &serde_json::Map<String, serde_json::Value>,
    after: &serde_json::Map<String, serde_json::Value>,
) -> bool {
    let inactive = |m: &serde_json::Map<String, serde_json::Value>| {
        m.get("active") == Some(&serde_json::Value::Bool(false))
    };
    !inactive(before) && inactive(after)
}

fn threshold_of(kind: &str, value: i64, window: i64) -> CoreResult<DeletionThreshold> {
    let corrupt = |what: &str| CoreError::Corrupt(format!("deletion threshold {what}"));
    let value = u32::try_from(value).map_err(|_| corrupt("limit"))?;
    Ok(DeletionThreshold {
        limit: match kind {
            "count" => DeletionLimit::Count(value),
            "percent" => DeletionLimit::Percent(value),
            _ => return Err(corrupt("kind")),
        },
        window_minutes: u32::try_from(window).map_err(|_| corrupt("window"))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_checked_and_read_as_json() {
        let t: DeletionThreshold =
            serde_json::from_value(json!({"limit": {"count": 5}, "windowMinutes": 60})).unwrap();
        assert_eq!(t.limit, DeletionLimit::Count(5));
        assert!(t.check().is_ok());
        assert_eq!(
            t.describe(),
            "5 deletions or deactivations within 60 minutes"
        );
        for (bad, field) in [
            (
                json!({"limit": {"count": 0}, "windowMinutes": 60}),
                "limit.count",
            ),
            (
                json!({"limit": {"percent": 101}, "windowMinutes": 60}),
                "limit.percent",
            ),
            (
                json!({"limit": {"percent": 5}, "windowMinutes": 0}),
                "windowMinutes",
            ),
            (
                json!({"limit": {"percent": 5}, "windowMinutes": 10_081}),
                "windowMinutes",
            ),
        ] {
            let t: DeletionThreshold = serde_json::from_value(bad).unwrap();
            let err = t.check().unwrap_err().to_string();
            assert!(err.starts_with(field), "{err}");
        }
        assert!(
            serde_json::from_value::<DeletionThreshold>(
                json!({"limit": {"count": 1, "percent": 2}, "windowMinutes": 5})
            )
            .is_err()
        );
    }

    #[test]
    fn a_percentage_counts_the_users_deleted_in_the_window_too() {
        let t = DeletionThreshold {
            limit: DeletionLimit::Percent(10),
            window_minutes: 60,
        };
        assert_eq!(t.allowed(95, 5), 10);
        assert_eq!(
            t.allowed(3, 0),
            1,
            "rounded up: a small directory allows one"
        );
        assert_eq!(t.allowed(0, 0), 0);
        let c = DeletionThreshold {
            limit: DeletionLimit::Count(7),
            window_minutes: 60,
        };
        assert_eq!(c.allowed(1_000, 0), 7);
        assert_eq!(DeletionKind::parse("delete").unwrap(), DeletionKind::Delete);
        assert!(DeletionKind::parse("x").is_err());
    }
}
