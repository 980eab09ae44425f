//! `/api/configurations`: SCIM configurations listed, created, read, changed and deleted.
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};
use scim_console_core::administrators::roles::{Access, Area};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AdminError;
use super::access::{Caller, Need};
use super::dto::{
    ConfigurationChanges, ConfigurationView, ErrorBody, HealthSummaryView, NewConfigurationBody,
    TOKEN_DUE_DAYS, TokenDueView,
};
use super::extract::{Acting, Body, ConfigId, ConfigPath, origin};
use crate::state::AppState;

/// The configuration routes.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_configurations, create_configuration))
        .routes(routes!(
            get_configuration,
            update_configuration,
            delete_configuration
        ))
}

/// Every configuration, by name.
#[utoipa::path(get, path = "/api/configurations", security(("admin_token" = [])),
    responses((status = 200, body = [ConfigurationView]), (status = 401, body = ErrorBody)))]
pub async fn list_configurations(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Result<Json<Vec<ConfigurationView>>, AdminError> {
    let origin = origin(&state, &headers);
    let list = state.store.list_configurations().await?;
    let mut due = state.store.token_deadlines_within(TOKEN_DUE_DAYS).await?;
    // An administrator whose roles are limited to some configurations sees those only.
    let mut views = Vec::new();
    for c in list
        .into_iter()
        .filter(|c| caller.covers(Area::Configurations, c.id))
    {
        let token_due = due.remove(&c.id).map(|d| TokenDueView {
            kind: d.kind,
            at: d.at,
        });
        // Bounded per configuration (see `logs::health`); a log that cannot be read leaves
        // the list readable, without the health it could not judge.
        let health = match state.store.configuration_health(&c, 24).await {
            Ok(h) => Some(HealthSummaryView::from(h)),
            Err(error) => {
                tracing::warn!(%error, configuration = %c.id, "health not judged");
                None
            }
        };
        views.push(ConfigurationView {
            token_due,
            health,
            ..ConfigurationView::new(c, &origin)
        });
    }
    Ok(Json(views))
}

/// Creates a configuration.
#[utoipa::path(post, path = "/api/configurations", security(("admin_token" = [])), request_body = NewConfigurationBody,
    responses((status = 201, body = ConfigurationView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_configuration(
    State(state): State<AppState>,
    headers: HeaderMap,
    Acting(actor): Acting,
    Body(body): Body<NewConfigurationBody>,
) -> Result<(StatusCode, Json<ConfigurationView>), AdminError> {
    let template = body.plan_template;
    let created = state
        .store
        .create_configuration_from_template(
            body.into_new()?,
            template,
            state.registry.user(),
            &actor,
        )
        .await?;
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
    ConfigPath(configuration): ConfigPath,
) -> Json<ConfigurationView> {
    Json(ConfigurationView::new(
        configuration,
        &origin(&state, &headers),
    ))
}

/// Changes a configuration.
#[utoipa::path(patch, path = "/api/configurations/{id}", security(("admin_token" = [])), request_body = ConfigurationChanges,
    responses((status = 200, body = ConfigurationView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn update_configuration(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Acting(actor): Acting,
    ConfigId(id): ConfigId,
    Body(changes): Body<ConfigurationChanges>,
) -> Result<Json<ConfigurationView>, AdminError> {
    // A change is judged by the fields it changes (the guard let every role through).
    for area in changes.areas() {
        caller.check(Some(Need::Area {
            area,
            access: Access::Write,
            configuration: Some(Some(id)),
        }))?;
    }
    let updated = state
        .store
        .update_configuration(id, changes.into(), &actor)
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
    Acting(actor): Acting,
    ConfigId(id): ConfigId,
) -> Result<StatusCode, AdminError> {
    state.store.delete_configuration(id, &actor).await?;
    tracing::info!(configuration = %id, "configuration deleted");
    Ok(StatusCode::NO_CONTENT)
}
