//! Any JSON body as a PATCH of a User and of a Group: an answer or a SCIM error, never a panic,
//! and a failed PATCH leaves the resource as it was.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim::patch::apply_json;
use scim::{InputRules, PatchRules, Resource, SchemaRegistry};
use serde_json::{Value, json};

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<Value>(data) else { return };
    let registry = SchemaRegistry::standard();
    let user = Resource::from_request(
        json!({"userName": "bjensen", "active": true, "emails": [{"value": "a@x", "type": "work", "primary": true}],
               "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Ops"}}),
        registry.user(),
        &InputRules::default(),
    )
    .expect("valid user");
    let before = user.clone();
    if let Ok(outcome) = apply_json(&user, &body, registry.user(), &PatchRules::default()) {
        assert!(outcome.resource.str_attr("userName").is_some());
    }
    assert_eq!(before, user);
    let group = Resource::from_request(json!({"displayName": "g", "members": [{"value": "1"}]}), registry.group(), &InputRules::default())
        .expect("valid group");
    let _ = apply_json(&group, &body, registry.group(), &PatchRules::default());
});
