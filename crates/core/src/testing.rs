//! Test support (feature `testing`): a throwaway PostgreSQL server from the system's packages,
//! and stores opened on the backend a test run asks for.
//!
//! `cargo xtask test` runs the integration suites twice: on SQLite, then with
//! [`TEST_POSTGRES_ENV`] naming a server it started with [`TempPostgres`]. Every store a test
//! opens through [`open_test_store`] then lives in a schema of its own on that server, so tests
//! stay isolated and run in parallel as they do on SQLite files.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::CoreResult;
use crate::store::Store;

/// The environment variable that makes [`open_test_store`] use PostgreSQL: the URL of a
/// server's database (e.g. `postgres://scim@127.0.0.1:5433/scim`).
pub const TEST_POSTGRES_ENV: &str = "SCIM_CONSOLE_TEST_POSTGRES";

/// The PostgreSQL server tests use, if the run asks for one.
pub fn test_postgres() -> Option<String> {
    std::env::var(TEST_POSTGRES_ENV)
        .ok()
        .filter(|url| !url.is_empty())
}

/// The schema of each data directory a test opened, so that opening it again (a restart, a
/// second process) finds the same data — kept in the test process, nothing written in the
/// directory.
fn schemas() -> &'static std::sync::Mutex<std::collections::HashMap<std::path::PathBuf, String>> {
    static SCHEMAS: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<std::path::PathBuf, String>>,
    > = std::sync::OnceLock::new();
    SCHEMAS.get_or_init(Default::default)
}

/// A store for a test: in `dir` (SQLite), or — when [`TEST_POSTGRES_ENV`] is set — in a
/// schema of that PostgreSQL database belonging to `dir`: created on the first open, the same
/// one when `dir` is opened again (a restart, a second process).
pub async fn open_test_store(dir: &Path) -> CoreResult<Store> {
    match test_database_url(dir).await? {
        Some(url) => Store::open_postgres(&url, 8).await,
        None => Store::open(dir).await,
    }
}

/// The database URL a test gives a process it starts on `dir` (`--database-url`), or `None`
/// for SQLite in the directory: with [`TEST_POSTGRES_ENV`] set, the schema belonging to `dir`.
pub async fn test_database_url(dir: &Path) -> CoreResult<Option<String>> {
    let Some(server) = test_postgres() else {
        return Ok(None);
    };
    let known = schemas()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(dir)
        .cloned();
    if let Some(url) = known {
        return Ok(Some(url));
    }
    let url = fresh_schema(&server).await?;
    schemas()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(dir.to_path_buf(), url.clone());
    Ok(Some(url))
}

/// [`test_database_url`] for synchronous tests (on a thread of its own, so that it also works
/// inside an async test).
pub fn test_database_url_blocking(dir: &Path) -> CoreResult<Option<String>> {
    let dir = dir.to_path_buf();
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|source| crate::CoreError::DataDir {
                path: dir.display().to_string(),
                source,
            })?
            .block_on(test_database_url(&dir))
    })
    .join()
    .unwrap_or_else(|_| Ok(None))
}

/// Creates an empty schema on the server at `url` and returns a URL whose connections use it.
pub async fn fresh_schema(url: &str) -> CoreResult<String> {
    use sqlx::Connection as _;
    let name = format!("t{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(url).await?;
    sqlx::query(&format!("CREATE SCHEMA {name}"))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    let separator = if url.contains('?') { '&' } else { '?' };
    Ok(format!("{url}{separator}options%5Bsearch_path%5D={name}"))
}

/// A PostgreSQL server in a temporary directory: `initdb` + `pg_ctl` from the system's
/// packages, on a free loopback port, as an unprivileged user (the `postgres` account when
/// run as root, since PostgreSQL refuses root). Stopped and removed when dropped.
#[derive(Debug)]
pub struct TempPostgres {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    run_as: Option<String>,
}

/// Why a test server could not start.
#[derive(Debug, thiserror::Error)]
#[error("the test PostgreSQL server: {0}")]
pub struct TempPostgresError(String);

fn fail(what: impl Into<String>) -> TempPostgresError {
    TempPostgresError(what.into())
}

/// The directory holding `initdb` and `pg_ctl`: the newest `/usr/lib/postgresql/*/bin`
/// (Debian's layout), else wherever `PATH` finds `pg_ctl`.
fn postgres_bin() -> Result<PathBuf, TempPostgresError> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("pg_ctl").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .find(|dir| dir.join("pg_ctl").exists())
        .ok_or_else(|| {
            fail("pg_ctl was not found: install PostgreSQL (Debian: apt-get install postgresql)")
        })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

fn free_port() -> Result<u16, TempPostgresError> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| fail(format!("no free port: {e}")))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| fail(e.to_string()))
}

impl TempPostgres {
    /// Creates and starts a server (a few seconds).
    pub fn start() -> Result<Self, TempPostgresError> {
        let bin = postgres_bin()?;
        let run_as = is_root().then(|| "postgres".to_owned());
        let dir =
            std::env::temp_dir().join(format!("scim-console-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).map_err(|e| fail(format!("{}: {e}", dir.display())))?;
        let server = Self {
            dir,
            bin,
            port: free_port()?,
            run_as,
        };
        if let Some(user) = &server.run_as {
            let status = Command::new("chown")
                .arg(format!("{user}:"))
                .arg(&server.dir)
                .status()
                .map_err(|e| fail(format!("chown: {e}")))?;
            if !status.success() {
                return Err(fail(format!(
                    "could not give {} to the {user} account (PostgreSQL does not run as root)",
                    server.dir.display()
                )));
            }
        }
        server.run(
            "initdb",
            &[
                "-D",
                &server.data().display().to_string(),
                "-U",
                "scim",
                "--auth=trust",
                "--no-locale",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        )?;
        server.start_again()?;
        server.run(
            "createdb",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &server.port.to_string(),
                "-U",
                "scim",
                "scim",
            ],
        )?;
        Ok(server)
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn run(&self, program: &str, args: &[&str]) -> Result<(), TempPostgresError> {
        let path = self.bin.join(program);
        let mut command = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&path);
                c
            }
            None => Command::new(&path),
        };
        let output = command
            .args(args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| fail(format!("{}: {e}", path.display())))?;
        if output.status.success() {
            Ok(())
        } else {
            let log = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
            Err(fail(format!(
                "{program} failed ({}): {}{}\n{log}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )))
        }
    }

    /// The URL of its database `scim` (user `scim`, no password: trust on loopback).
    pub fn url(&self) -> String {
        format!("postgres://scim@127.0.0.1:{}/scim", self.port)
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops it (fast shutdown: sessions are ended, everything committed is kept).
    pub fn stop(&self) -> Result<(), TempPostgresError> {
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data().display().to_string(),
                "-m",
                "fast",
                "-w",
                "stop",
            ],
        )
    }

    /// Serves TLS from now on with this certificate chain and key (PEM), restarting the server.
    pub fn enable_tls(&self, cert_pem: &str, key_pem: &str) -> Result<(), TempPostgresError> {
        let data = self.data();
        let write = |name: &str, text: &str| -> Result<(), TempPostgresError> {
            let path = data.join(name);
            crate::files::write_private(&path, text)
                .map_err(|e| fail(format!("{}: {e}", path.display())))?;
            if let Some(user) = &self.run_as {
                Command::new("chown")
                    .arg(format!("{user}:"))
                    .arg(&path)
                    .status()
                    .map_err(|e| fail(format!("chown: {e}")))?;
            }
            Ok(())
        };
        write("server.crt", cert_pem)?;
        write("server.key", key_pem)?;
        let conf = data.join("postgresql.conf");
        let mut text =
            std::fs::read_to_string(&conf).map_err(|e| fail(format!("{}: {e}", conf.display())))?;
        text.push_str("\nssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n");
        std::fs::write(&conf, text).map_err(|e| fail(format!("{}: {e}", conf.display())))?;
        self.stop()?;
        self.start_again()
    }

    /// Starts it (again) on its port, waiting until it accepts connections.
    pub fn start_again(&self) -> Result<(), TempPostgresError> {
        let options = format!(
            "-c port={} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} -c max_connections=300 -c fsync=off -c full_page_writes=off",
            self.port,
            self.dir.display()
        );
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data().display().to_string(),
                "-l",
                &self.dir.join("server.log").display().to_string(),
                "-o",
                &options,
                "-t",
                "60",
                "-w",
                "start",
            ],
        )?;
        // `-w` waits for the postmaster; be sure TCP answers too.
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if Instant::now() > deadline {
                return Err(fail("the server started but does not accept connections"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        let _ = self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data().display().to_string(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The resource names of the records log recovery wrote (their detail is
/// [`crate::logs::outbox::RECOVERED`]) among the newest 100 records, sorted.
pub async fn recovered_names(store: &Store) -> CoreResult<Vec<String>> {
    let page = store
        .search_logs(&crate::logs::LogQuery {
            limit: 100,
            ..crate::logs::LogQuery::default()
        })
        .await?;
    let mut names: Vec<String> = page
        .entries
        .into_iter()
        .filter(|e| e.detail.as_deref() == Some(crate::logs::outbox::RECOVERED))
        .filter_map(|e| e.resource_name)
        .collect();
    names.sort();
    Ok(names)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn a_temporary_server_starts_takes_a_store_and_goes_away() {
        let server = TempPostgres::start().unwrap();
        let dir = server.dir.clone();
        let url = fresh_schema(&server.url()).await.unwrap();
        let store = Store::open_postgres(&url, 2).await.unwrap();
        assert_eq!(store.dialect(), crate::db::Dialect::Postgres);
        store.close().await;
        drop(server);
        assert!(!dir.exists());
    }
}
