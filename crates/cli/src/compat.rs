//! `scim-console config compat`: a configuration's compatibility switches — where its endpoint
//! accepts what identity providers send against RFC 7643/7644 — shown with what each does, and
//! changed one by one or all at once for an identity provider.

use anyhow::Result;
use clap::{Args, ValueEnum};
use scim_console_core::{
    Actor, Compatibility, ConfigurationUpdate, IdentityProvider, Store, UnknownAttributePolicy,
};

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

/// On or off.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Switch {
    /// Accept.
    On,
    /// Refuse, as the RFC says.
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

/// `config compat`.
#[derive(Debug, Args)]
pub struct CompatArgs {
    /// Name, slug or id of the configuration.
    name: String,
    /// Start from the switches an identity provider needs (then apply the flags below).
    #[arg(long, value_enum)]
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
    /// A replace of emails[type eq "work"].value adds the work email when there is none.
    #[arg(long, value_enum)]
    create_missing_values: Option<Switch>,
    /// What happens to attributes and schema URIs the resource type does not define.
    #[arg(long, value_enum)]
    unknown_attributes: Option<Unknown>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

impl CompatArgs {
    fn changes(&self) -> bool {
        self.idp.is_some()
            || self.string_booleans.is_some()
            || self.pathless_patch.is_some()
            || self.patch_without_schemas.is_some()
            || self.create_missing_values.is_some()
            || self.unknown_attributes.is_some()
    }

    fn apply(&self, current: Compatibility) -> Compatibility {
        let mut c = self
            .idp
            .map_or(current, |i| Compatibility::for_provider(i.into()));
        if let Some(s) = self.string_booleans {
            c.string_booleans = s.into();
        }
        if let Some(s) = self.pathless_patch {
            c.pathless_patch = s.into();
        }
        if let Some(s) = self.patch_without_schemas {
            c.patch_without_schemas = s.into();
        }
        if let Some(s) = self.create_missing_values {
            c.create_missing_values = s.into();
        }
        if let Some(u) = self.unknown_attributes {
            c.unknown_attributes = match u {
                Unknown::Preserve => UnknownAttributePolicy::Preserve,
                Unknown::Ignore => UnknownAttributePolicy::Ignore,
                Unknown::Reject => UnknownAttributePolicy::Reject,
            };
        }
        c
    }
}

/// Prints the switches with what each does.
pub fn print(c: &Compatibility) {
    let on = |b: bool| if b { "on " } else { "off" };
    println!(
        "  {}  string booleans         \"True\"/\"False\" accepted for booleans (Entra ID's disable)",
        on(c.string_booleans)
    );
    println!(
        "  {}  path-less PATCH         add/replace without a path (Okta's deactivate, Entra's aadOptscim062020)",
        on(c.pathless_patch)
    );
    println!(
        "  {}  PATCH without schemas   a PATCH that does not name the PatchOp message",
        on(c.patch_without_schemas)
    );
    println!(
        "  {}  create missing values   replace of emails[type eq \"work\"].value adds it when absent",
        on(c.create_missing_values)
    );
    println!(
        "  unknown attributes: {}",
        match c.unknown_attributes {
            UnknownAttributePolicy::Preserve => "kept as sent",
            UnknownAttributePolicy::Ignore => "dropped",
            UnknownAttributePolicy::Reject => "refused with 400 invalidSyntax",
        }
    );
}

/// Runs `config compat`.
pub async fn run(store: &Store, args: &CompatArgs) -> Result<()> {
    let mut c = store.find_configuration(&args.name).await?;
    if args.changes() {
        c = store
            .update_configuration(
                c.id,
                ConfigurationUpdate {
                    compatibility: Some(args.apply(c.compatibility)),
                    ..ConfigurationUpdate::default()
                },
                &Actor::cli(),
            )
            .await?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&c.compatibility)?);
    } else {
        println!("Compatibility of \"{}\":", c.name);
        print(&c.compatibility);
    }
    Ok(())
}
