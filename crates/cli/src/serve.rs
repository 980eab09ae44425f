//! `scim-console serve` (the SCIM endpoint, OAuth and the admin API until a signal stops it)
//! and `migrate`.

use std::net::IpAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use scim_console_core::administrators::accounts::AdministratorState;
use scim_console_server::runtime::{FirstStart, Runtime, RuntimeOptions};
use scim_console_server::tls::TlsSource;
use scim_console_server::{Limits, PublicOrigin, ServeOptions};

use crate::location::Location;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
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
    /// Seconds a client may take to send a request's headers; idle and half-sent connections
    /// are closed after that.
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    header_timeout: u64,
    /// Seconds a client may take to send a whole SCIM request body (408 beyond).
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    body_timeout: u64,
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
    /// The origin identity providers reach this server at, when it differs from the bound
    /// address (behind a reverse proxy), e.g. https://scim.example.com: the OAuth issuer and
    /// token endpoint name it and JWT client assertions must be addressed to it.
    #[arg(long = "public-url", value_name = "URL", env = "SCIM_CONSOLE_PUBLIC_URL", value_parser = PublicOrigin::parse)]
    public_url: Option<PublicOrigin>,
    /// The OpenID Connect provider administrators sign in with: its issuer, e.g.
    /// https://login.microsoftonline.com/<tenant id>/v2.0 or https://<org>.okta.com. The
    /// provider sends browsers back to <public URL>/api/sign-in/oidc/callback.
    #[arg(
        long = "oidc-issuer",
        value_name = "URL",
        env = "SCIM_CONSOLE_OIDC_ISSUER",
        requires = "oidc_client_id"
    )]
    oidc_issuer: Option<String>,
    /// The console's client (application) id at the provider.
    #[arg(
        long = "oidc-client-id",
        value_name = "ID",
        env = "SCIM_CONSOLE_OIDC_CLIENT_ID"
    )]
    oidc_client_id: Option<String>,
    /// Print the per-launch admin token and its link even when administrators exist (by
    /// default they are printed only while there is none, so that no credential with every
    /// right lands in the journal).
    #[arg(long, env = "SCIM_CONSOLE_PRINT_ADMIN_TOKEN")]
    print_admin_token: bool,
    /// What the sign-in button names the provider.
    #[arg(
        long = "oidc-name",
        value_name = "NAME",
        env = "SCIM_CONSOLE_OIDC_NAME",
        default_value = "your identity provider"
    )]
    oidc_name: String,
}

impl ServeArgs {
    /// The OpenID Connect provider, when one is configured; its client secret comes from
    /// $SCIM_CONSOLE_OIDC_CLIENT_SECRET only (never an argument, which `ps` shows).
    fn oidc(&self) -> Option<scim_console_server::sso::OidcSettings> {
        let issuer = self.oidc_issuer.clone()?;
        Some(scim_console_server::sso::OidcSettings {
            issuer,
            client_id: self.oidc_client_id.clone().unwrap_or_default(),
            client_secret: std::env::var("SCIM_CONSOLE_OIDC_CLIENT_SECRET")
                .ok()
                .filter(|s| !s.is_empty())
                .map(scim_console_core::token::Secret::new),
            name: self.oidc_name.clone(),
        })
    }
}

pub(crate) fn init_logging(format: LogFormat) {
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

pub(crate) async fn shutdown_signal() {
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

/// `migrate`: brings the database's schema up to date (also done by every start).
pub(crate) async fn migrate(at: &Location) -> Result<()> {
    let store = at.open_store().await?;
    let version = store.schema_version().await?;
    store.close().await;
    println!(
        "The database is up to date: schema version {version} ({}).",
        at.describe()
    );
    Ok(())
}

/// How administrators reach the console. Once there are administrators, the per-launch admin
/// token (a credential with every right) is not written to the terminal, and so to the journal,
/// unless `--print-admin-token` asks for it.
async fn print_admin_access(
    server: &scim_console_server::Server,
    store: &scim_console_core::Store,
    print_admin_token: bool,
    origin: &str,
    public: &str,
) -> Result<()> {
    let administrators = store
        .administrators()
        .await?
        .iter()
        .filter(|a| a.state == AdministratorState::Active)
        .count();
    if administrators == 0 || print_admin_token {
        println!(
            "  Admin console: {}  (open it in a browser; valid until this server stops)",
            server.admin_link()
        );
    } else {
        println!(
            "  Admin console: {public}/  (sign in as one of the {administrators} administrator(s); `scim-console admin link EMAIL` prints a one-time link)"
        );
    }
    println!("  Admin API:    {origin}/api  (OpenAPI: {origin}/api/openapi.json)");
    if administrators == 0 || print_admin_token {
        println!(
            "  Admin token:  {}  (valid until this server stops)",
            server.admin_token().expose()
        );
    } else {
        println!(
            "  Admin token:  not printed (administrators sign in; --print-admin-token prints it)"
        );
    }
    Ok(())
}

pub(crate) async fn serve(at: &Location, args: ServeArgs) -> Result<()> {
    init_logging(args.log_format);
    let dir = at.dir.clone();
    let database = at.database.clone();
    let oidc = args.oidc();
    let tls = match (args.tls_cert, args.tls_key, args.tls_self_signed) {
        (Some(cert), Some(key), _) => Some(TlsSource::Files { cert, key }),
        (_, _, true) => Some(TlsSource::SelfSigned {
            dir: dir.join("tls"),
            names: args.tls_names,
        }),
        _ => None,
    };
    let limits = Limits {
        max_body_bytes: args.max_body_bytes,
        requests_per_second: args.rate_limit,
        header_read_timeout: std::time::Duration::from_secs(args.header_timeout),
        body_read_timeout: std::time::Duration::from_secs(args.body_timeout),
        ..Limits::default()
    };
    let described = database.describe(&dir);
    let runtime = Runtime::start(RuntimeOptions {
        data_dir: Some(dir),
        database,
        serve: ServeOptions {
            bind: args.bind,
            port: args.port,
            limits,
            tls,
            public_origin: args.public_url.clone(),
            oidc,
            ..ServeOptions::default()
        },
        first_start: FirstStart::CreateDefault,
    })
    .await?;
    let Runtime {
        server,
        store,
        key_source,
        created,
        ..
    } = runtime;
    let origin = server.origin();
    // What identity providers are given: the public URL when there is one.
    let public = args
        .public_url
        .as_ref()
        .map_or_else(|| origin.clone(), |p| p.as_str().to_owned());
    println!("SCIM Console is running.");
    print_admin_access(&server, &store, args.print_admin_token, &origin, &public).await?;
    if let Some(oidc) = &args.oidc_issuer {
        println!(
            "  Single sign-on: {} at {oidc}  (redirect URI: {public}/api/sign-in/oidc/callback)",
            args.oidc_name
        );
    }
    if let Some(fingerprint) = server.tls_fingerprint() {
        println!("  TLS certificate SHA-256: {fingerprint}");
    }
    println!("  Database:     {described}");
    println!("  Master key:   in {key_source}");
    if args.public_url.is_some() {
        println!("  Public URL:   {public}  (the OAuth issuer, and the SCIM base URLs below)");
    } else if !args.bind.is_loopback() {
        println!(
            "  Public URL:   none given: the OAuth issuer is {origin}; pass --public-url with the address identity providers use"
        );
    }
    if let Some(created) = created {
        println!();
        println!("First start: created the SCIM configuration \"default\".");
        println!(
            "  SCIM base URL: {public}/scim/{}/v2",
            created.configuration.slug
        );
        println!("  Bearer token:  {}", created.token.expose());
        println!("  The token is shown only now: paste both into your identity provider.");
    } else {
        for c in store.list_configurations().await? {
            println!(
                "  SCIM base URL: {public}/scim/{}/v2  ({}{})",
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
