//! `token …` against a remote console (`--server`): the same verbs through the admin API,
//! printed as the local ones print (`--json`: the API's token views).

use anyhow::{Context as _, Result};
use scim_console_core::{ConfigurationId, TokenInfo, TokenState};
use scim_console_server::admin::dto::{TokenStateView, TokenView};
use serde_json::{Value, json};

use super::{TokenCommand, print_rotated, token_line};
use crate::api_client::{ApiClient, text};
use crate::exit::{Ended, Exit};
use crate::render::print_json;

/// A token as the API shows it, for the local printer.
fn token_info(view: &Value, configuration: ConfigurationId) -> Result<TokenInfo> {
    let v: TokenView = serde_json::from_value(view.clone())
        .context("the server's token is not one this version reads")?;
    Ok(TokenInfo {
        id: v.id,
        configuration_id: configuration,
        label: v.label,
        prefix: v.prefix,
        created: v.created,
        created_by: v.created_by,
        expires: v.expires,
        last_used: v.last_used,
        last_used_from: v.last_used_from,
        revoked: v.revoked,
        revoked_by: v.revoked_by,
        rotated_to: v.rotated_to,
        state: match v.state {
            TokenStateView::Active => TokenState::Active,
            TokenStateView::Grace => TokenState::Grace,
            TokenStateView::Expired => TokenState::Expired,
            TokenStateView::Revoked => TokenState::Revoked,
        },
        rotation_due: v.rotation_due,
    })
}

/// The configuration named `key`: its id (as the API's path segment and parsed) and name.
async fn configuration(api: &ApiClient, key: &str) -> Result<(String, ConfigurationId, String)> {
    let c = api.configuration(key).await?;
    let id = text(&c["id"]).to_owned();
    let parsed = ConfigurationId::parse(&id)
        .with_context(|| format!("the server's configuration id \"{id}\""))?;
    Ok((id, parsed, text(&c["name"]).to_owned()))
}

/// Runs a `token` subcommand against the server.
pub(crate) async fn run(api: &ApiClient, cmd: TokenCommand) -> Result<()> {
    match cmd {
        TokenCommand::Create(args) => {
            let (id, _, name) = configuration(api, &args.config).await?;
            let issued = api
                .post(
                    &["api", "configurations", &id, "tokens"],
                    &json!({"label": args.label, "expires": args.expires}),
                )
                .await?;
            if args.json {
                return print_json(&issued);
            }
            println!("{}", text(&issued["token"]));
            eprintln!(
                "Token {} for \"{name}\"{}: shown only now; paste it into the identity provider with the tenant URL {}.",
                text(&issued["id"]),
                issued["expires"]
                    .as_str()
                    .map(|e| format!(", expires {e}"))
                    .unwrap_or_default(),
                text(&issued["scimBaseUrl"]),
            );
            Ok(())
        }
        TokenCommand::List(args) => {
            let (id, parsed, _) = configuration(api, &args.config).await?;
            let tokens = api
                .get(&["api", "configurations", &id, "tokens"], &[])
                .await?;
            if args.json {
                return print_json(&tokens);
            }
            let tokens = tokens.as_array().cloned().unwrap_or_default();
            if tokens.is_empty() {
                println!(
                    "No tokens: create one with `scim-console token create --config {}`.",
                    args.config
                );
            }
            for t in &tokens {
                println!("{}", token_line(&token_info(t, parsed)?));
            }
            Ok(())
        }
        TokenCommand::Rotate(args) => {
            let (id, parsed, name) = configuration(api, &args.config).await?;
            let rotated = api
                .post(
                    &["api", "configurations", &id, "tokens", &args.id, "rotate"],
                    &json!({
                        "graceSeconds": args.grace.map(|g| g.as_secs()),
                        "expires": args.expires,
                        "label": args.label,
                    }),
                )
                .await?;
            if args.json {
                return print_json(&rotated);
            }
            let old = token_info(&rotated["old"], parsed)?;
            print_rotated(
                text(&rotated["new"]["token"]),
                text(&rotated["new"]["id"]),
                &old,
                &name,
            );
            Ok(())
        }
        TokenCommand::Revoke(args) => {
            let (id, _, name) = configuration(api, &args.config).await?;
            let revoked = api
                .delete(&["api", "configurations", &id, "tokens", &args.id])
                .await?;
            if args.json {
                return print_json(&revoked);
            }
            println!("Token {} of \"{name}\" is revoked.", args.id);
            Ok(())
        }
        TokenCommand::Check(args) => {
            let days = args.within.as_secs().div_ceil(86_400);
            let check = api
                .get(
                    &["api", "tokens", "check"],
                    &[("withinDays", days.to_string())],
                )
                .await?;
            check_verdict(&check, args.json)
        }
    }
}

/// Prints a token check and ends with exit 5 when a token needs attention.
fn check_verdict(check: &Value, json: bool) -> Result<()> {
    let problems = check["problems"].as_array().cloned().unwrap_or_default();
    if json {
        print_json(check)?;
    } else {
        for p in &problems {
            println!(
                "{}: token {} ({}) {}",
                text(&p["configuration"]),
                text(&p["token"]["id"]),
                text(&p["token"]["label"]),
                text(&p["detail"])
            );
        }
        if problems.is_empty() {
            println!("All {} token(s) are fine.", check["checked"]);
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Ended::new(
            Exit::TokensNeedAttention,
            format!("{} token(s) need attention", problems.len()),
        )
        .into())
    }
}
