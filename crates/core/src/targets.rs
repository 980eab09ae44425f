//! Remote targets: SCIM service providers the console calls as a client — to test a connection
//! and to run pilots — each with its base URL and how to authenticate: a bearer token, or OAuth
//! 2.0 client credentials (token endpoint, client id, client secret, scope).
//!
//! The credential (the token or the client secret) is kept in the OS keychain through the
//! `keyring` crate. When no keychain is reachable (a server without a session bus), it is kept
//! in the database sealed with a key derived from the master key, and the target says so. It is
//! never stored, logged or returned in clear; only [`Store::target_secret`] opens it, for the
//! one request that sends it.

use crate::db;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::audit::{self, Actor, Subject};
use crate::error::{CoreError, CoreResult};
use crate::secrets;
use crate::store::Store;
use crate::time::to_time;
use crate::token::Secret;

/// The longest target name.
const MAX_NAME: usize = 100;

/// How the console authenticates to a target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum TargetAuth {
    /// `Authorization: Bearer <secret>` (what Entra ID and Okta use).
    Bearer,
    /// OAuth 2.0 client credentials (RFC 6749 §4.4): the secret is the client secret, sent to
    /// the token endpoint with HTTP Basic authentication; the access token it returns is the
    /// bearer token.
    #[serde(rename_all = "camelCase")]
    OauthClientCredentials {
        /// The token endpoint.
        token_url: String,
        /// The client id.
        client_id: String,
        /// The scope to ask for, if the service wants one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scope: Option<String>,
    },
}

/// Where a target's credential is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum SecretStore {
    /// The OS keychain.
    Keychain,
    /// The database, sealed with a key derived from the master key (no keychain was reachable).
    Sealed,
}

impl SecretStore {
    fn as_str(self) -> &'static str {
        match self {
            Self::Keychain => "keychain",
            Self::Sealed => "sealed",
        }
    }
}

/// A remote target, as stored (no credential).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RemoteTarget {
    /// Its identifier.
    pub id: String,
    /// Its name, unique in the console (case-insensitive).
    pub name: String,
    /// The SCIM base URL (without a trailing slash).
    pub base_url: String,
    /// How the console authenticates.
    pub auth: TargetAuth,
    /// Where the credential is kept.
    pub secret_store: SecretStore,
    /// When it was added.
    pub created: DateTime<Utc>,
    /// When it last changed.
    pub updated: DateTime<Utc>,
    /// When its connection was last tested, and whether that test passed.
    pub last_test: Option<DateTime<Utc>>,
    /// Whether the last test passed.
    pub last_test_ok: Option<bool>,
}

/// A target to add.
#[derive(Debug, Clone)]
pub struct NewTarget {
    /// Its name.
    pub name: String,
    /// The SCIM base URL.
    pub base_url: String,
    /// How to authenticate.
    pub auth: TargetAuth,
    /// The bearer token or the client secret.
    pub secret: Secret,
}

/// Checks an http(s) address: scheme, a host, no spaces.
fn check_url(field: &'static str, url: &str) -> CoreResult<String> {
    let url = url.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| CoreError::invalid(field, "must start with https:// (or http://)"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.starts_with(':') {
        return Err(CoreError::invalid(field, "names no host"));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(CoreError::invalid(field, "must not contain spaces"));
    }
    if url.contains('#') {
        return Err(CoreError::invalid(
            field,
            "must not contain a fragment (#…)",
        ));
    }
    if host.contains('@') {
        return Err(CoreError::invalid(
            field,
            "must not carry credentials (user:password@); give the credential separately",
        ));
    }
    Ok(url.to_owned())
}

impl NewTarget {
    /// The target checked and normalised: name, base URL, the OAuth fields, and a credential an
    /// HTTP header can carry.
    pub fn validate(mut self) -> CoreResult<Self> {
        self.name = self.name.trim().to_owned();
        if self.name.is_empty() {
            return Err(CoreError::invalid("name", "must not be empty"));
        }
        if self.name.chars().count() > MAX_NAME {
            return Err(CoreError::invalid(
                "name",
                format!("must be at most {MAX_NAME} characters"),
            ));
        }
        self.base_url = check_url("baseUrl", &self.base_url)?;
        let secret_field = match &mut self.auth {
            TargetAuth::Bearer => "token",
            TargetAuth::OauthClientCredentials {
                token_url,
                client_id,
                scope,
            } => {
                *token_url = check_url("tokenUrl", token_url)?;
                *client_id = client_id.trim().to_owned();
                if client_id.is_empty() {
                    return Err(CoreError::invalid("clientId", "must not be empty"));
                }
                if scope.as_deref().is_some_and(|s| s.trim().is_empty()) {
                    *scope = None;
                }
                "clientSecret"
            }
        };
        let secret = self.secret.expose().trim();
        if secret.is_empty() {
            return Err(CoreError::invalid(secret_field, "must not be empty"));
        }
        if secret.chars().any(|c| !c.is_ascii_graphic()) {
            return Err(CoreError::invalid(
                secret_field,
                "holds spaces or characters an HTTP header cannot carry (copy it again, whole)",
            ));
        }
        self.secret = Secret::new(secret.to_owned());
        Ok(self)
    }
}

fn target_from_row(row: &db::Row) -> CoreResult<RemoteTarget> {
    let auth: String = row.try_get("auth")?;
    let store: String = row.try_get("secret_store")?;
    Ok(RemoteTarget {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        base_url: row.try_get("base_url")?,
        auth: serde_json::from_str(&auth)
            .map_err(|e| CoreError::Corrupt(format!("target authentication: {e}")))?,
        secret_store: match store.as_str() {
            "keychain" => SecretStore::Keychain,
            "sealed" => SecretStore::Sealed,
            other => return Err(CoreError::Corrupt(format!("secret store {other}"))),
        },
        created: to_time(row.try_get("created_us")?)?,
        updated: to_time(row.try_get("updated_us")?)?,
        last_test: row
            .try_get::<Option<i64>, _>("last_test_us")?
            .map(to_time)
            .transpose()?,
        last_test_ok: row.try_get("last_test_ok")?,
    })
}

/// What adding a target did with its credential.
#[derive(Debug, Clone, PartialEq)]
pub struct Added {
    /// The target.
    pub target: RemoteTarget,
    /// Why the keychain was not used, when the credential was sealed in the database instead.
    pub keychain_unavailable: Option<String>,
}

impl Store {
    /// The keychain account of a target's credential: per data directory, so two consoles on
    /// one machine never share an entry.
    fn target_account(&self, id: &str) -> String {
        match self.path() {
            Some(path) => {
                let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
                format!("remote target {id} for {}", path.display())
            }
            // PostgreSQL: per database and schema (the log channel names the schema).
            None => format!(
                "remote target {id} for {}",
                self.log_channel().unwrap_or("postgres")
            ),
        }
    }

    /// Adds a remote target: its credential goes to the OS keychain, or, when none is
    /// reachable, into the database sealed with the master key.
    pub async fn add_target(&self, new: NewTarget, actor: &Actor) -> CoreResult<Added> {
        let new = new.validate()?;
        let folded = new.name.to_lowercase();
        let taken: Option<String> =
            db::query_scalar("SELECT id FROM remote_targets WHERE name_folded = ?1")
                .bind(&folded)
                .fetch_optional(self.pool())
                .await?;
        if taken.is_some() {
            return Err(CoreError::Conflict(format!(
                "a target named \"{}\" already exists",
                new.name
            )));
        }
        let id = format!("tgt_{}", Uuid::new_v4().simple());
        let account = self.target_account(&id);
        let (store, sealed, why) = if self.keychain_enabled() {
            match secrets::keychain_set(&account, new.secret.expose()).await {
                Ok(()) => (SecretStore::Keychain, None, None),
                Err(why) => (SecretStore::Sealed, Some(self.seal(&new)?), Some(why)),
            }
        } else {
            (
                SecretStore::Sealed,
                Some(self.seal(&new)?),
                Some("the keychain is switched off for this process".to_owned()),
            )
        };
        let now = self.now_us();
        let auth = serde_json::to_string(&new.auth)
            .map_err(|e| CoreError::Corrupt(format!("target authentication: {e}")))?;
        let mut conn = self.writer().await?;
        let mut tx = conn.begin().await?;
        let inserted = db::query(
            "INSERT INTO remote_targets (id, name, name_folded, base_url, auth, secret_store, secret_sealed, created_us, updated_us)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
        )
        .bind(&id)
        .bind(&new.name)
        .bind(&folded)
        .bind(&new.base_url)
        .bind(&auth)
        .bind(store.as_str())
        .bind(sealed)
        .bind(now)
        .execute(&mut tx)
        .await;
        if let Err(e) = inserted {
            drop(tx);
            drop(conn);
            if store == SecretStore::Keychain {
                let _ = secrets::keychain_delete(&account).await;
            }
            return Err(match e {
                sqlx::Error::Database(d) if d.is_unique_violation() => {
                    CoreError::Conflict(format!("a target named \"{}\" already exists", new.name))
                }
                e => e.into(),
            });
        }
        audit::record(
            &mut tx,
            now,
            actor,
            "target.add",
            Subject {
                configuration: None,
                target: Some(&id),
            },
            &json!({"name": new.name, "baseUrl": new.base_url, "auth": new.auth, "secretStore": store}),
        )
        .await?;
        tx.commit().await?;
        drop(conn);
        Ok(Added {
            target: self.target(&id).await?,
            keychain_unavailable: why,
        })
    }

    fn seal(&self, new: &NewTarget) -> CoreResult<Vec<u8>> {
        let key = self.sealing_key().ok_or_else(|| {
            CoreError::Forbidden(
                "the OS keychain is unavailable and this process did not load the console's master key to seal the credential with".into(),
            )
        })?;
        key.seal(new.secret.expose())
    }

    /// Every target, by name.
    pub async fn targets(&self) -> CoreResult<Vec<RemoteTarget>> {
        let rows = db::query("SELECT * FROM remote_targets ORDER BY name_folded")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(target_from_row).collect()
    }

    /// A target by id or by name (case-insensitive).
    pub async fn target(&self, key: &str) -> CoreResult<RemoteTarget> {
        let row = db::query("SELECT * FROM remote_targets WHERE id = ?1 OR name_folded = ?2")
            .bind(key.trim())
            .bind(key.trim().to_lowercase())
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("target {key}")))?;
        target_from_row(&row)
    }

    /// A target's credential (the bearer token or the client secret), from the keychain or
    /// unsealed from the database. For the request that sends it, and nothing else.
    pub async fn target_secret(&self, target: &RemoteTarget) -> CoreResult<Secret> {
        match target.secret_store {
            SecretStore::Keychain => secrets::keychain_get(&self.target_account(&target.id))
                .await
                .map(Secret::new)
                .map_err(|why| {
                    CoreError::Forbidden(format!(
                        "the credential of target \"{}\" is in the OS keychain, which is unavailable: {why}; unlock the keychain, or add the target again",
                        target.name
                    ))
                }),
            SecretStore::Sealed => {
                let sealed: Option<Vec<u8>> = db::query_scalar(
                    "SELECT secret_sealed FROM remote_targets WHERE id = ?1",
                )
                .bind(&target.id)
                .fetch_optional(self.pool())
                .await?
                .flatten();
                let sealed = sealed.ok_or_else(|| {
                    CoreError::Corrupt(format!("the sealed credential of target {}", target.name))
                })?;
                let key = self.sealing_key().ok_or_else(|| {
                    CoreError::Forbidden(
                        "this process did not load the console's master key, which the target's credential is sealed with".into(),
                    )
                })?;
                key.open(&sealed).map(Secret::new)
            }
        }
    }

    /// Records the outcome of a connection test of a target.
    pub async fn record_target_test(&self, id: &str, ok: bool) -> CoreResult<()> {
        let now = self.now_us();
        let mut conn = self.writer().await?;
        db::query("UPDATE remote_targets SET last_test_us = ?1, last_test_ok = ?2 WHERE id = ?3")
            .bind(now)
            .bind(ok)
            .bind(id)
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    /// Removes a target and its keychain entry.
    pub async fn remove_target(&self, key: &str, actor: &Actor) -> CoreResult<RemoteTarget> {
        let target = self.target(key).await?;
        let now = self.now_us();
        {
            let mut conn = self.writer().await?;
            let mut tx = conn.begin().await?;
            db::query("DELETE FROM remote_targets WHERE id = ?1")
                .bind(&target.id)
                .execute(&mut tx)
                .await?;
            audit::record(
                &mut tx,
                now,
                actor,
                "target.remove",
                Subject {
                    configuration: None,
                    target: Some(&target.id),
                },
                &json!({"name": target.name}),
            )
            .await?;
            tx.commit().await?;
        }
        if target.secret_store == SecretStore::Keychain
            && let Err(why) = secrets::keychain_delete(&self.target_account(&target.id)).await
        {
            tracing::warn!(target = %target.name, %why, "the keychain entry of a removed target stays");
        }
        Ok(target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(name: &str, url: &str, secret: &str) -> NewTarget {
        NewTarget {
            name: name.into(),
            base_url: url.into(),
            auth: TargetAuth::Bearer,
            secret: Secret::new(secret.into()),
        }
    }

    #[test]
    fn targets_are_checked_field_by_field() {
        let ok = new(" App ", "https://app.example.com/scim/v2/", "abc")
            .validate()
            .unwrap();
        assert_eq!(ok.name, "App");
        assert_eq!(ok.base_url, "https://app.example.com/scim/v2");
        let field = |t: NewTarget| match t.validate() {
            Err(CoreError::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(new("", "https://a", "x")), "name");
        assert_eq!(field(new("a", "ftp://a", "x")), "baseUrl");
        assert_eq!(field(new("a", "https://", "x")), "baseUrl");
        assert_eq!(field(new("a", "https://u:p@a/scim", "x")), "baseUrl");
        assert_eq!(field(new("a", "https://a b", "x")), "baseUrl");
        assert_eq!(field(new("a", "https://a", " ")), "token");
        assert_eq!(field(new("a", "https://a", "ab cd")), "token");
        let mut oauth = new("a", "https://a", "s");
        oauth.auth = TargetAuth::OauthClientCredentials {
            token_url: "https://a/token".into(),
            client_id: " ".into(),
            scope: None,
        };
        assert_eq!(field(oauth), "clientId");
    }

    #[test]
    fn the_authentication_serialises_without_a_secret() {
        let auth = TargetAuth::OauthClientCredentials {
            token_url: "https://a/token".into(),
            client_id: "c".into(),
            scope: Some("scim".into()),
        };
        let text = serde_json::to_string(&auth).unwrap();
        assert_eq!(
            text,
            r#"{"kind":"oauthClientCredentials","tokenUrl":"https://a/token","clientId":"c","scope":"scim"}"#
        );
        assert_eq!(
            serde_json::to_string(&TargetAuth::Bearer).unwrap(),
            r#"{"kind":"bearer"}"#
        );
    }
}
