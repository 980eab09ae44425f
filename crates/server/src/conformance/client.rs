//! The checker's side of the one outbound client ([`ScimClient`]): requests to the endpoint
//! under test one at a time at a limited rate, a 429 waited out as its `Retry-After` says (up
//! to a minute, three times), every exchange written into a [`Transcript`] for the report, and
//! the answers whose JSON was not labelled `application/scim+json` noted.

use std::time::Duration;

use reqwest::Method;
use scim_console_core::Secret;
use serde_json::Value;

use crate::outbound::retry::RetryRule;
use crate::outbound::{
    Behaviour, Endpoint, Recorder, Reply, Request, ScimClient, TIMEOUT, Transcript,
};

pub use crate::outbound::Auth;
pub use crate::outbound::recorder::{Exchange, Header};

/// A 429 is waited out three times (as its `Retry-After` says, up to a minute) before it
/// counts as the answer; other answers are the answer (a check judges a 5xx, it does not retry
/// it).
const RETRY: RetryRule = RetryRule {
    attempts: 4,
    first_backoff: Duration::from_secs(2),
    on_server_errors: false,
};

/// The client of one run.
pub struct Client {
    scim: ScimClient,
    transcript: Transcript,
    /// Answers with a JSON body not labelled `application/scim+json` ("GET /Users: application/json").
    pub mislabelled: Vec<String>,
    /// Requests sent.
    pub sent: u64,
    /// How many 429 answers were waited out.
    pub throttled: u64,
}

impl Client {
    /// A client of `base_url` (no trailing slash) sending `token`, at most `rate` requests a
    /// second; `trust_any_certificate` only for the console's own endpoint over loopback.
    pub fn new(
        base_url: &str,
        token: Secret,
        rate: f64,
        trust_any_certificate: bool,
    ) -> Result<Self, String> {
        let endpoint = Endpoint {
            base_url: base_url.trim_end_matches('/').to_owned(),
            bearer: std::sync::Arc::new(token),
            name: "conformance checker".to_owned(),
            trust_any_certificate,
        };
        let behaviour = Behaviour {
            purpose: "conformance checker",
            user_agent: None,
            timeout: TIMEOUT,
            rate: rate.clamp(0.1, 1000.0),
            retry: RETRY,
        };
        let transcript = Transcript::new();
        let scim = ScimClient::new(
            endpoint,
            behaviour,
            Recorder::Transcript(transcript.clone()),
        )
        .map_err(|e| e.to_string())?;
        Ok(Self {
            scim,
            transcript,
            mislabelled: Vec::new(),
            sent: 0,
            throttled: 0,
        })
    }

    /// The base URL.
    pub fn base_url(&self) -> &str {
        self.scim.base_url()
    }

    /// The exchanges since the last call (those of the check that just ran).
    pub fn take_exchanges(&mut self) -> Vec<Exchange> {
        self.transcript.take()
    }

    /// `method path` with the checker's credential and a SCIM JSON body.
    pub async fn send(&mut self, method: Method, path: &str, body: Option<&Value>) -> Reply {
        self.send_with(method, path, body, Auth::Token, "application/scim+json")
            .await
    }

    /// `method path` authenticated as `auth`, a body sent as `content_type`.
    pub async fn send_with(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        auth: Auth,
        content_type: &str,
    ) -> Reply {
        let reply = self
            .scim
            .request(Request {
                auth,
                content_type,
                ..Request::new(&method, path, body)
            })
            .await;
        self.count(&method, path, &reply);
        reply
    }

    /// One request with the credential, at once (no rate wait, no 429 retry): for measuring
    /// a rate.
    pub async fn send_once(&mut self, method: Method, path: &str) -> Reply {
        let reply = self
            .scim
            .request(Request {
                paced: false,
                ..Request::new(&method, path, None)
            })
            .await;
        self.count(&method, path, &reply);
        reply
    }

    /// A GET of an absolute URL without the credential (public metadata, not SCIM: its media
    /// type is not judged).
    pub async fn get_public(&mut self, url: &str) -> Reply {
        let reply = self
            .scim
            .request(Request {
                auth: Auth::None,
                ..Request::new(&Method::GET, url, None)
            })
            .await;
        self.sent += u64::from(reply.attempts);
        reply
    }

    /// Counts a reply's attempts and notes a mislabelled answer.
    fn count(&mut self, method: &Method, path: &str, reply: &Reply) {
        self.sent += u64::from(reply.attempts);
        self.throttled += u64::from(reply.attempts.saturating_sub(1));
        if reply.mislabelled() {
            self.mislabelled.push(format!(
                "{method} {path}: {}",
                reply.media_type.as_deref().unwrap_or("no Content-Type")
            ));
        }
    }

    /// A GET of `path` over TLS 1.3 only: whether the handshake and the request succeed.
    pub async fn tls13_get(&self, path: &str) -> Result<u16, String> {
        let endpoint = self.scim.endpoint();
        let http = crate::outbound::http::builder("conformance checker", TIMEOUT)
            .min_tls_version(reqwest::tls::Version::TLS_1_3)
            .danger_accept_invalid_certs(endpoint.trust_any_certificate)
            .build()
            .map_err(|e| format!("no TLS 1.3 client: {e}"))?;
        http.get(format!("{}{path}", endpoint.base_url))
            .bearer_auth(endpoint.bearer.expose())
            .send()
            .await
            .map(|r| r.status().as_u16())
            .map_err(|e| self.scim.describe(&e))
    }
}
