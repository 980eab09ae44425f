//! SCIM configurations: one per connection (an identity provider provisioning into the
//! console), each with its own endpoint slug, token set and isolated directory.

mod crud;

use crate::db;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use serde_json::Value;

use crate::compatibility::{ClientProfile, Compatibility};
use crate::error::{CoreError, CoreResult, is_unique_violation};

/// A configuration's identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, format = Uuid))]
#[serde(transparent)]
pub struct ConfigurationId(Uuid);

impl ConfigurationId {
    /// A new random identifier.
    pub fn new() -> Self {
        Self(Uuid::new_v4())
    }

    /// Parses an identifier.
    pub fn parse(s: &str) -> Option<Self> {
        Uuid::parse_str(s).ok().map(Self)
    }
}

impl Default for ConfigurationId {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Display for ConfigurationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// What PUT does with attributes the caller left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PutSemantics {
    /// RFC 7644 §3.5.1: the body replaces the resource; omitted attributes are cleared.
    #[default]
    Replace,
    /// Omitted attributes keep their values (targets that work that way).
    Merge,
}

impl PutSemantics {
    fn as_str(self) -> &'static str {
        match self {
            Self::Replace => "replace",
            Self::Merge => "merge",
        }
    }

    fn parse(s: &str) -> CoreResult<Self> {
        match s {
            "replace" => Ok(Self::Replace),
            "merge" => Ok(Self::Merge),
            other => Err(CoreError::Corrupt(format!(
                "unknown PUT semantics {other:?}"
            ))),
        }
    }
}

/// Which credentials a configuration's SCIM endpoint accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum ClientAuthentication {
    /// Its bearer tokens and the OAuth access tokens of its clients, however they
    /// authenticated (what Entra ID and Okta use: long-lived bearer tokens).
    #[default]
    Any,
    /// Only OAuth access tokens of clients that authenticated with a JWT signed by their
    /// registered key (`client_credentials` with RFC 7523 client authentication, as IPSIE AL
    /// §4.1 requires): bearer tokens and client secrets are refused.
    PrivateKeyJwt,
}

impl ClientAuthentication {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Any => "any",
            Self::PrivateKeyJwt => "privateKeyJwt",
        }
    }

    /// The value of a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "any" => Some(Self::Any),
            "privateKeyJwt" => Some(Self::PrivateKeyJwt),
            _ => None,
        }
    }

    /// Whether only JWT-authenticated OAuth clients get in.
    pub fn requires_jwt(self) -> bool {
        self == Self::PrivateKeyJwt
    }
}

/// The rules for a configuration's bearer tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TokenPolicy {
    /// The longest a token may live, in days: a token without an expiry date gets one this far
    /// away, and a later date is refused.
    pub max_lifetime_days: Option<u32>,
    /// How often tokens should be rotated, in days (e.g. 365): older tokens are reported as
    /// overdue.
    pub rotation_days: Option<u32>,
    /// At most this many live tokens at once (tokens in a rotation's grace window aside).
    pub max_active: Option<u32>,
    /// How long a rotated token keeps working by default, in hours (0 to 2,160): the grace
    /// window a rotation gets when it names none.
    pub rotation_grace_hours: Option<u32>,
}

const MAX_POLICY_DAYS: u32 = 36_500;
/// The longest grace window a policy may give a rotation: 90 days, as a rotation allows.
pub const MAX_GRACE_HOURS: u32 = 2_160;

impl TokenPolicy {
    fn check(self) -> CoreResult<Self> {
        for (field, days) in [
            ("tokenPolicy.maxLifetimeDays", self.max_lifetime_days),
            ("tokenPolicy.rotationDays", self.rotation_days),
        ] {
            if let Some(d) = days
                && !(1..=MAX_POLICY_DAYS).contains(&d)
            {
                return Err(CoreError::invalid(
                    field,
                    format!("{d} is not between 1 and {MAX_POLICY_DAYS} days"),
                ));
            }
        }
        if let Some(h) = self.rotation_grace_hours
            && h > MAX_GRACE_HOURS
        {
            return Err(CoreError::invalid(
                "tokenPolicy.rotationGraceHours",
                format!("{h} is more than {MAX_GRACE_HOURS} hours (90 days)"),
            ));
        }
        if self.max_active == Some(0) {
            return Err(CoreError::invalid(
                "tokenPolicy.maxActive",
                "at least 1 (leave it unset for no limit)",
            ));
        }
        Ok(self)
    }
}

/// How long a configuration's provisioning log records are kept: the older and the surplus
/// ones are deleted in the background (the per-minute statistics stay longer, see
/// [`crate::logs::retention`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LogRetention {
    /// Records older than this many days go (1 to 3,650; default 30).
    pub max_age_days: u32,
    /// Beyond this many records, the oldest go (1,000 to 100,000,000; default 1,000,000).
    pub max_records: u32,
}

impl Default for LogRetention {
    fn default() -> Self {
        Self {
            max_age_days: 30,
            max_records: 1_000_000,
        }
    }
}

impl LogRetention {
    fn check(self) -> CoreResult<Self> {
        if !(1..=3650).contains(&self.max_age_days) {
            return Err(CoreError::invalid(
                "logRetention.maxAgeDays",
                format!("{} is not between 1 and 3650 days", self.max_age_days),
            ));
        }
        if !(1_000..=100_000_000).contains(&self.max_records) {
            return Err(CoreError::invalid(
                "logRetention.maxRecords",
                format!(
                    "{} is not between 1000 and 100000000 records",
                    self.max_records
                ),
            ));
        }
        Ok(self)
    }
}

/// A SCIM configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[allow(clippy::struct_excessive_bools)] // Independent switches an admin sets one by one.
pub struct Configuration {
    /// The identifier.
    pub id: ConfigurationId,
    /// The unique name (case-insensitive), e.g. "Entra ID production".
    pub name: String,
    /// What the connection is for.
    pub description: String,
    /// The URL segment: the SCIM base URL is `/scim/{slug}/v2`.
    pub slug: String,
    /// Whether the endpoint answers (a disabled configuration answers 403).
    pub enabled: bool,
    /// Whether Users are provisioned.
    pub provision_users: bool,
    /// Whether Groups are provisioned.
    pub provision_groups: bool,
    /// What PUT does with omitted attributes.
    pub put_semantics: PutSemantics,
    /// Whether passwords sent by the identity provider are kept (as Argon2id hashes).
    pub keep_passwords: bool,
    /// userNames excluded from provisioning (e.g. tenant administrators): SCIM never creates,
    /// changes, deletes or matches them, nor takes them out of a group.
    pub protected_accounts: Vec<String>,
    /// The rules for its bearer tokens.
    pub token_policy: TokenPolicy,
    /// Which credentials its endpoint accepts.
    pub client_authentication: ClientAuthentication,
    /// How long its provisioning log records are kept.
    pub log_retention: LogRetention,
    /// The named set of compatibility switches it started from.
    pub client_profile: ClientProfile,
    /// Where its endpoint accepts what identity providers send against the RFC: its
    /// profile's switches, some perhaps overridden.
    pub compatibility: Compatibility,
    /// When it was created.
    pub created: DateTime<Utc>,
    /// When it was last changed.
    pub updated: DateTime<Utc>,
}

impl Configuration {
    /// Whether its endpoint enforces every rule of the interoperability profile that the
    /// configuration governs: the `strict` client profile with none of its switches
    /// overridden. (The endpoint's page sizes are the server's part of the claim.)
    pub fn follows_strict_profile(&self) -> bool {
        self.client_profile == ClientProfile::Strict && self.compatibility.is_strict()
    }

    /// Whether `user_name` is a protected account (compared case-insensitively, like userName).
    pub fn is_protected(&self, user_name: &str) -> bool {
        let folded = user_name.to_lowercase();
        self.protected_accounts
            .iter()
            .any(|p| p.to_lowercase() == folded)
    }
}

/// What an admin gives to create a configuration.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[allow(clippy::struct_excessive_bools)] // Mirrors Configuration.
pub struct NewConfiguration {
    /// The unique name.
    pub name: String,
    /// The description.
    pub description: String,
    /// The URL slug; derived from the name when absent.
    pub slug: Option<String>,
    /// Whether the endpoint answers.
    pub enabled: bool,
    /// Whether Users are provisioned.
    pub provision_users: bool,
    /// Whether Groups are provisioned.
    pub provision_groups: bool,
    /// PUT semantics.
    pub put_semantics: PutSemantics,
    /// Whether passwords are kept as hashes.
    pub keep_passwords: bool,
    /// Protected userNames.
    pub protected_accounts: Vec<String>,
    /// The rules for its bearer tokens.
    pub token_policy: TokenPolicy,
    /// Which credentials its endpoint accepts.
    pub client_authentication: ClientAuthentication,
    /// How long its provisioning log records are kept.
    pub log_retention: LogRetention,
    /// Its client profile.
    pub client_profile: ClientProfile,
    /// Its compatibility switches (usually the profile's).
    pub compatibility: Compatibility,
}

impl Default for NewConfiguration {
    fn default() -> Self {
        Self {
            name: String::new(),
            description: String::new(),
            slug: None,
            enabled: true,
            provision_users: true,
            provision_groups: true,
            put_semantics: PutSemantics::Replace,
            keep_passwords: false,
            protected_accounts: Vec::new(),
            token_policy: TokenPolicy::default(),
            client_authentication: ClientAuthentication::Any,
            log_retention: LogRetention::default(),
            client_profile: ClientProfile::Rfc,
            compatibility: Compatibility::default(),
        }
    }
}

impl NewConfiguration {
    /// A configuration with this name and the defaults (enabled, users and groups, replace).
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }
}

/// A change to a configuration: `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConfigurationUpdate {
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New slug.
    pub slug: Option<String>,
    /// Enable or disable.
    pub enabled: Option<bool>,
    /// Users on or off.
    pub provision_users: Option<bool>,
    /// Groups on or off.
    pub provision_groups: Option<bool>,
    /// PUT semantics.
    pub put_semantics: Option<PutSemantics>,
    /// Keep passwords.
    pub keep_passwords: Option<bool>,
    /// Protected userNames (the whole list).
    pub protected_accounts: Option<Vec<String>>,
    /// The rules for its bearer tokens (the whole policy).
    pub token_policy: Option<TokenPolicy>,
    /// Which credentials its endpoint accepts.
    pub client_authentication: Option<ClientAuthentication>,
    /// How long its provisioning log records are kept.
    pub log_retention: Option<LogRetention>,
    /// A new client profile: its switches replace the current ones unless `compatibility`
    /// is given too.
    pub client_profile: Option<ClientProfile>,
    /// Compatibility switches to change, by name (`{"stringBooleans": false}`): laid over the
    /// new profile's switches when `client_profile` is given, else over the current ones.
    pub compatibility: Option<serde_json::Map<String, Value>>,
}

const MAX_NAME: usize = 100;
const MAX_DESCRIPTION: usize = 2000;
const MAX_SLUG: usize = 63;
const MAX_PROTECTED: usize = 1000;

fn clean_name(name: &str) -> CoreResult<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(CoreError::invalid("name", "a configuration needs a name"));
    }
    if name.chars().count() > MAX_NAME {
        return Err(CoreError::invalid(
            "name",
            format!("at most {MAX_NAME} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(CoreError::invalid(
            "name",
            "control characters are not allowed",
        ));
    }
    Ok(name.to_owned())
}

fn clean_description(description: &str) -> CoreResult<String> {
    let description = description.trim();
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(CoreError::invalid(
            "description",
            format!("at most {MAX_DESCRIPTION} characters"),
        ));
    }
    Ok(description.to_owned())
}

/// A slug derived from a name: lower-case ASCII letters and digits joined by single dashes.
pub fn slug_from_name(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_end_matches('-').chars().take(MAX_SLUG).collect();
    let slug = slug.trim_end_matches('-').to_owned();
    if slug.is_empty() {
        "config".to_owned()
    } else {
        slug
    }
}

fn check_slug(slug: &str) -> CoreResult<String> {
    let ok = !slug.is_empty()
        && slug.len() <= MAX_SLUG
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if ok {
        Ok(slug.to_owned())
    } else {
        Err(CoreError::invalid(
            "slug",
            format!(
                "\"{slug}\" must be 1 to {MAX_SLUG} lower-case letters, digits and inner dashes (it becomes /scim/{{slug}}/v2)"
            ),
        ))
    }
}

fn clean_protected(accounts: &[String]) -> CoreResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for account in accounts {
        let account = account.trim();
        if account.is_empty() {
            continue;
        }
        if !out
            .iter()
            .any(|a| a.to_lowercase() == account.to_lowercase())
        {
            out.push(account.to_owned());
        }
    }
    if out.len() > MAX_PROTECTED {
        return Err(CoreError::invalid(
            "protectedAccounts",
            format!("at most {MAX_PROTECTED} accounts"),
        ));
    }
    Ok(out)
}

fn check_provisioning(users: bool, groups: bool) -> CoreResult<()> {
    if users || groups {
        Ok(())
    } else {
        Err(CoreError::invalid(
            "provisioning",
            "provision users, groups or both",
        ))
    }
}

fn days(stored: Option<i64>) -> Option<u32> {
    stored.and_then(|d| u32::try_from(d).ok())
}

pub(crate) fn from_row(row: &db::Row) -> CoreResult<Configuration> {
    let id: String = row.try_get("id")?;
    let protected: String = row.try_get("protected_accounts")?;
    let time = |col: &str| -> CoreResult<DateTime<Utc>> {
        let us: i64 = row.try_get(col)?;
        DateTime::from_timestamp_micros(us).ok_or_else(|| CoreError::Corrupt(format!("{col} {us}")))
    };
    let profile: String = row.try_get("client_profile")?;
    let client_profile = ClientProfile::parse(&profile)
        .ok_or_else(|| CoreError::Corrupt(format!("client profile {profile:?}")))?;
    let authentication: String = row.try_get("client_authentication")?;
    let client_authentication = ClientAuthentication::parse(&authentication)
        .ok_or_else(|| CoreError::Corrupt(format!("client authentication {authentication:?}")))?;
    Ok(Configuration {
        id: ConfigurationId::parse(&id)
            .ok_or_else(|| CoreError::Corrupt(format!("configuration id {id:?}")))?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        slug: row.try_get("slug")?,
        enabled: row.try_get("enabled")?,
        provision_users: row.try_get("provision_users")?,
        provision_groups: row.try_get("provision_groups")?,
        put_semantics: PutSemantics::parse(&row.try_get::<String, _>("put_semantics")?)?,
        keep_passwords: row.try_get("keep_passwords")?,
        protected_accounts: serde_json::from_str(&protected)
            .map_err(|e| CoreError::Corrupt(e.to_string()))?,
        token_policy: TokenPolicy {
            max_lifetime_days: days(row.try_get("token_max_lifetime_days")?),
            rotation_days: days(row.try_get("token_rotation_days")?),
            max_active: days(row.try_get("token_max_active")?),
            rotation_grace_hours: days(row.try_get("token_rotation_grace_hours")?),
        },
        client_authentication,
        log_retention: LogRetention {
            max_age_days: u32::try_from(row.try_get::<i64, _>("log_retention_days")?)
                .map_err(|e| CoreError::Corrupt(format!("log_retention_days: {e}")))?,
            max_records: u32::try_from(row.try_get::<i64, _>("log_retention_records")?)
                .map_err(|e| CoreError::Corrupt(format!("log_retention_records: {e}")))?,
        },
        client_profile,
        compatibility: Compatibility::from_stored(
            client_profile,
            &row.try_get::<String, _>("compatibility")?,
        )?,
        created: time("created_us")?,
        updated: time("updated_us")?,
    })
}

fn conflict(err: sqlx::Error, name: &str, slug: &str) -> CoreError {
    if is_unique_violation(&err) {
        let what = if err.to_string().contains("slug") {
            format!("the slug \"{slug}\" is already used by another configuration")
        } else {
            format!("a configuration named \"{name}\" already exists")
        };
        CoreError::Conflict(what)
    } else {
        CoreError::Database(err)
    }
}

/// The columns [`from_row`] reads, each prefixed with `c.`, for queries that join
/// configurations as `c`.
pub(crate) fn joined_columns() -> &'static str {
    static JOINED: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        COLUMNS
            .split(", ")
            .map(|c| format!("c.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    });
    &JOINED
}

/// The columns [`from_row`] reads.
pub(crate) const COLUMNS: &str = "id, name, description, slug, enabled, provision_users, provision_groups, put_semantics, keep_passwords, protected_accounts, token_max_lifetime_days, token_rotation_days, token_max_active, token_rotation_grace_hours, client_authentication, log_retention_days, log_retention_records, client_profile, compatibility, created_us, updated_us";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_derived_from_names() {
        assert_eq!(
            slug_from_name("Entra ID — Production"),
            "entra-id-production"
        );
        assert_eq!(slug_from_name("  Okta!!  "), "okta");
        assert_eq!(slug_from_name("ÄÖÜ"), "config");
        assert_eq!(slug_from_name(&"x".repeat(100)).len(), 63);
        assert!(check_slug("ok-slug-1").is_ok());
        for bad in ["", "-a", "a-", "A", "a b", "a/b"] {
            assert!(check_slug(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn protected_accounts_are_trimmed_and_deduplicated_case_insensitively() {
        let cleaned = clean_protected(&[
            " admin@x.com ".into(),
            "ADMIN@x.com".into(),
            String::new(),
            "root".into(),
        ])
        .unwrap();
        assert_eq!(cleaned, ["admin@x.com", "root"]);
    }
}
