//! `pilot run` on a remote console (`--server`): the server runs it (its targets, its
//! configurations, its log), the command line sends the source file, follows the run's
//! progress, stops it on Ctrl-C and prints its report as the local run prints its own.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context as _, Result};
use scim_console_core::CoreError;
use scim_console_core::mapping::provider::Provider;
use scim_console_server::pilot::Report;
use scim_console_server::pilot::runs::{RunState, RunView};
use serde_json::{Value, json};

use super::{RunArgs, finish, local, plan_name, show_progress};
use crate::api_client::ApiClient;

/// What the server cannot do that the local run can, said before anything starts.
fn refuse_local_only(args: &RunArgs) -> Result<()> {
    if Path::new(&args.plan).is_file() {
        return Err(CoreError::invalid(
            "--plan",
            "with --server the run uses a configuration's saved plan (NAME or NAME@VERSION): save the file first with `mapping import`",
        )
        .into());
    }
    if args.attempts != 5 || args.backoff_ms != 250 {
        return Err(CoreError::invalid(
            "--attempts",
            "with --server the server's retry policy applies (5 attempts, 250 ms doubling): leave --attempts and --backoff-ms out",
        )
        .into());
    }
    Ok(())
}

/// The API's description of the source: a configuration's users, or the file's content.
async fn source(api: &ApiClient, name: &str) -> Result<Value> {
    if let Some(config) = local(name) {
        return Ok(
            json!({"kind": "configuration", "configurationId": api.configuration_id(config).await?}),
        );
    }
    let content =
        std::fs::read_to_string(name).with_context(|| format!("reading the source {name}"))?;
    let json = Path::new(name)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    Ok(json!({"kind": if json { "json" } else { "csv" }, "content": content}))
}

/// Runs `pilot run` on the server.
pub(crate) async fn run(api: &ApiClient, args: RunArgs) -> Result<()> {
    refuse_local_only(&args)?;
    let (name, version) = plan_name(&args.plan)?;
    let configuration = api.configuration_id(name).await?;
    if let Some(log) = &args.config
        && api.configuration_id(log).await? != configuration
    {
        return Err(CoreError::invalid(
            "--config",
            "with --server the run is recorded in the log of the plan's configuration: leave --config out",
        )
        .into());
    }
    let target = match local(&args.target) {
        Some(config) => {
            json!({"kind": "configuration", "configurationId": api.configuration_id(config).await?})
        }
        None => json!({"kind": "remote", "target": args.target}),
    };
    let body = json!({
        "configurationId": configuration,
        "planVersion": version,
        "behaveAs": args.behave_as.map(Provider::from),
        "source": source(api, &args.source).await?,
        "target": target,
        "dryRun": args.dry_run,
        "concurrency": args.concurrency,
        "rate": args.rate,
    });
    let started: RunView = serde_json::from_value(api.post(&["api", "pilot-runs"], &body).await?)
        .context("the server's pilot run is not in a form this version reads")?;
    let report = follow(api, &started.id).await?;
    finish(&report, &args)
}

/// Follows a run until it ends (Ctrl-C stops it on the server): its report.
async fn follow(api: &ApiClient, id: &str) -> Result<Report> {
    let (tx, rx) = tokio::sync::watch::channel(scim_console_server::pilot::Progress::default());
    let bar = tokio::spawn(show_progress(rx));
    let mut stopped = false;
    let report = loop {
        let view: RunView = serde_json::from_value(api.get(&["api", "pilot-runs", id], &[]).await?)
            .context("the server's pilot run is not in a form this version reads")?;
        let _ = tx.send(view.progress);
        if view.state == RunState::Finished {
            break view.report;
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(300)) => {}
            _ = tokio::signal::ctrl_c(), if !stopped => {
                stopped = true;
                api.post(&["api", "pilot-runs", id, "stop"], &Value::Null).await?;
            }
        }
    };
    drop(tx);
    let _ = bar.await;
    report.context("the server's run ended without a report")
}
