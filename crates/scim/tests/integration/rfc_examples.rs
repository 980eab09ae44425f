//! The full representations of RFC 7643 §8 read, stored and returned through the public API:
//! a create body becomes a resource, the server adds `id` and `meta`, and the response shows
//! every attribute the client sent except the writeOnly ones.

use scim::list::{ListResponse, sort_resources};
use scim::patch::{PatchRequest, apply};
use scim::{Filter, InputRules, ListQuery, PatchRules, Projection, Resource, SchemaRegistry};
use serde_json::{Value, json};

/// RFC 7643 §8.2 "Full User Representation" (as a client would POST it) with the enterprise
/// extension of §8.3.
fn full_user_request() -> Value {
    json!({
      "schemas": [
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
      ],
      "externalId": "701984",
      "userName": "bjensen@example.com",
      "name": {
        "formatted": "Ms. Barbara J Jensen, III",
        "familyName": "Jensen",
        "givenName": "Barbara",
        "middleName": "Jane",
        "honorificPrefix": "Ms.",
        "honorificSuffix": "III"
      },
      "displayName": "Babs Jensen",
      "nickName": "Babs",
      "profileUrl": "https://login.example.com/bjensen",
      "emails": [
        {"value": "bjensen@example.com", "type": "work", "primary": true},
        {"value": "babs@jensen.org", "type": "home"}
      ],
      "addresses": [
        {
          "type": "work",
          "streetAddress": "100 Universal City Plaza",
          "locality": "Hollywood",
          "region": "CA",
          "postalCode": "91608",
          "country": "USA",
          "formatted": "100 Universal City Plaza\nHollywood, CA 91608 USA",
          "primary": true
        },
        {
          "type": "home",
          "streetAddress": "456 Hollywood Blvd",
          "locality": "Hollywood",
          "region": "CA",
          "postalCode": "91608",
          "country": "USA",
          "formatted": "456 Hollywood Blvd\nHollywood, CA 91608 USA"
        }
      ],
      "phoneNumbers": [
        {"value": "555-555-5555", "type": "work"},
        {"value": "555-555-4444", "type": "mobile"}
      ],
      "ims": [{"value": "someaimhandle", "type": "aim"}],
      "photos": [
        {"value": "https://photos.example.com/profilephoto/72930000000Ccne/F", "type": "photo"},
        {"value": "https://photos.example.com/profilephoto/72930000000Ccne/T", "type": "thumbnail"}
      ],
      "userType": "Employee",
      "title": "Tour Guide",
      "preferredLanguage": "en-US",
      "locale": "en-US",
      "timezone": "America/Los_Angeles",
      "active": true,
      "password": "t1meMa$heen",
      "x509Certificates": [
        {"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMxEzARBgNVBAgMCkNhbGlmb3JuaWExFDASBgNVBAoMC2V4YW1wbGUuY29tMRQwEgYDVQQDDAtleGFtcGxlLmNvbTAeFw0xMTEwMjIwNjI0MzFaFw0xMjEwMDQwNjI0MzFa"}
      ],
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
        "employeeNumber": "701984",
        "costCenter": "4130",
        "organization": "Universal Studios",
        "division": "Theme Park",
        "department": "Tour Operations",
        "manager": {
          "value": "26118915-6090-4610-87e4-49d8ca9f808d",
          "$ref": "../Users/26118915-6090-4610-87e4-49d8ca9f808d",
          "displayName": "John Smith"
        }
      },
      "groups": [{"value": "e9e30dba-f08f-4109-8486-d5c6a331660a", "display": "Tour Guides"}],
      "meta": {"resourceType": "User"}
    })
}

#[allow(clippy::unwrap_used)] // A test fixture: a failure here is a test failure.
fn stored(registry: &SchemaRegistry, id: &str) -> Resource {
    let mut r =
        Resource::from_request(full_user_request(), registry.user(), &InputRules::default())
            .unwrap();
    r.check_required(registry.user()).unwrap();
    let map = r.as_map_mut();
    map.insert("id".into(), json!(id));
    map.insert(
        "meta".into(),
        json!({"resourceType": "User", "created": "2010-01-23T04:56:22Z", "lastModified": "2011-05-13T04:42:34Z",
               "version": "W/\"a330bc54f0671c9\"", "location": format!("https://example.com/v2/Users/{id}")}),
    );
    r
}

#[test]
fn full_user_round_trips_except_write_only_and_read_only_input() {
    let registry = SchemaRegistry::standard();
    let user = stored(&registry, "2819c223-7f76-453a-919d-413861904646");
    let response = Value::Object(Projection::all().apply(user.as_map(), registry.user()));

    let mut expected = full_user_request();
    let obj = expected.as_object_mut().unwrap();
    obj.remove("password");
    obj.remove("groups");
    obj.remove("meta");
    obj["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["manager"]
        .as_object_mut()
        .unwrap()
        .remove("displayName");
    for (key, value) in obj.iter() {
        assert_eq!(&response[key], value, "{key}");
    }
    assert_eq!(response["id"], "2819c223-7f76-453a-919d-413861904646");
    assert_eq!(response["meta"]["version"], "W/\"a330bc54f0671c9\"");
    assert!(response.get("password").is_none(), "password is writeOnly");
    assert_eq!(
        user.as_map()["password"],
        "t1meMa$heen",
        "kept for the store to hash"
    );
}

#[test]
fn full_group_example_of_rfc_7643_section_8_4() {
    let registry = SchemaRegistry::standard();
    let body = json!({
      "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
      "displayName": "Tour Guides",
      "members": [
        {"value": "2819c223-7f76-453a-919d-413861904646", "$ref": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646", "display": "Babs Jensen"},
        {"value": "902c246b-6245-4190-8e05-00816be7344a", "$ref": "https://example.com/v2/Users/902c246b-6245-4190-8e05-00816be7344a", "display": "Mandy Pepperidge"}
      ]
    });
    let group =
        Resource::from_request(body.clone(), registry.group(), &InputRules::default()).unwrap();
    group.check_required(registry.group()).unwrap();
    assert_eq!(group.clone().into_value(), body);
    let f = Filter::parse(r#"members[value eq "902c246b-6245-4190-8e05-00816be7344a"]"#).unwrap();
    assert!(f.matches(group.as_map(), registry.group()));
    let without_members = Projection::parse(None, Some("members"))
        .unwrap()
        .apply(group.as_map(), registry.group());
    assert!(without_members.get("members").is_none());
}

#[test]
fn list_filter_sort_page_project_end_to_end() {
    let registry = SchemaRegistry::standard();
    let schema = registry.user();
    let mut users: Vec<_> = (0..25)
        .map(|i| {
            let mut u = stored(&registry, &format!("id-{i:02}"));
            u.as_map_mut().insert(
                "userName".into(),
                json!(format!("user{:02}@example.com", 24 - i)),
            );
            u.as_map_mut().insert("active".into(), json!(i % 2 == 0));
            u.into_map()
        })
        .collect();
    let query = ListQuery::from_query_pairs([
        ("filter", "active eq true and userName ew \"@EXAMPLE.COM\""),
        ("sortBy", "userName"),
        ("startIndex", "2"),
        ("count", "3"),
        ("attributes", "userName"),
    ])
    .unwrap();
    let filter = query.filter.as_ref().unwrap();
    filter.check(schema).unwrap();
    users.retain(|u| filter.matches(u, schema));
    assert_eq!(users.len(), 13);
    sort_resources(
        &mut users,
        query.sort_by.as_ref().unwrap(),
        query.sort_order,
        schema,
    );
    let total = users.len();
    let paging = query.paging(100, 1000);
    let page: Vec<Value> = paging
        .slice(users)
        .iter()
        .map(|u| Value::Object(query.projection.apply(u, schema)))
        .collect();
    let body = ListResponse::new(page, total, paging.start_index).to_json();
    assert_eq!(body["totalResults"], 13);
    assert_eq!(body["itemsPerPage"], 3);
    assert_eq!(body["startIndex"], 2);
    let names: Vec<&str> = body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["userName"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "user02@example.com",
            "user04@example.com",
            "user06@example.com"
        ]
    );
    assert_eq!(
        body["Resources"][0].as_object().unwrap().len(),
        3,
        "schemas, id and userName only"
    );
}

#[test]
fn patch_then_read_back_through_projection() {
    let registry = SchemaRegistry::standard();
    let user = stored(&registry, "u1");
    let request = PatchRequest::from_json(
        &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "Add", "path": "emails[type eq \"other\"].value", "value": "third@example.com"}
        ]}),
        &PatchRules::default(),
    )
    .unwrap();
    let outcome = apply(&user, &request, registry.user(), &PatchRules::default()).unwrap();
    let shown = Projection::parse(Some("active,emails.value"), None)
        .unwrap()
        .apply(outcome.resource.as_map(), registry.user());
    assert_eq!(shown["active"], false);
    assert_eq!(shown["emails"].as_array().unwrap().len(), 3);
    assert_eq!(
        outcome
            .changes
            .iter()
            .map(|c| c.path.as_str())
            .collect::<Vec<_>>(),
        ["emails", "active"]
    );
}

#[test]
fn discovery_documents_describe_the_registry() {
    let registry = SchemaRegistry::standard();
    let schemas = registry.schemas_document("https://example.com/scim/v2/");
    assert_eq!(
        schemas["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:ListResponse"
    );
    let user_schema = &schemas["Resources"][0];
    let names: Vec<&str> = user_schema["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    for expected in [
        "userName",
        "name",
        "emails",
        "active",
        "password",
        "groups",
        "x509Certificates",
    ] {
        assert!(names.contains(&expected), "{expected}");
    }
    let password = user_schema["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "password")
        .unwrap();
    assert_eq!(
        (
            password["mutability"].as_str(),
            password["returned"].as_str()
        ),
        (Some("writeOnly"), Some("never"))
    );
    let types = registry.resource_types_document("https://example.com/scim/v2");
    assert_eq!(
        types["Resources"][0]["meta"]["location"],
        "https://example.com/scim/v2/ResourceTypes/User"
    );
}
