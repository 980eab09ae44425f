#![allow(clippy::unwrap_used)] // Test code: a failure is a test failure.
//! Helpers of the CLI's test suites.

use std::process::Command;

/// The `scim-console` binary on a data directory — and, in the PostgreSQL pass of the tests,
/// on the database schema that belongs to that directory.
pub fn console(dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_scim-console"));
    command.arg("--data-dir").arg(dir);
    match scim_console_core::testing::test_database_url_blocking(dir).unwrap() {
        Some(url) => command.env("SCIM_CONSOLE_DATABASE_URL", url),
        None => command.env_remove("SCIM_CONSOLE_DATABASE_URL"),
    };
    command
}
