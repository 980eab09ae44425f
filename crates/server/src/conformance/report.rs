//! A run's report as a table for the terminal, JSON, JUnit XML (for CI) and a standalone HTML
//! page (to attach to a ticket).

use std::fmt::Write as _;

use super::{CheckResult, Level, Outcome, Report};

/// The formats a report is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A plain-text table.
    Table,
    /// The report as JSON.
    Json,
    /// JUnit XML: one test case per rule.
    Junit,
    /// A standalone HTML page.
    Html,
}

/// The report in `format`.
pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Table => table(report),
        Format::Json => serde_json::to_string_pretty(report).unwrap_or_default(),
        Format::Junit => junit(report),
        Format::Html => html(report),
    }
}

fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "pass",
        Outcome::Fail => "FAIL",
        Outcome::Skip => "skip",
    }
}

fn level_word(l: Level) -> &'static str {
    match l {
        Level::Must => "MUST",
        Level::Should => "SHOULD",
    }
}

fn summary(report: &Report) -> String {
    format!(
        "{}: {} passed, {} failed ({} MUST), {} skipped — {} requests{}",
        report.verdict(),
        report.count(Outcome::Pass),
        report.count(Outcome::Fail),
        report.failed_musts(),
        report.count(Outcome::Skip),
        report.requests,
        if report.throttled > 0 {
            format!(", {} answered 429 and waited out", report.throttled)
        } else {
            String::new()
        }
    )
}

fn table(report: &Report) -> String {
    let mut out = format!(
        "Conformance of {} — {} profile{}\n\n",
        report.target,
        report.profile.as_str(),
        if report.allow_writes {
            format!(", writes allowed (prefix {})", report.prefix)
        } else {
            ", read-only".into()
        }
    );
    for r in &report.results {
        let _ = writeln!(
            out,
            "{:<4}  {:<6}  {:<32}  {}",
            outcome_word(r.outcome),
            level_word(r.level),
            r.id,
            r.title
        );
        if let Some(why) = &r.why {
            match r.outcome {
                Outcome::Fail => {
                    let _ = writeln!(out, "{:>46}{why}", "");
                    let _ = writeln!(out, "{:>46}({})", "", r.source);
                }
                // A skipped MUST says why, and what would let it run.
                Outcome::Skip if r.level == Level::Must => {
                    let _ = writeln!(out, "{:>46}not checked: {why}", "");
                }
                _ => {}
            }
        }
    }
    let _ = writeln!(out, "\n{}", summary(report));
    if !report.left_behind.is_empty() {
        let _ = writeln!(
            out,
            "Could not delete what the run created: {}",
            report.left_behind.join("; ")
        );
    }
    out
}

/// Text for XML and HTML: `&`, `<`, `>`, quotes escaped; control characters dropped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(ch),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn exchanges_text(r: &CheckResult) -> String {
    let mut out = String::new();
    for e in &r.exchanges {
        let _ = writeln!(out, "> {} {}", e.method, e.path);
        for h in &e.request_headers {
            let _ = writeln!(out, "> {}: {}", h.name, h.value);
        }
        if let Some(body) = &e.request_body {
            let _ = writeln!(out, "> {body}");
        }
        if let Some(error) = &e.error {
            let _ = writeln!(out, "< no answer: {error}");
        } else {
            let _ = writeln!(out, "< {} ({} ms)", e.status, e.millis);
            for h in &e.response_headers {
                let _ = writeln!(out, "< {}: {}", h.name, h.value);
            }
            if let Some(body) = &e.response_body {
                let _ = writeln!(out, "< {body}");
            }
        }
        out.push('\n');
    }
    out
}

fn junit(report: &Report) -> String {
    let seconds = |ms: u64| format!("{:.3}", std::time::Duration::from_millis(ms).as_secs_f64());
    let total_ms: u64 = report.results.iter().map(|r| r.millis).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"SCIM conformance\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{}\">",
        report.results.len(),
        report.count(Outcome::Fail),
        report.count(Outcome::Skip),
        seconds(total_ms)
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{} ({} profile)\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" timestamp=\"{}\" time=\"{}\">",
        escape(&report.target),
        report.profile.as_str(),
        report.results.len(),
        report.count(Outcome::Fail),
        report.count(Outcome::Skip),
        report.started.to_rfc3339(),
        seconds(total_ms)
    );
    let _ = writeln!(
        out,
        "    <properties>\n      <property name=\"verdict\" value=\"{}\" />\n    </properties>",
        escape(&report.verdict().to_string())
    );
    for r in &report.results {
        let _ = write!(
            out,
            "    <testcase classname=\"scim.{}\" name=\"{} {} ({})\" time=\"{}\"",
            report.profile.as_str(),
            escape(&r.id),
            level_word(r.level),
            escape(&r.source),
            seconds(r.millis)
        );
        match r.outcome {
            Outcome::Pass => out.push_str(" />\n"),
            Outcome::Skip => {
                let _ = writeln!(
                    out,
                    ">\n      <skipped message=\"{}\" />\n    </testcase>",
                    escape(r.why.as_deref().unwrap_or_default())
                );
            }
            Outcome::Fail => {
                let _ = writeln!(
                    out,
                    ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                    escape(r.why.as_deref().unwrap_or_default()),
                    level_word(r.level),
                    escape(&format!("{}\n\n{}", r.title, exchanges_text(r)))
                );
            }
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

fn html(report: &Report) -> String {
    let mut rows = String::new();
    for r in &report.results {
        let class = match r.outcome {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Skip => "skip",
        };
        let _ = writeln!(
            rows,
            "<tr class=\"{class}\"><td>{}</td><td>{}</td><td><code>{}</code><br>{}<br><small>{}</small>{}</td></tr>",
            outcome_word(r.outcome),
            level_word(r.level),
            escape(&r.id),
            escape(&r.title),
            escape(&r.source),
            {
                let why = r
                    .why
                    .as_deref()
                    .map(|w| format!("<p>{}</p>", escape(w)))
                    .unwrap_or_default();
                let exchanges = if r.exchanges.is_empty() {
                    String::new()
                } else {
                    format!(
                        "<details><summary>{} request(s)</summary><pre>{}</pre></details>",
                        r.exchanges.len(),
                        escape(&exchanges_text(r))
                    )
                };
                format!("{why}{exchanges}")
            }
        );
    }
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>SCIM conformance — {target}</title>\n\
<style>body{{font-family:system-ui,sans-serif;margin:2rem;color:#1b1b1b}}table{{border-collapse:collapse;width:100%}}\
td,th{{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}}tr.fail td:first-child{{color:#b00020;font-weight:bold}}\
tr.pass td:first-child{{color:#1b7f3b}}tr.skip td:first-child{{color:#777}}pre{{white-space:pre-wrap;font-size:.8rem;background:#f6f6f6;padding:.5rem}}</style></head>\n\
<body><h1>SCIM conformance</h1><p><strong>{target}</strong> — {profile} profile, {mode}; {started} to {finished}</p>\n\
<h2>{verdict}</h2><p>{summary}</p>{left}\n<table><thead><tr><th>Result</th><th>Level</th><th>Rule</th></tr></thead><tbody>\n{rows}</tbody></table>\n\
<p><small>Made by SCIM Console {version}. Credentials are masked.</small></p></body></html>\n",
        target = escape(&report.target),
        profile = report.profile.as_str(),
        mode = if report.allow_writes {
            format!("writes allowed under the prefix {}", escape(&report.prefix))
        } else {
            "read-only".into()
        },
        started = report.started.to_rfc3339(),
        finished = report.finished.to_rfc3339(),
        verdict = escape(&report.verdict().to_string()),
        summary = escape(&summary(report)),
        left = if report.left_behind.is_empty() {
            String::new()
        } else {
            format!(
                "<p>Could not delete: {}</p>",
                escape(&report.left_behind.join("; "))
            )
        },
        version = env!("CARGO_PKG_VERSION"),
    )
}

#[cfg(test)]
mod tests {
    use super::super::{CheckResult, Exchange, Level, Outcome, Report};
    use super::*;
    use scim_console_core::ClientProfile;

    fn report() -> Report {
        let result = |id: &str, outcome, why: Option<&str>| CheckResult {
            id: id.into(),
            title: format!("{id} <title>"),
            source: "SCIM interop profile §5.2".into(),
            level: Level::Must,
            writes: false,
            outcome,
            why: why.map(str::to_owned),
            exchanges: vec![Exchange {
                method: "GET".into(),
                path: "/Users?filter=a&b".into(),
                request_headers: vec![super::super::client::Header {
                    name: "Authorization".into(),
                    value: "Bearer ***".into(),
                }],
                request_body: None,
                status: 404,
                response_headers: vec![],
                response_body: Some("{\"detail\":\"<x>\"}".into()),
                error: None,
                millis: 3,
            }],
            millis: 5,
        };
        Report {
            target: "https://h/scim/v2".into(),
            profile: ClientProfile::Strict,
            allow_writes: false,
            prefix: "scimcheck-1".into(),
            started: chrono::Utc::now(),
            finished: chrono::Utc::now(),
            results: vec![
                result("a", Outcome::Pass, None),
                result("b", Outcome::Fail, Some("it said \"no\" & <left>")),
                result("c", Outcome::Skip, Some("writes")),
            ],
            left_behind: vec![],
            requests: 3,
            throttled: 0,
        }
    }

    #[test]
    fn a_run_that_skipped_a_must_is_incomplete_everywhere() {
        let mut r = report();
        r.results.retain(|x| x.outcome != Outcome::Fail);
        assert_eq!(
            r.verdict(),
            crate::conformance::RunVerdict::Incomplete {
                checked: 1,
                total: 2
            }
        );
        let text = "incomplete: 1 of 2 MUSTs checked, none failed";
        for format in [Format::Table, Format::Junit, Format::Html] {
            let out = render(&r, format);
            assert!(out.contains(text), "{format:?}: {out}");
            assert!(!out.contains("every MUST passed"), "{format:?}: {out}");
        }
        r.results.retain(|x| x.outcome == Outcome::Pass);
        assert_eq!(
            r.verdict().to_string(),
            "every MUST passed (1 of 1 checked)"
        );
    }

    #[test]
    fn junit_and_html_escape_and_count() {
        let r = report();
        let xml = render(&r, Format::Junit);
        assert!(
            xml.contains("tests=\"3\" failures=\"1\" skipped=\"1\""),
            "{xml}"
        );
        assert!(
            xml.contains("message=\"it said &quot;no&quot; &amp; &lt;left&gt;\""),
            "{xml}"
        );
        assert!(xml.contains("Bearer ***") && !xml.contains("<x>"), "{xml}");
        let html = render(&r, Format::Html);
        assert!(
            html.contains("&lt;title&gt;") && !html.contains("<title>a"),
            "{html}"
        );
        let table = render(&r, Format::Table);
        assert!(
            table.contains("FAIL")
                && table.contains("1 MUST failed: 1 passed, 1 failed (1 MUST), 1 skipped")
                && table.contains("not checked: writes"),
            "{table}"
        );
        assert!(
            xml.contains("name=\"verdict\" value=\"1 MUST failed\""),
            "{xml}"
        );
        assert!(html.contains("<h2>1 MUST failed</h2>"), "{html}");
        let json: serde_json::Value = serde_json::from_str(&render(&r, Format::Json)).unwrap();
        assert_eq!(json["results"][1]["outcome"], "fail");
    }
}
