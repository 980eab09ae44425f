//! A change and its log record commit together. The server runs each SCIM request inside a
//! [`scope`] that carries what the log must know of the request. Every directory write made
//! within it gets a stamp — a random ticket, the time and those facts — that goes into the
//! database with the change, in the change's own statement: creates and updates keep it in the
//! user's or group's `log_request` column, deletes file it in the `log_outbox` table in their
//! transaction. The request's log record lists the tickets. At start-up, before serving, every
//! stamped change of the last run whose ticket no stored record lists gets a record (the process
//! stopped between the change and its record), and nothing is recorded twice. The log writer
//! deletes outbox rows once their records are stored; rows it never could are recovered in the
//! background.

use std::cell::RefCell;
use std::future::Future;

use crate::db::{self, Link};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Client, LogEntry, Operation, Outcome};
use crate::configuration::ConfigurationId;
use crate::error::{CoreError, CoreResult};
use crate::store::Store;
use crate::time::to_time;

/// What the log knows of a request before its handler runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestFacts {
    /// When it arrived (kept in a stamp as `atUs`).
    #[serde(skip)]
    pub at: DateTime<Utc>,
    /// The client.
    pub client: Client,
    /// Its User-Agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// The caller's address.
    pub source: String,
    /// The HTTP method.
    pub method: String,
    /// The path and query, redacted.
    pub path: String,
    /// What it does.
    pub operation: Operation,
    /// The body, redacted (for the request's own record; not kept in the outbox).
    #[serde(skip)]
    pub request_body: Option<String>,
    /// The credential's prefix, once the request is authenticated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

struct Pending {
    facts: RequestFacts,
    tickets: Vec<i64>,
}

tokio::task_local! {
    static PENDING: RefCell<Pending>;
}

/// Runs `request` with its facts in scope: directory writes it makes enqueue their log record
/// in their own transaction. Returns its output and the tickets of those writes.
pub async fn scope<F: Future>(facts: RequestFacts, request: F) -> (F::Output, Vec<i64>) {
    let pending = RefCell::new(Pending {
        facts,
        tickets: Vec::new(),
    });
    PENDING
        .scope(pending, async move {
            let output = request.await;
            let tickets = PENDING
                .try_with(|p| std::mem::take(&mut p.borrow_mut().tickets))
                .unwrap_or_default();
            (output, tickets)
        })
        .await
}

/// Tells the request in scope (if any) which credential it was authenticated with.
pub fn note_credential(prefix: &str) {
    let _ = PENDING.try_with(|p| p.borrow_mut().facts.credential = Some(prefix.to_owned()));
}

/// What a directory row written for a request carries to its outbox row: a ticket of its
/// own, the request's time and facts.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stamp {
    ticket: i64,
    at_us: i64,
    request: RequestFacts,
}

/// A new stamp for a write of the request in scope (`None` outside one: the command line's
/// imports are not SCIM requests), its ticket noted for the request's record. Users and
/// groups keep it in their `log_request` column, written by the change's own statement.
pub(crate) fn stamp() -> Option<String> {
    stamp_parts().map(|(_, _, text)| text)
}

/// The stamp with its ticket and time apart: (ticket, at µs, the stamp's JSON).
fn stamp_parts() -> Option<(i64, i64, String)> {
    PENDING
        .try_with(|p| {
            let mut p = p.borrow_mut();
            // Positive and random: tickets of concurrent requests never collide in practice
            // (2^63 values), and need no round trip to be allocated.
            let ticket =
                i64::from(rand::random::<u32>()) << 31 | i64::from(rand::random::<u32>() >> 1);
            p.tickets.push(ticket);
            let at_us = p.facts.at.timestamp_micros();
            serde_json::to_string(&Stamp {
                ticket,
                at_us,
                request: p.facts.clone(),
            })
            .ok()
            .map(|text| (ticket, at_us, text))
        })
        .ok()
        .flatten()
}

/// The resource a directory write changed.
pub(crate) struct Changed<'a> {
    pub configuration: ConfigurationId,
    pub resource_type: &'static str,
    pub id: &'a str,
    pub name: Option<&'a str>,
}

/// How old a change must be before an instance sharing a PostgreSQL database takes its missing
/// record for lost.
pub const SHARED_GRACE_US: i64 = 5 * 60 * 1_000_000;

/// The advisory lock that lets one instance at a time recover records (PostgreSQL).
const RECOVERY_LOCK: i64 = 0x5343_494d_4c4f_4752; // "SCIMLOGR"

/// Files the outbox row of a delete made for the request in scope (nothing outside one) on
/// `conn`, inside the delete's transaction: a deleted row cannot carry its stamp.
pub(crate) async fn enqueue(conn: &mut impl Link, changed: Changed<'_>) -> CoreResult<()> {
    let Some((ticket, at_us, stamp)) = stamp_parts() else {
        return Ok(());
    };
    db::query(
        "INSERT INTO log_outbox (ticket, at_us, configuration_id, resource_type, resource_id, resource_name, request)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(ticket)
    .bind(at_us)
    .bind(changed.configuration.to_string())
    .bind(changed.resource_type)
    .bind(changed.id)
    .bind(changed.name)
    .bind(stamp)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// What a recovered record says.
pub const RECOVERED: &str = "recovered: the change committed but the server stopped (or its log queue was full) before this record was written";

/// How long before the newest stored record a change may have been made whose record was not
/// stored (records are stored seconds after their request ends; a request takes at most its
/// timeout).
const UNLOGGED_WINDOW_US: i64 = 60_000_000;

/// The HTTP status a recovered change was answered with.
fn status_of(operation: Operation) -> u16 {
    match operation {
        Operation::Create => 201,
        Operation::Delete => 204,
        _ => 200,
    }
}

impl Store {
    /// Deletes the outbox rows of stored records of deletes (on the main database's writer). The
    /// log writer calls it about once a second for everything it stored meanwhile.
    pub async fn release_log_outbox(&self, tickets: &[i64]) -> CoreResult<()> {
        if tickets.is_empty() {
            return Ok(());
        }
        let mut w = self.writer().await?;
        for chunk in tickets.chunks(500) {
            let mut q = db::QueryBuilder::new("DELETE FROM log_outbox WHERE ticket IN (");
            let mut list = q.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            q.push(")");
            q.build().execute(&mut w).await?;
        }
        Ok(())
    }

    /// At start-up, before serving: every change of the last run whose record was not stored
    /// gets one. Returns how many records were written.
    ///
    /// With PostgreSQL other instances may be serving, and each vouches only for its own
    /// changes (its row in `instances`, see [`Store::mark_logged_until`]). The changes looked at
    /// start at the oldest checkpoint of an instance still listed — a live one, or one that
    /// stopped without retiring (it crashed) — and only those older than [`SHARED_GRACE_US`]
    /// count as lost (a live instance stores its records within seconds). One instance recovers
    /// at a time (an advisory lock); servers also run this every few minutes, so the changes of
    /// an instance that crashed get their records from the others, after which it is forgotten.
    pub async fn recover_log_records(&self) -> CoreResult<usize> {
        if self.dialect() == db::Dialect::Sqlite {
            let from = self.sqlite_recovery_start().await?;
            return Ok(
                self.recover_stamped_rows(from, 0).await? + self.recover_log_outbox(0).await?
            );
        }
        let mut conn = self.pool().acquire().await?;
        let locked: bool = db::query_scalar("SELECT pg_try_advisory_lock(?)")
            .bind(RECOVERY_LOCK)
            .fetch_one(&mut conn)
            .await?;
        if !locked {
            return Ok(0);
        }
        let recovered = self.recover_shared().await;
        let _ = db::query("SELECT pg_advisory_unlock(?)")
            .bind(RECOVERY_LOCK)
            .fetch_one(&mut conn)
            .await;
        recovered
    }

    /// PostgreSQL's recovery, under the advisory lock.
    async fn recover_shared(&self) -> CoreResult<usize> {
        let now = self.now_us();
        let from: Option<i64> =
            db::query_scalar("SELECT MIN(COALESCE(logged_until_us, started_us)) FROM instances")
                .fetch_one(self.pool())
                .await?;
        let stamped = match from {
            Some(from) if from <= now - SHARED_GRACE_US => {
                self.recover_stamped_rows(from, SHARED_GRACE_US).await?
            }
            // Every listed instance vouches for its changes up to the grace (or none is
            // listed: each retired once its records were stored).
            _ => 0,
        };
        let outbox = self.recover_log_outbox(SHARED_GRACE_US).await?;
        // An instance unseen since before the window just covered has nothing left to recover.
        db::query("DELETE FROM instances WHERE seen_us < ?")
            .bind(now - SHARED_GRACE_US - UNLOGGED_WINDOW_US)
            .execute(self.pool())
            .await?;
        Ok(stamped + outbox)
    }

    /// Where SQLite's recovery starts: shortly before the newest stored record, or at the
    /// checkpoint if that is later.
    async fn sqlite_recovery_start(&self) -> CoreResult<i64> {
        let newest: Option<i64> =
            db::query_scalar("SELECT at_us FROM provisioning_log ORDER BY seq DESC LIMIT 1")
                .fetch_optional(self.log_database())
                .await?;
        let checkpoint: Option<i64> =
            db::query_scalar("SELECT logged_until_us FROM log_checkpoint WHERE id = 1")
                .fetch_optional(self.pool())
                .await?;
        Ok(newest
            .map_or(i64::MIN, |t| t - UNLOGGED_WINDOW_US)
            .max(checkpoint.unwrap_or(i64::MIN)))
    }

    /// Users and groups changed from `from` on, at least `min_age_us` ago, whose stamp's ticket
    /// no record lists get a record. After a crash under load that can be a few hundred
    /// thousand rows: they are read in slices of [`STAMPED_ROWS`], twice — first for their
    /// tickets alone, then (after one pass over the log) to record those without a record — so
    /// memory holds tickets, never every row.
    async fn recover_stamped_rows(&self, from: i64, min_age_us: i64) -> CoreResult<usize> {
        let until = self.now_us().saturating_sub(min_age_us);
        let mut wanted = std::collections::HashSet::new();
        let mut oldest: Option<i64> = None;
        for table in [Stamped::Users, Stamped::Groups] {
            let mut after = (String::new(), String::new());
            loop {
                let rows = self.stamped_slice(table, from, until, &after).await?;
                for entry in rows.iter().filter_map(|row| recovered_entry(row).ok()) {
                    wanted.extend(entry.outbox.iter().copied());
                    let at = entry.at.timestamp_micros();
                    oldest = Some(oldest.map_or(at, |o| o.min(at)));
                }
                let Some(key) = next_key(&rows)? else { break };
                after = key;
            }
        }
        let logged = match oldest {
            Some(oldest) => self.logged_among(&wanted, oldest).await?,
            None => std::collections::HashSet::new(),
        };
        let mut count = 0;
        for table in [Stamped::Users, Stamped::Groups] {
            let mut after = (String::new(), String::new());
            loop {
                let rows = self.stamped_slice(table, from, until, &after).await?;
                let mut entries = Vec::new();
                for row in &rows {
                    match recovered_entry(row) {
                        // (A row changed since the first reading has a stamp not asked about,
                        // and a record of its own to come.)
                        Ok(entry)
                            if entry.outbox.iter().all(|t| wanted.contains(t))
                                && !entry.outbox.iter().any(|t| logged.contains(t)) =>
                        {
                            entries.push(entry);
                        }
                        Ok(_) => {}
                        // One unreadable stamp must not keep the server from starting.
                        Err(error) => {
                            tracing::warn!(%error, "a change's log stamp is unreadable; no record recovered for it");
                        }
                    }
                }
                count += entries.len();
                self.record_logs(&mut entries).await?;
                let Some(key) = next_key(&rows)? else { break };
                after = key;
            }
        }
        if count > 0 {
            tracing::warn!(
                records = count,
                "provisioning log records recovered for changes the last run did not log"
            );
        }
        Ok(count)
    }

    /// Up to [`STAMPED_ROWS`] users or groups stamped and changed within `from..=until`, after
    /// the key `after` (configuration, id) in key order.
    async fn stamped_slice(
        &self,
        table: Stamped,
        from: i64,
        until: i64,
        after: &(String, String),
    ) -> CoreResult<Vec<db::Row>> {
        let (kind, table, name) = match table {
            Stamped::Users => ("User", "users", "user_name"),
            Stamped::Groups => ("Group", "groups", "display_name"),
        };
        let sql = format!(
            "SELECT '{kind}' AS resource_type, configuration_id, id AS resource_id, {name} AS resource_name, log_request AS request
             FROM {table} WHERE modified_us >= ? AND modified_us <= ? AND log_request IS NOT NULL AND (configuration_id, id) > (?, ?)
             ORDER BY configuration_id, id LIMIT {STAMPED_ROWS}"
        );
        Ok(db::query(sql)
            .bind(from)
            .bind(until)
            .bind(after.0.as_str())
            .bind(after.1.as_str())
            .fetch_all(self.pool())
            .await?)
    }

    /// Writes down that every change made before `until_us` has its record stored (the server
    /// does every minute for a minute back, and with SQLite at a graceful shutdown). With
    /// PostgreSQL it vouches for this instance's changes only: its row in `instances`.
    pub async fn mark_logged_until(&self, until_us: i64) -> CoreResult<()> {
        let mut w = self.writer().await?;
        if self.dialect() == db::Dialect::Postgres {
            let now = self.now_us();
            db::query(
                "INSERT INTO instances (id, started_us, seen_us, logged_until_us) VALUES (?, ?, ?, ?)
                 ON CONFLICT (id) DO UPDATE SET logged_until_us = GREATEST(instances.logged_until_us, excluded.logged_until_us)",
            )
            .bind(self.instance_id())
            .bind(now)
            .bind(now)
            .bind(until_us)
            .execute(&mut w)
            .await?;
            return Ok(());
        }
        db::query(
            "INSERT INTO log_checkpoint (id, logged_until_us) VALUES (1, ?)
             ON CONFLICT (id) DO UPDATE SET logged_until_us = CASE
                 WHEN log_checkpoint.logged_until_us > excluded.logged_until_us THEN log_checkpoint.logged_until_us
                 ELSE excluded.logged_until_us END",
        )
        .bind(until_us)
        .execute(&mut w)
        .await?;
        Ok(())
    }

    /// At a graceful shutdown, once every record of this run is stored: nothing of it needs
    /// recovery. With SQLite the checkpoint moves to now; with PostgreSQL this instance leaves
    /// `instances` (it no longer holds back where recovery starts, nor counts as serving).
    pub async fn mark_all_logged(&self) -> CoreResult<()> {
        if self.dialect() == db::Dialect::Sqlite {
            return self.mark_logged_until(self.now_us()).await;
        }
        db::query("DELETE FROM instances WHERE id = ?")
            .bind(self.instance_id())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Turns outbox rows (of deletes) at least `min_age_us` old into log records (those whose
    /// record was stored are only deleted). Returns how many records were written. The server
    /// runs it before serving (every row is a leftover then) and in the background.
    pub async fn recover_log_outbox(&self, min_age_us: i64) -> CoreResult<usize> {
        let rows = db::query(
            "SELECT ticket, at_us, configuration_id, resource_type, resource_id, resource_name, request
             FROM log_outbox WHERE at_us <= ? ORDER BY at_us LIMIT 10000",
        )
        .bind(self.now_us() - min_age_us)
        .fetch_all(self.pool())
        .await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let parsed: Vec<_> = rows.iter().map(|row| (row, recovered_entry(row))).collect();
        let readable = || parsed.iter().filter_map(|(_, entry)| entry.as_ref().ok());
        let wanted = readable().flat_map(|e| e.outbox.iter().copied()).collect();
        let logged = match readable().map(|e| e.at.timestamp_micros()).min() {
            Some(oldest) => self.logged_among(&wanted, oldest).await?,
            None => std::collections::HashSet::new(),
        };
        let mut done = Vec::new();
        let mut entries = Vec::new();
        for (row, entry) in parsed {
            match entry {
                Ok(entry) if entry.outbox.iter().any(|t| logged.contains(t)) => {
                    done.extend(entry.outbox);
                }
                Ok(entry) => entries.push(entry),
                Err(error) => {
                    tracing::warn!(%error, "an outbox row is unreadable; it is dropped without a record");
                    done.push(row.try_get("ticket")?);
                }
            }
        }
        let count = entries.len();
        self.record_logs(&mut entries).await?;
        done.extend(entries.iter().flat_map(|e| e.outbox.iter().copied()));
        self.release_log_outbox(&done).await?;
        if count > 0 {
            tracing::warn!(
                records = count,
                "provisioning log records recovered from the outbox"
            );
        }
        Ok(count)
    }

    /// Which of the `wanted` tickets a stored record lists; no change among them is older than
    /// `from_us`. A change's record carries the time its request arrived, as its stamp does,
    /// so only records from `from_us` on can list one; they are read in slices of
    /// [`TICKET_SCAN_ROWS`] positions, keeping only the tickets asked about — memory stays that
    /// of `wanted` however many records the window holds (holding every ticket of the window
    /// would take 450 MiB at a restart after half an hour of a busy log).
    async fn logged_among(
        &self,
        wanted: &std::collections::HashSet<i64>,
        from_us: i64,
    ) -> CoreResult<std::collections::HashSet<i64>> {
        let mut found = std::collections::HashSet::new();
        if wanted.is_empty() {
            return Ok(found);
        }
        // Records are stored in nearly the order their requests arrived: never more than
        // SKEW_US apart.
        let Some(mut next) = self
            .first_seq_from(from_us.saturating_sub(super::retention::SKEW_US))
            .await?
        else {
            return Ok(found);
        };
        let last: Option<i64> = db::query_scalar("SELECT MAX(seq) FROM provisioning_log")
            .fetch_one(self.log_database())
            .await?;
        let last = last.unwrap_or(next);
        while next <= last && found.len() < wanted.len() {
            let end = next.saturating_add(TICKET_SCAN_ROWS);
            let lists: Vec<String> = db::query_scalar(
                "SELECT outbox FROM provisioning_log WHERE seq >= ? AND seq < ? AND at_us >= ? AND outbox IS NOT NULL",
            )
            .bind(next)
            .bind(end)
            .bind(from_us)
            .fetch_all(self.log_database())
            .await?;
            found.extend(
                lists
                    .iter()
                    .flat_map(|l| l.split(','))
                    .filter_map(|t| t.parse().ok())
                    .filter(|t| wanted.contains(t)),
            );
            next = end;
        }
        Ok(found)
    }
}

/// The tables whose rows carry their last change's stamp.
#[derive(Clone, Copy)]
enum Stamped {
    Users,
    Groups,
}

/// The key after a full slice of [`Store::stamped_slice`] (`None`: it was the last).
fn next_key(rows: &[db::Row]) -> CoreResult<Option<(String, String)>> {
    if rows.len() < STAMPED_ROWS {
        return Ok(None);
    }
    let Some(last) = rows.last() else {
        return Ok(None);
    };
    Ok(Some((
        last.try_get("configuration_id")?,
        last.try_get("resource_id")?,
    )))
}

/// Users or groups read per slice by recovery (the statements' `LIMIT`).
const STAMPED_ROWS: usize = 5_000;

/// Positions of the provisioning log read per query when looking for the records of changes.
const TICKET_SCAN_ROWS: i64 = 10_000;

/// The record of a stamped change (a directory row or an outbox row).
fn recovered_entry(row: &db::Row) -> CoreResult<LogEntry> {
    let text: String = row.try_get("request")?;
    let stamp = serde_json::from_str::<Stamp>(&text)
        .map_err(|e| CoreError::Corrupt(format!("a change's log stamp: {e}")))?;
    let facts = stamp.request;
    let configuration: String = row.try_get("configuration_id")?;
    Ok(LogEntry {
        seq: 0,
        at: to_time(stamp.at_us)?,
        configuration_id: ConfigurationId::parse(&configuration)
            .ok_or_else(|| CoreError::Corrupt(configuration.clone()))?,
        client: facts.client,
        user_agent: facts.user_agent,
        source: facts.source,
        credential: facts.credential,
        method: facts.method,
        path: facts.path,
        operation: facts.operation,
        resource_type: Some(row.try_get("resource_type")?),
        resource_id: Some(row.try_get("resource_id")?),
        resource_name: row.try_get("resource_name")?,
        resource_keys: None,
        status: status_of(facts.operation),
        outcome: Outcome::Success,
        scim_type: None,
        refusal: None,
        detail: Some(RECOVERED.to_owned()),
        attributes: Vec::new(),
        switches: Vec::new(),
        duration_us: 0,
        changes: None,
        request_body: None,
        response_body: None,
        outbox: vec![stamp.ticket],
        direction: super::Direction::Inbound,
    })
}
