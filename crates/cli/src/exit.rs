//! The exit codes a script can rely on: one enum, from which `--help` lists them, and the one
//! place an error is turned into a code.

use scim_console_core::CoreError;
use scim_console_server::outbound::target::TargetError;
use scim_console_server::pilot::runs::PilotError;
use scim_console_server::pilot::source::SourceError;

/// How a run of `scim-console` ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// Done.
    Success = 0,
    /// Anything else went wrong (storage, network).
    Failure = 1,
    /// The command line was not understood (clap's own code).
    Usage = 2,
    /// What was named does not exist.
    NotFound = 3,
    /// The input was invalid or conflicts with what is stored.
    Invalid = 4,
    /// `token check`: tokens need attention.
    TokensNeedAttention = 5,
    /// `target test`: the connection test found failures.
    ConnectionTestFailed = 6,
    /// `pilot run`: users failed.
    UsersFailed = 7,
    /// `check --target`: a MUST rule failed.
    NotConformant = 8,
    /// `check --target`: no MUST failed but some could not be checked.
    Incomplete = 9,
    /// `--server`: the server refused the API token or its role does not allow the action.
    Refused = 10,
}

impl Exit {
    /// Every code, in order.
    pub(crate) const ALL: [Self; 11] = [
        Self::Success,
        Self::Failure,
        Self::Usage,
        Self::NotFound,
        Self::Invalid,
        Self::TokensNeedAttention,
        Self::ConnectionTestFailed,
        Self::UsersFailed,
        Self::NotConformant,
        Self::Incomplete,
        Self::Refused,
    ];

    /// The process's exit code.
    pub(crate) fn code(self) -> u8 {
        self as u8
    }

    /// What the code means, for `--help`.
    fn meaning(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Usage => "usage error",
            Self::NotFound => "not found",
            Self::Invalid => "invalid input or conflict",
            Self::TokensNeedAttention => "tokens need attention (`token check`)",
            Self::ConnectionTestFailed => "a connection test failed (`target test`)",
            Self::UsersFailed => "users failed in a pilot run (`pilot run`)",
            Self::NotConformant => "a MUST rule failed (`check --target`)",
            Self::Incomplete => "conformance incomplete: MUST rules skipped (`check --target`)",
            Self::Refused => "the server refused the API token or the role (`--server`)",
        }
    }

    /// The `Exit codes: …` paragraph of `--help`.
    pub(crate) fn help() -> String {
        let codes: Vec<String> = Self::ALL
            .iter()
            .map(|e| format!("{} {}", e.code(), e.meaning()))
            .collect();
        format!("Exit codes: {}.", codes.join(", "))
    }

    /// The code for what a remote console answered instead of the thing asked for.
    fn of_status(status: reqwest::StatusCode) -> Self {
        match status {
            reqwest::StatusCode::NOT_FOUND => Self::NotFound,
            reqwest::StatusCode::UNAUTHORIZED | reqwest::StatusCode::FORBIDDEN => Self::Refused,
            s if s.is_client_error() => Self::Invalid,
            _ => Self::Failure,
        }
    }

    /// The code for an error a command returned.
    pub(crate) fn of(err: &anyhow::Error) -> Self {
        if let Some(ended) = err.downcast_ref::<Ended>() {
            return ended.exit;
        }
        if let Some(refusal) = err.downcast_ref::<crate::api_client::Refusal>() {
            return Self::of_status(refusal.status);
        }
        let target =
            err.downcast_ref::<TargetError>()
                .or_else(|| match err.downcast_ref::<PilotError>() {
                    Some(PilotError::Target(t)) => Some(t),
                    _ => None,
                });
        let core = err
            .downcast_ref::<CoreError>()
            .or_else(|| match err.downcast_ref::<PilotError>() {
                Some(PilotError::Core(c)) => Some(c),
                _ => None,
            })
            .or(match target {
                Some(TargetError::Core(c)) => Some(c),
                _ => None,
            });
        if matches!(err.downcast_ref::<PilotError>(), Some(PilotError::Plan(_)))
            || matches!(target, Some(TargetError::JwtOnly(_)))
            || err.downcast_ref::<SourceError>().is_some()
        {
            return Self::Invalid;
        }
        match core {
            Some(CoreError::NotFound(_)) => Self::NotFound,
            Some(CoreError::Invalid { .. } | CoreError::Conflict(_)) => Self::Invalid,
            _ => Self::Failure,
        }
    }
}

/// A command that ran but ends with a verdict a script acts on (tokens need attention, a test
/// failed, …): its message and its exit code.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub(crate) struct Ended {
    exit: Exit,
    message: String,
}

impl Ended {
    /// Ends with `exit`, saying `message`.
    pub(crate) fn new(exit: Exit, message: impl Into<String>) -> Self {
        Self {
            exit,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_remote_console_answers_maps_to_a_code() {
        use reqwest::StatusCode;
        assert_eq!(Exit::of_status(StatusCode::NOT_FOUND), Exit::NotFound);
        assert_eq!(Exit::of_status(StatusCode::FORBIDDEN), Exit::Refused);
        assert_eq!(Exit::of_status(StatusCode::UNAUTHORIZED), Exit::Refused);
        assert_eq!(Exit::of_status(StatusCode::CONFLICT), Exit::Invalid);
        assert_eq!(Exit::of_status(StatusCode::BAD_GATEWAY), Exit::Failure);
    }

    #[test]
    fn the_help_lists_every_code_in_order() {
        let help = Exit::help();
        assert!(help.starts_with("Exit codes: 0 success, 1 failure, 2 usage error"));
        for (i, exit) in Exit::ALL.iter().enumerate() {
            assert_eq!(usize::from(exit.code()), i);
            assert!(help.contains(&format!("{i} {}", exit.meaning())), "{help}");
        }
    }

    #[test]
    fn a_verdict_keeps_its_code_and_a_core_error_gets_its_kind() {
        let ended = anyhow::Error::from(Ended::new(Exit::UsersFailed, "3 users failed"));
        assert_eq!(Exit::of(&ended), Exit::UsersFailed);
        assert_eq!(ended.to_string(), "3 users failed");
        let missing = anyhow::Error::from(CoreError::NotFound("configuration x".into()));
        assert_eq!(Exit::of(&missing), Exit::NotFound);
        assert_eq!(Exit::of(&anyhow::anyhow!("disk on fire")), Exit::Failure);
    }
}
