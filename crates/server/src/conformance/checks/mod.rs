//! Every rule the checker knows, with the check that tests it, in the order a run goes.

mod client_forms;
mod discovery;
mod groups;
mod idp;
mod reading;
mod users;

use scim_console_core::ClientProfile::{self, Entra, Okta, Rfc, Strict};

use super::{CheckFn, Level, Rule};

const ALL_PROFILES: &[ClientProfile] = &[Strict, Entra, Okta, Rfc];
const STRICT: &[ClientProfile] = &[Strict];
const ENTRA: &[ClientProfile] = &[Entra];
const OKTA: &[ClientProfile] = &[Okta];
/// The profiles that accept Entra ID's forms.
const ENTRA_FORMS: &[ClientProfile] = &[Entra, Rfc];

macro_rules! check {
    ($id:literal, $title:literal, $source:expr, $level:ident, $writes:literal, $profiles:expr, $f:path) => {
        (
            Rule {
                id: $id,
                title: $title,
                source: $source,
                level: Level::$level,
                writes: $writes,
                profiles: $profiles,
            },
            (|c| Box::pin($f(c))) as CheckFn,
        )
    };
}

/// The rules, each with its check.
pub(super) static ALL: &[(Rule, CheckFn)] = &[
    check!(
        "discovery-endpoints",
        "/ServiceProviderConfig, /Schemas and /ResourceTypes answer 200 with SCIM JSON",
        "SCIM interop profile §5.1, §6.2",
        Must,
        false,
        ALL_PROFILES,
        discovery::endpoints
    ),
    check!(
        "spc-defined-attributes",
        "/ServiceProviderConfig holds only attributes RFC 7643 §5 and RFC 9865 define (interopProfileConformant only when true)",
        "RFC 7643 §5; SCIM interop profile §4; scim2-models",
        Should,
        false,
        ALL_PROFILES,
        discovery::defined_attributes
    ),
    check!(
        "resource-type-id-is-name",
        "Every ResourceType's id equals its name",
        "SCIM interop profile §5.1",
        Must,
        false,
        STRICT,
        discovery::resource_type_ids
    ),
    check!(
        "resource-type-schemas-published",
        "Every schema a ResourceType names is published at /Schemas",
        "SCIM interop profile §5.1",
        Must,
        false,
        ALL_PROFILES,
        discovery::resource_type_schemas
    ),
    check!(
        "canonical-values-for-type",
        "Every multi-valued attribute's type lists canonicalValues",
        "SCIM interop profile §5.4",
        Must,
        false,
        STRICT,
        discovery::canonical_types
    ),
    check!(
        "required-attributes",
        "User has userName, displayName, active, emails; Group has displayName, members",
        "IPSIE AL2 §6.1.1, §6.2.1",
        Must,
        false,
        STRICT,
        discovery::required_attributes
    ),
    check!(
        "no-password-attribute",
        "The User schema has no password attribute",
        "IPSIE AL2 §6.1.2",
        Must,
        false,
        STRICT,
        discovery::no_password
    ),
    check!(
        "bulk-advertised",
        "Bulk is supported with positive limits",
        "IPSIE AL §4.3",
        Must,
        false,
        STRICT,
        discovery::bulk_advertised
    ),
    check!(
        "oauth-metadata",
        "OAuth authorization server metadata (RFC 8414) names the token endpoint",
        "IPSIE AL §4.1",
        Must,
        false,
        STRICT,
        discovery::oauth_metadata
    ),
    check!(
        "sustains-25-per-second",
        "25 requests a second are served, none refused",
        "IPSIE AL §4.3",
        Must,
        false,
        STRICT,
        reading::sustained_rate
    ),
    check!(
        "tls-1.3",
        "TLS 1.3 is offered",
        "SCIM interop profile §7.1",
        Must,
        false,
        STRICT,
        reading::tls13
    ),
    check!(
        "default-page-100",
        "Without count, a page holds at least 100 resources",
        "SCIM interop profile §6.4",
        Should,
        false,
        STRICT,
        reading::default_page
    ),
    check!(
        "unauthenticated-401",
        "A wrong or missing credential gets 401 with a SCIM error",
        "IPSIE AL §4.1; Okta SPEC step 11",
        Must,
        false,
        ALL_PROFILES,
        reading::unauthenticated
    ),
    check!(
        "unknown-id-404",
        "An unknown id gets 404 with a SCIM error",
        "RFC 7644 §3.12; Okta SPEC steps 4, 12",
        Must,
        false,
        ALL_PROFILES,
        reading::unknown_id
    ),
    check!(
        "empty-filter-200",
        "A filter matching nothing gets 200 and an empty ListResponse",
        "RFC 7644 §3.4.2; Entra U4; Okta SPEC steps 3, 5",
        Must,
        false,
        ALL_PROFILES,
        reading::empty_filter
    ),
    check!(
        "unknown-filter-attribute-400",
        "A filter on an undefined attribute gets 400 invalidFilter",
        "SCIM interop profile §6.3",
        Must,
        false,
        STRICT,
        reading::unknown_filter_attribute
    ),
    check!(
        "count-capped-not-refused",
        "count=100000 gets 200 and at most the largest page",
        "SCIM interop profile §6.4; IPSIE AL2 §6.1.5",
        Must,
        false,
        ALL_PROFILES,
        reading::count_capped
    ),
    check!(
        "create-and-read-user",
        "POST /Users creates a user that GET reads back",
        "IPSIE AL2 §6.1.3, AL1 §5.3",
        Must,
        true,
        ALL_PROFILES,
        users::create_and_read
    ),
    check!(
        "duplicate-409-uniqueness",
        "A duplicate userName gets 409 uniqueness",
        "SCIM interop profile §6.9.1",
        Must,
        true,
        ALL_PROFILES,
        users::duplicate
    ),
    check!(
        "username-case-insensitive",
        "userName is case-insensitive in filters and uniqueness alike",
        "SCIM interop profile §5.2",
        Must,
        true,
        ALL_PROFILES,
        users::user_name_case
    ),
    check!(
        "canonical-uri",
        "Resources live at /{endpoint}/{id} only, each endpoint lists its own type",
        "SCIM interop profile §6.1",
        Must,
        true,
        STRICT,
        users::canonical_uri
    ),
    check!(
        "id-case-exact",
        "id is caseExact",
        "SCIM interop profile §5.2",
        Must,
        true,
        STRICT,
        users::id_case
    ),
    check!(
        "external-id-case-exact",
        "externalId is caseExact",
        "SCIM interop profile §5.2",
        Must,
        true,
        STRICT,
        users::external_id_case
    ),
    check!(
        "al1-filters",
        "userName, externalId, emails[value eq] and emails[type eq \"work\" and value eq] find the user",
        "IPSIE AL1 §5.4",
        Must,
        true,
        STRICT,
        users::al1_filters
    ),
    check!(
        "unknown-attributes-400",
        "An undefined attribute or schema URI gets 400 invalidSyntax",
        "SCIM interop profile §5.3",
        Must,
        true,
        STRICT,
        users::unknown_attributes
    ),
    check!(
        "undefined-patch-paths-400",
        "A PATCH naming an undefined attribute (path or value object) gets 400 invalidSyntax",
        "SCIM interop profile §5.3",
        Must,
        true,
        STRICT,
        users::undefined_patch_paths
    ),
    check!(
        "pathless-patch-400",
        "A PATCH operation without a path gets 400 invalidSyntax",
        "SCIM interop profile §6.5.1.1",
        Must,
        true,
        STRICT,
        users::pathless_patch_refused
    ),
    check!(
        "add-and-replace",
        "add equals replace on a singular attribute; replace of name replaces, add merges",
        "SCIM interop profile §6.5.2.1",
        Must,
        true,
        STRICT,
        users::add_and_replace
    ),
    check!(
        "multi-operation-patch",
        "One PATCH with operations on three paths applies all three",
        "IPSIE AL §4.3",
        Must,
        true,
        STRICT,
        users::multi_operation_patch
    ),
    check!(
        "bulk",
        "POST /Bulk runs operations with bulkId references and answers each status",
        "IPSIE AL §4.3",
        Must,
        true,
        STRICT,
        users::bulk
    ),
    check!(
        "leaver-never-active",
        "A leaver never stays active: every deactivation form deactivates or is refused",
        "Safety; Okta §A.6; Entra U7",
        Must,
        true,
        ALL_PROFILES,
        users::leaver_never_active
    ),
    check!(
        "deactivation-judged-by-change",
        "A deactivation is never refused for an attribute the request does not change",
        "Safety; Entra U7",
        Must,
        true,
        ALL_PROFILES,
        users::deactivation_judged_by_change
    ),
    check!(
        "delete-deletes",
        "DELETE deletes: 404 afterwards, gone from filters, userName reusable",
        "SCIM interop profile §6.6; IPSIE AL1 §5.2",
        Must,
        true,
        ALL_PROFILES,
        users::delete_deletes
    ),
    check!(
        "deleted-404-every-method",
        "After DELETE, GET, PUT, PATCH and DELETE all answer 404",
        "SCIM interop profile §6.6",
        Must,
        true,
        STRICT,
        users::deleted_404_every_method
    ),
    check!(
        "unquoted-filter-strings",
        "userName eq akadmin and externalId eq jyoung (unquoted) find the user",
        "Entra ID (docs/interop/entra.md §A); authentik 2025.8",
        Must,
        true,
        ENTRA_FORMS,
        client_forms::unquoted_filter_strings
    ),
    check!(
        "manager-bare-id",
        "The manager sent as a bare id (PATCH and create) reads back as manager.value",
        "Entra ID (docs/interop/entra.md §A)",
        Must,
        true,
        ENTRA_FORMS,
        client_forms::manager_bare_id
    ),
    check!(
        "extension-value-with-schemas",
        "A PATCH of the enterprise extension whose value carries its schemas writes the attributes",
        "RFC 7644 §3.5.2",
        Should,
        true,
        ALL_PROFILES,
        client_forms::extension_value_with_schemas
    ),
    check!(
        "empty-group",
        "A group with no members is created and read with members excluded",
        "IPSIE AL2 §6.2.2, §6.2.3; Entra G1–G3",
        Must,
        true,
        ALL_PROFILES,
        groups::empty_group
    ),
    check!(
        "group-display-name-unique",
        "A second group with the same displayName gets 409",
        "IPSIE AL2 §6.2.1",
        Should,
        true,
        STRICT,
        groups::display_name_unique
    ),
    check!(
        "group-filters",
        "displayName, externalId and members[value eq] find the group",
        "IPSIE AL2 §6.2.5",
        Must,
        true,
        STRICT,
        groups::group_filters
    ),
    check!(
        "removal-never-empties",
        "A member removal never empties a group",
        "Safety; Entra G6",
        Must,
        true,
        ALL_PROFILES,
        groups::removal_never_empties
    ),
    check!(
        "fifty-member-operations",
        "50 member operations in one PATCH apply atomically",
        "IPSIE AL2 §6.2.6",
        Must,
        true,
        STRICT,
        groups::fifty_member_operations
    ),
    check!(
        "okta-spec-test",
        "Okta's SCIM 2.0 SPEC test, steps 1–12, then its deactivate and reactivate",
        "Okta SPEC test (docs/interop/okta.md §A.9, §A.6)",
        Must,
        true,
        OKTA,
        idp::okta_spec
    ),
    check!(
        "okta-group-push",
        "Okta's group push: create, path-less rename, membership update",
        "Okta group push (docs/interop/okta.md §A.8)",
        Must,
        true,
        OKTA,
        idp::okta_group_push
    ),
    check!(
        "entra-requests",
        "Entra ID's documented requests U1–U8 and G1–G7",
        "Entra ID (docs/interop/entra.md §A)",
        Must,
        true,
        ENTRA,
        idp::entra_sequence
    ),
    check!(
        "index-paging",
        "Index paging: pages differ, totals agree, count=100 is honoured",
        "SCIM interop profile §6.4; Okta import",
        Must,
        false,
        ALL_PROFILES,
        reading::paging
    ),
    check!(
        "rate-limited-429",
        "A burst meets the rate limit: 429 with Retry-After",
        "IPSIE AL §4.3, §8",
        Must,
        false,
        STRICT,
        reading::rate_limited
    ),
    check!(
        "scim-json-everywhere",
        "Every answer with a JSON body says application/scim+json",
        "SCIM interop profile §6.2; RFC 7644 §8.1",
        Must,
        false,
        ALL_PROFILES,
        reading::media_type
    ),
    check!(
        "conformance-claim",
        "interopProfileConformant is claimed exactly when the rules hold",
        "SCIM interop profile §4",
        Must,
        false,
        ALL_PROFILES,
        discovery::conformance_claim
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_and_every_profile_has_rules() {
        let mut ids: Vec<&str> = ALL.iter().map(|(r, _)| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), ALL.len());
        for p in ALL_PROFILES {
            assert!(
                ALL.iter().filter(|(r, _)| r.profiles.contains(p)).count() >= 10,
                "{p:?}"
            );
        }
        // The claim is judged last, after every check that can refute it.
        assert_eq!(ALL.last().map(|(r, _)| r.id), Some("conformance-claim"));
    }
}
