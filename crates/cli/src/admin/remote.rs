//! Administrators through a remote console's admin API (`--server`): its answers are the
//! accounts' own types, so `admin …` and `api-token …` print them as they print the local ones.
//! The sign-in links come from the server, with its own address.

use anyhow::{Context as _, Result};
use scim_console_core::administrators::accounts::{Administrator, NewAdministrator};
use scim_console_core::administrators::api_tokens::ApiToken;
use scim_console_core::administrators::roles::Grant;
use scim_console_core::administrators::sessions::AdminSession;
use scim_console_core::{Actor, ConfigurationId};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::UrlArgs;
use crate::api_client::text;
use crate::console::Console;

/// The API's answer as the domain type it serialises.
fn read<T: DeserializeOwned>(answer: Value) -> Result<T> {
    serde_json::from_value(answer)
        .context("the server's administrators are not in a form this version reads")
}

impl Console {
    /// Every administrator.
    pub(crate) async fn administrators(&self) -> Result<Vec<Administrator>> {
        match self {
            Self::Local(store) => Ok(store.administrators().await?),
            Self::Remote(api) => read(api.get(&["api", "administrators"], &[]).await?),
        }
    }

    /// An administrator by email (any case) or id.
    pub(crate) async fn administrator(&self, key: &str) -> Result<Administrator> {
        match self {
            Self::Local(store) => Ok(store.administrator(key).await?),
            Self::Remote(api) => read(api.get(&["api", "administrators", key], &[]).await?),
        }
    }

    /// Creates an administrator: it and its one-time sign-in link.
    pub(crate) async fn create_administrator(
        &self,
        new: &NewAdministrator,
        url: &UrlArgs,
    ) -> Result<(Administrator, String)> {
        match self {
            Self::Local(store) => {
                let created = store.create_administrator(new, &Actor::cli()).await?;
                let link = store
                    .create_sign_in_link(&created.id, &Actor::cli())
                    .await?;
                Ok((created, url.link(link.code.expose())))
            }
            Self::Remote(api) => {
                let invited = api
                    .post(
                        &["api", "administrators"],
                        &json!({"email": new.email, "name": new.name, "grants": new.grants}),
                    )
                    .await?;
                Ok((
                    read(invited["administrator"].clone())?,
                    text(&invited["link"]["url"]).to_owned(),
                ))
            }
        }
    }

    /// A new one-time sign-in link for an administrator.
    pub(crate) async fn sign_in_link(
        &self,
        administrator: &Administrator,
        url: &UrlArgs,
    ) -> Result<String> {
        match self {
            Self::Local(store) => {
                let link = store
                    .create_sign_in_link(&administrator.id, &Actor::cli())
                    .await?;
                Ok(url.link(link.code.expose()))
            }
            Self::Remote(api) => {
                let link = api
                    .post(
                        &["api", "administrators", &administrator.id, "sign-in-link"],
                        &Value::Null,
                    )
                    .await?;
                Ok(text(&link["url"]).to_owned())
            }
        }
    }

    /// Replaces an administrator's grants.
    pub(crate) async fn set_administrator_grants(
        &self,
        key: &str,
        grants: &[Grant],
    ) -> Result<Administrator> {
        match self {
            Self::Local(store) => Ok(store
                .set_administrator_grants(key, grants, &Actor::cli())
                .await?),
            Self::Remote(api) => read(
                api.patch(
                    &["api", "administrators", key],
                    &json!({ "grants": grants }),
                )
                .await?,
            ),
        }
    }

    /// Enables or disables an administrator.
    pub(crate) async fn set_administrator_enabled(
        &self,
        key: &str,
        enabled: bool,
    ) -> Result<Administrator> {
        match self {
            Self::Local(store) => Ok(store
                .set_administrator_enabled(key, enabled, &Actor::cli())
                .await?),
            Self::Remote(api) => read(
                api.patch(
                    &["api", "administrators", key],
                    &json!({ "enabled": enabled }),
                )
                .await?,
            ),
        }
    }

    /// An administrator's open sessions.
    pub(crate) async fn admin_sessions_of(&self, id: &str) -> Result<Vec<AdminSession>> {
        match self {
            Self::Local(store) => Ok(store.admin_sessions_of(id).await?),
            Self::Remote(api) => read(
                api.get(&["api", "administrators", id, "sessions"], &[])
                    .await?,
            ),
        }
    }

    /// Ends one of an administrator's sessions.
    pub(crate) async fn revoke_admin_session(&self, id: &str, session: &str) -> Result<()> {
        match self {
            Self::Local(store) => Ok(store
                .revoke_admin_session(id, session, &Actor::cli())
                .await?),
            Self::Remote(api) => {
                api.delete(&["api", "administrators", id, "sessions", session])
                    .await?;
                Ok(())
            }
        }
    }

    /// Removes an administrator's password and TOTP.
    pub(crate) async fn clear_administrator_password(&self, key: &str) -> Result<()> {
        match self {
            Self::Local(store) => Ok(store
                .clear_administrator_password(key, &Actor::cli())
                .await?),
            Self::Remote(api) => {
                api.delete(&["api", "administrators", key, "password"])
                    .await?;
                Ok(())
            }
        }
    }

    /// An administrator's personal API tokens.
    pub(crate) async fn api_tokens_of(&self, id: &str) -> Result<Vec<ApiToken>> {
        match self {
            Self::Local(store) => Ok(store.api_tokens_of(id).await?),
            Self::Remote(api) => read(
                api.get(&["api", "administrators", id, "api-tokens"], &[])
                    .await?,
            ),
        }
    }

    /// Revokes one of an administrator's personal API tokens.
    pub(crate) async fn revoke_api_token(&self, id: &str, token: &str) -> Result<()> {
        match self {
            Self::Local(store) => Ok(store.revoke_api_token(id, token, &Actor::cli()).await?),
            Self::Remote(api) => {
                api.delete(&["api", "administrators", id, "api-tokens", token])
                    .await?;
                Ok(())
            }
        }
    }

    /// A configuration's slug by id (`None` once it is deleted).
    pub(crate) async fn configuration_slug(&self, id: ConfigurationId) -> Result<Option<String>> {
        match self {
            Self::Local(store) => Ok(store.configuration(id).await.ok().map(|c| c.slug)),
            Self::Remote(api) => {
                match api
                    .get(&["api", "configurations", &id.to_string()], &[])
                    .await
                {
                    Ok(c) => Ok(Some(text(&c["slug"]).to_owned())),
                    Err(e)
                        if e.downcast_ref::<crate::api_client::Refusal>()
                            .is_some_and(|r| r.status == reqwest::StatusCode::NOT_FOUND) =>
                    {
                        Ok(None)
                    }
                    Err(e) => Err(e),
                }
            }
        }
    }
}
