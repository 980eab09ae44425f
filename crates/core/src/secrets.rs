//! The console's master key: 256 random bits from which the keys that sign OAuth access tokens
//! and seal stored outbound secrets (alert webhook addresses) are derived.
//!
//! Where it lives, in order:
//! 1. `SCIM_CONSOLE_MASTER_KEY` (32 bytes as base64 or hex), for servers whose secrets come
//!    from their orchestrator;
//! 2. `master.key` in the data directory (mode 0600), when a previous start put it there;
//! 3. the OS keychain (Secret Service on Linux, Keychain on macOS, Credential Manager on
//!    Windows) through the `keyring` crate — created there on first start;
//! 4. when no keychain is reachable (a headless server without a session bus), a new
//!    `master.key` file, mode 0600, with the reason said at start-up.
//!
//! A key once kept in the keychain is marked in the data directory (`master.key.keychain`), so a
//! later start that cannot reach the keychain refuses with a clear message instead of silently
//! using a different key.

use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rand::RngCore as _;

use crate::error::{CoreError, CoreResult};

/// The environment variable that supplies the master key.
pub const MASTER_KEY_ENV: &str = "SCIM_CONSOLE_MASTER_KEY";
/// The master key file's name in the data directory.
pub const MASTER_KEY_FILE: &str = "master.key";
const KEYCHAIN_MARKER: &str = "master.key.keychain";
const KEYCHAIN_SERVICE: &str = "scim-console";

/// The master key. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct MasterKey([u8; 32]);

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(***)")
    }
}

/// Where the master key was found or put.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// The `SCIM_CONSOLE_MASTER_KEY` environment variable.
    Environment,
    /// The OS keychain (`created` when this start put it there).
    Keychain {
        /// Whether this start created it.
        created: bool,
    },
    /// A file in the data directory (`created` when this start wrote it; `why` says why the
    /// keychain was not used, when it was tried).
    File {
        /// The file.
        path: PathBuf,
        /// Whether this start created it.
        created: bool,
        /// Why the keychain was not used.
        why: Option<String>,
    },
}

impl fmt::Display for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Environment => write!(f, "the {MASTER_KEY_ENV} environment variable"),
            Self::Keychain { created: true } => f.write_str("the OS keychain (created now)"),
            Self::Keychain { created: false } => f.write_str("the OS keychain"),
            Self::File { path, created, why } => {
                write!(f, "the file {} (mode 0600", path.display())?;
                if *created {
                    f.write_str(", created now")?;
                }
                f.write_str(")")?;
                if let Some(why) = why {
                    write!(f, " because the OS keychain is unavailable: {why}")?;
                }
                Ok(())
            }
        }
    }
}

fn decode(text: &str) -> Option<[u8; 32]> {
    let text = text.trim();
    let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        (0..32)
            .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok())
            .collect::<Option<Vec<u8>>>()?
    } else {
        STANDARD
            .decode(text)
            .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')))
            .ok()?
    };
    bytes.try_into().ok()
}

fn encode(key: &[u8; 32]) -> String {
    STANDARD.encode(key)
}

fn keychain_entry(data_dir: &Path) -> keyring::Result<keyring::Entry> {
    let dir = data_dir
        .canonicalize()
        .unwrap_or_else(|_| data_dir.to_path_buf());
    keyring::Entry::new(
        KEYCHAIN_SERVICE,
        &format!("master key for {}", dir.display()),
    )
}

/// Whether a keychain of this persistence can hold the master key: only one that keeps it until
/// it is deleted. A build for a platform whose native store is not compiled in falls back to a
/// store in memory, and the kernel keyring forgets at reboot; either would make a new key on a
/// later start and leave the sealed credentials unreadable, so the key goes to the file instead.
fn keeps_secrets(persistence: &keyring::credential::CredentialPersistence) -> Result<(), String> {
    use keyring::credential::CredentialPersistence as P;
    match persistence {
        P::UntilDelete => Ok(()),
        P::UntilReboot => {
            Err("the keychain of this build keeps secrets only until a reboot".into())
        }
        _ => Err(
            "this build has no persistent keychain for this platform (an in-memory store only)"
                .into(),
        ),
    }
}

fn key_error(path: &Path, reason: impl Into<String>) -> CoreError {
    CoreError::DataDir {
        path: path.display().to_string(),
        source: std::io::Error::other(reason.into()),
    }
}

fn write_key_file(path: &Path, key: &[u8; 32]) -> CoreResult<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|source| CoreError::DataDir {
        path: path.display().to_string(),
        source,
    })?;
    file.write_all(format!("{}\n", encode(key)).as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|source| CoreError::DataDir {
            path: path.display().to_string(),
            source,
        })
}

fn read_key_file(path: &Path) -> CoreResult<[u8; 32]> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path)
            .map_err(|source| CoreError::DataDir {
                path: path.display().to_string(),
                source,
            })?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(key_error(
                path,
                format!(
                    "the master key file is readable by other users (mode {:o}); run chmod 600 on it",
                    mode & 0o777
                ),
            ));
        }
    }
    let text = std::fs::read_to_string(path).map_err(|source| CoreError::DataDir {
        path: path.display().to_string(),
        source,
    })?;
    decode(&text).ok_or_else(|| {
        key_error(
            path,
            "the master key file does not hold a 32-byte base64 key",
        )
    })
}

impl MasterKey {
    /// Finds the master key for a data directory, or creates it (see the module docs).
    pub fn load(data_dir: &Path) -> CoreResult<(Self, KeySource)> {
        Self::load_with(
            data_dir,
            std::env::var(MASTER_KEY_ENV).ok().as_deref(),
            true,
        )
    }

    /// [`Self::load`] with the environment variable's value given, and the keychain optionally
    /// left out (`use_keychain: false` goes straight to the file).
    pub fn load_with(
        data_dir: &Path,
        env: Option<&str>,
        use_keychain: bool,
    ) -> CoreResult<(Self, KeySource)> {
        if let Some(text) = env.filter(|t| !t.trim().is_empty()) {
            let key = decode(text).ok_or_else(|| {
                CoreError::invalid(
                    MASTER_KEY_ENV,
                    "must be 32 bytes as base64 or 64 hex digits (e.g. the output of `openssl rand -base64 32`)",
                )
            })?;
            return Ok((Self(key), KeySource::Environment));
        }
        crate::files::private_dir(data_dir).map_err(|source| CoreError::DataDir {
            path: data_dir.display().to_string(),
            source,
        })?;
        let file = data_dir.join(MASTER_KEY_FILE);
        if file.exists() {
            return Ok((
                Self(read_key_file(&file)?),
                KeySource::File {
                    path: file,
                    created: false,
                    why: None,
                },
            ));
        }
        let marker = data_dir.join(KEYCHAIN_MARKER);
        let why = if use_keychain {
            match Self::from_keychain(data_dir, &marker) {
                Ok(found) => return Ok(found),
                Err(why) => Some(why),
            }
        } else {
            None
        };
        if marker.exists() {
            return Err(key_error(
                data_dir,
                format!(
                    "the master key of this data directory is in the OS keychain, which is unavailable ({}); unlock the keychain, or set {MASTER_KEY_ENV}",
                    why.as_deref().unwrap_or("not asked")
                ),
            ));
        }
        let mut key = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut key);
        write_key_file(&file, &key)?;
        Ok((
            Self(key),
            KeySource::File {
                path: file,
                created: true,
                why,
            },
        ))
    }

    /// The key from the keychain, created there if absent; `Err` says why the keychain cannot
    /// be used.
    fn from_keychain(data_dir: &Path, marker: &Path) -> Result<(Self, KeySource), String> {
        keeps_secrets(&keyring::default::default_credential_builder().persistence())?;
        let entry = keychain_entry(data_dir).map_err(|e| e.to_string())?;
        match entry.get_password() {
            Ok(text) => decode(&text)
                .map(|k| (Self(k), KeySource::Keychain { created: false }))
                .ok_or_else(|| "the keychain entry does not hold a 32-byte base64 key".into()),
            // The key was kept there and the entry is gone: a new key would leave every sealed
            // credential unreadable, so the console stops and says what to do.
            Err(keyring::Error::NoEntry) if marker.exists() => Err(format!(
                "the keychain no longer holds this data directory's key (its entry \"{KEYCHAIN_SERVICE}\" / \"master key for {}\" was removed): restore it from a backup of the keychain, or set {MASTER_KEY_ENV} to the key; if the key is lost, delete {} to start with a new key and enter the stored credentials (targets, webhooks, e-mail relay) again",
                data_dir.display(),
                marker.display()
            )),
            Err(keyring::Error::NoEntry) => {
                let mut key = [0u8; 32];
                rand::thread_rng().fill_bytes(&mut key);
                entry
                    .set_password(&encode(&key))
                    .map_err(|e| e.to_string())?;
                // Read back: some keychains accept a write they cannot keep.
                let stored = entry.get_password().map_err(|e| e.to_string())?;
                if decode(&stored) != Some(key) {
                    return Err("the keychain did not keep the key".into());
                }
                std::fs::write(
                    marker,
                    "The master key of this data directory is kept in the OS keychain.\n",
                )
                .map_err(|e| format!("could not write {}: {e}", marker.display()))?;
                Ok((Self(key), KeySource::Keychain { created: true }))
            }
            Err(e) => Err(e.to_string()),
        }
    }

    /// A fixed key, for unit tests.
    #[cfg(test)]
    pub(crate) fn for_tests(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The key's bytes, for deriving purpose-bound keys.
    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// A key for one purpose: HMAC-SHA256 of `purpose` under the master key.
    pub(crate) fn derive(&self, purpose: &[u8]) -> [u8; 32] {
        use hmac::{Hmac, Mac as _};
        let mut mac = <Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(purpose);
        mac.finalize().into_bytes().into()
    }
}

/// How long a keychain call may take before the console gives up on it (a locked keychain may
/// wait for a password prompt no one answers on a server).
const KEYCHAIN_PATIENCE: std::time::Duration = std::time::Duration::from_secs(15);

/// What a keychain call does.
enum KeychainCall {
    Set(String),
    Get,
    Delete,
}

/// Runs one call on the keychain entry `account` of the console's service, off the async
/// runtime and within [`KEYCHAIN_PATIENCE`]. `Err` says, in words, why the keychain could not be
/// used; it never holds the secret.
async fn keychain(account: String, call: KeychainCall) -> Result<Option<String>, String> {
    let work = tokio::task::spawn_blocking(move || {
        let entry = keyring::Entry::new(KEYCHAIN_SERVICE, &account).map_err(|e| e.to_string())?;
        match call {
            KeychainCall::Set(secret) => {
                // A store that forgets would lose the credential: it is sealed in the database instead.
                keeps_secrets(&keyring::default::default_credential_builder().persistence())?;
                entry.set_password(&secret).map_err(|e| e.to_string())?;
                // Read back: some keychains accept a write they cannot keep.
                let kept = entry.get_password().map_err(|e| e.to_string())?;
                if kept == secret {
                    Ok(None)
                } else {
                    Err("the keychain did not keep the secret".to_owned())
                }
            }
            KeychainCall::Get => entry.get_password().map(Some).map_err(|e| match e {
                keyring::Error::NoEntry => "the keychain holds no such entry".to_owned(),
                e => e.to_string(),
            }),
            KeychainCall::Delete => match entry.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(e.to_string()),
            },
        }
    });
    match tokio::time::timeout(KEYCHAIN_PATIENCE, work).await {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err("the keychain call failed".to_owned()),
        Err(_) => Err(format!(
            "the keychain did not answer within {} s (is it locked?)",
            KEYCHAIN_PATIENCE.as_secs()
        )),
    }
}

/// Keeps `secret` in the OS keychain under `account` (of the console's service), read back to
/// be sure; refused by a store that forgets (in memory until reboot).
pub async fn keychain_set(account: &str, secret: &str) -> Result<(), String> {
    keychain(account.to_owned(), KeychainCall::Set(secret.to_owned()))
        .await
        .map(|_| ())
}

/// The secret kept in the OS keychain under `account`.
pub async fn keychain_get(account: &str) -> Result<String, String> {
    keychain(account.to_owned(), KeychainCall::Get)
        .await?
        .ok_or_else(|| "the keychain returned nothing".to_owned())
}

/// Removes the keychain entry `account` (absent is fine).
pub async fn keychain_delete(account: &str) -> Result<(), String> {
    keychain(account.to_owned(), KeychainCall::Delete)
        .await
        .map(|_| ())
}

/// The key that seals secrets the console must store and later use itself (a webhook address
/// carries its credential in its path): XChaCha20-Poly1305 under a key derived from the master
/// key, a random nonce per value.
pub(crate) struct SealingKey(chacha20poly1305::XChaCha20Poly1305);

impl fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealingKey(***)")
    }
}

const NONCE: usize = 24;

impl SealingKey {
    /// The sealing key derived from the master key.
    pub(crate) fn derive(master: &MasterKey) -> Self {
        use chacha20poly1305::KeyInit as _;
        use hmac::{Hmac, Mac as _};
        // HMAC accepts keys of any length: this cannot fail.
        let mut mac = <Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(master.bytes())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(b"scim-console/sealed-secret/v1");
        let key: [u8; 32] = mac.finalize().into_bytes().into();
        Self(chacha20poly1305::XChaCha20Poly1305::new(&key.into()))
    }

    /// `text` sealed: nonce then ciphertext and tag.
    pub(crate) fn seal(&self, text: &str) -> CoreResult<Vec<u8>> {
        use chacha20poly1305::aead::Aead as _;
        let mut nonce = [0u8; NONCE];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .0
            .encrypt(&nonce.into(), text.as_bytes())
            .map_err(|_| CoreError::Corrupt("a secret could not be sealed".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// The text of a value sealed by [`Self::seal`] under the same master key.
    pub(crate) fn open(&self, sealed: &[u8]) -> CoreResult<String> {
        use chacha20poly1305::aead::Aead as _;
        let refused = || {
            CoreError::Corrupt(
                "a stored secret cannot be opened: it was sealed under another master key".into(),
            )
        };
        if sealed.len() < NONCE {
            return Err(refused());
        }
        let (nonce, body) = sealed.split_at(NONCE);
        let nonce: [u8; NONCE] = nonce.try_into().map_err(|_| refused())?;
        let plain = self.0.decrypt(&nonce.into(), body).map_err(|_| refused())?;
        String::from_utf8(plain).map_err(|_| refused())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_keychain_that_keeps_secrets_until_deleted_holds_the_master_key() {
        use keyring::credential::CredentialPersistence as P;
        assert!(keeps_secrets(&P::UntilDelete).is_ok());
        for (name, forgetful) in [
            ("entry", P::EntryOnly),
            ("process", P::ProcessOnly),
            ("reboot", P::UntilReboot),
        ] {
            assert!(keeps_secrets(&forgetful).is_err(), "{name}");
        }
        // This build's own store (Secret Service on Linux, the platform's store elsewhere).
        assert!(
            keeps_secrets(&keyring::default::default_credential_builder().persistence()).is_ok()
        );
    }

    #[test]
    fn sealed_secrets_open_only_under_their_key() {
        let key = SealingKey::derive(&MasterKey::for_tests([7; 32]));
        let sealed = key.seal("https://hooks.example.com/T0/B0/secret").unwrap();
        assert!(
            !String::from_utf8_lossy(&sealed).contains("secret"),
            "sealed text must not show the secret"
        );
        assert_eq!(
            key.open(&sealed).unwrap(),
            "https://hooks.example.com/T0/B0/secret"
        );
        // A fresh nonce each time.
        assert_ne!(key.seal("x").unwrap(), key.seal("x").unwrap());
        let other = SealingKey::derive(&MasterKey::for_tests([8; 32]));
        assert!(other.open(&sealed).is_err());
        let mut tampered = sealed.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(key.open(&tampered).is_err());
        assert!(key.open(&[1, 2, 3]).is_err());
    }

    #[test]
    fn keys_decode_from_base64_and_hex_only_at_32_bytes() {
        let key = [7u8; 32];
        assert_eq!(decode(&STANDARD.encode(key)), Some(key));
        assert_eq!(decode(&URL_SAFE_NO_PAD.encode(key)), Some(key));
        assert_eq!(decode(&"07".repeat(32)), Some(key));
        assert_eq!(decode(&STANDARD.encode([7u8; 16])), None);
        assert_eq!(decode("not a key"), None);
    }

    #[test]
    fn the_environment_wins_and_bad_values_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let text = STANDARD.encode([9u8; 32]);
        let (key, source) = MasterKey::load_with(dir.path(), Some(&text), true).unwrap();
        assert_eq!((key.0, source), ([9u8; 32], KeySource::Environment));
        let err = MasterKey::load_with(dir.path(), Some("short"), true).unwrap_err();
        assert!(err.to_string().contains("32 bytes"), "{err}");
        assert!(!dir.path().join(MASTER_KEY_FILE).exists());
        assert_eq!(format!("{key:?}"), "MasterKey(***)");
    }

    #[test]
    fn without_a_keychain_the_key_is_a_private_file_kept_across_starts() {
        let dir = tempfile::tempdir().unwrap();
        let (first, source) = MasterKey::load_with(dir.path(), None, false).unwrap();
        let path = dir.path().join(MASTER_KEY_FILE);
        assert_eq!(
            source,
            KeySource::File {
                path: path.clone(),
                created: true,
                why: None
            }
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let (again, source) = MasterKey::load_with(dir.path(), None, true).unwrap();
        assert_eq!(first, again);
        assert!(matches!(source, KeySource::File { created: false, .. }));
        // A key file others can read is refused with the fix.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let err = MasterKey::load_with(dir.path(), None, true).unwrap_err();
            assert!(err.to_string().contains("chmod 600"), "{err}");
        }
    }
}
