//! Mapping plans over real HTTP: the admin API (template, save, validate, test, versions, diff,
//! rollback) and enforcement by the SCIM endpoint for each outcome.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use crate::common::{TestServer, parts, send_json};
use reqwest::Method;
use serde_json::{Value, json};

async fn admin_json(
    s: &TestServer,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = s.admin(method, path);
    if let Some(body) = body {
        request = request.json(&body);
    }
    parts(request.send().await.unwrap()).await
}

async fn template(s: &TestServer) -> Value {
    let (status, plan) = admin_json(s, Method::GET, "/api/mapping/template", None).await;
    assert_eq!(status, 200);
    plan
}

async fn create_user(s: &TestServer, body: Value) -> (u16, Value) {
    parts(send_json(s.scim(Method::POST, "/Users"), &body).await).await
}

#[tokio::test]
async fn plans_are_saved_validated_tested_diffed_and_rolled_back() {
    let s = TestServer::start().await;
    let base = format!("/api/configurations/{}/mapping", s.config.id);
    let (status, body) = admin_json(&s, Method::GET, &base, None).await;
    assert_eq!(status, 404);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("/api/mapping/template")
    );

    let mut plan = template(&s).await;
    plan["rules"][0]["source"] = json!("userNme");
    let (status, body) = admin_json(
        &s,
        Method::POST,
        &format!("{base}/validate"),
        Some(plan.clone()),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["valid"], false);
    assert_eq!(body["findings"][0]["location"], "/rules/0/source");
    assert_eq!(body["findings"][0]["severity"], "error");
    let (status, body) = admin_json(&s, Method::PUT, &base, Some(json!({"plan": plan}))).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["field"], "plan");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("/rules/0/source")
    );

    let plan = template(&s).await;
    let (status, saved) = admin_json(
        &s,
        Method::PUT,
        &base,
        Some(json!({"plan": plan, "comment": "first"})),
    )
    .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["saved"]["version"], 1);
    let mut relaxed = plan.clone();
    relaxed["mode"] = json!("warnOnly");
    let (status, _) = admin_json(&s, Method::PUT, &base, Some(json!({"plan": relaxed}))).await;
    assert_eq!(status, 200);
    let (_, diff) = admin_json(&s, Method::GET, &format!("{base}/diff?from=1"), None).await;
    assert_eq!(
        diff,
        json!([{"path": "/mode", "old": "enforce", "new": "warnOnly"}])
    );
    let (status, rolled) = admin_json(
        &s,
        Method::POST,
        &format!("{base}/rollback"),
        Some(json!({"version": 1})),
    )
    .await;
    assert_eq!((status, &rolled["version"]), (200, &json!(3)));
    let (_, versions) = admin_json(&s, Method::GET, &format!("{base}/versions"), None).await;
    assert_eq!(versions.as_array().unwrap().len(), 3);
    assert_eq!(versions[0]["comment"], "rollback to version 1");
    let (_, current) = admin_json(&s, Method::GET, &base, None).await;
    assert_eq!(current["plan"]["mode"], "enforce");
    // QA → production: copy the current plan to another configuration.
    let (_, production) = admin_json(
        &s,
        Method::POST,
        "/api/configurations",
        Some(json!({"name": "Production"})),
    )
    .await;
    let production_id = production["id"].as_str().unwrap();
    let (status, copied) = admin_json(
        &s,
        Method::POST,
        &format!("/api/configurations/{production_id}/mapping/copy"),
        Some(json!({"from": s.config.id.to_string()})),
    )
    .await;
    assert_eq!(status, 200, "{copied}");
    assert_eq!(
        copied["saved"]["comment"],
        "copied from \"default\" version 3"
    );
    assert_eq!(copied["saved"]["plan"], current["plan"]);

    // A test run over a sample, field by field, with the current plan.
    let sample = json!({
        "userName": "Test@contoso.com",
        "timezone": "europe/paris",
        "phoneNumbers": [{"type": "work", "value": "+14155552671"}],
        "nickName": "x"
    });
    let (status, run) = admin_json(
        &s,
        Method::POST,
        &format!("{base}/test"),
        Some(json!({"sample": sample})),
    )
    .await;
    assert_eq!(status, 200, "{run}");
    assert_eq!(run["passed"], false);
    assert_eq!(run["unsupported"], json!(["nickName"]));
    let timezone = run["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "timezone")
        .unwrap();
    assert_eq!(timezone["verdicts"][0]["passed"], false);
    assert!(
        timezone["verdicts"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Europe/Paris")
    );
    let (status, body) = admin_json(
        &s,
        Method::POST,
        &format!("{base}/test"),
        Some(json!({"sample": [1]})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn the_scim_endpoint_enforces_the_plan_for_every_outcome() {
    let s = TestServer::start().await;
    let base = format!("/api/configurations/{}/mapping", s.config.id);
    // Without a plan everything is accepted.
    let (status, _) = create_user(
        &s,
        json!({"userName": "free@contoso.com", "timezone": "Mars"}),
    )
    .await;
    assert_eq!(status, 201);

    let mut plan = template(&s).await;
    plan["unsupported"] = json!("reject");
    plan["scoping"] =
        json!({"users": [{"effect": "exclude", "filter": "title eq \"Contractor\""}]});
    plan["fields"].as_array_mut().unwrap().push(json!({"name": "badge", "custom": true, "validators": [{"kind": "pattern", "regex": "[0-9]{4}"}]}));
    plan["rules"].as_array_mut().unwrap().push(json!({"target": "badge", "source": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"}));
    let (status, saved) = admin_json(&s, Method::PUT, &base, Some(json!({"plan": plan}))).await;
    assert_eq!(status, 200, "{saved}");

    // Accepted and shaped: the custom field lands in the configuration's extension.
    let (status, user) = create_user(
        &s,
        json!({"userName": "ok@contoso.com", "timezone": "Europe/Paris", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "1234"}}),
    )
    .await;
    assert_eq!(status, 201, "{user}");
    assert_eq!(
        user["urn:scim-console:params:scim:schemas:extension:default:2.0:User"]["badge"],
        "1234"
    );
    // A validator fails: 400 invalidValue naming the field, the value and the validator.
    let (status, body) = create_user(
        &s,
        json!({"userName": "tz@contoso.com", "timezone": "europe/paris"}),
    )
    .await;
    assert_eq!(
        (status, body["scimType"].as_str()),
        (400, Some("invalidValue")),
        "{body}"
    );
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("timezone")
            && detail.contains("Europe/Paris")
            && detail.contains("validator timeZone"),
        "{detail}"
    );
    // An unsupported attribute under `reject`.
    let (status, body) =
        create_user(&s, json!({"userName": "nick@contoso.com", "nickName": "n"})).await;
    assert_eq!(status, 400);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("does not support nickName")
    );
    // Out of scope.
    let (status, body) = create_user(
        &s,
        json!({"userName": "c@contoso.com", "title": "Contractor"}),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("out of the scope")
    );
    // A PATCH that breaks a validator changes nothing.
    let id = user["id"].as_str().unwrap();
    let (status, _) = parts(
        send_json(
            s.scim(Method::PATCH, &format!("/Users/{id}")),
            &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "phoneNumbers[type eq \"work\"].value", "value": "555-1234"}]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    let (_, stored) = parts(
        s.scim(Method::GET, &format!("/Users/{id}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(stored.get("phoneNumbers").is_none());
    // Warn-only lets the same request through.
    plan["mode"] = json!("warnOnly");
    let (status, _) = admin_json(&s, Method::PUT, &base, Some(json!({"plan": plan}))).await;
    assert_eq!(status, 200);
    let (status, body) = create_user(
        &s,
        json!({"userName": "tz@contoso.com", "timezone": "europe/paris"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
async fn brownfield_users_imported_over_the_admin_api_are_linked_by_the_first_post() {
    let s = TestServer::start().await;
    let csv = "userName,emails[type eq \"work\"].value\nE1001,bjensen@contoso.com\n";
    let (status, report) = parts(
        s.admin(
            Method::POST,
            &format!("/api/configurations/{}/users/import", s.config.id),
        )
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!((status, &report["imported"]), (200, &json!(1)), "{report}");
    let (_, found) = parts(
        s.scim(Method::GET, "/Users?filter=userName%20eq%20%22E1001%22")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let imported_id = found["Resources"][0]["id"].as_str().unwrap().to_owned();
    let mut plan = template(&s).await;
    plan["matching"] = json!([{"attribute": "userName", "primary": true}, {"attribute": "emails[type eq \"work\"].value"}]);
    let (status, _) = admin_json(
        &s,
        Method::PUT,
        &format!("/api/configurations/{}/mapping", s.config.id),
        Some(json!({"plan": plan})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, linked) = create_user(
        &s,
        json!({"userName": "bjensen@contoso.com", "emails": [{"type": "work", "value": "bjensen@contoso.com"}]}),
    )
    .await;
    assert_eq!(status, 201, "{linked}");
    assert_eq!(
        linked["id"],
        imported_id.as_str(),
        "the imported user, not a duplicate"
    );
    let (_, all) = parts(s.scim(Method::GET, "/Users?count=0").send().await.unwrap()).await;
    assert_eq!(all["totalResults"], 1);
    let (status, body) = parts(
        s.admin(
            Method::POST,
            &format!("/api/configurations/{}/users/import", s.config.id),
        )
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 415, "{body}");
}

#[tokio::test]
async fn custom_fields_are_discoverable_in_schemas_and_resource_types() {
    let s = TestServer::start().await;
    let urn = "urn:scim-console:params:scim:schemas:extension:default:2.0:User";
    let (_, before) = parts(s.scim(Method::GET, "/Schemas").send().await.unwrap()).await;
    assert!(!before.to_string().contains(urn));
    let mut plan = template(&s).await;
    plan["fields"].as_array_mut().unwrap().push(json!({"name": "badge", "custom": true, "type": "string", "description": "Badge number", "validators": [{"kind": "required"}]}));
    plan["rules"].as_array_mut().unwrap().push(json!({"target": "badge", "source": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"}));
    let (status, saved) = admin_json(
        &s,
        Method::PUT,
        &format!("/api/configurations/{}/mapping", s.config.id),
        Some(json!({"plan": plan})),
    )
    .await;
    assert_eq!(status, 200, "{saved}");
    let (status, schema) = parts(
        s.scim(Method::GET, &format!("/Schemas/{urn}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{schema}");
    assert_eq!(schema["attributes"][0]["name"], "badge");
    assert_eq!(schema["attributes"][0]["required"], true);
    assert_eq!(schema["attributes"][0]["description"], "Badge number");
    let (_, user_type) = parts(
        s.scim(Method::GET, "/ResourceTypes/User")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let extensions = user_type["schemaExtensions"].as_array().unwrap();
    assert!(
        extensions
            .iter()
            .any(|e| e["schema"] == urn && e["required"] == false),
        "{user_type}"
    );
}

#[tokio::test]
async fn every_provider_template_is_a_plan_that_validates_saves_and_runs_an_idp_user() {
    let s = TestServer::start().await;
    // The names the UI offers, in the case it spells them.
    for (name, provider) in [
        ("entra", "entra"),
        ("okta", "okta"),
        ("onelogin", "oneLogin"),
        ("oneLogin", "oneLogin"),
        ("google", "google"),
    ] {
        let (status, plan) = admin_json(
            &s,
            Method::GET,
            &format!("/api/mapping/template?provider={name}"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{name}: {plan}");
        assert_eq!(plan["provider"]["provider"], provider, "{name}");
        assert!(!plan["rules"].as_array().unwrap().is_empty(), "{name}");
        let (status, checked) = admin_json(
            &s,
            Method::POST,
            &format!("/api/configurations/{}/mapping/validate", s.config.id),
            Some(plan.clone()),
        )
        .await;
        assert_eq!(
            (status, &checked["valid"]),
            (200, &json!(true)),
            "{name}: {checked}"
        );
        let (status, saved) = admin_json(
            &s,
            Method::PUT,
            &format!("/api/configurations/{}/mapping", s.config.id),
            Some(json!({"plan": plan, "comment": name})),
        )
        .await;
        assert_eq!(status, 200, "{name}: {saved}");
        // The sample tester's "IdP user" mode runs a source user through the saved plan.
        let (status, run) = admin_json(
            &s,
            Method::POST,
            &format!("/api/configurations/{}/mapping/test", s.config.id),
            Some(json!({"source": {}})),
        )
        .await;
        assert_eq!(status, 200, "{name}: {run}");
        assert!(run["request"].is_object(), "{name}: {run}");
    }
    let (status, plan) = admin_json(&s, Method::GET, "/api/mapping/template", None).await;
    assert_eq!(status, 200);
    assert!(plan.get("provider").is_none_or(Value::is_null), "{plan}");
    let (status, _) =
        admin_json(&s, Method::GET, "/api/mapping/template?provider=ping", None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_source_user_is_run_through_the_providers_mappings_then_the_plan() {
    let s = TestServer::start().await;
    let (status, entra) = admin_json(&s, Method::GET, "/api/mapping/providers/entra", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        entra["mappings"][0],
        json!({"source": "[userPrincipalName]", "scim": "userName"})
    );
    let (status, okta) = admin_json(&s, Method::GET, "/api/mapping/providers/okta", None).await;
    assert_eq!((status, &okta["provider"]), (200, &json!("okta")));
    let (status, _) = admin_json(&s, Method::GET, "/api/mapping/providers/ping", None).await;
    assert_eq!(status, 404);
    let mut plan = template(&s).await;
    plan["provider"] = entra;
    // The userName rule upper-cases, to see the trial's trace.
    let rule = plan["rules"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["target"] == "userName")
        .unwrap();
    rule["transforms"] = json!([{"kind": "uppercase"}]);
    let source = json!({
        "userPrincipalName": "zoe@contoso.com", "IsSoftDeleted": "False", "mail": "zoe@contoso.com",
        "preferredLanguage": "en-US", "telephoneNumber": "+1 415 555 2671", "givenName": "Zoë", "surname": "Smith"
    });
    let (status, run) = admin_json(
        &s,
        Method::POST,
        &format!("/api/configurations/{}/mapping/test", s.config.id),
        Some(json!({"plan": plan, "source": source})),
    )
    .await;
    assert_eq!(status, 200, "{run}");
    assert_eq!(run["request"]["userName"], "zoe@contoso.com");
    assert_eq!(run["request"]["active"], true);
    assert_eq!(run["passed"], false);
    let verdict = |field: &str| {
        run["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["field"] == field)
            .map(|f| f["verdicts"][0].clone())
            .unwrap()
    };
    assert!(
        verdict("preferredLanguage")["message"]
            .as_str()
            .unwrap()
            .contains("send the language alone, \"en\"")
    );
    assert!(
        verdict("phoneNumbers[type eq \"work\"].value")["message"]
            .as_str()
            .unwrap()
            .contains("+14155552671")
    );
    // Each field says what was read and what each transform made of it.
    let user_name = run["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "userName")
        .unwrap();
    assert_eq!(user_name["read"], "zoe@contoso.com", "{user_name}");
    assert_eq!(
        user_name["steps"],
        json!([{"transform": "uppercase", "before": "zoe@contoso.com", "after": "ZOE@CONTOSO.COM"}])
    );
}

async fn logged(s: &TestServer, query: &str) -> Vec<Value> {
    // The log is written in the background: wait for the record.
    for _ in 0..200 {
        let (status, page) = admin_json(s, Method::GET, &format!("/api/logs?{query}"), None).await;
        assert_eq!(status, 200);
        let entries = page["entries"].as_array().unwrap().clone();
        if !entries.is_empty() {
            return entries;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("no log record for {query}");
}

#[tokio::test]
async fn samples_are_picked_from_the_provisioning_log() {
    let s = TestServer::start().await;
    let base = format!("/api/configurations/{}/mapping", s.config.id);
    let plan = template(&s).await;
    let (status, _) = admin_json(&s, Method::PUT, &base, Some(json!({"plan": plan}))).await;
    assert_eq!(status, 200);
    // A create the plan refuses (and whose password is redacted in the log) …
    let (status, _) = create_user(
        &s,
        json!({"userName": "tz@contoso.com", "timezone": "europe/paris", "password": "t1meMa$heen"}),
    )
    .await;
    assert_eq!(status, 400);
    // … and a PATCH it refuses.
    let (status, user) = create_user(&s, json!({"userName": "ok@contoso.com"})).await;
    assert_eq!(status, 201);
    let id = user["id"].as_str().unwrap();
    let (status, _) = parts(
        send_json(
            s.scim(Method::PATCH, &format!("/Users/{id}")),
            &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "phoneNumbers[type eq \"work\"].value", "value": "555-1234"}]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    let create = logged(&s, "operation=create&outcome=failure").await[0]["seq"].clone();
    let patch = logged(&s, "operation=update&outcome=failure").await[0]["seq"].clone();

    let (status, run) = admin_json(
        &s,
        Method::POST,
        &format!("{base}/test"),
        Some(json!({"logEntry": create})),
    )
    .await;
    assert_eq!(status, 200, "{run}");
    assert_eq!(run["passed"], false);
    let field = |run: &Value, name: &str| {
        run["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["field"] == name)
            .cloned()
            .unwrap()
    };
    let timezone = field(&run, "timezone");
    assert_eq!(timezone["value"], "europe/paris");
    assert!(timezone["verdicts"][0]["message"].is_string(), "{timezone}");
    assert_eq!(run["request"]["userName"], "tz@contoso.com");
    assert!(run["request"].get("password").is_none());
    assert!(
        run["notes"][0].as_str().unwrap().contains("password"),
        "{run}"
    );

    // The PATCH is replayed on the user as stored now.
    let (status, run) = admin_json(
        &s,
        Method::POST,
        &format!("{base}/test"),
        Some(json!({"logEntry": patch})),
    )
    .await;
    assert_eq!(status, 200, "{run}");
    assert_eq!(run["passed"], false);
    assert_eq!(run["request"]["userName"], "ok@contoso.com");
    let phone = field(&run, "phoneNumbers[type eq \"work\"].value");
    assert_eq!(phone["value"], "555-1234");
    assert!(run["notes"][0].as_str().unwrap().contains(id), "{run}");

    // A plan without the time-zone validator lets the logged create pass.
    let mut relaxed = plan.clone();
    for f in relaxed["fields"].as_array_mut().unwrap() {
        if f["name"] == "timezone" {
            f["validators"] = json!([]);
        }
    }
    let (status, run) = admin_json(
        &s,
        Method::POST,
        &format!("{base}/test"),
        Some(json!({"logEntry": create, "plan": relaxed})),
    )
    .await;
    assert_eq!((status, run["passed"].clone()), (200, json!(true)), "{run}");

    // Records that hold no user, or none at all, say so.
    let (status, query) = parts(s.scim(Method::GET, "/Users").send().await.unwrap()).await;
    assert_eq!(status, 200, "{query}");
    let query = logged(&s, "operation=query").await[0]["seq"].clone();
    let (status, body) = admin_json(
        &s,
        Method::POST,
        &format!("{base}/test"),
        Some(json!({"logEntry": query})),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("is not a user create, replace or patch"),
        "{body}"
    );
    let (status, _) = admin_json(
        &s,
        Method::POST,
        &format!("{base}/test"),
        Some(json!({"logEntry": 999_999})),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn every_deprovisioning_form_goes_through_a_plan_every_stored_user_fails() {
    let s = TestServer::start().await;
    // Provisioned while no plan existed, with work phones the default plan's E.164 validator
    // refuses; then the plan is saved.
    let mut ids = Vec::new();
    for i in 0..6 {
        let (status, user) = create_user(
            &s,
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                   "userName": format!("leaver{i}@contoso.com"), "active": true,
                   "phoneNumbers": [{"type": "work", "value": "425 555 0100"}]}),
        )
        .await;
        assert_eq!(status, 201, "{user}");
        ids.push(user["id"].as_str().unwrap().to_owned());
    }
    let plan = template(&s).await;
    // Before saving, the console says what the plan makes of the users already stored.
    let (status, impact) = admin_json(
        &s,
        Method::POST,
        &format!("/api/configurations/{}/mapping/impact", s.config.id),
        Some(plan.clone()),
    )
    .await;
    assert_eq!(status, 200, "{impact}");
    assert_eq!(
        (impact["users"].as_u64(), impact["failing"].as_u64()),
        (Some(6), Some(6)),
        "{impact}"
    );
    assert_eq!(impact["examples"].as_array().unwrap().len(), 5, "{impact}");
    assert!(
        impact["examples"][0]["problems"][0]
            .as_str()
            .unwrap()
            .contains("E.164"),
        "{impact}"
    );
    let (status, saved) = admin_json(
        &s,
        Method::PUT,
        &format!("/api/configurations/{}/mapping", s.config.id),
        Some(json!({"plan": plan, "comment": "E.164 phones"})),
    )
    .await;
    assert_eq!(status, 200, "{saved}");
    // The version history keeps the count.
    assert_eq!(saved["saved"]["failingUsers"], 6, "{saved}");
    let (_, versions) = admin_json(
        &s,
        Method::GET,
        &format!("/api/configurations/{}/mapping/versions", s.config.id),
        None,
    )
    .await;
    assert_eq!(versions[0]["failingUsers"], 6, "{versions}");
    // The plan bites: a create like them is refused.
    let (status, refused) = create_user(
        &s,
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "new@contoso.com",
               "phoneNumbers": [{"type": "work", "value": "425 555 0100"}]}),
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    let patch = |operations: Value| json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations});
    let forms: [(&str, Method, Value); 5] = [
        (
            "PATCH active false",
            Method::PATCH,
            patch(json!([{"op": "replace", "path": "active", "value": false}])),
        ),
        (
            "Entra's PATCH \"False\"",
            Method::PATCH,
            patch(json!([{"op": "Replace", "path": "active", "value": "False"}])),
        ),
        (
            "PATCH \"false\"",
            Method::PATCH,
            patch(json!([{"op": "replace", "path": "active", "value": "false"}])),
        ),
        (
            "Okta's path-less PATCH",
            Method::PATCH,
            patch(json!([{"op": "replace", "value": {"active": false}}])),
        ),
        (
            "PUT with active false",
            Method::PUT,
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "leaver4@contoso.com",
                   "active": false, "phoneNumbers": [{"type": "work", "value": "425 555 0100"}]}),
        ),
    ];
    for ((what, method, body), id) in forms.into_iter().zip(&ids) {
        let (status, answer) =
            parts(send_json(s.scim(method, &format!("/Users/{id}")), &body).await).await;
        assert!(status == 200 || status == 204, "{what}: {status} {answer}");
        let (_, read) = parts(
            s.scim(Method::GET, &format!("/Users/{id}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(read["active"], false, "{what}: {read}");
    }
    let response = s
        .scim(Method::DELETE, &format!("/Users/{}", ids[5]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 204);
    // The log says what the plan would have refused (records are written in the background).
    let mut put = Value::Null;
    for _ in 0..250 {
        let (status, page) = admin_json(
            &s,
            Method::GET,
            &format!("/api/logs?configuration={}&limit=100", s.config.id),
            None,
        )
        .await;
        assert_eq!(status, 200);
        if let Some(found) = page["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["method"] == "PUT")
        {
            put = found.clone();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(
        put["detail"]
            .as_str()
            .is_some_and(|d| d.contains("deactivation always goes through")),
        "{put}"
    );
    s.stop().await;
}

#[tokio::test]
async fn the_expression_test_box_tries_an_expression_on_a_value() {
    let s = TestServer::start().await;
    let (status, tried) = admin_json(
        &s,
        Method::POST,
        "/api/mapping/expression",
        Some(json!({"expression": "Item(Split([value], \"-\"), 1)", "value": "en-US"})),
    )
    .await;
    assert_eq!(status, 200, "{tried}");
    assert_eq!(tried["result"], "en");
    // A mistake is an answer that says where, not a failed request.
    let (status, wrong) = admin_json(
        &s,
        Method::POST,
        "/api/mapping/expression",
        Some(json!({"expression": "Splt([value], \"-\")", "value": "en-US"})),
    )
    .await;
    assert_eq!(status, 200, "{wrong}");
    assert!(wrong["result"].is_null(), "{wrong}");
    assert!(
        wrong["error"].as_str().unwrap().contains("Split"),
        "{wrong}"
    );
    assert!(wrong["pointer"].as_str().unwrap().contains('^'), "{wrong}");
    let (status, error) = admin_json(
        &s,
        Method::POST,
        "/api/mapping/expression",
        Some(json!({"expression": "x".repeat(5_000), "value": ""})),
    )
    .await;
    assert_eq!(status, 400, "{error}");
    let (status, functions) = admin_json(&s, Method::GET, "/api/mapping/functions", None).await;
    assert_eq!(status, 200);
    assert!(
        functions
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "Split" && f["arguments"].as_str().is_some()),
        "{functions}"
    );
}

#[tokio::test]
async fn a_plan_that_does_not_fit_the_format_is_validated_as_one_finding_where_it_is() {
    let s = TestServer::start().await;
    let mut plan = template(&s).await;
    plan["rules"][1]["apply"] = json!("sometimes");
    let (status, checked) = admin_json(
        &s,
        Method::POST,
        &format!("/api/configurations/{}/mapping/validate", s.config.id),
        Some(plan.clone()),
    )
    .await;
    assert_eq!(status, 200, "{checked}");
    assert_eq!(checked["valid"], false);
    let findings = checked["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{checked}");
    assert_eq!(findings[0]["severity"], "error");
    assert_eq!(findings[0]["location"], "/rules/1/apply");
    assert!(
        findings[0]["message"]
            .as_str()
            .unwrap()
            .contains("`sometimes`"),
        "{checked}"
    );
    // Saving it is still refused.
    let (status, _) = admin_json(
        &s,
        Method::PUT,
        &format!("/api/configurations/{}/mapping", s.config.id),
        Some(json!({"plan": plan, "comment": "bad"})),
    )
    .await;
    assert_eq!(status, 400);
}
