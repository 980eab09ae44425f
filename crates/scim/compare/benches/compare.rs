//! The scim crate against other Rust SCIM crates, on the same filter and the same User:
//! `scim-filter` (parser and JSON matcher) and Kanidm's `scim_proto` (parser only).
//! Run with `cargo xtask bench compare`.

use std::hint::black_box;
use std::str::FromStr;

use criterion::{Criterion, criterion_group, criterion_main};
use scim::{Filter, SchemaRegistry};
use serde_json::{Value, json};

const FILTER: &str = r#"userName eq "bjensen@example.com" and (active eq true or title pr) and emails[type eq "work" and value co "@example.com"] and meta.lastModified ge "2011-05-13T04:42:34Z""#;

fn user() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "userName": "bjensen@example.com",
        "name": {"familyName": "Jensen", "givenName": "Barbara"},
        "title": "Tour Guide",
        "active": true,
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z", "lastModified": "2011-05-13T04:42:34Z"}
    })
}

fn benches(c: &mut Criterion) {
    let registry = SchemaRegistry::standard();
    let user = user();
    let map = user.as_object().expect("object").clone();

    let ours = Filter::parse(FILTER).expect("ours parses");
    assert!(ours.matches(&map, registry.user()));
    let (rest, theirs) = scim_filter::parser::filter(FILTER).expect("scim-filter parses");
    assert!(rest.is_empty(), "scim-filter left {rest:?} unparsed");
    assert!(theirs.r#match(&user).expect("scim-filter matches"));
    scim_proto::filter::ScimFilter::from_str(FILTER).expect("scim_proto parses");

    let mut parse = c.benchmark_group("parse 5-clause filter");
    parse.bench_function("scim (ours)", |b| b.iter(|| Filter::parse(black_box(FILTER))));
    parse.bench_function("scim-filter 0.2", |b| b.iter(|| scim_filter::parser::filter(black_box(FILTER))));
    parse.bench_function("scim_proto (Kanidm)", |b| b.iter(|| scim_proto::filter::ScimFilter::from_str(black_box(FILTER))));
    parse.finish();

    let mut eval = c.benchmark_group("evaluate filter over a User");
    eval.bench_function("scim (ours)", |b| b.iter(|| black_box(&ours).matches(black_box(&map), registry.user())));
    eval.bench_function("scim-filter 0.2", |b| b.iter(|| black_box(&theirs).r#match(black_box(&user))));
    eval.finish();
}

criterion_group!(compare, benches);
criterion_main!(compare);
