//! The provisioning log's storage: records written in batches to their own database file,
//! filtered, searched by free text, keyset-paged while new rows arrive; redacted bodies only.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use std::sync::Arc;

use chrono::{Duration, Utc};
use scim_console_core::logs::stats::{Interval, StatsQuery};
use scim_console_core::logs::{self, Client, LogEntry, LogQuery, Operation, Outcome};
use scim_console_core::time::{Clock, ManualClock};
use scim_console_core::{Actor, ConfigurationId, NewConfiguration};
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
        resource_keys: None,
        status: if outcome == Outcome::Failure {
            400
        } else {
            201
        },
        outcome,
        scim_type: (outcome == Outcome::Failure).then(|| "invalidValue".into()),
        refusal: None,
        detail: (outcome == Outcome::Failure)
            .then(|| "timezone: \"europe/paris\" is not an IANA time zone".into()),
        attributes: if outcome == Outcome::Failure {
            vec!["timezone".into()]
        } else {
            Vec::new()
        },
        switches: Vec::new(),
        duration_us: 1500,
        changes: None,
        request_body: Some(logs::redact(&body)),
        response_body: None,
        outbox: Vec::new(),
        direction: scim_console_core::logs::Direction::Inbound,
    }
}

#[tokio::test]
async fn records_are_filtered_searched_and_keyset_paged() {
    let dir = tempfile::tempdir().unwrap();
    let store = scim_console_core::testing::open_test_store(dir.path())
        .await
        .unwrap();
    let config = store
        .create_configuration(NewConfiguration::named("Entra"), &Actor::system())
        .await
        .unwrap();
    let mut batch: Vec<LogEntry> = (0..250)
        .map(|i| {
            let outcome = if i % 10 == 0 {
                Outcome::Failure
            } else {
                Outcome::Success
            };
            entry(config.id, i, outcome, &format!("user{i}@contoso.com"))
        })
        .collect();
    store.record_logs(&mut batch).await.unwrap();
    // Each record learns its position, in order.
    assert!(
        batch.windows(2).all(|w| w[1].seq == w[0].seq + 1),
        "consecutive"
    );
    assert!(batch[0].seq > 0);
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
    // An email is a phrase of words, in the index and for live followers alike.
    let email = LogQuery {
        text: Some("user42@contoso.com".into()),
        limit: 1000,
        ..LogQuery::default()
    };
    let found = all(email.clone()).await;
    assert_eq!(found.entries.len(), 1);
    assert!(email.matches(&found.entries[0]));
    assert!(!email.matches(&batch[43]));
    let detail = all(LogQuery {
        text: Some("europe paris".into()),
        limit: 1000,
        ..LogQuery::default()
    })
    .await;
    assert_eq!(detail.entries.len(), 25);
    // The other filters intersect inside the full-text index: each combination finds exactly
    // what the filters alone would.
    for (query, expected) in [
        (
            LogQuery {
                configuration: Some(config.id),
                outcome: Some(Outcome::Failure),
                status: Some(400),
                operation: Some(Operation::Create),
                client: Some(Client::Entra),
                ..LogQuery::default()
            },
            25,
        ),
        (
            LogQuery {
                client: Some(Client::Google),
                ..LogQuery::default()
            },
            0,
        ),
        (
            LogQuery {
                configuration: Some(ConfigurationId::new()),
                ..LogQuery::default()
            },
            0,
        ),
        (
            LogQuery {
                outcome: Some(Outcome::Success),
                ..LogQuery::default()
            },
            0,
        ),
    ] {
        let found = all(LogQuery {
            text: Some("europe paris".into()),
            limit: 1000,
            ..query.clone()
        })
        .await;
        assert_eq!(found.entries.len(), expected, "{query:?}");
        assert!(found.entries.iter().all(|e| query.matches(e)));
    }
    // Keyset paging does not move while new rows arrive.
    let first = all(LogQuery {
        limit: 50,
        ..LogQuery::default()
    })
    .await;
    store
        .record_logs(&mut [entry(config.id, 999, Outcome::Success, "late@contoso.com")])
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
    // Only redacted bodies reach the log database (its file, with SQLite).
    store.close().await;
    if store.path().is_none() {
        return;
    }
    let mut bytes = std::fs::read(dir.path().join("scim-console-logs.db")).unwrap();
    if let Ok(wal) = std::fs::read(dir.path().join("scim-console-logs.db-wal")) {
        bytes.extend(wal);
    }
    let haystack = String::from_utf8_lossy(&bytes);
    assert!(!haystack.contains("Secret-1"));
    assert!(haystack.contains("\"password\":\"***\""));
}

#[tokio::test]
async fn statistics_bars_percentiles_top_failures_and_cycles() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::starting_now());
    // Half past the hour, so that neither cycle straddles an hour's bar whenever the test runs.
    let past_hour = clock.now_us().rem_euclid(3_600_000_000);
    clock.advance(std::time::Duration::from_micros(
        u64::try_from((5_400_000_000 - past_hour) % 3_600_000_000).unwrap(),
    ));
    let store = scim_console_core::testing::open_test_store(dir.path())
        .await
        .unwrap()
        .with_clock(clock.clone());
    let config = store
        .create_configuration(NewConfiguration::named("Entra"), &Actor::system())
        .await
        .unwrap();
    let other = store
        .create_configuration(NewConfiguration::named("Okta"), &Actor::system())
        .await
        .unwrap();
    let now = chrono::DateTime::from_timestamp_micros(clock.now_us()).unwrap();
    // Two cycles: 3 hours ago (clean, 3 minutes long), and 1 hour ago (with failures).
    let mut batch = Vec::new();
    for (minutes_ago, outcome, duration_us) in [
        (180, Outcome::Success, 1_000),
        (179, Outcome::Success, 1_000),
        (178, Outcome::Warning, 1_000),
        (60, Outcome::Success, 2_000),
        (60, Outcome::Failure, 100_000),
        (59, Outcome::Skipped, 2_000),
        (58, Outcome::Failure, 100_000),
    ] {
        let mut e = entry(config.id, batch.len(), outcome, "u@contoso.com");
        e.at = now - Duration::minutes(minutes_ago);
        e.duration_us = duration_us;
        batch.push(e);
    }
    // Another configuration's traffic counts only for it.
    let mut noise = entry(other.id, 99, Outcome::Failure, "x@contoso.com");
    noise.at = now - Duration::minutes(60);
    batch.push(noise);
    store.record_logs(&mut batch).await.unwrap();

    let stats = store
        .log_stats(&StatsQuery {
            configuration: Some(config.id),
            since: Some(now - Duration::hours(4)),
            until: Some(now),
            interval: Interval::Hour,
            ..StatsQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(stats.totals.requests, 7);
    assert_eq!(stats.totals.failures, 2);
    assert_eq!(stats.totals.skipped, 1);
    assert_eq!(stats.totals.warnings, 1);
    assert!((stats.error_rate - 2.0 / 7.0).abs() < 1e-9);
    assert_eq!(stats.bars.iter().map(|b| b.counts.requests).sum::<i64>(), 7);
    assert!(
        stats.bars.len() >= 2 && stats.bars.len() <= 4,
        "{:?}",
        stats.bars
    );
    assert!(stats.bars.windows(2).all(|w| w[0].start < w[1].start));
    // Latency over time: each bar's mean (the cycle 3 hours ago took 1 ms a request; the one
    // an hour ago, with its slow failures, far longer).
    let means: Vec<f64> = stats.bars.iter().filter_map(|b| b.mean_ms).collect();
    assert_eq!(means.len(), stats.bars.len());
    assert!((means[0] - 1.0).abs() < 1e-9, "{means:?}");
    assert!(means.iter().skip(1).all(|m| *m > 1.9), "{means:?}");
    let latency = stats.latency.unwrap();
    assert!((latency.p50_ms - 2.0).abs() < 0.5, "{latency:?}");
    assert!((latency.p99_ms - 100.0).abs() < 20.0, "{latency:?}");
    assert_eq!(stats.top_error_types[0].name, "invalidValue");
    assert_eq!(stats.top_error_types[0].count, 2);
    assert_eq!(stats.top_attributes[0].name, "timezone");
    let last = stats.last_successful_cycle.unwrap();
    assert_eq!(last.counts.requests, 3);
    assert_eq!(last.end - last.start, Duration::minutes(3));

    let per_minute = store
        .log_stats(&StatsQuery {
            configuration: Some(config.id),
            since: Some(now - Duration::minutes(61)),
            until: Some(now),
            interval: Interval::Minute,
            ..StatsQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        per_minute
            .bars
            .iter()
            .map(|b| b.counts.requests)
            .collect::<Vec<_>>(),
        [2, 1, 1]
    );
    // Every configuration together.
    let all = store
        .log_stats(&StatsQuery {
            since: Some(now - Duration::hours(4)),
            until: Some(now),
            ..StatsQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(all.totals.requests, 8);

    let cycles = store
        .log_cycles(config.id, now - Duration::hours(4), now, 10)
        .await
        .unwrap();
    assert_eq!(cycles.len(), 2, "{cycles:?}");
    assert_eq!(cycles[0].counts.requests, 4, "newest first");
    assert_eq!(cycles[0].counts.failures, 2);
    assert!(!cycles[0].ongoing);
    assert_eq!(cycles[1].counts.requests, 3);
    // A wide gap joins them.
    let joined = store
        .log_cycles(config.id, now - Duration::hours(4), now, 200)
        .await
        .unwrap();
    assert_eq!(joined.len(), 1);
    assert!(joined[0].ongoing);
    assert!(store.log_cycles(config.id, now, now, 0).await.is_err());
    assert!(
        store
            .log_stats(&StatsQuery {
                since: Some(now),
                until: Some(now - Duration::hours(1)),
                ..StatsQuery::default()
            })
            .await
            .is_err()
    );
}

#[tokio::test]
async fn retention_deletes_old_and_surplus_records_and_keeps_statistics() {
    let dir = tempfile::tempdir().unwrap();
    let store = scim_console_core::testing::open_test_store(dir.path())
        .await
        .unwrap();
    let config = store
        .create_configuration(
            NewConfiguration {
                log_retention: scim_console_core::LogRetention {
                    max_age_days: 1,
                    max_records: 1000,
                },
                ..NewConfiguration::named("Entra")
            },
            &Actor::system(),
        )
        .await
        .unwrap();
    let other = store
        .create_configuration(NewConfiguration::named("Okta"), &Actor::system())
        .await
        .unwrap();
    let now = Utc::now();
    let mut old: Vec<LogEntry> = (0..200)
        .map(|i| {
            let mut e = entry(config.id, i, Outcome::Success, "old@contoso.com");
            e.at = now - Duration::days(2);
            e
        })
        .collect();
    // Another configuration's old records are under its own (default, 30-day) rule.
    let mut kept = entry(other.id, 1, Outcome::Success, "okta@contoso.com");
    kept.at = now - Duration::days(2);
    old.push(kept.clone());
    store.record_logs(&mut old).await.unwrap();
    let mut recent: Vec<LogEntry> = (0..1500)
        .map(|i| entry(config.id, i, Outcome::Success, "new@contoso.com"))
        .collect();
    store.record_logs(&mut recent).await.unwrap();
    let newest = recent[1499].seq;

    let report = store.apply_log_retention().await.unwrap();
    assert_eq!((report.expired, report.surplus), (200, 500), "{report:?}");
    let count = |c: ConfigurationId| {
        let store = &store;
        async move {
            store
                .search_logs(&LogQuery {
                    configuration: Some(c),
                    limit: 1000,
                    ..LogQuery::default()
                })
                .await
                .unwrap()
        }
    };
    let left = count(config.id).await;
    assert_eq!(left.entries.len(), 1000);
    assert_eq!(left.next, None);
    assert_eq!(left.entries[0].seq, newest, "the newest are kept");
    assert_eq!(count(other.id).await.entries.len(), 1);
    // The statistics still count what retention deleted.
    let stats = store
        .log_stats(&StatsQuery {
            configuration: Some(config.id),
            since: Some(now - Duration::days(3)),
            until: Some(now + Duration::minutes(1)),
            interval: Interval::Day,
            ..StatsQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(stats.totals.requests, 1700);
    // A second pass has nothing left to do.
    let again = store.apply_log_retention().await.unwrap();
    assert_eq!((again.expired, again.surplus), (0, 0));
    // Time ranges select by record time.
    let two_days_ago = store
        .search_logs(&LogQuery {
            since: Some(now - Duration::days(3)),
            until: Some(now - Duration::days(1)),
            limit: 1000,
            ..LogQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(two_days_ago.entries.len(), 1, "only Okta's old record");
    let query = LogQuery {
        configuration: Some(other.id),
        text: Some("okta*".into()),
        ..LogQuery::default()
    };
    assert!(query.matches(&kept));
    assert!(!query.matches(&recent[0]));
}

#[tokio::test]
async fn a_limited_reach_reads_its_configurations_records_only() {
    use scim_console_core::administrators::roles::Reach;
    use scim_console_core::audit::AuditQuery;
    use std::collections::BTreeSet;
    let dir = tempfile::tempdir().unwrap();
    let store = scim_console_core::testing::open_test_store(dir.path())
        .await
        .unwrap();
    let mut configs = Vec::new();
    for name in ["qa", "prod", "lab"] {
        configs.push(
            store
                .create_configuration(NewConfiguration::named(name), &Actor::system())
                .await
                .unwrap(),
        );
    }
    let (qa, prod, lab) = (configs[0].id, configs[1].id, configs[2].id);
    let mut batch = vec![
        entry(qa, 1, Outcome::Failure, "ana@contoso.com"),
        entry(prod, 2, Outcome::Failure, "bob@contoso.com"),
        entry(prod, 3, Outcome::Success, "cy@contoso.com"),
        entry(lab, 4, Outcome::Success, "di@contoso.com"),
    ];
    store.record_logs(&mut batch).await.unwrap();
    let names = |page: &logs::LogPage| -> BTreeSet<String> {
        page.entries
            .iter()
            .filter_map(|e| e.resource_name.clone())
            .collect()
    };
    let reach = |ids: &[ConfigurationId]| Reach::Only(ids.iter().copied().collect());
    let search = |reach: Reach| LogQuery {
        reach,
        ..LogQuery::default()
    };
    let both = store.search_logs(&search(reach(&[qa, lab]))).await.unwrap();
    assert_eq!(
        names(&both),
        BTreeSet::from(["ana@contoso.com".into(), "di@contoso.com".into()])
    );
    // Free text takes the other path through the full-text index: the same reach holds.
    let text = LogQuery {
        text: Some("bob".into()),
        ..search(reach(&[qa, lab]))
    };
    assert!(store.search_logs(&text).await.unwrap().entries.is_empty());
    let none = store.search_logs(&search(reach(&[]))).await.unwrap();
    assert!(none.entries.is_empty());
    assert_eq!(
        store
            .search_logs(&search(Reach::All))
            .await
            .unwrap()
            .entries
            .len(),
        4
    );
    // Records followed live pass the same test.
    let only_qa = search(reach(&[qa]));
    assert!(only_qa.matches(&batch[0]) && !only_qa.matches(&batch[1]));
    // Statistics count the reached configurations only.
    let stats = |reach: Reach| StatsQuery {
        reach,
        since: Some(Utc::now() - Duration::hours(1)),
        until: Some(Utc::now() + Duration::minutes(1)),
        interval: Interval::Minute,
        ..StatsQuery::default()
    };
    let figures = store.log_stats(&stats(reach(&[prod]))).await.unwrap();
    assert_eq!((figures.totals.requests, figures.totals.failures), (2, 1));
    let figures = store.log_stats(&stats(Reach::All)).await.unwrap();
    assert_eq!(figures.totals.requests, 4);
    // The audit log: the reached configuration's records, none about the server as a whole.
    store
        .create_administrator(
            &scim_console_core::administrators::accounts::NewAdministrator {
                email: "ada@contoso.com".into(),
                name: String::new(),
                grants: vec![scim_console_core::administrators::roles::Grant::everywhere(
                    scim_console_core::administrators::roles::Role::Owner,
                )],
            },
            &Actor::system(),
        )
        .await
        .unwrap();
    let audit = |reach: Reach| AuditQuery {
        reach,
        ..AuditQuery::default()
    };
    let kept = store.audit(&audit(reach(&[qa]))).await.unwrap();
    assert!(!kept.entries.is_empty());
    assert!(
        kept.entries
            .iter()
            .all(|e| e.configuration_id == Some(qa.to_string()))
    );
    let all = store.audit(&audit(Reach::All)).await.unwrap();
    assert!(all.entries.iter().any(|e| e.configuration_id.is_none()));
}
