//! The admin API under `/api`: configurations and tokens, as JSON, described by the OpenAPI
//! document at `/api/openapi.json`.
//!
//! Every request must name this server in `Host` (and, when a browser sends one, `Origin`),
//! which stops DNS-rebinding and cross-site requests; every route but `/api/health` and
//! `/api/openapi.json` needs the per-launch admin token as a bearer token, or a browser session
//! opened by the admin link (`/login?token=…`, see [`sessions`]).

pub mod access;
mod administrators;
mod alerts;
mod audit;
mod configurations;
pub mod conformance;
mod connection;
mod deletions;
mod desktop_return;
mod desktop_sign_in;
mod directory;
pub mod dto;
mod email;
mod expressions;
mod extract;
mod health;
mod logs;
mod mapping;
mod me;
mod oauth_clients;
pub mod oidc;
mod on_demand;
mod pilot_runs;
mod promotion;
mod rekey;
pub mod sessions;
mod settings;
mod targets;
mod tokens;

pub use self::dto::*;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use scim_console_core::CoreError;
use scim_console_core::administrators::api_tokens;
use serde_json::json;
use subtle::ConstantTimeEq;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::headers::header_text;
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

    /// A 400 naming the request's `field` at fault.
    pub(crate) fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
            field: Some(field),
        }
    }
}

impl From<CoreError> for AdminError {
    fn from(err: CoreError) -> Self {
        match err {
            CoreError::Invalid { field, reason } => Self::invalid(field, reason),
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
    let public =
        path == "/login" || access::need(request.method(), path) == Some(access::Need::Public);
    let source = format!(
        "admin {}",
        crate::peer::Peer::from_extensions(request.extensions()).0
    );
    if public {
        return next.run(request).await;
    }
    let caller = match sessions::caller(&state, headers).await {
        Ok(Some(caller)) => caller,
        Ok(None) => {
            let presented = header_text(headers, &header::AUTHORIZATION)
                .and_then(|v| v.split_once(' '))
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, t)| t.trim())
                .unwrap_or_default();
            if presented.starts_with(api_tokens::PREFIX) {
                match state.store.api_token_caller(presented).await {
                    Ok(Some((administrator, token))) => {
                        state.backoff.accepted(&source);
                        access::Caller::Administrator(access::Signed {
                            administrator,
                            via: access::Via::ApiToken {
                                id: token.id,
                                roles: token.roles,
                            },
                        })
                    }
                    Ok(None) => {
                        return refused(
                            &state,
                            &source,
                            "this API token is wrong, expired or revoked, or its administrator is disabled",
                        );
                    }
                    Err(error) => return AdminError::from(error).into_response(),
                }
            } else {
                let expected = state.admin_token.expose();
                if !bool::from(presented.as_bytes().ct_eq(expected.as_bytes())) {
                    return refused(
                        &state,
                        &source,
                        "the admin token is missing or wrong (or the browser session ended); sign in, or use a personal API token or the admin token `scim-console serve` printed",
                    );
                }
                state.backoff.accepted(&source);
                access::Caller::AdminToken
            }
        }
        Err(error) => return error.into_response(),
    };
    // Authorised on the server, before any handler: the caller's roles against the route's
    // rule (`access`).
    if let Err(refusal) = caller.check(access::need_with_query(
        request.method(),
        request.uri().path(),
        request.uri().query(),
    )) {
        return refusal.into_response();
    }
    let mut request = request;
    request.extensions_mut().insert(caller);
    next.run(request).await
}

/// The OpenAPI document's frame: its title, the schemas not reached from a handler, and the
/// admin token's security scheme. The paths come from the handlers ([`api`]).
#[derive(OpenApi)]
#[openapi(
    info(title = "SCIM Console admin API", description = "Configurations, tokens, OAuth clients, mapping plans, the provisioning log, alerts and the audit log of SCIM Console."),
    components(schemas(ConfigurationView, NewConfigurationBody, ConfigurationChanges, TokenPolicyView, TokenView, TokenStateView, IssuedTokenView, NewTokenBody,
        RotateTokenBody, RotatedTokenView, TokenCheckView, TokenProblemView, OAuthClientView, IssuedClientView, NewClientBody, AuditEntryView, AuditPageView,
        ErrorBody, ErrorDetail, Health, PutSemanticsView,
        mapping::PlanVersionView, mapping::SavePlanBody, mapping::FindingView, mapping::SavedPlanView, mapping::ValidationView,
        mapping::TestBody, mapping::EvaluationView, mapping::DifferenceView, mapping::RollbackBody, mapping::ImportReportView, mapping::CopyBody,
        targets::NewTargetBody, targets::AddedTargetView, pilot_runs::SourceBody, pilot_runs::TargetBody, pilot_runs::PilotBody,
        conformance::ConformanceBody, crate::conformance::runs::ConformanceRunView, conformance::ReportFormat)),
    modifiers(&BearerAuth)
)]
struct AdminApi;

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
            "admin" => "The administrator's id (`adm_…`) or email.",
            "session" => "The session's public id (`ses_…`).",
            "token" => "The personal API token's id (`pat_…`).",
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

/// The admin API, area by area: each handler carries its path and method (`#[utoipa::path]`),
/// from which both the router and the OpenAPI document are made.
fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(AdminApi::openapi())
        .merge(settings::routes())
        .merge(email::routes())
        .merge(deletions::routes())
        .merge(on_demand::routes())
        .merge(health::routes())
        .merge(expressions::routes())
        .merge(promotion::routes())
        .merge(rekey::routes())
        .merge(configurations::routes())
        .merge(tokens::routes())
        .merge(oauth_clients::routes())
        .merge(audit::routes())
        .merge(mapping::routes())
        .merge(directory::routes())
        .merge(logs::routes())
        .merge(alerts::routes())
        .merge(targets::routes())
        .merge(pilot_runs::routes())
        .merge(conformance::routes())
        .merge(connection::routes())
        .merge(sessions::routes())
        .merge(desktop_sign_in::routes())
        .merge(administrators::routes())
        .merge(me::routes())
        .merge(oidc::routes())
}

/// The admin API's OpenAPI document (as `GET /api/openapi.json` serves it).
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = api().split_for_parts();
    utoipa::Modify::modify(&PathParams, &mut doc);
    doc
}

async fn openapi_json() -> impl IntoResponse {
    static DOC: std::sync::LazyLock<utoipa::openapi::OpenApi> = std::sync::LazyLock::new(openapi);
    axum::Json(&*DOC)
}

/// The admin routes, to be merged into the application router.
pub fn router(state: AppState) -> Router<AppState> {
    let (routes, _) = api().split_for_parts();
    routes
        .route("/api/openapi.json", get(openapi_json))
        .route("/login", get(sessions::login))
        .layer(middleware::from_fn_with_state(state, guard))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::openapi;

    /// Generated clients (the UI's openapi-typescript types) key operations by their id and
    /// type path parameters from their declarations: both must be right.
    #[test]
    fn operation_ids_are_unique_and_path_parameters_declared() {
        let doc = serde_json::to_value(openapi()).unwrap();
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
