//! Schemas and resource types (RFC 7643 §6, §7) and the registry that resolves attribute paths.
//!
//! The registry starts with the RFC's User, Group and EnterpriseUser schemas and accepts custom
//! extension schemas at run time (for example the custom fields of a mapping plan). Every rule in
//! the crate (validation, filters, PATCH, projection, sorting) asks a [`ResourceSchema`] what an
//! attribute is.

mod attribute;
pub mod core;
mod discovery;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use self::attribute::{
    AttributeDef, AttributeType, Mutability, Returned, Uniqueness, find_attribute,
};
pub use self::discovery::{
    Pagination, ServiceProviderConfig, list_of, resource_type_document, schema_document,
};
use crate::error::{ScimError, ScimResult};
use crate::path::AttrPath;

/// A schema (RFC 7643 §7): an URN id, a name and attribute definitions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// The schema URN.
    pub id: String,
    /// A human-readable name.
    #[serde(default)]
    pub name: String,
    /// A human-readable description.
    #[serde(default)]
    pub description: String,
    /// The attributes the schema defines.
    pub attributes: Vec<AttributeDef>,
}

/// A schema extension a resource type carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaExtension {
    /// The extension schema URN.
    pub schema: String,
    /// Whether resources must carry the extension.
    pub required: bool,
}

/// A resource type (RFC 7643 §6). `id` always equals `name` (interoperability profile §5.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceType {
    /// The resource type name, e.g. `User`.
    pub name: String,
    /// The endpoint relative to the base URL, e.g. `/Users`.
    pub endpoint: String,
    /// A human-readable description.
    pub description: String,
    /// The core schema URN.
    pub schema: String,
    /// The extensions.
    pub schema_extensions: Vec<SchemaExtension>,
}

/// What an attribute path names within a resource type.
#[derive(Debug, Clone, Copy)]
pub enum Resolved<'a> {
    /// An attribute (of the core schema, the common attributes, or an extension).
    Attribute(ResolvedAttr<'a>),
    /// A whole extension object, e.g. `urn:...:enterprise:2.0:User`.
    Extension(&'a Schema),
}

/// An attribute a path resolved to.
#[derive(Debug, Clone, Copy)]
pub struct ResolvedAttr<'a> {
    /// The extension schema holding the attribute; `None` for core and common attributes.
    pub extension: Option<&'a Schema>,
    /// The attribute.
    pub def: &'a AttributeDef,
    /// The sub-attribute, when the path named one.
    pub sub: Option<&'a AttributeDef>,
}

impl<'a> ResolvedAttr<'a> {
    /// The definition of the innermost thing named: the sub-attribute if any, else the attribute.
    pub fn leaf(&self) -> &'a AttributeDef {
        self.sub.unwrap_or(self.def)
    }

    /// The canonical, fully qualified spelling of the path (extensions keep their URN).
    pub fn canonical_path(&self) -> String {
        let mut out = String::new();
        if let Some(ext) = self.extension {
            out.push_str(&ext.id);
            out.push(':');
        }
        out.push_str(&self.def.name);
        if let Some(sub) = self.sub {
            out.push('.');
            out.push_str(&sub.name);
        }
        out
    }
}

/// The schemas of one resource type, ready to answer "what is this attribute?".
#[derive(Debug, Clone)]
pub struct ResourceSchema {
    resource_type: ResourceType,
    common: Arc<Vec<AttributeDef>>,
    core: Arc<Schema>,
    extensions: Vec<(Arc<Schema>, bool)>,
}

impl ResourceSchema {
    /// The resource type.
    pub fn resource_type(&self) -> &ResourceType {
        &self.resource_type
    }

    /// The core schema.
    pub fn core(&self) -> &Schema {
        &self.core
    }

    /// The common attributes (`id`, `externalId`, `meta`).
    pub fn common(&self) -> &[AttributeDef] {
        &self.common
    }

    /// The attributes a response leaves out unless asked for by name (`returned: request`) or
    /// always (`returned: never`, writeOnly), as canonical paths: `password`, `name.x`,
    /// `urn:…:attribute`. Empty when the default response is everything stored.
    pub fn withheld_by_default(&self) -> Vec<String> {
        fn walk(defs: &[AttributeDef], prefix: &str, out: &mut Vec<String>) {
            for def in defs {
                let path = format!("{prefix}{}", def.name);
                if def.returned == Returned::Request
                    || def.returned == Returned::Never
                    || def.mutability == Mutability::WriteOnly
                {
                    out.push(path);
                } else {
                    walk(&def.sub_attributes, &format!("{path}."), out);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.common, "", &mut out);
        walk(&self.core.attributes, "", &mut out);
        for (ext, _) in &self.extensions {
            walk(&ext.attributes, &format!("{}:", ext.id), &mut out);
        }
        out
    }

    /// The extension schemas with their `required` flag.
    pub fn extensions(&self) -> impl Iterator<Item = (&Schema, bool)> {
        self.extensions.iter().map(|(s, r)| (s.as_ref(), *r))
    }

    /// Finds an extension schema by URN, case-insensitively.
    pub fn extension(&self, urn: &str) -> Option<&Schema> {
        self.extensions
            .iter()
            .map(|(s, _)| s.as_ref())
            .find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    /// Finds a core or common attribute by name, case-insensitively.
    pub fn core_attribute(&self, name: &str) -> Option<&AttributeDef> {
        find_attribute(&self.common, name).or_else(|| find_attribute(&self.core.attributes, name))
    }

    /// Resolves a path against this resource type, or `None` when it names nothing here.
    pub fn resolve(&self, path: &AttrPath) -> Option<Resolved<'_>> {
        let (extension, def) = match path.urn() {
            None => match self.core_attribute(path.name()) {
                Some(def) => (None, def),
                None => self.unqualified_extension_attribute(path.name())?,
            },
            Some(urn) if urn.eq_ignore_ascii_case(&self.core.id) => {
                (None, self.core_attribute(path.name())?)
            }
            Some(urn) => {
                if let Some(ext) = self.extension(urn) {
                    (Some(ext), find_attribute(&ext.attributes, path.name())?)
                } else {
                    let whole = path.as_schema_urn()?;
                    return self.extension(&whole).map(Resolved::Extension);
                }
            }
        };
        let sub = match path.sub_attr() {
            None => None,
            Some(name) => Some(def.sub(name)?),
        };
        Some(Resolved::Attribute(ResolvedAttr {
            extension,
            def,
            sub,
        }))
    }

    /// An extension attribute named without its URN (Entra ID documents `"path": "manager"`),
    /// when exactly one extension defines that name.
    fn unqualified_extension_attribute(
        &self,
        name: &str,
    ) -> Option<(Option<&Schema>, &AttributeDef)> {
        let mut found = self.extensions.iter().filter_map(|(s, _)| {
            find_attribute(&s.attributes, name).map(|d| (Some(s.as_ref()), d))
        });
        let first = found.next()?;
        found.next().is_none().then_some(first)
    }

    /// Resolves a path that must name an attribute, or explains why it does not.
    pub fn resolve_attribute(&self, path: &AttrPath) -> Result<ResolvedAttr<'_>, String> {
        match self.resolve(path) {
            Some(Resolved::Attribute(attr)) => Ok(attr),
            Some(Resolved::Extension(ext)) => Err(format!(
                "\"{path}\" names the whole extension {}, not an attribute",
                ext.id
            )),
            None => Err(format!(
                "\"{path}\" is not an attribute of the {} resource type",
                self.resource_type.name
            )),
        }
    }

    /// The schema URNs this resource type knows: the core schema and every extension.
    pub fn schema_urns(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.core.id.as_str())
            .chain(self.extensions.iter().map(|(s, _)| s.id.as_str()))
    }
}

/// The set of schemas and resource types a SCIM service provider serves.
#[derive(Debug, Clone)]
pub struct SchemaRegistry {
    common: Arc<Vec<AttributeDef>>,
    schemas: Vec<Arc<Schema>>,
    resource_types: Vec<Arc<ResourceSchema>>,
}

impl Default for SchemaRegistry {
    fn default() -> Self {
        Self::standard()
    }
}

impl SchemaRegistry {
    /// The RFC 7643 registry: User (with the EnterpriseUser extension) and Group.
    pub fn standard() -> Self {
        let mut registry = Self {
            common: Arc::new(core::common_attributes()),
            schemas: vec![
                Arc::new(core::user_schema()),
                Arc::new(core::group_schema()),
                Arc::new(core::enterprise_user_schema()),
            ],
            resource_types: Vec::new(),
        };
        let types = [
            ResourceType {
                name: "User".into(),
                endpoint: "/Users".into(),
                description: "User Account".into(),
                schema: core::USER_SCHEMA.into(),
                schema_extensions: vec![SchemaExtension {
                    schema: core::ENTERPRISE_USER_SCHEMA.into(),
                    required: false,
                }],
            },
            ResourceType {
                name: "Group".into(),
                endpoint: "/Groups".into(),
                description: "Group".into(),
                schema: core::GROUP_SCHEMA.into(),
                schema_extensions: Vec::new(),
            },
        ];
        for rt in types {
            // The standard schemas are all present, so this cannot fail.
            if let Ok(built) = registry.build(rt) {
                registry.resource_types.push(Arc::new(built));
            }
        }
        registry
    }

    fn build(&self, resource_type: ResourceType) -> ScimResult<ResourceSchema> {
        let core = self.schema_arc(&resource_type.schema).ok_or_else(|| {
            ScimError::invalid_value(format!("unknown schema {}", resource_type.schema))
        })?;
        let mut extensions = Vec::new();
        for ext in &resource_type.schema_extensions {
            let schema = self.schema_arc(&ext.schema).ok_or_else(|| {
                ScimError::invalid_value(format!("unknown extension schema {}", ext.schema))
            })?;
            extensions.push((schema, ext.required));
        }
        Ok(ResourceSchema {
            resource_type,
            common: Arc::clone(&self.common),
            core,
            extensions,
        })
    }

    fn schema_arc(&self, id: &str) -> Option<Arc<Schema>> {
        self.schemas
            .iter()
            .find(|s| s.id.eq_ignore_ascii_case(id))
            .cloned()
    }

    /// Adds (or replaces) a custom extension schema and attaches it to a resource type.
    ///
    /// The schema's id must be a URN, its attribute names valid and unique, and it must not
    /// replace a core schema.
    pub fn add_extension(
        &mut self,
        resource_type: &str,
        schema: Schema,
        required: bool,
    ) -> ScimResult<()> {
        validate_extension(&schema)?;
        if [core::USER_SCHEMA, core::GROUP_SCHEMA]
            .iter()
            .any(|c| c.eq_ignore_ascii_case(&schema.id))
        {
            return Err(ScimError::invalid_value(format!(
                "{} is a core schema and cannot be redefined",
                schema.id
            )));
        }
        let index = self
            .resource_types
            .iter()
            .position(|rt| rt.resource_type.name.eq_ignore_ascii_case(resource_type))
            .ok_or_else(|| {
                ScimError::invalid_value(format!("unknown resource type {resource_type}"))
            })?;
        let id = schema.id.clone();
        match self
            .schemas
            .iter()
            .position(|s| s.id.eq_ignore_ascii_case(&id))
        {
            Some(i) => self.schemas[i] = Arc::new(schema),
            None => self.schemas.push(Arc::new(schema)),
        }
        let mut rt = self.resource_types[index].resource_type.clone();
        match rt
            .schema_extensions
            .iter_mut()
            .find(|e| e.schema.eq_ignore_ascii_case(&id))
        {
            Some(ext) => ext.required = required,
            None => rt.schema_extensions.push(SchemaExtension {
                schema: id,
                required,
            }),
        }
        // Rebuild every resource type so all of them see the new schema version.
        let rebuilt: ScimResult<Vec<_>> = self
            .resource_types
            .iter()
            .enumerate()
            .map(|(i, existing)| {
                let def = if i == index {
                    rt.clone()
                } else {
                    existing.resource_type.clone()
                };
                self.build(def).map(Arc::new)
            })
            .collect();
        self.resource_types = rebuilt?;
        Ok(())
    }

    /// Every schema, in registration order.
    pub fn schemas(&self) -> impl Iterator<Item = &Schema> {
        self.schemas.iter().map(AsRef::as_ref)
    }

    /// A schema by URN, case-insensitively.
    pub fn schema(&self, id: &str) -> Option<&Schema> {
        self.schemas
            .iter()
            .map(AsRef::as_ref)
            .find(|s| s.id.eq_ignore_ascii_case(id))
    }

    /// Every resource type.
    pub fn resource_types(&self) -> impl Iterator<Item = &ResourceSchema> {
        self.resource_types.iter().map(AsRef::as_ref)
    }

    /// A resource type by name (`User`), case-insensitively.
    pub fn resource_type(&self, name: &str) -> Option<&ResourceSchema> {
        self.resource_types
            .iter()
            .map(AsRef::as_ref)
            .find(|rt| rt.resource_type.name.eq_ignore_ascii_case(name))
    }

    /// A shared handle to a resource type, for callers that keep it beyond the registry borrow.
    pub fn resource_type_arc(&self, name: &str) -> Option<Arc<ResourceSchema>> {
        self.resource_types
            .iter()
            .find(|rt| rt.resource_type.name.eq_ignore_ascii_case(name))
            .cloned()
    }

    /// The User resource type.
    pub fn user(&self) -> &ResourceSchema {
        self.resource_type("User")
            .unwrap_or(&self.resource_types[0])
    }

    /// The Group resource type.
    pub fn group(&self) -> &ResourceSchema {
        self.resource_type("Group")
            .unwrap_or(&self.resource_types[0])
    }
}

fn validate_extension(schema: &Schema) -> ScimResult<()> {
    if !schema.id.to_ascii_lowercase().starts_with("urn:")
        || schema.id.contains(char::is_whitespace)
    {
        return Err(ScimError::invalid_value(format!(
            "schema id \"{}\" must be a URN such as urn:example:params:scim:schemas:extension:acme:2.0:User",
            schema.id
        )));
    }
    check_attributes(&schema.attributes, &schema.id)
}

fn check_attributes(attributes: &[AttributeDef], owner: &str) -> ScimResult<()> {
    for (i, attr) in attributes.iter().enumerate() {
        if !crate::path::is_attr_name(&attr.name) {
            return Err(ScimError::invalid_value(format!(
                "\"{}\" in {owner} is not a valid attribute name",
                attr.name
            )));
        }
        if attributes[..i]
            .iter()
            .any(|a| a.name.eq_ignore_ascii_case(&attr.name))
        {
            return Err(ScimError::invalid_value(format!(
                "attribute \"{}\" is defined twice in {owner}",
                attr.name
            )));
        }
        if attr.is_complex() {
            if attr.sub_attributes.is_empty() {
                return Err(ScimError::invalid_value(format!(
                    "complex attribute \"{}\" in {owner} has no sub-attributes",
                    attr.name
                )));
            }
            if attr.sub_attributes.iter().any(AttributeDef::is_complex) {
                return Err(ScimError::invalid_value(format!(
                    "complex attribute \"{}\" in {owner} has a complex sub-attribute (RFC 7643 §2.3.8 forbids nesting)",
                    attr.name
                )));
            }
            check_attributes(&attr.sub_attributes, &format!("{owner}:{}", attr.name))?;
        } else if !attr.sub_attributes.is_empty() {
            return Err(ScimError::invalid_value(format!(
                "attribute \"{}\" in {owner} has sub-attributes but is of type {}",
                attr.name,
                attr.kind.as_str()
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_paths_case_insensitively_including_urn_qualified_ones() {
        let registry = SchemaRegistry::standard();
        let user = registry.user();
        let Some(Resolved::Attribute(a)) = user.resolve(&AttrPath::parse("USERNAME").unwrap())
        else {
            panic!("userName must resolve")
        };
        assert_eq!(a.def.name, "userName");
        let Some(Resolved::Attribute(a)) = user.resolve(
            &AttrPath::parse(
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:Manager.Value",
            )
            .unwrap(),
        ) else {
            panic!("manager.value must resolve")
        };
        assert_eq!(
            a.canonical_path(),
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"
        );
        let core_qualified =
            AttrPath::parse("urn:ietf:params:scim:schemas:core:2.0:User:name.familyName").unwrap();
        assert_eq!(
            user.resolve_attribute(&core_qualified)
                .unwrap()
                .canonical_path(),
            "name.familyName"
        );
        assert!(matches!(
            user.resolve(
                &AttrPath::parse("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
                    .unwrap()
            ),
            Some(Resolved::Extension(_))
        ));
        assert!(
            user.resolve(&AttrPath::parse("noSuchAttr").unwrap())
                .is_none()
        );
        let Some(Resolved::Attribute(a)) = user.resolve(&AttrPath::parse("manager").unwrap())
        else {
            panic!("an unqualified extension attribute resolves when unambiguous")
        };
        assert_eq!(
            a.canonical_path(),
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"
        );
        assert!(
            user.resolve(&AttrPath::parse("name.noSuchSub").unwrap())
                .is_none()
        );
        assert!(
            registry
                .group()
                .resolve(&AttrPath::parse("userName").unwrap())
                .is_none()
        );
    }

    #[test]
    fn lists_what_a_default_response_withholds() {
        let mut registry = SchemaRegistry::standard();
        assert_eq!(registry.user().withheld_by_default(), ["password"]);
        assert!(registry.group().withheld_by_default().is_empty());
        let schema: Schema = serde_json::from_value(serde_json::json!({
            "id": "urn:acme:params:scim:schemas:extension:acme:2.0:User",
            "name": "AcmeUser",
            "attributes": [
                {"name": "pin", "type": "string", "mutability": "writeOnly", "returned": "never"},
                {"name": "badge", "type": "complex", "subAttributes": [
                    {"name": "code", "type": "string", "returned": "request"},
                    {"name": "colour", "type": "string"}
                ]}
            ]
        }))
        .unwrap();
        registry.add_extension("User", schema, false).unwrap();
        assert_eq!(
            registry.user().withheld_by_default(),
            [
                "password",
                "urn:acme:params:scim:schemas:extension:acme:2.0:User:pin",
                "urn:acme:params:scim:schemas:extension:acme:2.0:User:badge.code"
            ]
        );
    }

    #[test]
    fn accepts_custom_extensions_at_run_time() {
        let mut registry = SchemaRegistry::standard();
        let schema: Schema = serde_json::from_value(serde_json::json!({
            "id": "urn:acme:params:scim:schemas:extension:acme:2.0:User",
            "name": "AcmeUser",
            "attributes": [
                {"name": "badge", "type": "string", "required": true, "uniqueness": "server"},
                {"name": "level", "type": "integer"}
            ]
        }))
        .unwrap();
        registry.add_extension("user", schema, false).unwrap();
        let path =
            AttrPath::parse("urn:acme:params:scim:schemas:extension:acme:2.0:User:badge").unwrap();
        let attr = registry.user().resolve_attribute(&path).unwrap();
        assert!(attr.def.required);
        assert_eq!(attr.def.uniqueness, Uniqueness::Server);
        assert_eq!(registry.user().extensions().count(), 2);
        assert!(
            registry
                .schema("urn:acme:params:scim:schemas:extension:acme:2.0:user")
                .is_some()
        );
    }

    #[test]
    fn rejects_invalid_custom_extensions_with_a_reason() {
        let mut registry = SchemaRegistry::standard();
        let bad_id = Schema {
            id: "acme".into(),
            name: String::new(),
            description: String::new(),
            attributes: vec![],
        };
        assert!(
            registry
                .add_extension("User", bad_id, false)
                .unwrap_err()
                .detail()
                .contains("must be a URN")
        );
        let dup = Schema {
            id: "urn:acme:x".into(),
            name: String::new(),
            description: String::new(),
            attributes: vec![
                AttributeDef::new("a", AttributeType::String),
                AttributeDef::new("A", AttributeType::String),
            ],
        };
        assert!(
            registry
                .add_extension("User", dup, false)
                .unwrap_err()
                .detail()
                .contains("defined twice")
        );
        let core = Schema {
            id: core::USER_SCHEMA.into(),
            name: String::new(),
            description: String::new(),
            attributes: vec![],
        };
        assert!(registry.add_extension("User", core, false).is_err());
        let ok = Schema {
            id: "urn:acme:x".into(),
            name: String::new(),
            description: String::new(),
            attributes: vec![],
        };
        assert!(
            registry
                .add_extension("Device", ok, false)
                .unwrap_err()
                .detail()
                .contains("unknown resource type")
        );
    }
}
