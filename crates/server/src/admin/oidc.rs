//! Administrators sign in through the console's OpenID Connect provider (Microsoft Entra ID,
//! Okta, Google, Keycloak…): the authorization code flow with PKCE, the provider found by
//! discovery, `state` and `nonce` checked, the ID token validated (signature against the
//! provider's keys, issuer, audience, expiry, nonce) by the `openidconnect` crate. The email the
//! ID token vouches for (`email`, unless `email_verified` is false) signs in the invited
//! administrator with that email ([`scim_console_core::administrators::federated`]).
//!
//! `GET /api/sign-in/oidc` sends the browser to the provider, with the flow's `state`, `nonce`
//! and PKCE verifier in a short-lived HttpOnly cookie (SameSite=Lax, so that the provider's
//! redirect back carries it; on this path only); `GET /api/sign-in/oidc/callback` finishes.
//! The provider is configured on `serve` (`--oidc-issuer`, `--oidc-client-id`,
//! `SCIM_CONSOLE_OIDC_CLIENT_SECRET`), so every instance agrees.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, HttpRequest, HttpResponse, IssuerUrl,
    Nonce, OAuth2TokenResponse as _, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    TokenResponse as _,
};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use scim_console_core::token::Secret;

use super::AdminError;
use crate::state::AppState;

/// The flow cookie's name.
const FLOW_COOKIE: &str = "scim_console_oidc";
/// How long a sign-in at the provider may take.
const FLOW_SECONDS: u32 = 600;
/// The largest answer read from the provider.
const MAX_ANSWER: usize = 1024 * 1024;
/// Why a sign-in found no email.
const NO_EMAIL: &str = "the provider vouched for no email address: allow the email scope (Entra ID: add the optional claim \"email\")";
/// Where the provider sends the browser back, under the console's public origin.
pub const CALLBACK_PATH: &str = "/api/sign-in/oidc/callback";

/// The console's OpenID Connect provider, as `serve` was told.
#[derive(Debug, Clone)]
pub struct OidcSettings {
    /// The issuer (`https://login.microsoftonline.com/{tenant}/v2.0`); discovery reads
    /// `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    /// The console's client id at the provider.
    pub client_id: String,
    /// Its client secret, when the provider gave one.
    pub client_secret: Option<Secret>,
    /// What the sign-in button says (`Sign in with {name}`).
    pub name: String,
}

impl OidcSettings {
    /// The settings checked: an `https` issuer (`http` on a loopback address, for tests), and
    /// not one of Entra ID's shared endpoints, whose tokens any tenant's users can get.
    pub fn checked(self) -> Result<Self, String> {
        let url = reqwest::Url::parse(self.issuer.trim())
            .map_err(|e| format!("--oidc-issuer \"{}\" is not a URL: {e}", self.issuer))?;
        let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        if url.scheme() != "https" && !loopback {
            return Err(format!(
                "--oidc-issuer \"{}\" must be https:// (only a loopback issuer may be http://)",
                self.issuer
            ));
        }
        let path = url.path().to_ascii_lowercase();
        if ["/common", "/organizations", "/consumers"]
            .iter()
            .any(|shared| path.starts_with(shared))
        {
            return Err(format!(
                "--oidc-issuer \"{}\" is a shared Microsoft endpoint: any tenant's users could sign in; use your tenant's issuer, https://login.microsoftonline.com/<tenant id>/v2.0",
                self.issuer
            ));
        }
        if self.client_id.trim().is_empty() {
            return Err("--oidc-client-id is empty".into());
        }
        Ok(self)
    }
}

/// The configured provider and the HTTP client that reaches it (no redirects followed).
#[derive(Debug)]
pub struct Oidc {
    settings: OidcSettings,
    http: ProviderHttp,
}

/// The HTTP client `openidconnect` calls the provider with: this crate's reqwest, answers
/// read up to [`MAX_ANSWER`].
#[derive(Debug)]
struct ProviderHttp(reqwest::Client);

impl<'c> openidconnect::AsyncHttpClient<'c> for ProviderHttp {
    type Error = ProviderHttpError;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<HttpResponse, ProviderHttpError>> + Send + 'c>,
    >;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(send(&self.0, request))
    }
}

async fn send(
    http: &reqwest::Client,
    request: HttpRequest,
) -> Result<HttpResponse, ProviderHttpError> {
    let mut response = http.execute(reqwest::Request::try_from(request)?).await?;
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > MAX_ANSWER {
            return Err(ProviderHttpError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    let mut answer = HttpResponse::new(body);
    *answer.status_mut() = response.status();
    *answer.headers_mut() = response.headers().clone();
    Ok(answer)
}

/// An HTTP failure reaching the provider.
#[derive(Debug, thiserror::Error)]
pub enum ProviderHttpError {
    /// The request failed.
    #[error(transparent)]
    Http(#[from] reqwest::Error),
    /// The answer was too large.
    #[error("the identity provider's answer is larger than 1 MiB")]
    TooLarge,
}

impl Oidc {
    /// The provider of `settings`.
    pub fn new(settings: OidcSettings) -> Result<Self, String> {
        let http =
            crate::outbound::http::builder("single sign-on", std::time::Duration::from_secs(15))
                .build()
                .map_err(|e| format!("the OpenID Connect HTTP client: {e}"))?;
        Ok(Self {
            settings: settings.checked()?,
            http: ProviderHttp(http),
        })
    }

    /// The provider's name, for the sign-in button.
    pub fn name(&self) -> &str {
        &self.settings.name
    }

    /// The provider's metadata and keys, by discovery.
    async fn discover(&self) -> Result<CoreProviderMetadata, String> {
        let issuer = IssuerUrl::new(self.settings.issuer.trim().to_owned())
            .map_err(|e| format!("the issuer is not a URL: {e}"))?;
        CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| {
                format!(
                    "the identity provider could not be discovered: {}",
                    chain(&e)
                )
            })
    }

    /// Where to send the browser, and the flow's secrets to keep until it comes back.
    async fn start(&self, redirect: &str) -> Result<(String, Flow), String> {
        let client = CoreClient::from_provider_metadata(
            self.discover().await?,
            ClientId::new(self.settings.client_id.clone()),
            self.settings
                .client_secret
                .as_ref()
                .map(|s| ClientSecret::new(s.expose().to_owned())),
        )
        .set_redirect_uri(RedirectUrl::new(redirect.to_owned()).map_err(|e| e.to_string())?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge)
            .url();
        Ok((
            url.to_string(),
            Flow {
                state: state.secret().clone(),
                nonce: nonce.secret().clone(),
                verifier: verifier.secret().clone(),
            },
        ))
    }

    /// The email the provider vouches for after the browser came back with `code`.
    async fn finish(&self, redirect: &str, code: &str, flow: &Flow) -> Result<String, String> {
        let client = CoreClient::from_provider_metadata(
            self.discover().await?,
            ClientId::new(self.settings.client_id.clone()),
            self.settings
                .client_secret
                .as_ref()
                .map(|s| ClientSecret::new(s.expose().to_owned())),
        )
        .set_redirect_uri(RedirectUrl::new(redirect.to_owned()).map_err(|e| e.to_string())?);
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| format!("the provider has no token endpoint: {e}"))?
            .set_pkce_verifier(PkceCodeVerifier::new(flow.verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| format!("the provider refused the code: {}", chain(&e)))?;
        let id_token = tokens
            .id_token()
            .ok_or("the provider sent no ID token (is the openid scope allowed?)")?;
        let claims = id_token
            .claims(&client.id_token_verifier(), &Nonce::new(flow.nonce.clone()))
            .map_err(|e| format!("the ID token is not valid: {}", chain(&e)))?;
        if let Some(email) = claims.email() {
            if claims.email_verified() == Some(false) {
                return Err("the provider says your email address is not verified".into());
            }
            return Ok(email.as_str().to_owned());
        }
        // Providers that keep scope claims out of the ID token give them at the UserInfo
        // endpoint, for the same subject.
        let info: CoreUserInfoClaims = client
            .user_info(
                tokens.access_token().clone(),
                Some(claims.subject().clone()),
            )
            .map_err(|_| NO_EMAIL.to_owned())?
            .request_async(&self.http)
            .await
            .map_err(|e| format!("the provider's UserInfo endpoint failed: {}", chain(&e)))?;
        if info.email_verified() == Some(false) {
            return Err("the provider says your email address is not verified".into());
        }
        info.email()
            .map(|e| e.as_str().to_owned())
            .ok_or_else(|| NO_EMAIL.to_owned())
    }
}

/// An error and its causes, in one line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// What the flow keeps between leaving for the provider and coming back.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Flow {
    state: String,
    nonce: String,
    verifier: String,
}

impl Flow {
    fn cookie_value(&self) -> String {
        format!("{}.{}.{}", self.state, self.nonce, self.verifier)
    }

    fn from_cookie(value: &str) -> Option<Self> {
        let mut parts = value.split('.');
        let flow = Self {
            state: parts.next()?.to_owned(),
            nonce: parts.next()?.to_owned(),
            verifier: parts.next()?.to_owned(),
        };
        parts.next().is_none().then_some(flow)
    }
}

fn flow_cookie(state: &AppState, value: &str, max_age: u32) -> String {
    let secure = if state.scheme == "https" {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{FLOW_COOKIE}={value}; Path=/api/sign-in/oidc; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    )
}

fn redirect_uri(state: &AppState) -> String {
    format!("{}{CALLBACK_PATH}", state.info.public_origin)
}

/// The routes of single sign-on.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_in_methods))
        .routes(routes!(start_oidc))
        .routes(routes!(oidc_callback))
}

/// How administrators may sign in here.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignInMethodsView {
    /// The OpenID Connect provider's name, when one is configured (`Sign in with …`).
    pub provider: Option<String>,
}

/// How administrators may sign in: the identity provider, if one is configured (the password
/// form and one-time links always work).
#[utoipa::path(get, path = "/api/sign-in/methods", responses((status = 200, body = SignInMethodsView)))]
pub async fn sign_in_methods(State(state): State<AppState>) -> axum::Json<SignInMethodsView> {
    axum::Json(SignInMethodsView {
        provider: state.oidc.as_ref().map(|o| o.name().to_owned()),
    })
}

/// Sends the browser to the identity provider to sign in (303).
#[utoipa::path(get, path = "/api/sign-in/oidc",
    responses((status = 303), (status = 404, body = super::ErrorBody), (status = 502, body = super::ErrorBody)))]
pub async fn start_oidc(State(state): State<AppState>) -> Result<Response, AdminError> {
    let Some(oidc) = state.oidc.clone() else {
        return Err(AdminError::new(
            StatusCode::NOT_FOUND,
            "this console has no identity provider for sign-in (serve --oidc-issuer)",
        ));
    };
    let (url, flow) = oidc.start(&redirect_uri(&state)).await.map_err(|why| {
        tracing::warn!(error = %why, "OpenID Connect sign-in could not start");
        AdminError::new(StatusCode::BAD_GATEWAY, why)
    })?;
    Ok((
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, url),
            (
                header::SET_COOKIE,
                flow_cookie(&state, &flow.cookie_value(), FLOW_SECONDS),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
    )
        .into_response())
}

/// What the provider sends the browser back with.
#[derive(Debug, Deserialize)]
pub struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// A sign-in that did not happen, as a page with the reason and a way back.
fn failed(status: StatusCode, why: &str) -> Response {
    let why = why
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Html(format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign-in failed · SCIM Console</title></head><body><main><h1>Sign-in failed</h1><p>{why}</p><p><a href=\"/\">Back to the sign-in page</a></p></main></body></html>"
        )),
    )
        .into_response()
}

/// Finishes a sign-in at the identity provider: checks `state` against the flow's cookie,
/// exchanges the code (with the PKCE verifier), validates the ID token, and opens the
/// session of the invited administrator with the email it vouches for.
#[utoipa::path(get, path = "/api/sign-in/oidc/callback",
    responses((status = 303), (status = 401), (status = 403)))]
pub async fn oidc_callback(
    State(state): State<AppState>,
    peer: crate::peer::Peer,
    headers: HeaderMap,
    Query(params): Query<CallbackParams>,
) -> Result<Response, AdminError> {
    let source = format!("admin {}", peer.0);
    let Some(oidc) = state.oidc.clone() else {
        return Ok(failed(
            StatusCode::NOT_FOUND,
            "this console has no identity provider for sign-in",
        ));
    };
    if state.backoff.barred(&source).is_some() {
        return Ok(super::refused(&state, &source, ""));
    }
    if let Some(error) = params.error {
        let description = params.error_description.unwrap_or_default();
        return Ok(failed(
            StatusCode::UNAUTHORIZED,
            &format!("the identity provider answered {error}: {description}"),
        ));
    }
    let flow = super::sessions::named_cookie(&headers, FLOW_COOKIE).and_then(Flow::from_cookie);
    let (Some(flow), Some(code), Some(returned)) = (flow, params.code, params.state) else {
        state.backoff.refused(&source);
        return Ok(failed(
            StatusCode::UNAUTHORIZED,
            "this sign-in did not start here, or took more than 10 minutes: start again",
        ));
    };
    if !bool::from(returned.as_bytes().ct_eq(flow.state.as_bytes())) {
        state.backoff.refused(&source);
        return Ok(failed(
            StatusCode::UNAUTHORIZED,
            "the sign-in's state does not match this browser's: start again",
        ));
    }
    let email = match oidc.finish(&redirect_uri(&state), &code, &flow).await {
        Ok(email) => email,
        Err(why) => {
            tracing::warn!(error = %why, "OpenID Connect sign-in refused");
            state.backoff.refused(&source);
            return Ok(failed(StatusCode::UNAUTHORIZED, &why));
        }
    };
    let administrator = match state
        .store
        .sign_in_vouched_email(&email, oidc.name(), &peer.0)
        .await
    {
        Ok(a) => a,
        Err(scim_console_core::CoreError::Forbidden(why)) => {
            return Ok(failed(StatusCode::FORBIDDEN, &why));
        }
        Err(other) => return Err(other.into()),
    };
    state.backoff.accepted(&source);
    let agent = crate::headers::header_text(&headers, &header::USER_AGENT);
    let session = state
        .store
        .open_admin_session(Some(&administrator.id), "openid connect", &peer.0, agent)
        .await?;
    let mut response = (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, "/"), (header::CACHE_CONTROL, "no-store")],
    )
        .into_response();
    let cookies = [
        super::sessions::session_cookie(&state, session.expose()),
        flow_cookie(&state, "", 0),
    ];
    for cookie in cookies {
        if let Ok(value) = header::HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(issuer: &str) -> OidcSettings {
        OidcSettings {
            issuer: issuer.into(),
            client_id: "console".into(),
            client_secret: None,
            name: "Entra ID".into(),
        }
    }

    #[test]
    fn issuers_are_https_and_never_shared_microsoft_endpoints() {
        assert!(
            settings("https://login.microsoftonline.com/2f1c…/v2.0")
                .checked()
                .is_ok()
        );
        assert!(settings("http://127.0.0.1:9000").checked().is_ok());
        assert!(settings("http://idp.example.com").checked().is_err());
        for shared in ["common", "organizations", "consumers"] {
            let why = settings(&format!("https://login.microsoftonline.com/{shared}/v2.0"))
                .checked()
                .unwrap_err();
            assert!(why.contains("shared Microsoft endpoint"), "{why}");
        }
        assert!(settings("not a url").checked().is_err());
    }

    #[test]
    fn the_flow_survives_its_cookie_and_nothing_else_does() {
        let flow = Flow {
            state: "s".into(),
            nonce: "n".into(),
            verifier: "v".into(),
        };
        assert_eq!(Flow::from_cookie(&flow.cookie_value()), Some(flow));
        assert_eq!(Flow::from_cookie("a.b"), None);
        assert_eq!(Flow::from_cookie("a.b.c.d"), None);
    }
}
