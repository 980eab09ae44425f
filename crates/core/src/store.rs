//! The store: one SQLite database in the data directory, opened in WAL mode with foreign keys
//! on and the schema migrated at start. Writes are serialised in-process (SQLite has a single
//! writer; queueing here avoids busy retries), reads run in parallel.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{ConnectOptions, SqlitePool};
use tokio::sync::{Mutex, MutexGuard};

use crate::auth_cache::AuthCache;
use crate::directory::cursor::CursorKey;
use crate::error::{CoreError, CoreResult};
use crate::mapping::versions::PlanCache;
use crate::oauth::SigningKey;
use crate::secrets::{MasterKey, SealingKey};
use crate::time::{Clock, SystemClock};

/// The environment variable that overrides the data directory.
pub const DATA_DIR_ENV: &str = "SCIM_CONSOLE_DATA_DIR";

/// The database file's name inside the data directory.
pub const DATABASE_FILE: &str = "scim-console.db";

/// The console's persistent state.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
    writer: Arc<Mutex<SqliteConnection>>,
    path: PathBuf,
    auth: Arc<AuthCache>,
    clock: Arc<dyn Clock>,
    signing_key: Option<Arc<SigningKey>>,
    sealing_key: Option<Arc<SealingKey>>,
    cursor_key: Arc<CursorKey>,
    plans: Arc<PlanCache>,
    logs: LogDatabase,
    keychain: bool,
}

/// The provisioning log's own database: a pool for searches and one writer connection.
#[derive(Debug, Clone)]
pub(crate) struct LogDatabase {
    pub(crate) pool: SqlitePool,
    pub(crate) writer: Arc<Mutex<SqliteConnection>>,
}

/// The provisioning log's database file, beside the main one.
pub const LOG_DATABASE_FILE: &str = "scim-console-logs.db";

/// Whether opening failed because a database file is not a database or is corrupt
/// (SQLITE_NOTADB, SQLITE_CORRUPT).
fn damaged(error: &CoreError) -> bool {
    let code = |e: &sqlx::Error| match e {
        sqlx::Error::Database(db) => db
            .code()
            .and_then(|c| c.parse::<i64>().ok())
            .map(|c| c & 0xff),
        _ => None,
    };
    let sqlx_error = match error {
        CoreError::Database(e) | CoreError::Migration(sqlx::migrate::MigrateError::Execute(e)) => {
            Some(e)
        }
        _ => None,
    };
    sqlx_error
        .and_then(code)
        .is_some_and(|c| c == 11 || c == 26)
}

/// Runs `PRAGMA optimize=0x10002` on one of the pool's connections: every table is checked
/// (0x10000), and those never analysed or whose size changed a lot are analysed (0x2) — in
/// full: without the 0x10 flag SQLite sets no temporary `analysis_limit`, whose sampled
/// statistics guessed 1,001 users per configuration where one configuration held 50,000.
async fn optimize(pool: &sqlx::SqlitePool) -> CoreResult<()> {
    sqlx::query("PRAGMA optimize=0x10002").execute(pool).await?;
    Ok(())
}

impl Store {
    /// The data directory: `explicit` if given, else `$SCIM_CONSOLE_DATA_DIR`, else the OS data
    /// directory (e.g. `~/.local/share/scim-console` on Linux).
    pub fn resolve_data_dir(explicit: Option<&Path>) -> CoreResult<PathBuf> {
        if let Some(dir) = explicit {
            return Ok(dir.to_path_buf());
        }
        if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
            return Ok(PathBuf::from(dir));
        }
        directories::ProjectDirs::from("", "", "scim-console")
            .map(|dirs| dirs.data_dir().to_path_buf())
            .ok_or_else(|| CoreError::DataDir {
                path: "(none)".into(),
                source: std::io::Error::other(format!(
                    "no home directory; pass --data-dir or set {DATA_DIR_ENV}"
                )),
            })
    }

    /// Opens (creating if needed) the database in `data_dir` and migrates it.
    pub async fn open(data_dir: &Path) -> CoreResult<Self> {
        std::fs::create_dir_all(data_dir).map_err(|source| CoreError::DataDir {
            path: data_dir.display().to_string(),
            source,
        })?;
        // SQLite would only say "unable to open database file"; a write here says why.
        let probe = data_dir.join(format!(".write-check-{}", std::process::id()));
        match std::fs::File::create(&probe) {
            Ok(_) => {
                let _ = std::fs::remove_file(&probe);
            }
            Err(source) => {
                return Err(CoreError::DataDir {
                    path: data_dir.display().to_string(),
                    source,
                });
            }
        }
        Self::open_file(&data_dir.join(DATABASE_FILE)).await
    }

    /// Opens (creating if needed) the database file at `path` and migrates it.
    pub async fn open_file(path: &Path) -> CoreResult<Self> {
        Self::open_file_checked(path).await.map_err(|e| {
            if damaged(&e) {
                CoreError::Corrupt(format!(
                    "the database {} (or the provisioning log beside it) is damaged: {e}. Restore the latest backup with `scim-console restore --from FILE --replace` (the damaged files are kept aside), or move the data directory's *.db files away to start with an empty console",
                    path.display()
                ))
            } else {
                e
            }
        })
    }

    async fn open_file_checked(path: &Path) -> CoreResult<Self> {
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Sorting scratch space in memory. (A larger page cache was measured: +16 % filter
            // throughput for +120 MiB RSS with 8 connections — not worth it; see
            // docs/performance.md.)
            .pragma("temp_store", "memory")
            // Room for a whole page of rows (up to the largest `count` a client may ask for):
            // with sqlx's default of 50 the connection's thread stalls mid-page and is woken
            // again for every few rows.
            .row_buffer_size(1024);
        // No `analysis_limit`: see `optimize`. A full ANALYZE of 50,000 users and 25,000
        // memberships takes under 0.1 s here.
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            // A local file cannot hang up: skip the ping (a round trip to the connection's
            // thread) that sqlx otherwise sends before every use of a pooled connection.
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        // Statistics before the other connections open, so that they plan with them.
        optimize(&pool).await?;
        // Every write goes through one dedicated connection: SQLite has one writer anyway, and a
        // connection that makes every change keeps its page cache warm.
        let writer = options.connect().await?;
        let log_options = options
            .clone()
            .filename(path.with_file_name(LOG_DATABASE_FILE));
        let log_pool = SqlitePoolOptions::new()
            .max_connections(4)
            .min_connections(1)
            .test_before_acquire(false)
            .connect_with(log_options.clone())
            .await?;
        sqlx::migrate!("./migrations_logs").run(&log_pool).await?;
        let logs = LogDatabase {
            pool: log_pool,
            writer: Arc::new(Mutex::new(log_options.connect().await?)),
        };
        let auth = Arc::new(AuthCache::new(path.with_extension("auth-epoch")));
        Ok(Self {
            pool,
            writer: Arc::new(Mutex::new(writer)),
            path: path.to_path_buf(),
            auth,
            clock: Arc::new(SystemClock),
            signing_key: None,
            sealing_key: None,
            // Random until a master key gives one that outlives the process.
            cursor_key: Arc::new(CursorKey::new(rand::random())),
            plans: Arc::new(PlanCache::default()),
            logs,
            keychain: true,
        })
    }

    /// This store reading the time from `clock` (tests move time forward with a
    /// [`crate::time::ManualClock`]).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// This store signing and checking OAuth access tokens, and sealing stored webhook addresses,
    /// with keys derived from the console's master key. Without one, the OAuth token endpoint
    /// and alert webhooks are unavailable.
    #[must_use]
    pub fn with_master_key(mut self, key: &MasterKey) -> Self {
        self.signing_key = Some(Arc::new(SigningKey::derive(key)));
        self.sealing_key = Some(Arc::new(SealingKey::derive(key)));
        self.cursor_key = Arc::new(CursorKey::new(key.derive(b"scim-console/list-cursor/v1")));
        self
    }

    /// This store keeping remote targets' credentials in the OS keychain (`true`, the default)
    /// or, with `false`, always sealed in the database with the master key.
    #[must_use]
    pub fn with_keychain(mut self, keychain: bool) -> Self {
        self.keychain = keychain;
        self
    }

    /// The key pagination cursors are signed with.
    pub(crate) fn cursor_key(&self) -> &CursorKey {
        &self.cursor_key
    }

    /// Whether credentials go to the OS keychain.
    pub(crate) fn keychain_enabled(&self) -> bool {
        self.keychain
    }

    /// Keeps the query planner's statistics of the directory current: tables never analysed or
    /// whose size changed a lot since are analysed (milliseconds; nothing when none did).
    /// Connections opened afterwards plan with the new statistics (the pool renews its
    /// connections within 30 minutes). The provisioning log's queries were measured without
    /// statistics and are left so.
    pub async fn optimize(&self) -> CoreResult<()> {
        optimize(self.pool()).await
    }

    /// Now, by the store's clock, in microseconds since the Unix epoch.
    pub fn now_us(&self) -> i64 {
        self.clock.now_us()
    }

    /// The provisioning log's database.
    pub(crate) fn log_database(&self) -> &LogDatabase {
        &self.logs
    }

    /// The compiled mapping plans.
    pub(crate) fn plans(&self) -> &PlanCache {
        &self.plans
    }

    /// The key that signs OAuth access tokens, if the store has one.
    pub(crate) fn signing_key(&self) -> Option<&SigningKey> {
        self.signing_key.as_deref()
    }

    /// The key that seals stored outbound secrets, if the store has one.
    pub(crate) fn sealing_key(&self) -> Option<&SealingKey> {
        self.sealing_key.as_deref()
    }

    /// The connection pool, for queries of this crate.
    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Waits for the single writer connection.
    pub(crate) async fn writer(&self) -> MutexGuard<'_, SqliteConnection> {
        self.writer.lock().await
    }

    /// The authentication cache and its epoch.
    pub(crate) fn auth_cache(&self) -> &AuthCache {
        &self.auth
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Closes every connection (checkpointing the WAL).
    pub async fn close(&self) {
        self.logs.pool.close().await;
        self.pool.close().await;
        let mut writer = self.writer.lock().await;
        // Closing the last connection checkpoints the WAL; a failure here loses nothing.
        let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut *writer)
            .await;
    }
}
