//! Mapping plans in the store: one per configuration, every saved version kept (so a plan can
//! be diffed and rolled back), the current one compiled once and cached until any process
//! changes it, and enforced on every user write.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use crate::db;
use chrono::{DateTime, Utc};
use scim::{ResourceSchema, ScimError};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::plan::{
    CompiledPlan, Finding, Mode, Operation, OutOfScope, Plan, Severity, Unsupported,
};
use super::validators::Validator;
use crate::audit::{self, Actor, Subject};
use crate::auth_cache::Stamp;
use crate::configuration::{Configuration, ConfigurationId};
use crate::error::{CoreError, CoreResult};
use crate::store::Store;
use crate::time::to_time;

/// One saved version of a configuration's plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanVersion {
    /// The version (1, 2, …).
    pub version: i64,
    /// When it was saved.
    pub created: DateTime<Utc>,
    /// Who saved it.
    pub created_by: String,
    /// Why (free text).
    pub comment: String,
    /// The plan.
    pub plan: Plan,
}

/// A configuration's compiled current plan (None: it has none), as read under an epoch stamp.
type CachedPlan = (Stamp, Option<Arc<CompiledPlan>>);

/// The compiled current plan of each configuration.
#[derive(Debug, Default)]
pub(crate) struct PlanCache {
    entries: Mutex<HashMap<ConfigurationId, CachedPlan>>,
    /// Whether imported users wait to be linked, per configuration, as read under a stamp.
    imported: Mutex<HashMap<ConfigurationId, (Stamp, bool)>>,
}

impl PlanCache {
    /// The cached answer to "do imported users wait?", if still valid.
    pub(crate) fn imported(&self, configuration: ConfigurationId, stamp: Stamp) -> Option<bool> {
        self.imported
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&configuration)
            .filter(|(at, _)| *at == stamp)
            .map(|(_, waiting)| *waiting)
    }

    /// Remembers the answer.
    pub(crate) fn set_imported(&self, configuration: ConfigurationId, stamp: Stamp, waiting: bool) {
        self.imported
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(configuration, (stamp, waiting));
    }
}

/// The schema registry a configuration's endpoint describes: the standard one, plus, when its
/// current plan has custom fields, the configuration's own User extension holding them (so
/// identity providers discover them in `/Schemas` and `/ResourceTypes`).
pub fn registry_with_custom_fields(
    base: &scim::SchemaRegistry,
    configuration: &Configuration,
    plan: Option<&Plan>,
) -> CoreResult<scim::SchemaRegistry> {
    use scim::schema::{AttributeDef, AttributeType, Schema, Uniqueness};
    let fields: Vec<&super::plan::Field> = plan
        .map(|p| p.fields.iter().filter(|f| f.custom).collect())
        .unwrap_or_default();
    let mut registry = base.clone();
    if fields.is_empty() {
        return Ok(registry);
    }
    let attributes = fields
        .iter()
        .map(|f| {
            let kind = match f.kind {
                super::plan::FieldType::String => AttributeType::String,
                super::plan::FieldType::Boolean => AttributeType::Boolean,
                super::plan::FieldType::Integer => AttributeType::Integer,
                super::plan::FieldType::DateTime => AttributeType::DateTime,
            };
            let mut def = AttributeDef::new(&f.name, kind).describe(&f.description);
            if f.validators.contains(&Validator::Required) {
                def = def.required();
            }
            if f.validators.contains(&Validator::Unique) {
                def = def.uniqueness(Uniqueness::Server);
            }
            def
        })
        .collect();
    let schema = Schema {
        id: custom_extension_urn(configuration),
        name: format!("{} custom fields", configuration.name),
        description: format!(
            "The fields the mapping plan of \"{}\" adds to users.",
            configuration.name
        ),
        attributes,
    };
    registry
        .add_extension("User", schema, false)
        .map_err(CoreError::Scim)?;
    Ok(registry)
}

/// The namespace of a configuration's custom extension schema (its custom fields).
pub fn custom_extension_urn(configuration: &Configuration) -> String {
    format!(
        "urn:scim-console:params:scim:schemas:extension:{}:2.0:User",
        configuration.slug
    )
}

fn invalid_plan(findings: &[Finding]) -> CoreError {
    let errors: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    let first = errors
        .first()
        .map(|f| format!("{} at {} ({})", f.message, f.location, f.fix))
        .unwrap_or_default();
    CoreError::invalid(
        "plan",
        format!(
            "the mapping plan has {} error(s); the first: {first}",
            errors.len()
        ),
    )
}

fn version_from_row(row: &db::Row) -> CoreResult<PlanVersion> {
    let text: String = row.try_get("plan")?;
    Ok(PlanVersion {
        version: row.try_get("version")?,
        created: to_time(row.try_get("created_us")?)?,
        created_by: row.try_get("created_by")?,
        comment: row.try_get("comment")?,
        plan: serde_json::from_str(&text)
            .map_err(|e| CoreError::Corrupt(format!("mapping plan: {e}")))?,
    })
}

/// The error refusing a user: 400 `invalidValue`, or 409 `uniqueness` when a unique value is
/// taken (as for userName itself), naming the failing attributes.
fn refusal(problems: &[String], failing: Vec<String>, clash: bool) -> CoreError {
    let detail = format!(
        "the mapping plan refuses this user: {}",
        problems.join("; ")
    );
    let error = if clash {
        ScimError::uniqueness(detail)
    } else {
        ScimError::invalid_value(detail)
    };
    CoreError::Scim(error.with_attributes(failing.into_iter().collect::<BTreeSet<_>>()))
}

impl Store {
    /// Saves a plan as the configuration's new current version, after static validation: a
    /// plan with errors is refused (with the first error, its location and fix). Returns the
    /// version and the warnings.
    pub async fn save_mapping_plan(
        &self,
        configuration: ConfigurationId,
        plan: &Plan,
        schema: &ResourceSchema,
        comment: &str,
        actor: &Actor,
    ) -> CoreResult<(PlanVersion, Vec<Finding>)> {
        let (compiled, findings) = plan.compile(schema);
        if compiled.is_none() {
            return Err(invalid_plan(&findings));
        }
        let text = serde_json::to_string(plan)
            .map_err(|e| CoreError::Corrupt(format!("mapping plan: {e}")))?;
        let mut w = self.writer().await?;
        let mut tx = w.begin().await?;
        let configuration = self.configuration_on(&mut tx, configuration).await?;
        let now = self.now_us();
        let version: i64 = db::query_scalar(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM mapping_plans WHERE configuration_id = ?",
        )
        .bind(configuration.id.to_string())
        .fetch_one(&mut tx)
        .await?;
        db::query("INSERT INTO mapping_plans (configuration_id, version, plan, created_us, created_by, comment) VALUES (?, ?, ?, ?, ?, ?)")
            .bind(configuration.id.to_string())
            .bind(version)
            .bind(&text)
            .bind(now)
            .bind(&actor.name)
            .bind(comment.trim())
            .execute(&mut tx)
            .await?;
        audit::record(
            &mut tx,
            now,
            actor,
            "mapping.save",
            Subject {
                configuration: Some((configuration.id, &configuration.name)),
                target: Some(&format!("version {version}")),
            },
            &json!({"version": version, "comment": comment.trim(), "fields": plan.fields.len(), "rules": plan.rules.len()}),
        )
        .await?;
        tx.commit().await?;
        drop(w);
        // Every process drops its compiled copy before its next request.
        self.auth_cache().bump().await?;
        let saved = self.mapping_plan_version(configuration.id, version).await?;
        Ok((saved, findings))
    }

    /// The configuration's current plan, if it has one.
    pub async fn mapping_plan(
        &self,
        configuration: ConfigurationId,
    ) -> CoreResult<Option<PlanVersion>> {
        let row = db::query(
            "SELECT * FROM mapping_plans WHERE configuration_id = ? ORDER BY version DESC LIMIT 1",
        )
        .bind(configuration.to_string())
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(version_from_row).transpose()
    }

    /// One saved version.
    pub async fn mapping_plan_version(
        &self,
        configuration: ConfigurationId,
        version: i64,
    ) -> CoreResult<PlanVersion> {
        let row =
            db::query("SELECT * FROM mapping_plans WHERE configuration_id = ? AND version = ?")
                .bind(configuration.to_string())
                .bind(version)
                .fetch_optional(self.pool())
                .await?
                .ok_or_else(|| CoreError::NotFound(format!("mapping plan version {version}")))?;
        version_from_row(&row)
    }

    /// Every saved version, newest first.
    pub async fn mapping_plan_versions(
        &self,
        configuration: ConfigurationId,
    ) -> CoreResult<Vec<PlanVersion>> {
        self.configuration(configuration).await?;
        let rows = db::query(
            "SELECT * FROM mapping_plans WHERE configuration_id = ? ORDER BY version DESC",
        )
        .bind(configuration.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(version_from_row).collect()
    }

    /// Makes an earlier version current again (saved as a new version).
    pub async fn rollback_mapping_plan(
        &self,
        configuration: ConfigurationId,
        version: i64,
        schema: &ResourceSchema,
        actor: &Actor,
    ) -> CoreResult<PlanVersion> {
        let old = self.mapping_plan_version(configuration, version).await?;
        let (saved, _) = self
            .save_mapping_plan(
                configuration,
                &old.plan,
                schema,
                &format!("rollback to version {version}"),
                actor,
            )
            .await?;
        Ok(saved)
    }

    /// The compiled current plan (cached until any process saves a plan or changes a
    /// configuration).
    pub(crate) async fn compiled_plan(
        &self,
        configuration: ConfigurationId,
        schema: &ResourceSchema,
    ) -> CoreResult<Option<Arc<CompiledPlan>>> {
        let stamp = self.auth_cache().stamp().await?;
        {
            let entries = self
                .plans()
                .entries
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some((at, plan)) = entries.get(&configuration)
                && *at == stamp
            {
                return Ok(plan.clone());
            }
        }
        let compiled = match self.mapping_plan(configuration).await? {
            Some(saved) => {
                let (compiled, findings) = saved.plan.compile(schema);
                Some(Arc::new(compiled.ok_or_else(|| invalid_plan(&findings))?))
            }
            None => None,
        };
        self.plans()
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(configuration, (stamp, compiled.clone()));
        Ok(compiled)
    }

    /// Applies the configuration's plan to a user about to be written: scoping, unsupported
    /// attributes, validators (enforced or recorded), then the stored shape. `password` is the
    /// clear-text password of the request, for the password policy only. Returns the resource
    /// to store and the warnings to record.
    pub(crate) async fn enforce_user_plan(
        &self,
        configuration: &Configuration,
        schema: &ResourceSchema,
        resource: Map<String, Value>,
        password: Option<&Value>,
        op: Operation,
        own_id: Option<&str>,
    ) -> CoreResult<(Map<String, Value>, Vec<String>)> {
        let Some(plan) = self.compiled_plan(configuration.id, schema).await? else {
            return Ok((resource, Vec::new()));
        };
        let mut evaluated = resource.clone();
        if let Some(p) = password {
            evaluated.insert("password".into(), p.clone());
        }
        let evaluation = plan.evaluate(&evaluated, op, schema);
        let rules = plan.plan();
        let mut warnings = Vec::new();
        let mut resource = resource;
        if !evaluation.in_scope {
            match rules.scoping.out_of_scope {
                OutOfScope::Reject => {
                    return Err(CoreError::Forbidden(format!(
                        "the user is out of the scope of configuration \"{}\" (its mapping plan's scoping filters); the request is skipped",
                        configuration.name
                    )));
                }
                OutOfScope::AcceptInactive => {
                    resource.insert("active".into(), Value::Bool(false));
                    warnings.push("out of scope: accepted as inactive".to_owned());
                }
            }
        }
        let mut problems: Vec<String> = evaluation.errors.clone();
        let mut failing: Vec<String> = Vec::new();
        let mut clash = false;
        if rules.unsupported == Unsupported::Reject && !evaluation.unsupported.is_empty() {
            failing.extend(evaluation.unsupported.iter().cloned());
            problems.push(format!(
                "the target does not support {}",
                evaluation.unsupported.join(", ")
            ));
        } else if !evaluation.unsupported.is_empty() {
            warnings.push(format!(
                "ignored (not supported by the target): {}",
                evaluation.unsupported.join(", ")
            ));
        }
        for (index, outcome) in evaluation.fields.iter().enumerate() {
            for verdict in outcome.verdicts.iter().filter(|v| !v.passed) {
                failing.push(outcome.field.clone());
                problems.push(format!(
                    "{}: {} (validator {}{})",
                    outcome.field,
                    verdict.message.clone().unwrap_or_default(),
                    verdict.validator,
                    outcome
                        .rule
                        .map(|r| format!(", rule {r}"))
                        .unwrap_or_default()
                ));
            }
            let unique = rules
                .fields
                .get(index)
                .is_some_and(|f| f.validators.contains(&Validator::Unique));
            if unique
                && let Some(value) = outcome.value.as_str()
                && self
                    .user_value_taken(configuration, schema, &outcome.field, value, own_id)
                    .await?
            {
                clash = true;
                failing.push(outcome.field.clone());
                // `shown` is the value, or `***` for a sensitive field.
                problems.push(format!(
                    "{}: {} is already used by another user (validator unique)",
                    outcome.field, outcome.shown
                ));
            }
        }
        if !problems.is_empty() {
            match rules.mode {
                Mode::Enforce => return Err(refusal(&problems, failing, clash)),
                Mode::WarnOnly => warnings.extend(problems),
            }
        }
        let shaped = plan
            .shape(
                &resource,
                &evaluation,
                schema,
                &custom_extension_urn(configuration),
            )
            .map_err(|e| CoreError::Scim(ScimError::invalid_value(e)))?;
        Ok((shaped, warnings))
    }

    /// Applies the plan's group rules to a group about to be written: `displayName`
    /// validators, scoping, and — when the target does not nest groups — members that are
    /// groups (`added_members`: the member ids being added). Returns the warnings to record.
    pub(crate) async fn enforce_group_plan(
        &self,
        configuration: &Configuration,
        user_schema: &ResourceSchema,
        group_schema: &ResourceSchema,
        group: &Map<String, Value>,
        added_members: &[String],
    ) -> CoreResult<Vec<String>> {
        let Some(plan) = self.compiled_plan(configuration.id, user_schema).await? else {
            return Ok(Vec::new());
        };
        let rules = plan.plan();
        let (mut problems, in_scope) = plan.check_group(group, group_schema);
        let mut warnings = Vec::new();
        if !in_scope {
            match rules.scoping.out_of_scope {
                OutOfScope::Reject => {
                    return Err(CoreError::Forbidden(format!(
                        "the group is out of the scope of configuration \"{}\" (its mapping plan's group scoping filters); the request is skipped",
                        configuration.name
                    )));
                }
                // Groups have no `active`: accepted, and said so.
                OutOfScope::AcceptInactive => {
                    warnings.push("group out of scope: accepted".to_owned());
                }
            }
        }
        if !rules.groups.nested_groups && !added_members.is_empty() {
            let mut q = db::QueryBuilder::new("SELECT id FROM groups WHERE configuration_id = ");
            q.push_bind(configuration.id.to_string())
                .push(" AND id IN (");
            let mut list = q.separated(", ");
            for id in added_members {
                list.push_bind(id.clone());
            }
            list.push_unseparated(")");
            let nested: Vec<String> = q
                .build()
                .fetch_all(self.pool())
                .await?
                .iter()
                .map(|r| r.try_get::<String, _>("id"))
                .collect::<Result<_, _>>()?;
            if !nested.is_empty() {
                problems.push(format!(
                    "members: the target does not accept groups in groups ({} is a group)",
                    nested.join(", ")
                ));
            }
        }
        if !problems.is_empty() {
            match rules.mode {
                Mode::Enforce => {
                    // Each problem starts with its attribute (`displayName: …`, `members: …`).
                    let mut failing: Vec<String> = problems
                        .iter()
                        .filter_map(|p| p.split_once(": ").map(|(a, _)| a.to_owned()))
                        .collect();
                    failing.dedup();
                    return Err(CoreError::Scim(
                        ScimError::invalid_value(format!(
                            "the mapping plan refuses this group: {}",
                            problems.join("; ")
                        ))
                        .with_attributes(failing),
                    ));
                }
                Mode::WarnOnly => warnings.extend(problems),
            }
        }
        Ok(warnings)
    }

    /// Whether another user of the configuration has `value` at the field's path (compared as
    /// the attribute's `caseExact` says).
    async fn user_value_taken(
        &self,
        configuration: &Configuration,
        schema: &ResourceSchema,
        field: &str,
        value: &str,
        own_id: Option<&str>,
    ) -> CoreResult<bool> {
        let users = self
            .users_with_value(configuration, schema, field, value, 2)
            .await?;
        Ok(users
            .iter()
            .any(|m| m.get("id").and_then(Value::as_str) != own_id))
    }

    /// Up to `count` users whose value at a SCIM path (`emails[type eq "work"].value`) equals
    /// `value`, compared as the attribute's `caseExact` says. None for a path that is not one.
    pub(crate) async fn users_with_value(
        &self,
        configuration: &Configuration,
        schema: &ResourceSchema,
        path: &str,
        value: &str,
        count: usize,
    ) -> CoreResult<Vec<Map<String, Value>>> {
        let Ok(path) = scim::patch::PatchPath::parse(path) else {
            return Ok(Vec::new());
        };
        let literal = serde_json::to_string(value).unwrap_or_default();
        let filter = match (&path.filter, &path.sub_attr) {
            (Some(f), Some(sub)) => format!("{}[({f}) and {sub} eq {literal}]", path.attr),
            (None, Some(sub)) => format!("{}.{sub} eq {literal}", path.attr),
            (Some(f), None) => format!("{}[({f}) and value eq {literal}]", path.attr),
            (None, None) => format!("{} eq {literal}", path.attr),
        };
        let Ok(query) = scim::ListQuery::from_query_pairs([("filter", filter.as_str())]) else {
            return Ok(Vec::new());
        };
        self.list_rows(
            &crate::directory::USERS,
            configuration,
            schema,
            &query,
            scim::Paging {
                start_index: 1,
                count,
            },
            false,
        )
        .await?
        .into_maps()
    }
}
