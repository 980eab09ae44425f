//! The console runtime: everything `scim-console serve` and the desktop app do to start —
//! the data folder, the master key, the store, the bound server and, on the very first start,
//! the `default` configuration — in one place, so both start the same console.

use std::path::PathBuf;

use scim_console_core::secrets::{KeySource, MasterKey};
use scim_console_core::{
    Actor, Configuration, Database, NewConfiguration, NewToken, Secret, Store,
};

use crate::server::{ServeError, ServeOptions, Server};

/// What to do when the data folder holds no configuration yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstStart {
    /// Create the configuration `default` with a token (shown once): the headless server
    /// prints both, so an admin can paste them into the identity provider at once.
    CreateDefault,
    /// Create nothing: the UI's empty state leads the admin through the first configuration.
    Nothing,
}

/// How to start.
#[derive(Debug, Clone)]
pub struct RuntimeOptions {
    /// The data folder (default: `$SCIM_CONSOLE_DATA_DIR`, else the OS data directory).
    pub data_dir: Option<PathBuf>,
    /// The database: SQLite in the data folder, or PostgreSQL.
    pub database: Database,
    /// Address, port, limits and TLS (its `data_dir` and `master_key_source` are filled in).
    pub serve: ServeOptions,
    /// What the first start creates.
    pub first_start: FirstStart,
}

impl RuntimeOptions {
    /// A console on SQLite files in `data_dir` (the desktop app's embedded console).
    pub fn sqlite(
        data_dir: &std::path::Path,
        serve: ServeOptions,
        first_start: FirstStart,
    ) -> Self {
        Self {
            data_dir: Some(data_dir.to_path_buf()),
            database: Database::Sqlite,
            serve,
            first_start,
        }
    }
}

/// The data folder used when none is given: `$SCIM_CONSOLE_DATA_DIR`, else the OS data
/// directory.
pub fn default_data_dir() -> Result<PathBuf, RuntimeError> {
    Ok(Store::resolve_data_dir(None)?)
}

/// What the first start created.
pub struct Created {
    /// The configuration.
    pub configuration: Configuration,
    /// Its first token (shown this once).
    pub token: Secret,
}

/// A console ready to serve.
pub struct Runtime {
    /// The bound server.
    pub server: Server,
    /// Its store.
    pub store: Store,
    /// The data folder.
    pub data_dir: PathBuf,
    /// Where the master key came from.
    pub key_source: KeySource,
    /// What this first start created, if it was one and created something.
    pub created: Option<Created>,
}

/// How long the OS keychain may take to answer (a session bus that never answers must not
/// hang the start).
const KEYCHAIN_PATIENCE: std::time::Duration = std::time::Duration::from_secs(15);

/// The master key, off the async threads (the keychain answers over D-Bus, synchronously).
async fn load_master_key(
    data_dir: &std::path::Path,
) -> Result<(MasterKey, KeySource), RuntimeError> {
    let dir = data_dir.to_path_buf();
    let loading = tokio::task::spawn_blocking(move || MasterKey::load(&dir));
    match tokio::time::timeout(KEYCHAIN_PATIENCE, loading).await {
        Ok(Ok(loaded)) => Ok(loaded?),
        Ok(Err(join)) => Err(RuntimeError::Keychain(format!(
            "loading the master key failed: {join}"
        ))),
        Err(_) => Err(RuntimeError::Keychain(format!(
            "the OS keychain did not answer within {} s. Unlock it (or start the desktop session's keyring), or give the key another way: SCIM_CONSOLE_MASTER_KEY, or the file {}",
            KEYCHAIN_PATIENCE.as_secs(),
            data_dir.join("master.key").display()
        ))),
    }
}

/// Why the console could not start.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The store (data folder, database, master key) failed.
    #[error("{0}")]
    Store(#[from] scim_console_core::CoreError),
    /// The master key could not be had.
    #[error("{0}")]
    Keychain(String),
    /// The server could not bind or set up TLS.
    #[error("{0}")]
    Serve(#[from] ServeError),
}

impl Runtime {
    /// Opens the data folder and binds the server (it serves once [`Server::run`] is called).
    pub async fn start(options: RuntimeOptions) -> Result<Self, RuntimeError> {
        let data_dir = Store::resolve_data_dir(options.data_dir.as_deref())?;
        let (key, key_source) = load_master_key(&data_dir).await?;
        let store = Store::open_database(&data_dir, &options.database)
            .await?
            .with_master_key(&key);
        let serve = ServeOptions {
            data_dir: Some(data_dir.clone()),
            master_key_source: Some(key_source.to_string()),
            ..options.serve
        };
        let server = Server::bind(store.clone(), serve).await?;
        let created = match options.first_start {
            FirstStart::CreateDefault if store.list_configurations().await?.is_empty() => {
                let configuration = match store
                    .create_configuration(NewConfiguration::named("default"), &Actor::system())
                    .await
                {
                    Ok(configuration) => configuration,
                    // Another instance on the same database made it first.
                    Err(e) if e.is_conflict() => {
                        return Ok(Self {
                            server,
                            store,
                            data_dir,
                            key_source,
                            created: None,
                        });
                    }
                    Err(e) => return Err(e.into()),
                };
                let issued = store
                    .create_token(
                        configuration.id,
                        &NewToken {
                            label: "created on first start".into(),
                            expires: None,
                        },
                        &Actor::system(),
                    )
                    .await?;
                Some(Created {
                    configuration,
                    token: issued.token,
                })
            }
            _ => None,
        };
        Ok(Self {
            server,
            store,
            data_dir,
            key_source,
            created,
        })
    }

    /// The SCIM base URL of a configuration on this server.
    pub fn scim_base_url(&self, configuration: &Configuration) -> String {
        format!("{}/scim/{}/v2", self.server.origin(), configuration.slug)
    }
}
