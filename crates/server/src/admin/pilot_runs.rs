//! `/api/pilot-runs`: pilot runs into a remote target or a local configuration's endpoint,
//! started in the background, followed and stopped.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use scim_console_core::mapping::provider::Provider;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AdminError;
use super::dto::ErrorBody;
use super::extract::{Acting, Body, config_id};
use crate::outbound::Pace;
use crate::outbound::target::{TargetChoice, TargetError};
use crate::pilot::runs::{
    Launch, PilotError, PilotOptions, PilotRequest, Prepared, RetryRefusal, RunView,
};
use crate::pilot::source::{self, Source};
use crate::state::AppState;

/// The pilot run routes.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start, runs))
        .routes(routes!(run))
        .routes(routes!(stop))
        .routes(routes!(retry))
}

/// Where a pilot run's users come from.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = PilotSourceBody)]
pub enum SourceBody {
    /// A CSV file's text: a header line naming the provider's attributes, one user per line.
    Csv {
        /// The text.
        content: String,
    },
    /// A JSON file's text: provider-attribute objects, or SCIM Users.
    Json {
        /// The text.
        content: String,
    },
    /// The users of a local configuration.
    #[serde(rename_all = "camelCase")]
    Configuration {
        /// Its id.
        configuration_id: String,
    },
}

/// Where a pilot run provisions.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = PilotTargetBody)]
pub enum TargetBody {
    /// A stored remote target.
    Remote {
        /// Its id or name.
        target: String,
    },
    /// A local configuration's own endpoint (called over loopback with a temporary token).
    #[serde(rename_all = "camelCase")]
    Configuration {
        /// Its id.
        configuration_id: String,
    },
}

impl TargetBody {
    /// The target chosen: a stored remote target by its id or name, or the local configuration
    /// named (404 when there is none).
    pub(crate) async fn choice(self, state: &AppState) -> Result<TargetChoice, AdminError> {
        Ok(match self {
            Self::Remote { target } => TargetChoice::Remote(target),
            Self::Configuration { configuration_id } => TargetChoice::Local(
                state
                    .store
                    .configuration(config_id(&configuration_id)?)
                    .await?,
            ),
        })
    }
}

/// A pilot run to start.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PilotBody {
    /// The configuration whose mapping plan applies (and whose log records the run).
    pub configuration_id: String,
    /// A version of its plan (default: the current one).
    pub plan_version: Option<i64>,
    /// The provider to behave like: `entra`, `okta`, `oneLogin`, `google` (default: the
    /// plan's provider side, else Entra ID).
    #[schema(value_type = Option<String>)]
    pub behave_as: Option<Provider>,
    /// The users.
    pub source: SourceBody,
    /// The target.
    pub target: TargetBody,
    /// Only query the target and say what would be done.
    #[serde(default)]
    pub dry_run: bool,
    /// Users provisioned at once (1–32, default 4).
    pub concurrency: Option<usize>,
    /// Requests per second at most (default 20; 0: no limit).
    pub rate: Option<f64>,
}

/// Why a run cannot start, as the admin API answers it: the store's errors keep their status
/// (a missing target is 404), the rest name the field at fault.
pub(crate) fn pilot_error(error: PilotError) -> AdminError {
    match error {
        PilotError::Core(e) | PilotError::Target(TargetError::Core(e)) => AdminError::from(e),
        PilotError::Plan(_) => AdminError::invalid("plan", error.to_string()),
        PilotError::Outbound(_) | PilotError::Target(_) => {
            AdminError::invalid("target", error.to_string())
        }
    }
}

async fn read_source(state: &AppState, body: SourceBody) -> Result<Source, AdminError> {
    match body {
        SourceBody::Csv { content } => {
            source::from_csv(content.as_bytes()).map_err(|e| AdminError::invalid("source", e.0))
        }
        SourceBody::Json { content } => {
            source::from_json(content.as_bytes()).map_err(|e| AdminError::invalid("source", e.0))
        }
        SourceBody::Configuration { configuration_id } => {
            let configuration = state
                .store
                .configuration(config_id(&configuration_id)?)
                .await?;
            source::from_configuration(&state.store, &state.registry, &configuration)
                .await
                .map_err(|e| AdminError::invalid("source", e.0))
        }
    }
}

/// Starts a pilot run in the background: the console behaves like the chosen identity
/// provider and provisions the source's users into the target through the plan. Follow it
/// with `GET /api/pilot-runs/{run}`.
#[utoipa::path(post, path = "/api/pilot-runs", security(("admin_token" = [])), request_body = PilotBody,
    responses((status = 202, body = RunView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    Acting(actor): Acting,
    Body(body): Body<PilotBody>,
) -> Result<(StatusCode, Json<RunView>), AdminError> {
    let configuration = state
        .store
        .configuration(config_id(&body.configuration_id)?)
        .await?;
    let plan = match body.plan_version {
        Some(v) => Some(
            state
                .store
                .mapping_plan_version(configuration.id, v)
                .await?
                .plan,
        ),
        None => None,
    };
    let options = PilotOptions::new(
        body.dry_run,
        body.concurrency.unwrap_or(4),
        Pace {
            rate: body.rate.unwrap_or(20.0),
            ..Pace::default()
        },
    )
    .map_err(pilot_error)?;
    let target = body.target.choice(&state).await?;
    let source = read_source(&state, body.source).await?;
    let request = PilotRequest {
        configuration,
        plan,
        behave_as: body.behave_as,
        options,
        target,
    };
    launch(&state, request, source, actor).await
}

/// Sets a run up and starts it in the background; answers 202 with its view.
async fn launch(
    state: &AppState,
    request: PilotRequest,
    source: Source,
    actor: scim_console_core::Actor,
) -> Result<(StatusCode, Json<RunView>), AdminError> {
    let prepared = Prepared::new(
        &state.store,
        &state.registry,
        request.clone(),
        &state.loopback_origin(),
        &state.logs,
        &actor,
    )
    .await
    .map_err(pilot_error)?;
    let id = state.pilot_runs.start(Launch {
        prepared,
        source,
        store: state.store.clone(),
        actor,
        request: Some(request),
    });
    let view = state
        .pilot_runs
        .get(&id)
        .ok_or_else(|| AdminError::new(StatusCode::INTERNAL_SERVER_ERROR, "the run vanished"))?;
    Ok((StatusCode::ACCEPTED, Json(view)))
}

/// Which failed users to run again.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RetryBody {
    /// Their rows in the run's report; absent: every failed user.
    #[serde(default)]
    pub rows: Option<Vec<usize>>,
}

/// Runs a finished run's failed users again (all, or the rows named), with the same plan,
/// provider, target and options, as a new run: 202, then follow it like any run.
#[utoipa::path(post, path = "/api/pilot-runs/{run}/retry", security(("admin_token" = [])), request_body = RetryBody,
    responses((status = 202, body = RunView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn retry(
    State(state): State<AppState>,
    Acting(actor): Acting,
    Path(run): Path<String>,
    Body(body): Body<RetryBody>,
) -> Result<(StatusCode, Json<RunView>), AdminError> {
    let retry =
        state
            .pilot_runs
            .retry(&run, body.rows.as_deref())
            .map_err(|refusal| match refusal {
                RetryRefusal::NoSuchRun => {
                    AdminError::new(StatusCode::NOT_FOUND, refusal.to_string())
                }
                RetryRefusal::NotFinished => {
                    AdminError::new(StatusCode::CONFLICT, refusal.to_string())
                }
                RetryRefusal::NothingFailed | RetryRefusal::NotFailed(_) => {
                    AdminError::invalid("rows", refusal.to_string())
                }
            })?;
    // The configuration as it is now (its plan applies as it was asked: the same version).
    let mut request = retry.request;
    request.configuration = state.store.configuration(request.configuration.id).await?;
    launch(&state, request, retry.failed, actor).await
}

/// The server's recent pilot runs, newest first (without their reports).
#[utoipa::path(get, path = "/api/pilot-runs", security(("admin_token" = [])),
    responses((status = 200, body = [RunView])))]
pub async fn runs(State(state): State<AppState>) -> Json<Vec<RunView>> {
    Json(state.pilot_runs.list())
}

/// A pilot run: its progress, and its report once finished.
#[utoipa::path(get, path = "/api/pilot-runs/{run}", security(("admin_token" = [])),
    responses((status = 200, body = RunView), (status = 404, body = ErrorBody)))]
pub async fn run(
    State(state): State<AppState>,
    Path(run): Path<String>,
) -> Result<Json<RunView>, AdminError> {
    state
        .pilot_runs
        .get(&run)
        .map(Json)
        .ok_or_else(|| AdminError::new(StatusCode::NOT_FOUND, format!("pilot run {run} not found")))
}

/// Stops a pilot run: users not started yet are skipped.
#[utoipa::path(post, path = "/api/pilot-runs/{run}/stop", security(("admin_token" = [])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn stop(
    State(state): State<AppState>,
    Path(run): Path<String>,
) -> Result<StatusCode, AdminError> {
    if state.pilot_runs.stop(&run) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AdminError::new(
            StatusCode::NOT_FOUND,
            format!("pilot run {run} not found"),
        ))
    }
}
