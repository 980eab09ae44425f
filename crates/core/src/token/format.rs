//! The text of credentials the console issues: `<kind>_<id>_<secret><checksum>`.
//!
//! - `kind` names what it is (`scim` for a bearer token, `scimrt` for an OAuth refresh token,
//!   `scimcs` for an OAuth client secret), so secret scanners and people recognise it;
//! - `id` is 8 public characters that find the credential's row without hashing every
//!   candidate;
//! - `secret` is 43 characters from 62, i.e. 256 random bits; only its SHA-256 is stored;
//! - `checksum` is the CRC-32 of everything before it in 6 base-62 characters, so a mistyped or
//!   truncated credential is refused without touching the database, and scanners can tell a
//!   real credential from a look-alike.
//!
//! Letters and digits only (besides the two `_`), so a double click selects the whole token.

use rand::Rng as _;
use sha2::{Digest, Sha256};

use super::Secret;

/// The prefix of the console's OAuth access tokens.
pub(crate) const ACCESS_PREFIX: &str = "scimat_";

/// Whether a bearer value is an OAuth access token (by its prefix).
pub(crate) fn is_access_token(text: &str) -> bool {
    text.starts_with(ACCESS_PREFIX)
}

/// Length of the public id.
pub(crate) const ID_LEN: usize = 8;
/// The public id's alphabet (no look-alikes: no `l`, `o`, `0`, `1`).
pub(crate) const ID_ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
const SECRET_LEN: usize = 43;
const CHECKSUM_LEN: usize = 6;
const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// What a credential is, and the prefix its text starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A SCIM bearer token.
    Bearer,
    /// An OAuth refresh token.
    Refresh,
    /// An OAuth client secret.
    ClientSecret,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Self::Bearer => "scim_",
            Self::Refresh => "scimrt_",
            Self::ClientSecret => "scimcs_",
        }
    }
}

/// A new public id.
pub(crate) fn new_id() -> String {
    let mut rng = rand::thread_rng();
    (0..ID_LEN)
        .map(|_| char::from(ID_ALPHABET[rng.gen_range(0..ID_ALPHABET.len())]))
        .collect()
}

fn checksum(text: &str) -> String {
    let mut n = crc32fast::hash(text.as_bytes());
    let mut out = [b'0'; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out.iter().map(|&b| char::from(b)).collect()
}

/// A new credential of `kind` with public id `id`: its text (to show once) and the hash to
/// store.
pub(crate) fn issue(kind: Kind, id: &str) -> (Secret, [u8; 32]) {
    let secret: String = {
        let mut rng = rand::thread_rng();
        (0..SECRET_LEN)
            .map(|_| char::from(BASE62[rng.gen_range(0..BASE62.len())]))
            .collect()
    };
    let body = format!("{}{id}_{secret}", kind.prefix());
    let text = format!("{body}{}", checksum(&body));
    (Secret::new(text), hash(&secret))
}

/// The SHA-256 of a secret part.
pub(crate) fn hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Reads a credential of `kind`: its public id and the hash of its secret part, or `None` when
/// the text is not one (wrong kind, shape or checksum).
pub(crate) fn parse(kind: Kind, text: &str) -> Option<(&str, [u8; 32])> {
    let rest = text.strip_prefix(kind.prefix())?;
    let (id, rest) = rest.split_at_checked(ID_LEN)?;
    let tail = rest.strip_prefix('_')?;
    if tail.len() != SECRET_LEN + CHECKSUM_LEN
        || !id.bytes().all(|b| ID_ALPHABET.contains(&b))
        || !tail.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return None;
    }
    let (secret, sum) = tail.split_at(SECRET_LEN);
    let body = &text[..text.len() - CHECKSUM_LEN];
    (checksum(body) == sum).then(|| (id, hash(secret)))
}

/// The non-secret beginning of a credential, for recognising it (`scim_ab12cd34_…`).
pub(crate) fn display_prefix(kind: Kind, id: &str) -> String {
    format!("{}{id}_…", kind.prefix())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_credentials_parse_back_to_their_id_and_hash() {
        for kind in [Kind::Bearer, Kind::Refresh, Kind::ClientSecret] {
            let id = new_id();
            let (text, stored) = issue(kind, &id);
            let text = text.expose();
            assert!(text.starts_with(kind.prefix()));
            assert_eq!(text.len(), kind.prefix().len() + 8 + 1 + 43 + 6);
            assert_eq!(parse(kind, text), Some((id.as_str(), stored)));
        }
    }

    #[test]
    fn mistyped_truncated_or_foreign_credentials_are_refused() {
        let id = new_id();
        let (text, _) = issue(Kind::Bearer, &id);
        let text = text.expose().to_owned();
        // Any one character changed in the secret or the checksum breaks the checksum.
        for i in ["scim_".len() + 9, text.len() - 1, text.len() - 10] {
            let mut bytes = text.clone().into_bytes();
            bytes[i] = if bytes[i] == b'a' { b'b' } else { b'a' };
            let changed = String::from_utf8(bytes).unwrap();
            assert_eq!(parse(Kind::Bearer, &changed), None, "{changed}");
        }
        for bad in [
            "",
            "scim_",
            &text[..text.len() - 1],
            &format!("{text}x"),
            &text.replacen("scim_", "scimrt_", 1),
            "scim_ABCDEFGH_x",
            "scim_abcdefgh_s3cr3t",
            "scim_ééééé_x",
        ] {
            assert_eq!(parse(Kind::Bearer, bad), None, "{bad}");
        }
        assert_eq!(parse(Kind::Refresh, &text), None);
    }

    #[test]
    fn the_display_prefix_shows_no_secret() {
        assert_eq!(display_prefix(Kind::Bearer, "abcdefgh"), "scim_abcdefgh_…");
    }
}
