//! SCIM over HTTP: the error response, the request body extractor (media type, size limit,
//! JSON syntax) and the response builder (`application/scim+json`, `ETag`, `Location`).

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use scim::ScimError;
use scim_console_core::CoreError;
use scim_console_core::logs::labels::ResourceLabel;
use serde_json::Value;

use crate::state::AppState;

/// The attributes a failed request was refused for, carried by its error response to the
/// provisioning log's record.
#[derive(Debug, Clone, Default)]
pub struct FailedAttributes(pub Vec<String>);

/// The SCIM media type (RFC 7644 §8.1).
pub const SCIM_MEDIA_TYPE: &str = "application/scim+json";

/// A SCIM error as an HTTP response: RFC 7644 §3.12 JSON with the matching status.
#[derive(Debug)]
pub struct ScimFailure(Box<Failure>);

#[derive(Debug)]
struct Failure {
    error: ScimError,
    headers: HeaderMap,
}

impl ScimFailure {
    /// Adds a response header (e.g. `WWW-Authenticate`, `Retry-After`).
    pub fn with_header(mut self, name: header::HeaderName, value: &str) -> Self {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.0.headers.insert(name, v);
        }
        self
    }
}

impl From<ScimError> for ScimFailure {
    fn from(error: ScimError) -> Self {
        Self(Box::new(Failure {
            error,
            headers: HeaderMap::new(),
        }))
    }
}

impl From<CoreError> for ScimFailure {
    fn from(error: CoreError) -> Self {
        if let CoreError::Held { retry_after, .. } = &error {
            let seconds = retry_after.to_string();
            return Self::from(error.to_scim()).with_header(header::RETRY_AFTER, &seconds);
        }
        if error.is_storage_unavailable() {
            tracing::warn!(%error, "storage unavailable: answered 503");
            return Self::from(error.to_scim()).with_header(header::RETRY_AFTER, "5");
        }
        if matches!(
            error,
            CoreError::Database(_)
                | CoreError::Migration(_)
                | CoreError::DataDir { .. }
                | CoreError::Corrupt(_)
        ) {
            tracing::error!(%error, "SCIM request failed in the store");
        }
        error.to_scim().into()
    }
}

impl IntoResponse for ScimFailure {
    fn into_response(self) -> Response {
        let Failure { error, headers } = *self.0;
        let status =
            StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = scim_json(status, &error.to_json());
        response.headers_mut().extend(headers);
        let attributes = error.attributes();
        if !attributes.is_empty() {
            response
                .extensions_mut()
                .insert(FailedAttributes(attributes));
        }
        response
    }
}

/// A JSON response with the SCIM media type.
pub fn scim_json(status: StatusCode, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut response = (status, bytes).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(SCIM_MEDIA_TYPE),
    );
    response
}

/// A response body: a JSON value, or JSON text already written.
enum ReplyBody {
    Value(Value),
    Text(String),
}

/// A SCIM response: status, body, and the optional `ETag` and `Location` headers.
pub struct ScimReply {
    status: StatusCode,
    facts: Option<ReplyFacts>,
    body: Option<ReplyBody>,
    etag: Option<String>,
    location: Option<String>,
}

impl ScimReply {
    /// 200 with a body.
    pub fn ok(body: Value) -> Self {
        Self {
            status: StatusCode::OK,
            facts: None,
            body: Some(ReplyBody::Value(body)),
            etag: None,
            location: None,
        }
    }

    /// 200 with a body written as JSON text (by the caller, who vouches it is valid JSON).
    pub fn ok_text(body: String) -> Self {
        Self {
            status: StatusCode::OK,
            facts: None,
            body: Some(ReplyBody::Text(body)),
            etag: None,
            location: None,
        }
    }

    /// 201 with a body and its location.
    pub fn created(body: Value, location: String) -> Self {
        Self {
            status: StatusCode::CREATED,
            facts: None,
            body: Some(ReplyBody::Value(body)),
            etag: None,
            location: Some(location),
        }
    }

    /// 204.
    pub fn no_content() -> Self {
        Self {
            status: StatusCode::NO_CONTENT,
            facts: None,
            body: None,
            etag: None,
            location: None,
        }
    }

    /// 304 for a matching `If-None-Match`.
    pub fn not_modified(etag: String) -> Self {
        Self {
            status: StatusCode::NOT_MODIFIED,
            facts: None,
            body: None,
            etag: Some(etag),
            location: None,
        }
    }

    /// What the provisioning log should know of the write this reply answers.
    pub fn with_facts(mut self, facts: ReplyFacts) -> Self {
        self.facts = Some(facts);
        self
    }

    /// Sets the `ETag`.
    pub fn etag(mut self, etag: Option<String>) -> Self {
        self.etag = etag;
        self
    }
}

/// What a reply says about the resource it carries, for the provisioning log (so the log
/// never has to read the body back).
#[derive(Debug, Clone, Default)]
pub struct ReplyFacts {
    /// The resource's id.
    pub id: Option<String>,
    /// Its userName or displayName.
    pub name: Option<String>,
    /// Its externalId and emails, for the log's search ([`ResourceLabel`]).
    pub keys: Option<String>,
    /// The attributes the write changed, old and new values, sensitive ones redacted.
    pub changes: Option<Value>,
    /// What the mapping plan let through with a warning.
    pub warnings: Vec<String>,
    /// The compatibility switches that let the request through.
    pub switches: Vec<String>,
}

impl ReplyFacts {
    /// The facts of a write: the resource, the attributes changed (sensitive ones redacted), the
    /// warnings.
    pub fn of(written: &scim_console_core::directory::Written) -> Self {
        let resource = &written.resource;
        let label = ResourceLabel::of(resource);
        Self {
            id: resource
                .get("id")
                .and_then(Value::as_str)
                .map(str::to_owned),
            name: label.name,
            keys: label.keys,
            changes: scim_console_core::logs::redact_changes(&written.changes),
            warnings: written.warnings.clone(),
            switches: written
                .leniencies
                .switches()
                .into_iter()
                .map(str::to_owned)
                .collect(),
        }
    }
}

impl IntoResponse for ScimReply {
    fn into_response(self) -> Response {
        let facts = match (&self.body, self.facts) {
            (_, Some(facts)) => Some(facts),
            (Some(ReplyBody::Value(Value::Object(map))), None) => {
                let label = ResourceLabel::of(map);
                Some(ReplyFacts {
                    id: map.get("id").and_then(Value::as_str).map(str::to_owned),
                    name: label.name,
                    keys: label.keys,
                    ..ReplyFacts::default()
                })
            }
            _ => None,
        };
        let mut response = match self.body {
            Some(ReplyBody::Value(body)) => scim_json(self.status, &body),
            Some(ReplyBody::Text(text)) => {
                let mut response = (self.status, text).into_response();
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(SCIM_MEDIA_TYPE),
                );
                response
            }
            None => self.status.into_response(),
        };
        let headers = response.headers_mut();
        if let Some(etag) = self.etag.and_then(|e| HeaderValue::from_str(&e).ok()) {
            headers.insert(header::ETAG, etag);
        }
        if let Some(location) = self.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
            headers.insert(header::LOCATION, location);
        }
        if let Some(facts) = facts {
            response.extensions_mut().insert(facts);
        }
        response
    }
}

/// A request body the provisioning log already parsed, handed to [`ScimBody`] so it is parsed
/// once.
#[derive(Debug, Clone)]
pub struct ParsedBody(pub Value);

/// A request body read as SCIM JSON: `application/scim+json` or `application/json` (or no
/// type at all), at most the configured size, syntactically valid JSON.
pub struct ScimBody(pub Value);

impl FromRequest<AppState> for ScimBody {
    type Rejection = ScimFailure;

    async fn from_request(mut req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(content_type) = req.headers().get(header::CONTENT_TYPE) {
            let media = content_type
                .to_str()
                .unwrap_or_default()
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            if media != SCIM_MEDIA_TYPE && media != "application/json" {
                return Err(ScimError::status(
                    415,
                    format!(
                        "the body must be {SCIM_MEDIA_TYPE} or application/json, not \"{media}\""
                    ),
                )
                .into());
            }
        }
        if let Some(ParsedBody(value)) = req.extensions_mut().remove::<ParsedBody>() {
            return Ok(Self(value));
        }
        let limit = state.limits.max_body_bytes;
        let body: Body = req.into_body();
        let deadline = state.limits.body_read_timeout;
        let bytes = tokio::time::timeout(deadline, to_bytes(body, limit))
            .await
            .map_err(|_| {
                ScimError::status(
                    408,
                    format!(
                        "the request body did not arrive within {} seconds",
                        deadline.as_secs()
                    ),
                )
            })?
            .map_err(|_| {
                ScimError::status(
                    413,
                    format!("the request body is larger than {limit} bytes"),
                )
            })?;
        if bytes.is_empty() {
            return Err(
                ScimError::invalid_syntax("the request has no body; send a JSON object").into(),
            );
        }
        let value = serde_json::from_slice(&bytes)
            .map_err(|e| ScimError::invalid_syntax(format!("the body is not valid JSON: {e}")))?;
        Ok(Self(value))
    }
}

/// The query string as decoded pairs.
pub fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    raw.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}
