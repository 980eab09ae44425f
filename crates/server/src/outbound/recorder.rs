//! Where the [`super::ScimClient`]'s attempts are written down: nowhere (the connection test
//! reports its own verdicts), the provisioning log (pilot runs against a remote target, as
//! outbound records), or a transcript (the conformance checker's report). Both redact request
//! and response bodies with the provisioning log's one rule ([`logs::redact`]) and never show
//! the credential.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use chrono::{DateTime, Utc};
use scim_console_core::ConfigurationId;
use scim_console_core::logs::writer::{LogSink, path_id, resource_type};
use scim_console_core::logs::{self, Client, Direction, LogEntry, Outcome};
use serde::Serialize;

use super::request::{Auth, Reply, Request, cut};

/// The longest body kept in a transcript, in characters.
const MAX_SHOWN_BODY: usize = 4000;
/// The response headers a transcript shows.
const SHOWN_HEADERS: [&str; 5] = [
    "content-type",
    "location",
    "etag",
    "retry-after",
    "www-authenticate",
];

/// One attempt, as the client hands it to its recorder.
pub struct Attempt<'a> {
    /// When it was sent.
    pub at: DateTime<Utc>,
    /// When it started (for its duration).
    pub started: Instant,
    /// What was sent.
    pub request: &'a Request<'a>,
    /// The user agent sent instead of the default, if any.
    pub user_agent: Option<&'a str>,
    /// The endpoint's name.
    pub source: &'a str,
    /// What came back.
    pub reply: &'a Reply,
    /// Every response header (name in lower case, value).
    pub response_headers: &'a [(String, String)],
    /// The response body as received.
    pub response_bytes: &'a [u8],
}

/// Where a client's attempts go.
#[derive(Clone, Default)]
pub enum Recorder {
    /// Nowhere.
    #[default]
    Nothing,
    /// Into a configuration's provisioning log.
    Log(LogRecorder),
    /// Into a transcript.
    Transcript(Transcript),
}

impl Recorder {
    /// Writes `attempt` down.
    pub async fn record(&self, attempt: Attempt<'_>) {
        match self {
            Self::Nothing => {}
            Self::Log(recorder) => recorder.sink.send(recorder.entry(&attempt)).await,
            Self::Transcript(transcript) => transcript.push(exchange(&attempt)),
        }
    }
}

/// The provisioning log a client records into.
#[derive(Clone)]
pub struct LogRecorder {
    /// The sink (the same the endpoint records into, so live followers see them).
    pub sink: LogSink,
    /// The configuration whose log they belong to.
    pub configuration: ConfigurationId,
    /// The client the console behaves like.
    pub client: Client,
}

impl LogRecorder {
    /// The outbound record of `attempt`.
    fn entry(&self, attempt: &Attempt<'_>) -> LogEntry {
        let Attempt { request, reply, .. } = attempt;
        let (method, path, body) = (request.method.as_str(), request.path, request.body);
        let status = reply.status;
        let succeeded = (200..300).contains(&status);
        let response = reply.json.as_ref();
        let error = response.filter(|_| !succeeded);
        let detail = match &reply.error {
            Some(reason) => Some(format!("no answer: {reason}")),
            None => error.and_then(|e| e["detail"].as_str()).map(str::to_owned),
        };
        let name = body
            .and_then(|b| b["userName"].as_str().or_else(|| b["displayName"].as_str()))
            .or_else(|| response.and_then(|r| r["userName"].as_str()))
            .map(str::to_owned);
        LogEntry {
            seq: 0,
            at: attempt.at,
            configuration_id: self.configuration,
            client: self.client,
            user_agent: attempt.user_agent.map(str::to_owned),
            source: attempt.source.to_owned(),
            direction: Direction::Outbound,
            credential: None,
            method: method.to_owned(),
            path: logs::redact_path(path),
            operation: logs::Operation::classify(method, path, body),
            resource_type: resource_type(path),
            resource_id: path_id(path).or_else(|| {
                response
                    .and_then(|r| r["id"].as_str())
                    .filter(|_| succeeded)
                    .map(str::to_owned)
            }),
            resource_name: name,
            resource_keys: None,
            status,
            outcome: if succeeded {
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
            duration_us: i64::try_from(attempt.started.elapsed().as_micros()).unwrap_or(i64::MAX),
            changes: None,
            request_body: body.map(logs::redact),
            response_body: response.map(logs::redact),
            outbox: Vec::new(),
        }
    }
}

/// The exchanges a client made, as a report shows them; clones share one list.
#[derive(Clone, Default)]
pub struct Transcript(Arc<Mutex<Vec<Exchange>>>);

impl Transcript {
    /// An empty transcript.
    pub fn new() -> Self {
        Self::default()
    }

    fn push(&self, exchange: Exchange) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(exchange);
    }

    /// The exchanges since the last call.
    pub fn take(&self) -> Vec<Exchange> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// A header shown in a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = CheckHeader)]
pub struct Header {
    /// Its name.
    pub name: String,
    /// Its value (a credential masked).
    pub value: String,
}

fn header(name: &str, value: &str) -> Header {
    Header {
        name: name.to_owned(),
        value: value.to_owned(),
    }
}

/// One request and its answer, as a report shows them.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = CheckExchange)]
#[serde(rename_all = "camelCase")]
pub struct Exchange {
    /// The method.
    pub method: String,
    /// The path below the base URL, with its query.
    pub path: String,
    /// Request headers worth showing (the credential masked).
    pub request_headers: Vec<Header>,
    /// The request body, if any (redacted).
    pub request_body: Option<String>,
    /// The status (0: no answer).
    pub status: u16,
    /// Response headers worth showing.
    pub response_headers: Vec<Header>,
    /// The response body, cut to 4,000 characters (redacted when it is JSON).
    pub response_body: Option<String>,
    /// Why no answer came, if none did.
    pub error: Option<String>,
    /// How long it took, in milliseconds.
    pub millis: u64,
}

/// The transcript's record of `attempt`.
fn exchange(attempt: &Attempt<'_>) -> Exchange {
    let request = attempt.request;
    let mut request_headers = vec![header("Accept", "application/scim+json, application/json")];
    match request.auth {
        Auth::Token => request_headers.push(header("Authorization", "Bearer ***")),
        Auth::Literal(value) => request_headers.push(header("Authorization", value)),
        Auth::None => {}
    }
    if request.body.is_some() {
        request_headers.push(header("Content-Type", request.content_type));
    }
    // A JSON answer is redacted by the schema; any other text by the secret values sent.
    let response_body = attempt.reply.json.as_ref().map_or_else(
        || {
            let mut text = String::from_utf8_lossy(attempt.response_bytes).into_owned();
            for secret in request
                .body
                .map(|b| logs::secrets().values(b))
                .unwrap_or_default()
            {
                text = text.replace(&secret, scim::secrets::MASK);
            }
            text
        },
        logs::redact,
    );
    Exchange {
        method: request.method.to_string(),
        path: request.path.to_owned(),
        request_headers,
        request_body: request.body.map(|b| cut(&logs::redact(b), MAX_SHOWN_BODY)),
        status: attempt.reply.status,
        response_headers: attempt
            .response_headers
            .iter()
            .filter(|(name, _)| SHOWN_HEADERS.contains(&name.as_str()))
            .map(|(name, value)| header(name, value))
            .collect(),
        response_body: (!response_body.is_empty()).then(|| cut(&response_body, MAX_SHOWN_BODY)),
        error: attempt.reply.error.clone(),
        millis: u64::try_from(attempt.started.elapsed().as_millis()).unwrap_or(u64::MAX),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Test code: a failure is a test failure.

    use reqwest::Method;
    use serde_json::json;

    use super::*;

    #[test]
    fn a_transcript_masks_the_credential_and_secrets_and_cuts_long_bodies() {
        let body = json!({"userName": "a", "password": "p4ss", "x": [{"password": "q"}]});
        let request = Request::new(&Method::POST, "/Users", Some(&body));
        let reply = Reply {
            status: 201,
            json: Some(json!({"id": "1", "password": "echoed"})),
            attempts: 1,
            ..Reply::default()
        };
        let headers = [
            (
                "content-type".to_owned(),
                "application/scim+json".to_owned(),
            ),
            ("set-cookie".to_owned(), "s=1".to_owned()),
        ];
        let shown = exchange(&Attempt {
            at: Utc::now(),
            started: Instant::now(),
            request: &request,
            user_agent: None,
            source: "target",
            reply: &reply,
            response_headers: &headers,
            response_bytes: br#"{"id":"1","password":"echoed"}"#,
        });
        let request_body = shown.request_body.unwrap_or_default();
        assert!(!request_body.contains("p4ss") && !request_body.contains("\"q\""));
        assert!(!shown.response_body.unwrap_or_default().contains("echoed"));
        assert!(
            shown
                .request_headers
                .contains(&header("Authorization", "Bearer ***"))
        );
        assert_eq!(
            shown.response_headers,
            vec![header("content-type", "application/scim+json")]
        );
        assert_eq!(cut("abcdef", 3), "abc… (cut)");
        assert_eq!(cut("abc", 3), "abc");
        // An answer that is not JSON: the secret values sent are masked in its text.
        let reply = Reply {
            status: 500,
            json: None,
            attempts: 1,
            ..Reply::default()
        };
        let shown = exchange(&Attempt {
            at: Utc::now(),
            started: Instant::now(),
            request: &request,
            user_agent: None,
            source: "target",
            reply: &reply,
            response_headers: &[],
            response_bytes: b"<html>bad password p4ss for a; q</html>",
        });
        assert_eq!(
            shown.response_body.as_deref(),
            Some("<html>bad password *** for a; ***</html>")
        );
    }
}
