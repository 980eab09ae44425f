//! The admin API's test connection: any SCIM base URL and bearer token, checked the way
//! identity providers check them.

use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AdminError;
use super::dto::ErrorBody;
use super::extract::Body;
use crate::probe::{self, Report};
use crate::state::AppState;

/// What to test.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectionTestBody {
    /// The SCIM base URL, e.g. `https://app.example.com/scim/v2`.
    pub base_url: String,
    /// The bearer token (used for these requests only; never stored or shown).
    pub token: String,
}

/// Tests a SCIM service provider as Entra ID and Okta do when an admin presses "Test
/// connection": discovery, that credentials are required and the token accepted, a query for a
/// userName that does not exist (200 and an empty list, never 404), paging, groups.
#[utoipa::path(post, path = "/api/connection-test", operation_id = "connection_test", security(("admin_token" = [])), request_body = ConnectionTestBody,
    responses((status = 200, body = Report), (status = 400, body = ErrorBody)))]
pub async fn test(Body(body): Body<ConnectionTestBody>) -> Result<Json<Report>, AdminError> {
    let url = body.base_url.trim();
    if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() > 2048 {
        return Err(AdminError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "baseUrl: must be an http:// or https:// address",
        ));
    }
    Ok(Json(probe::test_connection(url, &body.token).await))
}

/// The routes of the connection test.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(test))
}
