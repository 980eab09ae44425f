//! One request of the SCIM client and what it finally got: shared by the client that sends it
//! and the recorders that write it down.

use reqwest::Method;
use serde_json::Value;

/// The media type of SCIM bodies.
pub const SCIM_JSON: &str = "application/scim+json";

/// How a request authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// With the endpoint's bearer token.
    Token,
    /// With this literal `Authorization` value (a deliberately wrong one).
    Literal(&'static str),
    /// Without `Authorization`.
    None,
}

/// One request to send.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The method.
    pub method: &'a Method,
    /// The path below the base URL (with its query), or an absolute URL.
    pub path: &'a str,
    /// The JSON body, if any.
    pub body: Option<&'a Value>,
    /// How it authenticates.
    pub auth: Auth,
    /// The `Content-Type` of the body.
    pub content_type: &'a str,
    /// Whether it waits for the shared rate and is tried again under the retry rule (a
    /// measurement of the endpoint's own limit sends at once, one attempt).
    pub paced: bool,
}

impl<'a> Request<'a> {
    /// `method path` with the token and a SCIM JSON body, paced and retried.
    pub fn new(method: &'a Method, path: &'a str, body: Option<&'a Value>) -> Self {
        Self {
            method,
            path,
            body,
            auth: Auth::Token,
            content_type: SCIM_JSON,
            paced: true,
        }
    }
}

/// What a request finally got (after every attempt).
#[derive(Debug, Clone, Default)]
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
    /// How many attempts it took.
    pub attempts: u32,
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

    /// Whether the body is JSON not labelled `application/scim+json`.
    pub fn mislabelled(&self) -> bool {
        self.json.is_some() && self.media_type.as_deref() != Some(SCIM_JSON)
    }
}

/// `text` cut to `max` characters, saying so.
pub fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let kept: String = text.chars().take(max).collect();
    format!("{kept}… (cut)")
}
