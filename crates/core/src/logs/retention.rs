//! Retention of the provisioning log: each configuration's records older than its maximum age,
//! and beyond its maximum count, are deleted — a few thousand at a time, each batch its own
//! short transaction with a rest after it as long as it took, so neither the log writer nor the
//! requests sharing the cores wait long. The per-minute statistics are kept
//! for [`STATISTICS_DAYS`] (or the records' age, when longer).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::configuration::LogRetention;
use crate::db;
use crate::error::CoreResult;
use crate::store::Store;

/// How long the per-minute statistics are kept, in days (13 months: a year of charts).
pub const STATISTICS_DAYS: i64 = 396;

/// Records deleted per transaction.
const CHUNK: i64 = 5_000;

/// The longest rest between two chunks.
const MAX_REST: std::time::Duration = std::time::Duration::from_millis(500);

/// The longest a record's time may precede that of a record written before it, in
/// microseconds: a request's duration plus its wait in the log queue. Time bounds become
/// position bounds with this much slack (see [`Store::first_seq_from`]).
pub(crate) const SKEW_US: i64 = 3_600_000_000;

const DAY_US: i64 = 86_400_000_000;

/// What a retention pass deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RetentionReport {
    /// Records older than their configuration's maximum age.
    pub expired: u64,
    /// Records beyond their configuration's maximum count.
    pub surplus: u64,
    /// Per-minute statistics rows older than their retention.
    pub statistics: u64,
}

impl Store {
    /// Applies every configuration's log retention once. Records of configurations that no
    /// longer exist are kept for the default retention.
    pub async fn apply_log_retention(&self) -> CoreResult<RetentionReport> {
        let mut rules: BTreeMap<String, LogRetention> = self
            .list_configurations()
            .await?
            .into_iter()
            .map(|c| (c.id.to_string(), c.log_retention))
            .collect();
        let logged: Vec<String> =
            db::query_scalar("SELECT DISTINCT configuration_id FROM log_minutes")
                .fetch_all(self.log_database())
                .await?;
        for id in logged {
            rules.entry(id).or_default();
        }
        let now = self.now_us();
        let mut report = RetentionReport::default();
        for (configuration, rule) in rules {
            let cutoff = now - i64::from(rule.max_age_days) * DAY_US;
            // Only positions before the cutoff's (plus the skew) can be older than it.
            let upper = self
                .first_seq_from(cutoff + SKEW_US)
                .await?
                .unwrap_or(i64::MAX);
            report.expired += self.delete_chunks(&configuration, upper, cutoff).await?;
            let last_kept: Option<i64> = db::query_scalar(
                "SELECT seq FROM provisioning_log WHERE configuration_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?",
            )
            .bind(&configuration)
            .bind(i64::from(rule.max_records))
            .fetch_optional(self.log_database())
            .await?;
            if let Some(boundary) = last_kept {
                report.surplus += self
                    .delete_chunks(&configuration, boundary + 1, i64::MAX)
                    .await?;
            }
            let days = STATISTICS_DAYS.max(i64::from(rule.max_age_days));
            let minute = (now - days * DAY_US) / 60_000_000;
            let mut w = self.log_database().writer().await?;
            for (table, column, unit) in [
                ("log_minutes", "minute", 1),
                ("log_latency", "hour", 60),
                ("log_failures", "minute", 1),
                ("log_refusals", "minute", 1),
            ] {
                let done = db::query(format!(
                    "DELETE FROM {table} WHERE configuration_id = ? AND {column} < ?"
                ))
                .bind(&configuration)
                .bind(minute / unit)
                .execute(&mut w)
                .await?;
                if table == "log_minutes" {
                    report.statistics += done.rows_affected();
                }
            }
        }
        Ok(report)
    }

    /// Deletes a configuration's records before position `below` and older than `older_than`
    /// (µs), a chunk per transaction, until none is left; how many went.
    async fn delete_chunks(
        &self,
        configuration: &str,
        below: i64,
        older_than: i64,
    ) -> CoreResult<u64> {
        let mut total = 0;
        loop {
            let started = std::time::Instant::now();
            let deleted = {
                let mut w = self.log_database().writer().await?;
                db::query(
                    "DELETE FROM provisioning_log WHERE seq IN (SELECT seq FROM provisioning_log
                     WHERE configuration_id = ? AND seq < ? AND at_us < ? ORDER BY seq LIMIT ?)",
                )
                .bind(configuration)
                .bind(below)
                .bind(older_than)
                .bind(CHUNK)
                .execute(&mut w)
                .await?
                .rows_affected()
            };
            total += deleted;
            if deleted < u64::try_from(CHUNK).unwrap_or(0) {
                return Ok(total);
            }
            // Rest as long as the chunk took: a pass over a million records then takes half of
            // one core for a minute instead of all of it for half a minute, and the requests
            // sharing the cores barely notice (the soak measured a 35 % dip for 30 s without).
            tokio::time::sleep(started.elapsed().min(MAX_REST)).await;
        }
    }

    /// The first position whose record's time is at or after `at_us`, by binary search over
    /// positions (records are written in nearly the order of their times: never more than
    /// [`SKEW_US`] apart); `None` when every record is older.
    pub(crate) async fn first_seq_from(&self, at_us: i64) -> CoreResult<Option<i64>> {
        // One connection for every probe: no pool round trip between them.
        let mut conn = self.log_database().acquire().await?;
        let bounds = db::query("SELECT (SELECT MIN(seq) FROM provisioning_log), (SELECT MAX(seq) FROM provisioning_log)")
            .fetch_one(&mut conn)
            .await?;
        let (min, max): (Option<i64>, Option<i64>) = (bounds.try_get(0)?, bounds.try_get(1)?);
        let (Some(mut lo), Some(max)) = (min, max) else {
            return Ok(None);
        };
        let mut hi = max + 1;
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let probe: Option<(i64, i64)> = db::query(
                "SELECT seq, at_us FROM provisioning_log WHERE seq >= ? ORDER BY seq LIMIT 1",
            )
            .bind(mid)
            .fetch_optional(&mut conn)
            .await?
            .map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?)))
            .transpose()?;
            match probe {
                Some((_, at)) if at >= at_us => hi = mid,
                Some((seq, _)) => lo = seq + 1,
                None => hi = mid,
            }
        }
        Ok((lo <= max).then_some(lo))
    }
}
