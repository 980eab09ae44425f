//! Property tests: filters round-trip through their printed form, and no input — filter text,
//! PATCH body or resource body — makes the protocol code panic.

use proptest::prelude::*;
use scim::filter::{CompareOp, Filter, Literal, Span};
use scim::patch::apply_json;
use scim::{AttrPath, InputRules, PatchRules, Projection, Resource, SchemaRegistry};
use serde_json::{Map, Number, Value, json};

fn attr_path() -> impl Strategy<Value = AttrPath> {
    prop_oneof![
        Just("userName".to_owned()),
        Just("title".to_owned()),
        Just("active".to_owned()),
        Just("emails".to_owned()),
        Just("name.givenName".to_owned()),
        Just("meta.lastModified".to_owned()),
        Just("emails.value".to_owned()),
        Just("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value".to_owned()),
        Just("urn:ietf:params:scim:schemas:core:2.0:User:userName".to_owned()),
        "[a-zA-Z][a-zA-Z0-9_-]{0,12}",
    ]
    .prop_map(|s| AttrPath::parse(&s).expect("generated paths are valid"))
}

fn sub_attr_path() -> impl Strategy<Value = AttrPath> {
    prop_oneof![
        Just("type"),
        Just("value"),
        Just("primary"),
        Just("display"),
        Just("$ref")
    ]
    .prop_map(AttrPath::attr)
}

fn literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        any::<String>().prop_map(Literal::String),
        any::<bool>().prop_map(Literal::Bool),
        Just(Literal::Null),
        any::<i64>().prop_map(|n| Literal::Number(n.into())),
        (-1.0e12f64..1.0e12)
            .prop_filter_map("finite", |f| Number::from_f64(f).map(Literal::Number)),
    ]
}

fn op() -> impl Strategy<Value = CompareOp> {
    prop_oneof![
        Just(CompareOp::Eq),
        Just(CompareOp::Ne),
        Just(CompareOp::Co),
        Just(CompareOp::Sw),
        Just(CompareOp::Ew),
        Just(CompareOp::Gt),
        Just(CompareOp::Ge),
        Just(CompareOp::Lt),
        Just(CompareOp::Le),
    ]
}

fn leaf(path: BoxedStrategy<AttrPath>) -> impl Strategy<Value = Filter> {
    prop_oneof![
        (path.clone(), op(), literal()).prop_map(|(path, op, value)| Filter::Compare {
            path,
            op,
            value,
            span: Span::default()
        }),
        path.prop_map(|path| Filter::Present {
            path,
            span: Span::default()
        }),
    ]
}

fn logic(inner: BoxedStrategy<Filter>) -> impl Strategy<Value = Filter> {
    inner.prop_recursive(4, 24, 2, |f| {
        prop_oneof![
            (f.clone(), f.clone()).prop_map(|(a, b)| Filter::And(Box::new(a), Box::new(b))),
            (f.clone(), f.clone()).prop_map(|(a, b)| Filter::Or(Box::new(a), Box::new(b))),
            f.prop_map(|a| Filter::Not(Box::new(a), Span::default())),
        ]
    })
}

fn filter() -> impl Strategy<Value = Filter> {
    let value_path = (
        prop_oneof![Just("emails"), Just("members"), Just("addresses")].prop_map(AttrPath::attr),
        logic(leaf(sub_attr_path().boxed()).boxed()),
    )
        .prop_map(|(path, inner)| Filter::ValuePath {
            path,
            filter: Box::new(inner),
            span: Span::default(),
        });
    let atom = prop_oneof![4 => leaf(attr_path().boxed()), 1 => value_path];
    logic(atom.boxed())
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        prop_oneof![
            Just("True".to_owned()),
            Just("work".to_owned()),
            Just("2011-05-13T04:42:34Z".to_owned()),
            any::<String>()
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((json_key(), inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn json_key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("userName".to_owned()),
        Just("value".to_owned()),
        Just("type".to_owned()),
        Just("primary".to_owned()),
        Just("emails".to_owned()),
        Just("name".to_owned()),
        Just("givenName".to_owned()),
        Just("active".to_owned()),
        Just("members".to_owned()),
        Just("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".to_owned()),
        Just("manager".to_owned()),
        "[a-zA-Z$.:\\[\\] \"]{1,12}",
    ]
}

fn patch_path() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(json!("active")),
        Just(json!("emails")),
        Just(json!("emails[type eq \"work\"].value")),
        Just(json!("emails[type eq \"work\"]")),
        Just(json!("name")),
        Just(json!("name.familyName")),
        Just(json!("members")),
        Just(json!("members[value eq \"x\"]")),
        Just(json!("userName")),
        Just(json!("id")),
        Just(json!("meta.created")),
        Just(json!(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        )),
        Just(json!(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"
        )),
        any::<String>().prop_map(Value::String),
    ]
}

fn operation() -> impl Strategy<Value = Value> {
    (
        prop_oneof![Just("add"), Just("Replace"), Just("remove"), Just("move")],
        patch_path(),
        prop::option::of(json_value()),
    )
        .prop_map(|(op, path, value)| {
            let mut m = Map::new();
            m.insert("op".into(), json!(op));
            if !path.is_null() {
                m.insert("path".into(), path);
            }
            if let Some(v) = value {
                m.insert("value".into(), v);
            }
            Value::Object(m)
        })
}

fn user() -> Resource {
    let registry = SchemaRegistry::standard();
    Resource::from_request(
        json!({
            "userName": "bjensen", "active": true, "name": {"givenName": "B"},
            "emails": [{"value": "a@x", "type": "work", "primary": true}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Ops"}
        }),
        registry.user(),
        &InputRules::default(),
    )
    .expect("valid user")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn printed_filters_parse_back_to_the_same_tree(f in filter()) {
        let printed = f.to_string();
        let reparsed = Filter::parse(&printed);
        prop_assert!(reparsed.is_ok(), "{printed}: {:?}", reparsed);
        prop_assert_eq!(reparsed.unwrap(), f, "{}", printed);
    }

    #[test]
    fn any_text_parses_or_fails_cleanly_and_parses_stably(s in "[ -~]{0,80}|.{0,40}") {
        if let Ok(f) = Filter::parse(&s) {
            let printed = f.to_string();
            let again = Filter::parse(&printed).expect("a printed filter parses");
            prop_assert_eq!(again.to_string(), printed);
            // Evaluating and checking an arbitrary filter never panics either.
            let registry = SchemaRegistry::standard();
            let _ = f.matches(user().as_map(), registry.user());
            let _ = f.check(registry.user());
        }
    }

    #[test]
    fn filter_like_text_never_panics(s in "(userName|emails|name|not|and|or|pr|eq|co|\\(|\\)|\\[|\\]|\"|\\.|\\\\| |[a-z0-9:])*") {
        let _ = Filter::parse(&s);
    }

    #[test]
    fn patch_never_panics_and_failures_change_nothing(ops in prop::collection::vec(operation(), 0..6), wrap in any::<bool>()) {
        let registry = SchemaRegistry::standard();
        let body = if wrap {
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops})
        } else {
            Value::Array(ops)
        };
        let before = user();
        match apply_json(&before, &body, registry.user(), &PatchRules::default()) {
            Ok(outcome) => {
                // A successful PATCH never loses the required userName and stays renderable.
                prop_assert!(outcome.resource.str_attr("userName").is_some_and(|u| !u.is_empty()));
                let _ = Projection::all().apply(outcome.resource.as_map(), registry.user());
            }
            Err(err) => prop_assert!(err.http_status() == 400 || err.http_status() == 409, "{err}"),
        }
        prop_assert_eq!(before, user());
    }

    #[test]
    fn patch_never_panics_on_any_json(body in json_value()) {
        let registry = SchemaRegistry::standard();
        let _ = apply_json(&user(), &body, registry.user(), &PatchRules::default());
        let _ = apply_json(&user(), &json!({"Operations": [body]}), registry.group(), &PatchRules::default());
    }

    #[test]
    fn resource_bodies_never_panic(body in json_value()) {
        let registry = SchemaRegistry::standard();
        for schema in [registry.user(), registry.group()] {
            if let Ok(r) = Resource::from_request(body.clone(), schema, &InputRules::default()) {
                let _ = r.check_required(schema);
                let _ = Projection::all().apply(r.as_map(), schema);
            }
        }
    }
}
