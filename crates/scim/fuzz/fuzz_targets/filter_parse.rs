//! Any text either parses or fails with a located error; a parsed filter prints to text that
//! parses back to the same tree, and checking or evaluating it never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim::{Filter, SchemaRegistry};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(filter) = Filter::parse(text) {
        let printed = filter.to_string();
        let again = Filter::parse(&printed).expect("a printed filter must parse");
        assert_eq!(again, filter, "round trip of {printed}");
        let registry = SchemaRegistry::standard();
        let _ = filter.check(registry.user());
        let user = serde_json::json!({"userName": "a", "emails": [{"value": "x", "type": "work"}], "active": true});
        let _ = filter.matches(user.as_object().expect("object"), registry.user());
    }
});
