//! The admin API under `/api`: configurations and tokens, as JSON, described by the OpenAPI
//! document at `/api/openapi.json`.
//!
//! Every request must name this server in `Host` (and, when a browser sends one, `Origin`),
//! which stops DNS-rebinding and cross-site requests; every route but `/api/health` and
//! `/api/openapi.json` needs the per-launch admin token as a bearer token, or a browser session
//! opened by the admin link (`/login?token=…`, see [`sessions`]).

mod alerts;
pub mod conformance;
mod connection;
mod directory;
mod dto;
mod logs;
mod mapping;
mod routes;
pub mod sessions;
mod settings;
mod targets;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use scim_console_core::CoreError;
use serde_json::json;
use subtle::ConstantTimeEq;
use utoipa::OpenApi;

pub use self::dto::*;
use crate::scim::http::header_text;
use crate::state::AppState;

/// An admin API error: a status and a message that says what is wrong and where.
#[derive(Debug)]
pub struct AdminError {
    status: StatusCode,
    message: String,
    field: Option<&'static str>,
}

impl AdminError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            field: None,
        }
    }
}

impl From<CoreError> for AdminError {
    fn from(err: CoreError) -> Self {
        match err {
            CoreError::Invalid { field, reason } => Self {
                status: StatusCode::BAD_REQUEST,
                message: reason,
                field: Some(field),
            },
            CoreError::NotFound(what) => {
                Self::new(StatusCode::NOT_FOUND, format!("{what} not found"))
            }
            CoreError::Conflict(m) => Self::new(StatusCode::CONFLICT, m),
            CoreError::Forbidden(m) => Self::new(StatusCode::FORBIDDEN, m),
            CoreError::Scim(e) => Self::new(
                StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::BAD_REQUEST),
                e.detail(),
            ),
            CoreError::VersionMismatch(_) => Self::new(
                StatusCode::PRECONDITION_FAILED,
                "the resource changed; reload it",
            ),
            other if other.is_storage_unavailable() => {
                tracing::warn!(error = %other, "storage unavailable: admin request answered 503");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the console's storage is unavailable for now (locked, full, read-only or failing); try again in a few seconds",
                )
            }
            other => {
                tracing::error!(error = %other, "admin request failed in the store");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the server could not complete the request; the error has been logged",
                )
            }
        }
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let mut error = json!({"status": self.status.as_u16(), "message": self.message});
        if let Some(field) = self.field {
            error["field"] = json!(field);
        }
        let mut response = (self.status, axum::Json(json!({ "error": error }))).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
        }
        response
    }
}

/// A refused admin credential: 401, or 429 with `Retry-After` once the source has failed too
/// often ([`crate::backoff`]).
pub(crate) fn refused(state: &AppState, source: &str, message: &str) -> Response {
    if let Some(bar) = state.backoff.barred(source) {
        let mut response = AdminError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too many refused admin credentials from this address; retry after the delay in Retry-After",
        )
        .into_response();
        if let Ok(value) = header::HeaderValue::from_str(&crate::backoff::retry_after(bar)) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return response;
    }
    state.backoff.refused(source);
    AdminError::new(StatusCode::UNAUTHORIZED, message).into_response()
}

/// Rejects requests whose `Host` or `Origin` is not this server, and — except for the public
/// routes — requests without the admin token.
async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let allowed = |host: &str| {
        state
            .admin_hosts
            .iter()
            .any(|h| h.eq_ignore_ascii_case(host))
    };
    let headers = request.headers();
    let Some(host) = header_text(headers, &header::HOST).or_else(|| {
        request
            .uri()
            .authority()
            .map(axum::http::uri::Authority::as_str)
    }) else {
        return AdminError::new(StatusCode::FORBIDDEN, "the request names no Host").into_response();
    };
    if !allowed(host) {
        return AdminError::new(
            StatusCode::FORBIDDEN,
            format!("the admin API does not answer to the host \"{host}\""),
        )
        .into_response();
    }
    if let Some(origin) = header_text(headers, &header::ORIGIN) {
        let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or_default();
        if !allowed(origin_host) {
            return AdminError::new(
                StatusCode::FORBIDDEN,
                format!("requests from the origin \"{origin}\" are not allowed"),
            )
            .into_response();
        }
    }
    let path = request.uri().path();
    let public = path == "/api/health" || path == "/api/openapi.json" || path == "/login";
    let source = format!(
        "admin {}",
        crate::peer::Peer::from_extensions(request.extensions()).0
    );
    if !public && !sessions::authenticated(&state, headers) {
        let presented = header_text(headers, &header::AUTHORIZATION)
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim())
            .unwrap_or_default();
        let expected = state.admin_token.expose();
        if !bool::from(presented.as_bytes().ct_eq(expected.as_bytes())) {
            return refused(
                &state,
                &source,
                "the admin token is missing or wrong (or the browser session ended); use the token or the admin link `scim-console serve` printed",
            );
        }
        state.backoff.accepted(&source);
    }
    next.run(request).await
}

/// The OpenAPI description of the admin API.
#[derive(OpenApi)]
#[openapi(
    info(title = "SCIM Console admin API", description = "Configurations, tokens, OAuth clients, mapping plans, the provisioning log, alerts and the audit log of SCIM Console."),
    paths(
        routes::health,
        routes::list_configurations,
        routes::create_configuration,
        routes::get_configuration,
        routes::update_configuration,
        routes::delete_configuration,
        routes::list_tokens,
        routes::create_token,
        routes::rotate_token,
        routes::revoke_token,
        routes::check_tokens,
        routes::list_oauth_clients,
        routes::create_oauth_client,
        routes::revoke_oauth_client,
        routes::audit,
        routes::export_audit,
        logs::search,
        logs::export,
        logs::stream,
        logs::stats,
        logs::cycles,
        logs::retention,
        alerts::list_rules,
        alerts::create_rule,
        alerts::update_rule,
        alerts::delete_rule,
        alerts::history,
        alerts::evaluate,
        alerts::stream,
        sessions::logout,
        connection::test,
        mapping::schema,
        mapping::template,
        mapping::provider_template,
        mapping::current,
        mapping::save,
        mapping::validate,
        mapping::impact,
        mapping::test,
        mapping::versions,
        mapping::diff,
        mapping::rollback,
        mapping::copy,
        mapping::import_users,
        directory::users,
        directory::user,
        directory::groups,
        directory::group,
        settings::settings,
        settings::client_profiles,
        targets::list,
        targets::add,
        targets::remove,
        targets::test,
        targets::start,
        targets::runs,
        targets::run,
        targets::stop,
        conformance::start,
        conformance::list,
        conformance::get,
        conformance::download,
    ),
    components(schemas(ConfigurationView, NewConfigurationBody, ConfigurationChanges, TokenPolicyView, TokenView, TokenStateView, IssuedTokenView, NewTokenBody,
        RotateTokenBody, RotatedTokenView, TokenCheckView, TokenProblemView, OAuthClientView, IssuedClientView, NewClientBody, AuditEntryView, AuditPageView,
        ErrorBody, ErrorDetail, Health, PutSemanticsView,
        mapping::PlanVersionView, mapping::SavePlanBody, mapping::FindingView, mapping::SavedPlanView, mapping::ValidationView,
        mapping::TestBody, mapping::EvaluationView, mapping::DifferenceView, mapping::RollbackBody, mapping::ImportReportView, mapping::CopyBody,
        targets::NewTargetBody, targets::AddedTargetView, targets::SourceBody, targets::TargetBody, targets::PilotBody,
        conformance::ConformanceBody, conformance::ConformanceRunView, conformance::ReportFormat)),
    modifiers(&BearerAuth, &PathParams)
)]
pub struct AdminApi;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "admin_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Declares every `{name}` of a path as a required string path parameter (the handlers take
/// them with axum's `Path`, which utoipa cannot see), so generated clients type them.
struct PathParams;

impl PathParams {
    fn describe(name: &str) -> &'static str {
        match name {
            "id" => "The configuration's id.",
            "token_id" => "The token's public id.",
            "client_id" => "The OAuth client's id.",
            "rule" => "The alert rule's id.",
            "user" => "The user's SCIM id.",
            "group" => "The group's SCIM id.",
            "provider" => "The identity provider: `entra`, `okta`, `onelogin` or `google`.",
            _ => "A path segment.",
        }
    }
}

impl utoipa::Modify for PathParams {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        use utoipa::openapi::{Required, schema::Type};
        for (path, item) in &mut openapi.paths.paths {
            let names: Vec<&str> = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                .collect();
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                let parameters = operation.parameters.get_or_insert_with(Vec::new);
                for name in &names {
                    if parameters
                        .iter()
                        .any(|p| p.name == *name && p.parameter_in == ParameterIn::Path)
                    {
                        continue;
                    }
                    parameters.push(
                        ParameterBuilder::new()
                            .name(*name)
                            .parameter_in(ParameterIn::Path)
                            .required(Required::True)
                            .description(Some(Self::describe(name)))
                            .schema(Some(
                                utoipa::openapi::ObjectBuilder::new().schema_type(Type::String),
                            ))
                            .build(),
                    );
                }
            }
        }
    }
}

async fn openapi_json() -> impl IntoResponse {
    axum::Json(AdminApi::openapi())
}

/// What the UI's directory and settings pages read.
fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/api/configurations/{id}/users", get(directory::users))
        .route(
            "/api/configurations/{id}/users/{user}",
            get(directory::user),
        )
        .route("/api/configurations/{id}/groups", get(directory::groups))
        .route(
            "/api/configurations/{id}/groups/{group}",
            get(directory::group),
        )
        .route("/api/settings", get(settings::settings))
        .route("/api/client-profiles", get(settings::client_profiles))
        .route("/api/targets", get(targets::list).post(targets::add))
        .route(
            "/api/targets/{target}",
            axum::routing::delete(targets::remove),
        )
        .route(
            "/api/targets/{target}/test",
            axum::routing::post(targets::test),
        )
        .route("/api/pilot-runs", get(targets::runs).post(targets::start))
        .route("/api/pilot-runs/{run}", get(targets::run))
        .route(
            "/api/pilot-runs/{run}/stop",
            axum::routing::post(targets::stop),
        )
        .route(
            "/api/conformance-runs",
            get(conformance::list).post(conformance::start),
        )
        .route("/api/conformance-runs/{run}", get(conformance::get))
        .route(
            "/api/conformance-runs/{run}/report",
            get(conformance::download),
        )
}

/// The mapping plan routes.
fn mapping_routes() -> Router<AppState> {
    Router::new()
        .route("/api/mapping/schema", get(mapping::schema))
        .route("/api/mapping/template", get(mapping::template))
        .route(
            "/api/mapping/providers/{provider}",
            get(mapping::provider_template),
        )
        .route(
            "/api/configurations/{id}/mapping",
            get(mapping::current).put(mapping::save),
        )
        .route(
            "/api/configurations/{id}/mapping/validate",
            axum::routing::post(mapping::validate),
        )
        .route(
            "/api/configurations/{id}/mapping/impact",
            axum::routing::post(mapping::impact),
        )
        .route(
            "/api/configurations/{id}/mapping/test",
            axum::routing::post(mapping::test),
        )
        .route(
            "/api/configurations/{id}/mapping/versions",
            get(mapping::versions),
        )
        .route("/api/configurations/{id}/mapping/diff", get(mapping::diff))
        .route(
            "/api/configurations/{id}/mapping/rollback",
            axum::routing::post(mapping::rollback),
        )
        .route(
            "/api/configurations/{id}/mapping/copy",
            axum::routing::post(mapping::copy),
        )
        .route(
            "/api/configurations/{id}/users/import",
            // Whole directories: up to 64 MiB of CSV or JSON.
            axum::routing::post(mapping::import_users)
                .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024)),
        )
}

/// The admin routes, to be merged into the application router.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .merge(mapping_routes())
        .route("/api/health", get(routes::health))
        .route("/api/openapi.json", get(openapi_json))
        .route(
            "/api/configurations",
            get(routes::list_configurations).post(routes::create_configuration),
        )
        .route(
            "/api/configurations/{id}",
            get(routes::get_configuration)
                .patch(routes::update_configuration)
                .delete(routes::delete_configuration),
        )
        .route(
            "/api/configurations/{id}/tokens",
            get(routes::list_tokens).post(routes::create_token),
        )
        .route(
            "/api/configurations/{id}/tokens/{token_id}",
            axum::routing::delete(routes::revoke_token),
        )
        .route(
            "/api/configurations/{id}/tokens/{token_id}/rotate",
            axum::routing::post(routes::rotate_token),
        )
        .route("/api/tokens/check", get(routes::check_tokens))
        .route(
            "/api/configurations/{id}/oauth-clients",
            get(routes::list_oauth_clients).post(routes::create_oauth_client),
        )
        .route(
            "/api/configurations/{id}/oauth-clients/{client_id}",
            axum::routing::delete(routes::revoke_oauth_client),
        )
        .route("/api/logs", get(logs::search))
        .route("/api/logs/export", get(logs::export))
        .route("/api/logs/stream", get(logs::stream))
        .route("/api/logs/stats", get(logs::stats))
        .route("/api/logs/cycles", get(logs::cycles))
        .route("/api/logs/retention", axum::routing::post(logs::retention))
        .route(
            "/api/configurations/{id}/alerts",
            get(alerts::list_rules).post(alerts::create_rule),
        )
        .route(
            "/api/alerts/rules/{rule}",
            axum::routing::patch(alerts::update_rule).delete(alerts::delete_rule),
        )
        .route("/api/alerts", get(alerts::history))
        .route(
            "/api/alerts/evaluate",
            axum::routing::post(alerts::evaluate),
        )
        .route("/api/alerts/stream", get(alerts::stream))
        .route("/login", get(sessions::login))
        .route(
            "/api/connection-test",
            axum::routing::post(connection::test),
        )
        .route("/api/logout", axum::routing::post(sessions::logout))
        .route("/api/audit", get(routes::audit))
        .route("/api/audit/export", get(routes::export_audit))
        .merge(page_routes())
        .layer(middleware::from_fn_with_state(state, guard))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::AdminApi;
    use utoipa::OpenApi as _;

    /// Generated clients (the UI's openapi-typescript types) key operations by their id and
    /// type path parameters from their declarations: both must be right.
    #[test]
    fn operation_ids_are_unique_and_path_parameters_declared() {
        let doc = serde_json::to_value(AdminApi::openapi()).unwrap();
        let mut ids: HashMap<String, String> = HashMap::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            let names: Vec<&str> = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                .collect();
            for (method, op) in item.as_object().unwrap() {
                let id = op["operationId"].as_str().unwrap().to_owned();
                if let Some(other) = ids.insert(id.clone(), format!("{method} {path}")) {
                    panic!("operationId {id} used by {other} and {method} {path}");
                }
                let params = op["parameters"].as_array().cloned().unwrap_or_default();
                for p in &params {
                    if p["in"] == "path" {
                        let name = p["name"].as_str().unwrap();
                        assert!(
                            names.contains(&name),
                            "{method} {path}: path parameter {name} is not in the path"
                        );
                    }
                }
                for name in &names {
                    assert!(
                        params
                            .iter()
                            .any(|p| p["in"] == "path" && p["name"] == *name),
                        "{method} {path}: {name} is not declared"
                    );
                }
            }
        }
    }
}
