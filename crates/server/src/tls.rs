//! TLS with rustls (ring provider; TLS 1.3 and 1.2 with modern cipher suites only): a
//! certificate and key from PEM files, or a self-signed certificate generated once and kept in
//! the data directory.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};

/// Where the certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsSource {
    /// PEM files: a certificate chain and its private key.
    Files {
        /// The certificate chain (leaf first).
        cert: PathBuf,
        /// The private key.
        key: PathBuf,
    },
    /// A self-signed certificate for `localhost` and the machine's addresses, generated on
    /// first use and kept in `dir` (the key readable by the owner only).
    SelfSigned {
        /// Where to keep it.
        dir: PathBuf,
        /// Extra names to put in the certificate (host names or IP addresses).
        names: Vec<String>,
    },
}

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// A PEM file holds no usable certificate or key.
    #[error("{path}: {what}")]
    Pem {
        /// The file.
        path: String,
        /// What is missing or wrong.
        what: String,
    },
    /// rustls refused the certificate and key (e.g. they do not match).
    #[error("the certificate and key cannot be used together: {0}")]
    Rustls(#[from] rustls::Error),
    /// The self-signed certificate could not be generated.
    #[error("generating the self-signed certificate failed: {0}")]
    Generate(#[from] rcgen::Error),
}

/// A loaded TLS configuration and what to tell the admin about it.
pub struct LoadedTls {
    /// The rustls server configuration.
    pub config: Arc<ServerConfig>,
    /// The SHA-256 fingerprint of the leaf certificate (for pinning or trusting it).
    pub fingerprint: String,
    /// The certificate file in use.
    pub cert_path: PathBuf,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> TlsError + '_ {
    move |source| TlsError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn read_pair(
    cert: &Path,
    key: &Path,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), TlsError> {
    let cert_bytes = std::fs::read(cert).map_err(io(cert))?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_bytes)
        .collect::<Result<_, _>>()
        .map_err(|e| TlsError::Pem {
            path: cert.display().to_string(),
            what: format!("not a PEM certificate file ({e})"),
        })?;
    if chain.is_empty() {
        return Err(TlsError::Pem {
            path: cert.display().to_string(),
            what: "holds no CERTIFICATE block".into(),
        });
    }
    let key_bytes = std::fs::read(key).map_err(io(key))?;
    let key_der = PrivateKeyDer::from_pem_slice(&key_bytes).map_err(|e| TlsError::Pem {
        path: key.display().to_string(),
        what: format!("holds no usable private key ({e})"),
    })?;
    Ok((chain, key_der))
}

fn self_signed(dir: &Path, names: &[String]) -> Result<(PathBuf, PathBuf), TlsError> {
    let cert = dir.join("self-signed.crt");
    let key = dir.join("self-signed.key");
    if cert.exists() && key.exists() {
        return Ok((cert, key));
    }
    scim_console_core::files::private_dir(dir).map_err(io(dir))?;
    let mut all = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    all.extend(names.iter().filter(|n| !n.is_empty()).cloned());
    all.dedup();
    let generated = rcgen::generate_simple_self_signed(all)?;
    std::fs::write(&cert, generated.cert.pem()).map_err(io(&cert))?;
    write_private(&key, generated.signing_key.serialize_pem().as_bytes())?;
    Ok((cert, key))
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), TlsError> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(io(path))?;
    file.write_all(bytes).map_err(io(path))
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), TlsError> {
    std::fs::write(path, bytes).map_err(io(path))
}

/// Makes ring the process's rustls crypto provider, which the console's outbound HTTPS client
/// (reqwest, built without a provider of its own) uses. Call it before building a
/// `reqwest::Client`; calling it again does nothing.
pub fn install_crypto_provider() {
    // Refused only when a provider is installed already: then that one is used.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The SHA-256 fingerprint of a DER certificate as `serve` prints it: upper-case hex bytes
/// joined by colons (`AB:CD:…`).
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Loads (or generates) the certificate and builds the rustls configuration.
pub fn load(source: &TlsSource) -> Result<LoadedTls, TlsError> {
    let (cert_path, key_path) = match source {
        TlsSource::Files { cert, key } => (cert.clone(), key.clone()),
        TlsSource::SelfSigned { dir, names } => self_signed(dir, names)?,
    };
    let (chain, key) = read_pair(&cert_path, &key_path)?;
    let fingerprint = fingerprint(chain[0].as_ref());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(LoadedTls {
        config: Arc::new(config),
        fingerprint,
        cert_path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_signed_certificates_are_made_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let source = TlsSource::SelfSigned {
            dir: dir.path().to_path_buf(),
            names: vec!["scim.example.test".into()],
        };
        let first = load(&source).unwrap();
        let second = load(&source).unwrap();
        assert_eq!(first.fingerprint, second.fingerprint);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.path().join("self-signed.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn bad_files_say_which_file_and_why() {
        let dir = tempfile::tempdir().unwrap();
        let cert = dir.path().join("c.pem");
        let key = dir.path().join("k.pem");
        std::fs::write(&cert, "not pem").unwrap();
        std::fs::write(&key, "not pem").unwrap();
        let err = load(&TlsSource::Files {
            cert: cert.clone(),
            key: key.clone(),
        })
        .err()
        .unwrap();
        assert!(err.to_string().contains("c.pem"), "{err}");
        let missing = load(&TlsSource::Files {
            cert: dir.path().join("nope.pem"),
            key,
        })
        .err()
        .unwrap();
        assert!(missing.to_string().contains("nope.pem"), "{missing}");
        // A certificate with another certificate's key.
        let a = load(&TlsSource::SelfSigned {
            dir: dir.path().join("a"),
            names: vec![],
        })
        .unwrap();
        load(&TlsSource::SelfSigned {
            dir: dir.path().join("b"),
            names: vec![],
        })
        .unwrap();
        let mismatched = load(&TlsSource::Files {
            cert: a.cert_path,
            key: dir.path().join("b/self-signed.key"),
        })
        .err()
        .unwrap();
        assert!(
            mismatched.to_string().contains("cannot be used together"),
            "{mismatched}"
        );
    }
}
