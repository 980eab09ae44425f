//! The admin API of mapping plans: the template, the current plan and its versions, saving
//! (import), static validation, a test run over a sample SCIM user, diff and rollback.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use scim_console_core::mapping::plan::{self, Evaluation, Finding, Operation, Plan};
use scim_console_core::mapping::provider::{Provider, ProviderSide};
use scim_console_core::mapping::templates::PlanTemplate;
use scim_console_core::mapping::trial::{Trial, TrialError, TrialInput};
use scim_console_core::mapping::versions::{PlanImpact, PlanVersion};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AdminError;
use super::dto::ErrorBody;
use super::extract::{Acting, Body, ConfigId, ConfigPath, Params, config_id};
use crate::state::AppState;

/// A saved version of a plan.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlanVersionView {
    /// The version (1, 2, …).
    pub version: i64,
    /// When it was saved.
    pub created: DateTime<Utc>,
    /// Who saved it.
    pub created_by: String,
    /// Why.
    pub comment: String,
    /// The plan (the export format: `format`, `fields`, `rules`, `unsupported`, `mode`,
    /// `matching`, `scoping`).
    pub plan: Plan,
    /// How many stored users failed it when it was saved (absent for versions saved before
    /// this was counted).
    pub failing_users: Option<i64>,
}

impl From<PlanVersion> for PlanVersionView {
    fn from(v: PlanVersion) -> Self {
        Self {
            version: v.version,
            created: v.created,
            created_by: v.created_by,
            comment: v.comment,
            plan: v.plan,
            failing_users: v.failing_users,
        }
    }
}

/// A plan to save.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SavePlanBody {
    /// The plan.
    pub plan: Plan,
    /// Why it changes.
    #[serde(default)]
    pub comment: String,
}

/// A static validation finding.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FindingView {
    /// `error` or `warning`.
    pub severity: String,
    /// A JSON pointer into the plan.
    pub location: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub fix: String,
}

impl From<Finding> for FindingView {
    fn from(f: Finding) -> Self {
        Self {
            severity: match f.severity {
                plan::Severity::Error => "error",
                plan::Severity::Warning => "warning",
            }
            .into(),
            location: f.location,
            message: f.message,
            fix: f.fix,
        }
    }
}

/// A saved plan and its warnings.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SavedPlanView {
    /// The version saved.
    pub saved: PlanVersionView,
    /// Warnings of static validation (errors refuse the save).
    pub findings: Vec<FindingView>,
}

/// The result of static validation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ValidationView {
    /// Whether the plan can be saved (no errors).
    pub valid: bool,
    /// Errors first, then warnings.
    pub findings: Vec<FindingView>,
}

/// A test run: a sample SCIM user, and optionally a plan to try instead of the current one.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TestBody {
    /// The plan to try (default: the configuration's current plan).
    #[serde(default)]
    pub plan: Option<Plan>,
    /// A SCIM User as the identity provider would send it.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub sample: Option<Value>,
    /// Or a user as the identity provider holds it (`userPrincipalName`, `givenName`, …): the
    /// plan's provider mappings turn it into the SCIM request first.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub source: Option<Value>,
    /// Or a record of the provisioning log (its `seq`): the user a logged create or replace
    /// sent, or the user a logged PATCH would make of the user as stored now.
    #[serde(default)]
    pub log_entry: Option<i64>,
    /// `create` (default; for a log record, what it was) or `update`.
    #[serde(default)]
    pub operation: Option<String>,
}

/// Field by field: the value produced and every validator's verdict.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EvaluationView {
    /// Whether the sample passes.
    pub passed: bool,
    /// Whether it is in scope.
    pub in_scope: bool,
    /// The fields.
    #[schema(value_type = Vec<Object>)]
    pub fields: Value,
    /// SCIM attributes of the sample no rule reads.
    pub unsupported: Vec<String>,
    /// Transforms that failed (and, for a `source` user, provider mappings that failed).
    pub errors: Vec<String>,
    /// For a `source` user: the SCIM request the identity provider would send; for a log
    /// record: the user made from it.
    #[schema(value_type = Option<Object>)]
    pub request: Option<Value>,
    /// How a sample from the log was made (values redacted when logged are left out).
    pub notes: Vec<String>,
}

impl EvaluationView {
    fn new(e: &Evaluation, plan: &Plan) -> Self {
        Self {
            passed: e.passed(plan),
            in_scope: e.in_scope,
            fields: serde_json::to_value(&e.fields).unwrap_or_default(),
            unsupported: e.unsupported.clone(),
            errors: e.errors.clone(),
            request: None,
            notes: Vec::new(),
        }
    }
}

/// A trial's refusal as the admin API answers it: the store's own errors keep their status,
/// the rest are the request's fault (400).
fn trial_error(error: TrialError) -> AdminError {
    match error {
        TrialError::Core(e) => AdminError::from(e),
        other => AdminError::new(StatusCode::BAD_REQUEST, other.to_string()),
    }
}

/// A provider by name (`entra`, `okta`, `oneLogin` or `onelogin`, `google`), or 404.
fn provider_named(name: &str) -> Result<Provider, AdminError> {
    Provider::parse(name).ok_or_else(|| {
        AdminError::new(
            StatusCode::NOT_FOUND,
            format!("no template for \"{name}\": entra, okta, oneLogin or google"),
        )
    })
}

/// The provider's default mappings for a SCIM app (`entra`, `okta`, `oneLogin`, `google`): the
/// provider side of a plan. A whole plan with it is `GET /api/mapping/template?provider=…`.
#[utoipa::path(get, path = "/api/mapping/providers/{provider}", security(("admin_token" = [])),
    responses((status = 200, body = ProviderSide), (status = 404, body = ErrorBody)))]
pub async fn provider_template(
    Path(provider): Path<String>,
) -> Result<Json<ProviderSide>, AdminError> {
    Ok(Json(ProviderSide::template(provider_named(&provider)?)))
}

/// One difference between two plans.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DifferenceView {
    /// A JSON pointer (fields and rules keyed by name and target).
    pub path: String,
    /// The value in `from`.
    #[schema(value_type = Object)]
    pub old: Value,
    /// The value in `to`.
    #[schema(value_type = Object)]
    pub new: Value,
}

/// Which versions to compare.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// The older version.
    from: i64,
    /// The newer version (default: the current one).
    to: Option<i64>,
}

/// Which version to restore.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RollbackBody {
    /// The version to make current again.
    pub version: i64,
}

/// The JSON Schema of the plan export format.
#[utoipa::path(get, path = "/api/mapping/schema", security(("admin_token" = [])),
    responses((status = 200, body = Object)))]
pub async fn schema() -> Json<Value> {
    Json(plan::json_schema())
}

/// Which template.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TemplateQuery {
    /// The plan template (`standard`, the default, or `xMatters`).
    template: Option<String>,
    /// The identity provider whose default mappings fill the plan's provider side (`entra`,
    /// `okta`, `oneLogin`, `google`); without it, the plan has none.
    provider: Option<String>,
}

/// A plan template, for people to pick.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TemplateView {
    /// Its name (`GET /api/mapping/template?template=…`, `planTemplate` of a new configuration).
    pub name: PlanTemplate,
    /// A title.
    pub title: &'static str,
    /// What it holds.
    pub description: &'static str,
}

/// The plan templates: a configuration may start from one, the plan editor may load one.
#[utoipa::path(get, path = "/api/mapping/templates", security(("admin_token" = [])),
    responses((status = 200, body = Vec<TemplateView>)))]
pub async fn templates() -> Json<Vec<TemplateView>> {
    Json(
        PlanTemplate::ALL
            .into_iter()
            .map(|t| TemplateView {
                name: t,
                title: t.title(),
                description: t.description(),
            })
            .collect(),
    )
}

/// A plan template (the standard one by default), a starting point to edit: with an identity
/// provider's default mappings as its provider side when one is named.
#[utoipa::path(get, path = "/api/mapping/template", security(("admin_token" = [])), params(TemplateQuery),
    responses((status = 200, body = Plan), (status = 404, body = ErrorBody)))]
pub async fn template(Params(query): Params<TemplateQuery>) -> Result<Json<Plan>, AdminError> {
    let template = match &query.template {
        None => PlanTemplate::Standard,
        Some(name) => PlanTemplate::parse(name).ok_or_else(|| {
            AdminError::new(
                StatusCode::NOT_FOUND,
                format!("no plan template \"{name}\": standard or xMatters"),
            )
        })?,
    };
    let mut plan = template.plan();
    if let Some(name) = &query.provider {
        plan.provider = Some(ProviderSide::template(provider_named(name)?));
    }
    Ok(Json(plan))
}

/// The configuration's current plan.
#[utoipa::path(get, path = "/api/configurations/{id}/mapping", security(("admin_token" = [])),
    responses((status = 200, body = PlanVersionView), (status = 404, body = ErrorBody)))]
pub async fn current(
    State(state): State<AppState>,
    ConfigPath(configuration): ConfigPath,
) -> Result<Json<PlanVersionView>, AdminError> {
    let id = configuration.id;
    let saved = state.store.mapping_plan(id).await?.ok_or_else(|| {
        AdminError::new(
            StatusCode::NOT_FOUND,
            "this configuration has no mapping plan yet: its endpoint accepts every SCIM attribute; save one (start from GET /api/mapping/template)",
        )
    })?;
    Ok(Json(saved.into()))
}

/// Saves a plan as the new current version (an import). Refused when static validation finds
/// errors.
#[utoipa::path(put, path = "/api/configurations/{id}/mapping", security(("admin_token" = [])), request_body = SavePlanBody,
    responses((status = 200, body = SavedPlanView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn save(
    State(state): State<AppState>,
    Acting(actor): Acting,
    ConfigId(id): ConfigId,
    Body(body): Body<SavePlanBody>,
) -> Result<Json<SavedPlanView>, AdminError> {
    let (saved, findings) = state
        .store
        .save_mapping_plan(id, &body.plan, state.registry.user(), &body.comment, &actor)
        .await?;
    tracing::info!(configuration = %id, version = saved.version, "mapping plan saved");
    Ok(Json(SavedPlanView {
        saved: saved.into(),
        findings: findings.into_iter().map(Into::into).collect(),
    }))
}

/// What a plan would make of the users already stored, before it is saved: how many it
/// refuses as they are, with up to five examples. Users are read a page at a time.
#[utoipa::path(post, path = "/api/configurations/{id}/mapping/impact", security(("admin_token" = [])), request_body = Plan,
    responses((status = 200, body = PlanImpact), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn impact(
    State(state): State<AppState>,
    ConfigId(id): ConfigId,
    Body(plan): Body<Plan>,
) -> Result<Json<PlanImpact>, AdminError> {
    Ok(Json(
        state
            .store
            .mapping_plan_impact(id, &plan, state.registry.user())
            .await?,
    ))
}

/// Static validation of a plan, without saving it. A plan that does not fit the format (an
/// unknown value, a missing field) is answered as one finding at its place, not as a 400: the
/// editor shows it where it is.
#[utoipa::path(post, path = "/api/configurations/{id}/mapping/validate", security(("admin_token" = [])), request_body = Plan,
    responses((status = 200, body = ValidationView), (status = 400, body = ErrorBody)))]
pub async fn validate(
    State(state): State<AppState>,
    _: ConfigPath,
    Body(plan): Body<Value>,
) -> Result<Json<ValidationView>, AdminError> {
    let plan = match plan::read(plan) {
        Ok(plan) => plan,
        Err(finding) => {
            return Ok(Json(ValidationView {
                valid: false,
                findings: vec![finding.into()],
            }));
        }
    };
    let (compiled, findings) = plan.compile(state.registry.user());
    Ok(Json(ValidationView {
        valid: compiled.is_some(),
        findings: findings.into_iter().map(Into::into).collect(),
    }))
}

/// Runs a plan (given, or the current one) over a sample SCIM user: the value of every field
/// and every validator's verdict. Nothing is stored.
#[utoipa::path(post, path = "/api/configurations/{id}/mapping/test", security(("admin_token" = [])), request_body = TestBody,
    responses((status = 200, body = EvaluationView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn test(
    State(state): State<AppState>,
    ConfigId(id): ConfigId,
    Body(body): Body<TestBody>,
) -> Result<Json<EvaluationView>, AdminError> {
    let plan = match body.plan {
        Some(p) => p,
        None => {
            state
                .store
                .mapping_plan(id)
                .await?
                .ok_or_else(|| {
                    AdminError::new(StatusCode::NOT_FOUND, "no current plan: send one in `plan`")
                })?
                .plan
        }
    };
    let requested = match body.operation.as_deref() {
        None => None,
        Some("create") => Some(Operation::Create),
        Some("update") => Some(Operation::Update),
        Some(other) => {
            return Err(AdminError::new(
                StatusCode::BAD_REQUEST,
                format!("operation: \"{other}\" is not create or update"),
            ));
        }
    };
    let input = match (body.sample, body.source, body.log_entry) {
        (Some(Value::Object(sample)), None, None) => TrialInput::Sample(sample),
        (None, Some(Value::Object(source)), None) => TrialInput::Source(source),
        (None, None, Some(seq)) => TrialInput::LogEntry(seq),
        _ => {
            return Err(AdminError::new(
                StatusCode::BAD_REQUEST,
                "send one of `sample` (a SCIM User as a JSON object), `source` (a user as the identity provider holds it) or `logEntry` (a provisioning log record's seq)",
            ));
        }
    };
    let trial = Trial::new(&plan, state.registry.user()).map_err(trial_error)?;
    let result = trial
        .run(&state.store, input, requested)
        .await
        .map_err(trial_error)?;
    let mut view = EvaluationView::new(&result.evaluation, &plan);
    view.passed = result.passed;
    view.request = result.request.map(Value::Object);
    view.notes = result.notes;
    view.errors.extend(result.provider_errors);
    Ok(Json(view))
}

/// Every saved version, newest first.
#[utoipa::path(get, path = "/api/configurations/{id}/mapping/versions", security(("admin_token" = [])),
    responses((status = 200, body = [PlanVersionView]), (status = 404, body = ErrorBody)))]
pub async fn versions(
    State(state): State<AppState>,
    ConfigId(id): ConfigId,
) -> Result<Json<Vec<PlanVersionView>>, AdminError> {
    let versions = state.store.mapping_plan_versions(id).await?;
    Ok(Json(versions.into_iter().map(Into::into).collect()))
}

/// What changed between two versions.
#[utoipa::path(get, path = "/api/configurations/{id}/mapping/diff", security(("admin_token" = [])), params(DiffQuery),
    responses((status = 200, body = [DifferenceView]), (status = 404, body = ErrorBody)))]
pub async fn diff(
    State(state): State<AppState>,
    ConfigId(id): ConfigId,
    Params(query): Params<DiffQuery>,
) -> Result<Json<Vec<DifferenceView>>, AdminError> {
    let changes = state
        .store
        .mapping_plan_diff(id, query.from, query.to)
        .await?;
    Ok(Json(
        changes
            .into_iter()
            .map(|d| DifferenceView {
                path: d.path,
                old: d.old,
                new: d.new,
            })
            .collect(),
    ))
}

/// Makes an earlier version current again (saved as a new version).
#[utoipa::path(post, path = "/api/configurations/{id}/mapping/rollback", security(("admin_token" = [])), request_body = RollbackBody,
    responses((status = 200, body = PlanVersionView), (status = 404, body = ErrorBody)))]
pub async fn rollback(
    State(state): State<AppState>,
    Acting(actor): Acting,
    ConfigId(id): ConfigId,
    Body(body): Body<RollbackBody>,
) -> Result<Json<PlanVersionView>, AdminError> {
    let saved = state
        .store
        .rollback_mapping_plan(id, body.version, state.registry.user(), &actor)
        .await?;
    Ok(Json(saved.into()))
}

/// What an import did.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportReportView {
    /// Users imported, waiting to be linked by the identity provider's first matching POST.
    pub imported: usize,
    /// Rows refused: `row` (CSV line, header = 1; JSON position from 1) and `reason`.
    #[schema(value_type = Vec<Object>)]
    pub rejected: Value,
}

/// Imports the target's existing users (brown-field): a CSV (`text/csv`) whose header row names
/// SCIM paths, or JSON (an array of SCIM users or a ListResponse). The identity provider's first
/// POST matching one of them (by the plan's matching attributes) links it instead of creating a
/// duplicate.
#[utoipa::path(post, path = "/api/configurations/{id}/users/import", security(("admin_token" = [])),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportReportView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn import_users(
    State(state): State<AppState>,
    Acting(actor): Acting,
    ConfigPath(configuration): ConfigPath,
    headers: axum::http::HeaderMap,
    body: String,
) -> Result<Json<ImportReportView>, AdminError> {
    use scim_console_core::mapping::brownfield;
    let media = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let rows = match media.as_str() {
        "text/csv" => brownfield::users_from_csv(&body, &state.registry)?,
        "application/json" | "application/scim+json" => brownfield::users_from_json(&body)?,
        other => {
            return Err(AdminError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("send text/csv or application/json, not \"{other}\""),
            ));
        }
    };
    let report = state
        .store
        .import_users(&configuration, &state.registry, rows, &actor)
        .await?;
    tracing::info!(configuration = %configuration.id, imported = report.imported, "users imported");
    Ok(Json(ImportReportView {
        imported: report.imported,
        rejected: serde_json::to_value(&report.rejected).unwrap_or_default(),
    }))
}

/// Which configuration to copy the current plan from.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CopyBody {
    /// The id of the configuration whose current plan is copied (e.g. QA).
    pub from: String,
}

/// Copies another configuration's current plan here as a new version (QA → production).
#[utoipa::path(post, path = "/api/configurations/{id}/mapping/copy", security(("admin_token" = [])), request_body = CopyBody,
    responses((status = 200, body = SavedPlanView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn copy(
    State(state): State<AppState>,
    Acting(actor): Acting,
    ConfigId(id): ConfigId,
    Body(body): Body<CopyBody>,
) -> Result<Json<SavedPlanView>, AdminError> {
    let from = state.store.configuration(config_id(&body.from)?).await?;
    let copied = state
        .store
        .copy_mapping_plan(&from, id, state.registry.user(), &actor)
        .await?;
    Ok(Json(SavedPlanView {
        saved: copied.saved.into(),
        findings: copied.findings.into_iter().map(Into::into).collect(),
    }))
}

/// The routes of mapping plans.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(provider_template))
        .routes(routes!(schema))
        .routes(routes!(template))
        .routes(routes!(templates))
        .routes(routes!(current, save))
        .routes(routes!(impact))
        .routes(routes!(validate))
        .routes(routes!(test))
        .routes(routes!(versions))
        .routes(routes!(diff))
        .routes(routes!(rollback))
        .merge(
            // Whole directories: up to 64 MiB of CSV or JSON.
            OpenApiRouter::new()
                .routes(routes!(import_users))
                .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024)),
        )
        .routes(routes!(copy))
}
