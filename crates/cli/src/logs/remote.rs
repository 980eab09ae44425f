//! The provisioning log read through a remote console's admin API (`--server`): its answers
//! are the log's own types, so `logs …` prints them as it prints the local ones.

use anyhow::{Context as _, Result};
use chrono::{DateTime, Utc};
use scim_console_core::ConfigurationId;
use scim_console_core::logs::refusals::{RefusalQuery, RefusalSummary};
use scim_console_core::logs::retention::RetentionReport;
use scim_console_core::logs::stats::{Cycle, LogStats, StatsQuery};
use scim_console_core::logs::{LogPage, LogQuery};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::console::Console;

/// A filter value as the API's query spells it (the enum's JSON name).
fn word(value: impl serde::Serialize) -> Option<String> {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
}

/// The API's answer as the domain type it serialises.
fn read<T: DeserializeOwned>(answer: Value, what: &str) -> Result<T> {
    serde_json::from_value(answer)
        .with_context(|| format!("the server's {what} is not in a form this version reads"))
}

/// The query parameters of a log search.
fn log_params(q: &LogQuery) -> Vec<(&'static str, String)> {
    let mut p = Vec::new();
    let mut put = |name: &'static str, value: Option<String>| {
        if let Some(v) = value {
            p.push((name, v));
        }
    };
    put("configuration", q.configuration.map(|c| c.to_string()));
    put("since", q.since.map(|t| t.to_rfc3339()));
    put("until", q.until.map(|t| t.to_rfc3339()));
    put("outcome", q.outcome.and_then(word));
    put("operation", q.operation.and_then(word));
    put("client", q.client.and_then(word));
    put("direction", q.direction.and_then(word));
    put("status", q.status.map(|s| s.to_string()));
    put("resource", q.resource.clone());
    put("text", q.text.clone());
    put("before", q.before.map(|s| s.to_string()));
    put("after", q.after.map(|s| s.to_string()));
    put("limit", Some(q.limit.to_string()));
    p
}

impl Console {
    /// A page of the log.
    pub(crate) async fn search_logs(&self, q: &LogQuery) -> Result<LogPage> {
        match self {
            Self::Local(store) => Ok(store.search_logs(q).await?),
            Self::Remote(api) => read(api.get(&["api", "logs"], &log_params(q)).await?, "log page"),
        }
    }

    /// The log's figures.
    pub(crate) async fn log_stats(&self, q: &StatsQuery) -> Result<LogStats> {
        match self {
            Self::Local(store) => Ok(store.log_stats(q).await?),
            Self::Remote(api) => {
                let mut p = Vec::new();
                if let Some(c) = q.configuration {
                    p.push(("configuration", c.to_string()));
                }
                if let Some(t) = q.since {
                    p.push(("since", t.to_rfc3339()));
                }
                if let Some(t) = q.until {
                    p.push(("until", t.to_rfc3339()));
                }
                if let Some(i) = word(q.interval) {
                    p.push(("interval", i));
                }
                read(api.get(&["api", "logs", "stats"], &p).await?, "log figures")
            }
        }
    }

    /// A configuration's provisioning cycles, newest first.
    pub(crate) async fn log_cycles(
        &self,
        configuration: ConfigurationId,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        gap: i64,
    ) -> Result<Vec<Cycle>> {
        match self {
            Self::Local(store) => Ok(store.log_cycles(configuration, since, until, gap).await?),
            Self::Remote(api) => read(
                api.get(
                    &["api", "logs", "cycles"],
                    &[
                        ("configuration", configuration.to_string()),
                        ("since", since.to_rfc3339()),
                        ("until", until.to_rfc3339()),
                        ("gap", gap.to_string()),
                    ],
                )
                .await?,
                "cycles",
            ),
        }
    }

    /// Refused requests, counted.
    pub(crate) async fn refusals(&self, q: &RefusalQuery) -> Result<Vec<RefusalSummary>> {
        match self {
            Self::Local(store) => Ok(store.refusals(q).await?),
            Self::Remote(api) => {
                let mut p = Vec::new();
                if let Some(c) = q.configuration_id {
                    p.push(("configuration", c.to_string()));
                }
                if let Some(t) = q.from {
                    p.push(("since", t.to_rfc3339()));
                }
                if let Some(t) = q.to {
                    p.push(("until", t.to_rfc3339()));
                }
                if let Some(n) = q.limit {
                    p.push(("limit", n.to_string()));
                }
                read(api.get(&["api", "logs", "refusals"], &p).await?, "refusals")
            }
        }
    }

    /// Applies every configuration's log retention now.
    pub(crate) async fn apply_log_retention(&self) -> Result<RetentionReport> {
        match self {
            Self::Local(store) => Ok(store.apply_log_retention().await?),
            Self::Remote(api) => read(
                api.post(&["api", "logs", "retention"], &Value::Null)
                    .await?,
                "retention report",
            ),
        }
    }
}
