//! Finding one person's records over real HTTP (issue 34): every record of a resource names
//! it — a refused PATCH and a DELETE included, whose replies carry no resource — and free text
//! finds them by name, id, externalId or email. The list of configurations says how each one's
//! provisioning goes, a firing alert included.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use crate::common::{TestServer, connection, parts, send_json};
use reqwest::Method;
use serde_json::{Value, json};

use super::client_profiles::patch;

/// The records a log search answers.
async fn search(s: &TestServer, query: &str) -> Vec<Value> {
    let (status, page) = parts(
        s.admin(Method::GET, &format!("/api/logs?{query}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    page["entries"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_persons_failed_updates_and_deletion_are_found_by_what_the_admin_knows() {
    let s = TestServer::start().await;
    let c = connection(&s, json!({"name": "Entra", "identityProvider": "entra"})).await;
    let carol = c.user(&s, "carol@contoso.com").await;
    let other = c.user(&s, "dave@contoso.com").await;
    // Three refused disables (an operation the RFC does not have), named by nothing but the id
    // in the path.
    let refused = patch(&json!([{"op": "disable", "path": "active", "value": false}]));
    for _ in 0..3 {
        let (status, body) = c
            .call(&s, Method::PATCH, &format!("/Users/{carol}"), &refused)
            .await;
        assert_eq!(status, 400, "{body}");
    }
    let (status, _) = c
        .call(&s, Method::DELETE, &format!("/Users/{other}"), &Value::Null)
        .await;
    assert_eq!(status, 204);
    c.records(&s, 6).await;
    let cfg = &c.id;

    // By name, with the outcome "failure": the three refused PATCHes, each named.
    let found = search(
        &s,
        &format!("configuration={cfg}&text=carol&outcome=failure"),
    )
    .await;
    assert_eq!(found.len(), 3, "{found:?}");
    for record in &found {
        assert_eq!(record["method"], "PATCH");
        assert_eq!(record["resourceName"], "carol@contoso.com", "{record}");
        assert_eq!(record["resourceId"], carol.as_str());
    }
    // By the SCIM error type (Monitoring's "most frequent errors" open this search).
    let scim_type = found[0]["scimType"].as_str().unwrap().to_owned();
    let by_type = search(
        &s,
        &format!("configuration={cfg}&outcome=failure&scimType={scim_type}"),
    )
    .await;
    assert_eq!(by_type.len(), 3, "{by_type:?}");
    assert!(
        search(&s, &format!("configuration={cfg}&scimType=uniqueness"))
            .await
            .is_empty()
    );
    // By the id, the externalId and the email: her create and the three PATCHes.
    for text in [
        carol.clone(),
        "ext-carol@contoso.com".to_owned(),
        "carol@contoso.com".to_owned(),
    ] {
        let found = search(&s, &format!("configuration={cfg}&text={text}")).await;
        assert_eq!(found.len(), 4, "{text}: {found:?}");
    }
    // A deletion's record names who was deleted.
    let found = search(
        &s,
        &format!("configuration={cfg}&text=dave&operation=delete"),
    )
    .await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["resourceName"], "dave@contoso.com");
    // Each record has its own address (a shared link opens it).
    let seq = found[0]["seq"].as_i64().unwrap();
    let (status, one) = parts(
        s.admin(Method::GET, &format!("/api/logs/{seq}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(one["resourceName"], "dave@contoso.com");
    let (status, _) = parts(
        s.admin(Method::GET, "/api/logs/999999")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404);
    let (status, error) = parts(s.admin(Method::GET, "/api/logs/abc").send().await.unwrap()).await;
    assert_eq!(status, 400);
    assert!(
        error.to_string().contains("not a log record's position"),
        "{error}"
    );
    // A word that is none of these finds nothing.
    assert!(
        search(&s, &format!("configuration={cfg}&text=zelda"))
            .await
            .is_empty()
    );
    s.stop().await;
}

#[tokio::test]
async fn the_list_of_configurations_shows_health_with_firing_alerts() {
    let s = TestServer::start().await;
    let c = connection(&s, json!({"name": "Okta", "identityProvider": "okta"})).await;
    let health = || async {
        let (status, list) = parts(
            s.admin(Method::GET, "/api/configurations")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200, "{list}");
        list.as_array()
            .unwrap()
            .iter()
            .find(|v| v["id"] == c.id.as_str())
            .unwrap()["health"]
            .clone()
    };
    let h = health().await;
    assert_eq!(h["state"], "healthy", "{h}");
    assert!(
        h["lastRequest"].is_null() && h["lastFailure"].is_null(),
        "{h}"
    );

    // A rule that fires from one failure in two requests.
    let (status, rule) = parts(
        send_json(
            s.admin(Method::POST, &format!("/api/configurations/{}/alerts", c.id)),
            &json!({"name": "Failures", "condition": {"kind": "failureRate", "percent": 40, "minutes": 15, "minRequests": 2}}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{rule}");
    c.user(&s, "erin@contoso.com").await;
    let (status, _) = c
        .call(
            &s,
            Method::POST,
            "/Users",
            &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}),
        )
        .await;
    assert_eq!(status, 400);
    c.records(&s, 2).await;
    let (status, _) = parts(
        s.admin(Method::POST, "/api/alerts/evaluate")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let h = health().await;
    assert_ne!(h["state"], "healthy", "{h}");
    assert_eq!(h["firingAlerts"][0]["name"], "Failures", "{h}");
    assert!(
        h["reason"]
            .as_str()
            .unwrap()
            .contains("alert firing: \"Failures\""),
        "{h}"
    );
    assert!(
        h["lastRequest"].is_string() && h["lastFailure"].is_string(),
        "{h}"
    );
    s.stop().await;
}
