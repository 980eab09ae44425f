//! Test connection over real HTTP: the console's own endpoint passes every check; a wrong
//! token, a wrong base URL, a dead port and a provider that breaks Entra's rules are reported
//! in words; the token never appears in a report.
#![allow(clippy::unwrap_used)] // Test code: a failure is a test failure.

use crate::common::{TestServer, parts, send_json};
use axum::http::StatusCode;
use reqwest::Method;
use serde_json::{Value, json};

async fn test(s: &TestServer, base_url: &str, token: &str) -> Value {
    let (status, report) = parts(
        send_json(
            s.admin(Method::POST, "/api/connection-test"),
            &json!({"baseUrl": base_url, "token": token}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{report}");
    assert!(!report.to_string().contains(token), "the token never shows");
    report
}

fn verdicts(report: &Value) -> Vec<(String, String)> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["verdict"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_console_tests_connections_as_identity_providers_do() {
    let s = TestServer::start().await;
    // Its own endpoint: every check passes.
    let report = test(&s, &format!("{}/", s.base()), &s.token).await;
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["baseUrl"], s.base());
    let all = verdicts(&report);
    assert_eq!(all.len(), 6, "{all:?}");
    assert!(all.iter().all(|(_, v)| v == "pass"), "{all:?}");
    assert!(
        report["checks"][4]["request"]
            .as_str()
            .unwrap()
            .starts_with("GET /Users?filter=userName%20eq%20%22")
    );

    // A wrong token.
    let report = test(
        &s,
        &s.base(),
        "scim_wrongtok_thisisnotatokenatall0000000000000000000",
    )
    .await;
    assert_eq!(report["ok"], false);
    let token_check = &report["checks"][3];
    assert_eq!(token_check["verdict"], "fail");
    assert_eq!(token_check["status"], 401);
    assert!(
        token_check["detail"]
            .as_str()
            .unwrap()
            .contains("token is wrong")
    );

    // A wrong base URL.
    let report = test(&s, &format!("{}/scim/nope/v2", s.origin), &s.token).await;
    assert_eq!(report["ok"], false);
    assert!(
        report.to_string().contains("check the base URL"),
        "{report}"
    );

    // Nothing listening.
    let report = test(&s, "http://127.0.0.1:9/scim/v2", &s.token).await;
    assert_eq!(report["ok"], false);
    assert!(
        report["checks"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("could not connect")
    );

    // A provider that answers without credentials and 404s a filter with no match.
    let app = axum::Router::new()
        .route(
            "/v2/Users",
            axum::routing::get(|query: axum::extract::RawQuery| async move {
                if query.0.unwrap_or_default().contains("filter") {
                    (StatusCode::NOT_FOUND, axum::Json(json!({"detail": "no such user"})))
                } else {
                    (
                        StatusCode::OK,
                        axum::Json(json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 0, "Resources": []})),
                    )
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let bad = format!("http://{}/v2", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let report = test(&s, &bad, "anything").await;
    assert_eq!(report["ok"], false);
    let text = report.to_string();
    assert!(text.contains("WITHOUT credentials"), "{text}");
    assert!(text.contains("quarantines the job"), "{text}");

    // A token pasted with a line break is named as the fault, not sent.
    let (_, report) = parts(
        send_json(
            s.admin(Method::POST, "/api/connection-test"),
            &json!({"baseUrl": s.base(), "token": format!("{}\n", s.token)}),
        )
        .await,
    )
    .await;
    assert_eq!(report["ok"], false);
    assert!(
        report["checks"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("copy it again")
    );
    // Bad input is refused with the field named.
    let (status, error) = parts(
        send_json(
            s.admin(Method::POST, "/api/connection-test"),
            &json!({"baseUrl": "ftp://x", "token": "t"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    assert!(error.to_string().contains("baseUrl"));
    s.stop().await;
}
