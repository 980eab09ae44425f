//! An exact cache of accepted SCIM tokens, so an authenticated request costs no database round
//! trip — without ever keeping a revoked token or a disabled configuration alive.
//!
//! Entries are stamped with the *authentication epoch*: an in-process counter plus a shared one
//! that other processes see — with SQLite the identity (inode, modification time, size) of the
//! file `auth.epoch` beside the database, with PostgreSQL the row of `auth_epoch`, read on every
//! stamp so that a change made through one instance holds on every instance's next request.
//! Every write to configurations, tokens or mapping plans, from this process or another one
//! (the CLI, another instance), commits and then bumps both, so the next request sees a
//! different stamp and asks the database again. The stamp is taken *before* the database is
//! read, so a change that commits while an entry is being filled still invalidates it.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::configuration::Configuration;
use crate::db::{self, Db};
use crate::error::{CoreError, CoreResult};
use crate::token::principal::Principal;

/// The epoch a cache entry was read under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    process: u64,
    shared: Option<(u64, i128, u64)>,
}

/// Where other processes' changes show.
#[derive(Debug)]
pub(crate) enum SharedEpoch {
    /// A file beside the SQLite database, replaced on every change.
    File(PathBuf),
    /// The `auth_epoch` row of the PostgreSQL database.
    Database(Db),
}

/// A credential, as the database said under `stamp`: the configuration, who it is, the hash
/// of its secret (empty for OAuth clients, whose access tokens are signed), and the times it
/// stops working — checked against the clock on every use, so no entry outlives them.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub stamp: Stamp,
    pub configuration: Configuration,
    pub principal: Principal,
    pub hash: Vec<u8>,
    pub revoked_us: Option<i64>,
    pub expires_us: Option<i64>,
}

/// The cache and its epoch.
#[derive(Debug)]
pub(crate) struct AuthCache {
    process: AtomicU64,
    shared: SharedEpoch,
    entries: Mutex<HashMap<(String, String), Entry>>,
    /// When and from where each credential's last use was written down.
    noted: Mutex<HashMap<String, (i64, String)>>,
}

const MAX_ENTRIES: usize = 10_000;

#[cfg(unix)]
fn inode(meta: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt as _;
    meta.ino()
}

#[cfg(not(unix))]
fn inode(_: &std::fs::Metadata) -> u64 {
    0
}

impl AuthCache {
    /// A cache whose cross-process epoch is `shared`.
    pub fn new(shared: SharedEpoch) -> Self {
        Self {
            process: AtomicU64::new(0),
            shared,
            entries: Mutex::new(HashMap::new()),
            noted: Mutex::new(HashMap::new()),
        }
    }

    /// The current epoch.
    pub async fn stamp(&self) -> CoreResult<Stamp> {
        // The process's counter first: a bump racing with this read then shows in one of them.
        let process = self.process.load(Ordering::Acquire);
        let shared = match &self.shared {
            SharedEpoch::File(file) => std::fs::metadata(file).ok().map(|m| {
                let modified = m
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| i128::try_from(d.as_nanos()).unwrap_or(i128::MAX));
                (inode(&m), modified, m.len())
            }),
            SharedEpoch::Database(db) => {
                let epoch: i64 = db::query_scalar("SELECT epoch FROM auth_epoch WHERE id = 1")
                    .fetch_one(db)
                    .await?;
                Some((0, i128::from(epoch), 0))
            }
        };
        Ok(Stamp { process, shared })
    }

    /// Invalidates every entry, here and in other processes using the same database.
    /// Call after the change has committed.
    pub async fn bump(&self) -> CoreResult<()> {
        self.process.fetch_add(1, Ordering::AcqRel);
        self.lock().clear();
        let file = match &self.shared {
            SharedEpoch::File(file) => file,
            SharedEpoch::Database(db) => {
                db::query("UPDATE auth_epoch SET epoch = epoch + 1 WHERE id = 1")
                    .execute(db)
                    .await?;
                return Ok(());
            }
        };
        // A new file each time (write, then rename over): a new inode, whatever the clock says.
        let next = file.with_extension("epoch.tmp");
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let write =
            std::fs::write(&next, format!("{nanos}\n")).and_then(|()| std::fs::rename(&next, file));
        write.map_err(|source| CoreError::DataDir {
            path: file.display().to_string(),
            source: std::io::Error::new(
                source.kind(),
                format!("the change is saved, but a running server may keep accepting old credentials until it restarts: {source}"),
            ),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The entry for a slug and credential key, if it is still valid under `stamp`.
    pub fn get(&self, slug: &str, key: &str, stamp: Stamp) -> Option<Entry> {
        let entries = self.lock();
        let entry = entries.get(&(slug.to_owned(), key.to_owned()))?;
        (entry.stamp == stamp).then(|| entry.clone())
    }

    /// Remembers a credential under a key (a token id, `oauth:<client id>`).
    pub fn put(&self, slug: &str, key: &str, entry: Entry) {
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert((slug.to_owned(), key.to_owned()), entry);
    }

    /// Whether a use of `key` from `source` at `now` should be written down: the first use, a
    /// new address, or a minute after the last one written. Remembers it when so.
    pub fn should_note_use(&self, key: &str, source: &str, now: i64) -> bool {
        const EVERY_US: i64 = 60_000_000;
        let mut noted = self
            .noted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match noted.get(key) {
            Some((at, from)) if from == source && now - at < EVERY_US => false,
            _ => {
                if noted.len() >= MAX_ENTRIES {
                    noted.clear();
                }
                noted.insert(key.to_owned(), (now, source.to_owned()));
                true
            }
        }
    }
}
