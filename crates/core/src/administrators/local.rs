//! The desktop app's built-in local owner: on a single-user machine the app signs its own window
//! in without a password, as an owner account named for the OS user (`ada (this computer)`,
//! `ada@scim-console.localhost`), so that what is done in the window is attributed to someone
//! in the audit log rather than to the anonymous admin token — and the UI can say so.

use super::accounts::{Administrator, AdministratorState, NewAdministrator};
use super::links::SignInLink;
use super::roles::{Grant, Role};
use crate::audit::Actor;
use crate::error::{CoreError, CoreResult};
use crate::store::Store;

/// The domain of local owners' addresses (`.localhost` names this machine only).
pub const LOCAL_DOMAIN: &str = "scim-console.localhost";

/// The local owner's email for the OS user `user`: its letters, digits, `.`, `-` and `_`.
pub fn local_email(user: &str) -> String {
    let mut local: String = user
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .take(64)
        .collect();
    if local.trim_matches('.').is_empty() {
        local = "owner".into();
    }
    format!("{}@{LOCAL_DOMAIN}", local.trim_matches('.'))
}

impl Store {
    /// A one-time sign-in link for the local owner of the OS user `user`, created (as an owner)
    /// the first time. [`CoreError::Forbidden`] when an owner disabled it.
    pub async fn local_owner_sign_in_link(&self, user: &str) -> CoreResult<SignInLink> {
        let email = local_email(user);
        let owner: Administrator = match self.administrator(&email).await {
            Ok(existing) => existing,
            Err(CoreError::NotFound(_)) => {
                self.create_administrator(
                    &NewAdministrator {
                        email: email.clone(),
                        name: format!(
                            "{} (this computer)",
                            email.split('@').next().unwrap_or(user)
                        ),
                        grants: vec![Grant::everywhere(Role::Owner)],
                    },
                    &Actor::system(),
                )
                .await?
            }
            Err(other) => return Err(other),
        };
        if owner.state == AdministratorState::Disabled {
            return Err(CoreError::Forbidden(format!(
                "the local owner {email} was disabled: enable it (`scim-console admin enable {email}`)"
            )));
        }
        self.create_sign_in_link(&owner.id, &Actor::system()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_emails_keep_the_users_safe_characters() {
        assert_eq!(local_email("ada"), "ada@scim-console.localhost");
        assert_eq!(
            local_email("Ada Lovelace"),
            "AdaLovelace@scim-console.localhost"
        );
        assert_eq!(local_email("..."), "owner@scim-console.localhost");
        assert_eq!(
            local_email("DOMAIN\\grace"),
            "DOMAINgrace@scim-console.localhost"
        );
    }
}
