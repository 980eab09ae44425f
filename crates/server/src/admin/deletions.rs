//! `/api/configurations/{id}/deletion-threshold` and `/held-deletions`: the accidental-deletion
//! threshold of a configuration, and the deletions it holds, released or discarded by an admin.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use scim_console_core::deletions::held::{Decided, HeldDeletion, Selection};
use scim_console_core::deletions::{DeletionThreshold, ThresholdSettings};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AdminError;
use super::dto::ErrorBody;
use super::extract::{Acting, Body, ConfigPath};
use crate::state::AppState;

/// The routes of the threshold and the held deletions.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(threshold, set_threshold, clear_threshold))
        .routes(routes!(held))
        .routes(routes!(release))
        .routes(routes!(discard))
}

/// The configuration's threshold, if it has one.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ThresholdView {
    /// The threshold; absent when every deletion goes through.
    pub threshold: Option<ThresholdSettings>,
}

/// The accidental-deletion threshold: how many user deletions and deactivations may go
/// through within a window before further ones are held.
#[utoipa::path(get, path = "/api/configurations/{id}/deletion-threshold", security(("admin_token" = [])),
    responses((status = 200, body = ThresholdView), (status = 404, body = ErrorBody)))]
pub async fn threshold(
    State(state): State<AppState>,
    ConfigPath(configuration): ConfigPath,
) -> Result<Json<ThresholdView>, AdminError> {
    Ok(Json(ThresholdView {
        threshold: state.store.deletion_threshold(configuration.id).await?,
    }))
}

/// Sets the threshold (`{"limit": {"count": 10}, "windowMinutes": 60}` or `{"percent": 5}`).
/// The first time, a "Deletions held" alert rule is added to the configuration.
#[utoipa::path(put, path = "/api/configurations/{id}/deletion-threshold", security(("admin_token" = [])), request_body = DeletionThreshold,
    responses((status = 200, body = ThresholdSettings), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_threshold(
    State(state): State<AppState>,
    Acting(actor): Acting,
    ConfigPath(configuration): ConfigPath,
    Body(body): Body<DeletionThreshold>,
) -> Result<Json<ThresholdSettings>, AdminError> {
    Ok(Json(
        state
            .store
            .set_deletion_threshold(&configuration, &body, &actor)
            .await?,
    ))
}

/// Removes the threshold: deletions go through again (held ones wait for a decision).
#[utoipa::path(delete, path = "/api/configurations/{id}/deletion-threshold", security(("admin_token" = [])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn clear_threshold(
    State(state): State<AppState>,
    Acting(actor): Acting,
    ConfigPath(configuration): ConfigPath,
) -> Result<StatusCode, AdminError> {
    state
        .store
        .clear_deletion_threshold(&configuration, &actor)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The deletions and deactivations the threshold holds, oldest first.
#[utoipa::path(get, path = "/api/configurations/{id}/held-deletions", security(("admin_token" = [])),
    responses((status = 200, body = Vec<HeldDeletion>), (status = 404, body = ErrorBody)))]
pub async fn held(
    State(state): State<AppState>,
    ConfigPath(configuration): ConfigPath,
) -> Result<Json<Vec<HeldDeletion>>, AdminError> {
    Ok(Json(state.store.held_deletions(configuration.id).await?))
}

/// Which held deletions a decision takes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DecisionBody {
    /// Their ids; absent: every one held now.
    #[serde(default)]
    pub ids: Option<Vec<String>>,
}

impl DecisionBody {
    fn selection(self) -> Selection {
        self.ids.map_or(Selection::All, Selection::Ids)
    }
}

/// Releases held deletions: each is applied now (the user deleted, or deactivated).
#[utoipa::path(post, path = "/api/configurations/{id}/held-deletions/release", security(("admin_token" = [])), request_body = DecisionBody,
    responses((status = 200, body = Decided), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn release(
    State(state): State<AppState>,
    Acting(actor): Acting,
    ConfigPath(configuration): ConfigPath,
    Body(body): Body<DecisionBody>,
) -> Result<Json<Decided>, AdminError> {
    Ok(Json(
        state
            .store
            .release_deletions(&configuration, &state.registry, &body.selection(), &actor)
            .await?,
    ))
}

/// Discards held deletions: the users stay as they are.
#[utoipa::path(post, path = "/api/configurations/{id}/held-deletions/discard", security(("admin_token" = [])), request_body = DecisionBody,
    responses((status = 200, body = Decided), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn discard(
    State(state): State<AppState>,
    Acting(actor): Acting,
    ConfigPath(configuration): ConfigPath,
    Body(body): Body<DecisionBody>,
) -> Result<Json<Decided>, AdminError> {
    Ok(Json(
        state
            .store
            .discard_deletions(&configuration, &body.selection(), &actor)
            .await?,
    ))
}
