//! `POST /Bulk` over real HTTP (RFC 7644 §3.7): `bulkId` references in data and paths, in any
//! order and in a circle, `failOnErrors`, each operation's own status, `maxOperations` and
//! `maxPayloadSize` advertised and enforced, one provisioning log record per operation.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use std::time::Duration;

use crate::common::{TestServer, parts, send_json};
use reqwest::Method;
use serde_json::{Value, json};

const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

async fn bulk(s: &TestServer, body: &Value) -> (u16, Value) {
    parts(send_json(s.scim(Method::POST, "/Bulk"), body).await).await
}

fn request(operations: Value) -> Value {
    let mut request = json!({"schemas": [BULK]});
    request["Operations"] = operations;
    request
}

fn statuses(response: &Value) -> Vec<String> {
    response["Operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["status"].as_str().unwrap().to_owned())
        .collect()
}

fn id_of(op: &Value) -> String {
    op["location"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned()
}

async fn members(s: &TestServer, group: &str) -> Vec<String> {
    let (status, body) = parts(
        s.scim(Method::GET, &format!("/Groups/{group}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let mut ids: Vec<String> = body["members"]
        .as_array()
        .map(|m| {
            m.iter()
                .map(|v| v["value"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

#[tokio::test]
async fn the_service_provider_config_advertises_bulk() {
    let s = TestServer::start().await;
    let (status, config) = parts(
        s.scim(Method::GET, "/ServiceProviderConfig")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(config["bulk"]["supported"], true);
    assert_eq!(config["bulk"]["maxOperations"], 1000);
    assert_eq!(config["bulk"]["maxPayloadSize"], 1_048_576);
    s.stop().await;
}

#[tokio::test]
async fn operations_run_in_the_order_their_references_need_and_report_each_status() {
    let s = TestServer::start().await;
    let (_, existing) = parts(
        send_json(
            s.scim(Method::POST, "/Users"),
            &json!({"schemas": [USER], "userName": "bob@contoso.com"}),
        )
        .await,
    )
    .await;
    let bob = existing["id"].as_str().unwrap().to_owned();
    let version = existing["meta"]["version"].as_str().unwrap().to_owned();
    let (_, doomed) = parts(
        send_json(
            s.scim(Method::POST, "/Users"),
            &json!({"schemas": [USER], "userName": "carol@contoso.com"}),
        )
        .await,
    )
    .await;
    let carol = doomed["id"].as_str().unwrap().to_owned();
    // The group comes first but names a user created after it; the PATCH names the group.
    let (status, response) = bulk(
        &s,
        &request(json!([
            {"method": "POST", "path": "/Groups", "bulkId": "guides",
             "data": {"schemas": [GROUP], "displayName": "Tour Guides",
                      "members": [{"value": "bulkId:alice"}]}},
            {"method": "POST", "path": "/Users", "bulkId": "alice",
             "data": {"schemas": [USER], "userName": "alice@contoso.com"}},
            {"method": "PATCH", "path": "/Groups/bulkId:guides",
             "data": {"schemas": [PATCH], "Operations": [
                 {"op": "add", "path": "members", "value": [{"value": bob}]}]}},
            {"method": "PUT", "path": format!("/Users/{bob}"), "version": version,
             "data": {"schemas": [USER], "userName": "bob@contoso.com", "displayName": "Bob"}},
            {"method": "DELETE", "path": format!("/Users/{carol}")}
        ])),
    )
    .await;
    assert_eq!(status, 200, "{response}");
    assert_eq!(
        response["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
    );
    assert_eq!(statuses(&response), ["201", "201", "204", "200", "204"]);
    let ops = response["Operations"].as_array().unwrap();
    assert_eq!(ops[0]["bulkId"], "guides");
    assert_eq!(ops[0]["method"], "POST");
    assert!(ops[0]["version"].as_str().unwrap().starts_with("W/"));
    let guides = id_of(&ops[0]);
    let alice = id_of(&ops[1]);
    let mut want = vec![alice.clone(), bob.clone()];
    want.sort();
    assert_eq!(members(&s, &guides).await, want);
    let (_, bob_now) = parts(
        s.scim(Method::GET, &format!("/Users/{bob}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(bob_now["displayName"], "Bob");
    let (status, _) = parts(
        s.scim(Method::GET, &format!("/Users/{carol}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404);

    // Every operation has its own provisioning log record, besides the bulk request's.
    let mut operations = Vec::new();
    for _ in 0..200 {
        let (_, page) = parts(
            s.admin(Method::GET, "/api/logs?limit=100")
                .send()
                .await
                .unwrap(),
        )
        .await;
        operations = page["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["operation"].as_str().unwrap().to_owned(),
                    e["status"].as_u64().unwrap(),
                    e["path"].as_str().unwrap().to_owned(),
                )
            })
            .collect::<Vec<_>>();
        if operations.len() >= 8 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let base = format!("/scim/{}/v2", s.config.slug);
    for want in [
        ("bulk".to_owned(), 200, format!("{base}/Bulk")),
        ("create".to_owned(), 201, format!("{base}/Users")),
        ("create".to_owned(), 201, format!("{base}/Groups")),
        (
            "membershipChange".to_owned(),
            204,
            format!("{base}/Groups/{guides}"),
        ),
        ("update".to_owned(), 200, format!("{base}/Users/{bob}")),
        ("delete".to_owned(), 204, format!("{base}/Users/{carol}")),
    ] {
        assert!(operations.contains(&want), "{want:?} not in {operations:?}");
    }
    s.stop().await;
}

#[tokio::test]
async fn groups_that_name_each_other_are_both_created_with_each_other_as_member() {
    let s = TestServer::start().await;
    let (status, response) = bulk(
        &s,
        &request(json!([
            {"method": "POST", "path": "/Groups", "bulkId": "a",
             "data": {"schemas": [GROUP], "displayName": "A", "members": [{"value": "bulkId:b", "type": "Group"}]}},
            {"method": "POST", "path": "/Groups", "bulkId": "b",
             "data": {"schemas": [GROUP], "displayName": "B", "members": [{"value": "bulkId:a", "type": "Group"}]}}
        ])),
    )
    .await;
    assert_eq!(status, 200, "{response}");
    assert_eq!(statuses(&response), ["201", "201"], "{response}");
    let ops = response["Operations"].as_array().unwrap();
    let (a, b) = (id_of(&ops[0]), id_of(&ops[1]));
    assert_eq!(members(&s, &b).await, std::slice::from_ref(&a));
    assert_eq!(members(&s, &a).await, [b]);
    s.stop().await;
}

#[tokio::test]
async fn failures_are_reported_per_operation_and_fail_on_errors_stops_the_rest() {
    let s = TestServer::start().await;
    let (_, _) = parts(
        send_json(
            s.scim(Method::POST, "/Users"),
            &json!({"schemas": [USER], "userName": "taken@contoso.com"}),
        )
        .await,
    )
    .await;
    let operations = json!([
        {"method": "POST", "path": "/Users", "bulkId": "dup",
         "data": {"schemas": [USER], "userName": "taken@contoso.com"}},
        {"method": "POST", "path": "/Groups", "bulkId": "g",
         "data": {"schemas": [GROUP], "displayName": "G", "members": [{"value": "bulkId:dup"}]}},
        {"method": "DELETE", "path": "/Users/no-such-id"},
        {"method": "PATCH", "path": "/Users/bulkId:nobody",
         "data": {"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": false}]}},
        {"method": "GET", "path": "/Users"},
        {"method": "POST", "path": "/Users", "bulkId": "ok",
         "data": {"schemas": [USER], "userName": "fine@contoso.com"}}
    ]);
    let (status, response) = bulk(&s, &request(operations.clone())).await;
    assert_eq!(status, 200, "{response}");
    assert_eq!(
        statuses(&response),
        ["409", "409", "404", "409", "400", "201"],
        "{response}"
    );
    let ops = response["Operations"].as_array().unwrap();
    assert_eq!(ops[0]["response"]["scimType"], "uniqueness");
    assert_eq!(
        ops[0]["response"]["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );
    assert!(
        ops[1]["response"]["detail"]
            .as_str()
            .unwrap()
            .contains("bulkId:dup failed"),
        "{response}"
    );
    assert!(
        ops[3]["response"]["detail"]
            .as_str()
            .unwrap()
            .contains("no operation of this request creates bulkId:nobody"),
        "{response}"
    );
    assert_eq!(ops[4]["response"]["scimType"], "invalidSyntax");
    assert!(ops[0].get("location").is_none());
    // The same with failOnErrors 2: processing stops after the second failure.
    let mut stopping = request(operations);
    stopping["failOnErrors"] = json!(2);
    stopping["Operations"][5]["data"]["userName"] = json!("other@contoso.com");
    let (status, response) = bulk(&s, &stopping).await;
    assert_eq!(status, 200, "{response}");
    assert_eq!(statuses(&response), ["409", "409"], "{response}");
    let (_, found) = parts(
        s.scim(
            Method::GET,
            "/Users?filter=userName%20eq%20%22other@contoso.com%22",
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(found["totalResults"], 0, "an operation after the stop ran");
    s.stop().await;
}

#[tokio::test]
async fn limits_are_enforced_with_413_and_bad_requests_refused_whole() {
    let s = TestServer::start().await;
    let many: Vec<Value> = (0..1001)
        .map(|i| json!({"method": "DELETE", "path": format!("/Users/{i}")}))
        .collect();
    let (status, body) = bulk(&s, &request(json!(many))).await;
    assert_eq!(status, 413, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("at most 1000"),
        "{body}"
    );
    let huge = request(json!([{"method": "POST", "path": "/Users", "bulkId": "x",
        "data": {"schemas": [USER], "userName": "x", "displayName": "d".repeat(1_100_000)}}]));
    let (status, body) = bulk(&s, &huge).await;
    assert_eq!(status, 413, "{body}");
    for (bad, why) in [
        (json!({"Operations": []}), "schemas"),
        (json!({"schemas": [BULK]}), "Operations"),
        (
            json!({"schemas": [BULK], "failOnErrors": -1, "Operations": []}),
            "failOnErrors",
        ),
        (
            request(json!([
                {"method": "POST", "path": "/Users", "bulkId": "same", "data": {"userName": "a"}},
                {"method": "POST", "path": "/Users", "bulkId": "same", "data": {"userName": "b"}}
            ])),
            "more than one operation",
        ),
    ] {
        let (status, body) = bulk(&s, &bad).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["scimType"], "invalidSyntax", "{body}");
        assert!(body["detail"].as_str().unwrap().contains(why), "{body}");
    }
    // Nothing of the refused requests was created.
    let (_, list) = parts(s.scim(Method::GET, "/Users").send().await.unwrap()).await;
    assert_eq!(list["totalResults"], 0, "{list}");
    s.stop().await;
}

#[tokio::test]
async fn each_operation_counts_against_the_rate_limit_and_a_bad_version_is_refused() {
    let limits = scim_console_server::Limits {
        requests_per_second: 5,
        ..scim_console_server::Limits::default()
    };
    let s = TestServer::start_with(tempfile::tempdir().unwrap(), limits).await;
    // 30 operations on a full bucket of 10: let through, leaving the bucket 20 in debt.
    let operations: Vec<Value> = (0..30)
        .map(|i| {
            json!({"method": "POST", "path": "/Users", "bulkId": format!("u{i}"),
                   "data": {"schemas": [USER], "userName": format!("rate{i}@contoso.com")}})
        })
        .collect();
    let (status, body) = bulk(&s, &request(json!(operations))).await;
    assert_eq!(status, 200, "{body}");
    assert!(statuses(&body).iter().all(|s| s == "201"), "{body}");
    // So the next request waits for the debt: 429 with a Retry-After of about 4 seconds.
    let response = s.scim(Method::GET, "/Users?count=1").send().await.unwrap();
    assert_eq!(response.status(), 429);
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((3..=5).contains(&wait), "Retry-After {wait}");
    s.stop().await;

    // A version that is not valid header text: 400 for that operation, not ignored.
    let s = TestServer::start().await;
    let (_, created) = bulk(
        &s,
        &request(json!([{"method": "POST", "path": "/Users", "bulkId": "a",
            "data": {"schemas": [USER], "userName": "versioned@contoso.com"}}])),
    )
    .await;
    let id = id_of(&created["Operations"][0]);
    let (status, body) = bulk(
        &s,
        &request(json!([{"method": "PATCH", "path": format!("/Users/{id}"), "version": "W/\"1\"\n",
            "data": {"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": false}]}}])),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(statuses(&body), ["400"], "{body}");
    assert_eq!(
        body["Operations"][0]["response"]["scimType"], "invalidValue",
        "{body}"
    );
    s.stop().await;
}

#[tokio::test]
async fn a_thousand_operations_chained_in_reverse_order_all_run() {
    const N: usize = 1_000;
    const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    let s = TestServer::start().await;
    // Each user's manager is created by the next operation: every pass can run only the last
    // waiting one, the worst order for a pass-by-pass resolution.
    let operations: Vec<Value> = (0..N)
        .map(|i| {
            let mut data =
                json!({"schemas": [USER, ENTERPRISE], "userName": format!("chain{i}@contoso.com")});
            if i + 1 < N {
                data[ENTERPRISE] = json!({"manager": {"value": format!("bulkId:u{}", i + 1)}});
            }
            json!({"method": "POST", "path": "/Users", "bulkId": format!("u{i}"), "data": data})
        })
        .collect();
    let (status, body) = bulk(&s, &request(json!(operations))).await;
    assert_eq!(status, 200, "{body}");
    let all = statuses(&body);
    assert_eq!(all.len(), N);
    assert!(all.iter().all(|s| s == "201"), "{:?}", &all[..5]);
    // The first user's manager is the second.
    let ops = body["Operations"].as_array().unwrap();
    let (first, second) = (id_of(&ops[0]), id_of(&ops[1]));
    let (_, user) = parts(
        s.scim(Method::GET, &format!("/Users/{first}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        user[ENTERPRISE]["manager"]["value"],
        second.as_str(),
        "{user}"
    );
    s.stop().await;
}
