//! A configuration's bearer tokens — listed (never their secrets), created (shown once),
//! rotated with a grace window, revoked — and the check of every configuration's tokens.
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use scim_console_core::{NewToken, Rotation};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AdminError;
use super::dto::{
    ErrorBody, IssuedTokenView, NewTokenBody, RotateTokenBody, RotatedTokenView, TokenCheckView,
    TokenView,
};
use super::extract::{Acting, Body, ConfigId, ConfigPath, Params, origin};
use crate::state::AppState;

/// The token routes.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
        .routes(routes!(rotate_token))
        .routes(routes!(check_tokens))
}

/// The tokens of a configuration (never their secrets).
#[utoipa::path(get, path = "/api/configurations/{id}/tokens", security(("admin_token" = [])),
    responses((status = 200, body = [TokenView]), (status = 404, body = ErrorBody)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    ConfigPath(configuration): ConfigPath,
) -> Result<Json<Vec<TokenView>>, AdminError> {
    Ok(Json(
        state
            .store
            .list_tokens(configuration.id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Creates a token; the response is the only time it is shown.
#[utoipa::path(post, path = "/api/configurations/{id}/tokens", security(("admin_token" = [])), request_body = NewTokenBody,
    responses((status = 201, body = IssuedTokenView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    Acting(actor): Acting,
    ConfigPath(configuration): ConfigPath,
    Body(body): Body<NewTokenBody>,
) -> Result<(StatusCode, Json<IssuedTokenView>), AdminError> {
    let id = configuration.id;
    let new = NewToken {
        label: body.label,
        expires: body.expires,
    };
    let issued = state.store.create_token(id, &new, &actor).await?;
    tracing::info!(configuration = %id, token = %issued.info.id, "token created");
    let base = format!(
        "{}/scim/{}/v2",
        origin(&state, &headers),
        configuration.slug
    );
    Ok((
        StatusCode::CREATED,
        Json(IssuedTokenView::new(issued, base)),
    ))
}

/// Rotates a token: issues its replacement (shown this once) and revokes the old one when the
/// grace window ends — at once without one.
#[utoipa::path(post, path = "/api/configurations/{id}/tokens/{token_id}/rotate", security(("admin_token" = [])), request_body = RotateTokenBody,
    responses((status = 201, body = RotatedTokenView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn rotate_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    Acting(actor): Acting,
    ConfigPath(configuration): ConfigPath,
    Path((_, token_id)): Path<(String, String)>,
    Body(body): Body<RotateTokenBody>,
) -> Result<(StatusCode, Json<RotatedTokenView>), AdminError> {
    let id = configuration.id;
    let grace_seconds = body.grace_seconds.unwrap_or_else(|| {
        u64::from(configuration.token_policy.rotation_grace_hours.unwrap_or(0)) * 3_600
    });
    let rotation = Rotation {
        grace: std::time::Duration::from_secs(grace_seconds),
        expires: body.expires,
        label: body.label,
    };
    let (old, new) = state
        .store
        .rotate_token(id, &token_id, &rotation, &actor)
        .await?;
    tracing::info!(configuration = %id, token = %token_id, new_token = %new.info.id, grace_seconds, "token rotated");
    let base = format!(
        "{}/scim/{}/v2",
        origin(&state, &headers),
        configuration.slug
    );
    Ok((
        StatusCode::CREATED,
        Json(RotatedTokenView {
            old: old.into(),
            new: IssuedTokenView::new(new, base),
        }),
    ))
}

/// Revokes a token at once (also one in a rotation's grace window).
#[utoipa::path(delete, path = "/api/configurations/{id}/tokens/{token_id}", security(("admin_token" = [])),
    responses((status = 200, body = TokenView), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    Acting(actor): Acting,
    ConfigId(id): ConfigId,
    Path((_, token_id)): Path<(String, String)>,
) -> Result<Json<TokenView>, AdminError> {
    let revoked = state.store.revoke_token(id, &token_id, &actor).await?;
    tracing::info!(configuration = %id, token = %token_id, "token revoked");
    Ok(Json(revoked.into()))
}

/// Query of the token check.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct CheckQuery {
    /// Report tokens expiring within this many days (default 14).
    within_days: Option<u32>,
}

/// Tokens of every configuration that are expired, expire soon or are overdue for rotation.
#[utoipa::path(get, path = "/api/tokens/check", security(("admin_token" = [])), params(CheckQuery),
    responses((status = 200, body = TokenCheckView)))]
pub async fn check_tokens(
    State(state): State<AppState>,
    Params(query): Params<CheckQuery>,
) -> Result<Json<TokenCheckView>, AdminError> {
    let days = u64::from(query.within_days.unwrap_or(14));
    let check = state
        .store
        .check_tokens(std::time::Duration::from_secs(days * 86_400))
        .await?;
    Ok(Json(check.into()))
}
