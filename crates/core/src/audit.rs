//! The audit log: every change to configurations, tokens and OAuth clients — who, when, from
//! where, what — in an append-only table (triggers refuse UPDATE and DELETE). A record commits
//! in the same transaction as the change it describes. Secrets never appear in it.

use crate::db::{self, Link};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::administrators::roles::Reach;
use crate::configuration::ConfigurationId;
use crate::error::{CoreError, CoreResult};
use crate::store::Store;
use crate::time::to_time;

/// Who made a change, and from where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    /// Who: `admin` (the admin API), `cli:<OS user>`, `system`, an OAuth client id.
    pub name: String,
    /// From where: the peer address, or `local` for the command line.
    pub source: String,
    /// The administrator behind it, when a signed-in administrator acts (`name` is then its
    /// email).
    pub person: Option<Person>,
}

/// The administrator behind a change: who, with which roles, through which credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Person {
    /// The administrator's id (`adm_…`).
    pub id: String,
    /// Its email at the time.
    pub email: String,
    /// Its roles at the time, as text (`editor (2 configuration(s)), viewer`).
    pub roles: String,
    /// The credential it acted with: `session ses_…` or `api token pat_…`.
    pub via: String,
}

impl Actor {
    /// An actor with a name and a source.
    pub fn new(name: impl Into<String>, source: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            source: source.into(),
            person: None,
        }
    }

    /// A signed-in administrator, from `source`: named by its email.
    pub fn person(person: Person, source: impl Into<String>) -> Self {
        Self {
            name: person.email.clone(),
            source: source.into(),
            person: Some(person),
        }
    }

    /// The command line, as the OS user running it.
    pub fn cli() -> Self {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| "unknown".into());
        Self::new(format!("cli:{user}"), "local")
    }

    /// The console itself (e.g. the configuration created at first start).
    pub fn system() -> Self {
        Self::new("system", "local")
    }
}

/// What a record is about.
pub(crate) struct Subject<'a> {
    /// The configuration concerned, with its name at the time.
    pub configuration: Option<(ConfigurationId, &'a str)>,
    /// The token, client or other object acted on.
    pub target: Option<&'a str>,
}

/// Appends a record, on the connection (and so in the transaction) of the change.
pub(crate) async fn record(
    conn: &mut impl Link,
    at_us: i64,
    actor: &Actor,
    action: &str,
    subject: Subject<'_>,
    details: &Value,
) -> CoreResult<()> {
    db::query(
        "INSERT INTO audit_log (at_us, actor, source, action, configuration_id, configuration_name, target, details, person)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(at_us)
    .bind(&actor.name)
    .bind(&actor.source)
    .bind(action)
    .bind(subject.configuration.map(|(id, _)| id.to_string()))
    .bind(subject.configuration.map(|(_, name)| name))
    .bind(subject.target)
    .bind(details.to_string())
    .bind(
        actor
            .person
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| CoreError::Corrupt(format!("audit person: {e}")))?,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// One audit record.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    /// Its position in the log (increasing).
    pub seq: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: String,
    /// From where.
    pub source: String,
    /// What, e.g. `token.rotate`.
    pub action: String,
    /// The configuration concerned.
    pub configuration_id: Option<String>,
    /// Its name at the time.
    pub configuration_name: Option<String>,
    /// The object acted on (a token id, an OAuth client id).
    pub target: Option<String>,
    /// The change itself: fields, old and new values (never a secret).
    pub details: Value,
    /// The administrator behind it, when a signed-in administrator acted.
    pub person: Option<Person>,
}

fn entry_from_row(row: &db::Row) -> CoreResult<AuditEntry> {
    let details: String = row.try_get("details")?;
    let person: Option<String> = row.try_get("person")?;
    Ok(AuditEntry {
        seq: row.try_get("seq")?,
        at: to_time(row.try_get("at_us")?)?,
        actor: row.try_get("actor")?,
        source: row.try_get("source")?,
        action: row.try_get("action")?,
        configuration_id: row.try_get("configuration_id")?,
        configuration_name: row.try_get("configuration_name")?,
        target: row.try_get("target")?,
        details: serde_json::from_str(&details)
            .map_err(|e| CoreError::Corrupt(format!("audit details: {e}")))?,
        person: person
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| CoreError::Corrupt(format!("audit person: {e}")))?,
    })
}

/// Which records to read: newest first (continuing `before` a position) or oldest first
/// (continuing `after` one), `limit` at a time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only this configuration.
    pub configuration: Option<ConfigurationId>,
    /// Only this action, or actions starting with it when it ends in `.` (`token.`).
    pub action: Option<String>,
    /// Only this actor (an administrator's email in any case, `cli:alice`, `admin`).
    pub actor: Option<String>,
    /// Only records at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only records before this time.
    pub until: Option<DateTime<Utc>>,
    /// Only records before this position (the `next` of the previous page, newest first).
    pub before: Option<i64>,
    /// Only records after this position (the `next` of the previous page, oldest first).
    pub after: Option<i64>,
    /// Oldest first instead of newest first.
    pub oldest_first: bool,
    /// At most this many (1 to 1,000; 100 when 0).
    pub limit: usize,
    /// The configurations the reader may see (set by the server from the caller's grants):
    /// records about no configuration are shown only to a reader of all of them.
    pub reach: Reach,
}

/// A page of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditPage {
    /// The records, newest first (or oldest first, when asked).
    pub entries: Vec<AuditEntry>,
    /// The `before` (newest first) or `after` (oldest first) that reads the next page, when
    /// there is one.
    pub next: Option<i64>,
}

/// The formats the audit log exports to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// Comma-separated values with a header row (RFC 4180).
    Csv,
    /// One JSON object per line.
    JsonLines,
}

const MAX_PAGE: usize = 1000;

fn csv_field(out: &mut String, value: &str) {
    crate::csv::field(out, value);
}

impl Store {
    /// Reads a page of the audit log.
    pub async fn audit(&self, query: &AuditQuery) -> CoreResult<AuditPage> {
        let limit = match query.limit {
            0 => 100,
            n => n.min(MAX_PAGE),
        };
        let mut q = db::QueryBuilder::new("SELECT * FROM audit_log WHERE 1 = 1");
        if let Some(c) = query.configuration {
            q.push(" AND configuration_id = ").push_bind(c.to_string());
        }
        q.push_reach("configuration_id", &query.reach);
        match query.action.as_deref() {
            Some(a) if a.ends_with('.') => {
                q.push(" AND substr(action, 1, CAST(")
                    .push_bind(i64::try_from(a.chars().count()).unwrap_or(i64::MAX))
                    .push(" AS INTEGER)) = ")
                    .push_bind(a.to_owned());
            }
            Some(a) => {
                q.push(" AND action = ").push_bind(a.to_owned());
            }
            None => {}
        }
        if let Some(a) = &query.actor {
            q.push(" AND lower(actor) = ")
                .push_bind(a.trim().to_lowercase());
        }
        if let Some(t) = query.since {
            q.push(" AND at_us >= ").push_bind(t.timestamp_micros());
        }
        if let Some(t) = query.until {
            q.push(" AND at_us < ").push_bind(t.timestamp_micros());
        }
        if let Some(b) = query.before {
            q.push(" AND seq < ").push_bind(b);
        }
        if let Some(a) = query.after {
            q.push(" AND seq > ").push_bind(a);
        }
        q.push(if query.oldest_first {
            " ORDER BY seq ASC LIMIT "
        } else {
            " ORDER BY seq DESC LIMIT "
        })
        .push_bind(i64::try_from(limit + 1).unwrap_or(i64::MAX));
        let rows = q.build().plan_per_call().fetch_all(self.pool()).await?;
        let mut entries = rows
            .iter()
            .map(entry_from_row)
            .collect::<CoreResult<Vec<_>>>()?;
        let next = if entries.len() > limit {
            entries.truncate(limit);
            entries.last().map(|e| e.seq)
        } else {
            None
        };
        Ok(AuditPage { entries, next })
    }

    /// Every record matching a query (its `before` and `limit` aside), oldest first, as CSV or
    /// JSON Lines.
    pub async fn export_audit(
        &self,
        query: &AuditQuery,
        format: ExportFormat,
    ) -> CoreResult<String> {
        let mut page_query = AuditQuery {
            limit: MAX_PAGE,
            before: None,
            after: None,
            oldest_first: false,
            ..query.clone()
        };
        let mut all = Vec::new();
        loop {
            let page = self.audit(&page_query).await?;
            all.extend(page.entries);
            match page.next {
                Some(next) => page_query.before = Some(next),
                None => break,
            }
        }
        all.reverse();
        let mut out = String::new();
        match format {
            ExportFormat::JsonLines => {
                for e in &all {
                    out.push_str(
                        &serde_json::to_string(e)
                            .map_err(|e| CoreError::Corrupt(format!("audit entry: {e}")))?,
                    );
                    out.push('\n');
                }
            }
            ExportFormat::Csv => {
                out.push_str("seq,at,actor,source,action,configuration_id,configuration_name,target,details,administrator_id,roles,via\r\n");
                for e in &all {
                    let fields = [
                        e.seq.to_string(),
                        e.at.to_rfc3339(),
                        e.actor.clone(),
                        e.source.clone(),
                        e.action.clone(),
                        e.configuration_id.clone().unwrap_or_default(),
                        e.configuration_name.clone().unwrap_or_default(),
                        e.target.clone().unwrap_or_default(),
                        e.details.to_string(),
                        e.person.as_ref().map(|p| p.id.clone()).unwrap_or_default(),
                        e.person
                            .as_ref()
                            .map(|p| p.roles.clone())
                            .unwrap_or_default(),
                        e.person.as_ref().map(|p| p.via.clone()).unwrap_or_default(),
                    ];
                    for (i, f) in fields.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        csv_field(&mut out, f);
                    }
                    out.push_str("\r\n");
                }
            }
        }
        Ok(out)
    }
}
