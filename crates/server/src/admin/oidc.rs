//! Administrators sign in through the console's OpenID Connect provider (Microsoft Entra ID,
//! Okta, Google, Keycloak…): the authorization code flow with PKCE, the provider found by
//! discovery, `state` and `nonce` checked, the ID token validated (signature against the
//! provider's keys, issuer, audience, expiry, nonce) in [`crate::sso`]. The email the
//! ID token vouches for (`email`, unless `email_verified` is false) signs in the invited
//! administrator with that email ([`scim_console_core::administrators::federated`]).
//!
//! `GET /api/sign-in/oidc` sends the browser to the provider, with the flow's `state`, `nonce`
//! and PKCE verifier in a short-lived HttpOnly cookie (SameSite=Lax, so that the provider's
//! redirect back carries it; on this path only); `GET /api/sign-in/oidc/callback` finishes.
//! The provider is configured on `serve` (`--oidc-issuer`, `--oidc-client-id`,
//! `SCIM_CONSOLE_OIDC_CLIENT_SECRET`), so every instance agrees.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AdminError;
use super::desktop_return::DesktopReturn;
use crate::sso::Flow;
use crate::state::AppState;

/// The flow cookie's name.
const FLOW_COOKIE: &str = "scim_console_oidc";
/// How long a sign-in at the provider may take.
const FLOW_SECONDS: u32 = 600;
/// Where the provider sends the browser back, under the console's public origin.
pub const CALLBACK_PATH: &str = "/api/sign-in/oidc/callback";

fn flow_cookie(state: &AppState, value: &str, max_age: u32) -> String {
    let secure = if state.scheme == "https" {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{FLOW_COOKIE}={value}; Path=/api/sign-in/oidc; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    )
}

fn redirect_uri(state: &AppState) -> String {
    format!("{}{CALLBACK_PATH}", state.info.public_origin)
}

/// The routes of single sign-on.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_in_methods))
        .routes(routes!(start_oidc))
        .routes(routes!(oidc_callback))
}

/// How administrators may sign in here.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignInMethodsView {
    /// The OpenID Connect provider's name, when one is configured (`Sign in with …`).
    pub provider: Option<String>,
}

/// How administrators may sign in: the identity provider, if one is configured (the password
/// form and one-time links always work).
#[utoipa::path(get, path = "/api/sign-in/methods", responses((status = 200, body = SignInMethodsView)))]
pub async fn sign_in_methods(State(state): State<AppState>) -> axum::Json<SignInMethodsView> {
    axum::Json(SignInMethodsView {
        provider: state.oidc.as_ref().map(|o| o.name().to_owned()),
    })
}

/// Sends the browser to the identity provider to sign in (303).
#[utoipa::path(get, path = "/api/sign-in/oidc",
    responses((status = 303), (status = 404, body = super::ErrorBody), (status = 502, body = super::ErrorBody)))]
pub async fn start_oidc(State(state): State<AppState>) -> Result<Response, AdminError> {
    begin(&state, None).await
}

/// Sends the browser to the identity provider, the flow (and where a desktop app's sign-in
/// returns) kept in its cookie.
pub(super) async fn begin(
    state: &AppState,
    desktop: Option<DesktopReturn>,
) -> Result<Response, AdminError> {
    let Some(oidc) = state.oidc.clone() else {
        return Err(AdminError::new(
            StatusCode::NOT_FOUND,
            "this console has no identity provider for sign-in (serve --oidc-issuer)",
        ));
    };
    let (url, mut flow) = oidc.start(&redirect_uri(state)).await.map_err(|why| {
        tracing::warn!(error = %why, "OpenID Connect sign-in could not start");
        AdminError::new(StatusCode::BAD_GATEWAY, why)
    })?;
    flow.extra = desktop.as_ref().map(DesktopReturn::cookie_part);
    Ok((
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, url),
            (
                header::SET_COOKIE,
                flow_cookie(state, &flow.cookie_value(), FLOW_SECONDS),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
    )
        .into_response())
}

/// What the provider sends the browser back with.
#[derive(Debug, Deserialize)]
pub struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// Where a desktop app's sign-in returns, when `flow` is one; one whose request does not
/// read back is refused rather than taken for a browser's sign-in.
fn desktop_of(flow: Option<&Flow>) -> Result<Option<DesktopReturn>, Box<Response>> {
    let Some(kept) = flow.and_then(|f| f.extra.as_deref()) else {
        return Ok(None);
    };
    DesktopReturn::from_cookie_part(kept)
        .map(Some)
        .ok_or_else(|| {
            Box::new(failed(
                StatusCode::BAD_REQUEST,
                "this desktop sign-in's request is unreadable: start again from the app",
            ))
        })
}

/// `response` with the flow's cookie removed.
fn forget_flow(state: &AppState, mut response: Response) -> Response {
    if let Ok(value) = header::HeaderValue::from_str(&flow_cookie(state, "", 0)) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// A sign-in that did not happen, as a page with the reason and a way back.
pub(super) fn failed(status: StatusCode, why: &str) -> Response {
    let why = why
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Html(format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign-in failed · SCIM Console</title></head><body><main><h1>Sign-in failed</h1><p>{why}</p><p><a href=\"/\">Back to the sign-in page</a></p></main></body></html>"
        )),
    )
        .into_response()
}

/// Finishes a sign-in at the identity provider: checks `state` against the flow's cookie,
/// exchanges the code (with the PKCE verifier), validates the ID token, and opens the
/// session of the invited administrator with the email it vouches for — or, for a desktop
/// app's sign-in, sends the browser back to the app with a one-time code
/// ([`super::desktop_sign_in`]).
#[utoipa::path(get, path = "/api/sign-in/oidc/callback",
    responses((status = 303), (status = 401), (status = 403)))]
pub async fn oidc_callback(
    State(state): State<AppState>,
    peer: crate::peer::Peer,
    headers: HeaderMap,
    Query(params): Query<CallbackParams>,
) -> Result<Response, AdminError> {
    let source = format!("admin {}", peer.0);
    let Some(oidc) = state.oidc.clone() else {
        return Ok(failed(
            StatusCode::NOT_FOUND,
            "this console has no identity provider for sign-in",
        ));
    };
    if state.backoff.barred(&source).is_some() {
        return Ok(super::refused(&state, &source, ""));
    }
    let flow = crate::headers::cookie(&headers, FLOW_COOKIE).and_then(Flow::from_cookie);
    // The provider's answer belongs to this browser's flow when its state is the flow's.
    let ours = |returned: &Option<String>| {
        flow.as_ref()
            .zip(returned.as_ref())
            .is_some_and(|(flow, returned)| {
                bool::from(returned.as_bytes().ct_eq(flow.state.as_bytes()))
            })
    };
    // A desktop app's sign-in goes back to the app, with why it failed.
    let desktop = match desktop_of(flow.as_ref()) {
        Ok(desktop) => desktop.filter(|_| ours(&params.state)),
        Err(unreadable) => return Ok(forget_flow(&state, *unreadable)),
    };
    let fail = |status: StatusCode, why: &str| match &desktop {
        Some(desktop) => forget_flow(&state, desktop.refused(why)),
        None => failed(status, why),
    };
    if let Some(error) = &params.error {
        let description = params.error_description.as_deref().unwrap_or_default();
        return Ok(fail(
            StatusCode::UNAUTHORIZED,
            &format!("the identity provider answered {error}: {description}"),
        ));
    }
    let (Some(flow), Some(code), Some(returned)) = (&flow, &params.code, &params.state) else {
        state.backoff.refused(&source);
        return Ok(failed(
            StatusCode::UNAUTHORIZED,
            "this sign-in did not start here, or took more than 10 minutes: start again",
        ));
    };
    if !bool::from(returned.as_bytes().ct_eq(flow.state.as_bytes())) {
        state.backoff.refused(&source);
        return Ok(failed(
            StatusCode::UNAUTHORIZED,
            "the sign-in's state does not match this browser's: start again",
        ));
    }
    let email = match oidc.finish(&redirect_uri(&state), code, flow).await {
        Ok(email) => email,
        Err(why) => {
            tracing::warn!(error = %why, "OpenID Connect sign-in refused");
            state.backoff.refused(&source);
            return Ok(fail(StatusCode::UNAUTHORIZED, &why));
        }
    };
    let administrator = match state
        .store
        .sign_in_vouched_email(&email, oidc.name(), &peer.0)
        .await
    {
        Ok(a) => a,
        Err(scim_console_core::CoreError::Forbidden(why)) => {
            return Ok(fail(StatusCode::FORBIDDEN, &why));
        }
        Err(other) => return Err(other.into()),
    };
    state.backoff.accepted(&source);
    if let Some(desktop) = &desktop {
        let code = state
            .store
            .issue_device_code(&administrator.id, desktop.challenge(), desktop.device())
            .await?;
        return Ok(forget_flow(&state, desktop.with_code(code.expose())));
    }
    let agent = crate::headers::header_text(&headers, &header::USER_AGENT);
    let session = state
        .store
        .open_admin_session(Some(&administrator.id), "openid connect", &peer.0, agent)
        .await?;
    let mut response = (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, "/"), (header::CACHE_CONTROL, "no-store")],
    )
        .into_response();
    let cookies = [
        super::sessions::session_cookie(&state, session.expose()),
        flow_cookie(&state, "", 0),
    ];
    for cookie in cookies {
        if let Ok(value) = header::HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_desktop_request_that_does_not_read_back_is_refused_not_taken_for_a_browsers() {
        let browser = Flow::from_cookie("s.n.v").unwrap();
        assert!(matches!(desktop_of(Some(&browser)), Ok(None)));
        assert!(matches!(desktop_of(None), Ok(None)));
        let garbled = Flow::from_cookie("s.n.v.bm90LWpzb24").unwrap();
        let refused = desktop_of(Some(&garbled)).unwrap_err();
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    }
}
