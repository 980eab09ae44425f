//! The admin UI's build and tests: npm in `ui/`, the types generated from the admin API's
//! OpenAPI document, Vitest, and the browser end-to-end tests in `tests/browser/`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{Tally, cargo, run_tests, step};

fn ui_dir(root: &Path) -> PathBuf {
    root.join("ui")
}

fn npm(root: &Path) -> Command {
    let mut cmd = Command::new("npm");
    cmd.current_dir(ui_dir(root))
        .env("NO_COLOR", "1")
        .env("FORCE_COLOR", "0");
    cmd
}

/// Node.js and npm must be there (the machine's own; Vite needs Node.js 20.19 or later).
fn require_node() -> Result<()> {
    let found = Command::new("node")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let Some(version) = found else {
        bail!(
            "Node.js is not installed: the admin UI is built with Node.js 20.19 or later and npm"
        );
    };
    let major: u32 = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    if major < 20 {
        bail!("Node.js {version} is too old: the admin UI needs 20.19 or later");
    }
    Ok(())
}

/// `npm ci` in `ui/`, unless `node_modules` already matches the lock file.
pub fn install(root: &Path) -> Result<()> {
    require_node()?;
    let dir = ui_dir(root);
    let modified = |p: PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let lock = modified(dir.join("package-lock.json"));
    let installed = modified(dir.join("node_modules/.package-lock.json"));
    if lock.is_some() && installed.is_some() && installed >= lock {
        return Ok(());
    }
    step(
        npm(root).args(["ci", "--no-audit", "--no-fund"]),
        "npm ci (ui/)",
    )
}

/// Type-checks and builds the UI into `ui/dist`, which the server embeds.
pub fn build(root: &Path) -> Result<()> {
    install(root)?;
    step(npm(root).args(["run", "build"]), "npm run build (ui/)")
}

/// Writes the admin API's OpenAPI document to `target/openapi.json` and the TypeScript types
/// generated from it to `out`.
fn generate_types(root: &Path, out: &Path) -> Result<()> {
    let target = target_dir(root);
    std::fs::create_dir_all(&target)?;
    let document = target.join("openapi.json");
    let cargo_bin = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo_bin)
        .args([
            "run",
            "--quiet",
            "-p",
            "scim-console-cli",
            "--bin",
            "scim-console",
            "--",
            "openapi",
        ])
        .current_dir(root)
        .output()
        .context("running scim-console openapi")?;
    if !output.status.success() {
        bail!(
            "scim-console openapi failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    std::fs::write(&document, &output.stdout)?;
    step(
        npm(root)
            .args(["exec", "--", "openapi-typescript"])
            .arg(&document)
            .arg("-o")
            .arg(out),
        "openapi-typescript",
    )
}

/// Where cargo builds: `$CARGO_TARGET_DIR`, else `target/`.
pub(crate) fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// `cargo xtask api`: regenerates `ui/src/api/schema.d.ts` from the admin API.
pub fn regenerate_types(root: &Path) -> Result<()> {
    install(root)?;
    generate_types(root, &ui_dir(root).join("src/api/schema.d.ts"))
}

/// Fails when the committed types and the admin API disagree.
fn check_drift(root: &Path) -> Result<()> {
    let fresh = target_dir(root).join("schema.d.ts");
    generate_types(root, &fresh)?;
    let committed = std::fs::read_to_string(ui_dir(root).join("src/api/schema.d.ts"))
        .context("reading ui/src/api/schema.d.ts")?;
    let generated = std::fs::read_to_string(&fresh)?;
    if committed != generated {
        bail!(
            "the admin API and the UI's types disagree: ui/src/api/schema.d.ts is not what the API's OpenAPI document generates. Run `cargo xtask api`, fix what no longer type-checks, and commit both"
        );
    }
    eprintln!("==> the UI's API types match the admin API");
    Ok(())
}

/// The UI's checks and tests: formatting, Vitest, type drift, and the browser end-to-end
/// tests against the real `scim-console` binary in Debian's Chromium.
pub fn test(root: &Path, tally: &mut Tally) -> Result<()> {
    step(
        npm(root).args(["run", "format:check"]),
        "prettier --check (ui/, tests/)",
    )?;
    run_tests(
        root,
        npm(root).args(["exec", "--", "vitest", "run"]),
        "vitest run (ui/)",
        tally,
    )?;
    check_drift(root)?;
    cargo(
        root,
        &["build", "-p", "scim-console-cli", "--bin", "scim-console"],
    )?;
    let binary = target_dir(root).join("debug/scim-console");
    run_tests(
        root,
        Command::new("node")
            .args([
                "--test",
                "--test-reporter=spec",
                "tests/browser/console.test.mjs",
                "tests/browser/administrators.test.mjs",
                "tests/browser/alerts.test.mjs",
                "tests/browser/oauth-flow.test.mjs",
                "tests/browser/protected-accounts.test.mjs",
                "tests/browser/plan-templates.test.mjs",
                "tests/browser/deletion-threshold.test.mjs",
                "tests/browser/provision-on-demand.test.mjs",
                "tests/browser/health-and-retry.test.mjs",
                "tests/browser/promotion.test.mjs",
                "tests/browser/user-ids-to-emails.test.mjs",
                "tests/browser/put-semantics.test.mjs",
                "tests/browser/single-sign-on.test.mjs",
            ])
            .current_dir(root)
            .env("SCIM_CONSOLE_BIN", binary)
            .env(
                "E2E_ARTIFACTS",
                target_dir(root).join("e2e-artifacts").as_os_str(),
            ),
        "browser end-to-end tests (playwright-core, /usr/bin/chromium)",
        tally,
    )?;
    eprintln!(
        "==> screenshots of every page: {}",
        target_dir(root).join("e2e-artifacts").display()
    );
    Ok(())
}

/// `cargo xtask bench ui`: the first page's gzipped size and the log table's frame times over
/// 100,000 rows, in headless Chromium against the real console.
pub fn bench(root: &Path) -> Result<()> {
    crate::ensure_packages(&["chromium"])?;
    build(root)?;
    cargo(
        root,
        &["build", "-p", "scim-console-cli", "--bin", "scim-console"],
    )?;
    step(
        Command::new("node")
            .arg("tests/browser/log-scroll.bench.mjs")
            .env(
                "SCIM_CONSOLE_BIN",
                target_dir(root).join("debug/scim-console"),
            )
            .current_dir(root),
        "log table with 100,000 rows (Chromium, Performance API)",
    )
}
