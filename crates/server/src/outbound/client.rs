//! The one SCIM client of the console's outbound calls — pilot runs, the connection test and
//! the conformance checker: one HTTP client from [`super::http::builder`], a request rate shared
//! by every clone, the one [`RetryRule`] (honouring `Retry-After`), and every attempt handed to
//! a [`Recorder`] (the provisioning log for pilots, a transcript for conformance reports).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use reqwest::{Method, header};
use serde_json::Value;
use tokio::sync::Mutex;

use super::recorder::{Attempt, Recorder};
pub use super::request::{Auth, Reply, Request, SCIM_JSON};
use super::retry::{self, RetryRule};
use super::{Endpoint, OutboundError};

/// The largest answer read from a SCIM service provider (a page of 1,000 rich users is a few
/// MiB).
const MAX_ANSWER: usize = 32 * 1024 * 1024;
/// What the console accepts back from a SCIM service provider.
const ACCEPT: &str = "application/scim+json, application/json";

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
    pub fn retry_rule(&self) -> RetryRule {
        RetryRule {
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

/// How a client behaves: what it is for, how long a request may take, how fast it sends and
/// what it tries again.
#[derive(Debug, Clone)]
pub struct Behaviour {
    /// The purpose named in the default user agent (`SCIM Console/<version> (<purpose>)`).
    pub purpose: &'static str,
    /// The user agent sent instead of the default (a pilot run imitates its provider's).
    pub user_agent: Option<String>,
    /// How long one attempt may take.
    pub timeout: Duration,
    /// Requests per second at most across every clone of the client (0: no limit).
    pub rate: f64,
    /// Which answers are tried again, and how long to wait.
    pub retry: RetryRule,
}

/// What one request finally got, when an answer came.
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

/// A SCIM client for one endpoint: shared pace, the retry rule, a recorder.
#[derive(Clone)]
pub struct ScimClient {
    http: reqwest::Client,
    endpoint: Endpoint,
    behaviour: Behaviour,
    next_slot: Arc<Mutex<Instant>>,
    recorder: Recorder,
}

impl ScimClient {
    /// A client calling `endpoint` as `behaviour` says, each attempt handed to `recorder`.
    pub fn new(
        endpoint: Endpoint,
        behaviour: Behaviour,
        recorder: Recorder,
    ) -> Result<Self, OutboundError> {
        let http = super::http::builder(behaviour.purpose, behaviour.timeout)
            .danger_accept_invalid_certs(endpoint.trust_any_certificate)
            .build()
            .map_err(|error| {
                tracing::error!(%error, "no HTTP client for calling a target");
                OutboundError::Client
            })?;
        Ok(Self {
            http,
            endpoint,
            behaviour,
            next_slot: Arc::new(Mutex::new(Instant::now())),
            recorder,
        })
    }

    /// The endpoint's base URL.
    pub fn base_url(&self) -> &str {
        &self.endpoint.base_url
    }

    /// The endpoint called.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// A transport failure of this client, in words ([`super::http::describe`]).
    pub fn describe(&self, error: &reqwest::Error) -> String {
        super::http::describe(error, self.behaviour.timeout)
    }

    /// Sends `method path` with `body` (paced, retried): the answer, or why none came.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, Unanswered> {
        let reply = self.request(Request::new(&method, path, body)).await;
        match reply.error {
            Some(reason) => Err(Unanswered {
                reason,
                attempts: reply.attempts,
            }),
            None => Ok(Answer {
                status: reply.status,
                body: reply.json,
                attempts: reply.attempts,
            }),
        }
    }

    /// Sends `request`, retrying as the client's rule says when it is paced.
    pub async fn request(&self, request: Request<'_>) -> Reply {
        let rule = &self.behaviour.retry;
        let mut attempt = 0;
        loop {
            attempt += 1;
            if request.paced {
                self.pace().await;
            }
            let mut reply = self.attempt(&request).await;
            reply.attempts = attempt;
            if !request.paced || !rule.retries(reply.status) || rule.exhausted(attempt) {
                return reply;
            }
            let wait = rule.wait(attempt, retry::retry_after(reply.retry_after.as_deref()));
            tokio::time::sleep(wait).await;
        }
    }

    /// Waits for the next request slot of the shared rate.
    async fn pace(&self) {
        if self.behaviour.rate <= 0.0 {
            return;
        }
        let interval = Duration::from_secs_f64(1.0 / self.behaviour.rate);
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

    /// One attempt, recorded.
    async fn attempt(&self, request: &Request<'_>) -> Reply {
        let started = Instant::now();
        let at = chrono::Utc::now();
        let url = if request.path.starts_with("http://") || request.path.starts_with("https://") {
            request.path.to_owned()
        } else {
            format!("{}{}", self.endpoint.base_url, request.path)
        };
        let mut builder = self
            .http
            .request(request.method.clone(), url)
            .header(header::ACCEPT, ACCEPT);
        if let Some(agent) = &self.behaviour.user_agent {
            builder = builder.header(header::USER_AGENT, agent);
        }
        match request.auth {
            Auth::Token => builder = builder.bearer_auth(self.endpoint.bearer.expose()),
            Auth::Literal(value) => builder = builder.header(header::AUTHORIZATION, value),
            Auth::None => {}
        }
        if let Some(body) = request.body {
            builder = builder
                .header(header::CONTENT_TYPE, request.content_type)
                .body(body.to_string());
        }
        let mut response_headers = Vec::new();
        let mut bytes = Bytes::new();
        let reply = match builder.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                response_headers = response
                    .headers()
                    .iter()
                    .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or("?").to_owned()))
                    .collect();
                let find = |name: &str| {
                    response_headers
                        .iter()
                        .find(|(n, _)| n == name)
                        .map(|(_, v)| v.clone())
                };
                let media_type = find("content-type").map(|v| {
                    v.split(';')
                        .next()
                        .unwrap_or_default()
                        .trim()
                        .to_ascii_lowercase()
                });
                let retry_after = find("retry-after");
                match super::http::read_capped(response, MAX_ANSWER).await {
                    Ok(body) => {
                        bytes = body;
                        Reply {
                            status,
                            media_type,
                            retry_after,
                            json: serde_json::from_slice(&bytes).ok(),
                            error: None,
                            attempts: 1,
                        }
                    }
                    Err(super::http::BodyError::Transport(e)) => failed(self.describe(&e)),
                    Err(super::http::BodyError::TooLarge(max)) => failed(format!(
                        "the answer is larger than {} MiB; the console reads no more",
                        max / (1024 * 1024)
                    )),
                }
            }
            Err(e) => failed(self.describe(&e)),
        };
        self.recorder
            .record(Attempt {
                at,
                started,
                request,
                user_agent: self.behaviour.user_agent.as_deref(),
                source: &self.endpoint.name,
                reply: &reply,
                response_headers: &response_headers,
                response_bytes: &bytes,
            })
            .await;
        reply
    }
}

fn failed(reason: String) -> Reply {
    Reply {
        error: Some(reason),
        attempts: 1,
        ..Reply::default()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Test code: a failure is a test failure.

    use std::sync::atomic::{AtomicU32, Ordering};

    use axum::Router;
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    use axum::routing::get;

    use super::*;
    use crate::outbound::Transcript;

    /// A real HTTP server: `/Users` answers 429 (`Retry-After: 0`) twice, then a ListResponse;
    /// `/Groups` answers 503 always. The count says how many requests arrived.
    async fn server() -> (String, Arc<AtomicU32>) {
        let hits = Arc::new(AtomicU32::new(0));
        let users = hits.clone();
        let groups = hits.clone();
        let app = Router::new()
            .route(
                "/Users",
                get(move || async move {
                    if users.fetch_add(1, Ordering::SeqCst) < 2 {
                        (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "0")], "{}")
                            .into_response()
                    } else {
                        (
                            [("content-type", "application/scim+json")],
                            r#"{"totalResults":0,"password":"echoed"}"#,
                        )
                            .into_response()
                    }
                }),
            )
            .route("/Big", get(|| async { "x".repeat(10_000) }))
            .route(
                "/Groups",
                get(move || async move {
                    groups.fetch_add(1, Ordering::SeqCst);
                    (StatusCode::SERVICE_UNAVAILABLE, "down")
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (format!("http://{address}"), hits)
    }

    fn client(base_url: &str, on_server_errors: bool, recorder: Recorder) -> ScimClient {
        let endpoint = Endpoint {
            base_url: base_url.to_owned(),
            bearer: Arc::new(scim_console_core::Secret::new("s3cret".to_owned())),
            name: "test".to_owned(),
            trust_any_certificate: false,
        };
        let behaviour = Behaviour {
            purpose: "test",
            user_agent: None,
            timeout: Duration::from_secs(5),
            rate: 0.0,
            retry: RetryRule {
                attempts: 4,
                first_backoff: Duration::from_millis(1),
                on_server_errors,
            },
        };
        ScimClient::new(endpoint, behaviour, recorder).unwrap()
    }

    #[tokio::test]
    async fn a_429_is_waited_out_and_every_attempt_is_in_the_transcript() {
        let (base, hits) = server().await;
        let transcript = Transcript::new();
        let client = client(&base, false, Recorder::Transcript(transcript.clone()));
        let reply = client
            .request(Request::new(&Method::GET, "/Users", None))
            .await;
        assert_eq!((reply.status, reply.attempts), (200, 3));
        assert_eq!(hits.load(Ordering::SeqCst), 3);
        assert!(!reply.mislabelled());
        let exchanges = transcript.take();
        let statuses: Vec<u16> = exchanges.iter().map(|e| e.status).collect();
        assert_eq!(statuses, [429, 429, 200]);
        let last = exchanges.last().unwrap();
        assert!(!last.response_body.as_deref().unwrap().contains("echoed"));
        assert!(transcript.take().is_empty(), "taken once");
        // Unpaced: one attempt, the 429 is the answer.
        let once = client
            .request(Request {
                paced: false,
                ..Request::new(&Method::GET, "/Users", None)
            })
            .await;
        assert_eq!((once.status, once.attempts), (200, 1));
    }

    #[tokio::test]
    async fn an_answer_is_read_up_to_its_cap_and_no_further() {
        let (base, _) = server().await;
        let http = crate::outbound::http::builder("test", Duration::from_secs(5))
            .build()
            .unwrap();
        let big = http.get(format!("{base}/Big")).send().await.unwrap();
        assert!(matches!(
            crate::outbound::http::read_capped(big, 1_000).await,
            Err(crate::outbound::http::BodyError::TooLarge(1_000))
        ));
        let fits = http.get(format!("{base}/Big")).send().await.unwrap();
        let body = crate::outbound::http::read_capped(fits, 10_000)
            .await
            .unwrap();
        assert_eq!(body.len(), 10_000);
    }

    #[tokio::test]
    async fn server_errors_and_lost_connections_are_retried_only_when_the_rule_says() {
        let (base, hits) = server().await;
        let checker = client(&base, false, Recorder::Nothing);
        let reply = checker
            .request(Request::new(&Method::GET, "/Groups", None))
            .await;
        assert_eq!((reply.status, reply.attempts), (503, 1));
        let pilot = client(&base, true, Recorder::Nothing);
        let answer = pilot.send(Method::GET, "/Groups", None).await.unwrap();
        assert_eq!((answer.status, answer.attempts), (503, 4));
        assert_eq!(hits.load(Ordering::SeqCst), 5);

        // Nothing listens on the port of a dropped listener.
        let closed = {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            format!("http://{}", listener.local_addr().unwrap())
        };
        let unanswered = client(&closed, true, Recorder::Nothing)
            .send(Method::GET, "/Users", None)
            .await
            .unwrap_err();
        assert_eq!(unanswered.attempts, 4);
        assert!(
            unanswered.reason.contains("could not connect"),
            "{}",
            unanswered.reason
        );
        let once = client(&closed, false, Recorder::Nothing)
            .request(Request::new(&Method::GET, "/Users", None))
            .await;
        assert_eq!((once.status, once.attempts), (0, 1));
        assert!(
            once.summary().starts_with("no answer"),
            "{}",
            once.summary()
        );
    }
}
