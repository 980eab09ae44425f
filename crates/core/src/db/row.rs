//! Result rows of either database, read the same way.

use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row as _, TypeInfo as _, ValueRef as _};

/// A column, by name or position.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Col<'a> {
    /// By name.
    Name(&'a str),
    /// By position (0-based).
    Index(usize),
}

impl<'a> From<&'a str> for Col<'a> {
    fn from(name: &'a str) -> Self {
        Self::Name(name)
    }
}

impl From<usize> for Col<'_> {
    fn from(index: usize) -> Self {
        Self::Index(index)
    }
}

impl From<i32> for Col<'_> {
    fn from(index: i32) -> Self {
        Self::Index(usize::try_from(index).unwrap_or(usize::MAX))
    }
}

/// One result row.
pub(crate) enum Row {
    /// From SQLite.
    Sqlite(SqliteRow),
    /// From PostgreSQL.
    Pg(PgRow),
}

impl std::fmt::Debug for Row {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Row").field("columns", &self.len()).finish()
    }
}

impl Row {
    /// The value of a column as `T`.
    pub(crate) fn try_get<'a, T: Decode, I: Into<Col<'a>>>(&self, col: I) -> sqlx::Result<T> {
        match self {
            Self::Sqlite(row) => T::sqlite(row, col.into()),
            Self::Pg(row) => T::pg(row, col.into()),
        }
    }
}

/// A Rust type read from a column of either database.
pub(crate) trait Decode: Sized {
    /// Reads it from a SQLite row.
    fn sqlite(row: &SqliteRow, col: Col<'_>) -> sqlx::Result<Self>;
    /// Reads it from a PostgreSQL row.
    fn pg(row: &PgRow, col: Col<'_>) -> sqlx::Result<Self>;
}

fn sqlite_get<'r, T>(row: &'r SqliteRow, col: Col<'_>) -> sqlx::Result<T>
where
    T: sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    match col {
        Col::Name(n) => row.try_get(n),
        Col::Index(i) => row.try_get(i),
    }
}

fn pg_get<'r, T>(row: &'r PgRow, col: Col<'_>) -> sqlx::Result<T>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    match col {
        Col::Name(n) => row.try_get(n),
        Col::Index(i) => row.try_get(i),
    }
}

/// An integer of any PostgreSQL integer type (and a boolean as 0/1): `COUNT(*)` is `BIGINT`,
/// a literal `1` is `INTEGER`, and the schema's columns are `BIGINT`.
fn pg_int(row: &PgRow, col: Col<'_>) -> sqlx::Result<Option<i64>> {
    let raw = match col {
        Col::Name(n) => row.try_get_raw(n)?,
        Col::Index(i) => row.try_get_raw(i)?,
    };
    if raw.is_null() {
        return Ok(None);
    }
    let type_name = raw.type_info().name().to_owned();
    drop(raw);
    Ok(Some(match type_name.as_str() {
        "INT2" => i64::from(pg_get::<i16>(row, col)?),
        "INT4" => i64::from(pg_get::<i32>(row, col)?),
        "BOOL" => i64::from(pg_get::<bool>(row, col)?),
        _ => pg_get::<i64>(row, col)?,
    }))
}

fn unexpected_null(col: Col<'_>) -> sqlx::Error {
    let index = match col {
        Col::Name(n) => n.to_owned(),
        Col::Index(i) => i.to_string(),
    };
    sqlx::Error::ColumnDecode {
        index,
        source: "unexpected NULL".into(),
    }
}

impl Decode for i64 {
    fn sqlite(row: &SqliteRow, col: Col<'_>) -> sqlx::Result<Self> {
        sqlite_get(row, col)
    }
    fn pg(row: &PgRow, col: Col<'_>) -> sqlx::Result<Self> {
        pg_int(row, col)?.ok_or_else(|| unexpected_null(col))
    }
}

impl Decode for Option<i64> {
    fn sqlite(row: &SqliteRow, col: Col<'_>) -> sqlx::Result<Self> {
        sqlite_get(row, col)
    }
    fn pg(row: &PgRow, col: Col<'_>) -> sqlx::Result<Self> {
        pg_int(row, col)
    }
}

impl Decode for bool {
    fn sqlite(row: &SqliteRow, col: Col<'_>) -> sqlx::Result<Self> {
        sqlite_get(row, col)
    }
    fn pg(row: &PgRow, col: Col<'_>) -> sqlx::Result<Self> {
        Ok(pg_int(row, col)?.ok_or_else(|| unexpected_null(col))? != 0)
    }
}

impl Decode for Option<bool> {
    fn sqlite(row: &SqliteRow, col: Col<'_>) -> sqlx::Result<Self> {
        sqlite_get(row, col)
    }
    fn pg(row: &PgRow, col: Col<'_>) -> sqlx::Result<Self> {
        Ok(pg_int(row, col)?.map(|v| v != 0))
    }
}

macro_rules! direct_decode {
    ($($t:ty),*) => {$(
        impl Decode for $t {
            fn sqlite(row: &SqliteRow, col: Col<'_>) -> sqlx::Result<Self> {
                sqlite_get(row, col)
            }
            fn pg(row: &PgRow, col: Col<'_>) -> sqlx::Result<Self> {
                pg_get(row, col)
            }
        }
    )*};
}
direct_decode!(
    String,
    Option<String>,
    Vec<u8>,
    Option<Vec<u8>>,
    f64,
    Option<f64>
);

/// A value of any column, as stored: for copying rows between databases.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    /// NULL.
    Null,
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Real(f64),
    /// Text.
    Text(String),
    /// Bytes.
    Bytes(Vec<u8>),
}

impl Row {
    /// How many columns it has.
    pub(crate) fn len(&self) -> usize {
        match self {
            Self::Sqlite(row) => row.len(),
            Self::Pg(row) => row.len(),
        }
    }

    /// The value of column `i`, whatever its type.
    pub(crate) fn cell(&self, i: usize) -> sqlx::Result<Cell> {
        let col = Col::Index(i);
        match self {
            Self::Sqlite(row) => {
                let raw = row.try_get_raw(i)?;
                if raw.is_null() {
                    return Ok(Cell::Null);
                }
                // SQLite types values, not columns: the value's own storage class.
                let class = raw.type_info().name().to_owned();
                drop(raw);
                Ok(match class.as_str() {
                    "INTEGER" | "BOOLEAN" => Cell::Int(sqlite_get(row, col)?),
                    "REAL" => Cell::Real(sqlite_get(row, col)?),
                    "BLOB" => Cell::Bytes(sqlite_get(row, col)?),
                    _ => Cell::Text(sqlite_get(row, col)?),
                })
            }
            Self::Pg(row) => {
                let raw = row.try_get_raw(i)?;
                if raw.is_null() {
                    return Ok(Cell::Null);
                }
                let type_name = raw.type_info().name().to_owned();
                drop(raw);
                Ok(match type_name.as_str() {
                    "INT2" | "INT4" | "INT8" | "BOOL" => {
                        Cell::Int(pg_int(row, col)?.ok_or_else(|| unexpected_null(col))?)
                    }
                    "FLOAT4" => Cell::Real(f64::from(pg_get::<f32>(row, col)?)),
                    "FLOAT8" => Cell::Real(pg_get(row, col)?),
                    "BYTEA" => Cell::Bytes(pg_get(row, col)?),
                    _ => Cell::Text(pg_get(row, col)?),
                })
            }
        }
    }
}
