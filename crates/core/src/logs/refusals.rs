//! Refused SCIM requests, counted rather than recorded: a request whose credential is refused
//! (missing, invalid, expired, revoked, not allowed) costs a counter in memory — per
//! configuration, minute, source address, reason and status — and the log's writer adds the
//! counters to `log_refusals` and to the per-minute statistics about once a second. An
//! unauthenticated flood therefore writes a few rows a second whatever its size, cannot crowd
//! the queue of change records, and admins still see who was refused, how often and when.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Client, CredentialRefusal};
use crate::administrators::roles::Reach;
use crate::configuration::ConfigurationId;
use crate::db::{self, Link};
use crate::error::{CoreError, CoreResult};
use crate::store::Store;
use crate::time::to_time;

/// Distinct counters kept between two flushes; refusals from further addresses are counted
/// under [`OTHER_SOURCES`] (so a flood from many addresses costs bounded memory).
pub const MAX_COUNTERS: usize = 4_096;
/// The source of refusals counted once [`MAX_COUNTERS`] were taken.
pub const OTHER_SOURCES: &str = "(other addresses)";
/// The longest source address kept, in bytes.
const MAX_SOURCE: usize = 64;
/// The longest credential prefix kept, in bytes.
const MAX_CREDENTIAL: usize = 96;

/// One refused request.
#[derive(Debug, Clone)]
pub struct Refused {
    /// When.
    pub at: DateTime<Utc>,
    /// The configuration addressed.
    pub configuration: ConfigurationId,
    /// The caller's address.
    pub source: String,
    /// Why its credential was refused.
    pub reason: CredentialRefusal,
    /// The answer: 401, or 429 while the source is barred.
    pub status: u16,
    /// The real credential's non-secret prefix (an expired or revoked one), if any.
    pub credential: Option<String>,
    /// The client recognised from its User-Agent and query.
    pub client: Client,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    configuration: ConfigurationId,
    minute: i64,
    source: String,
    reason: CredentialRefusal,
    status: u16,
}

#[derive(Debug, Clone)]
struct Tally {
    count: i64,
    first_us: i64,
    last_us: i64,
    credential: Option<String>,
    client: Client,
}

/// The counters since the last flush.
#[derive(Debug, Default)]
pub struct RefusalCounters {
    counters: Mutex<HashMap<Key, Tally>>,
    /// Told when the first refusal after a flush is counted (the writer may be idle).
    counted: tokio::sync::Notify,
}

fn capped(text: &str, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

impl RefusalCounters {
    /// Counts one refused request.
    pub fn count(&self, refused: Refused) {
        let at = refused.at.timestamp_micros();
        let mut key = Key {
            configuration: refused.configuration,
            minute: refused.at.timestamp().div_euclid(60),
            source: capped(&refused.source, MAX_SOURCE),
            reason: refused.reason,
            status: refused.status,
        };
        let mut counters = self.counters.lock().unwrap_or_else(PoisonError::into_inner);
        if counters.is_empty() {
            self.counted.notify_one();
        }
        if counters.len() >= MAX_COUNTERS && !counters.contains_key(&key) {
            OTHER_SOURCES.clone_into(&mut key.source);
        }
        let credential = refused.credential.map(|c| capped(&c, MAX_CREDENTIAL));
        counters
            .entry(key)
            .and_modify(|t| {
                t.count += 1;
                t.first_us = t.first_us.min(at);
                t.last_us = t.last_us.max(at);
                if credential.is_some() {
                    t.credential.clone_from(&credential);
                }
                t.client = refused.client;
            })
            .or_insert(Tally {
                count: 1,
                first_us: at,
                last_us: at,
                credential: credential.clone(),
                client: refused.client,
            });
    }

    /// Waits until a refusal is counted after the map was empty.
    pub async fn counted(&self) {
        self.counted.notified().await;
    }

    /// Whether anything was counted since the last flush.
    pub fn is_empty(&self) -> bool {
        self.counters
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty()
    }

    fn take(&self) -> HashMap<Key, Tally> {
        std::mem::take(&mut *self.counters.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn put_back(&self, taken: HashMap<Key, Tally>) {
        let mut counters = self.counters.lock().unwrap_or_else(PoisonError::into_inner);
        for (key, tally) in taken {
            counters
                .entry(key)
                .and_modify(|t| {
                    t.count += tally.count;
                    t.first_us = t.first_us.min(tally.first_us);
                })
                .or_insert(tally);
        }
    }

    /// Adds the counters to the store (`log_refusals` and the per-minute statistics) in one
    /// transaction; on failure they are kept for the next flush.
    pub async fn flush(&self, store: &Store) -> CoreResult<()> {
        let taken = self.take();
        if taken.is_empty() {
            return Ok(());
        }
        let rows: Vec<(Key, Tally)> = taken.clone().into_iter().collect();
        match store.add_refusals(&rows).await {
            Ok(()) => Ok(()),
            Err(error) => {
                self.put_back(taken);
                Err(error)
            }
        }
    }
}

/// Refusals of one configuration from one source for one reason in one minute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RefusalSummary {
    /// The configuration addressed.
    pub configuration_id: ConfigurationId,
    /// The minute (its start).
    pub minute: DateTime<Utc>,
    /// The caller's address (or `(other addresses)` for those beyond the counters' limit).
    pub source: String,
    /// Why the credential was refused.
    pub reason: CredentialRefusal,
    /// The answer: 401, or 429 while the source was barred.
    pub status: u16,
    /// How many requests.
    pub count: i64,
    /// The first of them.
    pub first: DateTime<Utc>,
    /// The last of them.
    pub last: DateTime<Utc>,
    /// The real credential's non-secret prefix (an expired or revoked one), if any.
    pub credential: Option<String>,
    /// The client recognised from its User-Agent.
    pub client: Client,
}

/// Which refusals to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefusalQuery {
    /// One configuration only.
    pub configuration_id: Option<ConfigurationId>,
    /// From this time on.
    pub from: Option<DateTime<Utc>>,
    /// Up to this time.
    pub to: Option<DateTime<Utc>>,
    /// At most this many rows, newest first (default 200, at most 1,000).
    pub limit: Option<u32>,
    /// The configurations the reader may see (set by the server from the caller's grants).
    pub reach: Reach,
}

impl Store {
    /// Adds counted refusals to `log_refusals` and to the per-minute statistics (requests,
    /// failures, failures by type) in one transaction.
    async fn add_refusals(&self, rows: &[(Key, Tally)]) -> CoreResult<()> {
        let mut w = self.log_database().writer().await?;
        let mut tx = w.begin().await?;
        for chunk in rows.chunks(100) {
            let mut q = db::QueryBuilder::new(
                "INSERT INTO log_refusals (configuration_id, minute, source, reason, status, count, first_us, last_us, credential, client) ",
            );
            q.push_values(chunk, |mut row, (key, tally)| {
                row.push_bind(key.configuration.to_string())
                    .push_bind(key.minute)
                    .push_bind(key.source.clone())
                    .push_bind(key.reason.as_str())
                    .push_bind(i64::from(key.status))
                    .push_bind(tally.count)
                    .push_bind(tally.first_us)
                    .push_bind(tally.last_us)
                    .push_bind(tally.credential.clone())
                    .push_bind(tally.client.as_str());
            });
            // CASE rather than MIN/MAX, which PostgreSQL spells LEAST/GREATEST.
            q.push(
                " ON CONFLICT (configuration_id, minute, source, reason, status) DO UPDATE SET
                  count = log_refusals.count + excluded.count,
                  first_us = CASE WHEN excluded.first_us < log_refusals.first_us THEN excluded.first_us ELSE log_refusals.first_us END,
                  last_us = CASE WHEN excluded.last_us > log_refusals.last_us THEN excluded.last_us ELSE log_refusals.last_us END,
                  credential = COALESCE(excluded.credential, log_refusals.credential),
                  client = excluded.client",
            );
            q.build().execute(&mut tx).await?;
        }
        add_to_statistics(&mut tx, rows).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Counted refusals, newest first.
    pub async fn refusals(&self, query: &RefusalQuery) -> CoreResult<Vec<RefusalSummary>> {
        let limit = i64::from(query.limit.unwrap_or(200).clamp(1, 1_000));
        let mut q = db::QueryBuilder::new(
            "SELECT configuration_id, minute, source, reason, status, count, first_us, last_us, credential, client
             FROM log_refusals WHERE 1 = 1",
        );
        if let Some(c) = query.configuration_id {
            q.push(" AND configuration_id = ").push_bind(c.to_string());
        }
        if let Some(t) = query.from {
            q.push(" AND last_us >= ").push_bind(t.timestamp_micros());
        }
        if let Some(t) = query.to {
            q.push(" AND first_us <= ").push_bind(t.timestamp_micros());
        }
        q.push_reach("configuration_id", &query.reach);
        q.push(" ORDER BY minute DESC, last_us DESC LIMIT ")
            .push_bind(limit);
        let rows = q.build().fetch_all(self.log_database()).await?;
        rows.iter().map(summary_from_row).collect()
    }

    /// The latest refusal of `configuration` for `reason`: its credential, source and client.
    pub(crate) async fn latest_refusal(
        &self,
        configuration: &str,
        reason: CredentialRefusal,
    ) -> CoreResult<Option<RefusalSummary>> {
        let row = db::query(
            "SELECT configuration_id, minute, source, reason, status, count, first_us, last_us, credential, client
             FROM log_refusals WHERE configuration_id = ? AND reason = ? ORDER BY minute DESC, last_us DESC LIMIT 1",
        )
        .bind(configuration)
        .bind(reason.as_str())
        .fetch_optional(self.log_database())
        .await?;
        row.as_ref().map(summary_from_row).transpose()
    }
}

fn summary_from_row(row: &db::Row) -> CoreResult<RefusalSummary> {
    let configuration: String = row.try_get("configuration_id")?;
    let reason: String = row.try_get("reason")?;
    let client: String = row.try_get("client")?;
    let minute: i64 = row.try_get("minute")?;
    Ok(RefusalSummary {
        configuration_id: ConfigurationId::parse(&configuration)
            .ok_or_else(|| CoreError::Corrupt(configuration.clone()))?,
        minute: to_time(minute.saturating_mul(60_000_000))?,
        source: row.try_get("source")?,
        reason: CredentialRefusal::parse(&reason).unwrap_or(CredentialRefusal::Invalid),
        status: u16::try_from(row.try_get::<i64, _>("status")?).unwrap_or(401),
        count: row.try_get("count")?,
        first: to_time(row.try_get("first_us")?)?,
        last: to_time(row.try_get("last_us")?)?,
        credential: row.try_get("credential")?,
        client: Client::parse(&client),
    })
}

/// Adds refusals to `log_minutes` (requests and failures) and `log_failures` (by reason), as a
/// recorded refusal used to.
async fn add_to_statistics(conn: &mut impl Link, rows: &[(Key, Tally)]) -> CoreResult<()> {
    let mut minutes: HashMap<(ConfigurationId, i64), i64> = HashMap::new();
    let mut failures: HashMap<(ConfigurationId, i64, &'static str), i64> = HashMap::new();
    for (key, tally) in rows {
        *minutes.entry((key.configuration, key.minute)).or_default() += tally.count;
        *failures
            .entry((key.configuration, key.minute, key.reason.as_str()))
            .or_default() += tally.count;
    }
    let minutes: Vec<_> = minutes.into_iter().collect();
    for chunk in minutes.chunks(100) {
        let mut q = db::QueryBuilder::new(
            "INSERT INTO log_minutes (configuration_id, minute, requests, failures, skipped, warnings, writes, duration_us) ",
        );
        q.push_values(chunk, |mut row, ((config, minute), count)| {
            row.push_bind(config.to_string())
                .push_bind(*minute)
                .push_bind(*count)
                .push_bind(*count)
                .push_bind(0_i64)
                .push_bind(0_i64)
                .push_bind(0_i64)
                .push_bind(0_i64);
        });
        q.push(
            " ON CONFLICT (configuration_id, minute) DO UPDATE SET requests = log_minutes.requests + excluded.requests,
              failures = log_minutes.failures + excluded.failures",
        );
        q.build().execute(&mut *conn).await?;
    }
    let failures: Vec<_> = failures.into_iter().collect();
    for chunk in failures.chunks(100) {
        let mut q = db::QueryBuilder::new(
            "INSERT INTO log_failures (configuration_id, minute, kind, name, count) ",
        );
        q.push_values(chunk, |mut row, ((config, minute, reason), count)| {
            row.push_bind(config.to_string())
                .push_bind(*minute)
                .push_bind("type")
                .push_bind(*reason)
                .push_bind(*count);
        });
        q.push(
            " ON CONFLICT (configuration_id, minute, kind, name) DO UPDATE SET count = log_failures.count + excluded.count",
        );
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}
