//! `scim-console check --target URL|CONFIG|target:NAME …`: the conformance checker from the
//! command line, with a progress bar on standard error and the report in a table, JSON, JUnit
//! XML or HTML.

use std::io::IsTerminal as _;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use scim_console_core::{Actor, ClientProfile, Secret, Store};
use scim_console_server::conformance::report::{self, Format};
use scim_console_server::conformance::{self, Options, Outcome, Progress, RunVerdict};
use scim_console_server::outbound::target::{OpenedTarget, TargetChoice};
use scim_console_server::server::LoopbackServer;

use crate::exit::{Ended, Exit};

/// The conformance checker's options (with `check --target`).
#[derive(Debug, Args)]
pub struct ConformanceArgs {
    /// What to check: a SCIM base URL (`https://host/scim/v2`), a configuration of this console
    /// (its name, or `config:NAME`; served on a loopback port for the run), or a registered
    /// remote target (`target:NAME`, with its stored credential).
    #[arg(long, value_name = "URL|CONFIG")]
    pub target: Option<String>,
    /// The bearer token for a URL target (better: SCIM_CONSOLE_CHECK_TOKEN or --token-stdin).
    #[arg(long, env = "SCIM_CONSOLE_CHECK_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Read the bearer token from standard input.
    #[arg(long, conflicts_with = "token")]
    token_stdin: bool,
    /// Whose rules: strict (the interoperability profile and IPSIE AL2), entra, okta or rfc.
    /// Default: the configuration's own profile for a configuration, else strict.
    #[arg(long, value_enum)]
    profile: Option<Profile>,
    /// Also run the checks that create, change and delete resources (under a unique prefix;
    /// only what the run created is deleted).
    #[arg(long)]
    allow_writes: bool,
    /// Requests per second at most.
    #[arg(long, default_value_t = 10.0)]
    rate: f64,
    /// Only the rules whose id contains this (repeatable).
    #[arg(long = "only", value_name = "RULE")]
    only: Vec<String>,
    /// The report's format on standard output.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    format: ReportFormat,
    /// Also write the report to this file (its format from the extension: .json, .xml, .html;
    /// else --format).
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// A client profile on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Profile {
    Strict,
    Entra,
    Okta,
    Rfc,
}

impl From<Profile> for ClientProfile {
    fn from(p: Profile) -> Self {
        match p {
            Profile::Strict => Self::Strict,
            Profile::Entra => Self::Entra,
            Profile::Okta => Self::Okta,
            Profile::Rfc => Self::Rfc,
        }
    }
}

/// A report format on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    Table,
    Json,
    Junit,
    Html,
}

impl From<ReportFormat> for Format {
    fn from(f: ReportFormat) -> Self {
        match f {
            ReportFormat::Table => Self::Table,
            ReportFormat::Json => Self::Json,
            ReportFormat::Junit => Self::Junit,
            ReportFormat::Html => Self::Html,
        }
    }
}

/// Where the run goes: a URL with its token, or a target opened in the console (a local
/// configuration served for the run on a loopback port).
enum Target {
    Url {
        base_url: String,
        token: Secret,
    },
    Opened {
        target: Box<OpenedTarget>,
        server: Option<LoopbackServer>,
    },
}

fn is_url(text: &str) -> bool {
    text.starts_with("https://") || text.starts_with("http://")
}

fn read_token(args: &ConformanceArgs) -> Result<Secret> {
    if args.token_stdin {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .context("reading the token from standard input")?;
        return Ok(Secret::new(text.trim().to_owned()));
    }
    match &args.token {
        Some(t) => Ok(Secret::new(t.clone())),
        None => bail!(
            "a URL target needs its bearer token: --token, SCIM_CONSOLE_CHECK_TOKEN or --token-stdin"
        ),
    }
}

async fn resolve(store: &Store, args: &ConformanceArgs, target: &str) -> Result<Target> {
    if is_url(target) {
        return Ok(Target::Url {
            base_url: target.trim_end_matches('/').to_owned(),
            token: read_token(args)?,
        });
    }
    let actor = Actor::cli();
    if let Some(name) = target.strip_prefix("target:") {
        let choice = TargetChoice::Remote(name.to_owned());
        let target = OpenedTarget::open(store, choice, "", &actor, PURPOSE).await?;
        return Ok(Target::Opened {
            target: Box::new(target),
            server: None,
        });
    }
    let name = target.strip_prefix("config:").unwrap_or(target);
    let configuration = store.find_configuration(name).await?;
    let server = LoopbackServer::start(store).await?;
    let choice = TargetChoice::Local(configuration);
    match OpenedTarget::open(store, choice, server.origin(), &actor, PURPOSE).await {
        Ok(target) => Ok(Target::Opened {
            target: Box::new(target),
            server: Some(server),
        }),
        Err(error) => {
            server.stop().await;
            Err(error.into())
        }
    }
}

/// The label of a local configuration's temporary token.
const PURPOSE: &str = "conformance check";

fn show(progress: &Progress, terminal: bool) {
    if !terminal || progress.total == 0 {
        return;
    }
    let width = 30;
    let filled = progress.done * width / progress.total;
    let mark = match progress.last.as_ref().map(|r| r.outcome) {
        Some(Outcome::Fail) => "  last: FAIL",
        _ => "",
    };
    let current: String = progress.current.chars().take(60).collect();
    eprint!(
        "\r\x1b[2K[{}{}] {}/{}  {current}{mark}",
        "#".repeat(filled),
        ".".repeat(width - filled),
        progress.done,
        progress.total
    );
}

/// Runs the checker as `check --target` asks; ends with [`Exit::NotConformant`] when a MUST
/// fails and with [`Exit::Incomplete`] when none failed but some were skipped.
pub async fn run(store: &Store, args: &ConformanceArgs) -> Result<()> {
    let Some(target) = args.target.as_deref() else {
        bail!("--target is required");
    };
    conformance::check_rate(args.rate)
        .map_err(|e| scim_console_core::CoreError::invalid("--rate", e))?;
    let resolved = resolve(store, args, target).await?;
    let profile = args.profile.map(ClientProfile::from);
    let mut options = match &resolved {
        Target::Url { base_url, token } => Options {
            base_url: base_url.clone(),
            token: token.clone(),
            profile: profile.unwrap_or(ClientProfile::Strict),
            allow_writes: args.allow_writes,
            rate: args.rate,
            trust_any_certificate: false,
            only: Vec::new(),
        },
        Target::Opened { target, .. } => {
            Options::for_target(target, profile, args.allow_writes, args.rate)
                .map_err(|e| scim_console_core::CoreError::invalid("--rate", e))?
        }
    };
    options.only.clone_from(&args.only);
    let terminal = std::io::stderr().is_terminal();
    let outcome = conformance::run(options, |p| show(&p, terminal)).await;
    if terminal {
        eprintln!();
    }
    if let Target::Opened { target, server } = resolved {
        target.close(store, &Actor::cli()).await;
        if let Some(server) = server {
            server.stop().await;
        }
    }
    let report = outcome.map_err(anyhow::Error::msg)?;
    finish(&report, args)
}

/// Prints and writes the report, and ends with the run's verdict.
fn finish(report: &conformance::Report, args: &ConformanceArgs) -> Result<()> {
    print!("{}", report::render(report, args.format.into()));
    if args.format != ReportFormat::Table {
        println!();
    }
    if let Some(path) = &args.output {
        let format = match path.extension().and_then(|e| e.to_str()) {
            Some("json") => Format::Json,
            Some("xml") => Format::Junit,
            Some("html" | "htm") => Format::Html,
            _ => args.format.into(),
        };
        scim_console_core::files::write_private(path, report::render(report, format))
            .with_context(|| format!("writing the report to {}", path.display()))?;
        eprintln!("Report written to {}", path.display());
    }
    match report.verdict() {
        RunVerdict::Passed { .. } => Ok(()),
        // No MUST failed, but some were skipped: the run cannot vouch for them.
        RunVerdict::Incomplete { checked, total } => Err(Ended::new(
            Exit::Incomplete,
            format!(
                "incomplete: {checked} of {total} MUST rules checked (the others were skipped; see why above)"
            ),
        )
        .into()),
        RunVerdict::Failed { failed } => Err(Ended::new(
            Exit::NotConformant,
            format!("{failed} MUST rule(s) failed"),
        )
        .into()),
    }
}

/// Runs the checker on a remote console (`--server`): against one of its configurations or
/// registered targets, from the server, followed until its report comes.
pub(crate) async fn run_remote(
    api: &crate::api_client::ApiClient,
    args: &ConformanceArgs,
) -> Result<()> {
    use scim_console_core::CoreError;
    use scim_console_server::conformance::runs::{ConformanceRunView, RunState};
    use serde_json::json;
    let Some(target) = args.target.as_deref() else {
        bail!("--target is required");
    };
    if is_url(target) {
        return Err(CoreError::invalid(
            "--target",
            "with --server, check one of the server's configurations (NAME) or registered targets (target:NAME); a URL is checked from this machine without --server",
        )
        .into());
    }
    if !args.only.is_empty() {
        return Err(CoreError::invalid(
            "--only",
            "with --server every rule of the profile runs: leave --only out",
        )
        .into());
    }
    let target = if let Some(name) = target.strip_prefix("target:") {
        json!({"kind": "remote", "target": name})
    } else {
        let name = target.strip_prefix("config:").unwrap_or(target);
        json!({"kind": "configuration", "configurationId": api.configuration_id(name).await?})
    };
    let body = json!({
        "target": target,
        "profile": args.profile.map(ClientProfile::from),
        "allowWrites": args.allow_writes,
        "rate": args.rate,
    });
    let read = |v: serde_json::Value| -> Result<ConformanceRunView> {
        serde_json::from_value(v)
            .context("the server's conformance run is not in a form this version reads")
    };
    let mut view = read(api.post(&["api", "conformance-runs"], &body).await?)?;
    let terminal = std::io::stderr().is_terminal();
    while view.state == RunState::Running {
        show(
            &Progress {
                done: view.done,
                total: view.total,
                current: view.current.clone(),
                last: view.results.last().cloned(),
            },
            terminal,
        );
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        view = read(api.get(&["api", "conformance-runs", &view.id], &[]).await?)?;
    }
    if terminal {
        eprintln!();
    }
    match view.report {
        Some(report) => finish(&report, args),
        None => bail!(
            "the run could not check the target: {}",
            view.error.as_deref().unwrap_or("the server gave no reason")
        ),
    }
}
