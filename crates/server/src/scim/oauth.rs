//! The OAuth 2.0 token endpoint of a configuration, `POST /scim/{slug}/oauth/token`
//! (RFC 6749 §3.2): the `client_credentials` and `refresh_token` grants, the client
//! authenticated with HTTP Basic, with `client_id`/`client_secret` in the form, or with a
//! signed JWT in `client_assertion` (RFC 7523 §2.2), RFC 6749 §5.2 error responses, and
//! `Cache-Control: no-store` on every answer.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use scim_console_core::CoreError;
use scim_console_core::logs::CredentialRefusal;
use scim_console_core::oauth::assertion::{
    self, ALGORITHMS, ASSERTION_TYPE, AssertionError, Expected,
};
use scim_console_core::oauth::{ClientKeys, Grant, OAuthError, SCOPE, TokenGrant};
use serde_json::json;

use super::log_context::SharedLogContext;
use crate::headers::header_text;
use crate::peer::Peer;
use crate::state::AppState;

/// An RFC 6749 §5.2 error as an HTTP response.
struct OAuthFailure {
    error: OAuthError,
    basic: bool,
}

impl IntoResponse for OAuthFailure {
    fn into_response(self) -> Response {
        let status = match self.error {
            OAuthError::InvalidClient(_) => StatusCode::UNAUTHORIZED,
            OAuthError::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        let body =
            json!({"error": self.error.code(), "error_description": self.error.description()});
        let mut response = no_store((status, axum::Json(body)).into_response());
        if status == StatusCode::UNAUTHORIZED {
            // RFC 6749 §5.2: a client that authenticated with Basic is told the scheme.
            let challenge = if self.basic {
                "Basic realm=\"SCIM Console\""
            } else {
                "Basic realm=\"SCIM Console\", charset=\"UTF-8\""
            };
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        response
    }
}

fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

fn invalid_request(detail: &str) -> OAuthError {
    OAuthError::InvalidRequest(detail.to_owned())
}

/// `client_id:client_secret` from an `Authorization: Basic` header (each form-urlencoded, as
/// RFC 6749 §2.3.1 asks).
fn basic_credentials(headers: &HeaderMap) -> Option<Result<(String, String), OAuthError>> {
    let value = header_text(headers, &header::AUTHORIZATION)?.trim();
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    let Some((id, secret)) = decoded.as_deref().and_then(|d| d.split_once(':')) else {
        return Some(Err(OAuthError::InvalidClient(
            "the Basic credentials are not base64 of client_id:client_secret".into(),
        )));
    };
    let unescape = |s: &str| -> String {
        form_urlencoded::parse(format!("v={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Some(Ok((unescape(id), unescape(secret))))
}

/// The answer to an address barred after repeated refused client credentials.
fn barred(bar: std::time::Duration) -> Response {
    let mut response = no_store(
        (
            StatusCode::TOO_MANY_REQUESTS,
            axum::Json(json!({
                "error": "invalid_client",
                "error_description": "too many refused client credentials from this address; retry after the delay in Retry-After",
            })),
        )
            .into_response(),
    );
    if let Ok(value) = HeaderValue::from_str(&crate::backoff::retry_after(bar)) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// The largest token request read: a form with a client assertion fits in a few KiB.
const MAX_FORM: usize = 16 * 1024;

/// `POST /scim/{slug}/oauth/token`. The client proves itself before the one writer is taken;
/// a refused client is counted with the endpoint's other refusals, not recorded, and an address
/// that keeps presenting refused client credentials is answered 429 (a valid client is honoured
/// from it all the same); each client's token requests share the per-token rate limit.
pub async fn token(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    log: Option<Extension<SharedLogContext>>,
    request: axum::extract::Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let headers = &parts.headers;
    let source = Peer::of(&parts).0;
    let basic = header_text(headers, &header::AUTHORIZATION)
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("basic "));
    let shared = log.map(|Extension(shared)| shared);
    let configuration = state.store.configuration_by_slug(&slug).await.ok();
    let note = |refusal: Option<CredentialRefusal>, credential: Option<String>| {
        if let (Some(shared), Some(configuration)) = (&shared, &configuration) {
            let mut known = shared
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            known.configuration = Some(configuration.id);
            known.credential = credential;
            known.refusal = refusal;
        }
    };
    let Ok(body) = axum::body::to_bytes(body, MAX_FORM).await else {
        return OAuthFailure {
            error: invalid_request(&format!("the form is larger than {MAX_FORM} bytes")),
            basic,
        }
        .into_response();
    };
    // The client id (public) is the record's credential; the form, which holds the secret, is
    // never recorded.
    let client_id = form_urlencoded::parse(&body)
        .find(|(k, _)| k == "client_id")
        .map(|(_, v)| v.into_owned())
        .or_else(|| {
            basic_credentials(headers)
                .and_then(Result::ok)
                .map(|(id, _)| id)
        })
        .or_else(|| {
            form_urlencoded::parse(&body)
                .find(|(k, _)| k == "client_assertion")
                .and_then(|(_, v)| assertion::claimed_client(&v).ok())
        })
        .filter(|id| id.starts_with("scimc_") && id.len() <= 64);
    if let Some(id) = &client_id
        && let Err(wait) = state.limiter.check(&format!("oauth-client:{id}"))
    {
        // Not yet authenticated: counted like any refusal, never a row of its own.
        note(Some(CredentialRefusal::Invalid), client_id.clone());
        let mut response = OAuthFailure {
            error: invalid_request(
                "too many token requests for this client; retry after the delay in Retry-After",
            ),
            basic,
        }
        .into_response();
        *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        if let Ok(value) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return response;
    }
    match grant(&state, &slug, &parts, &body).await {
        Ok(response) => {
            state.backoff.accepted(&source);
            note(None, client_id);
            response
        }
        Err(error) => {
            // A refused token request — whatever the reason: a malformed form is as free to
            // send as a wrong secret — is counted with the endpoint's other refusals, never a
            // row of its own; an address that keeps presenting refused clients waits (a valid
            // client is honoured from it all the same).
            let refusal = if client_id.is_some() {
                CredentialRefusal::Invalid
            } else {
                CredentialRefusal::Missing
            };
            note(Some(refusal), client_id);
            if matches!(error, OAuthError::InvalidClient(_)) {
                if let Some(bar) = state.backoff.barred(&source) {
                    return barred(bar);
                }
                state.backoff.refused(&source);
            }
            OAuthFailure { error, basic }.into_response()
        }
    }
}

async fn grant(
    state: &AppState,
    slug: &str,
    parts: &Parts,
    body: &[u8],
) -> Result<Response, OAuthError> {
    let headers = &parts.headers;
    let media = header_text(headers, &header::CONTENT_TYPE)
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if media != "application/x-www-form-urlencoded" {
        return Err(invalid_request(
            "send the parameters as application/x-www-form-urlencoded (RFC 6749 §4.4.2)",
        ));
    }
    let mut params: Vec<(String, String)> = Vec::new();
    for (k, v) in form_urlencoded::parse(body) {
        if params.iter().any(|(seen, _)| *seen == k) {
            return Err(invalid_request(&format!("the parameter {k} is repeated")));
        }
        params.push((k.into_owned(), v.into_owned()));
    }
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if param("grant_type").is_none() {
        return Err(invalid_request("grant_type is missing"));
    }
    // The only scope is the SCIM endpoint; asking for none gets it too (RFC 6749 §3.3).
    if let Some(asked) = param("scope")
        && let Some(other) = asked.split(' ').find(|s| !s.is_empty() && *s != SCOPE)
    {
        return Err(OAuthError::InvalidScope(format!(
            "\"{other}\" is not a scope of this server; ask for \"{SCOPE}\" (or no scope)"
        )));
    }
    if param("client_assertion").is_some() || param("client_assertion_type").is_some() {
        if basic_credentials(headers).is_some() || param("client_secret").is_some() {
            return Err(invalid_request(
                "the client authenticated twice (client_assertion and a secret); use one",
            ));
        }
        let granted = by_assertion(state, slug, &params).await?;
        return Ok(answer(&granted));
    }
    let from_form = match (param("client_id"), param("client_secret")) {
        (Some(id), Some(secret)) => Some((id.to_owned(), secret.to_owned())),
        (None, None) => None,
        _ => {
            return Err(invalid_request(
                "send both client_id and client_secret, or authenticate with HTTP Basic",
            ));
        }
    };
    let (client_id, client_secret) = match (basic_credentials(headers), from_form) {
        (Some(_), Some(_)) => {
            return Err(invalid_request(
                "the client authenticated twice (Basic and form parameters); use one",
            ));
        }
        (Some(basic), None) => basic?,
        (None, Some(form)) => form,
        (None, None) => {
            return Err(OAuthError::InvalidClient(
                "authenticate the client with HTTP Basic or client_id and client_secret".into(),
            ));
        }
    };
    let grant = match param("grant_type") {
        Some("client_credentials") => Grant::ClientCredentials,
        Some("refresh_token") => Grant::RefreshToken(
            param("refresh_token")
                .ok_or_else(|| invalid_request("grant_type refresh_token needs refresh_token"))?
                .to_owned(),
        ),
        Some(other) => {
            return Err(OAuthError::UnsupportedGrantType(format!(
                "\"{other}\" is not supported; use client_credentials or refresh_token"
            )));
        }
        None => return Err(invalid_request("grant_type is missing")),
    };
    let granted = state
        .store
        .oauth_token(slug, &client_id, &client_secret, grant)
        .await?;
    tracing::info!(slug, client = %client_id, "OAuth access token issued");
    Ok(answer(&granted))
}

/// The RFC 6749 §5.1 answer.
fn answer(granted: &TokenGrant) -> Response {
    let mut body = json!({
        "access_token": granted.access_token.expose(),
        "token_type": "Bearer",
        "expires_in": granted.expires_in,
        "scope": SCOPE,
    });
    if let Some(refresh) = &granted.refresh_token {
        body["refresh_token"] = json!(refresh.expose());
    }
    no_store(axum::Json(body).into_response())
}

/// The issuer of a configuration's authorization server: at the server's public origin
/// (`--public-url`, else the bound address), never the request's `Host` — a forged `Host` must
/// neither rename the issuer in the metadata nor make an assertion addressed elsewhere valid.
fn issuer(state: &AppState, slug: &str) -> String {
    format!("{}/scim/{slug}", state.info.public_origin)
}

/// `client_credentials` for a client authenticating with a signed JWT (RFC 7523 §2.2).
async fn by_assertion(
    state: &AppState,
    slug: &str,
    params: &[(String, String)],
) -> Result<TokenGrant, OAuthError> {
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    match param("client_assertion_type") {
        Some(ASSERTION_TYPE) => {}
        Some(other) => {
            return Err(invalid_request(&format!(
                "client_assertion_type \"{other}\" is not supported; use {ASSERTION_TYPE}"
            )));
        }
        None => {
            return Err(invalid_request(&format!(
                "client_assertion needs client_assertion_type={ASSERTION_TYPE}"
            )));
        }
    }
    let jwt = param("client_assertion")
        .ok_or_else(|| invalid_request("client_assertion_type without client_assertion"))?;
    match param("grant_type") {
        Some("client_credentials") => {}
        Some("refresh_token") => {
            return Err(OAuthError::InvalidGrant(
                "a client authenticating with a JWT gets no refresh token: sign a new assertion for the next access token".into(),
            ));
        }
        Some(other) => {
            return Err(OAuthError::UnsupportedGrantType(format!(
                "\"{other}\" is not supported; use client_credentials"
            )));
        }
        None => return Err(invalid_request("grant_type is missing")),
    }
    let client_id = assertion::claimed_client(jwt).map_err(OAuthError::from)?;
    if let Some(named) = param("client_id")
        && named != client_id
    {
        return Err(OAuthError::InvalidClient(
            "client_id differs from the assertion's iss and sub".into(),
        ));
    }
    let issuer = issuer(state, slug);
    let audiences = [issuer.clone(), format!("{issuer}/oauth/token")];
    let now = state.store.now_us();
    let expected = Expected {
        client_id: &client_id,
        audiences: &audiences,
        now: now / 1_000_000,
    };
    let verified = match state.store.oauth_client_keys(slug, &client_id).await? {
        ClientKeys::Set(set) => assertion::verify(jwt, &set, &expected)?,
        ClientKeys::Url(url) => {
            let url = url.as_str();
            let fetch = |refresh| async move {
                state.jwks.keys(url, refresh, now).await.map_err(|e| {
                    OAuthError::InvalidClient(format!(
                        "client_assertion refused: the client's public keys could not be read: {e}"
                    ))
                })
            };
            match assertion::verify(jwt, &*fetch(false).await?, &expected) {
                // The client may have rotated its keys since they were fetched.
                Err(AssertionError::UnknownKey(_)) => {
                    assertion::verify(jwt, &*fetch(true).await?, &expected)?
                }
                other => other?,
            }
        }
    };
    let granted = state
        .store
        .oauth_token_by_assertion(slug, &client_id, &verified)
        .await?;
    tracing::info!(slug, client = %client_id, "OAuth access token issued for a client assertion");
    Ok(granted)
}

/// `GET /.well-known/oauth-authorization-server/scim/{slug}` (the RFC 8414 §3 form, the
/// well-known segment before the issuer's path) and `GET
/// /scim/{slug}/.well-known/oauth-authorization-server` (beside the issuer, where many clients
/// look): the authorization server metadata of a configuration's token endpoint.
pub async fn metadata(State(state): State<AppState>, Path(slug): Path<String>) -> Response {
    let configuration = match state.store.configuration_by_slug(&slug).await {
        Ok(c) => c,
        Err(CoreError::NotFound(_)) => {
            let body = json!({"error": "not_found", "error_description": format!("there is no SCIM configuration \"{slug}\"")});
            return (StatusCode::NOT_FOUND, axum::Json(body)).into_response();
        }
        Err(error) => {
            tracing::error!(%error, "OAuth metadata: the configuration could not be read");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let issuer = issuer(&state, &slug);
    // A configuration that lets in only JWT-authenticated clients offers nothing else.
    let (grants, methods) = if configuration.client_authentication.requires_jwt() {
        (json!(["client_credentials"]), json!(["private_key_jwt"]))
    } else {
        (
            json!(["client_credentials", "refresh_token"]),
            json!([
                "client_secret_basic",
                "client_secret_post",
                "private_key_jwt"
            ]),
        )
    };
    let body = json!({
        "issuer": issuer,
        "token_endpoint": format!("{issuer}/oauth/token"),
        "grant_types_supported": grants,
        "token_endpoint_auth_methods_supported": methods,
        "token_endpoint_auth_signing_alg_values_supported": ALGORITHMS,
        "scopes_supported": [SCOPE],
        "response_types_supported": [],
        "service_documentation": format!("{issuer}/v2/ServiceProviderConfig"),
    });
    axum::Json(body).into_response()
}
