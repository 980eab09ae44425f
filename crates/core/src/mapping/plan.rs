//! A mapping plan: the fields the target accepts (with validators), the rules that fill them
//! from SCIM attributes (with transforms, defaults and when they apply), what happens to SCIM
//! attributes the target does not support, how users are matched, and which are in scope.
//!
//! [`Plan::compile`] checks a plan statically and returns findings (severity, location as a JSON
//! pointer into the plan, message, fix); [`CompiledPlan::evaluate`] runs it over one SCIM
//! resource and reports, field by field, the value produced and every validator's verdict.

use scim::patch::{PatchOpKind, PatchOperation, PatchPath, PatchRequest};
use scim::schema::{AttributeType, Resolved};
use scim::{Filter, PatchRules, Resource, ResourceSchema};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::expression::{self, Expression};
use super::validators::{Compiled as CompiledValidator, Validator};

/// The plan format this version reads and writes.
pub const PLAN_FORMAT: u32 = 1;

fn format_version() -> u32 {
    PLAN_FORMAT
}

/// A mapping plan, as stored, exported and imported.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Plan {
    /// The plan format (1).
    #[serde(default = "format_version")]
    pub format: u32,
    /// The target's fields.
    #[serde(default)]
    pub fields: Vec<Field>,
    /// How the fields are filled.
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// What to do with SCIM attributes no rule reads.
    #[serde(default)]
    pub unsupported: Unsupported,
    /// Whether a failed validator refuses the request or is only recorded.
    #[serde(default)]
    pub mode: Mode,
    /// The attributes that identify a user in both systems, in order; exactly one is primary.
    #[serde(default)]
    pub matching: Vec<Matching>,
    /// Which users and groups are in scope.
    #[serde(default)]
    pub scoping: Scoping,
    /// The identity provider's side: the mappings entered in the provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<super::provider::ProviderSide>,
    /// What the target accepts of groups.
    #[serde(default)]
    pub groups: GroupRules,
}

/// What the target accepts of groups.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GroupRules {
    /// Validators of the group's `displayName`.
    #[serde(default)]
    pub display_name: Vec<Validator>,
    /// Whether a group may be a member of another group (many targets accept users only).
    #[serde(default = "yes")]
    pub nested_groups: bool,
}

fn yes() -> bool {
    true
}

impl Default for GroupRules {
    fn default() -> Self {
        Self {
            display_name: Vec::new(),
            nested_groups: true,
        }
    }
}

/// A field of the target.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Field {
    /// A SCIM path (`userName`, `emails[type eq "work"].value`, an enterprise URN path), or,
    /// with `custom`, the name of a field of the configuration's own extension schema.
    pub name: String,
    /// Its type.
    #[serde(rename = "type", default)]
    pub kind: FieldType,
    /// A field the admin added: exposed in `/Schemas` as an attribute of the custom extension.
    #[serde(default)]
    pub custom: bool,
    /// What it is, for people.
    #[serde(default)]
    pub description: String,
    /// Its validators.
    #[serde(default)]
    pub validators: Vec<Validator>,
}

/// A field's type.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum FieldType {
    /// Text.
    #[default]
    String,
    /// True or false.
    Boolean,
    /// A whole number.
    Integer,
    /// A date and time.
    DateTime,
}

/// How a field is filled.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rule {
    /// The field filled (a [`Field::name`]).
    pub target: String,
    /// The SCIM attribute path it reads (`emails[type eq "work"].value`).
    pub source: String,
    /// Transforms applied in order.
    #[serde(default)]
    pub transforms: Vec<Transform>,
    /// The value used when the source has none.
    #[serde(default)]
    pub default: Option<Value>,
    /// When the rule applies.
    #[serde(default)]
    pub apply: ApplyOn,
}

/// A transform of a text value.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum Transform {
    /// Lower case.
    Lowercase,
    /// Upper case.
    Uppercase,
    /// Without leading and trailing white space.
    Trim,
    /// Without diacritics (`Zoë` → `Zoe`).
    NormalizeDiacritics,
    /// Without spaces.
    StripSpaces,
    /// An Entra-style expression where `[value]` is the value (`Item(Split([value], "-"), 1)`).
    Expression {
        /// The expression.
        expression: String,
    },
}

/// When a rule applies.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum ApplyOn {
    /// On creation and every update.
    #[default]
    Always,
    /// Only when the resource is created.
    Create,
    /// Only on updates.
    Update,
}

/// What happens to SCIM attributes that no rule reads.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum Unsupported {
    /// Refuse the request, naming the attribute.
    Reject,
    /// Drop them and record a warning.
    #[default]
    Ignore,
}

/// Whether validators refuse requests.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum Mode {
    /// A failed validator refuses the request (400 `invalidValue`).
    #[default]
    Enforce,
    /// A failed validator is recorded as a warning; the request goes through.
    WarnOnly,
}

/// A matching attribute.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Matching {
    /// The SCIM path (`userName`, `externalId`, `emails[type eq "work"].value`, an enterprise
    /// `employeeNumber`).
    pub attribute: String,
    /// The one attribute tried first and required.
    #[serde(default)]
    pub primary: bool,
}

/// Scoping of users and groups.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Scoping {
    /// Filters on users: in scope when every include matches and no exclude does.
    #[serde(default)]
    pub users: Vec<ScopeRule>,
    /// Filters on groups.
    #[serde(default)]
    pub groups: Vec<ScopeRule>,
    /// What happens to a request for a resource out of scope.
    #[serde(default)]
    pub out_of_scope: OutOfScope,
}

/// One scoping filter.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScopeRule {
    /// Include (must match) or exclude (must not).
    #[serde(default)]
    pub effect: ScopeEffect,
    /// A SCIM filter (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Ops"`).
    pub filter: String,
}

/// Include or exclude.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum ScopeEffect {
    /// The resource must match.
    #[default]
    Include,
    /// The resource must not match.
    Exclude,
}

/// What happens to out-of-scope requests (always logged as skipped).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum OutOfScope {
    /// Refuse with a clear error.
    #[default]
    Reject,
    /// Accept the resource, stored inactive.
    AcceptInactive,
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Severity {
    /// The plan cannot be used as it is.
    Error,
    /// It works, but probably not as meant.
    Warning,
}

/// One thing static validation found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// How serious.
    pub severity: Severity,
    /// Where, as a JSON pointer into the plan (`/rules/3/source`).
    pub location: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub fix: String,
}

fn finding(
    severity: Severity,
    location: String,
    message: impl Into<String>,
    fix: impl Into<String>,
) -> Finding {
    Finding {
        severity,
        location,
        message: message.into(),
        fix: fix.into(),
    }
}

/// A rule ready to run.
#[derive(Debug, Clone)]
struct CompiledRule {
    target: usize,
    source: PatchPath,
    resolved: ResolvedSource,
    transforms: Vec<CompiledTransform>,
    default: Option<Value>,
    apply: ApplyOn,
}

/// Where a rule's source lives, resolved once when the plan compiles.
#[derive(Debug, Clone)]
struct ResolvedSource {
    /// The extension URN holding the attribute (None: core or common).
    extension: Option<String>,
    /// The attribute's definition.
    def: scim::schema::AttributeDef,
    /// The sub-attribute read.
    sub: Option<String>,
}

#[derive(Debug, Clone)]
enum CompiledTransform {
    Simple(Transform),
    Expression(Expression),
}

#[derive(Debug, Clone)]
struct CompiledField {
    spec: Field,
    path: Option<PatchPath>,
    validators: Vec<CompiledValidator>,
}

/// A plan that passed static validation (warnings aside), ready to evaluate.
#[derive(Debug, Clone)]
pub struct CompiledPlan {
    plan: Plan,
    fields: Vec<CompiledField>,
    rules: Vec<CompiledRule>,
    users_scope: Vec<(ScopeEffect, Filter)>,
    groups_scope: Vec<(ScopeEffect, Filter)>,
    group_name: Vec<CompiledValidator>,
}

/// The operation a resource is evaluated for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// A create (POST).
    Create,
    /// A replace or patch.
    Update,
}

/// One field's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldOutcome {
    /// The field.
    pub field: String,
    /// The rule that filled it (its index), when one applied.
    pub rule: Option<usize>,
    /// The value produced (`null` when none).
    #[serde(skip)]
    pub value: Value,
    /// The value as shown: the value, or `"***"` for a sensitive field (`password`).
    #[serde(rename = "value")]
    pub shown: Value,
    /// Every validator's verdict: kind, and the failure message when it failed (a sensitive
    /// value never appears in it).
    pub verdicts: Vec<Verdict>,
}

/// Fields whose values are never shown (in test runs, errors or logs).
fn is_sensitive(field: &str) -> bool {
    field.eq_ignore_ascii_case("password")
}

/// A validator's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    /// The validator's kind.
    pub validator: &'static str,
    /// Whether it passed.
    pub passed: bool,
    /// Why not.
    pub message: Option<String>,
}

/// What evaluating a plan over a resource gave.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Evaluation {
    /// Field by field.
    pub fields: Vec<FieldOutcome>,
    /// SCIM attributes no rule reads (dropped, or refused under `unsupported: reject`).
    pub unsupported: Vec<String>,
    /// Whether the resource is in scope.
    pub in_scope: bool,
    /// Problems evaluating transforms (an expression that failed).
    pub errors: Vec<String>,
}

impl Evaluation {
    /// Whether every validator passed, nothing unsupported is refused and no transform failed.
    pub fn passed(&self, plan: &Plan) -> bool {
        self.errors.is_empty()
            && (plan.unsupported == Unsupported::Ignore || self.unsupported.is_empty())
            && self
                .fields
                .iter()
                .all(|f| f.verdicts.iter().all(|v| v.passed))
    }
}

/// Attributes that are bookkeeping, never "unsupported".
const ALWAYS_SUPPORTED: [&str; 4] = ["schemas", "id", "meta", "password"];

impl Plan {
    /// The default plan for Users: the SCIM attributes targets commonly accept (core
    /// attributes, emails and phone numbers by type, the work address, the primary role,
    /// password, the enterprise extension), each filled from itself, with the formats they
    /// usually enforce; `userName` unique, required and matching.
    #[allow(clippy::too_many_lines)] // A table: one entry per default field.
    pub fn default_users() -> Self {
        let direct = |name: &str, kind: FieldType, validators: Vec<Validator>| Field {
            name: name.to_owned(),
            kind,
            custom: false,
            description: String::new(),
            validators,
        };
        let fields = vec![
            direct(
                "userName",
                FieldType::String,
                vec![Validator::Required, Validator::Unique],
            ),
            direct("externalId", FieldType::String, vec![]),
            direct("active", FieldType::Boolean, vec![]),
            direct("name.givenName", FieldType::String, vec![]),
            direct("name.familyName", FieldType::String, vec![]),
            direct("displayName", FieldType::String, vec![]),
            direct(
                "preferredLanguage",
                FieldType::String,
                vec![Validator::Language { allowed: vec![] }],
            ),
            direct("locale", FieldType::String, vec![]),
            direct("timezone", FieldType::String, vec![Validator::TimeZone]),
            direct("title", FieldType::String, vec![]),
            direct(
                "emails[type eq \"work\"].value",
                FieldType::String,
                vec![Validator::Email],
            ),
            direct(
                "phoneNumbers[type eq \"work\"].value",
                FieldType::String,
                vec![Validator::E164],
            ),
            direct(
                "phoneNumbers[type eq \"mobile\"].value",
                FieldType::String,
                vec![Validator::E164],
            ),
            direct("password", FieldType::String, vec![]),
            direct(
                "addresses[type eq \"work\"].streetAddress",
                FieldType::String,
                vec![],
            ),
            direct(
                "addresses[type eq \"work\"].locality",
                FieldType::String,
                vec![],
            ),
            direct(
                "addresses[type eq \"work\"].region",
                FieldType::String,
                vec![],
            ),
            direct(
                "addresses[type eq \"work\"].postalCode",
                FieldType::String,
                vec![],
            ),
            direct(
                "addresses[type eq \"work\"].country",
                FieldType::String,
                vec![],
            ),
            direct("roles[primary eq true].value", FieldType::String, vec![]),
        ];
        let enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        let mut fields = fields;
        for attr in [
            "employeeNumber",
            "department",
            "costCenter",
            "organization",
            "division",
            "manager.value",
        ] {
            fields.push(direct(
                &format!("{enterprise}:{attr}"),
                FieldType::String,
                vec![],
            ));
        }
        let rules = fields
            .iter()
            .map(|f| Rule {
                target: f.name.clone(),
                source: f.name.clone(),
                transforms: Vec::new(),
                default: None,
                apply: ApplyOn::Always,
            })
            .collect();
        Self {
            format: PLAN_FORMAT,
            fields,
            rules,
            unsupported: Unsupported::Ignore,
            mode: Mode::Enforce,
            matching: vec![Matching {
                attribute: "userName".into(),
                primary: true,
            }],
            scoping: Scoping::default(),
            provider: None,
            groups: GroupRules::default(),
        }
    }

    /// Checks the plan against the user schema: every path resolves, every expression parses,
    /// every rule fills a declared field, every required field is filled, exactly one primary
    /// matching attribute, scoping filters parse. The plan compiles unless a finding is an
    /// error.
    #[allow(clippy::too_many_lines)] // One check after the other, each with its finding.
    pub fn compile(&self, schema: &ResourceSchema) -> (Option<CompiledPlan>, Vec<Finding>) {
        let mut findings = Vec::new();
        if self.format != PLAN_FORMAT {
            findings.push(finding(
                Severity::Error,
                "/format".into(),
                format!(
                    "plan format {} is not known to this version (which reads {PLAN_FORMAT})",
                    self.format
                ),
                "export the plan again from the console that wrote it, or upgrade",
            ));
        }
        let mut fields = Vec::new();
        for (i, field) in self.fields.iter().enumerate() {
            let at = format!("/fields/{i}");
            if self.fields[..i]
                .iter()
                .any(|f| f.name.eq_ignore_ascii_case(&field.name))
            {
                findings.push(finding(
                    Severity::Error,
                    format!("{at}/name"),
                    format!("the field {} is declared twice", field.name),
                    "remove one of them",
                ));
            }
            let path = if field.custom {
                if !scim::path::is_attr_name(&field.name) {
                    findings.push(finding(
                        Severity::Error,
                        format!("{at}/name"),
                        format!(
                            "\"{}\" is not a valid attribute name for a custom field",
                            field.name
                        ),
                        "use letters, digits, _ and -, starting with a letter",
                    ));
                }
                None
            } else {
                match PatchPath::parse(&field.name) {
                    Ok(p) if schema.resolve(&p.attr).is_some() => Some(p),
                    Ok(_) => {
                        findings.push(finding(
                            Severity::Error,
                            format!("{at}/name"),
                            format!("{} is not an attribute of the User schema", field.name),
                            "use a SCIM attribute path, or mark the field custom",
                        ));
                        None
                    }
                    Err(e) => {
                        findings.push(finding(
                            Severity::Error,
                            format!("{at}/name"),
                            e.detail(),
                            "write a SCIM path like emails[type eq \"work\"].value",
                        ));
                        None
                    }
                }
            };
            let mut validators = Vec::new();
            for (j, v) in field.validators.iter().enumerate() {
                match v.compile() {
                    Ok(c) => validators.push(c),
                    Err(e) => findings.push(finding(
                        Severity::Error,
                        format!("{at}/validators/{j}"),
                        e,
                        "correct the validator's settings",
                    )),
                }
            }
            fields.push(CompiledField {
                spec: field.clone(),
                path,
                validators,
            });
        }
        let mut rules = Vec::new();
        for (i, rule) in self.rules.iter().enumerate() {
            let at = format!("/rules/{i}");
            let target = self
                .fields
                .iter()
                .position(|f| f.name.eq_ignore_ascii_case(&rule.target));
            if target.is_none() {
                findings.push(finding(
                    Severity::Error,
                    format!("{at}/target"),
                    format!("{} is not a field of the plan", rule.target),
                    "declare the field, or target an existing one",
                ));
            }
            let source = self.check_source(rule, &at, target, schema, &mut findings);
            let mut transforms = Vec::new();
            for (j, t) in rule.transforms.iter().enumerate() {
                match t {
                    Transform::Expression { expression } => match Expression::parse(expression) {
                        Ok(e) => {
                            if let Some(other) = e
                                .attributes()
                                .into_iter()
                                .find(|a| !a.eq_ignore_ascii_case("value"))
                            {
                                findings.push(finding(
                                    Severity::Error,
                                    format!("{at}/transforms/{j}/expression"),
                                    format!("a transform reads only [value], not [{other}]"),
                                    "write [value] for the rule's source value",
                                ));
                            }
                            transforms.push(CompiledTransform::Expression(e));
                        }
                        Err(e) => findings.push(finding(
                            Severity::Error,
                            format!("{at}/transforms/{j}/expression"),
                            e.to_string(),
                            e.pointer(expression),
                        )),
                    },
                    simple => transforms.push(CompiledTransform::Simple(simple.clone())),
                }
            }
            if let (Some(target), Some((source, resolved))) = (target, source) {
                rules.push(CompiledRule {
                    target,
                    source,
                    resolved,
                    transforms,
                    default: rule.default.clone(),
                    apply: rule.apply,
                });
            }
        }
        for (i, field) in self.fields.iter().enumerate() {
            let required = field.validators.contains(&Validator::Required);
            let filled = self
                .rules
                .iter()
                .any(|r| r.target.eq_ignore_ascii_case(&field.name));
            if required && !filled {
                findings.push(finding(
                    Severity::Error,
                    format!("/fields/{i}"),
                    format!("the required field {} has no rule", field.name),
                    format!("add a rule with target {}", field.name),
                ));
            } else if !filled {
                findings.push(finding(
                    Severity::Warning,
                    format!("/fields/{i}"),
                    format!("nothing fills the field {}", field.name),
                    "add a rule, or remove the field",
                ));
            }
        }
        let primaries = self.matching.iter().filter(|m| m.primary).count();
        if primaries != 1 {
            findings.push(finding(
                Severity::Error,
                "/matching".into(),
                format!("exactly one matching attribute must be primary ({primaries} are)"),
                "mark one attribute (usually userName or externalId) primary",
            ));
        }
        for (i, m) in self.matching.iter().enumerate() {
            if !self
                .fields
                .iter()
                .any(|f| f.name.eq_ignore_ascii_case(&m.attribute))
            {
                findings.push(finding(
                    Severity::Error,
                    format!("/matching/{i}/attribute"),
                    format!(
                        "the matching attribute {} is not a field of the plan",
                        m.attribute
                    ),
                    "match on a field the plan fills",
                ));
            }
        }
        let mut users_scope = Vec::new();
        let mut groups_scope = Vec::new();
        for (kind, rules) in [
            ("users", &self.scoping.users),
            ("groups", &self.scoping.groups),
        ] {
            for (i, rule) in rules.iter().enumerate() {
                let at = format!("/scoping/{kind}/{i}/filter");
                match Filter::parse(&rule.filter) {
                    Ok(f) => {
                        if kind == "users" {
                            match f.check(schema) {
                                Ok(()) => users_scope.push((rule.effect, f)),
                                Err(e) => findings.push(finding(
                                    Severity::Error,
                                    at,
                                    e.detail(),
                                    "filter on attributes of the User schema",
                                )),
                            }
                        } else {
                            groups_scope.push((rule.effect, f));
                        }
                    }
                    Err(e) => findings.push(finding(
                        Severity::Error,
                        at,
                        e.to_string(),
                        "write a SCIM filter, e.g. title eq \"Engineer\"",
                    )),
                }
            }
        }
        if let Some(side) = &self.provider {
            self.check_provider(side, schema, &mut findings);
        }
        let mut group_name = Vec::new();
        for (j, v) in self.groups.display_name.iter().enumerate() {
            match v.compile() {
                Ok(c) => group_name.push(c),
                Err(e) => findings.push(finding(
                    Severity::Error,
                    format!("/groups/displayName/{j}"),
                    e,
                    "correct the validator's settings",
                )),
            }
        }
        findings.sort_by_key(|f| f.severity);
        let ok = !findings.iter().any(|f| f.severity == Severity::Error);
        let compiled = ok.then(|| CompiledPlan {
            plan: self.clone(),
            fields,
            rules,
            users_scope,
            groups_scope,
            group_name,
        });
        (compiled, findings)
    }

    /// Checks the provider's mappings, and that both sides meet: what the rules read is sent,
    /// what is sent is read.
    fn check_provider(
        &self,
        side: &super::provider::ProviderSide,
        schema: &ResourceSchema,
        findings: &mut Vec<Finding>,
    ) {
        for (i, problem) in side.check(schema) {
            findings.push(finding(
                Severity::Error,
                format!("/provider/mappings/{i}"),
                problem,
                "correct the mapping as entered in the identity provider",
            ));
        }
        let same = |a: &str, b: &str| {
            let norm = |s: &str| s.replace(' ', "").to_lowercase();
            norm(a) == norm(b)
        };
        for (i, rule) in self.rules.iter().enumerate() {
            if !side.mappings.iter().any(|m| same(&m.scim, &rule.source)) && rule.default.is_none()
            {
                findings.push(finding(
                    Severity::Warning,
                    format!("/rules/{i}/source"),
                    format!(
                        "the identity provider's mappings do not send {}",
                        rule.source
                    ),
                    format!(
                        "add a mapping to {} in the identity provider, or a default to the rule",
                        rule.source
                    ),
                ));
            }
        }
        for (i, mapping) in side.mappings.iter().enumerate() {
            if !self.rules.iter().any(|r| same(&r.source, &mapping.scim)) {
                let effect = match self.unsupported {
                    Unsupported::Reject => "every request carrying it is refused",
                    Unsupported::Ignore => "it is dropped",
                };
                findings.push(finding(
                    if self.unsupported == Unsupported::Reject {
                        Severity::Error
                    } else {
                        Severity::Warning
                    },
                    format!("/provider/mappings/{i}/scim"),
                    format!(
                        "the identity provider sends {} but no rule reads it: {effect}",
                        mapping.scim
                    ),
                    "remove the mapping in the identity provider, or add a field and rule for it",
                ));
            }
        }
    }

    /// Checks a rule's source path: it resolves in the schema, its sub-attribute exists, its
    /// type fits the field's (a warning when not, unless a transform converts it).
    fn check_source(
        &self,
        rule: &Rule,
        at: &str,
        target: Option<usize>,
        schema: &ResourceSchema,
        findings: &mut Vec<Finding>,
    ) -> Option<(PatchPath, ResolvedSource)> {
        let path = match PatchPath::parse(&rule.source) {
            Ok(p) => p,
            Err(e) => {
                findings.push(finding(
                    Severity::Error,
                    format!("{at}/source"),
                    e.detail(),
                    "write a SCIM path",
                ));
                return None;
            }
        };
        let Some(Resolved::Attribute(attr)) = schema.resolve(&path.attr) else {
            findings.push(finding(
                Severity::Error,
                format!("{at}/source"),
                format!("{} is not an attribute of the User schema", rule.source),
                "read a SCIM attribute: userName, emails[type eq \"work\"].value, urn:…:enterprise:2.0:User:employeeNumber",
            ));
            return None;
        };
        let leaf = match &path.sub_attr {
            Some(sub) => attr.def.sub(sub),
            None => Some(attr.leaf()),
        };
        match (leaf, target.map(|t| self.fields[t].kind)) {
            (None, _) => findings.push(finding(
                Severity::Error,
                format!("{at}/source"),
                format!(
                    "{} has no sub-attribute {}",
                    path.attr,
                    path.sub_attr.clone().unwrap_or_default()
                ),
                "check the sub-attribute's name",
            )),
            (Some(def), Some(kind)) if !types_fit(def.kind, kind) && rule.transforms.is_empty() => {
                findings.push(finding(
                    Severity::Warning,
                    format!("{at}/source"),
                    format!(
                        "{} is {} but the field {} is {kind:?}",
                        rule.source,
                        def.kind.as_str(),
                        rule.target
                    ),
                    "add a transform, or change the field's type",
                ));
            }
            _ => {}
        }
        let resolved = ResolvedSource {
            extension: attr.extension.map(|e| e.id.clone()),
            def: attr.def.clone(),
            sub: path
                .sub_attr
                .clone()
                .or_else(|| attr.sub.map(|s| s.name.clone())),
        };
        Some((path, resolved))
    }
}

fn types_fit(source: AttributeType, field: FieldType) -> bool {
    matches!(
        (source, field),
        (
            AttributeType::String | AttributeType::Reference | AttributeType::Binary,
            FieldType::String
        ) | (AttributeType::Boolean, FieldType::Boolean)
            | (AttributeType::Integer, FieldType::Integer)
            | (
                AttributeType::DateTime,
                FieldType::DateTime | FieldType::String
            )
    )
}

/// The values at a path: the attribute (case-insensitively, inside its extension object when
/// URN-qualified), the elements its filter selects, their sub-attribute.
fn values_at(
    resource: &Map<String, Value>,
    path: &PatchPath,
    source: &ResolvedSource,
) -> Vec<Value> {
    let container = match &source.extension {
        Some(ext) => scim::resource::get_ci(resource, ext).and_then(Value::as_object),
        None => Some(resource),
    };
    let Some(value) = container.and_then(|c| scim::resource::get_ci(c, &source.def.name)) else {
        return Vec::new();
    };
    let pick = |v: &Value| -> Option<Value> {
        match &source.sub {
            Some(sub) => v
                .as_object()
                .and_then(|o| scim::resource::get_ci(o, sub))
                .cloned(),
            None => Some(v.clone()),
        }
    };
    match value {
        Value::Array(items) => items
            .iter()
            .filter(|item| {
                path.filter.as_ref().is_none_or(|f| {
                    item.as_object()
                        .is_some_and(|o| f.matches_element(o, &source.def))
                })
            })
            .filter_map(pick)
            .collect(),
        single => pick(single).into_iter().collect(),
    }
}

/// The first text value at a SCIM path of a resource (`emails[type eq "work"].value`).
pub(crate) fn text_at(
    resource: &Map<String, Value>,
    path: &str,
    schema: &ResourceSchema,
) -> Option<String> {
    let path = PatchPath::parse(path).ok()?;
    let Some(Resolved::Attribute(attr)) = schema.resolve(&path.attr) else {
        return None;
    };
    let source = ResolvedSource {
        extension: attr.extension.map(|e| e.id.clone()),
        def: attr.def.clone(),
        sub: path
            .sub_attr
            .clone()
            .or_else(|| attr.sub.map(|s| s.name.clone())),
    };
    values_at(resource, &path, &source)
        .into_iter()
        .find_map(|v| v.as_str().map(str::to_owned))
}

struct Single<'a>(&'a str);

impl expression::AttributeSource for Single<'_> {
    fn attribute(&self, name: &str) -> Option<expression::Value> {
        name.eq_ignore_ascii_case("value")
            .then(|| expression::Value::Text(self.0.to_owned()))
    }
}

impl CompiledPlan {
    /// The plan.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The matching attributes, primary first.
    pub fn matching_paths(&self) -> Vec<String> {
        let mut paths: Vec<&Matching> = self.plan.matching.iter().collect();
        paths.sort_by_key(|m| !m.primary);
        paths.into_iter().map(|m| m.attribute.clone()).collect()
    }

    /// Runs the plan over a SCIM User for an operation.
    pub fn evaluate(
        &self,
        resource: &Map<String, Value>,
        op: Operation,
        schema: &ResourceSchema,
    ) -> Evaluation {
        let mut errors = Vec::new();
        let mut outcomes: Vec<FieldOutcome> = self
            .fields
            .iter()
            .map(|f| FieldOutcome {
                field: f.spec.name.clone(),
                rule: None,
                value: Value::Null,
                shown: Value::Null,
                verdicts: Vec::new(),
            })
            .collect();
        for (i, rule) in self.rules.iter().enumerate() {
            let applies = match rule.apply {
                ApplyOn::Always => true,
                ApplyOn::Create => op == Operation::Create,
                ApplyOn::Update => op == Operation::Update,
            };
            if !applies {
                continue;
            }
            let mut values = values_at(resource, &rule.source, &rule.resolved);
            if values.is_empty()
                && let Some(default) = &rule.default
            {
                values.push(default.clone());
            }
            let values: Vec<Value> = values
                .into_iter()
                .map(|v| match Self::transform(v, &rule.transforms) {
                    Ok(v) => v,
                    Err(e) => {
                        errors.push(format!("rule {i} ({}): {e}", self.plan.rules[i].target));
                        Value::Null
                    }
                })
                .collect();
            let value = match values.len() {
                0 => Value::Null,
                1 => values.into_iter().next().unwrap_or(Value::Null),
                _ => Value::Array(values),
            };
            outcomes[rule.target].rule = Some(i);
            outcomes[rule.target].value = value;
        }
        for (field, outcome) in self.fields.iter().zip(outcomes.iter_mut()) {
            let value = (!outcome.value.is_null()).then_some(&outcome.value);
            outcome.verdicts = field
                .validators
                .iter()
                .map(|v| match v.check(value) {
                    Ok(()) => Verdict {
                        validator: v.spec().kind(),
                        passed: true,
                        message: None,
                    },
                    Err(f) => Verdict {
                        validator: f.validator,
                        passed: false,
                        message: Some(f.message),
                    },
                })
                .collect();
            outcome.shown = outcome.value.clone();
            if is_sensitive(&field.spec.name) && !outcome.value.is_null() {
                let secret = outcome.value.as_str().map(str::to_owned);
                outcome.shown = Value::String("***".into());
                for verdict in &mut outcome.verdicts {
                    if let (Some(message), Some(secret)) = (&mut verdict.message, &secret)
                        && !secret.is_empty()
                    {
                        *message = message.replace(secret.as_str(), "***");
                    }
                }
            }
        }
        Evaluation {
            fields: outcomes,
            unsupported: self.unsupported(resource),
            in_scope: self.in_scope(resource, schema),
            errors,
        }
    }

    fn transform(value: Value, transforms: &[CompiledTransform]) -> Result<Value, String> {
        let mut value = value;
        for t in transforms {
            let Value::String(text) = &value else {
                return Ok(value);
            };
            value = match t {
                CompiledTransform::Simple(Transform::Lowercase) => {
                    Value::String(text.to_lowercase())
                }
                CompiledTransform::Simple(Transform::Uppercase) => {
                    Value::String(text.to_uppercase())
                }
                CompiledTransform::Simple(Transform::Trim) => Value::String(text.trim().to_owned()),
                CompiledTransform::Simple(Transform::StripSpaces) => {
                    Value::String(text.replace(' ', ""))
                }
                CompiledTransform::Simple(Transform::NormalizeDiacritics) => {
                    Value::String(expression::normalize_diacritics(text))
                }
                CompiledTransform::Simple(Transform::Expression { .. }) => value.clone(),
                CompiledTransform::Expression(e) => e
                    .evaluate(&Single(text), &expression::Context::now())
                    .map_err(|err| format!("{}: {err}", e.text()))?
                    .to_json(),
            };
        }
        Ok(value)
    }

    /// Top-level SCIM attributes (and attributes of extension objects) that no rule reads.
    fn unsupported(&self, resource: &Map<String, Value>) -> Vec<String> {
        let read = |name: &str, ext: Option<&str>| {
            self.rules.iter().any(|r| {
                r.resolved.def.name.eq_ignore_ascii_case(name)
                    && match (&r.resolved.extension, ext) {
                        (None, None) => true,
                        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                        _ => false,
                    }
            })
        };
        let mut out = Vec::new();
        for (key, value) in resource {
            if ALWAYS_SUPPORTED.iter().any(|k| k.eq_ignore_ascii_case(key)) {
                continue;
            }
            if scim::resource::is_urn(key) {
                if let Value::Object(inner) = value {
                    for inner_key in inner.keys() {
                        if !read(inner_key, Some(key)) {
                            out.push(format!("{key}:{inner_key}"));
                        }
                    }
                }
            } else if !read(key, None) {
                out.push(key.clone());
            }
        }
        out
    }

    /// Checks a group (without its members) against the group rules and scoping: the problems
    /// found (validators of `displayName`), and whether it is in scope.
    pub fn check_group(
        &self,
        group: &Map<String, Value>,
        schema: &ResourceSchema,
    ) -> (Vec<String>, bool) {
        let name = group.get("displayName");
        let problems = self
            .group_name
            .iter()
            .filter_map(|v| v.check(name).err())
            .map(|f| format!("displayName: {} (validator {})", f.message, f.validator))
            .collect();
        let in_scope = self.groups_scope.iter().all(|(effect, filter)| {
            let hit = filter.matches(group, schema);
            match effect {
                ScopeEffect::Include => hit,
                ScopeEffect::Exclude => !hit,
            }
        });
        (problems, in_scope)
    }

    fn in_scope(&self, resource: &Map<String, Value>, schema: &ResourceSchema) -> bool {
        self.users_scope.iter().all(|(effect, filter)| {
            let hit = filter.matches(resource, schema);
            match effect {
                ScopeEffect::Include => hit,
                ScopeEffect::Exclude => !hit,
            }
        })
    }

    /// Writes the values of fields filled from a different path (or transformed) back into the
    /// resource, and drops unsupported attributes when the plan ignores them. Custom fields go
    /// into `custom_extension`.
    pub fn shape(
        &self,
        resource: &Map<String, Value>,
        evaluation: &Evaluation,
        schema: &ResourceSchema,
        custom_extension: &str,
    ) -> Result<Map<String, Value>, String> {
        let mut map = resource.clone();
        if self.plan.unsupported == Unsupported::Ignore {
            for name in &evaluation.unsupported {
                match name
                    .rsplit_once(':')
                    .filter(|(urn, _)| scim::resource::is_urn(urn))
                {
                    Some((urn, attr)) => {
                        if let Some(Value::Object(inner)) = map.get_mut(urn) {
                            inner.shift_remove(attr);
                        }
                    }
                    None => {
                        map.shift_remove(name);
                    }
                }
            }
        }
        let mut operations = Vec::new();
        let mut custom = Map::new();
        for (field, outcome) in self.fields.iter().zip(&evaluation.fields) {
            let Some(rule) = outcome.rule.map(|r| &self.rules[r]) else {
                continue;
            };
            if field.spec.custom {
                if !outcome.value.is_null() {
                    custom.insert(field.spec.name.clone(), outcome.value.clone());
                }
                continue;
            }
            let Some(path) = &field.path else {
                continue;
            };
            let same_place = path
                .to_string()
                .eq_ignore_ascii_case(&rule.source.to_string());
            if same_place && rule.transforms.is_empty() && rule.default.is_none() {
                continue;
            }
            if outcome.value.is_null() {
                continue;
            }
            operations.push(PatchOperation {
                op: if path.filter.is_some() {
                    PatchOpKind::Replace
                } else {
                    PatchOpKind::Add
                },
                path: Some(path.clone()),
                value: Some(outcome.value.clone()),
            });
        }
        if !operations.is_empty() {
            let outcome = scim::patch::apply(
                &Resource::from_map(map),
                &PatchRequest { operations },
                schema,
                &PatchRules::default(),
            )
            .map_err(|e| e.detail().to_owned())?;
            map = outcome.resource.into_map();
        }
        if !custom.is_empty() {
            map.insert(custom_extension.to_owned(), Value::Object(custom));
            if let Some(Value::Array(schemas)) = map.get_mut("schemas")
                && !schemas.iter().any(|s| s.as_str() == Some(custom_extension))
            {
                schemas.push(Value::String(custom_extension.to_owned()));
            }
        }
        Ok(map)
    }
}

#[cfg(test)]
mod tests;

/// The JSON Schema of the plan export format (draft 2020-12), as published in
/// `docs/mapping-plan.schema.json`.
pub fn json_schema() -> Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(Plan)).unwrap_or_default();
    if let Value::Object(map) = &mut schema {
        map.insert(
            "$id".into(),
            Value::String("https://scim-console.dev/schemas/mapping-plan-1.json".into()),
        );
        map.insert(
            "description".into(),
            Value::String(format!(
                "A SCIM Console attribute mapping plan, export format {PLAN_FORMAT}."
            )),
        );
    }
    schema
}

/// One difference between two plans: a JSON pointer and the values on each side.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Difference {
    /// Where (`/rules/3/transforms`).
    pub path: String,
    /// The value in the first plan (absent: null).
    pub old: Value,
    /// The value in the second plan (absent: null).
    pub new: Value,
}

/// What changed from `a` to `b`, as JSON pointers with old and new values. Lists are compared
/// element by element; fields and rules are matched by name/target so a reordered plan shows
/// no differences for them.
pub fn diff(a: &Plan, b: &Plan) -> Vec<Difference> {
    fn keyed(items: &[Value], key: &str) -> Option<Map<String, Value>> {
        let mut out = Map::new();
        for item in items {
            let k = item.get(key)?.as_str()?.to_owned();
            if out.insert(k, item.clone()).is_some() {
                return None;
            }
        }
        Some(out)
    }
    fn pointer(path: &str, key: &str) -> String {
        format!("{path}/{}", key.replace('~', "~0").replace('/', "~1"))
    }
    fn walk(path: &str, old: &Value, new: &Value, out: &mut Vec<Difference>) {
        match (old, new) {
            (Value::Object(before), Value::Object(after)) => {
                for (key, value) in before {
                    walk(
                        &pointer(path, key),
                        value,
                        after.get(key).unwrap_or(&Value::Null),
                        out,
                    );
                }
                for (key, value) in after {
                    if !before.contains_key(key) {
                        walk(&pointer(path, key), &Value::Null, value, out);
                    }
                }
            }
            (Value::Array(before), Value::Array(after)) => {
                let key = match path {
                    "/fields" => Some("name"),
                    "/rules" => Some("target"),
                    _ => None,
                };
                if let Some((by_key_before, by_key_after)) =
                    key.and_then(|k| Some((keyed(before, k)?, keyed(after, k)?)))
                {
                    walk(
                        path,
                        &Value::Object(by_key_before),
                        &Value::Object(by_key_after),
                        out,
                    );
                    return;
                }
                for i in 0..before.len().max(after.len()) {
                    walk(
                        &format!("{path}/{i}"),
                        before.get(i).unwrap_or(&Value::Null),
                        after.get(i).unwrap_or(&Value::Null),
                        out,
                    );
                }
            }
            (before, after) if before != after => out.push(Difference {
                path: path.to_owned(),
                old: before.clone(),
                new: after.clone(),
            }),
            _ => {}
        }
    }
    let (Ok(a), Ok(b)) = (serde_json::to_value(a), serde_json::to_value(b)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    walk("", &a, &b, &mut out);
    out
}
