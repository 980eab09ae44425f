//! The key that signs the console's OAuth access tokens: derived from the master key for this
//! purpose only, never stored.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::secrets::MasterKey;

type HmacSha256 = Hmac<Sha256>;

/// The key that signs access tokens, derived from the master key for this purpose only.
#[derive(Clone)]
pub(crate) struct SigningKey([u8; 32]);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(***)")
    }
}

impl SigningKey {
    pub(crate) fn derive(master: &MasterKey) -> Self {
        Self(Self::mac_with(
            master.bytes(),
            b"scim-console/oauth-access-token/v1",
        ))
    }

    fn mac_with(key: &[u8], message: &[u8]) -> [u8; 32] {
        // HMAC accepts keys of any length: this cannot fail.
        let mut mac = <HmacSha256 as Mac>::new_from_slice(key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(message);
        mac.finalize().into_bytes().into()
    }

    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 32] {
        Self::mac_with(&self.0, message)
    }
}
