//! Mapping plans in the store: one per configuration, every saved version kept (so a plan can
//! be diffed and rolled back), the current one compiled once and cached until any process
//! changes it, and enforced on every user write.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::db;
use chrono::{DateTime, Utc};
use scim::secrets::Secrets;
use scim::{ResourceSchema, ScimError};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::plan::{
    CompiledPlan, Evaluation, Finding, Mode, Operation, OutOfScope, Plan, Severity, Unsupported,
};
use super::validators::Validator;
use crate::audit::{self, Actor, Subject};
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
    /// How many stored users failed it when it was saved (`None` before this was counted).
    pub failing_users: Option<i64>,
}

/// A plan copied to another configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct CopiedPlan {
    /// The version copied.
    pub from_version: i64,
    /// The version saved in the other configuration.
    pub saved: PlanVersion,
    /// Its warnings.
    pub findings: Vec<Finding>,
}

/// What a plan makes of the users already stored: shown before it is saved, since a user the
/// plan refuses can no longer be changed by its identity provider (deprovisioning aside).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PlanImpact {
    /// Users read.
    pub users: u64,
    /// Users the plan refuses as they are stored.
    pub failing: u64,
    /// Up to five of them, with why.
    pub examples: Vec<ImpactExample>,
}

/// One stored user a plan refuses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ImpactExample {
    /// Its userName.
    pub user_name: String,
    /// What the plan says of it (validator messages never hold a sensitive value).
    pub problems: Vec<String>,
}

/// Users read at a time when a plan's impact is measured.
const IMPACT_PAGE: usize = 500;
/// Examples kept.
const IMPACT_EXAMPLES: usize = 5;

/// Why a plan refuses a stored user, or nothing when it accepts it.
fn stored_user_problems(plan: &CompiledPlan, evaluation: &Evaluation) -> Vec<String> {
    let rules = plan.plan();
    let mut problems = evaluation.errors.clone();
    if !evaluation.in_scope && rules.scoping.out_of_scope == OutOfScope::Reject {
        problems.push("out of scope".to_owned());
    }
    if rules.unsupported == Unsupported::Reject && !evaluation.unsupported.is_empty() {
        problems.push(format!(
            "the target does not support {}",
            evaluation.unsupported.join(", ")
        ));
    }
    for outcome in &evaluation.fields {
        for verdict in outcome.verdicts.iter().filter(|v| !v.passed) {
            problems.push(format!(
                "{}: {}",
                outcome.field,
                verdict.message.clone().unwrap_or_default()
            ));
        }
    }
    problems
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
            if f.secret {
                def = def
                    .mutability(scim::schema::Mutability::WriteOnly)
                    .returned(scim::schema::Returned::Never);
            }
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
        failing_users: row.try_get("failing_users")?,
    })
}

/// What a write to a user is, so that the plan judges it by what it changes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum UserWrite<'a> {
    /// A create (POST, bulk, import): the whole resource is judged.
    Create,
    /// A PUT: the whole resource is judged, but one that leaves the user inactive always
    /// goes through.
    Replace,
    /// A PATCH: only the fields whose value it changes are judged, never a removal, and a
    /// deactivation always goes through.
    Patch {
        /// The user as stored.
        before: &'a Map<String, Value>,
    },
}

impl UserWrite<'_> {
    /// The plan's operation (rules may apply on create or update only).
    fn operation(self) -> Operation {
        match self {
            Self::Create => Operation::Create,
            Self::Replace | Self::Patch { .. } => Operation::Update,
        }
    }

    /// Whether the write is deprovisioning: it deactivates the user, or it is a PUT that
    /// keeps a leaver inactive (identity providers repeat them).
    fn deactivates(self, after: &Map<String, Value>) -> bool {
        match self {
            Self::Create => false,
            Self::Patch { before } => is_active(before) && !is_active(after),
            Self::Replace => !is_active(after),
        }
    }

    /// For a PATCH, what the plan made of the stored user, which the change is judged
    /// against — evaluated only when something failed, or to spare the look-up of a unique
    /// value the PATCH did not change.
    fn baseline(
        self,
        plan: &CompiledPlan,
        evaluation: &Evaluation,
        schema: &ResourceSchema,
    ) -> Option<Evaluation> {
        let Self::Patch { before } = self else {
            return None;
        };
        let rules = plan.plan();
        let unique = rules
            .fields
            .iter()
            .any(|f| f.validators.contains(&Validator::Unique));
        (unique || !evaluation.passed(rules))
            .then(|| plan.evaluate(before, Operation::Update, schema))
    }
}

/// The items of `list` that `before` (a PATCH's view of the stored user) does not hold.
fn new_since(list: &[String], before: Option<&[String]>) -> Vec<String> {
    list.iter()
        .filter(|item| before.is_none_or(|b| !b.contains(item)))
        .cloned()
        .collect()
}

/// What the validators of a write's fields said.
struct FieldProblems {
    /// Why, one sentence each.
    problems: Vec<String>,
    /// The fields that failed.
    failing: Vec<String>,
    /// Whether a unique value is taken (409 rather than 400).
    clash: bool,
}

/// Whether a user is active: `active` absent counts as active, as it does for identity
/// providers.
fn is_active(user: &Map<String, Value>) -> bool {
    user.get("active") != Some(&Value::Bool(false))
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
        let Some(compiled) = compiled else {
            return Err(invalid_plan(&findings));
        };
        let impact = self
            .impact_of(&self.configuration(configuration).await?, &compiled, schema)
            .await?;
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
        db::query("INSERT INTO mapping_plans (configuration_id, version, plan, created_us, created_by, comment, failing_users) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .bind(configuration.id.to_string())
            .bind(version)
            .bind(&text)
            .bind(now)
            .bind(&actor.name)
            .bind(comment.trim())
            .bind(i64::try_from(impact.failing).unwrap_or(i64::MAX))
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
            &json!({"version": version, "comment": comment.trim(), "fields": plan.fields.len(), "rules": plan.rules.len(), "failingUsers": impact.failing}),
        )
        .await?;
        tx.commit().await?;
        drop(w);
        // Every process drops its compiled copy before its next request.
        self.auth_cache().bump().await?;
        let saved = self.mapping_plan_version(configuration.id, version).await?;
        Ok((saved, findings))
    }

    /// What `plan` makes of the configuration's stored users: how many it would refuse as
    /// they are, with up to five examples. Users are read a page at a time.
    pub async fn mapping_plan_impact(
        &self,
        configuration: ConfigurationId,
        plan: &Plan,
        schema: &ResourceSchema,
    ) -> CoreResult<PlanImpact> {
        let (compiled, findings) = plan.compile(schema);
        let compiled = compiled.ok_or_else(|| invalid_plan(&findings))?;
        self.impact_of(&self.configuration(configuration).await?, &compiled, schema)
            .await
    }

    async fn impact_of(
        &self,
        configuration: &Configuration,
        plan: &CompiledPlan,
        schema: &ResourceSchema,
    ) -> CoreResult<PlanImpact> {
        let mut impact = PlanImpact {
            users: 0,
            failing: 0,
            examples: Vec::new(),
        };
        let query = scim::ListQuery::default();
        let mut start_index = 1;
        loop {
            let page = self
                .list_rows(
                    &crate::directory::USERS,
                    configuration,
                    schema,
                    &query,
                    scim::Paging {
                        start_index,
                        count: IMPACT_PAGE,
                    },
                    false,
                )
                .await?
                .into_maps()?;
            let read = page.len();
            for user in page {
                impact.users += 1;
                let evaluation = plan.evaluate(&user, Operation::Update, schema);
                let problems = stored_user_problems(plan, &evaluation);
                if problems.is_empty() {
                    continue;
                }
                impact.failing += 1;
                if impact.examples.len() < IMPACT_EXAMPLES {
                    impact.examples.push(ImpactExample {
                        user_name: user
                            .get("userName")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned(),
                        problems,
                    });
                }
            }
            if read < IMPACT_PAGE {
                return Ok(impact);
            }
            start_index += read;
        }
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

    /// What changed from saved version `from` to version `to` (default: the current plan).
    pub async fn mapping_plan_diff(
        &self,
        configuration: ConfigurationId,
        from: i64,
        to: Option<i64>,
    ) -> CoreResult<Vec<super::plan::Difference>> {
        let from = self.mapping_plan_version(configuration, from).await?;
        let to = match to {
            Some(v) => self.mapping_plan_version(configuration, v).await?,
            None => self
                .mapping_plan(configuration)
                .await?
                .ok_or_else(|| CoreError::NotFound("a current mapping plan".into()))?,
        };
        Ok(super::plan::diff(&from.plan, &to.plan))
    }

    /// Copies `from`'s current plan to configuration `to` (saved there as a new version, with
    /// a comment naming where it came from).
    pub async fn copy_mapping_plan(
        &self,
        from: &Configuration,
        to: ConfigurationId,
        schema: &ResourceSchema,
        actor: &Actor,
    ) -> CoreResult<CopiedPlan> {
        let source = self.mapping_plan(from.id).await?.ok_or_else(|| {
            CoreError::NotFound(format!("a mapping plan for \"{}\" to copy", from.name))
        })?;
        let comment = format!("copied from \"{}\" version {}", from.name, source.version);
        let (saved, findings) = self
            .save_mapping_plan(to, &source.plan, schema, &comment, actor)
            .await?;
        Ok(CopiedPlan {
            from_version: source.version,
            saved,
            findings,
        })
    }

    /// What the provisioning log keeps secret for a configuration: the schemas' secrets
    /// ([`crate::logs::secrets`]) and the custom fields its current plan marks secret (`None`
    /// when it marks none). `schema` is the User schema the plan is compiled against.
    pub async fn log_secrets(
        &self,
        configuration: ConfigurationId,
        schema: &ResourceSchema,
    ) -> CoreResult<Option<Arc<Secrets>>> {
        Ok(self
            .compiled_plan(configuration, schema)
            .await?
            .and_then(|plan| plan.secrets().cloned()))
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

    /// The validators' refusals of the fields a write answers for (all of them, or for a PATCH
    /// those whose value it changes and does not remove), and taken unique values.
    async fn field_problems(
        &self,
        configuration: &Configuration,
        schema: &ResourceSchema,
        plan: &CompiledPlan,
        evaluation: &Evaluation,
        baseline: Option<&Evaluation>,
        own_id: Option<&str>,
    ) -> CoreResult<FieldProblems> {
        let rules = plan.plan();
        let mut problems = Vec::new();
        let mut failing = Vec::new();
        let mut clash = false;
        for (index, outcome) in evaluation.fields.iter().enumerate() {
            // A PATCH answers for the fields whose value it changes, and a removal for nothing.
            let judged = match baseline {
                None => true,
                Some(b) => {
                    !outcome.value.is_null()
                        && b.fields
                            .get(index)
                            .is_none_or(|old| old.value != outcome.value)
                }
            };
            if !judged {
                continue;
            }
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
        Ok(FieldProblems {
            problems,
            failing,
            clash,
        })
    }

    /// Applies the configuration's plan to a user about to be written: scoping, unsupported
    /// attributes, validators (enforced or recorded), then the stored shape. `password` is the
    /// clear-text password of the request, for the password policy only. Returns the resource
    /// to store (never holding a custom field marked secret), the warnings to record, and what
    /// the log must keep secret for the configuration when its plan adds secret fields.
    ///
    /// A write is judged by what it changes ([`UserWrite`]): a create or PUT by the whole
    /// resource, a PATCH by the fields whose value it changes (never by a stored value it did
    /// not touch, never by a removal). A deactivation always goes through: what the plan would
    /// have refused is recorded as a warning instead.
    pub(crate) async fn enforce_user_plan(
        &self,
        configuration: &Configuration,
        schema: &ResourceSchema,
        resource: Map<String, Value>,
        password: Option<&Value>,
        write: UserWrite<'_>,
        own_id: Option<&str>,
    ) -> CoreResult<(Map<String, Value>, Vec<String>, Option<Arc<Secrets>>)> {
        let Some(plan) = self.compiled_plan(configuration.id, schema).await? else {
            return Ok((resource, Vec::new(), None));
        };
        let secrets = plan.secrets().cloned();
        let op = write.operation();
        let mut evaluated = resource.clone();
        if let Some(p) = password {
            evaluated.insert("password".into(), p.clone());
        }
        let evaluation = plan.evaluate(&evaluated, op, schema);
        let rules = plan.plan();
        let baseline = write.baseline(&plan, &evaluation, schema);
        let deactivates = write.deactivates(&resource);
        let mut warnings = Vec::new();
        let mut resource = resource;
        if !evaluation.in_scope {
            match rules.scoping.out_of_scope {
                OutOfScope::Reject if deactivates => {
                    warnings.push(
                        "out of scope: the deactivation is applied all the same (deprovisioning always goes through)"
                            .to_owned(),
                    );
                }
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
        let old = baseline.as_ref();
        let mut problems = new_since(&evaluation.errors, old.map(|b| &b.errors[..]));
        let unsupported = new_since(&evaluation.unsupported, old.map(|b| &b.unsupported[..]));
        let mut failing: Vec<String> = Vec::new();
        if rules.unsupported == Unsupported::Reject && !unsupported.is_empty() {
            failing.extend(unsupported.iter().cloned());
            problems.push(format!(
                "the target does not support {}",
                unsupported.join(", ")
            ));
        } else if !evaluation.unsupported.is_empty() {
            warnings.push(format!(
                "ignored (not supported by the target): {}",
                evaluation.unsupported.join(", ")
            ));
        }
        let fields = self
            .field_problems(
                configuration,
                schema,
                &plan,
                &evaluation,
                baseline.as_ref(),
                own_id,
            )
            .await?;
        problems.extend(fields.problems);
        failing.extend(fields.failing);
        let clash = fields.clash;
        if !problems.is_empty() {
            match rules.mode {
                Mode::Enforce if deactivates => warnings.push(format!(
                    "not enforced, because a deactivation always goes through: {}",
                    problems.join("; ")
                )),
                Mode::Enforce => return Err(refusal(&problems, failing, clash)),
                Mode::WarnOnly => warnings.extend(problems),
            }
        }
        match plan.shape(
            &resource,
            &evaluation,
            schema,
            &custom_extension_urn(configuration),
        ) {
            Ok(shaped) => Ok((shaped, warnings, secrets)),
            // The plan cannot shape it: a deactivation is stored as it came, but for secrets.
            Err(e) if deactivates => {
                warnings.push(format!(
                    "stored as sent, because a deactivation always goes through: {e}"
                ));
                if let (Some(secrets), Some(Value::Object(custom))) = (
                    &secrets,
                    resource.get_mut(&custom_extension_urn(configuration)),
                ) {
                    custom.retain(|key, _| !secrets.names_secret(key));
                }
                Ok((resource, warnings, secrets))
            }
            Err(e) => Err(CoreError::Scim(ScimError::invalid_value(e))),
        }
    }

    /// Applies the plan's group rules to a group about to be written: `displayName`
    /// validators, scoping, and — when the target does not nest groups — members that are
    /// groups (`added_members`: the member ids being added). Returns the warnings to record.
    ///
    /// A change to a stored group (`before`) is judged by what it changes: a validator that
    /// the stored group already failed, or a scope it was already out of, does not refuse it —
    /// a member removal always goes through.
    pub(crate) async fn enforce_group_plan(
        &self,
        configuration: &Configuration,
        user_schema: &ResourceSchema,
        group_schema: &ResourceSchema,
        group: &Map<String, Value>,
        added_members: &[String],
        before: Option<&Map<String, Value>>,
    ) -> CoreResult<Vec<String>> {
        let Some(plan) = self.compiled_plan(configuration.id, user_schema).await? else {
            return Ok(Vec::new());
        };
        let rules = plan.plan();
        let (mut problems, in_scope) = plan.check_group(group, group_schema);
        let mut was_in_scope = true;
        if let Some(before) = before {
            let (old, old_scope) = plan.check_group(before, group_schema);
            problems.retain(|p| !old.contains(p));
            was_in_scope = old_scope;
        }
        let mut warnings = Vec::new();
        if !in_scope {
            match rules.scoping.out_of_scope {
                OutOfScope::Reject if !was_in_scope => {
                    warnings.push(
                        "group out of scope, as it already was: the change is applied".to_owned(),
                    );
                }
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
