//! The admin's browser sessions: opened by the admin link `scim-console serve` prints
//! (`/login?token=…`), held in an HttpOnly, SameSite=Strict cookie, kept in memory (they end
//! with the server, like the admin token) and expiring after [`SESSION_HOURS`] hours; only
//! their SHA-256 is kept. The login and logout routes are in `admin::sessions`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::RngCore as _;
use sha2::{Digest as _, Sha256};

/// The session cookie's name.
pub const COOKIE: &str = "scim_console_session";
/// How long a session lasts.
pub const SESSION_HOURS: u64 = 12;

/// The open sessions: the SHA-256 of each session id, with its end.
#[derive(Debug, Default)]
pub struct Sessions(Mutex<HashMap<[u8; 32], Instant>>);

impl Sessions {
    /// Opens a session; returns its id (256 random bits, base64url).
    pub(crate) fn open(&self) -> String {
        self.open_at(Instant::now())
    }

    fn open_at(&self, now: Instant) -> String {
        use base64::Engine as _;
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        let id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let mut open = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        open.retain(|_, end| *end > now);
        open.insert(
            Sha256::digest(id.as_bytes()).into(),
            now + Duration::from_secs(SESSION_HOURS * 3600),
        );
        id
    }

    /// Whether `id` is an open session (looked up by its hash, so not by comparing secrets).
    pub(crate) fn is_open(&self, id: &str) -> bool {
        self.is_open_at(id, Instant::now())
    }

    fn is_open_at(&self, id: &str, now: Instant) -> bool {
        let key: [u8; 32] = Sha256::digest(id.as_bytes()).into();
        let open = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        open.get(&key).is_some_and(|end| *end > now)
    }

    pub(crate) fn close(&self, id: &str) {
        let key: [u8; 32] = Sha256::digest(id.as_bytes()).into();
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_open_close_and_are_kept_hashed() {
        let sessions = Sessions::default();
        let id = sessions.open();
        assert_eq!(id.len(), 43);
        assert!(sessions.is_open(&id));
        assert!(!sessions.is_open("x"));
        let stored = sessions.0.lock().unwrap();
        assert!(
            !stored.keys().any(|k| k.as_slice() == id.as_bytes()),
            "only hashes are kept"
        );
        drop(stored);
        sessions.close(&id);
        assert!(!sessions.is_open(&id));
    }

    #[test]
    fn sessions_end_after_their_lifetime() {
        let sessions = Sessions::default();
        let start = Instant::now();
        let id = sessions.open_at(start);
        let lifetime = Duration::from_secs(SESSION_HOURS * 3600);
        let almost = Duration::from_secs(SESSION_HOURS * 3600 - 1);
        assert!(sessions.is_open_at(&id, start + almost));
        assert!(!sessions.is_open_at(&id, start + lifetime));
        // Ended sessions are dropped when the next one opens.
        sessions.open_at(start + lifetime);
        assert_eq!(sessions.0.lock().unwrap().len(), 1);
    }
}
