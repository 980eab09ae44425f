//! `scim-console audit …`: the audit log of configuration, token and client changes, read and
//! exported.

use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand, ValueEnum};
use scim_console_core::Store;
use scim_console_core::audit::{AuditQuery, ExportFormat};

pub(crate) mod remote;

use crate::args::parse_date;
use crate::render::print_json;

#[derive(Debug, Subcommand)]
pub(crate) enum AuditCommand {
    /// Show the newest records (newest first).
    List(AuditArgs),
    /// Write every matching record, oldest first, as CSV or JSON Lines.
    Export(AuditExportArgs),
}

#[derive(Debug, Args)]
pub(crate) struct AuditFilter {
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
pub(crate) struct AuditArgs {
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
pub(crate) enum AuditFormat {
    Csv,
    Jsonl,
}

#[derive(Debug, Args)]
pub(crate) struct AuditExportArgs {
    #[command(flatten)]
    filter: AuditFilter,
    /// The format.
    #[arg(long, value_enum, default_value = "csv")]
    format: AuditFormat,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub(crate) async fn audit_query(
    store: &Store,
    filter: &AuditFilter,
    limit: usize,
) -> Result<AuditQuery> {
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

/// Runs an `audit` subcommand.
pub(crate) async fn run(store: &Store, cmd: AuditCommand) -> Result<()> {
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
                Some(path) => scim_console_core::files::write_private(path, text)
                    .with_context(|| format!("writing {}", path.display()))?,
                None => print!("{text}"),
            }
            Ok(())
        }
    }
}
