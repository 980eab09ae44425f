//! Browser sessions of the admin: the admin link `scim-console serve` prints
//! (`/login?token=…`, the per-launch admin token) opens a session held in an HttpOnly,
//! SameSite=Strict cookie, so the UI in a browser never keeps the token in script-readable
//! storage. Sessions live in memory (they end with the server, like the admin token) and expire
//! after [`SESSION_HOURS`] hours; only their SHA-256 is kept.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rand::RngCore as _;
use serde::Deserialize;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use super::AdminError;
use crate::state::AppState;

/// The session cookie's name.
pub const COOKIE: &str = "scim_console_session";
/// How long a session lasts.
pub const SESSION_HOURS: u64 = 12;

/// The open sessions: the SHA-256 of each session id, with its end.
#[derive(Debug, Default)]
pub struct Sessions(Mutex<HashMap<[u8; 32], Instant>>);

impl Sessions {
    /// Opens a session; returns its id (256 random bits, base64url).
    fn open(&self) -> String {
        self.open_at(Instant::now())
    }

    fn open_at(&self, now: Instant) -> String {
        use base64::Engine as _;
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        let id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let mut open = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        open.retain(|_, end| *end > now);
        open.insert(
            Sha256::digest(id.as_bytes()).into(),
            now + Duration::from_secs(SESSION_HOURS * 3600),
        );
        id
    }

    /// Whether `id` is an open session (looked up by its hash, so not by comparing secrets).
    fn is_open(&self, id: &str) -> bool {
        self.is_open_at(id, Instant::now())
    }

    fn is_open_at(&self, id: &str, now: Instant) -> bool {
        let key: [u8; 32] = Sha256::digest(id.as_bytes()).into();
        let open = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        open.get(&key).is_some_and(|end| *end > now)
    }

    fn close(&self, id: &str) {
        let key: [u8; 32] = Sha256::digest(id.as_bytes()).into();
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&key);
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_open_close_and_are_kept_hashed() {
        let sessions = Sessions::default();
        let id = sessions.open();
        assert_eq!(id.len(), 43);
        assert!(sessions.is_open(&id));
        assert!(!sessions.is_open("x"));
        let stored = sessions.0.lock().unwrap();
        assert!(
            !stored.keys().any(|k| k.as_slice() == id.as_bytes()),
            "only hashes are kept"
        );
        drop(stored);
        sessions.close(&id);
        assert!(!sessions.is_open(&id));
    }

    #[test]
    fn sessions_end_after_their_lifetime() {
        let sessions = Sessions::default();
        let start = Instant::now();
        let id = sessions.open_at(start);
        let lifetime = Duration::from_secs(SESSION_HOURS * 3600);
        let almost = Duration::from_secs(SESSION_HOURS * 3600 - 1);
        assert!(sessions.is_open_at(&id, start + almost));
        assert!(!sessions.is_open_at(&id, start + lifetime));
        // Ended sessions are dropped when the next one opens.
        sessions.open_at(start + lifetime);
        assert_eq!(sessions.0.lock().unwrap().len(), 1);
    }

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
