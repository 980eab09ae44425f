//! The protocol crate's integration tests, one binary: RFC 7643's examples through the public API
//! and property tests (round trips, no input panics).
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

mod properties;
mod rfc_examples;
