//! Alerts leaving the console: every minute the rules are evaluated; each alert raised or
//! resolved is announced to live followers (the desktop shows them as notifications), POSTed
//! as JSON to its rule's webhook — with a timeout and retries — and emailed to its rule's
//! recipients through the console's relay (one email per alert raised and per alert resolved),
//! each outcome written down in the alert's history.

use std::sync::Arc;
use std::time::Duration;

use scim_console_core::Store;
use scim_console_core::alerts::{AlertEvent, WebhookState};
use scim_console_core::error::CoreResult;
use serde_json::json;
use tokio::sync::broadcast;

/// How often the rules are evaluated.
pub const EVALUATE_EVERY: Duration = Duration::from_secs(60);
/// How long one webhook call may take.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(5);
/// Alerts a slow follower may fall behind.
const LIVE: usize = 256;

/// The alerts side of the server: who is listening, and how webhooks are called.
#[derive(Debug, Clone)]
pub struct Alerts {
    live: broadcast::Sender<Arc<AlertEvent>>,
    client: Arc<std::sync::OnceLock<Option<reqwest::Client>>>,
    /// The waits before the second, third, … webhook attempt.
    retry_waits: Arc<[Duration]>,
}

/// An alert as a desktop notification says it: its title (`Alert: …` or `Resolved: …`, the
/// rule and the configuration) and its message.
pub fn notification(event: &AlertEvent) -> (String, String) {
    let title = format!(
        "{}: {} ({})",
        if event.kind == scim_console_core::alerts::AlertEventKind::Raised {
            "Alert"
        } else {
            "Resolved"
        },
        event.rule_name,
        event.configuration_name
    );
    (title, event.message.clone())
}

impl Default for Alerts {
    fn default() -> Self {
        Self::new(&[Duration::from_secs(2), Duration::from_secs(10)])
    }
}

impl Alerts {
    /// Alerts with these waits between webhook attempts (one attempt more than waits).
    pub fn new(retry_waits: &[Duration]) -> Self {
        Self {
            live: broadcast::channel(LIVE).0,
            client: Arc::default(),
            retry_waits: retry_waits.into(),
        }
    }

    /// The webhook client, built on first use (loading the system's certificates is not
    /// worth doing for consoles without webhooks).
    fn client(&self) -> Option<&reqwest::Client> {
        self.client
            .get_or_init(|| {
                crate::outbound::http::builder("alert webhook", WEBHOOK_TIMEOUT)
                    .build()
                    .map_err(|error| {
                        tracing::error!(%error, "no HTTP client for alert webhooks: they will not be called");
                    })
                    .ok()
            })
            .as_ref()
    }

    /// Alerts from now on, as they are raised and resolved.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<AlertEvent>> {
        self.live.subscribe()
    }

    /// Evaluates every rule now, announces what was raised or resolved and starts the webhook
    /// calls (which finish in the background).
    pub async fn evaluate(&self, store: &Store) -> CoreResult<Vec<AlertEvent>> {
        let events = store.evaluate_alerts().await?;
        for event in &events {
            let _ = self.live.send(Arc::new(event.clone()));
            if event.webhook == Some(WebhookState::Pending) {
                let (alerts, store, event) = (self.clone(), store.clone(), event.clone());
                tokio::spawn(async move { alerts.deliver(&store, &event).await });
            }
            if event.email == Some(WebhookState::Pending) {
                let (store, event) = (store.clone(), event.clone());
                tokio::spawn(async move { email_alert(&store, &event).await });
            }
        }
        Ok(events)
    }

    /// Evaluates every rule now, like [`Self::evaluate`], but waits for the webhook calls:
    /// the alerts come back with their calls' outcomes (for the command line).
    pub async fn evaluate_and_deliver(&self, store: &Store) -> CoreResult<Vec<AlertEvent>> {
        let mut events = store.evaluate_alerts().await?;
        for event in &mut events {
            let _ = self.live.send(Arc::new(event.clone()));
            if event.webhook == Some(WebhookState::Pending) {
                let (state, detail) = self.deliver(store, event).await;
                event.webhook = Some(state);
                event.webhook_detail = Some(detail);
            }
            if event.email == Some(WebhookState::Pending) {
                let (state, detail) = email_alert(store, event).await;
                event.email = Some(state);
                event.email_detail = Some(detail);
            }
        }
        Ok(events)
    }

    /// Calls an alert's webhook until it answers 2xx or the attempts run out, then writes the
    /// outcome down. The address is never logged (its path usually holds a credential).
    async fn deliver(&self, store: &Store, event: &AlertEvent) -> (WebhookState, String) {
        let (state, detail) = match (store.alert_webhook(event.rule_id).await, self.client()) {
            (Ok(Some(url)), Some(client)) => self.attempt(client, &url, event).await,
            (Ok(None), _) => (
                WebhookState::Failed,
                "the rule no longer has a webhook".to_owned(),
            ),
            (Ok(Some(_)), None) => (
                WebhookState::Failed,
                "the console has no HTTP client (see its log)".to_owned(),
            ),
            (Err(error), _) => (WebhookState::Failed, error.to_string()),
        };
        if state == WebhookState::Failed {
            tracing::warn!(rule = event.rule_id, alert = event.seq, %detail, "an alert webhook failed");
        }
        if let Err(error) = store
            .record_webhook_delivery(event.seq, state, &detail)
            .await
        {
            tracing::error!(%error, "could not record an alert webhook's outcome");
        }
        (state, detail)
    }

    /// Calls a rule's webhook once with a test message (saying it is a test, naming the rule
    /// and its configuration): whether it answered 2xx, and what it answered. The address is
    /// never part of the answer.
    pub async fn test_webhook(
        &self,
        store: &Store,
        rule: &scim_console_core::alerts::AlertRule,
        configuration_name: &str,
        sender: &str,
    ) -> CoreResult<(bool, String)> {
        let Some(url) = store.alert_webhook(rule.id).await? else {
            return Ok((false, "the rule has no webhook".to_owned()));
        };
        let Some(client) = self.client() else {
            return Ok((
                false,
                "the console has no HTTP client (see its log)".to_owned(),
            ));
        };
        let body = json!({
            "test": true,
            "rule": rule.name,
            "configuration": configuration_name,
            "text": format!(
                "Test from SCIM Console: alert rule \"{}\" of {configuration_name} reaches this webhook (sent by {sender}).",
                rule.name
            ),
        });
        Ok(match client.post(&url).json(&body).send().await {
            Ok(answer) if answer.status().is_success() => {
                (true, format!("HTTP {}", answer.status().as_u16()))
            }
            Ok(answer) => (false, format!("HTTP {}", answer.status().as_u16())),
            Err(error) => (false, describe(&error)),
        })
    }

    async fn attempt(
        &self,
        client: &reqwest::Client,
        url: &str,
        event: &AlertEvent,
    ) -> (WebhookState, String) {
        let body = payload(event);
        let mut detail = String::new();
        let attempts = self.retry_waits.len() + 1;
        for attempt in 0..attempts {
            if attempt > 0 {
                tokio::time::sleep(self.retry_waits[attempt - 1]).await;
            }
            match client.post(url).json(&body).send().await {
                Ok(answer) if answer.status().is_success() => {
                    return (
                        WebhookState::Delivered,
                        format!(
                            "HTTP {} (attempt {} of {attempts})",
                            answer.status().as_u16(),
                            attempt + 1
                        ),
                    );
                }
                Ok(answer) => {
                    detail = format!("HTTP {}", answer.status().as_u16());
                    // A client error other than throttling, or a redirect (not followed), will
                    // not change by retrying.
                    let status = answer.status();
                    if status.is_redirection()
                        || (status.is_client_error() && status.as_u16() != 429)
                    {
                        break;
                    }
                }
                // reqwest's error text names the URL: keep only the kind of failure.
                Err(error) => detail = describe(&error),
            }
        }
        (
            WebhookState::Failed,
            format!("{detail} after {attempts} attempt(s)"),
        )
    }
}

/// What a webhook receives: the alert, and a `text` that chat tools (Slack, Teams, Mattermost
/// incoming webhooks) show as the message.
fn payload(event: &AlertEvent) -> serde_json::Value {
    let verb = match event.kind {
        scim_console_core::alerts::AlertEventKind::Raised => "raised",
        scim_console_core::alerts::AlertEventKind::Resolved => "resolved",
    };
    json!({
        "text": format!("SCIM Console — {} ({}): {verb}. {}", event.rule_name, event.configuration_name, event.message),
        "alert": event,
    })
}

/// Emails an alert to its rule's recipients, then writes the outcome down.
async fn email_alert(store: &Store, event: &AlertEvent) -> (WebhookState, String) {
    let outcome = async {
        let relay = store
            .email_relay()
            .await
            .map_err(|e| e.to_string())?
            .ok_or("no email relay is set (Settings → Email)")?;
        let rule = store.alert_rule(event.rule_id).await.map_err(|e| e.to_string())?;
        if rule.email_to.is_empty() {
            return Err("the rule no longer has recipients".to_owned());
        }
        let (title, message) = notification(event);
        let email = crate::email::Email {
            to: &rule.email_to,
            subject: format!("[SCIM Console] {title}"),
            body: format!(
                "{message}\n\nConfiguration: {}\nRule: {} ({})\nAt: {}\n\nSCIM Console sends one email when an alert is raised and one when it is resolved.\n",
                event.configuration_name,
                rule.name,
                rule.description,
                event.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            ),
        };
        crate::email::send(&relay, &email)
            .await
            .map_err(|e| e.to_string())
    }
    .await;
    let (state, detail) = match outcome {
        Ok(answer) => (WebhookState::Delivered, answer),
        Err(why) => {
            tracing::warn!(rule = event.rule_id, alert = event.seq, %why, "an alert email was not sent");
            (WebhookState::Failed, why)
        }
    };
    if let Err(error) = store.record_email_delivery(event.seq, state, &detail).await {
        tracing::error!(%error, "could not record an alert email's outcome");
    }
    (state, detail)
}

fn describe(error: &reqwest::Error) -> String {
    crate::outbound::http::describe(error, WEBHOOK_TIMEOUT)
}

/// Evaluates the rules every minute until the server stops.
pub(crate) async fn alert_loop(
    store: Store,
    alerts: Alerts,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(EVALUATE_EVERY) => {}
            _ = stopping.changed() => return,
        }
        if let Err(error) = alerts.evaluate(&store).await {
            tracing::error!(%error, "evaluating alert rules failed");
        }
    }
}
