//! The xMatters template over real HTTP: a configuration created from it provisions what
//! Entra ID sends with xMatters' attribute table (seed 001) and refuses what xMatters refuses.

use crate::common::{TestServer, connection, parts};
use reqwest::Method;
use serde_json::{Value, json};

use super::client_profiles::patch;

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// A user as Entra ID sends it once the admin mapped xMatters' attributes.
fn entra_user(user_name: &str, external_id: &str) -> Value {
    json!({
        "schemas": [USER],
        "userName": user_name,
        "externalId": external_id,
        "active": true,
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "preferredLanguage": "en-US",
        "timezone": "Europe/London",
        "roles": [{"primary": true, "type": "Primary", "value": "Standard User"}],
        "emails": [{"type": "Work Email", "value": user_name}],
        "phoneNumbers": [{"type": "Work Phone", "value": "+442071234567"}]
    })
}

#[tokio::test]
async fn a_configuration_created_from_the_xmatters_template_holds_to_its_table() {
    let s = TestServer::start().await;
    // The catalogue names both templates; the xMatters plan is served whole.
    let (status, list) = parts(
        s.admin(Method::GET, "/api/mapping/templates")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{list}");
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["standard", "xMatters"]);
    let (status, plan) = parts(
        s.admin(Method::GET, "/api/mapping/template?template=xMatters")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, &plan["unsupported"]),
        (200, &json!("reject")),
        "{plan}"
    );
    let (status, body) = parts(
        s.admin(Method::GET, "/api/mapping/template?template=sap")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert!(body.to_string().contains("xMatters"), "{body}");

    let c = connection(
        &s,
        json!({"name": "xMatters", "identityProvider": "entra", "planTemplate": "xMatters"}),
    )
    .await;
    // Its first plan version is the template, attributed and commented.
    let (status, current) = parts(
        s.admin(
            Method::GET,
            &format!("/api/configurations/{}/mapping", c.id),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{current}");
    assert_eq!(current["version"], 1);
    assert_eq!(current["comment"], "From the xMatters template");
    assert_eq!(current["plan"], plan);

    // Entra's create goes through; the language arrives split.
    let (status, ada) = c
        .call(
            &s,
            Method::POST,
            "/Users",
            &entra_user("ada@contoso.com", "3f1c"),
        )
        .await;
    assert_eq!(status, 201, "{ada}");
    assert_eq!(ada["preferredLanguage"], "en", "{ada}");
    let id = ada["id"].as_str().unwrap().to_owned();
    // Entra ID looks users up by the document's own spelling of the work email.
    let (status, found) = c
        .get(
            &s,
            "/Users?filter=emails%5Btype+%3D%27Work+Email%27%5D.value+eq+%22ada%40contoso.com%22",
        )
        .await;
    assert_eq!(
        (status, &found["totalResults"]),
        (200, &json!(1)),
        "{found}"
    );

    // What xMatters refuses: the enterprise extension, a role it does not define, a phone
    // number not in E.164, a time zone it does not know, a userName taken.
    let mut enterprise = entra_user("grace@contoso.com", "9a2b");
    enterprise["schemas"] = json!([USER, ENTERPRISE]);
    enterprise[ENTERPRISE] = json!({"department": "Ops"});
    let mut role = entra_user("grace@contoso.com", "9a2b");
    role["roles"][0]["value"] = json!("Wizard");
    let mut phone = entra_user("grace@contoso.com", "9a2b");
    phone["phoneNumbers"][0]["value"] = json!("020 7123 4567");
    let mut zone = entra_user("grace@contoso.com", "9a2b");
    zone["timezone"] = json!("London time");
    for (body, attribute, status_wanted, scim_type) in [
        (&enterprise, "department", 400, "invalidValue"),
        (&role, "roles", 400, "invalidValue"),
        (&phone, "Work Phone", 400, "invalidValue"),
        (&zone, "timezone", 400, "invalidValue"),
        (
            &entra_user("ADA@contoso.com", "77"),
            "userName",
            409,
            "uniqueness",
        ),
    ] {
        let (status, error) = c.call(&s, Method::POST, "/Users", body).await;
        assert_eq!(status, status_wanted, "{attribute}: {error}");
        assert_eq!(error["scimType"], scim_type, "{attribute}: {error}");
        assert!(
            error["detail"].as_str().unwrap().contains(attribute),
            "{attribute}: {error}"
        );
    }

    // externalId is immutable: a change is refused with `mutability`, naming it, and the
    // user keeps it; a change of another attribute goes through.
    let (status, error) = c
        .call(
            &s,
            Method::PATCH,
            &format!("/Users/{id}"),
            &patch(&json!([{"op": "Replace", "path": "externalId", "value": "other"}])),
        )
        .await;
    assert_eq!(
        (status, &error["scimType"]),
        (400, &json!("mutability")),
        "{error}"
    );
    assert!(
        error["detail"].as_str().unwrap().contains("externalId"),
        "{error}"
    );
    let (status, _) = c
        .call(
            &s,
            Method::PATCH,
            &format!("/Users/{id}"),
            &patch(&json!([{"op": "Replace", "path": "name.givenName", "value": "Augusta"}])),
        )
        .await;
    assert!(status == 200 || status == 204, "{status}");
    // A deactivation always goes through, whatever else it carries.
    let (status, body) = c
        .call(
            &s,
            Method::PATCH,
            &format!("/Users/{id}"),
            &patch(&json!([
                {"op": "Replace", "path": "active", "value": "False"},
                {"op": "Replace", "path": "externalId", "value": "other"}
            ])),
        )
        .await;
    assert!(status == 200 || status == 204, "{status} {body}");
    let (_, read) = c.get(&s, &format!("/Users/{id}")).await;
    assert_eq!(read["active"], false, "{read}");
    // And so does a DELETE.
    let (status, _) = c
        .call(&s, Method::DELETE, &format!("/Users/{id}"), &Value::Null)
        .await;
    assert_eq!(status, 204);

    // An unknown template is refused, naming the field, and creates nothing.
    let (status, body) = parts(
        crate::common::send_json(
            s.admin(Method::POST, "/api/configurations"),
            &json!({"name": "Other", "planTemplate": "sap"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("planTemplate"), "{body}");
    let (_, all) = parts(
        s.admin(Method::GET, "/api/configurations")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(!all.to_string().contains("\"Other\""), "{all}");
    s.stop().await;
}
