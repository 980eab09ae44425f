//! `scim-console logs …`: the provisioning log searched, followed, exported, charted as figures
//! and cycles, and its retention applied.

use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand, ValueEnum};
use scim_console_core::CoreError;

mod remote;

use crate::args::{JsonFlag, parse_date};
use crate::audit::AuditFormat;
use crate::console::Console;
use crate::render::print_json;

#[derive(Debug, Subcommand)]
pub(crate) enum LogsCommand {
    /// The newest records matching the filters.
    Search(LogsArgs),
    /// Print records as they arrive (from a running server's data directory, or with --server
    /// from the server), until Ctrl-C.
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
    /// Requests refused for their credential (missing, invalid, expired, revoked, not allowed),
    /// counted per minute, source address, reason and status, newest first.
    Refusals(LogsRefusalsArgs),
}

#[derive(Debug, Args)]
pub(crate) struct LogsRefusalsArgs {
    /// Only this configuration (name, slug or id).
    #[arg(long = "config")]
    config: Option<String>,
    /// From this date or time.
    #[arg(long, value_parser = parse_date)]
    since: Option<DateTime<Utc>>,
    /// At most this many rows (default 200, at most 1,000).
    #[arg(long)]
    limit: Option<u32>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// `logs refusals`: one line per minute, source, reason and status.
async fn logs_refusals(on: &Console, args: &LogsRefusalsArgs) -> Result<()> {
    let configuration_id = match &args.config {
        Some(name) => Some(on.configuration_id(name).await?),
        None => None,
    };
    let rows = on
        .refusals(&scim_console_core::logs::refusals::RefusalQuery {
            configuration_id,
            from: args.since,
            to: None,
            limit: args.limit,
            ..Default::default()
        })
        .await?;
    if args.json {
        return print_json(&rows);
    }
    if rows.is_empty() {
        println!("No refused request.");
    }
    for r in &rows {
        println!(
            "{}  {:<15}  {:>6} × {} {:?}{}",
            r.minute.format("%Y-%m-%d %H:%M"),
            r.source,
            r.count,
            r.status,
            r.reason,
            r.credential
                .as_deref()
                .map(|c| format!("  {c}"))
                .unwrap_or_default()
        );
    }
    Ok(())
}

#[derive(Debug, Args)]
pub(crate) struct LogsStatsArgs {
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
pub(crate) enum StatsInterval {
    Minute,
    Hour,
    Day,
}

#[derive(Debug, Args)]
pub(crate) struct LogsCyclesArgs {
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
pub(crate) struct LogsExportArgs {
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
pub(crate) struct LogsArgs {
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

pub(crate) fn log_filter<T: serde::de::DeserializeOwned>(
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

pub(crate) fn log_line(e: &scim_console_core::logs::LogEntry) -> String {
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
pub(crate) async fn logs_export(on: &Console, args: LogsExportArgs) -> Result<()> {
    use std::io::Write as _;
    let mut query = logs_query(on, &args.filter).await?;
    query.after = Some(0);
    query.limit = 1000;
    let mut out: Box<dyn std::io::Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            scim_console_core::files::create_private(path)
                .with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    let csv = matches!(args.format, AuditFormat::Csv);
    if csv {
        out.write_all(scim_console_core::logs::CSV_HEADER.as_bytes())?;
    }
    loop {
        let page = on.search_logs(&query).await?;
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
pub(crate) async fn logs_stats(on: &Console, args: &LogsStatsArgs) -> Result<()> {
    use scim_console_core::logs::stats::{Interval, StatsQuery};
    let configuration = match &args.config {
        Some(name) => Some(on.configuration_id(name).await?),
        None => None,
    };
    let interval = match args.interval {
        StatsInterval::Minute => Interval::Minute,
        StatsInterval::Hour => Interval::Hour,
        StatsInterval::Day => Interval::Day,
    };
    let stats = on
        .log_stats(&StatsQuery {
            configuration,
            since: args.since,
            until: args.until,
            interval,
            ..StatsQuery::default()
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
pub(crate) async fn logs_cycles(on: &Console, args: &LogsCyclesArgs) -> Result<()> {
    let c = on.configuration_id(&args.config).await?;
    let until = Utc::now();
    let since = args
        .since
        .unwrap_or_else(|| until - chrono::Duration::days(7));
    let cycles = on.log_cycles(c, since, until, args.gap).await?;
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

pub(crate) async fn logs_query(
    on: &Console,
    args: &LogsArgs,
) -> Result<scim_console_core::logs::LogQuery> {
    let configuration = match &args.config {
        Some(name) => Some(on.configuration_id(name).await?),
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

/// Runs a `logs` subcommand.
pub(crate) async fn run(on: &Console, cmd: LogsCommand) -> Result<()> {
    let (args, follow) = match cmd {
        LogsCommand::Search(a) => (a, false),
        LogsCommand::Tail(a) => (a, true),
        LogsCommand::Export(a) => return logs_export(on, a).await,
        LogsCommand::Stats(a) => return logs_stats(on, &a).await,
        LogsCommand::Cycles(a) => return logs_cycles(on, &a).await,
        LogsCommand::Refusals(a) => return logs_refusals(on, &a).await,
        LogsCommand::Retention(flag) => {
            let report = on.apply_log_retention().await?;
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
    let mut query = logs_query(on, &args).await?;
    if !follow {
        let page = on.search_logs(&query).await?;
        if args.json {
            return print_json(&page);
        }
        for e in page.entries.iter().rev() {
            println!("{}", log_line(e));
        }
        return Ok(());
    }
    // Follow: start after the newest record, then poll.
    let newest = on
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
        let page = on.search_logs(&query).await?;
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
