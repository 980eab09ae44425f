//! Remote targets (SCIM service providers the console calls) and pilot runs into them or into
//! a local configuration's endpoint.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use scim_console_core::Secret;
use scim_console_core::mapping::provider::Provider;
use scim_console_core::targets::{NewTarget, RemoteTarget, TargetAuth};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AdminError;
use super::dto::ErrorBody;
use super::routes::{Body, admin, config_id};
use crate::outbound::Pace;
use crate::peer::Peer;
use crate::pilot::runs::{self, Launch, RunView, TemporaryToken};
use crate::pilot::source::{self, Source};
use crate::probe::{self, Report};
use crate::state::AppState;

/// A target to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewTargetBody {
    /// Its name, unique in the console.
    pub name: String,
    /// The SCIM base URL.
    pub base_url: String,
    /// How to authenticate (default: a bearer token).
    #[serde(default)]
    pub auth: Option<TargetAuth>,
    /// The bearer token, or the OAuth client secret. Kept in the OS keychain; never shown again.
    pub secret: String,
}

/// A target just added.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddedTargetView {
    /// The target.
    pub target: RemoteTarget,
    /// Why the credential is sealed in the database instead of the OS keychain, if it is.
    pub keychain_unavailable: Option<String>,
}

/// Every remote target, by name.
#[utoipa::path(get, path = "/api/targets", security(("admin_token" = [])),
    responses((status = 200, body = [RemoteTarget])))]
pub async fn list(State(state): State<AppState>) -> Result<Json<Vec<RemoteTarget>>, AdminError> {
    Ok(Json(state.store.targets().await?))
}

/// Adds a remote target; its credential goes to the OS keychain (or, without one, is sealed
/// with the master key).
#[utoipa::path(post, path = "/api/targets", security(("admin_token" = [])), request_body = NewTargetBody,
    responses((status = 201, body = AddedTargetView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn add(
    State(state): State<AppState>,
    peer: Peer,
    Body(body): Body<NewTargetBody>,
) -> Result<(StatusCode, Json<AddedTargetView>), AdminError> {
    let added = state
        .store
        .add_target(
            NewTarget {
                name: body.name,
                base_url: body.base_url,
                auth: body.auth.unwrap_or(TargetAuth::Bearer),
                secret: Secret::new(body.secret),
            },
            &admin(&peer),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(AddedTargetView {
            target: added.target,
            keychain_unavailable: added.keychain_unavailable,
        }),
    ))
}

/// Removes a target and its keychain entry.
#[utoipa::path(delete, path = "/api/targets/{target}", security(("admin_token" = [])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    Path(target): Path<String>,
    peer: Peer,
) -> Result<StatusCode, AdminError> {
    state.store.remove_target(&target, &admin(&peer)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Tests a stored target: its credential, discovery, that credentials are required, Entra's
/// and Okta's test queries, groups.
#[utoipa::path(post, path = "/api/targets/{target}/test", operation_id = "target_test", security(("admin_token" = [])),
    responses((status = 200, body = Report), (status = 404, body = ErrorBody)))]
pub async fn test(
    State(state): State<AppState>,
    Path(target): Path<String>,
) -> Result<Json<Report>, AdminError> {
    let target = state.store.target(&target).await?;
    let report = probe::test_target(&state.store, &target).await;
    state
        .store
        .record_target_test(&target.id, report.ok)
        .await?;
    Ok(Json(report))
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

fn bad(field: &'static str, message: impl Into<String>) -> AdminError {
    AdminError::from(scim_console_core::CoreError::invalid(field, message))
}

/// The loopback origin of this server's own endpoint.
pub(crate) fn loopback_origin(state: &AppState) -> String {
    let bind = state.info.bind;
    let ip = match bind.ip() {
        std::net::IpAddr::V4(v4) if v4.is_unspecified() => "127.0.0.1".to_owned(),
        std::net::IpAddr::V6(v6) if v6.is_unspecified() => "[::1]".to_owned(),
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => format!("[{v6}]"),
    };
    format!("{}://{ip}:{}", state.scheme, bind.port())
}

async fn read_source(state: &AppState, body: SourceBody) -> Result<Source, AdminError> {
    match body {
        SourceBody::Csv { content } => {
            source::from_csv(content.as_bytes()).map_err(|e| bad("source", e.0))
        }
        SourceBody::Json { content } => {
            source::from_json(content.as_bytes()).map_err(|e| bad("source", e.0))
        }
        SourceBody::Configuration { configuration_id } => {
            let configuration = state
                .store
                .configuration(config_id(&configuration_id)?)
                .await?;
            source::from_configuration(&state.store, &state.registry, &configuration)
                .await
                .map_err(|e| bad("source", e.0))
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
    peer: Peer,
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
    let concurrency = body.concurrency.unwrap_or(4);
    if !(1..=32).contains(&concurrency) {
        return Err(bad("concurrency", "must be between 1 and 32"));
    }
    let rate = body.rate.unwrap_or(20.0);
    if !rate.is_finite() || !(0.0..=10_000.0).contains(&rate) {
        return Err(bad(
            "rate",
            "must be between 0 (no limit) and 10000 requests per second",
        ));
    }
    let pilot = runs::prepare(
        &state.store,
        &state.registry,
        &configuration,
        plan,
        body.behave_as,
        body.dry_run,
        concurrency,
    )
    .await
    .map_err(|e| match e {
        runs::PilotError::Core(c) => AdminError::from(c),
        other => bad("plan", other.to_string()),
    })?;
    let source = read_source(&state, body.source).await?;
    let pace = Pace {
        rate,
        ..Pace::default()
    };
    let provider = pilot.provider.provider;
    let actor = admin(&peer);
    let (client, target_name, cleanup) = match body.target {
        TargetBody::Remote { target } => {
            let target = state.store.target(&target).await?;
            let endpoint = crate::outbound::resolve(&state.store, &target)
                .await
                .map_err(|e| bad("target", e.to_string()))?;
            let client = runs::client(
                endpoint,
                provider,
                pace,
                Some((state.logs.clone(), &configuration)),
            )
            .map_err(|e| bad("target", e.to_string()))?;
            (client, target.name, None)
        }
        TargetBody::Configuration { configuration_id } => {
            let local = state
                .store
                .configuration(config_id(&configuration_id)?)
                .await?;
            let (temporary, token) = TemporaryToken::issue(&state.store, &local, &actor)
                .await
                .map_err(|e| bad("target", e.to_string()))?;
            let endpoint = runs::local_endpoint(&loopback_origin(&state), &local, token);
            let name = endpoint.name.clone();
            let client = runs::client(endpoint, provider, pace, None)
                .map_err(|e| bad("target", e.to_string()))?;
            let store = state.store.clone();
            let cleanup: Box<dyn FnOnce() -> futures_util::future::BoxFuture<'static, ()> + Send> =
                Box::new(move || {
                    Box::pin(async move {
                        temporary.revoke(&store, &actor).await;
                    })
                });
            (client, name, Some(cleanup))
        }
    };
    let id = state.pilot_runs.start(Launch {
        pilot,
        client,
        target: target_name,
        source,
        configuration_id: configuration.id.to_string(),
        cleanup,
    });
    let view = state
        .pilot_runs
        .get(&id)
        .ok_or_else(|| AdminError::new(StatusCode::INTERNAL_SERVER_ERROR, "the run vanished"))?;
    Ok((StatusCode::ACCEPTED, Json(view)))
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
