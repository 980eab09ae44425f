//! The supply chain in the test command: `cargo deny check` against `deny.toml` — known
//! vulnerabilities (the RustSec advisory database), licences, duplicate versions, sources.
//!
//! CI reaches the package registries but not github.com, where the advisory database lives.
//! So the database is the snapshot committed under `xtask/advisory-db/` (its upstream commit
//! and date in `SNAPSHOT.toml`): the check makes it a git repository where cargo-deny keeps
//! its clone of the upstream one (under `target/`), and runs it without fetching. A
//! snapshot older than [`MAX_SNAPSHOT_AGE_DAYS`] fails the check: `cargo xtask advisories
//! PATH` refreshes it from a clone of <https://github.com/rustsec/advisory-db>.
//!
//! The UI's production dependencies (bundled into the binary) are checked with
//! `npm audit --omit=dev`; an advisory fails the check unless `ui/npm-audit-allow.json` names
//! it with the reason. A registry that refuses npm's audit endpoint (some mirrors do) is
//! reported loudly and does not fail the run: there is nothing to check against.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The cargo-deny release the policy is written for (installed when missing).
const CARGO_DENY_VERSION: &str = "0.20.2";
/// The oldest snapshot the check accepts, in days.
const MAX_SNAPSHOT_AGE_DAYS: i64 = 180;
/// The upstream database, as `deny.toml` names it.
const UPSTREAM: &str = "https://github.com/rustsec/advisory-db";

fn snapshot_dir(root: &Path) -> PathBuf {
    root.join("xtask/advisory-db")
}

/// `cargo deny check` with the committed advisory snapshot.
pub fn check(root: &Path) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let installed = Command::new(&cargo)
        .args(["deny", "--version"])
        .output()
        .is_ok_and(|o| {
            o.status.success() && String::from_utf8_lossy(&o.stdout).contains(CARGO_DENY_VERSION)
        });
    if !installed {
        crate::cargo(
            root,
            &[
                "install",
                "cargo-deny",
                "--locked",
                "--version",
                CARGO_DENY_VERSION,
            ],
        )?;
    }
    let date = snapshot_date(root)?;
    let age = age_in_days(&date)?;
    if age > MAX_SNAPSHOT_AGE_DAYS {
        bail!(
            "the advisory database snapshot is {age} days old (from {date}; at most {MAX_SNAPSHOT_AGE_DAYS}): refresh it with `cargo xtask advisories PATH` from a clone of {UPSTREAM}"
        );
    }
    let work = root.join("target/supply-chain");
    let repo = work.join("dbs").join(clone_name(UPSTREAM));
    if work.exists() {
        std::fs::remove_dir_all(&work).with_context(|| format!("removing {}", work.display()))?;
    }
    copy_tree(&snapshot_dir(root), &repo)?;
    git(&repo, &["init", "--quiet", "--initial-branch=main"])?;
    git(&repo, &["add", "--all"])?;
    git(
        &repo,
        &[
            "-c",
            "user.name=xtask",
            "-c",
            "user.email=xtask@localhost",
            "commit",
            "--quiet",
            "--message",
            &format!("RustSec advisory database snapshot of {date}"),
        ],
    )?;
    let policy = std::fs::read_to_string(root.join("deny.toml")).context("reading deny.toml")?;
    let upstream = format!("db-urls = [\"{UPSTREAM}\"]");
    if !policy.contains(&upstream) {
        bail!(
            "deny.toml must name the advisory database as `{upstream}` (the check puts the snapshot where cargo-deny keeps that one)"
        );
    }
    let config = work.join("deny.toml");
    std::fs::write(
        &config,
        policy.replace(
            &upstream,
            &format!("{upstream}\ndb-path = \"{}\"", work.join("dbs").display()),
        ),
    )?;
    // Every crate of the lock file, for every platform (a build fetches only the host's): the
    // check reads them all, offline.
    crate::cargo(root, &["fetch", "--locked"])?;
    eprintln!("==> cargo deny check (advisory database of {date}, {age} days old)");
    let status = Command::new(&cargo)
        // Offline: the snapshot is the database; the crates are fetched by the build.
        .args(["deny", "--frozen", "--config"])
        .arg(&config)
        // A failure names the crate and the advisory or licence; `cargo deny check` shows
        // the dependency paths (hidden here: the duplicates' alone run to thousands of lines).
        .args(["check", "--hide-inclusion-graph"])
        .current_dir(root)
        .status()
        .context("running cargo deny")?;
    if !status.success() {
        bail!(
            "cargo deny check failed: see above (the policy and its exceptions are in deny.toml)"
        );
    }
    npm_audit(root)
}

/// What `npm audit --json` said.
#[derive(Debug, PartialEq, Eq)]
enum Audit {
    /// The advisories (GitHub advisory ids, with their package) the report lists.
    Advisories(Vec<(String, String)>),
    /// The registry would not answer (why).
    Unavailable(String),
}

/// Reads `npm audit --json`'s report (version 2).
fn read_audit(report: &serde_json::Value) -> Result<Audit> {
    if let Some(error) = report.get("error") {
        // npm says why in `error.summary`, or (an HTTP refusal) in the top-level `message`.
        let why = [error.get("summary"), report.get("message")]
            .into_iter()
            .flatten()
            .filter_map(serde_json::Value::as_str)
            .find(|text| !text.trim().is_empty())
            .unwrap_or("no reason given");
        return Ok(Audit::Unavailable(why.to_owned()));
    }
    let Some(vulnerabilities) = report
        .get("vulnerabilities")
        .and_then(serde_json::Value::as_object)
    else {
        bail!("npm audit's report has no `vulnerabilities`");
    };
    let mut found = Vec::new();
    for (package, entry) in vulnerabilities {
        let via = entry.get("via").and_then(serde_json::Value::as_array);
        // An advisory is an object in `via`; a package name there is a path to one.
        for advisory in via.into_iter().flatten().filter(|v| v.is_object()) {
            let id = advisory
                .get("url")
                .and_then(serde_json::Value::as_str)
                .and_then(|url| url.rsplit('/').next())
                .unwrap_or("an advisory without a URL")
                .to_owned();
            found.push((id, package.clone()));
        }
    }
    found.sort();
    found.dedup();
    Ok(Audit::Advisories(found))
}

/// `npm audit --omit=dev` of the UI, with the allow-list `ui/npm-audit-allow.json`
/// (`{"GHSA-…": "why it does not affect the console"}`).
fn npm_audit(root: &Path) -> Result<()> {
    let allow_file = root.join("ui/npm-audit-allow.json");
    let allowed: serde_json::Map<String, serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(&allow_file)
            .with_context(|| format!("reading {}", allow_file.display()))?,
    )
    .with_context(|| format!("{} is not a JSON object", allow_file.display()))?;
    if let Some((id, _)) = allowed
        .iter()
        .find(|(_, why)| why.as_str().is_none_or(|w| w.trim().is_empty()))
    {
        bail!("ui/npm-audit-allow.json: {id} needs a reason");
    }
    eprintln!("==> npm audit --omit=dev (ui/)");
    let output = Command::new("npm")
        .args(["audit", "--omit=dev", "--json"])
        .current_dir(root.join("ui"))
        .output()
        .context("running npm audit")?;
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).with_context(|| {
        format!(
            "npm audit printed no JSON report: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    })?;
    match read_audit(&report)? {
        Audit::Unavailable(why) => {
            eprintln!(
                "WARNING: npm audit could not run — the registry refused its audit endpoint ({why}). The UI's dependencies were NOT checked for advisories on this machine."
            );
            Ok(())
        }
        Audit::Advisories(found) => {
            let refused: Vec<String> = found
                .iter()
                .filter(|(id, _)| !allowed.contains_key(id))
                .map(|(id, package)| format!("{id} ({package})"))
                .collect();
            if refused.is_empty() {
                eprintln!("==> npm audit: no advisory outside the allow-list");
                Ok(())
            } else {
                bail!(
                    "npm audit found advisories for the UI's production dependencies: {}. Upgrade them, or add each to ui/npm-audit-allow.json with why it does not affect the console",
                    refused.join(", ")
                )
            }
        }
    }
}

/// `cargo xtask advisories PATH`: replaces the committed snapshot with the database at PATH
/// (a clone of the upstream repository).
pub fn refresh(root: &Path, from: &Path) -> Result<()> {
    if !from.join("crates").is_dir() {
        bail!(
            "{} is not a clone of {UPSTREAM} (no crates/ directory)",
            from.display()
        );
    }
    let log = Command::new("git")
        .arg("-C")
        .arg(from)
        .args(["log", "-1", "--format=%H %cI"])
        .output()
        .context("reading the clone's last commit")?;
    let text = String::from_utf8_lossy(&log.stdout).trim().to_owned();
    let Some((commit, date)) = text.split_once(' ') else {
        bail!("{} is not a git clone", from.display());
    };
    let target = snapshot_dir(root);
    if target.exists() {
        std::fs::remove_dir_all(&target)?;
    }
    copy_tree(&from.join("crates"), &target.join("crates"))?;
    for file in ["LICENSE.txt", "README.md"] {
        std::fs::copy(from.join(file), target.join(file))
            .with_context(|| format!("copying {file}"))?;
    }
    std::fs::write(
        target.join("SNAPSHOT.toml"),
        format!("commit = \"{commit}\"\ndate = \"{date}\"\n"),
    )?;
    eprintln!("==> xtask/advisory-db/ is now {commit} of {date}: commit it");
    Ok(())
}

/// The directory cargo-deny keeps its clone of the database at `url` in, under its `db-path`:
/// the URL's last segment and the XxHash64 of the lower-cased URL (cargo-deny 0.20's
/// `url_to_db_path`).
fn clone_name(url: &str) -> String {
    let url = url.to_lowercase();
    let name = url.rsplit('/').next().unwrap_or("empty_");
    let hash = twox_hash::XxHash64::oneshot(0xca80_de71, url.as_bytes());
    format!("{name}-{hash:016x}")
}

/// The snapshot's upstream date (`date = "…"` in `SNAPSHOT.toml`).
fn snapshot_date(root: &Path) -> Result<String> {
    let file = snapshot_dir(root).join("SNAPSHOT.toml");
    let text =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    text.lines()
        .find_map(|line| line.strip_prefix("date = \""))
        .and_then(|rest| rest.strip_suffix('"'))
        .map(str::to_owned)
        .context("SNAPSHOT.toml has no date")
}

/// Whole days since an ISO-8601 date (GNU `date` parses it).
fn age_in_days(date: &str) -> Result<i64> {
    let seconds = |args: &[&str]| -> Result<i64> {
        let out = Command::new("date")
            .args(args)
            .output()
            .context("running date")?;
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .with_context(|| format!("date {args:?} gave no number"))
    };
    let then = seconds(&["-d", date, "+%s"])?;
    let now = seconds(&["+%s"])?;
    Ok((now - then) / 86_400)
}

fn git(repo: &Path, args: &[&str]) -> Result<()> {
    let status = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .status()
        .context("running git")?;
    if !status.success() {
        bail!("git {args:?} failed in {}", repo.display());
    }
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)
                .with_context(|| format!("copying {}", entry.path().display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Test code: a failure is a test failure.

    use serde_json::json;

    use super::*;

    #[test]
    fn npm_audit_reports_are_read_advisory_by_advisory() {
        let report = json!({
            "auditReportVersion": 2,
            "vulnerabilities": {
                "nanoid": {"name": "nanoid", "severity": "moderate", "via": [
                    {"source": 1_101_163, "name": "nanoid", "title": "Predictable results",
                     "url": "https://github.com/advisories/GHSA-mwcw-c2x4-8c55", "severity": "moderate"}
                ]},
                "postcss": {"name": "postcss", "severity": "moderate", "via": ["nanoid"]}
            },
            "metadata": {"vulnerabilities": {"total": 2}}
        });
        assert_eq!(
            read_audit(&report).unwrap(),
            Audit::Advisories(vec![("GHSA-mwcw-c2x4-8c55".into(), "nanoid".into())])
        );
        let clean = json!({"auditReportVersion": 2, "vulnerabilities": {}});
        assert_eq!(read_audit(&clean).unwrap(), Audit::Advisories(vec![]));
        let refused =
            json!({"error": {"code": "ENOAUDIT", "summary": "audit endpoint returned an error"}});
        assert_eq!(
            read_audit(&refused).unwrap(),
            Audit::Unavailable("audit endpoint returned an error".into())
        );
        // What a registry that refuses the endpoint makes npm print.
        let refused = json!({
            "message": "405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk",
            "statusCode": 405, "body": "", "error": {"summary": "", "detail": ""}
        });
        assert!(
            matches!(read_audit(&refused).unwrap(), Audit::Unavailable(why) if why.starts_with("405"))
        );
        assert!(read_audit(&json!({"what": 1})).is_err());
    }

    #[test]
    fn the_clone_directory_is_named_as_cargo_deny_names_it() {
        // The name cargo-deny 0.20 gives the upstream database's clone.
        assert_eq!(clone_name(UPSTREAM), "advisory-db-3157b0e258782691");
    }
}
