//! Statistics of the provisioning log: counts per minute by outcome, a latency histogram and
//! failures by error type and attribute, added in the transaction that writes the records
//! (one upsert per configuration and minute per batch) and read back per minute, hour or day,
//! as percentiles, top failures and provisioning cycles.

use std::collections::BTreeMap;

use crate::db::{self, Link};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{LogEntry, Operation, Outcome};
use crate::administrators::roles::Reach;
use crate::configuration::ConfigurationId;
use crate::error::{CoreError, CoreResult};
use crate::store::Store;

/// The latency histogram's bucket of a duration: bucket `b` holds `[2^(b/4), 2^((b+1)/4))` µs,
/// that is `floor(log2(us⁴))` (durations above 71 minutes share the last bucket).
pub fn latency_bucket(duration_us: i64) -> i64 {
    let us = u128::from(u32::try_from(duration_us.max(1)).unwrap_or(u32::MAX));
    i64::from(us.pow(4).ilog2())
}

/// The duration a bucket stands for: its geometric middle, in milliseconds.
#[allow(clippy::cast_precision_loss)] // Bucket numbers are below 200.
fn bucket_ms(bucket: i64) -> f64 {
    2f64.powf((bucket as f64 + 0.5) / 4.0) / 1000.0
}

fn minute_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(60)
}

fn is_write(operation: Operation) -> bool {
    matches!(
        operation,
        Operation::Create
            | Operation::Update
            | Operation::Disable
            | Operation::Delete
            | Operation::MembershipChange
    )
}

#[derive(Default)]
struct MinuteCounts {
    requests: i64,
    failures: i64,
    skipped: i64,
    warnings: i64,
    writes: i64,
    duration_us: i64,
}

/// Adds a batch of records to the statistics, inside the transaction that writes them.
pub(super) async fn add(conn: &mut impl Link, entries: &[LogEntry]) -> CoreResult<()> {
    let mut minutes: BTreeMap<(ConfigurationId, i64), MinuteCounts> = BTreeMap::new();
    let mut latency: BTreeMap<(ConfigurationId, i64, i64), i64> = BTreeMap::new();
    let mut failures: BTreeMap<(ConfigurationId, i64, &'static str, String), i64> = BTreeMap::new();
    // The console's own requests (pilot runs) are not traffic the configuration received:
    // they stay out of its charts and alerts.
    for e in entries
        .iter()
        .filter(|e| e.direction == super::Direction::Inbound)
    {
        let config = e.configuration_id;
        let minute = minute_of(e.at);
        let m = minutes.entry((config, minute)).or_default();
        m.requests += 1;
        m.duration_us += e.duration_us;
        match e.outcome {
            Outcome::Failure => m.failures += 1,
            Outcome::Skipped => m.skipped += 1,
            Outcome::Warning => m.warnings += 1,
            Outcome::Success => {}
        }
        if is_write(e.operation) {
            m.writes += 1;
        }
        *latency
            .entry((config, minute.div_euclid(60), latency_bucket(e.duration_us)))
            .or_default() += 1;
        if e.outcome == Outcome::Failure {
            let kind = match (&e.scim_type, e.refusal) {
                (Some(t), _) => t.clone(),
                (None, Some(refusal)) => refusal.as_str().to_owned(),
                (None, None) => format!("status {}", e.status),
            };
            *failures.entry((config, minute, "type", kind)).or_default() += 1;
            for a in &e.attributes {
                *failures
                    .entry((config, minute, "attribute", a.clone()))
                    .or_default() += 1;
            }
        }
    }
    for chunk in minutes.into_iter().collect::<Vec<_>>().chunks(100) {
        let mut q = db::QueryBuilder::new(
            "INSERT INTO log_minutes (configuration_id, minute, requests, failures, skipped, warnings, writes, duration_us) ",
        );
        q.push_values(chunk, |mut row, ((config, minute), m)| {
            row.push_bind(config.to_string())
                .push_bind(*minute)
                .push_bind(m.requests)
                .push_bind(m.failures)
                .push_bind(m.skipped)
                .push_bind(m.warnings)
                .push_bind(m.writes)
                .push_bind(m.duration_us);
        });
        q.push(
            " ON CONFLICT (configuration_id, minute) DO UPDATE SET requests = log_minutes.requests + excluded.requests,
              failures = log_minutes.failures + excluded.failures, skipped = log_minutes.skipped + excluded.skipped,
              warnings = log_minutes.warnings + excluded.warnings, writes = log_minutes.writes + excluded.writes,
              duration_us = log_minutes.duration_us + excluded.duration_us",
        );
        q.build().execute(&mut *conn).await?;
    }
    for chunk in latency.into_iter().collect::<Vec<_>>().chunks(150) {
        let mut q = db::QueryBuilder::new(
            "INSERT INTO log_latency (configuration_id, hour, bucket, count) ",
        );
        q.push_values(chunk, |mut row, ((config, hour, bucket), count)| {
            row.push_bind(config.to_string())
                .push_bind(*hour)
                .push_bind(*bucket)
                .push_bind(*count);
        });
        q.push(" ON CONFLICT (configuration_id, hour, bucket) DO UPDATE SET count = log_latency.count + excluded.count");
        q.build().execute(&mut *conn).await?;
    }
    for chunk in failures.into_iter().collect::<Vec<_>>().chunks(100) {
        let mut q = db::QueryBuilder::new(
            "INSERT INTO log_failures (configuration_id, minute, kind, name, count) ",
        );
        q.push_values(chunk, |mut row, ((config, minute, kind, name), count)| {
            row.push_bind(config.to_string())
                .push_bind(*minute)
                .push_bind(*kind)
                .push_bind(name.clone())
                .push_bind(*count);
        });
        q.push(" ON CONFLICT (configuration_id, minute, kind, name) DO UPDATE SET count = log_failures.count + excluded.count");
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// The width of a chart's bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum Interval {
    /// One bar per minute.
    Minute,
    /// One bar per hour.
    #[default]
    Hour,
    /// One bar per day (UTC).
    Day,
}

impl Interval {
    fn minutes(self) -> i64 {
        match self {
            Self::Minute => 1,
            Self::Hour => 60,
            Self::Day => 1440,
        }
    }
}

/// Which statistics: a configuration (or all), a time range, the bar width.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StatsQuery {
    /// Only this configuration.
    pub configuration: Option<ConfigurationId>,
    /// From this time (default: one bar width × 60 before `until`).
    pub since: Option<DateTime<Utc>>,
    /// Until this time (default: now).
    pub until: Option<DateTime<Utc>>,
    /// The bar width.
    pub interval: Interval,
    /// The configurations the reader may see (set by the server from the caller's grants).
    #[serde(skip)]
    pub reach: Reach,
}

/// Counts by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    /// Every request.
    pub requests: i64,
    /// Failed ones.
    pub failures: i64,
    /// Skipped by scope.
    pub skipped: i64,
    /// Accepted with warnings.
    pub warnings: i64,
    /// Creates, updates, disables, deletes and membership changes.
    pub writes: i64,
}

impl Counts {
    fn add(&mut self, other: Self) {
        self.requests += other.requests;
        self.failures += other.failures;
        self.skipped += other.skipped;
        self.warnings += other.warnings;
        self.writes += other.writes;
    }
}

/// One bar of the chart.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Bar {
    /// Its start.
    pub start: DateTime<Utc>,
    /// Its counts.
    #[serde(flatten)]
    pub counts: Counts,
    /// The mean latency of its requests, in milliseconds (absent without requests).
    pub mean_ms: Option<f64>,
}

/// Latency percentiles, in milliseconds (within 19%: the histogram's resolution; by hour).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Latency {
    /// The mean.
    pub mean_ms: f64,
    /// The median.
    pub p50_ms: f64,
    /// The 90th percentile.
    pub p90_ms: f64,
    /// The 99th percentile.
    pub p99_ms: f64,
}

/// A name and how often it occurred.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Ranked {
    /// The error type, or the attribute.
    pub name: String,
    /// How many failures.
    pub count: i64,
}

/// A provisioning cycle: requests of one configuration without a pause longer than the gap.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Cycle {
    /// Its first request's minute.
    pub start: DateTime<Utc>,
    /// The end of its last request's minute.
    pub end: DateTime<Utc>,
    /// Whether requests may still join it (its last one is less than a gap ago).
    pub ongoing: bool,
    /// Its totals.
    #[serde(flatten)]
    pub counts: Counts,
}

/// The statistics of a range.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LogStats {
    /// The range's start.
    pub since: DateTime<Utc>,
    /// Its end.
    pub until: DateTime<Utc>,
    /// The bar width.
    pub interval: Interval,
    /// One bar per interval with requests, oldest first.
    pub bars: Vec<Bar>,
    /// The whole range.
    pub totals: Counts,
    /// Failures per request (0 to 1; 0 without requests).
    pub error_rate: f64,
    /// Latency percentiles (absent without requests), over the hours the range touches.
    pub latency: Option<Latency>,
    /// The most frequent SCIM error types (or HTTP statuses) of failures.
    pub top_error_types: Vec<Ranked>,
    /// The attributes failures were most often refused for.
    pub top_attributes: Vec<Ranked>,
    /// The newest finished cycle without failures, within the last 7 days.
    pub last_successful_cycle: Option<Cycle>,
}

/// A pause longer than this (in minutes) ends a cycle: Entra ID's cycles come every 40
/// minutes and last a few.
pub const DEFAULT_CYCLE_GAP_MINUTES: i64 = 10;

fn time_of_minute(minute: i64) -> CoreResult<DateTime<Utc>> {
    DateTime::from_timestamp(minute.saturating_mul(60), 0)
        .ok_or_else(|| CoreError::Corrupt(format!("minute {minute}")))
}

/// The `WHERE` of the statistics tables: configuration and range (of `column`, `minute` or
/// `hour`).
fn scope(q: &mut db::QueryBuilder<'_>, query: &StatsQuery, column: &str, from: i64, to: i64) {
    q.push(format!(" WHERE {column} >= ")).push_bind(from);
    q.push(format!(" AND {column} < ")).push_bind(to);
    if let Some(c) = query.configuration {
        q.push(" AND configuration_id = ").push_bind(c.to_string());
    }
    q.push_reach("configuration_id", &query.reach);
}

impl Store {
    /// Statistics of the log over a range: bars, totals, error rate, latency percentiles, top
    /// failures and the last successful cycle. Read from the per-minute tables, so a range of
    /// millions of records costs a few thousand rows.
    pub async fn log_stats(&self, query: &StatsQuery) -> CoreResult<LogStats> {
        let until = query.until.unwrap_or_else(|| self.now());
        let width = query.interval.minutes();
        let since = query
            .since
            .unwrap_or_else(|| until - Duration::minutes(width * 60));
        if since >= until {
            return Err(CoreError::invalid("since", "must be before until"));
        }
        let (from, to) = (minute_of(since), minute_of(until) + 1);
        let pool = self.log_database();
        let (bars, totals, duration_us) = self.stat_bars(query, width, from, to).await?;
        let mut q = db::QueryBuilder::new(
            "SELECT bucket, CAST(SUM(count) AS BIGINT) AS count FROM log_latency",
        );
        // Hours touched by the range: percentiles at hour resolution.
        scope(
            &mut q,
            query,
            "hour",
            from.div_euclid(60),
            (to - 1).div_euclid(60) + 1,
        );
        q.push(" GROUP BY bucket ORDER BY bucket");
        let histogram: Vec<(i64, i64)> = q
            .build()
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("bucket")?, r.try_get("count")?)))
            .collect::<CoreResult<_>>()?;
        let latency = percentiles(&histogram, duration_us, totals.requests);
        let top = |kind: &'static str| {
            let mut q = db::QueryBuilder::new(
                "SELECT name, CAST(SUM(count) AS BIGINT) AS count FROM log_failures",
            );
            scope(&mut q, query, "minute", from, to);
            q.push(" AND kind = ").push_bind(kind);
            q.push(" GROUP BY name ORDER BY count DESC, name LIMIT 10");
            q
        };
        let ranked = |rows: Vec<db::Row>| -> CoreResult<Vec<Ranked>> {
            rows.iter()
                .map(|r| {
                    Ok(Ranked {
                        name: r.try_get("name")?,
                        count: r.try_get("count")?,
                    })
                })
                .collect()
        };
        let top_error_types = ranked(top("type").build().fetch_all(pool).await?)?;
        let top_attributes = ranked(top("attribute").build().fetch_all(pool).await?)?;
        let last_successful_cycle = match query.configuration {
            Some(c) => self.last_successful_cycle(c).await?,
            None => None,
        };
        #[allow(clippy::cast_precision_loss)] // Counts far below 2^52.
        let error_rate = if totals.requests == 0 {
            0.0
        } else {
            totals.failures as f64 / totals.requests as f64
        };
        Ok(LogStats {
            since,
            until,
            interval: query.interval,
            bars,
            totals,
            error_rate,
            latency,
            top_error_types,
            top_attributes,
            last_successful_cycle,
        })
    }

    /// The bars of a range (one per `width` minutes with requests), their totals and the sum of
    /// their durations.
    async fn stat_bars(
        &self,
        query: &StatsQuery,
        width: i64,
        from: i64,
        to: i64,
    ) -> CoreResult<(Vec<Bar>, Counts, i64)> {
        let pool = self.log_database();
        let mut q = db::QueryBuilder::new("SELECT (minute / ");
        q.push_bind(width).push(") * ").push_bind(width).push(
            " AS bar, CAST(SUM(requests) AS BIGINT) AS requests, CAST(SUM(failures) AS BIGINT) AS failures,
              CAST(SUM(skipped) AS BIGINT) AS skipped, CAST(SUM(warnings) AS BIGINT) AS warnings,
              CAST(SUM(writes) AS BIGINT) AS writes, CAST(SUM(duration_us) AS BIGINT) AS duration_us FROM log_minutes",
        );
        scope(&mut q, query, "minute", from, to);
        q.push(" GROUP BY bar ORDER BY bar");
        let mut bars = Vec::new();
        let mut totals = Counts::default();
        let mut duration_us = 0_i64;
        for row in q.build().fetch_all(pool).await? {
            let counts = Counts {
                requests: row.try_get("requests")?,
                failures: row.try_get("failures")?,
                skipped: row.try_get("skipped")?,
                warnings: row.try_get("warnings")?,
                writes: row.try_get("writes")?,
            };
            let bar_us = row.try_get::<i64, _>("duration_us")?;
            duration_us += bar_us;
            totals.add(counts);
            #[allow(clippy::cast_precision_loss)] // Sums far below 2^52.
            let mean_ms =
                (counts.requests > 0).then(|| bar_us as f64 / counts.requests as f64 / 1000.0);
            bars.push(Bar {
                start: time_of_minute(row.try_get("bar")?)?,
                counts,
                mean_ms,
            });
        }
        Ok((bars, totals, duration_us))
    }

    /// A configuration's provisioning cycles in a range, newest first: runs of requests without
    /// a pause longer than `gap_minutes`, with their totals. The requests of one are a log
    /// search from its `start` to its `end`.
    pub async fn log_cycles(
        &self,
        configuration: ConfigurationId,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        gap_minutes: i64,
    ) -> CoreResult<Vec<Cycle>> {
        if gap_minutes < 1 {
            return Err(CoreError::invalid("gap", "at least one minute"));
        }
        let rows = db::query(
            "SELECT minute, requests, failures, skipped, warnings, writes FROM log_minutes
             WHERE configuration_id = ? AND minute >= ? AND minute < ? ORDER BY minute",
        )
        .bind(configuration.to_string())
        .bind(minute_of(since))
        .bind(minute_of(until) + 1)
        .fetch_all(self.log_database())
        .await?;
        let now_minute = minute_of(self.now());
        let mut cycles: Vec<(i64, i64, Counts)> = Vec::new();
        for row in rows {
            let minute: i64 = row.try_get("minute")?;
            let counts = Counts {
                requests: row.try_get("requests")?,
                failures: row.try_get("failures")?,
                skipped: row.try_get("skipped")?,
                warnings: row.try_get("warnings")?,
                writes: row.try_get("writes")?,
            };
            match cycles.last_mut() {
                Some((_, last, total)) if minute - *last <= gap_minutes => {
                    *last = minute;
                    total.add(counts);
                }
                _ => cycles.push((minute, minute, counts)),
            }
        }
        cycles
            .into_iter()
            .rev()
            .map(|(first, last, counts)| {
                Ok(Cycle {
                    start: time_of_minute(first)?,
                    end: time_of_minute(last + 1)?,
                    ongoing: now_minute - last <= gap_minutes,
                    counts,
                })
            })
            .collect()
    }

    /// The newest finished cycle without failures in the last 7 days: minutes read newest
    /// first, stopping at the first such cycle.
    async fn last_successful_cycle(
        &self,
        configuration: ConfigurationId,
    ) -> CoreResult<Option<Cycle>> {
        let gap = DEFAULT_CYCLE_GAP_MINUTES;
        let now_minute = minute_of(self.now());
        let mut rows = db::query(
            "SELECT minute, requests, failures, skipped, warnings, writes FROM log_minutes
             WHERE configuration_id = ? AND minute >= ? ORDER BY minute DESC",
        )
        .bind(configuration.to_string())
        .bind(now_minute - 7 * 1440)
        .fetch_all(self.log_database())
        .await?
        .into_iter();
        // The cycle being read: (first minute, last minute, totals).
        let mut current: Option<(i64, i64, Counts)> = None;
        let finished = |(first, last, counts): (i64, i64, Counts)| -> CoreResult<Option<Cycle>> {
            if counts.failures == 0 && now_minute - last > gap {
                Ok(Some(Cycle {
                    start: time_of_minute(first)?,
                    end: time_of_minute(last + 1)?,
                    ongoing: false,
                    counts,
                }))
            } else {
                Ok(None)
            }
        };
        for row in rows.by_ref() {
            let minute: i64 = row.try_get("minute")?;
            let counts = Counts {
                requests: row.try_get("requests")?,
                failures: row.try_get("failures")?,
                skipped: row.try_get("skipped")?,
                warnings: row.try_get("warnings")?,
                writes: row.try_get("writes")?,
            };
            match current.as_mut() {
                Some((first, _, total)) if *first - minute <= gap => {
                    *first = minute;
                    total.add(counts);
                }
                _ => {
                    if let Some(done) = current.take()
                        && let Some(cycle) = finished(done)?
                    {
                        return Ok(Some(cycle));
                    }
                    current = Some((minute, minute, counts));
                }
            }
        }
        match current {
            Some(done) => finished(done),
            None => Ok(None),
        }
    }

    /// The time now, by the store's clock.
    fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_micros(self.now_us()).unwrap_or_else(Utc::now)
    }
}

/// Mean and percentiles from the histogram.
#[allow(clippy::cast_precision_loss)] // Counts far below 2^52.
fn percentiles(histogram: &[(i64, i64)], duration_us: i64, requests: i64) -> Option<Latency> {
    let total: i64 = histogram.iter().map(|(_, c)| c).sum();
    if total == 0 || requests == 0 {
        return None;
    }
    let at = |fraction: f64| {
        let rank = (fraction * total as f64).ceil().max(1.0);
        let mut seen = 0_i64;
        for (bucket, count) in histogram {
            seen += count;
            if seen as f64 >= rank {
                return bucket_ms(*bucket);
            }
        }
        histogram.last().map_or(0.0, |(b, _)| bucket_ms(*b))
    };
    Some(Latency {
        mean_ms: duration_us as f64 / requests as f64 / 1000.0,
        p50_ms: at(0.50),
        p90_ms: at(0.90),
        p99_ms: at(0.99),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_buckets_are_quarter_octaves() {
        assert_eq!(latency_bucket(0), 0);
        assert_eq!(latency_bucket(1), 0);
        assert_eq!(latency_bucket(2), 4);
        assert_eq!(latency_bucket(1024), 40);
        assert_eq!(latency_bucket(1300), 41); // 1024 × 1.19 = 1218 ≤ 1300 < 1448
        assert_eq!(latency_bucket(1500), 42);
        assert_eq!(latency_bucket(2047), 43);
        for us in [1_i64, 7, 100, 999, 12_345, 9_999_999] {
            let ms = bucket_ms(latency_bucket(us));
            let real = f64::from(i32::try_from(us).unwrap()) / 1000.0;
            assert!((ms / real - 1.0).abs() < 0.2, "{us} µs → {ms} ms");
        }
    }

    #[test]
    fn percentiles_walk_the_histogram() {
        // 90 requests at ~1 ms, 10 at ~100 ms.
        let fast = latency_bucket(1000);
        let slow = latency_bucket(100_000);
        let p = percentiles(&[(fast, 90), (slow, 10)], 90 * 1000 + 10 * 100_000, 100).unwrap();
        assert!((p.p50_ms - 1.0).abs() < 0.2, "{p:?}");
        assert!((p.p90_ms - 1.0).abs() < 0.2, "{p:?}");
        assert!((p.p99_ms - 100.0).abs() < 20.0, "{p:?}");
        assert!((p.mean_ms - 10.9).abs() < 0.01, "{p:?}");
        assert_eq!(percentiles(&[], 0, 0), None);
    }
}
