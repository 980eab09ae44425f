//! One-time sign-in links: how an administrator (the first owner above all) opens its first
//! session. `scim-console admin create` (or `admin link`) issues one: 256 random bits, shown
//! once, stored only as a SHA-256, valid for [`LINK_MINUTES`] minutes and for one use. The
//! code travels in the link's fragment (`/sign-in#code=…`), which browsers never send to a
//! server, and the page sends it in a POST body: no secret in a URL a log could keep.

use chrono::{DateTime, Utc};
use rand::RngCore as _;
use serde_json::json;
use sha2::{Digest as _, Sha256};

use super::accounts::{Administrator, AdministratorState};
use crate::audit::{self, Actor, Subject};
use crate::db;
use crate::error::{CoreError, CoreResult};
use crate::store::Store;
use crate::time::to_time;
use crate::token::Secret;

/// How long a sign-in link works.
pub const LINK_MINUTES: i64 = 15;

/// A link issued: its code (shown once) and when it stops working.
#[derive(Debug, Clone)]
pub struct SignInLink {
    /// The code, for the link's fragment.
    pub code: Secret,
    /// When it stops working.
    pub expires: DateTime<Utc>,
}

fn hash(code: &str) -> Vec<u8> {
    Sha256::digest(code.trim().as_bytes()).to_vec()
}

/// What refuses a code, whatever the reason: an unknown, used or expired code look alike.
fn refused() -> CoreError {
    CoreError::Forbidden(
        "this sign-in link is not valid: it was used already, it expired (links work for 15 minutes), or it was never issued; ask an owner for a new one (`scim-console admin link EMAIL`)"
            .into(),
    )
}

impl Store {
    /// Issues a one-time sign-in link for the administrator `key` (email or id).
    pub async fn create_sign_in_link(&self, key: &str, actor: &Actor) -> CoreResult<SignInLink> {
        use base64::Engine as _;
        let administrator = self.administrator(key).await?;
        if administrator.state == AdministratorState::Disabled {
            return Err(CoreError::Forbidden(format!(
                "{} is disabled: enable it first (`scim-console admin enable`)",
                administrator.email
            )));
        }
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        let code = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let now = self.now_us();
        let expires_us = now + LINK_MINUTES * 60_000_000;
        let mut conn = self.writer().await?;
        let mut tx = conn.begin().await?;
        db::query("DELETE FROM admin_sign_in_links WHERE expires_us < ?")
            .bind(now)
            .execute(&mut tx)
            .await?;
        db::query(
            "INSERT INTO admin_sign_in_links (hash, administrator_id, created_us, expires_us) VALUES (?, ?, ?, ?)",
        )
        .bind(hash(&code))
        .bind(&administrator.id)
        .bind(now)
        .bind(expires_us)
        .execute(&mut tx)
        .await?;
        audit::record(
            &mut tx,
            now,
            actor,
            "administrator.link",
            Subject {
                configuration: None,
                target: Some(&administrator.id),
            },
            &json!({"email": administrator.email, "validMinutes": LINK_MINUTES}),
        )
        .await?;
        tx.commit().await?;
        Ok(SignInLink {
            code: Secret::new(code),
            expires: to_time(expires_us)?,
        })
    }

    /// Uses a sign-in link's code, presented from `source`: the administrator it was issued
    /// for, once, within its time, while that administrator is active; else
    /// [`CoreError::Forbidden`] saying so. The sign-in is in the audit log, as that
    /// administrator's.
    pub async fn redeem_sign_in_link(&self, code: &str, source: &str) -> CoreResult<Administrator> {
        let now = self.now_us();
        let mut conn = self.writer().await?;
        let mut tx = conn.begin().await?;
        // Marking it used is what finds it: of two requests racing with one code, one wins.
        let row = db::query(
            "UPDATE admin_sign_in_links SET used_us = ?
             WHERE hash = ? AND used_us IS NULL AND expires_us > ?
             RETURNING administrator_id",
        )
        .bind(now)
        .bind(hash(code))
        .bind(now)
        .fetch_optional(&mut tx)
        .await?;
        let Some(row) = row else {
            return Err(refused());
        };
        let id: String = row.try_get("administrator_id")?;
        let administrator = self.administrator_on(&mut tx, &id).await?;
        if administrator.state == AdministratorState::Disabled {
            tx.commit().await?;
            return Err(refused());
        }
        audit::record(
            &mut tx,
            now,
            &Actor::new(administrator.email.clone(), source),
            "administrator.sign-in",
            Subject {
                configuration: None,
                target: Some(&administrator.id),
            },
            &json!({"by": "one-time link"}),
        )
        .await?;
        tx.commit().await?;
        Ok(administrator)
    }
}
