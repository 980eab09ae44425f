//! The command line: `serve`, `config …`, `token …`.

use std::net::IpAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use scim_console_core::configuration::ConfigurationUpdate;
use scim_console_core::{Configuration, CoreError, NewConfiguration, Store, TokenInfo};
use scim_console_server::tls::TlsSource;
use scim_console_server::{Limits, ServeOptions, Server};
use serde_json::json;

/// SCIM Console: a SCIM 2.0 endpoint and admin console for identity-provider provisioning.
#[derive(Debug, Parser)]
#[command(name = "scim-console", version, about, long_about = None, after_help = "Exit codes: 0 success, 1 failure, 2 usage error, 3 not found, 4 invalid input or conflict.")]
pub struct Cli {
    /// The data directory (database and settings). Default: $SCIM_CONSOLE_DATA_DIR, else the OS data directory.
    #[arg(long, global = true, env = "SCIM_CONSOLE_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the SCIM endpoint and the admin API.
    Serve(ServeArgs),
    /// Manage SCIM configurations.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Manage bearer tokens.
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on. Plain HTTP is served on loopback addresses only.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8444)]
    port: u16,
    /// Log format on standard error.
    #[arg(long, value_enum, default_value = "text")]
    log_format: LogFormat,
    /// Largest SCIM request body accepted, in bytes.
    #[arg(long, default_value_t = 1024 * 1024)]
    max_body_bytes: usize,
    /// Requests per second allowed per token (0: unlimited).
    #[arg(long, default_value_t = 2000)]
    rate_limit: u32,
    /// Serve HTTPS with this PEM certificate chain (with --tls-key).
    #[arg(
        long,
        value_name = "FILE",
        requires = "tls_key",
        conflicts_with = "tls_self_signed"
    )]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Serve HTTPS with a self-signed certificate, generated once and kept in the data directory.
    #[arg(long)]
    tls_self_signed: bool,
    /// A host name or address to add to the self-signed certificate (repeatable).
    #[arg(long = "tls-name", value_name = "NAME", requires = "tls_self_signed")]
    tls_names: Vec<String>,
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// List configurations.
    List(JsonFlag),
    /// Create a configuration.
    Create(CreateArgs),
    /// Show one configuration (by name, slug or id).
    Show(NamedArgs),
    /// Let the SCIM endpoint answer for a configuration.
    Enable(NamedArgs),
    /// Make the SCIM endpoint answer 403 for a configuration.
    Disable(NamedArgs),
    /// Delete a configuration with its tokens and directory.
    Delete(NamedArgs),
}

#[derive(Debug, Args)]
struct JsonFlag {
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct NamedArgs {
    /// Name, slug or id of the configuration.
    name: String,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools)] // One flag per switch of a configuration.
struct CreateArgs {
    /// Unique name.
    name: String,
    /// What the connection is for.
    #[arg(long, default_value = "")]
    description: String,
    /// URL segment of the SCIM base URL (default: derived from the name).
    #[arg(long)]
    slug: Option<String>,
    /// Provision users only.
    #[arg(long, conflicts_with = "groups_only")]
    users_only: bool,
    /// Provision groups only.
    #[arg(long)]
    groups_only: bool,
    /// PUT keeps attributes the identity provider leaves out.
    #[arg(long)]
    merge_put: bool,
    /// A userName SCIM may never modify or delete (repeatable).
    #[arg(long = "protect", value_name = "USERNAME")]
    protected: Vec<String>,
    /// Create it disabled.
    #[arg(long)]
    disabled: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create a token (printed once).
    Create(TokenCreateArgs),
    /// List a configuration's tokens (never their secrets).
    List(TokenConfigArgs),
    /// Revoke a token at once.
    Revoke(TokenRevokeArgs),
}

#[derive(Debug, Args)]
struct TokenCreateArgs {
    /// Name, slug or id of the configuration.
    #[arg(long = "config")]
    config: String,
    /// A label for the token.
    #[arg(long, default_value = "")]
    label: String,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct TokenConfigArgs {
    /// Name, slug or id of the configuration.
    #[arg(long = "config")]
    config: String,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct TokenRevokeArgs {
    /// Name, slug or id of the configuration.
    #[arg(long = "config")]
    config: String,
    /// The token's public id (as `token list` shows it).
    #[arg(long)]
    id: String,
}

/// The exit code for an error.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    match err.downcast_ref::<CoreError>() {
        Some(CoreError::NotFound(_)) => 3,
        Some(CoreError::Invalid { .. } | CoreError::Conflict(_)) => 4,
        _ => 1,
    }
}

async fn open_store(data_dir: Option<&PathBuf>) -> Result<Store> {
    let dir = Store::resolve_data_dir(data_dir.map(PathBuf::as_path))?;
    Store::open(&dir)
        .await
        .with_context(|| format!("opening the data directory {}", dir.display()))
}

/// Runs a command.
pub async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve(args) => serve(cli.data_dir.as_ref(), args).await,
        Command::Config(cmd) => config(&open_store(cli.data_dir.as_ref()).await?, cmd).await,
        Command::Token(cmd) => token(&open_store(cli.data_dir.as_ref()).await?, cmd).await,
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SCIM_CONSOLE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

async fn serve(data_dir: Option<&PathBuf>, args: ServeArgs) -> Result<()> {
    init_logging(args.log_format);
    let dir = Store::resolve_data_dir(data_dir.map(PathBuf::as_path))?;
    let tls = match (args.tls_cert, args.tls_key, args.tls_self_signed) {
        (Some(cert), Some(key), _) => Some(TlsSource::Files { cert, key }),
        (_, _, true) => Some(TlsSource::SelfSigned {
            dir: dir.join("tls"),
            names: args.tls_names,
        }),
        _ => None,
    };
    let store = open_store(data_dir).await?;
    let limits = Limits {
        max_body_bytes: args.max_body_bytes,
        requests_per_second: args.rate_limit,
        ..Limits::default()
    };
    let server = Server::bind(
        store.clone(),
        ServeOptions {
            bind: args.bind,
            port: args.port,
            limits,
            tls,
        },
    )
    .await?;
    let origin = server.origin();
    println!("SCIM Console is running.");
    println!("  Admin API:    {origin}/api  (OpenAPI: {origin}/api/openapi.json)");
    println!(
        "  Admin token:  {}  (valid until this server stops)",
        server.admin_token().expose()
    );
    if let Some(fingerprint) = server.tls_fingerprint() {
        println!("  TLS certificate SHA-256: {fingerprint}");
    }
    if store.list_configurations().await?.is_empty() {
        let config = store
            .create_configuration(NewConfiguration::named("default"))
            .await?;
        let issued = store
            .create_token(config.id, "created on first start")
            .await?;
        println!();
        println!("First start: created the SCIM configuration \"default\".");
        println!("  SCIM base URL: {origin}/scim/{}/v2", config.slug);
        println!("  Bearer token:  {}", issued.token.expose());
        println!("  The token is shown only now: paste both into your identity provider.");
    } else {
        for c in store.list_configurations().await? {
            println!(
                "  SCIM base URL: {origin}/scim/{}/v2  ({}{})",
                c.slug,
                c.name,
                if c.enabled { "" } else { ", disabled" }
            );
        }
    }
    tracing::info!(%origin, "listening");
    server.run(shutdown_signal()).await.context("serving")?;
    store.close().await;
    Ok(())
}

fn print_configuration(c: &Configuration) {
    println!("{}", c.name);
    println!("  id:               {}", c.id);
    println!(
        "  slug:             {}  (SCIM base URL path: /scim/{}/v2)",
        c.slug, c.slug
    );
    println!("  enabled:          {}", c.enabled);
    println!(
        "  provisions:       {}",
        match (c.provision_users, c.provision_groups) {
            (true, true) => "users and groups",
            (true, false) => "users",
            _ => "groups",
        }
    );
    println!("  PUT semantics:    {:?}", c.put_semantics);
    if !c.description.is_empty() {
        println!("  description:      {}", c.description);
    }
    if !c.protected_accounts.is_empty() {
        println!("  protected:        {}", c.protected_accounts.join(", "));
    }
}

fn print_json(value: &impl serde::Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

async fn config(store: &Store, cmd: ConfigCommand) -> Result<()> {
    match cmd {
        ConfigCommand::List(flag) => {
            let list = store.list_configurations().await?;
            if flag.json {
                return print_json(&list);
            }
            if list.is_empty() {
                println!(
                    "No configurations yet: create one with `scim-console config create NAME`."
                );
            }
            for c in &list {
                println!(
                    "{:<30} /scim/{}/v2  {}",
                    c.name,
                    c.slug,
                    if c.enabled { "enabled" } else { "disabled" }
                );
            }
            Ok(())
        }
        ConfigCommand::Create(args) => {
            let new = NewConfiguration {
                name: args.name,
                description: args.description,
                slug: args.slug,
                enabled: !args.disabled,
                provision_users: !args.groups_only,
                provision_groups: !args.users_only,
                put_semantics: if args.merge_put {
                    scim_console_core::PutSemantics::Merge
                } else {
                    scim_console_core::PutSemantics::Replace
                },
                keep_passwords: false,
                protected_accounts: args.protected,
            };
            let c = store.create_configuration(new).await?;
            if args.json {
                print_json(&c)
            } else {
                print_configuration(&c);
                println!(
                    "Create its token with `scim-console token create --config {}`.",
                    c.slug
                );
                Ok(())
            }
        }
        ConfigCommand::Show(args) => {
            let c = store.find_configuration(&args.name).await?;
            if args.json {
                print_json(&c)
            } else {
                print_configuration(&c);
                Ok(())
            }
        }
        ConfigCommand::Enable(args) => set_enabled(store, &args, true).await,
        ConfigCommand::Disable(args) => set_enabled(store, &args, false).await,
        ConfigCommand::Delete(args) => {
            let c = store.find_configuration(&args.name).await?;
            store.delete_configuration(c.id).await?;
            if args.json {
                print_json(&json!({"deleted": c.id}))
            } else {
                println!("Deleted \"{}\" with its tokens and directory.", c.name);
                Ok(())
            }
        }
    }
}

async fn set_enabled(store: &Store, args: &NamedArgs, enabled: bool) -> Result<()> {
    let c = store.find_configuration(&args.name).await?;
    let c = store
        .update_configuration(
            c.id,
            ConfigurationUpdate {
                enabled: Some(enabled),
                ..ConfigurationUpdate::default()
            },
        )
        .await?;
    if args.json {
        print_json(&c)
    } else {
        println!(
            "\"{}\" is now {}.",
            c.name,
            if c.enabled { "enabled" } else { "disabled" }
        );
        Ok(())
    }
}

fn token_line(t: &TokenInfo) -> String {
    let state = match t.revoked {
        Some(when) => format!("revoked {}", when.format("%Y-%m-%d %H:%M")),
        None => "active".into(),
    };
    format!(
        "{:<10} {:<24} {:<30} created {}  {state}",
        t.id,
        t.prefix,
        t.label,
        t.created.format("%Y-%m-%d %H:%M")
    )
}

async fn token(store: &Store, cmd: TokenCommand) -> Result<()> {
    match cmd {
        TokenCommand::Create(args) => {
            let c = store.find_configuration(&args.config).await?;
            let issued = store.create_token(c.id, &args.label).await?;
            if args.json {
                return print_json(
                    &json!({"token": issued.token.expose(), "info": issued.info, "scimPath": format!("/scim/{}/v2", c.slug)}),
                );
            }
            println!("{}", issued.token.expose());
            eprintln!(
                "Token {} for \"{}\": shown only now; paste it into the identity provider.",
                issued.info.id, c.name
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
        TokenCommand::Revoke(args) => {
            let c = store.find_configuration(&args.config).await?;
            store.revoke_token(c.id, &args.id).await?;
            println!("Token {} of \"{}\" is revoked.", args.id, c.name);
            Ok(())
        }
    }
}
