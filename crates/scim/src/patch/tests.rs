//! PATCH behaviour: the examples of RFC 7644 §3.5.2, the interoperability profile's rules and
//! the request shapes Microsoft Entra ID and Okta document (`shared/idp/`).

use serde_json::{Value, json};

use super::*;
use crate::ScimType;
use crate::schema::SchemaRegistry;

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn registry() -> SchemaRegistry {
    SchemaRegistry::standard()
}

fn user() -> Resource {
    let mut r = Resource::from_request(
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
            "userName": "bjensen@example.com",
            "externalId": "701984",
            "name": {"familyName": "Jensen", "givenName": "Barbara", "middleName": "Jane"},
            "active": true,
            "emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"}
            ],
            "phoneNumbers": [{"value": "555-555-5555", "type": "work"}],
            ENTERPRISE: {"employeeNumber": "701984", "department": "Tour Operations"}
        }),
        registry().user(),
        &InputRules::default(),
    )
    .unwrap();
    r.as_map_mut()
        .insert("id".into(), json!("2819c223-7f76-453a-919d-413861904646"));
    r
}

fn group() -> Resource {
    let mut r = Resource::from_request(
        json!({"displayName": "Tour Guides", "members": [
            {"value": "2819c223-7f76-453a-919d-413861904646", "display": "Babs Jensen"},
            {"value": "902c246b-6245-4190-8e05-00816be7344a", "display": "Mandy Pepperidge"}
        ]}),
        registry().group(),
        &InputRules::default(),
    )
    .unwrap();
    r.as_map_mut()
        .insert("id".into(), json!("acbf3ae7-8463-4692-b4fd-9b4da3f908ce"));
    r
}

#[allow(clippy::needless_pass_by_value)] // Reads better at every call site.
fn ops(operations: Value) -> Value {
    json!({"schemas": [PATCH_OP_SCHEMA], "Operations": operations})
}

fn patch_user(operations: Value) -> ScimResult<PatchOutcome> {
    apply_json(
        &user(),
        &ops(operations),
        registry().user(),
        &PatchRules::default(),
    )
}

fn patch_group(operations: Value) -> ScimResult<PatchOutcome> {
    apply_json(
        &group(),
        &ops(operations),
        registry().group(),
        &PatchRules::default(),
    )
}

fn members(outcome: &PatchOutcome) -> Vec<String> {
    outcome
        .resource
        .as_map()
        .get("members")
        .and_then(Value::as_array)
        .map_or_else(Vec::new, |m| {
            m.iter()
                .map(|v| v["value"].as_str().unwrap().to_owned())
                .collect()
        })
}

// RFC 7644 §3.5.2.1 (add)

#[test]
fn rfc_add_members_appends_without_duplicates() {
    let out = patch_group(json!([{"op": "add", "path": "members", "value": [
        {"display": "Babs Jensen", "$ref": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646", "value": "2819c223-7f76-453a-919d-413861904646"},
        {"value": "08e1d05d-121c-4561-8b96-473d93df9210"}
    ]}]))
    .unwrap();
    assert_eq!(
        members(&out),
        [
            "2819c223-7f76-453a-919d-413861904646",
            "902c246b-6245-4190-8e05-00816be7344a",
            "08e1d05d-121c-4561-8b96-473d93df9210"
        ]
    );
    assert_eq!(out.changes.len(), 1);
    assert_eq!(out.changes[0].path, "members");
}

#[test]
fn rfc_add_without_path_adds_each_attribute() {
    let out = patch_user(json!([{"op": "add", "value": {
        "emails": [{"value": "babs@jensen.org", "type": "home"}, {"value": "b2@x.org", "type": "other"}],
        "nickname": "Babs"
    }}]))
    .unwrap();
    let r = out.resource.as_map();
    assert_eq!(
        r["nickName"], "Babs",
        "attribute names are case-insensitive"
    );
    assert_eq!(
        r["emails"].as_array().unwrap().len(),
        3,
        "the existing home email is not duplicated"
    );
}

#[test]
fn add_to_single_valued_simple_attribute_replaces_it() {
    let out = patch_user(json!([{"op": "add", "path": "active", "value": false}])).unwrap();
    assert_eq!(
        out.resource.as_map()["active"],
        false,
        "profile 6.5.2.1(1): add and replace agree"
    );
}

#[test]
fn add_to_complex_attribute_merges_and_replace_replaces() {
    let added = patch_user(
        json!([{"op": "add", "path": "name", "value": {"givenName": "Babs", "familyName": "J"}}]),
    )
    .unwrap();
    assert_eq!(added.resource.as_map()["name"]["middleName"], "Jane");
    assert_eq!(added.resource.as_map()["name"]["givenName"], "Babs");
    let replaced = patch_user(json!([{"op": "replace", "path": "name", "value": {"givenName": "Babs", "familyName": "J"}}])).unwrap();
    assert_eq!(
        replaced.resource.as_map()["name"],
        json!({"givenName": "Babs", "familyName": "J"})
    );
    let paths: Vec<&str> = replaced.changes.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(
        paths,
        ["name.familyName", "name.givenName", "name.middleName"]
    );
}

// RFC 7644 §3.5.2.2 (remove)

#[test]
fn rfc_remove_single_member_by_filter() {
    let out = patch_group(json!([{"op": "remove", "path": "members[value eq \"2819c223-7f76-453a-919d-413861904646\"]"}])).unwrap();
    assert_eq!(members(&out), ["902c246b-6245-4190-8e05-00816be7344a"]);
}

#[test]
fn rfc_remove_all_members() {
    let out = patch_group(json!([{"op": "remove", "path": "members"}])).unwrap();
    assert!(out.resource.as_map().get("members").is_none());
}

#[test]
fn rfc_remove_then_add_replaces_members() {
    let out = patch_group(json!([
        {"op": "remove", "path": "members"},
        {"op": "add", "path": "members", "value": [{"value": "2819c223-7f76-453a-919d-413861904646"}, {"value": "9a8b7c"}]}
    ]))
    .unwrap();
    assert_eq!(
        members(&out),
        ["2819c223-7f76-453a-919d-413861904646", "9a8b7c"]
    );
}

#[test]
fn rfc_remove_sub_attribute_of_matching_values_and_unmatched_removal_is_a_no_op() {
    let out = patch_user(json!([{"op": "remove", "path": "emails[type eq \"work\" and value ew \"example.com\"].primary"}])).unwrap();
    assert!(out.resource.as_map()["emails"][0].get("primary").is_none());
    let out = patch_group(json!([{"op": "remove", "path": "members[value eq \"not-a-member\"]"}]))
        .unwrap();
    assert_eq!(members(&out).len(), 2);
    assert!(out.changes.is_empty());
}

#[test]
fn remove_of_a_required_attribute_is_refused() {
    let err = patch_user(json!([{"op": "remove", "path": "userName"}])).unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::InvalidValue));
    assert!(err.detail().contains("userName is required"));
}

// RFC 7644 §3.5.2.3 (replace)

#[test]
fn rfc_replace_all_members() {
    let out = patch_group(json!([{"op": "replace", "path": "members", "value": [{"display": "Babs Jensen", "value": "2819c223"}, {"value": "902c246b"}]}])).unwrap();
    assert_eq!(members(&out), ["2819c223", "902c246b"]);
}

#[test]
fn rfc_replace_matching_value_and_its_sub_attribute() {
    let out = patch_user(json!([{"op": "replace", "path": "emails[type eq \"work\"]", "value": {"type": "work", "value": "bjensen@example.org"}}])).unwrap();
    assert_eq!(
        out.resource.as_map()["emails"][0],
        json!({"type": "work", "value": "bjensen@example.org"})
    );
    let out = patch_user(json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "bjensen@example.org"}])).unwrap();
    assert_eq!(
        out.resource.as_map()["emails"][0]["value"],
        "bjensen@example.org"
    );
    assert_eq!(out.resource.as_map()["emails"][0]["primary"], true);
}

#[test]
fn rfc_replace_without_path() {
    let out = patch_user(json!([{"op": "replace", "value": {
        "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
        "nickName": "Babs"
    }}]))
    .unwrap();
    assert_eq!(
        out.resource.as_map()["emails"].as_array().unwrap().len(),
        1,
        "profile 6.5.2.2(1): replace swaps the collection"
    );
    assert_eq!(out.resource.as_map()["nickName"], "Babs");
}

// primary uniqueness

#[test]
fn setting_primary_clears_it_elsewhere() {
    let out = patch_user(
        json!([{"op": "replace", "path": "emails[type eq \"home\"].primary", "value": true}]),
    )
    .unwrap();
    let emails = out.resource.as_map()["emails"].as_array().unwrap().clone();
    assert_eq!(emails[0]["primary"], false);
    assert_eq!(emails[1]["primary"], true);
    let out = patch_user(json!([{"op": "add", "path": "emails", "value": [{"value": "new@x.org", "type": "other", "primary": true}]}])).unwrap();
    let primaries: Vec<&Value> = out.resource.as_map()["emails"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["primary"] == true)
        .collect();
    assert_eq!(primaries.len(), 1);
    assert_eq!(primaries[0]["value"], "new@x.org");
}

// Microsoft Entra ID

#[test]
fn entra_disable_user_with_capitalised_op_and_string_boolean() {
    let out = patch_user(json!([{"op": "Replace", "path": "active", "value": "False"}])).unwrap();
    assert_eq!(out.resource.as_map()["active"], false);
    assert_eq!(out.changes[0].path, "active");
    assert_eq!(
        (out.changes[0].old.clone(), out.changes[0].new.clone()),
        (Some(json!(true)), Some(json!(false)))
    );
}

#[test]
fn entra_unparseable_deactivation_is_an_error_never_a_silent_success() {
    let err = patch_user(json!([{"op": "Replace", "path": "active", "value": "No"}])).unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::InvalidValue));
    assert!(
        err.detail().starts_with("Operations[0]: active"),
        "{}",
        err.detail()
    );
}

#[test]
fn entra_update_multi_valued_and_single_valued_attributes() {
    let out = patch_user(json!([
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updatedEmail@microsoft.com"},
        {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
        {"op": "Replace", "path": "userName", "value": "5b50642d@testuser.com"}
    ]))
    .unwrap();
    let r = out.resource.as_map();
    assert_eq!(r["emails"][0]["value"], "updatedEmail@microsoft.com");
    assert_eq!(r["name"]["familyName"], "updatedFamilyName");
    assert_eq!(r["userName"], "5b50642d@testuser.com");
    let paths: Vec<&str> = out.changes.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(paths, ["userName", "name.familyName", "emails"]);
}

#[test]
fn entra_sets_a_work_phone_that_does_not_exist_yet() {
    let out = patch_user(json!([{"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555 0100"}])).unwrap();
    let phones = out.resource.as_map()["phoneNumbers"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(phones[1], json!({"type": "mobile", "value": "+1 555 0100"}));
    let strict = PatchRules {
        create_missing_values: false,
        ..PatchRules::default()
    };
    let body = ops(
        json!([{"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1"}]),
    );
    let err = apply_json(&user(), &body, registry().user(), &strict).unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::NoTarget));
}

#[test]
fn entra_add_and_remove_members_with_value_lists() {
    let out = patch_group(json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": "f648f8d5ea4e4cd38e9c"}]}])).unwrap();
    assert_eq!(members(&out).len(), 3);
    assert_eq!(
        out.resource.as_map()["members"][2],
        json!({"value": "f648f8d5ea4e4cd38e9c"}),
        "a null $ref is dropped"
    );
    let out = patch_group(json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "2819c223-7f76-453a-919d-413861904646"}]}])).unwrap();
    assert_eq!(
        members(&out),
        ["902c246b-6245-4190-8e05-00816be7344a"],
        "only the listed member goes: the group is not wiped"
    );
}

#[test]
fn entra_aad_opt_pathless_replace_with_dotted_and_urn_keys() {
    let out = patch_user(json!([{"op": "replace", "value": {
        "displayName": "Babs J",
        "name.givenName": "Babs",
        "name.familyName": "Jensen-Smith",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "99",
        "active": false
    }}]))
    .unwrap();
    let r = out.resource.as_map();
    assert_eq!(r["displayName"], "Babs J");
    assert_eq!(r["name"]["givenName"], "Babs");
    assert_eq!(
        r["name"]["middleName"], "Jane",
        "a dotted key replaces only that sub-attribute"
    );
    assert_eq!(r[ENTERPRISE]["employeeNumber"], "99");
    assert_eq!(r[ENTERPRISE]["department"], "Tour Operations");
    assert_eq!(r["active"], false);
    assert!(
        out.changes
            .iter()
            .any(|c| c.path == format!("{ENTERPRISE}:employeeNumber"))
    );
}

#[test]
fn entra_manager_reference_sent_as_an_array_without_urn() {
    let out = patch_user(json!([{"op": "Add", "path": "manager", "value": [{"$ref": "https://x/scim/Users/00aa", "value": "00aa"}]}])).unwrap();
    assert_eq!(
        out.resource.as_map()[ENTERPRISE]["manager"],
        json!({"$ref": "https://x/scim/Users/00aa", "value": "00aa"})
    );
    let out = patch_user(
        json!([{"op": "replace", "path": format!("{ENTERPRISE}:manager.value"), "value": "11bb"}]),
    )
    .unwrap();
    assert_eq!(
        out.resource.as_map()[ENTERPRISE]["manager"]["value"],
        "11bb"
    );
}

#[test]
fn entra_group_rename() {
    let out =
        patch_group(json!([{"op": "Replace", "path": "displayName", "value": "Tour Guides (EU)"}]))
            .unwrap();
    assert_eq!(out.resource.as_map()["displayName"], "Tour Guides (EU)");
}

// Okta

#[test]
fn okta_pathless_deactivate() {
    let out = patch_user(json!([{"op": "replace", "value": {"active": false}}])).unwrap();
    assert_eq!(out.resource.as_map()["active"], false);
}

#[test]
fn okta_group_rename_with_matching_id_is_accepted_and_a_different_id_is_refused() {
    let out = patch_group(json!([{"op": "replace", "value": {"id": "acbf3ae7-8463-4692-b4fd-9b4da3f908ce", "displayName": "Renamed"}}])).unwrap();
    assert_eq!(out.resource.as_map()["displayName"], "Renamed");
    let err =
        patch_group(json!([{"op": "replace", "value": {"id": "other", "displayName": "Renamed"}}]))
            .unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::Mutability));
}

#[test]
fn strict_rules_reject_pathless_operations() {
    let strict = PatchRules {
        pathless: false,
        ..PatchRules::default()
    };
    let body = ops(json!([{"op": "replace", "value": {"active": false}}]));
    let err = apply_json(&user(), &body, registry().user(), &strict).unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::InvalidSyntax));
}

// Mutability, atomicity, errors

#[test]
fn immutable_member_value_cannot_be_changed_in_place() {
    let err = patch_group(json!([{"op": "replace", "path": "members[value eq \"902c246b-6245-4190-8e05-00816be7344a\"].value", "value": "x"}])).unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::Mutability));
    assert!(err.detail().contains("remove the value and add a new one"));
}

#[test]
fn read_only_attributes_cannot_be_patched() {
    let err = patch_user(
        json!([{"op": "replace", "path": "meta.created", "value": "2020-01-01T00:00:00Z"}]),
    )
    .unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::Mutability));
    let err = patch_user(json!([{"op": "replace", "path": "id", "value": "other"}])).unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::Mutability));
}

#[test]
fn a_failing_operation_leaves_the_resource_untouched() {
    let before = user();
    let body = ops(json!([
        {"op": "replace", "path": "displayName", "value": "changed"},
        {"op": "replace", "path": "active", "value": "perhaps"}
    ]));
    let err = apply_json(&before, &body, registry().user(), &PatchRules::default()).unwrap_err();
    assert!(err.detail().starts_with("Operations[1]"));
    assert_eq!(before, user());
}

#[test]
fn unknown_paths_follow_the_unknown_attribute_rule() {
    let out =
        patch_user(json!([{"op": "add", "path": "favouriteColour", "value": "teal"}])).unwrap();
    assert_eq!(out.resource.as_map()["favouriteColour"], "teal");
    let reject = PatchRules {
        input: InputRules {
            unknown_attributes: UnknownAttributes::Reject,
            ..InputRules::default()
        },
        ..PatchRules::default()
    };
    // Where undefined attributes are refused (the interoperability profile §5.3), a path that
    // names one is invalidSyntax, as a value object's key is; elsewhere RFC 7644's invalidPath.
    for operations in [
        json!([{"op": "add", "path": "favouriteColour", "value": "teal"}]),
        json!([{"op": "add", "path": "name.nickname", "value": "x"}]),
        json!([{"op": "add", "path": "urn:example:made:up:User:colour", "value": "x"}]),
        json!([{"op": "replace", "path": "name", "value": {"nickname": "x"}}]),
        json!([{"op": "add", "value": {"favouriteColour": "teal"}}]),
    ] {
        let err = apply_json(
            &user(),
            &ops(operations.clone()),
            registry().user(),
            &reject,
        )
        .unwrap_err();
        assert_eq!(
            err.scim_type(),
            Some(ScimType::InvalidSyntax),
            "{operations}"
        );
        assert!(
            err.detail().contains("unknownAttributes"),
            "{}",
            err.detail()
        );
    }
    let err =
        patch_user(json!([{"op": "add", "path": "name.nickname", "value": "x"}])).unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::InvalidPath));
    let err = patch_user(json!([{"op": "add", "path": "title[value eq \"x\"]", "value": "x"}]))
        .unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::InvalidPath));
}

#[test]
fn whole_extension_paths() {
    let out =
        patch_user(json!([{"op": "replace", "path": ENTERPRISE, "value": {"costCenter": "4130"}}]))
            .unwrap();
    assert_eq!(
        out.resource.as_map()[ENTERPRISE],
        json!({"costCenter": "4130"})
    );
    let out = patch_user(json!([{"op": "remove", "path": ENTERPRISE}])).unwrap();
    assert!(out.resource.as_map().get(ENTERPRISE).is_none());
    assert_eq!(
        out.resource.as_map()["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:User"])
    );
}

#[test]
fn an_extension_value_that_names_its_schema_writes_only_its_attributes() {
    for (op, path) in [
        ("add", ENTERPRISE),
        ("replace", ENTERPRISE),
        ("Add", ENTERPRISE),
    ] {
        let out = patch_user(json!([{"op": op, "path": path,
            "value": {"schemas": [ENTERPRISE], "employeeNumber": "42"}}]))
        .unwrap();
        let extension = &out.resource.as_map()[ENTERPRISE];
        assert_eq!(extension["employeeNumber"], "42", "{op}");
        assert!(extension.get("schemas").is_none(), "{op}: {extension}");
        // add merges into the extension, replace replaces it.
        assert_eq!(
            extension.get("department").is_some(),
            op.eq_ignore_ascii_case("add"),
            "{op}: {extension}"
        );
    }
    // The same inside a path-less value object, and under rules that refuse undefined keys.
    let reject = PatchRules {
        input: InputRules {
            unknown_attributes: UnknownAttributes::Reject,
            ..InputRules::default()
        },
        ..PatchRules::default()
    };
    let body = ops(
        json!([{"op": "add", "value": {ENTERPRISE: {"schemas": [ENTERPRISE], "costCenter": "7"}}}]),
    );
    let out = apply_json(&user(), &body, registry().user(), &PatchRules::default()).unwrap();
    assert_eq!(out.resource.as_map()[ENTERPRISE]["costCenter"], "7");
    assert!(out.resource.as_map()[ENTERPRISE].get("schemas").is_none());
    let body = ops(json!([{"op": "replace", "path": ENTERPRISE,
        "value": {"schemas": [ENTERPRISE], "costCenter": "7"}}]));
    let out = apply_json(&user(), &body, registry().user(), &reject).unwrap();
    assert_eq!(
        out.resource.as_map()[ENTERPRISE],
        json!({"costCenter": "7"})
    );
}

#[test]
fn entra_manager_as_a_bare_id_is_read_as_its_value_under_the_rule() {
    let wanted = json!({"value": "mgr-1", "$ref": "../Users/mgr-1"});
    for (op, path) in [
        ("Add", format!("{ENTERPRISE}:manager")),
        ("Replace", format!("{ENTERPRISE}:manager")),
        ("add", "manager".to_owned()),
        ("replace", "manager".to_owned()),
    ] {
        let body = ops(json!([{"op": op, "path": path, "value": "mgr-1"}]));
        let (out, noted) = crate::leniency::tracked(|| {
            apply_json(&user(), &body, registry().user(), &PatchRules::default())
        });
        let out = out.unwrap();
        assert_eq!(
            out.resource.as_map()[ENTERPRISE]["manager"],
            wanted,
            "{op} {path}"
        );
        assert!(noted.contains(crate::Leniency::ManagerAsString));
    }
    // An id that a path segment cannot hold is encoded in $ref, kept as sent in value.
    let out = patch_user(json!([{"op": "add", "path": "manager", "value": "a b/c"}])).unwrap();
    assert_eq!(
        out.resource.as_map()[ENTERPRISE]["manager"],
        json!({"value": "a b/c", "$ref": "../Users/a%20b%2Fc"})
    );
    // Off: refused, naming the switch.
    let strict = PatchRules {
        input: InputRules {
            manager_as_string: false,
            ..InputRules::default()
        },
        ..PatchRules::default()
    };
    let body = ops(json!([{"op": "add", "path": "manager", "value": "mgr-1"}]));
    let err = apply_json(&user(), &body, registry().user(), &strict).unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::InvalidValue));
    assert!(err.detail().contains("managerAsString"), "{}", err.detail());
    // The object form is read under either rule.
    let body = ops(json!([{"op": "add", "path": "manager", "value": {"value": "mgr-1"}}]));
    let out = apply_json(&user(), &body, registry().user(), &strict).unwrap();
    assert_eq!(
        out.resource.as_map()[ENTERPRISE]["manager"],
        json!({"value": "mgr-1"})
    );
}

#[test]
fn password_changes_are_reported_without_values() {
    let out =
        patch_user(json!([{"op": "replace", "path": "password", "value": "t1meMa$heen"}])).unwrap();
    assert_eq!(out.changes.len(), 1);
    assert!(
        out.changes[0].redacted && out.changes[0].old.is_none() && out.changes[0].new.is_none()
    );
    let json = serde_json::to_string(&out.changes).unwrap();
    assert!(!json.contains("t1meMa$heen"));
}

#[test]
fn a_patch_that_changes_nothing_reports_no_changes() {
    let out = patch_user(json!([{"op": "replace", "path": "active", "value": true}])).unwrap();
    assert!(out.changes.is_empty());
    assert_eq!(out.resource, user());
}

#[test]
fn strict_rules_refuse_capitalised_ops_and_removal_with_a_value_naming_the_switch() {
    let strict = PatchRules {
        any_case_ops: false,
        remove_listed_values: false,
        ..PatchRules::default()
    };
    let err = apply_json(
        &user(),
        &ops(json!([{"op": "Replace", "path": "active", "value": false}])),
        registry().user(),
        &strict,
    )
    .unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::InvalidSyntax));
    assert!(err.detail().contains("anyCaseOps"), "{}", err.detail());
    let err = apply_json(
        &group(),
        &ops(json!([{"op": "remove", "path": "members", "value": [{"value": "2819c223-7f76-453a-919d-413861904646"}]}])),
        registry().group(),
        &strict,
    )
    .unwrap_err();
    assert_eq!(err.scim_type(), Some(ScimType::InvalidSyntax));
    assert!(
        err.detail().contains("removeListedValues"),
        "{}",
        err.detail()
    );
    // The RFC forms pass, and a null value is no value.
    let out = apply_json(
        &group(),
        &ops(json!([{"op": "remove", "path": "members[value eq \"2819c223-7f76-453a-919d-413861904646\"]", "value": null}])),
        registry().group(),
        &strict,
    )
    .unwrap();
    assert_eq!(members(&out).len(), 1);
}

#[test]
fn the_lenient_branches_taken_are_noted() {
    use crate::leniency::{Leniency, tracked};
    let body = json!({"Operations": [
        {"op": "Replace", "path": "active", "value": "False"},
        {"op": "replace", "value": {"displayName": "Babs"}},
        {"op": "replace", "path": "emails[type eq \"other\"].value", "value": "b@example.com"},
        {"op": "add", "path": "favouriteColour", "value": "green"}
    ]});
    let (out, noted) =
        tracked(|| apply_json(&user(), &body, registry().user(), &PatchRules::default()));
    assert!(out.is_ok());
    assert_eq!(
        noted.switches(),
        [
            "stringBooleans",
            "pathlessPatch",
            "patchWithoutSchemas",
            "anyCaseOps",
            "createMissingValues",
            "unknownAttributes"
        ]
    );
    let (out, noted) = tracked(|| {
        apply_json(
            &group(),
            &ops(
                json!([{"op": "remove", "path": "members", "value": [{"value": "2819c223-7f76-453a-919d-413861904646"}]}]),
            ),
            registry().group(),
            &PatchRules::default(),
        )
    });
    assert!(out.is_ok());
    assert!(noted.contains(Leniency::RemoveListedValues));
    // An RFC request notes nothing.
    let ((), noted) = tracked(|| {
        patch_user(json!([{"op": "replace", "path": "active", "value": false}])).unwrap();
    });
    assert!(noted.is_empty(), "{noted:?}");
}
