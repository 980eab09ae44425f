//! Where `target …` acts: this machine (the store opened only when a command needs it) or a
//! remote console through its admin API (`--server`), which keeps the credential (its
//! keychain, or sealed in its database) and runs the connection tests from where it
//! provisions. The API answers the targets' and the reports' own types, printed alike.

use anyhow::{Context as _, Result};
use scim_console_core::targets::{NewTarget, RemoteTarget};
use scim_console_core::{Actor, Store};
use scim_console_server::probe::{self, Report};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::api_client::ApiClient;

/// The API's answer as the domain type it serialises.
fn read<T: DeserializeOwned>(answer: Value) -> Result<T> {
    serde_json::from_value(answer)
        .context("the server's targets are not in a form this version reads")
}

/// This machine's targets, or a remote console's.
pub(crate) enum Targets<'a> {
    /// Here: the store, when the command opened it.
    Local(Option<&'a Store>),
    /// On the server.
    Remote(&'a ApiClient),
}

impl Targets<'_> {
    /// The store, for a command that needs it here.
    fn store(&self) -> Result<&Store> {
        match self {
            Self::Local(store) => store.context("this command needs the data directory"),
            Self::Remote(_) => anyhow::bail!("this command needs the data directory"),
        }
    }

    /// Every target.
    pub(crate) async fn list(&self) -> Result<Vec<RemoteTarget>> {
        match self {
            Self::Remote(api) => read(api.get(&["api", "targets"], &[]).await?),
            Self::Local(_) => Ok(self.store()?.targets().await?),
        }
    }

    /// Adds a target: it, and why the keychain was not used (if it was not).
    pub(crate) async fn add(&self, new: NewTarget) -> Result<(RemoteTarget, Option<String>)> {
        match self {
            Self::Remote(api) => {
                let added = api
                    .post(
                        &["api", "targets"],
                        &json!({
                            "name": new.name,
                            "baseUrl": new.base_url,
                            "auth": new.auth,
                            "secret": new.secret.expose(),
                        }),
                    )
                    .await?;
                Ok((
                    read(added["target"].clone())?,
                    added["keychainUnavailable"].as_str().map(str::to_owned),
                ))
            }
            Self::Local(_) => {
                let added = self.store()?.add_target(new, &Actor::cli()).await?;
                Ok((added.target, added.keychain_unavailable))
            }
        }
    }

    /// Removes a target by name or id: its name.
    pub(crate) async fn remove(&self, name: &str) -> Result<String> {
        match self {
            Self::Remote(api) => {
                api.delete(&["api", "targets", name]).await?;
                Ok(name.to_owned())
            }
            Self::Local(_) => Ok(self.store()?.remove_target(name, &Actor::cli()).await?.name),
        }
    }

    /// Tests a stored target.
    pub(crate) async fn test_stored(&self, name: &str) -> Result<Report> {
        match self {
            Self::Remote(api) => read(
                api.post(&["api", "targets", name, "test"], &Value::Null)
                    .await?,
            ),
            Self::Local(_) => Ok(probe::test_stored_target(self.store()?, name).await?),
        }
    }

    /// Tests any base URL and token: from this machine, or from the server.
    pub(crate) async fn test_connection(&self, url: &str, token: &str) -> Result<Report> {
        match self {
            Self::Remote(api) => read(
                api.post(
                    &["api", "connection-test"],
                    &json!({"baseUrl": url, "token": token}),
                )
                .await?,
            ),
            Self::Local(_) => Ok(probe::test_connection(url, token).await),
        }
    }
}
