//! The tray icon: the endpoint keeps serving identity providers while the window is closed, and
//! its menu opens this computer's console or any connection.

use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager as _, Wry};

use crate::connections::Connections;
use crate::switch;

/// Shows, unminimises and focuses the main window.
pub fn show_main(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

/// The menu: this computer's console, each connection, quit (which stops the endpoint).
fn menu(app: &AppHandle) -> tauri::Result<Menu<Wry>> {
    let menu = Menu::new(app)?;
    menu.append(&MenuItem::with_id(
        app,
        "local",
        "Open this computer's console",
        true,
        None::<&str>,
    )?)?;
    for connection in app.state::<Connections>().list() {
        menu.append(&MenuItem::with_id(
            app,
            format!("connection:{}", connection.id),
            format!("Open {}", connection.name),
            true,
            None::<&str>,
        )?)?;
    }
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    menu.append(&MenuItem::with_id(
        app,
        "quit",
        "Quit (stops the SCIM endpoint)",
        true,
        None::<&str>,
    )?)?;
    Ok(menu)
}

/// Rebuilds the tray's menu (a connection was added or removed).
pub fn refresh(app: &AppHandle) {
    let Some(icon) = app.tray_by_id("main") else {
        return;
    };
    match menu(app) {
        Ok(menu) => {
            let _ = icon.set_menu(Some(menu));
        }
        Err(error) => tracing::warn!(%error, "the tray's menu could not be rebuilt"),
    }
}

/// Adds the tray icon with its menu.
pub fn install(app: &AppHandle) -> tauri::Result<()> {
    let mut tray = TrayIconBuilder::with_id("main")
        .tooltip("SCIM Console")
        .menu(&menu(app)?)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| {
            let id = event.id().as_ref().to_owned();
            match id.as_str() {
                "local" => {
                    if let Err(error) = switch::open_local(app) {
                        tracing::warn!(error = %error.message, "could not show this computer's console");
                    }
                }
                "quit" => app.exit(0),
                other => {
                    if let Some(connection) = other.strip_prefix("connection:") {
                        let app = app.clone();
                        let connection = connection.to_owned();
                        tauri::async_runtime::spawn(async move {
                            if let Err(error) = switch::open_connection(&app, &connection).await {
                                tracing::warn!(error = %error.message, "could not open a connection");
                                crate::console::notify(&app, "SCIM Console: connection refused", &error.message);
                            }
                        });
                    }
                }
            }
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                show_main(tray.app_handle());
            }
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    Ok(())
}
