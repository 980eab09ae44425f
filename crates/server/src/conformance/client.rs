//! The checker's HTTP side: requests to the endpoint under test at a limited rate, one at a
//! time, a 429 waited out as its `Retry-After` says (up to a minute, three times), and every
//! exchange written down for the report with the credential masked.

use crate::outbound::retry::{self, RetryRule};
use std::time::{Duration, Instant};

use reqwest::{Method, header};
use scim_console_core::Secret;
use serde::Serialize;
use serde_json::Value;

/// The longest body kept in a report, in characters.
const MAX_BODY: usize = 4000;
/// A 429 is waited out three times (as its `Retry-After` says, up to a minute) before it
/// counts as the answer; other answers are the answer (a check judges a 5xx, it does not retry
/// it).
const RETRY: RetryRule = RetryRule {
    attempts: 4,
    first_backoff: Duration::from_secs(2),
    on_server_errors: false,
};
/// How long one request may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A header shown in a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = CheckHeader)]
pub struct Header {
    /// Its name.
    pub name: String,
    /// Its value (a credential masked).
    pub value: String,
}

fn header(name: &str, value: &str) -> Header {
    Header {
        name: name.to_owned(),
        value: value.to_owned(),
    }
}

/// One request and its answer, as the report shows them.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = CheckExchange)]
#[serde(rename_all = "camelCase")]
pub struct Exchange {
    /// The method.
    pub method: String,
    /// The path below the base URL, with its query.
    pub path: String,
    /// Request headers worth showing (the credential masked).
    pub request_headers: Vec<Header>,
    /// The request body, if any.
    pub request_body: Option<String>,
    /// The status (0: no answer).
    pub status: u16,
    /// Response headers worth showing.
    pub response_headers: Vec<Header>,
    /// The response body, cut to 4,000 characters.
    pub response_body: Option<String>,
    /// Why no answer came, if none did.
    pub error: Option<String>,
    /// How long it took, in milliseconds.
    pub millis: u64,
}

/// An answer, for the checks to read.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The status (0: no answer).
    pub status: u16,
    /// The `Content-Type` media type, lower case, without parameters.
    pub media_type: Option<String>,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<String>,
    /// The body as JSON, if it is JSON.
    pub json: Option<Value>,
    /// Why no answer came.
    pub error: Option<String>,
}

impl Reply {
    /// The JSON body, or `Null`.
    pub fn body(&self) -> &Value {
        self.json.as_ref().unwrap_or(&Value::Null)
    }

    /// The status and, for an error, its `scimType` and `detail`, in words.
    pub fn summary(&self) -> String {
        if let Some(error) = &self.error {
            return format!("no answer ({error})");
        }
        let body = self.body();
        let scim_type = body["scimType"]
            .as_str()
            .map(|t| format!(" {t}"))
            .unwrap_or_default();
        let detail = body["detail"]
            .as_str()
            .map(|d| format!(": {}", cut(d, 200)))
            .unwrap_or_default();
        format!("{}{scim_type}{detail}", self.status)
    }
}

/// How a request authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// With the checker's credential.
    Token,
    /// With this literal `Authorization` value (a deliberately wrong one).
    Literal(&'static str),
    /// Without `Authorization`.
    None,
}

/// The client of one run.
pub struct Client {
    http: reqwest::Client,
    base_url: String,
    token: Secret,
    interval: Duration,
    next: Instant,
    exchanges: Vec<Exchange>,
    /// Whether any certificate is accepted (the console's own endpoint over loopback).
    trust_any_certificate: bool,
    /// Answers with a JSON body not labelled `application/scim+json` ("GET /Users: application/json").
    pub mislabelled: Vec<String>,
    /// Requests sent.
    pub sent: u64,
    /// How many 429 answers were waited out.
    pub throttled: u64,
}

impl Client {
    /// A client of `base_url` (no trailing slash) sending `token`, at most `rate` requests a
    /// second; `trust_any_certificate` only for the console's own endpoint over loopback.
    pub fn new(
        base_url: &str,
        token: Secret,
        rate: f64,
        trust_any_certificate: bool,
    ) -> Result<Self, String> {
        let http = crate::outbound::http::builder("conformance checker", TIMEOUT)
            .danger_accept_invalid_certs(trust_any_certificate)
            .build()
            .map_err(|e| format!("no HTTP client: {e}"))?;
        Ok(Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            token,
            interval: Duration::from_secs_f64(1.0 / rate.clamp(0.1, 1000.0)),
            next: Instant::now(),
            exchanges: Vec::new(),
            mislabelled: Vec::new(),
            trust_any_certificate,
            sent: 0,
            throttled: 0,
        })
    }

    /// The base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The exchanges since the last call (those of the check that just ran).
    pub fn take_exchanges(&mut self) -> Vec<Exchange> {
        std::mem::take(&mut self.exchanges)
    }

    /// `method path` with the checker's credential and a SCIM JSON body.
    pub async fn send(&mut self, method: Method, path: &str, body: Option<&Value>) -> Reply {
        self.send_with(method, path, body, Auth::Token, "application/scim+json")
            .await
    }

    /// `method path` authenticated as `auth`, a body sent as `content_type`.
    pub async fn send_with(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        auth: Auth,
        content_type: &str,
    ) -> Reply {
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.pace().await;
            let url = format!("{}{path}", self.base_url);
            let reply = self
                .once(&method, &url, path, body, auth, content_type)
                .await;
            if !RETRY.retries(reply.status) || RETRY.exhausted(attempt) {
                return reply;
            }
            // Honour the endpoint's rate limit: wait as long as it says, then try again.
            self.throttled += 1;
            let wait = RETRY.wait(attempt, retry::retry_after(reply.retry_after.as_deref()));
            tokio::time::sleep(wait).await;
        }
    }

    async fn pace(&mut self) {
        let now = Instant::now();
        if self.next > now {
            tokio::time::sleep(self.next - now).await;
        }
        self.next = Instant::now().max(self.next) + self.interval;
    }

    /// One request with the credential, at once (no rate wait, no 429 retry): for measuring
    /// a rate.
    pub async fn send_once(&mut self, method: Method, path: &str) -> Reply {
        let url = format!("{}{path}", self.base_url);
        self.once(&method, &url, path, None, Auth::Token, "").await
    }

    /// A GET of an absolute URL without the credential (public metadata, not SCIM).
    pub async fn get_public(&mut self, url: &str) -> Reply {
        self.pace().await;
        let before = self.mislabelled.len();
        let reply = self
            .once(&Method::GET, url, url, None, Auth::None, "")
            .await;
        self.mislabelled.truncate(before);
        reply
    }

    /// A GET of `path` over TLS 1.3 only: whether the handshake and the request succeed.
    pub async fn tls13_get(&self, path: &str) -> Result<u16, String> {
        let http = crate::outbound::http::builder("conformance checker", TIMEOUT)
            .min_tls_version(reqwest::tls::Version::TLS_1_3)
            .danger_accept_invalid_certs(self.trust_any_certificate)
            .build()
            .map_err(|e| format!("no TLS 1.3 client: {e}"))?;
        http.get(format!("{}{path}", self.base_url))
            .bearer_auth(self.token.expose())
            .send()
            .await
            .map(|r| r.status().as_u16())
            .map_err(|e| crate::outbound::describe(&e))
    }

    async fn once(
        &mut self,
        method: &Method,
        url: &str,
        shown_path: &str,
        body: Option<&Value>,
        auth: Auth,
        content_type: &str,
    ) -> Reply {
        self.sent += 1;
        let started = Instant::now();
        let mut request = self
            .http
            .request(method.clone(), url)
            .header(header::ACCEPT, "application/scim+json, application/json");
        let mut shown = vec![header("Accept", "application/scim+json, application/json")];
        match auth {
            Auth::Token => {
                request = request.bearer_auth(self.token.expose());
                shown.push(header("Authorization", "Bearer ***"));
            }
            Auth::Literal(value) => {
                request = request.header(header::AUTHORIZATION, value);
                shown.push(header("Authorization", value));
            }
            Auth::None => {}
        }
        let text = body.map(Value::to_string);
        if let Some(text) = &text {
            request = request
                .header(header::CONTENT_TYPE, content_type)
                .body(text.clone());
            shown.push(header("Content-Type", content_type));
        }
        let (reply, response_headers, response_body) = match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let headers: Vec<Header> = response
                    .headers()
                    .iter()
                    .filter(|(name, _)| {
                        matches!(
                            name.as_str(),
                            "content-type"
                                | "location"
                                | "etag"
                                | "retry-after"
                                | "www-authenticate"
                        )
                    })
                    .map(|(n, v)| header(n.as_str(), v.to_str().unwrap_or("?")))
                    .collect();
                let find = |name: &str| {
                    headers
                        .iter()
                        .find(|h| h.name == name)
                        .map(|h| h.value.clone())
                };
                let media_type = find("content-type").map(|v| {
                    v.split(';')
                        .next()
                        .unwrap_or_default()
                        .trim()
                        .to_ascii_lowercase()
                });
                let retry_after = find("retry-after");
                match response.bytes().await {
                    Ok(bytes) => {
                        let text = String::from_utf8_lossy(&bytes).into_owned();
                        if serde_json::from_slice::<Value>(&bytes).is_ok()
                            && media_type.as_deref() != Some("application/scim+json")
                        {
                            self.mislabelled.push(format!(
                                "{method} {shown_path}: {}",
                                media_type.as_deref().unwrap_or("no Content-Type")
                            ));
                        }
                        (
                            Reply {
                                status,
                                media_type,
                                retry_after,
                                json: serde_json::from_slice(&bytes).ok(),
                                error: None,
                            },
                            headers,
                            (!text.is_empty()).then(|| cut(&text, MAX_BODY)),
                        )
                    }
                    Err(e) => (failed(crate::outbound::describe(&e)), headers, None),
                }
            }
            Err(e) => (failed(crate::outbound::describe(&e)), Vec::new(), None),
        };
        self.exchanges.push(Exchange {
            method: method.to_string(),
            path: shown_path.to_owned(),
            request_headers: shown,
            request_body: text.map(|t| cut(&mask(&t), MAX_BODY)),
            status: reply.status,
            response_headers,
            response_body,
            error: reply.error.clone(),
            millis: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        });
        reply
    }
}

fn failed(reason: String) -> Reply {
    Reply {
        status: 0,
        media_type: None,
        retry_after: None,
        json: None,
        error: Some(reason),
    }
}

/// A request body with password values masked (the checker sends placeholders only, but a
/// report is attached to tickets).
fn mask(text: &str) -> String {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    if k.eq_ignore_ascii_case("password") && v.is_string() {
                        *v = Value::String("***".into());
                    } else {
                        walk(v);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    let Ok(mut value) = serde_json::from_str::<Value>(text) else {
        return text.to_owned();
    };
    walk(&mut value);
    value.to_string()
}

/// `text` cut to `max` characters, saying so.
pub fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let kept: String = text.chars().take(max).collect();
    format!("{kept}… (cut)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_masked_and_long_bodies_cut() {
        assert_eq!(
            mask(r#"{"userName":"a","password":"p4ss","x":[{"password":"q"}]}"#),
            r#"{"userName":"a","password":"***","x":[{"password":"***"}]}"#
        );
        assert_eq!(mask("not json"), "not json");
        assert_eq!(cut("abcdef", 3), "abc… (cut)");
        assert_eq!(cut("abc", 3), "abc");
    }
}
