//! The server crate's integration tests, one binary (one link of the dependency graph): each module
//! drives a real server over HTTP (`common::TestServer`) on SQLite or, in the PostgreSQL pass, on
//! PostgreSQL.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

mod accounts;
mod admin_api;
mod alerts;
mod auth_backoff;
mod bulk;
mod client_forms;
mod client_profiles;
mod common;
mod compatibility;
mod conformance;
mod connection;
mod console_ui;
mod cursor_paging;
mod deletion_threshold;
mod email;
mod health;
mod hostile;
mod hostile_network;
mod idp_entra;
mod idp_okta;
mod jwt_clients;
mod log_search;
mod logs;
mod mapping;
mod on_demand;
mod pilot;
mod promotion;
mod protected_accounts;
mod rekey;
mod remote;
mod roles;
mod scim_endpoint;
mod storage_faults;
mod tls;
mod tokens;
mod xmatters;
