//! The admin API of a remote console, as the CLI's verbs call it with `--server URL` and a
//! personal API token (`--api-token`, or `SCIM_CONSOLE_API_TOKEN`): one client, requests by
//! path segments (each one percent-encoded), answers read within a cap, and the API's error
//! JSON turned into an error that names what the server said and maps to an exit code.

use anyhow::{Context as _, Result};
use reqwest::{Method, StatusCode, Url};
use serde_json::Value;

/// The most of one answer the CLI holds (exports are streamed, not held).
const MAX_ANSWER: usize = 64 * 1024 * 1024;

/// How long one request may take.
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// What the server answered instead of the thing asked for.
#[derive(Debug, thiserror::Error)]
#[error("the server answered {status}: {message}{}", field.as_deref().map(|f| format!(" (field `{f}`)")).unwrap_or_default())]
pub(crate) struct Refusal {
    /// The HTTP status.
    pub(crate) status: StatusCode,
    /// The API's message.
    pub(crate) message: String,
    /// The input field at fault, when the API names one.
    pub(crate) field: Option<String>,
}

/// A remote console's admin API, signed in with a personal API token.
#[derive(Debug, Clone)]
pub(crate) struct ApiClient {
    base: Url,
    token: String,
    http: reqwest::Client,
}

impl ApiClient {
    /// A client for the console at `server` (`https://host[:port]`; plain `http` only to this
    /// machine, so a token never crosses a network in clear).
    pub(crate) fn new(server: &str, token: &str) -> Result<Self> {
        // The same rules as the desktop app's connections: https, or http to this machine.
        let base = scim_console_server::remote::RemoteUrl::parse(server)
            .map_err(|e| {
                anyhow::Error::new(scim_console_core::CoreError::invalid(
                    "--server",
                    e.to_string(),
                ))
            })?
            .url()
            .clone();
        let token = token.trim();
        if token.is_empty() {
            return Err(scim_console_core::CoreError::invalid(
                "--api-token",
                "is required with --server (or set SCIM_CONSOLE_API_TOKEN): create one on the console's Account page",
            )
            .into());
        }
        let http = scim_console_server::outbound::http::builder("command line", TIMEOUT)
            .build()
            .context("building the HTTP client")?;
        Ok(Self {
            base,
            token: token.to_owned(),
            http,
        })
    }

    /// The address of `segments` under the server (each segment percent-encoded).
    fn url(&self, segments: &[&str], query: &[(&str, String)]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (k, v.as_str())));
        }
        url
    }

    /// Sends a request and returns the raw answer once its status is a success.
    pub(crate) async fn send(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<reqwest::Response> {
        let url = self.url(segments, query);
        let mut request = self
            .http
            .request(method, url)
            .bearer_auth(&self.token)
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| self.transport(&e))?;
        if response.status().is_success() {
            return Ok(response);
        }
        Err(refusal(response).await.into())
    }

    /// Sends a request and reads its JSON answer (`null` for an empty one).
    pub(crate) async fn call(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Value> {
        let response = self.send(method, segments, query, body).await?;
        let bytes = scim_console_server::outbound::http::read_capped(response, MAX_ANSWER)
            .await
            .map_err(|_| anyhow::anyhow!("the server's answer broke off or passed 64 MiB"))?;
        if bytes.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&bytes)
            .context("the server's answer is not JSON: is --server the console's address?")
    }

    /// `GET` with a query.
    pub(crate) async fn get(&self, segments: &[&str], query: &[(&str, String)]) -> Result<Value> {
        self.call(Method::GET, segments, query, None).await
    }

    /// `POST` a JSON body.
    pub(crate) async fn post(&self, segments: &[&str], body: &Value) -> Result<Value> {
        self.call(Method::POST, segments, &[], Some(body)).await
    }

    /// `POST` a text body of `media` type (a CSV file, a JSON file as it is).
    pub(crate) async fn post_text(
        &self,
        segments: &[&str],
        media: &str,
        body: String,
    ) -> Result<Value> {
        let url = self.url(segments, &[]);
        let response = self
            .http
            .post(url)
            .bearer_auth(&self.token)
            .header(reqwest::header::CONTENT_TYPE, media)
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| self.transport(&e))?;
        if !response.status().is_success() {
            return Err(refusal(response).await.into());
        }
        let bytes = scim_console_server::outbound::http::read_capped(response, MAX_ANSWER)
            .await
            .map_err(|_| anyhow::anyhow!("the server's answer broke off or passed 64 MiB"))?;
        serde_json::from_slice(&bytes)
            .context("the server's answer is not JSON: is --server the console's address?")
    }

    /// A transport failure, naming the server (never a query or the token).
    fn transport(&self, e: &reqwest::Error) -> anyhow::Error {
        anyhow::anyhow!(
            "{}: {}",
            scim_console_server::outbound::http::shown_url(self.base.as_str()),
            scim_console_server::outbound::http::describe(e, TIMEOUT)
        )
    }

    /// `PATCH` a JSON body.
    pub(crate) async fn patch(&self, segments: &[&str], body: &Value) -> Result<Value> {
        self.call(Method::PATCH, segments, &[], Some(body)).await
    }

    /// `PUT` a JSON body.
    pub(crate) async fn put(&self, segments: &[&str], body: &Value) -> Result<Value> {
        self.call(Method::PUT, segments, &[], Some(body)).await
    }

    /// `DELETE`.
    pub(crate) async fn delete(&self, segments: &[&str]) -> Result<Value> {
        self.call(Method::DELETE, segments, &[], None).await
    }

    /// `GET` an export and writes its body as it arrives: to `output` (a file only its owner
    /// reads) or standard output.
    pub(crate) async fn download(
        &self,
        segments: &[&str],
        query: &[(&str, String)],
        output: Option<&std::path::Path>,
    ) -> Result<()> {
        use std::io::Write as _;
        let mut response = self.send(Method::GET, segments, query, None).await?;
        let mut out: Box<dyn std::io::Write> = match output {
            Some(path) => Box::new(std::io::BufWriter::new(
                scim_console_core::files::create_private(path)
                    .with_context(|| format!("creating {}", path.display()))?,
            )),
            None => Box::new(std::io::BufWriter::new(std::io::stdout())),
        };
        while let Some(chunk) = response
            .chunk()
            .await
            .context("the server's answer broke off")?
        {
            out.write_all(&chunk)?;
        }
        out.flush()?;
        Ok(())
    }

    /// A configuration by id, slug or name (any case), as the local commands find one.
    pub(crate) async fn configuration(&self, key: &str) -> Result<Value> {
        let key = key.trim();
        let list = self.get(&["api", "configurations"], &[]).await?;
        list.as_array()
            .into_iter()
            .flatten()
            .find(|c| {
                c["id"].as_str() == Some(key)
                    || c["slug"].as_str() == Some(key)
                    || c["name"]
                        .as_str()
                        .is_some_and(|n| n.to_lowercase() == key.to_lowercase())
            })
            .cloned()
            .ok_or_else(|| {
                scim_console_core::CoreError::NotFound(format!("configuration \"{key}\"")).into()
            })
    }

    /// The id of the configuration named `key`.
    pub(crate) async fn configuration_id(&self, key: &str) -> Result<String> {
        Ok(text(&self.configuration(key).await?["id"]).to_owned())
    }
}

/// A JSON string's text (empty for anything else).
pub(crate) fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

/// The API's error JSON (`{"error": {"status", "message", "field"}}`) as a [`Refusal`].
async fn refusal(response: reqwest::Response) -> Refusal {
    let status = response.status();
    let body = scim_console_server::outbound::http::read_capped(response, 64 * 1024)
        .await
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .unwrap_or(Value::Null);
    let error = &body["error"];
    let message = error["message"].as_str().map_or_else(
        || match status {
            StatusCode::UNAUTHORIZED => {
                "the API token was refused (unknown, expired or revoked)".to_owned()
            }
            _ => status
                .canonical_reason()
                .unwrap_or("no reason given")
                .to_lowercase(),
        },
        str::to_owned,
    );
    Refusal {
        status,
        message,
        field: error["field"].as_str().map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_refused_beyond_this_machine() {
        assert!(ApiClient::new("http://127.0.0.1:8444", "scap_x").is_ok());
        assert!(ApiClient::new("http://localhost:8444/", "scap_x").is_ok());
        assert!(ApiClient::new("https://console.example.com", "scap_x").is_ok());
        let err = ApiClient::new("http://console.example.com", "scap_x").unwrap_err();
        assert!(err.to_string().contains("https"), "{err}");
        assert!(ApiClient::new("https://u:p@console.example.com", "scap_x").is_err());
        assert!(ApiClient::new("not a url", "scap_x").is_err());
        let err = ApiClient::new("https://console.example.com", " ").unwrap_err();
        assert!(err.to_string().contains("--api-token"), "{err}");
    }

    #[test]
    fn segments_are_percent_encoded_under_the_base_path() {
        let client = ApiClient::new("https://console.example.com/base/", "scap_x").unwrap();
        let url = client.url(
            &["api", "configurations", "a/b c"],
            &[("text", "x&y".into())],
        );
        assert_eq!(
            url.as_str(),
            "https://console.example.com/base/api/configurations/a%2Fb%20c?text=x%26y"
        );
    }
}
