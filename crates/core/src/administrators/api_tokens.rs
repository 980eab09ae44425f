//! Personal API tokens: how an administrator's scripts and the command line call the admin
//! API of a deployed console (`Authorization: Bearer scap_…`). An administrator creates its
//! own, named, with an expiry (at most [`MAX_DAYS`]) and the roles it carries — some or all of
//! the administrator's, never more: a request made with one holds the administrator's grants
//! *of those roles* at the time of the request, so a role taken from the administrator is taken
//! from its tokens at once, and a disabled administrator's tokens stop. Shown once; only the
//! SHA-256 of the 256-bit secret is stored. Listed and revoked by their owner, and by owners.

use chrono::{DateTime, Utc};
use rand::RngCore as _;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest as _, Sha256};

use super::accounts::{Administrator, AdministratorState};
use super::roles::Role;
use crate::audit::{self, Actor, Subject};
use crate::db;
use crate::error::{CoreError, CoreResult};
use crate::store::Store;
use crate::time::to_time;
use crate::token::Secret;

/// What every personal API token starts with (so that scanners and people recognise one).
pub const PREFIX: &str = "scap_";
/// The longest a personal API token lives, in days.
pub const MAX_DAYS: i64 = 366;
/// The longest token name.
const MAX_NAME: usize = 100;
/// How stale a token's last use may be before a request writes it down again.
const TOUCH_EVERY_US: i64 = 60_000_000;

/// A personal API token (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ApiToken {
    /// Its public id (`pat_…`).
    pub id: String,
    /// The administrator it acts as (an id).
    pub administrator: String,
    /// What its owner called it.
    pub name: String,
    /// The roles it carries (of its administrator's).
    pub roles: Vec<Role>,
    /// When it was created.
    pub created: DateTime<Utc>,
    /// When it stops.
    pub expires: DateTime<Utc>,
    /// When it was last used (to the minute).
    pub last_used: Option<DateTime<Utc>>,
    /// When it was revoked, if it was.
    pub revoked: Option<DateTime<Utc>>,
}

/// A token just created: shown once.
#[derive(Debug, Clone)]
pub struct IssuedApiToken {
    /// The token.
    pub token: ApiToken,
    /// Its secret, for `Authorization: Bearer`.
    pub secret: Secret,
}

/// A token to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiToken {
    /// Its name (what the script is).
    pub name: String,
    /// The roles it carries; `None`: every role its administrator holds now.
    pub roles: Option<Vec<Role>>,
    /// Its lifetime in days (1 to [`MAX_DAYS`]).
    pub days: i64,
}

fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.trim().as_bytes()).to_vec()
}

fn from_row(row: &db::Row) -> CoreResult<ApiToken> {
    let roles: String = row.try_get("roles")?;
    Ok(ApiToken {
        id: row.try_get("id")?,
        administrator: row.try_get("administrator_id")?,
        name: row.try_get("name")?,
        roles: serde_json::from_str(&roles)
            .map_err(|e| CoreError::Corrupt(format!("API token roles: {e}")))?,
        created: to_time(row.try_get("created_us")?)?,
        expires: to_time(row.try_get("expires_us")?)?,
        last_used: row
            .try_get::<Option<i64>, _>("last_used_us")?
            .map(to_time)
            .transpose()?,
        revoked: row
            .try_get::<Option<i64>, _>("revoked_us")?
            .map(to_time)
            .transpose()?,
    })
}

/// The roles a new token carries: those asked for, each held by `administrator`.
fn checked_roles(administrator: &Administrator, asked: Option<&[Role]>) -> CoreResult<Vec<Role>> {
    let held: Vec<Role> = administrator.grants.iter().map(|g| g.role).collect();
    let Some(asked) = asked else {
        return Ok(held);
    };
    if asked.is_empty() {
        return Err(CoreError::invalid(
            "roles",
            "a token carries one role at least (leave roles out for all of yours)",
        ));
    }
    if let Some(role) = asked.iter().find(|r| !held.contains(r)) {
        return Err(CoreError::invalid(
            "roles",
            format!("you do not hold the role {role}: a token carries only roles you hold"),
        ));
    }
    let mut roles = asked.to_vec();
    roles.sort();
    roles.dedup();
    Ok(roles)
}

impl Store {
    /// Creates a personal API token for the administrator `administrator` (an id). Audited.
    pub async fn create_api_token(
        &self,
        administrator: &str,
        new: &NewApiToken,
        actor: &Actor,
    ) -> CoreResult<IssuedApiToken> {
        use base64::Engine as _;
        let owner = self.administrator(administrator).await?;
        if owner.state == AdministratorState::Disabled {
            return Err(CoreError::Forbidden(format!("{} is disabled", owner.email)));
        }
        let name = new.name.trim();
        if name.is_empty() || name.len() > MAX_NAME {
            return Err(CoreError::invalid(
                "name",
                format!("name the token (1 to {MAX_NAME} characters): what will use it?"),
            ));
        }
        if !(1..=MAX_DAYS).contains(&new.days) {
            return Err(CoreError::invalid(
                "days",
                format!("a token lives 1 to {MAX_DAYS} days"),
            ));
        }
        let roles = checked_roles(&owner, new.roles.as_deref())?;
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let secret = format!(
            "{PREFIX}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
        );
        let id = format!("pat_{:016x}", rand::thread_rng().next_u64());
        let now = self.now_us();
        let expires_us = now + new.days * 86_400_000_000;
        let roles_json = serde_json::to_string(&roles)
            .map_err(|e| CoreError::Corrupt(format!("API token roles: {e}")))?;
        let mut conn = self.writer().await?;
        let mut tx = conn.begin().await?;
        db::query(
            "INSERT INTO admin_api_tokens (id, administrator_id, name, hash, roles, created_us, expires_us)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(&owner.id)
        .bind(name)
        .bind(hash(&secret))
        .bind(&roles_json)
        .bind(now)
        .bind(expires_us)
        .execute(&mut tx)
        .await?;
        audit::record(
            &mut tx,
            now,
            actor,
            "administrator.api-token.create",
            Subject {
                configuration: None,
                target: Some(&owner.id),
            },
            &json!({"token": id, "name": name, "roles": roles, "days": new.days}),
        )
        .await?;
        tx.commit().await?;
        Ok(IssuedApiToken {
            token: ApiToken {
                id,
                administrator: owner.id,
                name: name.to_owned(),
                roles,
                created: to_time(now)?,
                expires: to_time(expires_us)?,
                last_used: None,
                revoked: None,
            },
            secret: Secret::new(secret),
        })
    }

    /// The personal API tokens of the administrator `administrator` (an id), newest first,
    /// revoked and expired ones included.
    pub async fn api_tokens_of(&self, administrator: &str) -> CoreResult<Vec<ApiToken>> {
        db::query(
            "SELECT * FROM admin_api_tokens WHERE administrator_id = ? ORDER BY created_us DESC, id",
        )
        .bind(administrator)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(from_row)
        .collect()
    }

    /// Revokes the token `token` of the administrator `administrator` (ids): it stops on the
    /// next request, on every instance. Audited.
    pub async fn revoke_api_token(
        &self,
        administrator: &str,
        token: &str,
        actor: &Actor,
    ) -> CoreResult<()> {
        let now = self.now_us();
        let mut conn = self.writer().await?;
        let mut tx = conn.begin().await?;
        let revoked = db::query(
            "UPDATE admin_api_tokens SET revoked_us = ?, revoked_by = ?
             WHERE administrator_id = ? AND id = ? AND revoked_us IS NULL",
        )
        .bind(now)
        .bind(&actor.name)
        .bind(administrator)
        .bind(token)
        .execute(&mut tx)
        .await?
        .rows_affected();
        if revoked == 0 {
            return Err(CoreError::NotFound(format!("unrevoked API token {token}")));
        }
        audit::record(
            &mut tx,
            now,
            actor,
            "administrator.api-token.revoke",
            Subject {
                configuration: None,
                target: Some(administrator),
            },
            &json!({"token": token}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The administrator and token a bearer secret is, if it is a live personal API token:
    /// not revoked, not expired, its administrator active. Looked up by the secret's hash.
    pub async fn api_token_caller(
        &self,
        secret: &str,
    ) -> CoreResult<Option<(Administrator, ApiToken)>> {
        if !secret.starts_with(PREFIX) {
            return Ok(None);
        }
        let now = self.now_us();
        let row = db::query(
            "SELECT * FROM admin_api_tokens WHERE hash = ? AND revoked_us IS NULL AND expires_us > ?",
        )
        .bind(hash(secret))
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut token = from_row(&row)?;
        let administrator = self.administrator(&token.administrator).await?;
        if administrator.state == AdministratorState::Disabled {
            return Ok(None);
        }
        let stale = token
            .last_used
            .is_none_or(|used| now - used.timestamp_micros() > TOUCH_EVERY_US);
        if stale {
            let mut conn = self.writer().await?;
            db::query("UPDATE admin_api_tokens SET last_used_us = ? WHERE id = ?")
                .bind(now)
                .bind(&token.id)
                .execute(&mut conn)
                .await?;
            token.last_used = Some(to_time(now)?);
        }
        Ok(Some((administrator, token)))
    }
}
