//! A connection's personal API token, kept in the OS keychain (account `connection:<id>` of the
//! console's service) and nowhere else: not in a file, not in the connection list.

use scim_console_core::Secret;
use scim_console_core::secrets::{keychain_delete, keychain_get, keychain_set};

use super::RemoteError;

fn account(connection: &str) -> String {
    format!("connection:{connection}")
}

/// Keeps the token of `connection` in the keychain; refused when there is no keychain that
/// keeps secrets (the token is then not kept anywhere).
pub async fn keep(connection: &str, token: &Secret) -> Result<(), RemoteError> {
    keychain_set(&account(connection), token.expose())
        .await
        .map_err(|reason| {
            RemoteError::Refused(format!(
                "the API token could not be kept in this computer's keychain ({reason}): connections keep their secret nowhere else"
            ))
        })
}

/// The token of `connection`.
pub async fn read(connection: &str) -> Result<Secret, RemoteError> {
    keychain_get(&account(connection))
        .await
        .map(Secret::new)
        .map_err(|reason| {
            RemoteError::Refused(format!(
                "the connection's API token is not in the keychain ({reason}): sign in to it again"
            ))
        })
}

/// Removes the token of `connection` (absent is fine).
pub async fn forget(connection: &str) -> Result<(), RemoteError> {
    keychain_delete(&account(connection))
        .await
        .map_err(|reason| RemoteError::Refused(format!("the keychain: {reason}")))
}
