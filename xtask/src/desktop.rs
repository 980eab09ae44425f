//! The desktop app: running it, its end-to-end test (tauri-driver and WebKitWebDriver under
//! Xvfb, in a private D-Bus session with an unlocked gnome-keyring), its Debian package, and
//! its icons.

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
    // A fresh keyring each run: the app keeps its master key there, as on a desktop.
    let keyrings = std::env::temp_dir().join(format!(
        "scim-console-desktop-keyring-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&keyrings)
        .with_context(|| format!("creating {}", keyrings.display()))?;
    let script = "echo scim-console-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec node --test --test-reporter=spec tests/desktop/desktop.test.mjs";
    let mut cmd = Command::new("dbus-run-session");
    cmd.args(["--", "sh", "-c", script])
        .current_dir(root)
        .env("XDG_DATA_HOME", &keyrings)
        .env(
            "SCIM_CONSOLE_DESKTOP_BIN",
            target.join("debug/scim-console-desktop"),
        )
        // The remote console the connection test adds (built by the browser tests before).
        .env("SCIM_CONSOLE_BIN", target.join("debug/scim-console"))
        .env("E2E_ARTIFACTS", target.join("e2e-artifacts"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY");
    let result = run_tests(
        root,
        &mut cmd,
        "desktop end-to-end test (tauri-driver, WebKitWebDriver, Xvfb)",
        tally,
    );
    let _ = std::fs::remove_dir_all(&keyrings);
    result
}

/// `cargo xtask bundle`: the Debian package of the desktop app, with Tauri's bundler.
pub fn bundle(root: &Path) -> Result<()> {
    ensure_packages(&BUILD_PACKAGES)?;
    ensure_packages(&["file"])?;
    ui::build(root)?;
    let cli_installed = Command::new("cargo")
        .args(["tauri", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !cli_installed {
        cargo(
            root,
            &["install", "tauri-cli", "--version", "^2", "--locked"],
        )?;
    }
    // The workspace builds its crates by default; the bundler must build the desktop package.
    cargo(
        root,
        &[
            "tauri",
            "build",
            "--bundles",
            "deb",
            "--",
            "-p",
            "scim-console-desktop",
        ],
    )?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), std::path::PathBuf::from);
    let dir = target.join("release/bundle/deb");
    let debs: Vec<_> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "deb"))
        .collect();
    if debs.is_empty() {
        bail!("the bundler made no .deb in {}", dir.display());
    }
    for deb in &debs {
        step(
            Command::new("dpkg-deb").arg("--info").arg(deb),
            "dpkg-deb --info",
        )?;
        eprintln!("==> Debian package: {}", deb.display());
    }
    Ok(())
}
