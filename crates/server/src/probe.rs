//! Test connection: the console as a SCIM client, calling any SCIM service provider — a remote
//! one, or its own endpoint — the way identity providers do when an admin presses "Test
//! connection", and reporting in words what works and what does not. Credentials never appear
//! in the report.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use scim_console_core::Secret;
use serde::Serialize;
use serde_json::Value;

use crate::outbound::retry::RetryRule;
use crate::outbound::{Auth, Behaviour, Endpoint, Recorder, Reply, Request, ScimClient};

/// How long one request of the test may take (Entra and Okta give up after 60 s; a test
/// should answer sooner).
const TIMEOUT: Duration = Duration::from_secs(15);

/// The test sends each request once: it reports what the service answers, 429 and 5xx
/// included.
const ONE_ATTEMPT: RetryRule = RetryRule {
    attempts: 1,
    first_backoff: Duration::ZERO,
    on_server_errors: false,
};

const LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const SPC: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";

/// How a check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum Verdict {
    /// As identity providers expect.
    Pass,
    /// Works, but a provider may stumble over it.
    Warn,
    /// Provisioning will fail on it.
    Fail,
}

/// One check: the request made and what came back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    /// What is checked.
    pub name: String,
    /// The request (method and path; never a credential).
    pub request: String,
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    /// How it ended.
    pub verdict: Verdict,
    /// What was seen, and what to do about it.
    pub detail: String,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
}

/// The report of a connection test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The SCIM base URL tested.
    pub base_url: String,
    /// Whether nothing failed.
    pub ok: bool,
    /// The checks, in the order they ran.
    pub checks: Vec<Check>,
}

struct Probe {
    client: ScimClient,
    checks: Vec<Check>,
}

impl Probe {
    async fn get(&self, path: &str, authorised: bool) -> Reply {
        self.client
            .request(Request {
                auth: if authorised { Auth::Token } else { Auth::None },
                ..Request::new(&Method::GET, path, None)
            })
            .await
    }

    /// Runs one check: `judge` turns the answer into a verdict and words.
    async fn check(
        &mut self,
        name: &str,
        path: &str,
        authorised: bool,
        judge: impl FnOnce(&Reply) -> (Verdict, String),
    ) -> Option<Reply> {
        let started = Instant::now();
        let answer = self.get(path, authorised).await;
        let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let (status, verdict, detail) = match &answer.error {
            None => {
                let (mut verdict, mut detail) = judge(&answer);
                if answer.mislabelled() && verdict == Verdict::Pass {
                    verdict = Verdict::Warn;
                    detail.push_str(
                        "; the answer is not application/scim+json (Okta accepts it, strict clients may not)",
                    );
                }
                (Some(answer.status), verdict, detail)
            }
            Some(reason) => (None, Verdict::Fail, reason.clone()),
        };
        self.checks.push(Check {
            name: name.to_owned(),
            request: format!("GET {path}"),
            status,
            verdict,
            detail,
            duration_ms,
        });
        answer.error.is_none().then_some(answer)
    }
}

fn is_list(body: Option<&Value>) -> bool {
    body.is_some_and(|b| {
        b["schemas"]
            .as_array()
            .is_some_and(|s| s.iter().any(|u| u == LIST))
            && b["totalResults"].is_u64()
    })
}

fn unexpected(a: &Reply, wanted: &str) -> (Verdict, String) {
    let detail = a.body()["detail"]
        .as_str()
        .map(|d| format!(": {d}"))
        .unwrap_or_default();
    let hint = match a.status {
        401 | 403 => " — the token is wrong, expired or revoked",
        404 => " — check the base URL (identity providers append /Users, /Groups to it)",
        _ => "",
    };
    (
        Verdict::Fail,
        format!("HTTP {} instead of {wanted}{detail}{hint}", a.status),
    )
}

/// Tests a SCIM service provider at `base_url` with a bearer `token`: discovery, that
/// credentials are required and the token accepted, Entra ID's Test Connection query (a random
/// userName must give an empty list, never 404), Okta's (`startIndex=1&count=2`) and a groups
/// query.
pub async fn test_connection(base_url: &str, token: &str) -> Report {
    let base = base_url.trim_end_matches('/');
    if token.is_empty() || token.chars().any(|c| !c.is_ascii_graphic()) {
        return Report {
            base_url: base.to_owned(),
            ok: false,
            checks: vec![Check {
                name: "The token".into(),
                request: String::new(),
                status: None,
                verdict: Verdict::Fail,
                detail: "the token is empty or holds spaces or characters an HTTP header cannot carry (copy it again, whole)".into(),
                duration_ms: 0,
            }],
        };
    }
    let endpoint = Endpoint {
        base_url: base.to_owned(),
        bearer: Arc::new(Secret::new(token.to_owned())),
        name: "test connection".to_owned(),
        trust_any_certificate: false,
    };
    let behaviour = Behaviour {
        purpose: "test connection",
        user_agent: None,
        timeout: TIMEOUT,
        rate: 0.0,
        retry: ONE_ATTEMPT,
    };
    let Ok(client) = ScimClient::new(endpoint, behaviour, Recorder::Nothing) else {
        return Report {
            base_url: base.to_owned(),
            ok: false,
            checks: vec![Check {
                name: "HTTP client".into(),
                request: String::new(),
                status: None,
                verdict: Verdict::Fail,
                detail: "no HTTP client could be built (see the console's log)".into(),
                duration_ms: 0,
            }],
        };
    };
    let mut probe = Probe {
        client,
        checks: Vec::new(),
    };
    probe.discovery().await;
    probe.credentials_required().await;
    if probe.token_accepted().await {
        probe.queries().await;
    }
    Report {
        base_url: base.to_owned(),
        ok: probe.checks.iter().all(|c| c.verdict != Verdict::Fail),
        checks: probe.checks,
    }
}

impl Probe {
    async fn discovery(&mut self) {
        self.check(
            "Service provider configuration",
            "/ServiceProviderConfig",
            true,
            |a| match (&a.json, a.status) {
                (Some(b), 200)
                    if b["schemas"]
                        .as_array()
                        .is_some_and(|s| s.iter().any(|u| u == SPC)) =>
                {
                    let yes = |k: &str| b[k]["supported"].as_bool().unwrap_or(false);
                    let said = |k: &str, missing: &str| {
                        if yes(k) {
                            "supported".to_owned()
                        } else {
                            missing.to_owned()
                        }
                    };
                    (
                        Verdict::Pass,
                        format!(
                            "PATCH {}, filter {}, bulk {}",
                            said("patch", "NOT supported (Entra needs it)"),
                            said("filter", "not supported"),
                            said("bulk", "not supported"),
                        ),
                    )
                }
                (_, 200) => (
                    Verdict::Warn,
                    "answered, but not with a ServiceProviderConfig".into(),
                ),
                _ => (
                    Verdict::Warn,
                    format!(
                        "HTTP {}: Entra and Okta do not need it, other clients read it",
                        a.status
                    ),
                ),
            },
        )
        .await;
        self.check("Resource types", "/ResourceTypes", true, |a| {
            match a.status {
                200 => {
                    let text = a.json.as_ref().map(ToString::to_string).unwrap_or_default();
                    if text.contains("\"User\"") {
                        (Verdict::Pass, "User is served".into())
                    } else {
                        (
                            Verdict::Warn,
                            "the answer names no User resource type".into(),
                        )
                    }
                }
                s => (
                    Verdict::Warn,
                    format!("HTTP {s}: discovery is optional for Entra and Okta"),
                ),
            }
        })
        .await;
    }

    async fn credentials_required(&mut self) {
        self.check(
            "Credentials are required",
            "/Users?count=1",
            false,
            |a| match a.status {
                401 => (
                    Verdict::Pass,
                    "a request without a token is refused (401)".into(),
                ),
                403 => (
                    Verdict::Warn,
                    "refused with 403; RFC 7644 asks for 401".into(),
                ),
                s if (200..300).contains(&s) => (
                    Verdict::Fail,
                    "the service answers WITHOUT credentials: anyone can read its users".into(),
                ),
                s => (Verdict::Warn, format!("HTTP {s} without a token")),
            },
        )
        .await;
    }

    /// Whether the token opens the Users endpoint (Okta's own test request).
    async fn token_accepted(&mut self) -> bool {
        self.check(
            "The token is accepted (Okta's test: startIndex=1&count=2)",
            "/Users?startIndex=1&count=2",
            true,
            |a| {
                if a.status == 200 && is_list(a.json.as_ref()) {
                    let total = a.body()["totalResults"].as_u64().unwrap_or(0);
                    (Verdict::Pass, format!("a ListResponse; {total} users"))
                } else if a.status == 200 {
                    (
                        Verdict::Fail,
                        "200, but not a SCIM ListResponse with an integer totalResults".into(),
                    )
                } else {
                    unexpected(a, "200")
                }
            },
        )
        .await
        .is_some_and(|a| a.status == 200)
    }

    async fn queries(&mut self) {
        let guid = uuid_like();
        self.check(
            "Entra's test: a userName that does not exist",
            &format!("/Users?filter=userName%20eq%20%22{guid}%22"),
            true,
            |a| match a.status {
                200 if is_list(a.json.as_ref())
                    && a.json.as_ref().is_some_and(|b| b["totalResults"] == 0) =>
                {
                    (Verdict::Pass, "200 with an empty list".into())
                }
                200 => (Verdict::Fail, "200, but not an empty ListResponse".into()),
                404 => (
                    Verdict::Fail,
                    "404 for no match: Entra ID expects 200 with an empty list and quarantines the job"
                        .into(),
                ),
                _ => unexpected(a, "200 with an empty list"),
            },
        )
        .await;
        self.check(
            "Groups",
            "/Groups?startIndex=1&count=1&excludedAttributes=members",
            true,
            |a| match a.status {
                200 if is_list(a.json.as_ref()) => (Verdict::Pass, "groups can be queried".into()),
                404 | 501 => (
                    Verdict::Warn,
                    format!(
                        "HTTP {}: groups are not served; provision users only",
                        a.status
                    ),
                ),
                _ => unexpected(a, "200"),
            },
        )
        .await;
    }
}

/// A random GUID-shaped value, as Entra ID's Test Connection sends.
fn uuid_like() -> String {
    let hex = format!("{:032x}", rand::random::<u128>());
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Tests the stored remote target `name` ([`test_target`]) and records the verdict on it (the
/// target list shows when it last passed or failed).
pub async fn test_stored_target(
    store: &scim_console_core::Store,
    name: &str,
) -> scim_console_core::error::CoreResult<Report> {
    let target = store.target(name).await?;
    let report = test_target(store, &target).await;
    store.record_target_test(&target.id, report.ok).await?;
    Ok(report)
}

/// Tests a stored remote target: its credential (from the keychain; for OAuth client
/// credentials, an access token from its token endpoint), then [`test_connection`].
pub async fn test_target(
    store: &scim_console_core::Store,
    target: &scim_console_core::targets::RemoteTarget,
) -> Report {
    use scim_console_core::targets::TargetAuth;
    let started = Instant::now();
    let token_url = match &target.auth {
        TargetAuth::Bearer => None,
        TargetAuth::OauthClientCredentials { token_url, .. } => Some(token_url.clone()),
    };
    let elapsed =
        |started: Instant| u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    match crate::outbound::resolve(store, target).await {
        Ok(endpoint) => {
            let obtained = elapsed(started);
            let mut report = test_connection(&endpoint.base_url, endpoint.bearer.expose()).await;
            if let Some(url) = token_url {
                report.checks.insert(
                    0,
                    Check {
                        name: "OAuth access token (client credentials)".into(),
                        request: format!("POST {url}"),
                        status: Some(200),
                        verdict: Verdict::Pass,
                        detail: "the token endpoint issued an access token".into(),
                        duration_ms: obtained,
                    },
                );
            }
            report
        }
        Err(error) => Report {
            base_url: target.base_url.clone(),
            ok: false,
            checks: vec![Check {
                name: if token_url.is_some() {
                    "OAuth access token (client credentials)".into()
                } else {
                    "The stored token".into()
                },
                request: token_url.map(|u| format!("POST {u}")).unwrap_or_default(),
                status: None,
                verdict: Verdict::Fail,
                detail: error.to_string(),
                duration_ms: elapsed(started),
            }],
        },
    }
}
