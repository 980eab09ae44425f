//! The provisioning log over real HTTP: every SCIM request recorded, secrets redacted,
//! searchable by outcome, operation, client and free text, keyset-paged.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use std::time::Duration;

use crate::common::{TestServer, WriteLock, parts, send_json};
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

    // The refused request is counted, not recorded.
    let page = wait_for(&s, 4).await;
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
            ("query", "success", 200),
            ("disable", "success", 200),
            ("create", "failure", 409),
            ("create", "success", 201)
        ]
    );
    let create = &entries[3];
    assert_eq!(create["client"], "okta");
    assert_eq!(create["resourceId"], id.as_str());
    assert_eq!(create["resourceName"], "bjensen@example.com");
    assert_eq!(create["source"], "127.0.0.1");
    assert!(create["credential"].as_str().unwrap().starts_with("scim_"));
    assert!(create["durationUs"].as_i64().unwrap() > 0);
    assert_eq!(entries[2]["scimType"], "uniqueness");
    // The disable carries what changed, old and new.
    assert_eq!(
        entries[1]["changes"],
        json!([{"path": "active", "old": null, "new": false}]),
        "{}",
        entries[1]
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
    assert_eq!(failures["entries"].as_array().unwrap().len(), 1);
    let text = logs(&s, "text=bjensen*").await;
    assert!(text["entries"].as_array().unwrap().len() >= 2, "{text}");
    let first = logs(&s, "limit=2").await;
    assert_eq!(first["entries"].as_array().unwrap().len(), 2);
    let next = first["next"].as_i64().unwrap();
    let rest = logs(&s, &format!("before={next}&limit=10")).await;
    assert_eq!(rest["entries"].as_array().unwrap().len(), 2);
    assert!(rest["entries"][0]["seq"].as_i64().unwrap() < next);
    // Oldest first: `after=0`, then each page's `next`; every record once, in order.
    let oldest = logs(&s, "after=0&limit=2").await;
    let ops = |page: &Value| -> Vec<String> {
        page["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| format!("{} {}", e["operation"].as_str().unwrap(), e["status"]))
            .collect()
    };
    assert_eq!(ops(&oldest), ["create 201", "create 409"]);
    let next = oldest["next"].as_i64().unwrap();
    assert_eq!(next, oldest["entries"][1]["seq"].as_i64().unwrap());
    let newer = logs(&s, &format!("after={next}&limit=2")).await;
    assert_eq!(ops(&newer), ["disable 200", "query 200"]);
    let last = newer["entries"][1]["seq"].as_i64().unwrap();
    let none = logs(&s, &format!("after={last}&limit=2")).await;
    assert_eq!(none["entries"], json!([]), "{none}");
    assert!(none["next"].is_null(), "{none}");
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
    use scim_console_core::logs::LogEntry;
    let s = TestServer::start().await;
    let template = LogEntry {
        path: "/scim/default/v2/Users?filter=userName%20eq%20%22x%22".into(),
        client: scim_console_core::logs::Client::Entra,
        duration_us: 800,
        ..query_record(&s)
    };
    for _ in 0..20 {
        let mut batch: Vec<LogEntry> = (0..5_000).map(|_| template.clone()).collect();
        s.store.record_logs(&mut batch).await.unwrap();
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

/// Reads server-sent events until `count` `entry` events arrived: their ids and data.
async fn read_events(response: &mut reqwest::Response, count: usize) -> Vec<(i64, Value)> {
    let mut events = Vec::new();
    let mut buffer = String::new();
    while events.len() < count {
        let chunk = tokio::time::timeout(Duration::from_secs(10), response.chunk())
            .await
            .expect("an event within 10 s")
            .unwrap()
            .expect("the stream stays open");
        buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let mut id = None;
            let mut data = None;
            let mut kind = None;
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("id:") {
                    id = Some(v.trim().parse::<i64>().unwrap());
                } else if let Some(v) = line.strip_prefix("data:") {
                    data = Some(serde_json::from_str::<Value>(v.trim()).unwrap());
                } else if let Some(v) = line.strip_prefix("event:") {
                    kind = Some(v.trim().to_owned());
                }
            }
            if kind.as_deref() == Some("entry") {
                events.push((id.unwrap(), data.unwrap()));
            }
        }
    }
    events
}

#[tokio::test]
async fn the_live_stream_delivers_new_records_in_order_and_resumes() {
    let s = TestServer::start().await;
    let before = send_json(
        s.scim(Method::POST, "/Users"),
        &json!({"userName": "early@contoso.com"}),
    )
    .await;
    assert_eq!(before.status(), 201);
    wait_for(&s, 1).await;
    let mut stream = s
        .admin(
            Method::GET,
            &format!("/api/logs/stream?configuration={}", s.config.id),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    // Only what follows: 40 creates from 4 clients at once, then a failure.
    let mut tasks = Vec::new();
    for c in 0..4 {
        let client = s.client.clone();
        let base = s.base();
        let token = s.token.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..10 {
                let status = client
                    .post(format!("{base}/Users"))
                    .bearer_auth(&token)
                    .header("content-type", "application/scim+json")
                    .body(json!({"userName": format!("live{c}-{i}@contoso.com")}).to_string())
                    .send()
                    .await
                    .unwrap()
                    .status();
                assert_eq!(status, 201);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let events = read_events(&mut stream, 40).await;
    let ids: Vec<i64> = events.iter().map(|(id, _)| *id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "in order: {ids:?}");
    assert!(
        events
            .iter()
            .all(|(id, e)| e["seq"] == *id && e["operation"] == "create")
    );
    assert!(
        events
            .iter()
            .all(|(_, e)| e["resourceName"].as_str().unwrap().starts_with("live"))
    );
    // A filtered stream, resumed from a position (as a browser reconnecting does).
    let mut failures = s
        .admin(
            Method::GET,
            &format!(
                "/api/logs/stream?configuration={}&outcome=failure",
                s.config.id
            ),
        )
        .header("last-event-id", ids[0].to_string())
        .send()
        .await
        .unwrap();
    let (status, _) = parts(
        send_json(
            s.scim(Method::POST, "/Users"),
            &json!({"userName": "live0-0@contoso.com"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409);
    let failed = read_events(&mut failures, 1).await;
    assert_eq!(failed[0].1["status"], 409);
    assert_eq!(failed[0].1["outcome"], "failure");
    let mut replay = s
        .admin(
            Method::GET,
            &format!(
                "/api/logs/stream?configuration={}&after={}",
                s.config.id, ids[29]
            ),
        )
        .send()
        .await
        .unwrap();
    let replayed = read_events(&mut replay, 10).await;
    assert_eq!(
        replayed.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        ids[30..].to_vec()
    );
    // Open streams do not hold up the server's shutdown.
    drop(s.stop().await);
}

#[tokio::test]
async fn statistics_cycles_and_retention_over_the_admin_api() {
    let s = TestServer::start().await;
    for i in 0..5 {
        let status = send_json(
            s.scim(Method::POST, "/Users"),
            &json!({"userName": format!("s{i}@contoso.com")}),
        )
        .await
        .status();
        assert_eq!(status, 201);
    }
    let status = send_json(
        s.scim(Method::POST, "/Users"),
        &json!({"userName": "x@contoso.com", "active": "maybe"}),
    )
    .await
    .status();
    assert_eq!(status, 400);
    wait_for(&s, 6).await;
    let (status, figures) = parts(
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
    assert_eq!(status, 200, "{figures}");
    assert_eq!(figures["totals"]["requests"], 6);
    assert_eq!(figures["totals"]["failures"], 1);
    assert_eq!(figures["totals"]["writes"], 6);
    assert!((figures["errorRate"].as_f64().unwrap() - 1.0 / 6.0).abs() < 1e-9);
    assert!(figures["latency"]["p99Ms"].as_f64().unwrap() > 0.0);
    assert_eq!(figures["topErrorTypes"][0]["name"], "invalidValue");
    assert_eq!(figures["topAttributes"][0]["name"], "active", "{figures}");
    assert!(!figures["bars"].as_array().unwrap().is_empty());
    let (status, cycles) = parts(
        s.admin(
            Method::GET,
            &format!("/api/logs/cycles?configuration={}", s.config.id),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{cycles}");
    assert_eq!(cycles[0]["requests"], 6);
    assert_eq!(cycles[0]["ongoing"], true);
    let (status, body) = parts(
        s.admin(Method::GET, "/api/logs/cycles")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("configuration"),
        "{body}"
    );
    let (status, body) = parts(
        s.admin(Method::GET, "/api/logs/stats?interval=weekly")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    // Retention: at most 1,000 records for this configuration.
    let (status, body) = parts(
        send_json(
            s.admin(
                Method::PATCH,
                &format!("/api/configurations/{}", s.config.id),
            ),
            &json!({"logRetention": {"maxAgeDays": 7, "maxRecords": 1000}}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["logRetention"]["maxRecords"], 1000);
    let (status, body) = parts(
        send_json(
            s.admin(
                Method::PATCH,
                &format!("/api/configurations/{}", s.config.id),
            ),
            &json!({"logRetention": {"maxAgeDays": 0, "maxRecords": 1000}}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["field"] == "logRetention.maxAgeDays",
        "{body}"
    );
    let mut filler: Vec<_> = (0..1_200)
        .map(|_| {
            let mut e = query_record(&s);
            e.resource_name = None;
            e
        })
        .collect();
    s.store.record_logs(&mut filler).await.unwrap();
    let (status, report) = parts(
        s.admin(Method::POST, "/api/logs/retention")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["surplus"], 206);
    let page = logs(&s, &format!("configuration={}&limit=1000", s.config.id)).await;
    assert_eq!(page["entries"].as_array().unwrap().len(), 1000);
    assert!(page["next"].is_null());
}

/// A successful query record of the test server's configuration.
fn query_record(s: &TestServer) -> scim_console_core::logs::LogEntry {
    use scim_console_core::logs::{Client, LogEntry, Operation, Outcome};
    LogEntry {
        seq: 0,
        at: chrono::Utc::now(),
        configuration_id: s.config.id,
        client: Client::Okta,
        user_agent: None,
        source: "192.0.2.1".into(),
        credential: None,
        method: "GET".into(),
        path: "/scim/default/v2/Users".into(),
        operation: Operation::Query,
        resource_type: Some("User".into()),
        resource_id: None,
        resource_name: None,
        resource_keys: None,
        status: 200,
        outcome: Outcome::Success,
        scim_type: None,
        refusal: None,
        detail: None,
        attributes: Vec::new(),
        switches: Vec::new(),
        duration_us: 500,
        changes: None,
        request_body: None,
        response_body: None,
        outbox: Vec::new(),
        direction: scim_console_core::logs::Direction::Inbound,
    }
}

/// Outbox rows left in a data directory's main database.
async fn outbox_rows(store: &scim_console_core::Store) -> i64 {
    use sqlx::ConnectOptions as _;
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(store.path().expect("the outbox tests run on SQLite files"))
        .connect()
        .await
        .unwrap();
    sqlx::query_scalar("SELECT COUNT(*) FROM log_outbox")
        .fetch_one(&mut conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn changes_commit_with_their_log_obligation_and_lost_records_are_recovered_at_start() {
    use scim_console_core::logs::outbox;
    if scim_console_core::testing::test_postgres().is_some() {
        eprintln!("the outbox rows are read from SQLite's file");
        return;
    }
    // A change committed by a run that stopped before writing its record.
    let dir = tempfile::tempdir().unwrap();
    {
        let store = scim_console_core::Store::open(dir.path()).await.unwrap();
        let config = store
            .create_configuration(
                scim_console_core::NewConfiguration::named("default"),
                &scim_console_core::Actor::system(),
            )
            .await
            .unwrap();
        let facts = outbox::RequestFacts {
            at: chrono::Utc::now(),
            client: scim_console_core::logs::Client::Okta,
            user_agent: Some("Okta SCIM Client 1.0.0".into()),
            source: "198.51.100.9".into(),
            method: "POST".into(),
            path: "/scim/default/v2/Users".into(),
            operation: scim_console_core::logs::Operation::Create,
            request_body: None,
            credential: Some("scim_lost0000_…".into()),
        };
        let (created, tickets) = outbox::scope(
            facts,
            store.create_user(
                &config,
                &scim::SchemaRegistry::standard(),
                json!({"userName": "lost@contoso.com"}),
                &scim::InputRules::default(),
            ),
        )
        .await;
        created.unwrap();
        assert_eq!(tickets.len(), 1);
        store.close().await;
    }
    let s = TestServer::start_with(dir, scim_console_server::Limits::default()).await;
    // Recovered before the server answered anything.
    let page = logs(&s, "text=lost").await;
    let entries = page["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{page}");
    assert_eq!(entries[0]["status"], 201);
    assert_eq!(entries[0]["credential"], "scim_lost0000_…");
    assert!(
        entries[0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("recovered:")
    );
    // Live traffic: deletes file outbox rows, released once their records are stored.
    for i in 0..20 {
        let created = send_json(
            s.scim(Method::POST, "/Users"),
            &json!({"userName": format!("outbox{i}@contoso.com")}),
        )
        .await;
        assert_eq!(created.status(), 201);
        let (_, user) = parts(created).await;
        let patched = send_json(
            s.scim(
                Method::PATCH,
                &format!("/Users/{}", user["id"].as_str().unwrap()),
            ),
            &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [{"op": "replace", "path": "active", "value": false}]}),
        )
        .await;
        assert_eq!(patched.status(), 200);
        if i % 4 == 0 {
            let deleted = s
                .scim(
                    Method::DELETE,
                    &format!("/Users/{}", user["id"].as_str().unwrap()),
                )
                .send()
                .await
                .unwrap();
            assert_eq!(deleted.status(), 204);
        }
    }
    wait_for(&s, 46).await;
    let mut left = outbox_rows(&s.store).await;
    // The writer releases rows about once a second.
    for _ in 0..250 {
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        left = outbox_rows(&s.store).await;
    }
    assert_eq!(
        left, 0,
        "every stored delete record released its outbox row"
    );
    let page = logs(&s, "text=outbox*&limit=100").await;
    assert!(
        page["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["detail"].is_null()),
        "live requests have their own records, none recovered"
    );
    s.stop().await;
}

#[tokio::test]
async fn records_that_could_not_be_stored_are_stored_once_the_log_database_is_back() {
    if scim_console_core::testing::test_postgres().is_some() {
        eprintln!("SQLite's files only: PostgreSQL's outage is tested apart");
        return;
    }
    let s = TestServer::start().await;
    // Another process (here: another connection) holds the log database's write lock.
    let lock = WriteLock::take(
        &s.dir
            .path()
            .join(scim_console_core::store::LOG_DATABASE_FILE),
    )
    .await;
    let (status, body) = parts(
        send_json(
            s.scim(Method::POST, "/Users"),
            &json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "kept@contoso.com"
            }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    // The log writer waits out SQLite's 10-second busy timeout and fails; the lock outlasts it.
    tokio::time::sleep(Duration::from_secs(12)).await;
    assert!(
        logs(&s, "text=kept").await["entries"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    lock.release().await;
    // The record was kept: the writer's next try stores it.
    let mut found = Vec::new();
    for _ in 0..300 {
        found = logs(&s, "text=kept").await["entries"]
            .as_array()
            .unwrap()
            .clone();
        if !found.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(found.len(), 1, "the create's record was lost");
    assert_eq!(found[0]["status"], 201);
    assert_eq!(found[0]["resourceName"], "kept@contoso.com");
    s.stop().await;
}

/// A client that hangs up while its change waits (here: for the database's write lock) does not
/// cancel it half-way: the change runs to its end and gets its own record — not one recovered
/// minutes later from its stamp.
#[tokio::test]
async fn a_change_whose_client_hangs_up_runs_to_its_end_and_its_record() {
    if scim_console_core::testing::test_postgres().is_some() {
        eprintln!("SQLite's files only: the lock is taken on the database file");
        return;
    }
    let s = TestServer::start().await;
    // Another process holds the write lock: a create waits for it (SQLite's busy timeout).
    let lock = WriteLock::take(&s.dir.path().join("scim-console.db")).await;
    let gave_up = s
        .scim(Method::POST, "/Users")
        .header("content-type", "application/scim+json")
        .body(
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "leaver@contoso.com"
            })
            .to_string(),
        )
        .timeout(Duration::from_millis(500))
        .send()
        .await;
    assert!(gave_up.is_err(), "the client was to give up: {gave_up:?}");
    // The server has seen the connection close; then the lock goes.
    tokio::time::sleep(Duration::from_secs(1)).await;
    lock.release().await;
    let mut creates = Vec::new();
    for _ in 0..100 {
        creates = logs(&s, "operation=create").await["entries"]
            .as_array()
            .unwrap()
            .clone();
        if !creates.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(creates.len(), 1, "the create ran and has its record");
    assert_eq!(creates[0]["status"], 201, "{}", creates[0]);
    assert!(
        creates[0]["detail"].is_null(),
        "its own record: {}",
        creates[0]
    );
    let (status, found) = parts(
        s.scim(
            Method::GET,
            "/Users?filter=userName%20eq%20%22leaver@contoso.com%22",
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(found["totalResults"], 1, "{found}");
    assert_eq!(
        creates[0]["resourceId"], found["Resources"][0]["id"],
        "{}",
        creates[0]
    );
    s.stop().await;
}
