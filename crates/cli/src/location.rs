//! Where a command finds the console's data, resolved once per run: the data directory and the
//! database (SQLite files in that directory, or PostgreSQL).

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use scim_console_core::secrets::MasterKey;
use scim_console_core::{Database, Store};

/// The data directory (settings, the master key, TLS files and the SQLite files) and the
/// database, as `--data-dir`, `--database-url` and `--database-pool` (or their environment
/// variables) chose them.
#[derive(Debug, Clone)]
pub(crate) struct Location {
    /// The data directory: the one given, else the OS data directory.
    pub(crate) dir: PathBuf,
    /// The database the console keeps its data in.
    pub(crate) database: Database,
}

impl Location {
    /// Resolves the data directory and the database (an error naming `--database-url` when it
    /// is not one a console can use).
    pub(crate) fn resolve(
        data_dir: Option<&std::path::Path>,
        database_url: Option<&str>,
        database_pool: u32,
    ) -> Result<Self> {
        Ok(Self {
            dir: Store::resolve_data_dir(data_dir)?,
            database: Database::from_url(database_url, database_pool)?,
        })
    }

    /// The database described for a person: its file or its server.
    pub(crate) fn describe(&self) -> String {
        self.database.describe(&self.dir)
    }

    /// Opens the store (bringing its schema up to date).
    pub(crate) async fn open_store(&self) -> Result<Store> {
        Store::open_database(&self.dir, &self.database)
            .await
            .with_context(|| format!("opening the console's database ({})", self.describe()))
    }

    /// Loads the master key, which seals and opens stored credentials (from the OS keychain, or
    /// the private file beside the data).
    pub(crate) async fn master_key(&self) -> Result<MasterKey> {
        let dir = self.dir.clone();
        let (key, _) = tokio::task::spawn_blocking(move || MasterKey::load(&dir))
            .await
            .context("loading the master key")?
            .context("loading the master key")?;
        Ok(key)
    }

    /// The store with the master key.
    pub(crate) async fn open_store_with_key(&self) -> Result<Store> {
        let store = self.open_store().await?;
        Ok(store.with_master_key(&self.master_key().await?))
    }
}
