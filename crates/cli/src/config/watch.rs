//! `config health` and `config deletions`: how a configuration's provisioning goes (healthy,
//! degraded, failing; per user the last failure) and its accidental-deletion threshold with the
//! deletions it holds — here or on a server, printed alike (both read the API's JSON shapes).

use anyhow::Result;
use clap::Args;
use scim_console_core::deletions::held::Selection;
use scim_console_core::deletions::{DeletionLimit, DeletionThreshold};
use scim_console_core::{Actor, Store};
use serde_json::{Value, json};

use crate::api_client::{ApiClient, text};
use crate::render::print_json;

#[derive(Debug, Args)]
pub(crate) struct HealthArgs {
    /// Name, slug or id of the configuration.
    name: String,
    /// Hours looked back (1 to 168).
    #[arg(long, default_value_t = 24)]
    hours: u32,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools)] // Exclusive actions, each a flag.
pub(crate) struct DeletionsArgs {
    /// Name, slug or id of the configuration.
    name: String,
    /// Set the threshold: at most this many deletions and deactivations in the window.
    #[arg(long, conflicts_with_all = ["percent", "off"])]
    count: Option<u32>,
    /// Set the threshold: at most this percentage of the users in the window.
    #[arg(long, conflicts_with = "off")]
    percent: Option<u32>,
    /// The window in minutes (1 to 10,080).
    #[arg(long, default_value_t = 60)]
    window: u32,
    /// Remove the threshold.
    #[arg(long)]
    off: bool,
    /// Release every held deletion (each applied now).
    #[arg(long, conflicts_with_all = ["discard_all", "count", "percent", "off"])]
    release_all: bool,
    /// Discard every held deletion (the users stay).
    #[arg(long, conflicts_with_all = ["count", "percent", "off"])]
    discard_all: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

impl DeletionsArgs {
    fn threshold(&self) -> Option<DeletionThreshold> {
        let limit = match (self.count, self.percent) {
            (Some(n), _) => DeletionLimit::Count(n),
            (None, Some(p)) => DeletionLimit::Percent(p),
            (None, None) => return None,
        };
        Some(DeletionThreshold {
            limit,
            window_minutes: self.window,
        })
    }
}

/// `config health` here.
pub(crate) async fn health(store: &Store, args: &HealthArgs) -> Result<()> {
    let c = store.find_configuration(&args.name).await?;
    let h = serde_json::to_value(store.configuration_health(&c, args.hours).await?)?;
    print_health(&h, args.json)
}

/// `config health` on a server.
pub(crate) async fn health_remote(api: &ApiClient, args: &HealthArgs) -> Result<()> {
    let c = api.configuration(&args.name).await?;
    let h = api
        .get(
            &["api", "configurations", text(&c["id"]), "health"],
            &[("hours", args.hours.to_string())],
        )
        .await?;
    print_health(&h, args.json)
}

fn print_health(h: &Value, json: bool) -> Result<()> {
    if json {
        return print_json(h);
    }
    println!("{}: {}", text(&h["state"]), text(&h["reason"]));
    println!(
        "last hour: {} requests, {} failed; users still failing: {}, recovered: {}",
        h["requestsLastHour"], h["failuresLastHour"], h["unresolved"], h["recovered"]
    );
    for u in h["users"].as_array().into_iter().flatten() {
        let since = if u["recovered"].is_string() {
            format!("recovered {}", text(&u["recovered"]))
        } else {
            "still failing".to_owned()
        };
        println!(
            "  {}  {} {} {}  {}  ({since})",
            text(&u["user"]),
            text(&u["method"]),
            u["status"],
            text(&u["at"]),
            text(&u["detail"]),
        );
    }
    Ok(())
}

/// `config deletions` here.
pub(crate) async fn deletions(store: &Store, args: &DeletionsArgs) -> Result<()> {
    let c = store.find_configuration(&args.name).await?;
    let actor = Actor::cli();
    if let Some(threshold) = args.threshold() {
        store.set_deletion_threshold(&c, &threshold, &actor).await?;
    } else if args.off {
        store.clear_deletion_threshold(&c, &actor).await?;
    } else if args.release_all {
        let registry = scim::SchemaRegistry::standard();
        let done = store
            .release_deletions(&c, &registry, &Selection::All, &actor)
            .await?;
        return print_decided(&serde_json::to_value(done)?, "released", args.json);
    } else if args.discard_all {
        let done = store.discard_deletions(&c, &Selection::All, &actor).await?;
        return print_decided(&serde_json::to_value(done)?, "discarded", args.json);
    }
    let threshold = serde_json::to_value(store.deletion_threshold(c.id).await?)?;
    let held = serde_json::to_value(store.held_deletions(c.id).await?)?;
    print_deletions(&threshold, &held, args.json)
}

/// `config deletions` on a server.
pub(crate) async fn deletions_remote(api: &ApiClient, args: &DeletionsArgs) -> Result<()> {
    let c = api.configuration(&args.name).await?;
    let id = text(&c["id"]).to_owned();
    let at = |tail: &'static [&'static str]| {
        let mut segments = vec!["api", "configurations", id.as_str()];
        segments.extend_from_slice(tail);
        segments
    };
    if let Some(threshold) = args.threshold() {
        api.put(
            &at(&["deletion-threshold"]),
            &serde_json::to_value(threshold)?,
        )
        .await?;
    } else if args.off {
        api.delete(&at(&["deletion-threshold"])).await?;
    } else if args.release_all || args.discard_all {
        let (tail, verb): (&'static [&'static str], _) = if args.release_all {
            (&["held-deletions", "release"], "released")
        } else {
            (&["held-deletions", "discard"], "discarded")
        };
        let done = api.post(&at(tail), &json!({})).await?;
        return print_decided(&done, verb, args.json);
    }
    let threshold = api.get(&at(&["deletion-threshold"]), &[]).await?["threshold"].clone();
    let held = api.get(&at(&["held-deletions"]), &[]).await?;
    print_deletions(&threshold, &held, args.json)
}

fn print_decided(done: &Value, verb: &str, json: bool) -> Result<()> {
    if json {
        return print_json(done);
    }
    println!("{} held deletion(s) {verb}", done["decided"]);
    Ok(())
}

fn print_deletions(threshold: &Value, held: &Value, json: bool) -> Result<()> {
    if json {
        return print_json(&json!({"threshold": threshold, "held": held}));
    }
    if threshold.is_null() {
        println!("threshold: none (every deletion goes through)");
    } else {
        println!(
            "threshold: {} (set by {})",
            text(&threshold["description"]),
            text(&threshold["updatedBy"])
        );
    }
    let held = held.as_array().cloned().unwrap_or_default();
    println!("held: {}", held.len());
    for h in &held {
        println!(
            "  {}  {}  since {}  ({} attempts)",
            text(&h["userName"]),
            text(&h["kind"]),
            text(&h["held"]),
            h["attempts"]
        );
    }
    Ok(())
}
