//! What the recording middleware and the authentication share about one request: the
//! configuration addressed, the credential's prefix and why it was refused.

use std::sync::{Arc, Mutex};

use scim_console_core::ConfigurationId;
use scim_console_core::logs;

/// What the handlers learn about a request that the log needs: filled by the `Tenant` extractor.
#[derive(Debug, Clone, Default)]
pub struct LogContext {
    /// The configuration addressed (known even when the credential is refused).
    pub configuration: Option<ConfigurationId>,
    /// The credential's non-secret prefix (also of an expired or revoked one).
    pub credential: Option<String>,
    /// Why the credential was refused, if it was.
    pub refusal: Option<logs::CredentialRefusal>,
}

/// Shared between the middleware and the extractor of one request.
pub type SharedLogContext = Arc<Mutex<LogContext>>;
