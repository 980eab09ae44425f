//! The steps of one user's provisioning, as Microsoft Entra ID's "Provision on demand" shows
//! them: import (what the source gave and the mappings made of it), scope, match, action and
//! result — each with what it decided and why.

use serde::Serialize;
use std::fmt::Write as _;

/// Which step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = PilotStepKind)]
pub enum StepKind {
    /// The source user read, and the SCIM User the provider's mappings make of it.
    Import,
    /// Whether the plan's scoping filters take it.
    Scope,
    /// The matching query and what it found.
    Match,
    /// What is sent: a create, an update of what differs, or nothing.
    Action,
    /// What the target answered.
    Result,
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = PilotStepStatus)]
pub enum StepStatus {
    /// Done: the next step follows.
    Done,
    /// The user goes no further, and that is no error (out of scope, stopped).
    Skipped,
    /// The user goes no further because something failed.
    Failed,
}

/// One step: what it decided, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = PilotStep)]
pub struct Step {
    /// Which step.
    pub step: StepKind,
    /// How it ended.
    pub status: StepStatus,
    /// What it decided and why, in a sentence.
    pub summary: String,
}

/// A few names of a list, for a sentence: `a, b, c and 4 more`.
pub(crate) fn some_of(names: &[String]) -> String {
    const SHOWN: usize = 6;
    let mut text = names
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        let _ = write!(text, " and {} more", names.len() - SHOWN);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lists_are_cut_short() {
        let names: Vec<String> = (1..=8).map(|i| format!("a{i}")).collect();
        assert_eq!(some_of(&names), "a1, a2, a3, a4, a5, a6 and 2 more");
        assert_eq!(some_of(&names[..2]), "a1, a2");
    }
}
