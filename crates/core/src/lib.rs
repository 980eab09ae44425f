//! # scim-console-core — SCIM Console's domain
//!
//! Everything the console knows, behind [`Store`]: sqlx on SQLite (WAL, foreign keys, embedded
//! migrations) in the data directory, or on PostgreSQL shared by several instances ([`db`]
//! hides the difference). No HTTP here: the server and the CLI call this crate.
//!
//! - [`store`]: opening the database and the data directory; the caches the store holds
//!   live in their own modules (`auth_cache`, `mapping::cache`, `oauth::signing`).
//! - [`configuration`]: SCIM configurations — one per connection, each with its own directory.
//! - [`token`]: bearer tokens — shown once, stored only as hashes, expiring, rotated with a
//!   grace window, revoked — under each configuration's policy.
//! - [`logs`]: the provisioning log — every SCIM request, redacted, searchable — and its
//!   writer ([`logs::writer`]), which stores records in batches and announces them live.
//! - [`mapping`]: attribute mapping plans, their trial on samples, and the Entra ID
//!   expression language.
//! - [`oauth`]: OAuth 2.0 clients, the token endpoint's grants and signed access tokens.
//! - [`alerts`]: alert rules over the provisioning log and the alerts they raise.
//! - [`compatibility`]: the switches where an endpoint accepts what identity providers send
//!   against the RFC.
//! - [`backup`]: backups taken while serving, and restoring them.
//! - [`audit`]: the append-only record of every configuration, token and client change.
//! - [`secrets`]: the master key, in the OS keychain or a private file.
//! - [`targets`]: remote SCIM service providers the console calls, their credentials in the
//!   OS keychain.
//! - [`time`]: timestamps and the clock tests can move.
//! - [`directory`]: the Users and Groups of a configuration: create, read, query, replace,
//!   patch and delete, with SCIM's uniqueness, filtering, sorting and paging.
//! - [`error`]: the crate's error type and its SCIM rendering.

pub mod administrators;
pub mod alerts;
pub mod audit;
mod auth_cache;
pub mod backoff_notices;
pub mod backup;
pub mod compatibility;
pub mod configuration;
pub mod csv;
pub mod db;
pub mod deletions;
pub mod directory;
pub mod email;
pub mod error;
pub mod files;
pub mod logs;
pub mod mapping;
pub mod oauth;
pub mod secrets;
pub mod store;
pub mod targets;
#[cfg(feature = "testing")]
pub mod testing;
pub mod time;
pub mod token;
pub mod transfer;

pub use audit::Actor;
pub use compatibility::{
    ClientProfile, Compatibility, IdentityProvider, PatchAnswer, SWITCHES, SwitchDoc,
    UnknownAttributePolicy,
};
pub use configuration::{
    ClientAuthentication, Configuration, ConfigurationId, ConfigurationUpdate, LogRetention,
    NewConfiguration, PutSemantics, TokenPolicy,
};
pub use error::{CoreError, CoreResult};
pub use store::{Database, Store};
pub use token::{
    Authentication, IssuedToken, NewToken, Principal, RejectReason, Rotation, Secret, TokenInfo,
    TokenState,
};
