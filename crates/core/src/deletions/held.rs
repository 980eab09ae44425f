//! Held deletions: listed for an admin, who releases them (each applied now, as the identity
//! provider asked) or discards them (the users stay; the provider's next retry is judged
//! again). Both are audited with the users they concern.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{DeletionKind, RELEASING};
use crate::audit::{self, Actor, Subject};
use crate::configuration::{Configuration, ConfigurationId};
use crate::db;
use crate::error::{CoreError, CoreResult};
use crate::store::Store;
use crate::time::to_time;

/// A deletion or deactivation the threshold holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct HeldDeletion {
    /// Its id (to release or discard it).
    pub id: String,
    /// The user's id.
    pub user_id: String,
    /// The user's userName when it was held.
    pub user_name: Option<String>,
    /// A DELETE or a deactivation.
    pub kind: DeletionKind,
    /// When it was first held.
    pub held: DateTime<Utc>,
    /// How many times the identity provider sent it.
    pub attempts: i64,
}

/// What a decision did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Decided {
    /// How many held deletions it decided.
    pub decided: usize,
    /// Of those released, the users already gone or changed meanwhile (nothing left to do).
    pub already_done: usize,
}

/// The most held deletions listed, and decided, at once.
pub const HELD_PAGE: usize = 1_000;

/// Which held deletions a decision takes: all of the configuration's, or these ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Every one held now.
    All,
    /// These (ids from [`Store::held_deletions`]).
    Ids(Vec<String>),
}

impl Store {
    /// The deletions held for the configuration, oldest first: at most [`HELD_PAGE`] (a mass
    /// deletion may hold the whole directory; [`Store::held_deletion_count`] counts them all).
    pub async fn held_deletions(
        &self,
        configuration: ConfigurationId,
    ) -> CoreResult<Vec<HeldDeletion>> {
        let rows = db::query(
            "SELECT id, user_id, user_name, kind, at_us, attempts FROM deletions
             WHERE configuration_id = ? AND state = 'held' ORDER BY at_us, id LIMIT ?",
        )
        .bind(configuration.to_string())
        .bind(i64::try_from(HELD_PAGE).unwrap_or(i64::MAX))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(HeldDeletion {
                    id: row.try_get("id")?,
                    user_id: row.try_get("user_id")?,
                    user_name: row.try_get("user_name")?,
                    kind: DeletionKind::parse(&row.try_get::<String, _>("kind")?)?,
                    held: to_time(row.try_get("at_us")?)?,
                    attempts: row.try_get("attempts")?,
                })
            })
            .collect()
    }

    /// How many deletions the configuration holds now (the `deletionsHeld` alert, the UI).
    pub async fn held_deletion_count(&self, configuration: ConfigurationId) -> CoreResult<i64> {
        let row = db::query(
            "SELECT COUNT(*) AS n FROM deletions WHERE configuration_id = ? AND state = 'held'",
        )
        .bind(configuration.to_string())
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get("n")?)
    }

    /// The held deletions a selection names (an unknown id is refused, naming it).
    async fn selected(
        &self,
        configuration: ConfigurationId,
        selection: &Selection,
    ) -> CoreResult<Vec<HeldDeletion>> {
        let held = self.held_deletions(configuration).await?;
        match selection {
            Selection::All => Ok(held),
            Selection::Ids(ids) => {
                if let Some(unknown) = ids.iter().find(|id| !held.iter().any(|h| &h.id == *id)) {
                    return Err(CoreError::invalid(
                        "ids",
                        format!("{unknown} is not a deletion held for this configuration"),
                    ));
                }
                Ok(held.into_iter().filter(|h| ids.contains(&h.id)).collect())
            }
        }
    }

    /// Applies held deletions now — a DELETE deletes the user, a deactivation sets `active` to
    /// false — then marks them released (audited, naming the users).
    pub async fn release_deletions(
        &self,
        configuration: &Configuration,
        registry: &scim::SchemaRegistry,
        selection: &Selection,
        actor: &Actor,
    ) -> CoreResult<Decided> {
        let mut decided = Decided {
            decided: 0,
            already_done: 0,
        };
        // A page at a time: `All` takes the next page once one is decided.
        loop {
            let page = self
                .release_page(configuration, registry, selection, actor)
                .await?;
            decided.decided += page.decided;
            decided.already_done += page.already_done;
            if page.decided < HELD_PAGE || *selection != Selection::All {
                return Ok(decided);
            }
        }
    }

    async fn release_page(
        &self,
        configuration: &Configuration,
        registry: &scim::SchemaRegistry,
        selection: &Selection,
        actor: &Actor,
    ) -> CoreResult<Decided> {
        let chosen = self.selected(configuration.id, selection).await?;
        let mut already_done = 0;
        for held in &chosen {
            let applied = RELEASING
                .scope((), self.apply_held(configuration, registry, held))
                .await;
            match applied {
                Ok(()) => {}
                // Deleted or changed meanwhile: nothing left to apply.
                Err(CoreError::NotFound(_)) => already_done += 1,
                Err(e) => return Err(e),
            }
        }
        self.decide(configuration, &chosen, "released", actor)
            .await?;
        Ok(Decided {
            decided: chosen.len(),
            already_done,
        })
    }

    async fn apply_held(
        &self,
        configuration: &Configuration,
        registry: &scim::SchemaRegistry,
        held: &HeldDeletion,
    ) -> CoreResult<()> {
        match held.kind {
            DeletionKind::Delete => self
                .delete_user(configuration, &held.user_id, None)
                .await
                .map(|_| ()),
            DeletionKind::Deactivate => {
                let body = json!({
                    "schemas": [scim::patch::PATCH_OP_SCHEMA],
                    "Operations": [{"op": "replace", "path": "active", "value": false}],
                });
                self.patch_user(
                    configuration,
                    registry,
                    &held.user_id,
                    body,
                    &scim::PatchRules::default(),
                    None,
                )
                .await
                .map(|_| ())
            }
        }
    }

    /// Drops held deletions: the users stay as they are (audited, naming them).
    pub async fn discard_deletions(
        &self,
        configuration: &Configuration,
        selection: &Selection,
        actor: &Actor,
    ) -> CoreResult<Decided> {
        let mut decided = 0;
        loop {
            let chosen = self.selected(configuration.id, selection).await?;
            self.decide(configuration, &chosen, "discarded", actor)
                .await?;
            decided += chosen.len();
            if chosen.len() < HELD_PAGE || *selection != Selection::All {
                return Ok(Decided {
                    decided,
                    already_done: 0,
                });
            }
        }
    }

    async fn decide(
        &self,
        configuration: &Configuration,
        chosen: &[HeldDeletion],
        state: &str,
        actor: &Actor,
    ) -> CoreResult<()> {
        if chosen.is_empty() {
            return Ok(());
        }
        let now = self.now_us();
        let mut w = self.writer().await?;
        let mut tx = w.begin().await?;
        for held in chosen {
            db::query(
                "UPDATE deletions SET state = ?, decided_us = ?, decided_by = ? WHERE id = ? AND state = 'held'",
            )
            .bind(state)
            .bind(now)
            .bind(&actor.name)
            .bind(&held.id)
            .execute(&mut tx)
            .await?;
        }
        // The first hundred users are named; the count says how many.
        let users: Vec<Value> = chosen
            .iter()
            .take(100)
            .map(|h| json!({"id": h.user_id, "userName": h.user_name, "kind": h.kind}))
            .collect();
        audit::record(
            &mut tx,
            now,
            actor,
            if state == "released" {
                "deletions.release"
            } else {
                "deletions.discard"
            },
            Subject {
                configuration: Some((configuration.id, &configuration.name)),
                target: None,
            },
            &json!({"count": chosen.len(), "users": users}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
