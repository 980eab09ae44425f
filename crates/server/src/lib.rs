//! # scim-console-server — SCIM Console over HTTP
//!
//! - [`scim`]: the embedded SCIM 2.0 endpoint, one base URL per configuration
//!   (`/scim/{slug}/v2`), bearer-token authentication, rate limits, RFC 7644 errors.
//! - [`admin`]: the admin API under `/api` (configurations, tokens), described by OpenAPI at
//!   `/api/openapi.json`, protected by the per-launch admin token and Host/Origin checks.
//! - [`alerting`]: alert rules evaluated every minute, live alerts and webhook calls.
//! - [`probe`]: test connection — the console calling a SCIM service provider as an IdP does.
//! - [`server`]: binding, plain HTTP on loopback only, graceful shutdown.
//! - [`tls`]: rustls with certificate files or a persisted self-signed certificate.

pub mod admin;
pub mod alerting;
pub mod backoff;
pub mod conformance;
pub mod jwks;
pub mod outbound;
pub mod peer;
pub mod pilot;
pub mod probe;
pub mod runtime;
pub mod scim;
pub mod server;
pub mod slow_clients;
mod state;
pub mod tls;
pub mod ui;

pub use server::{ServeOptions, Server};
pub use state::{AppState, Limits, ServerInfo};
