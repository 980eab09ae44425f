//! Prints what the protocol crate implements: the resource types and schemas of the registry
//! and the `/ServiceProviderConfig` document, and, given a filter as argument, how it parses.
//!
//! `cargo run -p scim --example describe -- 'emails[type eq "work"].value eq "a@b.c"'`

use scim::schema::ServiceProviderConfig;
use scim::{Filter, SchemaRegistry};

fn main() {
    let registry = SchemaRegistry::standard();
    println!("SCIM Console protocol crate: SCIM 2.0 (RFC 7643 / RFC 7644)\n");
    println!("Resource types:");
    for rt in registry.resource_types() {
        let t = rt.resource_type();
        let extensions: Vec<&str> = t
            .schema_extensions
            .iter()
            .map(|e| e.schema.as_str())
            .collect();
        println!(
            "  {:<6} {:<8} {}{}",
            t.name,
            t.endpoint,
            t.schema,
            if extensions.is_empty() {
                String::new()
            } else {
                format!(" + {}", extensions.join(", "))
            }
        );
    }
    println!("\nSchemas:");
    for schema in registry.schemas() {
        let names: Vec<&str> = schema.attributes.iter().map(|a| a.name.as_str()).collect();
        println!(
            "  {} ({} attributes): {}",
            schema.id,
            names.len(),
            names.join(", ")
        );
    }
    let spc = ServiceProviderConfig::default().to_document("http://localhost/scim/default/v2");
    println!(
        "\n/ServiceProviderConfig:\n{}",
        serde_json::to_string_pretty(&spc).unwrap_or_default()
    );
    if let Some(text) = std::env::args().nth(1) {
        match Filter::parse(&text) {
            Ok(filter) => match filter.check(registry.user()) {
                Ok(()) => println!("\nfilter: {filter}\n  valid for User resources"),
                Err(err) => println!("\nfilter: {filter}\n  {}", err.detail()),
            },
            Err(err) => {
                println!("\nfilter {text:?} is invalid: {err}");
                std::process::exit(2);
            }
        }
    }
}
