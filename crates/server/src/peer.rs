//! The address a request came from, for audit records and a credential's last use.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

/// The caller's IP address as text (`unknown` when the server was not told, e.g. in tests that
/// call the router directly).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer(pub String);

impl Peer {
    /// The peer of a request's parts.
    pub fn of(parts: &Parts) -> Self {
        Self::from_extensions(&parts.extensions)
    }

    /// The peer recorded in a request's extensions.
    pub fn from_extensions(extensions: &axum::http::Extensions) -> Self {
        Self(
            extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string()),
        )
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::of(parts))
    }
}
