//! Groups, with membership as rows: adding or removing members touches only their rows, so a
//! group of 100,000 members patches as fast as an empty one. PATCH operations that the rows
//! cannot express directly (filters on other member sub-attributes, path-less member values)
//! fall back to loading the members and applying the protocol crate's PATCH engine.

use crate::db::{self, Link};
use scim::filter::{CompareOp, Filter, Literal};
use scim::leniency;
use scim::patch::{AttributeChange, PatchOpKind, PatchOperation, PatchRequest, apply};
use scim::resource::coerce_attribute;
use scim::{InputRules, ListQuery, Paging, PatchRules, Resource, SchemaRegistry, ScimError};
use serde_json::{Map, Value, json};

use super::protected_members::{Kept, keep_in, protected_members};
use super::{
    GROUPS, ListPage, PageResource, Written, assemble, assemble_parts, check_if_match, stored_data,
};
use crate::configuration::Configuration;
use crate::error::{CoreError, CoreResult, is_unique_violation};
use crate::logs::labels::ResourceLabel;
use crate::logs::outbox;
use crate::store::Store;
use crate::time::now_us;

fn not_found(id: &str) -> CoreError {
    CoreError::NotFound(format!("Group {id}"))
}

fn taken(name: &str) -> CoreError {
    CoreError::Scim(ScimError::uniqueness(format!(
        "a group named \"{name}\" already exists"
    )))
}

fn display_name(resource: &Resource) -> CoreResult<String> {
    resource
        .str_attr("displayName")
        .filter(|n| !n.trim().is_empty())
        .map(str::to_owned)
        .ok_or_else(|| {
            CoreError::Scim(ScimError::invalid_value(
                "displayName is required and has no value",
            ))
        })
}

/// Member values from a (coerced) `members` value: each needs a `value`; duplicates collapse.
fn member_list(value: Option<&Value>) -> CoreResult<Vec<Map<String, Value>>> {
    let mut out: Vec<Map<String, Value>> = Vec::new();
    let items = match value {
        Some(Value::Array(items)) => items.as_slice(),
        Some(other) => std::slice::from_ref(other),
        None => &[],
    };
    for (i, item) in items.iter().enumerate() {
        let Some(obj) = item.as_object() else {
            return Err(ScimError::invalid_value(format!(
                "members[{i}] must be an object with a \"value\""
            ))
            .into());
        };
        let Some(value) = obj
            .get("value")
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
        else {
            return Err(ScimError::invalid_value(format!(
                "members[{i}].value is required: the id of the member"
            ))
            .into());
        };
        match out
            .iter_mut()
            .find(|m| m.get("value").and_then(Value::as_str) == Some(value))
        {
            Some(existing) => existing.extend(obj.clone()),
            None => out.push(obj.clone()),
        }
    }
    Ok(out)
}

fn member_id(member: &Map<String, Value>) -> &str {
    member
        .get("value")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// A member operation the rows can do directly.
enum RowOp {
    Add(Vec<Map<String, Value>>),
    Remove(Vec<String>),
    RemoveAll,
    ReplaceAll(Vec<Map<String, Value>>),
}

/// The ids of member objects.
fn member_ids(members: &[Map<String, Value>]) -> Vec<String> {
    members
        .iter()
        .filter_map(|m| m.get("value").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

fn is_members_path(op: &PatchOperation) -> bool {
    op.path.as_ref().is_some_and(|p| {
        p.attr.name().eq_ignore_ascii_case("members")
            && p.attr
                .urn()
                .is_none_or(|u| u.eq_ignore_ascii_case(scim::schema::core::GROUP_SCHEMA))
    })
}

/// The row operation for a member PATCH operation, or `None` when it needs the full engine.
fn row_op(
    op: &PatchOperation,
    registry: &SchemaRegistry,
    rules: &PatchRules,
) -> CoreResult<Option<RowOp>> {
    let Some(path) = &op.path else {
        return Ok(None);
    };
    if path.sub_attr.is_some() {
        return Ok(None);
    }
    let def = registry
        .group()
        .core_attribute("members")
        .ok_or_else(|| CoreError::Corrupt("the Group schema has no members".into()))?;
    let coerce = |v: &Value| -> CoreResult<Vec<Map<String, Value>>> {
        let coerced = coerce_attribute(def, v.clone(), &"members", &rules.input)
            .map_err(|e| e.at("members"))?;
        member_list(coerced.as_ref())
    };
    Ok(match (op.op, &path.filter, &op.value) {
        (PatchOpKind::Add, None, Some(v)) => Some(RowOp::Add(coerce(v)?)),
        (PatchOpKind::Replace, None, Some(v)) => Some(RowOp::ReplaceAll(coerce(v)?)),
        (PatchOpKind::Remove, None, None | Some(Value::Null)) => Some(RowOp::RemoveAll),
        // Entra ID: remove with a value list removes only those members.
        (PatchOpKind::Remove, None, Some(v)) => {
            let listed = coerce(v)?;
            if listed.is_empty() {
                Some(RowOp::RemoveAll)
            } else {
                Some(RowOp::Remove(
                    listed.iter().map(|m| member_id(m).to_owned()).collect(),
                ))
            }
        }
        (
            PatchOpKind::Remove,
            Some(Filter::Compare {
                path: sub,
                op: CompareOp::Eq,
                value: Literal::String(id),
                ..
            }),
            None,
        ) if sub.urn().is_none()
            && sub.sub_attr().is_none()
            && sub.name().eq_ignore_ascii_case("value") =>
        {
            Some(RowOp::Remove(vec![id.clone()]))
        }
        _ => None,
    })
}

impl Store {
    /// Creates a group (with its initial members) from a SCIM request body.
    pub async fn create_group(
        &self,
        configuration: &Configuration,
        registry: &SchemaRegistry,
        body: Value,
        rules: &InputRules,
    ) -> CoreResult<Written> {
        let schema = registry.group();
        let (resource, used) = leniency::tracked(|| Resource::from_request(body, schema, rules));
        let mut resource = resource?;
        resource.check_required(schema)?;
        let name = display_name(&resource)?;
        let members = member_list(resource.as_map().get("members"))?;
        resource.as_map_mut().shift_remove("members");
        let warnings = self
            .enforce_group_plan(
                configuration,
                registry.user(),
                schema,
                resource.as_map(),
                &member_ids(&members),
                None,
            )
            .await?;
        let id = uuid::Uuid::new_v4().to_string();
        let now = now_us();
        let cfg = configuration.id.to_string();
        let mut w = self.writer().await?;
        let mut tx = w.begin().await?;
        db::query(
            "INSERT INTO groups (configuration_id, id, external_id, display_name, display_name_folded, created_us, modified_us, version, data, log_request)
             VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
        )
        .bind(&cfg)
        .bind(&id)
        .bind(resource.str_attr("externalId"))
        .bind(&name)
        .bind(name.to_lowercase())
        .bind(now)
        .bind(now)
        .bind(stored_data(resource.as_map()))
        .bind(outbox::stamp())
        .execute(&mut tx)
        .await
        .map_err(|e| if is_unique_violation(&e) { taken(&name) } else { e.into() })?;
        insert_members(&mut tx, &cfg, &id, &members, 0).await?;
        tx.commit().await?;
        let mut out = assemble_parts(&GROUPS, id.clone(), resource.into_map(), now, now, 1);
        out.insert(
            "members".into(),
            Value::Array(members.into_iter().map(Value::Object).collect()),
        );
        Ok(Written {
            resource: out,
            changes: Vec::new(),
            warnings,
            leniencies: used,
        })
    }

    /// A group by id, with its members unless `include_members` is false
    /// (`excludedAttributes=members`).
    pub async fn get_group(
        &self,
        configuration: &Configuration,
        id: &str,
        include_members: bool,
    ) -> CoreResult<Map<String, Value>> {
        let mut conn = self.pool().acquire().await?;
        let row = fetch_row(&mut conn, configuration, id, false)
            .await?
            .ok_or_else(|| not_found(id))?;
        drop(conn);
        let mut group = assemble(&GROUPS, &row)?;
        if include_members {
            self.attach_members(configuration, std::slice::from_mut(&mut group))
                .await?;
        }
        Ok(group)
    }

    /// Groups matching a query, one page.
    pub async fn list_groups(
        &self,
        configuration: &Configuration,
        registry: &SchemaRegistry,
        query: &ListQuery,
        paging: Paging,
        include_members: bool,
    ) -> CoreResult<ListPage> {
        self.list_rows(
            &GROUPS,
            configuration,
            registry.group(),
            query,
            paging,
            super::ListOptions {
                load_members: include_members,
                hide_protected: false,
            },
        )
        .await
    }

    /// Adds `members` to each group of a page: as the stored JSON text of the member rows for
    /// groups read from their rows (nothing is parsed), as values for built ones.
    pub(crate) async fn attach_stored_members(
        &self,
        configuration: &Configuration,
        groups: &mut [PageResource],
    ) -> CoreResult<()> {
        let cfg = configuration.id.to_string();
        for group in groups.iter_mut() {
            match group {
                PageResource::Assembled(map) => {
                    self.attach_members(configuration, std::slice::from_mut(map))
                        .await?;
                }
                PageResource::Stored(stored) => {
                    let rows = db::query("SELECT data FROM group_members WHERE configuration_id = ? AND group_id = ? ORDER BY position")
                        .bind(&cfg)
                        .bind(stored.id())
                        .fetch_all(self.pool())
                        .await?;
                    if rows.is_empty() {
                        continue;
                    }
                    let mut text = String::with_capacity(rows.len() * 64);
                    text.push('[');
                    for (i, row) in rows.iter().enumerate() {
                        if i > 0 {
                            text.push(',');
                        }
                        text.push_str(&row.try_get::<String, _>("data")?);
                    }
                    text.push(']');
                    stored.set_members(text);
                }
            }
        }
        Ok(())
    }

    /// Adds `members` to each group given (ordered as they were added).
    pub(crate) async fn attach_members(
        &self,
        configuration: &Configuration,
        groups: &mut [Map<String, Value>],
    ) -> CoreResult<()> {
        let cfg = configuration.id.to_string();
        for group in groups.iter_mut() {
            let Some(id) = group.get("id").and_then(Value::as_str).map(str::to_owned) else {
                continue;
            };
            let rows = db::query("SELECT data FROM group_members WHERE configuration_id = ? AND group_id = ? ORDER BY position")
                .bind(&cfg)
                .bind(&id)
                .fetch_all(self.pool())
                .await?;
            let members = rows
                .iter()
                .map(|r| {
                    let data: String = r.try_get("data")?;
                    serde_json::from_str::<Value>(&data)
                        .map_err(|e| CoreError::Corrupt(format!("member of {id}: {e}")))
                })
                .collect::<CoreResult<Vec<Value>>>()?;
            if !members.is_empty() {
                group.insert("members".into(), Value::Array(members));
            }
        }
        Ok(())
    }

    /// Replaces a group (PUT), members included.
    pub async fn replace_group(
        &self,
        configuration: &Configuration,
        registry: &SchemaRegistry,
        id: &str,
        body: Value,
        rules: &InputRules,
        if_match: Option<&str>,
    ) -> CoreResult<Written> {
        let schema = registry.group();
        let unassigned = scim::resource::Unassigned::of(&body, schema);
        let (incoming, used) = leniency::tracked(|| Resource::from_request(body, schema, rules));
        let incoming = incoming?;
        let mut w = self.writer().await?;
        let mut tx = w.begin().await?;
        let row = fetch_row(&mut tx, configuration, id, true)
            .await?
            .ok_or_else(|| not_found(id))?;
        let version: i64 = row.try_get("version")?;
        check_if_match(if_match, version)?;
        let mut current = assemble(&GROUPS, &row)?;
        current.insert(
            "members".into(),
            Value::Array(load_members(&mut tx, configuration, id).await?),
        );
        let current = Resource::from_map(current);
        let mut replaced = match configuration.put_semantics {
            crate::PutSemantics::Replace => incoming.replacing(&current, schema)?,
            crate::PutSemantics::Merge => incoming.merged_into(&current, schema, &unassigned)?,
        };
        let kept = keep_protected(&mut tx, configuration, id, &mut replaced).await?;
        replaced.check_required(schema)?;
        let changes = scim::patch::changes(current.as_map(), replaced.as_map(), schema);
        let members = member_list(replaced.as_map().get("members"))?;
        let mut plain = replaced.as_map().clone();
        plain.shift_remove("members");
        let mut warnings = self
            .enforce_group_plan(
                configuration,
                registry.user(),
                schema,
                &plain,
                &member_ids(&members),
                Some(current.as_map()),
            )
            .await?;
        warnings.extend(kept);
        write_group(&mut tx, configuration, id, &replaced, version).await?;
        if changes.iter().any(|c| c.path == "members") {
            replace_members(&mut tx, &configuration.id.to_string(), id, &members).await?;
        }
        let row = fetch_row(&mut tx, configuration, id, true)
            .await?
            .ok_or_else(|| not_found(id))?;
        tx.commit().await?;
        let mut out = assemble(&GROUPS, &row)?;
        if !members.is_empty() {
            out.insert(
                "members".into(),
                Value::Array(members.into_iter().map(Value::Object).collect()),
            );
        }
        Ok(Written {
            resource: out,
            changes,
            warnings,
            leniencies: used,
        })
    }

    /// Applies a PATCH to a group. Member additions and removals touch only their rows.
    /// `return_members` loads the members into the returned resource.
    #[allow(clippy::too_many_arguments, clippy::too_many_lines)] // The one PATCH entry point for groups.
    pub async fn patch_group(
        &self,
        configuration: &Configuration,
        registry: &SchemaRegistry,
        id: &str,
        body: Value,
        rules: &PatchRules,
        if_match: Option<&str>,
        return_members: bool,
    ) -> CoreResult<Written> {
        let schema = registry.group();
        let (request, mut used) = leniency::tracked(|| PatchRequest::from_value(body, rules));
        let request = request?;
        let cfg = configuration.id.to_string();
        // Split: row operations for members, the engine for everything else.
        let mut row_ops = Vec::new();
        let mut other_ops = Vec::new();
        let mut needs_engine_for_members = false;
        for (i, op) in request.operations.iter().enumerate() {
            if is_members_path(op) {
                let (row, noted) = leniency::tracked(|| row_op(op, registry, rules));
                used.extend(noted);
                match row.map_err(|e| at_op(e, i))? {
                    Some(r) => row_ops.push(r),
                    None => needs_engine_for_members = true,
                }
            } else if op.path.is_none()
                && op
                    .value
                    .as_ref()
                    .and_then(Value::as_object)
                    .is_some_and(|v| v.keys().any(|k| k.eq_ignore_ascii_case("members")))
            {
                needs_engine_for_members = true;
            } else {
                other_ops.push(op.clone());
            }
        }
        let mut writer = self.writer().await?;
        let mut tx = writer.begin().await?;
        let row = fetch_row(&mut tx, configuration, id, true)
            .await?
            .ok_or_else(|| not_found(id))?;
        let version: i64 = row.try_get("version")?;
        let created: i64 = row.try_get("created_us")?;
        check_if_match(if_match, version)?;
        let current_map = assemble(&GROUPS, &row)?;
        let mut modified = created;
        let mut warnings = Vec::new();

        let (resource, changes) = if needs_engine_for_members {
            // Load everything and let the engine decide, then rewrite the member rows.
            let mut full = current_map;
            full.insert(
                "members".into(),
                Value::Array(load_members(&mut tx, configuration, id).await?),
            );
            let current = Resource::from_map(full);
            let (outcome, noted) = leniency::tracked(|| apply(&current, &request, schema, rules));
            used.extend(noted);
            let mut outcome = outcome?;
            let kept = keep_protected(&mut tx, configuration, id, &mut outcome.resource).await?;
            if !kept.is_empty() {
                outcome.changes =
                    scim::patch::changes(current.as_map(), outcome.resource.as_map(), schema);
            }
            if !outcome.changes.is_empty() {
                display_name(&outcome.resource)?;
                let mut plain = outcome.resource.as_map().clone();
                let members = member_list(plain.shift_remove("members").as_ref())?;
                warnings = self
                    .enforce_group_plan(
                        configuration,
                        registry.user(),
                        schema,
                        &plain,
                        &member_ids(&members),
                        Some(current.as_map()),
                    )
                    .await?;
                warnings.extend(kept);
                modified =
                    write_group(&mut tx, configuration, id, &outcome.resource, version).await?;
                if outcome.changes.iter().any(|c| c.path == "members") {
                    let members = member_list(outcome.resource.as_map().get("members"))?;
                    replace_members(&mut tx, &cfg, id, &members).await?;
                }
            }
            (outcome.resource.into_map(), outcome.changes)
        } else {
            let before = current_map.clone();
            let current = Resource::from_map(current_map);
            let (mut resource, mut changes) = if other_ops.is_empty() {
                (current, Vec::new())
            } else {
                let other = PatchRequest {
                    operations: other_ops,
                };
                let (outcome, noted) = leniency::tracked(|| apply(&current, &other, schema, rules));
                used.extend(noted);
                let outcome = outcome?;
                (outcome.resource, outcome.changes)
            };
            let (row_ops, kept) = keep_protected_in_ops(
                row_ops,
                &protected_members(&mut tx, configuration, id).await?,
            );
            let adding: Vec<String> = row_ops
                .iter()
                .flat_map(|op| match op {
                    RowOp::Add(members) | RowOp::ReplaceAll(members) => member_ids(members),
                    RowOp::Remove(_) | RowOp::RemoveAll => Vec::new(),
                })
                .collect();
            warnings = self
                .enforce_group_plan(
                    configuration,
                    registry.user(),
                    schema,
                    resource.as_map(),
                    &adding,
                    Some(&before),
                )
                .await?;
            warnings.extend(kept);
            let (mut added, mut removed) = (Vec::new(), Vec::new());
            for op in row_ops {
                apply_row_op(&mut tx, &cfg, id, op, &mut added, &mut removed).await?;
            }
            if !added.is_empty() || !removed.is_empty() {
                changes.push(AttributeChange {
                    path: "members".into(),
                    old: (!removed.is_empty()).then(|| Value::Array(removed)),
                    new: (!added.is_empty()).then(|| Value::Array(added)),
                    redacted: false,
                });
            }
            if !changes.is_empty() {
                display_name(&resource)?;
                modified = write_group(&mut tx, configuration, id, &resource, version).await?;
            }
            resource.as_map_mut().shift_remove("members");
            (resource.into_map(), changes)
        };
        if changes.is_empty() {
            drop(tx);
            let mut out = resource;
            if return_members && !out.contains_key("members") {
                drop(writer);
                self.attach_members(configuration, std::slice::from_mut(&mut out))
                    .await?;
            }
            return Ok(Written {
                resource: out,
                changes,
                warnings,
                leniencies: used,
            });
        }
        tx.commit().await?;
        drop(writer);
        let mut stored = resource;
        stored.shift_remove("members");
        let mut out = assemble_parts(
            &GROUPS,
            id.to_owned(),
            stored,
            created,
            modified,
            version + 1,
        );
        if return_members {
            self.attach_members(configuration, std::slice::from_mut(&mut out))
                .await?;
        }
        Ok(Written {
            resource: out,
            changes,
            warnings,
            leniencies: used,
        })
    }

    /// Deletes a group and its membership rows; answers what the group was (for the log).
    pub async fn delete_group(
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
        db::query("DELETE FROM groups WHERE configuration_id = ? AND id = ?")
            .bind(configuration.id.to_string())
            .bind(id)
            .execute(&mut tx)
            .await?;
        let current = assemble(&GROUPS, &row)?;
        let label = ResourceLabel::of(&current);
        let changed = outbox::Changed {
            configuration: configuration.id,
            resource_type: "Group",
            id,
            name: label.name.as_deref(),
        };
        outbox::enqueue(&mut tx, changed).await?;
        tx.commit().await?;
        Ok(label)
    }
}

fn at_op(err: CoreError, index: usize) -> CoreError {
    match err {
        CoreError::Scim(e) => CoreError::Scim(e.at(format!("Operations[{index}]"))),
        other => other,
    }
}

/// Puts back into `resource`'s members the protected accounts the write would take out of
/// group `id`: the warnings that say so.
async fn keep_protected(
    conn: &mut impl Link,
    configuration: &Configuration,
    id: &str,
    resource: &mut Resource,
) -> CoreResult<Vec<String>> {
    let protected = protected_members(conn, configuration, id).await?;
    if protected.is_empty() {
        return Ok(Vec::new());
    }
    let mut members = member_list(resource.as_map().get("members"))?;
    let kept = keep_in(&mut members, &protected);
    if !kept.is_empty() {
        resource.as_map_mut().insert(
            "members".into(),
            Value::Array(members.into_iter().map(Value::Object).collect()),
        );
    }
    Ok(kept)
}

/// Member row operations that leave the protected accounts in the group, and the warnings for
/// those kept.
fn keep_protected_in_ops(ops: Vec<RowOp>, protected: &[Kept]) -> (Vec<RowOp>, Vec<String>) {
    if protected.is_empty() {
        return (ops, Vec::new());
    }
    let mut warnings = Vec::new();
    let ops = ops
        .into_iter()
        .map(|op| match op {
            RowOp::Remove(ids) => RowOp::Remove(
                ids.into_iter()
                    .filter(|member| match protected.iter().find(|k| &k.id == member) {
                        Some(kept) => {
                            warnings.push(kept.warning());
                            false
                        }
                        None => true,
                    })
                    .collect(),
            ),
            RowOp::RemoveAll => {
                let mut members = Vec::new();
                warnings.extend(keep_in(&mut members, protected));
                RowOp::ReplaceAll(members)
            }
            RowOp::ReplaceAll(mut members) => {
                warnings.extend(keep_in(&mut members, protected));
                RowOp::ReplaceAll(members)
            }
            add @ RowOp::Add(_) => add,
        })
        .collect();
    (ops, warnings)
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
    Ok(db::query(format!("SELECT id, data, created_us, modified_us, version FROM groups WHERE configuration_id = ? AND id = ?{lock}"))
        .bind(configuration.id.to_string())
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?)
}

async fn load_members(
    conn: &mut impl Link,
    configuration: &Configuration,
    id: &str,
) -> CoreResult<Vec<Value>> {
    let rows = db::query("SELECT data FROM group_members WHERE configuration_id = ? AND group_id = ? ORDER BY position")
        .bind(configuration.id.to_string())
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            let data: String = r.try_get("data")?;
            serde_json::from_str(&data)
                .map_err(|e| CoreError::Corrupt(format!("member of {id}: {e}")))
        })
        .collect()
}

async fn write_group(
    conn: &mut impl Link,
    configuration: &Configuration,
    id: &str,
    resource: &Resource,
    version: i64,
) -> CoreResult<i64> {
    let name = display_name(resource)?;
    let now = now_us();
    let done = db::query(
        "UPDATE groups SET external_id = ?, display_name = ?, display_name_folded = ?, modified_us = ?, version = ?, data = ?, log_request = ?
         WHERE configuration_id = ? AND id = ? AND version = ?",
    )
    .bind(resource.str_attr("externalId"))
    .bind(&name)
    .bind(name.to_lowercase())
    .bind(now)
    .bind(version + 1)
    .bind(stored_data(resource.as_map()))
    .bind(outbox::stamp())
    .bind(configuration.id.to_string())
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await
    .map_err(|e| if is_unique_violation(&e) { taken(&name) } else { CoreError::from(e) })?;
    if done.rows_affected() == 0 {
        return Err(CoreError::VersionMismatch(super::etag(version)));
    }
    Ok(now)
}

async fn next_position(conn: &mut impl Link, cfg: &str, group: &str) -> CoreResult<i64> {
    let row = db::query("SELECT COALESCE(MAX(position), -1) + 1 FROM group_members WHERE configuration_id = ? AND group_id = ?")
        .bind(cfg)
        .bind(group)
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get(0)?)
}

/// Inserts members that are not there yet; returns the ones inserted.
async fn insert_members(
    conn: &mut impl Link,
    cfg: &str,
    group: &str,
    members: &[Map<String, Value>],
    start: i64,
) -> CoreResult<Vec<Value>> {
    let mut inserted = Vec::new();
    let mut position = start;
    for member in members {
        let done = db::query("INSERT INTO group_members (configuration_id, group_id, member_id, position, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
            .bind(cfg)
            .bind(group)
            .bind(member_id(member))
            .bind(position)
            .bind(serde_json::to_string(member).unwrap_or_else(|_| "{}".into()))
            .execute(&mut *conn)
            .await?;
        if done.rows_affected() > 0 {
            position += 1;
            inserted.push(json!({"value": member_id(member)}));
        }
    }
    Ok(inserted)
}

async fn replace_members(
    conn: &mut impl Link,
    cfg: &str,
    group: &str,
    members: &[Map<String, Value>],
) -> CoreResult<()> {
    db::query("DELETE FROM group_members WHERE configuration_id = ? AND group_id = ?")
        .bind(cfg)
        .bind(group)
        .execute(&mut *conn)
        .await?;
    insert_members(conn, cfg, group, members, 0).await?;
    Ok(())
}

async fn apply_row_op(
    conn: &mut impl Link,
    cfg: &str,
    group: &str,
    op: RowOp,
    added: &mut Vec<Value>,
    removed: &mut Vec<Value>,
) -> CoreResult<()> {
    match op {
        RowOp::Add(members) => {
            let start = next_position(conn, cfg, group).await?;
            added.extend(insert_members(conn, cfg, group, &members, start).await?);
        }
        RowOp::Remove(ids) => {
            for member in ids {
                let done = db::query("DELETE FROM group_members WHERE configuration_id = ? AND group_id = ? AND member_id = ?")
                    .bind(cfg)
                    .bind(group)
                    .bind(&member)
                    .execute(&mut *conn)
                    .await?;
                if done.rows_affected() > 0 {
                    removed.push(json!({"value": member}));
                }
            }
        }
        RowOp::RemoveAll | RowOp::ReplaceAll(_) => {
            let rows = db::query("SELECT member_id FROM group_members WHERE configuration_id = ? AND group_id = ? ORDER BY position")
                .bind(cfg)
                .bind(group)
                .fetch_all(&mut *conn)
                .await?;
            let old: Vec<String> = rows
                .iter()
                .map(|r| r.try_get::<String, _>(0))
                .collect::<Result<_, _>>()?;
            db::query("DELETE FROM group_members WHERE configuration_id = ? AND group_id = ?")
                .bind(cfg)
                .bind(group)
                .execute(&mut *conn)
                .await?;
            let new_members = if let RowOp::ReplaceAll(m) = op {
                m
            } else {
                Vec::new()
            };
            let inserted = insert_members(conn, cfg, group, &new_members, 0).await?;
            let new_ids: Vec<&str> = new_members.iter().map(member_id).collect();
            removed.extend(
                old.iter()
                    .filter(|o| !new_ids.contains(&o.as_str()))
                    .map(|o| json!({"value": o})),
            );
            added.extend(
                inserted
                    .into_iter()
                    .filter(|v| !old.iter().any(|o| Some(o.as_str()) == v["value"].as_str())),
            );
        }
    }
    Ok(())
}
