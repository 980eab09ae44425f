//! The conformance checker through the admin API: runs started in the background against a
//! local configuration's endpoint or a registered remote target, followed live by the UI, and
//! their reports downloaded as JSON, JUnit XML or HTML.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use scim_console_core::ClientProfile;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AdminError;
use super::dto::ErrorBody;
use super::routes::{Body, admin, config_id};
use super::targets::{TargetBody, loopback_origin};
use crate::conformance::report::{self, Format};
use crate::conformance::{self, CheckResult, Options, Report};
use crate::peer::Peer;
use crate::pilot::runs::TemporaryToken;
use crate::state::AppState;

/// How many finished runs are kept.
const KEPT: usize = 20;
/// How many runs may check endpoints at once.
const MAX_RUNNING: usize = 4;

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

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum RunState {
    /// Checking.
    Running,
    /// Done: the report is there.
    Finished,
    /// It could not run: the error says why.
    Failed,
}

/// A run as the UI follows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConformanceRunView {
    /// The run's id.
    pub id: String,
    /// What is checked, for people.
    pub target: String,
    /// Whose rules.
    pub profile: ClientProfile,
    /// Whether writing checks run.
    pub allow_writes: bool,
    /// When it started.
    pub started: DateTime<Utc>,
    /// Where it stands.
    pub state: RunState,
    /// Rules done.
    pub done: usize,
    /// Rules in the run.
    pub total: usize,
    /// The rule being checked.
    pub current: String,
    /// The results so far (in the list of runs: none).
    pub results: Vec<CheckResult>,
    /// The report, once finished (in the list of runs: none).
    pub report: Option<Report>,
    /// Why it could not run.
    pub error: Option<String>,
}

/// The server's conformance runs, newest first.
#[derive(Default)]
pub struct ConformanceRuns {
    runs: Mutex<VecDeque<ConformanceRunView>>,
}

impl ConformanceRuns {
    fn with<T>(&self, id: &str, f: impl FnOnce(&mut ConformanceRunView) -> T) -> Option<T> {
        let mut runs = self.runs.lock().unwrap_or_else(PoisonError::into_inner);
        runs.iter_mut().find(|r| r.id == id).map(f)
    }

    fn add(&self, run: ConformanceRunView) {
        let mut runs = self.runs.lock().unwrap_or_else(PoisonError::into_inner);
        runs.push_front(run);
        while runs.len() > KEPT {
            // Drop the oldest finished run; running ones stay.
            match runs.iter().rposition(|r| r.state != RunState::Running) {
                Some(i) => {
                    runs.remove(i);
                }
                None => break,
            }
        }
    }

    fn running(&self) -> usize {
        self.runs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|r| r.state == RunState::Running)
            .count()
    }

    fn list(&self) -> Vec<ConformanceRunView> {
        self.runs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|r| ConformanceRunView {
                results: Vec::new(),
                report: None,
                ..r.clone()
            })
            .collect()
    }
}

fn bad(field: &'static str, message: impl Into<String>) -> AdminError {
    AdminError::from(scim_console_core::CoreError::invalid(field, message))
}

/// Where a run goes: the endpoint, its credential, and what to undo afterwards.
struct Resolved {
    base_url: String,
    token: scim_console_core::Secret,
    name: String,
    default_profile: ClientProfile,
    temporary: Option<TemporaryToken>,
    trust_any: bool,
}

async fn resolve(
    state: &AppState,
    target: TargetBody,
    actor: &scim_console_core::Actor,
) -> Result<Resolved, AdminError> {
    Ok(match target {
        TargetBody::Remote { target } => {
            let target = state.store.target(&target).await?;
            let endpoint = crate::outbound::resolve(&state.store, &target)
                .await
                .map_err(|e| bad("target", e.to_string()))?;
            let trust = endpoint.trust_any_certificate;
            Resolved {
                base_url: endpoint.base_url.clone(),
                token: (*endpoint.bearer).clone(),
                name: target.name,
                default_profile: ClientProfile::Strict,
                temporary: None,
                trust_any: trust,
            }
        }
        TargetBody::Configuration { configuration_id } => {
            let local = state
                .store
                .configuration(config_id(&configuration_id)?)
                .await?;
            if local.client_authentication.requires_jwt() {
                return Err(bad(
                    "target",
                    format!(
                        "\"{}\" accepts only OAuth clients that authenticate with a signed JWT; register it as a remote target with such a client to check it",
                        local.name
                    ),
                ));
            }
            let (temporary, token) =
                TemporaryToken::issue_for(&state.store, &local, actor, "conformance check")
                    .await
                    .map_err(|e| bad("target", e.to_string()))?;
            Resolved {
                base_url: format!("{}/scim/{}/v2", loopback_origin(state), local.slug),
                token,
                name: format!("configuration {}", local.name),
                default_profile: local.client_profile,
                temporary: Some(temporary),
                trust_any: true,
            }
        }
    })
}

/// Starts a conformance run; follow it at `GET /api/conformance-runs/{run}`.
#[utoipa::path(post, path = "/api/conformance-runs", operation_id = "start_conformance_run", security(("admin_token" = [])), request_body = ConformanceBody,
    responses((status = 202, body = ConformanceRunView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn start(
    State(state): State<AppState>,
    peer: Peer,
    Body(body): Body<ConformanceBody>,
) -> Result<(StatusCode, Json<ConformanceRunView>), AdminError> {
    let rate = body.rate.unwrap_or(10.0);
    conformance::check_rate(rate).map_err(|e| bad("rate", e))?;
    if state.conformance_runs.running() >= MAX_RUNNING {
        return Err(AdminError::new(
            StatusCode::CONFLICT,
            format!(
                "{MAX_RUNNING} conformance runs are running; start another when one has finished"
            ),
        ));
    }
    let actor = admin(&peer);
    let Resolved {
        base_url,
        token,
        name,
        default_profile,
        temporary,
        trust_any,
    } = resolve(&state, body.target, &actor).await?;
    let profile = body.profile.unwrap_or(default_profile);
    let options = Options {
        base_url,
        token,
        profile,
        allow_writes: body.allow_writes,
        rate,
        trust_any_certificate: trust_any,
        only: Vec::new(),
    };
    let id = format!("check_{:016x}", rand::random::<u64>());
    let view = ConformanceRunView {
        id: id.clone(),
        target: name,
        profile,
        allow_writes: body.allow_writes,
        started: Utc::now(),
        state: RunState::Running,
        done: 0,
        total: conformance::rules_for(&options).len(),
        current: String::new(),
        results: Vec::new(),
        report: None,
        error: None,
    };
    state.conformance_runs.add(view.clone());
    let runs = Arc::clone(&state.conformance_runs);
    let store = state.store.clone();
    tracing::info!(run = %id, target = %view.target, ?profile, "conformance run started");
    tokio::spawn(async move {
        let progress_runs = Arc::clone(&runs);
        let progress_id = id.clone();
        let outcome = conformance::run(options, move |p| {
            progress_runs.with(&progress_id, |r| {
                r.done = p.done;
                r.total = p.total;
                r.current = p.current;
                if let Some(last) = p.last {
                    r.results.push(last);
                }
            });
        })
        .await;
        if let Some(temporary) = temporary {
            temporary.revoke(&store, &actor).await;
        }
        runs.with(&id, |r| match outcome {
            Ok(report) => {
                r.state = RunState::Finished;
                r.results.clone_from(&report.results);
                r.report = Some(report);
            }
            Err(error) => {
                r.state = RunState::Failed;
                r.error = Some(error);
            }
        });
    });
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
    Query(query): Query<ReportQuery>,
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
