//! The console's OpenID Connect provider, for administrators' single sign-on: its settings
//! (from `serve`), discovery, the authorization URL with PKCE, `state` and `nonce`, and the code
//! exchanged for an ID token validated by the `openidconnect` crate (signature against the
//! provider's keys, issuer, audience, expiry, nonce), whose email — or the UserInfo endpoint's —
//! names the administrator. The routes are `admin::oidc`'s.

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, HttpRequest, HttpResponse, IssuerUrl,
    Nonce, OAuth2TokenResponse as _, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    TokenResponse as _,
};
use scim_console_core::token::Secret;

/// The largest answer read from the provider.
const MAX_ANSWER: usize = 1024 * 1024;
/// Why a sign-in found no email.
const NO_EMAIL: &str = "the provider vouched for no email address: allow the email scope (Entra ID: add the optional claim \"email\")";

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
    /// The provider's metadata and keys, kept for [`DISCOVERY_TTL`]: whoever opens the
    /// sign-in page cannot make the console call the provider each time.
    discovered: tokio::sync::Mutex<Option<(std::time::Instant, CoreProviderMetadata)>>,
}

/// How long discovered metadata and keys are kept (a provider's key rotation is seen within).
const DISCOVERY_TTL: std::time::Duration = std::time::Duration::from_secs(300);

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
            discovered: tokio::sync::Mutex::new(None),
        })
    }

    /// The provider's name, for the sign-in button.
    pub fn name(&self) -> &str {
        &self.settings.name
    }

    /// The provider's metadata and keys, by discovery, kept for [`DISCOVERY_TTL`] (one
    /// discovery at a time: the lock is held while it runs).
    async fn discover(&self) -> Result<CoreProviderMetadata, String> {
        let mut kept = self.discovered.lock().await;
        if let Some((at, metadata)) = kept.as_ref()
            && at.elapsed() < DISCOVERY_TTL
        {
            return Ok(metadata.clone());
        }
        let issuer = IssuerUrl::new(self.settings.issuer.trim().to_owned())
            .map_err(|e| format!("the issuer is not a URL: {e}"))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| {
                format!(
                    "the identity provider could not be discovered: {}",
                    chain(&e)
                )
            })?;
        *kept = Some((std::time::Instant::now(), metadata.clone()));
        Ok(metadata)
    }

    /// Where to send the browser, and the flow's secrets to keep until it comes back.
    pub(crate) async fn start(&self, redirect: &str) -> Result<(String, Flow), String> {
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
                extra: None,
            },
        ))
    }

    /// The email the provider vouches for after the browser came back with `code`.
    pub(crate) async fn finish(
        &self,
        redirect: &str,
        code: &str,
        flow: &Flow,
    ) -> Result<String, String> {
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
pub(crate) struct Flow {
    /// The `state` sent.
    pub(crate) state: String,
    nonce: String,
    verifier: String,
    /// What the sign-in keeps besides, as URL-safe text with no `.` (a desktop app's sign-in:
    /// where it returns).
    pub(crate) extra: Option<String>,
}

impl Flow {
    /// The flow as a cookie's value.
    pub(crate) fn cookie_value(&self) -> String {
        let mut value = format!("{}.{}.{}", self.state, self.nonce, self.verifier);
        if let Some(extra) = &self.extra {
            value.push('.');
            value.push_str(extra);
        }
        value
    }

    /// The flow a cookie's value holds.
    pub(crate) fn from_cookie(value: &str) -> Option<Self> {
        let mut parts = value.split('.');
        let mut flow = Self {
            state: parts.next()?.to_owned(),
            nonce: parts.next()?.to_owned(),
            verifier: parts.next()?.to_owned(),
            extra: None,
        };
        flow.extra = parts.next().map(str::to_owned);
        parts.next().is_none().then_some(flow)
    }
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
            extra: None,
        };
        assert_eq!(Flow::from_cookie(&flow.cookie_value()), Some(flow.clone()));
        let desktop = Flow {
            extra: Some("eyJ4Ijox".into()),
            ..flow
        };
        assert_eq!(Flow::from_cookie(&desktop.cookie_value()), Some(desktop));
        assert_eq!(Flow::from_cookie("a.b"), None);
        assert_eq!(Flow::from_cookie("a.b.c.d.e"), None);
    }
}
