//! Alert rules and their history through a remote console's admin API (`--server`): its
//! answers are the alerts' own types, so `alerts …` prints them as it prints the local ones.

use anyhow::{Context as _, Result};
use scim_console_core::alerts::{AlertEvent, AlertEventQuery, AlertRule, NewAlertRule};
use scim_console_core::{Actor, ConfigurationId};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::api_client::text;
use crate::console::Console;

/// The API's answer as the domain type it serialises.
fn read<T: DeserializeOwned>(answer: Value) -> Result<T> {
    serde_json::from_value(answer)
        .context("the server's alerts are not in a form this version reads")
}

impl Console {
    /// The rules of one configuration, or of all.
    pub(crate) async fn alert_rules(
        &self,
        configuration: Option<ConfigurationId>,
    ) -> Result<Vec<AlertRule>> {
        match self {
            Self::Local(store) => Ok(store.alert_rules(configuration).await?),
            Self::Remote(api) => {
                let ids = match configuration {
                    Some(id) => vec![id.to_string()],
                    None => api
                        .get(&["api", "configurations"], &[])
                        .await?
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|c| text(&c["id"]).to_owned())
                        .collect(),
                };
                let mut rules = Vec::new();
                for id in ids {
                    let some: Vec<AlertRule> = read(
                        api.get(&["api", "configurations", &id, "alerts"], &[])
                            .await?,
                    )?;
                    rules.extend(some);
                }
                Ok(rules)
            }
        }
    }

    /// Creates a rule.
    pub(crate) async fn create_alert_rule(
        &self,
        configuration: ConfigurationId,
        rule: &NewAlertRule,
    ) -> Result<AlertRule> {
        match self {
            Self::Local(store) => Ok(store
                .create_alert_rule(configuration, rule, &Actor::cli())
                .await?),
            Self::Remote(api) => {
                let body = json!({
                    "name": rule.name,
                    "condition": rule.condition,
                    "enabled": rule.enabled,
                    "webhookUrl": rule.webhook_url,
                });
                let id = configuration.to_string();
                read(
                    api.post(&["api", "configurations", &id, "alerts"], &body)
                        .await?,
                )
            }
        }
    }

    /// Enables or disables a rule.
    pub(crate) async fn enable_alert_rule(&self, rule: i64, enabled: bool) -> Result<AlertRule> {
        match self {
            Self::Local(store) => Ok(store
                .update_alert_rule(
                    rule,
                    &scim_console_core::alerts::AlertRuleUpdate {
                        enabled: Some(enabled),
                        ..Default::default()
                    },
                    &Actor::cli(),
                )
                .await?),
            Self::Remote(api) => read(
                api.patch(
                    &["api", "alerts", "rules", &rule.to_string()],
                    &json!({ "enabled": enabled }),
                )
                .await?,
            ),
        }
    }

    /// Removes a rule.
    pub(crate) async fn delete_alert_rule(&self, rule: i64) -> Result<()> {
        match self {
            Self::Local(store) => Ok(store.delete_alert_rule(rule, &Actor::cli()).await?),
            Self::Remote(api) => {
                api.delete(&["api", "alerts", "rules", &rule.to_string()])
                    .await?;
                Ok(())
            }
        }
    }

    /// Alerts raised and resolved, newest first.
    pub(crate) async fn alert_events(&self, q: &AlertEventQuery) -> Result<Vec<AlertEvent>> {
        match self {
            Self::Local(store) => Ok(store.alert_events(q).await?),
            Self::Remote(api) => {
                let mut p = vec![("limit", q.limit.to_string())];
                if let Some(c) = q.configuration {
                    p.push(("configuration", c.to_string()));
                }
                read(api.get(&["api", "alerts"], &p).await?)
            }
        }
    }

    /// Evaluates every rule now, delivering what it raises or resolves.
    pub(crate) async fn evaluate_alerts(&self) -> Result<Vec<AlertEvent>> {
        match self {
            Self::Local(store) => Ok(scim_console_server::alerting::Alerts::default()
                .evaluate_and_deliver(store)
                .await?),
            Self::Remote(api) => read(
                api.post(&["api", "alerts", "evaluate"], &Value::Null)
                    .await?,
            ),
        }
    }
}
