//! Mapping-plan templates: whole plans for a kind of target, picked when a configuration is
//! created (`planTemplate` in the admin API, `config create --plan-template`, the Configure
//! drawer) or loaded into the plan editor.
//!
//! - `standard`: every common SCIM attribute accepted, userName required and unique.
//! - `xMatters`: the supported-attribute table of xMatters' Entra ID provisioning guide — the
//!   attributes it lists and nothing else (EnterpriseUser refused), `Work Email` / `Work Phone`
//!   custom types, E.164 phone numbers, IANA time zones, the language split, primary roles
//!   that must exist, a unique userName and an immutable `externalId`.

use serde::{Deserialize, Serialize};

use super::plan::{
    ApplyOn, Field, FieldType, GroupRules, Matching, Mode, PLAN_FORMAT, Plan, Rule, Scoping,
    Transform, Unsupported,
};
use super::validators::Validator;

/// A built-in plan template.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PlanTemplate {
    /// Every common SCIM attribute ([`Plan::default_users`]).
    Standard,
    /// xMatters' supported attributes, as its Entra ID guide lists them.
    #[serde(rename = "xMatters")]
    XMatters,
}

/// The roles a new xMatters instance defines; an admin edits the list to the instance's own.
pub const XMATTERS_ROLES: [&str; 7] = [
    "Standard User",
    "Group Supervisor",
    "Person Supervisor",
    "Full Access User",
    "Company Admin",
    "Developer",
    "No Access User",
];

impl PlanTemplate {
    /// Every template, in display order.
    pub const ALL: [Self; 2] = [Self::Standard, Self::XMatters];

    /// Its name, as in the admin API and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::XMatters => "xMatters",
        }
    }

    /// The template a name stands for (any case).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(name))
    }

    /// A title for people.
    pub fn title(self) -> &'static str {
        match self {
            Self::Standard => "Standard SCIM user",
            Self::XMatters => "xMatters",
        }
    }

    /// What it holds, in a sentence or two.
    pub fn description(self) -> &'static str {
        match self {
            Self::Standard => {
                "Every common SCIM user attribute and the enterprise extension; userName required and unique, emails, phone numbers (E.164), time zones and languages checked."
            }
            Self::XMatters => {
                "The attributes xMatters' Entra ID guide lists and nothing else (EnterpriseUser and any other attribute refused): Work Email / Work Phone types, phone numbers in E.164, IANA time zones, preferredLanguage split at '-' (en-US → en), a primary role from the roles your instance defines, a unique userName and an immutable externalId."
            }
        }
    }

    /// The plan.
    pub fn plan(self) -> Plan {
        match self {
            Self::Standard => Plan::default_users(),
            Self::XMatters => xmatters(),
        }
    }
}

impl std::fmt::Display for PlanTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn field(name: &str, kind: FieldType, description: &str, validators: Vec<Validator>) -> Field {
    Field {
        name: name.to_owned(),
        kind,
        custom: false,
        secret: false,
        immutable: false,
        description: description.to_owned(),
        validators,
    }
}

fn direct(name: &str) -> Rule {
    Rule {
        target: name.to_owned(),
        source: name.to_owned(),
        transforms: Vec::new(),
        default: None,
        apply: ApplyOn::Always,
    }
}

/// xMatters' supported-attribute table (seed 001), one field per row.
fn xmatters_fields() -> Vec<Field> {
    use FieldType::{Boolean, String};
    let mut external_id = field(
        "externalId",
        String,
        "An immutable ID that uniquely identifies the user in Entra ID.",
        vec![Validator::Unique],
    );
    external_id.immutable = true;
    vec![
        field(
            "userName",
            String,
            "Must be a unique value for each user resource.",
            vec![Validator::Required, Validator::Unique],
        ),
        external_id,
        field("active", Boolean, "", vec![]),
        field("name.givenName", String, "", vec![]),
        field("name.familyName", String, "", vec![]),
        field(
            "preferredLanguage",
            String,
            "Must match a language configured in xMatters: the two-character code or the full name (en-US arrives as en).",
            vec![Validator::Language {
                allowed: Vec::new(),
            }],
        ),
        field(
            "timezone",
            String,
            "Must match a time zone configured in xMatters.",
            vec![Validator::TimeZone],
        ),
        field(
            "password",
            String,
            "Must match xMatters' password policy, if enabled.",
            vec![],
        ),
        field(
            "roles[type eq \"Primary\"].value",
            String,
            "Must name a role defined in xMatters before syncing: edit the list to your instance's roles.",
            vec![Validator::OneOf {
                values: XMATTERS_ROLES.iter().map(|r| (*r).to_owned()).collect(),
                case_sensitive: false,
            }],
        ),
        field(
            "emails[type eq \"Work Email\"].value",
            String,
            "Must be a valid email address.",
            vec![Validator::Email],
        ),
        field(
            "emails[type eq \"Home Email\"].value",
            String,
            "An additional email device.",
            vec![Validator::Email],
        ),
        field(
            "phoneNumbers[type eq \"Work Phone\"].value",
            String,
            "In E.164 format (+14155550123).",
            vec![Validator::E164],
        ),
        field(
            "phoneNumbers[type eq \"Home Phone\"].value",
            String,
            "An additional phone number, in E.164 format.",
            vec![Validator::E164],
        ),
    ]
}

/// xMatters' plan: its fields filled as sent (the language split), nothing else accepted.
fn xmatters() -> Plan {
    let fields = xmatters_fields();
    let rules = fields
        .iter()
        .map(|f| {
            let mut rule = direct(&f.name);
            if f.name == "preferredLanguage" {
                rule.transforms.push(Transform::Expression {
                    expression: "Item(Split([value], \"-\"), 1)".into(),
                });
            }
            rule
        })
        .collect();
    Plan {
        format: PLAN_FORMAT,
        fields,
        rules,
        unsupported: Unsupported::Reject,
        mode: Mode::Enforce,
        matching: vec![
            Matching {
                attribute: "userName".into(),
                primary: true,
            },
            Matching {
                attribute: "externalId".into(),
                primary: false,
            },
        ],
        match_local_part: false,
        scoping: Scoping::default(),
        provider: None,
        groups: GroupRules::default(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::mapping::plan::{Operation, Severity};

    fn schema() -> scim::ResourceSchema {
        scim::schema::SchemaRegistry::standard().user().clone()
    }

    #[test]
    fn every_template_compiles_without_errors_and_names_round_trip() {
        for template in PlanTemplate::ALL {
            let (compiled, findings) = template.plan().compile(&schema());
            assert!(compiled.is_some(), "{template}: {findings:?}");
            assert!(
                findings.iter().all(|f| f.severity != Severity::Error),
                "{template}: {findings:?}"
            );
            assert_eq!(PlanTemplate::parse(template.as_str()), Some(template));
            assert_eq!(
                serde_json::to_value(template).unwrap(),
                json!(template.as_str())
            );
        }
        assert_eq!(
            PlanTemplate::parse("XMATTERS"),
            Some(PlanTemplate::XMatters)
        );
        assert_eq!(PlanTemplate::parse("sap"), None);
    }

    #[test]
    fn xmatters_template_holds_the_documents_rules() {
        let schema = schema();
        let plan = PlanTemplate::XMatters.plan();
        let compiled = plan.compile(&schema).0.unwrap();
        let good = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "ada@contoso.com", "externalId": "3f1c", "active": true,
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "preferredLanguage": "en-US", "timezone": "Europe/London",
            "roles": [{"type": "Primary", "value": "standard user"}],
            "emails": [{"type": "Work Email", "value": "ada@contoso.com"}],
            "phoneNumbers": [{"type": "Work Phone", "value": "+442071234567"}]
        });
        let evaluation = compiled.evaluate(good.as_object().unwrap(), Operation::Create, &schema);
        assert!(evaluation.passed(&plan), "{evaluation:?}");
        let language = evaluation
            .fields
            .iter()
            .find(|f| f.field == "preferredLanguage")
            .unwrap();
        assert_eq!(language.value, json!("en"));
        // Each rule of the table refuses what it should.
        let mut bad = good.clone();
        bad["roles"][0]["value"] = json!("Wizard");
        bad["phoneNumbers"][0]["value"] = json!("020 7123 4567");
        bad["timezone"] = json!("London time");
        bad["emails"][0]["value"] = json!("ada at contoso");
        let evaluation = compiled.evaluate(bad.as_object().unwrap(), Operation::Create, &schema);
        let failed: Vec<&str> = evaluation
            .fields
            .iter()
            .filter(|f| f.verdicts.iter().any(|v| !v.passed))
            .map(|f| f.field.as_str())
            .collect();
        assert_eq!(
            failed,
            [
                "timezone",
                "roles[type eq \"Primary\"].value",
                "emails[type eq \"Work Email\"].value",
                "phoneNumbers[type eq \"Work Phone\"].value"
            ]
        );
        // EnterpriseUser is not supported, and the plan refuses what it does not support.
        let mut enterprise = good.clone();
        enterprise["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] =
            json!({"department": "Ops"});
        let evaluation =
            compiled.evaluate(enterprise.as_object().unwrap(), Operation::Create, &schema);
        assert_eq!(
            evaluation.unsupported,
            ["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"]
        );
        assert_eq!(plan.unsupported, Unsupported::Reject);
        assert!(!evaluation.passed(&plan));
        // userName unique and required, externalId immutable.
        let by_name = |name: &str| plan.fields.iter().find(|f| f.name == name).unwrap();
        assert!(by_name("userName").validators.contains(&Validator::Unique));
        assert!(by_name("externalId").immutable);
    }
}
