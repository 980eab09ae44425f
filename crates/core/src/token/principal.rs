//! Who an accepted request is: the kind of credential and its non-secret identity.

use serde::Serialize;

/// What kind of credential a caller presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PrincipalKind {
    /// A bearer token of the configuration.
    Token,
    /// An OAuth access token issued to a client of the configuration.
    OAuthClient,
}

/// Who an accepted request is: never a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Principal {
    /// The kind of credential.
    pub kind: PrincipalKind,
    /// The token id or OAuth client id.
    pub id: String,
    /// Its label.
    pub label: String,
    /// What to show for it in logs (`scim_ab12cd34_…`, `scimc_ab12cd34`).
    pub prefix: String,
}
