//! Resources (RFC 7643 §3): turning a request body into a normalised resource and back.
//!
//! Normalising does what RFC 7643 §2.1 and §7 ask of a service provider: attribute names are
//! matched case-insensitively and stored in their canonical case, URN-qualified names
//! (`urn:…:enterprise:2.0:User:department`) land in their extension object, values are checked
//! against their type, readOnly attributes are ignored on input, nulls and empty arrays mean
//! "unassigned". Data the registry does not know is kept losslessly unless the caller's
//! [`InputRules`] say to drop or reject it.

use std::fmt::{self, Display, Write as _};

use base64::Engine as _;
use serde_json::{Map, Value};

use crate::error::{ScimError, ScimResult};
use crate::leniency::{Leniency, note};
use crate::path::AttrPath;
use crate::schema::{
    AttributeDef, AttributeType, Mutability, Resolved, ResourceSchema, find_attribute,
};

/// What to do with attributes and schema URIs the resource type does not define.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnknownAttributes {
    /// Keep them as sent (lossless; the default).
    #[default]
    Preserve,
    /// Drop them silently.
    Ignore,
    /// Reject the request with 400 `invalidSyntax` (interoperability profile §5.3).
    Reject,
}

/// How strictly request values are read. The defaults accept every documented Entra ID and
/// Okta form; a strict client profile tightens them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputRules {
    /// Attributes and schema URIs the resource type does not define.
    pub unknown_attributes: UnknownAttributes,
    /// Accept `"True"`/`"False"` strings (any case) for boolean attributes, as Entra ID sends.
    pub string_booleans: bool,
    /// Accept a bare string for a single-valued reference such as the enterprise `manager`
    /// (Entra ID sends `"manager": "<id>"`): it is read as `{"value": "<id>", "$ref":
    /// "../Users/<id>"}`, and an empty string as no manager.
    pub manager_as_string: bool,
}

impl Default for InputRules {
    fn default() -> Self {
        Self {
            unknown_attributes: UnknownAttributes::Preserve,
            string_booleans: true,
            manager_as_string: true,
        }
    }
}

/// A resource as a JSON object whose attribute names are canonical.
///
/// Core and common attributes sit at the top level; each extension's attributes sit in an
/// object keyed by the extension's URN, as on the wire.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Resource(Map<String, Value>);

impl Resource {
    /// Wraps an already-normalised object (e.g. read back from storage).
    pub fn from_map(map: Map<String, Value>) -> Self {
        Self(map)
    }

    /// Normalises a request body for `resource_type` (POST or PUT).
    ///
    /// Fails with `invalidSyntax` when the body is not an object or has an attribute the rules
    /// reject, and `invalidValue` when a value does not fit its attribute's type. Required
    /// attributes are not checked here (see [`Resource::check_required`]), so that the caller
    /// can complete a resource first.
    pub fn from_request(
        body: Value,
        schema: &ResourceSchema,
        rules: &InputRules,
    ) -> ScimResult<Self> {
        let Value::Object(input) = body else {
            return Err(ScimError::invalid_syntax(
                "the request body must be a JSON object",
            ));
        };
        let mut out = Map::new();
        let mut listed_schemas: Vec<String> = Vec::new();
        for (key, value) in input {
            if key.eq_ignore_ascii_case("schemas") {
                listed_schemas = read_schemas(&value)?;
                continue;
            }
            insert_top_level(&mut out, &key, value, schema, rules)?;
        }
        check_listed_schemas(&listed_schemas, schema, rules)?;
        let mut resource = Self(out);
        resource.set_schemas(schema);
        Ok(resource)
    }

    /// The underlying object.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }

    /// The underlying object, mutably.
    pub fn as_map_mut(&mut self) -> &mut Map<String, Value> {
        &mut self.0
    }

    /// Consumes the resource into its object.
    pub fn into_map(self) -> Map<String, Value> {
        self.0
    }

    /// Consumes the resource into a JSON value.
    pub fn into_value(self) -> Value {
        Value::Object(self.0)
    }

    /// A string attribute at the top level (e.g. `userName`, `id`).
    pub fn str_attr(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(Value::as_str)
    }

    /// The value of an attribute (a whole attribute, or a sub-attribute of a single complex one).
    pub fn get(&self, path: &AttrPath, schema: &ResourceSchema) -> Option<&Value> {
        let Some(Resolved::Attribute(attr)) = schema.resolve(path) else {
            return None;
        };
        let container = match attr.extension {
            Some(ext) => get_ci(&self.0, &ext.id)?.as_object()?,
            None => &self.0,
        };
        let value = get_ci(container, &attr.def.name)?;
        match attr.sub {
            Some(sub) if !attr.def.multi_valued => get_ci(value.as_object()?, &sub.name),
            _ => Some(value),
        }
    }

    /// Checks that every required attribute (and required extension) has a value.
    pub fn check_required(&self, schema: &ResourceSchema) -> ScimResult<()> {
        check_required_in(&self.0, schema.core().attributes.as_slice(), "")?;
        for (ext, required) in schema.extensions() {
            match get_ci(&self.0, &ext.id).and_then(Value::as_object) {
                Some(obj) => check_required_in(obj, &ext.attributes, &format!("{}:", ext.id))?,
                None if required => {
                    return Err(ScimError::invalid_value(format!(
                        "the extension {} is required for {} resources",
                        ext.id,
                        schema.resource_type().name
                    )));
                }
                None => {}
            }
        }
        Ok(())
    }

    /// Recomputes `schemas`: the core URN, every extension with data, and — when unknown data
    /// is preserved — the URNs of unknown extension objects.
    pub fn set_schemas(&mut self, schema: &ResourceSchema) {
        let mut urns = vec![Value::String(schema.core().id.clone())];
        for (key, value) in &self.0 {
            if !is_urn(key) || !value.is_object() {
                continue;
            }
            // A known extension in its canonical spelling, or unknown extension data (kept as
            // sent) that the rules chose to preserve.
            let canonical = schema
                .extension(key)
                .map_or_else(|| key.clone(), |e| e.id.clone());
            urns.push(Value::String(canonical));
        }
        let urns = Value::Array(urns);
        match self.0.get_mut("schemas") {
            Some(existing) => {
                if *existing != urns {
                    *existing = urns;
                }
            }
            // `schemas` first, as every RFC example shows it.
            None => {
                self.0.shift_insert(0, "schemas".into(), urns);
            }
        }
    }

    /// Applies RFC 7644 §3.5.1 PUT semantics: `self` is the incoming replacement, `existing` the
    /// stored resource. readOnly attributes come from `existing`; immutable attributes must not
    /// change (omitting them keeps them); writeOnly attributes the client cannot read back
    /// (`password`) are kept when omitted.
    pub fn replacing(mut self, existing: &Resource, schema: &ResourceSchema) -> ScimResult<Self> {
        carry_over(&mut self.0, &existing.0, schema.common(), "")?;
        carry_over(&mut self.0, &existing.0, &schema.core().attributes, "")?;
        for (ext, _) in schema.extensions() {
            let old = get_ci(&existing.0, &ext.id).and_then(Value::as_object);
            let Some(old) = old else { continue };
            let mut new = self
                .0
                .get(&ext.id)
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            carry_over(&mut new, old, &ext.attributes, &format!("{}:", ext.id))?;
            if !new.is_empty() {
                self.0.insert(ext.id.clone(), Value::Object(new));
            }
        }
        self.set_schemas(schema);
        Ok(self)
    }
}

/// `parent[index]`, formatted only when an error message needs it.
struct Index<'a>(&'a dyn Display, usize);

impl Display for Index<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.0, self.1)
    }
}

/// `parent` + separator + `name`, formatted only when an error message needs it.
struct Child<'a>(&'a dyn Display, &'static str, &'a str);

impl Display for Child<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{}", self.0, self.1, self.2)
    }
}

/// Whether a key is a schema URN (`urn:` in any case).
pub fn is_urn(key: &str) -> bool {
    key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
}

/// Looks a key up exactly, then case-insensitively.
pub fn get_ci<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn read_schemas(value: &Value) -> ScimResult<Vec<String>> {
    let Value::Array(items) = value else {
        return Err(ScimError::invalid_syntax(
            "\"schemas\" must be an array of schema URNs",
        ));
    };
    items
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| ScimError::invalid_syntax("\"schemas\" must contain only strings"))
        })
        .collect()
}

fn check_listed_schemas(
    listed: &[String],
    schema: &ResourceSchema,
    rules: &InputRules,
) -> ScimResult<()> {
    let Some(unknown) = listed.iter().find(|urn| {
        !schema
            .schema_urns()
            .any(|known| known.eq_ignore_ascii_case(urn))
    }) else {
        return Ok(());
    };
    if rules.unknown_attributes == UnknownAttributes::Reject {
        return Err(ScimError::invalid_syntax(format!(
            "the schema {unknown} is not supported for {} resources (switch unknownAttributes)",
            schema.resource_type().name
        )));
    }
    note(Leniency::UnknownAttributes);
    Ok(())
}

fn unknown(
    out: &mut Map<String, Value>,
    key: &str,
    value: Value,
    what: &dyn Display,
    rules: &InputRules,
) -> ScimResult<()> {
    match rules.unknown_attributes {
        UnknownAttributes::Preserve => {
            note(Leniency::UnknownAttributes);
            out.insert(key.to_owned(), value);
            Ok(())
        }
        UnknownAttributes::Ignore => {
            note(Leniency::UnknownAttributes);
            Ok(())
        }
        UnknownAttributes::Reject => Err(ScimError::invalid_syntax(format!(
            "\"{key}\" is not a defined attribute of {what} (switch unknownAttributes)"
        ))),
    }
}

fn insert_top_level(
    out: &mut Map<String, Value>,
    key: &str,
    value: Value,
    schema: &ResourceSchema,
    rules: &InputRules,
) -> ScimResult<()> {
    if value.is_null() {
        return Ok(());
    }
    if let Some(ext) = schema.extension(key) {
        let Value::Object(inner) = value else {
            return Err(ScimError::invalid_value(format!(
                "{}: the extension must be a JSON object",
                ext.id
            )));
        };
        let target = ensure_object(out, &ext.id);
        for (k, v) in inner {
            // Clients that write the extension as an object of its own name it in `schemas`.
            if k.eq_ignore_ascii_case("schemas") {
                continue;
            }
            match find_attribute(&ext.attributes, &k) {
                Some(def) => set_attr(target, def, v, &format!("{}:", ext.id), rules)?,
                None => unknown(target, &k, v, &ext.id, rules)?,
            }
        }
        if target.is_empty() {
            out.shift_remove(&ext.id);
        }
        return Ok(());
    }
    if let Some(def) = schema.core_attribute(key) {
        return set_attr(out, def, value, "", rules);
    }
    // URN-qualified names, and extension attributes named without their URN.
    if let Ok(path) = AttrPath::parse(key)
        && path.sub_attr().is_none()
        && let Some(Resolved::Attribute(attr)) = schema.resolve(&path)
    {
        return match attr.extension {
            None => set_attr(out, attr.def, value, "", rules),
            Some(ext) => {
                let prefix = format!("{}:", ext.id);
                set_attr(ensure_object(out, &ext.id), attr.def, value, &prefix, rules)?;
                if out
                    .get(&ext.id)
                    .and_then(Value::as_object)
                    .is_some_and(Map::is_empty)
                {
                    out.shift_remove(&ext.id);
                }
                Ok(())
            }
        };
    }
    unknown(
        out,
        key,
        value,
        &format!("the {} resource type", schema.resource_type().name),
        rules,
    )
}

fn ensure_object<'a>(map: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let slot = map
        .entry(key.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    match slot {
        Value::Object(m) => m,
        _ => unreachable!("slot was just made an object"),
    }
}

/// Sets one attribute from input: readOnly attributes are ignored, values are coerced.
fn set_attr(
    out: &mut Map<String, Value>,
    def: &AttributeDef,
    value: Value,
    prefix: &str,
    rules: &InputRules,
) -> ScimResult<()> {
    if def.mutability == Mutability::ReadOnly {
        return Ok(());
    }
    match coerce_attribute(def, value, &Child(&prefix, "", &def.name), rules)? {
        Some(v) => {
            out.insert(def.name.clone(), v);
        }
        None => {
            out.shift_remove(&def.name);
        }
    }
    Ok(())
}

/// Coerces a value for an attribute (single or multi-valued). `None` means unassigned.
pub fn coerce_attribute(
    def: &AttributeDef,
    value: Value,
    location: &dyn Display,
    rules: &InputRules,
) -> ScimResult<Option<Value>> {
    if def.multi_valued {
        let items = match value {
            Value::Null => return Ok(None),
            Value::Array(items) => items,
            single => vec![single],
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            if let Some(v) = coerce_single(def, item, &Index(location, i), rules)? {
                out.push(v);
            }
        }
        return Ok(if out.is_empty() {
            None
        } else {
            Some(Value::Array(out))
        });
    }
    match value {
        // Entra sends single-valued complex attributes (manager) as a one-element array.
        Value::Array(mut items) if items.len() <= 1 => match items.pop() {
            Some(item) => coerce_single(def, item, location, rules),
            None => Ok(None),
        },
        Value::Array(_) => Err(ScimError::invalid_value(format!(
            "{location}: the attribute is single-valued, but an array of several values was sent"
        ))),
        other => coerce_single(def, other, location, rules),
    }
}

/// Coerces one value (not an array) for an attribute or one element of a multi-valued one.
pub fn coerce_single(
    def: &AttributeDef,
    value: Value,
    location: &dyn Display,
    rules: &InputRules,
) -> ScimResult<Option<Value>> {
    if value.is_null() {
        return Ok(None);
    }
    if def.kind == AttributeType::Complex {
        let input = match value {
            Value::Object(input) => input,
            Value::String(id) if reference_endpoint(def).is_some() => {
                return reference_from_id(def, id, location, rules);
            }
            other => {
                return Err(ScimError::invalid_value(format!(
                    "{location}: expected a JSON object with sub-attributes, got {}",
                    describe(&other)
                )));
            }
        };
        let mut out = Map::new();
        for (k, v) in input {
            match def.sub(&k) {
                Some(sub) if sub.mutability == Mutability::ReadOnly => {}
                Some(sub) => {
                    if let Some(v) = coerce_simple(sub, v, &Child(location, ".", &sub.name), rules)?
                    {
                        out.insert(sub.name.clone(), v);
                    }
                }
                None => unknown(&mut out, &k, v, location, rules)?,
            }
        }
        return Ok(if out.is_empty() {
            None
        } else {
            Some(Value::Object(out))
        });
    }
    coerce_simple(def, value, location, rules)
}

/// The endpoint a single-valued complex attribute refers to when it is a reference to one
/// resource type, with `value` and `$ref` sub-attributes (the enterprise `manager`): `Users`.
fn reference_endpoint(def: &AttributeDef) -> Option<String> {
    if def.multi_valued || def.sub("value").is_none() {
        return None;
    }
    let reference = def.sub("$ref")?;
    match reference.reference_types.as_slice() {
        [one] if reference.kind == AttributeType::Reference => Some(format!("{one}s")),
        _ => None,
    }
}

/// A bare id sent for a reference such as the manager: read as its `value` with a relative
/// `$ref` (as RFC 7643 §4.3's example writes it) where the rules accept it.
fn reference_from_id(
    def: &AttributeDef,
    id: String,
    location: &dyn Display,
    rules: &InputRules,
) -> ScimResult<Option<Value>> {
    if !rules.manager_as_string {
        return Err(ScimError::invalid_value(format!(
            "{location}: expected a JSON object with sub-attributes such as {{\"value\": \"{}\"}}, got a string (switch managerAsString)",
            id.chars().take(64).collect::<String>()
        )));
    }
    note(Leniency::ManagerAsString);
    if id.trim().is_empty() {
        return Ok(None);
    }
    let value = coerce_simple(
        def.sub("value").unwrap_or(def),
        Value::String(id),
        &Child(location, ".", "value"),
        rules,
    )?;
    let Some(Value::String(id)) = value else {
        return Ok(None);
    };
    let endpoint = reference_endpoint(def).unwrap_or_default();
    let mut out = Map::new();
    out.insert("value".into(), Value::String(id.clone()));
    out.insert(
        "$ref".into(),
        Value::String(format!("../{endpoint}/{}", encode_segment(&id))),
    );
    Ok(Some(Value::Object(out)))
}

/// Percent-encodes what a URI path segment may not hold as it is.
fn encode_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Coerces a value of a simple (non-complex) type.
fn coerce_simple(
    def: &AttributeDef,
    value: Value,
    location: &dyn Display,
    rules: &InputRules,
) -> ScimResult<Option<Value>> {
    let bad = |expected: &str, value: &Value| {
        ScimError::invalid_value(format!(
            "{location}: expected {expected}, got {}",
            describe(value)
        ))
    };
    if let Value::String(s) = &value
        && let Some(c) = s.chars().find(|c| is_forbidden_control(*c))
    {
        return Err(ScimError::invalid_value(format!(
            "{location}: the value holds the control character U+{:04X}; only tabs and line breaks are accepted",
            u32::from(c)
        )));
    }
    let ok = match (def.kind, &value) {
        (_, Value::Null) => return Ok(None),
        (AttributeType::String | AttributeType::Reference, Value::String(_))
        | (AttributeType::Boolean, Value::Bool(_))
        | (AttributeType::Decimal, Value::Number(_)) => true,
        (AttributeType::Integer, Value::Number(n)) => n.is_i64() || n.is_u64(),
        (AttributeType::Boolean, Value::String(s))
            if !rules.string_booleans && parse_bool(s).is_some() =>
        {
            return Err(ScimError::invalid_value(format!(
                "{location}: expected a boolean (true or false), got the string \"{s}\" (switch stringBooleans)"
            )));
        }
        (AttributeType::Boolean, Value::String(s)) if rules.string_booleans => {
            return match parse_bool(s) {
                Some(b) => {
                    note(Leniency::StringBooleans);
                    Ok(Some(Value::Bool(b)))
                }
                None => Err(bad("a boolean (true or false)", &value)),
            };
        }
        (AttributeType::DateTime, Value::String(s)) => {
            if chrono::DateTime::parse_from_rfc3339(s).is_err() {
                return Err(ScimError::invalid_value(format!(
                    "{location}: \"{s}\" is not an xsd:dateTime such as 2011-05-13T04:42:34Z"
                )));
            }
            true
        }
        (AttributeType::Binary, Value::String(s)) => {
            let engine = base64::engine::general_purpose::STANDARD;
            if engine.decode(s).is_err()
                && base64::engine::general_purpose::STANDARD_NO_PAD
                    .decode(s)
                    .is_err()
            {
                return Err(ScimError::invalid_value(format!(
                    "{location}: the value is not valid base64"
                )));
            }
            true
        }
        _ => false,
    };
    if ok {
        Ok(Some(value))
    } else {
        Err(bad(expected_of(def.kind), &value))
    }
}

/// Control characters no attribute value may hold: NUL and the other C0 and C1 controls, but
/// not tabs and line breaks (a formatted address has them). They reach terminals, logs and
/// other systems' string handling, where they truncate or rewrite what is shown.
fn is_forbidden_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// Reads `true`/`false` in any case, as Entra ID sends booleans (`"False"`).
pub fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn expected_of(kind: AttributeType) -> &'static str {
    match kind {
        AttributeType::String => "a string",
        AttributeType::Reference => "a URI string",
        AttributeType::Boolean => "a boolean (true or false)",
        AttributeType::Decimal => "a number",
        AttributeType::Integer => "an integer",
        AttributeType::DateTime => "an xsd:dateTime string",
        AttributeType::Binary => "a base64 string",
        AttributeType::Complex => "a JSON object",
    }
}

/// A short description of a JSON value for error messages (never the whole value).
pub fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.chars().count() > 40 => {
            format!("a string \"{}…\"", s.chars().take(40).collect::<String>())
        }
        Value::String(s) => format!("\"{s}\""),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

fn check_required_in(
    map: &Map<String, Value>,
    attributes: &[AttributeDef],
    prefix: &str,
) -> ScimResult<()> {
    for def in attributes {
        if def.mutability == Mutability::ReadOnly {
            continue;
        }
        let value = get_ci(map, &def.name);
        if def.required && value.is_none_or(is_unassigned) {
            return Err(ScimError::invalid_value(format!(
                "{prefix}{} is required and has no value",
                def.name
            )));
        }
        if let (Some(value), true) = (value, def.is_complex()) {
            let elements: Vec<&Value> = match value {
                Value::Array(items) => items.iter().collect(),
                other => vec![other],
            };
            for (i, element) in elements.into_iter().enumerate() {
                let Some(obj) = element.as_object() else {
                    continue;
                };
                for sub in def
                    .sub_attributes
                    .iter()
                    .filter(|s| s.required && s.mutability != Mutability::ReadOnly)
                {
                    if get_ci(obj, &sub.name).is_none_or(is_unassigned) {
                        let at = if def.multi_valued {
                            format!("[{i}]")
                        } else {
                            String::new()
                        };
                        return Err(ScimError::invalid_value(format!(
                            "{prefix}{}{at}.{} is required and has no value",
                            def.name, sub.name
                        )));
                    }
                }
            }
        }
    }
    Ok(())
}

fn is_unassigned(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

/// PUT carry-over for one attribute list: readOnly from `old`, immutable checked and kept,
/// writeOnly kept when omitted.
fn carry_over(
    new: &mut Map<String, Value>,
    old: &Map<String, Value>,
    attributes: &[AttributeDef],
    prefix: &str,
) -> ScimResult<()> {
    for def in attributes {
        let old_value = get_ci(old, &def.name);
        match def.mutability {
            Mutability::ReadOnly => match old_value {
                Some(v) => {
                    new.insert(def.name.clone(), v.clone());
                }
                None => {
                    new.shift_remove(&def.name);
                }
            },
            Mutability::Immutable => match (old_value, new.get(&def.name)) {
                (Some(o), Some(n)) if o != n => {
                    return Err(ScimError::mutability(format!(
                        "{prefix}{} is immutable and already has a value; it cannot be changed",
                        def.name
                    )));
                }
                (Some(o), None) => {
                    new.insert(def.name.clone(), o.clone());
                }
                _ => {}
            },
            Mutability::WriteOnly => {
                if let (Some(o), None) = (old_value, new.get(&def.name)) {
                    new.insert(def.name.clone(), o.clone());
                }
            }
            Mutability::ReadWrite => {
                // Immutable sub-attributes of a single complex attribute.
                if def.is_complex() && !def.multi_valued {
                    check_immutable_subs(def, old_value, new.get(&def.name), prefix)?;
                }
            }
        }
    }
    Ok(())
}

fn check_immutable_subs(
    def: &AttributeDef,
    old: Option<&Value>,
    new: Option<&Value>,
    prefix: &str,
) -> ScimResult<()> {
    let (Some(Value::Object(old)), Some(Value::Object(new))) = (old, new) else {
        return Ok(());
    };
    for sub in def
        .sub_attributes
        .iter()
        .filter(|s| s.mutability == Mutability::Immutable)
    {
        if let (Some(o), Some(n)) = (get_ci(old, &sub.name), get_ci(new, &sub.name))
            && o != n
        {
            return Err(ScimError::mutability(format!(
                "{prefix}{}.{} is immutable and already has a value; it cannot be changed",
                def.name, sub.name
            )));
        }
    }
    Ok(())
}

mod merge;
#[cfg(test)]
mod tests;

pub use merge::Unassigned;
