//! Where a desktop app's sign-in returns ([`super::desktop_sign_in`]): the app's loopback
//! address, its `state`, its PKCE challenge and the device's name, checked when the sign-in
//! starts (RFC 8252 §7.3: `http` to a loopback IP literal with a port), kept in the OpenID
//! Connect flow's cookie meanwhile, and the redirect back to the app with a one-time code or
//! the reason the sign-in failed.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// The longest `redirect_uri` accepted.
const MAX_REDIRECT: usize = 200;
/// The longest `state` accepted.
const MAX_STATE: usize = 128;

/// Where a desktop sign-in returns: the app's loopback address, its `state`, the PKCE
/// challenge and the device's name — checked, and kept in the flow's cookie meanwhile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct DesktopReturn {
    redirect: String,
    state: String,
    challenge: String,
    device: String,
}

/// What the app asks with (`GET /api/sign-in/oidc/desktop`).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DesktopSignInParams {
    /// The app's loopback address: `http://127.0.0.1:<port>/<path>` or `http://[::1]:<port>/…`.
    pub(super) redirect_uri: Option<String>,
    /// The app's value, sent back unchanged (1 to 128 URL-safe characters).
    pub(super) state: Option<String>,
    /// The S256 PKCE challenge of the app's verifier.
    pub(super) code_challenge: Option<String>,
    /// `S256` (the only method accepted).
    pub(super) code_challenge_method: Option<String>,
    /// The computer's name, for the token's (1 to 60 characters).
    pub(super) device: Option<String>,
}

impl DesktopReturn {
    /// The request checked: a loopback `http` address by IP literal with a port and nothing
    /// else (RFC 8252 §7.3), a URL-safe state, an S256 challenge, a printable device name.
    pub(super) fn checked(params: DesktopSignInParams) -> Result<Self, String> {
        use scim_console_core::administrators::device_codes::{checked_challenge, checked_device};
        let redirect = params.redirect_uri.unwrap_or_default();
        let url = reqwest::Url::parse(&redirect)
            .ok()
            .filter(|_| redirect.len() <= MAX_REDIRECT);
        let loopback = url.as_ref().is_some_and(|u| {
            u.scheme() == "http"
                && matches!(u.host_str(), Some("127.0.0.1" | "[::1]"))
                && u.port().is_some()
                && u.username().is_empty()
                && u.password().is_none()
                && u.query().is_none()
                && u.fragment().is_none()
        });
        if !loopback {
            return Err("redirect_uri must be the app's loopback address, http://127.0.0.1:<port>/… or http://[::1]:<port>/…, with no query".into());
        }
        let state = params.state.unwrap_or_default();
        if state.is_empty()
            || state.len() > MAX_STATE
            || !state
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
        {
            return Err(format!(
                "state must be 1 to {MAX_STATE} URL-safe characters (letters, digits, - . _ ~)"
            ));
        }
        if params.code_challenge_method.as_deref() != Some("S256") {
            return Err("code_challenge_method must be S256".into());
        }
        let challenge = params.code_challenge.unwrap_or_default();
        checked_challenge(&challenge).map_err(|e| e.to_string())?;
        let device = checked_device(params.device.as_deref().unwrap_or_default())
            .map_err(|e| e.to_string())?
            .to_owned();
        Ok(Self {
            redirect,
            state,
            challenge,
            device,
        })
    }

    /// The request as the last part of the flow's cookie (base64url of its JSON).
    pub(super) fn cookie_part(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    /// The request a cookie's part holds, checked again.
    pub(super) fn from_cookie_part(part: &str) -> Option<Self> {
        let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .ok()?;
        let kept: Self = serde_json::from_slice(&json).ok()?;
        Self::checked(DesktopSignInParams {
            redirect_uri: Some(kept.redirect),
            state: Some(kept.state),
            code_challenge: Some(kept.challenge),
            code_challenge_method: Some("S256".into()),
            device: Some(kept.device),
        })
        .ok()
    }

    /// The PKCE challenge the code is bound to.
    pub(super) fn challenge(&self) -> &str {
        &self.challenge
    }

    /// The device's name.
    pub(super) fn device(&self) -> &str {
        &self.device
    }

    /// The app's address with `pairs` and the app's state.
    fn back_with(&self, pairs: &[(&str, &str)]) -> Response {
        let Ok(mut url) = reqwest::Url::parse(&self.redirect) else {
            // Checked when the sign-in started: never reached.
            return StatusCode::BAD_REQUEST.into_response();
        };
        url.query_pairs_mut()
            .extend_pairs(pairs)
            .append_pair("state", &self.state);
        (
            StatusCode::SEE_OTHER,
            [
                (header::LOCATION, url.to_string()),
                (header::CACHE_CONTROL, "no-store".to_owned()),
                (header::REFERRER_POLICY, "no-referrer".to_owned()),
            ],
        )
            .into_response()
    }

    /// Back to the app with the one-time code.
    pub(super) fn with_code(&self, code: &str) -> Response {
        self.back_with(&[("code", code)])
    }

    /// Back to the app with why the sign-in failed.
    pub(super) fn refused(&self, why: &str) -> Response {
        self.back_with(&[("error", "access_denied"), ("error_description", why)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(redirect: &str) -> DesktopSignInParams {
        DesktopSignInParams {
            redirect_uri: Some(redirect.into()),
            state: Some("s-1".into()),
            code_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into()),
            code_challenge_method: Some("S256".into()),
            device: Some("ada-laptop".into()),
        }
    }

    #[test]
    fn only_a_loopback_address_of_the_app_is_a_place_to_return_to() {
        for good in ["http://127.0.0.1:51234/callback", "http://[::1]:51234/"] {
            assert!(DesktopReturn::checked(params(good)).is_ok(), "{good}");
        }
        for bad in [
            "https://127.0.0.1:51234/callback",
            "http://localhost:51234/callback",
            "http://127.0.0.1/callback",
            "http://evil.example:51234/callback",
            "http://127.0.0.1.evil.example:51234/",
            "http://user@127.0.0.1:51234/",
            "http://127.0.0.1:51234/?next=x",
            "http://127.0.0.1:51234/#x",
            "javascript:alert(1)",
            "",
        ] {
            assert!(DesktopReturn::checked(params(bad)).is_err(), "{bad}");
        }
        let mut plain = params("http://127.0.0.1:1/");
        plain.code_challenge_method = Some("plain".into());
        assert!(DesktopReturn::checked(plain).is_err());
        let mut odd = params("http://127.0.0.1:1/");
        odd.state = Some("a b".into());
        assert!(DesktopReturn::checked(odd).is_err());
    }

    #[test]
    fn the_request_survives_the_cookie_and_comes_back_with_its_state() {
        let desktop = DesktopReturn::checked(params("http://127.0.0.1:51234/callback")).unwrap();
        let kept = DesktopReturn::from_cookie_part(&desktop.cookie_part()).unwrap();
        assert_eq!(kept, desktop);
        assert!(DesktopReturn::from_cookie_part("not base64 json").is_none());
        let back = kept.with_code("the-code");
        assert_eq!(back.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            back.headers()[header::LOCATION],
            "http://127.0.0.1:51234/callback?code=the-code&state=s-1"
        );
        let refused = kept.refused("not invited & such");
        assert_eq!(
            refused.headers()[header::LOCATION],
            "http://127.0.0.1:51234/callback?error=access_denied&error_description=not+invited+%26+such&state=s-1"
        );
    }
}
