//! The desktop app's sign-in to this console in the system browser (OAuth for native apps,
//! RFC 8252): the app listens on a loopback port of its own and opens
//! `GET /api/sign-in/oidc/desktop?redirect_uri=http://127.0.0.1:<port>/…&state=…&code_challenge=…&code_challenge_method=S256&device=…`
//! here. That runs the console's OpenID Connect sign-in ([`super::oidc`]) with the request kept
//! in the flow's cookie; once the provider vouched for an invited administrator, the browser is
//! sent back to the app's address with a one-time code (or the reason it failed) and its
//! `state`, and no browser session is opened. The app exchanges the code with its PKCE verifier
//! at `POST /api/sign-in/desktop/token` for a personal API token named for the device
//! ([`scim_console_core::administrators::device_codes`]).

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::desktop_return::{DesktopReturn, DesktopSignInParams};
use super::{AdminError, ErrorBody};
use crate::state::AppState;

/// The routes of the desktop app's sign-in.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start_desktop_sign_in))
        .routes(routes!(exchange_desktop_code))
}

/// Starts the desktop app's sign-in: the console's OpenID Connect sign-in, returning to the
/// app's loopback address (303 to the provider).
#[utoipa::path(get, path = "/api/sign-in/oidc/desktop", params(DesktopSignInParams),
    responses((status = 303), (status = 400), (status = 404), (status = 502, body = ErrorBody)))]
pub async fn start_desktop_sign_in(
    State(state): State<AppState>,
    Query(params): Query<DesktopSignInParams>,
) -> Result<Response, AdminError> {
    if state.oidc.is_none() {
        return Ok(super::oidc::failed(
            StatusCode::NOT_FOUND,
            "this console has no identity provider for sign-in (serve --oidc-issuer): connect with a personal API token instead",
        ));
    }
    match DesktopReturn::checked(params) {
        Ok(desktop) => super::oidc::begin(&state, Some(desktop)).await,
        Err(why) => Ok(super::oidc::failed(StatusCode::BAD_REQUEST, &why)),
    }
}

/// A desktop sign-in's code and the app's PKCE verifier.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeviceCodeBody {
    /// The one-time code the browser brought to the app.
    code: String,
    /// The PKCE verifier whose S256 challenge started the sign-in.
    code_verifier: String,
}

impl std::fmt::Debug for DeviceCodeBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Neither the code nor the verifier reaches a log line.
        f.write_str("DeviceCodeBody { code: ***, code_verifier: *** }")
    }
}

/// The personal API token a desktop sign-in bought (shown once).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeviceTokenView {
    /// The token, for `Authorization: Bearer`.
    token: String,
    /// Its public id (`pat_…`).
    id: String,
    /// Its name (`SCIM Console on <device>`).
    name: String,
    /// When it stops.
    expires: DateTime<Utc>,
}

impl std::fmt::Debug for DeviceTokenView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token is shown once, to the app, and never in a log line.
        f.debug_struct("DeviceTokenView")
            .field("id", &self.id)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Exchanges a desktop sign-in's code (once, within 2 minutes, with the verifier of its
/// challenge) for a personal API token named for the device. A refused code counts against the
/// address like a refused token ([`crate::backoff`]).
#[utoipa::path(post, path = "/api/sign-in/desktop/token", request_body = DeviceCodeBody,
    responses((status = 200, body = DeviceTokenView), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn exchange_desktop_code(
    State(state): State<AppState>,
    peer: crate::peer::Peer,
    body: axum::body::Body,
) -> Result<Response, AdminError> {
    let source = format!("admin {}", peer.0);
    if state.backoff.barred(&source).is_some() {
        return Ok(super::refused(&state, &source, ""));
    }
    let asked: DeviceCodeBody =
        super::sessions::sign_in_body(body, r#"{"code": "…", "codeVerifier": "…"}"#).await?;
    let issued = match state
        .store
        .redeem_device_code(&asked.code, &asked.code_verifier, &peer.0)
        .await
    {
        Ok(issued) => issued,
        Err(scim_console_core::CoreError::Forbidden(why)) => {
            return Ok(super::refused(&state, &source, &why));
        }
        Err(other) => return Err(other.into()),
    };
    state.backoff.accepted(&source);
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(DeviceTokenView {
            token: issued.secret.expose().to_owned(),
            id: issued.token.id,
            name: issued.token.name,
            expires: issued.token.expires,
        }),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_the_verifier_and_the_token_never_print() {
        let body: DeviceCodeBody =
            serde_json::from_str(r#"{"code": "the-code", "codeVerifier": "the-verifier"}"#)
                .unwrap();
        let view = DeviceTokenView {
            token: "scap_secret".into(),
            id: "pat_1".into(),
            name: "SCIM Console on ada-laptop".into(),
            expires: Utc::now(),
        };
        let printed = format!("{body:?} {view:?}");
        for secret in ["the-code", "the-verifier", "scap_secret"] {
            assert!(!printed.contains(secret), "{printed}");
        }
    }
}
