//! The desktop app's browser sign-in to a deployed console (RFC 8252, OAuth for native apps):
//! the app opens the console's OpenID Connect sign-in in the system browser with a PKCE
//! challenge and a loopback address of its own; once the identity provider vouched for an
//! invited administrator, the console sends the browser to that address with a one-time code
//! ([`CODE_SECONDS`], one use, stored only as a SHA-256); the app exchanges it, with the PKCE
//! verifier only it holds, for a personal API token named for the device
//! ([`DEVICE_TOKEN_DAYS`] days, the administrator's roles), which it keeps in the OS keychain.
//! A code caught on its way (a browser extension, another local program) is worth nothing
//! without the verifier, and a wrong verifier spends it.

use base64::Engine as _;
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use super::api_tokens::{IssuedApiToken, NewApiToken};
use crate::audit::Actor;
use crate::db;
use crate::error::{CoreError, CoreResult};
use crate::store::Store;
use crate::token::Secret;

/// How long a code works, in seconds: the app exchanges it as soon as the browser arrives.
pub const CODE_SECONDS: i64 = 120;
/// How long a device's token lives, in days; then the app asks to sign in again.
pub const DEVICE_TOKEN_DAYS: i64 = 90;
/// The longest device name.
pub const MAX_DEVICE: usize = 60;

fn hash(code: &str) -> Vec<u8> {
    Sha256::digest(code.trim().as_bytes()).to_vec()
}

/// The S256 challenge of a PKCE verifier (RFC 7636 §4.2).
pub fn challenge_of(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A PKCE S256 challenge as the app sends it: 43 base64url characters (a SHA-256).
pub fn checked_challenge(challenge: &str) -> CoreResult<&str> {
    let valid = challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if valid {
        Ok(challenge)
    } else {
        Err(CoreError::invalid(
            "code_challenge",
            "the PKCE challenge must be the S256 of the verifier: 43 base64url characters",
        ))
    }
}

/// A device's name as the app sends it (the computer's name): 1 to [`MAX_DEVICE`] characters,
/// none of them control characters; surrounding spaces dropped.
pub fn checked_device(device: &str) -> CoreResult<&str> {
    let device = device.trim();
    if device.is_empty()
        || device.chars().count() > MAX_DEVICE
        || device.chars().any(char::is_control)
    {
        return Err(CoreError::invalid(
            "device",
            format!(
                "the device's name must be 1 to {MAX_DEVICE} characters, none of them control characters"
            ),
        ));
    }
    Ok(device)
}

/// What refuses an exchange, whatever the reason: an unknown, used or expired code and a wrong
/// verifier look alike.
fn refused() -> CoreError {
    CoreError::Forbidden(
        "this sign-in code is not valid: it was used already, it expired (codes work for 2 minutes), or the app's proof does not match; sign in again from the app"
            .into(),
    )
}

impl Store {
    /// Issues the one-time code of a browser sign-in for the administrator `administrator`
    /// (an id), to be exchanged with the verifier of `challenge` for a token named for
    /// `device`. The sign-in itself is audited by whoever vouched for the administrator.
    pub async fn issue_device_code(
        &self,
        administrator: &str,
        challenge: &str,
        device: &str,
    ) -> CoreResult<Secret> {
        let challenge = checked_challenge(challenge)?;
        let device = checked_device(device)?;
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let code = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let now = self.now_us();
        let mut conn = self.writer().await?;
        let mut tx = conn.begin().await?;
        db::query("DELETE FROM admin_device_codes WHERE expires_us < ?")
            .bind(now)
            .execute(&mut tx)
            .await?;
        db::query(
            "INSERT INTO admin_device_codes (hash, administrator_id, challenge, device, created_us, expires_us)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(hash(&code))
        .bind(administrator)
        .bind(challenge)
        .bind(device)
        .bind(now)
        .bind(now + CODE_SECONDS * 1_000_000)
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(Secret::new(code))
    }

    /// Exchanges a browser sign-in's code, presented from `source` with the PKCE `verifier`:
    /// once, within [`CODE_SECONDS`], while its administrator is active; a personal API token
    /// named `SCIM Console on <device>`, carrying the administrator's roles, for
    /// [`DEVICE_TOKEN_DAYS`] days (audited as the administrator's). Anything else is
    /// [`CoreError::Forbidden`], and the code is spent.
    pub async fn redeem_device_code(
        &self,
        code: &str,
        verifier: &str,
        source: &str,
    ) -> CoreResult<IssuedApiToken> {
        let now = self.now_us();
        let (administrator, challenge, device) = {
            let mut conn = self.writer().await?;
            let mut tx = conn.begin().await?;
            // Marking it used is what finds it: of two requests racing with one code, one wins.
            let row = db::query(
                "UPDATE admin_device_codes SET used_us = ?
                 WHERE hash = ? AND used_us IS NULL AND expires_us > ?
                 RETURNING administrator_id, challenge, device",
            )
            .bind(now)
            .bind(hash(code))
            .bind(now)
            .fetch_optional(&mut tx)
            .await?;
            tx.commit().await?;
            let Some(row) = row else {
                return Err(refused());
            };
            let administrator: String = row.try_get("administrator_id")?;
            let challenge: String = row.try_get("challenge")?;
            let device: String = row.try_get("device")?;
            (administrator, challenge, device)
        };
        if !bool::from(
            challenge_of(verifier)
                .as_bytes()
                .ct_eq(challenge.as_bytes()),
        ) {
            return Err(refused());
        }
        let owner = self.administrator(&administrator).await?;
        let new = NewApiToken {
            name: format!("SCIM Console on {device}"),
            roles: None,
            days: DEVICE_TOKEN_DAYS,
        };
        match self
            .create_api_token(&owner.id, &new, &Actor::new(owner.email.clone(), source))
            .await
        {
            Err(CoreError::Forbidden(_)) => Err(refused()),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_are_the_s256_of_the_verifier() {
        // RFC 7636, appendix B.
        assert_eq!(
            challenge_of("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert!(checked_challenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM").is_ok());
        for bad in [
            "",
            "plain",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM=",
        ] {
            assert!(checked_challenge(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn device_names_are_short_and_printable() {
        assert_eq!(checked_device("  ada-laptop ").ok(), Some("ada-laptop"));
        assert!(checked_device("").is_err());
        assert!(checked_device("a\nb").is_err());
        assert!(checked_device(&"x".repeat(MAX_DEVICE + 1)).is_err());
        assert!(checked_device(&"é".repeat(MAX_DEVICE)).is_ok());
    }
}
