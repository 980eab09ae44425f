//! The admin UI, embedded in the binary at build time (see `build.rs`): its files at their
//! paths, and `index.html` for every other page path so the UI's own routes load directly.
//! Hashed files under `/assets/` are cached for good; the page itself never is, so a new build
//! is picked up at once.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::admin::AdminError;

mod assets {
    include!(concat!(env!("OUT_DIR"), "/ui_assets.rs"));
}

/// Whether this build carries the UI.
pub fn embedded() -> bool {
    asset("index.html").is_some()
}

fn asset(path: &str) -> Option<(&'static str, &'static [u8])> {
    assets::ASSETS
        .binary_search_by(|(p, _, _)| (*p).cmp(path))
        .ok()
        .map(|i| (assets::ASSETS[i].1, assets::ASSETS[i].2))
}

/// What `/` answers when the binary was built without the UI.
const NOT_BUILT: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>SCIM Console</title></head><body><h1>SCIM Console</h1><p>This build of SCIM Console carries no admin UI: it was compiled before <code>ui/dist</code> existed. Build it with <code>cargo xtask run</code> (or <code>npm ci &amp;&amp; npm run build</code> in <code>ui/</code>, then rebuild). The SCIM endpoint and the admin API under <code>/api</code> work without it.</p></body></html>";

/// Answers every request no other route took: a UI file, the UI page for page paths, or a
/// 404 (JSON under `/api`, as the rest of the admin API).
pub async fn serve(request: Request) -> Response {
    let path = request.uri().path();
    if path == "/api" || path.starts_with("/api/") {
        return AdminError::new(
            StatusCode::NOT_FOUND,
            format!("the admin API has no resource at {path}"),
        )
        .into_response();
    }
    if path.starts_with("/scim/") {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
            "method not allowed",
        )
            .into_response();
    }
    let relative = path.trim_start_matches('/');
    if let Some((media, bytes)) = asset(relative).filter(|_| !relative.is_empty()) {
        let cache = if relative.starts_with("assets/") {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        return file(media, bytes, cache);
    }
    // A file-like path that is not there is a 404; any other path is a page of the UI.
    let last = relative.rsplit('/').next().unwrap_or_default();
    if relative.starts_with("assets/") || last.contains('.') {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    match asset("index.html") {
        Some((media, bytes)) => file(media, bytes, "no-cache"),
        None => file("text/html; charset=utf-8", NOT_BUILT.as_bytes(), "no-cache"),
    }
}

fn file(media: &'static str, bytes: &'static [u8], cache: &'static str) -> Response {
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ipc: http://ipc.localhost; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
    );
    response
}
