//! The admin API's wire types: what the UI and scripts send and receive. They are the API's
//! contract (and its OpenAPI schemas), kept apart from the domain types they convert from.

use chrono::{DateTime, Utc};
use scim_console_core::{
    Configuration, ConfigurationUpdate, IssuedToken, NewConfiguration, PutSemantics, TokenInfo,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What PUT does with attributes the identity provider leaves out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PutSemanticsView {
    /// RFC 7644: omitted attributes are cleared.
    Replace,
    /// Omitted attributes keep their values.
    Merge,
}

impl From<PutSemantics> for PutSemanticsView {
    fn from(p: PutSemantics) -> Self {
        match p {
            PutSemantics::Replace => Self::Replace,
            PutSemantics::Merge => Self::Merge,
        }
    }
}

impl From<PutSemanticsView> for PutSemantics {
    fn from(p: PutSemanticsView) -> Self {
        match p {
            PutSemanticsView::Replace => Self::Replace,
            PutSemanticsView::Merge => Self::Merge,
        }
    }
}

/// A SCIM configuration as the admin API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(clippy::struct_excessive_bools)] // Independent switches.
pub struct ConfigurationView {
    /// Identifier.
    pub id: String,
    /// Unique name.
    pub name: String,
    /// Description.
    pub description: String,
    /// URL segment of the SCIM base URL.
    pub slug: String,
    /// The SCIM base URL to paste into the identity provider (tenant URL).
    pub scim_base_url: String,
    /// Whether the endpoint answers.
    pub enabled: bool,
    /// Users provisioned.
    pub provision_users: bool,
    /// Groups provisioned.
    pub provision_groups: bool,
    /// PUT semantics.
    pub put_semantics: PutSemanticsView,
    /// Passwords kept as Argon2id hashes.
    pub keep_passwords: bool,
    /// userNames SCIM may never modify or delete.
    pub protected_accounts: Vec<String>,
    /// Created.
    pub created: DateTime<Utc>,
    /// Last changed.
    pub updated: DateTime<Utc>,
}

impl ConfigurationView {
    /// The view of a configuration reached at `origin` (`https://host:port`).
    pub fn new(c: Configuration, origin: &str) -> Self {
        Self {
            scim_base_url: format!("{origin}/scim/{}/v2", c.slug),
            id: c.id.to_string(),
            name: c.name,
            description: c.description,
            slug: c.slug,
            enabled: c.enabled,
            provision_users: c.provision_users,
            provision_groups: c.provision_groups,
            put_semantics: c.put_semantics.into(),
            keep_passwords: c.keep_passwords,
            protected_accounts: c.protected_accounts,
            created: c.created,
            updated: c.updated,
        }
    }
}

/// A configuration to create. Only `name` is required.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(clippy::struct_excessive_bools)]
pub struct NewConfigurationBody {
    /// Unique name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// URL segment; derived from the name when absent.
    #[serde(default)]
    pub slug: Option<String>,
    /// Default true.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Default true.
    #[serde(default)]
    pub provision_users: Option<bool>,
    /// Default true.
    #[serde(default)]
    pub provision_groups: Option<bool>,
    /// Default replace.
    #[serde(default)]
    pub put_semantics: Option<PutSemanticsView>,
    /// Default false.
    #[serde(default)]
    pub keep_passwords: Option<bool>,
    /// Default none.
    #[serde(default)]
    pub protected_accounts: Option<Vec<String>>,
}

impl From<NewConfigurationBody> for NewConfiguration {
    fn from(b: NewConfigurationBody) -> Self {
        let d = NewConfiguration::default();
        Self {
            name: b.name,
            description: b.description.unwrap_or_default(),
            slug: b.slug,
            enabled: b.enabled.unwrap_or(d.enabled),
            provision_users: b.provision_users.unwrap_or(d.provision_users),
            provision_groups: b.provision_groups.unwrap_or(d.provision_groups),
            put_semantics: b.put_semantics.map_or(d.put_semantics, Into::into),
            keep_passwords: b.keep_passwords.unwrap_or(d.keep_passwords),
            protected_accounts: b.protected_accounts.unwrap_or_default(),
        }
    }
}

/// Changes to a configuration; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfigurationChanges {
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New slug (changes the SCIM base URL).
    pub slug: Option<String>,
    /// Enable or disable.
    pub enabled: Option<bool>,
    /// Users on or off.
    pub provision_users: Option<bool>,
    /// Groups on or off.
    pub provision_groups: Option<bool>,
    /// PUT semantics.
    pub put_semantics: Option<PutSemanticsView>,
    /// Keep passwords.
    pub keep_passwords: Option<bool>,
    /// The whole list of protected userNames.
    pub protected_accounts: Option<Vec<String>>,
}

impl From<ConfigurationChanges> for ConfigurationUpdate {
    fn from(c: ConfigurationChanges) -> Self {
        Self {
            name: c.name,
            description: c.description,
            slug: c.slug,
            enabled: c.enabled,
            provision_users: c.provision_users,
            provision_groups: c.provision_groups,
            put_semantics: c.put_semantics.map(Into::into),
            keep_passwords: c.keep_passwords,
            protected_accounts: c.protected_accounts,
        }
    }
}

/// A token as listed: never the secret.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenView {
    /// Public id.
    pub id: String,
    /// Label.
    pub label: String,
    /// Non-secret beginning of the token.
    pub prefix: String,
    /// Created.
    pub created: DateTime<Utc>,
    /// Revoked, if it was.
    pub revoked: Option<DateTime<Utc>>,
}

impl From<TokenInfo> for TokenView {
    fn from(t: TokenInfo) -> Self {
        Self {
            id: t.id,
            label: t.label,
            prefix: t.prefix,
            created: t.created,
            revoked: t.revoked,
        }
    }
}

/// A token just created. `token` is shown this once and never again.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssuedTokenView {
    /// The details.
    #[serde(flatten)]
    pub info: TokenView,
    /// The bearer token to paste into the identity provider.
    pub token: String,
    /// The SCIM base URL it opens.
    pub scim_base_url: String,
}

impl IssuedTokenView {
    /// The view of a new token for a configuration's base URL.
    pub fn new(issued: IssuedToken, scim_base_url: String) -> Self {
        Self {
            token: issued.token.expose().to_owned(),
            info: issued.info.into(),
            scim_base_url,
        }
    }
}

/// A token to create.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewTokenBody {
    /// A label, e.g. "Entra ID production".
    #[serde(default)]
    pub label: String,
}

/// An error.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// The error detail.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// HTTP status.
    pub status: u16,
    /// What is wrong, in words a user can act on.
    pub message: String,
    /// The input field at fault, if one is.
    pub field: Option<String>,
}

/// Liveness.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// Always "ok".
    pub status: String,
    /// The server version.
    pub version: String,
}
