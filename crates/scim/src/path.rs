//! Attribute paths (RFC 7644 §3.10): `userName`, `name.givenName`, and URN-qualified forms such
//! as `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`.
//!
//! A path is only syntax here; [`crate::schema::ResourceSchema::resolve`] finds what it names.

use std::fmt;

/// A malformed attribute path, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PathError(pub String);

/// An attribute path: an optional schema URN, an attribute name and an optional sub-attribute.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttrPath {
    urn: Option<String>,
    attr: String,
    sub_attr: Option<String>,
}

/// Whether `s` is a valid SCIM attribute name (`ATTRNAME` of RFC 7644 §3.10, plus `$ref`).
pub fn is_attr_name(s: &str) -> bool {
    if s == "$ref" {
        return true;
    }
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn is_urn_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '-' | '_' | '+' | '%' | '/' | '~')
}

impl AttrPath {
    /// A path to a top-level attribute with no URN.
    pub fn attr(name: impl Into<String>) -> Self {
        Self {
            urn: None,
            attr: name.into(),
            sub_attr: None,
        }
    }

    /// A path from its parts; names are not checked.
    pub fn from_parts(urn: Option<String>, attr: String, sub_attr: Option<String>) -> Self {
        Self {
            urn,
            attr,
            sub_attr,
        }
    }

    /// Parses `[urn:...:]attr[.subAttr]`.
    pub fn parse(input: &str) -> Result<Self, PathError> {
        if input.is_empty() {
            return Err(PathError("the attribute path is empty".into()));
        }
        let (urn, rest) = if input.len() > 4
            && input
                .get(..4)
                .is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
        {
            if let Some(bad) = input.chars().find(|c| !is_urn_char(*c) && *c != '$') {
                return Err(PathError(format!(
                    "'{bad}' is not allowed in the attribute path \"{input}\""
                )));
            }
            let Some(idx) = input.rfind(':') else {
                return Err(PathError(format!("\"{input}\" has no attribute name")));
            };
            (Some(&input[..idx]), &input[idx + 1..])
        } else {
            (None, input)
        };
        let (attr, sub) = match rest.split_once('.') {
            Some((a, s)) => (a, Some(s)),
            None => (rest, None),
        };
        if !is_attr_name(attr) {
            return Err(PathError(format!(
                "\"{attr}\" is not a valid attribute name in \"{input}\" (names start with a letter and hold letters, digits, '-' and '_')"
            )));
        }
        if let Some(sub) = sub
            && !is_attr_name(sub)
        {
            return Err(PathError(format!(
                "\"{sub}\" is not a valid sub-attribute name in \"{input}\""
            )));
        }
        Ok(Self {
            urn: urn.map(str::to_owned),
            attr: attr.to_owned(),
            sub_attr: sub.map(str::to_owned),
        })
    }

    /// The schema URN prefix, if the path was URN-qualified.
    pub fn urn(&self) -> Option<&str> {
        self.urn.as_deref()
    }

    /// The attribute name.
    pub fn name(&self) -> &str {
        &self.attr
    }

    /// The sub-attribute name.
    pub fn sub_attr(&self) -> Option<&str> {
        self.sub_attr.as_deref()
    }

    /// This path with a sub-attribute (replacing any it had).
    pub fn with_sub_attr(&self, sub: impl Into<String>) -> Self {
        Self {
            urn: self.urn.clone(),
            attr: self.attr.clone(),
            sub_attr: Some(sub.into()),
        }
    }

    /// This path without its sub-attribute.
    pub fn without_sub_attr(&self) -> Self {
        Self {
            urn: self.urn.clone(),
            attr: self.attr.clone(),
            sub_attr: None,
        }
    }

    /// If the whole path could be a bare schema URN (`urn:...:enterprise:2.0:User`), that URN.
    pub fn as_schema_urn(&self) -> Option<String> {
        match (&self.urn, &self.sub_attr) {
            (Some(urn), None) => Some(format!("{urn}:{}", self.attr)),
            _ => None,
        }
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(&self.attr)?;
        if let Some(sub) = &self.sub_attr {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_simple_and_sub_attribute_paths() {
        let p = AttrPath::parse("name.givenName").unwrap();
        assert_eq!(
            (p.urn(), p.name(), p.sub_attr()),
            (None, "name", Some("givenName"))
        );
        assert_eq!(
            AttrPath::parse("members.$ref").unwrap().sub_attr(),
            Some("$ref")
        );
    }

    #[test]
    fn parses_urn_qualified_paths() {
        let p = AttrPath::parse(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        )
        .unwrap();
        assert_eq!(
            p.urn(),
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
        );
        assert_eq!(p.name(), "manager");
        assert_eq!(p.sub_attr(), Some("value"));
        assert_eq!(
            p.to_string(),
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"
        );
        let bare =
            AttrPath::parse("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User").unwrap();
        assert_eq!(
            bare.as_schema_urn().as_deref(),
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
        );
    }

    #[test]
    fn rejects_malformed_paths_with_reason() {
        assert!(AttrPath::parse("").is_err());
        assert!(
            AttrPath::parse("1abc")
                .unwrap_err()
                .0
                .contains("not a valid attribute name")
        );
        assert!(AttrPath::parse("name.").is_err());
        assert!(AttrPath::parse("name.given name").is_err());
        assert!(AttrPath::parse("urn:x:y\"z").is_err());
    }
}
