//! `audit …` against a remote console (`--server`): the records and their export through the
//! admin API (`--json`: the API's record views).

use anyhow::Result;

use super::{AuditCommand, AuditFilter, AuditFormat};
use crate::api_client::{ApiClient, text};
use crate::render::print_json;

/// The API's query for a filter.
async fn query(api: &ApiClient, filter: &AuditFilter) -> Result<Vec<(&'static str, String)>> {
    let mut query = Vec::new();
    if let Some(name) = &filter.config {
        query.push(("configuration", api.configuration_id(name).await?));
    }
    if let Some(action) = &filter.action {
        query.push(("action", action.clone()));
    }
    if let Some(since) = filter.since {
        query.push(("since", since.to_rfc3339()));
    }
    Ok(query)
}

/// Runs an `audit` subcommand against the server.
pub(crate) async fn run(api: &ApiClient, cmd: AuditCommand) -> Result<()> {
    match cmd {
        AuditCommand::List(args) => {
            let mut query = query(api, &args.filter).await?;
            query.push(("limit", args.limit.to_string()));
            let page = api.get(&["api", "audit"], &query).await?;
            if args.json {
                return print_json(&page["entries"]);
            }
            for e in page["entries"].as_array().into_iter().flatten() {
                println!(
                    "{} {:<28} {:<14} {:<16} {:<20} {} {}",
                    text(&e["at"])
                        .get(..19)
                        .unwrap_or_default()
                        .replace('T', " "),
                    text(&e["action"]),
                    text(&e["actor"]),
                    text(&e["source"]),
                    e["configurationName"].as_str().unwrap_or("-"),
                    e["target"].as_str().unwrap_or("-"),
                    e["details"]
                );
            }
            Ok(())
        }
        AuditCommand::Export(args) => {
            let mut query = query(api, &args.filter).await?;
            let format = match args.format {
                AuditFormat::Csv => "csv",
                AuditFormat::Jsonl => "jsonl",
            };
            query.push(("format", format.to_owned()));
            api.download(&["api", "audit", "export"], &query, args.output.as_deref())
                .await
        }
    }
}
