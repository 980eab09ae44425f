//! The provisioning log: one record per SCIM request — who called (the client recognised from
//! its User-Agent and request shape), what it asked (operation, resource), what happened
//! (status, outcome, SCIM error, changed attributes, duration) — with secrets redacted from the
//! bodies before anything is stored. Records are written in batches; search is keyset-paged and
//! free text goes through an FTS5 index.

use crate::db;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::configuration::ConfigurationId;
use crate::error::{CoreError, CoreResult};
use crate::store::Store;
use crate::time::to_time;

pub mod follow;
pub mod outbox;
pub mod retention;
pub mod stats;

/// The identity provider (or other client) that sent a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum Client {
    /// Microsoft Entra ID.
    Entra,
    /// Okta.
    Okta,
    /// OneLogin.
    OneLogin,
    /// Google Workspace.
    Google,
    /// Anything else (the User-Agent is kept).
    Other,
}

impl Client {
    /// Recognises a client from its User-Agent, the query string and the body's schemas.
    pub fn recognise(user_agent: Option<&str>, query: Option<&str>, body: Option<&Value>) -> Self {
        let agent = user_agent.unwrap_or_default().to_ascii_lowercase();
        if agent.contains("okta") {
            return Self::Okta;
        }
        if agent.contains("onelogin") {
            return Self::OneLogin;
        }
        if agent.contains("google") {
            return Self::Google;
        }
        let entra_agent = ["microsoft", "azure", "entra", "aad"]
            .iter()
            .any(|k| agent.contains(k));
        let entra_flag = query.is_some_and(|q| q.to_ascii_lowercase().contains("aadoptscim062020"));
        let entra_schema = body
            .and_then(|b| b.get("schemas"))
            .and_then(Value::as_array)
            .is_some_and(|s| {
                s.iter().any(|u| {
                    u.as_str()
                        .is_some_and(|u| u.contains("schemas.microsoft.com"))
                })
            });
        if entra_agent || entra_flag || entra_schema {
            Self::Entra
        } else {
            Self::Other
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Entra => "entra",
            Self::Okta => "okta",
            Self::OneLogin => "oneLogin",
            Self::Google => "google",
            Self::Other => "other",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "entra" => Self::Entra,
            "okta" => Self::Okta,
            "oneLogin" => Self::OneLogin,
            "google" => Self::Google,
            _ => Self::Other,
        }
    }
}

/// What a request did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum Operation {
    /// POST of a resource.
    Create,
    /// PUT or PATCH of a resource (not only `active` or members).
    Update,
    /// A PATCH or PUT that sets `active` to false.
    Disable,
    /// DELETE.
    Delete,
    /// GET of resources, or `/.search`.
    Query,
    /// `/Schemas`, `/ResourceTypes`, `/ServiceProviderConfig`.
    Discovery,
    /// A PATCH of a group's members.
    MembershipChange,
    /// The OAuth token endpoint.
    Token,
    /// A bulk request (its operations have records of their own).
    Bulk,
}

impl Operation {
    fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Disable => "disable",
            Self::Delete => "delete",
            Self::Query => "query",
            Self::Discovery => "discovery",
            Self::MembershipChange => "membershipChange",
            Self::Token => "token",
            Self::Bulk => "bulk",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "create" => Self::Create,
            "update" => Self::Update,
            "disable" => Self::Disable,
            "delete" => Self::Delete,
            "discovery" => Self::Discovery,
            "membershipChange" => Self::MembershipChange,
            "token" => Self::Token,
            "bulk" => Self::Bulk,
            _ => Self::Query,
        }
    }

    /// The operation of a request, from its method, path and body.
    pub fn classify(method: &str, path: &str, body: Option<&Value>) -> Self {
        let last = path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default();
        if path.contains("/oauth/token") {
            return Self::Token;
        }
        if ["Schemas", "ResourceTypes", "ServiceProviderConfig"]
            .iter()
            .any(|d| path.contains(&format!("/{d}")))
        {
            return Self::Discovery;
        }
        match method {
            "POST" if last == "Bulk" => Self::Bulk,
            "POST" if !last.eq_ignore_ascii_case(".search") => Self::Create,
            "DELETE" => Self::Delete,
            "PUT" | "PATCH" => {
                if disables(body) {
                    Self::Disable
                } else if path.contains("/Groups/") && patches_members_only(body) {
                    Self::MembershipChange
                } else {
                    Self::Update
                }
            }
            // GET, POST /.search, and anything else that reads.
            _ => Self::Query,
        }
    }
}

fn disables(body: Option<&Value>) -> bool {
    let Some(body) = body else { return false };
    let is_false = |v: &Value| {
        v == &Value::Bool(false) || v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("false"))
    };
    if body.get("active").is_some_and(is_false) {
        return true;
    }
    body.get("Operations")
        .and_then(Value::as_array)
        .is_some_and(|ops| {
            ops.iter().any(|op| {
                let path = op.get("path").and_then(Value::as_str).unwrap_or_default();
                let value = op.get("value");
                (path.eq_ignore_ascii_case("active") && value.is_some_and(is_false))
                    || (path.is_empty()
                        && value.and_then(|v| v.get("active")).is_some_and(is_false))
            })
        })
}

fn patches_members_only(body: Option<&Value>) -> bool {
    body.and_then(|b| b.get("Operations"))
        .and_then(Value::as_array)
        .is_some_and(|ops| {
            !ops.is_empty()
                && ops.iter().all(|op| {
                    op.get("path")
                        .and_then(Value::as_str)
                        .is_some_and(|p| p.to_ascii_lowercase().starts_with("members"))
                })
        })
}

/// Which way a request went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum Direction {
    /// Received by the embedded endpoint from a client.
    #[default]
    Inbound,
    /// Sent by the console as a SCIM client (a pilot run) to a target.
    Outbound,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Self::Inbound => "inbound",
            Self::Outbound => "outbound",
        }
    }

    fn parse(s: &str) -> Self {
        if s == "outbound" {
            Self::Outbound
        } else {
            Self::Inbound
        }
    }
}

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// 2xx without warnings.
    Success,
    /// 4xx or 5xx (other than out of scope).
    Failure,
    /// Refused or accepted inactive because the resource is out of the plan's scope.
    Skipped,
    /// 2xx with warnings (warn-only validators, ignored attributes).
    Warning,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Skipped => "skipped",
            Self::Warning => "warning",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "failure" => Self::Failure,
            "skipped" => Self::Skipped,
            "warning" => Self::Warning,
            _ => Self::Success,
        }
    }
}

/// Why the endpoint refused a request's credential (a 401).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum CredentialRefusal {
    /// No credential was sent.
    Missing,
    /// Not a credential of the configuration.
    Invalid,
    /// A real credential past its expiry date.
    Expired,
    /// A real credential that was revoked: a client still uses a token taken away from it.
    Revoked,
    /// A live credential of a kind the configuration refuses (a bearer token where only
    /// JWT-authenticated OAuth clients get in).
    NotAllowed,
}

impl CredentialRefusal {
    /// The name statistics and alerts count it under (`revokedToken`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Missing => "missingToken",
            Self::Invalid => "invalidToken",
            Self::Expired => "expiredToken",
            Self::Revoked => "revokedToken",
            Self::NotAllowed => "credentialNotAllowed",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "missingToken" => Some(Self::Missing),
            "invalidToken" => Some(Self::Invalid),
            "expiredToken" => Some(Self::Expired),
            "revokedToken" => Some(Self::Revoked),
            "credentialNotAllowed" => Some(Self::NotAllowed),
            _ => None,
        }
    }
}

/// Attribute names whose values never reach storage or output.
const SENSITIVE: [&str; 6] = [
    "password",
    "access_token",
    "refresh_token",
    "client_secret",
    "token",
    "secret",
];

/// The largest body kept, in bytes; longer ones are cut (and say so).
pub const MAX_BODY: usize = 64 * 1024;

/// A body with every sensitive attribute's value replaced by `"***"` (at any depth, also
/// inside PATCH operations whose `path` names one), then serialised and cut to [`MAX_BODY`].
pub fn redact(body: &Value) -> String {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                let path_is_sensitive = map
                    .get("path")
                    .and_then(Value::as_str)
                    .is_some_and(|p| SENSITIVE.iter().any(|s| p.eq_ignore_ascii_case(s)));
                for (k, inner) in map.iter_mut() {
                    if SENSITIVE.iter().any(|s| k.eq_ignore_ascii_case(s))
                        || (path_is_sensitive && k.eq_ignore_ascii_case("value"))
                    {
                        *inner = Value::String("***".into());
                    } else {
                        walk(inner);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    let mut copy = body.clone();
    walk(&mut copy);
    let mut text = copy.to_string();
    if text.len() > MAX_BODY {
        let mut cut = MAX_BODY;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("…(cut)");
    }
    text
}

/// A request path whose query parameters named like a secret (`access_token=…`, which RFC 6750
/// lets a client send) have their values replaced by `***`.
pub fn redact_path(path_and_query: &str) -> String {
    let Some((path, query)) = path_and_query.split_once('?') else {
        return path_and_query.to_owned();
    };
    let parts: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _))
                if SENSITIVE.iter().any(|s| {
                    form_urlencoded::parse(name.as_bytes())
                        .next()
                        .is_some_and(|(n, _)| n.eq_ignore_ascii_case(s))
                }) =>
            {
                format!("{name}=***")
            }
            _ => pair.to_owned(),
        })
        .collect();
    format!("{path}?{}", parts.join("&"))
}

/// One record, as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    /// Position in the log (0 until stored).
    pub seq: i64,
    /// When the request arrived.
    pub at: DateTime<Utc>,
    /// The configuration.
    pub configuration_id: ConfigurationId,
    /// The client.
    pub client: Client,
    /// Its User-Agent.
    pub user_agent: Option<String>,
    /// The caller's address; for an outbound request, the target's name.
    pub source: String,
    /// Received by the endpoint, or sent by the console (a pilot run).
    #[serde(default)]
    pub direction: Direction,
    /// The credential's non-secret prefix (`scim_ab12cd34_…`, an OAuth client id).
    pub credential: Option<String>,
    /// The HTTP method.
    pub method: String,
    /// The path (and query string).
    pub path: String,
    /// What it did.
    pub operation: Operation,
    /// `User` or `Group`.
    pub resource_type: Option<String>,
    /// The resource's id.
    pub resource_id: Option<String>,
    /// Its userName or displayName.
    pub resource_name: Option<String>,
    /// The HTTP status.
    pub status: u16,
    /// How it ended.
    pub outcome: Outcome,
    /// The SCIM error type, if any.
    pub scim_type: Option<String>,
    /// Why the credential was refused, for a 401.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<CredentialRefusal>,
    /// The error detail, or the warnings.
    pub detail: Option<String>,
    /// The attributes a failed request was refused for (as far as the error names them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<String>,
    /// The compatibility switches that let the request through (`pathlessPatch`, …): the
    /// forms it used that RFC 7643/7644 or the interoperability profile do not allow.
    pub switches: Vec<String>,
    /// How long the request took, in microseconds.
    pub duration_us: i64,
    /// The attributes changed, with old and new values (sensitive ones redacted).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<Object>>))]
    pub changes: Option<Value>,
    /// The request body, redacted.
    pub request_body: Option<String>,
    /// The response body, redacted.
    pub response_body: Option<String>,
    /// The tickets of the outbox rows of the changes this request made ([`outbox`]), to
    /// release once the record is stored.
    #[serde(skip)]
    pub outbox: Vec<i64>,
}

fn entry_from_row(row: &db::Row) -> CoreResult<LogEntry> {
    let configuration: String = row.try_get("configuration_id")?;
    let changes: Option<String> = row.try_get("changes")?;
    Ok(LogEntry {
        seq: row.try_get("seq")?,
        at: to_time(row.try_get("at_us")?)?,
        configuration_id: ConfigurationId::parse(&configuration)
            .ok_or_else(|| CoreError::Corrupt(configuration.clone()))?,
        client: Client::parse(&row.try_get::<String, _>("client")?),
        user_agent: row.try_get("user_agent")?,
        source: row.try_get("source")?,
        direction: Direction::parse(&row.try_get::<String, _>("direction")?),
        credential: row.try_get("credential")?,
        method: row.try_get("method")?,
        path: row.try_get("path")?,
        operation: Operation::parse(&row.try_get::<String, _>("operation")?),
        resource_type: row.try_get("resource_type")?,
        resource_id: row.try_get("resource_id")?,
        resource_name: row.try_get("resource_name")?,
        status: u16::try_from(row.try_get::<i64, _>("status")?).unwrap_or(0),
        outcome: Outcome::parse(&row.try_get::<String, _>("outcome")?),
        scim_type: row.try_get("scim_type")?,
        refusal: row
            .try_get::<Option<String>, _>("refusal")?
            .as_deref()
            .and_then(CredentialRefusal::parse),
        detail: row.try_get("detail")?,
        attributes: row
            .try_get::<Option<String>, _>("attributes")?
            .map(|a| a.split(',').map(str::to_owned).collect())
            .unwrap_or_default(),
        switches: row
            .try_get::<Option<String>, _>("switches")?
            .map(|a| a.split(',').map(str::to_owned).collect())
            .unwrap_or_default(),
        duration_us: row.try_get("duration_us")?,
        changes: changes.and_then(|c| serde_json::from_str(&c).ok()),
        request_body: row.try_get("request_body")?,
        response_body: row.try_get("response_body")?,
        outbox: Vec::new(),
    })
}

/// Which records to read: newest first, `limit` at a time, continuing `before` a position.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LogQuery {
    /// Only this configuration.
    pub configuration: Option<ConfigurationId>,
    /// From this time.
    pub since: Option<DateTime<Utc>>,
    /// Before this time.
    pub until: Option<DateTime<Utc>>,
    /// Only this outcome.
    pub outcome: Option<Outcome>,
    /// Only this operation.
    pub operation: Option<Operation>,
    /// Only this client.
    pub client: Option<Client>,
    /// Only requests received, or only requests the console sent (pilot runs).
    pub direction: Option<Direction>,
    /// Only this HTTP status.
    pub status: Option<u16>,
    /// Only this resource id.
    pub resource: Option<String>,
    /// Free text over userName / displayName / error detail: every word must appear; `word*`
    /// matches a prefix.
    pub text: Option<String>,
    /// Records before this position (the `next` of the previous page).
    pub before: Option<i64>,
    /// Records after this position, oldest first (following the log as it grows).
    pub after: Option<i64>,
    /// At most this many (1 to 1,000; 100 when 0).
    pub limit: usize,
}

impl LogQuery {
    /// Whether a record passes the query's filters (positions and page size aside) — for
    /// records followed live rather than searched. Free text matches when every word (or
    /// `word*` prefix) starts a word of the userName / displayName or the detail,
    /// case-insensitively, as the full-text index does.
    pub fn matches(&self, e: &LogEntry) -> bool {
        let at = e.at;
        self.configuration.is_none_or(|c| c == e.configuration_id)
            && self.since.is_none_or(|t| at >= t)
            && self.until.is_none_or(|t| at < t)
            && self.outcome.is_none_or(|o| o == e.outcome)
            && self.operation.is_none_or(|o| o == e.operation)
            && self.client.is_none_or(|c| c == e.client)
            && self.direction.is_none_or(|d| d == e.direction)
            && self.status.is_none_or(|s| s == e.status)
            && self
                .resource
                .as_ref()
                .is_none_or(|r| e.resource_id.as_ref() == Some(r))
            && self.text.as_deref().is_none_or(|text| {
                text_matches(
                    text,
                    &[
                        e.resource_name.as_deref().unwrap_or_default(),
                        e.detail.as_deref().unwrap_or_default(),
                    ],
                )
            })
    }
}

/// The words of a text as the full-text index splits them: runs of letters and digits, lower
/// case.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether free text matches the fields as the FTS5 query made by [`fts_query`] does: every
/// whitespace-separated word of `text` appears in one field as a phrase (`bjensen@example.com`
/// is the phrase `bjensen example com`), the last of its words as a prefix when it ends in `*`.
fn text_matches(text: &str, fields: &[&str]) -> bool {
    let fields: Vec<Vec<String>> = fields.iter().map(|f| words(f)).collect();
    text.split_whitespace().all(|needle| {
        let (core, prefix) = match needle.strip_suffix('*') {
            Some(c) => (c, true),
            None => (needle, false),
        };
        let phrase = words(core);
        if phrase.is_empty() {
            return true;
        }
        fields.iter().any(|field| {
            field.windows(phrase.len()).any(|window| {
                window.iter().zip(&phrase).enumerate().all(|(k, (w, p))| {
                    if prefix && k == phrase.len() - 1 {
                        w.starts_with(p.as_str())
                    } else {
                        w == p
                    }
                })
            })
        })
    })
}

/// A page of records, newest first (oldest first when following with `after`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LogPage {
    /// The records.
    pub entries: Vec<LogEntry>,
    /// The `before` of the next (older) page.
    pub next: Option<i64>,
}

/// The CSV header of exported records.
pub const CSV_HEADER: &str = "seq,at,configuration_id,client,source,credential,method,path,operation,resource_type,resource_id,resource_name,status,outcome,scim_type,detail,switches,duration_us,request_body,response_body\r\n";

impl LogEntry {
    /// The record as one CSV line (RFC 4180, every field quoted), ending in CRLF.
    pub fn csv_line(&self) -> String {
        let fields = [
            self.seq.to_string(),
            self.at.to_rfc3339(),
            self.configuration_id.to_string(),
            self.client.as_str().to_owned(),
            self.source.clone(),
            self.credential.clone().unwrap_or_default(),
            self.method.clone(),
            self.path.clone(),
            self.operation.as_str().to_owned(),
            self.resource_type.clone().unwrap_or_default(),
            self.resource_id.clone().unwrap_or_default(),
            self.resource_name.clone().unwrap_or_default(),
            self.status.to_string(),
            self.outcome.as_str().to_owned(),
            self.scim_type.clone().unwrap_or_default(),
            self.detail.clone().unwrap_or_default(),
            self.switches.join(" "),
            self.duration_us.to_string(),
            self.request_body.clone().unwrap_or_default(),
            self.response_body.clone().unwrap_or_default(),
        ];
        let mut line = String::new();
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            line.push('"');
            line.push_str(&f.replace('"', "\"\""));
            line.push('"');
        }
        line.push_str("\r\n");
        line
    }

    /// The record as one JSON line.
    pub fn json_line(&self) -> String {
        let mut line = serde_json::to_string(self).unwrap_or_default();
        line.push('\n');
        line
    }
}

/// The values of `changes` with sensitive attributes redacted.
pub fn redact_changes(changes: &[scim::patch::AttributeChange]) -> Option<Value> {
    if changes.is_empty() {
        return None;
    }
    let list: Vec<Value> = changes
        .iter()
        .map(|c| {
            let sensitive = c.redacted || SENSITIVE.iter().any(|s| c.path.eq_ignore_ascii_case(s));
            let shown = |v: &Option<Value>| {
                if sensitive {
                    v.as_ref().map(|_| Value::String("***".into()))
                } else {
                    v.clone()
                }
            };
            let mut m = Map::new();
            m.insert("path".into(), Value::String(c.path.clone()));
            m.insert("old".into(), shown(&c.old).unwrap_or(Value::Null));
            m.insert("new".into(), shown(&c.new).unwrap_or(Value::Null));
            Value::Object(m)
        })
        .collect();
    Some(Value::Array(list))
}

impl Store {
    /// Writes records, in one transaction with the statistics they add to, and gives each its
    /// position (`seq`).
    pub async fn record_logs(&self, entries: &mut [LogEntry]) -> CoreResult<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut w = self.log_database().writer().await?;
        let mut tx = w.begin().await?;
        let dialect = tx.dialect();
        // Many rows per statement: one round trip to the connection's thread per 40 records.
        for chunk in entries.chunks_mut(40) {
            let mut q = db::QueryBuilder::new(
                "INSERT INTO provisioning_log (at_us, configuration_id, client, user_agent, source, credential, method, path, operation,
                 resource_type, resource_id, resource_name, status, outcome, scim_type, refusal, detail, attributes, switches, duration_us, changes, request_body, response_body, outbox, direction) ",
            );
            q.push_values(chunk.iter(), |mut row, e| {
                row.push_bind(e.at.timestamp_micros())
                    .push_bind(e.configuration_id.to_string())
                    .push_bind(e.client.as_str())
                    .push_bind(e.user_agent.clone())
                    .push_bind(e.source.clone())
                    .push_bind(e.credential.clone())
                    .push_bind(e.method.clone())
                    .push_bind(e.path.clone())
                    .push_bind(e.operation.as_str())
                    .push_bind(e.resource_type.clone())
                    .push_bind(e.resource_id.clone())
                    .push_bind(e.resource_name.clone())
                    .push_bind(i64::from(e.status))
                    .push_bind(e.outcome.as_str())
                    .push_bind(e.scim_type.clone())
                    .push_bind(e.refusal.map(CredentialRefusal::as_str))
                    .push_bind(e.detail.clone())
                    .push_bind((!e.attributes.is_empty()).then(|| e.attributes.join(",")))
                    .push_bind((!e.switches.is_empty()).then(|| e.switches.join(",")))
                    .push_bind(e.duration_us)
                    .push_bind(e.changes.as_ref().map(Value::to_string))
                    .push_bind(e.request_body.clone())
                    .push_bind(e.response_body.clone())
                    .push_bind((!e.outbox.is_empty()).then(|| {
                        e.outbox
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(",")
                    }))
                    .push_bind(e.direction.as_str());
            });
            if dialect == db::Dialect::Postgres {
                // Other instances insert too: the positions are the ones given back.
                q.push(" RETURNING seq");
                let rows = q.build().fetch_all(&mut tx).await?;
                for (e, row) in chunk.iter_mut().zip(&rows) {
                    e.seq = row.try_get(0)?;
                }
            } else {
                let last = q.build().execute(&mut tx).await?.last_insert_rowid();
                // One writer, one statement: the chunk's rows have consecutive positions.
                let first = last - i64::try_from(chunk.len()).unwrap_or(0) + 1;
                for (e, seq) in chunk.iter_mut().zip(first..) {
                    e.seq = seq;
                }
            }
        }
        stats::add(&mut tx, entries).await?;
        if let Some(channel) = self.log_channel() {
            let seqs: Vec<i64> = entries.iter().map(|e| e.seq).collect();
            follow::announce(&mut tx, channel, self.instance_id(), &seqs).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The newest record's position (0 when the log is empty).
    pub async fn last_log_seq(&self) -> CoreResult<i64> {
        Ok(
            db::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM provisioning_log")
                .fetch_one(self.log_database())
                .await?,
        )
    }

    /// One record by its position.
    pub async fn log_entry(&self, seq: i64) -> CoreResult<LogEntry> {
        let row = db::query("SELECT * FROM provisioning_log WHERE seq = ?")
            .bind(seq)
            .fetch_optional(self.log_database())
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("log record {seq}")))?;
        entry_from_row(&row)
    }

    /// A page of the log, newest first.
    pub async fn search_logs(&self, query: &LogQuery) -> CoreResult<LogPage> {
        let limit = match query.limit {
            0 => 100,
            n => n.min(1000),
        };
        let text = query.text.as_deref().filter(|t| !t.trim().is_empty());
        // With free text, the full-text index drives (newest match first, natively in rowid
        // order) and each match is checked against the other filters; without, the record
        // indexes do. Positions are then the index's rowids.
        let mut q = db::QueryBuilder::new("SELECT l.* FROM ");
        let seq = if let Some(text) = text {
            if self.log_database().dialect() == db::Dialect::Postgres {
                // The `search` column holds what FTS5 indexes, under a GIN index.
                q.push("provisioning_log l WHERE l.search @@ (");
                push_tsquery(&mut q, text, query);
                q.push(")");
                "l.seq"
            } else {
                q.push(
                    "provisioning_log_text t CROSS JOIN provisioning_log l ON l.seq = t.rowid WHERE provisioning_log_text MATCH ",
                )
                .push_bind(fts_query(text, query));
                "t.rowid"
            }
        } else {
            q.push("provisioning_log l WHERE 1 = 1");
            "l.seq"
        };
        if let Some(c) = query.configuration {
            q.push(" AND l.configuration_id = ")
                .push_bind(c.to_string());
        }
        // Time bounds also bound positions (found by binary search), so a range in the past
        // does not walk every newer record.
        if let Some(t) = query.since {
            let us = t.timestamp_micros();
            match self.first_seq_from(us - retention::SKEW_US).await? {
                Some(lower) => q.push(format!(" AND {seq} >= ")).push_bind(lower),
                None => q.push(" AND 0"),
            };
            q.push(" AND l.at_us >= ").push_bind(us);
        }
        if let Some(t) = query.until {
            let us = t.timestamp_micros();
            if let Some(upper) = self.first_seq_from(us + retention::SKEW_US).await? {
                q.push(format!(" AND {seq} < ")).push_bind(upper);
            }
            q.push(" AND l.at_us < ").push_bind(us);
        }
        // The partial indexes' conditions, repeated word for word where the filter implies
        // them (SQLite uses a partial index only then).
        if let Some(o) = query.outcome {
            q.push(" AND l.outcome = ").push_bind(o.as_str());
            if o != Outcome::Success {
                q.push(" AND outcome <> 'success'");
            }
        }
        if let Some(o) = query.operation {
            q.push(" AND l.operation = ").push_bind(o.as_str());
            if !matches!(o, Operation::Query | Operation::Create | Operation::Update) {
                q.push(" AND operation NOT IN ('query', 'create', 'update')");
            }
        }
        if let Some(c) = query.client {
            q.push(" AND l.client = ").push_bind(c.as_str());
        }
        if let Some(d) = query.direction {
            q.push(" AND l.direction = ").push_bind(d.as_str());
        }
        if let Some(s) = query.status {
            q.push(" AND l.status = ").push_bind(i64::from(s));
            if !matches!(s, 200 | 201 | 204) {
                q.push(" AND status NOT IN (200, 201, 204)");
            }
        }
        if let Some(r) = &query.resource {
            q.push(" AND l.resource_id = ").push_bind(r.clone());
        }
        if let Some(b) = query.before {
            q.push(format!(" AND {seq} < ")).push_bind(b);
        }
        if let Some(a) = query.after {
            q.push(format!(" AND {seq} > ")).push_bind(a);
        }
        let order = if query.after.is_some() { "ASC" } else { "DESC" };
        q.push(format!(" ORDER BY {seq} {order} LIMIT "))
            .push_bind(i64::try_from(limit + 1).unwrap_or(i64::MAX));
        let rows = q
            .build()
            .plan_per_call()
            .fetch_all(self.log_database())
            .await?;
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
        Ok(LogPage { entries, next })
    }
}

/// A user's free text as an FTS5 query over the names and details: each word quoted (so no
/// input is an FTS5 syntax error), `word*` kept as a prefix search; then the query's
/// configuration, client, outcome, operation and status as tokens of the `facets` column, so
/// the index intersects them all before a record is read.
fn fts_query(text: &str, query: &LogQuery) -> String {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|word| {
            let (core, prefix) = match word.strip_suffix('*') {
                Some(c) => (c, true),
                None => (word, false),
            };
            let quoted = format!("\"{}\"", core.replace('"', "\"\""));
            if prefix { format!("{quoted}*") } else { quoted }
        })
        .collect();
    let mut expression = format!("{{resource_name detail}} : ({})", words.join(" "));
    for facet in facets(query) {
        // Facet tokens are letters and digits only: one token each, lower-cased by the
        // tokenizer as the stored ones were.
        expression.push_str(" AND facets : \"");
        expression.push_str(&facet);
        expression.push('"');
    }
    expression
}

/// The facet tokens of a query (`cfg<id without dashes>`, `cl<client>`, …), lower-cased.
fn facets(query: &LogQuery) -> Vec<String> {
    [
        query
            .configuration
            .map(|c| format!("cfg{}", c.to_string().replace('-', ""))),
        query.client.map(|c| format!("cl{}", c.as_str())),
        query.outcome.map(|o| format!("oc{}", o.as_str())),
        query.operation.map(|o| format!("op{}", o.as_str())),
        query.status.map(|s| format!("st{s}")),
    ]
    .into_iter()
    .flatten()
    .map(|f| f.to_lowercase())
    .collect()
}

/// The same free text as a PostgreSQL `tsquery` (the `simple` configuration, as the `search`
/// column is built): each word a phrase of the tokens the parser makes of it (as FTS5 reads a
/// quoted word), `word*` a prefix search, all of them and the query's facets required.
fn push_tsquery(q: &mut db::QueryBuilder<'_>, text: &str, query: &LogQuery) {
    let mut first = true;
    let mut and = |q: &mut db::QueryBuilder<'_>| {
        if !first {
            q.push(" && ");
        }
        first = false;
    };
    for word in text.split_whitespace() {
        if let Some(core) = word.strip_suffix('*') {
            // The word's parts in a row, the last one a prefix: `bjensen@ex*` is
            // `'bjensen' <-> 'ex':*`.
            let parts: Vec<String> = core
                .split(|c: char| !c.is_alphanumeric())
                .filter(|p| !p.is_empty())
                .map(|p| format!("'{p}'"))
                .collect();
            if parts.is_empty() {
                continue;
            }
            let phrase = format!("{}:*", parts.join(" <-> "));
            and(q);
            q.push("to_tsquery('simple', ").push_bind(phrase).push(")");
        } else {
            and(q);
            q.push("phraseto_tsquery('simple', regexp_replace(")
                .push_bind(word.to_owned())
                .push(", '[[:punct:]]+', ' ', 'g'))");
        }
    }
    let facets = facets(query);
    if !facets.is_empty() {
        and(q);
        q.push("to_tsquery('simple', ")
            .push_bind(facets.join(" & "))
            .push(")");
    }
    if first {
        // Nothing searchable (only punctuation): an empty query, which matches nothing.
        q.push("''::tsquery");
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn clients_are_recognised_by_agent_flag_and_schema() {
        assert_eq!(
            Client::recognise(Some("Okta SCIM Client 1.0.0"), None, None),
            Client::Okta
        );
        assert_eq!(
            Client::recognise(Some("OKTA SCIM Integration"), None, None),
            Client::Okta
        );
        assert_eq!(
            Client::recognise(None, Some("aadOptscim062020"), None),
            Client::Entra
        );
        let group = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"]});
        assert_eq!(Client::recognise(None, None, Some(&group)), Client::Entra);
        assert_eq!(
            Client::recognise(Some("OneLogin SCIM"), None, None),
            Client::OneLogin
        );
        assert_eq!(Client::recognise(Some("curl/8"), None, None), Client::Other);
    }

    #[test]
    fn operations_follow_method_path_and_body() {
        let disable =
            json!({"Operations": [{"op": "Replace", "path": "active", "value": "False"}]});
        let okta_disable = json!({"Operations": [{"op": "replace", "value": {"active": false}}]});
        let members =
            json!({"Operations": [{"op": "add", "path": "members", "value": [{"value": "x"}]}]});
        let cases = [
            ("POST", "/scim/a/v2/Users", None, Operation::Create),
            ("POST", "/scim/a/v2/Users/.search", None, Operation::Query),
            ("GET", "/scim/a/v2/Users?filter=x", None, Operation::Query),
            ("GET", "/scim/a/v2/Schemas", None, Operation::Discovery),
            (
                "PATCH",
                "/scim/a/v2/Users/1",
                Some(&disable),
                Operation::Disable,
            ),
            (
                "PATCH",
                "/scim/a/v2/Users/1",
                Some(&okta_disable),
                Operation::Disable,
            ),
            (
                "PUT",
                "/scim/a/v2/Users/1",
                Some(&json!({"active": false})),
                Operation::Disable,
            ),
            (
                "PATCH",
                "/scim/a/v2/Groups/1",
                Some(&members),
                Operation::MembershipChange,
            ),
            (
                "PATCH",
                "/scim/a/v2/Users/1",
                Some(&json!({"Operations": []})),
                Operation::Update,
            ),
            ("DELETE", "/scim/a/v2/Users/1", None, Operation::Delete),
            ("POST", "/scim/a/oauth/token", None, Operation::Token),
            ("POST", "/scim/a/v2/Bulk", None, Operation::Bulk),
        ];
        for (method, path, body, expected) in cases {
            assert_eq!(
                Operation::classify(method, path, body),
                expected,
                "{method} {path}"
            );
        }
    }

    #[test]
    fn secrets_are_redacted_everywhere_in_a_body() {
        let body = json!({
            "userName": "a", "password": "t1meMa$heen",
            "Operations": [{"op": "replace", "path": "password", "value": "n3w-Secret"},
                           {"op": "replace", "value": {"password": "pathless-Secret"}}],
            "nested": [{"client_secret": "cs"}]
        });
        let text = redact(&body);
        for secret in ["t1meMa$heen", "n3w-Secret", "pathless-Secret", "\"cs\""] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(text.contains("\"userName\":\"a\""));
        assert_eq!(
            redact_path("/scim/a/v2/Users?access_token=s3cr3t&filter=userName%20eq%20%22x%22"),
            "/scim/a/v2/Users?access_token=***&filter=userName%20eq%20%22x%22"
        );
        assert_eq!(redact_path("/scim/a/v2/Users"), "/scim/a/v2/Users");
        let long = json!({"x": "a".repeat(MAX_BODY * 2)});
        assert!(redact(&long).ends_with("…(cut)"));
        let fields = [
            "bjensen@example.com",
            "timezone: \"europe/paris\" is not an IANA zone",
        ];
        assert!(text_matches("bjensen@example.com", &fields));
        assert!(text_matches("BJensen", &fields));
        assert!(text_matches("bjen*", &fields));
        assert!(text_matches("europe/paris iana", &fields));
        assert!(text_matches("example.c*", &fields));
        assert!(!text_matches("paris/europe", &fields));
        assert!(!text_matches("bjensen@example.org", &fields));
        assert!(!text_matches("com timezone:x", &fields));
        assert_eq!(
            fts_query("bjensen \"x y\" err*", &LogQuery::default()),
            "{resource_name detail} : (\"bjensen\" \"\"\"x\" \"y\"\"\" \"err\"*)"
        );
        let id = ConfigurationId::parse("4f1c2b3a-0000-4000-8000-00000000abcd").unwrap();
        assert_eq!(
            fts_query(
                "paris",
                &LogQuery {
                    configuration: Some(id),
                    client: Some(Client::OneLogin),
                    outcome: Some(Outcome::Failure),
                    operation: Some(Operation::MembershipChange),
                    status: Some(409),
                    ..LogQuery::default()
                }
            ),
            "{resource_name detail} : (\"paris\") AND facets : \"cfg4f1c2b3a00004000800000000000abcd\" AND facets : \"clonelogin\" AND facets : \"ocfailure\" AND facets : \"opmembershipchange\" AND facets : \"st409\""
        );
    }
}
