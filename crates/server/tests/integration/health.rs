//! A configuration's health over real HTTP: healthy, then degraded while users' last requests
//! fail, healthy again once later requests for them succeed (recovered), failing when most
//! requests of the last hour fail.

use crate::common::{TestServer, connection, parts, send_json};
use reqwest::Method;
use serde_json::{Value, json};

use super::client_profiles::patch;

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

fn user(name: &str, phone: &str) -> Value {
    json!({"schemas": [USER], "userName": name, "phoneNumbers": [{"type": "work", "value": phone}]})
}

#[tokio::test]
async fn health_follows_the_users_whose_last_request_failed() {
    let s = TestServer::start().await;
    let c = connection(&s, json!({"name": "Entra", "identityProvider": "entra"})).await;
    let health = || async {
        let (status, h) = parts(
            s.admin(Method::GET, &format!("/api/configurations/{}/health", c.id))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200, "{h}");
        h
    };
    let h = health().await;
    assert_eq!(h["state"], "healthy", "{h}");
    assert_eq!(
        h["reason"],
        "no request for a user failed in the last 24 hours"
    );
    // The standard plan wants phone numbers in E.164.
    let (_, plan) = parts(
        s.admin(Method::GET, "/api/mapping/template")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let (status, _) = parts(
        send_json(
            s.admin(
                Method::PUT,
                &format!("/api/configurations/{}/mapping", c.id),
            ),
            &json!({"plan": plan}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    let grace = c.user(&s, "grace@contoso.com").await;
    // Ada's create and Grace's update fail.
    let (status, _) = c
        .call(
            &s,
            Method::POST,
            "/Users",
            &user("ada@contoso.com", "020 7123 4567"),
        )
        .await;
    assert_eq!(status, 400);
    let bad_phone = patch(
        &json!([{"op": "add", "path": "phoneNumbers", "value": [{"type": "work", "value": "12"}]}]),
    );
    let (status, _) = c
        .call(&s, Method::PATCH, &format!("/Users/{grace}"), &bad_phone)
        .await;
    assert_eq!(status, 400);
    c.records(&s, 3).await;
    let h = health().await;
    assert_eq!(h["state"], "degraded", "{h}");
    assert_eq!(h["unresolved"], 2, "{h}");
    assert!(
        h["reason"]
            .as_str()
            .unwrap()
            .contains("the last request of 2 users' failed"),
        "{h}"
    );
    let users: Vec<&str> = h["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["user"].as_str().unwrap())
        .collect();
    assert_eq!(users.len(), 2, "{h}");
    assert!(users.contains(&"ada@contoso.com"), "{h}");
    let ada = h["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["user"] == "ada@contoso.com")
        .unwrap();
    assert_eq!(
        (ada["method"].as_str(), ada["status"].as_u64()),
        (Some("POST"), Some(400))
    );
    assert!(ada["recovered"].is_null());

    // The identity provider sends them again, right: both recovered, healthy again.
    let (status, _) = c
        .call(
            &s,
            Method::POST,
            "/Users",
            &user("ada@contoso.com", "+442071234567"),
        )
        .await;
    assert_eq!(status, 201);
    let good_phone = patch(
        &json!([{"op": "add", "path": "phoneNumbers", "value": [{"type": "work", "value": "+14155550123"}]}]),
    );
    let (status, _) = c
        .call(&s, Method::PATCH, &format!("/Users/{grace}"), &good_phone)
        .await;
    assert!(status == 200 || status == 204);
    c.records(&s, 5).await;
    let h = health().await;
    assert_eq!(h["state"], "healthy", "{h}");
    assert_eq!(
        (h["unresolved"].as_u64(), h["recovered"].as_u64()),
        (Some(0), Some(2)),
        "{h}"
    );
    assert!(
        h["reason"].as_str().unwrap().contains("2 users recovered"),
        "{h}"
    );
    assert!(h["users"][0]["recovered"].is_string(), "{h}");

    // Most requests of the last hour fail: failing.
    for i in 0..8 {
        let (status, _) = c
            .call(
                &s,
                Method::POST,
                "/Users",
                &user(&format!("u{i}@contoso.com"), "nope"),
            )
            .await;
        assert_eq!(status, 400);
    }
    c.records(&s, 13).await;
    let h = health().await;
    assert_eq!(h["state"], "failing", "{h}");
    assert!(
        h["reason"]
            .as_str()
            .unwrap()
            .contains("requests of the last hour failed"),
        "{h}"
    );
    s.stop().await;
}
