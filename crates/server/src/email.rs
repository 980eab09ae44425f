//! Sending email through the console's SMTP relay ([`scim_console_core::email`]): STARTTLS
//! (required, not opportunistic), implicit TLS or plain, the relay's certificate checked
//! against the system's authorities and the private one the admin gave, the account's password
//! sent only over an encrypted connection — or over plain SMTP when the admin chose it.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use scim_console_core::email::{EmailRelay, EmailSecurity};

/// How long one delivery may take, connection to the relay's answer.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(20);

/// An email to send.
#[derive(Debug, Clone)]
pub struct Email<'a> {
    /// The recipients.
    pub to: &'a [String],
    /// The subject.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
}

/// Why an email was not sent, in words (never the password).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SendError(pub String);

fn transport(relay: &EmailRelay) -> Result<AsyncSmtpTransport<Tokio1Executor>, SendError> {
    crate::tls::install_crypto_provider();
    let tls = || -> Result<TlsParameters, SendError> {
        let mut parameters = TlsParameters::builder(relay.host.clone());
        if let Some(pem) = &relay.trusted_certificate {
            let certificate = Certificate::from_pem(pem.as_bytes()).map_err(|e| {
                SendError(format!(
                    "the relay's trusted certificate is not a PEM certificate: {e}"
                ))
            })?;
            parameters = parameters.add_root_certificate(certificate);
        }
        parameters
            .build_rustls()
            .map_err(|e| SendError(format!("TLS could not be set up: {e}")))
    };
    let builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(relay.host.as_str())
        .port(relay.port)
        .timeout(Some(SEND_TIMEOUT));
    let builder = match relay.security {
        EmailSecurity::StartTls => builder.tls(Tls::Required(tls()?)),
        EmailSecurity::Tls => builder.tls(Tls::Wrapper(tls()?)),
        EmailSecurity::None => builder.tls(Tls::None),
    };
    let builder = match &relay.credentials {
        Some((user, password)) => {
            builder.credentials(Credentials::new(user.clone(), password.expose().to_owned()))
        }
        None => builder,
    };
    Ok(builder.build())
}

fn mailbox(address: &str, what: &str) -> Result<Mailbox, SendError> {
    address
        .parse::<Mailbox>()
        .map_err(|e| SendError(format!("{what} \"{address}\" is not an address: {e}")))
}

/// Sends `email` through `relay`: what the relay answered, or why it was not sent.
pub async fn send(relay: &EmailRelay, email: &Email<'_>) -> Result<String, SendError> {
    let mut message = Message::builder()
        .from(mailbox(&relay.from, "the sender")?)
        .subject(email.subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .user_agent(crate::outbound::http::user_agent("alerts"));
    for to in email.to {
        message = message.to(mailbox(to, "the recipient")?);
    }
    let message = message
        .body(email.body.clone())
        .map_err(|e| SendError(format!("the email could not be built: {e}")))?;
    let answer = transport(relay)?
        .send(message)
        .await
        .map_err(|e| SendError(describe(&e)))?;
    Ok(format!(
        "accepted by {}:{} ({} {})",
        relay.host,
        relay.port,
        answer.code(),
        answer.message().next().unwrap_or_default()
    ))
}

/// A delivery failure, in words an admin can act on.
fn describe(error: &lettre::transport::smtp::Error) -> String {
    if error.is_timeout() {
        format!(
            "the relay did not answer within {} s",
            SEND_TIMEOUT.as_secs()
        )
    } else if error.is_permanent() {
        format!("the relay refused the email: {error}")
    } else if error.is_transient() {
        format!("the relay refused the email for now (try again later): {error}")
    } else if error.is_tls() || error.to_string().contains("certificate") {
        format!(
            "TLS with the relay failed (is its certificate signed by an authority this console trusts, or given as the trusted certificate? is the security setting the relay's?): {error}"
        )
    } else {
        format!("could not deliver to the relay: {error}")
    }
}
