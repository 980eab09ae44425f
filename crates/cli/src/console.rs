//! What a verb acts on: the console's database on this machine, or a remote console through
//! its admin API (`--server` with a personal API token). Verb groups whose API answers are the
//! domain's own types read either through one [`Console`], so they print the same in both.

use anyhow::Result;
use scim_console_core::{ConfigurationId, Store};

use crate::api_client::{ApiClient, text};

/// The database here, or a remote console's admin API.
#[derive(Debug)]
pub(crate) enum Console {
    /// The store of the data directory or database given.
    Local(Store),
    /// The admin API of the console at `--server`.
    Remote(ApiClient),
}

impl Console {
    /// The id of the configuration named by id, slug or name (any case).
    pub(crate) async fn configuration_id(&self, key: &str) -> Result<ConfigurationId> {
        Ok(self.configuration_named(key).await?.0)
    }

    /// The id and the name of the configuration named by id, slug or name (any case).
    pub(crate) async fn configuration_named(&self, key: &str) -> Result<(ConfigurationId, String)> {
        match self {
            Self::Local(store) => {
                let c = store.find_configuration(key).await?;
                Ok((c.id, c.name))
            }
            Self::Remote(api) => {
                let c = api.configuration(key).await?;
                let id = ConfigurationId::parse(text(&c["id"])).ok_or_else(|| {
                    anyhow::anyhow!("the server's id of configuration \"{key}\" is not one")
                })?;
                Ok((id, text(&c["name"]).to_owned()))
            }
        }
    }
}
