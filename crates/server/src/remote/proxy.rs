//! The remote console's own UI in a local window: a proxy on `http://localhost:<port>` that
//! forwards every request to the remote over the connection's trusted (or pinned) TLS, signed in
//! with the connection's personal API token — which the page never sees.
//!
//! Only the window the app opened may use it: the app opens a one-time link
//! (`/__scim-console/open?code=…`) that sets a per-launch `HttpOnly`, `SameSite=Strict` cookie;
//! every other request needs that cookie, names the proxy in `Host` (no DNS rebinding) and, when
//! it has one, in `Origin` (no cross-site request). Anything else on this machine — another
//! browser, another process — gets a 403 and reaches nothing.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use rand::RngCore as _;
use scim_console_core::Secret;
use serde::Serialize;
use subtle::ConstantTimeEq as _;
use tokio::sync::oneshot;

use super::RemoteError;
use super::certificate::RemoteClient;

/// The cookie that lets the app's window in.
const COOKIE: &str = "scim_console_connection";
/// The path of the one-time link.
const OPEN_PATH: &str = "/__scim-console/open";
/// The path of what the window's connection bar shows.
const INFO_PATH: &str = "/__scim-console/connection";
/// The most of a request body forwarded (a plan import, a directory import).
const MAX_REQUEST: usize = 64 * 1024 * 1024;
/// How many one-time links may wait unused at once.
const PENDING_LINKS: usize = 4;

/// What a proxy shows and how it signs in.
#[derive(Debug)]
pub struct ProxyTarget {
    /// The connection's name (`Contoso production`).
    pub name: String,
    /// The connection's colour (a CSS colour: `#e03131`).
    pub colour: String,
    /// The client to the remote, with its trust.
    pub client: RemoteClient,
    /// The personal API token.
    pub token: Secret,
    /// The remote's version (from its health).
    pub version: String,
    /// Where the window goes back to this machine's console (its connections page).
    pub home: String,
}

/// What the window's connection bar shows (`GET /__scim-console/connection`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionInfo {
    /// The connection's name.
    pub name: String,
    /// Its colour.
    pub colour: String,
    /// The remote's address.
    pub url: String,
    /// The remote's version.
    pub version: String,
    /// The app's version.
    pub app_version: String,
    /// Whether the remote is older than the app (its UI may lack what the app's docs describe).
    pub older: bool,
    /// Where the window goes back to this machine's console.
    pub home: String,
}

struct Shared {
    target: ProxyTarget,
    origin: String,
    host: String,
    session: String,
    links: Mutex<Vec<String>>,
}

/// A running proxy; dropped or [`Proxy::stop`]ped, it stops.
pub struct Proxy {
    origin: String,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

fn random() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl Proxy {
    /// Starts a proxy for `target` on a free loopback port.
    pub async fn start(target: ProxyTarget) -> Result<Self, RemoteError> {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .map_err(|e| RemoteError::Refused(format!("no loopback port for the proxy: {e}")))?;
        let port = listener
            .local_addr()
            .map_err(|e| RemoteError::Refused(format!("the proxy's port: {e}")))?
            .port();
        let host = format!("localhost:{port}");
        let origin = format!("http://{host}");
        let shared = Arc::new(Shared {
            target,
            origin: origin.clone(),
            host,
            session: random(),
            links: Mutex::new(Vec::new()),
        });
        let router = Router::new().fallback(handle).with_state(shared.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let served = axum::serve(listener, router).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(error) = served.await {
                tracing::warn!(%error, "a connection's proxy stopped");
            }
        });
        Ok(Self {
            origin,
            shared,
            stop: Some(stop),
        })
    }

    /// `http://localhost:<port>`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// A link that lets one window in, once.
    pub fn open_link(&self) -> String {
        let code = random();
        let mut links = lock(&self.shared.links);
        if links.len() >= PENDING_LINKS {
            links.remove(0);
        }
        links.push(code.clone());
        format!("{}{OPEN_PATH}?code={code}", self.origin)
    }

    /// What the window's bar shows.
    pub fn info(&self) -> ConnectionInfo {
        info(&self.shared)
    }

    /// Stops serving (open streams end).
    pub fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Whether version `remote` is older than `app` (`major.minor.patch`; anything after `-` or
/// `+` ignored; unreadable parts count as 0).
pub fn is_older(remote: &str, app: &str) -> bool {
    fn parts(v: &str) -> [u64; 3] {
        let core = v.split(['-', '+']).next().unwrap_or_default();
        let mut out = [0; 3];
        for (slot, part) in out.iter_mut().zip(core.split('.')) {
            *slot = part.trim().parse().unwrap_or(0);
        }
        out
    }
    parts(remote) < parts(app)
}

fn info(shared: &Shared) -> ConnectionInfo {
    let app_version = env!("CARGO_PKG_VERSION").to_owned();
    ConnectionInfo {
        name: shared.target.name.clone(),
        colour: shared.target.colour.clone(),
        url: shared.target.client.base().to_string(),
        older: is_older(&shared.target.version, &app_version),
        version: shared.target.version.clone(),
        app_version,
        home: shared.target.home.clone(),
    }
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message.to_owned(),
    )
        .into_response()
}

fn equal(a: &str, b: &str) -> bool {
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Headers that belong to one hop, or that the proxy sets itself.
fn dropped(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "host"
            | "connection"
            | "keep-alive"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "cookie"
            | "authorization"
            | "origin"
            | "referer"
            | "content-length"
    )
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let headers = request.headers();
    // Named as this proxy, or not served (a rebinding DNS name reaches nothing).
    if headers.get(header::HOST).and_then(|h| h.to_str().ok()) != Some(shared.host.as_str()) {
        return refuse(
            StatusCode::MISDIRECTED_REQUEST,
            "this proxy answers only to its own name",
        );
    }
    if request.uri().path() == OPEN_PATH {
        return open(&shared, request.uri().query().unwrap_or_default());
    }
    if !crate::headers::cookie(headers, COOKIE).is_some_and(|c| equal(c, &shared.session)) {
        return refuse(
            StatusCode::FORBIDDEN,
            "Open this console from the SCIM Console app: this address serves only its window.",
        );
    }
    if let Some(origin) = headers.get(header::ORIGIN)
        && origin.as_bytes() != shared.origin.as_bytes()
    {
        return refuse(StatusCode::FORBIDDEN, "a request from another site");
    }
    if request.uri().path() == INFO_PATH {
        return axum::Json(info(&shared)).into_response();
    }
    forward(&shared, request).await
}

/// The one-time link: sets the window's cookie and goes to the console's start page.
fn open(shared: &Shared, query: &str) -> Response {
    let code = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let mut links = lock(&shared.links);
    let Some(at) = links.iter().position(|l| equal(l, &code)) else {
        return refuse(
            StatusCode::FORBIDDEN,
            "This link was used already: open the console again from the SCIM Console app.",
        );
    };
    links.remove(at);
    let cookie = format!(
        "{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/",
        shared.session
    );
    let mut response = StatusCode::SEE_OTHER.into_response();
    response
        .headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static("/"));
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// Forwards a request to the remote, signed in with the token; streams the answer back.
async fn forward(shared: &Shared, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts
        .uri
        .path_and_query()
        .map_or("/", axum::http::uri::PathAndQuery::as_str);
    let Ok(body) = axum::body::to_bytes(body, MAX_REQUEST).await else {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, "the request is too large");
    };
    let client = &shared.target.client;
    let mut outgoing = client
        .request(parts.method.clone(), path)
        .bearer_auth(shared.target.token.expose());
    for (name, value) in &parts.headers {
        if !dropped(name) {
            outgoing = outgoing.header(name, value);
        }
    }
    if parts.headers.contains_key(header::ORIGIN) {
        outgoing = outgoing.header(header::ORIGIN, client.base().origin());
    }
    if !body.is_empty() {
        outgoing = outgoing.body(body);
    }
    let answer = match outgoing.send().await {
        Ok(answer) => answer,
        Err(error) => {
            let error = client.explain(&error);
            tracing::warn!(%error, "a connection's request failed");
            return refuse(StatusCode::BAD_GATEWAY, &error.to_string());
        }
    };
    let mut response = Response::builder().status(answer.status());
    let remote = client.base().origin();
    for (name, value) in answer.headers() {
        if dropped(name)
            || *name == header::SET_COOKIE
            || *name == header::STRICT_TRANSPORT_SECURITY
        {
            continue;
        }
        if *name == header::LOCATION {
            // A redirect to the remote comes back to the proxy.
            let location = value.to_str().unwrap_or_default();
            let local = location.strip_prefix(&remote).map_or_else(
                || location.to_owned(),
                |rest| format!("{}{rest}", shared.origin),
            );
            if let Ok(value) = HeaderValue::from_str(&local) {
                response = response.header(name, value);
            }
            continue;
        }
        response = response.header(name, value);
    }
    if let Some(length) = answer.headers().get(header::CONTENT_LENGTH) {
        response = response.header(header::CONTENT_LENGTH, length);
    }
    response
        .body(Body::from_stream(answer.bytes_stream()))
        .unwrap_or_else(|_| refuse(StatusCode::BAD_GATEWAY, "the answer could not be passed on"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_by_number() {
        assert!(is_older("0.1.0", "0.2.0"));
        assert!(is_older("0.9.9", "0.10.0"));
        assert!(is_older("1.2.3-beta", "1.2.4"));
        assert!(!is_older("0.2.0", "0.2.0"));
        assert!(!is_older("0.3.0", "0.2.9"));
        assert!(!is_older("1.0.0+build", "1.0.0"));
    }
}
