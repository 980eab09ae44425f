//! What a mapping plan adds to a SCIM write: evaluating a 40-rule plan over a full Entra ID
//! user (every rule, transform and validator) and shaping the stored resource. Target: < 20 µs.
#![allow(missing_docs, clippy::unwrap_used)] // A benchmark binary.

use criterion::{Criterion, criterion_group, criterion_main};
use scim::SchemaRegistry;
use scim_console_core::mapping::plan::{
    ApplyOn, Field, FieldType, Operation, Plan, Rule, Transform,
};
use scim_console_core::mapping::validators::Validator;
use serde_json::json;

/// The default plan plus custom fields up to 40 rules, with transforms and validators.
fn forty_rule_plan() -> Plan {
    let mut plan = Plan::default_users();
    plan.rules
        .iter_mut()
        .find(|r| r.target == "preferredLanguage")
        .unwrap()
        .transforms
        .push(Transform::Expression {
            expression: r#"Item(Split([value], "-"), 1)"#.into(),
        });
    let sources = [
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division",
        "name.formatted",
        "nickName",
        "userType",
        "addresses[type eq \"work\"].locality",
        "addresses[type eq \"work\"].country",
    ];
    let mut i = 0;
    while plan.rules.len() < 40 {
        let name = format!("custom{i}");
        let source = sources[i % sources.len()];
        plan.fields.push(Field {
            name: name.clone(),
            kind: FieldType::String,
            custom: true,
            secret: false,
            immutable: false,
            description: String::new(),
            validators: vec![
                Validator::Length {
                    min: Some(1),
                    max: Some(64),
                },
                Validator::Pattern {
                    regex: "[^<>]*".into(),
                },
            ],
        });
        plan.rules.push(Rule {
            target: name,
            source: source.into(),
            transforms: vec![Transform::Trim, Transform::Lowercase],
            default: Some(json!("n/a")),
            apply: ApplyOn::Always,
        });
        i += 1;
    }
    plan
}

fn bench(c: &mut Criterion) {
    let registry = SchemaRegistry::standard();
    let schema = registry.user();
    let (compiled, findings) = forty_rule_plan().compile(schema);
    let compiled = compiled.unwrap_or_else(|| panic!("{findings:#?}"));
    assert_eq!(compiled.plan().rules.len(), 40);
    let user = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "userName": "Test_User_1@contoso.com",
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "active": true,
        "displayName": "Test User",
        "title": "Engineer",
        "preferredLanguage": "en-US",
        "locale": "en-US",
        "timezone": "Europe/Paris",
        "nickName": "Testy",
        "userType": "Employee",
        "name": {"formatted": "Ms. Test User", "familyName": "User", "givenName": "Test"},
        "emails": [{"primary": true, "type": "work", "value": "test.user@contoso.com"}],
        "phoneNumbers": [{"type": "work", "value": "+14155552671"}, {"type": "mobile", "value": "+442079460958"}],
        "addresses": [{"type": "work", "locality": "Redmond", "country": "US"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "701984", "department": "Ops", "costCenter": "4130", "organization": "Contoso", "division": "R&D"
        }
    });
    let resource = user.as_object().unwrap();
    c.bench_function("evaluate a 40-rule plan over a full Entra user", |b| {
        b.iter(|| compiled.evaluate(std::hint::black_box(resource), Operation::Create, schema));
    });
    let evaluation = compiled.evaluate(resource, Operation::Create, schema);
    assert!(evaluation.passed(compiled.plan()), "{evaluation:#?}");
    c.bench_function("evaluate and shape (what a write adds)", |b| {
        b.iter(|| {
            let e = compiled.evaluate(std::hint::black_box(resource), Operation::Create, schema);
            compiled.shape(
                resource,
                &e,
                schema,
                "urn:scim-console:params:scim:schemas:extension:bench:2.0:User",
            )
        });
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
