//! What the recording middleware and the authentication share about one request: the
//! configuration addressed, the credential's prefix and why it was refused.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use scim::secrets::Secrets;
use scim_console_core::ConfigurationId;
use scim_console_core::logs;
use serde_json::Value;

/// What the handlers learn about a request that the log needs: filled by the `Tenant` extractor.
#[derive(Debug, Clone, Default)]
pub struct LogContext {
    /// The configuration addressed (known even when the credential is refused).
    pub configuration: Option<ConfigurationId>,
    /// The credential's non-secret prefix (also of an expired or revoked one).
    pub credential: Option<String>,
    /// Why the credential was refused, if it was.
    pub refusal: Option<logs::CredentialRefusal>,
    /// How the request's bodies are masked in its record.
    pub masking: Masking,
}

/// How a request's bodies are masked in its record: by the schemas' secrets, or also by the
/// custom fields the configuration's plan marks secret — and, when those could not be read,
/// not recorded at all rather than recorded in clear.
#[derive(Debug, Clone, Default)]
pub enum Masking {
    /// The schemas' secrets ([`logs::secrets`]): the configuration's plan adds none.
    #[default]
    Schemas,
    /// These secrets: the schemas' and the plan's secret custom fields.
    Plan(Arc<Secrets>),
    /// The plan's secrets could not be read (the database failing): bodies are left out.
    Unknown,
}

impl Masking {
    /// What the log keeps of `body` (`None` when bodies are left out).
    pub fn body(&self, body: &Value) -> Option<String> {
        match self {
            Self::Schemas => Some(logs::redact(body)),
            Self::Plan(secrets) => Some(logs::redact_by(secrets, body)),
            Self::Unknown => None,
        }
    }
}

/// Shared between the middleware and the extractor of one request.
pub type SharedLogContext = Arc<Mutex<LogContext>>;

/// What `shared` holds now.
pub fn snapshot(shared: &SharedLogContext) -> LogContext {
    shared
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

/// Who sent a request, for its counted refusal.
pub struct Sender {
    /// When it arrived.
    pub at: DateTime<Utc>,
    /// Its address.
    pub source: String,
    /// The client recognised.
    pub client: logs::Client,
}

impl LogContext {
    /// The request's counted refusal, when its credential was refused: such a request is
    /// counted ([`logs::refusals`]), never recorded.
    pub fn refused(&self, sender: Sender, status: u16) -> Option<logs::refusals::Refused> {
        Some(logs::refusals::Refused {
            at: sender.at,
            configuration: self.configuration?,
            source: sender.source,
            reason: self.refusal?,
            status,
            credential: self.credential.clone(),
            client: sender.client,
        })
    }
}
