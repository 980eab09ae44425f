//! `/api/configurations/{id}/promotion`: QA → production. A QA configuration is paired with its
//! production one; its current plan is compared with production's side by side; promoting
//! saves it as production's new version (the previous one stays a rollback away). Pairing and
//! promoting need write access to production's mapping plan too.

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use scim_console_core::Configuration;
use scim_console_core::administrators::roles::{Access, Area};
use scim_console_core::mapping::promotion::{Promoted, Promotion};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AdminError;
use super::access::{Caller, Need};
use super::dto::ErrorBody;
use super::extract::{Acting, Body, ConfigPath, config_id};
use crate::state::AppState;

/// The routes.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(promotion, pair, unpair))
        .routes(routes!(promote))
}

/// Whether the caller may change production's mapping plan.
fn may_change(caller: &Caller, production: &Configuration) -> Result<(), AdminError> {
    caller.check(Some(Need::Area {
        area: Area::Mapping,
        access: Access::Write,
        configuration: Some(Some(production.id)),
    }))
}

/// QA's pairing and what promoting would change: production's plan and QA's side by side,
/// section by section (fields, validators, rules, matching, scoping, settings).
#[utoipa::path(get, path = "/api/configurations/{id}/promotion", security(("admin_token" = [])),
    responses((status = 200, body = Promotion), (status = 404, body = ErrorBody)))]
pub async fn promotion(
    State(state): State<AppState>,
    ConfigPath(qa): ConfigPath,
) -> Result<Json<Promotion>, AdminError> {
    Ok(Json(state.store.promotion(&qa).await?))
}

/// The production configuration to pair with.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PairBody {
    /// Its id.
    pub production: String,
}

/// Pairs this (QA) configuration with its production one.
#[utoipa::path(put, path = "/api/configurations/{id}/promotion", security(("admin_token" = [])), request_body = PairBody,
    responses((status = 200, body = Promotion), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn pair(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Acting(actor): Acting,
    ConfigPath(qa): ConfigPath,
    Body(body): Body<PairBody>,
) -> Result<Json<Promotion>, AdminError> {
    let production = state
        .store
        .configuration(config_id(&body.production)?)
        .await?;
    may_change(&caller, &production)?;
    state
        .store
        .pair_configurations(&qa, &production, &actor)
        .await?;
    Ok(Json(state.store.promotion(&qa).await?))
}

/// Ends the pairing.
#[utoipa::path(delete, path = "/api/configurations/{id}/promotion", security(("admin_token" = [])),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn unpair(
    State(state): State<AppState>,
    Acting(actor): Acting,
    ConfigPath(qa): ConfigPath,
) -> Result<StatusCode, AdminError> {
    state.store.unpair_configuration(&qa, &actor).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The QA version reviewed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PromoteBody {
    /// QA's plan version the admin compared (409 when QA has moved on since).
    pub qa_version: i64,
}

/// Promotes QA's plan to production as a new version; production's previous version is given
/// back, to roll back to.
#[utoipa::path(post, path = "/api/configurations/{id}/promotion/promote", security(("admin_token" = [])), request_body = PromoteBody,
    responses((status = 200, body = Promoted), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn promote(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Acting(actor): Acting,
    ConfigPath(qa): ConfigPath,
    Body(body): Body<PromoteBody>,
) -> Result<Json<Promoted>, AdminError> {
    if let Some((production, _, _)) = state.store.paired_production(qa.id).await? {
        may_change(&caller, &production)?;
    }
    Ok(Json(
        state
            .store
            .promote(&qa, body.qa_version, state.registry.user(), &actor)
            .await?,
    ))
}
