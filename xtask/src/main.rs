//! `cargo xtask`: the build glue for SCIM Console.
//!
//! - `cargo xtask run [ARGS...]` — runs the console: the desktop app when a display is there,
//!   else the headless server (`scim-console serve`) with its URLs printed. Extra arguments go
//!   to `serve` (e.g. `--port 9000`) and choose the headless server.
//! - `cargo xtask test` — every check CI runs: formatting, clippy with warnings denied, every
//!   test of the workspace, the keychain test inside a private D-Bus session with
//!   gnome-keyring, and the UI's: prettier, Vitest, the API types' drift check and the browser
//!   end-to-end tests in Debian's Chromium. Installs the Debian and npm packages it needs.
//! - `cargo xtask ui` — builds the admin UI (`ui/dist`, embedded by the server).
//! - `cargo xtask deny` — the supply chain: `cargo deny check` against `deny.toml` with the
//!   committed RustSec snapshot (also part of `test`); `cargo xtask advisories PATH` refreshes
//!   the snapshot from a clone of the upstream database.
//! - `cargo xtask layering` — the house rules of `docs/architecture.md` (also part of `test`).
//! - `cargo xtask bundle` — the desktop app's packages, .deb and .rpm (Tauri's bundler).
//! - `cargo xtask icons` — the icon sizes, `icon.ico` and `icon.icns` from `icons/icon.svg`.
//! - `cargo xtask api` — regenerates the UI's TypeScript types from the admin API.
//! - `cargo xtask bench [FILTER]` — the Criterion benchmarks; `cargo xtask bench compare` runs
//!   the same filter against other Rust SCIM crates (built only then, outside the workspace).
//! - `cargo xtask fuzz [--minutes N] [TARGET...]` — the cargo-fuzz targets of `crates/scim/fuzz`
//!   and `crates/core/fuzz` (installs cargo-fuzz when missing; not part of CI).
//! - `cargo xtask chaos [--kills N]` — SIGKILLs under write load (crash safety).
//! - `cargo xtask soak [--minutes N]` — the mixed load for N minutes, `docs/soak.png`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};

mod bulk_bench;
mod chaos;
mod connections;
mod desktop;
mod hostile_bench;
mod icons;
mod layering;
mod load;
mod pilot;
mod release;
mod soak;
mod supply_chain;
mod ui;

const USAGE: &str = "usage: cargo xtask <run|test|bench|chaos|soak|fuzz> [options]

  run [SERVE ARGS]        run the console: the desktop app when a display is there, else the
                          headless server (arguments go to `scim-console serve`)
  test                    every check and test: Rust (fmt, clippy, cargo test), UI (prettier,
                          Vitest, API type drift), browser end-to-end tests
  deny                    the supply chain: cargo deny check (advisories from the committed
                          snapshot, licences, duplicates, sources) against deny.toml
  advisories PATH         refresh the advisory snapshot (xtask/advisory-db/) from a clone of
                          https://github.com/rustsec/advisory-db
  layering                the house rules of docs/architecture.md: crate dependencies one way,
                          no import circles, no unexplained file over 900 lines
  ui                      build the admin UI into ui/dist (the server embeds it)
  api                     regenerate ui/src/api/schema.d.ts from the admin API
  bundle                  the desktop app's packages (target/release/bundle/{deb,rpm}/)
  icons                   regenerate the icons (PNG sizes, .ico, .icns) from icons/icon.svg
  bench [FILTER]          the Criterion benchmarks (optionally only those matching FILTER)
  bench compare           the scim crate against scim-filter and Kanidm's scim_proto
  bench mapping           a 40-rule mapping plan evaluated over a full Entra ID user
  bench logs              the provisioning log with 10 million records: pages, free text, stats
  bench load [--postgres [--instances N]]
                          the release server under wrk: 100k users, creates, filters, pages, PATCHes
                          (on SQLite, or on a throwaway PostgreSQL with N instances sharing it)
  bench ui                the UI in Chromium: first-page size, 100k-row log table frame times
  bench pilot             pilot runs: 2,000 users into a second console, 1/4/8 workers
  bench bulk              POST /Bulk of 1,000 creates and of 1,000 PATCHes; 50-member PATCHes
  bench hostile           lookups with and without a flood of unauthenticated 256 KiB POSTs;
                          bytes the data folder grows per refused request
  bench connections       RSS with 10,000 idle and half-sent connections; all closed after the
                          header timeout
  chaos [--kills N]       SIGKILL the release server under write load N times (default 100),
                          checking every acknowledged write survives and none half-applies
  soak [--minutes N]      the release server under a mixed load for N minutes (default 30):
                          RSS and p99 every 10 s into docs/soak.csv and docs/soak.png
  fuzz [--minutes N] [T]  run the fuzz targets (all, or those named) for N minutes each (default 1)";

/// The fuzz targets and the cargo-fuzz package (under `crates/`) that holds each.
const FUZZ_TARGETS: [(&str, &str); 5] = [
    ("filter_parse", "scim/fuzz"),
    ("patch_apply", "scim/fuzz"),
    ("resource_normalise", "scim/fuzz"),
    ("entra_expression", "core/fuzz"),
    ("plan_import", "core/fuzz"),
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<()> {
    let root = workspace_root();
    match args.first().map(String::as_str) {
        Some("run") if args.len() == 1 && desktop::display_available() => desktop::run(&root),
        Some("run") => {
            let mut cmd = vec![
                "run",
                "--quiet",
                "-p",
                "scim-console-cli",
                "--bin",
                "scim-console",
                "--",
                "serve",
            ];
            cmd.extend(args[1..].iter().map(String::as_str));
            ensure_packages(&SYSTEM_PACKAGES[..2])?;
            ui::build(&root)?;
            cargo(&root, &cmd)
        }
        Some("test") => test(&root),
        Some("layering") => layering::check(&root),
        Some("deny") => supply_chain::check(&root),
        Some("advisories") => match args.get(1) {
            Some(path) => supply_chain::refresh(&root, Path::new(path)),
            None => bail!(
                "usage: cargo xtask advisories PATH (a clone of the RustSec advisory database)"
            ),
        },
        Some("ui") => ui::build(&root),
        Some("api") => ui::regenerate_types(&root),
        Some("bundle") => desktop::bundle(&root),
        Some("icons") => icons::run(&root),
        Some("bench") if args.get(1).is_some_and(|a| a == "load") => load::run(&root, &args[2..]),
        Some("bench") if args.get(1).is_some_and(|a| a == "compare") => cargo(
            &root,
            &[
                "bench",
                "--manifest-path",
                "crates/scim/compare/Cargo.toml",
                "--bench",
                "compare",
            ],
        ),
        Some("bench") if args.get(1).is_some_and(|a| a == "logs") => cargo(
            &root,
            &["bench", "-p", "scim-console-core", "--bench", "logs"],
        ),
        Some("bench") if args.get(1).is_some_and(|a| a == "ui") => ui::bench(&root),
        Some("bench") if args.get(1).is_some_and(|a| a == "pilot") => pilot::run(&root),
        Some("bench") if args.get(1).is_some_and(|a| a == "bulk") => bulk_bench::run(&root),
        Some("bench") if args.get(1).is_some_and(|a| a == "hostile") => hostile_bench::run(&root),
        Some("bench") if args.get(1).is_some_and(|a| a == "connections") => connections::run(&root),
        Some("chaos") => chaos::run(&root, &args[1..]),
        Some("soak") => soak::run(&root, &args[1..]),
        Some("bench") if args.get(1).is_some_and(|a| a == "mapping") => cargo(
            &root,
            &["bench", "-p", "scim-console-core", "--bench", "mapping"],
        ),
        Some("bench") => {
            let mut cmd = vec!["bench", "-p", "scim", "--bench", "protocol"];
            if let Some(filter) = args.get(1) {
                cmd.extend(["--", filter.as_str()]);
            }
            cargo(&root, &cmd)
        }
        Some("fuzz") => fuzz(&root, &args[1..]),
        Some("help" | "--help" | "-h") | None => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => bail!("unknown command {other:?}\n\n{USAGE}"),
    }
}

fn workspace_root() -> PathBuf {
    // `cargo run` gives the package's directory of this checkout; `env!` is where this binary
    // was compiled, wrong for a build reused from another checkout.
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest
        .parent()
        .map_or(manifest.clone(), Path::to_path_buf)
}

pub(crate) fn cargo(root: &Path, args: &[&str]) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    step(
        Command::new(cargo).args(args).current_dir(root),
        &format!("cargo {}", args.join(" ")),
    )
}

pub(crate) fn step(cmd: &mut Command, label: &str) -> Result<()> {
    eprintln!("==> {label}");
    let status = cmd
        .status()
        .with_context(|| format!("could not start `{label}`"))?;
    if !status.success() {
        bail!("`{label}` failed ({status})");
    }
    Ok(())
}

/// Passed and failed counts over every `test result:` line of cargo test's output.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    passed: u64,
    failed: u64,
}

impl Tally {
    /// Adds the counts of one summary line: cargo's `test result: ok. 3 passed; 0 failed; ...`,
    /// Vitest's `Tests  2 failed | 13 passed (15)`, node's `ℹ pass 9` and `ℹ fail 0`.
    fn add_line(&mut self, line: &str) {
        let line = line.trim();
        if let Some(n) = line
            .strip_prefix("ℹ pass ")
            .and_then(|n| n.trim().parse::<u64>().ok())
        {
            self.passed += n;
            return;
        }
        if let Some(n) = line
            .strip_prefix("ℹ fail ")
            .and_then(|n| n.trim().parse::<u64>().ok())
        {
            self.failed += n;
            return;
        }
        let rest = if let Some(rest) = line.strip_prefix("test result:") {
            rest.replace('|', ";")
        } else if let Some(rest) = line.strip_prefix("Tests ") {
            // Vitest: counts before the total in parentheses.
            rest.split('(').next().unwrap_or_default().replace('|', ";")
        } else {
            return;
        };
        for part in rest.split(';') {
            let words: Vec<&str> = part.split_whitespace().collect();
            if let [.., count, kind] = words.as_slice()
                && let Ok(n) = count.parse::<u64>()
            {
                match *kind {
                    "passed" => self.passed += n,
                    "failed" => self.failed += n,
                    _ => {}
                }
            }
        }
    }
}

/// Runs `cargo test ...`, echoing its output and counting its results.
fn cargo_test(root: &Path, args: &[&str], tally: &mut Tally) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(args)
        // No session bus: the keychain's fallback path, and no test writes to a developer's
        // real keychain. The keychain path runs on its own, inside `dbus-run-session`.
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("SCIM_CONSOLE_EXPECT_KEYCHAIN", "0")
        .current_dir(root);
    run_tests(root, &mut cmd, &format!("cargo {}", args.join(" ")), tally)
}

/// The master key and a remote target's credential in a real Secret Service: a private D-Bus
/// session with an unlocked gnome-keyring, and the keychain tests told to expect it.
fn keychain_test(root: &Path, tally: &mut Tally) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let script = format!(
        "echo scim-console-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && '{cargo}' test --workspace --tests -- keychain:: in_the_keychain"
    );
    // A fresh keyring each run (gnome-keyring keeps its files in $XDG_DATA_HOME/keyrings), so
    // neither an earlier run nor the developer's own login keyring is touched.
    let keyrings =
        std::env::temp_dir().join(format!("scim-console-keyring-{}", std::process::id()));
    std::fs::create_dir_all(&keyrings)
        .with_context(|| format!("creating {}", keyrings.display()))?;
    let mut cmd = Command::new("dbus-run-session");
    cmd.args(["--", "sh", "-c", &script])
        .env("XDG_DATA_HOME", &keyrings)
        .env("SCIM_CONSOLE_EXPECT_KEYCHAIN", "1")
        .current_dir(root);
    let result = run_tests(
        root,
        &mut cmd,
        "dbus-run-session: cargo test --workspace --tests -- keychain:: in_the_keychain (gnome-keyring)",
        tally,
    );
    let _ = std::fs::remove_dir_all(&keyrings);
    result
}

/// Runs a test command (in the directory it was given), echoing its output and counting its
/// results.
pub(crate) fn run_tests(
    _root: &Path,
    cmd: &mut Command,
    label: &str,
    tally: &mut Tally,
) -> Result<()> {
    use std::io::{BufRead, BufReader};
    eprintln!("==> {label}");
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .spawn()
        .with_context(|| format!("could not start `{label}`"))?;
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines() {
            let line = line.context("reading cargo test output")?;
            tally.add_line(&line);
            println!("{line}");
        }
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("`{label}` failed ({status})");
    }
    Ok(())
}

/// Debian packages the build and the tests need: D-Bus headers for the keychain (`keyring`),
/// D-Bus with gnome-keyring to test it against a real Secret Service, and PostgreSQL for the
/// suites' second backend.
const SYSTEM_PACKAGES: [&str; 6] = [
    "pkg-config",
    "libdbus-1-dev",
    "dbus",
    "dbus-x11",
    "gnome-keyring",
    "postgresql",
];

/// A throwaway PostgreSQL server (the core crate's `temp-postgres` example): stopped and
/// removed when dropped.
pub(crate) struct TempPostgres {
    child: std::process::Child,
    /// Its database's URL.
    pub(crate) url: String,
}

impl TempPostgres {
    /// Starts one (a few seconds).
    pub(crate) fn start(root: &Path) -> Result<Self> {
        use std::io::BufRead as _;
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut child = Command::new(&cargo)
            .args([
                "run",
                "-q",
                "-p",
                "scim-console-core",
                "--features",
                "testing",
                "--example",
                "temp-postgres",
            ])
            .current_dir(root)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .context("starting the test PostgreSQL server")?;
        let mut url = String::new();
        if let Some(out) = child.stdout.take() {
            std::io::BufReader::new(out)
                .read_line(&mut url)
                .context("reading the test PostgreSQL server's URL")?;
        }
        let url = url.trim().to_owned();
        if !url.starts_with("postgres://") {
            // Closing its input stops it, if it started at all.
            drop(child.stdin.take());
            let _ = child.wait();
            bail!("the test PostgreSQL server did not start (see its error above)");
        }
        Ok(Self { child, url })
    }
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        // Closing its standard input stops and removes the server.
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// Every test of the workspace again, on a throwaway PostgreSQL server (Debian's packages, a
/// temporary directory, a free port; removed afterwards): every store a test opens lives in a
/// schema of its own there.
fn postgres_test(root: &Path, tally: &mut Tally) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let server = TempPostgres::start(root)?;
    let url = server.url.clone();
    let result = {
        let mut cmd = Command::new(&cargo);
        // Every test of the workspace again (the crates that keep data open their stores on
        // PostgreSQL; tests that examine SQLite's files say so and return). The same package
        // selection as the first pass, so Cargo reuses its build instead of resolving other
        // features and compiling a second graph.
        cmd.args(["test", "--workspace", "--tests"]);
        cmd.env("SCIM_CONSOLE_TEST_POSTGRES", &url)
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env("SCIM_CONSOLE_EXPECT_KEYCHAIN", "0")
            .current_dir(root);
        run_tests(
            root,
            &mut cmd,
            &format!(
                "cargo test (PostgreSQL {url}): every test of the workspace on the second backend"
            ),
            tally,
        )
    };
    drop(server);
    result
}

/// Installs the missing ones of `packages` with apt (through sudo when not root).
pub(crate) fn ensure_packages(packages: &[&str]) -> Result<()> {
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| {
            !Command::new("dpkg-query")
                .args(["-W", "-f=${Status}", p])
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let root_user = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let sudo = if root_user { "" } else { "sudo " };
    let list = missing.join(" ");
    step(
        Command::new("sh").args([
            "-c",
            &format!(
                "export DEBIAN_FRONTEND=noninteractive; {sudo}apt-get install -y -qq {list} || ({sudo}apt-get update -qq && {sudo}apt-get install -y -qq {list})"
            ),
        ]),
        &format!("apt-get install {list}"),
    )
}

/// Debian packages the UI's browser tests need.
/// Chromium for the browser tests; curl runs the OAuth commands the UI offers to copy.
const BROWSER_PACKAGES: [&str; 2] = ["chromium", "curl"];
/// The TLS test offers old protocols and weak cipher suites with the `openssl` client.
const TLS_TEST_PACKAGES: [&str; 1] = ["openssl"];

fn test(root: &Path) -> Result<()> {
    ensure_packages(&SYSTEM_PACKAGES)?;
    ensure_packages(&desktop::BUILD_PACKAGES)?;
    ensure_packages(&BROWSER_PACKAGES)?;
    ensure_packages(&TLS_TEST_PACKAGES)?;
    layering::check(root)?;
    // First: the server embeds the built UI.
    ui::build(root)?;
    cargo(root, &["fmt", "--all", "--", "--check"])?;
    cargo(
        root,
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    // After the build, which fetched every crate: the check runs offline.
    supply_chain::check(root)?;
    let mut tally = Tally::default();
    let result = cargo_test(root, &["test", "--workspace", "--all-targets"], &mut tally)
        .and_then(|()| cargo_test(root, &["test", "--workspace", "--doc"], &mut tally))
        .and_then(|()| postgres_test(root, &mut tally))
        .and_then(|()| keychain_test(root, &mut tally))
        .and_then(|()| ui::test(root, &mut tally))
        .and_then(|()| desktop::test(root, &ui::target_dir(root), &mut tally))
        .and_then(|()| desktop::bundle_test(root, &ui::target_dir(root), &mut tally));
    // One closing line for the whole suite, whatever the last crate printed.
    println!("tests: {} passed, {} failed", tally.passed, tally.failed);
    result
}

/// Splits `--minutes N` (default `default`) from the other arguments.
pub(crate) fn minutes_option(args: &[String], default: u64) -> Result<(u64, Vec<&String>)> {
    let mut minutes = default;
    let mut rest = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "--minutes" {
            let value = iter.next().context("--minutes needs a number")?;
            minutes = value
                .parse()
                .with_context(|| format!("--minutes needs a number, got {value:?}"))?;
        } else {
            rest.push(arg);
        }
    }
    Ok((minutes, rest))
}

fn fuzz(root: &Path, args: &[String]) -> Result<()> {
    let (minutes, rest) = minutes_option(args, 1)?;
    let mut targets = Vec::new();
    for arg in rest {
        if let Some(target) = FUZZ_TARGETS.iter().find(|(name, _)| name == arg) {
            targets.push(*target);
        } else {
            let names: Vec<&str> = FUZZ_TARGETS.iter().map(|(name, _)| *name).collect();
            bail!(
                "unknown fuzz target {arg:?}; the targets are {}",
                names.join(", ")
            );
        }
    }
    if targets.is_empty() {
        targets.extend(FUZZ_TARGETS);
    }
    let has_cargo_fuzz = Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_cargo_fuzz {
        cargo(root, &["install", "cargo-fuzz", "--locked"])?;
    }
    let seconds = (minutes * 60).to_string();
    for (target, package) in targets {
        let fuzz_dir = root.join("crates").join(package);
        let corpus = fuzz_dir.join("corpus").join(target);
        let seeds = fuzz_dir.join("seeds").join(target);
        std::fs::create_dir_all(&corpus)
            .with_context(|| format!("creating {}", corpus.display()))?;
        let max_time = format!("-max_total_time={seconds}");
        let corpus_arg = corpus.display().to_string();
        let seeds_arg = seeds.display().to_string();
        // The stable toolchain cannot build sanitizers; coverage-guided fuzzing still works.
        step(
            Command::new("cargo")
                .args([
                    "fuzz",
                    "run",
                    "--sanitizer",
                    "none",
                    target,
                    &corpus_arg,
                    &seeds_arg,
                    "--",
                    &max_time,
                ])
                .env("RUSTC_BOOTSTRAP", "1")
                .current_dir(&fuzz_dir),
            &format!("cargo fuzz run {target} for {minutes} min"),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Tally;

    #[test]
    fn tallies_cargo_test_result_lines() {
        let mut t = Tally::default();
        t.add_line("test result: ok. 88 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s");
        t.add_line("test result: FAILED. 5 passed; 2 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.5s");
        t.add_line("running 3 tests");
        t.add_line("      Tests  2 failed | 13 passed (15)");
        t.add_line("      Tests  15 passed (15)");
        t.add_line("ℹ pass 9");
        t.add_line("ℹ fail 1");
        t.add_line("ℹ tests 10");
        assert_eq!(
            t,
            Tally {
                passed: 130,
                failed: 5
            }
        );
    }
}
