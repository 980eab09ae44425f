//! The provisioning log: one record per SCIM request — who called (the client recognised from
//! its User-Agent and request shape), what it asked (operation, resource), what happened
//! (status, outcome, SCIM error, changed attributes, duration) — with secrets redacted from the
//! bodies before anything is stored. Records are written in batches; search is keyset-paged and
//! free text goes through an FTS5 index.

use crate::db;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::administrators::roles::Reach;
use crate::configuration::ConfigurationId;
use crate::error::{CoreError, CoreResult};
use crate::time::to_time;

pub mod caps;
pub mod follow;
pub mod health;
pub mod labels;
pub mod outbox;
pub mod refusals;
pub mod retention;
pub mod stats;
mod store;
pub mod writer;

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

    /// Its name as stored (`entra`, `okta`, …).
    pub fn as_str(self) -> &'static str {
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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

    pub(crate) fn parse(s: &str) -> Option<Self> {
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

/// OAuth 2.0's own secret parameters (RFC 6749, RFC 6750, RFC 7523, OpenID Connect), which no
/// SCIM schema describes: the token endpoint's answers and a query's `access_token`.
const OAUTH_SECRETS: [&str; 5] = [
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "client_assertion",
];

/// What the log keeps secret: every attribute the SCIM schemas mark `returned: never` or
/// `writeOnly` (read off the schemas, [`scim::secrets::Secrets`]) and OAuth's secret parameters.
pub fn secrets() -> &'static scim::secrets::Secrets {
    static SECRETS: std::sync::LazyLock<scim::secrets::Secrets> = std::sync::LazyLock::new(|| {
        scim::secrets::Secrets::of(&scim::SchemaRegistry::standard()).with_names(OAUTH_SECRETS)
    });
    &SECRETS
}

/// The largest body kept, in bytes; longer ones are cut (and say so).
pub const MAX_BODY: usize = 64 * 1024;

/// A body with every secret value ([`secrets`]) replaced by `"***"` — in every form the
/// endpoint's parsers accept (key case, URN-qualified keys, PATCH paths and path-less value
/// objects, Bulk data) — then serialised and cut to [`MAX_BODY`].
pub fn redact(body: &Value) -> String {
    redact_by(secrets(), body)
}

/// A body with every value `secrets` names replaced by `"***"` (as [`redact`] does with the
/// schemas' secrets; a configuration whose plan marks custom fields secret adds theirs), then
/// serialised and cut to [`MAX_BODY`].
pub fn redact_by(secrets: &scim::secrets::Secrets, body: &Value) -> String {
    let mut text = secrets.redact(body).to_string();
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
/// lets a client send) have their values replaced by `***`, and whose `filter` is `***` when
/// it names a secret attribute (`password eq "…"`) or a custom field (which a plan may mark
/// secret; the path is recorded before the plan is read).
pub fn redact_path(path_and_query: &str) -> String {
    let Some((path, query)) = path_and_query.split_once('?') else {
        return path_and_query.to_owned();
    };
    let parts: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _))
                if form_urlencoded::parse(name.as_bytes())
                    .next()
                    .is_some_and(|(n, _)| secrets().names_secret(&n)) =>
            {
                format!("{name}=***")
            }
            Some((name, value))
                if name.eq_ignore_ascii_case("filter") && filter_names_secret(value) =>
            {
                format!("{name}=***")
            }
            _ => pair.to_owned(),
        })
        .collect();
    format!("{path}?{}", parts.join("&"))
}

/// Whether a (URL-encoded) filter names a secret attribute or a custom field: any of its words
/// (attribute paths, URNs, literals alike — over-masking is the safe side) does.
fn filter_names_secret(encoded: &str) -> bool {
    let decoded: String = form_urlencoded::parse(format!("f={encoded}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    decoded
        .split(|c: char| !(c.is_alphanumeric() || matches!(c, ':' | '.' | '_' | '-' | '$')))
        .filter(|word| !word.is_empty())
        .any(|word| {
            word.to_ascii_lowercase().starts_with("urn:scim-console:")
                || secrets().names_secret(word)
        })
}

/// One record, as written.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
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
    /// Its externalId and emails at the time, space-separated: what free text finds it by
    /// besides its name and id ([`labels`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_keys: Option<String>,
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
        resource_keys: row.try_get("resource_keys")?,
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

/// Which records to read, `limit` at a time: newest first, continuing `before` a position, or
/// oldest first, continuing `after` one (`0` for the first page).
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
    /// Only failures of this SCIM error type (`uniqueness`, `invalidValue`, …).
    pub scim_type: Option<String>,
    /// Free text over userName / displayName, the resource's id, externalId and emails, and the
    /// error detail: every word must appear; `word*` matches a prefix.
    pub text: Option<String>,
    /// Records before this position (the `next` of the previous page).
    pub before: Option<i64>,
    /// Records after this position, oldest first (following the log as it grows).
    pub after: Option<i64>,
    /// At most this many (1 to 1,000; 100 when 0).
    pub limit: usize,
    /// The configurations the reader may see (set by the server from the caller's grants).
    #[serde(skip)]
    pub reach: Reach,
}

impl LogQuery {
    /// Whether a record passes the query's filters (positions and page size aside) — for
    /// records followed live rather than searched. Free text matches when every word (or
    /// `word*` prefix) starts a word of the userName / displayName or the detail,
    /// case-insensitively, as the full-text index does.
    pub fn matches(&self, e: &LogEntry) -> bool {
        let at = e.at;
        self.configuration.is_none_or(|c| c == e.configuration_id)
            && self.reach.shows(Some(e.configuration_id))
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
            && self
                .scim_type
                .as_ref()
                .is_none_or(|t| e.scim_type.as_ref() == Some(t))
            && self.text.as_deref().is_none_or(|text| {
                text_matches(
                    text,
                    &[
                        e.resource_name.as_deref().unwrap_or_default(),
                        e.resource_id.as_deref().unwrap_or_default(),
                        e.resource_keys.as_deref().unwrap_or_default(),
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
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LogPage {
    /// The records.
    pub entries: Vec<LogEntry>,
    /// Where the next page continues: its `before` when newest first (older records), its
    /// `after` when oldest first (newer ones). None when the page is the last.
    pub next: Option<i64>,
}

/// How a refusal that is no failure ends its detail: a request the console skips on purpose
/// (out of the plan's scope, a protected account), logged as `skipped` and not counted as a
/// failure by the statistics and the failure-rate alerts.
pub const REQUEST_SKIPPED: &str = "the request is skipped";

/// How the detail of a deletion held by the accidental-deletion threshold ends (503): the
/// log records it as skipped, not as a failure.
pub const REQUEST_HELD: &str = "the request is held";

/// The CSV header of exported records.
pub const CSV_HEADER: &str = "seq,at,configuration_id,client,source,credential,method,path,operation,resource_type,resource_id,resource_name,status,outcome,scim_type,detail,switches,duration_us,request_body,response_body\r\n";

impl LogEntry {
    /// The record as one CSV line ([`crate::csv`]: every field quoted, formulas neutralised),
    /// ending in CRLF.
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
        crate::csv::line(&fields)
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
            let sensitive = c.redacted || secrets().names_secret(&c.path);
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

#[cfg(test)]
mod tests;
