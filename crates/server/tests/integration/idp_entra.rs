//! Microsoft Entra ID's documented request sequence, step by step over real HTTP, as its
//! provisioning service sends it (shapes from "Tutorial: Develop and plan provisioning for a SCIM
//! endpoint", its known SCIM compliance issues and the `aadOptscim062020` flag; see
//! `docs/interop/entra.md`). Each step checks the status, the content type and the body, and the
//! state is read back at the end.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use crate::common::TestServer;
use reqwest::Method;
use serde_json::{Value, json};

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// One request as Entra ID sends it.
async fn entra(s: &TestServer, method: Method, path: &str, body: Option<&Value>) -> (u16, Value) {
    crate::common::as_client(
        s,
        (
            "Microsoft.Identity.Provisioning.Scim",
            "application/scim+json",
        ),
        method,
        path,
        body,
    )
    .await
}

fn patch(operations: &Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": operations})
}

fn is_empty_list(v: &Value) -> bool {
    v["schemas"] == json!([LIST]) && v["totalResults"] == 0 && v["Resources"] == json!([])
}

#[tokio::test]
async fn entra_provisioning_cycle_as_documented() {
    let s = TestServer::start().await;

    // Test Connection: a random GUID as the matching attribute's value → 200, empty list.
    let (status, list) = entra(
        &s,
        Method::GET,
        "/Users?filter=userName%20eq%20%22b0a6a1f0-7a8b-4d5a-9a52-4e1d2c3b4a59%22",
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(is_empty_list(&list), "{list}");
    // The flag may travel on every request of the tenant URL: ignored, not refused.
    let (status, list) = entra(
        &s,
        Method::GET,
        "/Groups?aadOptscim062020&excludedAttributes=members&filter=displayName%20eq%20%22nobody%22",
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(is_empty_list(&list), "{list}");

    // U1 Create User, with the enterprise extension, `meta` and `roles: []` as Entra sends them.
    let create = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
        "active": true,
        "emails": [{"primary": true, "type": "work", "value": "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
        "roles": [],
        ENTERPRISE: {"department": "Finance", "employeeNumber": "701984"}
    });
    let (status, user) = entra(&s, Method::POST, "/Users", Some(&create)).await;
    assert_eq!(status, 201, "{user}");
    let id = user["id"].as_str().unwrap().to_owned();
    assert_eq!(user["externalId"], create["externalId"]);
    assert_eq!(user["userName"], create["userName"]);
    assert_eq!(user["active"], true);
    assert_eq!(user["name"]["familyName"], "familyName");
    assert_eq!(user["emails"][0]["value"], create["emails"][0]["value"]);
    assert_eq!(user["meta"]["resourceType"], "User");
    assert!(user["meta"]["created"].is_string() && user["meta"]["lastModified"].is_string());
    assert_eq!(user[ENTERPRISE]["department"], "Finance");
    // A timed-out POST is retried: the second create of the same userName is a uniqueness
    // conflict, whatever its case.
    let mut again = create.clone();
    again["userName"] = json!("TEST_USER_AB6490EE-1E48-479E-A20B-2D77186B5DD1");
    let (status, conflict) = entra(&s, Method::POST, "/Users", Some(&again)).await;
    assert_eq!((status, &conflict["scimType"]), (409, &json!("uniqueness")));

    // U2 Get User; U2b an unknown id → 404.
    let (status, got) = entra(&s, Method::GET, &format!("/Users/{id}"), None).await;
    assert_eq!((status, &got["id"]), (200, &json!(id)));
    let (status, missing) = entra(&s, Method::GET, "/Users/5171a35d82074e068ce2", None).await;
    assert_eq!(status, 404);
    assert_eq!(missing["status"], "404");
    assert_eq!(
        missing["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
    );

    // U3 Get User by query (userName, then the work email: both matching attributes).
    for filter in [
        "userName%20eq%20%22Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1%22",
        "emails%5Btype%20eq%20%22work%22%5D.value%20eq%20%22Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com%22",
        "externalId%20eq%20%220a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef%22",
    ] {
        let (status, list) = entra(&s, Method::GET, &format!("/Users?filter={filter}"), None).await;
        assert_eq!(status, 200);
        assert_eq!(list["schemas"], json!([LIST]));
        assert_eq!(list["totalResults"], 1, "{filter}: {list}");
        assert_eq!(list["startIndex"], 1);
        assert_eq!(list["Resources"][0]["id"], json!(id));
    }
    // U4 zero results.
    let (status, list) = entra(
        &s,
        Method::GET,
        "/Users?filter=userName%20eq%20%22non-existent%20user%22",
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(is_empty_list(&list), "{list}");

    // U5 multi-valued and U6 single-valued updates (capitalised ops).
    let (status, updated) = entra(
        &s,
        Method::PATCH,
        &format!("/Users/{id}"),
        Some(&patch(&json!([
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updatedEmail@microsoft.com"},
            {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"}
        ]))),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["emails"][0]["value"], "updatedEmail@microsoft.com");
    assert_eq!(updated["emails"][0]["type"], "work");
    assert_eq!(updated["name"]["familyName"], "updatedFamilyName");
    let (status, renamed) = entra(
        &s,
        Method::PATCH,
        &format!("/Users/{id}"),
        Some(&patch(&json!([
            {"op": "Replace", "path": "userName", "value": "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"}
        ]))),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        renamed["userName"],
        "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"
    );
    // With aadOptscim062020: one path-less replace whose keys are attribute paths, enterprise
    // keys URN-qualified.
    let (status, flagged) = entra(
        &s,
        Method::PATCH,
        &format!("/Users/{id}?aadOptscim062020"),
        Some(&patch(&json!([{"op": "replace", "value": {
            "name.givenName": "Ada",
            "title": "Engineer",
            format!("{ENTERPRISE}:department"): "Research"
        }}]))),
    )
    .await;
    assert_eq!(status, 200, "{flagged}");
    assert_eq!(flagged["name"]["givenName"], "Ada");
    assert_eq!(flagged["name"]["familyName"], "updatedFamilyName");
    assert_eq!(flagged["title"], "Engineer");
    assert_eq!(flagged[ENTERPRISE]["department"], "Research");
    assert_eq!(flagged[ENTERPRISE]["employeeNumber"], "701984");

    // The manager reference: Entra sends the single complex attribute as an array.
    let (_, boss) = entra(
        &s,
        Method::POST,
        "/Users",
        Some(&json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "boss@testuser.com", "active": true})),
    )
    .await;
    let boss_id = boss["id"].as_str().unwrap().to_owned();
    let (status, managed) = entra(
        &s,
        Method::PATCH,
        &format!("/Users/{id}"),
        Some(&patch(&json!([{"op": "Add", "path": "manager", "value": [
            {"$ref": format!("{}/Users/{boss_id}", s.base()), "value": boss_id}
        ]}]))),
    )
    .await;
    assert_eq!(status, 200, "{managed}");
    assert_eq!(
        managed[ENTERPRISE]["manager"]["value"],
        json!(boss_id),
        "{managed}"
    );

    // U7 Disable: without the flag a capitalised op and the string "False"; with it,
    // lower-case and a boolean. Either way the user is inactive and still found.
    let (status, disabled) = entra(
        &s,
        Method::PATCH,
        &format!("/Users/{id}"),
        Some(&json!({"Operations": [{"op": "Replace", "path": "active", "value": "False"}], "schemas": [PATCH_OP]})),
    )
    .await;
    assert_eq!((status, &disabled["active"]), (200, &json!(false)));
    let (status, enabled) = entra(
        &s,
        Method::PATCH,
        &format!("/Users/{id}"),
        Some(&patch(
            &json!([{"op": "replace", "path": "active", "value": true}]),
        )),
    )
    .await;
    assert_eq!((status, &enabled["active"]), (200, &json!(true)));
    let (status, disabled) = entra(
        &s,
        Method::PATCH,
        &format!("/Users/{id}"),
        Some(&patch(
            &json!([{"op": "replace", "path": "active", "value": false}]),
        )),
    )
    .await;
    assert_eq!((status, &disabled["active"]), (200, &json!(false)));
    let (_, list) = entra(
        &s,
        Method::GET,
        "/Users?filter=userName%20eq%20%225b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com%22",
        None,
    )
    .await;
    assert_eq!(
        (&list["totalResults"], &list["Resources"][0]["active"]),
        (&json!(1), &json!(false)),
        "a soft-deleted user is still returned"
    );

    // G1 Create Group (Microsoft's schema URI and meta; empty member list).
    let (status, group) = entra(
        &s,
        Method::POST,
        "/Groups",
        Some(&json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "displayName",
            "meta": {"resourceType": "Group"}
        })),
    )
    .await;
    assert_eq!(status, 201, "{group}");
    let gid = group["id"].as_str().unwrap().to_owned();
    assert_eq!(group["displayName"], "displayName");
    assert_eq!(group["externalId"], "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159");
    assert!(
        group["members"].as_array().is_none_or(Vec::is_empty),
        "{group}"
    );
    // G2, G3: read and query without members.
    let (status, lean) = entra(
        &s,
        Method::GET,
        &format!("/Groups/{gid}?excludedAttributes=members"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(lean.get("members").is_none());
    let (status, list) = entra(
        &s,
        Method::GET,
        "/Groups?excludedAttributes=members&filter=displayName%20eq%20%22displayName%22",
        None,
    )
    .await;
    assert_eq!((status, &list["totalResults"]), (200, &json!(1)));
    assert!(list["Resources"][0].get("members").is_none());
    // G4 rename, G5 add members: 204 without a body.
    let (status, body) = entra(
        &s,
        Method::PATCH,
        &format!("/Groups/{gid}"),
        Some(&patch(&json!([{"op": "Replace", "path": "displayName", "value": "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"}]))),
    )
    .await;
    assert_eq!((status, body), (204, Value::Null));
    for member in [&id, &boss_id] {
        let (status, body) = entra(
            &s,
            Method::PATCH,
            &format!("/Groups/{gid}"),
            Some(&patch(
                &json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": member}]}]),
            )),
        )
        .await;
        assert_eq!((status, body), (204, Value::Null));
    }
    // G6 remove a member with a value list: only that member goes.
    let (status, _) = entra(
        &s,
        Method::PATCH,
        &format!("/Groups/{gid}"),
        Some(&patch(
            &json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": boss_id}]}]),
        )),
    )
    .await;
    assert_eq!(status, 204);
    let (_, group) = entra(&s, Method::GET, &format!("/Groups/{gid}"), None).await;
    let members: Vec<&Value> = group["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["value"])
        .collect();
    assert_eq!(members, [&json!(id)], "only the listed member was removed");
    // With the flag: `members[value eq "…"]` without a value.
    let (status, _) = entra(
        &s,
        Method::PATCH,
        &format!("/Groups/{gid}?aadOptscim062020"),
        Some(&patch(
            &json!([{"op": "remove", "path": format!("members[value eq \"{id}\"]")}]),
        )),
    )
    .await;
    assert_eq!(status, 204);
    let (_, group) = entra(&s, Method::GET, &format!("/Groups/{gid}"), None).await;
    assert!(group["members"].as_array().is_none_or(Vec::is_empty));
    assert_eq!(
        group["displayName"],
        "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"
    );

    // S1 schema discovery: a ListResponse of the User, Group and enterprise schemas.
    let (status, schemas) = entra(&s, Method::GET, "/Schemas", None).await;
    assert_eq!(status, 200);
    assert_eq!(schemas["schemas"], json!([LIST]));
    let ids: Vec<&str> = schemas["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    for urn in [
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:core:2.0:Group",
        ENTERPRISE,
    ] {
        assert!(ids.contains(&urn), "{urn}: {ids:?}");
    }

    // U8 and G7: hard deletes, 204, then gone.
    let (status, body) = entra(&s, Method::DELETE, &format!("/Users/{id}"), None).await;
    assert_eq!((status, body), (204, Value::Null));
    let (status, body) = entra(&s, Method::DELETE, &format!("/Groups/{gid}"), None).await;
    assert_eq!((status, body), (204, Value::Null));
    let (status, _) = entra(&s, Method::GET, &format!("/Users/{id}"), None).await;
    assert_eq!(status, 404);
    let (status, _) = entra(&s, Method::GET, &format!("/Groups/{gid}"), None).await;
    assert_eq!(status, 404);
    // The hard-deleted userName can be used again.
    let (status, _) = entra(
        &s,
        Method::POST,
        "/Users",
        Some(&json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"})),
    )
    .await;
    assert_eq!(status, 201);

    // Every step is in the provisioning log, recognised as Entra ID (records are written in
    // batches: wait for them).
    let mut recorded = 0;
    for _ in 0..100 {
        let (_, page) = crate::common::parts(
            s.admin(Method::GET, "/api/logs?client=entra&limit=1000")
                .send()
                .await
                .unwrap(),
        )
        .await;
        recorded = page["entries"].as_array().unwrap().len();
        if recorded >= 30 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(recorded >= 30, "{recorded} records");
    s.stop().await;
}
