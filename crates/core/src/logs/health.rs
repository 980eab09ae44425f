//! A configuration's provisioning health, as Entra ID's quarantine shows it: per user, the last
//! failed request of the window and whether a later request for that user succeeded; and per
//! configuration a state — **failing** (most requests of the last hour fail), **degraded** (users
//! whose last request failed are left) or **healthy** — with the reason in a sentence.
//!
//! Bounded work: the newest 1,000 failures of the window (the failure index), at most
//! [`MAX_USERS`] users, and per user one look-up by resource id (the resource index).

use std::collections::HashSet;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::configuration::Configuration;
use crate::db;
use crate::error::CoreResult;
use crate::store::Store;
use crate::time::to_time;

/// The most users a health report lists.
pub const MAX_USERS: usize = 100;
/// Requests in the last hour from which a failure rate can make a configuration failing.
const MIN_REQUESTS: i64 = 5;
const HOUR_US: i64 = 3_600_000_000;

/// How a configuration's provisioning goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum HealthState {
    /// No user is left failing.
    Healthy,
    /// Some users' last request failed.
    Degraded,
    /// Most requests of the last hour failed.
    Failing,
}

/// A user whose request failed in the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserFailure {
    /// The user: its userName, or its id when the record has no name.
    pub user: String,
    /// Its id in the directory, when known.
    pub resource_id: Option<String>,
    /// The last failed request's position in the provisioning log.
    pub seq: i64,
    /// When it failed.
    pub at: DateTime<Utc>,
    /// Its method.
    pub method: String,
    /// The status answered.
    pub status: u16,
    /// The SCIM error type.
    pub scim_type: Option<String>,
    /// Why.
    pub detail: Option<String>,
    /// When a later request for the user succeeded, if one did.
    pub recovered: Option<DateTime<Utc>>,
}

/// A configuration's health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ConfigurationHealth {
    /// The state.
    pub state: HealthState,
    /// Why, in a sentence.
    pub reason: String,
    /// The window looked at, in hours.
    pub hours: u32,
    /// Requests in the last hour.
    pub requests_last_hour: i64,
    /// Failed requests in the last hour.
    pub failures_last_hour: i64,
    /// Users whose last request failed and none succeeded since.
    pub unresolved: usize,
    /// Users who failed and then succeeded.
    pub recovered: usize,
    /// The users, newest failure first: unresolved ones, then recovered ones.
    pub users: Vec<UserFailure>,
    /// The configuration's alerts that hold now: any of them makes it at least degraded.
    pub firing_alerts: Vec<FiringAlert>,
    /// When its last request arrived, if it ever had one.
    pub last_request: Option<DateTime<Utc>>,
    /// When its last failed request arrived, if one did.
    pub last_failure: Option<DateTime<Utc>>,
}

/// An alert rule whose alert holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FiringAlert {
    /// The rule's id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its condition in words.
    pub description: String,
    /// Since when it holds.
    pub since: DateTime<Utc>,
}

impl Store {
    /// The configuration's health over the last `hours` hours (1 to 168).
    pub async fn configuration_health(
        &self,
        configuration: &Configuration,
        hours: u32,
    ) -> CoreResult<ConfigurationHealth> {
        let hours = hours.clamp(1, 168);
        let now = self.now_us();
        let cfg = configuration.id.to_string();
        let rows = db::query(
            "SELECT seq, at_us, method, resource_id, resource_name, status, scim_type, detail FROM provisioning_log
             WHERE configuration_id = ? AND outcome <> 'success' AND outcome = 'failure' AND direction = 'inbound' AND at_us > ?
               AND (resource_name IS NOT NULL OR resource_id IS NOT NULL)
             ORDER BY seq DESC LIMIT 1000",
        )
        .bind(&cfg)
        .bind(now - i64::from(hours) * HOUR_US)
        .fetch_all(self.log_database())
        .await?;
        let mut seen = HashSet::new();
        let mut users = Vec::new();
        for row in &rows {
            let name: Option<String> = row.try_get("resource_name")?;
            let id: Option<String> = row.try_get("resource_id")?;
            let Some(user) = name.clone().or_else(|| id.clone()) else {
                continue;
            };
            if !seen.insert(user.to_lowercase()) {
                continue;
            }
            users.push(UserFailure {
                user,
                resource_id: id,
                seq: row.try_get("seq")?,
                at: to_time(row.try_get("at_us")?)?,
                method: row.try_get("method")?,
                status: u16::try_from(row.try_get::<i64, _>("status")?).unwrap_or(0),
                scim_type: row.try_get("scim_type")?,
                detail: row.try_get("detail")?,
                recovered: None,
            });
            if users.len() == MAX_USERS {
                break;
            }
        }
        let schema = scim::SchemaRegistry::standard();
        for failure in &mut users {
            failure.recovered = self
                .recovered(configuration, schema.user(), failure)
                .await?;
        }
        users.sort_by_key(|u| (u.recovered.is_some(), std::cmp::Reverse(u.seq)));
        let (requests, failures) = self.last_hour(&cfg, now).await?;
        let unresolved = users.iter().filter(|u| u.recovered.is_none()).count();
        let recovered = users.len() - unresolved;
        let firing_alerts: Vec<FiringAlert> = self
            .alert_rules(Some(configuration.id))
            .await?
            .into_iter()
            .filter(|rule| rule.enabled)
            .filter_map(|rule| {
                Some(FiringAlert {
                    since: rule.firing_since?,
                    id: rule.id,
                    name: rule.name,
                    description: rule.description,
                })
            })
            .collect();
        let counts = Counts {
            requests,
            failures,
            unresolved,
            recovered,
        };
        let (state, reason) = judge(counts, &users, &firing_alerts, hours);
        Ok(ConfigurationHealth {
            state,
            reason,
            hours,
            requests_last_hour: requests,
            failures_last_hour: failures,
            unresolved,
            recovered,
            users,
            firing_alerts,
            last_request: self.last_at(&cfg, false).await?,
            last_failure: self.last_at(&cfg, true).await?,
        })
    }

    /// When the configuration's last request (or last failed one) arrived: the newest record
    /// by the configuration's (or the outcome's) index.
    async fn last_at(&self, cfg: &str, failed: bool) -> CoreResult<Option<DateTime<Utc>>> {
        let sql = if failed {
            "SELECT at_us FROM provisioning_log WHERE configuration_id = ? AND outcome = 'failure' AND outcome <> 'success'
             ORDER BY seq DESC LIMIT 1"
        } else {
            "SELECT at_us FROM provisioning_log WHERE configuration_id = ? ORDER BY seq DESC LIMIT 1"
        };
        let at: Option<i64> = db::query_scalar(sql)
            .bind(cfg)
            .fetch_optional(self.log_database())
            .await?;
        at.map(to_time).transpose()
    }

    /// When a request for the failed user succeeded after the failure, if one did: looked up by
    /// its id (a failed create has none: the user's id in the directory, by userName, if it is
    /// there now).
    async fn recovered(
        &self,
        configuration: &Configuration,
        schema: &scim::ResourceSchema,
        failure: &UserFailure,
    ) -> CoreResult<Option<DateTime<Utc>>> {
        let id = if let Some(id) = &failure.resource_id {
            id.clone()
        } else {
            let found = self
                .users_with_value(configuration, schema, "userName", &failure.user, 1)
                .await?;
            match found
                .first()
                .and_then(|u| u.get("id"))
                .and_then(|v| v.as_str())
            {
                Some(id) => id.to_owned(),
                None => return Ok(None),
            }
        };
        let row = db::query(
            "SELECT MIN(at_us) AS at FROM provisioning_log
             WHERE resource_id = ? AND configuration_id = ? AND seq > ? AND outcome <> 'failure' AND direction = 'inbound'",
        )
        .bind(&id)
        .bind(configuration.id.to_string())
        .bind(failure.seq)
        .fetch_one(self.log_database())
        .await?;
        row.try_get::<Option<i64>, _>("at")?
            .map(to_time)
            .transpose()
    }

    /// Requests and failures of the last hour.
    async fn last_hour(&self, cfg: &str, now: i64) -> CoreResult<(i64, i64)> {
        let minute = now.div_euclid(60_000_000);
        let row = db::query(
            "SELECT CAST(COALESCE(SUM(requests), 0) AS BIGINT) AS requests, CAST(COALESCE(SUM(failures), 0) AS BIGINT) AS failures
             FROM log_minutes WHERE configuration_id = ? AND minute > ? AND minute <= ?",
        )
        .bind(cfg)
        .bind(minute - 60)
        .bind(minute)
        .fetch_one(self.log_database())
        .await?;
        Ok((row.try_get("requests")?, row.try_get("failures")?))
    }
}

/// What the state is judged from.
#[derive(Debug, Clone, Copy)]
struct Counts {
    /// Requests of the last hour.
    requests: i64,
    /// Failed ones.
    failures: i64,
    /// Users left failing.
    unresolved: usize,
    /// Users who recovered.
    recovered: usize,
}

/// The state and its reason: failing by the last hour's rate, else degraded by a firing alert
/// or by users left failing, else healthy.
fn judge(
    counts: Counts,
    users: &[UserFailure],
    firing: &[FiringAlert],
    hours: u32,
) -> (HealthState, String) {
    let Counts {
        requests,
        failures,
        unresolved,
        recovered,
    } = counts;
    let alerts = (!firing.is_empty()).then(|| {
        let names: Vec<String> = firing
            .iter()
            .map(|a| format!("\"{}\" ({})", a.name, a.description))
            .collect();
        let word = if firing.len() == 1 { "alert" } else { "alerts" };
        format!("{word} firing: {}", names.join(", "))
    });
    let example = users.iter().find(|u| u.recovered.is_none()).map(|u| {
        let mut why = format!("{} ({} {}", u.user, u.method, u.status);
        if let Some(t) = &u.scim_type {
            let _ = write!(why, " {t}");
        }
        why.push(')');
        if let Some(d) = &u.detail {
            let short: String = d.chars().take(160).collect();
            let _ = write!(why, ": {short}");
        }
        why
    });
    if requests >= MIN_REQUESTS && failures * 2 >= requests {
        let mut reason = format!("{failures} of the {requests} requests of the last hour failed");
        if let Some(e) = example {
            let _ = write!(reason, "; e.g. {e}");
        }
        if let Some(a) = alerts {
            let _ = write!(reason, "; {a}");
        }
        return (HealthState::Failing, reason);
    }
    if let Some(mut reason) = alerts {
        if unresolved > 0 {
            let _ = write!(
                reason,
                "; the last request of {unresolved} user{} failed",
                if unresolved == 1 { "" } else { "s" }
            );
        }
        return (HealthState::Degraded, reason);
    }
    if unresolved > 0 {
        let users_word = if unresolved == 1 { "user's" } else { "users'" };
        let mut reason = format!(
            "the last request of {unresolved} {users_word} failed in the last {hours} hours, and none succeeded since"
        );
        if let Some(e) = example {
            let _ = write!(reason, ": e.g. {e}");
        }
        return (HealthState::Degraded, reason);
    }
    let reason = if recovered > 0 {
        format!(
            "every failure of the last {hours} hours was followed by a success ({recovered} user{} recovered)",
            if recovered == 1 { "" } else { "s" }
        )
    } else {
        format!("no request for a user failed in the last {hours} hours")
    };
    (HealthState::Healthy, reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(user: &str, recovered: bool) -> UserFailure {
        UserFailure {
            user: user.into(),
            resource_id: None,
            seq: 1,
            at: DateTime::from_timestamp(0, 0).unwrap_or_default(),
            method: "POST".into(),
            status: 400,
            scim_type: Some("invalidValue".into()),
            detail: Some("phoneNumbers: not E.164".into()),
            recovered: recovered.then(|| DateTime::from_timestamp(9, 0).unwrap_or_default()),
        }
    }

    fn counts(requests: i64, failures: i64, unresolved: usize, recovered: usize) -> Counts {
        Counts {
            requests,
            failures,
            unresolved,
            recovered,
        }
    }

    #[test]
    fn the_state_follows_the_rate_then_the_users_left_failing() {
        let users = [failure("ada", false), failure("grace", true)];
        let (state, reason) = judge(counts(10, 6, 1, 1), &users, &[], 24);
        assert_eq!(state, HealthState::Failing);
        assert!(reason.starts_with("6 of the 10 requests"), "{reason}");
        // Too few requests for a rate: judged by the users.
        let (state, reason) = judge(counts(3, 3, 1, 1), &users, &[], 24);
        assert_eq!(state, HealthState::Degraded);
        assert!(
            reason.contains("ada (POST 400 invalidValue): phoneNumbers: not E.164"),
            "{reason}"
        );
        let (state, reason) = judge(counts(10, 1, 0, 1), &users[1..], &[], 24);
        assert_eq!(state, HealthState::Healthy);
        assert!(reason.contains("1 user recovered"), "{reason}");
        let (state, reason) = judge(counts(0, 0, 0, 0), &[], &[], 24);
        assert_eq!(state, HealthState::Healthy);
        assert!(reason.starts_with("no request"), "{reason}");
    }

    #[test]
    fn a_firing_alert_makes_a_configuration_at_least_degraded() {
        let alert = FiringAlert {
            id: 1,
            name: "Failures".into(),
            description: "at least 50% of requests fail over 15 minutes (from 10 requests)".into(),
            since: DateTime::from_timestamp(0, 0).unwrap_or_default(),
        };
        let (state, reason) = judge(counts(4, 2, 0, 0), &[], std::slice::from_ref(&alert), 24);
        assert_eq!(state, HealthState::Degraded);
        assert!(reason.starts_with("alert firing: \"Failures\""), "{reason}");
        let (state, reason) = judge(counts(10, 6, 0, 0), &[], &[alert], 24);
        assert_eq!(state, HealthState::Failing);
        assert!(reason.ends_with("(from 10 requests))"), "{reason}");
    }
}
