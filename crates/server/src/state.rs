//! What every handler shares.

use std::sync::Arc;

use scim::SchemaRegistry;
use scim_console_core::{Secret, Store};

use crate::scim::rate_limit::RateLimiter;
use scim_console_core::logs::writer::LogSink;

/// Request limits of the SCIM endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest request body accepted, in bytes (413 beyond).
    pub max_body_bytes: usize,
    /// Requests per second allowed per token (429 beyond), with a burst of twice that.
    pub requests_per_second: u32,
    /// Page size when a query gives no `count`.
    pub default_page_size: usize,
    /// The largest page returned, whatever `count` asks.
    pub max_page_size: usize,
    /// How long a client may take to send a request's headers, counted from when the server
    /// starts waiting for them (on a new connection, or after the previous answer on a
    /// kept-alive one): an idle or half-sent connection is closed after that (slow-loris).
    pub header_read_timeout: std::time::Duration,
    /// How long a client may take to send a whole SCIM request body (408 beyond).
    pub body_read_timeout: std::time::Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            requests_per_second: 2000,
            default_page_size: 100,
            max_page_size: 1000,
            header_read_timeout: std::time::Duration::from_secs(30),
            body_read_timeout: std::time::Duration::from_secs(60),
        }
    }
}

/// How this server runs, for the settings page.
#[derive(Debug, Clone)]
pub struct ServerInfo {
    /// The bound address.
    pub bind: std::net::SocketAddr,
    /// The origin clients use.
    pub origin: String,
    /// The origin the OAuth issuer names: `--public-url`, else the second listener's, else
    /// [`ServerInfo::origin`].
    pub public_origin: String,
    /// Whether [`ServerInfo::public_origin`] was given (`--public-url`, or the second
    /// listener's): the SCIM base URLs shown then name it, whatever address the admin uses.
    pub public_origin_given: bool,
    /// The TLS certificate's SHA-256 fingerprint, when serving TLS.
    pub tls_fingerprint: Option<String>,
    /// The data directory, when known.
    pub data_dir: Option<std::path::PathBuf>,
    /// Where the master key came from, when known.
    pub master_key_source: Option<String>,
}

impl Default for ServerInfo {
    fn default() -> Self {
        Self {
            bind: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            origin: String::new(),
            public_origin: String::new(),
            public_origin_given: false,
            tls_fingerprint: None,
            data_dir: None,
            master_key_source: None,
        }
    }
}

/// The state shared by every request.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub store: Store,
    /// The schemas served by every configuration.
    pub registry: Arc<SchemaRegistry>,
    /// The per-launch admin token for `/api`.
    pub admin_token: Arc<Secret>,
    /// The request limits.
    pub limits: Limits,
    /// `https` when serving TLS, else `http`.
    pub scheme: &'static str,
    /// Host names (with port) the admin API answers to (DNS-rebinding protection).
    pub admin_hosts: Arc<Vec<String>>,
    /// How this server runs.
    pub info: Arc<ServerInfo>,
    pub(crate) limiter: Arc<RateLimiter>,
    /// Alerts raised and resolved: live followers and webhook calls.
    pub alerts: crate::alerting::Alerts,
    /// Where provisioning log records go.
    pub(crate) logs: LogSink,
    /// The task writing them, taken by `Server::run` to wait for it at shutdown.
    pub(crate) log_writer: Arc<std::sync::Mutex<Option<tokio::task::JoinHandle<bool>>>>,
    /// Turns true when the server stops: long-lived responses (live log streams) end then, so
    /// the graceful shutdown does not wait for them.
    pub(crate) stopping: tokio::sync::watch::Receiver<bool>,
    pub(crate) stop: Arc<tokio::sync::watch::Sender<bool>>,
    /// Pilot runs started through the admin API.
    pub(crate) pilot_runs: Arc<crate::pilot::runs::Runs>,
    /// Backoff per source address after repeated refused credentials (SCIM and admin).
    pub(crate) backoff: Arc<crate::backoff::Backoff>,
    /// The public keys OAuth clients publish at their JWKS URLs.
    pub(crate) jwks: Arc<crate::jwks::JwksCache>,
    /// Conformance runs started through the admin API.
    pub(crate) conformance_runs: Arc<crate::conformance::runs::ConformanceRuns>,
    /// The OpenID Connect provider administrators sign in with, when one is configured.
    pub oidc: Option<Arc<crate::sso::Oidc>>,
}

impl AppState {
    /// State for a store, with a fresh rate limiter.
    pub fn new(
        store: Store,
        admin_token: Secret,
        limits: Limits,
        scheme: &'static str,
        admin_hosts: Vec<String>,
    ) -> Self {
        let (logs, writer) = LogSink::start(store.clone());
        let (stop, stopping) = tokio::sync::watch::channel(false);
        let backoff = Arc::new(if store.shares_backoff() {
            crate::backoff::Backoff::shared()
        } else {
            crate::backoff::Backoff::default()
        });
        Self {
            stopping,
            stop: Arc::new(stop),
            logs,
            alerts: crate::alerting::Alerts::default(),
            log_writer: Arc::new(std::sync::Mutex::new(Some(writer))),
            store,
            registry: Arc::new(SchemaRegistry::standard()),
            admin_token: Arc::new(admin_token),
            limiter: Arc::new(RateLimiter::new(limits.requests_per_second)),
            limits,
            scheme,
            admin_hosts: Arc::new(admin_hosts),
            info: Arc::default(),
            pilot_runs: Arc::default(),
            backoff,
            jwks: Arc::default(),
            conformance_runs: Arc::default(),
            oidc: None,
        }
    }

    /// The loopback origin of this server's own endpoint (where runs started here reach a
    /// local configuration).
    pub(crate) fn loopback_origin(&self) -> String {
        let bind = self.info.bind;
        let ip = match bind.ip() {
            std::net::IpAddr::V4(v4) if v4.is_unspecified() => "127.0.0.1".to_owned(),
            std::net::IpAddr::V6(v6) if v6.is_unspecified() => "[::1]".to_owned(),
            std::net::IpAddr::V4(v4) => v4.to_string(),
            std::net::IpAddr::V6(v6) => format!("[{v6}]"),
        };
        format!("{}://{ip}:{}", self.scheme, bind.port())
    }
}
