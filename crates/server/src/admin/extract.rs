//! What admin handlers take from a request besides `State`: a JSON body and query parameters
//! whose problems are admin API errors, the configuration named by `{id}` in the path (parsed, or loaded), the
//! acting admin, and the origin clients reach this server at.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use scim_console_core::{Actor, Configuration, ConfigurationId};

use super::AdminError;
use super::access::Caller;
use crate::headers::header_text;
use crate::peer::Peer;
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

/// Query parameters whose problems (a value of the wrong type, a parameter given twice) are
/// reported as admin API errors (400, JSON), like a body's.
pub struct Params<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = AdminError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Self(v)),
            Err(rejection) => Err(AdminError::new(
                StatusCode::BAD_REQUEST,
                format!(
                    "the query parameters: {}",
                    rejection
                        .body_text()
                        .trim_start_matches("Failed to deserialize query string: ")
                ),
            )),
        }
    }
}

/// The id in `{id}` of the path, parsed: 404 when it cannot be a configuration's. For handlers
/// whose store call answers 404 itself for a configuration that does not exist.
#[derive(Debug, Clone, Copy)]
pub struct ConfigId(pub ConfigurationId);

impl FromRequestParts<AppState> for ConfigId {
    type Rejection = AdminError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|e| AdminError::new(StatusCode::BAD_REQUEST, e.body_text()))?;
        let id = params
            .iter()
            .find(|(name, _)| *name == "id")
            .map(|(_, value)| value)
            .ok_or_else(|| {
                AdminError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the route names no configuration",
                )
            })?;
        config_id(id).map(Self)
    }
}

/// The configuration named by `{id}` in the path, loaded: 404 when there is none.
#[derive(Debug, Clone)]
pub struct ConfigPath(pub Configuration);

impl FromRequestParts<AppState> for ConfigPath {
    type Rejection = AdminError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ConfigId(id) = ConfigId::from_request_parts(parts, state).await?;
        Ok(Self(state.store.configuration(id).await?))
    }
}

/// A configuration id given as text (in a path or a body): 404 when it cannot be one.
pub(super) fn config_id(id: &str) -> Result<ConfigurationId, AdminError> {
    ConfigurationId::parse(id).ok_or_else(|| {
        AdminError::new(
            StatusCode::NOT_FOUND,
            format!("configuration {id} not found"),
        )
    })
}

/// Who makes a change through the admin API, as the audit log names them: the signed-in
/// administrator's email, or `admin` for the server's admin token (and the sessions its admin
/// link opens), from the caller's address.
pub struct Acting(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for Acting {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let source = Peer::of(parts).0;
        Ok(Self(match parts.extensions.get::<Caller>() {
            Some(Caller::Administrator(signed)) => Actor::person(signed.person(), source),
            Some(Caller::AdminToken) | None => Actor::new("admin", source),
        }))
    }
}

/// The origin identity providers reach this server at, for the SCIM base URLs shown: the
/// public one when it was given (`--public-url`, the desktop's lab listener), else the one the
/// admin uses (its `Host`, which the admin API checked).
pub(super) fn origin(state: &AppState, headers: &HeaderMap) -> String {
    if state.info.public_origin_given {
        return state.info.public_origin.clone();
    }
    let host = header_text(headers, &header::HOST).unwrap_or("localhost");
    format!("{}://{host}", state.scheme)
}
