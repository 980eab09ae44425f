//! Bearer tokens for the SCIM endpoint (first cut; rotation, expiry and audit come later).
//!
//! A token reads `scim_<id>_<secret>`: `id` is 8 public characters that find the token's row
//! without hashing every candidate; `secret` is 256 random bits (base64url). Only the SHA-256
//! of the secret is stored, and presented secrets are compared with it in constant time. The
//! token is shown once, when created.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use rand::Rng as _;
use rand::RngCore as _;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;
use subtle::ConstantTimeEq;

use crate::configuration::ConfigurationId;
use crate::error::{CoreError, CoreResult};
use crate::store::Store;
use crate::time::now_us;

const PREFIX: &str = "scim_";
const ID_LEN: usize = 8;
const ID_ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";

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
    /// When it was revoked, if it was.
    pub revoked: Option<DateTime<Utc>>,
}

/// A token just created: its details and the token itself, to be shown once.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The stored details.
    pub info: TokenInfo,
    /// The whole token (`scim_<id>_<secret>`).
    pub token: Secret,
}

fn hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Splits `scim_<id>_<secret>` into its id and secret.
fn split(token: &str) -> Option<(&str, &str)> {
    let rest = token.strip_prefix(PREFIX)?;
    let (id, secret) = rest.split_at_checked(ID_LEN)?;
    let secret = secret.strip_prefix('_')?;
    let valid_id = id.bytes().all(|b| ID_ALPHABET.contains(&b));
    (valid_id && !secret.is_empty()).then_some((id, secret))
}

fn to_time(us: i64) -> CoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_micros(us).ok_or_else(|| CoreError::Corrupt(format!("time {us}")))
}

fn info_from_row(row: &sqlx::sqlite::SqliteRow) -> CoreResult<TokenInfo> {
    let id: String = row.try_get("id")?;
    let configuration: String = row.try_get("configuration_id")?;
    let revoked: Option<i64> = row.try_get("revoked_us")?;
    Ok(TokenInfo {
        prefix: format!("{PREFIX}{id}_…"),
        configuration_id: ConfigurationId::parse(&configuration)
            .ok_or_else(|| CoreError::Corrupt(configuration.clone()))?,
        label: row.try_get("label")?,
        created: to_time(row.try_get("created_us")?)?,
        revoked: revoked.map(to_time).transpose()?,
        id,
    })
}

impl Store {
    /// Creates a token for a configuration. The returned token is the only copy.
    pub async fn create_token(
        &self,
        configuration: ConfigurationId,
        label: &str,
    ) -> CoreResult<IssuedToken> {
        let label = label.trim();
        if label.chars().count() > 100 || label.chars().any(char::is_control) {
            return Err(CoreError::invalid(
                "label",
                "at most 100 printable characters",
            ));
        }
        self.configuration(configuration).await?;
        let (id, secret) = {
            // The thread-local generator must not live across an await.
            let mut rng = rand::thread_rng();
            let id: String = (0..ID_LEN)
                .map(|_| char::from(ID_ALPHABET[rng.gen_range(0..ID_ALPHABET.len())]))
                .collect();
            let mut bytes = [0u8; 32];
            rng.fill_bytes(&mut bytes);
            (id, URL_SAFE_NO_PAD.encode(bytes))
        };
        let now = now_us();
        let mut w = self.writer().await;
        sqlx::query("INSERT INTO tokens (id, configuration_id, label, hash, created_us) VALUES (?, ?, ?, ?, ?)")
            .bind(&id)
            .bind(configuration.to_string())
            .bind(label)
            .bind(hash(&secret).as_slice())
            .bind(now)
            .execute(&mut *w)
            .await?;
        let token = Secret::new(format!("{PREFIX}{id}_{secret}"));
        Ok(IssuedToken {
            info: TokenInfo {
                prefix: format!("{PREFIX}{id}_…"),
                id,
                configuration_id: configuration,
                label: label.to_owned(),
                created: to_time(now)?,
                revoked: None,
            },
            token,
        })
    }

    /// The tokens of a configuration, newest first.
    pub async fn list_tokens(&self, configuration: ConfigurationId) -> CoreResult<Vec<TokenInfo>> {
        let rows = sqlx::query(
            "SELECT id, configuration_id, label, created_us, revoked_us FROM tokens WHERE configuration_id = ? ORDER BY created_us DESC, id",
        )
        .bind(configuration.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(info_from_row).collect()
    }

    /// Revokes a token at once.
    pub async fn revoke_token(&self, configuration: ConfigurationId, id: &str) -> CoreResult<()> {
        let mut w = self.writer().await;
        let done = sqlx::query("UPDATE tokens SET revoked_us = COALESCE(revoked_us, ?) WHERE id = ? AND configuration_id = ?")
            .bind(now_us())
            .bind(id)
            .bind(configuration.to_string())
            .execute(&mut *w)
            .await?;
        if done.rows_affected() == 0 {
            return Err(CoreError::NotFound(format!("token {id}")));
        }
        self.auth_cache().bump()?;
        Ok(())
    }

    /// The token a presented bearer value is, if it is a live token of this configuration.
    pub async fn verify_token(
        &self,
        configuration: ConfigurationId,
        presented: &str,
    ) -> CoreResult<Option<TokenInfo>> {
        let Some((id, secret)) = split(presented) else {
            return Ok(None);
        };
        let row = sqlx::query(
            "SELECT id, configuration_id, label, hash, created_us, revoked_us FROM tokens WHERE id = ? AND configuration_id = ? AND revoked_us IS NULL",
        )
        .bind(id)
        .bind(configuration.to_string())
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let stored: Vec<u8> = row.try_get("hash")?;
        let presented_hash = hash(secret);
        if bool::from(stored.as_slice().ct_eq(presented_hash.as_slice())) {
            Ok(Some(info_from_row(&row)?))
        } else {
            Ok(None)
        }
    }
}

/// The outcome of authenticating a SCIM request.
#[derive(Debug, Clone)]
pub enum Authentication {
    /// No configuration has that slug.
    UnknownConfiguration,
    /// The configuration exists; the token is missing, malformed, revoked, wrong or another
    /// configuration's.
    Rejected(Box<crate::Configuration>),
    /// A live token of this configuration.
    Accepted(Box<crate::Configuration>, TokenInfo),
}

impl Store {
    /// Finds the configuration of `slug` and checks a presented bearer token against it, in one
    /// round trip. Nothing is cached, so a revoked token fails on the very next request.
    pub async fn authenticate(
        &self,
        slug: &str,
        presented: Option<&str>,
    ) -> CoreResult<Authentication> {
        let (token_id, secret) = presented.and_then(split).unwrap_or(("", ""));
        // Taken before the database is read: a change committing meanwhile still invalidates.
        let stamp = self.auth_cache().stamp();
        if !token_id.is_empty()
            && let Some(entry) = self.auth_cache().get(slug, token_id, stamp)
        {
            return Ok(
                if bool::from(entry.hash.as_slice().ct_eq(hash(secret).as_slice())) {
                    Authentication::Accepted(Box::new(entry.configuration), entry.token)
                } else {
                    Authentication::Rejected(Box::new(entry.configuration))
                },
            );
        }
        let row = sqlx::query(
            "SELECT c.id, c.name, c.description, c.slug, c.enabled, c.provision_users, c.provision_groups, c.put_semantics,
                    c.keep_passwords, c.protected_accounts, c.created_us, c.updated_us,
                    t.id AS token_id, t.label AS token_label, t.hash AS token_hash, t.created_us AS token_created_us
             FROM configurations c
             LEFT JOIN tokens t ON t.configuration_id = c.id AND t.id = ? AND t.revoked_us IS NULL
             WHERE c.slug = ?",
        )
        .bind(token_id)
        .bind(slug)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(Authentication::UnknownConfiguration);
        };
        let configuration = crate::configuration::from_row(&row)?;
        let stored: Option<Vec<u8>> = row.try_get("token_hash")?;
        let Some(stored) = stored else {
            return Ok(Authentication::Rejected(Box::new(configuration)));
        };
        if !bool::from(stored.as_slice().ct_eq(hash(secret).as_slice())) {
            return Ok(Authentication::Rejected(Box::new(configuration)));
        }
        let token = TokenInfo {
            id: row.try_get("token_id")?,
            configuration_id: configuration.id,
            label: row.try_get("token_label")?,
            prefix: format!("{PREFIX}{token_id}_…"),
            created: to_time(row.try_get("token_created_us")?)?,
            revoked: None,
        };
        self.auth_cache().put(
            slug,
            crate::auth_cache::Entry {
                stamp,
                configuration: configuration.clone(),
                token: token.clone(),
                hash: stored,
            },
        );
        Ok(Authentication::Accepted(Box::new(configuration), token))
    }
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
    fn token_text_splits_into_id_and_secret() {
        assert_eq!(split("scim_abcdefgh_s3cr3t"), Some(("abcdefgh", "s3cr3t")));
        for bad in [
            "",
            "scim_",
            "scim_abcdefgh",
            "scim_abcdefgh_",
            "scim_ABCDEFGH_x",
            "bearer_abcdefgh_x",
            "scim_abc_x",
            "scim_ééééé_x",
        ] {
            assert_eq!(split(bad), None, "{bad}");
        }
    }
}
