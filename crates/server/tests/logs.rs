//! The provisioning log over real HTTP: every SCIM request recorded, secrets redacted,
//! searchable by outcome, operation, client and free text, keyset-paged.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

mod common;

use std::time::Duration;

use common::{TestServer, parts, send_json};
use reqwest::Method;
use serde_json::{Value, json};

async fn logs(s: &TestServer, query: &str) -> Value {
    // Records are written in the background, in batches: wait for the expected count.
    let (status, page) = parts(
        s.admin(Method::GET, &format!("/api/logs?{query}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    page
}

async fn wait_for(s: &TestServer, count: usize) -> Value {
    for _ in 0..200 {
        let page = logs(s, "limit=1000").await;
        if page["entries"].as_array().unwrap().len() >= count {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the log did not reach {count} records");
}

#[tokio::test]
async fn every_request_is_recorded_redacted_and_searchable() {
    let s = TestServer::start().await;
    let created = send_json(
        s.scim(Method::POST, "/Users").header("user-agent", "Okta SCIM Client 1.0.0"),
        &json!({"userName": "bjensen@example.com", "password": "t1meMa$heen", "displayName": "Barbara Jensen"}),
    )
    .await;
    assert_eq!(created.status(), 201);
    let (_, user) = parts(created).await;
    let id = user["id"].as_str().unwrap().to_owned();
    let (status, _) = parts(
        send_json(
            s.scim(Method::POST, "/Users"),
            &json!({"userName": "bjensen@example.com"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409);
    let (status, _) = parts(
        send_json(
            s.scim(Method::PATCH, &format!("/Users/{id}")),
            &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "active", "value": false}]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = parts(
        s.scim(Method::GET, "/Users?filter=userName%20eq%20%22x%22")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let unauthorized = s
        .client
        .get(format!("{}/Users", s.base()))
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(unauthorized.status(), 401);

    let page = wait_for(&s, 5).await;
    let entries = page["entries"].as_array().unwrap();
    let ops: Vec<(&str, &str, u64)> = entries
        .iter()
        .map(|e| {
            (
                e["operation"].as_str().unwrap(),
                e["outcome"].as_str().unwrap(),
                e["status"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ops,
        [
            ("query", "failure", 401),
            ("query", "success", 200),
            ("disable", "success", 200),
            ("create", "failure", 409),
            ("create", "success", 201)
        ]
    );
    let create = &entries[4];
    assert_eq!(create["client"], "okta");
    assert_eq!(create["resourceId"], id.as_str());
    assert_eq!(create["resourceName"], "bjensen@example.com");
    assert_eq!(create["source"], "127.0.0.1");
    assert!(create["credential"].as_str().unwrap().starts_with("scim_"));
    assert!(create["durationUs"].as_i64().unwrap() > 0);
    assert_eq!(entries[3]["scimType"], "uniqueness");
    // The disable carries what changed, old and new.
    assert_eq!(
        entries[2]["changes"],
        json!([{"path": "active", "old": null, "new": false}]),
        "{}",
        entries[2]
    );
    // The password never reaches storage or output.
    let all = page.to_string();
    assert!(!all.contains("t1meMa$heen"), "{all}");
    assert!(
        create["requestBody"]
            .as_str()
            .unwrap()
            .contains("\"password\":\"***\"")
    );
    // Filters, free text and keyset paging.
    let failures = logs(&s, "outcome=failure").await;
    assert_eq!(failures["entries"].as_array().unwrap().len(), 2);
    let text = logs(&s, "text=bjensen*").await;
    assert!(text["entries"].as_array().unwrap().len() >= 2, "{text}");
    let first = logs(&s, "limit=2").await;
    assert_eq!(first["entries"].as_array().unwrap().len(), 2);
    let next = first["next"].as_i64().unwrap();
    let rest = logs(&s, &format!("before={next}&limit=10")).await;
    assert_eq!(rest["entries"].as_array().unwrap().len(), 3);
    assert!(rest["entries"][0]["seq"].as_i64().unwrap() < next);
    let (status, body) = parts(
        s.admin(Method::GET, "/api/logs?outcome=exploded")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn exports_stream_a_hundred_thousand_records() {
    use scim_console_core::logs::{Client, LogEntry, Operation, Outcome};
    let s = TestServer::start().await;
    let template = LogEntry {
        seq: 0,
        at: chrono::Utc::now(),
        configuration_id: s.config.id,
        client: Client::Entra,
        user_agent: None,
        source: "192.0.2.1".into(),
        credential: None,
        method: "GET".into(),
        path: "/scim/default/v2/Users?filter=userName%20eq%20%22x%22".into(),
        operation: Operation::Query,
        resource_type: Some("User".into()),
        resource_id: None,
        resource_name: None,
        status: 200,
        outcome: Outcome::Success,
        scim_type: None,
        detail: None,
        duration_us: 800,
        changes: None,
        request_body: None,
        response_body: None,
    };
    let batch: Vec<LogEntry> = (0..5_000).map(|_| template.clone()).collect();
    for _ in 0..20 {
        s.store.record_logs(&batch).await.unwrap();
    }
    let response = s
        .admin(
            Method::GET,
            &format!(
                "/api/logs/export?format=jsonl&configuration={}",
                s.config.id
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    // Read it as a stream, chunk by chunk, counting lines and checking order.
    let mut response = response;
    let (mut lines, mut last_seq, mut partial) = (0usize, 0i64, String::new());
    while let Some(chunk) = response.chunk().await.unwrap() {
        partial.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(end) = partial.find('\n') {
            let line: String = partial.drain(..=end).collect();
            let record: Value = serde_json::from_str(line.trim()).unwrap();
            let seq = record["seq"].as_i64().unwrap();
            assert!(seq > last_seq, "oldest first, no repeats");
            last_seq = seq;
            lines += 1;
        }
    }
    assert_eq!(lines, 100_000);
    let csv = s
        .admin(
            Method::GET,
            &format!("/api/logs/export?configuration={}&limit=5", s.config.id),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("seq,at,configuration_id"));
    assert_eq!(csv.lines().count(), 100_001);
    let (status, _) = parts(
        s.admin(Method::GET, "/api/logs/export?format=xml")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400);
}
