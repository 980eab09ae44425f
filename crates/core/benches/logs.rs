//! The provisioning log at scale: loads 10 million records (5 configurations, 30 days, a
//! realistic mix of queries, writes and failures) through the same batched writer the server
//! uses, then times filtered pages, keyset pages, free-text searches, statistics and cycles.
//! Targets: a filtered page of 100 in < 100 ms, free text in < 300 ms.
//!
//! `cargo xtask bench logs` runs it. The loaded database is kept in `target/bench-logs` and
//! reused while it holds the wanted number of records (`SCIM_CONSOLE_BENCH_ROWS`, default
//! 10,000,000; `SCIM_CONSOLE_BENCH_DIR` to put it elsewhere). Under `cargo test` (no `--bench`
//! argument) it runs every case once over 3,000 records in a temporary directory.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::cast_precision_loss,
    clippy::too_many_lines
)] // A benchmark binary: one long list of timed cases.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use scim_console_core::logs::stats::{Interval, StatsQuery};
use scim_console_core::logs::{Client, LogEntry, LogQuery, Operation, Outcome};
use scim_console_core::{Actor, ConfigurationId, LogRetention, NewConfiguration, Store};

const CONFIGURATIONS: usize = 5;
const BATCH: usize = 5_000;
const DAYS: i64 = 30;

fn entry(i: u64, rows: u64, configs: &[ConfigurationId], start: DateTime<Utc>) -> LogEntry {
    let span_us = DAYS * 86_400_000_000;
    let at = start
        + chrono::Duration::microseconds(
            i64::try_from(u128::from(i) * u128::try_from(span_us).unwrap() / u128::from(rows))
                .unwrap(),
        );
    let configuration_id = configs[usize::try_from(i).unwrap() % configs.len()];
    let user = format!("user{i}@contoso.com");
    let (method, operation, name, body) = match i % 10 {
        0..=6 => ("GET", Operation::Query, None, None),
        7 => (
            "POST",
            Operation::Create,
            Some(user.clone()),
            Some(format!(
                r#"{{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"{user}","active":true,"displayName":"User {i}","password":"***"}}"#
            )),
        ),
        8 => (
            "PATCH",
            Operation::Update,
            Some(user.clone()),
            Some(
                r#"{"Operations":[{"op":"Replace","path":"displayName","value":"New Name"}]}"#
                    .to_owned(),
            ),
        ),
        _ => (
            "PATCH",
            Operation::MembershipChange,
            Some(format!("Group {}", i % 500)),
            Some(
                r#"{"Operations":[{"op":"Add","path":"members","value":[{"value":"x"}]}]}"#
                    .to_owned(),
            ),
        ),
    };
    let (status, outcome, scim_type, detail, attributes) = if i % 47 == 3 {
        (
            400,
            Outcome::Failure,
            Some("invalidValue".to_owned()),
            Some("the mapping plan refuses this user: timezone: \"europe/paris\" is not an IANA time zone (validator timeZone)".to_owned()),
            vec!["timezone".to_owned()],
        )
    } else if i % 333 == 5 {
        (
            409,
            Outcome::Failure,
            Some("uniqueness".to_owned()),
            Some(format!("userName \"{user}\" is already in use")),
            Vec::new(),
        )
    } else if i % 997 == 7 {
        (
            201,
            Outcome::Skipped,
            None,
            Some("out of scope: accepted as inactive".to_owned()),
            Vec::new(),
        )
    } else {
        (
            if method == "POST" { 201 } else { 200 },
            Outcome::Success,
            None,
            None,
            Vec::new(),
        )
    };
    LogEntry {
        seq: 0,
        at,
        configuration_id,
        client: match i % 3 {
            0 => Client::Entra,
            1 => Client::Okta,
            _ => Client::Other,
        },
        user_agent: None,
        source: "192.0.2.10".into(),
        credential: Some("scim_ab12cd34_…".into()),
        method: method.into(),
        path: if operation == Operation::Query {
            format!("/scim/c/v2/Users?filter=userName%20eq%20%22{user}%22")
        } else {
            "/scim/c/v2/Users/2819c223-7f76-453a-919d-413861904646".into()
        },
        operation,
        resource_type: Some("User".into()),
        resource_id: (operation != Operation::Query).then(|| format!("id-{i}")),
        resource_name: name,
        // What a user record carries besides its name: its externalId and email (groups: none).
        resource_keys: (operation != Operation::MembershipChange)
            .then(|| format!("ext-{i} {user}")),
        status,
        outcome,
        scim_type,
        refusal: None,
        detail,
        attributes,
        switches: Vec::new(),
        duration_us: i64::try_from(300 + (i * 7919) % 5000).unwrap(),
        changes: None,
        request_body: body,
        response_body: None,
        outbox: Vec::new(),
        direction: scim_console_core::logs::Direction::Inbound,
    }
}

async fn load(store: &Store, rows: u64) -> Vec<ConfigurationId> {
    let mut configs = Vec::new();
    for c in 0..CONFIGURATIONS {
        let config = store
            .create_configuration(
                NewConfiguration {
                    log_retention: LogRetention {
                        max_age_days: 3650,
                        max_records: 100_000_000,
                    },
                    ..NewConfiguration::named(format!("Connection {c}"))
                },
                &Actor::system(),
            )
            .await
            .unwrap();
        configs.push(config.id);
    }
    let start = Utc::now() - chrono::Duration::days(DAYS);
    let began = Instant::now();
    let mut i = 0;
    while i < rows {
        let mut batch: Vec<LogEntry> = (i..(i + BATCH as u64).min(rows))
            .map(|n| entry(n, rows, &configs, start))
            .collect();
        store.record_logs(&mut batch).await.unwrap();
        i += batch.len() as u64;
        if i % 1_000_000 == 0 {
            println!(
                "  loaded {:>10} records, {:>7.0} records/s",
                i,
                i as f64 / began.elapsed().as_secs_f64()
            );
        }
    }
    println!(
        "loaded {rows} records in {:.0} s ({:.0} records/s, statistics included)",
        began.elapsed().as_secs_f64(),
        rows as f64 / began.elapsed().as_secs_f64()
    );
    configs
}

/// Timed runs per case: 20 when benchmarking, 1 under `cargo test`.
static REPEATS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(20);

/// Runs `f` 20 times (after one warm-up); prints median and worst, in milliseconds.
async fn time<F, Fut, T>(label: &str, target_ms: Option<f64>, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let _ = f().await;
    let mut samples: Vec<Duration> = Vec::new();
    for _ in 0..REPEATS.load(std::sync::atomic::Ordering::Relaxed) {
        let t = Instant::now();
        let _ = f().await;
        samples.push(t.elapsed());
    }
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let median = ms(samples[samples.len() / 2]);
    let verdict = match target_ms {
        Some(t) if median < t => format!("  (target < {t} ms: met)"),
        Some(t) => format!("  (target < {t} ms: MISSED)"),
        None => String::new(),
    };
    println!(
        "{label:<58} median {median:>8.2} ms   max {:>8.2} ms{verdict}",
        ms(samples[samples.len() - 1])
    );
}

#[tokio::main]
async fn main() {
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let scratch = tempfile::tempdir().unwrap();
    let (rows, dir) = if benchmarking {
        let rows: u64 = std::env::var("SCIM_CONSOLE_BENCH_ROWS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(10_000_000);
        let dir = std::env::var("SCIM_CONSOLE_BENCH_DIR").map_or_else(
            |_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-logs"),
            PathBuf::from,
        );
        (rows, dir)
    } else {
        REPEATS.store(1, std::sync::atomic::Ordering::Relaxed);
        (3_000, scratch.path().to_owned())
    };
    std::fs::create_dir_all(&dir).unwrap();
    let mut store = Store::open(&dir).await.unwrap();
    let mut configs: Vec<ConfigurationId> = store
        .list_configurations()
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    if configs.len() != CONFIGURATIONS
        || store.last_log_seq().await.unwrap() != i64::try_from(rows).unwrap()
    {
        println!("loading {rows} records into {} …", dir.display());
        store.close().await;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                std::fs::remove_file(path).unwrap();
            }
        }
        store = Store::open(&dir).await.unwrap();
        configs = load(&store, rows).await;
    }
    let size: u64 = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    println!(
        "{rows} records, {CONFIGURATIONS} configurations, {} MiB on disk\n",
        size / 1024 / 1024
    );
    let c = configs[2];
    let page = |q: LogQuery| {
        let store = store.clone();
        move || {
            let store = store.clone();
            let q = q.clone();
            async move { store.search_logs(&q).await.unwrap() }
        }
    };
    let config = LogQuery {
        configuration: Some(c),
        limit: 100,
        ..LogQuery::default()
    };
    time(
        "newest 100 of a configuration",
        Some(100.0),
        page(config.clone()),
    )
    .await;
    time(
        "… failures only (2.4%)",
        Some(100.0),
        page(LogQuery {
            outcome: Some(Outcome::Failure),
            ..config.clone()
        }),
    )
    .await;
    time(
        "… skipped only (0.1%)",
        Some(100.0),
        page(LogQuery {
            outcome: Some(Outcome::Skipped),
            ..config.clone()
        }),
    )
    .await;
    time(
        "… creates only (10%)",
        Some(100.0),
        page(LogQuery {
            operation: Some(Operation::Create),
            ..config.clone()
        }),
    )
    .await;
    time(
        "… client okta (33%)",
        Some(100.0),
        page(LogQuery {
            client: Some(Client::Okta),
            ..config.clone()
        }),
    )
    .await;
    time(
        "… status 409 (0.3%)",
        Some(100.0),
        page(LogQuery {
            status: Some(409),
            ..config.clone()
        }),
    )
    .await;
    let now = Utc::now();
    time(
        "… one day, 20 days ago",
        Some(100.0),
        page(LogQuery {
            since: Some(now - chrono::Duration::days(21)),
            until: Some(now - chrono::Duration::days(20)),
            ..config.clone()
        }),
    )
    .await;
    time(
        "… failures of one day, 20 days ago",
        Some(100.0),
        page(LogQuery {
            since: Some(now - chrono::Duration::days(21)),
            until: Some(now - chrono::Duration::days(20)),
            outcome: Some(Outcome::Failure),
            ..config.clone()
        }),
    )
    .await;
    time(
        "… keyset page half-way down",
        Some(100.0),
        page(LogQuery {
            before: Some(i64::try_from(rows / 2).unwrap()),
            ..config.clone()
        }),
    )
    .await;
    time(
        "one resource's history (resource id)",
        Some(100.0),
        page(LogQuery {
            resource: Some(format!("id-{}", rows / 2 + 7)),
            limit: 100,
            ..LogQuery::default()
        }),
    )
    .await;
    time(
        "free text: a userName",
        Some(300.0),
        page(LogQuery {
            text: Some(format!("user{}", rows - 3)),
            limit: 100,
            ..LogQuery::default()
        }),
    )
    .await;
    time(
        "free text: an externalId",
        Some(300.0),
        page(LogQuery {
            text: Some(format!("ext-{}", rows - 3)),
            limit: 100,
            ..LogQuery::default()
        }),
    )
    .await;
    time(
        "free text: a prefix (user4242*)",
        Some(300.0),
        page(LogQuery {
            text: Some("user4242*".into()),
            limit: 100,
            ..LogQuery::default()
        }),
    )
    .await;
    time(
        "free text: a common word (timezone), newest 100",
        Some(300.0),
        page(LogQuery {
            text: Some("timezone".into()),
            limit: 100,
            ..LogQuery::default()
        }),
    )
    .await;
    time(
        "worst case: a common word, no match passes the filters",
        Some(300.0),
        page(LogQuery {
            text: Some("timezone".into()),
            client: Some(Client::Google),
            ..config.clone()
        }),
    )
    .await;
    time(
        "free text + configuration (europe paris)",
        Some(300.0),
        page(LogQuery {
            text: Some("europe paris".into()),
            ..config.clone()
        }),
    )
    .await;
    let stats = |q: StatsQuery| {
        let store = store.clone();
        move || {
            let store = store.clone();
            let q = q.clone();
            async move { store.log_stats(&q).await.unwrap() }
        }
    };
    time(
        "stats: a configuration, 30 days by hour",
        None,
        stats(StatsQuery {
            configuration: Some(c),
            since: Some(now - chrono::Duration::days(30)),
            until: Some(now),
            interval: Interval::Hour,
            ..StatsQuery::default()
        }),
    )
    .await;
    time(
        "stats: every configuration, 30 days by day",
        None,
        stats(StatsQuery {
            since: Some(now - chrono::Duration::days(30)),
            until: Some(now),
            interval: Interval::Day,
            ..StatsQuery::default()
        }),
    )
    .await;
    time("cycles: a configuration, 7 days", None, || {
        let store = store.clone();
        async move {
            store
                .log_cycles(c, now - chrono::Duration::days(7), now, 10)
                .await
                .unwrap()
        }
    })
    .await;
    store.close().await;
}
