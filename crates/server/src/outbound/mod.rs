//! The console as a SCIM client: requests to a target (a remote SCIM service provider, or the
//! console's own endpoint) with its credential, a shared request rate, retries on 429 and 5xx
//! with backoff (honouring `Retry-After`), and every attempt recorded in the provisioning log as
//! an outbound request. Credentials never appear in a record, an error or a log line.

pub mod http;
pub mod retry;
pub mod target;

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode, header};
use scim_console_core::logs::writer::{LogSink, path_id, resource_type};
use scim_console_core::logs::{self, Client, Direction, LogEntry, Outcome};
use scim_console_core::targets::{RemoteTarget, TargetAuth};
use scim_console_core::{ConfigurationId, Secret, Store};
use serde_json::Value;
use tokio::sync::Mutex;

/// How long one request may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Why a target could not be called.
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    /// The credential could not be obtained (keychain, token endpoint).
    #[error("{0}")]
    Credential(String),
    /// No HTTP client could be built.
    #[error("no HTTP client could be built")]
    Client,
}

/// A target ready to call: where, with which bearer token, and under which name it is logged.
#[derive(Clone)]
pub struct Endpoint {
    /// The SCIM base URL, without a trailing slash.
    pub base_url: String,
    /// The bearer token sent.
    pub bearer: Arc<Secret>,
    /// The target's name (the `source` of its log records).
    pub name: String,
    /// Accept any TLS certificate: only for the console's own endpoint over loopback, whose
    /// certificate may be self-signed.
    pub trust_any_certificate: bool,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("base_url", &self.base_url)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The HTTP client the console calls targets with.
pub fn http_client(purpose: &str) -> Result<reqwest::Client, OutboundError> {
    builder(purpose).build().map_err(|error| {
        tracing::error!(%error, "no HTTP client for calling a target");
        OutboundError::Client
    })
}

fn builder(purpose: &str) -> reqwest::ClientBuilder {
    http::builder(purpose, TIMEOUT)
}

/// An OAuth token endpoint's refusal, in words (its `error` and `error_description`).
fn token_refusal(status: StatusCode, body: &[u8]) -> String {
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let error = json
        .as_ref()
        .and_then(|j| j["error"].as_str())
        .map(str::to_owned);
    let description = json
        .as_ref()
        .and_then(|j| j["error_description"].as_str())
        .map(|d| format!(": {d}"))
        .unwrap_or_default();
    match error {
        Some(e) => format!("the token endpoint refused with {status} {e}{description}"),
        None => format!("the token endpoint answered {status} without an OAuth error"),
    }
}

/// An access token from an OAuth 2.0 token endpoint (client credentials grant, the client
/// authenticated with HTTP Basic as RFC 6749 §2.3.1 prefers).
pub async fn client_credentials_token(
    http: &reqwest::Client,
    token_url: &str,
    client_id: &str,
    client_secret: &Secret,
    scope: Option<&str>,
) -> Result<Secret, String> {
    // Built in a block: the serializer is not `Send` and must not live across an await.
    let form = {
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "client_credentials");
        if let Some(scope) = scope {
            form.append_pair("scope", scope);
        }
        form.finish()
    };
    let response = http
        .post(token_url)
        .basic_auth(
            form_urlencoded::byte_serialize(client_id.as_bytes()).collect::<String>(),
            Some(
                form_urlencoded::byte_serialize(client_secret.expose().as_bytes())
                    .collect::<String>(),
            ),
        )
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .body(form)
        .send()
        .await
        .map_err(|e| format!("the token endpoint: {}", describe(&e)))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|e| format!("the token endpoint: {}", describe(&e)))?;
    if !status.is_success() {
        return Err(token_refusal(status, &body));
    }
    let json: Value = serde_json::from_slice(&body)
        .map_err(|_| "the token endpoint's answer is not JSON".to_owned())?;
    match json["access_token"].as_str() {
        Some(token) if !token.is_empty() && token.chars().all(|c| c.is_ascii_graphic()) => {
            Ok(Secret::new(token.to_owned()))
        }
        _ => Err("the token endpoint's answer holds no usable access_token".to_owned()),
    }
}

/// The bearer token for a stored target: its token, or an access token obtained with its client
/// credentials.
pub async fn resolve(store: &Store, target: &RemoteTarget) -> Result<Endpoint, OutboundError> {
    let secret = store
        .target_secret(target)
        .await
        .map_err(|e| OutboundError::Credential(e.to_string()))?;
    let bearer = match &target.auth {
        TargetAuth::Bearer => secret,
        TargetAuth::OauthClientCredentials {
            token_url,
            client_id,
            scope,
        } => {
            let http = http_client("OAuth client")?;
            client_credentials_token(&http, token_url, client_id, &secret, scope.as_deref())
                .await
                .map_err(OutboundError::Credential)?
        }
    };
    Ok(Endpoint {
        base_url: target.base_url.clone(),
        bearer: Arc::new(bearer),
        name: target.name.clone(),
        trust_any_certificate: false,
    })
}

/// A transport failure of a call to a target, in words ([`http::describe`]).
pub fn describe(error: &reqwest::Error) -> String {
    http::describe(error, TIMEOUT)
}

/// Limits on how the console calls a target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pace {
    /// Requests per second at most, across every concurrent worker (0: no limit).
    pub rate: f64,
    /// Attempts per request at most (the first included) on 429, 5xx and lost connections.
    pub attempts: u32,
    /// The first backoff; each retry doubles it (±25 % jitter), up to 10 s.
    pub backoff: Duration,
}

impl Pace {
    /// Its retry rule: 429, 5xx and lost connections are tried again.
    pub fn retry_rule(&self) -> retry::RetryRule {
        retry::RetryRule {
            attempts: self.attempts,
            first_backoff: self.backoff,
            on_server_errors: true,
        }
    }
}

impl Default for Pace {
    fn default() -> Self {
        Self {
            rate: 20.0,
            attempts: 5,
            backoff: Duration::from_millis(250),
        }
    }
}

/// What one request finally got.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The JSON body, if any.
    pub body: Option<Value>,
    /// How many attempts it took.
    pub attempts: u32,
}

impl Answer {
    /// The SCIM error's `detail` (or the status) in words.
    pub fn reason(&self) -> String {
        let detail = self
            .body
            .as_ref()
            .and_then(|b| b["detail"].as_str())
            .map(|d| format!(": {d}"))
            .unwrap_or_default();
        let scim_type = self
            .body
            .as_ref()
            .and_then(|b| b["scimType"].as_str())
            .map(|t| format!(" ({t})"))
            .unwrap_or_default();
        format!("HTTP {}{scim_type}{detail}", self.status)
    }
}

/// Why a request got no answer, after every attempt.
#[derive(Debug, Clone)]
pub struct Unanswered {
    /// In words.
    pub reason: String,
    /// How many attempts were made.
    pub attempts: u32,
}

/// Where the records of a client's requests go.
#[derive(Clone)]
pub struct Recorder {
    /// The sink (the same the endpoint records into, so live followers see them).
    pub sink: LogSink,
    /// The configuration whose log they belong to.
    pub configuration: ConfigurationId,
    /// The client the console behaves like.
    pub client: Client,
}

/// A SCIM client for one target: shared pace, optional recording.
#[derive(Clone)]
pub struct ScimClient {
    http: reqwest::Client,
    endpoint: Endpoint,
    pace: Pace,
    next_slot: Arc<Mutex<Instant>>,
    recorder: Option<Recorder>,
    user_agent: String,
}

impl ScimClient {
    /// A client calling `endpoint` as `user_agent`, at `pace`, recording into `recorder`.
    pub fn new(
        endpoint: Endpoint,
        user_agent: String,
        pace: Pace,
        recorder: Option<Recorder>,
    ) -> Result<Self, OutboundError> {
        let http = builder("pilot run")
            .danger_accept_invalid_certs(endpoint.trust_any_certificate)
            .build()
            .map_err(|error| {
                tracing::error!(%error, "no HTTP client for calling a target");
                OutboundError::Client
            })?;
        Ok(Self {
            http,
            endpoint,
            pace,
            next_slot: Arc::new(Mutex::new(Instant::now())),
            recorder,
            user_agent,
        })
    }

    /// The target's base URL.
    pub fn base_url(&self) -> &str {
        &self.endpoint.base_url
    }

    /// Waits for the next request slot of the shared rate.
    async fn pace(&self) {
        if self.pace.rate <= 0.0 {
            return;
        }
        let interval = Duration::from_secs_f64(1.0 / self.pace.rate);
        let wait = {
            let mut next = self.next_slot.lock().await;
            let now = Instant::now();
            let at = (*next).max(now);
            *next = at + interval;
            at - now
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// Sends `method path` with `body`, retrying 429, 5xx and lost connections with backoff.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, Unanswered> {
        let rule = self.pace.retry_rule();
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.pace().await;
            let result = self.attempt(&method, path, body).await;
            let last = rule.exhausted(attempt);
            let wait = match &result {
                Ok((status, _, retry_after)) if rule.retries(*status) => {
                    rule.wait(attempt, *retry_after)
                }
                Ok((status, body, _)) => {
                    return Ok(Answer {
                        status: *status,
                        body: body.clone(),
                        attempts: attempt,
                    });
                }
                Err(_) => rule.wait(attempt, None),
            };
            if last {
                return match result {
                    Ok((status, body, _)) => Ok(Answer {
                        status,
                        body,
                        attempts: attempt,
                    }),
                    Err(reason) => Err(Unanswered {
                        reason,
                        attempts: attempt,
                    }),
                };
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// One attempt: status, JSON body, `Retry-After`; or why no answer came.
    async fn attempt(
        &self,
        method: &Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Option<Value>, Option<Duration>), String> {
        let started = Instant::now();
        let at = chrono::Utc::now();
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.endpoint.base_url))
            .bearer_auth(self.endpoint.bearer.expose())
            .header(header::USER_AGENT, &self.user_agent)
            .header(header::ACCEPT, "application/scim+json, application/json");
        if let Some(body) = body {
            request = request
                .header(header::CONTENT_TYPE, "application/scim+json")
                .body(body.to_string());
        }
        let result = match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let retry_after = retry::retry_after(
                    response
                        .headers()
                        .get(header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok()),
                );
                match response.bytes().await {
                    Ok(bytes) => Ok((status, serde_json::from_slice(&bytes).ok(), retry_after)),
                    Err(e) => Err(describe(&e)),
                }
            }
            Err(e) => Err(describe(&e)),
        };
        self.record(at, started, method, path, body, &result).await;
        result
    }

    async fn record(
        &self,
        at: chrono::DateTime<chrono::Utc>,
        started: Instant,
        method: &Method,
        path: &str,
        body: Option<&Value>,
        result: &Result<(u16, Option<Value>, Option<Duration>), String>,
    ) {
        let Some(recorder) = &self.recorder else {
            return;
        };
        let (status, response) = match result {
            Ok((status, body, _)) => (*status, body.as_ref()),
            Err(_) => (0, None),
        };
        let error = response.filter(|_| !(200..300).contains(&status));
        let detail = match result {
            Err(reason) => Some(format!("no answer: {reason}")),
            Ok(_) => error.and_then(|e| e["detail"].as_str()).map(str::to_owned),
        };
        let name = body
            .and_then(|b| b["userName"].as_str().or_else(|| b["displayName"].as_str()))
            .or_else(|| response.and_then(|r| r["userName"].as_str()))
            .map(str::to_owned);
        let entry = LogEntry {
            seq: 0,
            at,
            configuration_id: recorder.configuration,
            client: recorder.client,
            user_agent: Some(self.user_agent.clone()),
            source: self.endpoint.name.clone(),
            direction: Direction::Outbound,
            credential: None,
            method: method.as_str().to_owned(),
            path: logs::redact_path(path),
            operation: logs::Operation::classify(method.as_str(), path, body),
            resource_type: resource_type(path),
            resource_id: path_id(path).or_else(|| {
                response
                    .and_then(|r| r["id"].as_str())
                    .filter(|_| (200..300).contains(&status))
                    .map(str::to_owned)
            }),
            resource_name: name,
            status,
            outcome: if (200..300).contains(&status) {
                Outcome::Success
            } else {
                Outcome::Failure
            },
            scim_type: error
                .and_then(|e| e["scimType"].as_str())
                .map(str::to_owned),
            refusal: None,
            detail,
            attributes: Vec::new(),
            switches: Vec::new(),
            duration_us: i64::try_from(started.elapsed().as_micros()).unwrap_or(i64::MAX),
            changes: None,
            request_body: body.map(logs::redact),
            response_body: response.map(logs::redact),
            outbox: Vec::new(),
        };
        recorder.sink.send(entry).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_their_resource() {
        assert_eq!(resource_type("/Users?filter=x").as_deref(), Some("User"));
        assert_eq!(resource_type("/Groups/1").as_deref(), Some("Group"));
        assert_eq!(path_id("/Users/abc").as_deref(), Some("abc"));
        assert_eq!(path_id("/Users?filter=x"), None);
    }

    #[test]
    fn token_refusals_say_what_the_endpoint_said() {
        let said = token_refusal(
            StatusCode::UNAUTHORIZED,
            br#"{"error":"invalid_client","error_description":"unknown client"}"#,
        );
        assert!(said.contains("invalid_client: unknown client"), "{said}");
        assert!(
            token_refusal(StatusCode::BAD_GATEWAY, b"<html>").contains("without an OAuth error")
        );
    }
}
