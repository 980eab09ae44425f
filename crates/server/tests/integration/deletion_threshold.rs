//! The accidental-deletion threshold over real HTTP: beyond it the identity provider's
//! DELETE and deactivating PATCH are answered 503 with `Retry-After` and a SCIM error, logged
//! as skipped, listed for the admin, who releases or discards them through the admin API.

use crate::common::{TestServer, connection, parts, send_json};
use reqwest::Method;
use serde_json::{Value, json};

use super::client_profiles::patch;

#[tokio::test]
async fn deletions_beyond_the_threshold_are_held_and_decided_by_an_admin() {
    let s = TestServer::start().await;
    let c = connection(&s, json!({"name": "Entra", "identityProvider": "entra"})).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(c.user(&s, &format!("u{i}@contoso.com")).await);
    }
    let api = format!("/api/configurations/{}", c.id);
    // None yet; a bad one is refused naming the field.
    let (status, none) = parts(
        s.admin(Method::GET, &format!("{api}/deletion-threshold"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, &none["threshold"]), (200, &Value::Null), "{none}");
    let (status, bad) = parts(
        send_json(
            s.admin(Method::PUT, &format!("{api}/deletion-threshold")),
            &json!({"limit": {"count": 0}, "windowMinutes": 60}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400, "{bad}");
    assert!(bad.to_string().contains("limit.count"), "{bad}");
    let (status, set) = parts(
        send_json(
            s.admin(Method::PUT, &format!("{api}/deletion-threshold")),
            &json!({"limit": {"count": 2}, "windowMinutes": 60}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{set}");
    assert_eq!(
        set["description"],
        "2 deletions or deactivations within 60 minutes"
    );

    // Two go through.
    for id in &ids[..2] {
        let (status, body) = c
            .call(&s, Method::DELETE, &format!("/Users/{id}"), &Value::Null)
            .await;
        assert_eq!(status, 204, "{body}");
    }
    // The third DELETE and a deactivation are held: 503, Retry-After, a SCIM error.
    let response = s
        .client
        .delete(format!("{}/Users/{}", c.base, ids[2]))
        .bearer_auth(&c.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "3600");
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["status"], "503", "{error}");
    assert!(
        error["detail"]
            .as_str()
            .unwrap()
            .contains("accidental-deletion threshold"),
        "{error}"
    );
    let (status, body) = c
        .call(
            &s,
            Method::PATCH,
            &format!("/Users/{}", ids[3]),
            &patch(&json!([{"op": "Replace", "path": "active", "value": "False"}])),
        )
        .await;
    assert_eq!(status, 503, "{body}");
    // Other changes go through.
    let (status, _) = c
        .call(
            &s,
            Method::PATCH,
            &format!("/Users/{}", ids[4]),
            &patch(&json!([{"op": "Replace", "path": "displayName", "value": "Four"}])),
        )
        .await;
    assert!(status == 200 || status == 204);
    // The log counts the holds as skipped, not as failures.
    let records = c.records(&s, 9).await;
    let held: Vec<&Value> = records.iter().filter(|r| r["status"] == 503).collect();
    assert_eq!(held.len(), 2, "{records:?}");
    assert!(held.iter().all(|r| r["outcome"] == "skipped"), "{held:?}");

    // The admin sees both, releases the DELETE and discards the deactivation.
    let (status, list) = parts(
        s.admin(Method::GET, &format!("{api}/held-deletions"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    let delete = list
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["kind"] == "delete")
        .unwrap();
    assert_eq!(delete["userName"], "u2@contoso.com");
    let (status, unknown) = parts(
        send_json(
            s.admin(Method::POST, &format!("{api}/held-deletions/release")),
            &json!({"ids": ["nope"]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400, "{unknown}");
    let (status, released) = parts(
        send_json(
            s.admin(Method::POST, &format!("{api}/held-deletions/release")),
            &json!({"ids": [delete["id"]]}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, &released["decided"]),
        (200, &json!(1)),
        "{released}"
    );
    let (status, _) = c.get(&s, &format!("/Users/{}", ids[2])).await;
    assert_eq!(status, 404);
    let (status, discarded) = parts(
        send_json(
            s.admin(Method::POST, &format!("{api}/held-deletions/discard")),
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, &discarded["decided"]),
        (200, &json!(1)),
        "{discarded}"
    );
    let (_, kept) = c.get(&s, &format!("/Users/{}", ids[3])).await;
    assert_eq!(kept["active"], true, "{kept}");
    // The audit log names who decided.
    let (_, audit) = parts(s.admin(Method::GET, "/api/audit").send().await.unwrap()).await;
    let text = audit.to_string();
    for action in [
        "deletionThreshold.set",
        "deletions.release",
        "deletions.discard",
    ] {
        assert!(text.contains(action), "{action}: {audit}");
    }
    // Removed: deletions go through again.
    let (status, _) = parts(
        s.admin(Method::DELETE, &format!("{api}/deletion-threshold"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = c
        .call(
            &s,
            Method::DELETE,
            &format!("/Users/{}", ids[3]),
            &Value::Null,
        )
        .await;
    assert_eq!(status, 204);
    s.stop().await;
}
