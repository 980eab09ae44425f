//! Administrators' browser sessions, stored in the console's database so that a session opened
//! on one instance holds on every instance, and ends on every instance when it is closed (or
//! its administrator disabled). Only the SHA-256 of a session id is stored. A session ends
//! after [`IDLE_MINUTES`] without a request or [`ABSOLUTE_HOURS`] after it opened, whichever
//! comes first; its last use is written down at most once a minute.

use chrono::{DateTime, Utc};
use rand::RngCore as _;
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use serde_json::json;

use crate::audit::{self, Actor, Subject};
use crate::db;
use crate::error::{CoreError, CoreResult};
use crate::store::Store;
use crate::time::to_time;
use crate::token::Secret;

/// The longest a session lasts.
pub const ABSOLUTE_HOURS: i64 = 12;
/// The longest a session lasts without a request.
pub const IDLE_MINUTES: i64 = 60;
/// How stale a session's last use may be before a request writes it down again.
const TOUCH_EVERY_US: i64 = 60_000_000;
/// Ended sessions are deleted this long after they end (a day: enough to say why one ended).
const KEEP_ENDED_US: i64 = 24 * 3_600_000_000;
/// The longest source address and User-Agent kept.
const MAX_SOURCE: usize = 64;
const MAX_AGENT: usize = 256;

/// An open session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AdminSession {
    /// Its public id (`ses_…`), to list and revoke it by; not the cookie's secret.
    pub id: String,
    /// How it was opened: `one-time link`, `password`, `openid connect`, `admin link`.
    pub via: String,
    /// Who it belongs to: an administrator's id, or `None` for the holder of the server's
    /// admin token (the admin link `serve` prints).
    pub administrator: Option<String>,
    /// When it opened.
    pub opened: DateTime<Utc>,
    /// When it was last used (to the minute).
    pub seen: DateTime<Utc>,
    /// The address it opened from.
    pub source: String,
    /// The browser it opened in.
    pub user_agent: Option<String>,
}

fn hash(id: &str) -> Vec<u8> {
    Sha256::digest(id.as_bytes()).to_vec()
}

fn session_from_row(row: &db::Row) -> CoreResult<AdminSession> {
    Ok(AdminSession {
        id: row.try_get("id")?,
        via: row.try_get("via")?,
        administrator: row.try_get("administrator_id")?,
        opened: to_time(row.try_get("opened_us")?)?,
        seen: to_time(row.try_get("seen_us")?)?,
        source: row.try_get("source")?,
        user_agent: row.try_get("user_agent")?,
    })
}

fn cut(text: &str, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

impl Store {
    /// Opens a session for `administrator` (`None`: the admin token's holder), signed in
    /// `via` a credential, from `source` in `user_agent`; returns its secret (256 random bits,
    /// base64url), to set in a cookie.
    pub async fn open_admin_session(
        &self,
        administrator: Option<&str>,
        via: &str,
        source: &str,
        user_agent: Option<&str>,
    ) -> CoreResult<Secret> {
        use base64::Engine as _;
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        let id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let public = format!("ses_{:016x}", rand::thread_rng().next_u64());
        let now = self.now_us();
        let mut conn = self.writer().await?;
        db::query("DELETE FROM admin_sessions WHERE expires_us < ? OR closed_us < ?")
            .bind(now - KEEP_ENDED_US)
            .bind(now - KEEP_ENDED_US)
            .execute(&mut conn)
            .await?;
        db::query(
            "INSERT INTO admin_sessions (hash, id, via, administrator_id, opened_us, seen_us, expires_us, source, user_agent)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(hash(&id))
        .bind(&public)
        .bind(via)
        .bind(administrator)
        .bind(now)
        .bind(now)
        .bind(now + ABSOLUTE_HOURS * 3_600_000_000)
        .bind(cut(source, MAX_SOURCE))
        .bind(user_agent.map(|a| cut(a, MAX_AGENT)))
        .execute(&mut conn)
        .await?;
        Ok(Secret::new(id))
    }

    /// The open session `id` names, if it is one: not closed, not past its end, not idle too
    /// long, and — for an administrator's — its administrator still active. Looked up by the
    /// id's hash, so no secret is compared.
    pub async fn admin_session(&self, id: &str) -> CoreResult<Option<AdminSession>> {
        let now = self.now_us();
        let row = db::query(
            "SELECT s.id, s.via, s.administrator_id, s.opened_us, s.seen_us, s.source, s.user_agent
             FROM admin_sessions s LEFT JOIN administrators a ON a.id = s.administrator_id
             WHERE s.hash = ? AND s.closed_us IS NULL AND s.expires_us > ? AND s.seen_us > ?
               AND (s.administrator_id IS NULL OR (a.id IS NOT NULL AND a.disabled_us IS NULL))",
        )
        .bind(hash(id))
        .bind(now)
        .bind(now - IDLE_MINUTES * 60_000_000)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut seen: i64 = row.try_get("seen_us")?;
        if now - seen > TOUCH_EVERY_US {
            seen = now;
            let mut conn = self.writer().await?;
            db::query("UPDATE admin_sessions SET seen_us = ? WHERE hash = ?")
                .bind(now)
                .bind(hash(id))
                .execute(&mut conn)
                .await?;
        }
        let mut session = session_from_row(&row)?;
        session.seen = to_time(seen)?;
        Ok(Some(session))
    }

    /// The open sessions of the administrator `administrator` (an id), newest first.
    pub async fn admin_sessions_of(&self, administrator: &str) -> CoreResult<Vec<AdminSession>> {
        let now = self.now_us();
        db::query(
            "SELECT id, via, administrator_id, opened_us, seen_us, source, user_agent
             FROM admin_sessions
             WHERE administrator_id = ? AND closed_us IS NULL AND expires_us > ? AND seen_us > ?
             ORDER BY opened_us DESC",
        )
        .bind(administrator)
        .bind(now)
        .bind(now - IDLE_MINUTES * 60_000_000)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(session_from_row)
        .collect()
    }

    /// Ends the session `session` (a public id) of the administrator `administrator` (an
    /// id), on every instance; audited. [`CoreError::NotFound`] when it has no such open
    /// session.
    pub async fn revoke_admin_session(
        &self,
        administrator: &str,
        session: &str,
        actor: &Actor,
    ) -> CoreResult<()> {
        let now = self.now_us();
        let mut conn = self.writer().await?;
        let mut tx = conn.begin().await?;
        let ended = db::query(
            "UPDATE admin_sessions SET closed_us = ?
             WHERE administrator_id = ? AND id = ? AND closed_us IS NULL",
        )
        .bind(now)
        .bind(administrator)
        .bind(session)
        .execute(&mut tx)
        .await?
        .rows_affected();
        if ended == 0 {
            return Err(CoreError::NotFound(format!("session {session}")));
        }
        audit::record(
            &mut tx,
            now,
            actor,
            "administrator.session.revoke",
            Subject {
                configuration: None,
                target: Some(administrator),
            },
            &json!({"session": session}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Closes session `id` (signing out): it ends on every instance.
    pub async fn close_admin_session(&self, id: &str) -> CoreResult<()> {
        let mut conn = self.writer().await?;
        db::query("UPDATE admin_sessions SET closed_us = ? WHERE hash = ? AND closed_us IS NULL")
            .bind(self.now_us())
            .bind(hash(id))
            .execute(&mut conn)
            .await?;
        Ok(())
    }
}
