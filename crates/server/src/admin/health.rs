//! `/api/configurations/{id}/health`: how a configuration's provisioning goes — healthy,
//! degraded or failing, with the reason — and, per user, the last failure and whether a later
//! request succeeded.

use axum::Json;
use axum::extract::State;
use scim_console_core::logs::health::ConfigurationHealth;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AdminError;
use super::dto::ErrorBody;
use super::extract::{ConfigPath, Params};
use crate::state::AppState;

/// The route.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(configuration_health))
}

/// The window.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HealthQuery {
    /// Hours looked back, 1 to 168 (default 24).
    hours: Option<u32>,
}

/// The configuration's provisioning health: its state with the reason, the last hour's
/// requests and failures, and the users whose requests failed (unresolved first).
#[utoipa::path(get, path = "/api/configurations/{id}/health", security(("admin_token" = [])), params(HealthQuery),
    responses((status = 200, body = ConfigurationHealth), (status = 404, body = ErrorBody)))]
pub async fn configuration_health(
    State(state): State<AppState>,
    ConfigPath(configuration): ConfigPath,
    Params(query): Params<HealthQuery>,
) -> Result<Json<ConfigurationHealth>, AdminError> {
    Ok(Json(
        state
            .store
            .configuration_health(&configuration, query.hours.unwrap_or(24))
            .await?,
    ))
}
