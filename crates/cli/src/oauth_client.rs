//! `scim-console oauth-client …`: OAuth 2.0 clients of the token endpoint (client credentials,
//! secrets or keys), created, listed, revoked.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use scim_console_core::oauth::{ClientAuthMethod, ClientKeys};
use scim_console_core::{Actor, Store, TokenState};
use serde_json::json;

pub(crate) mod remote;

use crate::args::ConfigArgs;
use crate::render::{day, print_json};

#[derive(Debug, Subcommand)]
pub(crate) enum ClientCommand {
    /// Create an OAuth client: one with a secret (printed once), or — given its public keys
    /// with --jwks-file or --jwks-uri — one that authenticates with signed JWTs (RFC 7523).
    Create(TokenCreateClientArgs),
    /// List a configuration's OAuth clients.
    List(ConfigArgs),
    /// Revoke an OAuth client: its access and refresh tokens stop at once.
    Revoke(ClientRevokeArgs),
}

#[derive(Debug, Args)]
pub(crate) struct TokenCreateClientArgs {
    /// Name, slug or id of the configuration.
    #[arg(long = "config")]
    config: String,
    /// A label for the client.
    #[arg(long, default_value = "")]
    label: String,
    /// A file holding the client's public keys: a JWK Set or one JWK (`-` reads standard
    /// input). The client then authenticates with JWTs signed by them and gets no secret.
    #[arg(long, value_name = "FILE", conflicts_with = "jwks_uri")]
    jwks_file: Option<PathBuf>,
    /// The https:// URL where the client publishes its JWK Set (fetched when needed).
    #[arg(long, value_name = "URL")]
    jwks_uri: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

impl TokenCreateClientArgs {
    /// The keys given, if any.
    fn keys(&self) -> Result<Option<ClientKeys>> {
        if let Some(url) = &self.jwks_uri {
            return Ok(Some(ClientKeys::Url(ClientKeys::parse_url(url)?)));
        }
        let Some(path) = &self.jwks_file else {
            return Ok(None);
        };
        let text = if path.as_os_str() == "-" {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                .context("reading the JWK Set from standard input")?;
            text
        } else {
            std::fs::read_to_string(path)
                .with_context(|| format!("reading the JWK Set from {}", path.display()))?
        };
        Ok(Some(ClientKeys::Set(ClientKeys::parse_set(&text)?)))
    }
}

#[derive(Debug, Args)]
pub(crate) struct ClientRevokeArgs {
    /// Name, slug or id of the configuration.
    #[arg(long = "config")]
    config: String,
    /// The client id (`scimc_…`).
    #[arg(long)]
    id: String,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// Runs an `oauth-client` subcommand.
pub(crate) async fn run(store: &Store, cmd: ClientCommand) -> Result<()> {
    match cmd {
        ClientCommand::Create(args) => {
            let c = store.find_configuration(&args.config).await?;
            let keys = args.keys()?;
            let issued = store
                .create_oauth_client(c.id, &args.label, keys, &Actor::cli())
                .await?;
            let endpoint = format!("/scim/{}/oauth/token", c.slug);
            let secret = issued.client_secret.as_ref().map(|s| s.expose().to_owned());
            if args.json {
                return print_json(&json!({
                    "clientId": issued.info.client_id,
                    "clientSecret": secret,
                    "tokenPath": endpoint,
                    "info": issued.info,
                }));
            }
            println!("client_id:     {}", issued.info.client_id);
            match &secret {
                Some(secret) => println!("client_secret: {secret}"),
                None => {
                    println!(
                        "auth method:   private_key_jwt (client_assertion signed by its keys)"
                    );
                }
            }
            println!("token path:    {endpoint}");
            if secret.is_some() {
                eprintln!("The client secret is shown only now.");
            } else {
                eprintln!(
                    "Assertions name the client id as iss and sub, and the issuer (https://<host>/scim/{}) or the token endpoint as aud.",
                    c.slug
                );
            }
            Ok(())
        }
        ClientCommand::List(args) => {
            let c = store.find_configuration(&args.config).await?;
            let clients = store.list_oauth_clients(c.id).await?;
            if args.json {
                return print_json(&clients);
            }
            if clients.is_empty() {
                println!("No OAuth clients.");
            }
            for k in &clients {
                println!(
                    "{:<16} {:<24} {:<8} {:<14} created {} by {}",
                    k.client_id,
                    k.label,
                    if k.state == TokenState::Revoked {
                        "revoked"
                    } else {
                        "active"
                    },
                    match k.auth_method {
                        ClientAuthMethod::ClientSecret => "secret",
                        ClientAuthMethod::PrivateKeyJwt => "signed JWT",
                    },
                    day(Some(k.created)),
                    k.created_by
                );
            }
            Ok(())
        }
        ClientCommand::Revoke(args) => {
            let c = store.find_configuration(&args.config).await?;
            let revoked = store
                .revoke_oauth_client(c.id, &args.id, &Actor::cli())
                .await?;
            if args.json {
                return print_json(&revoked);
            }
            println!("OAuth client {} of \"{}\" is revoked.", args.id, c.name);
            Ok(())
        }
    }
}
