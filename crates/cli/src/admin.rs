//! `scim-console admin …`: the console's administrators — created with their roles, listed,
//! given other roles, disabled and enabled — in the console's database (docs/administrators.md).

use std::collections::BTreeSet;

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use scim_console_core::administrators::accounts::{
    Administrator, AdministratorState, NewAdministrator,
};
use scim_console_core::administrators::links::LINK_MINUTES;
use scim_console_core::administrators::roles::{Grant, Role};

use crate::console::Console;
use crate::render::{day, print_json};

pub(crate) mod remote;

#[derive(Debug, Subcommand)]
pub(crate) enum AdminCommand {
    /// Create an administrator with its roles, and print its one-time sign-in link.
    Create(CreateArgs),
    /// Print a new one-time sign-in link for an administrator (15 minutes, one use).
    Link(LinkArgs),
    /// List the administrators, their roles and states.
    List(ListArgs),
    /// Give an administrator other roles (replacing its roles).
    Role(RoleArgs),
    /// Disable an administrator: it signs in no more.
    Disable(KeyArgs),
    /// Enable a disabled administrator again.
    Enable(KeyArgs),
    /// List an administrator's open sessions (on every instance).
    Sessions(KeyArgs),
    /// End one of an administrator's sessions, on every instance.
    EndSession(EndSessionArgs),
    /// Remove an administrator's password and TOTP (a lost device): it signs in next with a
    /// one-time link (`admin link`) and sets new ones.
    ResetPassword(KeyArgs),
}

#[derive(Debug, Args)]
pub(crate) struct EndSessionArgs {
    /// The administrator: email (any case) or id.
    administrator: String,
    /// The session's id (`ses_…`, from `admin sessions`).
    session: String,
}

/// Roles, and the configurations they are limited to.
#[derive(Debug, Args)]
pub(crate) struct RolesArgs {
    /// A role: owner, security, editor or viewer (repeat for several).
    #[arg(long = "role", required = true, value_name = "ROLE")]
    roles: Vec<Role>,
    /// Limit the roles (all but owner) to this configuration: name, slug or id (repeat for
    /// several). Without it, the roles cover every configuration.
    #[arg(long = "config", value_name = "CONFIG")]
    configurations: Vec<String>,
}

impl RolesArgs {
    /// The grants these arguments give.
    async fn grants(&self, on: &Console) -> Result<Vec<Grant>> {
        if self.configurations.is_empty() {
            return Ok(self.roles.iter().map(|r| Grant::everywhere(*r)).collect());
        }
        if self.roles.contains(&Role::Owner) {
            bail!("the owner role covers the whole server: it cannot be limited with --config");
        }
        let mut ids = BTreeSet::new();
        for key in &self.configurations {
            ids.insert(on.configuration_id(key).await?);
        }
        self.roles
            .iter()
            .map(|r| Ok(Grant::on(*r, ids.clone())?))
            .collect()
    }
}

#[derive(Debug, Args)]
pub(crate) struct CreateArgs {
    /// The email address the administrator signs in with.
    #[arg(long)]
    email: String,
    /// What people call it (default: the email's local part).
    #[arg(long, default_value = "")]
    name: String,
    #[command(flatten)]
    roles: RolesArgs,
    #[command(flatten)]
    url: UrlArgs,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// Where the console's UI is reached, for the links printed.
#[derive(Debug, Args)]
pub(crate) struct UrlArgs {
    /// The console's public URL, as administrators reach it (default: $SCIM_CONSOLE_PUBLIC_URL,
    /// else http://127.0.0.1:8444).
    #[arg(long = "url", env = "SCIM_CONSOLE_PUBLIC_URL", value_name = "URL")]
    url: Option<String>,
}

impl UrlArgs {
    /// The sign-in link of `code`: the code in the fragment, which browsers never send.
    fn link(&self, code: &str) -> String {
        let origin = self.url.as_deref().unwrap_or("http://127.0.0.1:8444");
        format!("{}/sign-in#code={code}", origin.trim_end_matches('/'))
    }
}

#[derive(Debug, Args)]
pub(crate) struct LinkArgs {
    /// The administrator: email (any case) or id.
    administrator: String,
    #[command(flatten)]
    url: UrlArgs,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct RoleArgs {
    /// The administrator: email (any case) or id.
    administrator: String,
    #[command(flatten)]
    roles: RolesArgs,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct KeyArgs {
    /// The administrator: email (any case) or id.
    administrator: String,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// The grants as text: `editor (acme-qa, acme-prod), security`.
async fn roles_text(on: &Console, grants: &[Grant]) -> Result<String> {
    let mut parts = Vec::new();
    for grant in grants {
        match &grant.configurations {
            None => parts.push(grant.role.to_string()),
            Some(ids) => {
                let mut names = Vec::new();
                for id in ids {
                    names.push(
                        on.configuration_slug(*id)
                            .await?
                            .unwrap_or_else(|| format!("{id} (deleted)")),
                    );
                }
                parts.push(format!("{} ({})", grant.role, names.join(", ")));
            }
        }
    }
    Ok(parts.join(", "))
}

async fn print_one(on: &Console, a: &Administrator, json: bool, what: &str) -> Result<()> {
    if json {
        return print_json(a);
    }
    println!(
        "{what} {} <{}>: {}{}",
        a.name,
        a.email,
        roles_text(on, &a.grants).await?,
        if a.state == AdministratorState::Disabled {
            ", disabled"
        } else {
            ""
        }
    );
    Ok(())
}

/// An administrator and its one-time sign-in link.
async fn print_link(
    on: &Console,
    a: &Administrator,
    link: &str,
    json: bool,
    what: &str,
) -> Result<()> {
    if json {
        let mut value = serde_json::to_value(a)?;
        value["signInLink"] = serde_json::Value::String(link.to_owned());
        value["signInLinkMinutes"] = LINK_MINUTES.into();
        return print_json(&value);
    }
    print_one(on, a, false, what).await?;
    println!("Sign-in link: {link}");
    eprintln!(
        "The link works once, for {LINK_MINUTES} minutes; it is shown only now. Send it to {} over a channel you trust.",
        a.email
    );
    Ok(())
}

/// Prints every administrator.
async fn print_list(on: &Console, args: &ListArgs) -> Result<()> {
    let all = on.administrators().await?;
    if args.json {
        return print_json(&all);
    }
    if all.is_empty() {
        println!("No administrators yet: `scim-console admin create --email … --role owner`.");
    }
    for a in &all {
        println!(
            "{:<32} {:<24} {:<9} {:<40} created {} by {}",
            a.email,
            a.name,
            match a.state {
                AdministratorState::Active => "active",
                AdministratorState::Disabled => "disabled",
            },
            roles_text(on, &a.grants).await?,
            day(Some(a.created)),
            a.created_by
        );
    }
    Ok(())
}

/// Prints an administrator's open sessions.
async fn print_sessions(on: &Console, args: &KeyArgs) -> Result<()> {
    let administrator = on.administrator(&args.administrator).await?;
    let sessions = on.admin_sessions_of(&administrator.id).await?;
    if args.json {
        return print_json(&sessions);
    }
    if sessions.is_empty() {
        println!("{} has no open session.", administrator.email);
    }
    for s in &sessions {
        println!(
            "{:<20} {:<14} from {:<40} opened {} last seen {} {}",
            s.id,
            s.via,
            s.source,
            s.opened.format("%Y-%m-%d %H:%M"),
            s.seen.format("%Y-%m-%d %H:%M"),
            s.user_agent.as_deref().unwrap_or_default()
        );
    }
    Ok(())
}

/// Runs an `admin` subcommand.
pub(crate) async fn run(on: &Console, cmd: AdminCommand) -> Result<()> {
    match cmd {
        AdminCommand::Create(args) => {
            let grants = args.roles.grants(on).await?;
            let (created, link) = on
                .create_administrator(
                    &NewAdministrator {
                        email: args.email,
                        name: args.name,
                        grants,
                    },
                    &args.url,
                )
                .await?;
            print_link(on, &created, &link, args.json, "Created").await
        }
        AdminCommand::Link(args) => {
            let administrator = on.administrator(&args.administrator).await?;
            let link = on.sign_in_link(&administrator, &args.url).await?;
            print_link(on, &administrator, &link, args.json, "Link for").await
        }
        AdminCommand::List(args) => print_list(on, &args).await,
        AdminCommand::Role(args) => {
            let grants = args.roles.grants(on).await?;
            let changed = on
                .set_administrator_grants(&args.administrator, &grants)
                .await?;
            print_one(on, &changed, args.json, "Changed").await
        }
        AdminCommand::Disable(args) => {
            let changed = on
                .set_administrator_enabled(&args.administrator, false)
                .await?;
            print_one(on, &changed, args.json, "Disabled").await
        }
        AdminCommand::Enable(args) => {
            let changed = on
                .set_administrator_enabled(&args.administrator, true)
                .await?;
            print_one(on, &changed, args.json, "Enabled").await
        }
        AdminCommand::Sessions(args) => print_sessions(on, &args).await,
        AdminCommand::EndSession(args) => {
            let administrator = on.administrator(&args.administrator).await?;
            on.revoke_admin_session(&administrator.id, &args.session)
                .await?;
            println!("Ended {} of {}", args.session, administrator.email);
            Ok(())
        }
        AdminCommand::ResetPassword(args) => {
            on.clear_administrator_password(&args.administrator).await?;
            println!(
                "{}'s password and TOTP are removed: send a sign-in link (`scim-console admin link {}`) to set new ones.",
                args.administrator, args.administrator
            );
            Ok(())
        }
    }
}
