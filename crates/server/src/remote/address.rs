//! A remote console's address: `https://host[:port][/prefix]`, or plain `http` to this machine
//! only (a token would otherwise cross a network in clear); never credentials or a query.

use std::fmt;

use reqwest::Url;

use super::RemoteError;

/// A console's base address, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteUrl(Url);

impl RemoteUrl {
    /// Reads an address as an admin types it (surrounding space ignored, no trailing slash
    /// needed).
    pub fn parse(text: &str) -> Result<Self, RemoteError> {
        let mut url = Url::parse(text.trim()).map_err(|_| {
            RemoteError::Address("is not a URL like https://console.example.com".to_owned())
        })?;
        let loopback = url.host_str().is_some_and(|h| {
            h.eq_ignore_ascii_case("localhost")
                || h.trim_matches(['[', ']'])
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        });
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => {
                return Err(RemoteError::Address(
                    "must be an https:// address (plain http only to this machine: the API token would cross the network in clear)".to_owned(),
                ));
            }
        }
        if !url.username().is_empty() || url.password().is_some() || url.query().is_some() {
            return Err(RemoteError::Address(
                "must not carry credentials or a query: the API token is given on its own"
                    .to_owned(),
            ));
        }
        url.set_fragment(None);
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(Self(url))
    }

    /// The address of `path` (and its `?query`) under the console — always on the console's
    /// own origin: a path that reads as an address of its own (`/https:other.example/…`) stays a
    /// path here, so the token sent with it never goes elsewhere.
    pub fn join(&self, path: &str) -> Url {
        let (path, query) = path
            .split_once('?')
            .map_or((path, None), |(p, q)| (p, Some(q)));
        let mut url = self.0.clone();
        url.set_path(&format!(
            "{}{}",
            self.0.path(),
            path.trim_start_matches('/')
        ));
        url.set_query(query);
        url
    }

    /// The origin (`https://host:port`), as a browser names it in `Origin`.
    pub fn origin(&self) -> String {
        self.0.origin().ascii_serialization()
    }

    /// Whether it is TLS.
    pub fn is_https(&self) -> bool {
        self.0.scheme() == "https"
    }

    /// The address as a `reqwest` URL.
    pub fn url(&self) -> &Url {
        &self.0
    }
}

impl fmt::Display for RemoteUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str().trim_end_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_http_only_here_and_no_secrets_in_the_address() {
        let url = RemoteUrl::parse(" https://scim.contoso.com:8443 ").unwrap();
        assert_eq!(url.to_string(), "https://scim.contoso.com:8443");
        assert_eq!(url.origin(), "https://scim.contoso.com:8443");
        assert_eq!(
            url.join("/api/health").as_str(),
            "https://scim.contoso.com:8443/api/health"
        );
        let prefixed = RemoteUrl::parse("https://contoso.com/console").unwrap();
        assert_eq!(
            prefixed.join("api/me").as_str(),
            "https://contoso.com/console/api/me"
        );
        assert_eq!(
            url.join("api/logs?after=0&limit=2").as_str(),
            "https://scim.contoso.com:8443/api/logs?after=0&limit=2"
        );
        // Whatever the path says, the request stays on the console.
        for hostile in [
            "/https:evil.example/x",
            "//evil.example/x",
            "/http://evil.example/",
        ] {
            let joined = url.join(hostile);
            assert_eq!(joined.origin(), url.url().origin(), "{hostile} → {joined}");
        }
        assert!(RemoteUrl::parse("http://127.0.0.1:8444").is_ok());
        assert!(RemoteUrl::parse("http://localhost:8444").is_ok());
        for refused in [
            "http://scim.contoso.com",
            "ftp://scim.contoso.com",
            "https://ops:pw@scim.contoso.com",
            "https://scim.contoso.com/?token=x",
            "scim.contoso.com",
        ] {
            assert!(RemoteUrl::parse(refused).is_err(), "{refused}");
        }
    }
}
