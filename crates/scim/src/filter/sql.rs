//! Translating a filter into a SQL `WHERE` fragment with bound parameters.
//!
//! The store says which attributes are columns ([`SqlColumns`]); this module never puts a
//! value into the SQL text — every value becomes a [`SqlParam`]. Parts of a filter that cannot
//! be translated exactly (a multi-valued attribute without a column, a case-insensitive
//! comparison of non-ASCII text, which SQL's `lower()` does not fold) are dropped from an `and`
//! and the result is marked inexact: the SQL then narrows the candidates, and the caller runs
//! [`Filter::matches`] over what it returns. An `or` or `not` over an untranslatable part
//! cannot narrow anything, so the whole filter is untranslatable (`None`).

use super::{CompareOp, Filter, Literal};
use crate::path::AttrPath;
use crate::schema::{AttributeDef, Resolved, ResourceSchema};

/// How a column stores its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Text.
    Text,
    /// Integers, and booleans as 0/1.
    Integer,
    /// Floating-point numbers.
    Real,
    /// A dateTime stored as microseconds since the Unix epoch (so comparisons are exact).
    EpochMicros,
}

/// A column an attribute is stored in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlColumn {
    /// The SQL expression for the column, e.g. `u.user_name`.
    pub expr: String,
    /// An expression holding the value already lower-cased (e.g. an indexed generated column),
    /// used for case-insensitive comparisons; `lower(expr)` when `None`.
    pub folded_expr: Option<String>,
    /// How values are stored.
    pub kind: ColumnKind,
}

impl SqlColumn {
    /// A text column.
    pub fn text(expr: impl Into<String>) -> Self {
        Self {
            expr: expr.into(),
            folded_expr: None,
            kind: ColumnKind::Text,
        }
    }

    /// A column of the given kind.
    pub fn of(expr: impl Into<String>, kind: ColumnKind) -> Self {
        Self {
            expr: expr.into(),
            folded_expr: None,
            kind,
        }
    }

    /// Sets the pre-folded expression.
    pub fn folded(mut self, expr: impl Into<String>) -> Self {
        self.folded_expr = Some(expr.into());
        self
    }
}

/// What the store tells the translator.
pub trait SqlColumns {
    /// The column holding a single-valued attribute (`canonical` is its canonical path, such as
    /// `userName`, `name.familyName` or `urn:…:enterprise:2.0:User:department`), or `None`.
    fn column(&self, canonical: &str, def: &AttributeDef) -> Option<SqlColumn>;

    /// SQL for a value filter holding one equality, `attr[sub eq value]` (e.g. an `EXISTS` over
    /// a side table such as group membership rows), using `placeholder` for the value. `None`
    /// when the attribute is not stored that way.
    fn value_path_eq(&self, canonical: &str, sub: &str, placeholder: &str) -> Option<String> {
        let _ = (canonical, sub, placeholder);
        None
    }

    /// The placeholder for the `n`th parameter (1-based): `?` for SQLite, `$n` for PostgreSQL.
    fn placeholder(&self, n: usize) -> String {
        let _ = n;
        "?".to_owned()
    }
}

/// A bound parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlParam {
    /// Text.
    Text(String),
    /// An integer (also booleans as 0/1 and epoch microseconds).
    Integer(i64),
    /// A float.
    Real(f64),
}

/// A translated filter.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlFilter {
    /// The `WHERE` fragment.
    pub sql: String,
    /// Its parameters, in placeholder order.
    pub params: Vec<SqlParam>,
    /// `true` when the SQL selects exactly the matching rows; `false` when it only narrows them
    /// and [`Filter::matches`] must run over the results.
    pub exact: bool,
}

impl Filter {
    /// Translates this filter to SQL for the store whose columns `columns` describes.
    pub fn to_sql(&self, schema: &ResourceSchema, columns: &dyn SqlColumns) -> Option<SqlFilter> {
        let mut t = Translator {
            schema,
            columns,
            params: Vec::new(),
        };
        let (sql, exact) = t.translate(self)?;
        Some(SqlFilter {
            sql,
            params: t.params,
            exact,
        })
    }
}

struct Translator<'a> {
    schema: &'a ResourceSchema,
    columns: &'a dyn SqlColumns,
    params: Vec<SqlParam>,
}

impl Translator<'_> {
    fn bind(&mut self, param: SqlParam) -> String {
        self.params.push(param);
        self.columns.placeholder(self.params.len())
    }

    fn translate(&mut self, filter: &Filter) -> Option<(String, bool)> {
        match filter {
            Filter::And(l, r) => {
                let mark = self.params.len();
                let left = self.translate(l);
                let left_len = self.params.len();
                let right = self.translate(r);
                match (left, right) {
                    (Some((a, ea)), Some((b, eb))) => Some((format!("({a} AND {b})"), ea && eb)),
                    (Some((a, _)), None) => {
                        self.params.truncate(left_len);
                        Some((a, false))
                    }
                    (None, Some((b, _))) => Some((b, false)),
                    (None, None) => {
                        self.params.truncate(mark);
                        None
                    }
                }
            }
            Filter::Or(l, r) => {
                let mark = self.params.len();
                let result = match (self.translate(l), self.translate(r)) {
                    (Some((a, ea)), Some((b, eb))) => Some((format!("({a} OR {b})"), ea && eb)),
                    _ => None,
                };
                if result.is_none() {
                    self.params.truncate(mark);
                }
                result
            }
            Filter::Not(inner, _) => {
                let mark = self.params.len();
                // `IS NOT TRUE` keeps rows where the inner test is NULL (attribute absent), as
                // the in-memory evaluator does. An inexact inner test cannot be negated.
                if let Some((sql, true)) = self.translate(inner) {
                    Some((format!("(({sql}) IS NOT TRUE)"), true))
                } else {
                    self.params.truncate(mark);
                    None
                }
            }
            Filter::ValuePath { path, filter, .. } => self.value_path(path, filter),
            Filter::Present { path, .. } => {
                let (column, _) = self.column(path)?;
                let sql = if column.kind == ColumnKind::Text {
                    format!("({0} IS NOT NULL AND {0} <> '')", column.expr)
                } else {
                    format!("{} IS NOT NULL", column.expr)
                };
                Some((sql, true))
            }
            Filter::Compare {
                path, op, value, ..
            } => self.compare(path, *op, value),
        }
    }

    fn value_path(&mut self, path: &AttrPath, inner: &Filter) -> Option<(String, bool)> {
        let Filter::Compare {
            path: sub,
            op: CompareOp::Eq,
            value: Literal::String(value),
            ..
        } = inner
        else {
            return None;
        };
        let Some(Resolved::Attribute(attr)) = self.schema.resolve(path) else {
            return None;
        };
        let sub_def = attr.def.sub(sub.name())?;
        if sub.urn().is_some() || sub.sub_attr().is_some() || !sub_def.case_exact {
            return None;
        }
        let canonical = attr.canonical_path();
        let placeholder = self.columns.placeholder(self.params.len() + 1);
        let sql = self
            .columns
            .value_path_eq(&canonical, &sub_def.name, &placeholder)?;
        self.bind(SqlParam::Text(value.clone()));
        Some((sql, true))
    }

    fn column(&self, path: &AttrPath) -> Option<(SqlColumn, &AttributeDef)> {
        let Some(Resolved::Attribute(attr)) = self.schema.resolve(path) else {
            return None;
        };
        if attr.def.multi_valued || (attr.def.is_complex() && attr.sub.is_none()) {
            return None;
        }
        let leaf = attr.leaf();
        self.columns
            .column(&attr.canonical_path(), leaf)
            .map(|c| (c, leaf))
    }

    fn compare(
        &mut self,
        path: &AttrPath,
        op: CompareOp,
        value: &Literal,
    ) -> Option<(String, bool)> {
        let (column, def) = self.column(path)?;
        if *value == Literal::Null {
            return match op {
                CompareOp::Eq => Some((format!("{} IS NULL", column.expr), true)),
                CompareOp::Ne => Some((format!("{} IS NOT NULL", column.expr), true)),
                _ => None,
            };
        }
        let (lhs, param) = match (column.kind, value) {
            (ColumnKind::Text, Literal::String(s)) => {
                if def.case_exact {
                    if op.is_substring() {
                        // LIKE folds ASCII case in SQLite: narrow here, re-check in memory.
                        let pattern = like_pattern(op, s);
                        let ph = self.bind(SqlParam::Text(pattern));
                        return Some((format!("{} LIKE {ph} ESCAPE '\\'", column.expr), false));
                    }
                    (column.expr.clone(), SqlParam::Text(s.clone()))
                } else {
                    // A column the store folded itself compares with Unicode folding; SQL's
                    // lower() folds ASCII only, so other text stays in memory.
                    let (folded, lower) = match &column.folded_expr {
                        Some(folded) => (folded.clone(), s.to_lowercase()),
                        None if s.is_ascii() => {
                            (format!("lower({})", column.expr), s.to_ascii_lowercase())
                        }
                        None => return None,
                    };
                    if op.is_substring() {
                        let ph = self.bind(SqlParam::Text(like_pattern(op, &lower)));
                        return Some((format!("{folded} LIKE {ph} ESCAPE '\\'"), true));
                    }
                    (folded, SqlParam::Text(lower))
                }
            }
            (ColumnKind::Integer, Literal::Bool(b)) => {
                (column.expr.clone(), SqlParam::Integer(i64::from(*b)))
            }
            (ColumnKind::Integer, Literal::String(s))
                if def.kind == crate::schema::AttributeType::Boolean =>
            {
                (
                    column.expr.clone(),
                    SqlParam::Integer(i64::from(crate::resource::parse_bool(s)?)),
                )
            }
            (ColumnKind::Integer, Literal::Number(n)) => {
                (column.expr.clone(), SqlParam::Integer(n.as_i64()?))
            }
            (ColumnKind::Real, Literal::Number(n)) => {
                (column.expr.clone(), SqlParam::Real(n.as_f64()?))
            }
            (ColumnKind::EpochMicros, Literal::String(s)) => {
                let t = chrono::DateTime::parse_from_rfc3339(s).ok()?;
                (column.expr.clone(), SqlParam::Integer(t.timestamp_micros()))
            }
            _ => return None,
        };
        if op.is_substring() {
            return None;
        }
        let ph = self.bind(param);
        let sql = match op {
            // `ne` matches resources without the attribute, as in memory.
            CompareOp::Ne => format!("({lhs} IS NULL OR {lhs} <> {ph})"),
            CompareOp::Eq => format!("{lhs} = {ph}"),
            CompareOp::Gt => format!("{lhs} > {ph}"),
            CompareOp::Ge => format!("{lhs} >= {ph}"),
            CompareOp::Lt => format!("{lhs} < {ph}"),
            CompareOp::Le => format!("{lhs} <= {ph}"),
            CompareOp::Co | CompareOp::Sw | CompareOp::Ew => return None,
        };
        Some((sql, true))
    }
}

/// A LIKE pattern for `co`/`sw`/`ew` with `%`, `_` and `\` in the value escaped.
fn like_pattern(op: CompareOp, value: &str) -> String {
    let mut escaped = String::with_capacity(value.len() + 2);
    for c in value.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    match op {
        CompareOp::Sw => format!("{escaped}%"),
        CompareOp::Ew => format!("%{escaped}"),
        _ => format!("%{escaped}%"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::SchemaRegistry;

    struct Users;

    impl SqlColumns for Users {
        fn column(&self, canonical: &str, _: &AttributeDef) -> Option<SqlColumn> {
            Some(match canonical {
                "id" => SqlColumn::text("id"),
                "externalId" => SqlColumn::text("external_id"),
                "userName" => SqlColumn::text("user_name").folded("user_name_folded"),
                "active" => SqlColumn::of("active", ColumnKind::Integer),
                "meta.lastModified" => SqlColumn::of("modified_us", ColumnKind::EpochMicros),
                "name.familyName" => SqlColumn::text("family_name"),
                _ => return None,
            })
        }
    }

    struct Postgres;

    impl SqlColumns for Postgres {
        fn column(&self, canonical: &str, def: &AttributeDef) -> Option<SqlColumn> {
            Users.column(canonical, def)
        }
        fn placeholder(&self, n: usize) -> String {
            format!("${n}")
        }
    }

    fn sql(filter: &str) -> Option<SqlFilter> {
        Filter::parse(filter)
            .unwrap()
            .to_sql(SchemaRegistry::standard().user(), &Users)
    }

    #[test]
    fn values_are_bound_never_inlined() {
        let out = sql(r#"userName eq "Bob'); DROP TABLE users; --""#).unwrap();
        assert_eq!(out.sql, "user_name_folded = ?");
        assert_eq!(
            out.params,
            vec![SqlParam::Text("bob'); drop table users; --".into())]
        );
        assert!(out.exact);
    }

    #[test]
    fn translates_logic_types_and_case_rules() {
        let out = sql(r#"userName eq "A" and (active eq true or externalId ne "X1")"#).unwrap();
        assert_eq!(
            out.sql,
            "(user_name_folded = ? AND (active = ? OR (external_id IS NULL OR external_id <> ?)))"
        );
        assert_eq!(
            out.params,
            vec![
                SqlParam::Text("a".into()),
                SqlParam::Integer(1),
                SqlParam::Text("X1".into())
            ]
        );
        let out =
            sql(r#"name.familyName sw "O_M%" and meta.lastModified gt "2011-05-13T04:42:34Z""#)
                .unwrap();
        assert_eq!(
            out.sql,
            "(lower(family_name) LIKE ? ESCAPE '\\' AND modified_us > ?)"
        );
        assert_eq!(
            out.params,
            vec![
                SqlParam::Text("o\\_m\\%%".into()),
                SqlParam::Integer(1_305_261_754_000_000)
            ]
        );
        let out = sql("not (active eq false) and title eq null").unwrap();
        assert_eq!(out.sql, "((active = ?) IS NOT TRUE)");
        assert!(!out.exact, "title has no column");
        assert_eq!(
            sql("externalId pr").unwrap().sql,
            "(external_id IS NOT NULL AND external_id <> '')"
        );
    }

    #[test]
    fn untranslatable_parts_narrow_or_give_up() {
        let out = sql(r#"userName eq "a" and emails[type eq "work"]"#).unwrap();
        assert_eq!(
            (out.sql.as_str(), out.exact),
            ("user_name_folded = ?", false)
        );
        assert_eq!(out.params.len(), 1);
        let out = sql(r#"emails[type eq "work"] and userName eq "a""#).unwrap();
        assert_eq!(
            (out.sql.as_str(), out.params.len(), out.exact),
            ("user_name_folded = ?", 1, false)
        );
        assert!(sql(r#"userName eq "a" or emails co "x""#).is_none());
        assert!(sql(r#"not (emails co "x")"#).is_none());
        let out = sql(r#"userName eq "ÄRGER""#).unwrap();
        assert_eq!(
            (out.params[0].clone(), out.exact),
            (SqlParam::Text("ärger".into()), true),
            "a pre-folded column folds Unicode"
        );
        assert!(
            sql(r#"name.familyName eq "Ärger""#).is_none(),
            "non-ASCII folding stays in memory"
        );
        let out = sql(r#"externalId co "AB""#).unwrap();
        assert!(!out.exact, "case-exact LIKE is re-checked");
    }

    struct Groups;

    impl SqlColumns for Groups {
        fn column(&self, canonical: &str, _: &AttributeDef) -> Option<SqlColumn> {
            (canonical == "displayName")
                .then(|| SqlColumn::text("display_name").folded("display_name_folded"))
        }
        fn value_path_eq(&self, canonical: &str, sub: &str, placeholder: &str) -> Option<String> {
            (canonical == "members" && sub == "value")
                .then(|| format!("EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = groups.id AND m.member_id = {placeholder})"))
        }
    }

    #[test]
    fn value_filters_use_the_store_hook() {
        let schema = SchemaRegistry::standard();
        let f = Filter::parse(r#"displayName eq "Ops" and members[value eq "u-1"]"#).unwrap();
        let out = f.to_sql(schema.group(), &Groups).unwrap();
        assert_eq!(
            out.sql,
            "(display_name_folded = ? AND EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = groups.id AND m.member_id = ?))"
        );
        assert_eq!(
            out.params,
            vec![SqlParam::Text("ops".into()), SqlParam::Text("u-1".into())]
        );
        assert!(out.exact);
        let f = Filter::parse(r#"members[display eq "Babs"]"#).unwrap();
        assert!(
            f.to_sql(schema.group(), &Groups).is_none(),
            "only caseExact sub-attributes the store declares"
        );
    }

    #[test]
    fn numbered_placeholders_for_postgres() {
        let f = Filter::parse(r#"userName eq "a" and externalId eq "b""#).unwrap();
        let out = f
            .to_sql(SchemaRegistry::standard().user(), &Postgres)
            .unwrap();
        assert_eq!(out.sql, "(user_name_folded = $1 AND external_id = $2)");
    }
}
