//! Signing in to a deployed console in the system browser, from this machine (OAuth for
//! native apps, RFC 8252): a listener on a free loopback port, a random `state` and a PKCE
//! verifier; the console's sign-in page opened with them ([`BrowserSignIn::url`]); when the
//! browser comes back with a one-time code, the code and the verifier are exchanged for a
//! personal API token named for this device ([`BrowserSignIn::finish`]), and the browser's tab
//! says how it went. The console's side is `admin::desktop_sign_in`.

use axum::extract::{Query, State};
use axum::response::Html;
use base64::Engine as _;
use rand::RngCore as _;
use serde::Deserialize;
use subtle::ConstantTimeEq as _;
use tokio::sync::{mpsc, oneshot};

use super::certificate::RemoteClient;
use super::{RemoteError, RemoteUrl, Secret};

/// The path the browser comes back to on the loopback listener.
const CALLBACK: &str = "/signed-in";
/// The largest answer to the exchange read.
const MAX_ANSWER: usize = 64 * 1024;
/// How long the exchange may take.
const EXCHANGE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// What the browser brought back: the code, or why the console refused; and where to say how
/// the exchange went (the browser's tab waits for it).
struct Arrival {
    outcome: Result<String, String>,
    reply: oneshot::Sender<Result<(), String>>,
}

/// A sign-in under way: the loopback listener waits for the browser.
pub struct BrowserSignIn {
    url: String,
    verifier: String,
    answers: mpsc::Receiver<ArrivalBox>,
    listener: tokio::task::JoinHandle<()>,
}

/// An [`Arrival`], opaque to `Debug`.
struct ArrivalBox(Arrival);

impl std::fmt::Debug for ArrivalBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Arrival")
    }
}

impl std::fmt::Debug for BrowserSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The PKCE verifier never reaches a log line.
        f.debug_struct("BrowserSignIn")
            .field("url", &self.url)
            .field("verifier", &"***")
            .finish_non_exhaustive()
    }
}

impl Drop for BrowserSignIn {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

#[derive(Clone)]
struct Listener {
    state: String,
    console: String,
    arrivals: mpsc::Sender<ArrivalBox>,
}

/// What the console sends the browser back with.
#[derive(Debug, Deserialize)]
struct Returned {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

fn random() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn page(title: &str, text: &str) -> Html<String> {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"referrer\" content=\"no-referrer\"><title>{} · SCIM Console</title></head><body style=\"font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem\"><main><h1>{}</h1><p>{}</p></main></body></html>",
        escape(title),
        escape(title),
        escape(text)
    ))
}

async fn came_back(
    State(listener): State<Listener>,
    Query(returned): Query<Returned>,
) -> (axum::http::StatusCode, Html<String>) {
    use axum::http::StatusCode;
    let ours = returned
        .state
        .as_deref()
        .is_some_and(|s| bool::from(s.as_bytes().ct_eq(listener.state.as_bytes())));
    if !ours {
        return (
            StatusCode::BAD_REQUEST,
            page(
                "Not this sign-in",
                "This is not the sign-in SCIM Console started. Go back to the app and start again.",
            ),
        );
    }
    let outcome = match (returned.code, returned.error) {
        (_, Some(error)) => Err(returned.error_description.unwrap_or(error)),
        (Some(code), None) => Ok(code),
        (None, None) => Err("the console sent no code".to_owned()),
    };
    let (reply, replied) = oneshot::channel();
    if listener
        .arrivals
        .send(ArrivalBox(Arrival { outcome, reply }))
        .await
        .is_err()
    {
        return (
            StatusCode::GONE,
            page(
                "Sign-in ended",
                "SCIM Console is no longer waiting for this sign-in: start again from the app.",
            ),
        );
    }
    match replied.await {
        Ok(Ok(())) => (
            StatusCode::OK,
            page(
                "Signed in",
                &format!(
                    "SCIM Console is signed in to {}. You can close this tab and go back to the app.",
                    listener.console
                ),
            ),
        ),
        Ok(Err(why)) => (StatusCode::FORBIDDEN, page("Sign-in failed", &why)),
        Err(_) => (
            StatusCode::GONE,
            page(
                "Sign-in ended",
                "SCIM Console stopped waiting for this sign-in: start again from the app.",
            ),
        ),
    }
}

impl BrowserSignIn {
    /// Listens on a free loopback port and makes the address of `base`'s sign-in page for
    /// this device (`device`: this computer's name, for the token's).
    pub async fn start(base: &RemoteUrl, device: &str) -> Result<Self, RemoteError> {
        let socket = tokio::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))
            .await
            .map_err(|e| RemoteError::Address(format!("no loopback port for the sign-in: {e}")))?;
        let port = socket
            .local_addr()
            .map_err(|e| RemoteError::Address(format!("no loopback port for the sign-in: {e}")))?
            .port();
        let state = random();
        let verifier = random();
        let challenge = scim_console_core::administrators::device_codes::challenge_of(&verifier);
        let mut url = base.join("api/sign-in/oidc/desktop");
        url.query_pairs_mut()
            .append_pair(
                "redirect_uri",
                &format!("http://127.0.0.1:{port}{CALLBACK}"),
            )
            .append_pair("state", &state)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256")
            .append_pair("device", device);
        let (arrivals, answers) = mpsc::channel(4);
        let router = axum::Router::new()
            .route(CALLBACK, axum::routing::get(came_back))
            .with_state(Listener {
                state,
                console: base.to_string(),
                arrivals,
            });
        let listener = tokio::spawn(async move {
            if let Err(error) = axum::serve(socket, router).await {
                tracing::warn!(%error, "the sign-in's loopback listener stopped");
            }
        });
        Ok(Self {
            url: url.to_string(),
            verifier,
            answers,
            listener,
        })
    }

    /// The console's sign-in page to open in the system browser (no secret in it: the state
    /// and the PKCE challenge are worthless to whoever reads them).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Waits for the browser to come back, and exchanges its code with `client` (the same
    /// console, trusted as the connection will be) for a personal API token.
    pub async fn finish(mut self, client: &RemoteClient) -> Result<Secret, RemoteError> {
        let Some(ArrivalBox(arrival)) = self.answers.recv().await else {
            return Err(RemoteError::Refused(
                "the sign-in's listener stopped".into(),
            ));
        };
        let result = match arrival.outcome {
            Err(why) => Err(RemoteError::Refused(format!(
                "{} refused the sign-in: {why}",
                client.base()
            ))),
            Ok(code) => exchange(client, &code, &self.verifier).await,
        };
        let _ = arrival
            .reply
            .send(result.as_ref().map(|_| ()).map_err(ToString::to_string));
        result
    }
}

/// The token a code and the verifier buy.
async fn exchange(
    client: &RemoteClient,
    code: &str,
    verifier: &str,
) -> Result<Secret, RemoteError> {
    let response = client
        .request(reqwest::Method::POST, "api/sign-in/desktop/token")
        .timeout(EXCHANGE_TIMEOUT)
        .json(&serde_json::json!({"code": code, "codeVerifier": verifier}))
        .send()
        .await
        .map_err(|e| client.explain(&e))?;
    let status = response.status();
    let body = crate::outbound::http::read_capped(response, MAX_ANSWER)
        .await
        .map_err(|e| match e {
            crate::outbound::http::BodyError::Transport(e) => client.explain(&e),
            crate::outbound::http::BodyError::TooLarge(_) => RemoteError::Refused(format!(
                "{} answered more than a console does",
                client.base()
            )),
        })?;
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    match json["token"].as_str() {
        Some(token) if status.is_success() => Ok(Secret::new(token.to_owned())),
        _ => Err(RemoteError::Refused(format!(
            "{} refused the sign-in's code ({status}): {}",
            client.base(),
            json["error"]["message"]
                .as_str()
                .unwrap_or("no reason given")
        ))),
    }
}
