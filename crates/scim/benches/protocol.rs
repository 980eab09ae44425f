//! Protocol hot paths: parsing a 5-clause filter, evaluating it over a User, applying a
//! 10-operation PATCH, and normalising a create request. Run with `cargo xtask bench`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use scim::patch::{PatchRequest, apply};
use scim::{Filter, InputRules, PatchRules, Resource, SchemaRegistry};
use serde_json::{Value, json};

const FILTER: &str = r#"userName eq "bjensen@example.com" and (active eq true or title pr) and emails[type eq "work" and value co "@example.com"] and meta.lastModified ge "2011-05-13T04:42:34Z""#;

fn user_body() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": "701984",
        "userName": "bjensen@example.com",
        "name": {"formatted": "Ms. Barbara J Jensen, III", "familyName": "Jensen", "givenName": "Barbara", "middleName": "Jane", "honorificPrefix": "Ms.", "honorificSuffix": "III"},
        "displayName": "Babs Jensen",
        "nickName": "Babs",
        "profileUrl": "https://login.example.com/bjensen",
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood", "region": "CA", "postalCode": "91608", "country": "USA", "primary": true}],
        "phoneNumbers": [{"value": "555-555-5555", "type": "work"}, {"value": "555-555-4444", "type": "mobile"}],
        "userType": "Employee",
        "title": "Tour Guide",
        "preferredLanguage": "en-US",
        "locale": "en-US",
        "timezone": "America/Los_Angeles",
        "active": true,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "701984", "costCenter": "4130", "organization": "Universal Studios",
            "division": "Theme Park", "department": "Tour Operations",
            "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "$ref": "../Users/26118915-6090-4610-87e4-49d8ca9f808d"}
        }
    })
}

fn stored_user(registry: &SchemaRegistry) -> Resource {
    let mut user = Resource::from_request(user_body(), registry.user(), &InputRules::default())
        .expect("valid user");
    user.as_map_mut()
        .insert("id".into(), json!("2819c223-7f76-453a-919d-413861904646"));
    user.as_map_mut().insert(
        "meta".into(),
        json!({"resourceType": "User", "created": "2010-01-23T04:56:22Z", "lastModified": "2011-05-13T04:42:34Z"}),
    );
    user
}

fn ten_operations() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "barbara@example.com"},
            {"op": "Replace", "path": "name.familyName", "value": "Jensen-Smith"},
            {"op": "add", "path": "phoneNumbers", "value": [{"value": "555-555-0000", "type": "fax"}]},
            {"op": "remove", "path": "phoneNumbers[type eq \"mobile\"]"},
            {"op": "replace", "path": "title", "value": "Senior Tour Guide"},
            {"op": "add", "path": "nickName", "value": "B"},
            {"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Guest Services"},
            {"op": "replace", "value": {"displayName": "Barbara Jensen-Smith", "name.givenName": "Barb"}},
            {"op": "remove", "path": "addresses[type eq \"work\"].postalCode"}
        ]
    })
}

fn benches(c: &mut Criterion) {
    let registry = SchemaRegistry::standard();
    let user = stored_user(&registry);
    let filter = Filter::parse(FILTER).expect("valid filter");
    assert!(
        filter.matches(user.as_map(), registry.user()),
        "the benchmark filter must match"
    );

    c.bench_function("filter/parse 5 clauses", |b| {
        b.iter(|| Filter::parse(black_box(FILTER)));
    });
    c.bench_function("filter/evaluate 5 clauses over a User", |b| {
        b.iter(|| black_box(&filter).matches(black_box(user.as_map()), registry.user()));
    });

    let body = ten_operations();
    let rules = PatchRules::default();
    let request = PatchRequest::from_json(&body, &rules).expect("valid patch");
    assert!(
        apply(&user, &request, registry.user(), &rules).is_ok(),
        "the benchmark PATCH must apply"
    );
    c.bench_function("patch/copy body, parse and apply 10 operations", |b| {
        b.iter(|| {
            let request =
                PatchRequest::from_value(black_box(body.clone()), &rules).expect("valid patch");
            apply(black_box(&user), &request, registry.user(), &rules)
        });
    });
    c.bench_function("patch/apply 10 parsed operations", |b| {
        b.iter(|| {
            apply(
                black_box(&user),
                black_box(&request),
                registry.user(),
                &rules,
            )
        });
    });

    let create = user_body();
    c.bench_function("resource/normalise a full User create", |b| {
        b.iter(|| {
            Resource::from_request(
                black_box(create.clone()),
                registry.user(),
                &InputRules::default(),
            )
        });
    });
}

criterion_group!(protocol, benches);
criterion_main!(protocol);
