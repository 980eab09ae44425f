//! User ids converted to emails: users whose `userName` is a short name (`ada`, as Active
//! Directory and SSO name them) are re-keyed to their primary email (`ada@contoso.com`, as
//! Entra ID names them) before Entra ID's first cycle, so that its matching finds them. A
//! preview lists each change and each clash first (an email another user already has or that
//! two users share, a protected account, no email); the conversion is audited and kept, so that
//! it can be undone from its audit record.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use scim::{ListQuery, Paging, PatchRules, SchemaRegistry};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::USERS;
use crate::audit::{self, Actor, Subject};
use crate::configuration::Configuration;
use crate::db;
use crate::error::{CoreError, CoreResult};
use crate::store::Store;
use crate::time::to_time;

/// The most changes and clashes a preview lists (the counts cover them all).
pub const SHOWN: usize = 1_000;
const PAGE: usize = 500;

/// One user re-keyed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RekeyChange {
    /// The user's id.
    pub id: String,
    /// Its userName now.
    pub from: String,
    /// Its primary email, the new userName.
    pub to: String,
}

/// A user that cannot be re-keyed, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RekeyClash {
    /// The user's id.
    pub id: String,
    /// Its userName.
    pub from: String,
    /// The email it would take, if it has one.
    pub to: Option<String>,
    /// Why not.
    pub reason: String,
}

/// What a conversion would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RekeyPreview {
    /// Users to re-key (the first [`SHOWN`]).
    pub changes: Vec<RekeyChange>,
    /// How many in all.
    pub change_count: usize,
    /// Users that cannot be (the first [`SHOWN`]).
    pub clashes: Vec<RekeyClash>,
    /// How many in all.
    pub clash_count: usize,
    /// Users whose userName is an email already.
    pub already_emails: usize,
}

/// A conversion done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RekeyBatch {
    /// Its id (to undo it).
    pub id: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub by: String,
    /// Users re-keyed.
    pub changed: usize,
    /// Users refused on the way (the plan, a clash since the preview), and why.
    pub failed: Vec<RekeyClash>,
    /// When it was undone, if it was.
    pub undone: Option<DateTime<Utc>>,
}

/// The email a user is re-keyed to: its primary email, else its work email, else its first.
fn email_of(user: &Map<String, Value>) -> Option<String> {
    let emails = user.get("emails")?.as_array()?;
    let value = |e: &Value| e.get("value").and_then(Value::as_str).map(str::to_owned);
    emails
        .iter()
        .find(|e| e.get("primary") == Some(&Value::Bool(true)))
        .and_then(value)
        .or_else(|| {
            emails
                .iter()
                .find(|e| e.get("type").and_then(Value::as_str) == Some("work"))
                .and_then(value)
        })
        .or_else(|| emails.iter().find_map(value))
        .filter(|v| v.contains('@'))
}

impl Store {
    /// What converting the configuration's short-name user ids to emails would do.
    pub async fn rekey_preview(
        &self,
        configuration: &Configuration,
        registry: &SchemaRegistry,
    ) -> CoreResult<RekeyPreview> {
        let (changes, clashes, already_emails) = self.rekey_plan(configuration, registry).await?;
        Ok(RekeyPreview {
            change_count: changes.len(),
            clash_count: clashes.len(),
            changes: changes.into_iter().take(SHOWN).collect(),
            clashes: clashes.into_iter().take(SHOWN).collect(),
            already_emails,
        })
    }

    /// Every change and clash, a page of the directory at a time.
    async fn rekey_plan(
        &self,
        configuration: &Configuration,
        registry: &SchemaRegistry,
    ) -> CoreResult<(Vec<RekeyChange>, Vec<RekeyClash>, usize)> {
        let mut changes = Vec::new();
        let mut clashes = Vec::new();
        let mut already = 0;
        // Emails taken by an earlier change of this conversion (folded), and by whom.
        let mut taken: HashMap<String, String> = HashMap::new();
        let mut start = 1;
        loop {
            let page = self
                .list_rows(
                    &USERS,
                    configuration,
                    registry.user(),
                    &ListQuery::default(),
                    Paging {
                        start_index: start,
                        count: PAGE,
                    },
                    super::ListOptions::default(),
                )
                .await?;
            let got = page.resources.len();
            for user in page.into_maps()? {
                let id = user
                    .get("id")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let from = user
                    .get("userName")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                if from.contains('@') {
                    already += 1;
                    continue;
                }
                let clash = |to: Option<String>, reason: String| RekeyClash {
                    id: id.clone(),
                    from: from.clone(),
                    to,
                    reason,
                };
                if configuration.is_protected(&from) {
                    clashes.push(clash(
                        None,
                        "a protected account: provisioning never changes it".into(),
                    ));
                    continue;
                }
                let Some(to) = email_of(&user) else {
                    clashes.push(clash(None, "no email to take".into()));
                    continue;
                };
                let folded = to.to_lowercase();
                if let Some(other) = taken.get(&folded) {
                    clashes.push(clash(Some(to), format!("{other} takes the same email")));
                    continue;
                }
                let owners = self
                    .users_with_value(configuration, registry.user(), "userName", &to, 2)
                    .await?;
                if let Some(owner) = owners
                    .iter()
                    .find(|u| u.get("id").and_then(Value::as_str) != Some(id.as_str()))
                {
                    let owner = owner.get("id").and_then(Value::as_str).unwrap_or("?");
                    clashes.push(clash(
                        Some(to),
                        format!("user {owner} already has this userName"),
                    ));
                    continue;
                }
                taken.insert(folded, from.clone());
                changes.push(RekeyChange { id, from, to });
            }
            if got < PAGE {
                break;
            }
            start += got;
        }
        Ok((changes, clashes, already))
    }

    /// Re-keys the users the preview shows (judged again now), each as a PATCH of `userName`
    /// through the plan; keeps the changes made and records them in the audit log.
    pub async fn rekey_users(
        &self,
        configuration: &Configuration,
        registry: &SchemaRegistry,
        actor: &Actor,
    ) -> CoreResult<RekeyBatch> {
        let (changes, _, _) = self.rekey_plan(configuration, registry).await?;
        let (done, failed) = self
            .set_user_names(configuration, registry, changes.iter().map(|c| (c, &c.to)))
            .await?;
        let id = format!("rekey_{}", uuid::Uuid::new_v4().simple());
        let now = self.now_us();
        let mut w = self.writer().await?;
        let mut tx = w.begin().await?;
        db::query(
            "INSERT INTO rekey_batches (id, configuration_id, created_us, created_by, changes) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(configuration.id.to_string())
        .bind(now)
        .bind(&actor.name)
        .bind(serde_json::to_string(&done).unwrap_or_default())
        .execute(&mut tx)
        .await?;
        audit::record(
            &mut tx,
            now,
            actor,
            "users.rekey",
            Subject {
                configuration: Some((configuration.id, &configuration.name)),
                target: Some(&id),
            },
            &json!({"batch": id, "changed": done.len(), "failed": failed.len(),
                    "changes": done.iter().take(20).collect::<Vec<_>>()}),
        )
        .await?;
        tx.commit().await?;
        Ok(RekeyBatch {
            id,
            at: to_time(now)?,
            by: actor.name.clone(),
            changed: done.len(),
            failed,
            undone: None,
        })
    }

    /// Sets each user's userName (a PATCH through the plan); returns the changes made and
    /// those refused.
    async fn set_user_names<'a>(
        &self,
        configuration: &Configuration,
        registry: &SchemaRegistry,
        changes: impl Iterator<Item = (&'a RekeyChange, &'a String)>,
    ) -> CoreResult<(Vec<RekeyChange>, Vec<RekeyClash>)> {
        let mut done = Vec::new();
        let mut failed = Vec::new();
        for (change, value) in changes {
            let body = json!({
                "schemas": [scim::patch::PATCH_OP_SCHEMA],
                "Operations": [{"op": "replace", "path": "userName", "value": value}],
            });
            match self
                .patch_user(
                    configuration,
                    registry,
                    &change.id,
                    body,
                    &PatchRules::default(),
                    None,
                )
                .await
            {
                Ok(_) => done.push(change.clone()),
                Err(e) if e.is_storage_unavailable() => return Err(e),
                Err(e) => failed.push(RekeyClash {
                    id: change.id.clone(),
                    from: change.from.clone(),
                    to: Some(change.to.clone()),
                    reason: e.to_scim().detail().to_owned(),
                }),
            }
        }
        Ok((done, failed))
    }

    /// The configuration's conversions, newest first.
    pub async fn rekey_batches(
        &self,
        configuration: &Configuration,
    ) -> CoreResult<Vec<RekeyBatch>> {
        let rows = db::query(
            "SELECT id, created_us, created_by, changes, undone_us FROM rekey_batches WHERE configuration_id = ? ORDER BY created_us DESC LIMIT 50",
        )
        .bind(configuration.id.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let changes: Vec<RekeyChange> =
                    serde_json::from_str(&row.try_get::<String, _>("changes")?)
                        .map_err(|e| CoreError::Corrupt(format!("rekey changes: {e}")))?;
                Ok(RekeyBatch {
                    id: row.try_get("id")?,
                    at: to_time(row.try_get("created_us")?)?,
                    by: row.try_get("created_by")?,
                    changed: changes.len(),
                    failed: Vec::new(),
                    undone: row
                        .try_get::<Option<i64>, _>("undone_us")?
                        .map(to_time)
                        .transpose()?,
                })
            })
            .collect()
    }

    /// Undoes a conversion: each user it re-keyed gets its short name back, unless its
    /// userName changed since (listed as failed). Audited; a conversion is undone once.
    pub async fn undo_rekey(
        &self,
        configuration: &Configuration,
        registry: &SchemaRegistry,
        batch: &str,
        actor: &Actor,
    ) -> CoreResult<RekeyBatch> {
        let row = db::query(
            "SELECT changes, undone_us FROM rekey_batches WHERE configuration_id = ? AND id = ?",
        )
        .bind(configuration.id.to_string())
        .bind(batch)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| CoreError::NotFound(format!("conversion {batch}")))?;
        if row.try_get::<Option<i64>, _>("undone_us")?.is_some() {
            return Err(CoreError::Conflict(format!(
                "conversion {batch} is undone already"
            )));
        }
        let changes: Vec<RekeyChange> = serde_json::from_str(&row.try_get::<String, _>("changes")?)
            .map_err(|e| CoreError::Corrupt(format!("rekey changes: {e}")))?;
        let mut still = Vec::new();
        let mut failed = Vec::new();
        for change in &changes {
            let current = self.get_user(configuration, &change.id).await;
            match current {
                Ok(user)
                    if user.get("userName").and_then(Value::as_str) == Some(change.to.as_str()) =>
                {
                    still.push(change);
                }
                Ok(_) => failed.push(RekeyClash {
                    id: change.id.clone(),
                    from: change.to.clone(),
                    to: Some(change.from.clone()),
                    reason: "its userName changed since the conversion".into(),
                }),
                Err(CoreError::NotFound(_)) => failed.push(RekeyClash {
                    id: change.id.clone(),
                    from: change.to.clone(),
                    to: Some(change.from.clone()),
                    reason: "deleted since the conversion".into(),
                }),
                Err(e) => return Err(e),
            }
        }
        let (done, refused) = self
            .set_user_names(
                configuration,
                registry,
                still.into_iter().map(|c| (c, &c.from)),
            )
            .await?;
        failed.extend(refused);
        let now = self.now_us();
        let mut w = self.writer().await?;
        let mut tx = w.begin().await?;
        db::query("UPDATE rekey_batches SET undone_us = ?, undone_by = ? WHERE id = ?")
            .bind(now)
            .bind(&actor.name)
            .bind(batch)
            .execute(&mut tx)
            .await?;
        audit::record(
            &mut tx,
            now,
            actor,
            "users.rekey.undo",
            Subject {
                configuration: Some((configuration.id, &configuration.name)),
                target: Some(batch),
            },
            &json!({"batch": batch, "restored": done.len(), "failed": failed.len()}),
        )
        .await?;
        tx.commit().await?;
        Ok(RekeyBatch {
            id: batch.to_owned(),
            at: to_time(now)?,
            by: actor.name.clone(),
            changed: done.len(),
            failed,
            undone: Some(to_time(now)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_primary_email_wins_then_work_then_the_first() {
        let user = |emails: Value| {
            json!({"emails": emails})
                .as_object()
                .cloned()
                .unwrap_or_default()
        };
        assert_eq!(
            email_of(&user(
                json!([{"value": "a@x.com", "type": "home"}, {"value": "b@x.com", "primary": true}])
            )),
            Some("b@x.com".into())
        );
        assert_eq!(
            email_of(&user(
                json!([{"value": "a@x.com", "type": "home"}, {"value": "w@x.com", "type": "work"}])
            )),
            Some("w@x.com".into())
        );
        assert_eq!(
            email_of(&user(json!([{"value": "a@x.com"}]))),
            Some("a@x.com".into())
        );
        assert_eq!(email_of(&user(json!([{"value": "not an email"}]))), None);
        assert_eq!(email_of(&Map::new()), None);
    }
}
