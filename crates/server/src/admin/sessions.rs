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

use scim_console_core::administrators::sessions::ABSOLUTE_HOURS;

use super::access::Caller;
use super::{AdminError, ErrorBody};
use crate::state::AppState;

/// The session cookie's name.
pub const COOKIE: &str = "scim_console_session";

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
        Some(administrator) => {
            Caller::Administrator(state.store.administrator(&administrator).await?)
        }
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
    let id = state.store.open_admin_session(None, &peer.0, agent).await?;
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

/// The largest sign-in body read (a code is 43 characters).
const MAX_LINK_BODY: usize = 1024;

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
    let bytes = axum::body::to_bytes(body, MAX_LINK_BODY)
        .await
        .map_err(|_| {
            AdminError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("a sign-in body is at most {MAX_LINK_BODY} bytes"),
            )
        })?;
    let link: LinkBody = serde_json::from_slice(&bytes).map_err(|e| {
        AdminError::new(
            StatusCode::BAD_REQUEST,
            format!("send {{\"code\": \"…\"}} as JSON: {e}"),
        )
    })?;
    let administrator = match state.store.redeem_sign_in_link(&link.code, &peer.0).await {
        Ok(administrator) => administrator,
        Err(scim_console_core::CoreError::Forbidden(why)) => {
            return Ok(super::refused(&state, &source, &why));
        }
        Err(other) => return Err(other.into()),
    };
    state.backoff.accepted(&source);
    let agent = crate::headers::header_text(&headers, &header::USER_AGENT);
    let id = state
        .store
        .open_admin_session(Some(&administrator.id), &peer.0, agent)
        .await?;
    Ok((
        StatusCode::OK,
        [
            (
                header::SET_COOKIE,
                set_cookie(&state, id.expose(), ABSOLUTE_HOURS * 3600),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        axum::Json(SignedInView {
            email: administrator.email,
            name: administrator.name,
        }),
    )
        .into_response())
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
