//! The desktop app: running it, its end-to-end test (tauri-driver and WebKitWebDriver under
//! Xvfb, in a private D-Bus session with an unlocked gnome-keyring), its packages (.deb and
//! .rpm, each installed and started in a test), and its icons.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{Tally, cargo, ensure_packages, run_tests, step, ui};

/// Debian packages the desktop app builds against (WebKitGTK, GTK, the tray).
pub const BUILD_PACKAGES: [&str; 7] = [
    "libwebkit2gtk-4.1-dev",
    "libgtk-3-dev",
    "librsvg2-dev",
    "libayatana-appindicator3-dev",
    "libsoup-3.0-dev",
    "build-essential",
    "libssl-dev",
];

/// Debian packages its end-to-end test needs.
pub const TEST_PACKAGES: [&str; 5] = [
    "xvfb",
    "webkit2gtk-driver",
    "imagemagick",
    // The connection test reads the keychain (secret-tool) and the window's title (xwininfo).
    "libsecret-tools",
    "x11-utils",
];

/// Whether a graphical session is there to show a window in.
pub fn display_available() -> bool {
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|d| !d.is_empty()))
}

/// `cargo xtask run` with a display: the desktop app.
pub fn run(root: &Path) -> Result<()> {
    ensure_packages(&BUILD_PACKAGES)?;
    ui::build(root)?;
    cargo(
        root,
        &[
            "run",
            "--quiet",
            "-p",
            "scim-console-desktop",
            "--bin",
            "scim-console-desktop",
        ],
    )
}

fn tauri_driver_installed() -> bool {
    Command::new("tauri-driver")
        .arg("--help")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The desktop end-to-end test.
pub fn test(root: &Path, target: &Path, tally: &mut Tally) -> Result<()> {
    ensure_packages(&TEST_PACKAGES)?;
    if !tauri_driver_installed() {
        cargo(root, &["install", "tauri-driver", "--locked"])?;
    }
    // A plain build (no dev-dependencies): Cargo resolves other features than for the test
    // passes and compiles the server's graph again (about 1.5 minutes on a clean machine).
    cargo(
        root,
        &[
            "build",
            "-p",
            "scim-console-desktop",
            "--bin",
            "scim-console-desktop",
        ],
    )?;
    let mut cmd = keyring_session(root, "tests/desktop/desktop.test.mjs");
    cmd.env(
        "SCIM_CONSOLE_DESKTOP_BIN",
        target.join("debug/scim-console-desktop"),
    )
    // The remote console the connection test adds (built by the browser tests before).
    .env("SCIM_CONSOLE_BIN", target.join("debug/scim-console"))
    .env("E2E_ARTIFACTS", target.join("e2e-artifacts"));
    run_in_keyring_session(
        root,
        cmd,
        "desktop end-to-end test (tauri-driver, WebKitWebDriver, Xvfb)",
        tally,
    )
}

/// `node --test <test>` in a private D-Bus session with a fresh, unlocked gnome-keyring (the
/// app keeps its master key there, as on a desktop) and no display of the caller's; the
/// keyring's folder is `XDG_DATA_HOME`.
fn keyring_session(root: &Path, test: &str) -> Command {
    let keyrings = std::env::temp_dir().join(format!(
        "scim-console-keyring-{}-{}",
        std::process::id(),
        test.replace('/', "-")
    ));
    let script = format!(
        "echo scim-console-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec node --test --test-reporter=spec {test}"
    );
    let mut cmd = Command::new("dbus-run-session");
    cmd.args(["--", "sh", "-c", &script])
        .current_dir(root)
        .env("XDG_DATA_HOME", keyrings)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY");
    cmd
}

/// Runs a [`keyring_session`] command, its keyring folder made before and removed after.
fn run_in_keyring_session(
    root: &Path,
    mut cmd: Command,
    label: &str,
    tally: &mut Tally,
) -> Result<()> {
    let keyrings = cmd
        .get_envs()
        .find(|(k, _)| *k == "XDG_DATA_HOME")
        .and_then(|(_, v)| v.map(std::path::PathBuf::from))
        .context("a keyring session names its keyring folder")?;
    std::fs::create_dir_all(&keyrings)
        .with_context(|| format!("creating {}", keyrings.display()))?;
    let result = run_tests(root, &mut cmd, label, tally);
    let _ = std::fs::remove_dir_all(&keyrings);
    result
}

/// The packages Tauri's bundler makes here. (The AppImage is not among them: its bundler
/// downloads linuxdeploy from GitHub at build time.)
const BUNDLES: &str = "deb,rpm";

/// Installs Tauri's command line (the bundler) when it is missing.
fn ensure_tauri_cli(root: &Path) -> Result<()> {
    let installed = Command::new("cargo")
        .args(["tauri", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        cargo(
            root,
            &["install", "tauri-cli", "--version", "^2", "--locked"],
        )?;
    }
    Ok(())
}

/// The bundler over the desktop package (the workspace builds its crates by default), with
/// `profile` (`--debug`, or nothing for release).
fn tauri_build(root: &Path, profile: Option<&str>) -> Result<()> {
    let mut args = vec!["tauri", "build"];
    args.extend(profile);
    args.extend(["--bundles", BUNDLES, "--", "-p", "scim-console-desktop"]);
    cargo(root, &args)
}

/// The packages' test: a debug build bundled as .deb and .rpm, each installed (or unpacked)
/// and started under Xvfb by `tests/desktop/bundles.test.mjs`.
pub fn bundle_test(root: &Path, target: &Path, tally: &mut Tally) -> Result<()> {
    ensure_packages(&["rpm2cpio", "cpio"])?;
    ensure_tauri_cli(root)?;
    tauri_build(root, Some("--debug"))?;
    let mut cmd = keyring_session(root, "tests/desktop/bundles.test.mjs");
    cmd.env("SCIM_CONSOLE_BUNDLES", target.join("debug/bundle"));
    run_in_keyring_session(
        root,
        cmd,
        "the desktop packages, installed and started (.deb, .rpm)",
        tally,
    )
}

/// `cargo xtask bundle`: the desktop app's packages (.deb and .rpm), with Tauri's bundler.
pub fn bundle(root: &Path) -> Result<()> {
    ensure_packages(&BUILD_PACKAGES)?;
    ensure_packages(&["file"])?;
    ui::build(root)?;
    ensure_tauri_cli(root)?;
    tauri_build(root, None)?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), std::path::PathBuf::from);
    for (kind, describe) in [
        ("deb", ["dpkg-deb", "--info"]),
        ("rpm", ["file", "--brief"]),
    ] {
        let dir = target.join("release/bundle").join(kind);
        let made: Vec<_> = std::fs::read_dir(&dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == kind))
            .collect();
        if made.is_empty() {
            bail!("the bundler made no .{kind} in {}", dir.display());
        }
        for package in &made {
            step(
                Command::new(describe[0]).arg(describe[1]).arg(package),
                describe[0],
            )?;
            eprintln!("==> package: {}", package.display());
        }
    }
    Ok(())
}
