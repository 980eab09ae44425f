//! Creating, listing, rotating, revoking and checking tokens, under the configuration's policy,
//! each change committed with its audit record.

use std::time::Duration;

use crate::db::{self, Link};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use super::format::{self, Kind};
use super::{IssuedToken, TokenInfo, TokenState};
use crate::audit::{self, Actor, Subject};
use crate::configuration::{Configuration, ConfigurationId, TokenPolicy};
use crate::error::{CoreError, CoreResult, is_unique_violation};
use crate::store::Store;
use crate::time::to_time;

const DAY_US: i64 = 86_400_000_000;
const MAX_LABEL: usize = 100;
const COLUMNS: &str = "id, configuration_id, label, created_us, created_by, expires_us, last_used_us, last_used_from, revoked_us, revoked_by, rotated_to";

/// A token to create.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewToken {
    /// A label for people (e.g. "Entra ID production").
    pub label: String,
    /// When it stops working by itself. Without one, the policy's maximum lifetime applies (if
    /// the configuration has one).
    pub expires: Option<DateTime<Utc>>,
}

/// How to rotate a token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rotation {
    /// How long the old token keeps working after the new one is issued (default: not at all).
    pub grace: Duration,
    /// The new token's expiry. Without one, it lives as long as the old one was meant to
    /// (capped by the policy), or the policy's maximum, or for ever.
    pub expires: Option<DateTime<Utc>>,
    /// The new token's label (default: the old one's).
    pub label: Option<String>,
}

/// What a token check found wrong with one token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TokenProblemKind {
    /// Past its expiry date and not revoked: the identity provider using it is failing.
    Expired,
    /// Expires within the warning window.
    ExpiresSoon,
    /// Older than the policy's rotation period.
    RotationOverdue,
}

/// One token that needs attention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenProblem {
    /// The configuration's name.
    pub configuration: String,
    /// What is wrong.
    pub kind: TokenProblemKind,
    /// The same in words, with the date.
    pub detail: String,
    /// The token.
    pub token: TokenInfo,
}

/// The result of checking every token of every configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenCheck {
    /// How many live or expired tokens were checked.
    pub checked: usize,
    /// The tokens that need attention.
    pub problems: Vec<TokenProblem>,
}

fn opt_time(us: Option<i64>) -> CoreResult<Option<DateTime<Utc>>> {
    us.map(to_time).transpose()
}

pub(super) fn info_from_row(row: &db::Row, now: i64, policy: TokenPolicy) -> CoreResult<TokenInfo> {
    let id: String = row.try_get("id")?;
    let configuration: String = row.try_get("configuration_id")?;
    let created: i64 = row.try_get("created_us")?;
    let revoked: Option<i64> = row.try_get("revoked_us")?;
    let expires: Option<i64> = row.try_get("expires_us")?;
    Ok(TokenInfo {
        prefix: format::display_prefix(Kind::Bearer, &id),
        configuration_id: ConfigurationId::parse(&configuration)
            .ok_or_else(|| CoreError::Corrupt(configuration.clone()))?,
        label: row.try_get("label")?,
        created: to_time(created)?,
        created_by: row.try_get("created_by")?,
        expires: opt_time(expires)?,
        last_used: opt_time(row.try_get("last_used_us")?)?,
        last_used_from: row.try_get("last_used_from")?,
        revoked: opt_time(revoked)?,
        revoked_by: row.try_get("revoked_by")?,
        rotated_to: row.try_get("rotated_to")?,
        state: TokenState::at(now, revoked, expires),
        rotation_due: policy
            .rotation_days
            .map(|d| to_time(created.saturating_add(i64::from(d) * DAY_US)))
            .transpose()?,
        id,
    })
}

fn clean_label(label: &str) -> CoreResult<String> {
    let label = label.trim();
    if label.chars().count() > MAX_LABEL || label.chars().any(char::is_control) {
        return Err(CoreError::invalid(
            "label",
            format!("at most {MAX_LABEL} printable characters"),
        ));
    }
    Ok(label.to_owned())
}

/// The expiry of a new token: the one asked for, else the inherited lifetime, else the policy's
/// maximum. An explicit date must be in the future and within the policy; an inherited one is
/// capped by it.
fn resolve_expiry(
    now: i64,
    requested: Option<DateTime<Utc>>,
    inherited_lifetime: Option<i64>,
    policy: TokenPolicy,
) -> CoreResult<Option<i64>> {
    let max = policy
        .max_lifetime_days
        .map(|d| now.saturating_add(i64::from(d) * DAY_US));
    if let Some(requested) = requested {
        let at = requested.timestamp_micros();
        if at <= now {
            return Err(CoreError::invalid(
                "expires",
                format!("{} is not in the future", requested.to_rfc3339()),
            ));
        }
        if let (Some(max), Some(days)) = (max, policy.max_lifetime_days)
            && at > max
        {
            return Err(CoreError::invalid(
                "expires",
                format!(
                    "the configuration's policy allows tokens of at most {days} days (until {})",
                    crate::time::rfc3339(max)
                ),
            ));
        }
        return Ok(Some(at));
    }
    let inherited = inherited_lifetime.map(|l| now.saturating_add(l.max(DAY_US)));
    Ok(match (inherited, max) {
        (Some(i), Some(m)) => Some(i.min(m)),
        (i, m) => i.or(m),
    })
}

impl Store {
    async fn live_count(
        &self,
        conn: &mut impl Link,
        configuration: ConfigurationId,
        now: i64,
    ) -> CoreResult<i64> {
        Ok(db::query_scalar(
            "SELECT COUNT(*) FROM tokens WHERE configuration_id = ? AND revoked_us IS NULL AND (expires_us IS NULL OR expires_us > ?)",
        )
        .bind(configuration.to_string())
        .bind(now)
        .fetch_one(conn)
        .await?)
    }

    /// Inserts a new token row (a fresh id on the rare collision) and returns it with its text.
    async fn insert_token(
        &self,
        conn: &mut impl Link,
        configuration: &Configuration,
        label: &str,
        expires: Option<i64>,
        now: i64,
        actor: &Actor,
    ) -> CoreResult<IssuedToken> {
        for _ in 0..8 {
            let id = format::new_id();
            let (token, hash) = format::issue(Kind::Bearer, &id);
            let inserted = db::query(
                "INSERT INTO tokens (id, configuration_id, label, hash, created_us, created_by, expires_us) VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&id)
            .bind(configuration.id.to_string())
            .bind(label)
            .bind(hash.as_slice())
            .bind(now)
            .bind(&actor.name)
            .bind(expires)
            .execute(&mut *conn)
            .await;
            match inserted {
                Ok(_) => {
                    let info = self.token_on(conn, configuration, &id, now).await?;
                    return Ok(IssuedToken { info, token });
                }
                Err(e) if is_unique_violation(&e) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Err(CoreError::Corrupt(
            "no free token id after 8 attempts".into(),
        ))
    }

    async fn token_on(
        &self,
        conn: &mut impl Link,
        configuration: &Configuration,
        id: &str,
        now: i64,
    ) -> CoreResult<TokenInfo> {
        let row = db::query(format!(
            "SELECT {COLUMNS} FROM tokens WHERE id = ? AND configuration_id = ?"
        ))
        .bind(id)
        .bind(configuration.id.to_string())
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| CoreError::NotFound(format!("token {id}")))?;
        info_from_row(&row, now, configuration.token_policy)
    }

    /// Creates a token for a configuration. The returned token is the only copy.
    pub async fn create_token(
        &self,
        configuration: ConfigurationId,
        new: &NewToken,
        actor: &Actor,
    ) -> CoreResult<IssuedToken> {
        let label = clean_label(&new.label)?;
        let mut w = self.writer().await?;
        let mut tx = w.begin().await?;
        let configuration = self.configuration_on(&mut tx, configuration).await?;
        let now = self.now_us();
        let policy = configuration.token_policy;
        let expires = resolve_expiry(now, new.expires, None, policy)?;
        if let Some(max) = policy.max_active
            && self.live_count(&mut tx, configuration.id, now).await? >= i64::from(max)
        {
            return Err(CoreError::Conflict(format!(
                "the configuration \"{}\" allows at most {max} active tokens: revoke one, or rotate it instead of creating another",
                configuration.name
            )));
        }
        let issued = self
            .insert_token(&mut tx, &configuration, &label, expires, now, actor)
            .await?;
        audit::record(
            &mut tx,
            now,
            actor,
            "token.create",
            Subject {
                configuration: Some((configuration.id, &configuration.name)),
                target: Some(&issued.info.id),
            },
            &json!({"label": label, "expires": issued.info.expires}),
        )
        .await?;
        tx.commit().await?;
        Ok(issued)
    }

    /// The tokens of a configuration, newest first.
    pub async fn list_tokens(&self, configuration: ConfigurationId) -> CoreResult<Vec<TokenInfo>> {
        let configuration = self.configuration(configuration).await?;
        let now = self.now_us();
        let rows = db::query(format!(
            "SELECT {COLUMNS} FROM tokens WHERE configuration_id = ? ORDER BY created_us DESC, id"
        ))
        .bind(configuration.id.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| info_from_row(r, now, configuration.token_policy))
            .collect()
    }

    /// One token of a configuration.
    pub async fn token(&self, configuration: ConfigurationId, id: &str) -> CoreResult<TokenInfo> {
        let configuration = self.configuration(configuration).await?;
        let mut conn = self.pool().acquire().await?;
        self.token_on(&mut conn, &configuration, id, self.now_us())
            .await
    }

    /// Rotates a live token: issues its replacement (returned, shown once) and revokes the old
    /// one when the grace window ends — at once when there is none.
    pub async fn rotate_token(
        &self,
        configuration: ConfigurationId,
        id: &str,
        rotation: &Rotation,
        actor: &Actor,
    ) -> CoreResult<(TokenInfo, IssuedToken)> {
        let grace_us = i64::try_from(rotation.grace.as_micros()).unwrap_or(i64::MAX);
        if grace_us > 90 * DAY_US {
            return Err(CoreError::invalid("grace", "at most 90 days"));
        }
        let mut w = self.writer().await?;
        let mut tx = w.begin().await?;
        let configuration = self.configuration_on(&mut tx, configuration).await?;
        let now = self.now_us();
        let old = self.token_on(&mut tx, &configuration, id, now).await?;
        match old.state {
            TokenState::Active => {}
            TokenState::Grace => {
                return Err(CoreError::Conflict(format!(
                    "token {id} was already rotated (to {}); rotate that one",
                    old.rotated_to.as_deref().unwrap_or("another token")
                )));
            }
            TokenState::Expired | TokenState::Revoked => {
                return Err(CoreError::Conflict(format!(
                    "token {id} is {}; create a new token instead",
                    if old.state == TokenState::Expired {
                        "expired"
                    } else {
                        "revoked"
                    }
                )));
            }
        }
        let label = match &rotation.label {
            Some(l) => clean_label(l)?,
            None => old.label.clone(),
        };
        let lifetime = old
            .expires
            .map(|e| e.timestamp_micros() - old.created.timestamp_micros());
        let expires = resolve_expiry(now, rotation.expires, lifetime, configuration.token_policy)?;
        let issued = self
            .insert_token(&mut tx, &configuration, &label, expires, now, actor)
            .await?;
        let until = now.saturating_add(grace_us);
        db::query("UPDATE tokens SET revoked_us = ?, revoked_by = ?, rotated_to = ? WHERE id = ?")
            .bind(until)
            .bind(&actor.name)
            .bind(&issued.info.id)
            .bind(id)
            .execute(&mut tx)
            .await?;
        audit::record(
            &mut tx,
            now,
            actor,
            "token.rotate",
            Subject {
                configuration: Some((configuration.id, &configuration.name)),
                target: Some(id),
            },
            &json!({
                "newTokenId": issued.info.id,
                "graceSeconds": rotation.grace.as_secs(),
                "oldValidUntil": crate::time::rfc3339(until),
                "expires": issued.info.expires,
            }),
        )
        .await?;
        let old = self.token_on(&mut tx, &configuration, id, now).await?;
        tx.commit().await?;
        drop(w);
        self.auth_cache().bump().await?;
        Ok((old, issued))
    }

    /// Revokes a token at once (also one in a rotation's grace window).
    pub async fn revoke_token(
        &self,
        configuration: ConfigurationId,
        id: &str,
        actor: &Actor,
    ) -> CoreResult<TokenInfo> {
        let mut w = self.writer().await?;
        let mut tx = w.begin().await?;
        let configuration = self.configuration_on(&mut tx, configuration).await?;
        let now = self.now_us();
        let before = self.token_on(&mut tx, &configuration, id, now).await?;
        if before.state == TokenState::Revoked {
            return Ok(before);
        }
        db::query("UPDATE tokens SET revoked_us = ?, revoked_by = ? WHERE id = ?")
            .bind(now)
            .bind(&actor.name)
            .bind(id)
            .execute(&mut tx)
            .await?;
        audit::record(
            &mut tx,
            now,
            actor,
            "token.revoke",
            Subject {
                configuration: Some((configuration.id, &configuration.name)),
                target: Some(id),
            },
            &json!({"label": before.label, "previousState": before.state}),
        )
        .await?;
        let after = self.token_on(&mut tx, &configuration, id, now).await?;
        tx.commit().await?;
        drop(w);
        self.auth_cache().bump().await?;
        Ok(after)
    }

    /// Checks every token of every configuration: expired ones not yet revoked, those
    /// expiring within `warn_within`, and those overdue for rotation under their policy.
    pub async fn check_tokens(&self, warn_within: Duration) -> CoreResult<TokenCheck> {
        let now = self.now_us();
        let warn_us = i64::try_from(warn_within.as_micros()).unwrap_or(i64::MAX);
        let mut check = TokenCheck {
            checked: 0,
            problems: Vec::new(),
        };
        for configuration in self.list_configurations().await? {
            for token in self.list_tokens(configuration.id).await? {
                if token.state == TokenState::Revoked {
                    continue;
                }
                check.checked += 1;
                let expires = token.expires.map(|e| e.timestamp_micros());
                let problem = if token.state == TokenState::Expired {
                    Some((
                        TokenProblemKind::Expired,
                        format!(
                            "expired on {}",
                            token.expires.map(|e| e.to_rfc3339()).unwrap_or_default()
                        ),
                    ))
                } else if let Some(e) = expires.filter(|e| *e - now <= warn_us) {
                    Some((
                        TokenProblemKind::ExpiresSoon,
                        format!("expires on {}", crate::time::rfc3339(e)),
                    ))
                } else if token.state == TokenState::Active
                    && let Some(due) = token.rotation_due.filter(|d| d.timestamp_micros() <= now)
                {
                    Some((
                        TokenProblemKind::RotationOverdue,
                        format!("rotation was due on {}", due.to_rfc3339()),
                    ))
                } else {
                    None
                };
                if let Some((kind, detail)) = problem {
                    check.problems.push(TokenProblem {
                        configuration: configuration.name.clone(),
                        kind,
                        detail,
                        token,
                    });
                }
            }
        }
        Ok(check)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(us: i64) -> DateTime<Utc> {
        to_time(us).unwrap()
    }

    #[test]
    fn expiry_follows_request_then_inheritance_then_policy() {
        let now = 1_000 * DAY_US;
        let none = TokenPolicy::default();
        let capped = TokenPolicy {
            max_lifetime_days: Some(30),
            ..TokenPolicy::default()
        };
        assert_eq!(resolve_expiry(now, None, None, none).unwrap(), None);
        assert_eq!(
            resolve_expiry(now, None, None, capped).unwrap(),
            Some(now + 30 * DAY_US)
        );
        assert_eq!(
            resolve_expiry(now, Some(at(now + DAY_US)), None, capped).unwrap(),
            Some(now + DAY_US)
        );
        assert_eq!(
            resolve_expiry(now, None, Some(10 * DAY_US), none).unwrap(),
            Some(now + 10 * DAY_US)
        );
        assert_eq!(
            resolve_expiry(now, None, Some(90 * DAY_US), capped).unwrap(),
            Some(now + 30 * DAY_US)
        );
        let past = resolve_expiry(now, Some(at(now)), None, none).unwrap_err();
        assert!(past.to_string().contains("not in the future"), "{past}");
        let beyond = resolve_expiry(now, Some(at(now + 31 * DAY_US)), None, capped).unwrap_err();
        assert!(beyond.to_string().contains("at most 30 days"), "{beyond}");
    }
}
