//! Bearer tokens for the SCIM endpoint, and their lifecycle.
//!
//! A token reads `scim_<id>_<secret><checksum>` ([`format`]): shown once when created, stored
//! only as the SHA-256 of its secret part, compared in constant time. Tokens can expire, be
//! rotated (the new token is shown once; the old one stays valid for a grace window chosen at
//! rotation time, default none, then stops by itself) and be revoked at once. A configuration's
//! [`crate::configuration::TokenPolicy`] caps their lifetime and number and says when rotation is
//! due. Every change is in the audit log; no token text ever is.

pub(crate) mod authenticate;
mod deadlines;
pub(crate) mod format;
mod lifecycle;
pub(crate) mod principal;

use chrono::{DateTime, Utc};
use serde::Serialize;

pub use self::authenticate::{Authentication, RejectReason};
pub use self::deadlines::{DeadlineKind, TokenDeadline};
pub use self::lifecycle::{NewToken, Rotation, TokenCheck, TokenProblem, TokenProblemKind};
pub use self::principal::{Principal, PrincipalKind};
use crate::configuration::ConfigurationId;

/// A secret value: never printed by `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: String) -> Self {
        Self(value)
    }

    /// The secret itself, for the one place that must show or send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// Where a token stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TokenState {
    /// It opens the endpoint.
    Active,
    /// It was rotated and still opens the endpoint until its grace window ends (`revoked`).
    Grace,
    /// Its expiry date has passed.
    Expired,
    /// It was revoked (or its grace window ended).
    Revoked,
}

impl TokenState {
    /// At time `now`, for a token with these dates (µs).
    pub(crate) fn at(now: i64, revoked_us: Option<i64>, expires_us: Option<i64>) -> Self {
        match (revoked_us, expires_us) {
            (Some(r), _) if r <= now => Self::Revoked,
            (_, Some(e)) if e <= now => Self::Expired,
            (Some(_), _) => Self::Grace,
            _ => Self::Active,
        }
    }

    /// Whether a token in this state opens the endpoint.
    pub fn is_live(self) -> bool {
        matches!(self, Self::Active | Self::Grace)
    }
}

/// What is stored and shown about a token: never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenInfo {
    /// The public id.
    pub id: String,
    /// The configuration the token opens.
    pub configuration_id: ConfigurationId,
    /// A label the admin chose.
    pub label: String,
    /// The non-secret beginning of the token, for recognising it (`scim_ab12cd34_…`).
    pub prefix: String,
    /// When it was created.
    pub created: DateTime<Utc>,
    /// Who created it (`admin`, `cli:alice`, `system`).
    pub created_by: String,
    /// When it stops working by itself, if ever.
    pub expires: Option<DateTime<Utc>>,
    /// When it last opened the endpoint (recorded at most once a minute).
    pub last_used: Option<DateTime<Utc>>,
    /// The address it was last used from.
    pub last_used_from: Option<String>,
    /// When it was revoked — or, during a rotation's grace window, when it will be.
    pub revoked: Option<DateTime<Utc>>,
    /// Who revoked or rotated it.
    pub revoked_by: Option<String>,
    /// The id of the token that replaced it in a rotation.
    pub rotated_to: Option<String>,
    /// Where it stands now.
    pub state: TokenState,
    /// When the configuration's policy wants it rotated, if it has a rotation period.
    pub rotation_due: Option<DateTime<Utc>>,
}

/// What ends the label of a temporary token the console issues itself (a pilot run's or a
/// conformance run's access to a local configuration, revoked when the run ends).
pub const TEMPORARY_LABEL_SUFFIX: &str = " (revoked when it ends)";

impl TokenInfo {
    /// Whether the console issued it for a run of its own (hidden from the token list by
    /// default).
    pub fn is_temporary(&self) -> bool {
        self.label.ends_with(TEMPORARY_LABEL_SUFFIX)
    }
}

/// A token just created: its details and the token itself, to be shown once.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The stored details.
    pub info: TokenInfo,
    /// The whole token (`scim_<id>_<secret><checksum>`).
    pub token: Secret,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("scim_abcdefgh_topsecret".into());
        assert_eq!(format!("{s} {s:?}"), "*** Secret(***)");
    }

    #[test]
    fn states_follow_the_clock() {
        assert_eq!(TokenState::at(10, None, None), TokenState::Active);
        assert_eq!(TokenState::at(10, None, Some(11)), TokenState::Active);
        assert_eq!(TokenState::at(11, None, Some(11)), TokenState::Expired);
        assert_eq!(TokenState::at(10, Some(20), None), TokenState::Grace);
        assert_eq!(TokenState::at(20, Some(20), None), TokenState::Revoked);
        assert_eq!(TokenState::at(30, Some(20), Some(25)), TokenState::Revoked);
        assert_eq!(TokenState::at(22, Some(30), Some(21)), TokenState::Expired);
        assert!(TokenState::Grace.is_live() && !TokenState::Expired.is_live());
    }
}
