//! `scim-console target …`: the console as a SCIM client. `target test` checks any SCIM
//! service provider the way identity providers do when an admin presses "Test connection".

use anyhow::Result;
use clap::{Args, Subcommand};
use scim_console_server::probe::{self, Verdict};

/// The `target` subcommands.
#[derive(Debug, Subcommand)]
pub enum TargetCommand {
    /// Test a SCIM service provider: discovery, credentials, Entra's and Okta's test queries,
    /// groups. Exits 6 when a check fails.
    Test(TestArgs),
}

/// `target test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// The SCIM base URL, e.g. https://app.example.com/scim/v2.
    #[arg(long)]
    url: String,
    /// The bearer token (better: the environment variable, which stays out of shell history).
    #[arg(long, env = "SCIM_CONSOLE_TARGET_TOKEN", hide_env_values = true)]
    token: String,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// A connection test found failures (exit code 6).
#[derive(Debug, thiserror::Error)]
#[error("the connection test found failures")]
pub struct TestFailed;

/// Runs a `target` subcommand.
pub async fn run(cmd: TargetCommand) -> Result<()> {
    match cmd {
        TargetCommand::Test(args) => {
            let report = probe::test_connection(&args.url, &args.token).await;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!("Testing {}", report.base_url);
                for check in &report.checks {
                    let mark = match check.verdict {
                        Verdict::Pass => "ok  ",
                        Verdict::Warn => "warn",
                        Verdict::Fail => "FAIL",
                    };
                    let status = check.status.map(|s| format!(" → {s}")).unwrap_or_default();
                    println!(
                        "  {mark}  {}  ({}{status}, {} ms)\n        {}",
                        check.name, check.request, check.duration_ms, check.detail
                    );
                }
                println!(
                    "{}",
                    if report.ok {
                        "The connection works."
                    } else {
                        "The connection does not work yet: see the failures above."
                    }
                );
            }
            if report.ok {
                Ok(())
            } else {
                Err(TestFailed.into())
            }
        }
    }
}
