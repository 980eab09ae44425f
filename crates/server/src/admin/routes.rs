//! The admin API handlers.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use scim_console_core::ConfigurationId;

use super::AdminError;
use super::dto::{
    ConfigurationChanges, ConfigurationView, ErrorBody, Health, IssuedTokenView,
    NewConfigurationBody, NewTokenBody, TokenView,
};
use crate::scim::http::header_text;
use crate::state::AppState;

/// A JSON body whose problems are reported as admin API errors.
pub struct Body<T>(pub T);

impl<T: serde::de::DeserializeOwned> FromRequest<AppState> for Body<T> {
    type Rejection = AdminError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Self(v)),
            Err(rejection) => {
                let message = match rejection {
                    JsonRejection::MissingJsonContentType(_) => {
                        "send the body as application/json".to_owned()
                    }
                    other => other.body_text(),
                };
                Err(AdminError::new(StatusCode::BAD_REQUEST, message))
            }
        }
    }
}

fn origin(state: &AppState, headers: &HeaderMap) -> String {
    let host = header_text(headers, &header::HOST).unwrap_or("localhost");
    format!("{}://{host}", state.scheme)
}

fn config_id(id: &str) -> Result<ConfigurationId, AdminError> {
    ConfigurationId::parse(id).ok_or_else(|| {
        AdminError::new(
            StatusCode::NOT_FOUND,
            format!("configuration {id} not found"),
        )
    })
}

/// Liveness and version.
#[utoipa::path(get, path = "/api/health", responses((status = 200, body = Health)))]
pub async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

/// Every configuration, by name.
#[utoipa::path(get, path = "/api/configurations", security(("admin_token" = [])),
    responses((status = 200, body = [ConfigurationView]), (status = 401, body = ErrorBody)))]
pub async fn list_configurations(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Vec<ConfigurationView>>, AdminError> {
    let origin = origin(&state, &headers);
    let list = state.store.list_configurations().await?;
    Ok(Json(
        list.into_iter()
            .map(|c| ConfigurationView::new(c, &origin))
            .collect(),
    ))
}

/// Creates a configuration.
#[utoipa::path(post, path = "/api/configurations", security(("admin_token" = [])), request_body = NewConfigurationBody,
    responses((status = 201, body = ConfigurationView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_configuration(
    State(state): State<AppState>,
    headers: HeaderMap,
    Body(body): Body<NewConfigurationBody>,
) -> Result<(StatusCode, Json<ConfigurationView>), AdminError> {
    let created = state.store.create_configuration(body.into()).await?;
    tracing::info!(configuration = %created.id, name = %created.name, "configuration created");
    Ok((
        StatusCode::CREATED,
        Json(ConfigurationView::new(created, &origin(&state, &headers))),
    ))
}

/// One configuration.
#[utoipa::path(get, path = "/api/configurations/{id}", security(("admin_token" = [])),
    responses((status = 200, body = ConfigurationView), (status = 404, body = ErrorBody)))]
pub async fn get_configuration(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<ConfigurationView>, AdminError> {
    let c = state.store.configuration(config_id(&id)?).await?;
    Ok(Json(ConfigurationView::new(c, &origin(&state, &headers))))
}

/// Changes a configuration.
#[utoipa::path(patch, path = "/api/configurations/{id}", security(("admin_token" = [])), request_body = ConfigurationChanges,
    responses((status = 200, body = ConfigurationView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_configuration(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Body(changes): Body<ConfigurationChanges>,
) -> Result<Json<ConfigurationView>, AdminError> {
    let updated = state
        .store
        .update_configuration(config_id(&id)?, changes.into())
        .await?;
    tracing::info!(configuration = %updated.id, "configuration updated");
    Ok(Json(ConfigurationView::new(
        updated,
        &origin(&state, &headers),
    )))
}

/// Deletes a configuration with its tokens and directory.
#[utoipa::path(delete, path = "/api/configurations/{id}", security(("admin_token" = [])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_configuration(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, AdminError> {
    let id = config_id(&id)?;
    state.store.delete_configuration(id).await?;
    tracing::info!(configuration = %id, "configuration deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// The tokens of a configuration (never their secrets).
#[utoipa::path(get, path = "/api/configurations/{id}/tokens", security(("admin_token" = [])),
    responses((status = 200, body = [TokenView]), (status = 404, body = ErrorBody)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<TokenView>>, AdminError> {
    let id = config_id(&id)?;
    state.store.configuration(id).await?;
    Ok(Json(
        state
            .store
            .list_tokens(id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Creates a token; the response is the only time it is shown.
#[utoipa::path(post, path = "/api/configurations/{id}/tokens", security(("admin_token" = [])), request_body = NewTokenBody,
    responses((status = 201, body = IssuedTokenView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Body(body): Body<NewTokenBody>,
) -> Result<(StatusCode, Json<IssuedTokenView>), AdminError> {
    let id = config_id(&id)?;
    let configuration = state.store.configuration(id).await?;
    let issued = state.store.create_token(id, &body.label).await?;
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

/// Revokes a token at once.
#[utoipa::path(delete, path = "/api/configurations/{id}/tokens/{token_id}", security(("admin_token" = [])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    Path((id, token_id)): Path<(String, String)>,
) -> Result<StatusCode, AdminError> {
    let id = config_id(&id)?;
    state.store.revoke_token(id, &token_id).await?;
    tracing::info!(configuration = %id, token = %token_id, "token revoked");
    Ok(StatusCode::NO_CONTENT)
}
