//! The embedded SCIM 2.0 endpoint: one base URL per configuration, `/scim/{slug}/v2`.

mod auth;
mod bulk;
mod discovery;
mod http;
mod log_context;
mod oauth;
pub mod rate_limit;
mod recording;
mod resources;

use axum::Router;
use axum::http::{Method, Uri};
use axum::routing::{get, post};
use scim::ScimError;

pub use self::auth::{Tenant, request_host};
use self::http::ScimFailure;
use self::resources::{groups, root_search, users};
use crate::state::AppState;

async fn not_found(uri: Uri) -> ScimFailure {
    ScimError::not_found(format!(
        "{} is not a SCIM endpoint of this server",
        uri.path()
    ))
    .into()
}

async fn method_not_allowed(method: Method, uri: Uri) -> ScimFailure {
    ScimError::status(405, format!("{method} is not allowed on {}", uri.path())).into()
}

/// The SCIM routes, to be merged into the application router; every request is recorded in
/// the provisioning log.
pub fn router(state: AppState) -> Router<AppState> {
    let v2 = Router::new()
        .route("/Users", get(users::list).post(users::create))
        .route("/Users/.search", post(users::search))
        .route(
            "/Users/{id}",
            get(users::get)
                .put(users::replace)
                .patch(users::patch)
                .delete(users::delete),
        )
        .route("/Groups", get(groups::list).post(groups::create))
        .route("/Groups/.search", post(groups::search))
        .route(
            "/Groups/{id}",
            get(groups::get)
                .put(groups::replace)
                .patch(groups::patch)
                .delete(groups::delete),
        )
        .route("/.search", post(root_search))
        .route("/Bulk", post(bulk::bulk))
        .route(
            "/ServiceProviderConfig",
            get(discovery::service_provider_config),
        )
        .route("/Schemas", get(discovery::schemas))
        .route("/Schemas/{id}", get(discovery::schema))
        .route("/ResourceTypes", get(discovery::resource_types))
        .route("/ResourceTypes/{id}", get(discovery::resource_type))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed);
    Router::new()
        .nest("/scim/{slug}/v2", v2)
        .route("/scim/{slug}/oauth/token", post(oauth::token))
        .layer(axum::middleware::from_fn_with_state(
            state,
            recording::record,
        ))
        // Public metadata, not provisioning traffic: not recorded.
        .route(
            "/scim/{slug}/.well-known/oauth-authorization-server",
            get(oauth::metadata),
        )
        .route(
            "/.well-known/oauth-authorization-server/scim/{slug}",
            get(oauth::metadata),
        )
}
