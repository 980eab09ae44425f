//! Who is calling: the configuration named by the URL's slug and a live bearer token of that
//! configuration, or a 401 / 403 / 404 / 429 SCIM error.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Path};
use axum::http::header;
use axum::http::request::Parts;
use scim::ScimError;
use scim_console_core::{Authentication, Configuration, TokenInfo};

use super::http::{ScimFailure, header_text};
use crate::state::AppState;

/// An authenticated SCIM caller.
pub struct Tenant {
    /// The configuration.
    pub configuration: Configuration,
    /// The token used.
    pub token: TokenInfo,
    /// The SCIM base URL of the configuration as the caller reached it.
    pub base_url: String,
}

/// The bearer credential of a request, if it sent one.
fn bearer(parts: &Parts) -> Option<&str> {
    let value = header_text(&parts.headers, &header::AUTHORIZATION)?.trim();
    let (scheme, credential) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| credential.trim())
}

fn unauthorized(detail: &str) -> ScimFailure {
    ScimFailure::from(ScimError::status(401, detail)).with_header(
        header::WWW_AUTHENTICATE,
        "Bearer realm=\"SCIM Console\", error=\"invalid_token\"",
    )
}

/// The host the caller used (Host header, else the URI authority), if it is a sane one.
pub fn request_host(parts: &Parts) -> Option<String> {
    let host = header_text(&parts.headers, &header::HOST)
        .map(str::to_owned)
        .or_else(|| parts.uri.authority().map(ToString::to_string))?;
    let valid = !host.is_empty()
        && host.len() <= 255
        && host.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']' | b'_')
        });
    valid.then_some(host)
}

impl FromRequestParts<AppState> for Tenant {
    type Rejection = ScimFailure;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| {
                ScimFailure::from(ScimError::not_found(
                    "no SCIM configuration at this address",
                ))
            })?;
        let slug = params.get("slug").map(String::as_str).unwrap_or_default();
        let (configuration, token) = match state.store.authenticate(slug, bearer(parts)).await? {
            Authentication::UnknownConfiguration => {
                return Err(ScimError::not_found(format!(
                    "there is no SCIM configuration at /scim/{slug}/v2"
                ))
                .into());
            }
            Authentication::Rejected(_) if bearer(parts).is_none() => {
                return Err(unauthorized(
                    "a bearer token is required: send Authorization: Bearer <token>",
                ));
            }
            Authentication::Rejected(_) => {
                return Err(unauthorized(
                    "the bearer token is not valid for this SCIM configuration",
                ));
            }
            Authentication::Accepted(configuration, token) => (*configuration, token),
        };
        if !configuration.enabled {
            return Err(ScimError::status(
                403,
                format!(
                    "the SCIM configuration \"{}\" is disabled",
                    configuration.name
                ),
            )
            .into());
        }
        if let Err(wait) = state.limiter.check(&token.id) {
            let seconds = wait.as_secs().max(1).to_string();
            return Err(ScimFailure::from(ScimError::status(
                429,
                "too many requests for this token; retry after the delay in Retry-After",
            ))
            .with_header(header::RETRY_AFTER, &seconds));
        }
        let host = request_host(parts).unwrap_or_else(|| "localhost".into());
        let base_url = format!("{}://{host}/scim/{}/v2", state.scheme, configuration.slug);
        Ok(Self {
            configuration,
            token,
            base_url,
        })
    }
}
