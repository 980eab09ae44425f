//! `oauth-client …` against a remote console (`--server`): the same verbs through the admin
//! API (`--json`: the API's client views).

use anyhow::Result;
use serde_json::{Value, json};

use super::ClientCommand;
use crate::api_client::{ApiClient, text};
use crate::render::print_json;

/// Runs an `oauth-client` subcommand against the server.
pub(crate) async fn run(api: &ApiClient, cmd: ClientCommand) -> Result<()> {
    match cmd {
        ClientCommand::Create(args) => {
            let c = api.configuration(&args.config).await?;
            // The keys are read and checked here, as the local verb does, then sent.
            let body = match args.keys()? {
                Some(scim_console_core::oauth::ClientKeys::Url(url)) => {
                    json!({"label": args.label, "jwksUri": url})
                }
                Some(scim_console_core::oauth::ClientKeys::Set(set)) => {
                    json!({"label": args.label, "jwks": set})
                }
                None => json!({"label": args.label}),
            };
            let issued = api
                .post(
                    &["api", "configurations", text(&c["id"]), "oauth-clients"],
                    &body,
                )
                .await?;
            if args.json {
                return print_json(&issued);
            }
            println!("client_id:     {}", text(&issued["client"]["clientId"]));
            match issued["clientSecret"].as_str() {
                Some(secret) => println!("client_secret: {secret}"),
                None => {
                    println!(
                        "auth method:   private_key_jwt (client_assertion signed by its keys)"
                    );
                }
            }
            println!("token endpoint: {}", text(&issued["tokenEndpoint"]));
            if issued["clientSecret"].is_string() {
                eprintln!("The client secret is shown only now.");
            } else {
                eprintln!(
                    "Assertions name the client id as iss and sub, and the issuer ({}) or the token endpoint as aud.",
                    text(&issued["issuer"])
                );
            }
            Ok(())
        }
        ClientCommand::List(args) => {
            let c = api.configuration(&args.config).await?;
            let clients = api
                .get(
                    &["api", "configurations", text(&c["id"]), "oauth-clients"],
                    &[],
                )
                .await?;
            if args.json {
                return print_json(&clients);
            }
            let clients = clients.as_array().cloned().unwrap_or_default();
            if clients.is_empty() {
                println!("No OAuth clients.");
            }
            for k in &clients {
                println!("{}", client_line(k));
            }
            Ok(())
        }
        ClientCommand::Revoke(args) => {
            let c = api.configuration(&args.config).await?;
            let revoked = api
                .delete(&[
                    "api",
                    "configurations",
                    text(&c["id"]),
                    "oauth-clients",
                    &args.id,
                ])
                .await?;
            if args.json {
                return print_json(&revoked);
            }
            println!(
                "OAuth client {} of \"{}\" is revoked.",
                args.id,
                text(&c["name"])
            );
            Ok(())
        }
    }
}

/// One client as `oauth-client list` prints it.
fn client_line(k: &Value) -> String {
    format!(
        "{:<16} {:<24} {:<8} {:<14} created {} by {}",
        text(&k["clientId"]),
        text(&k["label"]),
        if k["state"] == "revoked" {
            "revoked"
        } else {
            "active"
        },
        if k["authMethod"] == "privateKeyJwt" {
            "signed JWT"
        } else {
            "secret"
        },
        text(&k["created"])
            .get(..16)
            .unwrap_or_default()
            .replace('T', " "),
        text(&k["createdBy"]),
    )
}
