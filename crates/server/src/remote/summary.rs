//! What the tray says of a console at a glance: each configuration's SCIM base URL (to copy),
//! its health with the reason, its failures in the last hour, and when its last request came —
//! read from the admin API's configuration list.

use chrono::{DateTime, Utc};
use scim_console_core::Secret;
use serde::Deserialize;

use super::RemoteError;
use super::certificate::RemoteClient;

/// One configuration, as the tray shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigurationSummary {
    /// Its name.
    pub name: String,
    /// Its SCIM base URL.
    pub scim_base_url: String,
    /// `healthy`, `degraded` or `failing`; none when the console could not judge it.
    pub state: Option<String>,
    /// Why, in a sentence.
    pub reason: Option<String>,
    /// Failed requests in the last hour.
    pub failures_last_hour: i64,
    /// When its last request arrived.
    pub last_request: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Listed {
    name: String,
    scim_base_url: String,
    health: Option<Health>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Health {
    state: String,
    reason: String,
    failures_last_hour: i64,
    last_request: Option<DateTime<Utc>>,
}

/// Reads the summaries out of `GET /api/configurations`'s answer.
pub fn read(listed: serde_json::Value) -> Result<Vec<ConfigurationSummary>, String> {
    let listed: Vec<Listed> = serde_json::from_value(listed)
        .map_err(|e| format!("a configuration list the app cannot read: {e}"))?;
    Ok(listed
        .into_iter()
        .map(|c| ConfigurationSummary {
            name: c.name,
            scim_base_url: c.scim_base_url,
            state: c.health.as_ref().map(|h| h.state.clone()),
            reason: c.health.as_ref().map(|h| h.reason.clone()),
            failures_last_hour: c.health.as_ref().map_or(0, |h| h.failures_last_hour),
            last_request: c.health.and_then(|h| h.last_request),
        })
        .collect())
}

/// A console's configurations at a glance.
pub async fn configurations(
    client: &RemoteClient,
    token: &Secret,
) -> Result<Vec<ConfigurationSummary>, RemoteError> {
    let (status, listed) = client
        .ask("api/configurations", Some(token.expose()))
        .await?;
    if !status.is_success() {
        return Err(RemoteError::Refused(format!(
            "{} answered {status} to /api/configurations",
            client.base()
        )));
    }
    read(listed).map_err(RemoteError::Refused)
}

impl ConfigurationSummary {
    /// The line the tray shows: `Contoso HR: degraded · 3 failures in the last hour · last
    /// request 12:04`.
    pub fn line(&self) -> String {
        let mut parts = vec![format!(
            "{}: {}",
            self.name,
            self.state.as_deref().unwrap_or("health unknown")
        )];
        parts.push(match self.failures_last_hour {
            0 => "no failure in the last hour".to_owned(),
            1 => "1 failure in the last hour".to_owned(),
            n => format!("{n} failures in the last hour"),
        });
        parts.push(match self.last_request {
            Some(at) => format!("last request {}", at.format("%Y-%m-%d %H:%M UTC")),
            None => "no request yet".to_owned(),
        });
        parts.join(" · ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_reads_into_lines_a_tray_can_show() {
        let listed = serde_json::json!([
            {"name": "Contoso HR", "scimBaseUrl": "https://scim.contoso.com/scim/hr/v2", "enabled": true,
             "health": {"state": "degraded", "reason": "2 users failing", "hours": 24, "requestsLastHour": 40,
                        "failuresLastHour": 3, "unresolved": 2, "recovered": 0, "users": [], "firingAlerts": [],
                        "lastRequest": "2026-12-07T12:04:00Z", "lastFailure": null}},
            {"name": "Quiet", "scimBaseUrl": "https://scim.contoso.com/scim/quiet/v2", "health": null}
        ]);
        let read = read(listed).unwrap();
        assert_eq!(read[0].scim_base_url, "https://scim.contoso.com/scim/hr/v2");
        assert_eq!(
            read[0].line(),
            "Contoso HR: degraded · 3 failures in the last hour · last request 2026-12-07 12:04 UTC"
        );
        assert_eq!(
            read[1].line(),
            "Quiet: health unknown · no failure in the last hour · no request yet"
        );
        assert!(super::read(serde_json::json!({"error": "x"})).is_err());
    }
}
