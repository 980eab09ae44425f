//! `scim-console target …`: remote SCIM service providers the console calls as a client. `add`
//! keeps the credential in the OS keychain (sealed in the database with the master key when no
//! keychain is reachable, and says so); `test` checks a stored target, or any URL and token, the
//! way identity providers do when an admin presses "Test connection".

use std::io::Read as _;

use anyhow::{Context as _, Result, bail};
use clap::{Args, Subcommand};
use scim_console_core::Secret;
use scim_console_core::targets::{NewTarget, SecretStore, TargetAuth};
use scim_console_server::probe::{Report, Verdict};

use crate::exit::{Ended, Exit};

mod remote;

pub(crate) use remote::Targets;

/// The `target` subcommands.
#[derive(Debug, Subcommand)]
pub enum TargetCommand {
    /// Register a remote SCIM service provider: base URL and a bearer token, or OAuth client
    /// credentials. The credential goes to the OS keychain.
    Add(AddArgs),
    /// List the registered targets (never their credentials).
    List(JsonArg),
    /// Remove a target and its keychain entry.
    Remove(NameArg),
    /// Test a stored target (by name), or any --url and --token: discovery, credentials,
    /// Entra's and Okta's test queries, groups. Exits 6 when a check fails.
    Test(TestArgs),
}

impl TargetCommand {
    /// Whether the command opens the data directory (all but a test of a given URL).
    pub fn needs_store(&self) -> bool {
        !matches!(self, Self::Test(TestArgs { name: None, .. }))
    }
}

/// `--json`.
#[derive(Debug, Args)]
pub struct JsonArg {
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// A target's name.
#[derive(Debug, Args)]
pub struct NameArg {
    /// The target's name (or id).
    name: String,
}

/// `target add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// A name for it, unique in the console.
    #[arg(long)]
    name: String,
    /// The SCIM base URL, e.g. https://app.example.com/scim/v2.
    #[arg(long)]
    url: String,
    /// The bearer token (better: the environment variable, or --secret-stdin).
    #[arg(long, env = "SCIM_CONSOLE_TARGET_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// OAuth 2.0 client credentials instead of a token: the token endpoint.
    #[arg(long, requires = "client_id")]
    oauth_token_url: Option<String>,
    /// The OAuth client id.
    #[arg(long, requires = "oauth_token_url")]
    client_id: Option<String>,
    /// The OAuth client secret (better: the environment variable, or --secret-stdin).
    #[arg(
        long,
        env = "SCIM_CONSOLE_TARGET_CLIENT_SECRET",
        hide_env_values = true
    )]
    client_secret: Option<String>,
    /// The OAuth scope to ask for.
    #[arg(long, requires = "oauth_token_url")]
    scope: Option<String>,
    /// Read the token or client secret from standard input (one line).
    #[arg(long)]
    secret_stdin: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// `target test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// A stored target's name; without it, give --url and --token.
    name: Option<String>,
    /// The SCIM base URL, e.g. https://app.example.com/scim/v2.
    #[arg(long, conflicts_with = "name", required_unless_present = "name")]
    url: Option<String>,
    /// The bearer token (better: the environment variable, which stays out of shell history).
    #[arg(
        long,
        env = "SCIM_CONSOLE_TARGET_TOKEN",
        hide_env_values = true,
        required_unless_present = "name"
    )]
    token: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

fn print_report(report: &Report, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(report)?);
        return Ok(());
    }
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
    Ok(())
}

fn read_secret(args: &AddArgs) -> Result<String> {
    if args.secret_stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_to_string(&mut line)
            .context("reading the secret from standard input")?;
        return Ok(line.trim().to_owned());
    }
    let given = if args.oauth_token_url.is_some() {
        args.client_secret.clone()
    } else {
        args.token.clone()
    };
    match given {
        Some(secret) => Ok(secret),
        None if args.oauth_token_url.is_some() => bail!(
            "give the client secret with SCIM_CONSOLE_TARGET_CLIENT_SECRET, --client-secret or --secret-stdin"
        ),
        None => bail!("give the token with SCIM_CONSOLE_TARGET_TOKEN, --token or --secret-stdin"),
    }
}

async fn list(on: &Targets<'_>, json: bool) -> Result<()> {
    let targets = on.list().await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&targets)?);
    } else if targets.is_empty() {
        println!("No targets. Add one with: scim-console target add --name … --url …");
    } else {
        for t in targets {
            let auth = match &t.auth {
                TargetAuth::Bearer => "bearer token".to_owned(),
                TargetAuth::OauthClientCredentials { client_id, .. } => {
                    format!("OAuth client {client_id}")
                }
            };
            let store = match t.secret_store {
                SecretStore::Keychain => "keychain",
                SecretStore::Sealed => "sealed in the database",
            };
            let tested = match (t.last_test, t.last_test_ok) {
                (Some(at), Some(true)) => format!("last test passed {}", at.to_rfc3339()),
                (Some(at), _) => format!("last test FAILED {}", at.to_rfc3339()),
                _ => "never tested".to_owned(),
            };
            println!("{}\t{}\t{auth} ({store})\t{tested}", t.name, t.base_url);
        }
    }
    Ok(())
}

/// Runs a `target` subcommand, here (the store is `None` only when
/// [`TargetCommand::needs_store`] says so) or on the server.
pub(crate) async fn run(on: &Targets<'_>, cmd: TargetCommand) -> Result<()> {
    match cmd {
        TargetCommand::Add(args) => {
            let secret = read_secret(&args)?;
            let auth = match (&args.oauth_token_url, &args.client_id) {
                (Some(token_url), Some(client_id)) => TargetAuth::OauthClientCredentials {
                    token_url: token_url.clone(),
                    client_id: client_id.clone(),
                    scope: args.scope.clone(),
                },
                _ => TargetAuth::Bearer,
            };
            let (target, keychain_unavailable) = on
                .add(NewTarget {
                    name: args.name.clone(),
                    base_url: args.url.clone(),
                    auth,
                    secret: Secret::new(secret),
                })
                .await?;
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "target": target,
                        "keychainUnavailable": keychain_unavailable,
                    }))?
                );
            } else {
                println!(
                    "Added target \"{}\" ({}), id {}.",
                    target.name, target.base_url, target.id
                );
                match (target.secret_store, &keychain_unavailable) {
                    (SecretStore::Keychain, _) => {
                        println!("Its credential is in the OS keychain.");
                    }
                    (SecretStore::Sealed, why) => println!(
                        "Its credential is sealed in the database with the console's master key, because the OS keychain is unavailable: {}",
                        why.as_deref().unwrap_or("unknown")
                    ),
                }
            }
            Ok(())
        }
        TargetCommand::List(JsonArg { json }) => list(on, json).await,
        TargetCommand::Remove(NameArg { name }) => {
            let removed = on.remove(&name).await?;
            println!("Removed target \"{removed}\".");
            Ok(())
        }
        TargetCommand::Test(args) => {
            let report = match &args.name {
                Some(name) => on.test_stored(name).await?,
                None => {
                    on.test_connection(
                        args.url.as_deref().unwrap_or_default(),
                        args.token.as_deref().unwrap_or_default(),
                    )
                    .await?
                }
            };
            print_report(&report, args.json)?;
            if report.ok {
                Ok(())
            } else {
                Err(Ended::new(
                    Exit::ConnectionTestFailed,
                    "the connection test found failures",
                )
                .into())
            }
        }
    }
}
