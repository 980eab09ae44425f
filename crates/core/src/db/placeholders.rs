//! Statements are written once with SQLite's placeholders (`?` and `?N`); PostgreSQL takes
//! `$N`. The rewrite numbers them as SQLite does: `?N` is parameter N, a bare `?` is one more
//! than the largest number so far. Placeholders inside string literals, quoted identifiers
//! and comments are left alone.

use std::borrow::Cow;

/// The statement with PostgreSQL's placeholders.
pub(crate) fn to_postgres(sql: &str) -> Cow<'_, str> {
    if !sql.contains('?') {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut largest = 0_usize;
    let mut chars = sql.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(c);
                // To the closing quote; a doubled quote is an escaped one and simply reopens.
                for (_, d) in chars.by_ref() {
                    out.push(d);
                    if d == c {
                        break;
                    }
                }
            }
            '-' if chars.peek().is_some_and(|(_, d)| *d == '-') => {
                out.push(c);
                for (_, d) in chars.by_ref() {
                    out.push(d);
                    if d == '\n' {
                        break;
                    }
                }
            }
            '?' => {
                let mut digits = String::new();
                while let Some((_, d)) = chars.peek().filter(|(_, d)| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                let n = if digits.is_empty() {
                    largest + 1
                } else {
                    digits.parse().unwrap_or(largest + 1)
                };
                largest = largest.max(n);
                out.push('$');
                out.push_str(&n.to_string());
            }
            _ => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::to_postgres;

    #[test]
    fn placeholders_are_numbered_as_sqlite_numbers_them() {
        assert_eq!(to_postgres("SELECT 1"), "SELECT 1");
        assert_eq!(
            to_postgres("SELECT a FROM t WHERE b = ? AND c = ?"),
            "SELECT a FROM t WHERE b = $1 AND c = $2"
        );
        assert_eq!(
            to_postgres("WHERE a = ?1 AND (?2 IS NULL OR b LIKE ?2) AND c = ?"),
            "WHERE a = $1 AND ($2 IS NULL OR b LIKE $2) AND c = $3"
        );
        assert_eq!(to_postgres("VALUES (?3, ?, ?1)"), "VALUES ($3, $4, $1)");
    }

    #[test]
    fn quoted_text_and_comments_keep_their_question_marks() {
        assert_eq!(
            to_postgres("SELECT '?', \"a?\" FROM t -- why?\nWHERE x = ? AND y LIKE 'it''s ?'"),
            "SELECT '?', \"a?\" FROM t -- why?\nWHERE x = $1 AND y LIKE 'it''s ?'"
        );
    }
}
