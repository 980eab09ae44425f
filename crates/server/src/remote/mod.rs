//! Reaching another console from this machine — what the desktop app's connections and the
//! CLI's `--server` share: a remote console's address ([`address::RemoteUrl`]: https, or plain
//! http to this machine only), its certificate ([`certificate`]: trusted by the system, or a
//! self-signed one pinned by its SHA-256 fingerprint after an admin compared it with the one
//! `serve` printed), and a loopback proxy ([`proxy`]) that shows the remote's own UI in a local
//! window, signed in with a personal API token the page never sees — a token made by hand, or
//! by signing in to the console in the system browser ([`browser_sign_in`]).

pub mod address;
pub mod alerts;
pub mod browser_sign_in;
pub mod certificate;
pub mod proxy;
pub mod secret;
pub mod summary;

pub use address::RemoteUrl;
pub use certificate::{Fingerprint, Probe, Trust};
pub use scim_console_core::Secret;

/// Why a remote console could not be reached, or refused this machine.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// The address is not one a console may be reached at.
    #[error("{0}")]
    Address(String),
    /// The certificate is not the one pinned: the server changed it, or someone is in between.
    #[error(
        "the certificate changed: the connection trusts {pinned}, the server now presents {presented}. Compare the new one with the fingerprint `scim-console serve` printed before trusting it"
    )]
    CertificateChanged {
        /// The fingerprint confirmed before.
        pinned: Fingerprint,
        /// The fingerprint presented now.
        presented: Fingerprint,
    },
    /// The certificate is neither trusted by this system nor pinned.
    #[error(
        "the certificate is not trusted by this computer (SHA-256 {presented}): compare it with the fingerprint `scim-console serve` printed, then trust it"
    )]
    Untrusted {
        /// The fingerprint presented.
        presented: Fingerprint,
    },
    /// The console could not be reached.
    #[error("could not reach {url}: {reason}")]
    Unreachable {
        /// The console's address.
        url: String,
        /// Why, in words.
        reason: String,
    },
    /// The console answered, but not as a SCIM Console does (or refused the sign-in).
    #[error("{0}")]
    Refused(String),
}
