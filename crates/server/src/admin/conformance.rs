//! The conformance checker through the admin API: runs started in the background against a
//! local configuration's endpoint or a registered remote target, followed live by the UI, and
//! their reports downloaded as JSON, JUnit XML or HTML.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use scim_console_core::ClientProfile;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AdminError;
use super::dto::ErrorBody;
use super::extract::{Acting, Body, Params};
use super::pilot_runs::TargetBody;
use crate::conformance::report::{self, Format};
use crate::conformance::runs::{Busy, ConformanceRunView};
use crate::conformance::{self, Options};
use crate::outbound::target::{OpenedTarget, TargetError};
use crate::state::AppState;

/// A conformance run to start.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConformanceBody {
    /// What to check: a local configuration's endpoint or a registered remote target.
    pub target: TargetBody,
    /// Whose rules (default: the configuration's profile, or strict for a remote target).
    pub profile: Option<ClientProfile>,
    /// Run the checks that create, change and delete resources (under a unique prefix; only
    /// what the run created is deleted).
    #[serde(default)]
    pub allow_writes: bool,
    /// Requests per second at most (default 10).
    pub rate: Option<f64>,
}

/// Starts a conformance run; follow it at `GET /api/conformance-runs/{run}`.
#[utoipa::path(post, path = "/api/conformance-runs", operation_id = "start_conformance_run", security(("admin_token" = [])), request_body = ConformanceBody,
    responses((status = 202, body = ConformanceRunView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    Acting(actor): Acting,
    Body(body): Body<ConformanceBody>,
) -> Result<(StatusCode, Json<ConformanceRunView>), AdminError> {
    let rate = body.rate.unwrap_or(10.0);
    conformance::check_rate(rate).map_err(|e| AdminError::invalid("rate", e))?;
    let busy = |busy: Busy| AdminError::new(StatusCode::CONFLICT, busy.to_string());
    if state.conformance_runs.full() {
        return Err(busy(Busy));
    }
    let choice = body.target.choice(&state).await?;
    let target = OpenedTarget::open(
        &state.store,
        choice,
        &state.loopback_origin(),
        &actor,
        "conformance check",
    )
    .await
    .map_err(|e| match e {
        TargetError::Core(e) => AdminError::from(e),
        other => AdminError::invalid("target", other.to_string()),
    })?;
    let options = Options::for_target(&target, body.profile, body.allow_writes, rate)
        .map_err(|e| AdminError::invalid("rate", e))?;
    let view = state
        .conformance_runs
        .start(options, target, state.store.clone(), actor)
        .await
        .map_err(busy)?;
    Ok((StatusCode::ACCEPTED, Json(view)))
}

/// The server's recent conformance runs, newest first (without their results).
#[utoipa::path(get, path = "/api/conformance-runs", operation_id = "list_conformance_runs", security(("admin_token" = [])),
    responses((status = 200, body = [ConformanceRunView])))]
pub async fn list(State(state): State<AppState>) -> Json<Vec<ConformanceRunView>> {
    Json(state.conformance_runs.list())
}

/// A conformance run: its progress and results so far, and its report once finished.
#[utoipa::path(get, path = "/api/conformance-runs/{run}", operation_id = "get_conformance_run", security(("admin_token" = [])),
    responses((status = 200, body = ConformanceRunView), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Path(run): Path<String>,
) -> Result<Json<ConformanceRunView>, AdminError> {
    state
        .conformance_runs
        .with(&run, |r| r.clone())
        .map(Json)
        .ok_or_else(|| not_found(&run))
}

fn not_found(run: &str) -> AdminError {
    AdminError::new(
        StatusCode::NOT_FOUND,
        format!("conformance run {run} not found"),
    )
}

/// The format of a downloaded report.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    /// The report as JSON.
    Json,
    /// JUnit XML.
    Junit,
    /// A standalone HTML page.
    Html,
}

/// `?format=`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// json (default), junit or html.
    pub format: Option<ReportFormat>,
}

/// A finished run's report as a file to attach to a ticket or feed to CI.
#[utoipa::path(get, path = "/api/conformance-runs/{run}/report", operation_id = "conformance_report", security(("admin_token" = [])), params(ReportQuery),
    responses((status = 200, description = "The report file"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    Path(run): Path<String>,
    Params(query): Params<ReportQuery>,
) -> Result<Response, AdminError> {
    let report = state
        .conformance_runs
        .with(&run, |r| r.report.clone())
        .ok_or_else(|| not_found(&run))?
        .ok_or_else(|| {
            AdminError::new(
                StatusCode::CONFLICT,
                "the run has not finished; its report comes when it does",
            )
        })?;
    let (format, media, extension) = match query.format.unwrap_or(ReportFormat::Json) {
        ReportFormat::Json => (Format::Json, "application/json", "json"),
        ReportFormat::Junit => (Format::Junit, "application/xml", "xml"),
        ReportFormat::Html => (Format::Html, "text/html; charset=utf-8", "html"),
    };
    let disposition = format!("attachment; filename=\"scim-conformance-{run}.{extension}\"");
    Ok((
        [
            (header::CONTENT_TYPE, media.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        report::render(&report, format),
    )
        .into_response())
}

/// The routes of conformance runs.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start, list))
        .routes(routes!(get))
        .routes(routes!(download))
}
