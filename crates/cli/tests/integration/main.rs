//! The CLI's integration tests, one binary: each module runs the real `scim-console` binary
//! (`common::console`) as a script or an administrator would.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

mod admin;
mod backup;
mod cli;
mod common;
mod instances;
mod memory;
mod pilot;
mod rekey;
mod remote;
mod remote_runs;
mod verbs;
mod watch;
