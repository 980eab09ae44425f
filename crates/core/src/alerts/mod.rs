//! Alert rules: per configuration, a condition over the provisioning log's statistics or its
//! tokens — the failure rate above a threshold over a window, no traffic for a number of
//! hours, a revoked token still being used, a token about to expire or due for rotation — that
//! raises an alert once when it starts to hold and resolves it
//! once when it stops. Alerts go to the history ([`AlertEvent`]), to the desktop's
//! notifications and, when the rule has one, to a webhook (whose address is sealed in storage:
//! it usually carries its credential in its path).

use crate::db::{self, Link};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::json;

use crate::audit::{self, Actor, Subject};
use crate::configuration::ConfigurationId;
use crate::error::{CoreError, CoreResult};
use crate::store::Store;
use crate::time::to_time;

mod evaluate;
mod token_deadlines;

pub use evaluate::{AlertEvent, AlertEventKind, AlertEventQuery, WebhookState};

/// When a rule's alert holds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum AlertCondition {
    /// At least `percent` % of the requests of the last `minutes` minutes failed, counting only
    /// windows with at least `minRequests` requests (a single failure at night is no outage).
    #[serde(rename_all = "camelCase")]
    FailureRate {
        /// The threshold, above 0 and at most 100.
        percent: f64,
        /// The window, 1 to 1,440 minutes.
        minutes: u32,
        /// The fewest requests in the window for the rule to judge (default 10).
        #[serde(default = "default_min_requests")]
        min_requests: u32,
    },
    /// No request at all for `hours` hours (the identity provider stopped provisioning).
    NoTraffic {
        /// 1 to 720 hours.
        hours: u32,
    },
    /// A revoked token was presented in the last `minutes` minutes: a client still holds a
    /// credential taken away from it (or someone tries one that leaked).
    RevokedTokenUsed {
        /// The window, 1 to 1,440 minutes (default 60).
        #[serde(default = "default_revoked_minutes")]
        minutes: u32,
    },
    /// A token in use expires within `days` days, or has expired without being revoked: the
    /// identity provider is about to lose (or has lost) its access.
    TokenExpiring {
        /// How far ahead, 1 to 365 days (default 14).
        #[serde(default = "default_token_days")]
        days: u32,
    },
    /// A token in use is due for rotation under the configuration's policy within `days` days
    /// (0: only once it is overdue).
    RotationOverdue {
        /// How far ahead, 0 to 365 days (default 0).
        #[serde(default)]
        days: u32,
    },
    /// The accidental-deletion threshold holds deletions or deactivations waiting for an
    /// admin to release or discard them.
    DeletionsHeld,
}

fn default_token_days() -> u32 {
    14
}

fn default_min_requests() -> u32 {
    10
}

fn default_revoked_minutes() -> u32 {
    60
}

impl AlertCondition {
    /// Checks the condition's numbers, naming the one at fault.
    pub fn validate(&self) -> CoreResult<()> {
        match *self {
            Self::FailureRate {
                percent,
                minutes,
                min_requests,
            } => {
                if !(percent > 0.0 && percent <= 100.0) {
                    return Err(CoreError::invalid(
                        "condition.percent",
                        "must be above 0 and at most 100",
                    ));
                }
                window("condition.minutes", minutes, 1_440)?;
                window("condition.minRequests", min_requests, 1_000_000)
            }
            Self::NoTraffic { hours } => window("condition.hours", hours, 720),
            Self::RevokedTokenUsed { minutes } => window("condition.minutes", minutes, 1_440),
            Self::TokenExpiring { days } => window("condition.days", days, 365),
            Self::RotationOverdue { days } if days > 365 => {
                Err(CoreError::invalid("condition.days", "must be 0 to 365"))
            }
            Self::RotationOverdue { .. } | Self::DeletionsHeld => Ok(()),
        }
    }

    /// The condition in words.
    pub fn describe(&self) -> String {
        match *self {
            Self::FailureRate {
                percent,
                minutes,
                min_requests,
            } => format!(
                "at least {percent}% of requests fail over {minutes} minutes (from {min_requests} requests)"
            ),
            Self::NoTraffic { hours } => format!("no requests for {hours} hours"),
            Self::RevokedTokenUsed { minutes } => {
                format!("a revoked token is used (looking back {minutes} minutes)")
            }
            Self::TokenExpiring { days } => {
                format!("a token expires within {days} days, or has expired")
            }
            Self::RotationOverdue { days: 0 } => "a token is overdue for rotation".to_owned(),
            Self::RotationOverdue { days } => {
                format!("a token is due for rotation within {days} days, or overdue")
            }
            Self::DeletionsHeld => {
                "deletions are held by the accidental-deletion threshold".to_owned()
            }
        }
    }
}

fn window(field: &'static str, value: u32, max: u32) -> CoreResult<()> {
    if (1..=max).contains(&value) {
        Ok(())
    } else {
        Err(CoreError::invalid(field, format!("must be 1 to {max}")))
    }
}

/// A rule, as shown: never the webhook's full address.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AlertRule {
    /// Its id.
    pub id: i64,
    /// The configuration it watches.
    pub configuration_id: ConfigurationId,
    /// Its name.
    pub name: String,
    /// When it fires.
    pub condition: AlertCondition,
    /// The condition in words.
    pub description: String,
    /// Whether it is evaluated.
    pub enabled: bool,
    /// The webhook's origin (`https://hooks.example.com/…`), if it has one.
    pub webhook: Option<String>,
    /// Who receives each alert by email (through the console's relay).
    #[serde(default)]
    pub email_to: Vec<String>,
    /// When it was created.
    pub created: DateTime<Utc>,
    /// Since when its alert holds, if it does.
    pub firing_since: Option<DateTime<Utc>>,
    /// When it was last evaluated.
    pub last_evaluated: Option<DateTime<Utc>>,
}

/// A rule to create.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewAlertRule {
    /// Its name (1 to 200 characters).
    pub name: String,
    /// When it fires.
    pub condition: AlertCondition,
    /// Whether it is evaluated (default true).
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
    /// An `http(s)://` address that receives each alert as a JSON POST.
    #[serde(default)]
    pub webhook_url: Option<String>,
    /// Addresses that receive each alert, raised and resolved, by email (at most 20).
    #[serde(default)]
    pub email_to: Vec<String>,
}

fn enabled_by_default() -> bool {
    true
}

/// Changes to a rule: absent fields stay; `webhookUrl: null` removes the webhook.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AlertRuleUpdate {
    /// A new name.
    #[serde(default)]
    pub name: Option<String>,
    /// A new condition (the alert, if it holds, is judged again at the next evaluation).
    #[serde(default)]
    pub condition: Option<AlertCondition>,
    /// Enables or disables it (disabling resolves nothing: its history stays).
    #[serde(default)]
    pub enabled: Option<bool>,
    /// A new webhook address, or `null` for none.
    #[serde(default, deserialize_with = "webhook_change")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub webhook_url: WebhookChange,
    /// New email recipients (an empty list: none).
    #[serde(default)]
    pub email_to: Option<Vec<String>>,
}

/// What an update does to a rule's webhook.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum WebhookChange {
    /// Leave it (the field was absent).
    #[default]
    Keep,
    /// Remove it (`null`).
    Remove,
    /// Call this address from now on.
    Set(String),
}

/// `null` removes the webhook, a string sets it; an absent field keeps it (the default).
fn webhook_change<'de, D: Deserializer<'de>>(d: D) -> Result<WebhookChange, D::Error> {
    Ok(match Option::<String>::deserialize(d)? {
        Some(url) => WebhookChange::Set(url),
        None => WebhookChange::Remove,
    })
}

fn check_name(name: &str) -> CoreResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(CoreError::invalid("name", "must be 1 to 200 characters"));
    }
    Ok(name.to_owned())
}

/// What of a webhook address may be shown: its scheme and host (never a user or password
/// before the host, never the path, which usually holds the credential).
pub fn webhook_origin(url: &str) -> CoreResult<String> {
    let bad = |reason: &str| CoreError::invalid("webhookUrl", reason);
    if url.len() > 2_048 || url.chars().any(char::is_whitespace) {
        return Err(bad(
            "must be an http:// or https:// address of at most 2048 characters without spaces",
        ));
    }
    let (scheme, rest) = url
        .split_once("://")
        .filter(|(s, _)| s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https"))
        .ok_or_else(|| bad("must start with http:// or https://"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    if host.is_empty() || host.starts_with(':') {
        return Err(bad("has no host"));
    }
    let more = rest.len() > authority.len() && rest[authority.len()..] != *"/";
    Ok(format!(
        "{}://{host}{}",
        scheme.to_ascii_lowercase(),
        if more { "/…" } else { "" }
    ))
}

const RULE_COLUMNS: &str = "id, configuration_id, name, condition, enabled, webhook_shown, email_to, created_us, firing_since_us, last_evaluated_us";

fn rule_from_row(row: &db::Row) -> CoreResult<AlertRule> {
    let configuration: String = row.try_get("configuration_id")?;
    let condition: String = row.try_get("condition")?;
    let condition: AlertCondition = serde_json::from_str(&condition)
        .map_err(|e| CoreError::Corrupt(format!("alert rule condition: {e}")))?;
    let optional_time = |column: &str| -> CoreResult<Option<DateTime<Utc>>> {
        row.try_get::<Option<i64>, _>(column)?
            .map(to_time)
            .transpose()
    };
    Ok(AlertRule {
        id: row.try_get("id")?,
        configuration_id: ConfigurationId::parse(&configuration)
            .ok_or_else(|| CoreError::Corrupt(configuration.clone()))?,
        name: row.try_get("name")?,
        description: condition.describe(),
        condition,
        enabled: row.try_get("enabled")?,
        webhook: row.try_get("webhook_shown")?,
        email_to: serde_json::from_str(&row.try_get::<String, _>("email_to")?)
            .map_err(|e| CoreError::Corrupt(format!("alert recipients: {e}")))?,
        created: to_time(row.try_get("created_us")?)?,
        firing_since: optional_time("firing_since_us")?,
        last_evaluated: optional_time("last_evaluated_us")?,
    })
}

/// Writes the audit record of a change to rule `id`, in the change's transaction.
async fn audit_rule(
    conn: &mut impl Link,
    now: i64,
    actor: &Actor,
    action: &str,
    configuration: (ConfigurationId, &str),
    id: i64,
    details: &serde_json::Value,
) -> CoreResult<()> {
    let target = id.to_string();
    audit::record(
        conn,
        now,
        actor,
        action,
        Subject {
            configuration: Some(configuration),
            target: Some(&target),
        },
        details,
    )
    .await
}

impl Store {
    /// A webhook address sealed for storage, with what of it may be shown.
    fn seal_webhook(&self, url: &str) -> CoreResult<(Vec<u8>, String)> {
        let shown = webhook_origin(url)?;
        let key = self.sealing_key().ok_or_else(|| {
            CoreError::Forbidden(
                "alert webhooks need the console's master key, which this process did not load"
                    .into(),
            )
        })?;
        Ok((key.seal(url)?, shown))
    }

    /// The rules of a configuration (all of them without one), oldest first.
    pub async fn alert_rules(
        &self,
        configuration: Option<ConfigurationId>,
    ) -> CoreResult<Vec<AlertRule>> {
        let rows = db::query(format!(
            "SELECT {RULE_COLUMNS} FROM alert_rules WHERE ?1 IS NULL OR configuration_id = ?1 ORDER BY id"
        ))
        .bind(configuration.map(|c| c.to_string()))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(rule_from_row).collect()
    }

    /// One rule.
    pub async fn alert_rule(&self, id: i64) -> CoreResult<AlertRule> {
        let row = db::query(format!(
            "SELECT {RULE_COLUMNS} FROM alert_rules WHERE id = ?"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| CoreError::NotFound(format!("alert rule {id}")))?;
        rule_from_row(&row)
    }

    /// Writes down, in the audit log, a test call of a rule's webhook and how it went.
    pub async fn record_webhook_test(
        &self,
        rule: &AlertRule,
        configuration_name: &str,
        outcome: &str,
        actor: &Actor,
    ) -> CoreResult<()> {
        let mut w = self.writer().await?;
        audit::record(
            &mut w,
            self.now_us(),
            actor,
            "alert.webhookTest",
            Subject {
                configuration: Some((rule.configuration_id, configuration_name)),
                target: Some(&rule.name),
            },
            &json!({ "rule": rule.id, "outcome": outcome }),
        )
        .await
    }

    /// Creates a rule for a configuration.
    pub async fn create_alert_rule(
        &self,
        configuration: ConfigurationId,
        rule: &NewAlertRule,
        actor: &Actor,
    ) -> CoreResult<AlertRule> {
        let name = check_name(&rule.name)?;
        rule.condition.validate()?;
        let email_to = crate::email::checked_recipients("emailTo", &rule.email_to)?;
        let webhook = rule
            .webhook_url
            .as_deref()
            .map(|url| self.seal_webhook(url))
            .transpose()?;
        let config = self.configuration(configuration).await?;
        let now = self.now_us();
        let mut w = self.writer().await?;
        let mut tx = w.begin().await?;
        let id: i64 = db::query_scalar(
            "INSERT INTO alert_rules (configuration_id, name, condition, enabled, webhook_sealed, webhook_shown, email_to, created_us)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(configuration.to_string())
        .bind(&name)
        .bind(serde_json::to_string(&rule.condition).unwrap_or_default())
        .bind(rule.enabled)
        .bind(webhook.as_ref().map(|(sealed, _)| sealed.clone()))
        .bind(webhook.as_ref().map(|(_, shown)| shown.clone()))
        .bind(serde_json::to_string(&email_to).unwrap_or_else(|_| "[]".into()))
        .bind(now)
        .fetch_one(&mut tx)
        .await?;
        let details = json!({"name": name, "condition": rule.condition, "enabled": rule.enabled,
                    "webhook": webhook.as_ref().map(|(_, shown)| shown), "emailTo": email_to});
        audit_rule(
            &mut tx,
            now,
            actor,
            "alert.create",
            (configuration, &config.name),
            id,
            &details,
        )
        .await?;
        tx.commit().await?;
        drop(w);
        self.alert_rule(id).await
    }

    /// Changes a rule. A changed condition is judged afresh: an alert that holds is resolved
    /// at the next evaluation if the new condition no longer holds.
    pub async fn update_alert_rule(
        &self,
        id: i64,
        update: &AlertRuleUpdate,
        actor: &Actor,
    ) -> CoreResult<AlertRule> {
        let current = self.alert_rule(id).await?;
        let name = update.name.as_deref().map(check_name).transpose()?;
        if let Some(condition) = &update.condition {
            condition.validate()?;
        }
        let email_to = update
            .email_to
            .as_deref()
            .map(|to| crate::email::checked_recipients("emailTo", to))
            .transpose()?;
        let webhook = match &update.webhook_url {
            WebhookChange::Set(url) => Some(Some(self.seal_webhook(url)?)),
            WebhookChange::Remove => Some(None),
            WebhookChange::Keep => None,
        };
        let config = self.configuration(current.configuration_id).await?;
        let now = self.now_us();
        let mut w = self.writer().await?;
        let mut tx = w.begin().await?;
        db::query(
            "UPDATE alert_rules SET name = COALESCE(?, name), condition = COALESCE(?, condition),
             enabled = COALESCE(?, enabled),
             webhook_sealed = CASE WHEN ? = 1 THEN ? ELSE webhook_sealed END,
             webhook_shown = CASE WHEN ? = 1 THEN ? ELSE webhook_shown END,
             email_to = COALESCE(?, email_to)
             WHERE id = ?",
        )
        .bind(name.clone())
        .bind(
            update
                .condition
                .map(|c| serde_json::to_string(&c).unwrap_or_default()),
        )
        .bind(update.enabled)
        .bind(webhook.is_some())
        .bind(
            webhook
                .as_ref()
                .and_then(|w| w.as_ref().map(|(s, _)| s.clone())),
        )
        .bind(webhook.is_some())
        .bind(
            webhook
                .as_ref()
                .and_then(|w| w.as_ref().map(|(_, s)| s.clone())),
        )
        .bind(
            email_to
                .as_ref()
                .map(|to| serde_json::to_string(to).unwrap_or_else(|_| "[]".into())),
        )
        .bind(id)
        .execute(&mut tx)
        .await?;
        let details = json!({"name": name, "condition": update.condition, "enabled": update.enabled,
                    "webhook": webhook.as_ref().map(|w| w.as_ref().map(|(_, shown)| shown)), "emailTo": email_to});
        audit_rule(
            &mut tx,
            now,
            actor,
            "alert.update",
            (current.configuration_id, &config.name),
            id,
            &details,
        )
        .await?;
        tx.commit().await?;
        drop(w);
        self.alert_rule(id).await
    }

    /// Deletes a rule (its history stays).
    pub async fn delete_alert_rule(&self, id: i64, actor: &Actor) -> CoreResult<()> {
        let current = self.alert_rule(id).await?;
        let config = self.configuration(current.configuration_id).await?;
        let now = self.now_us();
        let mut w = self.writer().await?;
        let mut tx = w.begin().await?;
        db::query("DELETE FROM alert_rules WHERE id = ?")
            .bind(id)
            .execute(&mut tx)
            .await?;
        let details = json!({"name": current.name});
        audit_rule(
            &mut tx,
            now,
            actor,
            "alert.delete",
            (current.configuration_id, &config.name),
            id,
            &details,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The full webhook address of a rule, for delivering its alerts.
    pub async fn alert_webhook(&self, id: i64) -> CoreResult<Option<String>> {
        let sealed: Option<Vec<u8>> =
            db::query_scalar("SELECT webhook_sealed FROM alert_rules WHERE id = ?")
                .bind(id)
                .fetch_optional(self.pool())
                .await?
                .flatten();
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        let key = self.sealing_key().ok_or_else(|| {
            CoreError::Forbidden("alert webhooks need the console's master key".into())
        })?;
        key.open(&sealed).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_addresses_show_only_their_origin() {
        assert_eq!(
            webhook_origin("https://hooks.slack.com/services/T0/B0/XYZ").unwrap(),
            "https://hooks.slack.com/…"
        );
        assert_eq!(
            webhook_origin("http://user:pw@127.0.0.1:8080/hook?key=1").unwrap(),
            "http://127.0.0.1:8080/…"
        );
        assert_eq!(
            webhook_origin("HTTPS://example.com/").unwrap(),
            "https://example.com"
        );
        for bad in [
            "ftp://example.com/x",
            "example.com/x",
            "https:///x",
            "https://a b/",
        ] {
            assert!(webhook_origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn conditions_read_their_json_and_check_their_numbers() {
        let c: AlertCondition =
            serde_json::from_str(r#"{"kind":"failureRate","percent":20,"minutes":15}"#).unwrap();
        assert_eq!(
            c,
            AlertCondition::FailureRate {
                percent: 20.0,
                minutes: 15,
                min_requests: 10
            }
        );
        c.validate().unwrap();
        let c: AlertCondition = serde_json::from_str(r#"{"kind":"revokedTokenUsed"}"#).unwrap();
        assert_eq!(c, AlertCondition::RevokedTokenUsed { minutes: 60 });
        let bad = AlertCondition::FailureRate {
            percent: 0.0,
            minutes: 5,
            min_requests: 1,
        };
        assert!(matches!(
            bad.validate(),
            Err(CoreError::Invalid {
                field: "condition.percent",
                ..
            })
        ));
        assert!(AlertCondition::NoTraffic { hours: 0 }.validate().is_err());
        assert!(AlertCondition::NoTraffic { hours: 721 }.validate().is_err());
        assert!(
            serde_json::from_str::<AlertCondition>(r#"{"kind":"noTraffic","hours":2,"x":1}"#)
                .is_err()
        );
    }
}
