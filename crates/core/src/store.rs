//! The store: one SQLite database in the data directory, opened in WAL mode with foreign keys
//! on and the schema migrated at start. Writes are serialised in-process (SQLite has a single
//! writer; queueing here avoids busy retries), reads run in parallel.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::ConnectOptions;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use tokio::sync::Mutex;

use crate::auth_cache::{AuthCache, SharedEpoch};
use crate::db::{self, Conn, Db, Dialect};
use crate::directory::cursor::CursorKey;
use crate::error::{CoreError, CoreResult};
use crate::mapping::cache::PlanCache;
use crate::oauth::signing::SigningKey;
use crate::secrets::{MasterKey, SealingKey};
use crate::time::{Clock, SystemClock};

/// The environment variable that overrides the data directory.
pub const DATA_DIR_ENV: &str = "SCIM_CONSOLE_DATA_DIR";

/// The database file's name inside the data directory.
pub const DATABASE_FILE: &str = "scim-console.db";

/// The environment variable naming a PostgreSQL database (`postgres://…`) instead of the
/// SQLite files in the data directory.
pub const DATABASE_URL_ENV: &str = "SCIM_CONSOLE_DATABASE_URL";

/// Connections one process opens to PostgreSQL unless told otherwise.
pub const DEFAULT_POOL_SIZE: u32 = 16;

/// Where the console keeps its data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Database {
    /// SQLite files in the data directory (the default; the desktop app always).
    #[default]
    Sqlite,
    /// A PostgreSQL database, which several instances may share.
    Postgres {
        /// `postgres://user:password@host:port/database?sslmode=…`
        url: String,
        /// The most connections this process opens.
        pool_size: u32,
    },
}

impl Database {
    /// SQLite for `None`; PostgreSQL for a `postgres://` or `postgresql://` URL; an error
    /// naming the option for anything else.
    pub fn from_url(url: Option<&str>, pool_size: u32) -> CoreResult<Self> {
        match url.map(str::trim).filter(|u| !u.is_empty()) {
            None => Ok(Self::Sqlite),
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
                if pool_size < 2 {
                    return Err(CoreError::invalid(
                        "pool size",
                        "at least 2 connections are needed",
                    ));
                }
                Ok(Self::Postgres {
                    url: u.to_owned(),
                    pool_size,
                })
            }
            Some(u) => Err(CoreError::invalid(
                "database URL",
                // Only the scheme: anything after it may hold a password.
                format!(
                    "must start with postgres:// (SQLite needs none: it lives in the data directory); got a {} URL",
                    u.split_once("://").map_or("non-", |(scheme, _)| scheme)
                ),
            )),
        }
    }

    /// What it is, for people (a PostgreSQL URL without its password).
    pub fn describe(&self, data_dir: &Path) -> String {
        match self {
            Self::Sqlite => format!("SQLite in {}", data_dir.display()),
            Self::Postgres { url, .. } => format!("PostgreSQL {}", redact_url(url)),
        }
    }
}

/// A database URL without its password (and without its query string).
///
/// ```
/// use scim_console_core::store::redact_url;
/// assert_eq!(redact_url("postgres://scim:s3cret@db:5432/scim?sslmode=require"), "postgres://scim@db:5432/scim");
/// assert_eq!(redact_url("postgres://db/scim"), "postgres://db/scim");
/// ```
pub fn redact_url(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let rest = rest.split('?').next().unwrap_or(rest);
    let rest = match rest.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{user}@{host}")
        }
        None => rest.to_owned(),
    };
    format!("{scheme}://{rest}")
}

/// The console's persistent state.
#[derive(Debug, Clone)]
pub struct Store {
    db: Db,
    path: Option<PathBuf>,
    auth: Arc<AuthCache>,
    clock: Arc<dyn Clock>,
    signing_key: Option<Arc<SigningKey>>,
    sealing_key: Option<Arc<SealingKey>>,
    cursor_key: Arc<CursorKey>,
    plans: Arc<PlanCache>,
    logs: Db,
    keychain: bool,
    /// This process's identity among the instances sharing a database.
    instance: Arc<str>,
    /// Where stored log records are announced (PostgreSQL: one channel per schema).
    log_channel: Option<Arc<str>>,
    /// Where refused credentials are announced (PostgreSQL: one channel per schema).
    backoff_channel: Option<Arc<str>>,
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

/// Runs `PRAGMA optimize=0x10002` (SQLite; PostgreSQL's autovacuum analyses by itself): every table is checked
/// (0x10000), and those never analysed or whose size changed a lot are analysed (0x2) — in
/// full: without the 0x10 flag SQLite sets no temporary `analysis_limit`, whose sampled
/// statistics guessed 1,001 users per configuration where one configuration held 50,000.
///
/// It runs on the writer: ANALYZE writes its statistics, and a write from another connection
/// would make a transaction of the writer that had already read fail (`SQLITE_BUSY_SNAPSHOT`: the soak's
/// 503s every ten minutes).
async fn optimize(db: &Db) -> CoreResult<()> {
    if db.dialect() == Dialect::Sqlite {
        let mut writer = db.writer().await?;
        db::query("PRAGMA optimize=0x10002")
            .execute(&mut writer)
            .await?;
    }
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

    /// Opens the console's database: SQLite in `data_dir`, or PostgreSQL; migrated.
    pub async fn open_database(data_dir: &Path, database: &Database) -> CoreResult<Self> {
        match database {
            Database::Sqlite => Self::open(data_dir).await,
            Database::Postgres { url, pool_size } => Self::open_postgres(url, *pool_size).await,
        }
    }

    /// Opens (creating if needed) the database in `data_dir` and migrates it.
    pub async fn open(data_dir: &Path) -> CoreResult<Self> {
        crate::files::private_dir(data_dir).map_err(|source| CoreError::DataDir {
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
        for file in [DATABASE_FILE, LOG_DATABASE_FILE] {
            let path = data_dir.join(file);
            crate::files::touch_private(&path).map_err(|source| CoreError::DataDir {
                path: path.display().to_string(),
                source,
            })?;
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
        sqlx::query("PRAGMA optimize=0x10002")
            .execute(&pool)
            .await?;
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
        let logs = Db::Sqlite {
            pool: log_pool,
            writer: Arc::new(Mutex::new(log_options.connect().await?)),
        };
        let auth = Arc::new(AuthCache::new(SharedEpoch::File(
            path.with_extension("auth-epoch"),
        )));
        Ok(Self::assemble(
            Db::Sqlite {
                pool,
                writer: Arc::new(Mutex::new(writer)),
            },
            logs,
            Some(path.to_path_buf()),
            auth,
        ))
    }

    /// Connects to the PostgreSQL database at `url` (`postgres://user:password@host:port/db`,
    /// libpq's parameters such as `sslmode` included) and migrates it. Several instances may
    /// share one database: migrations take a lock, and each instance sees the others' changes.
    /// `pool_size` is the most connections this process opens.
    pub async fn open_postgres(url: &str, pool_size: u32) -> CoreResult<Self> {
        Self::open_postgres_checked(url, pool_size)
            .await
            .map_err(|e| match e {
                CoreError::Database(e) => {
                    CoreError::Unavailable(format!("PostgreSQL at {}: {e}", redact_url(url)))
                }
                other => other,
            })
    }

    async fn open_postgres_checked(url: &str, pool_size: u32) -> CoreResult<Self> {
        let options = PgConnectOptions::from_str(url)?;
        // Half the connections write, half read (see `Db::Postgres`).
        let writers = (pool_size / 2).max(1);
        // Two readers at least: log recovery holds one for its lock while it reads.
        let readers = pool_size.saturating_sub(writers).max(2);
        let pool_of = |size: u32| {
            PgPoolOptions::new()
                .max_connections(size)
                .min_connections(1)
                // A request that cannot get a connection within this time answers 503 with
                // Retry-After (the database restarting, the pool exhausted).
                .acquire_timeout(Duration::from_secs(5))
        };
        let pool = pool_of(readers).connect_with(options.clone()).await?;
        sqlx::migrate!("./migrations_postgres").run(&pool).await?;
        let schema: String = sqlx::query_scalar("SELECT current_schema()")
            .fetch_one(&pool)
            .await?;
        let writers = pool_of(writers).connect_with(options).await?;
        let db = Db::Postgres { pool, writers };
        let auth = Arc::new(AuthCache::new(SharedEpoch::Database(db.clone())));
        let mut store = Self::assemble(db.clone(), db, None, auth);
        store.log_channel = Some(format!("scim_console_log_{schema}").into());
        store.backoff_channel = Some(format!("scim_console_backoff_{schema}").into());
        Ok(store)
    }

    fn assemble(db: Db, logs: Db, path: Option<PathBuf>, auth: Arc<AuthCache>) -> Self {
        Self {
            db,
            path,
            auth,
            clock: Arc::new(SystemClock),
            signing_key: None,
            sealing_key: None,
            // Random until a master key gives one that outlives the process.
            cursor_key: Arc::new(CursorKey::new(rand::random())),
            plans: Arc::new(PlanCache::default()),
            logs,
            keychain: true,
            instance: uuid::Uuid::new_v4().to_string().into(),
            log_channel: None,
            backoff_channel: None,
        }
    }

    /// Says this instance is alive and counts the instances serving from the database (seen
    /// within the last 10 seconds, this one included). Instances that stopped without retiring
    /// stay listed until the provisioning log's recovery has covered their changes. Always 1
    /// with SQLite, which one process serves.
    pub async fn heartbeat(&self) -> CoreResult<u32> {
        if self.dialect() == Dialect::Sqlite {
            return Ok(1);
        }
        let now = self.now_us();
        db::query(
            "INSERT INTO instances (id, started_us, seen_us) VALUES (?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET seen_us = excluded.seen_us",
        )
        .bind(self.instance_id())
        .bind(now)
        .bind(now)
        .execute(&self.db)
        .await?;
        let live: i64 = db::query_scalar("SELECT COUNT(*) FROM instances WHERE seen_us >= ?")
            .bind(now - 10_000_000)
            .fetch_one(&self.db)
            .await?;
        Ok(u32::try_from(live).unwrap_or(u32::MAX).max(1))
    }

    /// The identity of this process among the instances sharing its database.
    pub fn instance_id(&self) -> &str {
        &self.instance
    }

    /// The channel stored log records are announced on (PostgreSQL).
    pub(crate) fn log_channel(&self) -> Option<&str> {
        self.log_channel.as_deref()
    }

    /// The channel refused credentials are announced on (PostgreSQL).
    pub(crate) fn backoff_channel(&self) -> Option<&str> {
        self.backoff_channel.as_deref()
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

    /// The newest migration applied to the database (the directory's, for SQLite).
    pub async fn schema_version(&self) -> CoreResult<i64> {
        Ok(
            db::query_scalar(
                "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success",
            )
            .fetch_one(&self.db)
            .await?,
        )
    }

    /// Now, by the store's clock, in microseconds since the Unix epoch.
    pub fn now_us(&self) -> i64 {
        self.clock.now_us()
    }

    /// The provisioning log's database.
    pub(crate) fn log_database(&self) -> &Db {
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

    /// The database, for queries of this crate (reads run on its pool).
    pub(crate) fn pool(&self) -> &Db {
        &self.db
    }

    /// The dialect of the database.
    pub fn dialect(&self) -> Dialect {
        self.db.dialect()
    }

    /// A connection for writing: SQLite's single writer (waiting for it), or a pooled
    /// PostgreSQL connection.
    pub(crate) async fn writer(&self) -> sqlx::Result<Conn> {
        self.db.writer().await
    }

    /// The authentication cache and its epoch.
    pub(crate) fn auth_cache(&self) -> &AuthCache {
        &self.auth
    }

    /// The database file (SQLite), or `None` for PostgreSQL.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Closes every connection (checkpointing the WAL).
    pub async fn close(&self) {
        self.logs.close().await;
        self.db.close().await;
        if let Ok(mut writer) = self.db.writer().await
            && let Some(writer) = writer.as_sqlite()
        {
            // Closing the last connection checkpoints the WAL; a failure here loses nothing.
            let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(writer)
                .await;
        }
    }
}
