//! A configuration's OAuth 2.0 clients (client credentials for its token endpoint): listed
//! (never their secrets), created (the secret shown once), revoked.
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AdminError;
use super::dto::{ErrorBody, IssuedClientView, NewClientBody, OAuthClientView};
use super::extract::{Acting, Body, ConfigId, ConfigPath, origin};
use crate::state::AppState;

/// The OAuth client routes.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_oauth_clients, create_oauth_client))
        .routes(routes!(revoke_oauth_client))
}

/// The OAuth clients of a configuration (never their secrets).
#[utoipa::path(get, path = "/api/configurations/{id}/oauth-clients", security(("admin_token" = [])),
    responses((status = 200, body = [OAuthClientView]), (status = 404, body = ErrorBody)))]
pub async fn list_oauth_clients(
    State(state): State<AppState>,
    ConfigId(id): ConfigId,
) -> Result<Json<Vec<OAuthClientView>>, AdminError> {
    Ok(Json(
        state
            .store
            .list_oauth_clients(id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Creates an OAuth client; the response is the only time its secret is shown.
#[utoipa::path(post, path = "/api/configurations/{id}/oauth-clients", security(("admin_token" = [])), request_body = NewClientBody,
    responses((status = 201, body = IssuedClientView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_oauth_client(
    State(state): State<AppState>,
    headers: HeaderMap,
    Acting(actor): Acting,
    ConfigPath(configuration): ConfigPath,
    Body(body): Body<NewClientBody>,
) -> Result<(StatusCode, Json<IssuedClientView>), AdminError> {
    let id = configuration.id;
    let issued = state
        .store
        .create_oauth_client(id, &body.label, body.keys()?, &actor)
        .await?;
    tracing::info!(configuration = %id, client = %issued.info.client_id, "OAuth client created");
    Ok((
        StatusCode::CREATED,
        Json(IssuedClientView::new(
            issued,
            &origin(&state, &headers),
            &configuration.slug,
        )),
    ))
}

/// Revokes an OAuth client: its access and refresh tokens stop working at once.
#[utoipa::path(delete, path = "/api/configurations/{id}/oauth-clients/{client_id}", security(("admin_token" = [])),
    responses((status = 200, body = OAuthClientView), (status = 404, body = ErrorBody)))]
pub async fn revoke_oauth_client(
    State(state): State<AppState>,
    Acting(actor): Acting,
    ConfigId(id): ConfigId,
    Path((_, client_id)): Path<(String, String)>,
) -> Result<Json<OAuthClientView>, AdminError> {
    let revoked = state
        .store
        .revoke_oauth_client(id, &client_id, &actor)
        .await?;
    tracing::info!(configuration = %id, client = %client_id, "OAuth client revoked");
    Ok(Json(revoked.into()))
}
