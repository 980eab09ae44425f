//! Alerts over real HTTP: a revoked token used against the SCIM endpoint is recorded as such,
//! raises an alert that reaches the live stream and a webhook (retried after a 500), and the
//! rules are managed through the admin API with errors that name the field at fault.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::{TestServer, parts, send_json};
use axum::Json;
use axum::http::StatusCode;
use reqwest::Method;
use scim_console_core::{Actor, NewToken};
use serde_json::{Value, json};

/// A webhook receiver on loopback that answers 500 to the first call and 200 afterwards.
async fn receiver() -> (String, Arc<Mutex<Vec<Value>>>) {
    let calls: Arc<Mutex<Vec<Value>>> = Arc::default();
    let seen = calls.clone();
    let app = axum::Router::new().route(
        "/hooks/secret-path",
        axum::routing::post(move |Json(body): Json<Value>| {
            let seen = seen.clone();
            async move {
                let mut calls = seen.lock().unwrap();
                calls.push(body);
                if calls.len() == 1 {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/hooks/secret-path",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, calls)
}

/// The next `event: alert` of a server-sent event stream.
async fn next_alert(stream: &mut reqwest::Response, buffer: &mut String) -> Value {
    loop {
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            if block.lines().any(|l| l == "event: alert") {
                let data = block
                    .lines()
                    .find_map(|l| l.strip_prefix("data: "))
                    .unwrap();
                return serde_json::from_str(data).unwrap();
            }
        }
        let chunk = tokio::time::timeout(Duration::from_secs(10), stream.chunk())
            .await
            .expect("an alert within 10 s")
            .unwrap()
            .expect("the stream stays open");
        buffer.push_str(std::str::from_utf8(&chunk).unwrap());
    }
}

#[tokio::test]
async fn a_revoked_token_raises_an_alert_on_the_stream_and_the_webhook() {
    let s = TestServer::start().await;
    let (hook, calls) = receiver().await;
    let (status, rule) = parts(
        send_json(
            s.admin(
                Method::POST,
                &format!("/api/configurations/{}/alerts", s.config.id),
            ),
            &json!({"name": "Revoked token in use", "condition": {"kind": "revokedTokenUsed", "minutes": 30}, "webhookUrl": hook}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{rule}");
    let origin = hook.split("/hooks").next().unwrap();
    assert_eq!(
        rule["webhook"],
        format!("{origin}/…"),
        "only the origin is shown"
    );
    assert!(!rule.to_string().contains("secret-path"));
    assert_eq!(rule["enabled"], true);
    let mut stream = s
        .admin(Method::GET, "/api/alerts/stream")
        .send()
        .await
        .unwrap();
    assert_eq!(stream.headers()["content-type"], "text/event-stream");

    // A token is revoked; its holder keeps calling.
    let issued = s
        .store
        .create_token(
            s.config.id,
            &NewToken {
                label: "old Okta token".into(),
                expires: None,
            },
            &Actor::system(),
        )
        .await
        .unwrap();
    s.store
        .revoke_token(s.config.id, &issued.info.id, &Actor::system())
        .await
        .unwrap();
    let refused = s
        .client
        .get(format!("{}/Users", s.base()))
        .bearer_auth(issued.token.expose())
        .header("user-agent", "Okta SCIM Client 1.0.0")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    // The refusal is counted, not recorded: it says which token, from where and why.
    let counted = s.refusals(1).await.1[0].clone();
    assert_eq!(counted["reason"], "revoked", "{counted}");
    assert_eq!(counted["status"], 401, "{counted}");
    assert_eq!(counted["count"], 1, "{counted}");
    assert_eq!(counted["client"], "okta", "{counted}");
    assert_eq!(counted["source"], "127.0.0.1", "{counted}");
    let prefix = counted["credential"].as_str().unwrap().to_owned();
    assert!(
        prefix.starts_with("scim_") && prefix.ends_with('…'),
        "{prefix}"
    );
    assert!(!counted.to_string().contains(issued.token.expose()));
    let (_, page) = parts(
        s.admin(Method::GET, "/api/logs?status=401")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(page["entries"], json!([]), "no record per refused request");

    // Evaluated on demand (the background loop does it every minute).
    let (status, raised) = parts(
        s.admin(Method::POST, "/api/alerts/evaluate")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let raised = raised.as_array().unwrap();
    assert_eq!(raised.len(), 1, "{raised:?}");
    assert_eq!(raised[0]["kind"], "raised");
    assert_eq!(raised[0]["webhook"], "pending");
    let message = raised[0]["message"].as_str().unwrap();
    assert!(
        message.contains(&prefix) && message.contains("127.0.0.1") && message.contains("okta"),
        "{message}"
    );
    // The live stream carries it (the desktop's notification).
    let mut buffer = String::new();
    let streamed = next_alert(&mut stream, &mut buffer).await;
    assert_eq!(streamed["seq"], raised[0]["seq"]);
    assert_eq!(streamed["ruleName"], "Revoked token in use");
    // Evaluating again raises nothing new.
    let (_, again) = parts(
        s.admin(Method::POST, "/api/alerts/evaluate")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(again, json!([]));

    // The webhook answered 500, then 200 on the retry; the history says so.
    let delivered = loop {
        let (_, history) = parts(
            s.admin(
                Method::GET,
                &format!("/api/alerts?configuration={}", s.config.id),
            )
            .send()
            .await
            .unwrap(),
        )
        .await;
        let first = history[0].clone();
        if first["webhook"] != "pending" {
            break first;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(delivered["webhook"], "delivered", "{delivered}");
    assert_eq!(delivered["webhookDetail"], "HTTP 200 (attempt 2 of 3)");
    let calls = calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[1]["alert"]["seq"], raised[0]["seq"]);
    assert!(
        calls[1]["text"]
            .as_str()
            .unwrap()
            .starts_with("SCIM Console — Revoked token in use (default): raised."),
        "{}",
        calls[1]["text"]
    );
    // The statistics count the refusal by its kind.
    let (_, figures) = parts(
        s.admin(
            Method::GET,
            &format!(
                "/api/logs/stats?configuration={}&interval=minute",
                s.config.id
            ),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert!(figures.to_string().contains("revokedToken"), "{figures}");
    s.stop().await;
}

#[tokio::test]
async fn rules_are_managed_through_the_admin_api() {
    let s = TestServer::start().await;
    let rules = format!("/api/configurations/{}/alerts", s.config.id);
    // Errors name the field at fault.
    for (body, field) in [
        (
            json!({"name": "x", "condition": {"kind": "failureRate", "percent": 0, "minutes": 5}}),
            "condition.percent",
        ),
        (
            json!({"name": "", "condition": {"kind": "noTraffic", "hours": 2}}),
            "name",
        ),
        (
            json!({"name": "x", "condition": {"kind": "noTraffic", "hours": 2}, "webhookUrl": "ftp://x/y"}),
            "webhookUrl",
        ),
        (
            json!({"name": "x", "condition": {"kind": "sometimes"}}),
            "condition",
        ),
    ] {
        let (status, error) = parts(send_json(s.admin(Method::POST, &rules), &body).await).await;
        assert_eq!(status, 400, "{body}: {error}");
        assert!(error.to_string().contains(field), "{body}: {error}");
    }
    let (status, created) = parts(
        send_json(
            s.admin(Method::POST, &rules),
            &json!({"name": "Entra stopped", "condition": {"kind": "noTraffic", "hours": 3}}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(created["description"], "no requests for 3 hours");
    let id = created["id"].as_i64().unwrap();
    let (status, changed) = parts(
        send_json(
            s.admin(Method::PATCH, &format!("/api/alerts/rules/{id}")),
            &json!({"enabled": false, "condition": {"kind": "failureRate", "percent": 25, "minutes": 15}}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["enabled"], false);
    assert_eq!(changed["condition"]["minRequests"], 10);
    let (_, list) = parts(s.admin(Method::GET, &rules).send().await.unwrap()).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["name"], "Entra stopped");
    let (status, _) = parts(
        s.admin(Method::DELETE, &format!("/api/alerts/rules/{id}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 204);
    for path in [
        format!("/api/alerts/rules/{id}"),
        "/api/alerts/rules/x".to_owned(),
    ] {
        let (status, _) = parts(s.admin(Method::DELETE, &path).send().await.unwrap()).await;
        assert_eq!(status, 404, "{path}");
    }
    // The OpenAPI document describes the routes.
    let (_, openapi) = parts(
        s.admin(Method::GET, "/api/openapi.json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    for path in [
        "/api/configurations/{id}/alerts",
        "/api/alerts/rules/{rule}",
        "/api/alerts",
        "/api/alerts/evaluate",
        "/api/alerts/stream",
    ] {
        assert!(openapi["paths"][path].is_object(), "{path}");
    }
    // Typed schemas (for the UI's generated types), read off the very types the API returns.
    let schemas = &openapi["components"]["schemas"];
    for (schema, property) in [
        ("AlertRule", "firingSince"),
        ("AlertEvent", "webhookDetail"),
        ("NewAlertRule", "webhookUrl"),
        ("LogEntry", "refusal"),
        ("LogPage", "next"),
        ("LogStats", "topErrorTypes"),
        ("RetentionReport", "surplus"),
    ] {
        assert!(
            schemas[schema]["properties"][property].is_object(),
            "{schema}.{property}: {}",
            schemas[schema]
        );
    }
    assert!(
        !schemas["LogEntry"]["properties"]
            .as_object()
            .unwrap()
            .contains_key("outbox"),
        "internal fields stay out"
    );
    let kinds = schemas["AlertCondition"].to_string();
    for kind in [
        "failureRate",
        "noTraffic",
        "revokedTokenUsed",
        "minRequests",
    ] {
        assert!(kinds.contains(kind), "{kind}: {kinds}");
    }
    assert_eq!(
        openapi["paths"]["/api/logs"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
            ["$ref"],
        "#/components/schemas/LogPage"
    );
    s.stop().await;
}

#[tokio::test]
async fn a_rules_webhook_is_tested_on_demand_and_every_rule_is_listed() {
    let s = TestServer::start().await;
    let (url, calls) = receiver().await;
    let rules = format!("/api/configurations/{}/alerts", s.config.id);
    let (status, hooked) = parts(
        send_json(
            s.admin(Method::POST, &rules),
            &json!({"name": "Paged", "condition": {"kind": "noTraffic", "hours": 2}, "webhookUrl": url}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{hooked}");
    let (status, bare) = parts(
        send_json(
            s.admin(Method::POST, &rules),
            &json!({"name": "Quiet", "condition": {"kind": "noTraffic", "hours": 3}}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{bare}");
    let test = |id: &Value| format!("/api/alerts/rules/{id}/test");
    // The receiver answers 500 first: the test says so (502), without the address.
    let (status, failed) = parts(
        s.admin(Method::POST, &test(&hooked["id"]))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 502, "{failed}");
    assert!(failed.to_string().contains("HTTP 500"), "{failed}");
    assert!(!failed.to_string().contains("secret-path"), "{failed}");
    let (status, sent) = parts(
        s.admin(Method::POST, &test(&hooked["id"]))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{sent}");
    assert_eq!(sent["delivered"], true);
    assert_eq!(sent["detail"], "HTTP 200");
    {
        let calls = calls.lock().unwrap();
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[1]["test"], true);
        assert!(
            calls[1]["text"]
                .as_str()
                .unwrap()
                .contains("alert rule \"Paged\"")
        );
    }
    // A rule without a webhook has nothing to test; an unknown rule is not found.
    let (status, _) = parts(
        s.admin(Method::POST, &test(&bare["id"]))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 409);
    let (status, _) = parts(
        s.admin(Method::POST, "/api/alerts/rules/9999/test")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404);
    // Each test is in the audit log.
    let (status, audit) = parts(
        s.admin(Method::GET, "/api/audit?action=alert.webhookTest")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{audit}");
    assert_eq!(audit["entries"].as_array().unwrap().len(), 2, "{audit}");
    // Every rule, across configurations.
    let (status, all) = parts(
        s.admin(Method::GET, "/api/alerts/rules")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{all}");
    let names: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Paged", "Quiet"]);
    s.stop().await;
}
