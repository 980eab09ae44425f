//! Mapping plans in the store: one per configuration, every saved version kept (so a plan can
//! be diffed and rolled back), the current one compiled once and cached until any process
//! changes it (enforced on every write by [`super::enforce`]).

use std::sync::Arc;

use crate::db;
use chrono::{DateTime, Utc};
use scim::ResourceSchema;
use scim::secrets::Secrets;
use serde::Serialize;
use serde_json::{Value, json};

use super::plan::{
    CompiledPlan, Evaluation, Finding, Operation, OutOfScope, Plan, Severity, Unsupported,
};
use super::validators::Validator;
use crate::audit::{self, Actor, Subject};
use crate::configuration::{Configuration, ConfigurationId};
use crate::error::{CoreError, CoreResult};
use crate::store::Store;
use crate::time::to_time;

/// One saved version of a configuration's plan.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
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
                    crate::directory::ListOptions::default(),
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
}
