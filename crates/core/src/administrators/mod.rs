//! The console's administrators: who may do what in the admin API.
//!
//! - [`roles`]: the fixed roles (`owner`, `security`, `editor`, `viewer`), the areas of the
//!   admin API, and the one table saying which role may read or change each — optionally
//!   limited to named configurations ([`roles::Grant`]).

pub mod roles;
