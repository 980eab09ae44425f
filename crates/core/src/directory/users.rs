//! Users: create, read, query, replace, patch, delete — with case-insensitive unique userNames,
//! protected accounts, passwords never stored in clear, and optimistic versions.

use crate::db::{self, Link};
use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use scim::leniency::{self, Leniencies, Leniency};
use scim::patch::{PatchRequest, apply};
use scim::{InputRules, ListQuery, Paging, PatchRules, Resource, SchemaRegistry, ScimError};
use serde_json::{Map, Value};

use super::{ListPage, USERS, Written, assemble, assemble_parts, check_if_match, stored_data};
use crate::configuration::Configuration;
use crate::deletions::{DeletionKind, Hold, deactivates};
use crate::error::{CoreError, CoreResult, is_unique_violation};
use crate::logs::labels::ResourceLabel;
use crate::logs::{REQUEST_SKIPPED, outbox};
use crate::mapping::enforce::UserWrite;
use crate::store::Store;
use crate::time::now_us;

/// What the indexed columns of a user hold.
struct UserColumnsValues {
    user_name: String,
    external_id: Option<String>,
    display_name: Option<String>,
    active: Option<bool>,
}

fn columns_of(resource: &Resource) -> CoreResult<UserColumnsValues> {
    let map = resource.as_map();
    let user_name = resource
        .str_attr("userName")
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| {
            CoreError::Scim(scim::ScimError::invalid_value(
                "userName is required and has no value",
            ))
        })?
        .to_owned();
    Ok(UserColumnsValues {
        user_name,
        external_id: map
            .get("externalId")
            .and_then(Value::as_str)
            .map(str::to_owned),
        display_name: map
            .get("displayName")
            .and_then(Value::as_str)
            .map(str::to_owned),
        active: map.get("active").and_then(Value::as_bool),
    })
}

/// Takes `password` out of a resource; returns its Argon2id hash when the configuration keeps
/// passwords. The clear text never reaches the database or a log. A configuration whose
/// `placeholderPassword` switch is off refuses any password (IPSIE AL2 §6.1.2).
async fn take_password(
    resource: &mut Resource,
    configuration: &Configuration,
    used: &mut Leniencies,
) -> CoreResult<Option<String>> {
    let Some(password) = resource.as_map_mut().shift_remove("password") else {
        return Ok(None);
    };
    if !configuration.compatibility.placeholder_password {
        return Err(ScimError::invalid_syntax(
            "\"password\" is not accepted by this configuration: its client profile supports no passwords (IPSIE AL2 §6.1.2; switch placeholderPassword)",
        )
        .into());
    }
    used.insert(Leniency::PlaceholderPassword);
    let Value::String(password) = password else {
        return Ok(None);
    };
    if !configuration.keep_passwords {
        return Ok(None);
    }
    let hashed = tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2::Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| CoreError::Corrupt(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| CoreError::Corrupt(format!("password hashing task failed: {e}")))??;
    Ok(Some(hashed))
}

fn taken(user_name: &str) -> CoreError {
    CoreError::Scim(scim::ScimError::uniqueness(format!(
        "userName \"{user_name}\" is already in use"
    )))
}

fn protected(user_name: &str) -> CoreError {
    CoreError::Forbidden(format!(
        "\"{user_name}\" is a protected account of this configuration, excluded from provisioning: SCIM may not create, modify or delete it; {REQUEST_SKIPPED}"
    ))
}

fn not_found(id: &str) -> CoreError {
    CoreError::NotFound(format!("User {id}"))
}

impl Store {
    /// Creates a user from a SCIM request body — or, when users imported from the target wait
    /// to be linked (brown-field), links the one matching it on the plan's matching attributes
    /// (primary first; `userName` without a plan) instead of creating a duplicate.
    pub async fn create_user(
        &self,
        configuration: &Configuration,
        registry: &SchemaRegistry,
        body: Value,
        rules: &InputRules,
    ) -> CoreResult<Written> {
        if self.has_imported_users(configuration).await? {
            let probe =
                leniency::tracked(|| Resource::from_request(body.clone(), registry.user(), rules))
                    .0?;
            let (paths, local_part) = match self
                .compiled_plan(configuration.id, registry.user())
                .await?
            {
                Some(plan) => (plan.matching_paths(), plan.plan().match_local_part),
                None => (vec!["userName".to_owned()], false),
            };
            if let Some((id, by)) = self
                .imported_match(configuration, registry, probe.as_map(), &paths, local_part)
                .await?
            {
                let mut written = self
                    .replace_user(configuration, registry, &id, body, rules, None)
                    .await?;
                let mut w = self.writer().await?;
                db::query(
                    "UPDATE users SET imported_us = NULL WHERE configuration_id = ? AND id = ?",
                )
                .bind(configuration.id.to_string())
                .bind(&id)
                .execute(&mut w)
                .await?;
                written.warnings.push(format!(
                    "linked to the imported user {id} (matched on {by})"
                ));
                return Ok(written);
            }
        }
        self.insert_user(configuration, registry, body, rules, false)
            .await
    }

    /// Whether imported users of the configuration wait to be linked (cached until an import
    /// from any process; a stale "yes" costs one query).
    async fn has_imported_users(&self, configuration: &Configuration) -> CoreResult<bool> {
        let stamp = self.auth_cache().stamp().await?;
        if let Some(waiting) = self.plans().imported(configuration.id, stamp) {
            return Ok(waiting);
        }
        let waiting = db::query(
            "SELECT 1 FROM users WHERE configuration_id = ? AND imported_us IS NOT NULL LIMIT 1",
        )
        .bind(configuration.id.to_string())
        .fetch_optional(self.pool())
        .await?
        .is_some();
        self.plans().set_imported(configuration.id, stamp, waiting);
        Ok(waiting)
    }

    /// Inserts a user (marked imported, waiting to be linked, when `imported`).
    pub(crate) async fn insert_user(
        &self,
        configuration: &Configuration,
        registry: &SchemaRegistry,
        body: Value,
        rules: &InputRules,
        imported: bool,
    ) -> CoreResult<Written> {
        let schema = registry.user();
        let (resource, mut used) =
            leniency::tracked(|| Resource::from_request(body, schema, rules));
        let resource = resource?;
        resource.check_required(schema)?;
        let (shaped, warnings, _) = self
            .enforce_user_plan(
                configuration,
                schema,
                resource.into_map(),
                None,
                UserWrite::Create,
                None,
            )
            .await?;
        let mut resource = Resource::from_map(shaped);
        let password_hash = take_password(&mut resource, configuration, &mut used).await?;
        let cols = columns_of(&resource)?;
        // Protected accounts (tenant admins) are excluded: an identity provider's create is
        // skipped; an admin's import may list them (they exist in the application already).
        if !imported && configuration.is_protected(&cols.user_name) {
            return Err(protected(&cols.user_name));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let now = now_us();
        let data = stored_data(resource.as_map());
        // One statement: atomic on its own (its trigger files the log outbox row with it),
        // committed before the answer is built.
        let mut w = self.writer().await?;
        db::query(
            "INSERT INTO users (configuration_id, id, external_id, user_name, user_name_folded, display_name, active, created_us, modified_us, version, password_hash, data, imported_us, log_request)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
        )
        .bind(configuration.id.to_string())
        .bind(&id)
        .bind(&cols.external_id)
        .bind(&cols.user_name)
        .bind(cols.user_name.to_lowercase())
        .bind(&cols.display_name)
        .bind(cols.active)
        .bind(now)
        .bind(now)
        .bind(password_hash)
        .bind(data)
        .bind(imported.then_some(now))
        .bind(outbox::stamp())
        .execute(&mut w)
        .await
        .map_err(|e| if is_unique_violation(&e) { taken(&cols.user_name) } else { e.into() })?;
        Ok(Written {
            resource: assemble_parts(&USERS, id, resource.into_map(), now, now, 1),
            changes: Vec::new(),
            warnings,
            leniencies: used,
        })
    }

    /// A user by id (`id` is caseExact).
    pub async fn get_user(
        &self,
        configuration: &Configuration,
        id: &str,
    ) -> CoreResult<Map<String, Value>> {
        let mut conn = self.pool().acquire().await?;
        let row = fetch_row(&mut conn, configuration, id, false)
            .await?
            .ok_or_else(|| not_found(id))?;
        assemble(&USERS, &row)
    }

    /// Users matching a query, one page.
    pub async fn list_users(
        &self,
        configuration: &Configuration,
        registry: &SchemaRegistry,
        query: &ListQuery,
        paging: Paging,
    ) -> CoreResult<ListPage> {
        self.list_rows(
            &USERS,
            configuration,
            registry.user(),
            query,
            paging,
            super::ListOptions {
                load_members: false,
                hide_protected: true,
            },
        )
        .await
    }

    /// Replaces a user (PUT), with the configuration's PUT semantics.
    pub async fn replace_user(
        &self,
        configuration: &Configuration,
        registry: &SchemaRegistry,
        id: &str,
        body: Value,
        rules: &InputRules,
        if_match: Option<&str>,
    ) -> CoreResult<Written> {
        let schema = registry.user();
        let unassigned = scim::resource::Unassigned::of(&body, schema);
        let (incoming, mut used) =
            leniency::tracked(|| Resource::from_request(body, schema, rules));
        let mut incoming = incoming?;
        let password = incoming.as_map().get("password").cloned();
        let password_hash = take_password(&mut incoming, configuration, &mut used).await?;
        let mut conn = self.writer().await?;
        let mut tx = conn.begin_row_change().await?;
        let Stored {
            current,
            version,
            created,
        } = load_for_write(&mut tx, configuration, id, if_match).await?;
        guard_protected(configuration, &current, Some(&incoming))?;
        let replaced = match configuration.put_semantics {
            crate::PutSemantics::Replace => incoming.replacing(&current, schema)?,
            crate::PutSemantics::Merge => incoming.merged_into(&current, schema, &unassigned)?,
        };
        replaced.check_required(schema)?;
        if let Some(hold) = self
            .deactivation_hold(&mut tx, configuration, id, &current, &replaced)
            .await?
        {
            drop(tx);
            drop(conn);
            return Err(self.hold_deletion(hold).await);
        }
        let (shaped, warnings, secrets) = self
            .enforce_user_plan(
                configuration,
                schema,
                replaced.into_map(),
                password.as_ref(),
                UserWrite::Replace {
                    before: current.as_map(),
                },
                Some(id),
            )
            .await?;
        let replaced = Resource::from_map(shaped);
        let mut changes = scim::patch::changes(current.as_map(), replaced.as_map(), schema);
        mark_secret_changes(&mut changes, secrets.as_deref());
        let modified = self
            .write_user(
                &mut tx,
                configuration,
                id,
                &replaced,
                version,
                &changes,
                password_hash,
            )
            .await?;
        tx.commit().await?;
        Ok(Written {
            resource: assemble_parts(
                &USERS,
                id.to_owned(),
                replaced.into_map(),
                created,
                modified,
                version + 1,
            ),
            changes,
            warnings,
            leniencies: used,
        })
    }

    /// Applies a PATCH to a user.
    pub async fn patch_user(
        &self,
        configuration: &Configuration,
        registry: &SchemaRegistry,
        id: &str,
        body: Value,
        rules: &PatchRules,
        if_match: Option<&str>,
    ) -> CoreResult<Written> {
        let schema = registry.user();
        let (request, mut used) = leniency::tracked(|| PatchRequest::from_value(body, rules));
        let request = request?;
        let mut conn = self.writer().await?;
        let mut tx = conn.begin_row_change().await?;
        let Stored {
            current,
            version,
            created,
        } = load_for_write(&mut tx, configuration, id, if_match).await?;
        let (outcome, applied) = leniency::tracked(|| apply(&current, &request, schema, rules));
        let outcome = outcome?;
        used.extend(applied);
        if outcome.changes.is_empty() {
            return Ok(Written {
                resource: current.into_map(),
                changes: Vec::new(),
                warnings: Vec::new(),
                leniencies: used,
            });
        }
        guard_protected(configuration, &current, Some(&outcome.resource))?;
        if let Some(hold) = self
            .deactivation_hold(&mut tx, configuration, id, &current, &outcome.resource)
            .await?
        {
            drop(tx);
            drop(conn);
            return Err(self.hold_deletion(hold).await);
        }
        let mut changes = outcome.changes;
        let (shaped, warnings, secrets) = self
            .enforce_user_plan(
                configuration,
                schema,
                outcome.resource.into_map(),
                None,
                UserWrite::Patch {
                    before: current.as_map(),
                },
                Some(id),
            )
            .await?;
        mark_secret_changes(&mut changes, secrets.as_deref());
        let mut patched = Resource::from_map(shaped);
        let password_hash = take_password(&mut patched, configuration, &mut used).await?;
        let modified = self
            .write_user(
                &mut tx,
                configuration,
                id,
                &patched,
                version,
                &changes,
                password_hash,
            )
            .await?;
        tx.commit().await?;
        Ok(Written {
            resource: assemble_parts(
                &USERS,
                id.to_owned(),
                patched.into_map(),
                created,
                modified,
                version + 1,
            ),
            changes,
            warnings,
            leniencies: used,
        })
    }

    /// The hold of the accidental-deletion threshold, when a write takes the user from active
    /// to inactive and the threshold is reached.
    async fn deactivation_hold(
        &self,
        tx: &mut impl Link,
        configuration: &Configuration,
        id: &str,
        current: &Resource,
        after: &Resource,
    ) -> CoreResult<Option<Hold>> {
        if !deactivates(current.as_map(), after.as_map()) {
            return Ok(None);
        }
        self.judge_deletion(
            tx,
            configuration,
            id,
            current.str_attr("userName"),
            DeletionKind::Deactivate,
        )
        .await
    }

    /// Deletes a user and its group memberships; answers what the user was (for the log).
    pub async fn delete_user(
        &self,
        configuration: &Configuration,
        id: &str,
        if_match: Option<&str>,
    ) -> CoreResult<ResourceLabel> {
        let mut w = self.writer().await?;
        let mut tx = w.begin().await?;
        let row = fetch_row(&mut tx, configuration, id, true)
            .await?
            .ok_or_else(|| not_found(id))?;
        check_if_match(if_match, row.try_get("version")?)?;
        let current = Resource::from_map(assemble(&USERS, &row)?);
        guard_protected(configuration, &current, None)?;
        if let Some(hold) = self
            .judge_deletion(
                &mut tx,
                configuration,
                id,
                current.str_attr("userName"),
                DeletionKind::Delete,
            )
            .await?
        {
            drop(tx);
            drop(w);
            return Err(self.hold_deletion(hold).await);
        }
        let cfg = configuration.id.to_string();
        let now = now_us();
        db::query(
            "UPDATE groups SET version = version + 1, modified_us = ? WHERE configuration_id = ? AND id IN
             (SELECT group_id FROM group_members WHERE configuration_id = ? AND member_id = ?)",
        )
        .bind(now)
        .bind(&cfg)
        .bind(&cfg)
        .bind(id)
        .execute(&mut tx)
        .await?;
        db::query("DELETE FROM group_members WHERE configuration_id = ? AND member_id = ?")
            .bind(&cfg)
            .bind(id)
            .execute(&mut tx)
            .await?;
        db::query("DELETE FROM users WHERE configuration_id = ? AND id = ?")
            .bind(&cfg)
            .bind(id)
            .execute(&mut tx)
            .await?;
        let label = ResourceLabel::of(current.as_map());
        let changed = outbox::Changed {
            configuration: configuration.id,
            resource_type: "User",
            id,
            name: label.name.as_deref(),
        };
        outbox::enqueue(&mut tx, changed).await?;
        tx.commit().await?;
        Ok(label)
    }

    #[allow(clippy::too_many_arguments)] // One private write with every column it sets.
    async fn write_user(
        &self,
        tx: &mut impl Link,
        configuration: &Configuration,
        id: &str,
        resource: &Resource,
        version: i64,
        changes: &[scim::patch::AttributeChange],
        password_hash: Option<String>,
    ) -> CoreResult<i64> {
        let cols = columns_of(resource)?;
        let now = now_us();
        let password_changed = changes.iter().any(|c| c.path == "password");
        let done = db::query(
            "UPDATE users SET external_id = ?, user_name = ?, user_name_folded = ?, display_name = ?, active = ?, modified_us = ?, version = ?,
             password_hash = CASE WHEN ? = 1 THEN ? ELSE password_hash END, data = ?, log_request = ?
             WHERE configuration_id = ? AND id = ? AND version = ?",
        )
        .bind(&cols.external_id)
        .bind(&cols.user_name)
        .bind(cols.user_name.to_lowercase())
        .bind(&cols.display_name)
        .bind(cols.active)
        .bind(now)
        .bind(version + 1)
        .bind(password_changed && password_hash.is_some())
        .bind(password_hash)
        .bind(stored_data(resource.as_map()))
        .bind(outbox::stamp())
        .bind(configuration.id.to_string())
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(|e| if is_unique_violation(&e) { taken(&cols.user_name) } else { CoreError::from(e) })?;
        if done.rows_affected() == 0 {
            return Err(CoreError::VersionMismatch(super::etag(version)));
        }
        Ok(now)
    }

    /// The Argon2id hash kept for a user's password, if the configuration keeps passwords.
    pub async fn user_password_hash(
        &self,
        configuration: &Configuration,
        id: &str,
    ) -> CoreResult<Option<String>> {
        let row =
            db::query("SELECT password_hash FROM users WHERE configuration_id = ? AND id = ?")
                .bind(configuration.id.to_string())
                .bind(id)
                .fetch_optional(self.pool())
                .await?
                .ok_or_else(|| not_found(id))?;
        Ok(row.try_get("password_hash")?)
    }
}

/// Marks the changes to a custom field the plan keeps secret (`secrets`) as redacted: the
/// log shows that it changed, never its values.
fn mark_secret_changes(
    changes: &mut [scim::patch::AttributeChange],
    secrets: Option<&scim::secrets::Secrets>,
) {
    if let Some(secrets) = secrets {
        for change in changes.iter_mut().filter(|c| secrets.names_secret(&c.path)) {
            change.redacted = true;
        }
    }
}

/// Refuses changes to a protected account, and renaming another account to a protected name.
fn guard_protected(
    configuration: &Configuration,
    current: &Resource,
    next: Option<&Resource>,
) -> CoreResult<()> {
    if let Some(name) = current.str_attr("userName")
        && configuration.is_protected(name)
    {
        return Err(protected(name));
    }
    if let Some(name) = next.and_then(|n| n.str_attr("userName"))
        && configuration.is_protected(name)
    {
        return Err(protected(name));
    }
    Ok(())
}

/// A user read for a write: the resource, its version and creation time.
struct Stored {
    current: Resource,
    version: i64,
    created: i64,
}

/// Reads a user for a write and checks `If-Match` against its version.
async fn load_for_write(
    conn: &mut impl Link,
    configuration: &Configuration,
    id: &str,
    if_match: Option<&str>,
) -> CoreResult<Stored> {
    let row = fetch_row(conn, configuration, id, true)
        .await?
        .ok_or_else(|| not_found(id))?;
    let version: i64 = row.try_get("version")?;
    check_if_match(if_match, version)?;
    Ok(Stored {
        current: Resource::from_map(assemble(&USERS, &row)?),
        version,
        created: row.try_get("created_us")?,
    })
}

/// The row of a resource; `lock`ed against other writers until the transaction ends (for a
/// change: PostgreSQL instances write concurrently).
async fn fetch_row(
    conn: &mut impl Link,
    configuration: &Configuration,
    id: &str,
    lock: bool,
) -> CoreResult<Option<db::Row>> {
    let lock = if lock {
        conn.dialect().for_update()
    } else {
        ""
    };
    Ok(db::query(format!("SELECT id, data, created_us, modified_us, version FROM users WHERE configuration_id = ? AND id = ?{lock}"))
        .bind(configuration.id.to_string())
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?)
}
