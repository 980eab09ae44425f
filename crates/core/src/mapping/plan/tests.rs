//! Plans: static findings, evaluation field by field, shaping the stored resource.

use scim::SchemaRegistry;
use serde_json::json;

use super::*;

fn registry() -> SchemaRegistry {
    SchemaRegistry::standard()
}

fn xmatters() -> Plan {
    // The xMatters target of the seeds: roles that must exist, E.164 phones, languages, time
    // zones, "Work Email" typed emails; EnterpriseUser unsupported.
    let mut plan = Plan::default_users();
    let roles = plan
        .fields
        .iter_mut()
        .find(|f| f.name == "roles[primary eq true].value")
        .unwrap();
    roles.description = "must name an existing xMatters role".into();
    roles.validators = vec![Validator::OneOf {
        values: vec!["Standard User".into(), "Company Supervisor".into()],
        case_sensitive: false,
    }];
    plan.rules
        .iter_mut()
        .find(|r| r.target == "roles[primary eq true].value")
        .unwrap()
        .default = Some(json!("Standard User"));
    // Languages arrive as en-US: keep the language only.
    let language = plan
        .rules
        .iter_mut()
        .find(|r| r.target == "preferredLanguage")
        .unwrap();
    language.transforms.push(Transform::Expression {
        expression: r#"Item(Split([value], "-"), 1)"#.into(),
    });
    plan.fields.push(Field {
        name: "badge".into(),
        kind: FieldType::String,
        custom: true,
        secret: false,
        immutable: false,
        description: "the badge number".into(),
        validators: vec![Validator::Pattern {
            regex: "[0-9]{4,8}".into(),
        }],
    });
    plan.rules.push(Rule {
        target: "badge".into(),
        source: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber".into(),
        transforms: vec![Transform::Trim],
        default: None,
        apply: ApplyOn::Create,
    });
    plan
}

#[test]
fn the_default_plan_and_a_realistic_one_compile_clean() {
    let registry = registry();
    for plan in [Plan::default_users(), xmatters()] {
        let (compiled, findings) = plan.compile(registry.user());
        assert!(compiled.is_some(), "{findings:#?}");
        assert!(
            findings.iter().all(|f| f.severity == Severity::Warning),
            "{findings:#?}"
        );
    }
}

#[test]
fn static_validation_finds_each_mistake_where_it_is() {
    let mut plan = xmatters();
    plan.rules[0].source = "userNme".into();
    plan.rules.push(Rule {
        target: "nickName".into(),
        source: "nickName".into(),
        transforms: vec![Transform::Expression {
            expression: "Splitt([value], \",\")".into(),
        }],
        default: None,
        apply: ApplyOn::Always,
    });
    plan.rules.push(Rule {
        target: "title".into(),
        source: "title".into(),
        transforms: vec![Transform::Expression {
            expression: "ToUpper([department])".into(),
        }],
        default: None,
        apply: ApplyOn::Always,
    });
    plan.fields.push(Field {
        name: "costCentre".into(),
        kind: FieldType::String,
        custom: false,
        secret: false,
        immutable: false,
        description: String::new(),
        validators: vec![Validator::Required],
    });
    plan.fields[1].validators.push(Validator::OneOf {
        values: vec![],
        case_sensitive: false,
    });
    plan.matching.push(Matching {
        attribute: "externalId".into(),
        primary: true,
    });
    plan.scoping.users.push(ScopeRule {
        effect: ScopeEffect::Include,
        filter: "department eq".into(),
    });
    let (compiled, findings) = plan.compile(registry().user());
    assert!(compiled.is_none());
    let at = |location: &str| {
        findings
            .iter()
            .find(|f| f.location == location)
            .unwrap_or_else(|| panic!("no finding at {location}: {findings:#?}"))
    };
    assert!(
        at("/rules/0/source")
            .message
            .contains("userNme is not an attribute")
    );
    assert!(
        at("/rules/27/target")
            .message
            .contains("nickName is not a field")
    );
    let expression = at("/rules/27/transforms/0/expression");
    assert!(
        expression.message.contains("did you mean Split?"),
        "{expression:?}"
    );
    assert!(
        expression.fix.contains("^^^^^^"),
        "the fix points at the error: {expression:?}"
    );
    assert!(
        at("/rules/28/transforms/0/expression")
            .message
            .contains("not [department]")
    );
    assert!(
        at("/fields/27/name")
            .message
            .contains("costCentre is not an attribute")
    );
    assert!(
        at("/fields/27")
            .message
            .contains("required field costCentre has no rule")
    );
    assert!(at("/fields/1/validators/0").message.contains("empty"));
    assert!(at("/matching").message.contains("exactly one"));
    assert!(at("/scoping/users/0/filter").severity == Severity::Error);
    assert!(findings.iter().all(|f| !f.fix.is_empty()));
    // Errors come first.
    assert_eq!(findings[0].severity, Severity::Error);
}

#[test]
fn evaluation_reports_every_field_and_verdict() {
    let registry = registry();
    let (compiled, _) = xmatters().compile(registry.user());
    let compiled = compiled.unwrap();
    let entra = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "userName": "Test_User_1@contoso.com",
        "active": true,
        "name": {"givenName": "Test", "familyName": "User"},
        "preferredLanguage": "en-US",
        "timezone": "europe/paris",
        "emails": [{"type": "work", "value": "test.user@contoso.com", "primary": true}],
        "phoneNumbers": [{"type": "work", "value": "+1 415 555 2671"}, {"type": "mobile", "value": "+14155552671"}],
        "nickName": "Testy",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": " 701984 ", "department": "Ops"}
    });
    let resource = entra.as_object().unwrap();
    let eval = compiled.evaluate(resource, Operation::Create, registry.user());
    let field = |name: &str| eval.fields.iter().find(|f| f.field == name).unwrap();
    assert_eq!(field("preferredLanguage").value, json!("en"));
    assert!(field("preferredLanguage").verdicts.iter().all(|v| v.passed));
    let tz = &field("timezone").verdicts[0];
    assert!(!tz.passed && tz.message.as_deref().unwrap().contains("Europe/Paris"));
    let work_phone = &field("phoneNumbers[type eq \"work\"].value").verdicts[0];
    assert!(
        !work_phone.passed
            && work_phone
                .message
                .as_deref()
                .unwrap()
                .contains("+14155552671")
    );
    assert!(field("phoneNumbers[type eq \"mobile\"].value").verdicts[0].passed);
    assert_eq!(
        field("roles[primary eq true].value").value,
        json!("Standard User"),
        "the default"
    );
    assert_eq!(
        field("badge").value,
        json!("701984"),
        "trimmed, from the enterprise extension"
    );
    assert_eq!(field("userName").verdicts.len(), 2);
    assert_eq!(eval.unsupported, ["nickName"]);
    assert!(eval.in_scope);
    assert!(!eval.passed(compiled.plan()));
    // On update, create-only rules do not run.
    let update = compiled.evaluate(resource, Operation::Update, registry.user());
    assert_eq!(
        update
            .fields
            .iter()
            .find(|f| f.field == "badge")
            .unwrap()
            .value,
        Value::Null
    );
}

#[test]
fn shaping_writes_transformed_and_custom_fields_and_drops_unsupported_ones() {
    let registry = registry();
    let (compiled, _) = xmatters().compile(registry.user());
    let compiled = compiled.unwrap();
    let incoming = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "a@contoso.com",
        "preferredLanguage": "fr-CA",
        "nickName": "dropped",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "1234", "department": "Ops"}
    });
    let resource = incoming.as_object().unwrap();
    let eval = compiled.evaluate(resource, Operation::Create, registry.user());
    let shaped = compiled
        .shape(
            resource,
            &eval,
            registry.user(),
            "urn:scim-console:params:scim:schemas:extension:test:2.0:User",
        )
        .unwrap();
    assert_eq!(shaped["preferredLanguage"], "fr");
    assert!(shaped.get("nickName").is_none());
    assert_eq!(
        shaped["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        json!({"employeeNumber": "1234", "department": "Ops"}),
        "the enterprise extension is a default field now"
    );
    assert_eq!(
        shaped["urn:scim-console:params:scim:schemas:extension:test:2.0:User"],
        json!({"badge": "1234"})
    );
    assert_eq!(
        shaped["roles"],
        json!([{"primary": true, "value": "Standard User"}])
    );
    assert!(shaped["schemas"].as_array().unwrap().contains(&json!(
        "urn:scim-console:params:scim:schemas:extension:test:2.0:User"
    )));
}

#[test]
fn scoping_filters_decide_who_is_in_scope() {
    let registry = registry();
    let mut plan = Plan::default_users();
    plan.scoping.users = vec![
        ScopeRule {
            effect: ScopeEffect::Include,
            filter:
                r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Ops""#
                    .into(),
        },
        ScopeRule {
            effect: ScopeEffect::Exclude,
            filter: r#"title eq "Contractor""#.into(),
        },
    ];
    let (compiled, findings) = plan.compile(registry.user());
    let compiled = compiled.unwrap_or_else(|| panic!("{findings:#?}"));
    let user = |dept: &str, title: &str| json!({"userName": "u", "title": title, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": dept}});
    let scope = |v: Value| {
        compiled
            .evaluate(v.as_object().unwrap(), Operation::Create, registry.user())
            .in_scope
    };
    assert!(scope(user("Ops", "Engineer")));
    assert!(!scope(user("Sales", "Engineer")));
    assert!(!scope(user("Ops", "Contractor")));
}

#[test]
fn plans_round_trip_as_json_and_refuse_unknown_fields() {
    let plan = xmatters();
    let text = serde_json::to_string_pretty(&plan).unwrap();
    let back: Plan = serde_json::from_str(&text).unwrap();
    assert_eq!(back, plan);
    let err = serde_json::from_str::<Plan>(r#"{"format": 1, "fieldz": []}"#).unwrap_err();
    assert!(err.to_string().contains("unknown field `fieldz`"), "{err}");
    let minimal: Plan = serde_json::from_str("{}").unwrap();
    assert_eq!(minimal.format, PLAN_FORMAT);
}

#[test]
fn diffs_name_what_changed_and_ignore_reordering() {
    let a = xmatters();
    let mut b = a.clone();
    b.mode = Mode::WarnOnly;
    b.rules.reverse();
    b.fields.retain(|f| f.name != "title");
    let language = b
        .rules
        .iter_mut()
        .find(|r| r.target == "preferredLanguage")
        .unwrap();
    language.transforms.clear();
    let changes = diff(&a, &b);
    let paths: Vec<&str> = changes.iter().map(|d| d.path.as_str()).collect();
    assert!(paths.contains(&"/mode"), "{paths:?}");
    assert!(paths.contains(&"/fields/title"), "{paths:?}");
    assert!(
        paths.contains(&"/rules/preferredLanguage/transforms/0"),
        "{paths:?}"
    );
    assert!(
        !paths.iter().any(|p| p.starts_with("/rules/userName")),
        "reordering is no change: {paths:?}"
    );
    let mode = changes.iter().find(|d| d.path == "/mode").unwrap();
    assert_eq!(
        (&mode.old, &mode.new),
        (&json!("enforce"), &json!("warnOnly"))
    );
    assert!(diff(&a, &a).is_empty());
}

#[test]
fn both_sides_of_the_connection_must_meet() {
    use crate::mapping::provider::{Provider, ProviderSide};
    let registry = registry();
    let mut plan = Plan::default_users();
    plan.provider = Some(ProviderSide::template(Provider::Entra));
    let (compiled, findings) = plan.compile(registry.user());
    assert!(compiled.is_some(), "{findings:#?}");
    let sent_not_read = findings
        .iter()
        .find(|f| {
            f.message
                .contains("sends phoneNumbers[type eq \"fax\"].value")
        })
        .unwrap_or_else(|| panic!("{findings:#?}"));
    assert_eq!(sent_not_read.severity, Severity::Warning);
    assert!(
        findings
            .iter()
            .any(|f| f.message.contains("do not send locale")),
        "{findings:#?}"
    );
    // Under `unsupported: reject`, what Entra sends and the plan does not read breaks every request.
    plan.unsupported = Unsupported::Reject;
    let (compiled, findings) = plan.compile(registry.user());
    assert!(compiled.is_none());
    assert!(findings.iter().any(|f| f.severity == Severity::Error && f.location.starts_with("/provider/mappings/")));
    // A provider expression that does not parse is an error at its mapping.
    let mut plan = Plan::default_users();
    let mut side = ProviderSide::template(Provider::Entra);
    side.mappings[0].source = "Splitt([userPrincipalName])".into();
    plan.provider = Some(side);
    let (_, findings) = plan.compile(registry.user());
    assert!(
        findings
            .iter()
            .any(|f| f.location == "/provider/mappings/0"
                && f.message.contains("did you mean Split?")),
        "{findings:#?}"
    );
}

#[test]
fn the_published_json_schema_matches_the_plan_types() {
    let generated = serde_json::to_string_pretty(&json_schema()).unwrap() + "\n";
    // The crate's directory as cargo gives it to the running test (not the one compiled in: a
    // build reused from another checkout would look for the file there).
    let dir = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned());
    let path = format!("{dir}/../../docs/mapping-plan.schema.json");
    if std::env::var_os("SCIM_CONSOLE_WRITE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let published = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        published == generated,
        "docs/mapping-plan.schema.json is out of date: run SCIM_CONSOLE_WRITE_SCHEMA=1 cargo test -p scim-console-core json_schema"
    );
    let schema = json_schema();
    assert_eq!(schema["title"], "Plan");
    assert_eq!(
        schema["additionalProperties"], false,
        "unknown fields are refused"
    );
    assert!(schema["properties"]["rules"].is_object());
    let text = schema.to_string();
    for kind in [
        "e164",
        "timeZone",
        "passwordPolicy",
        "normalizeDiacritics",
        "oneLogin",
    ] {
        assert!(text.contains(kind), "{kind}");
    }
}

#[test]
fn passwords_never_appear_in_evaluations() {
    let registry = registry();
    let mut plan = Plan::default_users();
    plan.fields
        .iter_mut()
        .find(|f| f.name == "password")
        .unwrap()
        .validators = vec![
        Validator::Pattern {
            regex: "[a-z]+".into(),
        },
        Validator::PasswordPolicy {
            min_length: 12,
            upper: true,
            lower: true,
            digit: true,
            symbol: false,
        },
    ];
    let (compiled, _) = plan.compile(registry.user());
    let compiled = compiled.unwrap();
    let user = json!({"userName": "a", "password": "Secret-Pass-1"});
    let eval = compiled.evaluate(
        user.as_object().unwrap(),
        Operation::Create,
        registry.user(),
    );
    let text = serde_json::to_string(&eval).unwrap();
    assert!(!text.contains("Secret-Pass-1"), "{text}");
    let password = eval.fields.iter().find(|f| f.field == "password").unwrap();
    assert_eq!(password.shown, json!("***"));
    assert!(
        password.verdicts[0]
            .message
            .as_deref()
            .unwrap()
            .contains("does not pass the pattern validator")
    );
}

#[test]
fn a_custom_field_marked_secret_is_judged_never_shown_never_kept() {
    let registry = registry();
    let mut plan = xmatters();
    plan.fields.push(Field {
        name: "pin".into(),
        kind: FieldType::String,
        custom: true,
        secret: true,
        immutable: false,
        description: "the door PIN".into(),
        validators: vec![Validator::Pattern {
            regex: "^[0-9]{4}$".into(),
        }],
    });
    plan.rules.push(Rule {
        target: "pin".into(),
        source: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter".into(),
        transforms: vec![],
        default: None,
        apply: ApplyOn::Always,
    });
    let (compiled, findings) = plan.compile(registry.user());
    let compiled = compiled.unwrap_or_else(|| panic!("{findings:#?}"));
    let secrets = compiled.secrets().unwrap();
    assert!(
        secrets.names_secret("urn:scim-console:params:scim:schemas:extension:default:2.0:User:PIN")
    );
    assert!(
        secrets.names_secret("password"),
        "the schemas' secrets stay"
    );
    let user = json!({
        "userName": "ada@contoso.com",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"costCenter": "86x42"}
    });
    let user = user.as_object().unwrap();
    let evaluation = compiled.evaluate(user, Operation::Create, registry.user());
    let pin = evaluation.fields.iter().find(|f| f.field == "pin").unwrap();
    assert_eq!(pin.shown, json!("***"));
    let message = pin.verdicts[0].message.clone().unwrap();
    assert!(!message.contains("86x42"), "{message}");
    assert!(!serde_json::to_string(pin).unwrap().contains("86x42"));
    let urn = "urn:scim-console:params:scim:schemas:extension:default:2.0:User";
    let shaped = compiled
        .shape(user, &evaluation, registry.user(), urn)
        .unwrap();
    assert!(
        shaped
            .get(urn)
            .is_none_or(|custom| custom.get("pin").is_none()),
        "{shaped:?}"
    );
    // A plan without secret fields adds nothing to the schemas' secrets.
    assert!(
        xmatters()
            .compile(registry.user())
            .0
            .unwrap()
            .secrets()
            .is_none()
    );
}

#[test]
fn only_custom_fields_with_names_of_their_own_can_be_secret() {
    let registry = registry();
    let mut plan = xmatters();
    plan.fields[0].secret = true;
    let at = "/fields/0/secret";
    let (_, findings) = plan.compile(registry.user());
    assert!(
        findings
            .iter()
            .any(|f| f.location == at && f.severity == Severity::Error),
        "{findings:#?}"
    );
    let mut plan = xmatters();
    let index = plan.fields.len();
    plan.fields.push(Field {
        name: "Value".into(),
        kind: FieldType::String,
        custom: true,
        secret: true,
        immutable: false,
        description: String::new(),
        validators: vec![],
    });
    let (compiled, findings) = plan.compile(registry.user());
    assert!(compiled.is_none());
    assert!(
        findings
            .iter()
            .any(|f| f.location == format!("/fields/{index}/name") && f.message.contains("Value")),
        "{findings:#?}"
    );
}

#[test]
fn a_trial_run_shows_each_transform_with_the_value_before_and_after() {
    let registry = registry();
    let (compiled, _) = xmatters().compile(registry.user());
    let compiled = compiled.unwrap();
    let user = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "Test_User_1@contoso.com",
        "preferredLanguage": "klingon"
    });
    let resource = user.as_object().unwrap();
    let traced = compiled.evaluate_traced(resource, Operation::Create, registry.user());
    let field = |name: &str| traced.fields.iter().find(|f| f.field == name).unwrap();
    let language = field("preferredLanguage");
    // "klingon" has no "-": the split keeps it whole, and the trace says what each step made.
    assert_eq!(language.read, Some(json!("klingon")));
    assert!(!language.steps.is_empty(), "{language:?}");
    assert_eq!(language.steps[0].before, json!("klingon"));
    assert_eq!(language.steps.last().unwrap().after, language.value);
    // The write path keeps no trace.
    let plain = compiled.evaluate(resource, Operation::Create, registry.user());
    assert!(
        plain
            .fields
            .iter()
            .all(|f| f.steps.is_empty() && f.read.is_none())
    );
}

#[test]
fn a_plan_that_does_not_fit_the_format_is_one_finding_where_it_is() {
    let mut plan = serde_json::to_value(Plan::default_users()).unwrap();
    plan["mode"] = json!("sometimes");
    let found = read(plan).unwrap_err();
    assert_eq!(found.severity, Severity::Error);
    assert_eq!(found.location, "/mode");
    assert!(found.message.contains("`sometimes`"), "{}", found.message);
    assert!(found.message.contains("`warnOnly`"), "{}", found.message);

    let mut plan = serde_json::to_value(Plan::default_users()).unwrap();
    plan["rules"][2]["apply"] = json!(7);
    assert_eq!(read(plan).unwrap_err().location, "/rules/2/apply");

    // An unknown key is named where it stands, with the keys the format has.
    let mut plan = serde_json::to_value(Plan::default_users()).unwrap();
    plan["extra"] = json!(1);
    let found = read(plan).unwrap_err();
    assert_eq!(found.location, "/extra");
    assert!(found.message.contains("`matching`"), "{}", found.message);

    let plan = serde_json::to_value(Plan::default_users()).unwrap();
    assert_eq!(read(plan).unwrap(), Plan::default_users());
}
