//! CSV as the console exports it (RFC 4180, every field quoted), safe to open in a spreadsheet:
//! a field that starts like a formula (`=`, `+`, `-`, `@`, a tab or a carriage return) is
//! prefixed with `'`, so that a value a client sent — a `userName` of `=HYPERLINK(…)` — is shown
//! as text, never evaluated (OWASP's CSV injection advice).

/// Appends `value` as one quoted, formula-neutralised CSV field.
pub fn field(out: &mut String, value: &str) {
    out.push('"');
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        out.push('\'');
    }
    out.push_str(&value.replace('"', "\"\""));
    out.push('"');
}

/// `fields` as one CSV line ending in CRLF.
pub fn line<S: AsRef<str>>(fields: &[S]) -> String {
    let mut out = String::new();
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(&mut out, f.as_ref());
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Test code: a failure is a test failure.

    use super::*;

    #[test]
    fn formulas_become_text_and_quotes_are_doubled() {
        assert_eq!(
            line(&[
                "=HYPERLINK(\"http://x\")",
                "+1",
                "-2",
                "@SUM(A1)",
                "\tx",
                "\rx",
                "a\"b",
                "ok"
            ]),
            "\"'=HYPERLINK(\"\"http://x\"\")\",\"'+1\",\"'-2\",\"'@SUM(A1)\",\"'\tx\",\"'\rx\",\"a\"\"b\",\"ok\"\r\n"
        );
    }
}
