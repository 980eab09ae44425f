//! Any JSON body as a User or Group create: a resource or a SCIM error, never a panic; a
//! normalised resource projects and normalises again to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim::{InputRules, Projection, Resource, SchemaRegistry};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<Value>(data) else { return };
    let registry = SchemaRegistry::standard();
    for schema in [registry.user(), registry.group()] {
        if let Ok(resource) = Resource::from_request(body.clone(), schema, &InputRules::default()) {
            let _ = resource.check_required(schema);
            let _ = Projection::all().apply(resource.as_map(), schema);
            let again = Resource::from_request(resource.clone().into_value(), schema, &InputRules::default())
                .expect("a normalised resource normalises again");
            assert_eq!(again, resource);
        }
    }
});
