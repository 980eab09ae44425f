//! SCIM filters (RFC 7644 §3.4.2.2): the syntax tree, its parser, printer, evaluator, schema
//! check and translation to SQL.
//!
//! ```
//! use scim::filter::Filter;
//! let f = Filter::parse(r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#).unwrap();
//! assert_eq!(f.to_string(), r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#);
//! ```

mod check;
mod eval;
mod parser;
pub mod sql;

use std::fmt;

use serde_json::Number;

use crate::path::AttrPath;

pub use self::parser::{FilterError, MAX_CLAUSES, MAX_DEPTH};

/// How a configuration's endpoint reads filters beyond RFC 7644 §3.4.2.2's grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FilterRules {
    /// Read a bare word that is not `true`, `false`, `null` or a number as a string, up to
    /// the next space, `(`, `)`, `[`, `]` or `"`: authentik's SCIM provider looks users up with
    /// `userName eq akadmin`, and Entra ID's SCIM tutorial shows `externalId eq jyoung`. The
    /// RFC wants JSON strings; off, such a word is refused with `invalidFilter`.
    pub unquoted_strings: bool,
    /// Read `=` as `eq` and a string in single quotes (`'Work Email'`) like one in double
    /// quotes: xMatters' documentation spells its attributes `emails[type ='Work Email'].value`,
    /// and admins paste that into Entra ID's attribute list, which sends it back verbatim. The
    /// RFC knows only `eq` and JSON strings; off, such a filter is refused with `invalidFilter`.
    pub loose_syntax: bool,
}

/// Where a node came from in the filter text: byte offsets `start..end`.
///
/// Spans are location metadata for error messages: two filters that mean the same are equal
/// whatever their spans, so `Span`'s equality always holds.
#[derive(Debug, Clone, Copy, Default, Eq)]
pub struct Span {
    /// Byte offset of the first character.
    pub start: usize,
    /// Byte offset after the last character.
    pub end: usize,
}

impl PartialEq for Span {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// Equal.
    Eq,
    /// Not equal.
    Ne,
    /// Contains (strings).
    Co,
    /// Starts with (strings).
    Sw,
    /// Ends with (strings).
    Ew,
    /// Greater than.
    Gt,
    /// Greater than or equal.
    Ge,
    /// Less than.
    Lt,
    /// Less than or equal.
    Le,
}

impl CompareOp {
    /// The operator keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "eq",
            Self::Ne => "ne",
            Self::Co => "co",
            Self::Sw => "sw",
            Self::Ew => "ew",
            Self::Gt => "gt",
            Self::Ge => "ge",
            Self::Lt => "lt",
            Self::Le => "le",
        }
    }

    /// Parses an operator keyword, case-insensitively.
    pub fn from_keyword(word: &str) -> Option<Self> {
        const ALL: [CompareOp; 9] = [
            CompareOp::Eq,
            CompareOp::Ne,
            CompareOp::Co,
            CompareOp::Sw,
            CompareOp::Ew,
            CompareOp::Gt,
            CompareOp::Ge,
            CompareOp::Lt,
            CompareOp::Le,
        ];
        ALL.into_iter()
            .find(|op| op.as_str().eq_ignore_ascii_case(word))
    }

    /// Whether this is an ordering operator (`gt ge lt le`).
    pub fn is_ordering(self) -> bool {
        matches!(self, Self::Gt | Self::Ge | Self::Lt | Self::Le)
    }

    /// Whether this is a substring operator (`co sw ew`).
    pub fn is_substring(self) -> bool {
        matches!(self, Self::Co | Self::Sw | Self::Ew)
    }
}

/// A comparison value. dateTime values are strings compared chronologically when the
/// attribute is a dateTime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    /// A JSON string.
    String(String),
    /// `true` or `false`.
    Bool(bool),
    /// A JSON number.
    Number(Number),
    /// `null`.
    Null,
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::String(s) => f.write_str(&serde_json::to_string(s).map_err(|_| fmt::Error)?),
            Self::Bool(b) => write!(f, "{b}"),
            Self::Number(n) => write!(f, "{n}"),
            Self::Null => f.write_str("null"),
        }
    }
}

/// A filter expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// `path op value`.
    Compare {
        /// The attribute compared.
        path: AttrPath,
        /// The operator.
        op: CompareOp,
        /// The value compared with.
        value: Literal,
        /// Where it stands in the text.
        span: Span,
    },
    /// `path pr`.
    Present {
        /// The attribute tested.
        path: AttrPath,
        /// Where it stands in the text.
        span: Span,
    },
    /// `left and right`.
    And(Box<Filter>, Box<Filter>),
    /// `left or right`.
    Or(Box<Filter>, Box<Filter>),
    /// `not (inner)`.
    Not(Box<Filter>, Span),
    /// `path[inner]`: some value of the multi-valued complex attribute `path` matches `inner`,
    /// whose paths name sub-attributes.
    ValuePath {
        /// The multi-valued (or complex) attribute.
        path: AttrPath,
        /// The filter applied to each value.
        filter: Box<Filter>,
        /// Where it stands in the text.
        span: Span,
    },
}

impl Filter {
    /// The span of the whole expression.
    pub fn span(&self) -> Span {
        match self {
            Self::Compare { span, .. }
            | Self::Present { span, .. }
            | Self::Not(_, span)
            | Self::ValuePath { span, .. } => *span,
            Self::And(l, r) | Self::Or(l, r) => Span {
                start: l.span().start,
                end: r.span().end,
            },
        }
    }

    /// A comparison with an empty span, for building filters in code.
    pub fn compare(path: AttrPath, op: CompareOp, value: Literal) -> Self {
        Self::Compare {
            path,
            op,
            value,
            span: Span::default(),
        }
    }

    /// Every equality comparison joined by `and` at the top of this filter (used to create a
    /// missing element for `emails[type eq "work"].value`).
    pub fn equalities(&self) -> Option<Vec<(&AttrPath, &Literal)>> {
        match self {
            Self::Compare {
                path,
                op: CompareOp::Eq,
                value,
                ..
            } => Some(vec![(path, value)]),
            Self::And(l, r) => {
                let mut all = l.equalities()?;
                all.extend(r.equalities()?);
                Some(all)
            }
            _ => None,
        }
    }
}

fn write_child(f: &mut fmt::Formatter<'_>, child: &Filter, parens: bool) -> fmt::Result {
    if parens {
        write!(f, "({child})")
    } else {
        write!(f, "{child}")
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Compare {
                path, op, value, ..
            } => write!(f, "{path} {} {value}", op.as_str()),
            Self::Present { path, .. } => write!(f, "{path} pr"),
            // `and` binds tighter than `or`, both associate to the left: parenthesise exactly
            // where re-parsing would otherwise build a different tree.
            Self::And(l, r) => {
                write_child(f, l, matches!(**l, Self::Or(..)))?;
                f.write_str(" and ")?;
                write_child(f, r, matches!(**r, Self::Or(..) | Self::And(..)))
            }
            Self::Or(l, r) => {
                write!(f, "{l} or ")?;
                write_child(f, r, matches!(**r, Self::Or(..)))
            }
            Self::Not(inner, _) => write!(f, "not ({inner})"),
            Self::ValuePath { path, filter, .. } => write!(f, "{path}[{filter}]"),
        }
    }
}
