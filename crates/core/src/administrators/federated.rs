//! Signing in through the console's identity provider (OpenID Connect): the provider vouches
//! for an email address, and the administrator with that email — invited beforehand, active —
//! signs in. Nobody is created on the fly: an email the console does not know is refused, so
//! the provider's directory does not decide who administers the console; the owners do.

use serde_json::json;

use super::accounts::{Administrator, AdministratorState};
use crate::audit::{self, Actor, Subject};
use crate::error::{CoreError, CoreResult};
use crate::store::Store;

impl Store {
    /// Signs in the administrator whose email `provider` vouched for, from `source`: audited
    /// as that administrator's sign-in. [`CoreError::Forbidden`] saying why when no active
    /// administrator has that email.
    pub async fn sign_in_vouched_email(
        &self,
        email: &str,
        provider: &str,
        source: &str,
    ) -> CoreResult<Administrator> {
        let refused = || {
            CoreError::Forbidden(format!(
                "{provider} signed you in as {email}, but no active administrator of this console has that email: ask an owner to invite you (Administrators page, or `scim-console admin create`)"
            ))
        };
        // An address, never an id: `administrator` also finds administrators by id, and what a
        // provider calls an email is whatever its user's profile holds.
        if !email.contains('@') {
            return Err(refused());
        }
        let administrator = match self.administrator(email).await {
            Ok(a) if a.state == AdministratorState::Active => a,
            Ok(_) | Err(CoreError::NotFound(_)) => return Err(refused()),
            Err(other) => return Err(other),
        };
        let mut conn = self.writer().await?;
        let mut tx = conn.begin().await?;
        audit::record(
            &mut tx,
            self.now_us(),
            &Actor::new(administrator.email.clone(), source),
            "administrator.sign-in",
            Subject {
                configuration: None,
                target: Some(&administrator.id),
            },
            &json!({"by": "openid connect", "provider": provider}),
        )
        .await?;
        tx.commit().await?;
        Ok(administrator)
    }
}
