//! The PATCH engine (RFC 7644 §3.5.2): `add`, `remove` and `replace`, with and without `path`,
//! value-selection filters, multi-valued de-duplication and `primary` uniqueness — and the forms
//! real clients send: Entra ID's capitalised ops, string booleans, path-less values whose keys
//! are paths (`"name.givenName"`, URN-qualified keys) and member removal with a value list;
//! Okta's path-less `{"active": false}`.
//!
//! A PATCH applies to a copy: either every operation succeeds and the new resource is returned
//! with the list of changed attributes, or nothing changes.

mod diff;
mod request;

use std::fmt::Display;

use serde_json::{Map, Value};

pub use self::diff::{AttributeChange, changes};
pub use self::request::{PATCH_OP_SCHEMA, PatchOpKind, PatchOperation, PatchPath, PatchRequest};
use crate::error::{ScimError, ScimResult};
use crate::filter::{Filter, FilterRules, Literal};
use crate::leniency::{Leniency, note};
use crate::resource::{
    InputRules, Resource, UnknownAttributes, coerce_attribute, coerce_single, get_ci, is_urn,
};
use crate::schema::{AttributeDef, Mutability, Resolved, ResourceSchema, Schema};

/// How permissive the engine is. The defaults accept every documented Entra ID and Okta form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)] // Independent switches, each a configuration's choice.
pub struct PatchRules {
    /// How values are read (string booleans, unknown attributes).
    pub input: InputRules,
    /// Accept `add`/`replace` without `path` (Okta, Entra with `aadOptscim062020`). The
    /// interoperability profile §6.5.1.1 rejects them.
    pub pathless: bool,
    /// Require `schemas` to hold the PatchOp URN.
    pub require_patch_schema: bool,
    /// When `emails[type eq "work"].value` matches no value, add `{"type": "work", "value": …}`
    /// instead of failing with `noTarget` (what Entra ID expects when it sets a work email).
    pub create_missing_values: bool,
    /// Accept `op` values in any case (Entra ID's `"Replace"`); otherwise only `add`,
    /// `remove` and `replace`, as RFC 7644 §3.5.2 spells them.
    pub any_case_ops: bool,
    /// A `remove` with a path and a value list removes only the listed values (Entra ID's
    /// member removal); otherwise such an operation is refused with 400 `invalidSyntax` —
    /// never read as "remove them all".
    pub remove_listed_values: bool,
    /// How the value filters of paths are read (`emails[type ='Work Email'].value` under
    /// [`FilterRules::loose_syntax`]).
    pub filter: FilterRules,
}

impl Default for PatchRules {
    fn default() -> Self {
        Self {
            input: InputRules::default(),
            pathless: true,
            require_patch_schema: false,
            create_missing_values: true,
            any_case_ops: true,
            remove_listed_values: true,
            // Lenient like the rest of the default: what every documented client sends.
            filter: FilterRules {
                unquoted_strings: true,
                loose_syntax: true,
            },
        }
    }
}

/// The result of a PATCH: the new resource and what changed.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOutcome {
    /// The resource after every operation.
    pub resource: Resource,
    /// The attributes whose value changed (empty when the PATCH changed nothing).
    pub changes: Vec<AttributeChange>,
}

/// Applies a PATCH request to a resource. The input is never modified.
pub fn apply(
    resource: &Resource,
    request: &PatchRequest,
    schema: &ResourceSchema,
    rules: &PatchRules,
) -> ScimResult<PatchOutcome> {
    let mut map = resource.as_map().clone();
    for (i, op) in request.operations.iter().enumerate() {
        let at = |e: ScimError| e.at(format!("Operations[{i}]"));
        Engine { schema, rules }
            .operation(&mut map, op)
            .map_err(at)?;
    }
    // Operations that emptied an extension object leave no empty object behind.
    map.retain(|k, v| !(is_urn(k) && v.as_object().is_some_and(Map::is_empty)));
    let mut patched = Resource::from_map(map);
    patched.check_required(schema)?;
    patched.set_schemas(schema);
    let changes = diff::changes(resource.as_map(), patched.as_map(), schema);
    Ok(PatchOutcome {
        resource: patched,
        changes,
    })
}

/// Parses and applies a PATCH body in one step.
pub fn apply_json(
    resource: &Resource,
    body: &Value,
    schema: &ResourceSchema,
    rules: &PatchRules,
) -> ScimResult<PatchOutcome> {
    let request = PatchRequest::from_json(body, rules)?;
    apply(resource, &request, schema, rules)
}

/// The attributes of an extension's value object: its `schemas` key, which clients that write
/// the extension as an object of its own include to name it, is not an attribute.
fn extension_values(values: &Map<String, Value>) -> impl Iterator<Item = (&String, &Value)> {
    values
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("schemas"))
}

struct Engine<'a> {
    schema: &'a ResourceSchema,
    rules: &'a PatchRules,
}

/// Where an attribute lives: the top level, or an extension object.
struct Target<'a> {
    extension: Option<&'a Schema>,
    def: &'a AttributeDef,
}

impl Engine<'_> {
    /// A path that names an attribute the schema does not define: `invalidSyntax` where
    /// undefined attributes are refused (interoperability profile §5.3, the `strict` profile),
    /// `invalidPath` otherwise (RFC 7644 §3.5.2).
    fn undefined(&self, detail: String) -> ScimError {
        if self.rules.input.unknown_attributes == UnknownAttributes::Reject {
            ScimError::invalid_syntax(format!(
                "{detail}: undefined attributes are refused (interoperability profile §5.3; switch unknownAttributes)"
            ))
        } else {
            ScimError::invalid_path(detail)
        }
    }

    fn operation(&self, map: &mut Map<String, Value>, op: &PatchOperation) -> ScimResult<()> {
        if let Some(path) = &op.path {
            self.at_path(map, op.op, path, op.value.clone())
        } else {
            // Path-less add/replace: every key of the value object is a path.
            let Some(Value::Object(values)) = &op.value else {
                return Err(ScimError::invalid_syntax(
                    "without a \"path\", the value must be an object of attributes",
                ));
            };
            for (key, value) in values {
                if key.eq_ignore_ascii_case("schemas") {
                    continue;
                }
                if let (Some(ext), Value::Object(inner)) = (self.schema.extension(key), value) {
                    for (k, v) in extension_values(inner) {
                        let path = PatchPath::parse(&format!("{}:{k}", ext.id))?;
                        self.at_path(map, op.op, &path, Some(v.clone()))?;
                    }
                    continue;
                }
                let path = PatchPath::parse(key)?;
                self.at_path(map, op.op, &path, Some(value.clone()))?;
            }
            Ok(())
        }
    }

    fn at_path(
        &self,
        map: &mut Map<String, Value>,
        op: PatchOpKind,
        path: &PatchPath,
        value: Option<Value>,
    ) -> ScimResult<()> {
        let full = match &path.sub_attr {
            Some(sub) if path.filter.is_none() => path.attr.with_sub_attr(sub.clone()),
            _ => path.attr.clone(),
        };
        match self.schema.resolve(&full) {
            Some(Resolved::Extension(ext)) => self.whole_extension(map, op, ext, value),
            Some(Resolved::Attribute(attr)) => {
                let target = Target {
                    extension: attr.extension,
                    def: attr.def,
                };
                self.attribute(map, op, &target, path, value)
            }
            None => self.unknown(map, op, path, value),
        }
    }

    fn unknown(
        &self,
        map: &mut Map<String, Value>,
        op: PatchOpKind,
        path: &PatchPath,
        value: Option<Value>,
    ) -> ScimResult<()> {
        let reject = || {
            self.undefined(format!(
                "\"{path}\" is not an attribute of the {} resource type",
                self.schema.resource_type().name
            ))
        };
        match self.rules.input.unknown_attributes {
            UnknownAttributes::Reject => Err(reject()),
            UnknownAttributes::Ignore => {
                note(Leniency::UnknownAttributes);
                Ok(())
            }
            UnknownAttributes::Preserve => {
                if path.filter.is_some() || path.sub_attr.is_some() || path.attr.urn().is_some() {
                    return Err(reject());
                }
                note(Leniency::UnknownAttributes);
                let key = path.attr.name().to_owned();
                match (op, value) {
                    (PatchOpKind::Remove, _) | (_, None | Some(Value::Null)) => {
                        map.shift_remove(&key);
                    }
                    (_, Some(v)) => {
                        map.insert(key, v);
                    }
                }
                Ok(())
            }
        }
    }

    fn whole_extension(
        &self,
        map: &mut Map<String, Value>,
        op: PatchOpKind,
        ext: &Schema,
        value: Option<Value>,
    ) -> ScimResult<()> {
        if op == PatchOpKind::Remove {
            remove_key_ci(map, &ext.id);
            return Ok(());
        }
        let Some(Value::Object(values)) = value else {
            return Err(ScimError::invalid_value(format!(
                "the value for {} must be an object of its attributes",
                ext.id
            )));
        };
        if op == PatchOpKind::Replace {
            // Replace keeps attributes the client cannot set (readOnly) and checks immutables below.
            if let Some(Value::Object(old)) = get_ci(map, &ext.id).cloned() {
                let kept: Map<String, Value> = old
                    .into_iter()
                    .filter(|(k, _)| {
                        ext.attributes.iter().any(|a| {
                            a.name.eq_ignore_ascii_case(k)
                                && matches!(
                                    a.mutability,
                                    Mutability::ReadOnly | Mutability::Immutable
                                )
                        })
                    })
                    .collect();
                remove_key_ci(map, &ext.id);
                if !kept.is_empty() {
                    map.insert(ext.id.clone(), Value::Object(kept));
                }
            }
        }
        for (k, v) in extension_values(&values) {
            let path = PatchPath::parse(&format!("{}:{k}", ext.id))?;
            self.at_path(map, op, &path, Some(v.clone()))?;
        }
        Ok(())
    }

    fn attribute(
        &self,
        map: &mut Map<String, Value>,
        op: PatchOpKind,
        target: &Target<'_>,
        path: &PatchPath,
        value: Option<Value>,
    ) -> ScimResult<()> {
        let def = target.def;
        let sub = match &path.sub_attr {
            Some(name) => Some(def.sub(name).ok_or_else(|| {
                self.undefined(format!("\"{name}\" is not a sub-attribute of {}", def.name))
            })?),
            None => None,
        };
        let label: &dyn Display = path;
        let container = container_mut(map, target.extension);
        // Only attributes with a readOnly or immutable part need the before/after comparison.
        let guarded = def.mutability != Mutability::ReadWrite
            || (!def.multi_valued
                && def
                    .sub_attributes
                    .iter()
                    .any(|s| s.mutability != Mutability::ReadWrite));
        let current = if guarded || path.filter.is_some() && !def.multi_valued {
            get_ci(container, &def.name).cloned()
        } else {
            None
        };
        let result = if def.multi_valued {
            self.multi_valued(container, op, def, path.filter.as_ref(), sub, value, label)
        } else {
            if path.filter.is_some() {
                if !def.is_complex() {
                    return Err(ScimError::invalid_path(format!(
                        "\"{label}\": {} is single-valued, so it takes no value filter",
                        def.name
                    )));
                }
                // A filter on a single complex attribute selects it when it matches.
                let matches = current
                    .as_ref()
                    .and_then(Value::as_object)
                    .is_some_and(|obj| {
                        path.filter
                            .as_ref()
                            .is_some_and(|f| f.matches_element(obj, def))
                    });
                if !matches {
                    return if op == PatchOpKind::Remove {
                        Ok(())
                    } else {
                        Err(ScimError::no_target(format!(
                            "\"{label}\" matches no value"
                        )))
                    };
                }
            }
            self.single_valued(container, op, def, sub, value, label)
        };
        result?;
        if guarded {
            let after = get_ci(container, &def.name);
            guard_mutability(def, sub, current.as_ref(), after, label)?;
        }
        if let Some(ext) = target.extension
            && container.is_empty()
        {
            remove_key_ci(map, &ext.id);
        }
        Ok(())
    }

    fn single_valued(
        &self,
        container: &mut Map<String, Value>,
        op: PatchOpKind,
        def: &AttributeDef,
        sub: Option<&AttributeDef>,
        value: Option<Value>,
        label: &dyn Display,
    ) -> ScimResult<()> {
        let rules = &self.rules.input;
        match (op, sub) {
            (PatchOpKind::Remove, None) => {
                remove_key_ci(container, &def.name);
            }
            (PatchOpKind::Remove, Some(sub)) => {
                if let Some(Value::Object(obj)) = get_mut_ci(container, &def.name) {
                    remove_key_ci(obj, &sub.name);
                    if obj.is_empty() {
                        remove_key_ci(container, &def.name);
                    }
                }
            }
            (_, Some(sub)) => {
                let v = coerce_single(sub, value.unwrap_or(Value::Null), label, rules)?;
                let obj = object_slot(container, &def.name);
                match v {
                    Some(v) => {
                        obj.insert(sub.name.clone(), v);
                    }
                    None => {
                        remove_key_ci(obj, &sub.name);
                    }
                }
                if obj.is_empty() {
                    remove_key_ci(container, &def.name);
                }
            }
            (PatchOpKind::Add, None) if def.is_complex() => {
                // add merges sub-attributes into a singular complex attribute (profile §6.5.2.1(3)).
                let v = coerce_attribute(def, value.unwrap_or(Value::Null), label, rules)?;
                if let Some(Value::Object(new)) = v {
                    object_slot(container, &def.name).extend(new);
                }
            }
            (_, None) => {
                let v = coerce_attribute(def, value.unwrap_or(Value::Null), label, rules)?;
                set_key(container, &def.name, v);
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments, clippy::too_many_lines)] // One table of RFC cases, one call site.
    fn multi_valued(
        &self,
        container: &mut Map<String, Value>,
        op: PatchOpKind,
        def: &AttributeDef,
        filter: Option<&Filter>,
        sub: Option<&AttributeDef>,
        value: Option<Value>,
        label: &dyn Display,
    ) -> ScimResult<()> {
        let rules = &self.rules.input;
        // Work on the values in place: take them out of their slot (the copy made for the
        // whole PATCH keeps the original safe if an operation fails).
        let mut items: Vec<Value> = match get_mut_ci(container, &def.name) {
            Some(Value::Array(items)) => std::mem::take(items),
            Some(single) => vec![single.take()],
            None => Vec::new(),
        };
        let matches = |items: &[Value]| -> Vec<usize> {
            items
                .iter()
                .enumerate()
                .filter(|(_, item)| match filter {
                    None => true,
                    Some(f) => item.as_object().is_some_and(|o| f.matches_element(o, def)),
                })
                .map(|(i, _)| i)
                .collect()
        };
        let primary_before: Vec<Value> = items.iter().filter(|i| is_primary(i)).cloned().collect();
        match (op, filter, sub) {
            // Whole attribute, no filter.
            (PatchOpKind::Remove, None, None) => match value {
                // Entra's member removal: remove only the listed values, never the whole list.
                Some(Value::Array(listed)) if !listed.is_empty() => {
                    let listed = coerce_attribute(def, Value::Array(listed), label, rules)?
                        .unwrap_or(Value::Array(Vec::new()));
                    let listed = listed.as_array().cloned().unwrap_or_default();
                    items.retain(|item| !listed.iter().any(|l| same_value(item, l)));
                }
                Some(Value::Object(one)) => {
                    let one = coerce_single(def, Value::Object(one), label, rules)?;
                    items.retain(|item| !one.as_ref().is_some_and(|l| same_value(item, l)));
                }
                _ => items.clear(),
            },
            (PatchOpKind::Replace, None, None) => {
                items = match coerce_attribute(def, value.unwrap_or(Value::Null), label, rules)? {
                    Some(Value::Array(new)) => new,
                    _ => Vec::new(),
                };
            }
            (PatchOpKind::Add, None, None) => {
                if let Some(Value::Array(new)) =
                    coerce_attribute(def, value.unwrap_or(Value::Null), label, rules)?
                {
                    for n in new {
                        add_deduplicated(&mut items, n);
                    }
                }
            }
            // A filter selects values.
            (PatchOpKind::Remove, Some(_), None) => {
                let hit = matches(&items);
                let mut i = 0;
                items.retain(|_| {
                    let keep = !hit.contains(&i);
                    i += 1;
                    keep
                });
            }
            (PatchOpKind::Remove, _, Some(sub)) => {
                for i in matches(&items) {
                    if let Some(obj) = items[i].as_object_mut() {
                        remove_key_ci(obj, &sub.name);
                    }
                }
                items.retain(|i| !i.as_object().is_some_and(Map::is_empty));
            }
            (_, Some(f), None) => {
                let new = coerce_single(def, value.unwrap_or(Value::Null), label, rules)?;
                let Some(Value::Object(new)) = new else {
                    return Err(ScimError::invalid_value(format!(
                        "\"{label}\": the value must be an object"
                    )));
                };
                let hit = matches(&items);
                if hit.is_empty() {
                    let element = self.missing_element(f, def, label)?;
                    let mut element = element;
                    element.extend(new.clone());
                    items.push(Value::Object(element));
                }
                for i in hit {
                    if op == PatchOpKind::Replace {
                        items[i] = Value::Object(new.clone());
                    } else if let Some(obj) = items[i].as_object_mut() {
                        obj.extend(new.clone());
                    }
                }
            }
            (_, f, Some(sub)) => {
                let v = coerce_single(sub, value.unwrap_or(Value::Null), label, rules)?;
                let hit = matches(&items);
                if hit.is_empty() {
                    if let (Some(f), Some(v)) = (f, v.clone()) {
                        let mut element = self.missing_element(f, def, label)?;
                        element.insert(sub.name.clone(), v);
                        items.push(Value::Object(element));
                    } else if f.is_some() {
                        return Err(ScimError::no_target(format!(
                            "\"{label}\" matches no value"
                        )));
                    }
                }
                for i in hit {
                    if let Some(obj) = items[i].as_object_mut() {
                        if sub.mutability == Mutability::Immutable
                            && get_ci(obj, &sub.name).is_some_and(|old| Some(old) != v.as_ref())
                        {
                            return Err(ScimError::mutability(format!(
                                "\"{label}\": {}.{} is immutable; remove the value and add a new one instead",
                                def.name, sub.name
                            )));
                        }
                        match &v {
                            Some(v) => {
                                obj.insert(sub.name.clone(), v.clone());
                            }
                            None => {
                                remove_key_ci(obj, &sub.name);
                            }
                        }
                    }
                }
                items.retain(|i| !i.as_object().is_some_and(Map::is_empty));
            }
        }
        enforce_single_primary(&mut items, &primary_before);
        set_key(
            container,
            &def.name,
            (!items.is_empty()).then_some(Value::Array(items)),
        );
        Ok(())
    }

    /// The value to add when a filter like `type eq "work"` matched nothing.
    fn missing_element(
        &self,
        filter: &Filter,
        def: &AttributeDef,
        label: &dyn Display,
    ) -> ScimResult<Map<String, Value>> {
        let no_target = || ScimError::no_target(format!("\"{label}\" matches no value"));
        if !self.rules.create_missing_values {
            return Err(no_target());
        }
        let equalities = filter.equalities().ok_or_else(no_target)?;
        let mut element = Map::new();
        for (path, literal) in equalities {
            let sub = (path.urn().is_none() && path.sub_attr().is_none())
                .then(|| def.sub(path.name()))
                .flatten()
                .ok_or_else(no_target)?;
            let value = match literal {
                Literal::String(s) => Value::String(s.clone()),
                Literal::Bool(b) => Value::Bool(*b),
                Literal::Number(n) => Value::Number(n.clone()),
                Literal::Null => return Err(no_target()),
            };
            element.insert(sub.name.clone(), value);
        }
        note(Leniency::CreateMissingValues);
        Ok(element)
    }
}

/// readOnly attributes cannot change (a PATCH that sets the value they already have, such as
/// Okta's `id` in a group rename, is accepted); immutable ones cannot change once set.
fn guard_mutability(
    def: &AttributeDef,
    sub: Option<&AttributeDef>,
    before: Option<&Value>,
    after: Option<&Value>,
    label: &dyn Display,
) -> ScimResult<()> {
    if before == after {
        return Ok(());
    }
    let leaf = sub.unwrap_or(def);
    match (def.mutability, leaf.mutability) {
        (Mutability::ReadOnly, _) | (_, Mutability::ReadOnly) => Err(ScimError::mutability(
            format!("\"{label}\" is readOnly and cannot be modified"),
        )),
        (Mutability::Immutable, _) if before.is_some() => Err(ScimError::mutability(format!(
            "\"{label}\" is immutable and already has a value; it cannot be changed"
        ))),
        (_, Mutability::Immutable)
            if !def.multi_valued && before.is_some_and(|b| b.get(&leaf.name).is_some()) =>
        {
            Err(ScimError::mutability(format!(
                "\"{label}\" is immutable and already has a value; it cannot be changed"
            )))
        }
        _ => Ok(()),
    }
}

fn container_mut<'a>(
    map: &'a mut Map<String, Value>,
    extension: Option<&Schema>,
) -> &'a mut Map<String, Value> {
    match extension {
        None => map,
        Some(ext) => {
            // Reuse the extension object under whatever case it was stored.
            let key = map
                .keys()
                .find(|k| k.eq_ignore_ascii_case(&ext.id))
                .cloned()
                .unwrap_or_else(|| ext.id.clone());
            object_slot(map, &key)
        }
    }
}

fn object_slot<'a>(map: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let key = map
        .keys()
        .find(|k| k.eq_ignore_ascii_case(key))
        .cloned()
        .unwrap_or_else(|| key.to_owned());
    let slot = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    match slot {
        Value::Object(obj) => obj,
        _ => unreachable!("slot was just made an object"),
    }
}

/// Sets (in place, keeping the attribute's position) or removes an attribute.
fn set_key(map: &mut Map<String, Value>, name: &str, value: Option<Value>) {
    match (get_mut_ci(map, name), value) {
        (Some(slot), Some(v)) => *slot = v,
        (None, Some(v)) => {
            map.insert(name.to_owned(), v);
        }
        (_, None) => remove_key_ci(map, name),
    }
}

fn get_mut_ci<'a>(map: &'a mut Map<String, Value>, key: &str) -> Option<&'a mut Value> {
    let key = map.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned()?;
    map.get_mut(&key)
}

fn remove_key_ci(map: &mut Map<String, Value>, key: &str) {
    if map.shift_remove(key).is_none()
        && let Some(k) = map.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned()
    {
        map.shift_remove(&k);
    }
}

fn is_primary(item: &Value) -> bool {
    item.get("primary").is_some_and(|p| p == &Value::Bool(true))
}

/// Whether two values of a multi-valued attribute are the same value: equal `value`
/// sub-attributes (and equal `type`s when both have one), or equal JSON when there is no `value`.
fn same_value(a: &Value, b: &Value) -> bool {
    match (a.as_object(), b.as_object()) {
        (Some(x), Some(y)) => match (x.get("value"), y.get("value")) {
            (Some(vx), Some(vy)) => {
                let types_agree = match (
                    x.get("type").and_then(Value::as_str),
                    y.get("type").and_then(Value::as_str),
                ) {
                    (Some(tx), Some(ty)) => tx.eq_ignore_ascii_case(ty),
                    _ => true,
                };
                vx == vy && types_agree
            }
            _ => x == y,
        },
        _ => a == b,
    }
}

/// Adds a value unless it is already there; a duplicate's other sub-attributes are merged in.
fn add_deduplicated(items: &mut Vec<Value>, new: Value) {
    if let Some(existing) = items.iter_mut().find(|i| same_value(i, &new)) {
        if let (Some(e), Value::Object(n)) = (existing.as_object_mut(), new) {
            e.extend(n);
        }
        return;
    }
    items.push(new);
}

/// RFC 7644 §3.5.2: setting `primary` on one value clears it on the others. The value that
/// became primary in this operation wins; otherwise the last one does.
fn enforce_single_primary(items: &mut [Value], primary_before: &[Value]) {
    let primaries: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, i)| is_primary(i))
        .map(|(i, _)| i)
        .collect();
    if primaries.len() <= 1 {
        return;
    }
    let winner = primaries
        .iter()
        .rev()
        .find(|i| !primary_before.contains(&items[**i]))
        .or(primaries.last())
        .copied();
    for i in primaries {
        if Some(i) != winner
            && let Some(obj) = items[i].as_object_mut()
        {
            obj.insert("primary".into(), Value::Bool(false));
        }
    }
}

#[cfg(test)]
mod tests;
