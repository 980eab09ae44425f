//! Attribute mapping plans: what the identity provider sends, what the target accepts, and the
//! expressions between them.
//!
//! - [`brownfield`]: importing a target's existing users and linking them on the first POST.
//! - [`expression`]: the Microsoft Entra ID expression language (parser and evaluator).
//! - [`plan`]: the plan itself — fields, rules, matching, scoping — its static validation and
//!   its evaluation over a SCIM resource.
//! - [`versions`]: plans saved per configuration, versioned, cached compiled.
//! - `enforce`: the current plan enforced on every write, judged by what the write changes.
//! - [`promotion`]: QA paired with production, the two plans side by side, promotion.
//! - [`provider`]: the identity provider's side: templates for Entra ID, Okta, OneLogin and
//!   Google Workspace, and what the provider would send for a source user.
//! - [`samples`]: samples for a test run picked from the provisioning log.
//! - [`templates`]: whole plans for a kind of target (standard, xMatters), picked when a
//!   configuration is created.
//! - [`trial`]: a plan tried on a sample, a source user or a log record (the admin API's test
//!   and `mapping test` both run it).
//! - [`validators`]: the field formats targets enforce (E.164, IANA time zones, ISO 639, …).

pub mod brownfield;
pub(crate) mod cache;
pub(crate) mod enforce;
pub mod expression;
pub mod plan;
pub mod promotion;
pub mod provider;
pub mod samples;
pub mod templates;
pub mod trial;
pub mod validators;
pub mod versions;
