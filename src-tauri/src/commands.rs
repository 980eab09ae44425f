//! The shell's commands the console's page may call (see `capabilities/console.json`).
//! Tauri hands commands their arguments by value.
#![allow(clippy::needless_pass_by_value)]

use tauri::{AppHandle, State};
use tauri_plugin_autostart::ManagerExt as _;
use tauri_plugin_clipboard_manager::ClipboardExt as _;
use tauri_plugin_opener::OpenerExt as _;

use scim_console_server::remote::Probe;

use crate::connections::{self, COLOURS, Connection, ConnectionError, Connections, NewConnection};
use crate::console::Console;
use crate::{remote_alerts, tray};

/// Copies text to the system clipboard.
#[tauri::command]
pub fn copy_text(app: AppHandle, text: String) -> Result<(), String> {
    app.clipboard()
        .write_text(text)
        .map_err(|e| format!("the clipboard refused the text: {e}"))
}

/// Opens the data folder in the file manager.
#[tauri::command]
pub fn open_data_folder(app: AppHandle, console: State<'_, Console>) -> Result<(), String> {
    app.opener()
        .open_path(console.data_dir().display().to_string(), None::<&str>)
        .map_err(|e| format!("could not open {}: {e}", console.data_dir().display()))
}

/// The connections, and the colours one may take.
#[tauri::command]
pub fn connections_list(connections: State<'_, Connections>) -> ConnectionsView {
    ConnectionsView {
        connections: connections.list(),
        colours: COLOURS.to_vec(),
    }
}

/// What the connections page lists.
#[derive(Debug, serde::Serialize)]
pub struct ConnectionsView {
    connections: Vec<Connection>,
    colours: Vec<&'static str>,
}

/// A first look at a console before any secret is sent: its version and certificate.
#[tauri::command]
pub async fn connection_probe(url: String) -> Result<Probe, ConnectionError> {
    connections::probe(&url).await
}

/// Adds a connection (its token to the keychain).
#[tauri::command]
pub async fn connection_add(
    app: AppHandle,
    connections: State<'_, Connections>,
    connection: NewConnection,
) -> Result<Connection, ConnectionError> {
    let added = connections.add(connection).await?;
    tray::refresh(&app);
    remote_alerts::follow(&app, &added);
    tracing::info!(connection = %added.name, url = %added.url, "connection added");
    Ok(added)
}

/// A browser sign-in started: the console's sign-in page, and whether the system browser
/// opened it (else the page shows the address to open).
#[derive(Debug, serde::Serialize)]
pub struct SignInStarted {
    url: String,
    opened: bool,
}

/// Starts signing a new connection in through its console's identity provider, in the system
/// browser.
#[tauri::command]
pub async fn connection_sign_in_start(
    app: AppHandle,
    connections: State<'_, Connections>,
    connection: NewConnection,
) -> Result<SignInStarted, ConnectionError> {
    let url = connections.begin_sign_in(connection, &device()).await?;
    Ok(open_in_browser(&app, url))
}

/// Starts signing a connection in again (its token expired or was revoked) in the system
/// browser.
#[tauri::command]
pub async fn connection_sign_in_again_start(
    app: AppHandle,
    connections: State<'_, Connections>,
    id: String,
) -> Result<SignInStarted, ConnectionError> {
    let url = connections.begin_sign_in_again(&id, &device()).await?;
    Ok(open_in_browser(&app, url))
}

/// Gives a connection a new personal API token (its old one expired or was revoked).
#[tauri::command]
pub async fn connection_set_token(
    app: AppHandle,
    connections: State<'_, Connections>,
    id: String,
    token: String,
) -> Result<Connection, ConnectionError> {
    let renewed = connections.set_token(&id, &token).await?;
    tray::refresh(&app);
    // Its alerts, with the new token.
    remote_alerts::follow(&app, &renewed);
    tracing::info!(connection = %renewed.name, "a connection's token replaced");
    Ok(renewed)
}

/// This computer's name, for the tokens a browser sign-in buys.
fn device() -> String {
    hostname::get()
        .ok()
        .and_then(|h| h.into_string().ok())
        .filter(|h| !h.trim().is_empty())
        .unwrap_or_else(|| "this computer".to_owned())
}

/// Asks the system to open `url` in the browser; whether it did.
fn open_in_browser(app: &AppHandle, url: String) -> SignInStarted {
    let opened = match app.opener().open_url(&url, None::<&str>) {
        Ok(()) => true,
        Err(error) => {
            tracing::warn!(%error, "the system browser could not be opened: the page shows the address");
            false
        }
    };
    SignInStarted { url, opened }
}

/// Waits for the browser sign-in under way, and adds its connection or renews its token
/// (the token to the keychain).
#[tauri::command]
pub async fn connection_sign_in_finish(
    app: AppHandle,
    connections: State<'_, Connections>,
) -> Result<Connection, ConnectionError> {
    let signed_in = connections.finish_sign_in().await?;
    tray::refresh(&app);
    remote_alerts::follow(&app, &signed_in);
    tracing::info!(connection = %signed_in.name, url = %signed_in.url, "connection signed in in the browser");
    Ok(signed_in)
}

/// Stops waiting for the browser sign-in under way.
#[tauri::command]
pub fn connection_sign_in_cancel(connections: State<'_, Connections>) {
    connections.cancel_sign_in();
}

/// Removes a connection and its token.
#[tauri::command]
pub async fn connection_remove(
    app: AppHandle,
    connections: State<'_, Connections>,
    id: String,
) -> Result<(), ConnectionError> {
    connections.remove(&id).await?;
    remote_alerts::stop(&app, &id);
    tray::refresh(&app);
    Ok(())
}

/// Trusts the certificate a connection's console presents now (after it changed).
#[tauri::command]
pub async fn connection_trust(
    app: AppHandle,
    connections: State<'_, Connections>,
    id: String,
    fingerprint: String,
) -> Result<Connection, ConnectionError> {
    let trusted = connections.trust(&id, &fingerprint).await?;
    // Its alerts come over the newly trusted certificate.
    remote_alerts::follow(&app, &trusted);
    tracing::info!(connection = %trusted.name, "a new certificate trusted");
    Ok(trusted)
}

/// Shows a connection's console in the window.
#[tauri::command]
pub async fn connection_open(app: AppHandle, id: String) -> Result<(), ConnectionError> {
    crate::switch::open_connection(&app, &id).await
}

/// Whether the app starts (in the tray) when the user signs in.
#[tauri::command]
pub fn start_at_login(app: AppHandle) -> Result<bool, String> {
    app.autolaunch()
        .is_enabled()
        .map_err(|e| format!("the login items could not be read: {e}"))
}

/// Starts the app (in the tray) when the user signs in, or no longer.
#[tauri::command]
pub fn set_start_at_login(app: AppHandle, on: bool) -> Result<bool, String> {
    let launcher = app.autolaunch();
    // The login item goes to ~/.config/autostart, which the launcher creates only when
    // ~/.config exists: a new account may not have it yet.
    #[cfg(target_os = "linux")]
    if on && let Some(home) = std::env::var_os("HOME") {
        let folder = std::path::Path::new(&home)
            .join(".config")
            .join("autostart");
        std::fs::create_dir_all(&folder)
            .map_err(|e| format!("could not create {}: {e}", folder.display()))?;
    }
    let done = if on {
        launcher.enable()
    } else {
        launcher.disable()
    };
    done.map_err(|e| format!("the login items could not be changed: {e}"))?;
    tracing::info!(on, "start at login");
    launcher
        .is_enabled()
        .map_err(|e| format!("the login items could not be read: {e}"))
}
