//! Backups of a whole console, taken while it serves, and restoring them.
//!
//! A backup is one file: a tar archive holding a consistent copy of each database (made with
//! SQLite's `VACUUM INTO`, which reads inside one transaction, so writes carry on meanwhile) and
//! a manifest (format, when, what it holds). Each copy passes `PRAGMA integrity_check` before it
//! is added. The master key is never in a backup: credentials sealed with it (alert webhooks,
//! remote targets without a keychain) need the same key where the backup is restored.
//!
//! Restoring checks the archive and both databases first, then moves whatever the data
//! directory held aside (`*.before-restore-<time>`, nothing is deleted) and puts the copies in
//! place. The console must not be running on that data directory meanwhile.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{ConnectOptions as _, Connection as _};

use crate::db;
use crate::error::{CoreError, CoreResult};
use crate::store::{DATABASE_FILE, LOG_DATABASE_FILE, Store};

/// The backup format this version writes and reads.
pub const BACKUP_FORMAT: u32 = 1;
const MANIFEST: &str = "manifest.json";

/// What a backup holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// The backup format.
    pub format: u32,
    /// The console version that wrote it.
    pub console_version: String,
    /// When it was taken.
    pub created: DateTime<Utc>,
    /// Configurations in it.
    pub configurations: i64,
    /// Users in it, all configurations together.
    pub users: i64,
    /// Groups in it.
    pub groups: i64,
    /// Provisioning log records in it.
    pub log_records: i64,
}

fn io(path: &Path, source: std::io::Error) -> CoreError {
    CoreError::DataDir {
        path: path.display().to_string(),
        source,
    }
}

fn invalid_backup(file: &Path, why: impl std::fmt::Display) -> CoreError {
    CoreError::invalid(
        "backup",
        format!(
            "{} is not a usable SCIM Console backup: {why}",
            file.display()
        ),
    )
}

/// Runs `PRAGMA integrity_check` on a database file; `Err` says what is wrong.
async fn integrity(file: &Path) -> Result<(), String> {
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(file)
        .read_only(true)
        .connect()
        .await
        .map_err(|e| e.to_string())?;
    let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
    let _ = conn.close().await;
    if rows.len() == 1 && rows[0] == "ok" {
        Ok(())
    } else {
        Err(rows.join("; "))
    }
}

/// A private scratch directory beside `near` (same file system, so renames are atomic).
fn scratch(near: &Path, what: &str) -> CoreResult<PathBuf> {
    let parent = near
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let dir = parent.join(format!(
        ".scim-console-{what}-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    ));
    crate::files::private_dir(&dir).map_err(|e| io(&dir, e))?;
    Ok(dir)
}

/// Why a file backup of a PostgreSQL console is refused.
fn not_sqlite() -> CoreError {
    CoreError::Unsupported(
        "this console keeps its data in PostgreSQL: back it up with pg_dump (see docs/deploy.md), or move it with `scim-console export`".into(),
    )
}

impl Store {
    /// Writes a backup of the whole console to `file` while it keeps serving.
    pub async fn backup_to(&self, file: &Path) -> CoreResult<Manifest> {
        let work = scratch(file, "backup")?;
        let result = self.backup_in(&work, file).await;
        let _ = std::fs::remove_dir_all(&work);
        result
    }

    async fn backup_in(&self, work: &Path, file: &Path) -> CoreResult<Manifest> {
        let (Some(directory), Some(log)) =
            (self.pool().sqlite_pool(), self.log_database().sqlite_pool())
        else {
            return Err(not_sqlite());
        };
        let main = work.join(DATABASE_FILE);
        let logs = work.join(LOG_DATABASE_FILE);
        // `VACUUM INTO` reads one snapshot: writers carry on, the copy is consistent.
        sqlx::query("VACUUM INTO ?1")
            .bind(main.display().to_string())
            .execute(directory)
            .await?;
        sqlx::query("VACUUM INTO ?1")
            .bind(logs.display().to_string())
            .execute(log)
            .await?;
        for copy in [&main, &logs] {
            integrity(copy).await.map_err(|why| {
                CoreError::Corrupt(format!(
                    "the copy of {} failed its integrity check: {why}",
                    copy.display()
                ))
            })?;
        }
        let count = |sql: &'static str, pool: &sqlx::SqlitePool| {
            let pool = pool.clone();
            async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await }
        };
        let copy_pool = sqlx::SqlitePool::connect_with(
            sqlx::sqlite::SqliteConnectOptions::new()
                .filename(&main)
                .read_only(true),
        )
        .await?;
        let log_pool = sqlx::SqlitePool::connect_with(
            sqlx::sqlite::SqliteConnectOptions::new()
                .filename(&logs)
                .read_only(true),
        )
        .await?;
        let manifest = Manifest {
            format: BACKUP_FORMAT,
            console_version: env!("CARGO_PKG_VERSION").to_owned(),
            created: Utc::now(),
            configurations: count("SELECT COUNT(*) FROM configurations", &copy_pool).await?,
            users: count("SELECT COUNT(*) FROM users", &copy_pool).await?,
            groups: count("SELECT COUNT(*) FROM groups", &copy_pool).await?,
            log_records: count("SELECT COUNT(*) FROM provisioning_log", &log_pool).await?,
        };
        copy_pool.close().await;
        log_pool.close().await;
        let partial = file.with_extension("partial");
        {
            let out = crate::files::create_private(&partial).map_err(|e| io(&partial, e))?;
            let mut tar = tar::Builder::new(out);
            let text = serde_json::to_vec_pretty(&manifest)
                .map_err(|e| CoreError::Corrupt(e.to_string()))?;
            let mut header = tar::Header::new_gnu();
            header.set_size(text.len() as u64);
            header.set_mode(0o600);
            header.set_mtime(u64::try_from(manifest.created.timestamp()).unwrap_or(0));
            header.set_cksum();
            tar.append_data(&mut header, MANIFEST, text.as_slice())
                .map_err(|e| io(&partial, e))?;
            for (path, name) in [(&main, DATABASE_FILE), (&logs, LOG_DATABASE_FILE)] {
                tar.append_path_with_name(path, name)
                    .map_err(|e| io(&partial, e))?;
            }
            let out = tar.into_inner().map_err(|e| io(&partial, e))?;
            out.sync_all().map_err(|e| io(&partial, e))?;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&partial, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| io(&partial, e))?;
        }
        std::fs::rename(&partial, file).map_err(|e| io(file, e))?;
        Ok(manifest)
    }
}

/// Reads a backup into `work`: its manifest, and both databases checked.
async fn unpack(file: &Path, work: &Path) -> CoreResult<Manifest> {
    let archive = std::fs::File::open(file).map_err(|e| io(file, e))?;
    let mut tar = tar::Archive::new(archive);
    let mut manifest = None;
    let entries = tar.entries().map_err(|e| invalid_backup(file, e))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| invalid_backup(file, e))?;
        let name = entry
            .path()
            .map_err(|e| invalid_backup(file, e))?
            .to_string_lossy()
            .into_owned();
        match name.as_str() {
            MANIFEST => {
                let mut text = String::new();
                entry
                    .read_to_string(&mut text)
                    .map_err(|e| invalid_backup(file, e))?;
                manifest = Some(
                    serde_json::from_str::<Manifest>(&text)
                        .map_err(|e| invalid_backup(file, format!("its manifest: {e}")))?,
                );
            }
            DATABASE_FILE | LOG_DATABASE_FILE => {
                // A link (symbolic or hard) or a device under a database's name could point the
                // restore anywhere: only regular files are databases.
                if !entry.header().entry_type().is_file() {
                    return Err(invalid_backup(
                        file,
                        format!("its {name} is a link or a special file, not a database"),
                    ));
                }
                let to = work.join(&name);
                entry.unpack(&to).map_err(|e| invalid_backup(file, e))?;
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt as _;
                    std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600))
                        .map_err(|e| io(&to, e))?;
                }
            }
            other => {
                return Err(invalid_backup(
                    file,
                    format!("it holds an unexpected file \"{other}\""),
                ));
            }
        }
    }
    let manifest = manifest.ok_or_else(|| invalid_backup(file, "it has no manifest"))?;
    if manifest.format != BACKUP_FORMAT {
        return Err(invalid_backup(
            file,
            format!(
                "it is in format {}, this version reads format {BACKUP_FORMAT}",
                manifest.format
            ),
        ));
    }
    for name in [DATABASE_FILE, LOG_DATABASE_FILE] {
        let path = work.join(name);
        if !path.exists() {
            return Err(invalid_backup(file, format!("it has no {name}")));
        }
        integrity(&path).await.map_err(|why| {
            invalid_backup(file, format!("{name} failed its integrity check: {why}"))
        })?;
    }
    Ok(manifest)
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Restored {
    /// The backup's manifest.
    pub manifest: Manifest,
    /// Where the data directory's previous files went, if it had any.
    pub moved_aside: Vec<PathBuf>,
}

/// Restores a backup into `data_dir`. Existing databases are moved aside only with `replace`;
/// without it a data directory that holds a console is refused.
pub async fn restore(data_dir: &Path, file: &Path, replace: bool) -> CoreResult<Restored> {
    crate::files::private_dir(data_dir).map_err(|e| io(data_dir, e))?;
    let existing: Vec<PathBuf> = [DATABASE_FILE, LOG_DATABASE_FILE]
        .iter()
        .flat_map(|name| {
            ["", "-wal", "-shm"]
                .iter()
                .map(move |suffix| data_dir.join(format!("{name}{suffix}")))
        })
        .filter(|p| p.exists())
        .collect();
    if !existing.is_empty() && !replace {
        return Err(CoreError::Conflict(format!(
            "{} already holds a console; stop it and restore with --replace (its files are moved aside, not deleted), or restore into an empty data directory",
            data_dir.display()
        )));
    }
    let work = scratch(&data_dir.join(DATABASE_FILE), "restore")?;
    let result = async {
        let manifest = unpack(file, &work).await?;
        let stamp = Utc::now().format("%Y%m%dT%H%M%SZ");
        let mut moved_aside = Vec::new();
        for path in &existing {
            let aside = PathBuf::from(format!("{}.before-restore-{stamp}", path.display()));
            std::fs::rename(path, &aside).map_err(|e| io(path, e))?;
            moved_aside.push(aside);
        }
        for name in [DATABASE_FILE, LOG_DATABASE_FILE] {
            let to = data_dir.join(name);
            std::fs::rename(work.join(name), &to).map_err(|e| io(&to, e))?;
        }
        Ok(Restored {
            manifest,
            moved_aside,
        })
    }
    .await;
    let _ = std::fs::remove_dir_all(&work);
    result
}

impl Store {
    /// Checks the running console's databases: SQLite's `integrity_check` and
    /// `foreign_key_check` on both, and that the per-configuration counts agree with the rows.
    /// Returns the problems found (none: healthy).
    pub async fn check_databases(&self) -> CoreResult<Vec<String>> {
        let mut problems = Vec::new();
        // PostgreSQL checks its pages and foreign keys itself; SQLite is asked.
        let sqlite = [
            (DATABASE_FILE, self.pool().sqlite_pool()),
            (LOG_DATABASE_FILE, self.log_database().sqlite_pool()),
        ];
        for (name, pool) in sqlite
            .into_iter()
            .filter_map(|(name, pool)| Some((name, pool?)))
        {
            let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
                .fetch_all(pool)
                .await?;
            if !(rows.len() == 1 && rows[0] == "ok") {
                problems.extend(rows.into_iter().map(|r| format!("{name}: {r}")));
            }
            let broken: Vec<(String,)> =
                sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
                    .fetch_all(pool)
                    .await?;
            problems.extend(
                broken
                    .into_iter()
                    .map(|(t,)| format!("{name}: a row of {t} points at a missing row")),
            );
        }
        let drift = db::query(
            "SELECT c.configuration_id, c.resource_type, c.total,
                    CASE c.resource_type
                        WHEN 'User' THEN (SELECT COUNT(*) FROM users u WHERE u.configuration_id = c.configuration_id)
                        ELSE (SELECT COUNT(*) FROM groups g WHERE g.configuration_id = c.configuration_id)
                    END AS actual
             FROM directory_counts c",
        )
        .fetch_all(self.pool())
        .await?;
        for row in drift {
            let counted: i64 = row.try_get("total")?;
            let actual: i64 = row.try_get("actual")?;
            if counted != actual {
                let c: String = row.try_get("configuration_id")?;
                let kind: String = row.try_get("resource_type")?;
                problems.push(format!(
                    "configuration {c}: {kind} count {counted} but {actual} rows"
                ));
            }
        }
        Ok(problems)
    }
}
