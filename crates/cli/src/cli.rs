//! The command line's shape — the global options and one subcommand per command group — and
//! the dispatch: each group's module parses nothing itself and owns its `run`.

use std::path::PathBuf;

use anyhow::Result;
use clap::{CommandFactory as _, FromArgMatches as _, Parser, Subcommand};

use crate::api_client::ApiClient;
use crate::console::Console;
use crate::exit::Exit;
use crate::location::Location;
use crate::target::Targets;

/// SCIM Console: a SCIM 2.0 endpoint and admin console for identity-provider provisioning.
#[derive(Debug, Parser)]
#[command(name = "scim-console", version, about, long_about = None,)]
pub struct Cli {
    /// The data directory (database and settings). Default: $SCIM_CONSOLE_DATA_DIR, else the OS data directory.
    #[arg(long, global = true, env = "SCIM_CONSOLE_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Keep the data in PostgreSQL (`postgres://user:password@host:port/database`) instead of
    /// SQLite files in the data directory. Several `serve` processes may share one database.
    #[arg(
        long,
        global = true,
        env = "SCIM_CONSOLE_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    database_url: Option<String>,
    /// The most PostgreSQL connections this process opens.
    #[arg(
        long,
        global = true,
        env = "SCIM_CONSOLE_DATABASE_POOL",
        value_name = "N",
        default_value_t = scim_console_core::store::DEFAULT_POOL_SIZE
    )]
    database_pool: u32,
    /// Act on a remote console through its admin API instead of on a database here: its
    /// address (`https://console.example.com`). Needs a personal API token.
    #[arg(long, global = true, env = "SCIM_CONSOLE_SERVER", value_name = "URL")]
    server: Option<String>,
    /// The personal API token for --server (`scap_…`, created on the console's Account page).
    /// Prefer SCIM_CONSOLE_API_TOKEN: other users of this machine can read a command line.
    #[arg(
        long,
        global = true,
        env = "SCIM_CONSOLE_API_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    api_token: Option<String>,
    #[command(subcommand)]
    command: Command,
}

impl Cli {
    /// Parses the process's arguments (exiting with the usage code on an error), with the exit
    /// codes listed at the end of `--help`.
    pub(crate) fn parse_args() -> Self {
        let matches = Self::command().after_help(Exit::help()).get_matches();
        Self::from_arg_matches(&matches).unwrap_or_else(|err| err.exit())
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the SCIM endpoint and the admin API.
    Serve(crate::serve::ServeArgs),
    /// Bring the database's schema up to date (every start does it too), then exit.
    Migrate,
    /// Manage SCIM configurations.
    #[command(subcommand)]
    Config(crate::config::ConfigCommand),
    /// The console's administrators: create with roles, list, change roles, disable, enable.
    #[command(subcommand)]
    Admin(crate::admin::AdminCommand),
    /// Administrators' personal API tokens: create (shown once), list, revoke.
    #[command(subcommand, name = "api-token")]
    ApiToken(crate::api_token::ApiTokenCommand),
    /// Manage bearer tokens: create, list, rotate, revoke, check.
    #[command(subcommand)]
    Token(crate::token::TokenCommand),
    /// Manage OAuth 2.0 clients (client credentials for the token endpoint).
    #[command(subcommand, name = "oauth-client")]
    OAuthClient(crate::oauth_client::ClientCommand),
    /// Read and export the audit log of configuration, token and client changes.
    #[command(subcommand)]
    Audit(crate::audit::AuditCommand),
    /// Attribute mapping plans: show, validate, test against a sample, export, import, diff.
    #[command(subcommand)]
    Mapping(crate::mapping::MappingCommand),
    /// A configuration's directory: import the target's existing users (brown-field).
    #[command(subcommand)]
    Users(crate::users::UsersCommand),
    /// The provisioning log: search it, or follow it as requests arrive.
    #[command(subcommand)]
    Logs(crate::logs::LogsCommand),
    /// Alert rules (failure rate, no traffic, a revoked token in use), their history, and
    /// evaluating them now.
    #[command(subcommand)]
    Alerts(crate::alerts::AlertsCommand),
    /// Remote SCIM service providers the console calls: add (credential in the OS keychain),
    /// list, remove, test the connection.
    #[command(subcommand)]
    Target(crate::target::TargetCommand),
    /// Pilot runs: provision users from a CSV/JSON file or a configuration into a target,
    /// behaving like an identity provider, with a report per user.
    #[command(subcommand)]
    Pilot(crate::pilot::PilotCommand),
    /// Back the whole console up into one file while it serves (SQLite online copies).
    Backup(crate::backup::BackupArgs),
    /// Restore a backup into the data directory (stop the server first).
    Restore(crate::backup::RestoreArgs),
    /// Write the whole console (configurations, directories, mapping plans, token hashes, the
    /// log) as JSON lines, for `import` into another database (SQLite or PostgreSQL).
    Export(crate::transfer::ExportArgs),
    /// Load a console that `export` wrote into this (empty) database.
    Import(crate::transfer::ImportArgs),
    /// Check the databases: integrity, foreign keys, counts against rows (safe while serving);
    /// with --target, check a SCIM endpoint's conformance to the 2026 profiles and the
    /// identity providers' requests.
    Check(crate::backup::CheckArgs),
    /// Print the admin API's OpenAPI document (as `GET /api/openapi.json` serves it), for
    /// generating clients without a running server.
    Openapi,
}

/// Runs a command: the data directory and the database are resolved once, when the command
/// needs them.
pub(crate) async fn run(cli: Cli) -> Result<()> {
    let Cli {
        data_dir,
        database_url,
        database_pool,
        server,
        api_token,
        command,
    } = cli;
    if let Some(server) = server {
        let api = ApiClient::new(&server, api_token.as_deref().unwrap_or_default())?;
        return run_remote(&api, command).await;
    }
    let location =
        || Location::resolve(data_dir.as_deref(), database_url.as_deref(), database_pool);
    match command {
        Command::Serve(args) => crate::serve::serve(&location()?, args).await,
        Command::Migrate => crate::serve::migrate(&location()?).await,
        Command::Config(cmd) => crate::config::run(&location()?.open_store().await?, cmd).await,
        Command::Admin(cmd) => {
            crate::admin::run(&Console::Local(location()?.open_store().await?), cmd).await
        }
        Command::ApiToken(cmd) => {
            crate::api_token::run(&Console::Local(location()?.open_store().await?), cmd).await
        }
        Command::Token(cmd) => crate::token::run(&location()?.open_store().await?, cmd).await,
        Command::OAuthClient(cmd) => {
            crate::oauth_client::run(&location()?.open_store().await?, cmd).await
        }
        Command::Audit(cmd) => crate::audit::run(&location()?.open_store().await?, cmd).await,
        Command::Mapping(cmd) => match crate::mapping::run_offline(cmd) {
            Ok(done) => done,
            Err(cmd) => {
                crate::mapping::run(&Console::Local(location()?.open_store().await?), cmd).await
            }
        },
        Command::Users(cmd) => crate::users::run(&location()?.open_store().await?, cmd).await,
        Command::Logs(cmd) => {
            crate::logs::run(&Console::Local(location()?.open_store().await?), cmd).await
        }
        Command::Target(cmd) => {
            if cmd.needs_store() {
                let store = location()?.open_store_with_key().await?;
                crate::target::run(&Targets::Local(Some(&store)), cmd).await
            } else {
                crate::target::run(&Targets::Local(None), cmd).await
            }
        }
        Command::Backup(args) => {
            crate::backup::backup(&location()?.open_store().await?, &args).await
        }
        Command::Restore(args) => crate::backup::restore(&location()?, &args).await,
        Command::Export(args) => {
            crate::transfer::export(&location()?.open_store().await?, &args).await
        }
        Command::Import(args) => {
            crate::transfer::import(&location()?.open_store().await?, &args).await
        }
        Command::Check(args) if args.conformance.target.is_some() => {
            let store = location()?.open_store_with_key().await?;
            crate::conformance::run(&store, &args.conformance).await
        }
        Command::Check(args) => crate::backup::check(&location()?.open_store().await?, &args).await,
        Command::Pilot(cmd) => {
            crate::pilot::run(&location()?.open_store_with_key().await?, cmd).await
        }
        Command::Openapi => crate::render::print_json(&scim_console_server::admin::openapi()),
        Command::Alerts(cmd) => {
            let at = location()?;
            let mut store = at.open_store().await?;
            if cmd.needs_master_key() {
                store = store.with_master_key(&at.master_key().await?);
            }
            crate::alerts::run(&Console::Local(store), cmd).await
        }
    }
}

/// Runs a command against a remote console's admin API (`--server`): every verb that acts on
/// the console's data; the ones that act on this machine's database or files say so.
async fn run_remote(api: &ApiClient, command: Command) -> Result<()> {
    match command {
        Command::Config(cmd) => crate::config::remote::run(api, cmd).await,
        Command::Token(cmd) => crate::token::remote::run(api, cmd).await,
        Command::OAuthClient(cmd) => crate::oauth_client::remote::run(api, cmd).await,
        Command::Audit(cmd) => crate::audit::remote::run(api, cmd).await,
        Command::Logs(cmd) => crate::logs::run(&Console::Remote(api.clone()), cmd).await,
        Command::Alerts(cmd) => crate::alerts::run(&Console::Remote(api.clone()), cmd).await,
        Command::Admin(cmd) => crate::admin::run(&Console::Remote(api.clone()), cmd).await,
        Command::Mapping(cmd) => match crate::mapping::run_offline(cmd) {
            Ok(done) => done,
            Err(cmd) => crate::mapping::run(&Console::Remote(api.clone()), cmd).await,
        },
        Command::Users(cmd) => crate::users::run_remote(api, cmd).await,
        Command::Target(cmd) => crate::target::run(&Targets::Remote(api), cmd).await,
        Command::Pilot(crate::pilot::PilotCommand::Run(args)) => {
            crate::pilot::remote::run(api, args).await
        }
        Command::ApiToken(cmd) => crate::api_token::run(&Console::Remote(api.clone()), cmd).await,
        Command::Openapi => {
            crate::render::print_json(&api.get(&["api", "openapi.json"], &[]).await?)
        }
        Command::Serve(_) => Err(here_only("serve")),
        Command::Migrate => Err(here_only("migrate")),
        Command::Backup(_) => Err(here_only("backup")),
        Command::Restore(_) => Err(here_only("restore")),
        Command::Export(_) => Err(here_only("export")),
        Command::Import(_) => Err(here_only("import")),
        Command::Check(args) if args.conformance.target.is_none() => Err(here_only("check")),
        Command::Check(args) => crate::conformance::run_remote(api, &args.conformance).await,
    }
}

/// The error for a verb that acts on the database or files of the machine it runs on.
fn here_only(verb: &str) -> anyhow::Error {
    scim_console_core::CoreError::invalid(
        "--server",
        format!(
            "`{verb}` acts on the database and files of the machine it runs on: run it there, without --server"
        ),
    )
    .into()
}
