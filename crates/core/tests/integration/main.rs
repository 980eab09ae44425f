//! The core crate's integration tests, one binary (one link of the dependency graph): the store on
//! SQLite and, when `SCIM_CONSOLE_TEST_POSTGRES` names a server, on PostgreSQL; tokens, OAuth,
//! mapping plans, the provisioning log and its outbox, alerts, and the master key in the keychain.
//! `common` holds the fixture every module starts from.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

mod administrators;
mod alerts;
mod browse;
mod common;
mod deletions;
mod groups;
mod keychain;
mod logs;
mod mapping;
mod outbox;
mod persistence;
mod postgres;
mod rekey;
mod sessions;
mod store;
mod tokens;
