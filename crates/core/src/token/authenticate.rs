//! Authenticating a SCIM request: the configuration of a slug and a bearer credential — a
//! token of that configuration or an OAuth access token issued to one of its clients — in one
//! round trip, or none when the exact cache already knows the answer.

use crate::db;
use chrono::{DateTime, Utc};
use subtle::ConstantTimeEq;

use super::TokenState;
use super::format::{self, Kind};
use super::principal::Principal;
use crate::auth_cache::Entry;
use crate::configuration::Configuration;
use crate::error::CoreResult;
use crate::store::Store;
use crate::time::to_time;

/// Why a credential was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RejectReason {
    /// No credential was sent.
    Missing,
    /// Not a credential of this configuration (malformed, unknown, wrong secret, another
    /// configuration's, a bad signature).
    Invalid,
    /// A real credential whose expiry date has passed.
    Expired {
        /// When it expired.
        at: DateTime<Utc>,
        /// Its non-secret prefix (`scim_ab12cd34_…`, an OAuth client id).
        credential: String,
    },
    /// A real credential that was revoked (or whose rotation grace window ended).
    Revoked {
        /// When it was revoked.
        at: DateTime<Utc>,
        /// Its non-secret prefix (`scim_ab12cd34_…`, an OAuth client id).
        credential: String,
    },
    /// A live credential of a kind the configuration refuses: a bearer token, or the access
    /// token of a client that authenticated with its secret, where only clients that
    /// authenticated with a signed JWT get in.
    NotAllowed {
        /// Its non-secret prefix.
        credential: String,
    },
}

impl RejectReason {
    /// The refusal as the provisioning log records it.
    pub fn refusal(&self) -> crate::logs::CredentialRefusal {
        use crate::logs::CredentialRefusal;
        match self {
            Self::Missing => CredentialRefusal::Missing,
            Self::Invalid => CredentialRefusal::Invalid,
            Self::Expired { .. } => CredentialRefusal::Expired,
            Self::Revoked { .. } => CredentialRefusal::Revoked,
            Self::NotAllowed { .. } => CredentialRefusal::NotAllowed,
        }
    }

    /// The prefix of the real credential refused (expired or revoked), if any.
    pub fn credential(&self) -> Option<&str> {
        match self {
            Self::Expired { credential, .. }
            | Self::Revoked { credential, .. }
            | Self::NotAllowed { credential } => Some(credential),
            Self::Missing | Self::Invalid => None,
        }
    }
}

/// The outcome of authenticating a SCIM request.
#[derive(Debug, Clone)]
pub enum Authentication {
    /// No configuration has that slug.
    UnknownConfiguration,
    /// The configuration exists; the credential is refused, for this reason.
    Rejected(Box<Configuration>, RejectReason),
    /// A live credential of this configuration.
    Accepted(Box<Configuration>, Principal),
}

/// The verdict on a credential whose secret matched, given its dates (revoked, expires) and
/// whether it is the access token of a client that authenticated with a signed JWT.
pub(crate) fn verdict(
    configuration: Configuration,
    principal: Principal,
    now: i64,
    (revoked_us, expires_us): (Option<i64>, Option<i64>),
    jwt: bool,
) -> CoreResult<Authentication> {
    Ok(match TokenState::at(now, revoked_us, expires_us) {
        TokenState::Active | TokenState::Grace
            if configuration.client_authentication.requires_jwt() && !jwt =>
        {
            Authentication::Rejected(
                Box::new(configuration),
                RejectReason::NotAllowed {
                    credential: principal.prefix,
                },
            )
        }
        TokenState::Active | TokenState::Grace => {
            Authentication::Accepted(Box::new(configuration), principal)
        }
        TokenState::Expired => Authentication::Rejected(
            Box::new(configuration),
            RejectReason::Expired {
                at: to_time(expires_us.unwrap_or(now))?,
                credential: principal.prefix,
            },
        ),
        TokenState::Revoked => Authentication::Rejected(
            Box::new(configuration),
            RejectReason::Revoked {
                at: to_time(revoked_us.unwrap_or(now))?,
                credential: principal.prefix,
            },
        ),
    })
}

impl Store {
    /// Finds the configuration of `slug` and checks a presented bearer credential against it.
    /// `source` is the caller's address, recorded as the credential's last use (at most once a
    /// minute per credential and address). A revoked or expired credential fails on the very
    /// next request: cache entries are invalidated by every change and carry their end dates.
    pub async fn authenticate(
        &self,
        slug: &str,
        presented: Option<&str>,
        source: &str,
    ) -> CoreResult<Authentication> {
        if let Some(access) = presented.filter(|p| format::is_access_token(p)) {
            return self.authenticate_access_token(slug, access, source).await;
        }
        let parsed = presented.and_then(|p| format::parse(Kind::Bearer, p));
        let (token_id, presented_hash) = match parsed {
            Some((id, hash)) => (id, Some(hash)),
            None => ("", None),
        };
        // Taken before the database is read: a change committing meanwhile still invalidates.
        let stamp = self.auth_cache().stamp().await?;
        let now = self.now_us();
        if let Some(presented_hash) = presented_hash
            && let Some(entry) = self.auth_cache().get(slug, token_id, stamp)
        {
            if !bool::from(entry.hash.as_slice().ct_eq(presented_hash.as_slice())) {
                return Ok(Authentication::Rejected(
                    Box::new(entry.configuration),
                    RejectReason::Invalid,
                ));
            }
            let outcome = verdict(
                entry.configuration,
                entry.principal,
                now,
                (entry.revoked_us, entry.expires_us),
                false,
            )?;
            self.note_use(&outcome, source, now).await;
            return Ok(outcome);
        }
        let columns = crate::configuration::joined_columns();
        let row = db::query(format!(
            "SELECT {columns}, t.label AS token_label, t.hash AS token_hash, t.revoked_us AS token_revoked_us, t.expires_us AS token_expires_us
             FROM configurations c
             LEFT JOIN tokens t ON t.configuration_id = c.id AND t.id = ?
             WHERE c.slug = ?"
        ))
        .bind(token_id)
        .bind(slug)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(Authentication::UnknownConfiguration);
        };
        let configuration = crate::configuration::from_row(&row)?;
        let Some(presented_hash) = presented_hash else {
            let reason = if presented.is_some_and(|p| !p.is_empty()) {
                RejectReason::Invalid
            } else {
                RejectReason::Missing
            };
            return Ok(Authentication::Rejected(Box::new(configuration), reason));
        };
        let stored: Option<Vec<u8>> = row.try_get("token_hash")?;
        let Some(stored) =
            stored.filter(|s| bool::from(s.as_slice().ct_eq(presented_hash.as_slice())))
        else {
            return Ok(Authentication::Rejected(
                Box::new(configuration),
                RejectReason::Invalid,
            ));
        };
        let principal = Principal {
            kind: super::PrincipalKind::Token,
            id: token_id.to_owned(),
            label: row.try_get("token_label")?,
            prefix: format::display_prefix(Kind::Bearer, token_id),
        };
        let revoked_us: Option<i64> = row.try_get("token_revoked_us")?;
        let expires_us: Option<i64> = row.try_get("token_expires_us")?;
        self.auth_cache().put(
            slug,
            token_id,
            Entry {
                stamp,
                configuration: configuration.clone(),
                principal: principal.clone(),
                hash: stored,
                revoked_us,
                expires_us,
            },
        );
        let outcome = verdict(
            configuration,
            principal,
            now,
            (revoked_us, expires_us),
            false,
        )?;
        self.note_use(&outcome, source, now).await;
        Ok(outcome)
    }

    /// Writes down when and from where an accepted credential was used (at most once a minute
    /// per credential and address). A failure to write it costs the request nothing.
    pub(crate) async fn note_use(&self, outcome: &Authentication, source: &str, now: i64) {
        let Authentication::Accepted(_, principal) = outcome else {
            return;
        };
        let key = match principal.kind {
            super::PrincipalKind::Token => principal.id.clone(),
            super::PrincipalKind::OAuthClient => format!("oauth:{}", principal.id),
        };
        if !self.auth_cache().should_note_use(&key, source, now) {
            return;
        }
        let table = match principal.kind {
            super::PrincipalKind::Token => "tokens",
            super::PrincipalKind::OAuthClient => "oauth_clients",
        };
        let written = match self.writer().await {
            Ok(mut w) => db::query(format!(
                "UPDATE {table} SET last_used_us = ?, last_used_from = ? WHERE id = ?"
            ))
            .bind(now)
            .bind(source)
            .bind(&principal.id)
            .execute(&mut w)
            .await
            .map(drop),
            Err(e) => Err(e),
        };
        if let Err(error) = written {
            tracing::warn!(%error, credential = %principal.prefix, "could not record the last use of a credential");
        }
    }
}
