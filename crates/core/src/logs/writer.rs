//! The provisioning log's writer: records queued by whoever made them (the SCIM endpoint's
//! middleware, the outbound client, pilot runs) are stored in batches by one background task,
//! so recording costs a request a channel send; stored records are announced to live
//! followers, with those other instances of a shared PostgreSQL database store.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{broadcast, mpsc};

use super::refusals::{RefusalCounters, Refused};
use super::{LogEntry, Operation};
use crate::Store;

/// Where records go: a bounded queue drained by the background writer, which then announces
/// each stored record (with its position) to live followers.
#[derive(Debug, Clone)]
pub struct LogSink {
    tx: mpsc::Sender<LogEntry>,
    live: broadcast::Sender<Arc<LogEntry>>,
    /// See [`LogSink::unstored_since`].
    unstored: Arc<AtomicI64>,
    /// Refused requests, counted rather than queued.
    refusals: Arc<RefusalCounters>,
}

const QUEUE: usize = 8_192;
const BATCH: usize = 512;
/// Stored records a slow follower may fall behind before it reads the rest from the database.
const LIVE: usize = 4_096;

/// How often counted refusals are added to the store.
const REFUSALS_EVERY: Duration = Duration::from_secs(1);

/// How often the outbox rows of stored records are deleted (one statement for all of them
/// rather than one per batch, which would compete with the directory's writes).
const RELEASE_EVERY: Duration = Duration::from_secs(1);

/// Outbox tickets of stored records, waiting to be released.
#[derive(Default)]
struct Release {
    tickets: Vec<i64>,
    since: Option<Instant>,
}

impl Release {
    fn add(&mut self, stored: &[LogEntry]) {
        let before = self.tickets.len();
        // Only deletes file outbox rows; creates and updates keep their stamp in their row.
        self.tickets.extend(
            stored
                .iter()
                .filter(|e| e.operation == Operation::Delete)
                .flat_map(|e| e.outbox.iter().copied()),
        );
        if before == 0 && !self.tickets.is_empty() {
            self.since = Some(Instant::now());
        }
    }

    fn due(&self) -> bool {
        self.tickets.len() >= 8_192 || self.since.is_some_and(|t| t.elapsed() >= RELEASE_EVERY)
    }

    /// Releases them. A failure only leaves rows that the next recovery finds logged.
    async fn now(&mut self, store: &Store) {
        if self.tickets.is_empty() {
            return;
        }
        if let Err(error) = store.release_log_outbox(&self.tickets).await {
            tracing::warn!(%error, "could not release provisioning log outbox rows");
        }
        self.tickets.clear();
        self.since = None;
    }
}

/// Records kept for another try after their batch could not be stored (the database was
/// unavailable); beyond this many, newer failures are dropped and left to the next start's
/// recovery.
const FAILED_MAX: usize = 65_536;
/// The first wait before storing failed records again; it doubles up to [`RETRY_MAX`].
const RETRY_FIRST: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(30);

/// The background writer's state.
struct Writer {
    store: Store,
    announce: broadcast::Sender<Arc<LogEntry>>,
    release: Release,
    /// Records whose batch failed, oldest first, waiting for another try.
    failed: Vec<LogEntry>,
    /// When to try them again, and the wait after that.
    retry: Option<(Instant, Duration)>,
    /// Refused requests counted since the last flush, and when that was.
    refusals: Arc<RefusalCounters>,
    refusals_flushed: Instant,
    /// Whether records were dropped since the last start (the checkpoint stays where they were).
    dropped: bool,
    /// The time of the oldest record not stored (`i64::MAX`: none); see
    /// [`LogSink::unstored_since`].
    unstored: Arc<AtomicI64>,
}

impl Writer {
    /// Adds the counted refusals to the store when a second has passed since the last time
    /// (or at once when `now`); on failure they wait for the next.
    async fn flush_refusals(&mut self, now: bool) {
        if !now && self.refusals_flushed.elapsed() < REFUSALS_EVERY {
            return;
        }
        self.refusals_flushed = Instant::now();
        if let Err(error) = self.refusals.flush(&self.store).await {
            tracing::warn!(%error, "could not store the counts of refused requests; trying again");
        }
    }

    /// Stores a batch; a batch that fails is kept for another try (its changes are committed).
    async fn store_batch(&mut self, batch: &mut Vec<LogEntry>) {
        match self.store.record_logs(batch).await {
            Ok(()) => self.stored(batch),
            Err(error) => {
                tracing::error!(%error, records = batch.len(), "could not write provisioning log records; trying again");
                if let Some(oldest) = batch.iter().map(|e| e.at.timestamp_micros()).min() {
                    self.unstored.fetch_min(oldest, Ordering::SeqCst);
                }
                let room = FAILED_MAX.saturating_sub(self.failed.len());
                if batch.len() > room {
                    tracing::error!(
                        records = batch.len() - room,
                        "provisioning log records dropped after failing to be stored; the next start recovers those of changes"
                    );
                    self.dropped = true;
                    batch.truncate(room);
                }
                self.failed.append(batch);
                if self.retry.is_none() {
                    self.retry = Some((Instant::now() + RETRY_FIRST, RETRY_FIRST));
                }
            }
        }
        batch.clear();
    }

    /// Tries the failed records again when due.
    async fn retry_due(&mut self) {
        let Some((at, wait)) = self.retry else { return };
        if Instant::now() < at {
            return;
        }
        let mut failed = std::mem::take(&mut self.failed);
        let mut done = 0;
        while done < failed.len() {
            let end = (done + BATCH).min(failed.len());
            if let Err(error) = self.store.record_logs(&mut failed[done..end]).await {
                tracing::warn!(%error, records = failed.len() - done, "provisioning log records still cannot be stored");
                self.retry = Some((Instant::now() + wait, (wait * 2).min(RETRY_MAX)));
                // Keep the rest, in order; the chunks before were stored.
                self.failed = failed.split_off(done);
                self.stored(&mut failed);
                return;
            }
            done = end;
        }
        tracing::info!(
            records = failed.len(),
            "provisioning log records stored after failing before"
        );
        self.stored(&mut failed);
        self.retry = None;
        if !self.dropped {
            self.unstored.store(i64::MAX, Ordering::SeqCst);
        }
    }

    /// Releases the outbox rows of stored records and announces them to live followers.
    fn stored(&mut self, stored: &mut Vec<LogEntry>) {
        self.release.add(stored);
        if self.announce.receiver_count() > 0 {
            for entry in stored.drain(..) {
                let _ = self.announce.send(Arc::new(entry));
            }
        }
        stored.clear();
    }
}

impl LogSink {
    /// A sink and its writer task, which ends (after writing what is queued) when every sink
    /// is dropped. The task's result says whether every record it was given is stored.
    pub fn start(store: Store) -> (Self, tokio::task::JoinHandle<bool>) {
        let (tx, mut rx) = mpsc::channel::<LogEntry>(QUEUE);
        let (live, _) = broadcast::channel(LIVE);
        let unstored = Arc::new(AtomicI64::new(i64::MAX));
        let refusals = Arc::new(RefusalCounters::default());
        let follower = tokio::spawn(follow_other_instances(store.clone(), live.clone()));
        let mut writer = Writer {
            store,
            announce: live.clone(),
            release: Release::default(),
            failed: Vec::new(),
            retry: None,
            dropped: false,
            unstored: Arc::clone(&unstored),
            refusals: Arc::clone(&refusals),
            refusals_flushed: Instant::now(),
        };
        let task = tokio::spawn(async move {
            let mut batch = Vec::with_capacity(BATCH);
            loop {
                // With tickets to release or records to retry, wait at most until they are due.
                let wake = [
                    writer.release.since.map(|t| t + RELEASE_EVERY),
                    writer.retry.map(|(at, _)| at),
                    (!writer.refusals.is_empty()).then(|| writer.refusals_flushed + REFUSALS_EVERY),
                ]
                .into_iter()
                .flatten()
                .min();
                let first = match wake {
                    None => tokio::select! {
                        first = rx.recv() => first,
                        () = writer.refusals.counted() => continue,
                    },
                    Some(at) => {
                        let Ok(first) = tokio::time::timeout_at(at.into(), rx.recv()).await else {
                            writer.flush_refusals(false).await;
                            writer.retry_due().await;
                            if writer.release.due() {
                                writer.release.now(&writer.store).await;
                            }
                            continue;
                        };
                        first
                    }
                };
                let Some(first) = first else { break };
                batch.push(first);
                // Whatever else arrived meanwhile goes in the same transaction.
                while batch.len() < BATCH {
                    match rx.try_recv() {
                        Ok(entry) => batch.push(entry),
                        Err(_) => break,
                    }
                }
                writer.store_batch(&mut batch).await;
                writer.flush_refusals(false).await;
                writer.retry_due().await;
                if writer.release.due() {
                    writer.release.now(&writer.store).await;
                }
                if rx.len() < BATCH {
                    // Let a few more arrive so the next transaction carries more than one.
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
            // The last try for records that failed before.
            if !writer.failed.is_empty() {
                writer.retry = Some((Instant::now(), RETRY_FIRST));
                writer.retry_due().await;
            }
            writer.flush_refusals(true).await;
            writer.release.now(&writer.store).await;
            follower.abort();
            writer.failed.is_empty() && !writer.dropped
        });
        (
            Self {
                tx,
                live,
                unstored,
                refusals,
            },
            task,
        )
    }

    /// The time (µs since the epoch) of the oldest record that could not be stored and is not
    /// stored yet, if any: the provisioning log's checkpoint must not pass it, so that a
    /// restart recovers those changes' records if this process cannot store them.
    pub fn unstored_since(&self) -> Option<i64> {
        let at = self.unstored.load(Ordering::SeqCst);
        (at != i64::MAX).then_some(at)
    }

    /// Stored records from now on, in order.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<LogEntry>> {
        self.live.subscribe()
    }

    /// Counts a refused request (no record, no queue slot): the writer adds the counts to the
    /// store about once a second ([`super::refusals`]).
    pub fn refused(&self, refused: Refused) {
        self.refusals.count(refused);
    }

    /// Queues a record. When the queue is full the request waits for room: a record is never
    /// dropped (its change may already be committed).
    pub async fn send(&self, entry: LogEntry) {
        match self.tx.try_send(entry) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(entry)) => {
                tracing::debug!("the provisioning log queue is full: the request waits for room");
                let _ = self.tx.send(entry).await;
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                tracing::error!("the provisioning log writer has stopped: a record was lost");
            }
        }
    }
}

/// Passes the records other instances of a shared PostgreSQL database store to this one's
/// live followers (nothing to do with SQLite). Runs until aborted; reconnects after failures.
async fn follow_other_instances(store: Store, live: broadcast::Sender<Arc<LogEntry>>) {
    loop {
        let mut follower = match store.follow_other_instances().await {
            Ok(Some(follower)) => follower,
            Ok(None) => return,
            Err(error) => {
                tracing::warn!(%error, "cannot follow the other instances' log records yet");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        loop {
            let seqs = match follower.next().await {
                Ok(seqs) => seqs,
                Err(error) => {
                    tracing::warn!(%error, "lost the other instances' log announcements");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    break;
                }
            };
            if live.receiver_count() == 0 {
                continue;
            }
            match store.log_entries(&seqs).await {
                Ok(entries) => {
                    for entry in entries {
                        let _ = live.send(Arc::new(entry));
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "could not read another instance's log records");
                }
            }
        }
    }
}

/// `User` or `Group`, from a request path.
pub fn resource_type(path: &str) -> Option<String> {
    if path.contains("/Users") {
        Some("User".into())
    } else if path.contains("/Groups") {
        Some("Group".into())
    } else {
        None
    }
}

/// The id in `/Users/{id}` or `/Groups/{id}`.
pub fn path_id(path: &str) -> Option<String> {
    let path = path.split('?').next().unwrap_or_default();
    let mut parts = path.trim_end_matches('/').rsplit('/');
    let id = parts.next()?;
    let kind = parts.next()?;
    (matches!(kind, "Users" | "Groups") && id != ".search").then(|| id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_types_come_from_the_path() {
        assert_eq!(path_id("/scim/a/v2/Users/abc"), Some("abc".into()));
        assert_eq!(
            path_id("/scim/a/v2/Users/abc?attributes=x"),
            Some("abc".into())
        );
        assert_eq!(path_id("/scim/a/v2/Users"), None);
        assert_eq!(path_id("/scim/a/v2/Users/.search"), None);
        assert_eq!(resource_type("/scim/a/v2/Groups/1"), Some("Group".into()));
        assert_eq!(resource_type("/Users?filter=x").as_deref(), Some("User"));
    }
}
