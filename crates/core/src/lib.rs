//! # scim-console-core — SCIM Console's domain
//!
//! Everything the console knows, stored with sqlx on SQLite (WAL, foreign keys, embedded
//! migrations), behind [`Store`] so a PostgreSQL backend can be added without touching callers.
//!
//! - [`store`]: opening the database and the data directory.
//! - [`configuration`]: SCIM configurations — one per connection, each with its own directory.
//! - [`token`]: bearer tokens, shown once and stored only as hashes.
//! - [`directory`]: the Users and Groups of a configuration: create, read, query, replace,
//!   patch and delete, with SCIM's uniqueness, filtering, sorting and paging.
//! - [`error`]: the crate's error type and its SCIM rendering.

mod auth_cache;
pub mod configuration;
pub mod directory;
pub mod error;
pub mod store;
mod time;
pub mod token;

pub use configuration::{
    Configuration, ConfigurationId, ConfigurationUpdate, NewConfiguration, PutSemantics,
};
pub use error::{CoreError, CoreResult};
pub use store::Store;
pub use token::{Authentication, IssuedToken, Secret, TokenInfo};
