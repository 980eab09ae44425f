//! A hostile network over real HTTP: an unauthenticated flood answered from the head (no body
//! read, no record: a counter), every recorded field capped, no spelling of a password (or of a
//! custom field marked secret) in clear anywhere in the data folder, and the token endpoint's refused clients backing off.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{TestServer, parts};
use crate::hostile::{raw_http, still_up};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// The bytes of every file under `dir`.
fn folder_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|entry| {
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                folder_bytes(&entry.path())
            } else {
                meta.len()
            }
        })
        .sum()
}

#[tokio::test]
async fn an_unauthenticated_flood_costs_a_counter_not_a_body_read_or_a_row() {
    const FLOOD: usize = 1_000;
    let s = TestServer::start().await;
    // One real request, so that the log's files exist before the measurement.
    still_up(&s, "the start").await;
    let logged = |s: &TestServer| {
        let request = s.admin(Method::GET, "/api/logs?limit=1000");
        async move {
            parts(request.send().await.unwrap()).await.1["entries"]
                .as_array()
                .unwrap()
                .len()
        }
    };
    while logged(&s).await == 0 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let before = folder_bytes(s.dir.path());

    // Each request announces a 256 KiB body (never sent) and carries an 8 KB User-Agent: the
    // answer comes from the head alone, so the body is neither waited for nor read.
    let agent = "A".repeat(8_000);
    let origin = s.origin.clone();
    let slug = s.config.slug.clone();
    let mut workers = Vec::new();
    for worker in 0..4 {
        let (origin, slug, agent) = (origin.clone(), slug.clone(), agent.clone());
        workers.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            for i in (worker..FLOOD).step_by(4) {
                let head = format!(
                    "POST /scim/{slug}/v2/Users HTTP/1.1\r\nHost: x\r\nUser-Agent: {agent}\r\nAuthorization: {}\r\nContent-Type: application/scim+json\r\nContent-Length: 262144\r\nConnection: close\r\n\r\n",
                    if i % 2 == 0 { "Bearer not-a-token" } else { "Basic eA==" }
                );
                let answer = raw_http(&origin, head.as_bytes()).await;
                statuses.push(answer.get(9..12).unwrap_or("---").to_owned());
            }
            statuses
        }));
    }
    let mut statuses = Vec::new();
    for worker in workers {
        statuses.extend(worker.await.unwrap());
    }
    assert!(
        statuses.iter().all(|s| s == "401" || s == "429"),
        "every request answered 401 or 429 without its body: {:?}",
        statuses
            .iter()
            .filter(|s| *s != "401" && *s != "429")
            .take(5)
            .collect::<Vec<_>>()
    );
    assert!(
        statuses.iter().any(|s| s == "429"),
        "the address was barred"
    );

    // Admins see them, counted per source, reason and status.
    let (total, rows) = s.refusals(i64::try_from(FLOOD).unwrap()).await;
    assert_eq!(total, i64::try_from(FLOOD).unwrap(), "{rows}");
    assert!(
        rows.as_array().unwrap().len() <= 8,
        "a few counters: {rows}"
    );
    for row in rows.as_array().unwrap() {
        assert_eq!(row["source"], "127.0.0.1", "{row}");
        assert!(
            ["missing", "invalid"].contains(&row["reason"].as_str().unwrap()),
            "{row}"
        );
    }
    // …and no record each.
    assert_eq!(logged(&s).await, 1, "only the one real request is recorded");
    let grown = folder_bytes(s.dir.path()).saturating_sub(before);
    eprintln!("{FLOOD} refused requests: the data folder grew by {grown} bytes");
    assert!(
        grown <= 1024 * u64::try_from(FLOOD).unwrap(),
        "the data folder grew by {grown} bytes for {FLOOD} refused requests"
    );
    // Provisioning goes on: a valid token is honoured from the barred address.
    still_up(&s, "the flood").await;
    s.stop().await;
}

#[tokio::test]
async fn every_recorded_field_is_capped() {
    let s = TestServer::start().await;
    let long = "n".repeat(200_000);
    let response = s
        .scim(Method::POST, &format!("/Users?x={}", "q".repeat(6_000)))
        .header("user-agent", "A".repeat(8_000))
        .header("content-type", "application/scim+json")
        .body(json!({"schemas": [USER], "userName": long, "nickName": long}).to_string())
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error() || response.status().is_success());
    let record = loop {
        let (_, page) = parts(
            s.admin(Method::GET, "/api/logs?operation=create")
                .send()
                .await
                .unwrap(),
        )
        .await;
        if let Some(r) = page["entries"].as_array().unwrap().first() {
            break r.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let length = |field: &str| record[field].as_str().map_or(0, str::len);
    assert!(length("userAgent") <= 512, "{}", length("userAgent"));
    assert!(length("path") <= 2_048, "{}", length("path"));
    assert!(length("resourceName") <= 256, "{}", length("resourceName"));
    assert!(length("detail") <= 2_048, "{}", length("detail"));
    assert!(
        length("requestBody") <= 64 * 1024 + 16,
        "{}",
        length("requestBody")
    );
    assert!(
        length("responseBody") <= 64 * 1024 + 16,
        "{}",
        length("responseBody")
    );
    assert!(
        record.to_string().len() < 160 * 1024,
        "the whole record is bounded"
    );
    s.stop().await;
}

/// Whether any file under `dir` holds `needle`.
fn folder_holds(dir: &std::path::Path, needle: &[u8]) -> Option<std::path::PathBuf> {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            if let Some(found) = folder_holds(&path, needle) {
                return Some(found);
            }
        } else if std::fs::read(&path)
            .unwrap_or_default()
            .windows(needle.len())
            .any(|w| w == needle)
        {
            return Some(path);
        }
    }
    None
}

#[tokio::test]
async fn no_spelling_of_a_password_reaches_the_data_folder_in_clear() {
    let s = TestServer::start().await;
    let id = create_target(&s, "pw.target@example.com").await;
    no_spelling_reaches_the_data_folder(s, &id, USER, "password").await;
}

/// A custom field the configuration's mapping plan marks secret is a secret like `password`:
/// `writeOnly` and `returned: never` in `/Schemas`, never stored or returned, and no spelling
/// of it reaches the data folder in clear.
#[tokio::test]
async fn no_spelling_of_a_custom_field_marked_secret_reaches_the_data_folder_in_clear() {
    let s = TestServer::start().await;
    let urn = "urn:scim-console:params:scim:schemas:extension:default:2.0:User";
    let (status, mut plan) = parts(
        s.admin(Method::GET, "/api/mapping/template")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{plan}");
    plan["fields"].as_array_mut().unwrap().push(json!({
        "name": "pin", "custom": true, "secret": true, "description": "Door PIN",
        "validators": [{"kind": "pattern", "regex": "^[0-9]{4}$"}]
    }));
    let (status, saved) = parts(
        crate::common::send_json(
            s.admin(
                Method::PUT,
                &format!("/api/configurations/{}/mapping", s.config.id),
            ),
            &json!({"plan": plan}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{saved}");
    let (_, schema) = parts(
        s.scim(Method::GET, &format!("/Schemas/{urn}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(schema["attributes"][0]["name"], "pin", "{schema}");
    assert_eq!(schema["attributes"][0]["mutability"], "writeOnly");
    assert_eq!(schema["attributes"][0]["returned"], "never");
    // Sent as discovered: accepted, neither kept nor returned.
    let (status, created) = parts(
        crate::common::send_json(
            s.scim(Method::POST, "/Users"),
            &json!({"schemas": [USER, urn], "userName": "pin.target@example.com", urn: {"pin": "8642"}}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert!(!created.to_string().contains("8642"), "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let (_, read) = parts(
        s.scim(Method::GET, &format!("/Users/{id}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(!read.to_string().contains("8642"), "{read}");
    no_spelling_reaches_the_data_folder(s, &id, urn, "pin").await;
}

async fn create_target(s: &TestServer, user_name: &str) -> String {
    let (status, created) = parts(
        crate::common::send_json(
            s.scim(Method::POST, "/Users"),
            &json!({"schemas": [USER], "userName": user_name}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    created["id"].as_str().unwrap().to_owned()
}

/// Sends the secret attribute `name` of schema `urn` in every spelling the parsers accept, with
/// and without a valid token, to user `id` and new users; then no file of the data folder and
/// no export holds any of the values in clear. Stops the server.
async fn no_spelling_reaches_the_data_folder(s: TestServer, id: &str, urn: &str, name: &str) {
    let urn_path = format!("{urn}:{name}");
    let upper = name.to_uppercase();
    let capital = format!("{}{}", name[..1].to_uppercase(), &name[1..]);
    let patch = |operation: Value| json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [operation]});
    // (method, path, body with a secret of its own)
    let mut cases: Vec<(Method, String, Value, String)> = Vec::new();
    let mut add = |method: Method, path: String, body: &dyn Fn(&str) -> Value| {
        let secret = format!("Zq9-secret-{}-Xw", cases.len());
        cases.push((method, path, body(&secret), secret));
    };
    let user = format!("/Users/{id}");
    add(Method::PATCH, user.clone(), &|p| {
        patch(json!({"op": "replace", "Path": name, "value": p}))
    });
    add(Method::PATCH, user.clone(), &|p| {
        patch(json!({"OP": "REPLACE", "PATH": upper, "VALUE": p}))
    });
    add(Method::PATCH, user.clone(), &|p| {
        patch(json!({"op": "replace", "path": urn_path, "value": p}))
    });
    add(Method::PATCH, user.clone(), &|p| {
        patch(json!({"op": "replace", "path": format!(" {name}"), "value": p}))
    });
    add(Method::PATCH, user.clone(), &|p| {
        patch(json!({"op": "replace", "value": {capital.clone(): p}}))
    });
    add(Method::PATCH, user.clone(), &|p| {
        patch(json!({"op": "add", "value": {urn_path.clone(): p}}))
    });
    add(Method::PATCH, user.clone(), &|p| {
        patch(json!({"op": "add", "value": {urn: {capital.clone(): p}}}))
    });
    add(
        Method::POST,
        "/Users".into(),
        &|p| json!({"schemas": [USER], "userName": "secret.new@example.com", upper.clone(): p}),
    );
    add(
        Method::POST,
        "/Users".into(),
        &|p| json!({"schemas": [USER, urn], "userName": "secret.ext@example.com", urn: {name: p}}),
    );
    add(
        Method::PUT,
        user.clone(),
        &|p| json!({"schemas": [USER], "userName": "pw.target@example.com", format!(" {capital} "): p}),
    );
    add(Method::POST, "/Bulk".into(), &|p| {
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
            "Operations": [{"method": "POST", "path": "/Users", "bulkId": "b1",
                "data": {"schemas": [USER], "userName": "secret.bulk@example.com", name: p}}]
        })
    });
    for (method, path, body, _) in &cases {
        for authorised in [true, false] {
            let request = if authorised {
                s.scim(method.clone(), path)
            } else {
                s.client
                    .request(method.clone(), format!("{}{path}", s.base()))
            };
            let response = crate::common::send_json(request, body).await;
            assert!(
                response.status().as_u16() < 500,
                "{method} {path}: {}",
                response.status()
            );
        }
    }
    // Every record written (and the refusals counted), then the files read as bytes.
    let wanted = cases.len();
    loop {
        let (_, page) = parts(
            s.admin(Method::GET, "/api/logs?limit=1000")
                .send()
                .await
                .unwrap(),
        )
        .await;
        if page["entries"].as_array().unwrap().len() > wanted {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let export = s
        .admin(Method::GET, "/api/logs/export?format=jsonl")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let dir = s.stop().await;
    for (method, path, _, secret) in &cases {
        assert!(
            !export.contains(secret.as_str()),
            "{method} {path}: in the export"
        );
        if let Some(file) = folder_holds(dir.path(), secret.as_bytes()) {
            panic!(
                "{method} {path}: the secret is in clear in {}",
                file.display()
            );
        }
    }
}

#[tokio::test]
async fn refused_clients_at_the_token_endpoint_back_off_and_are_counted_not_recorded() {
    let s = TestServer::start().await;
    let (id, secret, endpoint) = crate::tokens::oauth_client(&s, "Flooded").await;
    let attempt = |secret: String| {
        let request = s
            .client
            .post(&endpoint)
            .header("content-type", "application/x-www-form-urlencoded")
            .basic_auth(&id, Some(secret))
            .body("grant_type=client_credentials");
        async move { request.send().await.unwrap() }
    };
    let mut statuses = Vec::new();
    for i in 0..15 {
        let response = attempt(format!("{secret}{i}")).await;
        statuses.push(response.status().as_u16());
        if response.status() == 429 {
            assert!(response.headers().contains_key("retry-after"));
        }
    }
    // Ten refusals are free; after that the address waits (429 with Retry-After).
    let free = statuses.iter().take_while(|s| **s == 401).count();
    assert!((10..15).contains(&free), "{statuses:?}");
    assert!(statuses[free..].iter().all(|s| *s == 429), "{statuses:?}");
    // The real client is honoured from the barred address.
    assert_eq!(attempt(secret.clone()).await.status(), 200);
    // Counted, with the client id; no record each.
    let (total, rows) = s.refusals(15).await;
    assert_eq!(total, 15, "{rows}");
    assert!(rows.to_string().contains(&id), "{rows}");
    let (_, page) = parts(
        s.admin(Method::GET, "/api/logs?limit=1000")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let entries = page["entries"].as_array().unwrap();
    assert!(
        entries
            .iter()
            .all(|e| e["status"] != 401 && e["status"] != 429),
        "{page}"
    );
    assert!(
        entries
            .iter()
            .any(|e| e["status"] == 200 && e["operation"] == "token"),
        "{page}"
    );
    // A malformed request is refused (400) and counted like the others, never recorded.
    let (status, body) = parts(
        s.client
            .post(&endpoint)
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request")),
        "{body}"
    );
    let (total, _) = s.refusals(16).await;
    assert_eq!(total, 16);
    let (_, page) = parts(
        s.admin(Method::GET, "/api/logs?limit=1000")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        page["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["status"] == 200),
        "{page}"
    );
    // An oversized form is refused without being read whole.
    let (status, body) = parts(
        s.client
            .post(&endpoint)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "grant_type=client_credentials&pad={}",
                "x".repeat(100_000)
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_request", "{body}");
    s.stop().await;
}
