//! `scim-console token …`: bearer tokens created (shown once), listed, rotated, revoked, and
//! checked for what needs attention (exit code 5).

use anyhow::Result;
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use scim_console_core::{Actor, NewToken, Rotation, Store, TokenInfo, TokenState};
use serde_json::json;

pub(crate) mod remote;

use crate::args::{ConfigArgs, parse_date, parse_duration};
use crate::exit::{Ended, Exit};
use crate::render::{day, print_json};

#[derive(Debug, Subcommand)]
pub(crate) enum TokenCommand {
    /// Create a token (printed once, on standard output).
    Create(TokenCreateArgs),
    /// List a configuration's tokens (never their secrets).
    List(ConfigArgs),
    /// Rotate a token: print its replacement once; the old one works until the grace ends.
    Rotate(TokenRotateArgs),
    /// Revoke a token at once.
    Revoke(TokenRevokeArgs),
    /// Exit 5 when any token is expired, expires soon or is overdue for rotation.
    Check(TokenCheckArgs),
}

#[derive(Debug, Args)]
pub(crate) struct TokenCreateArgs {
    /// Name, slug or id of the configuration.
    #[arg(long = "config")]
    config: String,
    /// A label for the token.
    #[arg(long, default_value = "")]
    label: String,
    /// When it stops working by itself (2027-01-01 or an RFC 3339 time).
    #[arg(long, value_parser = parse_date)]
    expires: Option<DateTime<Utc>>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct TokenRotateArgs {
    /// Name, slug or id of the configuration.
    #[arg(long = "config")]
    config: String,
    /// The token's public id (as `token list` shows it).
    #[arg(long)]
    id: String,
    /// How long the old token keeps working (e.g. 24h, 7d, 0; default: the token policy's
    /// rotation grace, else 0: it stops now).
    #[arg(long, value_parser = parse_duration)]
    grace: Option<std::time::Duration>,
    /// The new token's expiry (default: the old one's lifetime, within the policy).
    #[arg(long, value_parser = parse_date)]
    expires: Option<DateTime<Utc>>,
    /// The new token's label (default: the old one's).
    #[arg(long)]
    label: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct TokenRevokeArgs {
    /// Name, slug or id of the configuration.
    #[arg(long = "config")]
    config: String,
    /// The token's public id (as `token list` shows it).
    #[arg(long)]
    id: String,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct TokenCheckArgs {
    /// Report tokens expiring within this long (e.g. 14d).
    #[arg(long, value_parser = parse_duration, default_value = "14d")]
    within: std::time::Duration,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub(crate) fn token_line(t: &TokenInfo) -> String {
    let state = match t.state {
        TokenState::Active => "active".to_owned(),
        TokenState::Grace => format!("grace until {}", day(t.revoked)),
        TokenState::Expired => "expired".to_owned(),
        TokenState::Revoked => format!("revoked {}", day(t.revoked)),
    };
    let used = match (&t.last_used, &t.last_used_from) {
        (Some(at), Some(from)) => format!("{} from {from}", day(Some(*at))),
        _ => "never".to_owned(),
    };
    format!(
        "{:<10} {:<26} {:<24} {:<22} created {} by {:<12} expires {:<16} last used {used}",
        t.id,
        t.prefix,
        t.label,
        state,
        day(Some(t.created)),
        t.created_by,
        day(t.expires),
    )
}

/// Runs a `token` subcommand.
pub(crate) async fn run(store: &Store, cmd: TokenCommand) -> Result<()> {
    match cmd {
        TokenCommand::Create(args) => {
            let c = store.find_configuration(&args.config).await?;
            let new = NewToken {
                label: args.label,
                expires: args.expires,
            };
            let issued = store.create_token(c.id, &new, &Actor::cli()).await?;
            if args.json {
                return print_json(
                    &json!({"token": issued.token.expose(), "info": issued.info, "scimPath": format!("/scim/{}/v2", c.slug)}),
                );
            }
            println!("{}", issued.token.expose());
            eprintln!(
                "Token {} for \"{}\"{}: shown only now; paste it into the identity provider.",
                issued.info.id,
                c.name,
                issued
                    .info
                    .expires
                    .map(|e| format!(", expires {}", day(Some(e))))
                    .unwrap_or_default()
            );
            Ok(())
        }
        TokenCommand::List(args) => {
            let c = store.find_configuration(&args.config).await?;
            let tokens = store.list_tokens(c.id).await?;
            if args.json {
                return print_json(&tokens);
            }
            if tokens.is_empty() {
                println!(
                    "No tokens: create one with `scim-console token create --config {}`.",
                    c.slug
                );
            }
            for t in &tokens {
                println!("{}", token_line(t));
            }
            Ok(())
        }
        TokenCommand::Rotate(args) => {
            let c = store.find_configuration(&args.config).await?;
            let policy_grace = c.token_policy.rotation_grace_hours.unwrap_or(0);
            let rotation = Rotation {
                grace: args.grace.unwrap_or(std::time::Duration::from_secs(
                    u64::from(policy_grace) * 3_600,
                )),
                expires: args.expires,
                label: args.label,
            };
            let (old, new) = store
                .rotate_token(c.id, &args.id, &rotation, &Actor::cli())
                .await?;
            if args.json {
                return print_json(
                    &json!({"token": new.token.expose(), "info": new.info, "old": old}),
                );
            }
            print_rotated(new.token.expose(), &new.info.id, &old, &c.name);
            Ok(())
        }
        TokenCommand::Revoke(args) => {
            let c = store.find_configuration(&args.config).await?;
            let revoked = store.revoke_token(c.id, &args.id, &Actor::cli()).await?;
            if args.json {
                return print_json(&revoked);
            }
            println!("Token {} of \"{}\" is revoked.", args.id, c.name);
            Ok(())
        }
        TokenCommand::Check(args) => token_check(store, &args).await,
    }
}

/// `token check`: exit 5 when any token needs attention.
pub(crate) async fn token_check(store: &Store, args: &TokenCheckArgs) -> Result<()> {
    let check = store.check_tokens(args.within).await?;
    if args.json {
        print_json(&check)?;
    } else {
        for p in &check.problems {
            println!(
                "{}: token {} ({}) {}",
                p.configuration, p.token.id, p.token.label, p.detail
            );
        }
        if check.problems.is_empty() {
            println!("All {} token(s) are fine.", check.checked);
        }
    }
    if check.problems.is_empty() {
        Ok(())
    } else {
        Err(Ended::new(
            Exit::TokensNeedAttention,
            format!("{} token(s) need attention", check.problems.len()),
        )
        .into())
    }
}

/// Prints a rotation: the new token on standard output (shown only now), what became of the
/// old one on standard error.
pub(crate) fn print_rotated(token: &str, id: &str, old: &TokenInfo, configuration: &str) {
    println!("{token}");
    eprintln!(
        "Token {id} replaces {} for \"{configuration}\": shown only now. The old token {}.",
        old.id,
        if old.state == TokenState::Grace {
            format!("works until {}", day(old.revoked))
        } else {
            "no longer works".to_owned()
        }
    );
}
