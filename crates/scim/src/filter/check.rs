//! Checking a filter against a resource type before running it: every attribute must exist
//! and every operator and value must fit the attribute's type (RFC 7644 §3.4.2.2: `gt` on a
//! boolean is `invalidFilter`; the interoperability profile §6.3 asks the same for unknown
//! attributes).

use super::{CompareOp, Filter, Literal};
use crate::error::{ScimError, ScimResult};
use crate::path::AttrPath;
use crate::resource::parse_bool;
use crate::schema::{AttributeDef, AttributeType, Resolved, ResourceSchema};

impl Filter {
    /// Fails with `invalidFilter` when the filter names an attribute the resource type does not
    /// have, or compares an attribute in a way its type does not allow.
    pub fn check(&self, schema: &ResourceSchema) -> ScimResult<()> {
        check(self, schema, None)
    }
}

fn check(
    filter: &Filter,
    schema: &ResourceSchema,
    element: Option<&AttributeDef>,
) -> ScimResult<()> {
    match filter {
        Filter::And(l, r) | Filter::Or(l, r) => {
            check(l, schema, element)?;
            check(r, schema, element)
        }
        Filter::Not(inner, _) => check(inner, schema, element),
        Filter::Present { path, .. } => leaf(path, schema, element).map(|_| ()),
        Filter::Compare {
            path, op, value, ..
        } => {
            let leaf = leaf(path, schema, element)?;
            check_comparison(path, leaf, *op, value)
        }
        Filter::ValuePath { path, filter, .. } => {
            if element.is_some() {
                return Err(ScimError::invalid_filter(format!(
                    "\"{path}\": value filters cannot be nested"
                )));
            }
            let attr = schema
                .resolve_attribute(path)
                .map_err(ScimError::invalid_filter)?;
            if !attr.def.is_complex() || attr.sub.is_some() {
                return Err(ScimError::invalid_filter(format!(
                    "\"{path}\" is not a complex attribute, so it cannot take a value filter [...]"
                )));
            }
            check(filter, schema, Some(attr.def))
        }
    }
}

fn leaf<'a>(
    path: &AttrPath,
    schema: &'a ResourceSchema,
    element: Option<&'a AttributeDef>,
) -> ScimResult<&'a AttributeDef> {
    if let Some(parent) = element {
        if path.urn().is_some() || path.sub_attr().is_some() {
            return Err(ScimError::invalid_filter(format!(
                "inside {}[...], name a sub-attribute of {} (\"{path}\" is not one)",
                parent.name, parent.name
            )));
        }
        return parent.sub(path.name()).ok_or_else(|| {
            ScimError::invalid_filter(format!(
                "\"{path}\" is not a sub-attribute of {}",
                parent.name
            ))
        });
    }
    if path.urn().is_none()
        && path.sub_attr().is_none()
        && path.name().eq_ignore_ascii_case("schemas")
    {
        return Ok(schemas_attribute());
    }
    match schema.resolve(path) {
        Some(Resolved::Attribute(attr)) => {
            if let Some(sub) = attr.sub {
                return Ok(sub);
            }
            if attr.def.is_complex() {
                return attr.def.sub("value").ok_or_else(|| {
                    ScimError::invalid_filter(format!(
                        "\"{path}\" is a complex attribute; filter on one of its sub-attributes, such as {path}.{}",
                        attr.def.sub_attributes.first().map_or("value", |s| s.name.as_str())
                    ))
                });
            }
            Ok(attr.def)
        }
        Some(Resolved::Extension(ext)) => Err(ScimError::invalid_filter(format!(
            "\"{path}\" names the extension {}; filter on one of its attributes",
            ext.id
        ))),
        None => Err(ScimError::invalid_filter(format!(
            "\"{path}\" is not an attribute of the {} resource type",
            schema.resource_type().name
        ))),
    }
}

/// `schemas` is filterable as a multi-valued URI (RFC 7644 §3.4.2.2) but belongs to no schema.
fn schemas_attribute() -> &'static AttributeDef {
    static FALLBACK: std::sync::LazyLock<AttributeDef> =
        std::sync::LazyLock::new(|| AttributeDef::new("schemas", AttributeType::Reference));
    &FALLBACK
}

fn check_comparison(
    path: &AttrPath,
    leaf: &AttributeDef,
    op: CompareOp,
    value: &Literal,
) -> ScimResult<()> {
    if *value == Literal::Null {
        return if matches!(op, CompareOp::Eq | CompareOp::Ne) {
            Ok(())
        } else {
            Err(ScimError::invalid_filter(format!(
                "\"{path} {}\" cannot compare with null; use eq or ne",
                op.as_str()
            )))
        };
    }
    let fail = |why: &str| {
        Err(ScimError::invalid_filter(format!(
            "\"{path} {} {value}\": {why}",
            op.as_str()
        )))
    };
    match leaf.kind {
        AttributeType::Boolean => {
            let is_bool = matches!(value, Literal::Bool(_))
                || matches!(value, Literal::String(s) if parse_bool(s).is_some());
            if !matches!(op, CompareOp::Eq | CompareOp::Ne) {
                return fail("a boolean attribute can only be compared with eq or ne");
            }
            if !is_bool {
                return fail("the attribute is a boolean; compare it with true or false");
            }
        }
        AttributeType::Integer | AttributeType::Decimal => {
            if op.is_substring() {
                return fail("co, sw and ew apply to strings, and the attribute is a number");
            }
            if !matches!(value, Literal::Number(_)) {
                return fail("the attribute is a number; compare it with a number");
            }
        }
        AttributeType::DateTime => {
            if op.is_substring() {
                return fail("co, sw and ew apply to strings, and the attribute is a dateTime");
            }
            match value {
                Literal::String(s) if chrono::DateTime::parse_from_rfc3339(s).is_ok() => {}
                _ => {
                    return fail(
                        "the attribute is a dateTime; compare it with a string such as \"2011-05-13T04:42:34Z\"",
                    );
                }
            }
        }
        AttributeType::Binary if op.is_ordering() => {
            return fail("binary attributes cannot be ordered");
        }
        AttributeType::String
        | AttributeType::Reference
        | AttributeType::Binary
        | AttributeType::Complex => {
            if !matches!(value, Literal::String(_)) {
                return fail("the attribute is a string; quote the value");
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ScimType;
    use crate::schema::SchemaRegistry;

    fn check_user(s: &str) -> ScimResult<()> {
        Filter::parse(s)
            .unwrap()
            .check(SchemaRegistry::standard().user())
    }

    #[test]
    fn accepts_well_typed_filters() {
        for ok in [
            r#"userName eq "a" and active eq true"#,
            r#"emails[type eq "work" and value eq "a@b.c"]"#,
            r#"emails[type eq "work"].value eq "a@b.c""#,
            r#"emails co "x""#,
            r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x""#,
            r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
            "title eq null",
            r#"active eq "False""#,
        ] {
            assert!(check_user(ok).is_ok(), "{ok}: {:?}", check_user(ok));
        }
    }

    #[test]
    fn rejects_unknown_attributes_and_ill_typed_comparisons() {
        for (bad, why) in [
            (
                r#"noSuchAttr eq "x""#,
                "is not an attribute of the User resource type",
            ),
            (r#"name eq "x""#, "is a complex attribute"),
            ("active gt true", "only be compared with eq or ne"),
            (r#"active eq "yes""#, "compare it with true or false"),
            (r#"meta.created gt "yesterday""#, "dateTime"),
            ("userName eq 42", "quote the value"),
            (r#"emails[nope eq "x"]"#, "is not a sub-attribute of emails"),
            (r#"title[value eq "x"]"#, "is not a complex attribute"),
            ("title gt null", "cannot compare with null"),
            (r#"x509Certificates.value gt "AA==""#, "cannot be ordered"),
        ] {
            let err = check_user(bad).unwrap_err();
            assert_eq!(err.scim_type(), Some(ScimType::InvalidFilter));
            assert!(err.detail().contains(why), "{bad}: {}", err.detail());
        }
    }
}
