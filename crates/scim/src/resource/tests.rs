use super::*;
use crate::schema::SchemaRegistry;
use serde_json::json;

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

fn user(body: Value) -> ScimResult<Resource> {
    Resource::from_request(
        body,
        SchemaRegistry::standard().user(),
        &InputRules::default(),
    )
}

#[test]
fn normalises_attribute_names_to_canonical_case() {
    let r = user(json!({
        "SCHEMAS": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "USERNAME": "bjensen",
        "Name": {"GIVENNAME": "Barbara"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": {"EmployeeNumber": "701984"}
    }))
    .unwrap();
    assert_eq!(
        r.into_value(),
        json!({
            "schemas": [
                "urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
            ],
            "userName": "bjensen",
            "name": {"givenName": "Barbara"},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "701984"}
        })
    );
}

#[test]
fn urn_qualified_top_level_names_land_in_their_schema() {
    let r = user(json!({
        "urn:ietf:params:scim:schemas:core:2.0:User:userName": "bjensen",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Tour Operations"
    }))
    .unwrap();
    assert_eq!(r.str_attr("userName"), Some("bjensen"));
    assert_eq!(
        r.as_map()["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"],
        "Tour Operations"
    );
}

#[test]
fn read_only_and_null_and_empty_values_are_unassigned() {
    // Entra sends meta, roles: [] and nulls; Okta sends groups: [].
    let r = user(json!({
        "userName": "a", "id": "client-chosen", "meta": {"resourceType": "User"},
        "roles": [], "groups": [], "title": null, "manager": null,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"displayName": "x"}}
    }))
    .unwrap();
    assert_eq!(
        r.into_value(),
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a"})
    );
}

#[test]
fn values_are_type_checked_with_the_location_in_the_error() {
    let err = user(json!({"userName": "a", "emails": [{"value": 42}]})).unwrap_err();
    assert_eq!(err.detail(), "emails[0].value: expected a string, got 42");
    for bad in ["ada\u{0}", "ada\u{1b}[2J", "\u{7f}", "a\u{85}b"] {
        let err = user(json!({"userName": bad})).unwrap_err();
        assert!(
            err.detail().contains("control character"),
            "{}",
            err.detail()
        );
    }
    assert!(
        user(json!({"userName": "a", "addresses": [{"formatted": "1 Main St\r\n\tSpringfield"}]}))
            .is_ok()
    );
    let err = user(json!({"userName": "a", "active": "maybe"})).unwrap_err();
    assert_eq!(err.scim_type(), Some(crate::ScimType::InvalidValue));
    let err = user(json!({"userName": "a", "name": "Barbara"})).unwrap_err();
    assert!(err.detail().starts_with("name: expected a JSON object"));
    let err = user(json!({"userName": ["a", "b"]})).unwrap_err();
    assert!(err.detail().contains("single-valued"));
    assert!(user(json!("not an object")).is_err());
    assert!(
        user(json!({"userName": "a", "x509Certificates": [{"value": "not base64!"}]})).is_err()
    );
}

#[test]
fn string_booleans_are_read_when_allowed() {
    let r = user(json!({"userName": "a", "active": "False"})).unwrap();
    assert_eq!(r.as_map()["active"], false);
    let strict = InputRules {
        string_booleans: false,
        ..InputRules::default()
    };
    assert!(
        Resource::from_request(
            json!({"userName": "a", "active": "False"}),
            SchemaRegistry::standard().user(),
            &strict
        )
        .is_err()
    );
}

#[test]
fn string_booleans_and_unknown_data_are_noted_as_leniencies() {
    use crate::leniency::tracked;
    let registry = SchemaRegistry::standard();
    let (read, noted) = tracked(|| {
        Resource::from_request(
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:example:x"],
                   "userName": "a", "active": "True"}),
            registry.user(),
            &InputRules::default(),
        )
    });
    assert!(read.is_ok());
    assert_eq!(noted.switches(), ["stringBooleans", "unknownAttributes"]);
    let (read, noted) = tracked(|| {
        Resource::from_request(
            json!({"userName": "a", "active": true}),
            registry.user(),
            &InputRules::default(),
        )
    });
    assert!(read.is_ok() && noted.is_empty());
}

#[test]
fn unknown_data_is_preserved_ignored_or_rejected() {
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:acme:custom"],
        "userName": "a", "fooBar": 1, "urn:acme:custom": {"badge": "7"}
    });
    let registry = SchemaRegistry::standard();
    let kept =
        Resource::from_request(body.clone(), registry.user(), &InputRules::default()).unwrap();
    assert_eq!(kept.as_map()["fooBar"], 1);
    assert_eq!(kept.as_map()["urn:acme:custom"]["badge"], "7");
    assert_eq!(kept.as_map()["schemas"][1], "urn:acme:custom");
    let ignore = InputRules {
        unknown_attributes: UnknownAttributes::Ignore,
        ..InputRules::default()
    };
    let dropped = Resource::from_request(body.clone(), registry.user(), &ignore).unwrap();
    assert!(dropped.as_map().get("fooBar").is_none());
    let reject = InputRules {
        unknown_attributes: UnknownAttributes::Reject,
        ..InputRules::default()
    };
    let err = Resource::from_request(body, registry.user(), &reject).unwrap_err();
    assert_eq!(err.scim_type(), Some(crate::ScimType::InvalidSyntax));
}

#[test]
fn normalising_is_idempotent_for_unknown_extensions_differing_in_case() {
    // Found by the resource_normalise fuzz target.
    let registry = SchemaRegistry::standard();
    let body = json!({"userName": "a", "urn:acme:x": {"a": 1}, "urn:acme:X": {"b": 2}, "URN:acme:y": {"c": 3}});
    let once = user(body).unwrap();
    assert_eq!(
        once.as_map()["schemas"],
        json!([USER, "urn:acme:x", "urn:acme:X", "URN:acme:y"])
    );
    let twice = Resource::from_request(
        once.clone().into_value(),
        registry.user(),
        &InputRules::default(),
    )
    .unwrap();
    assert_eq!(twice, once);
}

#[test]
fn a_bare_manager_id_and_an_extension_naming_its_schema_are_read_in_a_body() {
    const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    let body = json!({"userName": "a", ENTERPRISE: {"schemas": [ENTERPRISE], "manager": "26118915", "department": "Tour"}});
    let (r, noted) = crate::leniency::tracked(|| user(body.clone()));
    let r = r.unwrap();
    assert_eq!(
        r.as_map()[ENTERPRISE],
        json!({"manager": {"value": "26118915", "$ref": "../Users/26118915"}, "department": "Tour"})
    );
    assert_eq!(noted.switches(), ["managerAsString"]);
    // URN-qualified at the top level, as some clients write it; an empty id is no manager.
    let r = user(json!({"userName": "a", format!("{ENTERPRISE}:manager"): "7"})).unwrap();
    assert_eq!(r.as_map()[ENTERPRISE]["manager"]["value"], "7");
    let r = user(json!({"userName": "a", ENTERPRISE: {"manager": ""}})).unwrap();
    assert!(r.as_map().get(ENTERPRISE).is_none());
    // Off: refused naming the switch; `schemas` inside the extension is still no attribute.
    let strict = InputRules {
        manager_as_string: false,
        unknown_attributes: UnknownAttributes::Reject,
        ..InputRules::default()
    };
    let err = Resource::from_request(body, SchemaRegistry::standard().user(), &strict).unwrap_err();
    assert_eq!(err.scim_type(), Some(crate::ScimType::InvalidValue));
    assert!(err.detail().contains("managerAsString"), "{}", err.detail());
    let r = Resource::from_request(
        json!({"userName": "a", ENTERPRISE: {"schemas": [ENTERPRISE], "department": "Tour"}}),
        SchemaRegistry::standard().user(),
        &strict,
    )
    .unwrap();
    assert_eq!(r.as_map()[ENTERPRISE], json!({"department": "Tour"}));
}

#[test]
fn single_element_array_for_single_valued_complex_is_unwrapped() {
    let r = user(
        json!({"userName": "a", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
        "manager": [{"$ref": "../Users/26118915", "value": "26118915"}]}}),
    )
    .unwrap();
    assert_eq!(
        r.as_map()["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["manager"]["value"],
        "26118915"
    );
}

#[test]
fn required_attributes_are_checked() {
    let registry = SchemaRegistry::standard();
    let r = user(json!({"displayName": "x"})).unwrap();
    assert_eq!(
        r.check_required(registry.user()).unwrap_err().detail(),
        "userName is required and has no value"
    );
    assert!(
        user(json!({"userName": ""}))
            .unwrap()
            .check_required(registry.user())
            .is_err()
    );
    assert!(
        user(json!({"userName": "a"}))
            .unwrap()
            .check_required(registry.user())
            .is_ok()
    );
}

#[test]
fn put_replaces_keeps_read_only_and_password_and_guards_immutables() {
    let registry = SchemaRegistry::standard();
    let schema = registry.group();
    let mut existing =
        Resource::from_request(json!({"displayName": "g"}), schema, &InputRules::default())
            .unwrap();
    existing.as_map_mut().insert("id".into(), json!("abc"));
    let new = Resource::from_request(json!({"displayName": "h"}), schema, &InputRules::default())
        .unwrap();
    let replaced = new.replacing(&existing, schema).unwrap();
    assert_eq!(replaced.as_map()["id"], "abc");
    assert_eq!(replaced.as_map()["displayName"], "h");

    let users = registry.user();
    let mut old = user(json!({"userName": "a", "password": "secret", "title": "t"})).unwrap();
    old.as_map_mut().insert("id".into(), json!("u1"));
    let replaced = user(json!({"userName": "b"}))
        .unwrap()
        .replacing(&old, users)
        .unwrap();
    assert_eq!(
        replaced.as_map().get("title"),
        None,
        "replace clears omitted attributes"
    );
    assert_eq!(replaced.as_map()["password"], "secret");
    let merged = user(json!({"userName": "b"}))
        .unwrap()
        .merged_into(&old, users, &super::Unassigned::default())
        .unwrap();
    assert_eq!(
        merged.as_map()["title"],
        "t",
        "merge keeps omitted attributes"
    );
    assert_eq!(merged.as_map()["userName"], "b");
}
