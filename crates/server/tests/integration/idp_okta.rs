//! Okta's documented request sequence, step by step over real HTTP: test connection, import
//! paging, GET-filter-then-POST create (with the placeholder `password` and `groups: []`),
//! PUT-based updates, path-less PATCH deactivate and reactivate, group push, and Okta's own
//! SCIM 2.0 SPEC test steps (see `docs/interop/okta.md`). Each step checks the status, the
//! content type and the body; the state is read back at the end.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use crate::common::TestServer;
use reqwest::Method;
use serde_json::{Value, json};

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// One request as Okta sends it.
async fn okta(s: &TestServer, method: Method, path: &str, body: Option<&Value>) -> (u16, Value) {
    crate::common::as_client(
        s,
        ("Okta SCIM Client 1.0.0", "application/json"),
        method,
        path,
        body,
    )
    .await
}

fn is_list(v: &Value) -> bool {
    v["schemas"] == json!([LIST])
        && v["totalResults"].is_u64()
        && v["startIndex"].is_u64()
        && v["itemsPerPage"].is_u64()
}

#[tokio::test]
async fn okta_provisioning_as_documented() {
    let s = TestServer::start().await;

    // Test connection: `GET /Users?startIndex=1&count=2`, then the group cache for Push Groups.
    let (status, list) = okta(&s, Method::GET, "/Users?startIndex=1&count=2", None).await;
    assert_eq!(status, 200);
    assert!(is_list(&list), "{list}");
    let (status, list) = okta(&s, Method::GET, "/Groups?startIndex=1&count=100", None).await;
    assert_eq!((status, is_list(&list)), (200, true));

    // Create on assignment: the existence check finds nothing (200, totalResults 0) …
    let (status, list) = okta(
        &s,
        Method::GET,
        "/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100",
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (&list["totalResults"], &list["Resources"]),
        (&json!(0), &json!([]))
    );
    // … then the POST, with the placeholder password and `groups: []` Okta always sends.
    let create = json!({"schemas": [USER], "userName": "test.user@okta.local",
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
        "displayName": "Test User", "locale": "en-US", "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [], "password": "1mz050nq", "active": true});
    let (status, user) = okta(&s, Method::POST, "/Users", Some(&create)).await;
    assert_eq!(status, 201, "{user}");
    let id = user["id"].as_str().unwrap().to_owned();
    assert!(!id.is_empty());
    assert_eq!(user["userName"], "test.user@okta.local");
    assert_eq!(user["active"], true);
    assert_eq!(user["name"]["givenName"], "Test");
    assert!(user["schemas"].as_array().unwrap().contains(&json!(USER)));
    assert!(
        user.get("password").is_none(),
        "a password is never returned"
    );
    // The same user again: 409 with the Error schema.
    let (status, conflict) = okta(&s, Method::POST, "/Users", Some(&create)).await;
    assert_eq!(status, 409);
    assert_eq!(conflict["schemas"], json!([ERROR]));
    // Now the existence check finds it, whatever the case.
    let (_, list) = okta(
        &s,
        Method::GET,
        "/Users?filter=userName%20eq%20%22TEST.USER%40OKTA.LOCAL%22&startIndex=1&count=100",
        None,
    )
    .await;
    assert_eq!(list["totalResults"], 1);

    // PUT-based update (AIW apps, and OIN profile updates): GET, change, PUT the full object
    // with `id`, `active`, `groups: []` and `meta`.
    let (status, mut current) = okta(&s, Method::GET, &format!("/Users/{id}"), None).await;
    assert_eq!(status, 200);
    current["name"]["givenName"] = json!("Tess");
    current["groups"] = json!([]);
    current["password"] = json!("1mz050nq");
    let (status, updated) = okta(&s, Method::PUT, &format!("/Users/{id}"), Some(&current)).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["name"]["givenName"], "Tess");
    assert_eq!(updated["emails"][0]["value"], "test.user@okta.local");
    // Deactivate by PUT (AIW) …
    current["active"] = json!(false);
    let (status, off) = okta(&s, Method::PUT, &format!("/Users/{id}"), Some(&current)).await;
    assert_eq!((status, &off["active"]), (200, &json!(false)));
    // … reactivate, then the OIN path-less PATCH deactivate.
    let (status, on) = okta(
        &s,
        Method::PATCH,
        &format!("/Users/{id}"),
        Some(&json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": true}}]})),
    )
    .await;
    assert!(status == 200 || status == 204, "{status}");
    if status == 200 {
        assert_eq!(on["active"], true);
    }
    let (status, off) = okta(
        &s,
        Method::PATCH,
        &format!("/Users/{id}"),
        Some(&json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": false}}]})),
    )
    .await;
    assert!(status == 200 || status == 204, "{status}");
    if status == 200 {
        assert_eq!(off["active"], false);
    }
    let (_, read) = okta(&s, Method::GET, &format!("/Users/{id}"), None).await;
    assert_eq!(read["active"], false, "the leaver is inactive");

    // Group push: create, rename path-less with `id`, membership add/remove, full replace.
    let (_, member) = okta(
        &s,
        Method::POST,
        "/Users",
        Some(
            &json!({"schemas": [USER], "userName": "second.user@okta.local",
            "name": {"givenName": "Second", "familyName": "User"},
            "emails": [{"primary": true, "value": "second.user@okta.local", "type": "work"}],
            "groups": [], "password": "x7Gq2pLm", "active": true}),
        ),
    )
    .await;
    let member_id = member["id"].as_str().unwrap().to_owned();
    let (status, group) = okta(
        &s,
        Method::POST,
        "/Groups",
        Some(&json!({"schemas": [GROUP], "displayName": "Test SCIMv2", "members": []})),
    )
    .await;
    assert_eq!(status, 201, "{group}");
    let gid = group["id"].as_str().unwrap().to_owned();
    let (status, _) = okta(&s, Method::GET, &format!("/Groups/{gid}"), None).await;
    assert_eq!(status, 200);
    let (status, _) = okta(
        &s,
        Method::PATCH,
        &format!("/Groups/{gid}"),
        Some(&json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"id": gid, "displayName": "Test SCIMv2 renamed"}}]})),
    )
    .await;
    assert!(status == 200 || status == 204, "{status}");
    // A rename that tries to change the id is refused.
    let (status, refused) = okta(
        &s,
        Method::PATCH,
        &format!("/Groups/{gid}"),
        Some(&json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"id": "another-id", "displayName": "x"}}]})),
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["scimType"], "mutability");
    let (status, _) = okta(
        &s,
        Method::PATCH,
        &format!("/Groups/{gid}"),
        Some(&json!({"schemas": [PATCH_OP], "Operations": [
            {"op": "add", "path": "members", "value": [{"value": id, "display": "test.user@okta.local"}]},
            {"op": "add", "path": "members", "value": [{"value": member_id, "display": "second.user@okta.local"}]}
        ]})),
    )
    .await;
    assert!(status == 200 || status == 204, "{status}");
    let (status, _) = okta(
        &s,
        Method::PATCH,
        &format!("/Groups/{gid}"),
        Some(&json!({"schemas": [PATCH_OP], "Operations": [
            {"op": "remove", "path": format!("members[value eq \"{id}\"]")}
        ]})),
    )
    .await;
    assert!(status == 200 || status == 204, "{status}");
    let (_, read) = okta(&s, Method::GET, &format!("/Groups/{gid}"), None).await;
    assert_eq!(read["displayName"], "Test SCIMv2 renamed");
    let members: Vec<&Value> = read["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["value"])
        .collect();
    assert_eq!(members, [&json!(member_id)]);
    // The full replace of members, then the AIW PUT form.
    let (status, _) = okta(
        &s,
        Method::PATCH,
        &format!("/Groups/{gid}"),
        Some(&json!({"schemas": [PATCH_OP], "Operations": [
            {"op": "replace", "path": "members", "value": [{"value": id}, {"value": member_id}]}
        ]})),
    )
    .await;
    assert!(status == 200 || status == 204, "{status}");
    let (status, put) = okta(
        &s,
        Method::PUT,
        &format!("/Groups/{gid}"),
        Some(&json!({"schemas": [GROUP], "displayName": "Test SCIMv2 renamed", "members": [{"value": id}]})),
    )
    .await;
    assert_eq!(status, 200, "{put}");
    let (_, read) = okta(&s, Method::GET, &format!("/Groups/{gid}"), None).await;
    assert_eq!(read["members"].as_array().unwrap().len(), 1);
    assert_eq!(read["members"][0]["value"], json!(id));

    // Import paging: 250 users in pages of 100, stable, integer paging numbers.
    for i in 0..248 {
        let (status, _) = okta(
            &s,
            Method::POST,
            "/Users",
            Some(&json!({"schemas": [USER], "userName": format!("import{i:03}@okta.local"), "active": true})),
        )
        .await;
        assert_eq!(status, 201);
    }
    let mut seen = std::collections::HashSet::new();
    let mut start = 1;
    loop {
        let (status, page) = okta(
            &s,
            Method::GET,
            &format!("/Users?startIndex={start}&count=100"),
            None,
        )
        .await;
        assert_eq!(status, 200);
        assert!(is_list(&page), "{page}");
        assert_eq!(page["startIndex"], start);
        for r in page["Resources"].as_array().unwrap() {
            assert!(
                seen.insert(r["id"].as_str().unwrap().to_owned()),
                "no repeats"
            );
        }
        let total = page["totalResults"].as_u64().unwrap();
        if total <= start + 99 {
            break;
        }
        start += 100;
    }
    assert_eq!(seen.len(), 250, "every user imported once");

    // Okta's SCIM 2.0 SPEC test, the steps not covered above.
    let (status, first) = okta(&s, Method::GET, "/Users?count=1&startIndex=1", None).await;
    assert_eq!(status, 200);
    let r = &first["Resources"][0];
    assert!(r["id"].is_string() && r["userName"].is_string() && r["active"].is_boolean());
    let (status, missing) = okta(&s, Method::GET, "/Users/00919288221112222", None).await;
    assert_eq!(status, 404);
    assert_eq!(
        (&missing["status"], &missing["schemas"]),
        (&json!("404"), &json!([ERROR]))
    );
    assert!(!missing["detail"].as_str().unwrap().is_empty());
    let unauthorized = s
        .client
        .get(format!("{}/Users?filter=userName%20eq%20%22x%22", s.base()))
        .header("authorization", "non-token")
        .header("user-agent", "OKTA SCIM Integration")
        .send()
        .await
        .unwrap();
    assert_eq!(unauthorized.status(), 401);
    let (_, error) = crate::common::parts(unauthorized).await;
    assert_eq!(
        (&error["status"], &error["schemas"]),
        (&json!("401"), &json!([ERROR]))
    );
    assert!(!error["detail"].as_str().unwrap().is_empty());

    // Group delete ("Unlink pushed group" → "Delete the group in the target app").
    let (status, body) = okta(&s, Method::DELETE, &format!("/Groups/{gid}"), None).await;
    assert_eq!((status, body), (204, Value::Null));

    // The placeholder password was never stored, and the requests are Okta's in the log.
    assert_eq!(
        s.store.user_password_hash(&s.config, &id).await.unwrap(),
        None
    );
    let mut recorded = 0;
    for _ in 0..100 {
        let (_, page) = crate::common::parts(
            s.admin(Method::GET, "/api/logs?client=okta&limit=1000")
                .send()
                .await
                .unwrap(),
        )
        .await;
        recorded = page["entries"].as_array().unwrap().len();
        if recorded >= 250 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(recorded >= 250, "{recorded} records");
    s.stop().await;
}
