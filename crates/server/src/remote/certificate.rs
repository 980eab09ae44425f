//! A remote console's certificate: trusted as this system trusts any site's, or — for the
//! self-signed certificate `scim-console serve --tls-self-signed` makes — pinned by the SHA-256
//! fingerprint an admin compared with the one `serve` printed. A pinned connection accepts that
//! certificate and no other: a changed one is refused until it is confirmed again.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::DigitallySignedStruct;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use serde::{Deserialize, Serialize};

use super::{RemoteError, RemoteUrl};

/// How long a connection may take to open.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a question to the remote (its health, who the token is) may take.
const ASK_TIMEOUT: Duration = Duration::from_secs(20);
/// The most of such an answer read (a console's configuration list with every health included).
const MAX_ANSWER: usize = 16 * 1024 * 1024;

/// A certificate's SHA-256 fingerprint, as `serve` prints it: `AB:CD:…` (32 bytes).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Fingerprint(String);

impl Fingerprint {
    /// The fingerprint of a DER certificate.
    pub fn of(der: &[u8]) -> Self {
        Self(crate::tls::fingerprint(der))
    }

    /// Reads a fingerprint as pasted: hex, any case, with or without colons or spaces.
    pub fn parse(text: &str) -> Result<Self, RemoteError> {
        let hex: String = text
            .chars()
            .filter(|c| !matches!(c, ':' | ' ' | '-'))
            .collect();
        if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(RemoteError::Address(
                "a SHA-256 fingerprint is 32 bytes in hex (AB:CD:…)".to_owned(),
            ));
        }
        let upper = hex.to_ascii_uppercase();
        let pairs: Vec<&str> = (0..32).map(|i| &upper[i * 2..i * 2 + 2]).collect();
        Ok(Self(pairs.join(":")))
    }

    /// The fingerprint's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Fingerprint {
    type Error = RemoteError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<Fingerprint> for String {
    fn from(f: Fingerprint) -> Self {
        f.0
    }
}

/// Which certificates a connection accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// Those this system trusts for the address's name (a public CA, the company's own).
    System,
    /// This one certificate and no other.
    Pinned(Fingerprint),
}

/// The certificate a server presented in a handshake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Presented {
    /// Its fingerprint.
    pub fingerprint: Fingerprint,
    /// Whether this system trusts it for the address's name.
    pub system_trusted: bool,
}

/// What a first look at a console found, before any secret is sent.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Probe {
    /// The console's version (from `/api/health`).
    pub version: String,
    /// Its certificate (none over plain http to this machine).
    pub certificate: Option<Presented>,
    /// Its identity provider for signing in, when it has one (`Sign in with …`).
    pub provider: Option<String>,
}

impl Probe {
    /// The trust a connection needs: the system's when it trusts the certificate, else the
    /// presented certificate pinned (once an admin confirmed it).
    pub fn needs_confirmation(&self) -> bool {
        self.certificate.as_ref().is_some_and(|c| !c.system_trusted)
    }
}

/// The certificate seen in the last handshake of a client (to explain a refusal).
type Seen = Arc<Mutex<Option<Presented>>>;

/// What the verifier decides.
#[derive(Debug, Clone)]
enum Mode {
    /// Accept as `Trust` says.
    Enforce(Trust),
    /// Accept any certificate, only noting it: for a probe, which sends no secret.
    Observe,
}

#[derive(Debug)]
struct Verifier {
    mode: Mode,
    platform: rustls_platform_verifier::Verifier,
    provider: Arc<CryptoProvider>,
    seen: Seen,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let fingerprint = Fingerprint::of(end_entity.as_ref());
        // A pinned certificate is that one and no other: the system's opinion is not asked.
        if let Mode::Enforce(Trust::Pinned(pin)) = &self.mode {
            *self
                .seen
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Presented {
                fingerprint: fingerprint.clone(),
                system_trusted: false,
            });
            return if *pin == fingerprint {
                Ok(ServerCertVerified::assertion())
            } else {
                Err(rustls::Error::General(
                    "the certificate is not the one pinned".to_owned(),
                ))
            };
        }
        let system = self.platform.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        *self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Presented {
            fingerprint: fingerprint.clone(),
            system_trusted: system.is_ok(),
        });
        match &self.mode {
            Mode::Enforce(Trust::System) => system,
            _ => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// An HTTP client to one console that accepts the certificates `trust` allows, with no
/// deadline on a whole exchange (the log's live stream lasts); the certificate of its last
/// handshake is noted for explaining a refusal.
#[derive(Debug, Clone)]
pub struct RemoteClient {
    http: reqwest::Client,
    base: RemoteUrl,
    trust: Option<Trust>,
    seen: Seen,
}

impl RemoteClient {
    /// A client for `base`, accepting what `trust` allows.
    pub fn new(base: &RemoteUrl, trust: &Trust, purpose: &str) -> Result<Self, RemoteError> {
        Self::build(base, Mode::Enforce(trust.clone()), purpose)
    }

    fn build(base: &RemoteUrl, mode: Mode, purpose: &str) -> Result<Self, RemoteError> {
        crate::tls::install_crypto_provider();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let platform = rustls_platform_verifier::Verifier::new(provider.clone())
            .map_err(|e| RemoteError::Refused(format!("this system's certificates: {e}")))?;
        let seen = Seen::default();
        let trust = match &mode {
            Mode::Enforce(trust) => Some(trust.clone()),
            Mode::Observe => None,
        };
        let verifier = Verifier {
            mode,
            platform,
            provider: provider.clone(),
            seen: seen.clone(),
        };
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| RemoteError::Refused(format!("TLS: {e}")))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let http = reqwest::Client::builder()
            .user_agent(crate::outbound::http::user_agent(purpose))
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .tls_backend_preconfigured(config)
            .build()
            .map_err(|e| RemoteError::Refused(format!("the HTTP client: {e}")))?;
        Ok(Self {
            http,
            base: base.clone(),
            trust,
            seen,
        })
    }

    /// The console's address.
    pub fn base(&self) -> &RemoteUrl {
        &self.base
    }

    /// A request to `path` under the console.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, self.base.join(path))
    }

    /// The error a failed exchange stands for: a changed or untrusted certificate when the
    /// handshake showed one, else the transport's failure in words.
    pub fn explain(&self, error: &reqwest::Error) -> RemoteError {
        let seen = self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        match (&self.trust, seen) {
            (Some(Trust::Pinned(pinned)), Some(seen)) if seen.fingerprint != *pinned => {
                RemoteError::CertificateChanged {
                    pinned: pinned.clone(),
                    presented: seen.fingerprint,
                }
            }
            (Some(Trust::System), Some(seen)) if !seen.system_trusted => RemoteError::Untrusted {
                presented: seen.fingerprint,
            },
            _ => RemoteError::Unreachable {
                url: self.base.to_string(),
                reason: crate::outbound::http::describe(error, ASK_TIMEOUT),
            },
        }
    }

    /// GETs `path` and reads its JSON answer (within a cap), with `token` as the bearer token
    /// when given.
    pub(super) async fn ask(
        &self,
        path: &str,
        token: Option<&str>,
    ) -> Result<(reqwest::StatusCode, serde_json::Value), RemoteError> {
        let mut request = self
            .request(reqwest::Method::GET, path)
            .timeout(ASK_TIMEOUT);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(|e| self.explain(&e))?;
        let status = response.status();
        let body = crate::outbound::http::read_capped(response, MAX_ANSWER)
            .await
            .map_err(|e| match e {
                crate::outbound::http::BodyError::Transport(e) => self.explain(&e),
                crate::outbound::http::BodyError::TooLarge(_) => RemoteError::Refused(format!(
                    "{} answered more than a console does: is it a SCIM Console?",
                    self.base
                )),
            })?;
        let json = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
        Ok((status, json))
    }

    /// The console's version, from its health (no credential sent).
    pub async fn version(&self) -> Result<String, RemoteError> {
        let (status, health) = self.ask("api/health", None).await?;
        match health["version"].as_str() {
            Some(version) if status.is_success() => Ok(version.to_owned()),
            _ => Err(RemoteError::Refused(format!(
                "{} answered {status} to /api/health: is it a SCIM Console?",
                self.base
            ))),
        }
    }

    /// Who `token` signs in as (the administrator's email, or what the server calls the
    /// credential); refused when the console does not accept it.
    pub async fn sign_in(&self, token: &str) -> Result<String, RemoteError> {
        let (status, me) = self.ask("api/me", Some(token)).await?;
        if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
            let said = me["error"]["message"].as_str().unwrap_or("no reason given");
            return Err(RemoteError::Refused(format!(
                "{} refused the API token: {said}",
                self.base
            )));
        }
        if !status.is_success() {
            return Err(RemoteError::Refused(format!(
                "{} answered {status} to /api/me",
                self.base
            )));
        }
        Ok(me["administrator"]["email"]
            .as_str()
            .or_else(|| me["via"].as_str())
            .unwrap_or("an administrator")
            .to_owned())
    }
}

/// Looks at a console before any secret is sent: its version and the certificate it presents
/// (whatever it is: this connection sends nothing but `GET /api/health` and
/// `GET /api/sign-in/methods`), and how one signs in to it.
pub async fn probe(base: &RemoteUrl) -> Result<Probe, RemoteError> {
    let client = RemoteClient::build(base, Mode::Observe, "connection")?;
    let version = client.version().await?;
    let certificate = if base.is_https() {
        client
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    } else {
        None
    };
    let provider = match client.ask("api/sign-in/methods", None).await {
        Ok((status, methods)) if status.is_success() => {
            methods["provider"].as_str().map(str::to_owned)
        }
        _ => None,
    };
    Ok(Probe {
        version,
        certificate,
        provider,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_read_as_pasted_and_shown_as_serve_prints_them() {
        let printed = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";
        let pasted = printed.to_lowercase().replace(':', " ");
        assert_eq!(Fingerprint::parse(&pasted).unwrap().as_str(), printed);
        assert_eq!(Fingerprint::parse(printed).unwrap().to_string(), printed);
        assert!(Fingerprint::parse("AB:CD").is_err());
        assert!(Fingerprint::parse(&printed.replace('A', "G")).is_err());
        assert_eq!(Fingerprint::of(b"x").as_str().len(), 95);
        let json = serde_json::to_string(&Fingerprint::parse(printed).unwrap()).unwrap();
        assert_eq!(json, format!("\"{printed}\""));
        assert!(serde_json::from_str::<Fingerprint>("\"nope\"").is_err());
    }
}
