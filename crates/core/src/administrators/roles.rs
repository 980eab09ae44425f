//! The administrators' roles and what each may do: one fixed table ([`Role::may`]), read by
//! the admin API to authorise every request and printed in the documentation
//! ([`policy_table`]), so that the two cannot disagree.
//!
//! - `owner`: everything, administrators and server settings included;
//! - `security`: tokens, OAuth clients, the token policy, the audit log and its export; reads
//!   everything else;
//! - `editor` (consultants, IT admins): configurations, mapping plans and their tests, the
//!   directory, alert rules, targets, pilot and conformance runs; never sees a token;
//! - `viewer`: reads, provisioning logs included (bodies redacted as for everyone).
//!
//! A grant other than `owner` may be limited to named configurations ([`Grant`]).

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::configuration::ConfigurationId;

/// A role: what an administrator may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum Role {
    /// Everything, administrators and server settings included.
    Owner,
    /// Credentials and their audit: tokens, OAuth clients, the token policy, the audit log.
    Security,
    /// Provisioning set-up: configurations, mapping plans, the directory, targets, runs.
    Editor,
    /// Reads.
    Viewer,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Self; 4] = [Self::Owner, Self::Security, Self::Editor, Self::Viewer];

    /// The role's name (`owner`, `security`, `editor`, `viewer`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Security => "security",
            Self::Editor => "editor",
            Self::Viewer => "viewer",
        }
    }

    /// Whether this role may `access` `area` (on the configurations its grant covers).
    pub fn may(self, area: Area, access: Access) -> bool {
        use Area::{
            Administrators, Alerts, Audit, Configurations, Conformance, Directory, Mapping,
            OAuthClients, PilotRuns, Targets, TokenPolicy, Tokens,
        };
        // Credentials, who did what, who may: hidden from editors and viewers.
        let hidden = matches!(area, Tokens | OAuthClients | Audit | Administrators);
        match (self, access) {
            // The audit log is append-only: nobody changes it.
            (_, Access::Write) if area == Audit => false,
            (Self::Owner, _) => true,
            (Self::Security, Access::Read) => area != Administrators,
            (Self::Security, Access::Write) => {
                matches!(area, Tokens | OAuthClients | TokenPolicy | Alerts)
            }
            (Self::Editor | Self::Viewer, Access::Read) => !hidden,
            (Self::Editor, Access::Write) => matches!(
                area,
                Configurations | Mapping | Directory | Alerts | Targets | PilotRuns | Conformance
            ),
            (Self::Viewer, Access::Write) => false,
        }
    }

    /// Whether a grant of this role may be limited to named configurations (all but `owner`,
    /// which holds the server's own settings and the administrators).
    pub fn can_be_scoped(self) -> bool {
        self != Self::Owner
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A role name that is none of the roles.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a role: the roles are owner, security, editor and viewer")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.name().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| UnknownRole(text.to_owned()))
    }
}

/// What the admin API acts on: each route belongs to one area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum Area {
    /// SCIM configurations: their settings, client profiles, the connection test.
    Configurations,
    /// Mapping plans: versions, validation, tests on samples, impact, copies.
    Mapping,
    /// The directory: users and groups, imports.
    Directory,
    /// The provisioning log: records, statistics, exports, the live stream, retention.
    Logs,
    /// Alert rules and raised alerts.
    Alerts,
    /// Remote targets.
    Targets,
    /// Pilot runs into targets.
    PilotRuns,
    /// Conformance runs.
    Conformance,
    /// SCIM bearer tokens.
    Tokens,
    /// OAuth clients.
    OAuthClients,
    /// The token policy: lifetimes, rotation.
    TokenPolicy,
    /// The audit log and its export.
    Audit,
    /// Administrators, their roles, sessions and API tokens.
    Administrators,
    /// The server's own settings.
    Settings,
}

impl Area {
    /// Every area, in the order the documentation lists them.
    pub const ALL: [Self; 14] = [
        Self::Configurations,
        Self::Mapping,
        Self::Directory,
        Self::Logs,
        Self::Alerts,
        Self::Targets,
        Self::PilotRuns,
        Self::Conformance,
        Self::Tokens,
        Self::OAuthClients,
        Self::TokenPolicy,
        Self::Audit,
        Self::Administrators,
        Self::Settings,
    ];

    /// The area as the documentation names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Configurations => "configurations",
            Self::Mapping => "mapping plans",
            Self::Directory => "directory",
            Self::Logs => "provisioning log",
            Self::Alerts => "alerts",
            Self::Targets => "targets",
            Self::PilotRuns => "pilot runs",
            Self::Conformance => "conformance runs",
            Self::Tokens => "SCIM tokens",
            Self::OAuthClients => "OAuth clients",
            Self::TokenPolicy => "token policy",
            Self::Audit => "audit log",
            Self::Administrators => "administrators",
            Self::Settings => "server settings",
        }
    }
}

/// Reading, or changing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum Access {
    /// Reading (lists, records, exports).
    Read,
    /// Changing (creating, editing, deleting, running).
    Write,
}

/// A role held on every configuration, or on named ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    /// The role.
    pub role: Role,
    /// The configurations it covers; `None`: all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configurations: Option<BTreeSet<ConfigurationId>>,
}

/// An `owner` grant limited to configurations: owners hold the whole server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the owner role covers the whole server and cannot be limited to configurations")]
pub struct ScopedOwner;

impl Grant {
    /// `role` on every configuration.
    pub fn everywhere(role: Role) -> Self {
        Self {
            role,
            configurations: None,
        }
    }

    /// `role` on the named configurations only.
    pub fn on(role: Role, configurations: BTreeSet<ConfigurationId>) -> Result<Self, ScopedOwner> {
        if !role.can_be_scoped() {
            return Err(ScopedOwner);
        }
        Ok(Self {
            role,
            configurations: Some(configurations),
        })
    }

    /// Whether this grant lets its holder `access` `area`, for `configuration` when the
    /// request concerns one. A grant limited to configurations covers requests about those
    /// only (a list across configurations is filtered by [`Grant::covers`]), and none about
    /// the server as a whole.
    pub fn permits(
        &self,
        area: Area,
        access: Access,
        configuration: Option<ConfigurationId>,
    ) -> bool {
        self.role.may(area, access)
            && match (&self.configurations, configuration) {
                (None, _) => true,
                (Some(allowed), Some(id)) => allowed.contains(&id),
                // Server-wide reads (lists) are filtered per configuration; server-wide
                // changes are not a scoped grant's to make.
                (Some(_), None) => access == Access::Read,
            }
    }

    /// Whether this grant covers `configuration` (to filter lists across configurations).
    pub fn covers(&self, configuration: ConfigurationId) -> bool {
        self.configurations
            .as_ref()
            .is_none_or(|allowed| allowed.contains(&configuration))
    }
}

/// The configurations a read across configurations shows: all of them, or only some (to an
/// administrator whose grants for the area are limited to those). A record about no
/// configuration (a server-wide change in the audit log) is shown only with [`Reach::All`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Reach {
    /// Every configuration, and records about none.
    #[default]
    All,
    /// These configurations only.
    Only(BTreeSet<ConfigurationId>),
}

impl Reach {
    /// What `grants` let their holder read of `area` across configurations: all of it when
    /// one grant that reads the area covers every configuration, else the union of the
    /// configurations the reading grants cover (empty when none reads the area).
    pub fn of(grants: &[Grant], area: Area) -> Self {
        let mut only = BTreeSet::new();
        for grant in grants.iter().filter(|g| g.role.may(area, Access::Read)) {
            match &grant.configurations {
                None => return Self::All,
                Some(ids) => only.extend(ids.iter().copied()),
            }
        }
        Self::Only(only)
    }

    /// Whether a record about `configuration` (`None`: about none) is shown.
    pub fn shows(&self, configuration: Option<ConfigurationId>) -> bool {
        match (self, configuration) {
            (Self::All, _) => true,
            (Self::Only(ids), Some(id)) => ids.contains(&id),
            (Self::Only(_), None) => false,
        }
    }
}

/// The roles table, in Markdown: one row per area, one column per role, `read and change`,
/// `read` or `—` in each cell (docs/administrators.md prints it; a test keeps the two equal).
pub fn policy_table() -> String {
    use std::fmt::Write as _;
    let mut out = String::from("| area |");
    for role in Role::ALL {
        let _ = write!(out, " `{role}` |");
    }
    out.push_str("\n| --- |");
    for _ in Role::ALL {
        out.push_str(" --- |");
    }
    out.push('\n');
    for area in Area::ALL {
        let _ = write!(out, "| {} |", area.label());
        for role in Role::ALL {
            let cell = match (role.may(area, Access::Read), role.may(area, Access::Write)) {
                (true, true) => "read and change",
                (true, false) => "read",
                (false, true) => "change",
                (false, false) => "—",
            };
            let _ = write!(out, " {cell} |");
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Test code: a failure is a test failure.

    use super::*;

    #[test]
    fn a_reach_is_the_union_of_the_grants_that_read_the_area() {
        let (a, b) = (ConfigurationId::new(), ConfigurationId::new());
        let on = |role, id| Grant::on(role, BTreeSet::from([id])).unwrap();
        // An unlimited grant that reads the area reaches everything.
        let all = Reach::of(
            &[on(Role::Viewer, a), Grant::everywhere(Role::Editor)],
            Area::Logs,
        );
        assert_eq!(all, Reach::All);
        assert!(all.shows(None) && all.shows(Some(b)));
        // Limited grants reach their configurations, and no record about none.
        let some = Reach::of(&[on(Role::Viewer, a), on(Role::Editor, b)], Area::Logs);
        assert_eq!(some, Reach::Only(BTreeSet::from([a, b])));
        assert!(some.shows(Some(a)) && some.shows(Some(b)) && !some.shows(None));
        // A grant that does not read the area adds nothing: an unlimited editor reaches no
        // audit record, a limited security grant its configuration's.
        let audit = Reach::of(
            &[Grant::everywhere(Role::Editor), on(Role::Security, a)],
            Area::Audit,
        );
        assert_eq!(audit, Reach::Only(BTreeSet::from([a])));
        assert_eq!(
            Reach::of(&[Grant::everywhere(Role::Viewer)], Area::Audit),
            Reach::Only(BTreeSet::new())
        );
    }

    #[test]
    fn each_role_does_what_the_issue_says() {
        use Access::{Read, Write};
        // Owners: everything (the audit log is changed by no one).
        assert!(Area::ALL.iter().all(|a| Role::Owner.may(*a, Read)));
        assert!(
            Area::ALL
                .iter()
                .all(|a| Role::Owner.may(*a, Write) == (*a != Area::Audit))
        );
        // Security: credentials and audit; reads the rest; never administrators.
        for area in [Area::Tokens, Area::OAuthClients, Area::TokenPolicy] {
            assert!(Role::Security.may(area, Write), "{area:?}");
        }
        assert!(Role::Security.may(Area::Audit, Read));
        assert!(
            Role::Security.may(Area::Mapping, Read) && !Role::Security.may(Area::Mapping, Write)
        );
        assert!(!Role::Security.may(Area::Administrators, Read));
        // Editors: set-up, never tokens or clients, not even to read.
        for area in [
            Area::Configurations,
            Area::Mapping,
            Area::Directory,
            Area::Targets,
            Area::PilotRuns,
            Area::Conformance,
        ] {
            assert!(Role::Editor.may(area, Write), "{area:?}");
        }
        for area in [
            Area::Tokens,
            Area::OAuthClients,
            Area::Audit,
            Area::Administrators,
        ] {
            assert!(!Role::Editor.may(area, Read), "{area:?}");
        }
        assert!(!Role::Editor.may(Area::Settings, Write));
        // Viewers: reads, the provisioning log included; no credentials; no changes.
        assert!(Role::Viewer.may(Area::Logs, Read));
        assert!(Area::ALL.iter().all(|a| !Role::Viewer.may(*a, Write)));
        assert!(!Role::Viewer.may(Area::Tokens, Read));
        // Only owners manage administrators and settings.
        for role in [Role::Security, Role::Editor, Role::Viewer] {
            assert!(!role.may(Area::Administrators, Write));
            assert!(!role.may(Area::Settings, Write));
        }
    }

    #[test]
    fn a_grant_limited_to_configurations_covers_those_only() {
        let (qa, prod) = (ConfigurationId::new(), ConfigurationId::new());
        let editor = Grant::on(Role::Editor, BTreeSet::from([qa])).unwrap();
        assert!(editor.permits(Area::Mapping, Access::Write, Some(qa)));
        assert!(!editor.permits(Area::Mapping, Access::Write, Some(prod)));
        assert!(!editor.permits(Area::Mapping, Access::Read, Some(prod)));
        // Lists are filtered; server-wide changes are refused.
        assert!(editor.permits(Area::Configurations, Access::Read, None));
        assert!(!editor.permits(Area::Targets, Access::Write, None));
        assert!(editor.covers(qa) && !editor.covers(prod));
        let everywhere = Grant::everywhere(Role::Editor);
        assert!(everywhere.permits(Area::Targets, Access::Write, None));
        assert!(everywhere.covers(prod));
        assert_eq!(
            Grant::on(Role::Owner, BTreeSet::from([qa])),
            Err(ScopedOwner)
        );
    }

    #[test]
    fn role_names_read_back_in_any_case_and_say_what_exists() {
        for role in Role::ALL {
            assert_eq!(role.name().to_uppercase().parse::<Role>().unwrap(), role);
        }
        let error = "admin".parse::<Role>().unwrap_err().to_string();
        assert!(
            error.contains("owner, security, editor and viewer"),
            "{error}"
        );
    }

    #[test]
    fn the_documented_table_is_the_enforced_one() {
        let docs = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/administrators.md"),
        )
        .unwrap();
        assert!(
            docs.contains(&policy_table()),
            "docs/administrators.md must hold the roles table as policy_table() prints it:\n{}",
            policy_table()
        );
    }
}
