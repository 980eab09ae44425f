//! Attribute mapping plans: what the identity provider sends, what the target accepts, and the
//! expressions between them.
//!
//! - [`expression`]: the Microsoft Entra ID expression language (parser and evaluator).
//! - [`validators`]: the field formats targets enforce (E.164, IANA time zones, ISO 639, …).

pub mod expression;
pub mod validators;
