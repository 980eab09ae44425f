//! Bound values: what a statement's placeholders take, the same for both databases.

use std::borrow::Cow;

/// The type of a NULL: PostgreSQL plans every parameter with a type, so a NULL carries one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An integer (`INTEGER` in SQLite, `BIGINT` in PostgreSQL).
    Int,
    /// A floating-point number.
    Real,
    /// Text.
    Text,
    /// Bytes (`BLOB` / `BYTEA`).
    Bytes,
}

/// One bound value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Param<'q> {
    /// NULL of a type.
    Null(Kind),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Real(f64),
    /// A truth value, stored as the integer 0 or 1 in both databases (the schemas agree: a
    /// flag is an integer column), so that statements compare flags with `= 1` everywhere.
    Bool(bool),
    /// Text.
    Text(Cow<'q, str>),
    /// Bytes.
    Bytes(Cow<'q, [u8]>),
}

/// A Rust value that binds to a placeholder.
pub(crate) trait Encode<'q> {
    /// The NULL of this type (for `Option::None`).
    const NULL: Kind;
    /// The bound value.
    fn into_param(self) -> Param<'q>;
}

macro_rules! int_encode {
    ($($t:ty),*) => {$(
        impl<'q> Encode<'q> for $t {
            const NULL: Kind = Kind::Int;
            fn into_param(self) -> Param<'q> {
                Param::Int(i64::from(self))
            }
        }
        impl<'q> Encode<'q> for &$t {
            const NULL: Kind = Kind::Int;
            fn into_param(self) -> Param<'q> {
                Param::Int(i64::from(*self))
            }
        }
    )*};
}
int_encode!(i64, i32, u32, i16, u16, u8);

impl<'q> Encode<'q> for bool {
    const NULL: Kind = Kind::Int;
    fn into_param(self) -> Param<'q> {
        Param::Bool(self)
    }
}

impl<'q> Encode<'q> for f64 {
    const NULL: Kind = Kind::Real;
    fn into_param(self) -> Param<'q> {
        Param::Real(self)
    }
}

impl<'q> Encode<'q> for &'q str {
    const NULL: Kind = Kind::Text;
    fn into_param(self) -> Param<'q> {
        Param::Text(Cow::Borrowed(self))
    }
}

impl<'q> Encode<'q> for String {
    const NULL: Kind = Kind::Text;
    fn into_param(self) -> Param<'q> {
        Param::Text(Cow::Owned(self))
    }
}

impl<'q> Encode<'q> for &'q String {
    const NULL: Kind = Kind::Text;
    fn into_param(self) -> Param<'q> {
        Param::Text(Cow::Borrowed(self.as_str()))
    }
}

impl<'q> Encode<'q> for Cow<'q, str> {
    const NULL: Kind = Kind::Text;
    fn into_param(self) -> Param<'q> {
        Param::Text(self)
    }
}

impl<'q> Encode<'q> for &'q [u8] {
    const NULL: Kind = Kind::Bytes;
    fn into_param(self) -> Param<'q> {
        Param::Bytes(Cow::Borrowed(self))
    }
}

impl<'q> Encode<'q> for Vec<u8> {
    const NULL: Kind = Kind::Bytes;
    fn into_param(self) -> Param<'q> {
        Param::Bytes(Cow::Owned(self))
    }
}

impl<'q> Encode<'q> for &'q Vec<u8> {
    const NULL: Kind = Kind::Bytes;
    fn into_param(self) -> Param<'q> {
        Param::Bytes(Cow::Borrowed(self.as_slice()))
    }
}

impl<'q, const N: usize> Encode<'q> for [u8; N] {
    const NULL: Kind = Kind::Bytes;
    fn into_param(self) -> Param<'q> {
        Param::Bytes(Cow::Owned(self.to_vec()))
    }
}

impl<'q, const N: usize> Encode<'q> for &'q [u8; N] {
    const NULL: Kind = Kind::Bytes;
    fn into_param(self) -> Param<'q> {
        Param::Bytes(Cow::Borrowed(self.as_slice()))
    }
}

impl<'q, T: Encode<'q>> Encode<'q> for Option<T> {
    const NULL: Kind = T::NULL;
    fn into_param(self) -> Param<'q> {
        match self {
            Some(v) => v.into_param(),
            None => Param::Null(T::NULL),
        }
    }
}

impl<'q> Encode<'q> for &'q Option<String> {
    const NULL: Kind = Kind::Text;
    fn into_param(self) -> Param<'q> {
        self.as_deref().into_param()
    }
}

impl<'q> Encode<'q> for &&'q str {
    const NULL: Kind = Kind::Text;
    fn into_param(self) -> Param<'q> {
        Param::Text(Cow::Borrowed(*self))
    }
}

impl<'q> Encode<'q> for Param<'q> {
    const NULL: Kind = Kind::Text;
    fn into_param(self) -> Param<'q> {
        self
    }
}

/// Binds one value to a SQLite statement.
pub(crate) fn bind_sqlite<'q>(
    q: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    p: &'q Param<'q>,
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    match p {
        Param::Null(Kind::Int) => q.bind(None::<i64>),
        Param::Null(Kind::Real) => q.bind(None::<f64>),
        Param::Null(Kind::Text) => q.bind(None::<&str>),
        Param::Null(Kind::Bytes) => q.bind(None::<&[u8]>),
        Param::Int(v) => q.bind(*v),
        Param::Real(v) => q.bind(*v),
        Param::Bool(v) => q.bind(i64::from(*v)),
        Param::Text(v) => q.bind(v.as_ref()),
        Param::Bytes(v) => q.bind(v.as_ref()),
    }
}

/// Binds one value to a PostgreSQL statement. PostgreSQL's text cannot hold U+0000: it is
/// bound as U+FFFD. Validated SCIM values never hold control characters, so this touches only
/// what a hostile request leaves in its log record (a path with `%00`) and filter values,
/// which then match nothing — as on SQLite, where no stored value holds one either.
pub(crate) fn bind_pg<'q>(
    q: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    p: &'q Param<'q>,
) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
    match p {
        Param::Null(Kind::Int) => q.bind(None::<i64>),
        Param::Null(Kind::Real) => q.bind(None::<f64>),
        Param::Null(Kind::Text) => q.bind(None::<&str>),
        Param::Null(Kind::Bytes) => q.bind(None::<&[u8]>),
        Param::Int(v) => q.bind(*v),
        Param::Real(v) => q.bind(*v),
        Param::Bool(v) => q.bind(i64::from(*v)),
        Param::Text(v) if v.contains('\0') => q.bind(v.replace('\0', "\u{FFFD}")),
        Param::Text(v) => q.bind(v.as_ref()),
        Param::Bytes(v) => q.bind(v.as_ref()),
    }
}
