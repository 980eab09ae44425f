//! Reading request headers as text.

use axum::http::{HeaderMap, header};

/// A header's value as text, if present and readable.
pub fn header_text<'a>(headers: &'a HeaderMap, name: &header::HeaderName) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}
