//! The console's SMTP relay, for alerts by email: host, port, how the connection is secured
//! (STARTTLS, implicit TLS, or none), the account it signs in with (its password sealed under
//! the master key, never shown again), the sender, and the relay's certificate when a private
//! authority signed it. One per console, shared by every instance; changes are audited.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::audit::{self, Actor, Subject};
use crate::db;
use crate::error::{CoreError, CoreResult};
use crate::store::Store;
use crate::time::to_time;
use crate::token::Secret;

/// How the connection to the relay is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum EmailSecurity {
    /// Plain at first, then upgraded with STARTTLS, which is required (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on this machine or its private network (port 25).
    None,
}

impl EmailSecurity {
    fn as_str(self) -> &'static str {
        match self {
            Self::StartTls => "starttls",
            Self::Tls => "tls",
            Self::None => "none",
        }
    }

    fn parse(text: &str) -> CoreResult<Self> {
        match text {
            "starttls" => Ok(Self::StartTls),
            "tls" => Ok(Self::Tls),
            "none" => Ok(Self::None),
            other => Err(CoreError::Corrupt(format!("email security {other}"))),
        }
    }
}

/// The relay, as shown: never its password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EmailSettings {
    /// The relay's host name.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// How the connection is secured.
    pub security: EmailSecurity,
    /// The account it signs in with, if any.
    pub username: Option<String>,
    /// Whether a password is stored (it is never shown).
    pub password_set: bool,
    /// The sender address of every email.
    pub from: String,
    /// The relay's certificate authority (PEM), when a private one signed its certificate.
    pub trusted_certificate: Option<String>,
    /// When it was last changed.
    pub updated: DateTime<Utc>,
    /// Who changed it.
    pub updated_by: String,
}

/// The relay to set.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewEmailSettings {
    /// The relay's host name.
    pub host: String,
    /// Its port (587 for STARTTLS, 465 for TLS, 25 for none).
    pub port: u16,
    /// How the connection is secured.
    pub security: EmailSecurity,
    /// The account it signs in with, if any.
    #[serde(default)]
    pub username: Option<String>,
    /// The account's password: absent keeps the stored one, empty removes it.
    #[serde(default)]
    pub password: Option<String>,
    /// The sender address of every email.
    pub from: String,
    /// The relay's certificate authority (PEM), when a private one signed its certificate.
    #[serde(default)]
    pub trusted_certificate: Option<String>,
}

/// The relay with its password opened, for sending.
#[derive(Debug, Clone)]
pub struct EmailRelay {
    /// The relay's host name.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// How the connection is secured.
    pub security: EmailSecurity,
    /// The account and its password, when it signs in.
    pub credentials: Option<(String, Secret)>,
    /// The sender address.
    pub from: String,
    /// The relay's certificate authority (PEM), if a private one.
    pub trusted_certificate: Option<String>,
}

/// The most recipients an alert rule sends to.
pub const MAX_RECIPIENTS: usize = 20;
const MAX_ADDRESS: usize = 254;
const MAX_CERTIFICATE: usize = 64 * 1024;

/// An email address checked (`name@domain.example`, no spaces, at most 254 characters), for the
/// input field `field`.
pub fn checked_address(field: &'static str, address: &str) -> CoreResult<String> {
    let address = address.trim();
    let invalid = |why: &str| CoreError::invalid(field, format!("\"{address}\" {why}"));
    if address.chars().count() > MAX_ADDRESS {
        return Err(invalid(
            "is longer than an email address can be (254 characters)",
        ));
    }
    let Some((local, domain)) = address.split_once('@') else {
        return Err(invalid("is not an email address (no @)"));
    };
    if local.is_empty() || domain.is_empty() || domain.contains('@') || !domain.contains('.') {
        return Err(invalid("is not an email address (name@domain.example)"));
    }
    if address.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid("has a space or a control character"));
    }
    Ok(address.to_owned())
}

/// Recipients checked: each an address, each once, at most [`MAX_RECIPIENTS`].
pub fn checked_recipients(field: &'static str, recipients: &[String]) -> CoreResult<Vec<String>> {
    if recipients.len() > MAX_RECIPIENTS {
        return Err(CoreError::invalid(
            field,
            format!("at most {MAX_RECIPIENTS} recipients"),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(recipients.len());
    for recipient in recipients {
        let address = checked_address(field, recipient)?;
        if !out.iter().any(|a| a.eq_ignore_ascii_case(&address)) {
            out.push(address);
        }
    }
    Ok(out)
}

fn checked(new: &NewEmailSettings) -> CoreResult<()> {
    let host = new.host.trim();
    if host.is_empty()
        || host.len() > 253
        || host
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '/')
    {
        return Err(CoreError::invalid(
            "host",
            "a host name or address, like smtp.contoso.com",
        ));
    }
    if new.port == 0 {
        return Err(CoreError::invalid("port", "1 to 65535"));
    }
    checked_address("from", &new.from)?;
    if let Some(user) = &new.username
        && (user.len() > 320 || user.chars().any(char::is_control))
    {
        return Err(CoreError::invalid(
            "username",
            "at most 320 printable characters",
        ));
    }
    if let Some(pem) = &new.trusted_certificate
        && (pem.len() > MAX_CERTIFICATE || !pem.contains("-----BEGIN CERTIFICATE-----"))
    {
        return Err(CoreError::invalid(
            "trustedCertificate",
            "a PEM certificate (-----BEGIN CERTIFICATE-----), at most 64 KiB",
        ));
    }
    Ok(())
}

impl Store {
    /// The relay, if one is set.
    pub async fn email_settings(&self) -> CoreResult<Option<EmailSettings>> {
        let row = db::query(
            "SELECT host, port, security, username, password_sealed IS NOT NULL AS password_set, from_address,
                    trusted_certificate, updated_us, updated_by FROM email_settings WHERE id = 1",
        )
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(EmailSettings {
            host: row.try_get("host")?,
            port: u16::try_from(row.try_get::<i64, _>("port")?)
                .map_err(|_| CoreError::Corrupt("email port".into()))?,
            security: EmailSecurity::parse(&row.try_get::<String, _>("security")?)?,
            username: row.try_get("username")?,
            password_set: row.try_get("password_set")?,
            from: row.try_get("from_address")?,
            trusted_certificate: row.try_get("trusted_certificate")?,
            updated: to_time(row.try_get("updated_us")?)?,
            updated_by: row.try_get("updated_by")?,
        }))
    }

    /// Sets the relay (its password sealed; absent keeps the stored one, empty removes it).
    pub async fn set_email_settings(
        &self,
        new: &NewEmailSettings,
        actor: &Actor,
    ) -> CoreResult<EmailSettings> {
        checked(new)?;
        let sealed = match new.password.as_deref() {
            Some("") | None => None,
            Some(password) => Some(
                self.sealing_key()
                    .ok_or_else(|| {
                        CoreError::Forbidden(
                            "a relay password needs the console's master key, which this process did not load".into(),
                        )
                    })?
                    .seal(password)?,
            ),
        };
        let now = self.now_us();
        let mut w = self.writer().await?;
        let mut tx = w.begin().await?;
        let keep_password = new.password.is_none();
        db::query(
            "INSERT INTO email_settings (id, host, port, security, username, password_sealed, from_address, trusted_certificate, updated_us, updated_by)
             VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET host = excluded.host, port = excluded.port, security = excluded.security,
               username = excluded.username,
               password_sealed = CASE WHEN ? = 1 THEN email_settings.password_sealed ELSE excluded.password_sealed END,
               from_address = excluded.from_address, trusted_certificate = excluded.trusted_certificate,
               updated_us = excluded.updated_us, updated_by = excluded.updated_by",
        )
        .bind(new.host.trim())
        .bind(i64::from(new.port))
        .bind(new.security.as_str())
        .bind(new.username.as_deref().map(str::trim).filter(|u| !u.is_empty()))
        .bind(sealed)
        .bind(new.from.trim())
        .bind(new.trusted_certificate.as_deref().map(str::trim).filter(|c| !c.is_empty()))
        .bind(now)
        .bind(&actor.name)
        .bind(keep_password)
        .execute(&mut tx)
        .await?;
        audit::record(
            &mut tx,
            now,
            actor,
            "email.settings",
            Subject {
                configuration: None,
                target: Some(new.host.trim()),
            },
            &json!({
                "host": new.host.trim(), "port": new.port, "security": new.security.as_str(),
                "from": new.from.trim(), "passwordChanged": !keep_password,
            }),
        )
        .await?;
        tx.commit().await?;
        drop(w);
        self.email_settings()
            .await?
            .ok_or_else(|| CoreError::Corrupt("email settings vanished".into()))
    }

    /// Removes the relay: alerts stop going out by email.
    pub async fn delete_email_settings(&self, actor: &Actor) -> CoreResult<()> {
        let now = self.now_us();
        let mut w = self.writer().await?;
        let mut tx = w.begin().await?;
        let gone = db::query("DELETE FROM email_settings WHERE id = 1")
            .execute(&mut tx)
            .await?;
        if gone.rows_affected() == 0 {
            return Err(CoreError::NotFound("no email relay is set".into()));
        }
        audit::record(
            &mut tx,
            now,
            actor,
            "email.delete",
            Subject {
                configuration: None,
                target: None,
            },
            &json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Writes down a test email an admin sent: to whom, and what came of it.
    pub async fn record_email_test(
        &self,
        to: &str,
        outcome: &str,
        actor: &Actor,
    ) -> CoreResult<()> {
        let mut w = self.writer().await?;
        audit::record(
            &mut w,
            self.now_us(),
            actor,
            "email.test",
            Subject {
                configuration: None,
                target: Some(to),
            },
            &json!({ "outcome": outcome }),
        )
        .await
    }

    /// The relay with its password opened, for sending; `None` when none is set.
    pub async fn email_relay(&self) -> CoreResult<Option<EmailRelay>> {
        let row = db::query(
            "SELECT host, port, security, username, password_sealed, from_address, trusted_certificate
             FROM email_settings WHERE id = 1",
        )
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let sealed: Option<Vec<u8>> = row.try_get("password_sealed")?;
        let password = match sealed {
            None => None,
            Some(sealed) => Some(Secret::new(
                self.sealing_key()
                    .ok_or_else(|| {
                        CoreError::Forbidden(
                            "the relay's password needs the console's master key".into(),
                        )
                    })?
                    .open(&sealed)?,
            )),
        };
        let username: Option<String> = row.try_get("username")?;
        Ok(Some(EmailRelay {
            host: row.try_get("host")?,
            port: u16::try_from(row.try_get::<i64, _>("port")?)
                .map_err(|_| CoreError::Corrupt("email port".into()))?,
            security: EmailSecurity::parse(&row.try_get::<String, _>("security")?)?,
            credentials: username
                .map(|u| (u, password.unwrap_or_else(|| Secret::new(String::new())))),
            from: row.try_get("from_address")?,
            trusted_certificate: row.try_get("trusted_certificate")?,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_recipients_are_checked() {
        assert_eq!(
            checked_address("from", " alerts@contoso.com ").ok(),
            Some("alerts@contoso.com".to_owned())
        );
        for bad in [
            "alerts",
            "@contoso.com",
            "a@b",
            "a b@contoso.com",
            "a@b@c.com",
        ] {
            assert!(checked_address("from", bad).is_err(), "{bad}");
        }
        let many: Vec<String> = (0..21).map(|i| format!("u{i}@contoso.com")).collect();
        assert!(checked_recipients("emailTo", &many).is_err());
        assert_eq!(
            checked_recipients("emailTo", &["a@contoso.com".into(), "A@CONTOSO.com".into()]).ok(),
            Some(vec!["a@contoso.com".to_owned()])
        );
    }
}
