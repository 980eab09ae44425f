//! `/api/configurations/{id}/rekey`: user ids converted to emails — previewed, applied
//! (audited, kept) and undone from the conversion's record.

use axum::Json;
use axum::extract::{Path, State};
use scim_console_core::directory::rekey::{RekeyBatch, RekeyPreview};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AdminError;
use super::dto::ErrorBody;
use super::extract::{Acting, ConfigPath};
use crate::state::AppState;

/// The routes.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(preview, convert))
        .routes(routes!(conversions))
        .routes(routes!(undo))
}

/// What converting the short-name user ids to emails would do: each change, each clash.
#[utoipa::path(get, path = "/api/configurations/{id}/rekey", security(("admin_token" = [])),
    responses((status = 200, body = RekeyPreview), (status = 404, body = ErrorBody)))]
pub async fn preview(
    State(state): State<AppState>,
    ConfigPath(configuration): ConfigPath,
) -> Result<Json<RekeyPreview>, AdminError> {
    Ok(Json(
        state
            .store
            .rekey_preview(&configuration, &state.registry)
            .await?,
    ))
}

/// Converts them: each user whose userName is a short name takes its primary email (judged
/// again now; clashes are left alone). Audited; undo it with `…/rekeys/{batch}/undo`.
#[utoipa::path(post, path = "/api/configurations/{id}/rekey", security(("admin_token" = [])),
    responses((status = 200, body = RekeyBatch), (status = 404, body = ErrorBody)))]
pub async fn convert(
    State(state): State<AppState>,
    Acting(actor): Acting,
    ConfigPath(configuration): ConfigPath,
) -> Result<Json<RekeyBatch>, AdminError> {
    Ok(Json(
        state
            .store
            .rekey_users(&configuration, &state.registry, &actor)
            .await?,
    ))
}

/// The configuration's conversions, newest first.
#[utoipa::path(get, path = "/api/configurations/{id}/rekeys", security(("admin_token" = [])),
    responses((status = 200, body = Vec<RekeyBatch>), (status = 404, body = ErrorBody)))]
pub async fn conversions(
    State(state): State<AppState>,
    ConfigPath(configuration): ConfigPath,
) -> Result<Json<Vec<RekeyBatch>>, AdminError> {
    Ok(Json(state.store.rekey_batches(&configuration).await?))
}

/// Undoes a conversion: its users get their short names back (those renamed since are left).
#[utoipa::path(post, path = "/api/configurations/{id}/rekeys/{batch}/undo", security(("admin_token" = [])),
    responses((status = 200, body = RekeyBatch), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn undo(
    State(state): State<AppState>,
    Acting(actor): Acting,
    ConfigPath(configuration): ConfigPath,
    Path((_, batch)): Path<(String, String)>,
) -> Result<Json<RekeyBatch>, AdminError> {
    Ok(Json(
        state
            .store
            .undo_rekey(&configuration, &state.registry, &batch, &actor)
            .await?,
    ))
}
