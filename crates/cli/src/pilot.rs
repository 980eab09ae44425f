//! `scim-console pilot run`: provision a source of users (CSV, JSON, or a local
//! configuration's users) into a target (a registered remote target, or a local
//! configuration's own endpoint) through a mapping plan, behaving like an identity provider.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use scim_console_core::logs::writer::LogSink;
use scim_console_core::mapping::plan::Plan;
use scim_console_core::mapping::provider::Provider;
use scim_console_core::{Actor, Configuration, Store};
use scim_console_server::outbound::Pace;
use scim_console_server::outbound::target::TargetChoice;
use scim_console_server::pilot::runs;
use scim_console_server::pilot::{self, Action, Progress, Report, StopSwitch, source};
use scim_console_server::server::LoopbackServer;

use crate::exit::{Ended, Exit};

pub(crate) mod remote;

/// The `pilot` subcommands.
#[derive(Debug, Subcommand)]
pub enum PilotCommand {
    /// Provision users into a target as an identity provider would, and report per user.
    /// Exits 7 when a user failed.
    Run(RunArgs),
}

/// The provider to behave like.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum BehaveAs {
    /// Microsoft Entra ID: PATCH updates with `Replace` operations.
    Entra,
    /// Okta: PUT updates of the whole user, `startIndex=1&count=100` on queries.
    Okta,
    /// OneLogin.
    Onelogin,
    /// Google Workspace.
    Google,
}

impl From<BehaveAs> for Provider {
    fn from(b: BehaveAs) -> Self {
        match b {
            BehaveAs::Entra => Self::Entra,
            BehaveAs::Okta => Self::Okta,
            BehaveAs::Onelogin => Self::OneLogin,
            BehaveAs::Google => Self::Google,
        }
    }
}

/// `pilot run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The mapping plan: a configuration (its current plan; `NAME@VERSION` for a saved
    /// version), or a plan JSON file.
    #[arg(long)]
    plan: String,
    /// The users: a .csv file (a header line naming the provider's attributes), a .json file
    /// (provider attributes, or SCIM Users), or `config:NAME` (a local configuration's users).
    #[arg(long)]
    source: String,
    /// The target: a registered target's name, or `config:NAME` (a local configuration's own
    /// endpoint, served for the run on a loopback port).
    #[arg(long)]
    target: String,
    /// The configuration whose log records the run (default: the plan's, or the target's
    /// when the plan is a file and the target a local configuration).
    #[arg(long = "config")]
    config: Option<String>,
    /// The provider to behave like (default: the plan's provider side, else Entra ID).
    #[arg(long = "as", value_enum)]
    behave_as: Option<BehaveAs>,
    /// Only query the target and say what would be done.
    #[arg(long)]
    dry_run: bool,
    /// Users provisioned at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=32))]
    concurrency: u16,
    /// Requests per second at most (0: no limit).
    #[arg(long, default_value_t = 20.0)]
    rate: f64,
    /// Attempts per request on 429, 5xx and lost connections (the first included).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=20))]
    attempts: u32,
    /// The first retry's wait in milliseconds (doubling, with jitter, up to 10 s; a
    /// `Retry-After` header wins).
    #[arg(long, default_value_t = 250)]
    backoff_ms: u64,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    json: bool,
}

fn local(name: &str) -> Option<&str> {
    name.strip_prefix("config:")
}

async fn plan_and_configuration(
    store: &Store,
    args: &RunArgs,
) -> Result<(Option<Plan>, Configuration)> {
    let path = Path::new(&args.plan);
    if path.is_file() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the plan {}", path.display()))?;
        let plan: Plan = serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "the plan {}, line {} column {}: {e}",
                path.display(),
                e.line(),
                e.column()
            )
        })?;
        let config = match (args.config.as_deref(), local(&args.target)) {
            (Some(name), _) | (None, Some(name)) => store.find_configuration(name).await?,
            (None, None) => bail!(
                "a plan file belongs to no configuration: say with --config which configuration's log records the run"
            ),
        };
        return Ok((Some(plan), config));
    }
    let (name, version) = plan_name(&args.plan)?;
    let configuration = store.find_configuration(name).await.with_context(|| {
        format!("--plan: \"{name}\" is neither a plan file nor a configuration")
    })?;
    let plan = match version {
        Some(v) => Some(store.mapping_plan_version(configuration.id, v).await?.plan),
        None => None,
    };
    let configuration = match &args.config {
        Some(name) => store.find_configuration(name).await?,
        None => configuration,
    };
    Ok((plan, configuration))
}

async fn read_source(
    store: &Store,
    registry: &scim::SchemaRegistry,
    name: &str,
) -> Result<pilot::Source> {
    if let Some(config) = local(name) {
        let configuration = store.find_configuration(config).await?;
        return Ok(source::from_configuration(store, registry, &configuration).await?);
    }
    let bytes = std::fs::read(name).with_context(|| format!("reading the source {name}"))?;
    let is_json = Path::new(name)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    Ok(if is_json {
        source::from_json(&bytes)?
    } else {
        source::from_csv(&bytes)?
    })
}

/// Draws the progress bar on standard error while the run lasts (only on a terminal).
async fn show_progress(mut rx: tokio::sync::watch::Receiver<Progress>) {
    let terminal = std::io::stderr().is_terminal();
    loop {
        let p = *rx.borrow_and_update();
        if terminal && p.total > 0 {
            let width = 30;
            let filled = p.done * width / p.total;
            let c = p.counts;
            eprint!(
                "\r[{}{}] {}/{}  created {}  updated {}  unchanged {}  skipped {}  failed {}",
                "#".repeat(filled),
                ".".repeat(width - filled),
                p.done,
                p.total,
                c.created + c.would_create,
                c.updated + c.would_update,
                c.unchanged,
                c.skipped,
                c.failed
            );
            let _ = std::io::stderr().flush();
        }
        if rx.changed().await.is_err() {
            if terminal {
                eprintln!();
            }
            return;
        }
    }
}

fn action_word(action: Action) -> &'static str {
    match action {
        Action::Created => "created",
        Action::Updated => "updated",
        Action::Unchanged => "unchanged",
        Action::Skipped => "skipped",
        Action::Failed => "FAILED",
        Action::WouldCreate => "would create",
        Action::WouldUpdate => "would update",
    }
}

fn print_report(report: &Report) {
    println!(
        "Pilot run into {} ({}) behaving like {:?}{}",
        report.target,
        report.base_url,
        report.behaved_as,
        if report.dry_run {
            " — dry run, nothing written"
        } else {
            ""
        }
    );
    for u in &report.users {
        println!(
            "  {:>5}  {:<40}  {:<12}  {}",
            u.row,
            u.user_name.as_deref().unwrap_or("-"),
            action_word(u.action),
            u.detail
        );
    }
    let c = report.counts;
    println!(
        "{} users: {} created, {} updated, {} unchanged, {} skipped, {} failed{}",
        report.users.len(),
        c.created,
        c.updated,
        c.unchanged,
        c.skipped,
        c.failed,
        if report.dry_run {
            format!(
                "; would create {}, would update {}",
                c.would_create, c.would_update
            )
        } else {
            String::new()
        }
    );
    if let Some(why) = &report.stopped {
        println!("The run stopped early: {why}.");
    }
}

/// Runs `pilot run`.
pub async fn run(store: &Store, cmd: PilotCommand) -> Result<()> {
    let PilotCommand::Run(args) = cmd;
    let options = runs::PilotOptions::new(
        args.dry_run,
        usize::from(args.concurrency),
        Pace {
            rate: args.rate,
            attempts: args.attempts,
            backoff: Duration::from_millis(args.backoff_ms),
        },
    )?;
    let registry = scim::SchemaRegistry::standard();
    let (plan, configuration) = plan_and_configuration(store, &args).await?;
    let source = read_source(store, &registry, &args.source).await?;
    let actor = Actor::cli();
    // A local target is served for the run on a loopback port (and reached with a temporary
    // token); requests to a remote one are recorded in the configuration's log.
    let (target, server) = match local(&args.target) {
        Some(name) => (
            TargetChoice::Local(store.find_configuration(name).await?),
            Some(LoopbackServer::start(store).await?),
        ),
        None => (TargetChoice::Remote(args.target.clone()), None),
    };
    let (log, writer) = LogSink::start(store.clone());
    let prepared = runs::Prepared::new(
        store,
        &registry,
        runs::PilotRequest {
            configuration,
            plan,
            behave_as: args.behave_as.map(Provider::from),
            options,
            target,
        },
        server.as_ref().map_or("", LoopbackServer::origin),
        &log,
        &actor,
    )
    .await;
    drop(log);
    let prepared = match prepared {
        Ok(prepared) => prepared,
        Err(error) => {
            if let Some(server) = server {
                server.stop().await;
            }
            let _ = writer.await;
            return Err(error.into());
        }
    };
    let (tx, rx) = tokio::sync::watch::channel(Progress::default());
    let bar = tokio::spawn(show_progress(rx));
    let stop = StopSwitch::default();
    let report = pilot::run(
        &prepared.pilot,
        &prepared.client,
        prepared.target_name(),
        &source,
        &stop,
        &tx,
    )
    .await;
    drop(tx);
    let _ = bar.await;
    // Every record written before the command ends.
    drop(prepared.client);
    let _ = writer.await;
    prepared.target.close(store, &actor).await;
    if let Some(server) = server {
        server.stop().await;
    }
    finish(&report, &args)
}

/// A `--plan CONFIG[@VERSION]`: the configuration and the version, when one is named.
pub(crate) fn plan_name(plan: &str) -> Result<(&str, Option<i64>)> {
    Ok(match plan.rsplit_once('@') {
        Some((name, v)) => (
            name,
            Some(
                v.parse::<i64>()
                    .with_context(|| format!("--plan: \"{v}\" is not a version number"))?,
            ),
        ),
        None => (plan, None),
    })
}

/// Writes a run's report where `--report` says, prints it, and ends with exit 7 when a user
/// failed — for a run here and one on a server alike.
pub(crate) fn finish(report: &Report, args: &RunArgs) -> Result<()> {
    if let Some(path) = &args.report {
        scim_console_core::files::write_private(path, serde_json::to_string_pretty(report)?)
            .with_context(|| format!("writing the report {}", path.display()))?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(report)?);
    } else {
        print_report(report);
    }
    if report.counts.failed > 0 {
        return Err(Ended::new(
            Exit::UsersFailed,
            format!("{} users failed (see the report)", report.counts.failed),
        )
        .into());
    }
    Ok(())
}
