//! The fixture every module starts from: a store in a temporary directory (SQLite files there,
//! or, in the PostgreSQL pass, a schema of its own on the test server) holding one SCIM
//! configuration.

use std::sync::Arc;

use scim::SchemaRegistry;
use scim_console_core::secrets::MasterKey;
use scim_console_core::time::ManualClock;
use scim_console_core::{Actor, Configuration, NewConfiguration, Store};

/// A store with one configuration, and what the tests read besides.
pub struct Env {
    /// The data directory (removed when dropped).
    pub dir: tempfile::TempDir,
    pub store: Store,
    /// The standard SCIM schemas.
    pub registry: SchemaRegistry,
    /// The configuration created at the start.
    pub config: Configuration,
    clock: Option<Arc<ManualClock>>,
}

impl Env {
    /// A store on the backend of this test run, with the configuration `name`.
    pub async fn new(name: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = scim_console_core::testing::open_test_store(dir.path())
            .await
            .unwrap();
        Self::with_configuration(dir, store, NewConfiguration::named(name), &Actor::system()).await
    }

    /// A store on SQLite files in `dir` whatever the test run's backend (for tests that open
    /// the files themselves).
    pub async fn sqlite(name: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        Self::with_configuration(dir, store, NewConfiguration::named(name), &Actor::system()).await
    }

    /// A store whose time stands still until the test moves it ([`Env::clock`]), with a master
    /// key (stored credentials are sealed), and `configuration` created by `actor`.
    pub async fn timed(configuration: NewConfiguration, actor: &Actor) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::starting_now());
        let (key, _) = MasterKey::load_with(dir.path(), None, false).unwrap();
        let store = scim_console_core::testing::open_test_store(dir.path())
            .await
            .unwrap()
            .with_clock(clock.clone())
            .with_master_key(&key);
        let mut env = Self::with_configuration(dir, store, configuration, actor).await;
        env.clock = Some(clock);
        env
    }

    async fn with_configuration(
        dir: tempfile::TempDir,
        store: Store,
        configuration: NewConfiguration,
        actor: &Actor,
    ) -> Self {
        let config = store
            .create_configuration(configuration, actor)
            .await
            .unwrap();
        Self {
            dir,
            store,
            registry: SchemaRegistry::standard(),
            config,
            clock: None,
        }
    }

    /// The store's clock: only an [`Env::timed`] store has one to move.
    pub fn clock(&self) -> &Arc<ManualClock> {
        self.clock
            .as_ref()
            .expect("only Env::timed has a manual clock")
    }
}
