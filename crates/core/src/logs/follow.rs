//! Records stored by other instances of a shared PostgreSQL database, for the live log: each
//! instance announces the positions it stores with `NOTIFY`, sent by the storing transaction
//! (so only committed records are announced); every instance `LISTEN`s and reads the records
//! that others stored. SQLite has one instance, and nothing to follow.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sqlx::postgres::PgListener;

use super::{LogEntry, entry_from_row};
use crate::db::{self, Db};
use crate::error::CoreResult;
use crate::store::Store;

/// Positions per notification: PostgreSQL's payloads are at most 8,000 bytes.
const SEQS_PER_NOTICE: usize = 200;

/// What a notification says.
#[derive(Debug, Serialize, Deserialize)]
struct Notice {
    /// The instance that stored them.
    instance: String,
    /// Their positions.
    seqs: Vec<i64>,
}

/// Announces stored records to the other instances, inside the storing transaction.
pub(super) async fn announce(
    tx: &mut db::Tx<'_>,
    channel: &str,
    instance: &str,
    seqs: &[i64],
) -> CoreResult<()> {
    for chunk in seqs.chunks(SEQS_PER_NOTICE) {
        let notice = Notice {
            instance: instance.to_owned(),
            seqs: chunk.to_vec(),
        };
        let payload = serde_json::to_string(&notice).unwrap_or_default();
        db::query("SELECT pg_notify(?, ?)")
            .bind(channel)
            .bind(payload)
            .fetch_one(&mut *tx)
            .await?;
    }
    Ok(())
}

/// The records other instances store, as they commit.
#[derive(Debug)]
pub struct OtherInstances {
    listener: PgListener,
    instance: Arc<str>,
}

impl OtherInstances {
    /// The positions of the next records another instance stored. After a lost connection
    /// the listener reconnects by itself (announcements sent meanwhile are missed: the log
    /// itself has them).
    pub async fn next(&mut self) -> CoreResult<Vec<i64>> {
        loop {
            let notification = self.listener.recv().await?;
            let Ok(notice) = serde_json::from_str::<Notice>(notification.payload()) else {
                continue;
            };
            if *notice.instance != *self.instance && !notice.seqs.is_empty() {
                return Ok(notice.seqs);
            }
        }
    }
}

impl Store {
    /// Follows the records other instances store; `None` with SQLite.
    pub async fn follow_other_instances(&self) -> CoreResult<Option<OtherInstances>> {
        let (Db::Postgres { pool, .. }, Some(channel)) = (self.log_database(), self.log_channel())
        else {
            return Ok(None);
        };
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen(channel).await?;
        Ok(Some(OtherInstances {
            listener,
            instance: self.instance_id().into(),
        }))
    }

    /// Records by position, in order (missing ones left out).
    pub async fn log_entries(&self, seqs: &[i64]) -> CoreResult<Vec<LogEntry>> {
        let mut entries = Vec::with_capacity(seqs.len());
        for chunk in seqs.chunks(500) {
            let mut q = db::QueryBuilder::new("SELECT * FROM provisioning_log WHERE seq IN (");
            let mut list = q.separated(", ");
            for seq in chunk {
                list.push_bind(*seq);
            }
            list.push_unseparated(") ORDER BY seq");
            for row in q.build().fetch_all(self.log_database()).await? {
                entries.push(entry_from_row(&row)?);
            }
        }
        Ok(entries)
    }
}
