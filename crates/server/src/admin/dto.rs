//! The admin API's wire types: what the UI and scripts send and receive. They are the API's
//! contract (and its OpenAPI schemas), kept apart from the domain types they convert from.

use chrono::{DateTime, Utc};
use scim_console_core::audit::{AuditEntry, AuditPage};
use scim_console_core::mapping::templates::PlanTemplate;
use scim_console_core::oauth::{ClientAuthMethod, ClientKeys, IssuedClient, OAuthClientInfo};
use scim_console_core::token::{TokenCheck, TokenProblem, TokenProblemKind};
use scim_console_core::{
    ClientAuthentication, ClientProfile, Compatibility, Configuration, ConfigurationUpdate,
    CoreError, CoreResult, IdentityProvider, IssuedToken, LogRetention, NewConfiguration,
    PutSemantics, TokenInfo, TokenPolicy, TokenState,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
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

/// The rules for a configuration's bearer tokens. Every field is optional: unset means no
/// limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TokenPolicyView {
    /// The longest a token may live, in days (1 to 36,500). Tokens without an expiry date get
    /// one this far away.
    #[serde(default)]
    pub max_lifetime_days: Option<u32>,
    /// How often tokens should be rotated, in days: older ones are reported as overdue.
    #[serde(default)]
    pub rotation_days: Option<u32>,
    /// At most this many active tokens at once.
    #[serde(default)]
    pub max_active: Option<u32>,
    /// How long a rotated token keeps working when the rotation names no grace window, in
    /// hours (0 to 2,160). Unset: it stops at once.
    #[serde(default)]
    pub rotation_grace_hours: Option<u32>,
}

impl From<TokenPolicy> for TokenPolicyView {
    fn from(p: TokenPolicy) -> Self {
        Self {
            max_lifetime_days: p.max_lifetime_days,
            rotation_days: p.rotation_days,
            max_active: p.max_active,
            rotation_grace_hours: p.rotation_grace_hours,
        }
    }
}

impl From<TokenPolicyView> for TokenPolicy {
    fn from(p: TokenPolicyView) -> Self {
        Self {
            max_lifetime_days: p.max_lifetime_days,
            rotation_days: p.rotation_days,
            max_active: p.max_active,
            rotation_grace_hours: p.rotation_grace_hours,
        }
    }
}

/// How long a configuration's provisioning log records are kept (older and surplus ones are
/// deleted in the background; per-minute statistics stay 13 months).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LogRetentionView {
    /// Records older than this many days go (1 to 3,650; default 30).
    pub max_age_days: u32,
    /// Beyond this many records, the oldest go (1,000 to 100,000,000; default 1,000,000).
    pub max_records: u32,
}

impl From<LogRetention> for LogRetentionView {
    fn from(r: LogRetention) -> Self {
        Self {
            max_age_days: r.max_age_days,
            max_records: r.max_records,
        }
    }
}

impl From<LogRetentionView> for LogRetention {
    fn from(r: LogRetentionView) -> Self {
        Self {
            max_age_days: r.max_age_days,
            max_records: r.max_records,
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
    /// userNames excluded from provisioning (tenant admins): SCIM never creates, changes,
    /// deletes or matches them, nor takes them out of a group.
    pub protected_accounts: Vec<String>,
    /// The rules for its bearer tokens.
    pub token_policy: TokenPolicyView,
    /// Which credentials its SCIM endpoint accepts.
    pub client_authentication: ClientAuthentication,
    /// How long its provisioning log records are kept.
    pub log_retention: LogRetentionView,
    /// The named set of switches it started from.
    pub client_profile: ClientProfile,
    /// Where its endpoint accepts what identity providers send against the RFC.
    pub compatibility: Compatibility,
    /// The switches that differ from the client profile's.
    pub overridden_switches: Vec<String>,
    /// Whether its endpoint claims `interopProfileConformant` (strict profile, nothing
    /// overridden).
    pub interop_profile_conformant: bool,
    /// Created.
    pub created: DateTime<Utc>,
    /// Last changed.
    pub updated: DateTime<Utc>,
    /// Where its OAuth clients get access tokens (`POST`, form-encoded): shown before any
    /// client exists, with the commands that use it.
    pub token_endpoint: String,
    /// The issuer its OAuth clients' JWT assertions name as their audience.
    pub issuer: String,
    /// In the list of configurations: its soonest token deadline (an expiry or a rotation the
    /// policy asks for) within 30 days, or past; absent when none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_due: Option<TokenDueView>,
    /// In the list of configurations: how its provisioning goes (the last 24 hours, firing
    /// alerts included), its last request and last failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<HealthSummaryView>,
}

/// A configuration's health in brief, for the list of configurations.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HealthSummaryView {
    /// Healthy, degraded or failing.
    pub state: scim_console_core::logs::health::HealthState,
    /// Why, in a sentence.
    pub reason: String,
    /// Users whose last request failed and none succeeded since.
    pub unresolved: usize,
    /// Failed requests in the last hour.
    pub failures_last_hour: i64,
    /// Its alerts that hold now.
    pub firing_alerts: Vec<scim_console_core::logs::health::FiringAlert>,
    /// When its last request arrived.
    pub last_request: Option<DateTime<Utc>>,
    /// When its last failed request arrived.
    pub last_failure: Option<DateTime<Utc>>,
}

impl From<scim_console_core::logs::health::ConfigurationHealth> for HealthSummaryView {
    fn from(h: scim_console_core::logs::health::ConfigurationHealth) -> Self {
        Self {
            state: h.state,
            reason: h.reason,
            unresolved: h.unresolved,
            failures_last_hour: h.failures_last_hour,
            firing_alerts: h.firing_alerts,
            last_request: h.last_request,
            last_failure: h.last_failure,
        }
    }
}

/// A token deadline coming up, or past.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenDueView {
    /// What falls due: `expiry` or `rotation`.
    pub kind: scim_console_core::token::DeadlineKind,
    /// When (in the past when overdue).
    pub at: DateTime<Utc>,
}

/// How far ahead the configurations list flags a token deadline.
pub const TOKEN_DUE_DAYS: i64 = 30;

impl ConfigurationView {
    /// The view of a configuration reached at `origin` (`https://host:port`).
    pub fn new(c: Configuration, origin: &str) -> Self {
        let conformant = c.follows_strict_profile();
        Self {
            scim_base_url: format!("{origin}/scim/{}/v2", c.slug),
            token_endpoint: format!("{origin}/scim/{}/oauth/token", c.slug),
            issuer: format!("{origin}/scim/{}", c.slug),
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
            token_policy: c.token_policy.into(),
            client_authentication: c.client_authentication,
            log_retention: c.log_retention.into(),
            client_profile: c.client_profile,
            overridden_switches: c
                .compatibility
                .overrides(c.client_profile)
                .into_iter()
                .map(str::to_owned)
                .collect(),
            interop_profile_conformant: conformant,
            compatibility: c.compatibility,
            created: c.created,
            updated: c.updated,
            token_due: None,
            health: None,
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
    /// The rules for its bearer tokens.
    #[serde(default)]
    pub token_policy: Option<TokenPolicyView>,
    /// How long its provisioning log records are kept (default 30 days, 1,000,000 records).
    #[serde(default)]
    pub log_retention: Option<LogRetentionView>,
    /// The identity provider that will provision into it: picks the client profile (default
    /// `rfc`, which accepts what Entra ID and Okta send).
    #[serde(default)]
    pub identity_provider: Option<IdentityProvider>,
    /// The client profile (wins over `identityProvider`).
    #[serde(default)]
    pub client_profile: Option<ClientProfile>,
    /// Which credentials its SCIM endpoint accepts (default `any`).
    #[serde(default)]
    pub client_authentication: Option<ClientAuthentication>,
    /// Switches that differ from the profile's, by name (default: none).
    #[serde(default)]
    #[schema(value_type = Option<Compatibility>)]
    pub compatibility: Option<Map<String, Value>>,
    /// A mapping plan template saved as its first plan version (`standard`, `xMatters`);
    /// without one it has no plan and its endpoint accepts every SCIM attribute.
    #[serde(default)]
    pub plan_template: Option<PlanTemplate>,
}

impl NewConfigurationBody {
    /// The configuration to create; a wrong switch is refused, naming it.
    pub fn into_new(self) -> CoreResult<NewConfiguration> {
        let b = self;
        let d = NewConfiguration::default();
        let profile = b
            .client_profile
            .or_else(|| b.identity_provider.map(IdentityProvider::profile))
            .unwrap_or(d.client_profile);
        Ok(NewConfiguration {
            name: b.name,
            description: b.description.unwrap_or_default(),
            slug: b.slug,
            enabled: b.enabled.unwrap_or(d.enabled),
            provision_users: b.provision_users.unwrap_or(d.provision_users),
            provision_groups: b.provision_groups.unwrap_or(d.provision_groups),
            put_semantics: b.put_semantics.map_or(d.put_semantics, Into::into),
            keep_passwords: b.keep_passwords.unwrap_or(d.keep_passwords),
            protected_accounts: b.protected_accounts.unwrap_or_default(),
            token_policy: b.token_policy.map(Into::into).unwrap_or_default(),
            client_authentication: b.client_authentication.unwrap_or_default(),
            log_retention: b.log_retention.map(Into::into).unwrap_or_default(),
            client_profile: profile,
            compatibility: match &b.compatibility {
                Some(changes) => Compatibility::for_profile(profile).with_changes(changes)?,
                None => Compatibility::for_profile(profile),
            },
        })
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
    /// The rules for its bearer tokens (the whole policy).
    pub token_policy: Option<TokenPolicyView>,
    /// Which credentials its SCIM endpoint accepts.
    pub client_authentication: Option<ClientAuthentication>,
    /// How long its provisioning log records are kept.
    pub log_retention: Option<LogRetentionView>,
    /// A new client profile: its switches replace the current ones (then `compatibility`, if
    /// given, is laid over them).
    pub client_profile: Option<ClientProfile>,
    /// Switches to change, by name; the others keep their values.
    #[schema(value_type = Option<Compatibility>)]
    pub compatibility: Option<Map<String, Value>>,
}

impl ConfigurationChanges {
    /// The areas of the roles table these changes touch: the token policy and which
    /// credentials the endpoint accepts are the token policy's; log retention is the
    /// provisioning log's; every other field is the configuration's.
    pub fn areas(&self) -> Vec<scim_console_core::administrators::roles::Area> {
        use scim_console_core::administrators::roles::Area;
        let mut areas = Vec::new();
        if self.token_policy.is_some() || self.client_authentication.is_some() {
            areas.push(Area::TokenPolicy);
        }
        if self.log_retention.is_some() {
            areas.push(Area::Logs);
        }
        let Self {
            name,
            description,
            slug,
            enabled,
            provision_users,
            provision_groups,
            put_semantics,
            keep_passwords,
            protected_accounts,
            client_profile,
            compatibility,
            ..
        } = self;
        if name.is_some()
            || description.is_some()
            || slug.is_some()
            || enabled.is_some()
            || provision_users.is_some()
            || provision_groups.is_some()
            || put_semantics.is_some()
            || keep_passwords.is_some()
            || protected_accounts.is_some()
            || client_profile.is_some()
            || compatibility.is_some()
            || areas.is_empty()
        {
            areas.push(Area::Configurations);
        }
        areas
    }
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
            token_policy: c.token_policy.map(Into::into),
            client_authentication: c.client_authentication,
            log_retention: c.log_retention.map(Into::into),
            client_profile: c.client_profile,
            compatibility: c.compatibility,
        }
    }
}

/// Where a token or OAuth client stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum TokenStateView {
    /// It opens the endpoint.
    Active,
    /// It was rotated and works until its grace window ends (`revoked`).
    Grace,
    /// Its expiry date has passed.
    Expired,
    /// It was revoked.
    Revoked,
}

impl From<TokenState> for TokenStateView {
    fn from(s: TokenState) -> Self {
        match s {
            TokenState::Active => Self::Active,
            TokenState::Grace => Self::Grace,
            TokenState::Expired => Self::Expired,
            TokenState::Revoked => Self::Revoked,
        }
    }
}

/// A token as listed: never its secret.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenView {
    /// The public id.
    pub id: String,
    /// The label.
    pub label: String,
    /// The non-secret beginning, to recognise it (`scim_ab12cd34_…`).
    pub prefix: String,
    /// When it was created.
    pub created: DateTime<Utc>,
    /// Who created it.
    pub created_by: String,
    /// When it stops working by itself.
    pub expires: Option<DateTime<Utc>>,
    /// When it last opened the endpoint (recorded at most once a minute).
    pub last_used: Option<DateTime<Utc>>,
    /// The address it was last used from.
    pub last_used_from: Option<String>,
    /// When it was revoked, or (state `grace`) when it will be.
    pub revoked: Option<DateTime<Utc>>,
    /// Who revoked or rotated it.
    pub revoked_by: Option<String>,
    /// The token that replaced it.
    pub rotated_to: Option<String>,
    /// Where it stands now.
    pub state: TokenStateView,
    /// When the policy wants it rotated.
    pub rotation_due: Option<DateTime<Utc>>,
    /// Whether the console issued it for one of its own runs (a pilot or conformance run on
    /// this configuration), to be revoked when the run ends.
    #[serde(default)]
    pub temporary: bool,
}

impl From<TokenInfo> for TokenView {
    fn from(t: TokenInfo) -> Self {
        Self {
            temporary: t.is_temporary(),
            id: t.id,
            label: t.label,
            prefix: t.prefix,
            created: t.created,
            created_by: t.created_by,
            expires: t.expires,
            last_used: t.last_used,
            last_used_from: t.last_used_from,
            revoked: t.revoked,
            revoked_by: t.revoked_by,
            rotated_to: t.rotated_to,
            state: t.state.into(),
            rotation_due: t.rotation_due,
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
    /// When the token stops working by itself (RFC 3339). Without one, the policy's maximum
    /// lifetime applies, if the configuration has one.
    #[serde(default)]
    pub expires: Option<DateTime<Utc>>,
}

/// How to rotate a token.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RotateTokenBody {
    /// How long the old token keeps working, in seconds (at most 90 days; default: the token
    /// policy's `rotationGraceHours`, else 0: it stops at once).
    #[serde(default)]
    pub grace_seconds: Option<u64>,
    /// The new token's expiry (default: as long as the old one was meant to live, within the
    /// policy).
    #[serde(default)]
    pub expires: Option<DateTime<Utc>>,
    /// The new token's label (default: the old one's).
    #[serde(default)]
    pub label: Option<String>,
}

/// The result of a rotation: the old token (now in its grace window, or revoked) and the new
/// one, shown this once.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RotatedTokenView {
    /// The old token.
    pub old: TokenView,
    /// The new token, with its text.
    pub new: IssuedTokenView,
}

/// One token needing attention.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenProblemView {
    /// The configuration's id.
    pub configuration_id: String,
    /// The configuration's name.
    pub configuration: String,
    /// `expired`, `expiresSoon` or `rotationOverdue`.
    pub kind: String,
    /// The same in words, with the date.
    pub detail: String,
    /// The token.
    pub token: TokenView,
}

impl From<TokenProblem> for TokenProblemView {
    fn from(p: TokenProblem) -> Self {
        Self {
            configuration_id: p.token.configuration_id.to_string(),
            configuration: p.configuration,
            kind: match p.kind {
                TokenProblemKind::Expired => "expired",
                TokenProblemKind::ExpiresSoon => "expiresSoon",
                TokenProblemKind::RotationOverdue => "rotationOverdue",
            }
            .into(),
            detail: p.detail,
            token: p.token.into(),
        }
    }
}

/// Tokens that are expired, expiring soon or overdue for rotation, across configurations.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenCheckView {
    /// How many tokens were checked.
    pub checked: usize,
    /// Those needing attention.
    pub problems: Vec<TokenProblemView>,
}

impl From<TokenCheck> for TokenCheckView {
    fn from(c: TokenCheck) -> Self {
        Self {
            checked: c.checked,
            problems: c.problems.into_iter().map(Into::into).collect(),
        }
    }
}

/// An OAuth client as listed: never its secret.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OAuthClientView {
    /// The client id (public).
    pub client_id: String,
    /// The label.
    pub label: String,
    /// How it authenticates at the token endpoint.
    pub auth_method: ClientAuthMethod,
    /// Its registered public keys (a JWT client without a JWKS URL).
    #[schema(value_type = Option<Object>)]
    pub jwks: Option<Value>,
    /// Where it publishes its public keys (a JWT client).
    pub jwks_uri: Option<String>,
    /// When it was created.
    pub created: DateTime<Utc>,
    /// Who created it.
    pub created_by: String,
    /// When it was revoked.
    pub revoked: Option<DateTime<Utc>>,
    /// Who revoked it.
    pub revoked_by: Option<String>,
    /// When its access tokens last opened the endpoint.
    pub last_used: Option<DateTime<Utc>>,
    /// From which address.
    pub last_used_from: Option<String>,
    /// `active` or `revoked`.
    pub state: TokenStateView,
}

impl From<OAuthClientInfo> for OAuthClientView {
    fn from(c: OAuthClientInfo) -> Self {
        Self {
            client_id: c.client_id,
            label: c.label,
            auth_method: c.auth_method,
            jwks: c.jwks,
            jwks_uri: c.jwks_uri,
            created: c.created,
            created_by: c.created_by,
            revoked: c.revoked,
            revoked_by: c.revoked_by,
            last_used: c.last_used,
            last_used_from: c.last_used_from,
            state: c.state.into(),
        }
    }
}

/// A new OAuth client: its secret, if it has one, is shown this once.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssuedClientView {
    /// The client.
    #[serde(flatten)]
    pub client: OAuthClientView,
    /// The client secret (none for a client that authenticates with a signed JWT).
    pub client_secret: Option<String>,
    /// Where the client gets access tokens.
    pub token_endpoint: String,
    /// The audience its JWT assertions name (the authorization server's issuer; the token
    /// endpoint URL is accepted too).
    pub issuer: String,
    /// The SCIM base URL the access tokens open.
    pub scim_base_url: String,
}

impl IssuedClientView {
    /// The view of a new client of the configuration at `slug`, as reached at `origin`.
    pub fn new(issued: IssuedClient, origin: &str, slug: &str) -> Self {
        Self {
            client_secret: issued.client_secret.map(|s| s.expose().to_owned()),
            client: issued.info.into(),
            token_endpoint: format!("{origin}/scim/{slug}/oauth/token"),
            issuer: format!("{origin}/scim/{slug}"),
            scim_base_url: format!("{origin}/scim/{slug}/v2"),
        }
    }
}

/// A new OAuth client.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewClientBody {
    /// A label for people.
    #[serde(default)]
    pub label: String,
    /// The client's public keys, a JWK Set (or one JWK): the client authenticates with JWTs
    /// signed by them (RFC 7523) and gets no secret.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub jwks: Option<Value>,
    /// Where the client publishes its JWK Set (`https://`): like `jwks`, fetched when needed.
    #[serde(default)]
    pub jwks_uri: Option<String>,
}

impl NewClientBody {
    /// The keys given, if any; both at once are refused.
    pub fn keys(&self) -> CoreResult<Option<ClientKeys>> {
        match (&self.jwks, &self.jwks_uri) {
            (Some(_), Some(_)) => Err(CoreError::invalid(
                "jwksUri",
                "give the keys (jwks) or their URL (jwksUri), not both",
            )),
            (Some(set), None) => Ok(Some(ClientKeys::Set(ClientKeys::parse_set(
                &set.to_string(),
            )?))),
            (None, Some(url)) => Ok(Some(ClientKeys::Url(ClientKeys::parse_url(url)?))),
            (None, None) => Ok(None),
        }
    }
}

/// One audit record.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntryView {
    /// Position in the log.
    pub seq: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (an administrator's email, `admin`, `cli:alice`, `system`, an OAuth client id).
    pub actor: String,
    /// From where.
    pub source: String,
    /// What, e.g. `token.rotate`.
    pub action: String,
    /// The configuration concerned.
    pub configuration_id: Option<String>,
    /// Its name at the time.
    pub configuration_name: Option<String>,
    /// The object acted on.
    pub target: Option<String>,
    /// The change: fields with old and new values.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// The administrator behind it (id, email, roles, session or API token), when a
    /// signed-in administrator acted.
    pub person: Option<scim_console_core::audit::Person>,
}

impl From<AuditEntry> for AuditEntryView {
    fn from(e: AuditEntry) -> Self {
        Self {
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            source: e.source,
            action: e.action,
            configuration_id: e.configuration_id,
            configuration_name: e.configuration_name,
            target: e.target,
            details: e.details,
            person: e.person,
        }
    }
}

/// A page of the audit log, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditPageView {
    /// The records.
    pub entries: Vec<AuditEntryView>,
    /// Pass as `before` (newest first) or `after` (oldest first) for the next page.
    pub next: Option<i64>,
}

impl From<AuditPage> for AuditPageView {
    fn from(p: AuditPage) -> Self {
        Self {
            entries: p.entries.into_iter().map(Into::into).collect(),
            next: p.next,
        }
    }
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
