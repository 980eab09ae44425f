//! Attribute mapping plans: what the identity provider sends, what the target accepts, and the
//! expressions between them.
//!
//! - [`expression`]: the Microsoft Entra ID expression language (parser and evaluator).

pub mod expression;
