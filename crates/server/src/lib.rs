//! # scim-console-server — SCIM Console over HTTP
//!
//! The inbound side, answering requests:
//! - [`scim`]: the embedded SCIM 2.0 endpoint, one base URL per configuration
//!   (`/scim/{slug}/v2`), its OAuth token endpoint, credentials, rate limits, RFC 7644 errors,
//!   and the middleware that records every request in the provisioning log.
//! - [`admin`]: the admin API under `/api`, one router per area, each path written once on its
//!   handler (utoipa-axum) and described at `/api/openapi.json`; guarded by `Host`/`Origin`
//!   checks and the per-launch admin token or a browser session ([`admin::sessions`]).
//! - [`ui`]: the admin UI's built files.
//! - [`server`]: binding, TLS ([`tls`]), slow clients ([`slow_clients`]), graceful shutdown;
//!   [`runtime`]: everything `scim-console serve` and the desktop app do to start a console.
//! - [`alerting`]: alert rules evaluated every minute, live alerts and webhook calls.
//!
//! The outbound side, calling other SCIM endpoints (it never imports [`scim`]):
//! - [`outbound`]: the one SCIM client — one HTTP builder, one retry rule honouring
//!   `Retry-After`, each attempt handed to a recorder (the provisioning log, or a transcript for
//!   conformance reports) — and opening a target (remote, or a local configuration with a
//!   temporary token).
//! - [`probe`]: test connection, as an identity provider does it (the client, one attempt).
//! - [`pilot`]: pilot runs, behaving like Entra ID, Okta, OneLogin or Google (the client,
//!   recording into the provisioning log).
//! - [`conformance`]: the conformance checker and its runs (the client, recording a transcript).
//! - [`remote`]: another console reached from this machine (the desktop app's connections):
//!   its address, its certificate trusted or pinned, and a loopback proxy showing its UI.
//!
//! `docs/architecture.md` is the map of the whole workspace.

pub mod admin;
pub mod alerting;
pub mod backoff;
pub mod conformance;
pub mod email;
pub mod headers;
pub mod jwks;
pub mod outbound;
pub mod peer;
pub mod pilot;
pub mod probe;
pub mod remote;
pub mod runtime;
pub mod scim;
pub mod server;
pub mod slow_clients;
pub mod sso;
mod state;
pub mod tls;
pub mod ui;

pub use server::{PublicOrigin, ServeOptions, Server};
pub use state::{AppState, Limits, ServerInfo};
