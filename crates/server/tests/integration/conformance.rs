//! The conformance checker over real HTTP: the embedded endpoint passes every MUST of its own
//! client profile, and a fixture server that breaks one rule at a time — a proxy in front of
//! the embedded endpoint that changes one behaviour — is reported failing exactly that rule.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::common::TestServer;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use scim_console_core::{Actor, ClientProfile, Compatibility, NewConfiguration, NewToken, Secret};
use scim_console_server::conformance::report::{Format, render};
use scim_console_server::conformance::{self, Options, Outcome, Report};
use serde_json::{Value, json};

/// A configuration of `profile` on the test server; answers its slug and a token.
async fn configured(s: &TestServer, profile: ClientProfile) -> (String, Secret) {
    let config = s
        .store
        .create_configuration(
            NewConfiguration {
                client_profile: profile,
                compatibility: Compatibility::for_profile(profile),
                ..NewConfiguration::named(format!("checked {} {}", profile.as_str(), rand_suffix()))
            },
            &Actor::system(),
        )
        .await
        .unwrap();
    let token = s
        .store
        .create_token(
            config.id,
            &NewToken {
                label: "checker".into(),
                expires: None,
            },
            &Actor::system(),
        )
        .await
        .unwrap()
        .token;
    (config.slug, token)
}

fn rand_suffix() -> u32 {
    rand::random::<u32>() % 1_000_000
}

async fn check(base_url: String, token: Secret, profile: ClientProfile) -> Report {
    conformance::run(
        Options {
            base_url,
            token,
            profile,
            allow_writes: true,
            rate: 500.0,
            trust_any_certificate: false,
            only: Vec::new(),
        },
        |_| {},
    )
    .await
    .unwrap()
}

fn failures(report: &Report) -> BTreeSet<String> {
    report
        .results
        .iter()
        .filter(|r| r.outcome == Outcome::Fail)
        .map(|r| r.id.clone())
        .collect()
}

fn explain(report: &Report) -> String {
    render(report, Format::Table)
}

#[tokio::test]
async fn the_embedded_endpoint_passes_every_must_of_each_profile_and_is_left_clean() {
    let s = TestServer::start().await;
    for profile in [
        ClientProfile::Strict,
        ClientProfile::Entra,
        ClientProfile::Okta,
        ClientProfile::Rfc,
    ] {
        let (slug, token) = configured(&s, profile).await;
        let base = format!("{}/scim/{slug}/v2", s.origin);
        let report = check(base.clone(), token.clone(), profile).await;
        assert_eq!(report.failed_musts(), 0, "{}", explain(&report));
        assert!(report.left_behind.is_empty(), "{:?}", report.left_behind);
        let ran: Vec<&str> = report.results.iter().map(|r| r.id.as_str()).collect();
        for expected in [
            "leaver-never-active",
            "removal-never-empties",
            "conformance-claim",
            "spc-defined-attributes",
            "extension-value-with-schemas",
            "deactivation-judged-by-change",
        ] {
            assert!(ran.contains(&expected), "{profile:?} ran {ran:?}");
        }
        match profile {
            ClientProfile::Okta => assert!(ran.contains(&"okta-spec-test")),
            ClientProfile::Entra => assert!(
                ran.contains(&"entra-requests")
                    && ran.contains(&"unquoted-filter-strings")
                    && ran.contains(&"manager-bare-id")
            ),
            ClientProfile::Strict => {
                assert!(ran.contains(&"pathless-patch-400") && ran.contains(&"al1-filters"));
                assert!(
                    ran.contains(&"deleted-404-every-method")
                        && ran.contains(&"undefined-patch-paths-400")
                        && !ran.contains(&"unquoted-filter-strings")
                );
                // Over plain HTTP on loopback TLS is not checked, and this server's rate limit
                // (2,000 a second) lies above the checker's burst.
                let skipped: BTreeSet<&str> = report
                    .results
                    .iter()
                    .filter(|r| r.outcome == Outcome::Skip)
                    .map(|r| r.id.as_str())
                    .collect();
                assert_eq!(
                    skipped,
                    BTreeSet::from(["tls-1.3", "rate-limited-429"]),
                    "{}",
                    explain(&report)
                );
            }
            ClientProfile::Rfc => {}
        }
        // Everything the run created is gone: the directory is as empty as it started.
        for endpoint in ["Users", "Groups"] {
            let list: Value = s
                .client
                .get(format!("{base}/{endpoint}?count=0"))
                .bearer_auth(token.expose())
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(
                list["totalResults"], 0,
                "{profile:?} left {endpoint} behind"
            );
        }
        // Every exchange masks the credential.
        let json = render(&report, Format::Json);
        assert!(!json.contains("scim_"), "a token leaked into the report");
    }
    // Read-only by default: nothing written, the writing checks skipped.
    let (slug, token) = configured(&s, ClientProfile::Strict).await;
    let report = conformance::run(
        Options {
            base_url: format!("{}/scim/{slug}/v2", s.origin),
            token,
            profile: ClientProfile::Strict,
            allow_writes: false,
            rate: 500.0,
            trust_any_certificate: false,
            only: Vec::new(),
        },
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(report.failed_musts(), 0, "{}", explain(&report));
    assert!(
        report
            .results
            .iter()
            .filter(|r| r.writes)
            .all(|r| r.outcome == Outcome::Skip)
    );
    assert!(report.results.iter().all(|r| r.writes
        || r.outcome != Outcome::Skip
        || ["index-paging", "tls-1.3", "rate-limited-429"].contains(&r.id.as_str())));
    assert!(
        report
            .results
            .iter()
            .flat_map(|r| &r.exchanges)
            .all(|e| e.method == "GET"),
        "a read-only run sent only GETs"
    );
    s.stop().await;
}

/// One rule broken by the fixture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Break {
    /// A filter that matches nothing is answered 404.
    NotFoundOnEmptyFilter,
    /// Entra's member removal with a value list removes every member.
    EmptyGroupOnValueRemoval,
    /// The endpoint claims `interopProfileConformant: true` while accepting path-less PATCH.
    ClaimsWhileLenient,
    /// `count=100000` is a 500.
    ServerErrorOnHugeCount,
    /// DELETE deactivates instead of deleting.
    DeleteDeactivates,
    /// A path-less deactivation is answered 200 and ignored.
    IgnoresPathlessDeactivate,
    /// The userName filter is case-sensitive.
    CaseSensitiveUserNameFilter,
    /// A filter whose string value is not quoted is 400 invalidFilter.
    RefusesUnquotedFilterStrings,
    /// The manager sent as a bare id is 400 invalidValue.
    RefusesManagerAsString,
    /// `/ServiceProviderConfig` says `"interopProfileConformant": false`.
    SaysNotConformant,
    /// An extension's value object that carries `schemas` is 400 invalidSyntax.
    RefusesExtensionSchemas,
    /// PUT of a deleted user is 405 (its method refused before its existence was checked).
    MethodBeforeExistence,
    /// A PATCH path naming an undefined attribute is answered invalidPath.
    UndefinedPathIsInvalidPath,
    /// A deactivation of a user created with phone numbers is refused for them (a plan that
    /// judges the stored user rather than the change).
    RefusesDeactivationForStoredPhone,
}

/// A SCIM error answer.
fn scim_error(status: StatusCode, scim_type: &str, detail: &str) -> Response {
    let error = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": status.as_u16().to_string(), "scimType": scim_type, "detail": detail});
    (
        status,
        [("content-type", "application/scim+json")],
        error.to_string(),
    )
        .into_response()
}

/// Whether a filter compares with a bare word (not quoted, not true/false/null or a number).
fn has_unquoted_string(query: &str) -> bool {
    let Some(filter) = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "filter")
        .map(|(_, v)| v.into_owned())
    else {
        return false;
    };
    filter.split(" eq ").skip(1).any(|value| {
        let word = value.split([' ', ')', ']']).next().unwrap_or_default();
        !word.starts_with('"')
            && !["true", "false", "null"].contains(&word)
            && word.parse::<f64>().is_err()
    })
}

struct Fixture {
    upstream: String,
    broken: Break,
    http: reqwest::Client,
    /// Users created with phone numbers (for `RefusesDeactivationForStoredPhone`).
    with_phones: std::sync::Mutex<Vec<String>>,
}

/// Forwards the request upstream, breaking one rule on the way.
async fn forward(
    State(f): State<Arc<Fixture>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path_and_query = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let query = uri.query().unwrap_or_default().to_owned();
    let mut method = method;
    let mut body: Vec<u8> = body.to_vec();
    let json: Option<Value> = serde_json::from_slice(&body).ok();
    let ops = json
        .as_ref()
        .and_then(|j| j["Operations"].as_array().cloned())
        .unwrap_or_default();
    match f.broken {
        Break::ServerErrorOnHugeCount if query.contains("count=100000") => {
            return (StatusCode::INTERNAL_SERVER_ERROR, "boom").into_response();
        }
        Break::EmptyGroupOnValueRemoval
            if method == Method::PATCH
                && uri.path().contains("/Groups/")
                && ops.iter().any(|o| {
                    o["op"]
                        .as_str()
                        .is_some_and(|op| op.eq_ignore_ascii_case("remove"))
                        && o["path"] == "members"
                        && o["value"].is_array()
                }) =>
        {
            body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "remove", "path": "members"}]})
                .to_string()
                .into_bytes();
        }
        Break::DeleteDeactivates if method == Method::DELETE && uri.path().contains("/Users/") => {
            method = Method::PATCH;
            body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "active", "value": false}]})
                .to_string()
                .into_bytes();
            let _ = send(&f, &method, &path_and_query, &headers, body).await;
            return StatusCode::NO_CONTENT.into_response();
        }
        Break::IgnoresPathlessDeactivate
            if method == Method::PATCH
                && ops
                    .iter()
                    .any(|o| o.get("path").is_none() && o["value"]["active"] == false) =>
        {
            return StatusCode::NO_CONTENT.into_response();
        }
        Break::RefusesUnquotedFilterStrings if has_unquoted_string(&query) => {
            return scim_error(
                StatusCode::BAD_REQUEST,
                "invalidFilter",
                "strings are quoted",
            );
        }
        Break::RefusesManagerAsString
            if method == Method::PATCH
                && ops.iter().any(|o| {
                    o["path"].as_str().is_some_and(|p| p.ends_with("manager"))
                        && o["value"].is_string()
                }) =>
        {
            return scim_error(
                StatusCode::BAD_REQUEST,
                "invalidValue",
                "manager: expected a JSON object",
            );
        }
        Break::RefusesExtensionSchemas
            if method == Method::PATCH
                && ops.iter().any(|o| o["value"].get("schemas").is_some()) =>
        {
            return scim_error(
                StatusCode::BAD_REQUEST,
                "invalidSyntax",
                "schemas is not an attribute",
            );
        }
        Break::RefusesDeactivationForStoredPhone
            if method == Method::PATCH
                && ops.len() == 1
                && ops[0]["path"] == "active"
                && ops[0]["value"] == false
                && f.with_phones
                    .lock()
                    .unwrap()
                    .iter()
                    .any(|id| uri.path().ends_with(&format!("/Users/{id}"))) =>
        {
            return scim_error(
                StatusCode::BAD_REQUEST,
                "invalidValue",
                "the mapping plan refuses this user: phoneNumbers[type eq \"work\"].value: not written in E.164",
            );
        }
        Break::CaseSensitiveUserNameFilter if query.contains("filter=userName%20eq") => {
            let upstream_answer = send(&f, &method, &path_and_query, &headers, body).await;
            let (status, headers_out, bytes) = upstream_answer;
            let Ok(mut list) = serde_json::from_slice::<Value>(&bytes) else {
                return (status, headers_out, bytes).into_response();
            };
            // Keep only exact-case matches.
            let wanted = urlencoding_value(&query);
            if let Some(resources) = list["Resources"].as_array_mut() {
                resources.retain(|r| r["userName"].as_str() == wanted.as_deref());
                let n = resources.len();
                list["totalResults"] = json!(n);
                list["itemsPerPage"] = json!(n);
            }
            return (status, headers_out, list.to_string()).into_response();
        }
        _ => {}
    }
    let has_paths = ops.iter().any(|o| o["path"].is_string());
    let phones = json.as_ref().is_some_and(|j| j["phoneNumbers"].is_array());
    let (status, headers_out, bytes) = send(&f, &method, &path_and_query, &headers, body).await;
    let mut answer: Option<Value> = serde_json::from_slice(&bytes).ok();
    if method == Method::POST
        && phones
        && let Some(id) = answer.as_ref().and_then(|a| a["id"].as_str())
    {
        f.with_phones.lock().unwrap().push(id.to_owned());
    }
    if f.broken == Break::MethodBeforeExistence
        && method == Method::PUT
        && status == StatusCode::NOT_FOUND
    {
        return scim_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "",
            "PUT is not accepted; use PATCH",
        );
    }
    if f.broken == Break::UndefinedPathIsInvalidPath
        && method == Method::PATCH
        && has_paths
        && let Some(error) = answer.as_mut().filter(|a| a["scimType"] == "invalidSyntax")
    {
        error["scimType"] = json!("invalidPath");
        return (status, headers_out, error.to_string()).into_response();
    }
    match (f.broken, answer.as_mut()) {
        (Break::NotFoundOnEmptyFilter, Some(list))
            if query.contains("filter=") && list["totalResults"] == 0 =>
        {
            let error = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "404", "detail": "no such resource"});
            return (StatusCode::NOT_FOUND, headers_out, error.to_string()).into_response();
        }
        (Break::ClaimsWhileLenient, Some(spc))
            if uri.path().ends_with("/ServiceProviderConfig") =>
        {
            spc["interopProfileConformant"] = json!(true);
            return (status, headers_out, spc.to_string()).into_response();
        }
        (Break::SaysNotConformant, Some(spc)) if uri.path().ends_with("/ServiceProviderConfig") => {
            spc["interopProfileConformant"] = json!(false);
            return (status, headers_out, spc.to_string()).into_response();
        }
        _ => {}
    }
    (status, headers_out, bytes).into_response()
}

/// The userName a `filter=userName eq "…"` query names, decoded.
fn urlencoding_value(query: &str) -> Option<String> {
    let filter = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "filter")
        .map(|(_, v)| v.into_owned())?;
    let start = filter.find('"')? + 1;
    let end = filter[start..].find('"')? + start;
    Some(filter[start..end].to_owned())
}

async fn send(
    f: &Fixture,
    method: &Method,
    path_and_query: &str,
    headers: &HeaderMap,
    body: Vec<u8>,
) -> (StatusCode, HeaderMap, Bytes) {
    let mut request = f
        .http
        .request(method.clone(), format!("{}{path_and_query}", f.upstream));
    for name in ["authorization", "content-type", "accept"] {
        if let Some(v) = headers.get(name) {
            request = request.header(name, v.clone());
        }
    }
    let response = request.body(body).send().await.unwrap();
    let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
    let mut out = HeaderMap::new();
    for name in [
        "content-type",
        "location",
        "etag",
        "retry-after",
        "www-authenticate",
    ] {
        if let Some(v) = response.headers().get(name) {
            out.insert(name, v.clone());
        }
    }
    let bytes = response.bytes().await.unwrap();
    (status, out, bytes)
}

/// The fixture in front of `upstream` (an origin), breaking `broken`; answers its origin.
async fn fixture(upstream: &str, broken: Break) -> String {
    let state = Arc::new(Fixture {
        upstream: upstream.to_owned(),
        broken,
        http: reqwest::Client::new(),
        with_phones: std::sync::Mutex::new(Vec::new()),
    });
    let app = axum::Router::new().fallback(forward).with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    origin
}

#[tokio::test]
async fn a_fixture_breaking_one_rule_is_reported_failing_exactly_that_rule() {
    let s = TestServer::start().await;
    // (the break, the endpoint's profile and the checker's, the rules it must fail)
    let cases: &[(Break, ClientProfile, &[&str])] = &[
        // Collateral: other checks that look for "nothing found" meet the same 404.
        (
            Break::NotFoundOnEmptyFilter,
            ClientProfile::Strict,
            &[
                "empty-filter-200",
                "external-id-case-exact",
                "delete-deletes",
            ],
        ),
        (
            Break::EmptyGroupOnValueRemoval,
            ClientProfile::Rfc,
            &["removal-never-empties"],
        ),
        (
            Break::ClaimsWhileLenient,
            ClientProfile::Rfc,
            &["conformance-claim"],
        ),
        (
            Break::ServerErrorOnHugeCount,
            ClientProfile::Strict,
            &["count-capped-not-refused"],
        ),
        (
            Break::DeleteDeactivates,
            ClientProfile::Strict,
            &["delete-deletes", "deleted-404-every-method"],
        ),
        (
            Break::IgnoresPathlessDeactivate,
            ClientProfile::Okta,
            &["leaver-never-active", "okta-spec-test"],
        ),
        (
            Break::CaseSensitiveUserNameFilter,
            ClientProfile::Strict,
            &["username-case-insensitive"],
        ),
        (
            Break::RefusesUnquotedFilterStrings,
            ClientProfile::Rfc,
            &["unquoted-filter-strings"],
        ),
        (
            Break::RefusesManagerAsString,
            ClientProfile::Entra,
            &["manager-bare-id"],
        ),
        (
            Break::SaysNotConformant,
            ClientProfile::Okta,
            &["spc-defined-attributes"],
        ),
        (
            Break::RefusesExtensionSchemas,
            ClientProfile::Strict,
            &["extension-value-with-schemas"],
        ),
        (
            Break::MethodBeforeExistence,
            ClientProfile::Strict,
            &["deleted-404-every-method"],
        ),
        (
            Break::UndefinedPathIsInvalidPath,
            ClientProfile::Strict,
            &["undefined-patch-paths-400"],
        ),
        (
            Break::RefusesDeactivationForStoredPhone,
            ClientProfile::Entra,
            &["deactivation-judged-by-change"],
        ),
    ];
    for (broken, profile, expected) in cases {
        let (slug, token) = configured(&s, *profile).await;
        let origin = fixture(&s.origin, *broken).await;
        let report = check(format!("{origin}/scim/{slug}/v2"), token, *profile).await;
        let expected: BTreeSet<String> = expected.iter().map(|e| (*e).to_owned()).collect();
        assert_eq!(
            failures(&report),
            expected,
            "{broken:?}:\n{}",
            explain(&report)
        );
        for result in report.results.iter().filter(|r| r.outcome == Outcome::Fail) {
            assert!(
                result.why.as_deref().is_some_and(|w| !w.is_empty())
                    && !result.exchanges.is_empty(),
                "{broken:?}: {} has no explanation or exchanges",
                result.id
            );
        }
    }
    s.stop().await;
}

#[tokio::test]
async fn a_burst_meets_a_low_rate_limit_with_retry_after() {
    let s = TestServer::start_with(
        tempfile::tempdir().unwrap(),
        scim_console_server::Limits {
            requests_per_second: 20,
            ..scim_console_server::Limits::default()
        },
    )
    .await;
    let (slug, token) = configured(&s, ClientProfile::Strict).await;
    let report = conformance::run(
        Options {
            base_url: format!("{}/scim/{slug}/v2", s.origin),
            token,
            profile: ClientProfile::Strict,
            allow_writes: false,
            rate: 500.0,
            trust_any_certificate: false,
            only: vec!["rate-limited-429".into(), "scim-json-everywhere".into()],
        },
        |_| {},
    )
    .await
    .unwrap();
    let outcomes: Vec<(&str, Outcome)> = report
        .results
        .iter()
        .map(|r| (r.id.as_str(), r.outcome))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("rate-limited-429", Outcome::Pass),
            ("scim-json-everywhere", Outcome::Pass)
        ],
        "{}",
        explain(&report)
    );
    let burst = &report.results[0].exchanges;
    assert!(
        burst.last().is_some_and(
            |e| e.status == 429 && e.response_headers.iter().any(|h| h.name == "retry-after")
        ),
        "the burst ended on its 429"
    );
    s.stop().await;
}

#[tokio::test]
async fn tls_1_3_is_checked_over_https() {
    let dir = tempfile::tempdir().unwrap();
    let tls_dir = dir.path().join("tls");
    let s = TestServer::start_tls(
        dir,
        scim_console_server::Limits::default(),
        Some(scim_console_server::tls::TlsSource::SelfSigned {
            dir: tls_dir,
            names: vec![],
        }),
    )
    .await;
    assert!(s.origin.starts_with("https://"));
    let (slug, token) = configured(&s, ClientProfile::Strict).await;
    let report = conformance::run(
        Options {
            base_url: format!("{}/scim/{slug}/v2", s.origin),
            token,
            profile: ClientProfile::Strict,
            allow_writes: false,
            rate: 500.0,
            trust_any_certificate: true,
            only: vec!["tls-1.3".into()],
        },
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(
        report.results[0].outcome,
        Outcome::Pass,
        "{}",
        explain(&report)
    );
    s.stop().await;
}
