//! # scim — the SCIM 2.0 protocol, pure
//!
//! The rules of RFC 7643 (schemas and resources) and RFC 7644 (the protocol) that SCIM Console's
//! endpoint, mapping engine and UI validation share. No I/O and no async: every function takes
//! values and returns values, so the rules are fast to test and to fuzz.
//!
//! - [`schema`]: attribute definitions, the User, Group and EnterpriseUser schemas, a registry
//!   that accepts custom extensions at run time, and the discovery documents.
//! - [`path`]: attribute paths, URN-qualified or not.
//! - [`resource`]: request bodies normalised to canonical attribute names, type-checked, with
//!   unknown data preserved, dropped or rejected; PUT replace and merge semantics.
//! - [`filter`]: the filter grammar — parser with positions, printer, evaluator, schema check
//!   and translation to SQL with bound parameters.
//! - [`patch`]: the PATCH engine, including the forms Entra ID and Okta send.
//! - [`leniency`]: which of those forms a piece of reading accepted, for the log.
//! - [`projection`]: `attributes` / `excludedAttributes` under the `returned` rules.
//! - [`list`]: query parameters, `/.search` bodies, sorting, paging and ListResponse.
//! - [`bulk`]: bulk requests, `bulkId` references and bulk responses.
//! - [`error`]: the one error type, rendered as RFC 7644 §3.12 JSON.

pub mod bulk;
pub mod error;
pub mod filter;
pub mod leniency;
pub mod list;
pub mod patch;
pub mod path;
pub mod projection;
pub mod resource;
pub mod schema;
pub mod secrets;

pub use error::{ScimError, ScimResult, ScimType};
pub use filter::{Filter, FilterRules};
pub use leniency::{Leniencies, Leniency};
pub use list::{ListQuery, ListResponse, Paging, SortOrder};
pub use patch::{PatchOutcome, PatchRequest, PatchRules};
pub use path::AttrPath;
pub use projection::Projection;
pub use resource::{InputRules, Resource, UnknownAttributes};
pub use schema::{ResourceSchema, SchemaRegistry};
