//! Who may make an admin API request: every route belongs to an area of the roles table
//! ([`scim_console_core::administrators::roles`]) with a kind of access and, when it is about
//! one configuration, that configuration ([`need`]); the guard checks the caller's grants
//! against it before any handler runs. A route without a rule is refused to everyone but the
//! admin token's holder (and a test lists every route of the OpenAPI document, so a new route
//! cannot go without one).

use axum::http::{Method, StatusCode};
use scim_console_core::ConfigurationId;
use scim_console_core::administrators::accounts::Administrator;
use scim_console_core::administrators::roles::{Access, Area, Grant, Reach, Role};
use scim_console_core::audit::Person;

use super::AdminError;

/// What a request needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Nothing: the route is public (health, the OpenAPI document, redeeming a sign-in link).
    Public,
    /// Nothing more than being signed in (signing out), or what the handler decides from the
    /// request's body (a configuration's changes: each field's area).
    SignedIn,
    /// Reading the console's catalogue — templates, schemas, client profiles — which holds no
    /// configuration's data: any role.
    Catalogue,
    /// `access` to `area`, about one configuration or (`None`) across the server.
    Area {
        /// The area.
        area: Area,
        /// Reading or changing.
        access: Access,
        /// The configuration the request is about, when it is about one (`Some(None)`: the
        /// path names one that is not an id, which the handler refuses).
        configuration: Option<Option<ConfigurationId>>,
    },
}

/// Who is calling.
#[derive(Debug, Clone)]
pub enum Caller {
    /// The holder of the server's admin token (or a session it opened): every right.
    AdminToken,
    /// A signed-in administrator.
    Administrator(Signed),
}

/// An administrator and the credential it calls with.
#[derive(Debug, Clone)]
pub struct Signed {
    /// Who.
    pub administrator: Administrator,
    /// With what.
    pub via: Via,
}

/// The credential an administrator calls with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A browser session (its public id).
    Session(String),
    /// A personal API token (its public id), carrying some of the administrator's roles.
    ApiToken {
        /// The token's id.
        id: String,
        /// The roles it carries.
        roles: Vec<Role>,
    },
}

impl Signed {
    /// The grants this administrator holds through this credential: all of its own through a
    /// session, those of the token's roles through an API token.
    pub fn grants(&self) -> Vec<Grant> {
        match &self.via {
            Via::Session(_) => self.administrator.grants.clone(),
            Via::ApiToken { roles, .. } => self
                .administrator
                .grants
                .iter()
                .filter(|g| roles.contains(&g.role))
                .cloned()
                .collect(),
        }
    }

    /// Who this is, for the audit log.
    pub fn person(&self) -> Person {
        Person {
            id: self.administrator.id.clone(),
            email: self.administrator.email.clone(),
            roles: held(&self.grants()),
            via: match &self.via {
                Via::Session(id) => format!("session {id}"),
                Via::ApiToken { id, .. } => format!("api token {id}"),
            },
        }
    }
}

impl Caller {
    /// The grants this caller holds.
    pub fn grants(&self) -> Vec<Grant> {
        match self {
            Self::AdminToken => vec![Grant::everywhere(Role::Owner)],
            Self::Administrator(signed) => signed.grants(),
        }
    }

    /// Whether this caller sees `configuration` in lists across configurations.
    pub fn covers(&self, area: Area, configuration: ConfigurationId) -> bool {
        self.grants()
            .iter()
            .any(|g| g.role.may(area, Access::Read) && g.covers(configuration))
    }

    /// What this caller may read of `area` across configurations: the lists of that area
    /// show these configurations only.
    pub fn reach(&self, area: Area) -> Reach {
        Reach::of(&self.grants(), area)
    }

    /// Whether this caller may make a request that needs `need`; else the 403 that says
    /// which role it would take.
    pub fn check(&self, need: Option<Need>) -> Result<(), AdminError> {
        let grants = self.grants();
        let Some(need) = need else {
            return if matches!(self, Self::AdminToken) {
                Ok(())
            } else {
                Err(AdminError::new(
                    StatusCode::FORBIDDEN,
                    "this route has no access rule: only the server's admin token may call it",
                ))
            };
        };
        let allowed = match need {
            Need::Public | Need::SignedIn | Need::Catalogue => true,
            Need::Area {
                area,
                access,
                configuration,
            } => grants.iter().any(|g| match configuration {
                Some(id) => {
                    id.is_some_and(|id| g.permits(area, access, Some(id)))
                        || (id.is_none() && g.role.may(area, access))
                }
                // Across the server: lists are filtered per configuration for grants limited
                // to some; changes to the server as a whole need a grant on all of them.
                None => {
                    g.role.may(area, access)
                        && (g.configurations.is_none() || (access == Access::Read && lists(area)))
                }
            }),
        };
        if allowed {
            return Ok(());
        }
        let Need::Area { area, access, .. } = need else {
            return Ok(());
        };
        let roles: Vec<&str> = Role::ALL
            .iter()
            .filter(|r| r.may(area, access))
            .map(|r| r.name())
            .collect();
        let verb = match access {
            Access::Read => "reading",
            Access::Write => "changing",
        };
        Err(AdminError::new(
            StatusCode::FORBIDDEN,
            format!(
                "{verb} {} needs the role {} (on this configuration); you have {}",
                area.label(),
                roles.join(" or "),
                held(&grants)
            ),
        ))
    }
}

/// The areas whose reads across configurations are filtered per configuration
/// ([`Caller::reach`]), so that a grant limited to some configurations may make them and sees
/// its own configurations' records only.
fn lists(area: Area) -> bool {
    matches!(
        area,
        Area::Configurations | Area::Logs | Area::Alerts | Area::Audit
    )
}

/// The grants as text: `editor (2 configurations), viewer`.
pub(super) fn held(grants: &[Grant]) -> String {
    grants
        .iter()
        .map(|g| match &g.configurations {
            None => g.role.name().to_owned(),
            Some(ids) => format!("{} ({} configuration(s))", g.role, ids.len()),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The reads across configurations whose handler keeps to one configuration when the query
/// names it (`?configuration=<id>`): such a read is about that configuration, so a grant
/// limited to it may make it.
const FILTERED_BY_CONFIGURATION: &[&str] = &[
    "/api/logs",
    "/api/logs/export",
    "/api/logs/stream",
    "/api/logs/stats",
    "/api/logs/cycles",
    "/api/logs/refusals",
    "/api/alerts",
    "/api/audit",
    "/api/audit/export",
];

/// What a request to `path` (under `/api`) with `method` and `query` needs: [`need`], except
/// that a read across configurations that names exactly one (`?configuration=<id>`) is about
/// that one.
pub fn need_with_query(method: &Method, path: &str, query: Option<&str>) -> Option<Need> {
    let need = need(method, path)?;
    let Need::Area {
        area,
        access: Access::Read,
        configuration: None,
    } = need
    else {
        return Some(need);
    };
    if !FILTERED_BY_CONFIGURATION.contains(&path) {
        return Some(need);
    }
    let named: Vec<String> = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .filter(|(key, _)| key == "configuration")
        .map(|(_, value)| value.into_owned())
        .collect();
    match named.as_slice() {
        [one] => Some(Need::Area {
            area,
            access: Access::Read,
            configuration: Some(ConfigurationId::parse(one)),
        }),
        _ => Some(need),
    }
}

/// What a request to `path` (under `/api`) with `method` needs; `None`: no rule.
pub fn need(method: &Method, path: &str) -> Option<Need> {
    let rest = path.strip_prefix("/api/")?;
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let reads = matches!(*method, Method::GET | Method::HEAD);
    let by_method = if reads { Access::Read } else { Access::Write };
    let server = |area: Area, access: Access| Need::Area {
        area,
        access,
        configuration: None,
    };
    match segments.as_slice() {
        ["health" | "openapi.json"] if reads => Some(Need::Public),
        ["sign-in", "link" | "password"] | ["sign-in", "desktop", "token"]
            if *method == Method::POST =>
        {
            Some(Need::Public)
        }
        ["sign-in", "methods" | "oidc"] | ["sign-in", "oidc", "callback" | "desktop"] if reads => {
            Some(Need::Public)
        }
        ["logout" | "me", ..] => Some(Need::SignedIn),
        ["administrators", ..] => Some(server(Area::Administrators, by_method)),
        ["client-profiles"]
        | [
            "mapping",
            "providers" | "schema" | "template" | "templates" | "functions",
            ..,
        ] if reads => Some(Need::Catalogue),
        // Trying an expression reads and writes nothing.
        ["mapping", "expression"] if *method == Method::POST => Some(Need::Catalogue),
        ["configurations"] => Some(server(Area::Configurations, by_method)),
        ["configurations", id, rest @ ..] => {
            let configuration = Some(ConfigurationId::parse(id));
            let (area, access) = match rest {
                // Judged field by field by the handler (`ConfigurationChanges::areas`).
                [] if *method == Method::PATCH => return Some(Need::SignedIn),
                // The deletion threshold is the configuration's own policy.
                [] | ["deletion-threshold"] => (Area::Configurations, by_method),
                ["alerts", ..] => (Area::Alerts, by_method),
                // The directory, and converting its user ids to emails.
                ["users" | "groups" | "rekey" | "rekeys", ..] => (Area::Directory, by_method),
                // Validating, testing, comparing and weighing a plan change nothing.
                ["mapping", "validate" | "test" | "diff" | "impact"] => {
                    (Area::Mapping, Access::Read)
                }
                // Promotion: QA's side here; the handlers check production's too.
                ["mapping" | "promotion", ..] => (Area::Mapping, by_method),
                ["tokens", ..] => (Area::Tokens, by_method),
                ["held-deletions"] => (Area::Directory, Access::Read),
                // Health is read from the provisioning log.
                ["health"] => (Area::Logs, Access::Read),
                // Provisioning one user, or deciding on held deletions, writes the directory.
                ["provision-on-demand"] | ["held-deletions", "release" | "discard"] => {
                    (Area::Directory, Access::Write)
                }
                ["oauth-clients", ..] => (Area::OAuthClients, by_method),
                _ => return None,
            };
            Some(Need::Area {
                area,
                access,
                configuration,
            })
        }
        ["alerts", ..] => Some(server(Area::Alerts, by_method)),
        ["audit", ..] if reads => Some(server(Area::Audit, Access::Read)),
        ["conformance-runs", ..] => Some(server(Area::Conformance, by_method)),
        ["connection-test"] => Some(server(Area::Configurations, Access::Write)),
        ["logs", ..] => Some(server(Area::Logs, by_method)),
        ["pilot-runs", ..] => Some(server(Area::PilotRuns, by_method)),
        ["settings"] | ["settings", "email"] => Some(server(Area::Settings, by_method)),
        ["settings", "email", "test"] if *method == Method::POST => {
            Some(server(Area::Settings, Access::Write))
        }
        ["targets", ..] => Some(server(Area::Targets, by_method)),
        ["tokens", "check"] if reads => Some(server(Area::Tokens, Access::Read)),
        _ => None,
    }
}
