//! `/api/targets`: remote targets (SCIM service providers the console calls) added, listed,
//! removed and tested.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use scim_console_core::Secret;
use scim_console_core::targets::{NewTarget, RemoteTarget, TargetAuth};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AdminError;
use super::dto::ErrorBody;
use super::extract::{Acting, Body};
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
    Acting(actor): Acting,
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
            &actor,
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
    Acting(actor): Acting,
) -> Result<StatusCode, AdminError> {
    state.store.remove_target(&target, &actor).await?;
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
    Ok(Json(
        probe::test_stored_target(&state.store, &target).await?,
    ))
}

/// The routes of remote targets.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, add))
        .routes(routes!(remove))
        .routes(routes!(test))
}
