//! `scim-console api-token …`: administrators' personal API tokens, for scripts and the
//! command line against a deployed console — created for an administrator (shown once),
//! listed, revoked — in the console's database (docs/administrators.md).

use anyhow::Result;
use clap::{Args, Subcommand};
use scim_console_core::Actor;
use scim_console_core::administrators::api_tokens::{ApiToken, MAX_DAYS, NewApiToken};
use scim_console_core::administrators::roles::Role;

use crate::console::Console;

use crate::render::{day, print_json};

#[derive(Debug, Subcommand)]
pub(crate) enum ApiTokenCommand {
    /// Create a personal API token for an administrator; the secret is printed once.
    Create(CreateArgs),
    /// List an administrator's personal API tokens (never their secrets).
    List(ListArgs),
    /// Revoke a personal API token: it stops on its next request, on every instance.
    Revoke(RevokeArgs),
}

#[derive(Debug, Args)]
pub(crate) struct CreateArgs {
    /// The administrator it acts as: email (any case) or id.
    #[arg(long = "admin", value_name = "ADMIN")]
    administrator: String,
    /// What will use it (`nightly export`).
    #[arg(long)]
    name: String,
    /// A role it carries, of the administrator's (repeat for several; default: all of them).
    #[arg(long = "role", value_name = "ROLE")]
    roles: Vec<Role>,
    /// Its lifetime in days.
    #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(i64).range(1..=MAX_DAYS))]
    days: i64,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// The administrator: email (any case) or id.
    #[arg(long = "admin", value_name = "ADMIN")]
    administrator: String,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct RevokeArgs {
    /// The administrator: email (any case) or id.
    #[arg(long = "admin", value_name = "ADMIN")]
    administrator: String,
    /// The token's id (`pat_…`).
    token: String,
}

fn roles_text(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn state(token: &ApiToken) -> &'static str {
    if token.revoked.is_some() {
        "revoked"
    } else if token.expires <= chrono::Utc::now() {
        "expired"
    } else {
        "active"
    }
}

/// Runs an `api-token` subcommand.
pub(crate) async fn run(on: &Console, cmd: ApiTokenCommand) -> Result<()> {
    match cmd {
        ApiTokenCommand::Create(args) => {
            let Console::Local(store) = on else {
                return Err(scim_console_core::CoreError::invalid(
                    "--server",
                    "a personal API token is created in a browser session (the console's Account page), not with another token",
                )
                .into());
            };
            let administrator = store.administrator(&args.administrator).await?;
            let issued = store
                .create_api_token(
                    &administrator.id,
                    &NewApiToken {
                        name: args.name,
                        roles: (!args.roles.is_empty()).then_some(args.roles),
                        days: args.days,
                    },
                    &Actor::cli(),
                )
                .await?;
            if args.json {
                let mut value = serde_json::to_value(&issued.token)?;
                value["secret"] = issued.secret.expose().into();
                return print_json(&value);
            }
            println!(
                "Created {} \"{}\" for {} ({}), expires {}",
                issued.token.id,
                issued.token.name,
                administrator.email,
                roles_text(&issued.token.roles),
                day(Some(issued.token.expires))
            );
            println!("{}", issued.secret.expose());
            eprintln!(
                "The token is shown only now. Use it as `Authorization: Bearer …` or SCIM_CONSOLE_API_TOKEN."
            );
            Ok(())
        }
        ApiTokenCommand::List(args) => {
            let administrator = on.administrator(&args.administrator).await?;
            let tokens = on.api_tokens_of(&administrator.id).await?;
            if args.json {
                return print_json(&tokens);
            }
            if tokens.is_empty() {
                println!("{} has no personal API tokens.", administrator.email);
            }
            for t in &tokens {
                println!(
                    "{:<21} {:<24} {:<8} {:<24} expires {} last used {}",
                    t.id,
                    t.name,
                    state(t),
                    roles_text(&t.roles),
                    day(Some(t.expires)),
                    day(t.last_used)
                );
            }
            Ok(())
        }
        ApiTokenCommand::Revoke(args) => {
            let administrator = on.administrator(&args.administrator).await?;
            on.revoke_api_token(&administrator.id, &args.token).await?;
            println!("Revoked {} of {}", args.token, administrator.email);
            Ok(())
        }
    }
}
