//! Protected accounts (tenant admins) are excluded from provisioning, over HTTP: an identity
//! provider's create is skipped (403, logged as skipped, not a failure), its queries never
//! match them, it cannot change, delete or take them out of a group, and the directory flags
//! them.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use std::time::Duration;

use crate::common::{TestServer, parts, send_json};
use reqwest::Method;
use scim_console_core::Actor;
use scim_console_core::configuration::ConfigurationUpdate;
use serde_json::{Value, json};

async fn create(s: &TestServer, user_name: &str) -> String {
    let (status, body) = parts(
        send_json(
            s.scim(Method::POST, "/Users"),
            &json!({"userName": user_name}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

async fn members(s: &TestServer, group: &str) -> Vec<String> {
    let (_, body) = parts(
        s.scim(Method::GET, &format!("/Groups/{group}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let mut ids: Vec<String> = body["members"]
        .as_array()
        .map(|m| {
            m.iter()
                .map(|m| m["value"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

#[tokio::test]
async fn protected_accounts_are_excluded_from_provisioning() {
    let s = TestServer::start().await;
    // The tenant admin exists in the application before provisioning starts.
    let admin = create(&s, "admin@contoso.com").await;
    let bob = create(&s, "bob@contoso.com").await;
    s.store
        .update_configuration(
            s.config.id,
            ConfigurationUpdate {
                protected_accounts: Some(vec![
                    "Admin@Contoso.com".into(),
                    "root@contoso.com".into(),
                ]),
                ..ConfigurationUpdate::default()
            },
            &Actor::system(),
        )
        .await
        .unwrap();

    // A create of a protected userName is skipped: not stored.
    let (status, body) = parts(
        send_json(
            s.scim(Method::POST, "/Users"),
            &json!({"userName": "ROOT@contoso.com"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 403, "{body}");
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("excluded from provisioning") && detail.ends_with("the request is skipped"),
        "{detail}"
    );
    // The identity provider's matching queries find neither, and lists leave the admin out.
    for filter in [
        "userName eq \"admin@contoso.com\"",
        "userName eq \"ROOT@contoso.com\"",
    ] {
        let (status, list) = parts(
            s.scim(
                Method::GET,
                &format!(
                    "/Users?filter={}",
                    filter.replace(' ', "%20").replace('"', "%22")
                ),
            )
            .send()
            .await
            .unwrap(),
        )
        .await;
        assert_eq!(
            (status, &list["totalResults"]),
            (200, &json!(0)),
            "{filter}: {list}"
        );
    }
    let (_, all) = parts(s.scim(Method::GET, "/Users").send().await.unwrap()).await;
    assert_eq!(all["totalResults"], 1, "{all}");
    assert_eq!(all["Resources"][0]["id"], bob.as_str());

    // A group of both: taking the admin out is refused member by member, the rest goes on.
    let (status, group) = parts(
        send_json(
            s.scim(Method::POST, "/Groups"),
            &json!({"displayName": "Staff", "members": [{"value": admin}, {"value": bob}]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{group}");
    let gid = group["id"].as_str().unwrap().to_owned();
    let patch = |ops: Value| {
        let s = &s;
        let gid = gid.clone();
        async move {
            parts(
                send_json(
                    s.scim(Method::PATCH, &format!("/Groups/{gid}")),
                    &json!({
                        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                        "Operations": ops
                    }),
                )
                .await,
            )
            .await
        }
    };
    let mut both = vec![admin.clone(), bob.clone()];
    both.sort();
    // By value filter (Entra's form).
    let (status, _) =
        patch(json!([{"op": "remove", "path": format!("members[value eq \"{admin}\"]")}])).await;
    assert!(status == 200 || status == 204, "{status}");
    assert_eq!(members(&s, &gid).await, both);
    // Every member: bob goes, the admin stays.
    let (status, _) = patch(json!([{"op": "remove", "path": "members"}])).await;
    assert!(status == 200 || status == 204, "{status}");
    assert_eq!(members(&s, &gid).await, std::slice::from_ref(&admin));
    // A replace of the list, and a PUT without them: the admin stays.
    patch(json!([{"op": "replace", "path": "members", "value": [{"value": bob}]}])).await;
    assert_eq!(members(&s, &gid).await, both);
    let (status, put) = parts(
        send_json(
            s.scim(Method::PUT, &format!("/Groups/{gid}")),
            &json!({"displayName": "Staff", "members": []}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{put}");
    assert_eq!(members(&s, &gid).await, std::slice::from_ref(&admin));

    // Changing or deleting the admin is skipped too.
    let (status, body) = parts(
        s.scim(Method::DELETE, &format!("/Users/{admin}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 403, "{body}");

    // The log: the protected requests are skipped, not failures; the kept member is a warning.
    let mut skipped = Value::Null;
    for _ in 0..100 {
        let (_, page) = parts(
            s.admin(Method::GET, "/api/logs?outcome=skipped")
                .send()
                .await
                .unwrap(),
        )
        .await;
        if page["entries"].as_array().is_some_and(|e| e.len() >= 2) {
            skipped = page;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let operations: Vec<&str> = skipped["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["operation"].as_str().unwrap())
        .collect();
    assert!(
        operations.contains(&"create") && operations.contains(&"delete"),
        "{skipped}"
    );
    let (_, failures) = parts(
        s.admin(Method::GET, "/api/logs?outcome=failure")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(failures["entries"], json!([]), "{failures}");
    let (_, warned) = parts(
        s.admin(Method::GET, "/api/logs?outcome=warning")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        warned
            .to_string()
            .contains("kept \\\"admin@contoso.com\\\" in the group"),
        "{warned}"
    );

    // The directory flags the admin.
    let (_, users) = parts(
        s.admin(
            Method::GET,
            &format!("/api/configurations/{}/users", s.config.id),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    let flags: Vec<(String, bool)> = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["userName"].as_str().unwrap().to_owned(),
                u["protected"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        flags,
        [
            ("admin@contoso.com".to_owned(), true),
            ("bob@contoso.com".to_owned(), false)
        ]
    );
    s.stop().await;
}
