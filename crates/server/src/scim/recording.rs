//! Recording every SCIM request in the provisioning log: a middleware around the SCIM routes
//! builds one record per request (bodies redacted before they leave it) and hands it to the
//! log's writer ([`scim_console_core::logs::writer`]), so logging costs a request a channel send.

use std::time::Instant;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use scim::ScimError;
use scim_console_core::ConfigurationId;
use scim_console_core::logs::labels::ResourceLabel;
use scim_console_core::logs::writer::{path_id, resource_type};
use scim_console_core::logs::{self, Client, LogEntry, Operation, Outcome};
use serde_json::Value;

use super::auth::Tenant;
use super::http::{FailedAttributes, ParsedBody, ReplyFacts, ScimFailure};
use super::log_context::{LogContext, Masking, Sender, SharedLogContext, snapshot};
use crate::headers::header_text;
use crate::peer::Peer;
use crate::state::AppState;

/// How a request ended, from its status, error detail and the plan's warnings.
fn outcome(status: u16, detail: Option<&str>, warnings: Option<&str>) -> Outcome {
    match status {
        200..=299 if warnings.is_some_and(|w| w.contains("out of scope")) => Outcome::Skipped,
        200..=299 if warnings.is_some() => Outcome::Warning,
        200..=299 => Outcome::Success,
        403 if detail.is_some_and(|d| d.ends_with(logs::REQUEST_SKIPPED)) => Outcome::Skipped,
        503 if detail.is_some_and(|d| d.ends_with(logs::REQUEST_HELD)) => Outcome::Skipped,
        _ => Outcome::Failure,
    }
}

/// An error response's body, read to be logged, and the response rebuilt around it.
async fn read_back(response: Response) -> (Response, Option<Value>) {
    let (parts, body) = response.into_parts();
    match to_bytes(body, 1024 * 1024).await {
        Ok(bytes) => {
            let json: Option<Value> = serde_json::from_slice(&bytes).ok();
            (Response::from_parts(parts, Body::from(bytes)), json)
        }
        Err(_) => (Response::from_parts(parts, Body::empty()), None),
    }
}

/// A string member of a JSON object.
pub(crate) fn text(v: Option<&Value>, key: &str) -> Option<String> {
    v.and_then(|j| j.get(key))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// What is known of a request once its handler answered.
struct Answered {
    started: Instant,
    configuration: ConfigurationId,
    known: LogContext,
    /// The userName / displayName (and keys) the request body named.
    requested: ResourceLabel,
    /// The path as requested (not redacted), for the resource type and id.
    raw_path: String,
    tickets: Vec<i64>,
}

impl Answered {
    /// The request's log record, and its response (an error's body read back for the record).
    async fn record(
        self,
        request: logs::outbox::RequestFacts,
        response: Response,
    ) -> (Response, LogEntry) {
        let status = response.status();
        let facts = response
            .extensions()
            .get::<ReplyFacts>()
            .cloned()
            .unwrap_or_default();
        let attributes = response
            .extensions()
            .get::<FailedAttributes>()
            .map(|a| a.0.clone())
            .unwrap_or_default();
        // Successful answers are not read back (their facts travel with them); errors are small.
        let (response, response_json) = if status.is_success() {
            (response, None)
        } else {
            read_back(response).await
        };
        let error = response_json.as_ref().filter(|_| !status.is_success());
        let detail = text(error, "detail");
        let warnings = (!facts.warnings.is_empty()).then(|| facts.warnings.join("; "));
        let entry = LogEntry {
            seq: 0,
            at: request.at,
            configuration_id: self.configuration,
            client: request.client,
            user_agent: request.user_agent,
            source: request.source,
            credential: self.known.credential,
            operation: request.operation,
            resource_type: resource_type(&self.raw_path),
            resource_id: facts.id.or_else(|| path_id(&self.raw_path)),
            resource_name: facts.name.or(self.requested.name),
            resource_keys: facts.keys.or(self.requested.keys),
            status: status.as_u16(),
            outcome: outcome(status.as_u16(), detail.as_deref(), warnings.as_deref()),
            scim_type: text(error, "scimType"),
            refusal: self.known.refusal,
            detail: detail.or(warnings),
            attributes,
            switches: facts.switches,
            duration_us: i64::try_from(self.started.elapsed().as_micros()).unwrap_or(i64::MAX),
            changes: facts.changes,
            request_body: request.request_body,
            response_body: response_json
                .as_ref()
                .and_then(|body| self.known.masking.body(body)),
            outbox: self.tickets,
            direction: scim_console_core::logs::Direction::Inbound,
            method: request.method,
            path: request.path,
        };
        (response, entry)
    }
}

/// The body, within the size limit and the time allowed (else the SCIM error to answer).
async fn read_body(state: &AppState, body: Body) -> Result<axum::body::Bytes, Response> {
    let limit = state.limits.max_body_bytes;
    let deadline = state.limits.body_read_timeout;
    match tokio::time::timeout(deadline, to_bytes(body, limit)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(_)) => Err(ScimFailure::from(ScimError::status(
            413,
            format!("the request body is larger than {limit} bytes"),
        ))
        .into_response()),
        Err(_) => Err(ScimFailure::from(ScimError::status(
            408,
            format!(
                "the request body did not arrive within {} seconds",
                deadline.as_secs()
            ),
        ))
        .into_response()),
    }
}

/// The middleware. A request that may change something (any method but GET and HEAD) runs to
/// its end, record included, even if the client hangs up meanwhile (which drops the
/// connection's future): cancelled there, it could have committed and lost its record (waiting
/// for room in a full log queue, say) — recovered much later from its stamp, with less to say —
/// or stopped between its statements; authentication, which notes a credential's last use,
/// is part of it.
pub async fn record(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let reads = matches!(*request.method(), Method::GET | Method::HEAD);
    let handled = handle(state, request, next);
    if reads {
        return handled.await;
    }
    match tokio::spawn(handled).await {
        Ok(response) => response,
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        // The runtime is shutting down.
        Err(_) => ScimFailure::from(ScimError::status(
            503,
            "the server is stopping; retry after the delay in Retry-After",
        ))
        .with_header(header::RETRY_AFTER, "5")
        .into_response(),
    }
}

/// Authenticates, reads the body, runs the handler and records the request.
async fn handle(state: AppState, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let at = chrono::Utc::now();
    let method = request.method().as_str().to_owned();
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let query = request.uri().query().map(str::to_owned);
    let agent = header_text(request.headers(), &header::USER_AGENT).map(str::to_owned);
    let context = SharedLogContext::default();
    request.extensions_mut().insert(context.clone());
    let (mut parts, body) = request.into_parts();
    let source = Peer::of(&parts).0;
    // Who is calling, from the head alone: a refused request costs no body read, no parse and
    // no record. The token endpoint authenticates its client from the form, which it reads
    // itself within its own, smaller limit (`scim/oauth.rs`).
    let token_endpoint = parts.uri.path().ends_with("/oauth/token");
    if !token_endpoint {
        match Tenant::authenticate(&mut parts, &state).await {
            Ok(tenant) => {
                parts.extensions.insert(tenant);
            }
            Err(failure) => {
                let refused = Refused {
                    state: &state,
                    context: &context,
                    started,
                    at,
                    method,
                    path,
                    client: Client::recognise(agent.as_deref(), query.as_deref(), None),
                    agent,
                    source,
                };
                return refused.answer(failure).await;
            }
        }
    }
    // The token endpoint's form stays unread here.
    let (bytes, unread) = if token_endpoint {
        (None, Some(body))
    } else {
        match read_body(&state, body).await {
            Ok(bytes) => (Some(bytes), None),
            Err(refused) => return refused,
        }
    };
    let request_json: Option<Value> = bytes
        .as_ref()
        .filter(|b| !b.is_empty())
        .and_then(|b| serde_json::from_slice(b).ok());
    let masking = masking(&state, &parts, request_json.is_some()).await;
    context
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .masking = masking.clone();
    // What the log needs of the request body is taken now; the parsed body then goes to the
    // extractor, which does not parse it again.
    let client = Client::recognise(agent.as_deref(), query.as_deref(), request_json.as_ref());
    let operation = Operation::classify(&method, &path, request_json.as_ref());
    let requested = request_json
        .as_ref()
        .and_then(Value::as_object)
        .map(ResourceLabel::of)
        .unwrap_or_default();
    let facts = logs::outbox::RequestFacts {
        at,
        client,
        user_agent: agent,
        source,
        method,
        path: logs::redact_path(&path),
        operation,
        request_body: request_json.as_ref().and_then(|body| masking.body(body)),
        credential: None,
    };
    let mut request = Request::from_parts(
        parts,
        unread.unwrap_or_else(|| Body::from(bytes.unwrap_or_default())),
    );
    if let Some(json) = request_json {
        request.extensions_mut().insert(ParsedBody(json));
    }
    // A bulk request's operations are recorded one by one, like the requests they stand for.
    request.extensions_mut().insert(facts.clone());
    let recording = Recording {
        state: &state,
        context: &context,
        started,
        raw_path: path,
        requested,
    };
    recording.run(facts, next.run(request)).await
}

/// How the bodies of an authenticated request with a body are masked in its record: the
/// configuration's plan may mark custom fields secret ([`Masking`]).
async fn masking(state: &AppState, parts: &axum::http::request::Parts, has_body: bool) -> Masking {
    let Some(tenant) = parts.extensions.get::<Tenant>().filter(|_| has_body) else {
        return Masking::Schemas;
    };
    match state
        .store
        .log_secrets(tenant.configuration.id, state.registry.user())
        .await
    {
        Ok(Some(secrets)) => Masking::Plan(secrets),
        Ok(None) => Masking::Schemas,
        Err(error) => {
            tracing::warn!(%error, "the plan's secret fields are unknown: bodies are not recorded");
            Masking::Unknown
        }
    }
}

/// A request refused before its body was read.
struct Refused<'a> {
    state: &'a AppState,
    context: &'a SharedLogContext,
    started: Instant,
    at: chrono::DateTime<chrono::Utc>,
    method: String,
    path: String,
    client: Client,
    agent: Option<String>,
    source: String,
}

impl Refused<'_> {
    /// Answers `failure`: a refused credential is counted ([`logs::refusals`]), not recorded;
    /// a valid credential refused for another reason (a disabled configuration, the token's
    /// rate) is recorded without its body; an unknown configuration is neither.
    async fn answer(self, failure: ScimFailure) -> Response {
        let response = failure.into_response();
        let known = snapshot(self.context);
        let Some(configuration) = known.configuration else {
            return response;
        };
        let sender = Sender {
            at: self.at,
            source: self.source.clone(),
            client: self.client,
        };
        if let Some(refused) = known.refused(sender, response.status().as_u16()) {
            self.state.logs.refused(refused);
            return response;
        }
        let facts = logs::outbox::RequestFacts {
            at: self.at,
            client: self.client,
            user_agent: self.agent,
            source: self.source,
            operation: Operation::classify(&self.method, &self.path, None),
            method: self.method,
            path: logs::redact_path(&self.path),
            request_body: None,
            credential: None,
        };
        let answered = Answered {
            started: self.started,
            configuration,
            known,
            requested: ResourceLabel::default(),
            raw_path: self.path,
            tickets: Vec::new(),
        };
        let (response, entry) = answered.record(facts, response).await;
        self.state.logs.send(entry).await;
        response
    }
}

/// One record in the making: a request (or one operation of a bulk request) about to run.
pub(crate) struct Recording<'a> {
    /// The server.
    pub state: &'a AppState,
    /// What authentication learnt (configuration, credential).
    pub context: &'a SharedLogContext,
    /// When it started.
    pub started: Instant,
    /// The path as requested (not redacted), for the resource type and id.
    pub raw_path: String,
    /// The userName / displayName (and keys) the body named.
    pub requested: ResourceLabel,
}

impl Recording<'_> {
    /// Runs it and records it. Directory writes made meanwhile put their log record's outbox
    /// row in their own transaction: the change and the obligation to log it commit together.
    /// Reads write nothing and skip it.
    pub(crate) async fn run(
        self,
        facts: logs::outbox::RequestFacts,
        run: impl Future<Output = Response>,
    ) -> Response {
        let (response, tickets) =
            if matches!(facts.operation, Operation::Query | Operation::Discovery) {
                (run.await, Vec::new())
            } else {
                logs::outbox::scope(facts.clone(), run).await
            };
        let known = snapshot(self.context);
        let Some(configuration) = known.configuration else {
            return response;
        };
        // A refused credential (the token endpoint's refused clients) is counted, not recorded.
        let sender = Sender {
            at: facts.at,
            source: facts.source.clone(),
            client: facts.client,
        };
        if let Some(refused) = known.refused(sender, response.status().as_u16()) {
            self.state.logs.refused(refused);
            return response;
        }
        let answered = Answered {
            started: self.started,
            configuration,
            known,
            requested: self.requested,
            raw_path: self.raw_path,
            tickets,
        };
        let (response, mut entry) = answered.record(facts, response).await;
        label_from_store(self.state, &mut entry).await;
        self.state.logs.send(entry).await;
        response
    }
}

/// Names a record whose reply and request named no resource (a refused PATCH, PUT or DELETE
/// of a stored user or group) after the resource as stored, so that every record of a person
/// is found by their name: one primary-key read, for those records only.
async fn label_from_store(state: &AppState, entry: &mut LogEntry) {
    if entry.resource_name.is_some() {
        return;
    }
    let (Some(kind), Some(id)) = (entry.resource_type.as_deref(), entry.resource_id.as_deref())
    else {
        return;
    };
    match state
        .store
        .resource_label(entry.configuration_id, kind, id)
        .await
    {
        Ok(Some(label)) => {
            entry.resource_name = label.name;
            entry.resource_keys = label.keys;
        }
        Ok(None) => {}
        Err(error) => tracing::warn!(%error, "the record's resource could not be named"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_come_from_the_status_and_the_warnings() {
        assert_eq!(outcome(201, None, None), Outcome::Success);
        assert_eq!(
            outcome(201, None, Some("ignored: nickName")),
            Outcome::Warning
        );
        assert_eq!(
            outcome(201, None, Some("out of scope: accepted as inactive")),
            Outcome::Skipped
        );
        assert_eq!(
            outcome(
                403,
                Some("the user is out of the scope of …; the request is skipped"),
                None
            ),
            Outcome::Skipped
        );
        assert_eq!(
            outcome(
                403,
                Some("\"admin@contoso.com\" is a protected account …; the request is skipped"),
                None
            ),
            Outcome::Skipped
        );
        assert_eq!(outcome(403, Some("disabled"), None), Outcome::Failure);
    }
}
