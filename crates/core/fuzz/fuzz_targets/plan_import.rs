//! Any bytes as a mapping plan being imported (`PUT …/mapping`, `mapping import`): they are
//! refused as JSON, or the plan serialises and reads back to itself, compiles to a plan or to
//! findings, and a compiled plan evaluates a sample user (create and update), checks a group
//! and shapes a request, never panicking; the provider side previews what it would send.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim::SchemaRegistry;
use scim_console_core::mapping::plan::{Operation, Plan};

fuzz_target!(|data: &[u8]| {
    let Ok(plan) = serde_json::from_slice::<Plan>(data) else {
        return;
    };
    let text = serde_json::to_string(&plan).expect("a plan serialises");
    let again: Plan = serde_json::from_str(&text).expect("a serialised plan reads back");
    assert_eq!(again, plan, "round trip of {text}");
    let registry = SchemaRegistry::standard();
    let schema = registry.user();
    let (compiled, _findings) = plan.compile(schema);
    let user = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "Zoë.Doe@contoso.com",
        "externalId": "00042",
        "active": true,
        "name": {"givenName": "Zoë", "familyName": "Doe"},
        "emails": [{"value": "zoe@contoso.com", "type": "work", "primary": true}],
        "phoneNumbers": [{"value": "+44 20 7946 0958", "type": "work"}],
        "timezone": "Europe/London",
        "preferredLanguage": "en-GB",
        "roles": [{"value": "admin"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales", "manager": {"value": "x"}}
    });
    let user = user.as_object().expect("an object");
    if let Some(compiled) = compiled {
        let _ = compiled.matching_paths();
        for op in [Operation::Create, Operation::Update] {
            let evaluation = compiled.evaluate(user, op, schema);
            let _ = compiled.shape(user, &evaluation, schema, "urn:example:custom");
        }
        let group = serde_json::json!({"displayName": "Sales", "members": [{"value": "x"}]});
        let _ = compiled.check_group(group.as_object().expect("an object"), registry.group());
    }
    if let Some(provider) = &plan.provider {
        let _ = provider.check(schema);
        let source = serde_json::json!({
            "userPrincipalName": "zoe@contoso.com", "givenName": "Zoë", "surname": "Doe",
            "mail": "zoe@contoso.com", "accountEnabled": true, "department": "Sales",
            "login": "zoe", "firstName": "Zoë", "lastName": "Doe", "email": "zoe@contoso.com",
            "primaryEmail": "zoe@contoso.com", "name.givenName": "Zoë"
        });
        let _ = provider.preview(source.as_object().expect("an object"), schema);
    }
});
