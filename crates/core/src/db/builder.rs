//! Statements assembled piece by piece (lists of values, optional conditions), with their
//! values bound as they are pushed: the same calls as sqlx's `QueryBuilder`, for either
//! database.

use std::fmt::{Display, Write as _};

use super::{Encode, Param, Query};
use crate::administrators::roles::Reach;

/// A statement being assembled.
#[derive(Debug, Default)]
pub(crate) struct QueryBuilder<'q> {
    sql: String,
    params: Vec<Param<'q>>,
}

impl<'q> QueryBuilder<'q> {
    /// Starts with `init`.
    pub(crate) fn new(init: impl Into<String>) -> Self {
        Self {
            sql: init.into(),
            params: Vec::new(),
        }
    }

    /// Appends SQL text.
    pub(crate) fn push(&mut self, sql: impl Display) -> &mut Self {
        // Writing to a String cannot fail.
        let _ = write!(self.sql, "{sql}");
        self
    }

    /// Appends a placeholder bound to `value`.
    pub(crate) fn push_bind<T: Encode<'q>>(&mut self, value: T) -> &mut Self {
        self.sql.push('?');
        self.params.push(value.into_param());
        self
    }

    /// Appends ` AND column IN (…)` for the configurations `reach` shows (nothing for all of
    /// them; a condition no row meets for none).
    pub(crate) fn push_reach(&mut self, column: &str, reach: &Reach) -> &mut Self {
        let Reach::Only(ids) = reach else {
            return self;
        };
        if ids.is_empty() {
            return self.push(" AND 1 = 0");
        }
        self.push(format!(" AND {column} IN ("));
        let mut list = self.separated(", ");
        for id in ids {
            list.push_bind(id.to_string());
        }
        self.push(")")
    }

    /// Appends items separated by `separator`.
    pub(crate) fn separated<'b>(&'b mut self, separator: &'static str) -> Separated<'b, 'q> {
        Separated {
            builder: self,
            separator,
            first: true,
        }
    }

    /// Appends `VALUES (…), (…)`, one tuple per item.
    pub(crate) fn push_values<I, F>(&mut self, tuples: I, mut push_tuple: F) -> &mut Self
    where
        I: IntoIterator,
        F: FnMut(Separated<'_, 'q>, I::Item),
    {
        self.push("VALUES ");
        for (i, tuple) in tuples.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.push("(");
            push_tuple(self.separated(", "), tuple);
            self.push(")");
        }
        self
    }

    /// The SQL so far.
    #[cfg(test)]
    pub(crate) fn sql(&self) -> &str {
        &self.sql
    }

    /// The statement, ready to run (the builder is left empty).
    pub(crate) fn build(&mut self) -> Query<'q> {
        Query {
            sql: std::mem::take(&mut self.sql).into(),
            params: std::mem::take(&mut self.params),
            plan_per_call: false,
        }
    }
}

/// Items of a list, with a separator between them.
#[derive(Debug)]
pub(crate) struct Separated<'b, 'q> {
    builder: &'b mut QueryBuilder<'q>,
    separator: &'static str,
    first: bool,
}

impl<'q> Separated<'_, 'q> {
    fn next(&mut self) {
        if !self.first {
            self.builder.push(self.separator);
        }
        self.first = false;
    }

    /// Appends a bound placeholder as the next item.
    pub(crate) fn push_bind<T: Encode<'q>>(&mut self, value: T) -> &mut Self {
        self.next();
        self.builder.push_bind(value);
        self
    }

    /// Appends SQL text with no separator.
    pub(crate) fn push_unseparated(&mut self, sql: impl Display) -> &mut Self {
        self.builder.push(sql);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::QueryBuilder;

    #[test]
    fn lists_and_values_are_separated_and_bound_in_order() {
        let mut q = QueryBuilder::new("INSERT INTO t (a, b) ");
        q.push_values([(1_i64, "x"), (2, "y")], |mut row, (a, b)| {
            row.push_bind(a).push_bind(b);
        });
        q.push(" ON CONFLICT DO NOTHING");
        assert_eq!(
            q.sql(),
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?) ON CONFLICT DO NOTHING"
        );
        let mut d = QueryBuilder::new("DELETE FROM t WHERE a IN (");
        let mut list = d.separated(", ");
        for id in [3_i64, 4, 5] {
            list.push_bind(id);
        }
        list.push_unseparated(")");
        let built = d.build();
        assert_eq!(built.sql, "DELETE FROM t WHERE a IN (?, ?, ?)");
        assert_eq!(built.params.len(), 3);
    }
}
