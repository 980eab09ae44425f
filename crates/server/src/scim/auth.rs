//! Who is calling: the configuration named by the URL's slug and a live bearer token of that
//! configuration, or a 401 / 403 / 404 / 429 SCIM error.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Path};
use axum::http::header;
use axum::http::request::Parts;
use scim::ScimError;
use scim_console_core::{Authentication, Configuration, Principal, RejectReason};

use super::http::ScimFailure;
use super::log_context::SharedLogContext;
use crate::headers::header_text;
use crate::peer::Peer;
use crate::state::AppState;

/// An authenticated SCIM caller.
#[derive(Clone)]
pub struct Tenant {
    /// The configuration.
    pub configuration: Configuration,
    /// Who is calling: the token or OAuth client used.
    pub principal: Principal,
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

/// The 401 answer to a refused credential, saying why.
fn refused(slug: &str, reason: &RejectReason) -> ScimFailure {
    match reason {
        RejectReason::Missing => {
            unauthorized("a bearer token is required: send Authorization: Bearer <token>")
        }
        RejectReason::Invalid => {
            unauthorized("the bearer token is not valid for this SCIM configuration")
        }
        RejectReason::Expired { at, .. } => unauthorized(&format!(
            "the bearer token expired on {}; the console's admin can issue a new one",
            at.to_rfc3339()
        )),
        RejectReason::Revoked { at, .. } => unauthorized(&format!(
            "the bearer token was revoked on {}; use the token that replaced it",
            at.to_rfc3339()
        )),
        RejectReason::NotAllowed { .. } => unauthorized(&format!(
            "this SCIM configuration accepts only OAuth access tokens of clients that authenticate with a signed JWT (client_credentials with RFC 7523 private_key_jwt at /scim/{slug}/oauth/token); bearer tokens and client secrets are refused"
        )),
    }
}

/// The answer to a barred source: 429 with how long to wait.
fn too_many_refusals(bar: std::time::Duration) -> ScimFailure {
    ScimFailure::from(ScimError::status(
        429,
        "too many refused credentials from this address; retry after the delay in Retry-After with a valid token",
    ))
    .with_header(header::RETRY_AFTER, &crate::backoff::retry_after(bar))
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

    /// The caller the recording middleware authenticated before the body was read (or, for a
    /// route outside it, authenticated now).
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match parts.extensions.remove::<Self>() {
            Some(tenant) => Ok(tenant),
            None => Self::authenticate(parts, state).await,
        }
    }
}

impl Tenant {
    /// Authenticates a request from its head alone: the configuration named by the slug and
    /// the bearer credential, the refused-credential backoff, the configuration's state and the
    /// token's rate limit. Nothing of the body is needed or read.
    pub(super) async fn authenticate(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, ScimFailure> {
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| {
                ScimFailure::from(ScimError::not_found(
                    "no SCIM configuration at this address",
                ))
            })?;
        let slug = params.get("slug").map(String::as_str).unwrap_or_default();
        let source = Peer::of(parts).0;
        let outcome = state
            .store
            .authenticate(slug, bearer(parts), &source)
            .await?;
        // Tell the provisioning log whose request this is, refused or not.
        if let Some(shared) = parts.extensions.get::<SharedLogContext>() {
            let mut known = shared
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match &outcome {
                Authentication::Accepted(c, principal) => {
                    known.configuration = Some(c.id);
                    known.credential = Some(principal.prefix.clone());
                    scim_console_core::logs::outbox::note_credential(&principal.prefix);
                }
                Authentication::Rejected(c, reason) => {
                    known.configuration = Some(c.id);
                    known.credential = reason.credential().map(str::to_owned);
                    known.refusal = Some(reason.refusal());
                }
                Authentication::UnknownConfiguration => {}
            }
        }
        match &outcome {
            Authentication::Accepted(..) => state.backoff.accepted(&source),
            Authentication::Rejected(..) => {
                // A source that keeps presenting refused credentials waits, doubling each time.
                if let Some(bar) = state.backoff.barred(&source) {
                    return Err(too_many_refusals(bar));
                }
                state.backoff.refused(&source);
            }
            Authentication::UnknownConfiguration => {}
        }
        let (configuration, principal) = match outcome {
            Authentication::UnknownConfiguration => {
                return Err(ScimError::not_found(format!(
                    "there is no SCIM configuration at /scim/{slug}/v2"
                ))
                .into());
            }
            Authentication::Rejected(_, reason) => return Err(refused(slug, &reason)),
            Authentication::Accepted(configuration, principal) => (*configuration, principal),
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
        if let Err(wait) = state.limiter.check(&principal.id) {
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
            principal,
            base_url,
        })
    }
}
