//! A mapping plan: the fields the target accepts (with validators), the rules that fill them
//! from SCIM attributes (with transforms, defaults and when they apply), what happens to SCIM
//! attributes the target does not support, how users are matched, and which are in scope.
//!
//! [`Plan::compile`] checks a plan statically and returns findings (severity, location as a JSON
//! pointer into the plan, message, fix); [`CompiledPlan::evaluate`] runs it over one SCIM
//! resource and reports, field by field, the value produced and every validator's verdict.

use scim::Filter;
use scim::patch::PatchPath;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::expression::Expression;
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
    /// Brown-field matching may also link an imported user whose userName is a short name to
    /// the identity provider's user whose matching value is an email with that local part
    /// (`ada` ↔ `ada@contoso.com`): for targets whose users predate the move to email ids.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub match_local_part: bool,
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
    /// A custom field holding a secret (a PIN, a one-time code): `writeOnly` and
    /// `returned: never` in `/Schemas`, never stored nor returned, and `***` wherever the
    /// console shows or records it (the provisioning log, test runs, validators' messages).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub secret: bool,
    /// Once a user has a value for it, no write may change or clear it (400 `mutability`),
    /// but a deactivation, which always goes through: an `externalId` that identifies the
    /// user in the identity provider for good.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub immutable: bool,
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Severity {
    /// The plan cannot be used as it is.
    Error,
    /// It works, but probably not as meant.
    Warning,
}

/// One thing static validation found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
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

/// Reads a plan from JSON. What does not fit the format (an unknown value, a missing field, a
/// wrong type) is one error finding at the place it is (`/mode`, `/rules/3/apply`), as static
/// validation reports the rest.
pub fn read(value: Value) -> Result<Plan, Finding> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let mut location = String::new();
        for segment in error.path() {
            match segment {
                serde_path_to_error::Segment::Seq { index } => {
                    location.push('/');
                    location.push_str(&index.to_string());
                }
                serde_path_to_error::Segment::Map { key } => {
                    location.push('/');
                    location.push_str(&key.replace('~', "~0").replace('/', "~1"));
                }
                serde_path_to_error::Segment::Enum { .. }
                | serde_path_to_error::Segment::Unknown => {}
            }
        }
        finding(
            Severity::Error,
            location,
            error.inner().to_string(),
            "Use what the plan format allows here: the JSON view completes names and values from its schema (GET /api/mapping/schema).",
        )
    })
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

impl CompiledTransform {
    /// The transform as a trial run names it: its kind, or its expression.
    fn name(&self) -> String {
        match self {
            Self::Expression(e) => e.text().to_owned(),
            Self::Simple(Transform::Expression { expression }) => expression.clone(),
            Self::Simple(t) => serde_json::to_value(t)
                .ok()
                .and_then(|v| v.get("kind").and_then(Value::as_str).map(str::to_owned))
                .unwrap_or_default(),
        }
    }
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
    /// What the log keeps secret for this plan's configuration, when its custom fields add to
    /// the schemas' secrets ([`crate::logs::secrets`]).
    secrets: Option<std::sync::Arc<scim::secrets::Secrets>>,
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
    /// In a trial run: the value read from the request, before any transform (not for a
    /// sensitive field).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read: Option<Value>,
    /// In a trial run: each transform with the value before and after it (not for a sensitive
    /// field).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<TransformStep>,
}

/// One transform of a rule, as a trial run saw it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransformStep {
    /// The transform: `lowercase`, `trim`, … or the expression's text.
    pub transform: String,
    /// The value before it.
    pub before: Value,
    /// The value after it.
    pub after: Value,
}

/// Whether a field's values are never shown (in test runs, errors or logs): a custom field
/// marked secret, or an attribute the SCIM schemas mark `writeOnly` or `returned: never`
/// ([`crate::logs::secrets`]), however its name is spelt.
fn is_sensitive(field: &Field) -> bool {
    field.secret || crate::logs::secrets().names_secret(&field.name)
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

mod compile;
mod evaluate;

pub(crate) use self::evaluate::text_at;

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
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
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
