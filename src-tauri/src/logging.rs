//! The app's log: to standard error (a terminal launch) and to a file in the platform's log
//! folder, a file a day, the last fortnight kept — where an admin or support looks when the app
//! misbehaved while no terminal was open.

use std::path::PathBuf;
use std::sync::Mutex;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{Builder, Rotation};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer as _};

/// How many daily files are kept.
const KEPT_FILES: usize = 14;

/// The file writer's guard: dropped (by [`flush`]) when the app exits, writing what is queued.
static GUARD: Mutex<Option<WorkerGuard>> = Mutex::new(None);

/// The platform's log folder for the app: `$XDG_STATE_HOME/scim-console/logs` (Linux, else
/// `~/.local/state/…`), `~/Library/Logs/SCIM Console` (macOS), `%LOCALAPPDATA%\SCIM Console\logs`
/// (Windows).
pub fn folder() -> Option<PathBuf> {
    let base = directories::BaseDirs::new()?;
    if cfg!(target_os = "macos") {
        return Some(base.home_dir().join("Library/Logs/SCIM Console"));
    }
    if cfg!(target_os = "windows") {
        return Some(base.data_local_dir().join("SCIM Console").join("logs"));
    }
    let state = base
        .state_dir()
        .map_or_else(|| base.home_dir().join(".local/state"), PathBuf::from);
    Some(state.join("scim-console").join("logs"))
}

/// Starts logging (level from `SCIM_CONSOLE_LOG`, `info` by default); [`flush`] when the app
/// exits. Without a log folder (none, or not writable), the log goes to standard error only, and
/// says so there.
pub fn init() {
    // The platform verifier logs every certificate it does not trust as an error: a connection
    // to a self-signed console reports that itself, in words, with the fingerprint.
    let filter = || {
        EnvFilter::try_from_env("SCIM_CONSOLE_LOG")
            .unwrap_or_else(|_| EnvFilter::new("info,rustls_platform_verifier=off"))
    };
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(filter());
    let file = folder()
        .ok_or_else(|| "no home folder".to_owned())
        .and_then(|dir| {
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            Builder::new()
                .rotation(Rotation::DAILY)
                .filename_prefix("scim-console")
                .filename_suffix("log")
                .max_log_files(KEPT_FILES)
                .build(&dir)
                .map_err(|e| format!("{}: {e}", dir.display()))
        });
    match file {
        Ok(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            tracing_subscriber::registry()
                .with(stderr)
                .with(
                    tracing_subscriber::fmt::layer()
                        .with_ansi(false)
                        .with_writer(writer)
                        .with_filter(filter()),
                )
                .init();
            *GUARD
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(guard);
        }
        Err(reason) => {
            tracing_subscriber::registry().with(stderr).init();
            tracing::warn!(%reason, "no log file: logging to standard error only");
        }
    }
}

/// Writes the lines still queued for the file (the app is exiting: the process may end without
/// unwinding).
pub fn flush() {
    drop(
        GUARD
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take(),
    );
}
