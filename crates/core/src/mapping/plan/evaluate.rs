//! A compiled plan run over a SCIM resource: each field's value through its transforms and
//! validators, scoping, unsupported attributes, group rules, and the shaping of what is stored.

use scim::patch::{PatchOpKind, PatchOperation, PatchPath, PatchRequest};
use scim::schema::Resolved;
use scim::{PatchRules, Resource, ResourceSchema};
use serde_json::{Map, Value};

use super::{
    ALWAYS_SUPPORTED, ApplyOn, CompiledPlan, CompiledTransform, Evaluation, FieldOutcome, Matching,
    Operation, Plan, ResolvedSource, ScopeEffect, Transform, TransformStep, Unsupported, Verdict,
    is_sensitive,
};
use crate::mapping::expression;

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

    /// What the log keeps secret for this plan's configuration: the schemas' secrets and the
    /// custom fields marked secret (`None` when there are none of the latter).
    pub fn secrets(&self) -> Option<&std::sync::Arc<scim::secrets::Secrets>> {
        self.secrets.as_ref()
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
        self.evaluate_with(resource, op, schema, false)
    }

    /// Runs the plan like [`Self::evaluate`], keeping for each field the value read and each
    /// transform's value before and after it (a trial run; the write path keeps none).
    pub fn evaluate_traced(
        &self,
        resource: &Map<String, Value>,
        op: Operation,
        schema: &ResourceSchema,
    ) -> Evaluation {
        self.evaluate_with(resource, op, schema, true)
    }

    fn evaluate_with(
        &self,
        resource: &Map<String, Value>,
        op: Operation,
        schema: &ResourceSchema,
        trace: bool,
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
                read: None,
                steps: Vec::new(),
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
            let read = trace.then(|| match values.as_slice() {
                [] => Value::Null,
                [one] => one.clone(),
                many => Value::Array(many.to_vec()),
            });
            let mut steps = Vec::new();
            let values: Vec<Value> = values
                .into_iter()
                .map(
                    |v| match Self::transform(v, &rule.transforms, trace.then_some(&mut steps)) {
                        Ok(v) => v,
                        Err(e) => {
                            errors.push(format!("rule {i} ({}): {e}", self.plan.rules[i].target));
                            Value::Null
                        }
                    },
                )
                .collect();
            outcomes[rule.target].read = read;
            outcomes[rule.target].steps = steps;
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
            // A secret is never shown; its validators' messages never repeat it (`for_secret`).
            if is_sensitive(&field.spec) && !outcome.value.is_null() {
                outcome.shown = Value::String("***".into());
            }
            if is_sensitive(&field.spec) {
                outcome.read = None;
                outcome.steps.clear();
            }
        }
        Evaluation {
            fields: outcomes,
            unsupported: self.unsupported(resource),
            in_scope: self.in_scope(resource, schema),
            errors,
        }
    }

    fn transform(
        value: Value,
        transforms: &[CompiledTransform],
        mut trace: Option<&mut Vec<TransformStep>>,
    ) -> Result<Value, String> {
        let mut value = value;
        for t in transforms {
            let Value::String(text) = &value else {
                return Ok(value);
            };
            let before = trace.is_some().then(|| value.clone());
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
            if let (Some(steps), Some(before)) = (trace.as_deref_mut(), before) {
                steps.push(TransformStep {
                    transform: t.name(),
                    before,
                    after: value.clone(),
                });
            }
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
                // A secret is judged, never kept.
                if !outcome.value.is_null() && !field.spec.secret {
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
