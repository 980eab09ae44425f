//! Client profiles and compatibility switches: where a configuration's endpoint accepts what
//! identity providers send although RFC 7643/7644 or the 2026 interoperability profiles say
//! otherwise.
//!
//! A configuration has a [`ClientProfile`] — `entra`, `okta`, `rfc` or `strict` — which is a
//! named set of switches ([`Compatibility::for_profile`]); an admin may then override single
//! switches. `rfc` accepts every documented Entra ID and Okta form, so a configuration made
//! without naming its identity provider works with either; `entra` and `okta` turn off what
//! that provider never sends; `strict` turns every switch off and is the only profile whose
//! endpoint claims `interopProfileConformant` (and only while no switch is overridden).
//! [`SWITCHES`] documents each switch for the admin API, the UI and the CLI.

use scim::{FilterRules, InputRules, PatchRules, UnknownAttributes};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{CoreError, CoreResult};

/// What the endpoint does with attributes and schema URIs the resource type does not define.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum UnknownAttributePolicy {
    /// Keep them as sent (lossless).
    #[default]
    Preserve,
    /// Drop them silently (Entra's `roles: []`, Microsoft's own Group schema URI).
    Ignore,
    /// Refuse the request with 400 `invalidSyntax` (interoperability profile §5.3).
    Reject,
}

/// How a successful PATCH is answered (RFC 7644 §3.5.2 allows both 200 with the resource and
/// 204). A request that names `attributes` always gets 200 with them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum PatchAnswer {
    /// 200 with the resource, Users and Groups alike.
    Resource,
    /// 204 for Groups (what Entra ID documents; a large group's members are not sent back),
    /// 200 with the resource for Users.
    #[default]
    NoContentForGroups,
    /// 204 for both.
    NoContent,
}

/// A named set of switches, picked per configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum ClientProfile {
    /// Microsoft Entra ID: what its provisioning service sends, nothing more.
    Entra,
    /// Okta: what its SCIM 2.0 integrations (OIN and AIW) send, nothing more.
    Okta,
    /// Generic RFC 7644 client: every documented Entra ID and Okta form is accepted too.
    #[default]
    Rfc,
    /// The SCIM 2.0 interoperability profile plus IPSIE AL2: every switch off.
    Strict,
}

impl ClientProfile {
    /// Every profile.
    pub const ALL: [Self; 4] = [Self::Entra, Self::Okta, Self::Rfc, Self::Strict];

    /// Its name, as stored and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Entra => "entra",
            Self::Okta => "okta",
            Self::Rfc => "rfc",
            Self::Strict => "strict",
        }
    }

    /// Reads a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// A title for people.
    pub fn title(self) -> &'static str {
        match self {
            Self::Entra => "Microsoft Entra ID",
            Self::Okta => "Okta",
            Self::Rfc => "RFC 7644 (any client)",
            Self::Strict => "Strict (interoperability profile + IPSIE AL2)",
        }
    }

    /// What it is for, in a sentence or two.
    pub fn description(self) -> &'static str {
        match self {
            Self::Entra => {
                "Accepts what Entra ID's provisioning service sends — \"active\": \"False\", capitalised ops, member removal with a value list, path-less replaces (aadOptscim062020), Microsoft's Group schema URI, the manager as a bare id, unquoted filter strings (externalId eq jyoung) — and refuses what it never sends: PUT, passwords, PATCH bodies without their schema."
            }
            Self::Okta => {
                "Accepts what Okta sends — path-less deactivate and group rename, the placeholder password on every create, PUT from AIW apps — and refuses what it never sends: string booleans, capitalised ops, member removal with a value list, unquoted filter strings, the manager as a bare id."
            }
            Self::Rfc => {
                "RFC 7643/7644 plus every documented Entra ID and Okta form, so either provider works out of the box. The default for a configuration made without a template."
            }
            Self::Strict => {
                "Every rule of the SCIM 2.0 interoperability profile and IPSIE AL2 that a server can enforce: no path-less PATCH, unknown attributes (in bodies and PATCH paths alike, 400 invalidSyntax) and passwords refused, no PUT, filter strings quoted. The endpoint claims interopProfileConformant only in this profile, and only while no switch is overridden."
            }
        }
    }
}

impl std::fmt::Display for ClientProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A configuration's compatibility switches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
#[allow(clippy::struct_excessive_bools)] // Independent switches, each documented.
pub struct Compatibility {
    /// Accept `"True"` / `"False"` strings for boolean attributes: Entra ID disables a user
    /// with `"active": "False"`, and a leaver would stay active if it were refused.
    pub string_booleans: bool,
    /// Accept PATCH `add` / `replace` without a `path` (the value object names the
    /// attributes): Okta deactivates users that way, Entra ID with `aadOptscim062020`. The
    /// interoperability profile (§6.5.1.1) refuses them.
    pub pathless_patch: bool,
    /// Accept a PATCH whose `schemas` does not name the PatchOp message (older clients).
    pub patch_without_schemas: bool,
    /// Accept PATCH `op` values in any case (Entra ID sends `"Replace"`).
    pub any_case_ops: bool,
    /// A `remove` with a path and a value list removes only the listed values (Entra ID's
    /// member removal); off, it is refused with 400 — never read as "remove all members".
    pub remove_listed_values: bool,
    /// `replace` of `emails[type eq "work"].value` when there is no work email adds one
    /// (what Entra ID expects) instead of failing with `noTarget`.
    pub create_missing_values: bool,
    /// Attributes and schema URIs the resource type does not define.
    pub unknown_attributes: UnknownAttributePolicy,
    /// Accept a `password` (Okta sends a placeholder on every create): it is dropped, or kept
    /// as a hash when the configuration keeps passwords. Off, a password is refused with 400
    /// and `/Schemas` lists none (IPSIE AL2 §6.1.2).
    pub placeholder_password: bool,
    /// Accept PUT (Okta's AIW apps update users with it). Off, PUT is answered 405: the
    /// interoperability profile tells clients to use PATCH.
    pub accept_put: bool,
    /// How a successful PATCH is answered.
    pub patch_answer: PatchAnswer,
    /// Read a bare word in a filter as a string (`userName eq akadmin`): authentik's SCIM
    /// provider looks users up that way, and Entra ID's SCIM tutorial shows `externalId eq
    /// jyoung`. Off, it is refused with 400 `invalidFilter`.
    pub unquoted_filter_strings: bool,
    /// Read a bare string sent for the enterprise `manager` as its `value` (Entra ID sends
    /// `"value": "<manager id>"` in PATCH and `"manager": "<id>"` in bodies). Off, 400
    /// `invalidValue`.
    pub manager_as_string: bool,
    /// Read `=` as `eq` and single-quoted strings in filters and PATCH paths
    /// (`emails[type ='Work Email'].value`, as xMatters documents its attributes and admins
    /// paste them into Entra ID). Off, 400 `invalidFilter`.
    pub loose_filter_syntax: bool,
}

impl Default for Compatibility {
    /// The `rfc` profile: everything Entra ID and Okta send is accepted.
    fn default() -> Self {
        Self::for_profile(ClientProfile::Rfc)
    }
}

/// The identity provider a configuration is for, which picks its client profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum IdentityProvider {
    /// Microsoft Entra ID.
    Entra,
    /// Okta.
    Okta,
    /// OneLogin.
    OneLogin,
    /// Google Workspace.
    Google,
    /// Another client: every switch on.
    Other,
}

impl IdentityProvider {
    /// The client profile for its connections.
    pub fn profile(self) -> ClientProfile {
        match self {
            Self::Entra => ClientProfile::Entra,
            Self::Okta => ClientProfile::Okta,
            Self::OneLogin | Self::Google | Self::Other => ClientProfile::Rfc,
        }
    }
}

/// What one switch does, for people (the admin API, the UI and the CLI show this).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SwitchDoc {
    /// Its name, as in `compatibility` and in the provisioning log.
    pub name: &'static str,
    /// A short title.
    pub title: &'static str,
    /// What it accepts when on, and what happens when off.
    pub description: &'static str,
    /// Who needs it.
    pub needed_by: &'static str,
    /// The rule it bends.
    pub rule: &'static str,
}

/// Every switch, in display order.
pub const SWITCHES: [SwitchDoc; 13] = [
    SwitchDoc {
        name: "stringBooleans",
        title: "String booleans",
        description: "On: \"True\" / \"False\" strings (any case) are read as booleans. Off: 400 invalidValue.",
        needed_by: "Entra ID disables users with \"active\": \"False\"; refusing it keeps the leaver active.",
        rule: "RFC 7643 §2.3.2: booleans are JSON true/false.",
    },
    SwitchDoc {
        name: "pathlessPatch",
        title: "PATCH without a path",
        description: "On: add/replace whose value object names the attributes (keys may be paths such as name.givenName). Off: 400 invalidSyntax.",
        needed_by: "Okta's deactivate and group rename; Entra ID with aadOptscim062020.",
        rule: "Interoperability profile §6.5.1.1: operations without a path are rejected.",
    },
    SwitchDoc {
        name: "patchWithoutSchemas",
        title: "PATCH without its schema",
        description: "On: a PATCH body without \"schemas\" is read. Off: 400 invalidSyntax.",
        needed_by: "Older clients only.",
        rule: "RFC 7644 §3.5.2: the body names urn:ietf:params:scim:api:messages:2.0:PatchOp.",
    },
    SwitchDoc {
        name: "anyCaseOps",
        title: "Operation names in any case",
        description: "On: \"Replace\", \"Add\", \"Remove\" are read like their lower-case forms. Off: 400 invalidSyntax.",
        needed_by: "Entra ID (its default, without aadOptscim062020).",
        rule: "RFC 7644 §3.5.2: op is add, remove or replace.",
    },
    SwitchDoc {
        name: "removeListedValues",
        title: "Member removal with a value list",
        description: "On: remove with path \"members\" and a value list removes only the listed members. Off: 400 invalidSyntax. Never: the whole group emptied.",
        needed_by: "Entra ID removes members this way.",
        rule: "RFC 7644 §3.5.2.2 defines no value for remove; IPSIE AL1 wants members[value eq \"…\"].",
    },
    SwitchDoc {
        name: "createMissingValues",
        title: "Create missing values",
        description: "On: replace of emails[type eq \"work\"].value adds the work email when there is none. Off: 400 noTarget.",
        needed_by: "Entra ID sets a user's work email that way.",
        rule: "RFC 7644 §3.5.2.3: a filter that matches nothing is noTarget.",
    },
    SwitchDoc {
        name: "unknownAttributes",
        title: "Unknown attributes and schema URIs",
        description: "preserve: kept as sent; ignore: dropped; reject: 400 invalidSyntax.",
        needed_by: "Entra ID's Group create names Microsoft's own schema URI; custom attributes without a schema.",
        rule: "Interoperability profile §5.3: undefined attributes and schema URIs are rejected.",
    },
    SwitchDoc {
        name: "placeholderPassword",
        title: "Placeholder password",
        description: "On: a password is accepted and dropped (or kept as a hash when the configuration keeps passwords). Off: 400 invalidSyntax, and /Schemas lists no password.",
        needed_by: "Okta sends a placeholder password on every create, even without password sync.",
        rule: "IPSIE AL2 §6.1.2: the password attribute MUST NOT be supported.",
    },
    SwitchDoc {
        name: "acceptPut",
        title: "PUT",
        description: "On: PUT replaces a resource. Off: 405, use PATCH.",
        needed_by: "Okta's App Integration Wizard apps update and deactivate users with PUT.",
        rule: "Interoperability profile §6.5: clients use PATCH and SHALL NOT use PUT.",
    },
    SwitchDoc {
        name: "unquotedFilterStrings",
        title: "Unquoted filter strings",
        description: "On: a bare word that is not true, false, null or a number is read as a string, up to the next space, ')' or ']' (userName eq akadmin). Off: 400 invalidFilter.",
        needed_by: "authentik's SCIM provider looks users up with userName eq akadmin; Entra ID's SCIM tutorial shows externalId eq jyoung. Refusing the lookup fails the sync; answering \"no match\" would make a duplicate.",
        rule: "RFC 7644 §3.4.2.2: compValue is a JSON string, number, true, false or null.",
    },
    SwitchDoc {
        name: "looseFilterSyntax",
        title: "Loose filter syntax",
        description: "On: '=' is read as eq and 'single-quoted' strings like \"double-quoted\" ones, in filters and PATCH paths (emails[type ='Work Email'].value). Off: 400 invalidFilter.",
        needed_by: "xMatters documents its attributes as emails[type ='Work Email'].value; admins paste that into Entra ID's attribute list, which sends it back as written.",
        rule: "RFC 7644 §3.4.2.2: the operator is eq and compValue a JSON string.",
    },
    SwitchDoc {
        name: "managerAsString",
        title: "Manager as a bare id",
        description: "On: a string sent for the enterprise manager (PATCH add/replace of manager or its URN path, or \"manager\": \"<id>\" in a create or PUT) is read as {\"value\": \"<id>\", \"$ref\": \"../Users/<id>\"}. Off: 400 invalidValue.",
        needed_by: "Entra ID sends the manager as a plain id.",
        rule: "RFC 7643 §4.3: manager is a complex attribute with value and $ref.",
    },
    SwitchDoc {
        name: "patchAnswer",
        title: "PATCH answer",
        description: "resource: 200 with the resource; noContentForGroups: 204 for groups, 200 for users; noContent: 204 for both. A request naming attributes always gets 200.",
        needed_by: "Entra ID documents 204 for group PATCHes; Okta accepts either.",
        rule: "RFC 7644 §3.5.2 allows 200 with the resource or 204.",
    },
];

impl Compatibility {
    /// A profile's switches.
    pub fn for_profile(profile: ClientProfile) -> Self {
        let everything = Self {
            string_booleans: true,
            pathless_patch: true,
            patch_without_schemas: true,
            any_case_ops: true,
            remove_listed_values: true,
            create_missing_values: true,
            unknown_attributes: UnknownAttributePolicy::Preserve,
            placeholder_password: true,
            accept_put: true,
            patch_answer: PatchAnswer::NoContentForGroups,
            unquoted_filter_strings: true,
            manager_as_string: true,
            loose_filter_syntax: true,
        };
        match profile {
            ClientProfile::Rfc => everything,
            // "active": "False"; "Replace"; member removal with a value list; path-less
            // replace with aadOptscim062020; work email created by a filtered replace;
            // Microsoft's Group schema URI. It always sends the PatchOp schema and never PUT
            // or a password.
            ClientProfile::Entra => Self {
                patch_without_schemas: false,
                placeholder_password: false,
                accept_put: false,
                ..everything
            },
            // Path-less deactivate and group rename; the placeholder password; PUT (AIW).
            // Booleans are booleans, ops lower case, members removed by filter, filter
            // strings quoted, the manager an object.
            ClientProfile::Okta => Self {
                string_booleans: false,
                patch_without_schemas: false,
                any_case_ops: false,
                remove_listed_values: false,
                create_missing_values: false,
                unquoted_filter_strings: false,
                manager_as_string: false,
                loose_filter_syntax: false,
                ..everything
            },
            ClientProfile::Strict => Self {
                string_booleans: false,
                pathless_patch: false,
                patch_without_schemas: false,
                any_case_ops: false,
                remove_listed_values: false,
                create_missing_values: false,
                unknown_attributes: UnknownAttributePolicy::Reject,
                placeholder_password: false,
                accept_put: false,
                patch_answer: PatchAnswer::NoContentForGroups,
                unquoted_filter_strings: false,
                manager_as_string: false,
                loose_filter_syntax: false,
            },
        }
    }

    /// The switches for a provider's connections (its profile's).
    pub fn for_provider(provider: IdentityProvider) -> Self {
        Self::for_profile(provider.profile())
    }

    /// Reads stored switches over a profile's: a switch the stored text does not name (one
    /// added after it was written) takes the profile's value.
    pub fn from_stored(profile: ClientProfile, stored: &str) -> CoreResult<Self> {
        let corrupt = |e: serde_json::Error| CoreError::Corrupt(format!("compatibility: {e}"));
        let overrides: serde_json::Map<String, Value> =
            serde_json::from_str(stored).map_err(corrupt)?;
        Self::for_profile(profile)
            .overlaid(&overrides)
            .map_err(corrupt)
    }

    /// These switches with some changed, by name (`{"stringBooleans": false}`): the others
    /// keep their values. An unknown name or a wrong value is refused, naming it.
    pub fn with_changes(&self, changes: &serde_json::Map<String, Value>) -> CoreResult<Self> {
        self.overlaid(changes)
            .map_err(|e| CoreError::invalid("compatibility", e.to_string()))
    }

    /// Every switch as a change ([`crate::ConfigurationUpdate::compatibility`]) that sets
    /// them all to these values.
    pub fn to_changes(&self) -> serde_json::Map<String, Value> {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        }
    }

    fn overlaid(&self, changes: &serde_json::Map<String, Value>) -> serde_json::Result<Self> {
        let mut merged = self.to_changes();
        merged.extend(changes.iter().map(|(k, v)| (k.clone(), v.clone())));
        serde_json::from_value(Value::Object(merged))
    }

    /// The switches that differ from `profile`'s, by name.
    pub fn overrides(&self, profile: ClientProfile) -> Vec<&'static str> {
        let (Ok(Value::Object(mine)), Ok(Value::Object(theirs))) = (
            serde_json::to_value(self),
            serde_json::to_value(Self::for_profile(profile)),
        ) else {
            return Vec::new();
        };
        SWITCHES
            .iter()
            .map(|s| s.name)
            .filter(|name| mine.get(*name) != theirs.get(*name))
            .collect()
    }

    /// Whether every rule of the interoperability profile that these switches govern is
    /// enforced: all of `strict`'s switches (the PATCH answer is free).
    pub fn is_strict(&self) -> bool {
        let strict = Self::for_profile(ClientProfile::Strict);
        Self {
            patch_answer: strict.patch_answer,
            ..*self
        } == strict
    }

    /// How request bodies are read.
    pub fn input_rules(&self) -> InputRules {
        InputRules {
            unknown_attributes: match self.unknown_attributes {
                UnknownAttributePolicy::Preserve => UnknownAttributes::Preserve,
                UnknownAttributePolicy::Ignore => UnknownAttributes::Ignore,
                UnknownAttributePolicy::Reject => UnknownAttributes::Reject,
            },
            string_booleans: self.string_booleans,
            manager_as_string: self.manager_as_string,
        }
    }

    /// How filters are read.
    pub fn filter_rules(&self) -> FilterRules {
        FilterRules {
            unquoted_strings: self.unquoted_filter_strings,
            loose_syntax: self.loose_filter_syntax,
        }
    }

    /// How PATCH requests are read and applied.
    pub fn patch_rules(&self) -> PatchRules {
        PatchRules {
            input: self.input_rules(),
            pathless: self.pathless_patch,
            require_patch_schema: !self.patch_without_schemas,
            create_missing_values: self.create_missing_values,
            any_case_ops: self.any_case_ops,
            remove_listed_values: self.remove_listed_values,
            filter: self.filter_rules(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_accepts_what_the_scim_crate_accepts_by_default() {
        let c = Compatibility::default();
        assert_eq!(c, Compatibility::for_profile(ClientProfile::Rfc));
        assert_eq!(c.input_rules(), InputRules::default());
        assert_eq!(c.patch_rules(), PatchRules::default());
        assert!(c.placeholder_password && c.accept_put);
    }

    #[test]
    fn profiles_keep_what_their_provider_sends() {
        let okta = Compatibility::for_provider(IdentityProvider::Okta);
        assert!(okta.pathless_patch && okta.placeholder_password && okta.accept_put);
        assert!(!okta.string_booleans && !okta.any_case_ops && !okta.remove_listed_values);
        assert!(!okta.unquoted_filter_strings && !okta.manager_as_string);
        let entra = Compatibility::for_provider(IdentityProvider::Entra);
        assert!(entra.string_booleans && entra.pathless_patch && entra.create_missing_values);
        assert!(entra.any_case_ops && entra.remove_listed_values);
        assert!(entra.unquoted_filter_strings && entra.manager_as_string);
        assert!(entra.filter_rules().unquoted_strings && entra.input_rules().manager_as_string);
        assert!(!entra.accept_put && !entra.placeholder_password);
        assert!(entra.patch_rules().require_patch_schema);
        assert_eq!(
            Compatibility::for_provider(IdentityProvider::Google),
            Compatibility::default()
        );
    }

    #[test]
    fn only_strict_switches_are_strict() {
        let strict = Compatibility::for_profile(ClientProfile::Strict);
        assert!(strict.is_strict());
        assert!(
            Compatibility {
                patch_answer: PatchAnswer::NoContent,
                ..strict
            }
            .is_strict()
        );
        assert!(
            !Compatibility {
                pathless_patch: true,
                ..strict
            }
            .is_strict()
        );
        for p in [
            ClientProfile::Entra,
            ClientProfile::Okta,
            ClientProfile::Rfc,
        ] {
            assert!(!Compatibility::for_profile(p).is_strict(), "{p}");
        }
    }

    #[test]
    fn stored_switches_fill_in_the_profile_and_refuse_unknown_names() {
        let partial =
            Compatibility::from_stored(ClientProfile::Strict, r#"{"stringBooleans": true}"#)
                .unwrap();
        assert!(partial.string_booleans && !partial.pathless_patch);
        assert_eq!(partial.overrides(ClientProfile::Strict), ["stringBooleans"]);
        assert!(
            Compatibility::from_stored(ClientProfile::Rfc, r#"{"stringBoolean": false}"#).is_err()
        );
        assert!(Compatibility::from_stored(ClientProfile::Rfc, "[]").is_err());
        let full = serde_json::to_string(&Compatibility::for_profile(ClientProfile::Okta)).unwrap();
        let read = Compatibility::from_stored(ClientProfile::Rfc, &full).unwrap();
        assert_eq!(read, Compatibility::for_profile(ClientProfile::Okta));
        assert!(read.overrides(ClientProfile::Okta).is_empty());
    }

    #[test]
    fn every_switch_is_documented_once_and_profiles_round_trip() {
        let names: Vec<&str> = SWITCHES.iter().map(|s| s.name).collect();
        let Value::Object(fields) = serde_json::to_value(Compatibility::default()).unwrap() else {
            panic!("not an object");
        };
        let mut fields: Vec<&str> = fields.keys().map(String::as_str).collect();
        let mut sorted = names.clone();
        fields.sort_unstable();
        sorted.sort_unstable();
        assert_eq!(fields, sorted);
        for l in scim::Leniency::ALL {
            assert!(names.contains(&l.switch()), "{l} has no switch");
        }
        for p in ClientProfile::ALL {
            assert_eq!(ClientProfile::parse(p.as_str()), Some(p));
        }
    }
}
