//! `scim-console config …`: SCIM configurations — create, list, show, enable, disable,
//! delete, log retention, token policy; `set` (the client profile and compatibility switches)
//! lives in [`set`].

pub(crate) mod remote;
mod set;
mod view;
mod watch;

use anyhow::Result;
use clap::{Args, Subcommand};
use scim_console_core::configuration::{ConfigurationUpdate, LogRetention};
use scim_console_core::mapping::templates::PlanTemplate;
use scim_console_core::{
    Actor, ClientProfile, Compatibility, Configuration, NewConfiguration, Store, TokenPolicy,
};
use serde_json::json;

use crate::args::{JsonFlag, NamedArgs};
use crate::render::print_json;

#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
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
    Set(set::CompatArgs),
    /// How a configuration's provisioning goes: healthy, degraded or failing, with the reason,
    /// and per user the last failure and whether a later request succeeded.
    Health(watch::HealthArgs),
    /// Show, set (`--count N` or `--percent P`, `--window MIN`) or remove (`--off`) the
    /// accidental-deletion threshold, and release or discard the deletions it holds.
    Deletions(watch::DeletionsArgs),
}

#[derive(Debug, Args)]
pub(crate) struct RetentionArgs {
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
pub(crate) enum Limit {
    None,
    Value(u32),
}

pub(crate) fn parse_limit(text: &str) -> Result<Limit, String> {
    if text.eq_ignore_ascii_case("none") {
        return Ok(Limit::None);
    }
    text.parse::<u32>()
        .map(Limit::Value)
        .map_err(|_| format!("\"{text}\" is not a whole number or \"none\""))
}

#[derive(Debug, Args)]
pub(crate) struct PolicyArgs {
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
    /// How long a rotated token keeps working when a rotation names no grace, in hours (0 to
    /// 2,160), or `none`.
    #[arg(long, value_name = "HOURS|none", value_parser = parse_limit)]
    rotation_grace: Option<Limit>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools)] // One flag per switch of a configuration.
pub(crate) struct CreateArgs {
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
    idp: Option<set::Idp>,
    /// The client profile (entra, okta, rfc, strict); wins over --idp.
    #[arg(long, value_enum)]
    client_profile: Option<set::Profile>,
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
    /// Token policy: a rotated token's default grace window, in hours.
    #[arg(long, value_name = "HOURS")]
    token_rotation_grace: Option<u32>,
    /// Log retention: records older than this many days go (default 30).
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    log_max_age: u32,
    /// Log retention: beyond this many records, the oldest go (default 1,000,000).
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    log_max_records: u32,
    /// Start with a mapping plan template as its first plan version: `standard` or
    /// `xmatters` (default: no plan, every SCIM attribute accepted).
    #[arg(long, value_enum, value_name = "TEMPLATE")]
    plan_template: Option<Template>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// A mapping plan template on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum Template {
    /// Every common SCIM attribute.
    Standard,
    /// xMatters' supported attributes.
    Xmatters,
}

impl From<Template> for PlanTemplate {
    fn from(t: Template) -> Self {
        match t {
            Template::Standard => Self::Standard,
            Template::Xmatters => Self::XMatters,
        }
    }
}

pub(crate) fn print_configuration(c: &Configuration) {
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
        "  token policy:     max lifetime {}, rotation every {}, max active {}, rotation grace {}",
        days(p.max_lifetime_days),
        days(p.rotation_days),
        p.max_active
            .map_or_else(|| "unlimited".to_owned(), |n| n.to_string()),
        p.rotation_grace_hours
            .map_or_else(|| "none".to_owned(), |h| format!("{h} hours"))
    );
    println!(
        "  log retention:    {} days, at most {} records",
        c.log_retention.max_age_days, c.log_retention.max_records
    );
    set::print(c, false);
}

/// `config create` here: the configuration, and its first plan when a template is named.
async fn create(store: &Store, args: CreateArgs) -> Result<()> {
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
            rotation_grace_hours: args.token_rotation_grace,
        },
        client_authentication: scim_console_core::ClientAuthentication::Any,
        log_retention: LogRetention {
            max_age_days: args.log_max_age,
            max_records: args.log_max_records,
        },
        client_profile: profile,
        compatibility: Compatibility::for_profile(profile),
    };
    let registry = scim::SchemaRegistry::standard();
    let c = store
        .create_configuration_from_template(
            new,
            args.plan_template.map(Into::into),
            registry.user(),
            &Actor::cli(),
        )
        .await?;
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

/// Runs a `config` subcommand.
pub(crate) async fn run(store: &Store, cmd: ConfigCommand) -> Result<()> {
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
        ConfigCommand::Create(args) => create(store, args).await,
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
        ConfigCommand::Set(args) => set::run(store, &args).await,
        ConfigCommand::Health(args) => watch::health(store, &args).await,
        ConfigCommand::Deletions(args) => watch::deletions(store, &args).await,
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

pub(crate) async fn set_enabled(store: &Store, args: &NamedArgs, enabled: bool) -> Result<()> {
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

pub(crate) async fn set_retention(store: &Store, args: &RetentionArgs) -> Result<()> {
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

pub(crate) async fn set_policy(store: &Store, args: &PolicyArgs) -> Result<()> {
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
        rotation_grace_hours: apply(c.token_policy.rotation_grace_hours, args.rotation_grace),
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
