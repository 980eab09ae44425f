//! Administrators as accounts: a name, an email (unique, compared without case), grants
//! ([`Grant`]: a role, on every configuration or named ones) and a state, stored in the
//! console's database and so shared by every instance. Every change is in the audit log. The
//! console always keeps one active owner: disabling the last one, or taking its owner grant,
//! is refused.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::roles::{Grant, Role};
use crate::audit::{self, Actor, Subject};
use crate::db::{self, Link};
use crate::error::{CoreError, CoreResult};
use crate::store::Store;
use crate::time::to_time;

/// The longest email address (RFC 5321's path limit).
/// The longest display name.
const MAX_NAME: usize = 200;

/// An administrator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Administrator {
    /// Its identifier (`adm_…`).
    pub id: String,
    /// The email address it signs in with, as entered.
    pub email: String,
    /// What people call it.
    pub name: String,
    /// What it may do.
    pub grants: Vec<Grant>,
    /// Active, or disabled (signs in no more).
    pub state: AdministratorState,
    /// Whether it has set a password and TOTP (else it signs in with a one-time link or its
    /// identity provider).
    pub password: bool,
    /// When it was created.
    pub created: DateTime<Utc>,
    /// Who created it.
    pub created_by: String,
}

impl Administrator {
    /// Whether it holds the owner role and is active.
    pub fn is_active_owner(&self) -> bool {
        self.state == AdministratorState::Active
            && self.grants.iter().any(|g| g.role == Role::Owner)
    }
}

/// Whether an administrator may sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum AdministratorState {
    /// It signs in and acts.
    Active,
    /// It was disabled: it signs in no more.
    Disabled,
}

/// A new administrator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAdministrator {
    /// Its email address.
    pub email: String,
    /// What people call it (empty: the email's local part).
    pub name: String,
    /// What it may do (at least one grant).
    pub grants: Vec<Grant>,
}

/// An email address checked: one `@`, something on both sides, a dot in the domain, no
/// spaces or controls, at most 254 characters.
fn checked_email(email: &str) -> CoreResult<String> {
    crate::email::checked_address("email", email)
}

/// Grants checked: at least one, each role once.
fn checked_grants(grants: &[Grant]) -> CoreResult<()> {
    if grants.is_empty() {
        return Err(CoreError::invalid(
            "roles",
            "an administrator needs a role: owner, security, editor or viewer",
        ));
    }
    for (i, grant) in grants.iter().enumerate() {
        if grants[..i].iter().any(|g| g.role == grant.role) {
            return Err(CoreError::invalid(
                "roles",
                format!("the role {} is given twice", grant.role),
            ));
        }
        if grant.role == Role::Owner && grant.configurations.is_some() {
            return Err(CoreError::invalid(
                "roles",
                "the owner role covers the whole server and cannot be limited to configurations",
            ));
        }
        if grant
            .configurations
            .as_ref()
            .is_some_and(std::collections::BTreeSet::is_empty)
        {
            return Err(CoreError::invalid(
                "configurations",
                format!(
                    "the {} role is limited to no configuration: name one at least, or none for all",
                    grant.role
                ),
            ));
        }
    }
    Ok(())
}

fn grants_json(grants: &[Grant]) -> CoreResult<String> {
    serde_json::to_string(grants).map_err(|e| CoreError::Corrupt(format!("grants: {e}")))
}

fn from_row(row: &db::Row) -> CoreResult<Administrator> {
    let grants: String = row.try_get("grants")?;
    let disabled: Option<i64> = row.try_get("disabled_us")?;
    Ok(Administrator {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        grants: serde_json::from_str(&grants)
            .map_err(|e| CoreError::Corrupt(format!("administrator grants: {e}")))?,
        state: if disabled.is_some() {
            AdministratorState::Disabled
        } else {
            AdministratorState::Active
        },
        password: row.try_get::<Option<String>, _>("password_hash")?.is_some(),
        created: to_time(row.try_get("created_us")?)?,
        created_by: row.try_get("created_by")?,
    })
}

fn audited(administrator: &Administrator) -> serde_json::Value {
    json!({"email": administrator.email, "name": administrator.name, "grants": administrator.grants})
}

/// The active owners other than `except`, on the connection of a change (so that the last
/// one cannot be taken away by two changes at once: the writer is one).
async fn other_active_owners(conn: &mut impl Link, except: &str) -> CoreResult<usize> {
    let rows = db::query("SELECT * FROM administrators WHERE disabled_us IS NULL AND id <> ?")
        .bind(except)
        .fetch_all(conn)
        .await?;
    let mut owners = 0;
    for row in &rows {
        if from_row(row)?.is_active_owner() {
            owners += 1;
        }
    }
    Ok(owners)
}

/// An administrator by id or by email (any case), where `on` reads.
async fn find<'e>(on: impl db::Executor<'e>, key: &str) -> CoreResult<Administrator> {
    let key = key.trim();
    db::query("SELECT * FROM administrators WHERE id = ? OR email_folded = ?")
        .bind(key)
        .bind(key.to_lowercase())
        .fetch_optional(on)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()?
        .ok_or_else(|| CoreError::NotFound(format!("there is no administrator \"{key}\"")))
}

impl Store {
    /// Creates an administrator.
    pub async fn create_administrator(
        &self,
        new: &NewAdministrator,
        actor: &Actor,
    ) -> CoreResult<Administrator> {
        let email = checked_email(&new.email)?;
        checked_grants(&new.grants)?;
        let name = match new.name.trim() {
            "" => email.split('@').next().unwrap_or_default().to_owned(),
            name if name.len() > MAX_NAME => {
                return Err(CoreError::invalid(
                    "name",
                    format!("a name has at most {MAX_NAME} characters"),
                ));
            }
            name => name.to_owned(),
        };
        let administrator = Administrator {
            id: format!("adm_{}", Uuid::new_v4().simple()),
            email,
            name,
            grants: new.grants.clone(),
            state: AdministratorState::Active,
            password: false,
            created: Utc::now(),
            created_by: actor.name.clone(),
        };
        let now = self.now_us();
        let mut conn = self.writer().await?;
        let mut tx = conn.begin().await?;
        db::query(
            "INSERT INTO administrators (id, email, email_folded, name, grants, created_us, created_by)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&administrator.id)
        .bind(&administrator.email)
        .bind(administrator.email.to_lowercase())
        .bind(&administrator.name)
        .bind(grants_json(&administrator.grants)?)
        .bind(now)
        .bind(&actor.name)
        .execute(&mut tx)
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(d) if d.is_unique_violation() => CoreError::Conflict(format!(
                "an administrator with the email {} already exists",
                administrator.email
            )),
            e => e.into(),
        })?;
        audit::record(
            &mut tx,
            now,
            actor,
            "administrator.create",
            Subject {
                configuration: None,
                target: Some(&administrator.id),
            },
            &audited(&administrator),
        )
        .await?;
        tx.commit().await?;
        Ok(Administrator {
            created: to_time(now)?,
            ..administrator
        })
    }

    /// Every administrator, by email.
    pub async fn administrators(&self) -> CoreResult<Vec<Administrator>> {
        db::query("SELECT * FROM administrators ORDER BY email_folded")
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(from_row)
            .collect()
    }

    /// An administrator by id or by email (any case).
    pub async fn administrator(&self, key: &str) -> CoreResult<Administrator> {
        find(self.pool(), key).await
    }

    /// Replaces an administrator's grants. The last active owner keeps its owner grant.
    pub async fn set_administrator_grants(
        &self,
        key: &str,
        grants: &[Grant],
        actor: &Actor,
    ) -> CoreResult<Administrator> {
        checked_grants(grants)?;
        let mut conn = self.writer().await?;
        let mut tx = conn.begin().await?;
        let before = self.administrator_on(&mut tx, key).await?;
        let after = Administrator {
            grants: grants.to_vec(),
            ..before.clone()
        };
        if before.is_active_owner()
            && !after.is_active_owner()
            && other_active_owners(&mut tx, &before.id).await? == 0
        {
            return Err(CoreError::Forbidden(format!(
                "{} is the last active owner: make another administrator owner first",
                before.email
            )));
        }
        db::query("UPDATE administrators SET grants = ? WHERE id = ?")
            .bind(grants_json(grants)?)
            .bind(&before.id)
            .execute(&mut tx)
            .await?;
        audit::record(
            &mut tx,
            self.now_us(),
            actor,
            "administrator.roles",
            Subject {
                configuration: None,
                target: Some(&before.id),
            },
            &json!({"email": before.email, "before": before.grants, "after": grants}),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Disables an administrator (it signs in no more), or enables it again. The last active
    /// owner cannot be disabled.
    pub async fn set_administrator_enabled(
        &self,
        key: &str,
        enabled: bool,
        actor: &Actor,
    ) -> CoreResult<Administrator> {
        let mut conn = self.writer().await?;
        let mut tx = conn.begin().await?;
        let before = self.administrator_on(&mut tx, key).await?;
        if !enabled
            && before.is_active_owner()
            && other_active_owners(&mut tx, &before.id).await? == 0
        {
            return Err(CoreError::Forbidden(format!(
                "{} is the last active owner: the console would have no one to run it",
                before.email
            )));
        }
        let now = self.now_us();
        db::query("UPDATE administrators SET disabled_us = ? WHERE id = ?")
            .bind((!enabled).then_some(now))
            .bind(&before.id)
            .execute(&mut tx)
            .await?;
        audit::record(
            &mut tx,
            now,
            actor,
            if enabled {
                "administrator.enable"
            } else {
                "administrator.disable"
            },
            Subject {
                configuration: None,
                target: Some(&before.id),
            },
            &json!({"email": before.email}),
        )
        .await?;
        tx.commit().await?;
        Ok(Administrator {
            state: if enabled {
                AdministratorState::Active
            } else {
                AdministratorState::Disabled
            },
            ..before
        })
    }

    /// An administrator by id or email, on the connection (and transaction) of a change.
    pub(super) async fn administrator_on(
        &self,
        conn: &mut impl Link,
        key: &str,
    ) -> CoreResult<Administrator> {
        find(conn, key).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_and_trimmed() {
        assert_eq!(
            checked_email(" Ada@Contoso.com ").ok().as_deref(),
            Some("Ada@Contoso.com")
        );
        for bad in [
            "ada",
            "@contoso.com",
            "ada@",
            "ada@localhost",
            "a da@contoso.com",
            "a@b@c.com",
        ] {
            assert!(checked_email(bad).is_err(), "{bad}");
        }
        assert!(checked_email(&format!("{}@contoso.com", "a".repeat(250))).is_err());
    }

    #[test]
    fn grants_need_a_role_each_once_and_owners_everywhere() {
        assert!(checked_grants(&[]).is_err());
        assert!(checked_grants(&[Grant::everywhere(Role::Editor)]).is_ok());
        assert!(
            checked_grants(&[
                Grant::everywhere(Role::Editor),
                Grant::everywhere(Role::Editor)
            ])
            .is_err()
        );
        let scoped_owner = Grant {
            role: Role::Owner,
            configurations: Some(std::collections::BTreeSet::new()),
        };
        assert!(checked_grants(&[scoped_owner]).is_err());
        let nowhere = Grant {
            role: Role::Editor,
            configurations: Some(std::collections::BTreeSet::new()),
        };
        assert!(checked_grants(&[nowhere]).is_err());
    }
}
