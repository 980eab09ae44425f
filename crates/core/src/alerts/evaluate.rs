//! Evaluating alert rules against the provisioning log's statistics, and the history of the
//! alerts raised and resolved.

use crate::db;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{AlertCondition, AlertRule, rule_from_row};
use crate::administrators::roles::Reach;
use crate::configuration::ConfigurationId;
use crate::error::{CoreError, CoreResult};
use crate::store::Store;
use crate::time::to_time;
use crate::token::DeadlineKind;

/// Whether an alert started or stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum AlertEventKind {
    /// The condition started to hold.
    Raised,
    /// It no longer holds.
    Resolved,
}

impl AlertEventKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Raised => "raised",
            Self::Resolved => "resolved",
        }
    }
}

/// Where the webhook call of an alert stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum WebhookState {
    /// Not yet answered.
    Pending,
    /// Answered with a 2xx.
    Delivered,
    /// Every attempt failed.
    Failed,
}

impl WebhookState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "delivered" => Self::Delivered,
            "failed" => Self::Failed,
            _ => Self::Pending,
        }
    }
}

/// An alert raised or resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AlertEvent {
    /// Its position in the history.
    pub seq: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// The rule.
    pub rule_id: i64,
    /// The rule's name then.
    pub rule_name: String,
    /// The configuration.
    pub configuration_id: ConfigurationId,
    /// The configuration's name then.
    pub configuration_name: String,
    /// Raised or resolved.
    pub kind: AlertEventKind,
    /// What happened, in words.
    pub message: String,
    /// The webhook call's state, when the rule has a webhook.
    pub webhook: Option<WebhookState>,
    /// What the webhook answered (status, or why it failed).
    pub webhook_detail: Option<String>,
    /// The email's state, when the rule has recipients.
    #[serde(default)]
    pub email: Option<WebhookState>,
    /// What the relay answered, or why the email was not sent.
    #[serde(default)]
    pub email_detail: Option<String>,
}

fn event_from_row(row: &db::Row) -> CoreResult<AlertEvent> {
    let configuration: String = row.try_get("configuration_id")?;
    let kind: String = row.try_get("kind")?;
    Ok(AlertEvent {
        seq: row.try_get("seq")?,
        at: to_time(row.try_get("at_us")?)?,
        rule_id: row.try_get("rule_id")?,
        rule_name: row.try_get("rule_name")?,
        configuration_id: ConfigurationId::parse(&configuration)
            .ok_or_else(|| CoreError::Corrupt(configuration.clone()))?,
        configuration_name: row.try_get("configuration_name")?,
        kind: if kind == "resolved" {
            AlertEventKind::Resolved
        } else {
            AlertEventKind::Raised
        },
        message: row.try_get("message")?,
        webhook: row
            .try_get::<Option<String>, _>("webhook_state")?
            .as_deref()
            .map(WebhookState::parse),
        webhook_detail: row.try_get("webhook_detail")?,
        email: row
            .try_get::<Option<String>, _>("email_state")?
            .as_deref()
            .map(WebhookState::parse),
        email_detail: row.try_get("email_detail")?,
    })
}

/// Which alerts of the history to read: newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AlertEventQuery {
    /// Only this configuration.
    pub configuration: Option<ConfigurationId>,
    /// Only those before this position (the previous page's last `seq`).
    pub before: Option<i64>,
    /// At most this many (1 to 1,000; 100 when 0).
    pub limit: usize,
    /// The configurations the reader may see (set by the server from the caller's grants).
    #[serde(skip)]
    pub reach: Reach,
}

/// How long the history is kept.
const HISTORY_DAYS: i64 = 90;

/// What a condition found.
pub(super) struct Finding {
    /// Whether the condition holds.
    pub(super) holds: bool,
    /// Why it holds, or what was seen when it does not.
    pub(super) message: String,
}

const MINUTE_US: i64 = 60_000_000;

impl Store {
    /// Evaluates every enabled rule now (by the store's clock): a rule whose condition starts
    /// to hold raises an alert, one whose condition stopped holding resolves it, each once.
    /// Returns the alerts raised and resolved, in the history's order.
    pub async fn evaluate_alerts(&self) -> CoreResult<Vec<AlertEvent>> {
        let now = self.now_us();
        // One evaluation at a time: the writer is held throughout, so two evaluations (the
        // background loop and an admin's request) never raise one alert twice.
        let mut w = self.writer().await?;
        let mut tx = w.begin().await?;
        let rows = db::query(format!(
            "SELECT {}, c.name AS configuration_name, r.webhook_sealed IS NOT NULL AS has_webhook
             FROM alert_rules r JOIN configurations c ON c.id = r.configuration_id
             WHERE r.enabled = 1 ORDER BY r.id",
            super::RULE_COLUMNS
                .split(", ")
                .map(|c| format!("r.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .fetch_all(&mut tx)
        .await?;
        let mut raised = Vec::new();
        for row in &rows {
            let rule = rule_from_row(row)?;
            let finding = self.judge(&rule, now).await?;
            let kind = match (finding.holds, rule.firing_since) {
                (true, None) => Some(AlertEventKind::Raised),
                (false, Some(_)) => Some(AlertEventKind::Resolved),
                _ => None,
            };
            db::query(
                "UPDATE alert_rules SET last_evaluated_us = ?,
                 firing_since_us = CASE WHEN ? = 1 THEN COALESCE(firing_since_us, ?) ELSE NULL END
                 WHERE id = ?",
            )
            .bind(now)
            .bind(finding.holds)
            .bind(now)
            .bind(rule.id)
            .execute(&mut tx)
            .await?;
            let Some(kind) = kind else { continue };
            let message = match kind {
                AlertEventKind::Raised => finding.message,
                AlertEventKind::Resolved => format!("resolved: {}", finding.message),
            };
            let has_webhook: bool = row.try_get("has_webhook")?;
            let configuration_name: String = row.try_get("configuration_name")?;
            let inserted = db::query(
                "INSERT INTO alert_events (at_us, rule_id, rule_name, configuration_id, configuration_name, kind, message, webhook_state, email_state)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
            )
            .bind(now)
            .bind(rule.id)
            .bind(&rule.name)
            .bind(rule.configuration_id.to_string())
            .bind(&configuration_name)
            .bind(kind.as_str())
            .bind(&message)
            .bind(has_webhook.then_some(WebhookState::Pending.as_str()))
            .bind((!rule.email_to.is_empty()).then_some(WebhookState::Pending.as_str()))
            .fetch_one(&mut tx)
            .await?;
            raised.push(event_from_row(&inserted)?);
        }
        db::query("DELETE FROM alert_events WHERE at_us < ?")
            .bind(now - HISTORY_DAYS * 24 * 60 * MINUTE_US)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(raised)
    }

    /// Whether a rule's condition holds now.
    async fn judge(&self, rule: &AlertRule, now: i64) -> CoreResult<Finding> {
        let config = rule.configuration_id.to_string();
        let this_minute = now.div_euclid(MINUTE_US);
        match rule.condition {
            AlertCondition::FailureRate {
                percent,
                minutes,
                min_requests,
            } => {
                self.failure_rate(&config, this_minute, percent, minutes, min_requests)
                    .await
            }
            AlertCondition::NoTraffic { hours } => {
                self.no_traffic(&config, rule.created.timestamp_micros(), now, hours)
                    .await
            }
            AlertCondition::RevokedTokenUsed { minutes } => {
                self.revoked_token_used(&config, this_minute, minutes).await
            }
            AlertCondition::TokenExpiring { days } => {
                self.token_due(rule.configuration_id, DeadlineKind::Expiry, days, now)
                    .await
            }
            AlertCondition::RotationOverdue { days } => {
                self.token_due(rule.configuration_id, DeadlineKind::Rotation, days, now)
                    .await
            }
            AlertCondition::DeletionsHeld => {
                let held = self.held_deletion_count(rule.configuration_id).await?;
                Ok(Finding {
                    holds: held > 0,
                    message: match held {
                        0 => "no deletion is held".to_owned(),
                        1 => "1 deletion is held by the accidental-deletion threshold: release or discard it".to_owned(),
                        n => format!("{n} deletions are held by the accidental-deletion threshold: release or discard them"),
                    },
                })
            }
        }
    }

    async fn failure_rate(
        &self,
        config: &str,
        this_minute: i64,
        percent: f64,
        minutes: u32,
        min_requests: u32,
    ) -> CoreResult<Finding> {
        let row = db::query(
            "SELECT CAST(COALESCE(SUM(requests), 0) AS BIGINT) AS requests, CAST(COALESCE(SUM(failures), 0) AS BIGINT) AS failures
             FROM log_minutes WHERE configuration_id = ? AND minute > ? AND minute <= ?",
        )
        .bind(config)
        .bind(this_minute - i64::from(minutes))
        .bind(this_minute)
        .fetch_one(self.log_database())
        .await?;
        let requests: i64 = row.try_get("requests")?;
        let failures: i64 = row.try_get("failures")?;
        let rate = if requests > 0 {
            // Counts stay far below 2^52: exact in f64.
            #[allow(clippy::cast_precision_loss)]
            let rate = failures as f64 * 100.0 / requests as f64;
            rate
        } else {
            0.0
        };
        Ok(Finding {
            holds: requests >= i64::from(min_requests) && rate >= percent,
            message: format!(
                "{failures} of {requests} requests failed in the last {minutes} minutes ({rate:.1}%; the rule's threshold is {percent}% from {min_requests} requests)"
            ),
        })
    }

    async fn no_traffic(
        &self,
        config: &str,
        created: i64,
        now: i64,
        hours: u32,
    ) -> CoreResult<Finding> {
        let last: Option<i64> =
            db::query_scalar("SELECT MAX(minute) FROM log_minutes WHERE configuration_id = ?")
                .bind(config)
                .fetch_one(self.log_database())
                .await?;
        let since = last.map_or(created, |m| (m + 1) * MINUTE_US).max(created);
        let silent_us = now - since;
        let since_text = to_time(since)?.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let message = match last {
            Some(_) => format!(
                "no requests for {} hours (the last one arrived before {since_text}; the rule allows {hours})",
                silent_us / (60 * MINUTE_US)
            ),
            None => format!(
                "no requests since the rule was created ({since_text}; the rule allows {hours} hours)"
            ),
        };
        Ok(Finding {
            holds: silent_us >= i64::from(hours) * 60 * MINUTE_US,
            message,
        })
    }

    async fn revoked_token_used(
        &self,
        config: &str,
        this_minute: i64,
        minutes: u32,
    ) -> CoreResult<Finding> {
        let pool = self.log_database();
        let uses: i64 = db::query_scalar(
            "SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM log_failures
             WHERE configuration_id = ? AND kind = 'type' AND name = 'revokedToken' AND minute > ? AND minute <= ?",
        )
        .bind(config)
        .bind(this_minute - i64::from(minutes))
        .bind(this_minute)
        .fetch_one(pool)
        .await?;
        if uses == 0 {
            return Ok(Finding {
                holds: false,
                message: format!("no revoked token was used in the last {minutes} minutes"),
            });
        }
        // The latest such refusal names the token and the caller.
        let who = match self
            .latest_refusal(config, crate::logs::CredentialRefusal::Revoked)
            .await?
        {
            Some(last) => format!(
                "; the last was {} from {} ({})",
                last.credential.as_deref().unwrap_or("a token"),
                last.source,
                last.client.as_str(),
            ),
            None => String::new(),
        };
        Ok(Finding {
            holds: true,
            message: format!(
                "a revoked token was presented {uses} time{} in the last {minutes} minutes{who}",
                if uses == 1 { "" } else { "s" }
            ),
        })
    }

    /// The history of alerts, newest first.
    pub async fn alert_events(&self, query: &AlertEventQuery) -> CoreResult<Vec<AlertEvent>> {
        let limit = match query.limit {
            0 => 100,
            n => n.min(1_000),
        };
        let mut q = db::QueryBuilder::new("SELECT * FROM alert_events WHERE 1 = 1");
        if let Some(c) = query.configuration {
            q.push(" AND configuration_id = ").push_bind(c.to_string());
        }
        if let Some(before) = query.before {
            q.push(" AND seq < ").push_bind(before);
        }
        q.push_reach("configuration_id", &query.reach);
        q.push(" ORDER BY seq DESC LIMIT ")
            .push_bind(i64::try_from(limit).unwrap_or(100));
        let rows = q.build().fetch_all(self.pool()).await?;
        rows.iter().map(event_from_row).collect()
    }

    /// Writes down what an alert's webhook answered.
    pub async fn record_webhook_delivery(
        &self,
        seq: i64,
        state: WebhookState,
        detail: &str,
    ) -> CoreResult<()> {
        self.record_delivery(
            "UPDATE alert_events SET webhook_state = ?, webhook_detail = ? WHERE seq = ?",
            seq,
            state,
            detail,
        )
        .await
    }

    /// Writes down what an alert's email came to.
    pub async fn record_email_delivery(
        &self,
        seq: i64,
        state: WebhookState,
        detail: &str,
    ) -> CoreResult<()> {
        self.record_delivery(
            "UPDATE alert_events SET email_state = ?, email_detail = ? WHERE seq = ?",
            seq,
            state,
            detail,
        )
        .await
    }

    /// Writes one channel's delivery of alert `seq` with `update` (state, detail, seq).
    async fn record_delivery(
        &self,
        update: &'static str,
        seq: i64,
        state: WebhookState,
        detail: &str,
    ) -> CoreResult<()> {
        let mut w = self.writer().await?;
        db::query(update)
            .bind(state.as_str())
            .bind(detail)
            .bind(seq)
            .execute(&mut w)
            .await?;
        Ok(())
    }
}
