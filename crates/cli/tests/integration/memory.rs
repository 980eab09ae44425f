//! Memory is bounded by the page, not the directory: a real `scim-console serve` process over
//! a hundred thousand users answers the worst-case queries — a root search with an empty body,
//! sorts on an attribute without a column (shallow and deep), a filter SQL cannot decide — four
//! at a time, and its peak resident memory (Linux's `VmHWM`, reset just before) grows by at
//! most 32 MiB; a sort in memory deeper than its limit is refused saying why.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use reqwest::Method;
use serde_json::json;

use crate::common::{runtime, scim, serve};

const USERS: u32 = 100_000;
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// A process's peak resident memory since its last reset, in bytes.
fn peak(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .unwrap()
        * 1024
}

/// A hundred thousand users in the default configuration, written straight into the database.
async fn seed(dir: &std::path::Path) {
    use sqlx::Connection as _;
    let mut db = sqlx::SqliteConnection::connect(&format!(
        "sqlite://{}",
        dir.join("scim-console.db").display()
    ))
    .await
    .unwrap();
    let configuration: String =
        sqlx::query_scalar("SELECT id FROM configurations WHERE slug = 'default'")
            .fetch_one(&mut db)
            .await
            .unwrap();
    sqlx::query(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {USERS})
         INSERT INTO users (configuration_id, id, user_name, user_name_folded, display_name, active, created_us, modified_us, version, data)
         SELECT ?, printf('u%06d', i), printf('user%06d@example.com', i), printf('user%06d@example.com', i), printf('User %d', i), 1,
                1700000000000000 + i, 1700000000000000 + i, 1,
                json_object('schemas', json_array('{USER}'), 'userName', printf('user%06d@example.com', i),
                            'nickName', printf('n%06d', ({USERS} - i) * 7919 % {USERS}), 'displayName', printf('User %d', i),
                            'title', 'Engineer of the ' || i || 'th floor, building ' || (i % 17), 'active', json('true'))
         FROM n"
    ))
    .bind(configuration)
    .execute(&mut db)
    .await
    .unwrap();
    db.close().await.unwrap();
}

#[test]
fn worst_case_queries_over_a_hundred_thousand_users_take_memory_by_the_page() {
    if scim_console_core::testing::test_postgres().is_some() {
        eprintln!("measured on SQLite, in the first pass: the scan is the same code on PostgreSQL");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path());
    let (base, token) = (server.base.clone(), server.token.clone().unwrap());
    let pid = server.child.id();
    let rt = runtime();
    rt.block_on(seed(dir.path()));
    let (status, first) = rt.block_on(scim(&base, &token, Method::GET, "/Users?count=1", None));
    assert_eq!(
        (status, first["totalResults"].as_u64()),
        (200, Some(u64::from(USERS)))
    );

    let cases = [
        (
            Method::POST,
            "/.search",
            Some(json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]})),
        ),
        (Method::GET, "/Users?sortBy=nickName&count=1", None),
        (
            Method::GET,
            "/Users?sortBy=nickName&sortOrder=descending&startIndex=9001&count=100",
            None,
        ),
        (
            Method::GET,
            "/Users?filter=title%20co%20%22floor%2C%20building%203%22&startIndex=5000&count=100",
            None,
        ),
    ];
    let run_all = || {
        rt.block_on(async {
            let mut running = Vec::new();
            for (method, path, body) in &cases {
                let (base, token, method, path, body) = (
                    base.clone(),
                    token.clone(),
                    method.clone(),
                    *path,
                    body.clone(),
                );
                running.push(tokio::spawn(async move {
                    scim(&base, &token, method, path, body).await
                }));
            }
            let mut results = Vec::new();
            for r in running {
                results.push(r.await.unwrap());
            }
            results
        })
    };
    // Once cold: the first scans also fill SQLite's page caches (2 MB per connection, a fixed
    // cost) and warm the allocator; then again, measured.
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").unwrap();
    let before = peak(pid);
    run_all();
    let cold = peak(pid).saturating_sub(before);
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").unwrap();
    let before = peak(pid);
    let results = run_all();
    let grown = peak(pid).saturating_sub(before);
    eprintln!(
        "4 concurrent worst-case queries over {USERS} users: the server's peak resident memory grew by {} KiB (the first time, caches filling: {} KiB)",
        grown / 1024,
        cold / 1024
    );
    for ((status, body), (_, path, _)) in results.iter().zip(&cases) {
        assert_eq!(*status, 200, "{path}: {body}");
    }
    assert_eq!(results[0].1["totalResults"], USERS, "users and no groups");
    assert_eq!(results[0].1["Resources"].as_array().unwrap().len(), 100);
    assert_eq!(results[1].1["Resources"][0]["nickName"], "n000000");
    assert_eq!(results[2].1["Resources"].as_array().unwrap().len(), 100);
    assert_eq!(results[3].1["totalResults"], 5_883);
    assert!(
        grown <= 32 * 1024 * 1024,
        "memory is bounded by the page, not the directory: grew by {grown} bytes"
    );
    // Deeper than a sort in memory goes: refused, saying why.
    let (status, body) = rt.block_on(scim(
        &base,
        &token,
        Method::GET,
        "/Users?sortBy=nickName&startIndex=10001&count=10",
        None,
    ));
    assert_eq!(
        (status, body["scimType"].as_str()),
        (400, Some("invalidValue")),
        "{body}"
    );
    assert!(body["detail"].as_str().unwrap().contains("10000"), "{body}");
}
