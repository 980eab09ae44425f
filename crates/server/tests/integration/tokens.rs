//! Token lifecycle over real HTTP: rotation under live traffic, expiry by the clock, the OAuth
//! token endpoint end to end, the audit log and the token check in the admin API.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::common::{TestServer, parts};
use reqwest::Method;
use scim_console_core::time::ManualClock;
use serde_json::{Value, json};

/// Calls `GET /Users` with `token` until told to stop; returns the statuses in order.
fn hammer(
    s: &TestServer,
    token: String,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<Vec<u16>> {
    let url = format!("{}/Users?count=1", s.base());
    let client = s.client.clone();
    tokio::spawn(async move {
        let mut statuses = Vec::new();
        while !stop.load(Ordering::SeqCst) {
            let status = client
                .get(&url)
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16();
            statuses.push(status);
        }
        statuses
    })
}

async fn rotate(s: &TestServer, token_id: &str, grace_seconds: u64) -> Value {
    let (status, body) = parts(
        s.admin(
            Method::POST,
            &format!(
                "/api/configurations/{}/tokens/{token_id}/rotate",
                s.config.id
            ),
        )
        .json(&json!({"graceSeconds": grace_seconds}))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body
}

async fn first_token_id(s: &TestServer) -> String {
    let (_, list) = parts(
        s.admin(
            Method::GET,
            &format!("/api/configurations/{}/tokens", s.config.id),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    list[0]["id"].as_str().unwrap().to_owned()
}

/// A request with `token` from 127.0.0.2: another address than the hammering client's, so the
/// backoff that client earns never answers for it.
async fn status_with(s: &TestServer, token: &str) -> (u16, Value) {
    let client = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    parts(
        client
            .get(format!("{}/Users?count=1", s.base()))
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// A client that keeps using a refused token: 401 saying why, and once its address has been
/// refused ten times, 429 with `Retry-After` (the backoff), never a 200 again.
fn refused_after(statuses: &[u16]) {
    let first_429 = statuses.iter().position(|s| *s == 429);
    if let Some(n) = first_429 {
        assert!(n >= 10, "backoff only after ten refusals: {statuses:?}");
    }
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn rotation_without_grace_under_live_traffic_cuts_over_cleanly() {
    let s = TestServer::start().await;
    let old_id = first_token_id(&s).await;
    let stop = Arc::new(AtomicBool::new(false));
    let traffic = hammer(&s, s.token.clone(), stop.clone());
    tokio::time::sleep(Duration::from_millis(150)).await;
    let rotated = rotate(&s, &old_id, 0).await;
    // Every request that starts after the rotation answered must be refused.
    let (after, body) = status_with(&s, &s.token).await;
    assert_eq!(after, 401);
    assert!(
        body["detail"].as_str().unwrap().contains("revoked"),
        "{body}"
    );
    tokio::time::sleep(Duration::from_millis(150)).await;
    stop.store(true, Ordering::SeqCst);
    let statuses = traffic.await.unwrap();
    // Only 200 before the cut-over and refusals after it: no flapping.
    let cut = statuses.iter().position(|s| *s == 401).unwrap();
    assert!(cut > 0, "the old token worked before the rotation");
    assert!(statuses[..cut].iter().all(|s| *s == 200), "{statuses:?}");
    refused_after(&statuses[cut..]);
    let new = rotated["new"]["token"].as_str().unwrap();
    assert_eq!(status_with(&s, new).await.0, 200);
    assert_eq!(rotated["old"]["state"], "revoked");
    assert_eq!(rotated["old"]["rotatedTo"], rotated["new"]["id"]);
}

#[tokio::test]
async fn rotation_with_grace_keeps_the_old_token_until_the_clock_passes_it() {
    let clock = Arc::new(ManualClock::starting_now());
    let s = TestServer::start_with_clock(clock.clone()).await;
    let old_id = first_token_id(&s).await;
    let stop = Arc::new(AtomicBool::new(false));
    let traffic = hammer(&s, s.token.clone(), stop.clone());
    tokio::time::sleep(Duration::from_millis(100)).await;
    let rotated = rotate(&s, &old_id, 3600).await;
    assert_eq!(rotated["old"]["state"], "grace");
    let new = rotated["new"]["token"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        status_with(&s, &s.token).await.0,
        200,
        "within the grace window"
    );
    assert_eq!(status_with(&s, &new).await.0, 200);
    clock.advance(Duration::from_secs(3601));
    let (after, body) = status_with(&s, &s.token).await;
    assert_eq!(after, 401, "{body}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.store(true, Ordering::SeqCst);
    let statuses = traffic.await.unwrap();
    let cut = statuses.iter().position(|s| *s == 401).unwrap();
    assert!(statuses[..cut].len() > 2 && statuses[..cut].iter().all(|s| *s == 200));
    refused_after(&statuses[cut..]);
    assert_eq!(status_with(&s, &new).await.0, 200);
}

#[tokio::test]
async fn expired_tokens_get_401_saying_so() {
    let clock = Arc::new(ManualClock::starting_now());
    let s = TestServer::start_with_clock(clock.clone()).await;
    let expires = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    let (status, issued) = parts(
        s.admin(
            Method::POST,
            &format!("/api/configurations/{}/tokens", s.config.id),
        )
        .json(&json!({"label": "short-lived", "expires": expires}))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{issued}");
    let token = issued["token"].as_str().unwrap();
    assert_eq!(status_with(&s, token).await.0, 200);
    // Nearing expiry: the check says so.
    let (_, check) = parts(
        s.admin(Method::GET, "/api/tokens/check?withinDays=7")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(check["problems"][0]["kind"], "expiresSoon", "{check}");
    clock.advance(Duration::from_secs(3 * 86_400));
    let (status, body) = status_with(&s, token).await;
    assert_eq!(status, 401);
    assert!(
        body["detail"].as_str().unwrap().contains("expired"),
        "{body}"
    );
    let (_, check) = parts(
        s.admin(Method::GET, "/api/tokens/check")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(check["problems"][0]["kind"], "expired");
    // An expiry beyond the policy is refused, naming the field.
    let (status, body) = parts(
        s.admin(
            Method::PATCH,
            &format!("/api/configurations/{}", s.config.id),
        )
        .json(&json!({"tokenPolicy": {"maxLifetimeDays": 30}}))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(
        (status, &body["tokenPolicy"]["maxLifetimeDays"]),
        (200, &json!(30))
    );
    let far = (chrono::Utc::now() + chrono::Duration::days(400)).to_rfc3339();
    let (status, body) = parts(
        s.admin(
            Method::POST,
            &format!("/api/configurations/{}/tokens", s.config.id),
        )
        .json(&json!({"expires": far}))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["field"], "expires", "{body}");
}

/// An OAuth client of the test configuration: its id, secret and token endpoint.
pub(crate) async fn oauth_client(s: &TestServer, label: &str) -> (String, String, String) {
    let (status, client) = parts(
        s.admin(
            Method::POST,
            &format!("/api/configurations/{}/oauth-clients", s.config.id),
        )
        .json(&json!({"label": label}))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{client}");
    let text = |key: &str| client[key].as_str().unwrap().to_owned();
    (
        text("clientId"),
        text("clientSecret"),
        text("tokenEndpoint"),
    )
}

#[tokio::test]
async fn the_oauth_token_endpoint_grants_access_tokens_the_scim_endpoint_accepts() {
    let s = TestServer::start().await;
    let (id, secret, endpoint) = oauth_client(&s, "Acme").await;
    assert_eq!(
        endpoint,
        format!("{}/scim/{}/oauth/token", s.origin, s.config.slug)
    );
    let form = |pairs: &[(&str, &str)]| {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
    };
    let post = |body: String| {
        s.client
            .post(&endpoint)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
    };
    // client_secret_basic
    let response = post(form(&[("grant_type", "client_credentials")]))
        .basic_auth(&id, Some(&secret))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["cache-control"], "no-store");
    let (status, grant) = parts(response).await;
    assert_eq!(status, 200, "{grant}");
    assert_eq!(
        (grant["token_type"].as_str(), grant["expires_in"].as_i64()),
        (Some("Bearer"), Some(3600))
    );
    let access = grant["access_token"].as_str().unwrap().to_owned();
    assert_eq!(status_with(&s, &access).await.0, 200);
    // client_secret_post and the refresh grant
    let (status, refreshed) = parts(
        post(form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", grant["refresh_token"].as_str().unwrap()),
            ("client_id", &id),
            ("client_secret", &secret),
        ]))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{refreshed}");
    assert_eq!(
        status_with(&s, refreshed["access_token"].as_str().unwrap())
            .await
            .0,
        200
    );
    // RFC 6749 §5.2 errors.
    // The last character changed (to one it is not).
    let replacement = if secret.ends_with('x') { "y" } else { "x" };
    let wrong_secret = format!("{}{replacement}", &secret[..secret.len() - 1]);
    let cases: Vec<(reqwest::RequestBuilder, u16, &str)> = vec![
        (
            post(form(&[("grant_type", "client_credentials")]))
                .basic_auth(&id, Some(&wrong_secret)),
            401,
            "invalid_client",
        ),
        (
            post(form(&[("grant_type", "client_credentials")])),
            401,
            "invalid_client",
        ),
        (
            post(form(&[("grant_type", "password")])).basic_auth(&id, Some(&secret)),
            400,
            "unsupported_grant_type",
        ),
        (
            post(form(&[("scope", "x")])).basic_auth(&id, Some(&secret)),
            400,
            "invalid_request",
        ),
        (
            post(form(&[("grant_type", "refresh_token")])).basic_auth(&id, Some(&secret)),
            400,
            "invalid_request",
        ),
        (
            post(form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", grant["refresh_token"].as_str().unwrap()),
            ]))
            .basic_auth(&id, Some(&secret)),
            400,
            "invalid_grant",
        ),
        (
            post(form(&[
                ("grant_type", "client_credentials"),
                ("client_id", &id),
                ("client_secret", &secret),
            ]))
            .basic_auth(&id, Some(&secret)),
            400,
            "invalid_request",
        ),
        (
            s.client
                .post(&endpoint)
                .json(&json!({"grant_type": "client_credentials"}))
                .basic_auth(&id, Some(&secret)),
            400,
            "invalid_request",
        ),
    ];
    for (i, (request, expected_status, code)) in cases.into_iter().enumerate() {
        let response = request.send().await.unwrap();
        let challenge = response.headers().get("www-authenticate").cloned();
        let (status, body) = parts(response).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (expected_status, Some(code)),
            "case {i}: {body}"
        );
        assert!(
            body["error_description"]
                .as_str()
                .is_some_and(|d| !d.is_empty())
        );
        if status == 401 {
            assert!(challenge.unwrap().to_str().unwrap().starts_with("Basic"));
        }
    }
    // A refresh token replayed ended the family; revoking the client ends its access tokens.
    let fresh = parts(
        post(form(&[("grant_type", "client_credentials")]))
            .basic_auth(&id, Some(&secret))
            .send()
            .await
            .unwrap(),
    )
    .await
    .1;
    let fresh_access = fresh["access_token"].as_str().unwrap();
    assert_eq!(status_with(&s, fresh_access).await.0, 200);
    let (status, revoked) = parts(
        s.admin(
            Method::DELETE,
            &format!("/api/configurations/{}/oauth-clients/{id}", s.config.id),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!((status, &revoked["state"]), (200, &json!("revoked")));
    assert_eq!(status_with(&s, fresh_access).await.0, 401);
    // Token requests are in the provisioning log, by client id, without any secret; refused
    // ones are counted with the endpoint's other refusals.
    let mut records = Value::Null;
    for _ in 0..200 {
        let (_, page) = parts(
            s.admin(Method::GET, "/api/logs?operation=token&limit=1000")
                .send()
                .await
                .unwrap(),
        )
        .await;
        if page["entries"].as_array().is_some_and(|e| {
            e.iter()
                .any(|e| e["credential"] == id.as_str() && e["status"] == 200)
        }) {
            records = page;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let entries = records["entries"]
        .as_array()
        .expect("token requests recorded");
    assert!(
        entries
            .iter()
            .any(|e| e["credential"] == id.as_str() && e["status"] == 200)
    );
    assert!(
        entries.iter().all(|e| e["status"] == 200),
        "refused token requests are counted, not recorded: {records}"
    );
    let (_, refused) = s.refusals(1).await;
    assert!(
        refused
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == 401 || r["status"] == 400),
        "{refused}"
    );
    let (_, everything) = parts(
        s.admin(Method::GET, "/api/logs?limit=1000")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let text = everything.to_string();
    for secret in [&secret[10..], &access[10..], &fresh_access[10..]] {
        assert!(!text.contains(secret), "a secret reached the log");
    }
    // The listing shows the client, never its secret.
    let (_, list) = parts(
        s.admin(
            Method::GET,
            &format!("/api/configurations/{}/oauth-clients", s.config.id),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(list[0]["clientId"], id.as_str());
    assert!(!list.to_string().contains(&secret[10..]));
}

#[tokio::test]
async fn the_admin_api_reads_and_exports_the_audit_log() {
    let s = TestServer::start().await;
    let token_id = first_token_id(&s).await;
    rotate(&s, &token_id, 60).await;
    let (status, _) = parts(
        s.admin(
            Method::PATCH,
            &format!("/api/configurations/{}", s.config.id),
        )
        .json(&json!({"description": "prod"}))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let (status, page) = parts(
        s.admin(
            Method::GET,
            &format!("/api/audit?configuration={}&limit=2", s.config.id),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let entries = page["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["action"], "configuration.update");
    assert_eq!(entries[0]["actor"], "admin");
    assert_eq!(entries[0]["source"], "127.0.0.1");
    assert_eq!(entries[1]["action"], "token.rotate");
    let next = page["next"].as_i64().unwrap();
    let (_, older) = parts(
        s.admin(Method::GET, &format!("/api/audit?before={next}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let older: Vec<&str> = older["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(older, ["token.create", "configuration.create"]);
    // Oldest first, a page at a time, continuing `after` the last one read.
    let actions = |page: &Value| -> Vec<String> {
        page["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap().to_owned())
            .collect()
    };
    let (status, first) = parts(
        s.admin(Method::GET, "/api/audit?order=oldestFirst&limit=3")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(
        actions(&first),
        ["configuration.create", "token.create", "token.rotate"]
    );
    let (_, rest) = parts(
        s.admin(
            Method::GET,
            &format!(
                "/api/audit?order=oldestFirst&after={}",
                first["next"].as_i64().unwrap()
            ),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(actions(&rest), ["configuration.update"]);
    // Each order continues with its own key.
    for query in ["order=oldestFirst&before=3", "after=3"] {
        let (status, refused) = parts(
            s.admin(Method::GET, &format!("/api/audit?{query}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 400, "{query}: {refused}");
    }
    let response = s
        .admin(Method::GET, "/api/audit/export?format=csv")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = response.text().await.unwrap();
    assert_eq!(csv.lines().count(), 5);
    let jsonl = s
        .admin(Method::GET, "/api/audit/export?format=jsonl&action=token.")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(jsonl.lines().count(), 2);
    assert!(!csv.contains(&s.token[20..]) && !jsonl.contains(&s.token[20..]));
    let (status, body) = parts(
        s.admin(Method::GET, "/api/audit/export?format=xml")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("csv or jsonl")
    );
}

#[tokio::test]
async fn the_token_endpoint_grants_only_the_scim_scope_and_publishes_its_metadata() {
    let s = TestServer::start().await;
    let (id, secret, endpoint) = oauth_client(&s, "IPSIE").await;
    let ask = |scope: Option<&str>| {
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "client_credentials");
        if let Some(scope) = scope {
            form.append_pair("scope", scope);
        }
        s.client
            .post(&endpoint)
            .header("content-type", "application/x-www-form-urlencoded")
            .basic_auth(&id, Some(&secret))
            .body(form.finish())
    };
    for scope in [None, Some("scim")] {
        let (status, grant) = parts(ask(scope).send().await.unwrap()).await;
        assert_eq!(status, 200, "{grant}");
        assert_eq!(grant["scope"], "scim");
    }
    let (status, error) = parts(ask(Some("scim admin")).send().await.unwrap()).await;
    assert_eq!(status, 400, "{error}");
    assert_eq!(error["error"], "invalid_scope");
    assert!(
        error["error_description"]
            .as_str()
            .unwrap()
            .contains("admin")
    );

    // RFC 8414 metadata, at the well-known place for the issuer's path and beside it.
    let issuer = format!("{}/scim/{}", s.origin, s.config.slug);
    for url in [
        format!(
            "{}/.well-known/oauth-authorization-server/scim/{}",
            s.origin, s.config.slug
        ),
        format!("{issuer}/.well-known/oauth-authorization-server"),
    ] {
        let (status, metadata) = parts(s.client.get(&url).send().await.unwrap()).await;
        assert_eq!(status, 200, "{url}: {metadata}");
        assert_eq!(metadata["issuer"], issuer.as_str());
        assert_eq!(metadata["token_endpoint"], endpoint.as_str());
        assert_eq!(metadata["scopes_supported"], json!(["scim"]));
        assert!(
            metadata["grant_types_supported"]
                .as_array()
                .unwrap()
                .contains(&json!("client_credentials"))
        );
    }
    // A forged Host renames nothing: the issuer is the server's own origin.
    let (_, forged) = parts(
        s.client
            .get(format!("{issuer}/.well-known/oauth-authorization-server"))
            .header("host", "evil.example")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(forged["issuer"], issuer.as_str(), "{forged}");
    let (status, _) = parts(
        s.client
            .get(format!(
                "{}/.well-known/oauth-authorization-server/scim/nope",
                s.origin
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404);
    s.stop().await;
}

#[tokio::test]
async fn the_list_flags_a_token_due_and_an_alert_warns_ahead_of_the_rotation_date() {
    let clock = Arc::new(ManualClock::starting_now());
    let s = TestServer::start_with_clock(clock.clone()).await;
    let (status, body) = parts(
        s.admin(
            Method::PATCH,
            &format!("/api/configurations/{}", s.config.id),
        )
        .json(&json!({"tokenPolicy": {"rotationDays": 60}}))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, rule) = parts(
        s.admin(
            Method::POST,
            &format!("/api/configurations/{}/alerts", s.config.id),
        )
        .json(&json!({"name": "Rotate soon", "condition": {"kind": "rotationOverdue", "days": 14}}))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{rule}");
    assert_eq!(
        rule["description"],
        "a token is due for rotation within 14 days, or overdue"
    );
    let due = || async {
        let (status, list) = parts(
            s.admin(Method::GET, "/api/configurations")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200, "{list}");
        list[0]["tokenDue"].clone()
    };
    let evaluate = || async {
        let (status, events) = parts(
            s.admin(Method::POST, "/api/alerts/evaluate")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200, "{events}");
        events
    };
    // Due in 60 days: neither flagged nor alerted.
    assert!(due().await.is_null());
    assert_eq!(evaluate().await, json!([]));
    // 29 days before: flagged, not yet alerted; 13 days before: alerted.
    clock.advance(Duration::from_secs(31 * 86_400));
    let flag = due().await;
    assert_eq!(flag["kind"], "rotation", "{flag}");
    assert_eq!(evaluate().await, json!([]));
    clock.advance(Duration::from_secs(16 * 86_400));
    let events = evaluate().await;
    assert_eq!(events[0]["kind"], "raised", "{events}");
    assert!(
        events[0]["message"]
            .as_str()
            .unwrap()
            .contains("is due for rotation on"),
        "{events}"
    );
    // Rotating resolves it, and the flag goes.
    let old = first_token_id(&s).await;
    rotate(&s, &old, 0).await;
    assert!(due().await.is_null());
    let events = evaluate().await;
    assert_eq!(events[0]["kind"], "resolved", "{events}");
}

#[tokio::test]
async fn a_rotation_without_a_grace_window_takes_the_policys() {
    let s = TestServer::start().await;
    let config = format!("/api/configurations/{}", s.config.id);
    // Out of range: the field is named.
    let (status, error) = parts(
        s.admin(Method::PATCH, &config)
            .json(&json!({"tokenPolicy": {"rotationGraceHours": 5000}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400, "{error}");
    assert!(
        error.to_string().contains("tokenPolicy.rotationGraceHours"),
        "{error}"
    );
    let (status, changed) = parts(
        s.admin(Method::PATCH, &config)
            .json(&json!({"tokenPolicy": {"rotationGraceHours": 24}}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["tokenPolicy"]["rotationGraceHours"], 24);
    let old_id = first_token_id(&s).await;
    let (status, rotated) = parts(
        s.admin(Method::POST, &format!("{config}/tokens/{old_id}/rotate"))
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "{rotated}");
    assert_eq!(rotated["old"]["state"], "grace", "{rotated}");
    // The grace ends 24 hours on, and the old token names its successor.
    let ends =
        chrono::DateTime::parse_from_rfc3339(rotated["old"]["revoked"].as_str().unwrap()).unwrap();
    let minutes = (ends.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_minutes();
    assert!((1_434..=1_446).contains(&minutes), "{minutes}");
    assert_eq!(rotated["old"]["rotatedTo"], rotated["new"]["id"]);
    // Naming a grace window (none) overrides the policy.
    let next = rotated["new"]["id"].as_str().unwrap().to_owned();
    let again = rotate(&s, &next, 0).await;
    assert_eq!(again["old"]["state"], "revoked");
    s.stop().await;
}
