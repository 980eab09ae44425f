//! The console runtime inside the desktop app: bound on launch before the window opens, served
//! on the shell's async runtime, stopped gracefully (queued log records written)
//! when the app quits. Alerts become desktop notifications here, whether or not the window is
//! open.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use scim_console_server::runtime::{FirstStart, Runtime, RuntimeOptions};
use scim_console_server::{ServeOptions, Server};
use tauri::{AppHandle, Manager as _, Url, WebviewUrl};
use tauri_plugin_notification::NotificationExt as _;
use tokio::sync::oneshot;

use crate::settings::DesktopSettings;

/// The running console, as the shell holds it.
pub struct Console {
    data_dir: PathBuf,
    stop: Mutex<Option<oneshot::Sender<()>>>,
    served: Mutex<Option<tauri::async_runtime::JoinHandle<()>>>,
}

impl Console {
    /// A console for `data_dir`, not started yet.
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            stop: Mutex::new(None),
            served: Mutex::new(None),
        }
    }

    /// The data folder.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Stops serving: in-flight requests finish and queued log records are written (waits at
    /// most five seconds).
    pub fn stop(&self) {
        if let Some(stop) = lock(&self.stop).take() {
            let _ = stop.send(());
        }
        let served = lock(&self.served).take();
        if let Some(served) = served {
            tauri::async_runtime::block_on(async move {
                let _ = tokio::time::timeout(Duration::from_secs(5), served).await;
            });
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Binds the console: the configured port, or a free one when it is taken; and the lab
/// listener, when `desktop.json` has one.
async fn bind(data_dir: &Path, settings: &DesktopSettings) -> Result<(Runtime, bool), String> {
    let lab = match &settings.lab {
        Some(lab) => Some((lab.listener(data_dir)?, lab.public_origin()?)),
        None => None,
    };
    // The desktop keeps its embedded SQLite.
    let options = |port| {
        RuntimeOptions::sqlite(
            data_dir,
            ServeOptions {
                bind: settings.bind,
                port,
                also: lab.as_ref().map(|(listener, _)| listener.clone()),
                public_origin: lab.as_ref().and_then(|(_, public)| public.clone()),
                ..ServeOptions::default()
            },
            FirstStart::Nothing,
        )
    };
    let own = std::net::SocketAddr::new(settings.bind, settings.port);
    match Runtime::start(options(settings.port)).await {
        Ok(runtime) => Ok((runtime, false)),
        // The window's own port is taken: another one (the lab's port is the lab's to free).
        Err(scim_console_server::runtime::RuntimeError::Serve(
            scim_console_server::server::ServeError::Bind { addr, .. },
        )) if settings.port != 0 && addr == own => Runtime::start(options(0))
            .await
            .map(|runtime| (runtime, true))
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

/// What the main window opens: the console (through its admin link, which opens this
/// launch's session), or, when the console could not start, the splash page saying why.
pub struct Opening {
    /// The address.
    pub url: WebviewUrl,
    /// A script run before the page's own (the failure's reason, for the splash page).
    pub script: Option<String>,
}

/// Starts the console (binding before the window opens, so the window goes straight to it)
/// and serves it on the shell's async runtime.
pub fn start(app: &AppHandle, settings: &DesktopSettings) -> Opening {
    let data_dir = app.state::<Console>().data_dir().to_path_buf();
    let started = tauri::async_runtime::block_on(bind(&data_dir, settings));
    let (runtime, moved) = match started {
        Ok(started) => started,
        Err(reason) => {
            tracing::error!(%reason, "the console could not start");
            return failed(&reason);
        }
    };
    let server = runtime.server;
    let origin = server.origin();
    tracing::info!(%origin, data_dir = %data_dir.display(), "console running");
    if let Some(lab) = server.extra_addr() {
        tracing::info!(
            %lab,
            public = %server.public_origin(),
            fingerprint = server.tls_fingerprint().unwrap_or_default(),
            "console also served over TLS for the lab network"
        );
    }
    if moved {
        notify(
            app,
            "SCIM Console: another port",
            &format!(
                "Port {} is in use, so the console listens on {origin} this time. Identity providers pointed at the usual port cannot reach it until that port is free.",
                settings.port
            ),
        );
    }
    app.state::<crate::connections::Connections>()
        .set_home(&origin, server.admin_token().clone());
    follow_alerts(app, &server);
    // The window signs in as this machine's built-in local owner (one-time link); should that
    // owner have been disabled, with the per-launch admin token.
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "owner".into());
    let link = match tauri::async_runtime::block_on(server.local_owner_link(&user)) {
        Ok(link) => link,
        Err(error) => {
            tracing::warn!(%error, "the local owner cannot sign in: the window uses the admin token");
            format!("{}&next=/", server.admin_link())
        }
    };
    let url = match Url::parse(&link) {
        Ok(url) => url,
        Err(error) => return failed(&format!("the sign-in link is not a URL: {error}")),
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let console = app.state::<Console>();
    *lock(&console.stop) = Some(stop);
    let store = runtime.store.clone();
    let serving = tauri::async_runtime::spawn(async move {
        if let Err(error) = server
            .run(async {
                let _ = stopped.await;
            })
            .await
        {
            tracing::error!(%error, "serving stopped");
        }
        store.close().await;
    });
    *lock(&console.served) = Some(serving);
    Opening {
        url: WebviewUrl::External(url),
        script: None,
    }
}

fn failed(reason: &str) -> Opening {
    let reason = serde_json::Value::String(reason.to_owned());
    Opening {
        url: WebviewUrl::App("index.html".into()),
        script: Some(format!("window.__SCIM_CONSOLE_ERROR__ = {reason};")),
    }
}

/// Raised and resolved alerts as desktop notifications.
fn follow_alerts(app: &AppHandle, server: &Server) {
    let mut alerts = server.state().alerts.subscribe();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            match alerts.recv().await {
                Ok(alert) => {
                    let (title, body) = scim_console_server::alerting::notification(&alert);
                    notify(&app, &title, &body);
                }
                Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            }
        }
    });
}

/// Shows a desktop notification (logged when the desktop refuses it).
pub fn notify(app: &AppHandle, title: &str, body: &str) {
    if let Err(error) = app.notification().builder().title(title).body(body).show() {
        tracing::warn!(%error, "could not show a notification");
    }
}
