//! Refused credentials announced between the instances of a shared PostgreSQL database, so
//! that an address's backoff holds on every instance behind a load balancer: each instance
//! counts refusals per source address in memory and, about once a second, sends the new
//! counts (and the addresses a valid credential cleared) with `NOTIFY`; every instance
//! `LISTEN`s and adds the others' counts to its own. Nothing is written to a table: an
//! announcement costs one statement per batch, not one per refused request. SQLite has one
//! instance, and nothing to announce.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sqlx::postgres::PgListener;

use crate::db::{self, Db};
use crate::error::CoreResult;
use crate::store::Store;

/// Sources per notification: PostgreSQL's payloads are at most 8,000 bytes, and an IPv6
/// address with its count takes under 60.
const SOURCES_PER_NOTICE: usize = 100;

/// What one instance tells the others.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackoffNotice {
    /// New refusals per source address since the last notice.
    #[serde(default)]
    pub refused: Vec<(String, u32)>,
    /// Source addresses a valid credential came from: their records are cleared.
    #[serde(default)]
    pub accepted: Vec<String>,
}

impl BackoffNotice {
    /// Whether it says nothing.
    pub fn is_empty(&self) -> bool {
        self.refused.is_empty() && self.accepted.is_empty()
    }

    /// This notice cut into payloads small enough for `NOTIFY`.
    fn chunks(&self) -> Vec<Self> {
        let mut out = Vec::new();
        for refused in self.refused.chunks(SOURCES_PER_NOTICE) {
            out.push(Self {
                refused: refused.to_vec(),
                accepted: Vec::new(),
            });
        }
        for accepted in self.accepted.chunks(SOURCES_PER_NOTICE) {
            out.push(Self {
                refused: Vec::new(),
                accepted: accepted.to_vec(),
            });
        }
        out
    }
}

/// A notice on the wire: who sent it, so an instance skips its own.
#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    instance: String,
    #[serde(flatten)]
    notice: BackoffNotice,
}

/// The notices other instances send.
#[derive(Debug)]
pub struct BackoffNotices {
    listener: PgListener,
    instance: Arc<str>,
}

impl BackoffNotices {
    /// The next notice another instance sent. After a lost connection the listener reconnects
    /// by itself (notices sent meanwhile are missed: those addresses start afresh here).
    pub async fn next(&mut self) -> CoreResult<BackoffNotice> {
        loop {
            let notification = self.listener.recv().await?;
            let Ok(envelope) = serde_json::from_str::<Envelope>(notification.payload()) else {
                continue;
            };
            if *envelope.instance != *self.instance && !envelope.notice.is_empty() {
                return Ok(envelope.notice);
            }
        }
    }
}

impl Store {
    /// Whether refusals are shared with other instances (a PostgreSQL database).
    pub fn shares_backoff(&self) -> bool {
        self.backoff_channel().is_some()
    }

    /// Tells the other instances of a shared database what `notice` says; nothing with SQLite.
    pub async fn announce_backoff(&self, notice: &BackoffNotice) -> CoreResult<()> {
        let Some(channel) = self.backoff_channel() else {
            return Ok(());
        };
        for chunk in notice.chunks() {
            let envelope = Envelope {
                instance: self.instance_id().to_owned(),
                notice: chunk,
            };
            let payload = serde_json::to_string(&envelope).unwrap_or_default();
            db::query("SELECT pg_notify(?, ?)")
                .bind(channel)
                .bind(payload)
                .fetch_one(self.pool())
                .await?;
        }
        Ok(())
    }

    /// Follows the notices other instances send; `None` with SQLite.
    pub async fn follow_backoff(&self) -> CoreResult<Option<BackoffNotices>> {
        let (Db::Postgres { pool, .. }, Some(channel)) = (self.pool(), self.backoff_channel())
        else {
            return Ok(None);
        };
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen(channel).await?;
        Ok(Some(BackoffNotices {
            listener,
            instance: self.instance_id().into(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_notices_are_cut_under_the_payload_limit() {
        let notice = BackoffNotice {
            refused: (0..250)
                .map(|i| {
                    (
                        format!("2001:db8:ffff:ffff:ffff:ffff:ffff:{i:04x}"),
                        u32::MAX,
                    )
                })
                .collect(),
            accepted: (0..150).map(|i| format!("198.51.100.{i}")).collect(),
        };
        let chunks = notice.chunks();
        assert_eq!(chunks.len(), 5);
        for chunk in &chunks {
            let payload = serde_json::to_string(&Envelope {
                instance: uuid::Uuid::new_v4().to_string(),
                notice: chunk.clone(),
            })
            .unwrap();
            assert!(payload.len() < 8000, "{}", payload.len());
        }
        let refused: usize = chunks.iter().map(|c| c.refused.len()).sum();
        let accepted: usize = chunks.iter().map(|c| c.accepted.len()).sum();
        assert_eq!((refused, accepted), (250, 150));
    }
}
