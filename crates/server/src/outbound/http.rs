//! The one HTTP client builder for every call the console makes — targets and their token
//! endpoints, the connection test, the conformance checker, alert webhooks, OAuth clients'
//! JWKS: rustls, redirects never followed (a redirect could carry a credential elsewhere), a
//! timeout, and a user agent naming the purpose.

use std::time::Duration;

/// A client builder for `purpose` (`SCIM Console/<version> (<purpose>)`), timing requests out
/// after `timeout`; the caller may add to it (a TLS floor, trusting the console's own
/// self-signed certificate over loopback) before building.
pub fn builder(purpose: &str, timeout: Duration) -> reqwest::ClientBuilder {
    crate::tls::install_crypto_provider();
    reqwest::Client::builder()
        .timeout(timeout)
        .user_agent(user_agent(purpose))
        .redirect(reqwest::redirect::Policy::none())
}

/// A transport failure, in words (never the URL's query or a header); `timeout` is the one the
/// client was built with.
pub fn describe(error: &reqwest::Error, timeout: Duration) -> String {
    if error.is_timeout() {
        format!("no answer within {} s", timeout.as_secs())
    } else if error.is_connect() {
        "could not connect: check the host, the port and that the service is running (and, for https, its certificate)".to_owned()
    } else if error.is_builder() {
        "the request could not be built: the URL is not a valid http(s) address".to_owned()
    } else {
        "the connection broke before the answer was complete".to_owned()
    }
}

/// Why a body could not be read within its cap.
#[derive(Debug)]
pub enum BodyError {
    /// The transport broke off.
    Transport(reqwest::Error),
    /// The body is longer than the cap.
    TooLarge(usize),
}

/// A response's body, read chunk by chunk and refused once it passes `max` bytes: whatever a
/// remote service sends back (a target, a token endpoint, a JWKS), the console holds at most
/// `max` bytes of it.
pub async fn read_capped(
    mut response: reqwest::Response,
    max: usize,
) -> Result<axum::body::Bytes, BodyError> {
    if response
        .content_length()
        .is_some_and(|n| usize::try_from(n).map_or(true, |n| n > max))
    {
        return Err(BodyError::TooLarge(max));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Transport)? {
        if body.len() + chunk.len() > max {
            return Err(BodyError::TooLarge(max));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.into())
}

/// `url` as it may be shown: without credentials (`user:password@`) or a query.
pub fn shown_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.set_query(None);
            parsed.set_fragment(None);
            parsed.to_string()
        }
        Err(_) => "(not a valid URL)".to_owned(),
    }
}

/// The user agent the console sends for `purpose`.
pub fn user_agent(purpose: &str) -> String {
    format!("SCIM Console/{} ({purpose})", env!("CARGO_PKG_VERSION"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_shown_without_credentials_or_query() {
        assert_eq!(
            shown_url("https://user:s3cret@idp.example/keys?token=abc#x"),
            "https://idp.example/keys"
        );
        assert_eq!(shown_url("not a url"), "(not a valid URL)");
    }

    #[test]
    fn the_user_agent_names_the_version_and_the_purpose() {
        let agent = user_agent("test connection");
        assert!(agent.starts_with("SCIM Console/"), "{agent}");
        assert!(agent.ends_with(" (test connection)"), "{agent}");
    }
}
