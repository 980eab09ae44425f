//! The console as a SCIM client: requests to a target (a remote SCIM service provider, or the
//! console's own endpoint) with its credential — for pilot runs, the connection test and the
//! conformance checker. One client ([`client::ScimClient`]) with one HTTP builder
//! ([`http::builder`]), one retry rule ([`retry::RetryRule`], honouring `Retry-After`) and a
//! recorder ([`recorder::Recorder`]: the provisioning log or a transcript); the credential of a
//! stored target ([`credential::resolve`]); and opening a target for a run ([`target`]).
//! Credentials never appear in a record, an error or a log line.

pub mod client;
pub mod credential;
pub mod http;
pub mod recorder;
pub mod request;
pub mod retry;
pub mod target;

use std::sync::Arc;
use std::time::Duration;

use scim_console_core::Secret;

pub use client::{Answer, Auth, Behaviour, Pace, Reply, Request, ScimClient, Unanswered};
pub use credential::resolve;
pub use recorder::{LogRecorder, Recorder, Transcript};

/// How long one request to a target may take (pilot runs, the conformance checker, token
/// endpoints).
pub const TIMEOUT: Duration = Duration::from_secs(30);

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

/// A transport failure of a call to a target, in words ([`http::describe`]).
pub fn describe(error: &reqwest::Error) -> String {
    http::describe(error, TIMEOUT)
}
