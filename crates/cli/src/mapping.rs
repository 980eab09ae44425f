//! `scim-console mapping …`: attribute mapping plans shown, validated, tested on samples or
//! source users, exported, imported, diffed, copied, rolled back; `template`, `validate` and
//! `schema` need no database.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use scim_console_core::mapping::plan::{Operation, Plan, Severity, diff};
use scim_console_core::mapping::trial::{Trial, TrialError, TrialInput};
use scim_console_core::{CoreError, Store};
use serde_json::json;

pub(crate) mod remote;

use crate::args::{ConfigArgs, read_json};
use crate::console::Console;
use crate::render::{day, print_json};
use crate::users::read_source_users;

#[derive(Debug, Subcommand)]
pub(crate) enum MappingCommand {
    /// Print a plan template (`--template standard|xmatters`, default standard) as a starting
    /// point to edit, optionally with an identity provider's default mappings
    /// (`--provider entra|okta|oneLogin|google`).
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
    Versions(ConfigArgs),
    /// Make an earlier version current again.
    Rollback(MappingRollbackArgs),
}

#[derive(Debug, Args)]
pub(crate) struct MappingTemplateArgs {
    /// The plan template.
    #[arg(long, value_enum, default_value = "standard")]
    template: crate::config::Template,
    /// Include this identity provider's default mappings as the plan's provider side.
    #[arg(long, value_parser = ["entra", "okta", "oneLogin", "google"])]
    provider: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct MappingShowArgs {
    /// Name, slug or id of the configuration.
    #[arg(long = "config")]
    config: String,
    /// A saved version (default: the current one).
    #[arg(long)]
    version: Option<i64>,
}

#[derive(Debug, Args)]
pub(crate) struct MappingFileArgs {
    /// The plan, as JSON.
    #[arg(long, value_name = "FILE")]
    file: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct MappingTestArgs {
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
pub(crate) struct MappingExportArgs {
    /// Name, slug or id of the configuration.
    #[arg(long = "config")]
    config: String,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct MappingImportArgs {
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
pub(crate) struct MappingDiffArgs {
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
pub(crate) struct MappingCopyArgs {
    /// The configuration whose current plan is copied.
    #[arg(long)]
    from: String,
    /// The configuration that receives it.
    #[arg(long)]
    to: String,
}

#[derive(Debug, Args)]
pub(crate) struct MappingRollbackArgs {
    /// Name, slug or id of the configuration.
    #[arg(long = "config")]
    config: String,
    /// The version to make current again.
    #[arg(long)]
    version: i64,
}

pub(crate) fn print_findings(findings: &[scim_console_core::mapping::plan::Finding]) {
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

pub(crate) fn mapping_validate(args: &MappingFileArgs) -> Result<()> {
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
/// Runs the subcommands that need no database (`template`, `validate`, `schema`); hands any
/// other back.
pub(crate) fn run_offline(cmd: MappingCommand) -> Result<Result<()>, MappingCommand> {
    Ok(match cmd {
        MappingCommand::Template(args) => template(&args),
        MappingCommand::Validate(args) => mapping_validate(&args),
        MappingCommand::Schema => print_json(&scim_console_core::mapping::plan::json_schema()),
        other => return Err(other),
    })
}

/// `mapping template`: a plan template, with a provider's side when one is named.
fn template(args: &MappingTemplateArgs) -> Result<()> {
    let mut plan = scim_console_core::mapping::templates::PlanTemplate::from(args.template).plan();
    if let Some(name) = &args.provider {
        let provider = serde_json::from_value(serde_json::Value::String(name.clone()))?;
        plan.provider =
            Some(scim_console_core::mapping::provider::ProviderSide::template(provider));
    }
    print_json(&plan)
}

/// Runs a `mapping` subcommand that reads or writes the console's plans, here or on the
/// server.
pub(crate) async fn run(on: &Console, cmd: MappingCommand) -> Result<()> {
    match cmd {
        offline @ (MappingCommand::Template(_)
        | MappingCommand::Validate(_)
        | MappingCommand::Schema) => run_offline(offline).unwrap_or(Ok(())),
        MappingCommand::Show(args) => {
            let (c, name) = on.configuration_named(&args.config).await?;
            let saved = match args.version {
                Some(v) => on.mapping_plan_version(c, v).await?,
                None => on.mapping_plan(c).await?.ok_or_else(|| {
                    CoreError::NotFound(format!(
                        "a mapping plan for \"{name}\" (it accepts every SCIM attribute)"
                    ))
                })?,
            };
            print_json(&saved)
        }
        MappingCommand::Test(args) => match on {
            Console::Local(store) => {
                mapping_test(store, &scim::SchemaRegistry::standard(), args).await
            }
            Console::Remote(api) => remote::test(api, args).await,
        },
        MappingCommand::Export(args) => {
            let (c, name) = on.configuration_named(&args.config).await?;
            let saved = on
                .mapping_plan(c)
                .await?
                .ok_or_else(|| CoreError::NotFound(format!("a mapping plan for \"{name}\"")))?;
            let text = serde_json::to_string_pretty(&saved.plan)?;
            match &args.output {
                Some(path) => scim_console_core::files::write_private(path, format!("{text}\n"))
                    .with_context(|| format!("writing {}", path.display()))?,
                None => println!("{text}"),
            }
            Ok(())
        }
        MappingCommand::Import(args) => {
            let (c, name) = on.configuration_named(&args.config).await?;
            let plan: Plan = read_json(&args.file)?;
            let (saved, findings) = on.save_mapping_plan(c, &plan, &args.comment).await?;
            print_findings(&findings);
            println!(
                "Saved as version {} of \"{name}\"'s mapping plan.",
                saved.version
            );
            Ok(())
        }
        MappingCommand::Diff(args) => mapping_diff(on, args).await,
        MappingCommand::Copy(args) => {
            let (from, from_name) = on.configuration_named(&args.from).await?;
            let (to, to_name) = on.configuration_named(&args.to).await?;
            let (from_version, saved, findings) = on.copy_mapping_plan(from, to).await?;
            print_findings(&findings);
            println!(
                "\"{from_name}\" version {from_version} copied to \"{to_name}\" as version {}.",
                saved.version
            );
            Ok(())
        }
        MappingCommand::Versions(args) => {
            let c = on.configuration_id(&args.config).await?;
            let versions = on.mapping_plan_versions(c).await?;
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
            let c = on.configuration_id(&args.config).await?;
            let saved = on.rollback_mapping_plan(c, args.version).await?;
            println!(
                "Version {} restored as version {}.",
                args.version, saved.version
            );
            Ok(())
        }
    }
}

/// `mapping test`: the plan (a file, or the configuration's current one) tried on a sample, a
/// log record, or each user of a source file.
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
    let trial = match Trial::new(&plan, registry.user()) {
        Ok(trial) => trial,
        Err(TrialError::Plan(findings)) => {
            print_findings(&findings);
            return Err(CoreError::invalid("plan", "the plan has errors").into());
        }
        Err(other) => return Err(trial_error(other)),
    };
    let operation = args.update.then_some(Operation::Update);
    if let Some(source) = &args.source {
        return mapping_test_sources(store, &trial, source, operation, args.json).await;
    }
    let input = if let Some(seq) = args.log_entry {
        TrialInput::LogEntry(seq)
    } else {
        let sample: serde_json::Value = read_json(args.sample.as_ref().unwrap_or(&PathBuf::new()))?;
        match sample {
            serde_json::Value::Object(sample) => TrialInput::Sample(sample),
            _ => {
                return Err(
                    CoreError::invalid("sample", "must be a JSON object (a SCIM User)").into(),
                );
            }
        }
    };
    let result = trial
        .run(store, input, operation)
        .await
        .map_err(trial_error)?;
    for note in &result.notes {
        eprintln!("note: {note}");
    }
    let evaluation = &result.evaluation;
    if args.json {
        print_json(evaluation)?;
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
        println!("{}", if result.passed { "PASSED" } else { "FAILED" });
    }
    if result.passed {
        Ok(())
    } else {
        Err(CoreError::invalid("sample", "the sample fails the plan").into())
    }
}

/// A trial's refusal as a command error (exit code 4 for input, the store's own otherwise).
fn trial_error(error: TrialError) -> anyhow::Error {
    match error {
        TrialError::Core(e) => e.into(),
        TrialError::Sample(detail) => CoreError::invalid("sample", detail).into(),
        other => CoreError::invalid("plan", other.to_string()).into(),
    }
}

/// `mapping test --source`: each source user through the provider's mappings, then the plan.
async fn mapping_test_sources(
    store: &Store,
    trial: &Trial<'_>,
    file: &PathBuf,
    operation: Option<Operation>,
    json: bool,
) -> Result<()> {
    if trial.plan().provider.is_none() {
        return Err(CoreError::invalid(
            "plan",
            "the plan has no provider side (its \"provider\" mappings)",
        )
        .into());
    }
    let users = read_source_users(file)?;
    let total = users.len();
    let mut failed = 0;
    let mut report = Vec::new();
    for (i, user) in users.into_iter().enumerate() {
        let result = match trial.run(store, TrialInput::Source(user), operation).await {
            Ok(result) => result,
            Err(TrialError::Sample(detail)) => {
                failed += 1;
                if json {
                    report.push(json!({"row": i + 1, "passed": false, "problems": [format!("the request is not a valid SCIM User: {detail}")]}));
                } else {
                    println!("{} ?: FAILED", i + 1);
                    println!("    the request is not a valid SCIM User: {detail}");
                }
                continue;
            }
            Err(other) => return Err(trial_error(other)),
        };
        if !result.passed {
            failed += 1;
        }
        let request = result.request.unwrap_or_default();
        if json {
            report.push(json!({"row": i + 1, "passed": result.passed, "request": request, "problems": result.provider_errors, "evaluation": result.evaluation}));
            continue;
        }
        let name = request
            .get("userName")
            .and_then(|v| v.as_str())
            .unwrap_or("?");
        println!(
            "{} {name}: {}",
            i + 1,
            if result.passed { "PASSED" } else { "FAILED" }
        );
        for p in &result.provider_errors {
            println!("    provider mapping: {p}");
        }
        for f in &result.evaluation.fields {
            for v in f.verdicts.iter().filter(|v| !v.passed) {
                println!(
                    "    {} = {}: {}",
                    f.field,
                    f.value,
                    v.message.clone().unwrap_or_default()
                );
            }
        }
        if !result.evaluation.unsupported.is_empty() {
            println!(
                "    not supported by the target: {}",
                result.evaluation.unsupported.join(", ")
            );
        }
    }
    if json {
        print_json(&report)?;
    } else {
        println!("{} of {total} source user(s) pass.", total - failed);
    }
    if failed == 0 {
        Ok(())
    } else {
        Err(CoreError::invalid("source", format!("{failed} source user(s) fail the plan")).into())
    }
}

/// `mapping diff`: two plan files, or two versions of a configuration's plan.
async fn mapping_diff(on: &Console, args: MappingDiffArgs) -> Result<()> {
    let changes = if let [a, b] = args.files.as_slice() {
        diff(&read_json::<Plan>(a)?, &read_json::<Plan>(b)?)
    } else {
        let name = args.config.clone().unwrap_or_default();
        let c = on.configuration_id(&name).await?;
        on.mapping_plan_diff(c, args.from.unwrap_or(1), args.to)
            .await?
    };
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
