//! A configuration's directory for the admin: users and groups by name, searchable, and each
//! one whole (as SCIM would return it, password never).

use axum::Json;
use axum::extract::{Path, State};
use scim_console_core::directory::browse::{Browse, BrowsePage, GroupSummary, Order, UserSummary};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AdminError;
use super::extract::{ConfigPath, Params};
use crate::state::AppState;

/// Which page of a directory listing.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BrowseParams {
    /// Text the name, display name or externalId contains (any case).
    search: Option<String>,
    /// The order: `name` (the default), `nameDescending`, `created` (oldest first) or
    /// `createdDescending` (newest first).
    #[param(inline)]
    order: Option<Order>,
    /// The `next` of the previous page of the same order.
    after: Option<String>,
    /// Page size, 1 to 500 (default 100).
    limit: Option<u32>,
}

impl BrowseParams {
    fn browse(self) -> Browse {
        Browse {
            search: self.search,
            order: self.order.unwrap_or_default(),
            after: self.after,
            limit: self.limit.unwrap_or(0),
        }
    }
}

/// The configuration's users by userName or creation, with how each came in (SCIM or import).
#[utoipa::path(get, path = "/api/configurations/{id}/users", security(("admin_token" = [])), params(BrowseParams),
    responses((status = 200, body = BrowsePage<UserSummary>), (status = 404, body = super::ErrorBody)))]
pub async fn users(
    State(state): State<AppState>,
    ConfigPath(configuration): ConfigPath,
    Params(params): Params<BrowseParams>,
) -> Result<Json<BrowsePage<UserSummary>>, AdminError> {
    Ok(Json(
        state
            .store
            .browse_users(&configuration, &params.browse())
            .await?,
    ))
}

/// One user, whole.
#[utoipa::path(get, path = "/api/configurations/{id}/users/{user}", security(("admin_token" = [])),
    responses((status = 200, body = Object), (status = 404, body = super::ErrorBody)))]
pub async fn user(
    State(state): State<AppState>,
    ConfigPath(configuration): ConfigPath,
    Path((_, user)): Path<(String, String)>,
) -> Result<Json<Map<String, Value>>, AdminError> {
    Ok(Json(state.store.get_user(&configuration, &user).await?))
}

/// The configuration's groups by displayName or creation, with member counts.
#[utoipa::path(get, path = "/api/configurations/{id}/groups", security(("admin_token" = [])), params(BrowseParams),
    responses((status = 200, body = BrowsePage<GroupSummary>), (status = 404, body = super::ErrorBody)))]
pub async fn groups(
    State(state): State<AppState>,
    ConfigPath(configuration): ConfigPath,
    Params(params): Params<BrowseParams>,
) -> Result<Json<BrowsePage<GroupSummary>>, AdminError> {
    Ok(Json(
        state
            .store
            .browse_groups(&configuration, &params.browse())
            .await?,
    ))
}

/// One group, whole, members included.
#[utoipa::path(get, path = "/api/configurations/{id}/groups/{group}", security(("admin_token" = [])),
    responses((status = 200, body = Object), (status = 404, body = super::ErrorBody)))]
pub async fn group(
    State(state): State<AppState>,
    ConfigPath(configuration): ConfigPath,
    Path((_, group)): Path<(String, String)>,
) -> Result<Json<Map<String, Value>>, AdminError> {
    Ok(Json(
        state.store.get_group(&configuration, &group, true).await?,
    ))
}

/// The routes of the directory browser (users and groups of a configuration).
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(users))
        .routes(routes!(user))
        .routes(routes!(groups))
        .routes(routes!(group))
}
