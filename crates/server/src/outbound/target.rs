//! Opening the target of a run — a pilot run or a conformance check, from the admin API or the
//! command line — in one place: a stored remote target with its credential, or a local
//! configuration's own endpoint reached over loopback with a temporary token that is revoked
//! when the run ends.

use std::sync::Arc;

use chrono::Utc;
use scim_console_core::{Actor, Configuration, CoreError, NewToken, Secret, Store};

use super::{Endpoint, OutboundError};

/// Where a run calls.
#[derive(Debug, Clone)]
pub enum TargetChoice {
    /// A stored remote target, by id or name.
    Remote(String),
    /// A local configuration's own endpoint.
    Local(Configuration),
}

/// Why a target cannot be opened.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// The target or configuration does not exist, or the store failed.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// The target's credential could not be obtained.
    #[error(transparent)]
    Outbound(#[from] OutboundError),
    /// The local configuration admits only OAuth clients that sign JWTs: a temporary bearer
    /// token cannot reach it.
    #[error(
        "\"{0}\" accepts only OAuth clients that authenticate with a signed JWT: register it as a remote target with such a client (or check it by URL with such a client's access token)"
    )]
    JwtOnly(String),
}

/// A target opened for a run: its endpoint, and the temporary token to revoke afterwards.
pub struct OpenedTarget {
    /// Where to call, with which credential, under which name.
    pub endpoint: Endpoint,
    /// The local configuration, when the target is one.
    pub local: Option<Configuration>,
    temporary: Option<TemporaryToken>,
}

impl OpenedTarget {
    /// Opens `choice`: a remote target's credential is read (or obtained from its token
    /// endpoint); a local configuration gets a temporary token labelled with `purpose`, and is
    /// reached at `local_origin` (this server's loopback origin).
    pub async fn open(
        store: &Store,
        choice: TargetChoice,
        local_origin: &str,
        actor: &Actor,
        purpose: &str,
    ) -> Result<Self, TargetError> {
        match choice {
            TargetChoice::Remote(name) => {
                let target = store.target(&name).await?;
                Ok(Self {
                    endpoint: super::resolve(store, &target).await?,
                    local: None,
                    temporary: None,
                })
            }
            TargetChoice::Local(configuration) => {
                if configuration.client_authentication.requires_jwt() {
                    return Err(TargetError::JwtOnly(configuration.name));
                }
                let (temporary, token) =
                    TemporaryToken::issue(store, &configuration, actor, purpose).await?;
                Ok(Self {
                    endpoint: local_endpoint(local_origin, &configuration, token),
                    local: Some(configuration),
                    temporary: Some(temporary),
                })
            }
        }
    }

    /// The temporary token, for whoever closes the run later (a background run).
    pub fn take_temporary(&mut self) -> Option<TemporaryToken> {
        self.temporary.take()
    }

    /// Ends the run's access: revokes the temporary token, if any.
    pub async fn close(mut self, store: &Store, actor: &Actor) {
        if let Some(token) = self.temporary.take() {
            token.revoke(store, actor).await;
        }
    }
}

/// The endpoint of a local configuration, reached over loopback at `origin`.
fn local_endpoint(origin: &str, configuration: &Configuration, token: Secret) -> Endpoint {
    Endpoint {
        base_url: format!(
            "{}/scim/{}/v2",
            origin.trim_end_matches('/'),
            configuration.slug
        ),
        bearer: Arc::new(token),
        name: format!("configuration {}", configuration.name),
        trust_any_certificate: origin.starts_with("https://"),
    }
}

/// A temporary token of a local configuration, issued for a run against the console's own
/// endpoint and revoked when the run ends.
pub struct TemporaryToken {
    configuration: Configuration,
    id: String,
}

impl TemporaryToken {
    /// Issues one for `purpose` (valid two hours at most), labelled with it.
    async fn issue(
        store: &Store,
        configuration: &Configuration,
        actor: &Actor,
        purpose: &str,
    ) -> Result<(Self, Secret), CoreError> {
        let issued = store
            .create_token(
                configuration.id,
                &NewToken {
                    label: format!(
                        "{purpose}{}",
                        scim_console_core::token::TEMPORARY_LABEL_SUFFIX
                    ),
                    expires: Some(Utc::now() + chrono::Duration::hours(2)),
                },
                actor,
            )
            .await?;
        Ok((
            Self {
                configuration: configuration.clone(),
                id: issued.info.id.clone(),
            },
            issued.token,
        ))
    }

    /// Revokes it.
    pub async fn revoke(self, store: &Store, actor: &Actor) {
        if let Err(error) = store
            .revoke_token(self.configuration.id, &self.id, actor)
            .await
        {
            tracing::warn!(%error, configuration = %self.configuration.name, "a run's temporary token could not be revoked; it expires within two hours");
        }
    }
}
