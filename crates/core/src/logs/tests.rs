use serde_json::json;

use super::store::fts_query;
use super::*;

#[test]
fn clients_are_recognised_by_agent_flag_and_schema() {
    assert_eq!(
        Client::recognise(Some("Okta SCIM Client 1.0.0"), None, None),
        Client::Okta
    );
    assert_eq!(
        Client::recognise(Some("OKTA SCIM Integration"), None, None),
        Client::Okta
    );
    assert_eq!(
        Client::recognise(None, Some("aadOptscim062020"), None),
        Client::Entra
    );
    let group = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"]});
    assert_eq!(Client::recognise(None, None, Some(&group)), Client::Entra);
    assert_eq!(
        Client::recognise(Some("OneLogin SCIM"), None, None),
        Client::OneLogin
    );
    assert_eq!(Client::recognise(Some("curl/8"), None, None), Client::Other);
}

#[test]
fn operations_follow_method_path_and_body() {
    let disable = json!({"Operations": [{"op": "Replace", "path": "active", "value": "False"}]});
    let okta_disable = json!({"Operations": [{"op": "replace", "value": {"active": false}}]});
    let members =
        json!({"Operations": [{"op": "add", "path": "members", "value": [{"value": "x"}]}]});
    let cases = [
        ("POST", "/scim/a/v2/Users", None, Operation::Create),
        ("POST", "/scim/a/v2/Users/.search", None, Operation::Query),
        ("GET", "/scim/a/v2/Users?filter=x", None, Operation::Query),
        ("GET", "/scim/a/v2/Schemas", None, Operation::Discovery),
        (
            "PATCH",
            "/scim/a/v2/Users/1",
            Some(&disable),
            Operation::Disable,
        ),
        (
            "PATCH",
            "/scim/a/v2/Users/1",
            Some(&okta_disable),
            Operation::Disable,
        ),
        (
            "PUT",
            "/scim/a/v2/Users/1",
            Some(&json!({"active": false})),
            Operation::Disable,
        ),
        (
            "PATCH",
            "/scim/a/v2/Groups/1",
            Some(&members),
            Operation::MembershipChange,
        ),
        (
            "PATCH",
            "/scim/a/v2/Users/1",
            Some(&json!({"Operations": []})),
            Operation::Update,
        ),
        ("DELETE", "/scim/a/v2/Users/1", None, Operation::Delete),
        ("POST", "/scim/a/oauth/token", None, Operation::Token),
        ("POST", "/scim/a/v2/Bulk", None, Operation::Bulk),
    ];
    for (method, path, body, expected) in cases {
        assert_eq!(
            Operation::classify(method, path, body),
            expected,
            "{method} {path}"
        );
    }
}

#[test]
fn secrets_are_redacted_everywhere_in_a_body() {
    let body = json!({
        "userName": "a", "password": "t1meMa$heen",
        "Operations": [{"op": "replace", "path": "password", "value": "n3w-Secret"},
                       {"op": "replace", "value": {"password": "pathless-Secret"}}],
        "nested": [{"client_secret": "cs"}]
    });
    let text = redact(&body);
    for secret in ["t1meMa$heen", "n3w-Secret", "pathless-Secret", "\"cs\""] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    assert!(text.contains("\"userName\":\"a\""));
    assert_eq!(
        redact_path("/scim/a/v2/Users?access_token=s3cr3t&filter=userName%20eq%20%22x%22"),
        "/scim/a/v2/Users?access_token=***&filter=userName%20eq%20%22x%22"
    );
    assert_eq!(redact_path("/scim/a/v2/Users"), "/scim/a/v2/Users");
    // A filter on a secret (any spelling), or on a custom field, is masked whole.
    for filter in [
        "password%20eq%20%22hunter2%22",
        "PASSWORD+eq+%22hunter2%22",
        "urn%3Aietf%3Aparams%3Ascim%3Aschemas%3Acore%3A2.0%3AUser%3Apassword%20eq%20%22hunter2%22",
        "userName%20eq%20%22a%22%20or%20(password%20pr)",
        "urn:scim-console:params:scim:schemas:extension:default:2.0:User:pin%20eq%20%228642%22",
    ] {
        assert_eq!(
            redact_path(&format!("/scim/a/v2/Users?filter={filter}&count=1")),
            "/scim/a/v2/Users?filter=***&count=1",
            "{filter}"
        );
    }
    let plain = "/scim/a/v2/Users?filter=userName%20eq%20%22ada%40contoso.com%22";
    assert_eq!(redact_path(plain), plain);
    let long = json!({"x": "a".repeat(MAX_BODY * 2)});
    assert!(redact(&long).ends_with("…(cut)"));
    let fields = [
        "bjensen@example.com",
        "timezone: \"europe/paris\" is not an IANA zone",
    ];
    assert!(text_matches("bjensen@example.com", &fields));
    assert!(text_matches("BJensen", &fields));
    assert!(text_matches("bjen*", &fields));
    assert!(text_matches("europe/paris iana", &fields));
    assert!(text_matches("example.c*", &fields));
    assert!(!text_matches("paris/europe", &fields));
    assert!(!text_matches("bjensen@example.org", &fields));
    assert!(!text_matches("com timezone:x", &fields));
    assert_eq!(
        fts_query("bjensen \"x y\" err*", &LogQuery::default()),
        "{resource_name keys detail} : (\"bjensen\" \"\"\"x\" \"y\"\"\" \"err\"*)"
    );
    let id = ConfigurationId::parse("4f1c2b3a-0000-4000-8000-00000000abcd").unwrap();
    assert_eq!(
        fts_query(
            "paris",
            &LogQuery {
                configuration: Some(id),
                client: Some(Client::OneLogin),
                outcome: Some(Outcome::Failure),
                operation: Some(Operation::MembershipChange),
                status: Some(409),
                ..LogQuery::default()
            }
        ),
        "{resource_name keys detail} : (\"paris\") AND facets : \"cfg4f1c2b3a00004000800000000000abcd\" AND facets : \"clonelogin\" AND facets : \"ocfailure\" AND facets : \"opmembershipchange\" AND facets : \"st409\""
    );
}
