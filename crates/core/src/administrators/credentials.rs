//! Administrators' passwords, for consoles without an OpenID Connect provider: an argon2id
//! hash (PHC string) and a TOTP second factor (RFC 6238: SHA-1, 6 digits, 30 s, one step of
//! skew), whose secret is sealed under the console's master key. Both are set together, by the
//! administrator signed in (a one-time link opens the first session), and a code works once.
//!
//! Guessing is slowed per account, in the database so that every instance counts alike: after
//! [`FREE_FAILURES`] failed sign-ins in a row the account is locked for a minute, doubling with
//! each further failure up to an hour ([`lock_minutes`]); a success clears the count. (Per
//! address, the server's backoff slows an address that keeps failing.) A refusal says nothing
//! of which part was wrong, and an unknown email costs the same hashing as a known one.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Utc};
use rand::RngCore as _;
use serde_json::json;
use totp_rs::{Builder, Secret as TotpSecret, Totp};

use super::accounts::{Administrator, AdministratorState};
use crate::audit::{self, Actor, Subject};
use crate::db;
use crate::error::{CoreError, CoreResult};
use crate::store::Store;
use crate::time::to_time;

/// The shortest password accepted.
pub const MIN_PASSWORD: usize = 12;
/// The longest password accepted (hashing cost grows with the input).
pub const MAX_PASSWORD: usize = 256;
/// Failed sign-ins in a row an account takes before it is locked.
pub const FREE_FAILURES: i64 = 5;
/// The longest an account is locked.
pub const MAX_LOCK_MINUTES: i64 = 60;
/// The issuer authenticator apps show.
const ISSUER: &str = "SCIM Console";

/// How long an account is locked after `failures` failed sign-ins in a row: nothing up to
/// [`FREE_FAILURES`], then 1, 2, 4 … minutes, at most [`MAX_LOCK_MINUTES`].
pub fn lock_minutes(failures: i64) -> i64 {
    if failures < FREE_FAILURES {
        return 0;
    }
    let doublings = u32::try_from((failures - FREE_FAILURES).min(10)).unwrap_or(10);
    (1_i64 << doublings).min(MAX_LOCK_MINUTES)
}

/// A new TOTP secret for an authenticator app: shown to the administrator, then given back
/// with a first code to [`Store::set_administrator_password`].
#[derive(Debug, Clone)]
pub struct TotpEnrolment {
    /// The secret, base32 (what apps accept typed in).
    pub secret: String,
    /// The `otpauth://` URI (what a QR code holds).
    pub uri: String,
}

fn totp(secret: TotpSecret, account: &str) -> CoreResult<Totp> {
    Builder::new()
        .with_secret(secret)
        .with_account_name(account.replace(':', "_"))
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| CoreError::invalid("totpSecret", format!("not a usable TOTP secret: {e}")))
}

/// A fresh TOTP secret (160 random bits) for the administrator `email`.
pub fn new_totp(email: &str) -> CoreResult<TotpEnrolment> {
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let totp = totp(TotpSecret::new_stack(bytes), email)?;
    Ok(TotpEnrolment {
        secret: totp.secret().to_base32(),
        uri: totp
            .to_url()
            .map_err(|e| CoreError::Corrupt(format!("otpauth URI: {e}")))?,
    })
}

/// The step `code` is valid for under `secret` (base32) now, if it is valid.
fn check_code(secret: &str, email: &str, code: &str, now_s: u64) -> CoreResult<Option<u64>> {
    let secret = TotpSecret::try_from_base32(secret.trim().replace(' ', "").to_uppercase())
        .map_err(|_| CoreError::invalid("totpSecret", "not a base32 TOTP secret"))?;
    let totp = totp(secret, email)?;
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    Ok(totp.check(&code, now_s))
}

/// The password checked for length and against the email.
fn checked_password(password: &str, email: &str) -> CoreResult<()> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD {
        return Err(CoreError::invalid(
            "password",
            format!("a password has at least {MIN_PASSWORD} characters"),
        ));
    }
    if password.len() > MAX_PASSWORD {
        return Err(CoreError::invalid(
            "password",
            format!("a password has at most {MAX_PASSWORD} bytes"),
        ));
    }
    if password.trim().eq_ignore_ascii_case(email.trim()) {
        return Err(CoreError::invalid(
            "password",
            "the password cannot be the email address",
        ));
    }
    Ok(())
}

/// The argon2 computations allowed at once: a storm of sign-ins (anyone may post one) takes
/// one core at most and queues, leaving the others to serve provisioning.
fn hashing() -> &'static tokio::sync::Semaphore {
    static PERMITS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| tokio::sync::Semaphore::new(1))
}

async fn hash_password(password: String) -> CoreResult<String> {
    let _permit = hashing()
        .acquire()
        .await
        .map_err(|_| CoreError::Corrupt("password hashing is closed".into()))?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        argon2::Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| CoreError::Corrupt(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| CoreError::Corrupt(format!("password hashing task failed: {e}")))?
}

/// A hash no password matches, verified when the account is unknown or has no password, so
/// that the answer takes as long either way.
fn decoy() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let mut random = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut random);
        argon2::Argon2::default()
            .hash_password(&random, &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

async fn verify_password(password: String, hash: Option<String>) -> CoreResult<bool> {
    let _permit = hashing()
        .acquire()
        .await
        .map_err(|_| CoreError::Corrupt("password hashing is closed".into()))?;
    tokio::task::spawn_blocking(move || {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| decoy().to_owned());
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return false;
        };
        known
            && argon2::Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
    })
    .await
    .map_err(|e| CoreError::Corrupt(format!("password check task failed: {e}")))
}

/// What a password sign-in comes to.
#[derive(Debug, Clone)]
pub enum PasswordSignIn {
    /// The email, password and code match an active administrator.
    SignedIn(Administrator),
    /// Something did not match (which is not said).
    Refused,
    /// The account is locked after failed sign-ins, until then.
    Locked(DateTime<Utc>),
}

/// A password sign-in's parts.
#[derive(Debug, Clone, Copy)]
pub struct PasswordAttempt<'a> {
    /// The email typed.
    pub email: &'a str,
    /// The password typed.
    pub password: &'a str,
    /// The authenticator app's code.
    pub code: &'a str,
    /// The address it comes from.
    pub source: &'a str,
}

impl Store {
    /// Sets the password and TOTP second factor of the administrator `id`, from a secret
    /// [`new_totp`] made and a current code of it (which proves the app holds it). Audited;
    /// the failed sign-in count is cleared.
    pub async fn set_administrator_password(
        &self,
        id: &str,
        password: &str,
        totp_secret: &str,
        code: &str,
        actor: &Actor,
    ) -> CoreResult<()> {
        let administrator = self.administrator(id).await?;
        checked_password(password, &administrator.email)?;
        let now = self.now_us();
        let now_s = u64::try_from(now / 1_000_000).unwrap_or_default();
        let Some(step) = check_code(totp_secret, &administrator.email, code, now_s)? else {
            return Err(CoreError::invalid(
                "code",
                "this code does not match the secret: type the code the authenticator app shows now (check the device's clock)",
            ));
        };
        let key = self.sealing_key().ok_or_else(|| {
            CoreError::invalid(
                "totpSecret",
                "this console has no master key to seal a TOTP secret with",
            )
        })?;
        let sealed = key.seal(totp_secret.trim())?;
        let hash = hash_password(password.to_owned()).await?;
        let mut conn = self.writer().await?;
        let mut tx = conn.begin().await?;
        db::query(
            "UPDATE administrators SET password_hash = ?, totp_sealed = ?, totp_step = ?, failures = 0, locked_until_us = NULL WHERE id = ?",
        )
        .bind(hash)
        .bind(sealed)
        .bind(i64::try_from(step).unwrap_or(i64::MAX))
        .bind(&administrator.id)
        .execute(&mut tx)
        .await?;
        audit::record(
            &mut tx,
            now,
            actor,
            "administrator.password",
            Subject {
                configuration: None,
                target: Some(&administrator.id),
            },
            &json!({"email": administrator.email, "secondFactor": "totp"}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes the password and TOTP of the administrator `key` (it lost its device): it signs
    /// in next with a one-time link and sets new ones. Audited.
    pub async fn clear_administrator_password(&self, key: &str, actor: &Actor) -> CoreResult<()> {
        let administrator = self.administrator(key).await?;
        let mut conn = self.writer().await?;
        let mut tx = conn.begin().await?;
        db::query(
            "UPDATE administrators SET password_hash = NULL, totp_sealed = NULL, totp_step = NULL, failures = 0, locked_until_us = NULL WHERE id = ?",
        )
        .bind(&administrator.id)
        .execute(&mut tx)
        .await?;
        audit::record(
            &mut tx,
            self.now_us(),
            actor,
            "administrator.password.clear",
            Subject {
                configuration: None,
                target: Some(&administrator.id),
            },
            &json!({"email": administrator.email}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Signs in with an email, a password and a TOTP code. Every failure counts against the
    /// account ([`lock_minutes`]); a success is in the audit log as the administrator's.
    pub async fn sign_in_with_password(
        &self,
        attempt: PasswordAttempt<'_>,
    ) -> CoreResult<PasswordSignIn> {
        let now = self.now_us();
        let row = db::query(
            "SELECT id, password_hash, totp_sealed, totp_step, failures, locked_until_us, disabled_us
             FROM administrators WHERE email_folded = ?",
        )
        .bind(attempt.email.trim().to_lowercase())
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            verify_password(attempt.password.to_owned(), None).await?;
            return Ok(PasswordSignIn::Refused);
        };
        let id: String = row.try_get("id")?;
        if let Some(until) = row
            .try_get::<Option<i64>, _>("locked_until_us")?
            .filter(|u| *u > now)
        {
            return Ok(PasswordSignIn::Locked(to_time(until)?));
        }
        let hash: Option<String> = row.try_get("password_hash")?;
        let password_ok = verify_password(attempt.password.to_owned(), hash).await?;
        let sealed: Option<Vec<u8>> = row.try_get("totp_sealed")?;
        let last_step: Option<i64> = row.try_get("totp_step")?;
        let step = match (sealed, self.sealing_key()) {
            (Some(sealed), Some(key)) => {
                let secret = key.open(&sealed)?;
                let now_s = u64::try_from(now / 1_000_000).unwrap_or_default();
                check_code(&secret, attempt.email, attempt.code, now_s)?
                    .and_then(|s| i64::try_from(s).ok())
                    .filter(|s| last_step.is_none_or(|last| *s > last))
            }
            _ => None,
        };
        let disabled: Option<i64> = row.try_get("disabled_us")?;
        let mut conn = self.writer().await?;
        let mut tx = conn.begin().await?;
        let (true, Some(step), None) = (password_ok, step, disabled) else {
            let failures: i64 = row.try_get::<i64, _>("failures")? + 1;
            let lock = lock_minutes(failures);
            let until = (lock > 0).then_some(now + lock * 60_000_000);
            db::query(
                "UPDATE administrators SET failures = failures + 1, locked_until_us = ? WHERE id = ?",
            )
            .bind(until)
            .bind(&id)
            .execute(&mut tx)
            .await?;
            if lock > 0 {
                audit::record(
                    &mut tx,
                    now,
                    &Actor::new("system", attempt.source),
                    "administrator.lock",
                    Subject {
                        configuration: None,
                        target: Some(&id),
                    },
                    &json!({"failures": failures, "minutes": lock}),
                )
                .await?;
            }
            tx.commit().await?;
            return Ok(PasswordSignIn::Refused);
        };
        // Recording the step is what accepts the code: of two sign-ins racing with one code,
        // one wins.
        let accepted = db::query(
            "UPDATE administrators SET failures = 0, locked_until_us = NULL, totp_step = ?
             WHERE id = ? AND (totp_step IS NULL OR totp_step < ?)",
        )
        .bind(step)
        .bind(&id)
        .bind(step)
        .execute(&mut tx)
        .await?
        .rows_affected();
        if accepted == 0 {
            return Ok(PasswordSignIn::Refused);
        }
        let administrator = self.administrator_on(&mut tx, &id).await?;
        if administrator.state == AdministratorState::Disabled {
            return Ok(PasswordSignIn::Refused);
        }
        audit::record(
            &mut tx,
            now,
            &Actor::new(administrator.email.clone(), attempt.source),
            "administrator.sign-in",
            Subject {
                configuration: None,
                target: Some(&administrator.id),
            },
            &json!({"by": "password and TOTP"}),
        )
        .await?;
        tx.commit().await?;
        Ok(PasswordSignIn::SignedIn(administrator))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_double_after_the_free_failures_up_to_an_hour() {
        assert_eq!(lock_minutes(1), 0);
        assert_eq!(lock_minutes(FREE_FAILURES - 1), 0);
        assert_eq!(lock_minutes(FREE_FAILURES), 1);
        assert_eq!(lock_minutes(FREE_FAILURES + 1), 2);
        assert_eq!(lock_minutes(FREE_FAILURES + 3), 8);
        assert_eq!(lock_minutes(FREE_FAILURES + 40), MAX_LOCK_MINUTES);
    }

    #[test]
    fn a_code_matches_its_secret_around_now_only() {
        let enrolment = new_totp("ada@contoso.com").unwrap();
        assert!(
            enrolment
                .uri
                .starts_with("otpauth://totp/SCIM%20Console:ada%40contoso.com?")
        );
        assert!(
            enrolment
                .uri
                .contains(&format!("secret={}", enrolment.secret))
        );
        let secret = TotpSecret::try_from_base32(&enrolment.secret).unwrap();
        let app = totp(secret, "ada@contoso.com").unwrap();
        let now = 1_800_000_000;
        let code = app.generate(now).to_string();
        assert_eq!(
            check_code(&enrolment.secret, "ada@contoso.com", &code, now).unwrap(),
            Some(now / 30)
        );
        assert_eq!(
            check_code(&enrolment.secret, "ada@contoso.com", &code, now + 30).unwrap(),
            Some(now / 30),
            "one step of skew"
        );
        assert_eq!(
            check_code(&enrolment.secret, "ada@contoso.com", &code, now + 120).unwrap(),
            None
        );
        assert!(check_code("not base32!", "a@b.c", "123456", now).is_err());
    }

    #[test]
    fn passwords_are_long_enough_and_not_the_email() {
        assert!(checked_password("short", "a@b.co").is_err());
        assert!(checked_password("ada@contoso.com", "Ada@Contoso.com").is_err());
        assert!(checked_password(&"x".repeat(MAX_PASSWORD + 1), "a@b.co").is_err());
        assert!(checked_password("correct horse battery", "a@b.co").is_ok());
    }
}
