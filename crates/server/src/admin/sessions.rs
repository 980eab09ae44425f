//! Browser sessions of the admin: the admin link `scim-console serve` prints
//! (`/login?token=…`, the per-launch admin token) opens a session held in an HttpOnly,
//! SameSite=Strict cookie, so the UI in a browser never keeps the token in script-readable
//! storage. Sessions live in memory (they end with the server, like the admin token) and expire
//! after [`SESSION_HOURS`] hours; only their SHA-256 is kept.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use subtle::ConstantTimeEq as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AdminError;
use crate::sessions::{COOKIE, SESSION_HOURS};
use crate::state::AppState;

/// The session id a request's cookie carries, if any.
pub(super) fn cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

/// Whether a request carries an open session.
pub(super) fn authenticated(state: &AppState, headers: &HeaderMap) -> bool {
    cookie(headers).is_some_and(|id| state.sessions.is_open(id))
}

fn set_cookie(state: &AppState, value: &str, max_age: u64) -> String {
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
    let id = state.sessions.open();
    Ok((
        StatusCode::SEE_OTHER,
        [
            (
                header::SET_COOKIE,
                set_cookie(&state, &id, SESSION_HOURS * 3600),
            ),
            (header::LOCATION, next),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
    )
        .into_response())
}

/// Ends the browser's session.
#[utoipa::path(post, path = "/api/logout", security(("admin_token" = [])),
    responses((status = 204)))]
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(id) = cookie(&headers) {
        state.sessions.close(id);
    }
    (
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, set_cookie(&state, "", 0))],
    )
        .into_response()
}

/// The routes of browser sessions.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(logout))
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
