//! Browser sessions of the admin: the admin link `scim-console serve` prints
//! (`/login?token=…`, the per-launch admin token) opens a session held in an HttpOnly,
//! SameSite=Strict cookie, so the UI in a browser never keeps the token in script-readable
//! storage. Sessions are stored in the console's database
//! ([`scim_console_core::administrators::sessions`]: only their SHA-256, with idle and absolute
//! timeouts), so a session opened on one instance holds on every instance, and signing out
//! ends it on all of them.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use subtle::ConstantTimeEq as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use scim_console_core::administrators::accounts::Administrator;
use scim_console_core::administrators::credentials::{PasswordAttempt, PasswordSignIn};
use scim_console_core::administrators::sessions::ABSOLUTE_HOURS;

use super::access::{Caller, Signed, Via};
use super::{AdminError, ErrorBody};
use crate::state::AppState;

/// The session cookie's name.
pub const COOKIE: &str = "scim_console_session";

/// The session id a request's cookie carries, if any.
pub(super) fn cookie(headers: &HeaderMap) -> Option<&str> {
    crate::headers::cookie(headers, COOKIE)
}

/// The `Set-Cookie` value that holds session `id` for as long as a session lasts.
pub(super) fn session_cookie(state: &AppState, id: &str) -> String {
    set_cookie(state, id, ABSOLUTE_HOURS * 3600)
}

/// Who a request's open session belongs to, if it carries one (the database failing: an
/// error, not a no).
pub(super) async fn caller(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Caller>, AdminError> {
    let Some(id) = cookie(headers) else {
        return Ok(None);
    };
    let Some(session) = state.store.admin_session(id).await? else {
        return Ok(None);
    };
    Ok(Some(match session.administrator {
        None => Caller::AdminToken,
        Some(administrator) => Caller::Administrator(Signed {
            administrator: state.store.administrator(&administrator).await?,
            via: Via::Session(session.id),
        }),
    }))
}

fn set_cookie(state: &AppState, value: &str, max_age: i64) -> String {
    let secure = if state.scheme == "https" {
        "; Secure"
    } else {
        ""
    };
    format!("{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}")
}

/// The admin link's query.
#[derive(Debug, Deserialize)]
pub struct LoginParams {
    token: Option<String>,
    /// Where to go once the session is open: a path of this server (default: the UI, `/`).
    next: Option<String>,
}

/// Where the browser goes after logging in: a path on this server only (no `//host`, no
/// scheme), so the admin link cannot send the admin elsewhere.
fn landing(next: Option<&str>) -> Result<&str, AdminError> {
    match next {
        None => Ok("/"),
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.chars().any(char::is_control) =>
        {
            Ok(path)
        }
        Some(_) => Err(AdminError::new(
            StatusCode::BAD_REQUEST,
            "next: must be a path on this server, starting with a single /",
        )),
    }
}

/// Opens a session from the admin link and sends the browser on.
pub async fn login(
    State(state): State<AppState>,
    peer: crate::peer::Peer,
    headers: HeaderMap,
    Query(params): Query<LoginParams>,
) -> Result<Response, AdminError> {
    let next = landing(params.next.as_deref())?.to_owned();
    let presented = params.token.unwrap_or_default();
    let expected = state.admin_token.expose();
    let source = format!("admin {}", peer.0);
    if !bool::from(presented.as_bytes().ct_eq(expected.as_bytes())) {
        return Ok(super::refused(
            &state,
            &source,
            "this admin link is wrong or from an earlier run of the server; use the link `scim-console serve` printed this time",
        ));
    }
    state.backoff.accepted(&source);
    let agent = crate::headers::header_text(&headers, &header::USER_AGENT);
    let id = state
        .store
        .open_admin_session(None, "admin link", &peer.0, agent)
        .await?;
    Ok((
        StatusCode::SEE_OTHER,
        [
            (
                header::SET_COOKIE,
                set_cookie(&state, id.expose(), ABSOLUTE_HOURS * 3600),
            ),
            (header::LOCATION, next),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
    )
        .into_response())
}

/// A one-time sign-in link's code, as the sign-in page posts it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LinkBody {
    /// The code from the link's fragment (`/sign-in#code=…`).
    code: String,
}

/// Who signed in.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignedInView {
    /// The administrator's email.
    email: String,
    /// Its name.
    name: String,
}

/// The largest sign-in body read (a link's code is 43 characters; a password at most 256
/// bytes).
const MAX_SIGN_IN_BODY: usize = 2048;

/// Opens a session from a one-time sign-in link (`scim-console admin create|link` prints it):
/// the code, once, within 15 minutes, for an active administrator. A refused code counts
/// against the address like a refused token ([`crate::backoff`]).
#[utoipa::path(post, path = "/api/sign-in/link", request_body = LinkBody,
    responses((status = 200, body = SignedInView), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn sign_in_with_link(
    State(state): State<AppState>,
    peer: crate::peer::Peer,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Response, AdminError> {
    let source = format!("admin {}", peer.0);
    if state.backoff.barred(&source).is_some() {
        return Ok(super::refused(&state, &source, ""));
    }
    let link: LinkBody = sign_in_body(body, r#"{"code": "…"}"#).await?;
    let administrator = match state.store.redeem_sign_in_link(&link.code, &peer.0).await {
        Ok(administrator) => administrator,
        Err(scim_console_core::CoreError::Forbidden(why)) => {
            return Ok(super::refused(&state, &source, &why));
        }
        Err(other) => return Err(other.into()),
    };
    state.backoff.accepted(&source);
    signed_in(&state, &administrator, "one-time link", &peer, &headers).await
}

/// Opens a session for `administrator`, signed in `via` a credential: the cookie, and who.
async fn signed_in(
    state: &AppState,
    administrator: &Administrator,
    via: &str,
    peer: &crate::peer::Peer,
    headers: &HeaderMap,
) -> Result<Response, AdminError> {
    let agent = crate::headers::header_text(headers, &header::USER_AGENT);
    let id = state
        .store
        .open_admin_session(Some(&administrator.id), via, &peer.0, agent)
        .await?;
    Ok((
        StatusCode::OK,
        [
            (
                header::SET_COOKIE,
                set_cookie(state, id.expose(), ABSOLUTE_HOURS * 3600),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        axum::Json(SignedInView {
            email: administrator.email.clone(),
            name: administrator.name.clone(),
        }),
    )
        .into_response())
}

/// A password sign-in, as the sign-in page posts it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PasswordSignInBody {
    /// The administrator's email.
    email: String,
    /// Its password.
    password: String,
    /// The code its authenticator app shows now.
    code: String,
}

/// Reads a small JSON sign-in body (at most [`MAX_SIGN_IN_BODY`] bytes).
pub(super) async fn sign_in_body<T: serde::de::DeserializeOwned>(
    body: axum::body::Body,
    shape: &str,
) -> Result<T, AdminError> {
    let bytes = axum::body::to_bytes(body, MAX_SIGN_IN_BODY)
        .await
        .map_err(|_| {
            AdminError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("a sign-in body is at most {MAX_SIGN_IN_BODY} bytes"),
            )
        })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        AdminError::new(
            StatusCode::BAD_REQUEST,
            format!("send {shape} as JSON: {e}"),
        )
    })
}

/// Opens a session with an email, a password and a TOTP code. A refusal does not say which
/// was wrong; it counts against the address ([`crate::backoff`]) and the account (locked
/// for a while after five in a row: `429` with `Retry-After`).
#[utoipa::path(post, path = "/api/sign-in/password", request_body = PasswordSignInBody,
    responses((status = 200, body = SignedInView), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn sign_in_with_password(
    State(state): State<AppState>,
    peer: crate::peer::Peer,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Response, AdminError> {
    let source = format!("admin {}", peer.0);
    if state.backoff.barred(&source).is_some() {
        return Ok(super::refused(&state, &source, ""));
    }
    let attempt: PasswordSignInBody =
        sign_in_body(body, r#"{"email": "…", "password": "…", "code": "123456"}"#).await?;
    let outcome = state
        .store
        .sign_in_with_password(PasswordAttempt {
            email: &attempt.email,
            password: &attempt.password,
            code: &attempt.code,
            source: &peer.0,
        })
        .await?;
    match outcome {
        PasswordSignIn::SignedIn(administrator) => {
            state.backoff.accepted(&source);
            signed_in(&state, &administrator, "password", &peer, &headers).await
        }
        PasswordSignIn::Refused => Ok(super::refused(
            &state,
            &source,
            "the email, password or code is wrong (a code works once: wait for the next one)",
        )),
        PasswordSignIn::Locked(until) => {
            let seconds = (until - chrono::Utc::now()).num_seconds().max(1);
            let mut response = AdminError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "this account is locked after failed sign-ins until {} (UTC); an owner can also send a new sign-in link",
                    until.format("%H:%M:%S")
                ),
            )
            .into_response();
            if let Ok(value) = header::HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            Ok(response)
        }
    }
}

/// Ends the browser's session.
#[utoipa::path(post, path = "/api/logout", security(("admin_token" = [])),
    responses((status = 204)))]
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AdminError> {
    if let Some(id) = cookie(&headers) {
        state.store.close_admin_session(id).await?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, set_cookie(&state, "", 0))],
    )
        .into_response())
}

/// The routes of browser sessions.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(logout))
        .routes(routes!(sign_in_with_link))
        .routes(routes!(sign_in_with_password))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_landing_is_a_path_of_this_server() {
        assert_eq!(landing(None).unwrap(), "/");
        assert_eq!(landing(Some("/api/logs?x=1")).unwrap(), "/api/logs?x=1");
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "api",
            "/a\nb",
        ] {
            assert!(landing(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            format!("a=1; {COOKIE}=abc; b=2").parse().unwrap(),
        );
        assert_eq!(cookie(&headers), Some("abc"));
        assert_eq!(cookie(&HeaderMap::new()), None);
    }
}
