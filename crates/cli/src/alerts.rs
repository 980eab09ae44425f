//! `scim-console alerts …`: alert rules per configuration, their history, and evaluating them
//! now (with the webhook calls, waited for).

use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use scim_console_core::CoreError;
use scim_console_core::alerts::{
    AlertCondition, AlertEvent, AlertEventQuery, AlertRule, NewAlertRule,
};

use crate::console::Console;

mod remote;

/// The `alerts` subcommands.
#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// The alert rules, of one configuration or of all.
    List(ListArgs),
    /// Add a rule to a configuration.
    Add(AddArgs),
    /// Evaluate a rule again from now on.
    Enable(RuleArgs),
    /// Stop evaluating a rule (its history stays).
    Disable(RuleArgs),
    /// Remove a rule (its history stays).
    Remove(RuleArgs),
    /// The alerts raised and resolved, newest first.
    History(HistoryArgs),
    /// Evaluate every rule now and call the webhooks of what was raised or resolved (a running
    /// server does this every minute).
    Evaluate(JsonArg),
}

/// `--json`.
#[derive(Debug, Args)]
pub struct JsonArg {
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// `alerts list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only this configuration (name, slug or id).
    #[arg(long = "config")]
    config: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// What a rule watches.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum When {
    /// At least --percent of the requests of the last --minutes failed.
    FailureRate,
    /// No request for --hours.
    NoTraffic,
    /// A revoked token was presented in the last --minutes.
    RevokedToken,
    /// A token in use expires within --days (default 14), or has expired unrevoked.
    TokenExpiring,
    /// A token in use is due for rotation under the policy within --days (default 0: once
    /// overdue).
    RotationOverdue,
    /// The accidental-deletion threshold holds deletions waiting for an admin.
    DeletionsHeld,
}

/// `alerts add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// Name, slug or id of the configuration.
    #[arg(long = "config")]
    config: String,
    /// The rule's name.
    #[arg(long)]
    name: String,
    /// What it watches.
    #[arg(long, value_enum)]
    when: When,
    /// failure-rate: the threshold, in percent.
    #[arg(long)]
    percent: Option<f64>,
    /// failure-rate, revoked-token: the window in minutes (default 15 and 60).
    #[arg(long)]
    minutes: Option<u32>,
    /// failure-rate: the fewest requests in the window to judge (default 10).
    #[arg(long)]
    min_requests: Option<u32>,
    /// no-traffic: the hours of silence.
    #[arg(long)]
    hours: Option<u32>,
    /// token-expiring, rotation-overdue: how many days ahead to warn.
    #[arg(long)]
    days: Option<u32>,
    /// An http(s):// address that receives each alert as a JSON POST (stored sealed).
    #[arg(long, value_name = "URL")]
    webhook: Option<String>,
    /// An address that receives each alert by email, through the console's relay (repeat for
    /// more, at most 20).
    #[arg(long = "email-to", value_name = "ADDRESS")]
    email_to: Vec<String>,
    /// Create it disabled.
    #[arg(long)]
    disabled: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// A rule by id.
#[derive(Debug, Args)]
pub struct RuleArgs {
    /// The rule's id (as `alerts list` shows it).
    id: i64,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// `alerts history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only this configuration (name, slug or id).
    #[arg(long = "config")]
    config: Option<String>,
    /// At most this many.
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

impl AlertsCommand {
    /// Whether the command needs the master key (to seal or open webhook addresses).
    pub fn needs_master_key(&self) -> bool {
        matches!(self, Self::Add(a) if a.webhook.is_some()) || matches!(self, Self::Evaluate(_))
    }
}

fn condition(args: &AddArgs) -> Result<AlertCondition> {
    Ok(match args.when {
        When::FailureRate => AlertCondition::FailureRate {
            percent: match args.percent {
                Some(p) => p,
                None => {
                    return Err(
                        CoreError::invalid("--percent", "--when failure-rate needs it").into(),
                    );
                }
            },
            minutes: args.minutes.unwrap_or(15),
            min_requests: args.min_requests.unwrap_or(10),
        },
        When::NoTraffic => AlertCondition::NoTraffic {
            hours: match args.hours {
                Some(h) => h,
                None => {
                    return Err(CoreError::invalid("--hours", "--when no-traffic needs it").into());
                }
            },
        },
        When::RevokedToken => AlertCondition::RevokedTokenUsed {
            minutes: args.minutes.unwrap_or(60),
        },
        When::TokenExpiring => AlertCondition::TokenExpiring {
            days: args.days.unwrap_or(14),
        },
        When::RotationOverdue => AlertCondition::RotationOverdue {
            days: args.days.unwrap_or(0),
        },
        When::DeletionsHeld => AlertCondition::DeletionsHeld,
    })
}

fn print_json(value: &impl serde::Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn print_rule(rule: &AlertRule) {
    let state = match (rule.enabled, rule.firing_since) {
        (false, _) => "disabled".to_owned(),
        (true, Some(since)) => format!("FIRING since {}", since.format("%Y-%m-%d %H:%M")),
        (true, None) => "ok".to_owned(),
    };
    println!(
        "{:>4}  {}  [{}]  {}{}",
        rule.id,
        rule.name,
        state,
        rule.description,
        rule.webhook
            .as_deref()
            .map(|w| format!("  → {w}"))
            .unwrap_or_default()
    );
}

fn print_event(event: &AlertEvent) {
    let webhook = match (&event.webhook, &event.webhook_detail) {
        (Some(state), Some(detail)) => format!("  (webhook {state:?}: {detail})"),
        (Some(state), None) => format!("  (webhook {state:?})"),
        _ => String::new(),
    };
    println!(
        "{}  {:<8}  {} / {}: {}{webhook}",
        event.at.format("%Y-%m-%d %H:%M:%S"),
        format!("{:?}", event.kind).to_lowercase(),
        event.configuration_name,
        event.rule_name,
        event.message
    );
}

/// Runs an `alerts` subcommand, here or on the server.
pub async fn run(on: &Console, cmd: AlertsCommand) -> Result<()> {
    match cmd {
        AlertsCommand::List(args) => {
            let configuration = match &args.config {
                Some(name) => Some(on.configuration_id(name).await?),
                None => None,
            };
            let rules = on.alert_rules(configuration).await?;
            if args.json {
                return print_json(&rules);
            }
            if rules.is_empty() {
                println!("No alert rules. Add one with `scim-console alerts add`.");
            }
            rules.iter().for_each(print_rule);
        }
        AlertsCommand::Add(args) => {
            let config = on.configuration_id(&args.config).await?;
            let rule = NewAlertRule {
                name: args.name.clone(),
                condition: condition(&args)?,
                enabled: !args.disabled,
                webhook_url: args.webhook.clone(),
                email_to: args.email_to.clone(),
            };
            let created = on.create_alert_rule(config, &rule).await?;
            if args.json {
                return print_json(&created);
            }
            print_rule(&created);
        }
        AlertsCommand::Enable(args) => toggle(on, &args, true).await?,
        AlertsCommand::Disable(args) => toggle(on, &args, false).await?,
        AlertsCommand::Remove(args) => {
            on.delete_alert_rule(args.id).await?;
            if args.json {
                return print_json(&serde_json::json!({"removed": args.id}));
            }
            println!("Removed alert rule {}.", args.id);
        }
        AlertsCommand::History(args) => {
            let configuration = match &args.config {
                Some(name) => Some(on.configuration_id(name).await?),
                None => None,
            };
            let events = on
                .alert_events(&AlertEventQuery {
                    configuration,
                    before: None,
                    limit: args.limit,
                    ..AlertEventQuery::default()
                })
                .await?;
            if args.json {
                return print_json(&events);
            }
            if events.is_empty() {
                println!("No alerts yet.");
            }
            events.iter().for_each(print_event);
        }
        AlertsCommand::Evaluate(args) => {
            let events = on.evaluate_alerts().await?;
            if args.json {
                return print_json(&events);
            }
            if events.is_empty() {
                println!("Nothing raised or resolved.");
            }
            events.iter().for_each(print_event);
        }
    }
    Ok(())
}

async fn toggle(on: &Console, args: &RuleArgs, enabled: bool) -> Result<()> {
    let rule = on.enable_alert_rule(args.id, enabled).await?;
    if args.json {
        return print_json(&rule);
    }
    print_rule(&rule);
    Ok(())
}
