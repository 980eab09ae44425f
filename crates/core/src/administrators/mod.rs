//! The console's administrators: who they are and what each may do in the admin API.
//!
//! - [`accounts`]: administrators as accounts in the console's database (email, name,
//!   grants, state), shared by every instance; every change audited; one active owner kept.
//! - [`credentials`]: passwords (argon2id) with a TOTP second factor, failed sign-ins
//!   counted per account.
//! - [`api_tokens`]: personal API tokens for scripts and the command line, no wider than
//!   their administrator's roles.
//! - [`federated`]: signing in through the console's OpenID Connect provider (an invited
//!   administrator's email, vouched for).
//! - [`device_codes`]: the desktop app's browser sign-in to a deployed console (one-time code
//!   with PKCE, exchanged for a personal API token named for the device).
//! - [`local`]: the desktop app's built-in local owner (its window signs in without a
//!   password).
//! - [`links`]: one-time sign-in links (15 minutes, one use, code in the URL fragment).
//! - [`sessions`]: browser sessions in the database, valid on every instance, with idle and
//!   absolute timeouts.
//! - [`roles`]: the fixed roles (`owner`, `security`, `editor`, `viewer`), the areas of the
//!   admin API, and the one table saying which role may read or change each — optionally
//!   limited to named configurations ([`roles::Grant`]).

pub mod accounts;
pub mod api_tokens;
pub mod credentials;
pub mod device_codes;
pub mod federated;
pub mod links;
pub mod local;
pub mod roles;
pub mod sessions;
