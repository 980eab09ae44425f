//! The command line: `serve`, `config …`, `token …`, `oauth-client …`, `audit …`, `logs …`;
//! `alerts …` lives in its own module.

use std::net::IpAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};
use scim_console_core::audit::{AuditQuery, ExportFormat};
use scim_console_core::configuration::{ConfigurationUpdate, LogRetention};
use scim_console_core::mapping::plan::{Operation, Plan, Severity, diff};
use scim_console_core::oauth::{ClientAuthMethod, ClientKeys};
use scim_console_core::secrets::MasterKey;
use scim_console_core::{
    Actor, ClientProfile, Compatibility, Configuration, CoreError, Database, NewConfiguration,
    NewToken, Rotation, Store, TokenInfo, TokenPolicy, TokenState,
};
use scim_console_server::runtime::{FirstStart, Runtime, RuntimeOptions};
use scim_console_server::tls::TlsSource;
use scim_console_server::{Limits, ServeOptions};
use serde_json::json;

/// SCIM Console: a SCIM 2.0 endpoint and admin console for identity-provider provisioning.
#[derive(Debug, Parser)]
#[command(name = "scim-console", version, about, long_about = None, after_help = "Exit codes: 0 success, 1 failure, 2 usage error, 3 not found, 4 invalid input or conflict, 5 tokens need attention (`token check`), 6 a connection test failed (`target test`).")]
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
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the SCIM endpoint and the admin API.
    Serve(ServeArgs),
    /// Bring the database's schema up to date (every start does it too), then exit.
    Migrate,
    /// Manage SCIM configurations.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Manage bearer tokens: create, list, rotate, revoke, check.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage OAuth 2.0 clients (client credentials for the token endpoint).
    #[command(subcommand, name = "oauth-client")]
    OAuthClient(ClientCommand),
    /// Read and export the audit log of configuration, token and client changes.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Attribute mapping plans: show, validate, test against a sample, export, import, diff.
    #[command(subcommand)]
    Mapping(MappingCommand),
    /// A configuration's directory: import the target's existing users (brown-field).
    #[command(subcommand)]
    Users(UsersCommand),
    /// The provisioning log: search it, or follow it as requests arrive.
    #[command(subcommand)]
    Logs(LogsCommand),
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

#[derive(Debug, Subcommand)]
enum LogsCommand {
    /// The newest records matching the filters.
    Search(LogsArgs),
    /// Print records as they arrive (from a running server's data directory), until Ctrl-C.
    Tail(LogsArgs),
    /// Write every matching record, oldest first, as CSV or JSON Lines, page by page.
    Export(LogsExportArgs),
    /// Requests, failures, skipped and warnings per minute, hour or day; error rate; latency
    /// percentiles; top error types and failing attributes; the last successful cycle.
    Stats(LogsStatsArgs),
    /// A configuration's provisioning cycles (runs of requests without a long pause), newest
    /// first, with their totals.
    Cycles(LogsCyclesArgs),
    /// Apply every configuration's log retention now (the server does it every 10 minutes).
    Retention(JsonFlag),
}

#[derive(Debug, Args)]
struct LogsStatsArgs {
    /// Only this configuration (name, slug or id).
    #[arg(long = "config")]
    config: Option<String>,
    /// Bar width.
    #[arg(long, value_enum, default_value = "hour")]
    interval: StatsInterval,
    /// From this date or time (default: 60 bars before now).
    #[arg(long, value_parser = parse_date)]
    since: Option<DateTime<Utc>>,
    /// Until this date or time (default: now).
    #[arg(long, value_parser = parse_date)]
    until: Option<DateTime<Utc>>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum StatsInterval {
    Minute,
    Hour,
    Day,
}

#[derive(Debug, Args)]
struct LogsCyclesArgs {
    /// Name, slug or id of the configuration.
    #[arg(long = "config")]
    config: String,
    /// From this date or time (default: 7 days ago).
    #[arg(long, value_parser = parse_date)]
    since: Option<DateTime<Utc>>,
    /// A pause longer than this many minutes ends a cycle.
    #[arg(long, default_value_t = 10)]
    gap: i64,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct LogsExportArgs {
    #[command(flatten)]
    filter: LogsArgs,
    /// The format.
    #[arg(long, value_enum, default_value = "csv")]
    format: AuditFormat,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct LogsArgs {
    /// Only this configuration (name, slug or id).
    #[arg(long = "config")]
    config: Option<String>,
    /// success, failure, skipped or warning.
    #[arg(long)]
    outcome: Option<String>,
    /// create, update, disable, delete, query, discovery, membershipChange or token.
    #[arg(long)]
    operation: Option<String>,
    /// entra, okta, oneLogin, google or other.
    #[arg(long)]
    client: Option<String>,
    /// `inbound` (received by the endpoint) or `outbound` (sent by pilot runs).
    #[arg(long)]
    direction: Option<String>,
    /// An HTTP status.
    #[arg(long)]
    status: Option<u16>,
    /// Free text over userName / displayName / error detail (`word*` for a prefix).
    #[arg(long)]
    text: Option<String>,
    /// Only records since this date or time.
    #[arg(long, value_parser = parse_date)]
    since: Option<DateTime<Utc>>,
    /// How many records (search), 1 to 1,000.
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// Print JSON (one object per line for tail).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum UsersCommand {
    /// Import existing target users from CSV (header row of SCIM paths) or JSON; the identity
    /// provider's first matching POST links each instead of creating a duplicate.
    Import(UsersImportArgs),
}

#[derive(Debug, Args)]
struct UsersImportArgs {
    /// Name, slug or id of the configuration.
    #[arg(long = "config")]
    config: String,
    /// The file.
    #[arg(long, value_name = "FILE")]
    file: PathBuf,
    /// The file's format (default: from its extension, .json or else CSV).
    #[arg(long, value_enum)]
    format: Option<ImportFormat>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ImportFormat {
    Csv,
    Json,
}

#[derive(Debug, Subcommand)]
enum MappingCommand {
    /// Print the default plan for Users (a starting point to edit), optionally with an
    /// identity provider's default mappings (`--provider entra|okta|oneLogin|google`).
    Template(MappingTemplateArgs),
    /// Print the JSON Schema of the plan export format.
    Schema,
    /// Show a configuration's current plan (or one version) as JSON.
    Show(MappingShowArgs),
    /// Check a plan file statically; exit 4 when it has errors.
    Validate(MappingFileArgs),
    /// Run a plan (a file, or the configuration's current one) over a sample SCIM user; exit 4
    /// when the sample fails a validator.
    Test(MappingTestArgs),
    /// Write a configuration's current plan to a file (or standard output).
    Export(MappingExportArgs),
    /// Save a plan file as a configuration's new current version (e.g. copied from QA).
    Import(MappingImportArgs),
    /// What changed between two versions, or two plan files.
    Diff(MappingDiffArgs),
    /// Copy one configuration's current plan to another as a new version (QA → production).
    Copy(MappingCopyArgs),
    /// List the saved versions.
    Versions(TokenConfigArgs),
    /// Make an earlier version current again.
    Rollback(MappingRollbackArgs),
}

#[derive(Debug, Args)]
struct MappingTemplateArgs {
    /// Include this identity provider's default mappings as the plan's provider side.
    #[arg(long, value_parser = ["entra", "okta", "oneLogin", "google"])]
    provider: Option<String>,
}

#[derive(Debug, Args)]
struct MappingShowArgs {
    /// Name, slug or id of the configuration.
    #[arg(long = "config")]
    config: String,
    /// A saved version (default: the current one).
    #[arg(long)]
    version: Option<i64>,
}

#[derive(Debug, Args)]
struct MappingFileArgs {
    /// The plan, as JSON.
    #[arg(long, value_name = "FILE")]
    file: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct MappingTestArgs {
    /// Name, slug or id of the configuration.
    #[arg(long = "config")]
    config: String,
    /// A SCIM User as JSON, as the identity provider sends it.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present_any = ["source", "log_entry"],
        conflicts_with_all = ["source", "log_entry"]
    )]
    sample: Option<PathBuf>,
    /// Source users as the identity provider holds them — a JSON object, or a CSV with one user
    /// per row — run through the plan's provider mappings first.
    #[arg(long, value_name = "FILE", conflicts_with = "log_entry")]
    source: Option<PathBuf>,
    /// A provisioning log record (its seq, from `logs search`): the user a logged create or
    /// replace sent, or the user a logged PATCH would make of the user as stored now.
    #[arg(long, value_name = "SEQ")]
    log_entry: Option<i64>,
    /// A plan file to try instead of the current plan.
    #[arg(long, value_name = "FILE")]
    plan: Option<PathBuf>,
    /// Evaluate as an update (rules that apply on create only are skipped).
    #[arg(long)]
    update: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct MappingExportArgs {
    /// Name, slug or id of the configuration.
    #[arg(long = "config")]
    config: String,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct MappingImportArgs {
    /// Name, slug or id of the configuration.
    #[arg(long = "config")]
    config: String,
    /// The plan, as JSON (an export).
    #[arg(long, value_name = "FILE")]
    file: PathBuf,
    /// Why it changes.
    #[arg(long, default_value = "")]
    comment: String,
}

#[derive(Debug, Args)]
struct MappingDiffArgs {
    /// Name, slug or id of the configuration (to compare saved versions).
    #[arg(long = "config", requires = "from")]
    config: Option<String>,
    /// The older version.
    #[arg(long)]
    from: Option<i64>,
    /// The newer version (default: the current one).
    #[arg(long)]
    to: Option<i64>,
    /// Two plan files to compare instead.
    #[arg(long, num_args = 2, value_names = ["OLD", "NEW"], conflicts_with_all = ["config", "from", "to"])]
    files: Vec<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct MappingCopyArgs {
    /// The configuration whose current plan is copied.
    #[arg(long)]
    from: String,
    /// The configuration that receives it.
    #[arg(long)]
    to: String,
}

#[derive(Debug, Args)]
struct MappingRollbackArgs {
    /// Name, slug or id of the configuration.
    #[arg(long = "config")]
    config: String,
    /// The version to make current again.
    #[arg(long)]
    version: i64,
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
    /// Set a configuration's token policy (lifetime, rotation period, number of tokens).
    Policy(PolicyArgs),
    /// Set how long a configuration's provisioning log records are kept.
    Retention(RetentionArgs),
    /// Show or change a configuration's client profile (entra, okta, rfc, strict) and its
    /// compatibility switches (string booleans, path-less PATCH, …), with what each does.
    #[command(alias = "compat")]
    Set(crate::compat::CompatArgs),
}

#[derive(Debug, Args)]
struct RetentionArgs {
    /// Name, slug or id of the configuration.
    name: String,
    /// Records older than this many days go (1 to 3,650).
    #[arg(long, value_name = "DAYS")]
    max_age: Option<u32>,
    /// Beyond this many records, the oldest go (1,000 to 100,000,000).
    #[arg(long, value_name = "N")]
    max_records: Option<u32>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// A policy value: a number, or `none` for no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Limit {
    None,
    Value(u32),
}

fn parse_limit(text: &str) -> Result<Limit, String> {
    if text.eq_ignore_ascii_case("none") {
        return Ok(Limit::None);
    }
    text.parse::<u32>()
        .map(Limit::Value)
        .map_err(|_| format!("\"{text}\" is not a whole number or \"none\""))
}

#[derive(Debug, Args)]
struct PolicyArgs {
    /// Name, slug or id of the configuration.
    name: String,
    /// Longest token lifetime in days, or `none`.
    #[arg(long, value_name = "DAYS|none", value_parser = parse_limit)]
    max_lifetime: Option<Limit>,
    /// Rotation period in days (older tokens are reported overdue), or `none`.
    #[arg(long, value_name = "DAYS|none", value_parser = parse_limit)]
    rotation: Option<Limit>,
    /// Most active tokens at once, or `none`.
    #[arg(long, value_name = "N|none", value_parser = parse_limit)]
    max_active: Option<Limit>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
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
    /// The identity provider that will provision into it: picks the client profile
    /// (default rfc: every switch on, so Entra ID and Okta both work).
    #[arg(long, value_enum)]
    idp: Option<crate::compat::Idp>,
    /// The client profile (entra, okta, rfc, strict); wins over --idp.
    #[arg(long, value_enum)]
    client_profile: Option<crate::compat::Profile>,
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
    /// Token policy: longest token lifetime in days.
    #[arg(long, value_name = "DAYS")]
    token_max_lifetime: Option<u32>,
    /// Token policy: rotation period in days.
    #[arg(long, value_name = "DAYS")]
    token_rotation: Option<u32>,
    /// Token policy: most active tokens at once.
    #[arg(long, value_name = "N")]
    token_max_active: Option<u32>,
    /// Log retention: records older than this many days go (default 30).
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    log_max_age: u32,
    /// Log retention: beyond this many records, the oldest go (default 1,000,000).
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    log_max_records: u32,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create a token (printed once, on standard output).
    Create(TokenCreateArgs),
    /// List a configuration's tokens (never their secrets).
    List(TokenConfigArgs),
    /// Rotate a token: print its replacement once; the old one works until the grace ends.
    Rotate(TokenRotateArgs),
    /// Revoke a token at once.
    Revoke(TokenRevokeArgs),
    /// Exit 5 when any token is expired, expires soon or is overdue for rotation.
    Check(TokenCheckArgs),
}

/// A date (`2027-01-01`, midnight UTC) or an RFC 3339 time.
fn parse_date(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| format!("\"{text}\" is not a date (2027-01-01) or an RFC 3339 time"))
}

/// A duration: a whole number with `s`, `m`, `h`, `d` or `w` (`90s`, `30m`, `24h`, `7d`), or
/// `0`.
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    if text == "0" {
        return Ok(std::time::Duration::ZERO);
    }
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("\"{text}\" is not a duration like 30m, 24h or 7d"))?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return Err(format!("\"{text}\": the unit must be s, m, h, d or w")),
    };
    Ok(std::time::Duration::from_secs(n.saturating_mul(seconds)))
}

#[derive(Debug, Args)]
struct TokenCreateArgs {
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
struct TokenConfigArgs {
    /// Name, slug or id of the configuration.
    #[arg(long = "config")]
    config: String,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct TokenRotateArgs {
    /// Name, slug or id of the configuration.
    #[arg(long = "config")]
    config: String,
    /// The token's public id (as `token list` shows it).
    #[arg(long)]
    id: String,
    /// How long the old token keeps working (e.g. 24h, 7d; default 0: it stops now).
    #[arg(long, value_parser = parse_duration, default_value = "0")]
    grace: std::time::Duration,
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
struct TokenRevokeArgs {
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
struct TokenCheckArgs {
    /// Report tokens expiring within this long (e.g. 14d).
    #[arg(long, value_parser = parse_duration, default_value = "14d")]
    within: std::time::Duration,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum ClientCommand {
    /// Create an OAuth client: one with a secret (printed once), or — given its public keys
    /// with --jwks-file or --jwks-uri — one that authenticates with signed JWTs (RFC 7523).
    Create(TokenCreateClientArgs),
    /// List a configuration's OAuth clients.
    List(TokenConfigArgs),
    /// Revoke an OAuth client: its access and refresh tokens stop at once.
    Revoke(ClientRevokeArgs),
}

#[derive(Debug, Args)]
struct TokenCreateClientArgs {
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
struct ClientRevokeArgs {
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

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Show the newest records (newest first).
    List(AuditArgs),
    /// Write every matching record, oldest first, as CSV or JSON Lines.
    Export(AuditExportArgs),
}

#[derive(Debug, Args)]
struct AuditFilter {
    /// Only this configuration (name, slug or id).
    #[arg(long = "config")]
    config: Option<String>,
    /// Only this action (token.rotate) or family (token.).
    #[arg(long)]
    action: Option<String>,
    /// Only records since this date or time.
    #[arg(long, value_parser = parse_date)]
    since: Option<DateTime<Utc>>,
}

#[derive(Debug, Args)]
struct AuditArgs {
    #[command(flatten)]
    filter: AuditFilter,
    /// How many records (1 to 1,000).
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum AuditFormat {
    Csv,
    Jsonl,
}

#[derive(Debug, Args)]
struct AuditExportArgs {
    #[command(flatten)]
    filter: AuditFilter,
    /// The format.
    #[arg(long, value_enum, default_value = "csv")]
    format: AuditFormat,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// A plan or sample file.
fn read_json<T: serde::de::DeserializeOwned>(path: &PathBuf) -> Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| {
        anyhow::Error::new(CoreError::invalid(
            "file",
            format!("{}: {e}", path.display()),
        ))
    })
}

fn print_findings(findings: &[scim_console_core::mapping::plan::Finding]) {
    for f in findings {
        println!(
            "{:<7} {:<32} {}\n        fix: {}",
            match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
            f.location,
            f.message,
            f.fix.replace('\n', "\n             ")
        );
    }
}

fn mapping_validate(args: &MappingFileArgs) -> Result<()> {
    let plan: Plan = read_json(&args.file)?;
    let registry = scim::SchemaRegistry::standard();
    let (compiled, findings) = plan.compile(registry.user());
    if args.json {
        print_json(&json!({"valid": compiled.is_some(), "findings": findings}))?;
    } else if findings.is_empty() {
        println!("The plan is valid.");
    } else {
        print_findings(&findings);
    }
    if compiled.is_some() {
        Ok(())
    } else {
        Err(CoreError::invalid("plan", "the plan has errors").into())
    }
}

#[allow(clippy::too_many_lines)] // One short arm per verb.
async fn mapping(store: &Store, cmd: MappingCommand) -> Result<()> {
    let registry = scim::SchemaRegistry::standard();
    match cmd {
        MappingCommand::Template(_) | MappingCommand::Validate(_) | MappingCommand::Schema => {
            Ok(())
        }
        MappingCommand::Show(args) => {
            let c = store.find_configuration(&args.config).await?;
            let saved = match args.version {
                Some(v) => store.mapping_plan_version(c.id, v).await?,
                None => store.mapping_plan(c.id).await?.ok_or_else(|| {
                    CoreError::NotFound(format!(
                        "a mapping plan for \"{}\" (it accepts every SCIM attribute)",
                        c.name
                    ))
                })?,
            };
            print_json(&saved)
        }
        MappingCommand::Test(args) => mapping_test(store, &registry, args).await,
        MappingCommand::Export(args) => {
            let c = store.find_configuration(&args.config).await?;
            let saved = store
                .mapping_plan(c.id)
                .await?
                .ok_or_else(|| CoreError::NotFound(format!("a mapping plan for \"{}\"", c.name)))?;
            let text = serde_json::to_string_pretty(&saved.plan)?;
            match &args.output {
                Some(path) => std::fs::write(path, format!("{text}\n"))
                    .with_context(|| format!("writing {}", path.display()))?,
                None => println!("{text}"),
            }
            Ok(())
        }
        MappingCommand::Import(args) => {
            let c = store.find_configuration(&args.config).await?;
            let plan: Plan = read_json(&args.file)?;
            let (saved, findings) = store
                .save_mapping_plan(c.id, &plan, registry.user(), &args.comment, &Actor::cli())
                .await?;
            print_findings(&findings);
            println!(
                "Saved as version {} of \"{}\"'s mapping plan.",
                saved.version, c.name
            );
            Ok(())
        }
        MappingCommand::Diff(args) => mapping_diff(store, args).await,
        MappingCommand::Copy(args) => {
            let from = store.find_configuration(&args.from).await?;
            let to = store.find_configuration(&args.to).await?;
            let source = store.mapping_plan(from.id).await?.ok_or_else(|| {
                CoreError::NotFound(format!("a mapping plan for \"{}\"", from.name))
            })?;
            let comment = format!("copied from \"{}\" version {}", from.name, source.version);
            let (saved, findings) = store
                .save_mapping_plan(
                    to.id,
                    &source.plan,
                    registry.user(),
                    &comment,
                    &Actor::cli(),
                )
                .await?;
            print_findings(&findings);
            println!(
                "\"{}\" version {} copied to \"{}\" as version {}.",
                from.name, source.version, to.name, saved.version
            );
            Ok(())
        }
        MappingCommand::Versions(args) => {
            let c = store.find_configuration(&args.config).await?;
            let versions = store.mapping_plan_versions(c.id).await?;
            if args.json {
                return print_json(&versions);
            }
            for v in &versions {
                println!(
                    "{:>4}  {}  {:<16} {}",
                    v.version,
                    day(Some(v.created)),
                    v.created_by,
                    v.comment
                );
            }
            Ok(())
        }
        MappingCommand::Rollback(args) => {
            let c = store.find_configuration(&args.config).await?;
            let saved = store
                .rollback_mapping_plan(c.id, args.version, registry.user(), &Actor::cli())
                .await?;
            println!(
                "Version {} restored as version {}.",
                args.version, saved.version
            );
            Ok(())
        }
    }
}

async fn mapping_test(
    store: &Store,
    registry: &scim::SchemaRegistry,
    args: MappingTestArgs,
) -> Result<()> {
    let c = store.find_configuration(&args.config).await?;
    let plan: Plan = match &args.plan {
        Some(file) => read_json(file)?,
        None => {
            store
                .mapping_plan(c.id)
                .await?
                .ok_or_else(|| CoreError::NotFound(format!("a mapping plan for \"{}\"", c.name)))?
                .plan
        }
    };
    let (compiled, findings) = plan.compile(registry.user());
    let Some(compiled) = compiled else {
        print_findings(&findings);
        return Err(CoreError::invalid("plan", "the plan has errors").into());
    };
    if let Some(source) = &args.source {
        return mapping_test_sources(&compiled, registry, source, &args);
    }
    let (resource, logged_op) = if let Some(seq) = args.log_entry {
        let logged = store.sample_from_log(seq, registry.user()).await?;
        for note in &logged.notes {
            eprintln!("note: {note}");
        }
        (
            scim::Resource::from_map(logged.resource),
            Some(logged.operation),
        )
    } else {
        let sample: serde_json::Value = read_json(args.sample.as_ref().unwrap_or(&PathBuf::new()))?;
        let resource =
            scim::Resource::from_request(sample, registry.user(), &scim::InputRules::default())
                .map_err(|e| CoreError::invalid("sample", e.detail().to_owned()))?;
        (resource, None)
    };
    let op = if args.update {
        Operation::Update
    } else {
        logged_op.unwrap_or(Operation::Create)
    };
    let evaluation = compiled.evaluate(resource.as_map(), op, registry.user());
    let passed = evaluation.passed(compiled.plan());
    if args.json {
        print_json(&evaluation)?;
    } else {
        for f in &evaluation.fields {
            let verdicts: Vec<String> = f
                .verdicts
                .iter()
                .map(|v| match &v.message {
                    None => format!("{} ok", v.validator),
                    Some(m) => format!("{} FAILED: {m}", v.validator),
                })
                .collect();
            println!(
                "{:<40} {:<30} {}",
                f.field,
                f.value.to_string(),
                verdicts.join("; ")
            );
        }
        if !evaluation.unsupported.is_empty() {
            println!(
                "not supported by the target: {}",
                evaluation.unsupported.join(", ")
            );
        }
        if !evaluation.in_scope {
            println!("out of scope");
        }
        for e in &evaluation.errors {
            println!("error: {e}");
        }
        println!("{}", if passed { "PASSED" } else { "FAILED" });
    }
    if passed {
        Ok(())
    } else {
        Err(CoreError::invalid("sample", "the sample fails the plan").into())
    }
}

async fn mapping_diff(store: &Store, args: MappingDiffArgs) -> Result<()> {
    let (old, new) = if let [a, b] = args.files.as_slice() {
        (read_json::<Plan>(a)?, read_json::<Plan>(b)?)
    } else {
        let name = args.config.clone().unwrap_or_default();
        let c = store.find_configuration(&name).await?;
        let from = store
            .mapping_plan_version(c.id, args.from.unwrap_or(1))
            .await?;
        let to = match args.to {
            Some(v) => store.mapping_plan_version(c.id, v).await?,
            None => store
                .mapping_plan(c.id)
                .await?
                .ok_or_else(|| CoreError::NotFound("a current mapping plan".into()))?,
        };
        (from.plan, to.plan)
    };
    let changes = diff(&old, &new);
    if args.json {
        return print_json(&changes);
    }
    if changes.is_empty() {
        println!("No differences.");
    }
    for d in &changes {
        println!("{}: {} -> {}", d.path, d.old, d.new);
    }
    Ok(())
}

async fn users_import(store: &Store, args: &UsersImportArgs) -> Result<()> {
    use scim_console_core::mapping::brownfield;
    let c = store.find_configuration(&args.config).await?;
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let registry = scim::SchemaRegistry::standard();
    let json_file = args
        .file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let format = args.format.unwrap_or(if json_file {
        ImportFormat::Json
    } else {
        ImportFormat::Csv
    });
    let rows = match format {
        ImportFormat::Json => brownfield::users_from_json(&text)?,
        ImportFormat::Csv => brownfield::users_from_csv(&text, &registry)?,
    };
    let report = store
        .import_users(&c, &registry, rows, &Actor::cli())
        .await?;
    if args.json {
        return print_json(&report);
    }
    println!(
        "Imported {} user(s) into \"{}\"; they wait for the identity provider's first matching POST.",
        report.imported, c.name
    );
    for p in &report.rejected {
        println!("  row {}: {}", p.row, p.reason);
    }
    Ok(())
}

/// Source users: a JSON object or array, or a CSV with a header row of attribute names.
fn read_source_users(file: &PathBuf) -> Result<Vec<serde_json::Map<String, serde_json::Value>>> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let users: Vec<serde_json::Map<String, serde_json::Value>> = if file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
    {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| CoreError::invalid("source", e.to_string()))?
            .clone();
        reader
            .records()
            .map(|r| {
                r.map(|record| {
                    headers
                        .iter()
                        .zip(record.iter())
                        .filter(|(_, v)| !v.is_empty())
                        .map(|(k, v)| (k.to_owned(), serde_json::Value::String(v.to_owned())))
                        .collect()
                })
                .map_err(|e| anyhow::Error::new(CoreError::invalid("source", e.to_string())))
            })
            .collect::<Result<_>>()?
    } else {
        match read_json::<serde_json::Value>(file)? {
            serde_json::Value::Object(o) => vec![o],
            serde_json::Value::Array(items) => items
                .into_iter()
                .filter_map(|v| v.as_object().cloned())
                .collect(),
            _ => {
                return Err(
                    CoreError::invalid("source", "a JSON object or array of objects").into(),
                );
            }
        }
    };
    Ok(users)
}

/// `mapping test --source`: each source user through the provider's mappings, then the plan.
fn mapping_test_sources(
    compiled: &scim_console_core::mapping::plan::CompiledPlan,
    registry: &scim::SchemaRegistry,
    file: &PathBuf,
    args: &MappingTestArgs,
) -> Result<()> {
    let side = compiled.plan().provider.as_ref().ok_or_else(|| {
        CoreError::invalid(
            "plan",
            "the plan has no provider side (its \"provider\" mappings)",
        )
    })?;
    let users = read_source_users(file)?;
    let op = if args.update {
        Operation::Update
    } else {
        Operation::Create
    };
    let mut failed = 0;
    let mut report = Vec::new();
    for (i, user) in users.iter().enumerate() {
        let (request, problems) = side.preview(user, registry.user());
        let evaluation = compiled.evaluate(&request, op, registry.user());
        let passed = problems.is_empty() && evaluation.passed(compiled.plan());
        if !passed {
            failed += 1;
        }
        if args.json {
            report.push(json!({"row": i + 1, "passed": passed, "request": request, "problems": problems, "evaluation": evaluation}));
            continue;
        }
        let name = request
            .get("userName")
            .and_then(|v| v.as_str())
            .unwrap_or("?");
        println!(
            "{} {name}: {}",
            i + 1,
            if passed { "PASSED" } else { "FAILED" }
        );
        for p in &problems {
            println!("    provider mapping: {p}");
        }
        for f in &evaluation.fields {
            for v in f.verdicts.iter().filter(|v| !v.passed) {
                println!(
                    "    {} = {}: {}",
                    f.field,
                    f.value,
                    v.message.clone().unwrap_or_default()
                );
            }
        }
        if !evaluation.unsupported.is_empty() {
            println!(
                "    not supported by the target: {}",
                evaluation.unsupported.join(", ")
            );
        }
    }
    if args.json {
        print_json(&report)?;
    } else {
        println!(
            "{} of {} source user(s) pass.",
            users.len() - failed,
            users.len()
        );
    }
    if failed == 0 {
        Ok(())
    } else {
        Err(CoreError::invalid("source", format!("{failed} source user(s) fail the plan")).into())
    }
}

fn log_filter<T: serde::de::DeserializeOwned>(
    name: &'static str,
    value: Option<&String>,
) -> Result<Option<T>> {
    value
        .map(|v| {
            serde_json::from_value(serde_json::Value::String(v.clone())).map_err(|_| {
                anyhow::Error::new(CoreError::invalid(
                    name,
                    format!("\"{v}\" is not one of the accepted values"),
                ))
            })
        })
        .transpose()
}

fn log_line(e: &scim_console_core::logs::LogEntry) -> String {
    let name = |v: serde_json::Result<serde_json::Value>| {
        v.ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    };
    let detail = e
        .detail
        .as_deref()
        .map(|d| format!(" — {d}"))
        .unwrap_or_default();
    format!(
        "{} {:<8} {:<16} {:>3} {:<8} {:<6} {}{detail} ({} ms)",
        e.at.format("%Y-%m-%d %H:%M:%S"),
        name(serde_json::to_value(e.client)),
        name(serde_json::to_value(e.operation)),
        e.status,
        name(serde_json::to_value(e.outcome)),
        e.method,
        e.resource_name
            .as_deref()
            .or(e.resource_id.as_deref())
            .unwrap_or("-"),
        e.duration_us / 1000,
    )
}

/// `logs export`: page by page (a thousand records at a time) to the output.
async fn logs_export(store: &Store, args: LogsExportArgs) -> Result<()> {
    use std::io::Write as _;
    let mut query = logs_query(store, &args.filter).await?;
    query.after = Some(0);
    query.limit = 1000;
    let mut out: Box<dyn std::io::Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    let csv = matches!(args.format, AuditFormat::Csv);
    if csv {
        out.write_all(scim_console_core::logs::CSV_HEADER.as_bytes())?;
    }
    loop {
        let page = store.search_logs(&query).await?;
        let Some(last) = page.entries.last() else {
            break;
        };
        query.after = Some(last.seq);
        for e in &page.entries {
            out.write_all(if csv { e.csv_line() } else { e.json_line() }.as_bytes())?;
        }
    }
    out.flush()?;
    Ok(())
}

/// `logs stats`: the figures, then one line per bar.
async fn logs_stats(store: &Store, args: &LogsStatsArgs) -> Result<()> {
    use scim_console_core::logs::stats::{Interval, StatsQuery};
    let configuration = match &args.config {
        Some(name) => Some(store.find_configuration(name).await?.id),
        None => None,
    };
    let interval = match args.interval {
        StatsInterval::Minute => Interval::Minute,
        StatsInterval::Hour => Interval::Hour,
        StatsInterval::Day => Interval::Day,
    };
    let stats = store
        .log_stats(&StatsQuery {
            configuration,
            since: args.since,
            until: args.until,
            interval,
        })
        .await?;
    if args.json {
        return print_json(&stats);
    }
    let t = stats.totals;
    println!(
        "{} to {}: {} requests, {} failed ({:.1}%), {} skipped, {} warnings, {} writes",
        stats.since.format("%Y-%m-%d %H:%M"),
        stats.until.format("%Y-%m-%d %H:%M"),
        t.requests,
        t.failures,
        stats.error_rate * 100.0,
        t.skipped,
        t.warnings,
        t.writes
    );
    if let Some(l) = stats.latency {
        println!(
            "latency: mean {:.1} ms, p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms",
            l.mean_ms, l.p50_ms, l.p90_ms, l.p99_ms
        );
    }
    let ranked = |list: &[scim_console_core::logs::stats::Ranked]| {
        list.iter()
            .map(|r| format!("{} ({})", r.name, r.count))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !stats.top_error_types.is_empty() {
        println!("top error types: {}", ranked(&stats.top_error_types));
    }
    if !stats.top_attributes.is_empty() {
        println!("top failing attributes: {}", ranked(&stats.top_attributes));
    }
    if let Some(c) = &stats.last_successful_cycle {
        println!(
            "last successful cycle: {} to {}, {} requests",
            c.start.format("%Y-%m-%d %H:%M"),
            c.end.format("%H:%M"),
            c.counts.requests
        );
    }
    for bar in &stats.bars {
        println!(
            "{}  {:>8} requests {:>6} failed {:>6} skipped {:>6} warnings",
            bar.start.format("%Y-%m-%d %H:%M"),
            bar.counts.requests,
            bar.counts.failures,
            bar.counts.skipped,
            bar.counts.warnings
        );
    }
    Ok(())
}

/// `logs cycles`: one line per cycle, newest first.
async fn logs_cycles(store: &Store, args: &LogsCyclesArgs) -> Result<()> {
    let c = store.find_configuration(&args.config).await?;
    let until = Utc::now();
    let since = args
        .since
        .unwrap_or_else(|| until - chrono::Duration::days(7));
    let cycles = store.log_cycles(c.id, since, until, args.gap).await?;
    if args.json {
        return print_json(&cycles);
    }
    if cycles.is_empty() {
        println!("No requests since {}.", since.format("%Y-%m-%d %H:%M"));
    }
    for cycle in &cycles {
        println!(
            "{} to {}{}  {} requests, {} failed, {} skipped, {} warnings, {} writes",
            cycle.start.format("%Y-%m-%d %H:%M"),
            cycle.end.format("%H:%M"),
            if cycle.ongoing { " (ongoing)" } else { "" },
            cycle.counts.requests,
            cycle.counts.failures,
            cycle.counts.skipped,
            cycle.counts.warnings,
            cycle.counts.writes
        );
    }
    Ok(())
}

async fn logs_query(store: &Store, args: &LogsArgs) -> Result<scim_console_core::logs::LogQuery> {
    let configuration = match &args.config {
        Some(name) => Some(store.find_configuration(name).await?.id),
        None => None,
    };
    Ok(scim_console_core::logs::LogQuery {
        configuration,
        since: args.since,
        outcome: log_filter("outcome", args.outcome.as_ref())?,
        operation: log_filter("operation", args.operation.as_ref())?,
        client: log_filter("client", args.client.as_ref())?,
        direction: log_filter("direction", args.direction.as_ref())?,
        status: args.status,
        text: args.text.clone(),
        limit: args.limit,
        ..Default::default()
    })
}

async fn logs_command(store: &Store, cmd: LogsCommand) -> Result<()> {
    let (args, follow) = match cmd {
        LogsCommand::Search(a) => (a, false),
        LogsCommand::Tail(a) => (a, true),
        LogsCommand::Export(a) => return logs_export(store, a).await,
        LogsCommand::Stats(a) => return logs_stats(store, &a).await,
        LogsCommand::Cycles(a) => return logs_cycles(store, &a).await,
        LogsCommand::Retention(flag) => {
            let report = store.apply_log_retention().await?;
            return if flag.json {
                print_json(&report)
            } else {
                println!(
                    "Deleted {} expired and {} surplus records, {} statistics rows.",
                    report.expired, report.surplus, report.statistics
                );
                Ok(())
            };
        }
    };
    let mut query = logs_query(store, &args).await?;
    if !follow {
        let page = store.search_logs(&query).await?;
        if args.json {
            return print_json(&page);
        }
        for e in page.entries.iter().rev() {
            println!("{}", log_line(e));
        }
        return Ok(());
    }
    // Follow: start after the newest record, then poll.
    let newest = store
        .search_logs(&scim_console_core::logs::LogQuery {
            limit: 1,
            ..query.clone()
        })
        .await?
        .entries
        .first()
        .map_or(0, |e| e.seq);
    query.after = Some(newest);
    query.limit = 1000;
    loop {
        let page = store.search_logs(&query).await?;
        for e in &page.entries {
            if args.json {
                println!("{}", serde_json::to_string(e)?);
            } else {
                println!("{}", log_line(e));
            }
            query.after = Some(e.seq);
        }
        if page.entries.is_empty() {
            tokio::select! {
                () = tokio::time::sleep(std::time::Duration::from_millis(500)) => {}
                _ = tokio::signal::ctrl_c() => return Ok(()),
            }
        }
    }
}

/// `token check` found tokens needing attention (exit code 5).
#[derive(Debug, thiserror::Error)]
#[error("{0} token(s) need attention")]
struct NeedsAttention(usize);

/// The exit code for an error.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    if err.downcast_ref::<NeedsAttention>().is_some() {
        return 5;
    }
    if err.downcast_ref::<crate::target::TestFailed>().is_some() {
        return 6;
    }
    if err.downcast_ref::<crate::pilot::UsersFailed>().is_some() {
        return 7;
    }
    if err
        .downcast_ref::<crate::conformance::NotConformant>()
        .is_some()
    {
        return 8;
    }
    if err
        .downcast_ref::<crate::conformance::Incomplete>()
        .is_some()
    {
        return 9;
    }
    let core = err.downcast_ref::<CoreError>().or_else(|| {
        match err.downcast_ref::<scim_console_server::pilot::runs::PilotError>() {
            Some(scim_console_server::pilot::runs::PilotError::Core(c)) => Some(c),
            _ => None,
        }
    });
    if err
        .downcast_ref::<scim_console_server::pilot::runs::PilotError>()
        .is_some_and(|e| matches!(e, scim_console_server::pilot::runs::PilotError::Plan(_)))
        || err
            .downcast_ref::<scim_console_server::pilot::source::SourceError>()
            .is_some()
    {
        return 4;
    }
    match core {
        Some(CoreError::NotFound(_)) => 3,
        Some(CoreError::Invalid { .. } | CoreError::Conflict(_)) => 4,
        _ => 1,
    }
}

/// Where a command finds the console's data: the data directory (settings, the master key,
/// and the SQLite files) and the database.
#[derive(Debug, Clone)]
pub(crate) struct Location {
    pub(crate) data_dir: Option<PathBuf>,
    database_url: Option<String>,
    database_pool: u32,
}

impl Location {
    /// The database chosen (an error naming `--database-url` when it is not one).
    pub(crate) fn database(&self) -> Result<Database> {
        Ok(Database::from_url(
            self.database_url.as_deref(),
            self.database_pool,
        )?)
    }
}

pub(crate) async fn open_store(at: &Location) -> Result<Store> {
    let dir = Store::resolve_data_dir(at.data_dir.as_deref())?;
    let database = at.database()?;
    Store::open_database(&dir, &database)
        .await
        .with_context(|| {
            format!(
                "opening the console's database ({})",
                database.describe(&dir)
            )
        })
}

/// The store with the master key, which seals and opens stored credentials.
async fn open_store_with_key(at: &Location) -> Result<Store> {
    let store = open_store(at).await?;
    let dir = Store::resolve_data_dir(at.data_dir.as_deref())?;
    let (key, _) = tokio::task::spawn_blocking(move || MasterKey::load(&dir))
        .await
        .context("loading the master key")?
        .context("loading the master key")?;
    Ok(store.with_master_key(&key))
}

/// Runs a command.
pub async fn run(cli: Cli) -> Result<()> {
    let at = Location {
        data_dir: cli.data_dir,
        database_url: cli.database_url,
        database_pool: cli.database_pool,
    };
    match cli.command {
        Command::Serve(args) => serve(&at, args).await,
        Command::Migrate => migrate(&at).await,
        Command::Config(cmd) => config(&open_store(&at).await?, cmd).await,
        Command::Token(cmd) => token(&open_store(&at).await?, cmd).await,
        Command::OAuthClient(cmd) => oauth_client(&open_store(&at).await?, cmd).await,
        Command::Audit(cmd) => audit(&open_store(&at).await?, cmd).await,
        Command::Mapping(MappingCommand::Template(args)) => {
            let mut plan = Plan::default_users();
            if let Some(name) = &args.provider {
                let provider = serde_json::from_value(serde_json::Value::String(name.clone()))?;
                plan.provider =
                    Some(scim_console_core::mapping::provider::ProviderSide::template(provider));
            }
            print_json(&plan)
        }
        Command::Mapping(MappingCommand::Validate(args)) => mapping_validate(&args),
        Command::Mapping(MappingCommand::Schema) => {
            print_json(&scim_console_core::mapping::plan::json_schema())
        }
        Command::Mapping(cmd) => mapping(&open_store(&at).await?, cmd).await,
        Command::Logs(cmd) => logs_command(&open_store(&at).await?, cmd).await,
        Command::Target(cmd) => {
            if cmd.needs_store() {
                let store = open_store_with_key(&at).await?;
                crate::target::run(Some(&store), cmd).await
            } else {
                crate::target::run(None, cmd).await
            }
        }
        Command::Backup(args) => crate::backup::backup(&open_store(&at).await?, &args).await,
        Command::Restore(args) => crate::backup::restore(&at, &args).await,
        Command::Export(args) => crate::transfer::export(&open_store(&at).await?, &args).await,
        Command::Import(args) => crate::transfer::import(&open_store(&at).await?, &args).await,
        Command::Check(args) if args.conformance.target.is_some() => {
            crate::conformance::run(&open_store_with_key(&at).await?, &args.conformance).await
        }
        Command::Check(args) => crate::backup::check(&open_store(&at).await?, &args).await,
        Command::Pilot(cmd) => crate::pilot::run(&open_store_with_key(&at).await?, cmd).await,
        Command::Openapi => {
            use utoipa::OpenApi as _;
            print_json(&scim_console_server::admin::AdminApi::openapi())
        }
        Command::Alerts(cmd) => {
            let mut store = open_store(&at).await?;
            if cmd.needs_master_key() {
                let dir = Store::resolve_data_dir(at.data_dir.as_deref())?;
                let (key, _) = MasterKey::load(&dir).context("loading the master key")?;
                store = store.with_master_key(&key);
            }
            crate::alerts::run(&store, cmd).await
        }
        Command::Users(UsersCommand::Import(args)) => {
            users_import(&open_store(&at).await?, &args).await
        }
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

/// `migrate`: brings the database's schema up to date (also done by every start).
async fn migrate(at: &Location) -> Result<()> {
    let dir = Store::resolve_data_dir(at.data_dir.as_deref())?;
    let database = at.database()?;
    let store = open_store(at).await?;
    let version = store.schema_version().await?;
    store.close().await;
    println!(
        "The database is up to date: schema version {version} ({}).",
        database.describe(&dir)
    );
    Ok(())
}

async fn serve(at: &Location, args: ServeArgs) -> Result<()> {
    init_logging(args.log_format);
    let dir = Store::resolve_data_dir(at.data_dir.as_deref())?;
    let database = at.database()?;
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
    println!("SCIM Console is running.");
    println!(
        "  Admin console: {}  (open it in a browser; valid until this server stops)",
        server.admin_link()
    );
    println!("  Admin API:    {origin}/api  (OpenAPI: {origin}/api/openapi.json)");
    println!(
        "  Admin token:  {}  (valid until this server stops)",
        server.admin_token().expose()
    );
    if let Some(fingerprint) = server.tls_fingerprint() {
        println!("  TLS certificate SHA-256: {fingerprint}");
    }
    println!("  Database:     {described}");
    println!("  Master key:   in {key_source}");
    if let Some(created) = created {
        println!();
        println!("First start: created the SCIM configuration \"default\".");
        println!(
            "  SCIM base URL: {origin}/scim/{}/v2",
            created.configuration.slug
        );
        println!("  Bearer token:  {}", created.token.expose());
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
    let p = c.token_policy;
    let days = |d: Option<u32>| d.map_or_else(|| "none".to_owned(), |d| format!("{d} days"));
    println!(
        "  token policy:     max lifetime {}, rotation every {}, max active {}",
        days(p.max_lifetime_days),
        days(p.rotation_days),
        p.max_active
            .map_or_else(|| "unlimited".to_owned(), |n| n.to_string())
    );
    println!(
        "  log retention:    {} days, at most {} records",
        c.log_retention.max_age_days, c.log_retention.max_records
    );
    crate::compat::print(c, false);
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
            let profile = args.client_profile.map_or_else(
                || {
                    args.idp.map_or(ClientProfile::Rfc, |i| {
                        scim_console_core::IdentityProvider::from(i).profile()
                    })
                },
                Into::into,
            );
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
                token_policy: TokenPolicy {
                    max_lifetime_days: args.token_max_lifetime,
                    rotation_days: args.token_rotation,
                    max_active: args.token_max_active,
                },
                client_authentication: scim_console_core::ClientAuthentication::Any,
                log_retention: LogRetention {
                    max_age_days: args.log_max_age,
                    max_records: args.log_max_records,
                },
                client_profile: profile,
                compatibility: Compatibility::for_profile(profile),
            };
            let c = store.create_configuration(new, &Actor::cli()).await?;
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
        ConfigCommand::Policy(args) => set_policy(store, &args).await,
        ConfigCommand::Retention(args) => set_retention(store, &args).await,
        ConfigCommand::Set(args) => crate::compat::run(store, &args).await,
        ConfigCommand::Enable(args) => set_enabled(store, &args, true).await,
        ConfigCommand::Disable(args) => set_enabled(store, &args, false).await,
        ConfigCommand::Delete(args) => {
            let c = store.find_configuration(&args.name).await?;
            store.delete_configuration(c.id, &Actor::cli()).await?;
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
            &Actor::cli(),
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

async fn set_retention(store: &Store, args: &RetentionArgs) -> Result<()> {
    let c = store.find_configuration(&args.name).await?;
    let retention = LogRetention {
        max_age_days: args.max_age.unwrap_or(c.log_retention.max_age_days),
        max_records: args.max_records.unwrap_or(c.log_retention.max_records),
    };
    let c = store
        .update_configuration(
            c.id,
            ConfigurationUpdate {
                log_retention: Some(retention),
                ..ConfigurationUpdate::default()
            },
            &Actor::cli(),
        )
        .await?;
    if args.json {
        print_json(&c)
    } else {
        print_configuration(&c);
        Ok(())
    }
}

async fn set_policy(store: &Store, args: &PolicyArgs) -> Result<()> {
    let c = store.find_configuration(&args.name).await?;
    let apply = |current: Option<u32>, change: Option<Limit>| match change {
        None => current,
        Some(Limit::None) => None,
        Some(Limit::Value(v)) => Some(v),
    };
    let policy = TokenPolicy {
        max_lifetime_days: apply(c.token_policy.max_lifetime_days, args.max_lifetime),
        rotation_days: apply(c.token_policy.rotation_days, args.rotation),
        max_active: apply(c.token_policy.max_active, args.max_active),
    };
    let c = store
        .update_configuration(
            c.id,
            ConfigurationUpdate {
                token_policy: Some(policy),
                ..ConfigurationUpdate::default()
            },
            &Actor::cli(),
        )
        .await?;
    if args.json {
        print_json(&c)
    } else {
        print_configuration(&c);
        Ok(())
    }
}

fn day(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(
        || "-".to_owned(),
        |t| t.format("%Y-%m-%d %H:%M").to_string(),
    )
}

fn token_line(t: &TokenInfo) -> String {
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

async fn token(store: &Store, cmd: TokenCommand) -> Result<()> {
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
            let rotation = Rotation {
                grace: args.grace,
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
            println!("{}", new.token.expose());
            eprintln!(
                "Token {} replaces {} for \"{}\": shown only now. The old token {}.",
                new.info.id,
                old.id,
                c.name,
                if old.state == TokenState::Grace {
                    format!("works until {}", day(old.revoked))
                } else {
                    "no longer works".to_owned()
                }
            );
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
async fn token_check(store: &Store, args: &TokenCheckArgs) -> Result<()> {
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
        Err(NeedsAttention(check.problems.len()).into())
    }
}

async fn oauth_client(store: &Store, cmd: ClientCommand) -> Result<()> {
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

async fn audit_query(store: &Store, filter: &AuditFilter, limit: usize) -> Result<AuditQuery> {
    let configuration = match &filter.config {
        Some(name) => Some(store.find_configuration(name).await?.id),
        None => None,
    };
    Ok(AuditQuery {
        configuration,
        action: filter.action.clone(),
        since: filter.since,
        limit,
        ..AuditQuery::default()
    })
}

async fn audit(store: &Store, cmd: AuditCommand) -> Result<()> {
    match cmd {
        AuditCommand::List(args) => {
            let query = audit_query(store, &args.filter, args.limit).await?;
            let page = store.audit(&query).await?;
            if args.json {
                return print_json(&page.entries);
            }
            for e in &page.entries {
                println!(
                    "{} {:<28} {:<14} {:<16} {:<20} {} {}",
                    e.at.format("%Y-%m-%d %H:%M:%S"),
                    e.action,
                    e.actor,
                    e.source,
                    e.configuration_name.as_deref().unwrap_or("-"),
                    e.target.as_deref().unwrap_or("-"),
                    e.details
                );
            }
            Ok(())
        }
        AuditCommand::Export(args) => {
            let query = audit_query(store, &args.filter, 0).await?;
            let format = match args.format {
                AuditFormat::Csv => ExportFormat::Csv,
                AuditFormat::Jsonl => ExportFormat::JsonLines,
            };
            let text = store.export_audit(&query, format).await?;
            match &args.output {
                Some(path) => std::fs::write(path, text)
                    .with_context(|| format!("writing {}", path.display()))?,
                None => print!("{text}"),
            }
            Ok(())
        }
    }
}
