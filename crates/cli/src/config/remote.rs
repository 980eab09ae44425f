//! `config …` against a remote console (`--server`): the same verbs through the admin API,
//! printed as the local ones print (`--json`: the API's configuration view).

use anyhow::Result;
use scim_console_core::ClientProfile;
use serde_json::{Value, json};

use super::view::configuration;
use super::{ConfigCommand, Limit, print_configuration, set};
use crate::api_client::{ApiClient, text};
use crate::render::print_json;

/// Prints a configuration the API returned: JSON as is, or the local text form with its SCIM
/// base URL.
fn show(view: &Value, json: bool) -> Result<()> {
    if json {
        return print_json(view);
    }
    print_configuration(&configuration(view)?);
    println!("  SCIM base URL:    {}", text(&view["scimBaseUrl"]));
    Ok(())
}

/// Changes a configuration and prints it.
async fn change(api: &ApiClient, name: &str, body: &Value, json: bool) -> Result<Value> {
    let id = api.configuration_id(name).await?;
    let changed = api.patch(&["api", "configurations", &id], body).await?;
    if json {
        print_json(&changed)?;
    }
    Ok(changed)
}

/// Runs a `config` subcommand against the server.
pub(crate) async fn run(api: &ApiClient, cmd: ConfigCommand) -> Result<()> {
    match cmd {
        ConfigCommand::List(flag) => {
            let list = api.get(&["api", "configurations"], &[]).await?;
            if flag.json {
                return print_json(&list);
            }
            let list = list.as_array().cloned().unwrap_or_default();
            if list.is_empty() {
                println!(
                    "No configurations yet: create one with `scim-console config create NAME`."
                );
            }
            for c in &list {
                println!(
                    "{:<30} {}  {}",
                    text(&c["name"]),
                    text(&c["scimBaseUrl"]),
                    if c["enabled"].as_bool() == Some(true) {
                        "enabled"
                    } else {
                        "disabled"
                    }
                );
            }
            Ok(())
        }
        ConfigCommand::Create(args) => create(api, args).await,
        ConfigCommand::Show(args) => show(&api.configuration(&args.name).await?, args.json),
        ConfigCommand::Enable(args) => set_enabled(api, &args.name, true, args.json).await,
        ConfigCommand::Disable(args) => set_enabled(api, &args.name, false, args.json).await,
        ConfigCommand::Delete(args) => {
            let c = api.configuration(&args.name).await?;
            api.delete(&["api", "configurations", text(&c["id"])])
                .await?;
            if args.json {
                return print_json(&json!({"deleted": c["id"]}));
            }
            println!(
                "Deleted \"{}\" with its tokens and directory.",
                text(&c["name"])
            );
            Ok(())
        }
        ConfigCommand::Policy(args) => {
            let c = configuration(&api.configuration(&args.name).await?)?;
            let apply = |current: Option<u32>, change: Option<Limit>| match change {
                None => current,
                Some(Limit::None) => None,
                Some(Limit::Value(v)) => Some(v),
            };
            let p = c.token_policy;
            let policy = json!({
                "maxLifetimeDays": apply(p.max_lifetime_days, args.max_lifetime),
                "rotationDays": apply(p.rotation_days, args.rotation),
                "maxActive": apply(p.max_active, args.max_active),
                "rotationGraceHours": apply(p.rotation_grace_hours, args.rotation_grace),
            });
            let changed =
                change(api, &args.name, &json!({"tokenPolicy": policy}), args.json).await?;
            if !args.json {
                show(&changed, false)?;
            }
            Ok(())
        }
        ConfigCommand::Retention(args) => {
            let c = configuration(&api.configuration(&args.name).await?)?;
            let retention = json!({
                "maxAgeDays": args.max_age.unwrap_or(c.log_retention.max_age_days),
                "maxRecords": args.max_records.unwrap_or(c.log_retention.max_records),
            });
            let changed = change(
                api,
                &args.name,
                &json!({"logRetention": retention}),
                args.json,
            )
            .await?;
            if !args.json {
                show(&changed, false)?;
            }
            Ok(())
        }
        ConfigCommand::Set(args) => set::run_remote(api, &args).await,
        ConfigCommand::Health(args) => super::watch::health_remote(api, &args).await,
        ConfigCommand::Deletions(args) => super::watch::deletions_remote(api, &args).await,
    }
}

/// `config enable` / `config disable` against the server.
async fn set_enabled(api: &ApiClient, name: &str, enabled: bool, json: bool) -> Result<()> {
    let changed = change(api, name, &json!({ "enabled": enabled }), json).await?;
    if !json {
        println!(
            "\"{}\" is now {}.",
            text(&changed["name"]),
            if changed["enabled"].as_bool() == Some(true) {
                "enabled"
            } else {
                "disabled"
            }
        );
    }
    Ok(())
}

/// `config create` on the server.
async fn create(api: &ApiClient, args: super::CreateArgs) -> Result<()> {
    let profile: Option<ClientProfile> = args.client_profile.map(Into::into);
    let body = json!({
        "name": args.name,
        "description": args.description,
        "slug": args.slug,
        "enabled": !args.disabled,
        "provisionUsers": !args.groups_only,
        "provisionGroups": !args.users_only,
        "putSemantics": if args.merge_put { "merge" } else { "replace" },
        "protectedAccounts": args.protected,
        "tokenPolicy": {
            "maxLifetimeDays": args.token_max_lifetime,
            "rotationDays": args.token_rotation,
            "maxActive": args.token_max_active,
            "rotationGraceHours": args.token_rotation_grace,
        },
        "logRetention": {"maxAgeDays": args.log_max_age, "maxRecords": args.log_max_records},
        "identityProvider": args.idp.map(scim_console_core::IdentityProvider::from),
        "clientProfile": profile.or(if args.idp.is_none() { Some(ClientProfile::Rfc) } else { None }),
        "planTemplate": args.plan_template.map(scim_console_core::mapping::templates::PlanTemplate::from),
    });
    let created = api.post(&["api", "configurations"], &body).await?;
    show(&created, args.json)?;
    if !args.json {
        println!(
            "Create its token with `scim-console token create --config {}`.",
            text(&created["slug"])
        );
    }
    Ok(())
}
