//! `scim-console config set` (alias `config compat`): a configuration's client profile and
//! compatibility switches — where its endpoint accepts what identity providers send against
//! RFC 7643/7644 and the 2026 interoperability profiles — shown with what each switch does,
//! changed all at once by picking a profile, or one by one.

use anyhow::Result;
use clap::{Args, ValueEnum};
use scim_console_core::{
    Actor, ClientAuthentication, ClientProfile, Compatibility, Configuration, ConfigurationUpdate,
    IdentityProvider, PatchAnswer, SWITCHES, Store, UnknownAttributePolicy,
};
use serde_json::{Value, json};

/// An identity provider, on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Idp {
    /// Microsoft Entra ID.
    Entra,
    /// Okta.
    Okta,
    /// OneLogin.
    Onelogin,
    /// Google Workspace.
    Google,
    /// Any other client (every switch on).
    Other,
}

impl From<Idp> for IdentityProvider {
    fn from(i: Idp) -> Self {
        match i {
            Idp::Entra => Self::Entra,
            Idp::Okta => Self::Okta,
            Idp::Onelogin => Self::OneLogin,
            Idp::Google => Self::Google,
            Idp::Other => Self::Other,
        }
    }
}

/// A client profile, on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Profile {
    /// Microsoft Entra ID: what it sends, nothing more.
    Entra,
    /// Okta: what it sends, nothing more.
    Okta,
    /// RFC 7644 plus every documented Entra ID and Okta form (the default).
    Rfc,
    /// The interoperability profile plus IPSIE AL2: every switch off.
    Strict,
}

impl From<Profile> for ClientProfile {
    fn from(p: Profile) -> Self {
        match p {
            Profile::Entra => Self::Entra,
            Profile::Okta => Self::Okta,
            Profile::Rfc => Self::Rfc,
            Profile::Strict => Self::Strict,
        }
    }
}

/// Which credentials the endpoint accepts.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Authentication {
    /// Bearer tokens and OAuth access tokens.
    Any,
    /// Only access tokens of OAuth clients that authenticate with a signed JWT.
    PrivateKeyJwt,
}

impl From<Authentication> for ClientAuthentication {
    fn from(a: Authentication) -> Self {
        match a {
            Authentication::Any => Self::Any,
            Authentication::PrivateKeyJwt => Self::PrivateKeyJwt,
        }
    }
}

/// On or off.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Switch {
    /// Accept.
    On,
    /// Refuse, as the RFC or the profile says.
    Off,
}

impl From<Switch> for bool {
    fn from(s: Switch) -> Self {
        matches!(s, Switch::On)
    }
}

/// Unknown attributes and schema URIs.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Unknown {
    /// Keep them as sent.
    Preserve,
    /// Drop them.
    Ignore,
    /// Refuse with 400 invalidSyntax.
    Reject,
}

/// How a successful PATCH is answered.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Answer {
    /// 200 with the resource.
    Resource,
    /// 204 for groups, 200 with the resource for users.
    NoContentForGroups,
    /// 204 for both.
    NoContent,
}

/// `config set`.
#[derive(Debug, Args)]
pub struct CompatArgs {
    /// Name, slug or id of the configuration.
    name: String,
    /// The client profile: its switches replace the current ones (then the flags below apply).
    #[arg(long, value_enum)]
    client_profile: Option<Profile>,
    /// The identity provider's profile (entra, okta; any other: rfc).
    #[arg(long, value_enum, conflicts_with = "client_profile")]
    idp: Option<Idp>,
    /// Accept "True"/"False" strings for booleans (Entra ID disables users with "False").
    #[arg(long, value_enum)]
    string_booleans: Option<Switch>,
    /// Accept PATCH add/replace without a path (Okta's deactivate, Entra's aadOptscim062020).
    #[arg(long, value_enum)]
    pathless_patch: Option<Switch>,
    /// Accept a PATCH whose schemas does not name the PatchOp message.
    #[arg(long, value_enum)]
    patch_without_schemas: Option<Switch>,
    /// Accept "Replace", "Add", "Remove" (Entra ID).
    #[arg(long, value_enum)]
    any_case_ops: Option<Switch>,
    /// A remove with a value list removes only those members (Entra ID); off: 400.
    #[arg(long, value_enum)]
    remove_listed_values: Option<Switch>,
    /// A replace of emails[type eq "work"].value adds the work email when there is none.
    #[arg(long, value_enum)]
    create_missing_values: Option<Switch>,
    /// What happens to attributes and schema URIs the resource type does not define.
    #[arg(long, value_enum)]
    unknown_attributes: Option<Unknown>,
    /// Accept (and drop) a password, as Okta sends on every create; off: 400.
    #[arg(long, value_enum)]
    placeholder_password: Option<Switch>,
    /// Accept PUT (Okta's AIW apps); off: 405.
    #[arg(long, value_enum)]
    accept_put: Option<Switch>,
    /// How a successful PATCH is answered.
    #[arg(long, value_enum)]
    patch_answer: Option<Answer>,
    /// Read a bare word in a filter as a string (`userName eq akadmin`, authentik and Entra
    /// ID's tutorial); off: 400 invalidFilter.
    #[arg(long, value_enum)]
    unquoted_filter_strings: Option<Switch>,
    /// Read a bare id sent for the enterprise manager as its value (Entra ID); off: 400.
    #[arg(long, value_enum)]
    manager_as_string: Option<Switch>,
    /// Read `=` as `eq` and 'single-quoted' strings in filters and PATCH paths (xMatters'
    /// `emails[type ='Work Email'].value`); off: 400 invalidFilter.
    #[arg(long, value_enum)]
    loose_filter_syntax: Option<Switch>,
    /// Which credentials the endpoint accepts: `any` (bearer tokens and OAuth access tokens)
    /// or `private-key-jwt` (only access tokens of OAuth clients that authenticate with a
    /// signed JWT, RFC 7523, as IPSIE AL requires).
    #[arg(long, value_enum)]
    client_authentication: Option<Authentication>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

impl CompatArgs {
    /// The profile the flags pick, if any.
    fn profile(&self) -> Option<ClientProfile> {
        self.client_profile
            .map(Into::into)
            .or_else(|| self.idp.map(|i| IdentityProvider::from(i).profile()))
    }

    fn changes(&self) -> bool {
        self.switch_changes() || self.client_authentication.is_some()
    }

    fn switch_changes(&self) -> bool {
        self.profile().is_some()
            || [
                self.string_booleans,
                self.pathless_patch,
                self.patch_without_schemas,
                self.any_case_ops,
                self.remove_listed_values,
                self.create_missing_values,
                self.placeholder_password,
                self.accept_put,
                self.unquoted_filter_strings,
                self.manager_as_string,
                self.loose_filter_syntax,
            ]
            .iter()
            .any(Option::is_some)
            || self.unknown_attributes.is_some()
            || self.patch_answer.is_some()
    }

    fn apply(&self, current: Compatibility) -> Compatibility {
        let mut c = self.profile().map_or(current, Compatibility::for_profile);
        let flags = [
            (self.string_booleans, &mut c.string_booleans),
            (self.pathless_patch, &mut c.pathless_patch),
            (self.patch_without_schemas, &mut c.patch_without_schemas),
            (self.any_case_ops, &mut c.any_case_ops),
            (self.remove_listed_values, &mut c.remove_listed_values),
            (self.create_missing_values, &mut c.create_missing_values),
            (self.placeholder_password, &mut c.placeholder_password),
            (self.accept_put, &mut c.accept_put),
            (self.unquoted_filter_strings, &mut c.unquoted_filter_strings),
            (self.manager_as_string, &mut c.manager_as_string),
            (self.loose_filter_syntax, &mut c.loose_filter_syntax),
        ];
        for (flag, switch) in flags {
            if let Some(s) = flag {
                *switch = s.into();
            }
        }
        if let Some(u) = self.unknown_attributes {
            c.unknown_attributes = match u {
                Unknown::Preserve => UnknownAttributePolicy::Preserve,
                Unknown::Ignore => UnknownAttributePolicy::Ignore,
                Unknown::Reject => UnknownAttributePolicy::Reject,
            };
        }
        if let Some(a) = self.patch_answer {
            c.patch_answer = match a {
                Answer::Resource => PatchAnswer::Resource,
                Answer::NoContentForGroups => PatchAnswer::NoContentForGroups,
                Answer::NoContent => PatchAnswer::NoContent,
            };
        }
        c
    }
}

/// A switch's value as a word (`on`, `off`, `reject`, …).
fn shown(switches: &Value, name: &str) -> String {
    match switches.get(name) {
        Some(Value::Bool(true)) => "on".into(),
        Some(Value::Bool(false)) => "off".into(),
        Some(Value::String(s)) => s.clone(),
        _ => "?".into(),
    }
}

/// Whether the endpoint claims `interopProfileConformant`.
fn conformant(c: &Configuration) -> bool {
    c.follows_strict_profile()
}

/// Prints the profile and every switch with what it does; `verbose` adds who needs it and
/// the rule it bends.
pub fn print(c: &Configuration, verbose: bool) {
    let profile = c.client_profile;
    println!(
        "  client authentication: {}",
        match c.client_authentication {
            ClientAuthentication::Any => "any (bearer tokens and OAuth access tokens)",
            ClientAuthentication::PrivateKeyJwt =>
                "private-key-jwt (only OAuth clients that authenticate with a signed JWT)",
        }
    );
    println!("  client profile: {profile} — {}", profile.title());
    if verbose {
        println!("    {}", profile.description());
    }
    println!(
        "  interopProfileConformant: {}",
        if conformant(c) {
            "true"
        } else if profile == ClientProfile::Strict {
            "not claimed (a switch is overridden)"
        } else {
            "not claimed (only the strict profile claims it)"
        }
    );
    let mine = serde_json::to_value(c.compatibility).unwrap_or_default();
    let theirs = serde_json::to_value(Compatibility::for_profile(profile)).unwrap_or_default();
    for doc in SWITCHES {
        let value = shown(&mine, doc.name);
        let default = shown(&theirs, doc.name);
        let note = if value == default {
            String::new()
        } else {
            format!("  (overridden; {profile} has {default})")
        };
        println!("  {value:<18} {:<21} {}{note}", doc.name, doc.title);
        if verbose {
            println!("      {}", doc.description);
            println!("      needed by: {}", doc.needed_by);
            println!("      rule: {}", doc.rule);
        }
    }
}

/// Runs `config set`.
pub async fn run(store: &Store, args: &CompatArgs) -> Result<()> {
    let mut c = store.find_configuration(&args.name).await?;
    if args.changes() {
        let switches = args.switch_changes();
        c = store
            .update_configuration(
                c.id,
                ConfigurationUpdate {
                    client_profile: switches.then(|| args.profile().unwrap_or(c.client_profile)),
                    compatibility: switches.then(|| args.apply(c.compatibility).to_changes()),
                    client_authentication: args.client_authentication.map(Into::into),
                    ..ConfigurationUpdate::default()
                },
                &Actor::cli(),
            )
            .await?;
    }
    output(&c, args.json)
}

/// Runs `config set` against a remote console: the same changes, sent as the API's PATCH.
pub async fn run_remote(api: &crate::api_client::ApiClient, args: &CompatArgs) -> Result<()> {
    let mut c = super::view::configuration(&api.configuration(&args.name).await?)?;
    if args.changes() {
        let mut body = serde_json::Map::new();
        if args.switch_changes() {
            body.insert(
                "clientProfile".into(),
                json!(args.profile().unwrap_or(c.client_profile)),
            );
            body.insert(
                "compatibility".into(),
                json!(args.apply(c.compatibility).to_changes()),
            );
        }
        if let Some(a) = args.client_authentication {
            body.insert(
                "clientAuthentication".into(),
                json!(ClientAuthentication::from(a)),
            );
        }
        let id = c.id.to_string();
        let changed = api
            .patch(&["api", "configurations", &id], &Value::Object(body))
            .await?;
        c = super::view::configuration(&changed)?;
    }
    output(&c, args.json)
}

/// Prints a configuration's profile and switches.
fn output(c: &Configuration, json: bool) -> Result<()> {
    if json {
        let out = json!({
            "clientProfile": c.client_profile,
            "compatibility": c.compatibility,
            "overriddenSwitches": c.compatibility.overrides(c.client_profile),
            "interopProfileConformant": conformant(c),
            "clientAuthentication": c.client_authentication,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!("\"{}\":", c.name);
        print(c, true);
    }
    Ok(())
}
