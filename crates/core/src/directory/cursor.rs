//! Cursors for cursor-based pagination (RFC 9865): an opaque, URL-safe token that names the
//! last resource of a page by its place in creation order — `(created_us, id)`, which a
//! resource keeps for life — so the next page starts right after it whatever was created or
//! deleted in between: no duplicates, no gaps (resources created meanwhile come at the end).
//!
//! The token carries the query it belongs to (a digest of filter, sort, projection and resource
//! type), its page size and its expiry, and is signed with a key derived from the master key:
//! a forged or altered cursor is `invalidCursor`, one from another query `invalidCursor`, an old
//! one `expiredCursor`, another page size `invalidCount`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use scim::{ListQuery, ScimError, ScimType};
use sha2::{Digest, Sha256};

/// How long a cursor stays valid after the page that returned it, in seconds (advertised as
/// `cursorTimeout`).
pub const CURSOR_TIMEOUT_SECONDS: i64 = 3600;

const VERSION: u8 = 1;
const MAC_LEN: usize = 16;
/// Version, expiry, created, digest, count.
const FIXED: usize = 1 + 8 + 8 + 8 + 4;

/// The key cursors are signed with.
#[derive(Clone)]
pub(crate) struct CursorKey([u8; 32]);

impl std::fmt::Debug for CursorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorKey(***)")
    }
}

impl CursorKey {
    /// A key from 32 bytes (derived from the master key, or random for a store without one).
    pub(crate) fn new(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    fn mac(&self, data: &[u8]) -> [u8; MAC_LEN] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(data);
        let full = mac.finalize().into_bytes();
        let mut out = [0; MAC_LEN];
        out.copy_from_slice(&full[..MAC_LEN]);
        out
    }
}

/// Where a cursor-paged query stands: after this resource in creation order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Position {
    /// The resource's creation time, in microseconds.
    pub(crate) created_us: i64,
    /// Its id.
    pub(crate) id: String,
}

/// A digest of everything that makes a query the same query, except the cursor and count.
pub(crate) fn query_digest(resource_type: &str, query: &ListQuery) -> u64 {
    let text = format!(
        "{resource_type}\u{1f}{}\u{1f}{:?}\u{1f}{:?}\u{1f}{:?}",
        query
            .filter
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        query.sort_by.as_ref().map(ToString::to_string),
        query.sort_order,
        query.projection,
    );
    let digest = Sha256::digest(text.as_bytes());
    let mut first = [0; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

/// Writes the cursor of the page after `last`.
pub(crate) fn encode(
    key: &CursorKey,
    last: &Position,
    digest: u64,
    count: usize,
    expires_s: i64,
) -> String {
    let mut data = Vec::with_capacity(FIXED + last.id.len() + MAC_LEN);
    data.push(VERSION);
    data.extend_from_slice(&expires_s.to_be_bytes());
    data.extend_from_slice(&last.created_us.to_be_bytes());
    data.extend_from_slice(&digest.to_be_bytes());
    data.extend_from_slice(&u32::try_from(count).unwrap_or(u32::MAX).to_be_bytes());
    data.extend_from_slice(last.id.as_bytes());
    let mac = key.mac(&data);
    data.extend_from_slice(&mac);
    URL_SAFE_NO_PAD.encode(data)
}

fn invalid(detail: &str) -> ScimError {
    ScimError::new(
        ScimType::InvalidCursor,
        format!(
            "{detail}; leave the cursor empty to ask for the first page, then send the nextCursor of each page"
        ),
    )
}

/// Reads a cursor for a query with this digest and page size at time `now_s`.
pub(crate) fn decode(
    key: &CursorKey,
    cursor: &str,
    digest: u64,
    count: usize,
    now_s: i64,
) -> Result<Position, ScimError> {
    let data = URL_SAFE_NO_PAD
        .decode(cursor.trim())
        .map_err(|_| invalid("the cursor is not one this server issued"))?;
    if data.len() < FIXED + MAC_LEN || data[0] != VERSION {
        return Err(invalid("the cursor is not one this server issued"));
    }
    let (body, mac) = data.split_at(data.len() - MAC_LEN);
    let expected = key.mac(body);
    if !bool::from(subtle::ConstantTimeEq::ct_eq(mac, &expected[..])) {
        return Err(invalid("the cursor is not one this server issued"));
    }
    let number = |at: usize| {
        let mut bytes = [0; 8];
        bytes.copy_from_slice(&body[at..at + 8]);
        bytes
    };
    let expires_s = i64::from_be_bytes(number(1));
    let created_us = i64::from_be_bytes(number(9));
    let issued_for = u64::from_be_bytes(number(17));
    let mut count_bytes = [0; 4];
    count_bytes.copy_from_slice(&body[25..29]);
    let issued_count = u32::from_be_bytes(count_bytes);
    let id = String::from_utf8(body[FIXED..].to_vec())
        .map_err(|_| invalid("the cursor is not one this server issued"))?;
    if issued_for != digest {
        return Err(invalid(
            "the cursor belongs to another query: send the same filter, sortBy, sortOrder and attributes as for the first page",
        ));
    }
    if now_s > expires_s {
        return Err(ScimError::new(
            ScimType::ExpiredCursor,
            format!(
                "the cursor expired {} s ago (cursors last {CURSOR_TIMEOUT_SECONDS} s after their page); start again with an empty cursor",
                now_s - expires_s
            ),
        ));
    }
    if u32::try_from(count).unwrap_or(u32::MAX) != issued_count {
        return Err(ScimError::new(
            ScimType::InvalidCount,
            format!("count must stay {issued_count}, as for the first page of this query"),
        ));
    }
    Ok(Position { created_us, id })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> CursorKey {
        CursorKey::new([byte; 32])
    }

    #[test]
    fn cursors_round_trip_and_are_url_safe() {
        let last = Position {
            created_us: 1_764_000_000_123_456,
            id: "2819c223-7f76-453a-919d-413861904646".into(),
        };
        let cursor = encode(&key(1), &last, 42, 100, 2_000);
        assert!(
            cursor
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "{cursor}"
        );
        assert_eq!(decode(&key(1), &cursor, 42, 100, 1_999).unwrap(), last);
    }

    #[test]
    fn forged_foreign_expired_and_resized_cursors_are_refused_with_their_type() {
        let last = Position {
            created_us: 5,
            id: "a".into(),
        };
        let cursor = encode(&key(1), &last, 42, 100, 2_000);
        let kind = |r: Result<Position, ScimError>| r.unwrap_err().scim_type();
        assert_eq!(
            kind(decode(&key(2), &cursor, 42, 100, 0)),
            Some(ScimType::InvalidCursor),
            "another key"
        );
        let mut altered = cursor.clone().into_bytes();
        altered[10] = if altered[10] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(altered).unwrap();
        assert_eq!(
            kind(decode(&key(1), &altered, 42, 100, 0)),
            Some(ScimType::InvalidCursor)
        );
        for junk in [
            "",
            "!!!",
            "abc",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ] {
            assert_eq!(
                kind(decode(&key(1), junk, 42, 100, 0)),
                Some(ScimType::InvalidCursor)
            );
        }
        assert_eq!(
            kind(decode(&key(1), &cursor, 43, 100, 0)),
            Some(ScimType::InvalidCursor),
            "another query"
        );
        assert_eq!(
            kind(decode(&key(1), &cursor, 42, 100, 2_001)),
            Some(ScimType::ExpiredCursor)
        );
        assert_eq!(
            kind(decode(&key(1), &cursor, 42, 50, 0)),
            Some(ScimType::InvalidCount)
        );
    }

    #[test]
    fn the_digest_tells_queries_apart() {
        let q =
            |pairs: &[(&str, &str)]| ListQuery::from_query_pairs(pairs.iter().copied()).unwrap();
        let a = query_digest("User", &q(&[("filter", "userName eq \"a\"")]));
        assert_eq!(
            a,
            query_digest(
                "User",
                &q(&[("filter", "userName eq \"a\""), ("cursor", "x")])
            )
        );
        assert_ne!(
            a,
            query_digest("Group", &q(&[("filter", "userName eq \"a\"")]))
        );
        assert_ne!(
            a,
            query_digest("User", &q(&[("filter", "userName eq \"b\"")]))
        );
        assert_ne!(
            a,
            query_digest(
                "User",
                &q(&[("filter", "userName eq \"a\""), ("attributes", "userName")])
            )
        );
    }
}
