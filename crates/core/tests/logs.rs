//! The provisioning log's storage: records written in batches to their own database file,
//! filtered, searched by free text, keyset-paged while new rows arrive; redacted bodies only.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use scim_console_core::logs::{self, Client, LogEntry, LogQuery, Operation, Outcome};
use scim_console_core::{Actor, ConfigurationId, NewConfiguration, Store};
use serde_json::json;

fn entry(configuration: ConfigurationId, i: usize, outcome: Outcome, name: &str) -> LogEntry {
    let body = json!({"userName": name, "password": format!("Secret-{i}")});
    LogEntry {
        seq: 0,
        at: chrono::Utc::now(),
        configuration_id: configuration,
        client: Client::Entra,
        user_agent: None,
        source: "192.0.2.1".into(),
        credential: Some("scim_abcdefgh_…".into()),
        method: "POST".into(),
        path: "/scim/x/v2/Users".into(),
        operation: Operation::Create,
        resource_type: Some("User".into()),
        resource_id: Some(format!("id-{i}")),
        resource_name: Some(name.into()),
        status: if outcome == Outcome::Failure {
            400
        } else {
            201
        },
        outcome,
        scim_type: (outcome == Outcome::Failure).then(|| "invalidValue".into()),
        detail: (outcome == Outcome::Failure)
            .then(|| "timezone: \"europe/paris\" is not an IANA time zone".into()),
        duration_us: 1500,
        changes: None,
        request_body: Some(logs::redact(&body)),
        response_body: None,
    }
}

#[tokio::test]
async fn records_are_filtered_searched_and_keyset_paged() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let config = store
        .create_configuration(NewConfiguration::named("Entra"), &Actor::system())
        .await
        .unwrap();
    let batch: Vec<LogEntry> = (0..250)
        .map(|i| {
            let outcome = if i % 10 == 0 {
                Outcome::Failure
            } else {
                Outcome::Success
            };
            entry(config.id, i, outcome, &format!("user{i}@contoso.com"))
        })
        .collect();
    store.record_logs(&batch).await.unwrap();
    let all = |q: LogQuery| {
        let store = &store;
        async move { store.search_logs(&q).await.unwrap() }
    };
    let page = all(LogQuery {
        configuration: Some(config.id),
        ..LogQuery::default()
    })
    .await;
    assert_eq!(page.entries.len(), 100);
    assert_eq!(
        page.entries[0].resource_id.as_deref(),
        Some("id-249"),
        "newest first"
    );
    let failures = all(LogQuery {
        outcome: Some(Outcome::Failure),
        limit: 1000,
        ..LogQuery::default()
    })
    .await;
    assert_eq!(failures.entries.len(), 25);
    assert_eq!(
        failures.entries[0].scim_type.as_deref(),
        Some("invalidValue")
    );
    let text = all(LogQuery {
        text: Some("user42*".into()),
        ..LogQuery::default()
    })
    .await;
    assert_eq!(
        text.entries.len(),
        1,
        "{:?}",
        text.entries
            .iter()
            .map(|e| &e.resource_name)
            .collect::<Vec<_>>()
    );
    let detail = all(LogQuery {
        text: Some("europe paris".into()),
        limit: 1000,
        ..LogQuery::default()
    })
    .await;
    assert_eq!(detail.entries.len(), 25);
    // Keyset paging does not move while new rows arrive.
    let first = all(LogQuery {
        limit: 50,
        ..LogQuery::default()
    })
    .await;
    store
        .record_logs(&[entry(config.id, 999, Outcome::Success, "late@contoso.com")])
        .await
        .unwrap();
    let second = all(LogQuery {
        limit: 50,
        before: first.next,
        ..LogQuery::default()
    })
    .await;
    assert_eq!(second.entries[0].seq, first.entries[49].seq - 1);
    // Following the log: oldest first after a position.
    let newest = all(LogQuery {
        limit: 1,
        ..LogQuery::default()
    })
    .await
    .entries[0]
        .seq;
    let follow = all(LogQuery {
        after: Some(newest - 3),
        ..LogQuery::default()
    })
    .await;
    assert_eq!(
        follow.entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [newest - 2, newest - 1, newest]
    );
    // Odd input never breaks the full-text query.
    let odd = all(LogQuery {
        text: Some("\"AND OR (* NEAR".into()),
        ..LogQuery::default()
    })
    .await;
    assert!(odd.entries.is_empty());
    // Only redacted bodies reach the log database.
    store.close().await;
    let mut bytes = std::fs::read(dir.path().join("scim-console-logs.db")).unwrap();
    if let Ok(wal) = std::fs::read(dir.path().join("scim-console-logs.db-wal")) {
        bytes.extend(wal);
    }
    let haystack = String::from_utf8_lossy(&bytes);
    assert!(!haystack.contains("Secret-1"));
    assert!(haystack.contains("\"password\":\"***\""));
}
