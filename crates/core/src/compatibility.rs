//! Compatibility switches: where a configuration's endpoint accepts what identity providers
//! send although RFC 7643/7644 (or the 2026 interoperability profile) says otherwise. Every
//! switch is on for a configuration made without naming its identity provider, so Entra ID and
//! Okta both work out of the box; naming the provider turns off what it never needs.

use scim::{InputRules, PatchRules, UnknownAttributes};
use serde::{Deserialize, Serialize};

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
    /// `replace` of `emails[type eq "work"].value` when there is no work email adds one
    /// (what Entra ID expects) instead of failing with `noTarget`.
    pub create_missing_values: bool,
    /// Attributes and schema URIs the resource type does not define.
    pub unknown_attributes: UnknownAttributePolicy,
}

impl Default for Compatibility {
    /// Everything Entra ID and Okta send is accepted.
    fn default() -> Self {
        Self {
            string_booleans: true,
            pathless_patch: true,
            patch_without_schemas: true,
            create_missing_values: true,
            unknown_attributes: UnknownAttributePolicy::Preserve,
        }
    }
}

/// The identity provider a configuration is for, which picks its switches.
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

impl Compatibility {
    /// The switches for a provider: what it sends (from its documentation, see
    /// `../shared/idp/okta.md` §B) stays accepted, the rest is refused as the RFC says.
    pub fn for_provider(provider: IdentityProvider) -> Self {
        match provider {
            // "active": "False"; path-less replace with aadOptscim062020; work email created
            // by a filtered replace; it always sends the PatchOp schema.
            IdentityProvider::Entra => Self {
                patch_without_schemas: false,
                ..Self::default()
            },
            // Path-less deactivate and group rename; booleans are booleans; full PUTs, never
            // a filtered replace of a missing value.
            IdentityProvider::Okta => Self {
                string_booleans: false,
                patch_without_schemas: false,
                create_missing_values: false,
                ..Self::default()
            },
            IdentityProvider::OneLogin | IdentityProvider::Google | IdentityProvider::Other => {
                Self::default()
            }
        }
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
        }
    }

    /// How PATCH requests are read and applied.
    pub fn patch_rules(&self) -> PatchRules {
        PatchRules {
            input: self.input_rules(),
            pathless: self.pathless_patch,
            require_patch_schema: !self.patch_without_schemas,
            create_missing_values: self.create_missing_values,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_accepts_what_the_scim_crate_accepts_by_default() {
        let c = Compatibility::default();
        assert_eq!(c.input_rules(), InputRules::default());
        let rules = c.patch_rules();
        let default = PatchRules::default();
        assert_eq!(rules.pathless, default.pathless);
        assert_eq!(rules.require_patch_schema, default.require_patch_schema);
        assert_eq!(rules.create_missing_values, default.create_missing_values);
    }

    #[test]
    fn providers_keep_what_they_send() {
        let okta = Compatibility::for_provider(IdentityProvider::Okta);
        assert!(okta.pathless_patch && !okta.string_booleans);
        let entra = Compatibility::for_provider(IdentityProvider::Entra);
        assert!(entra.string_booleans && entra.pathless_patch && entra.create_missing_values);
        assert!(entra.patch_rules().require_patch_schema);
    }

    #[test]
    fn stored_switches_fill_in_defaults_and_refuse_unknown_names() {
        let partial: Compatibility = serde_json::from_str(r#"{"stringBooleans": false}"#).unwrap();
        assert!(!partial.string_booleans && partial.pathless_patch);
        assert!(serde_json::from_str::<Compatibility>(r#"{"stringBoolean": false}"#).is_err());
    }
}
