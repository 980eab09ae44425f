//! The credential of a stored target: its bearer token from the keychain, or an access token
//! obtained from its OAuth token endpoint with its client credentials.

use std::sync::Arc;

use reqwest::{StatusCode, header};
use scim_console_core::targets::{RemoteTarget, TargetAuth};
use scim_console_core::{Secret, Store};
use serde_json::Value;

use super::{Endpoint, OutboundError, TIMEOUT, describe};

/// The largest answer read from a token endpoint.
const MAX_TOKEN_ANSWER: usize = 64 * 1024;

/// An OAuth token endpoint's refusal, in words (its `error` and `error_description`).
fn token_refusal(status: StatusCode, body: &[u8]) -> String {
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let error = json
        .as_ref()
        .and_then(|j| j["error"].as_str())
        .map(str::to_owned);
    let description = json
        .as_ref()
        .and_then(|j| j["error_description"].as_str())
        .map(|d| format!(": {d}"))
        .unwrap_or_default();
    match error {
        Some(e) => format!("the token endpoint refused with {status} {e}{description}"),
        None => format!("the token endpoint answered {status} without an OAuth error"),
    }
}

/// An access token from an OAuth 2.0 token endpoint (client credentials grant, the client
/// authenticated with HTTP Basic as RFC 6749 §2.3.1 prefers).
pub async fn client_credentials_token(
    http: &reqwest::Client,
    token_url: &str,
    client_id: &str,
    client_secret: &Secret,
    scope: Option<&str>,
) -> Result<Secret, String> {
    // Built in a block: the serializer is not `Send` and must not live across an await.
    let form = {
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "client_credentials");
        if let Some(scope) = scope {
            form.append_pair("scope", scope);
        }
        form.finish()
    };
    let response = http
        .post(token_url)
        .basic_auth(
            form_urlencoded::byte_serialize(client_id.as_bytes()).collect::<String>(),
            Some(
                form_urlencoded::byte_serialize(client_secret.expose().as_bytes())
                    .collect::<String>(),
            ),
        )
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .body(form)
        .send()
        .await
        .map_err(|e| format!("the token endpoint: {}", describe(&e)))?;
    let status = response.status();
    let body = super::http::read_capped(response, MAX_TOKEN_ANSWER)
        .await
        .map_err(|e| match e {
            super::http::BodyError::Transport(e) => format!("the token endpoint: {}", describe(&e)),
            super::http::BodyError::TooLarge(max) => {
                format!("the token endpoint's answer is larger than {max} bytes")
            }
        })?;
    if !status.is_success() {
        return Err(token_refusal(status, &body));
    }
    let json: Value = serde_json::from_slice(&body)
        .map_err(|_| "the token endpoint's answer is not JSON".to_owned())?;
    match json["access_token"].as_str() {
        Some(token) if !token.is_empty() && token.chars().all(|c| c.is_ascii_graphic()) => {
            Ok(Secret::new(token.to_owned()))
        }
        _ => Err("the token endpoint's answer holds no usable access_token".to_owned()),
    }
}

/// The bearer token for a stored target: its token, or an access token obtained with its client
/// credentials.
pub async fn resolve(store: &Store, target: &RemoteTarget) -> Result<Endpoint, OutboundError> {
    let secret = store
        .target_secret(target)
        .await
        .map_err(|e| OutboundError::Credential(e.to_string()))?;
    let bearer = match &target.auth {
        TargetAuth::Bearer => secret,
        TargetAuth::OauthClientCredentials {
            token_url,
            client_id,
            scope,
        } => {
            let http = super::http::builder("OAuth client", TIMEOUT)
                .build()
                .map_err(|error| {
                    tracing::error!(%error, "no HTTP client for a token endpoint");
                    OutboundError::Client
                })?;
            client_credentials_token(&http, token_url, client_id, &secret, scope.as_deref())
                .await
                .map_err(OutboundError::Credential)?
        }
    };
    Ok(Endpoint {
        base_url: target.base_url.clone(),
        bearer: Arc::new(bearer),
        name: target.name.clone(),
        trust_any_certificate: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_refusals_say_what_the_endpoint_said() {
        let said = token_refusal(
            StatusCode::UNAUTHORIZED,
            br#"{"error":"invalid_client","error_description":"unknown client"}"#,
        );
        assert!(said.contains("invalid_client: unknown client"), "{said}");
        assert!(
            token_refusal(StatusCode::BAD_GATEWAY, b"<html>").contains("without an OAuth error")
        );
    }
}
