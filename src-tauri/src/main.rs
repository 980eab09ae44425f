//! SCIM Console's desktop app: a thin Tauri shell around the console runtime. On launch it
//! starts the same server as `scim-console serve` in-process (loopback, the configured port),
//! opens the admin UI in a window with a per-launch session, keeps serving from the tray when
//! the window is closed (configurable), and turns alerts into desktop notifications.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod connections;
mod console;
mod logging;
mod remote_alerts;
mod settings;
mod switch;
mod tray;

use tauri::webview::PageLoadEvent;
use tauri::{Manager as _, RunEvent, WebviewWindowBuilder, WindowEvent};

use crate::connections::Connections;
use crate::console::Console;
use crate::settings::DesktopSettings;

/// Whether a D-Bus session bus can be reached (Linux's single-instance lock lives there).
fn session_bus_reachable() -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|a| !a.is_empty()) {
        return true;
    }
    std::env::var_os("XDG_RUNTIME_DIR")
        .is_some_and(|dir| std::path::Path::new(&dir).join("bus").exists())
}

/// The argument a start at login passes: the window starts hidden, the tray shows the app.
const IN_TRAY: &str = "--in-tray";

fn main() -> std::process::ExitCode {
    logging::init();
    let data_dir = match scim_console_server::runtime::default_data_dir() {
        Ok(dir) => dir,
        Err(error) => {
            eprintln!("scim-console-desktop: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let (settings, unreadable) = match DesktopSettings::load(&data_dir) {
        Ok(settings) => (settings, None),
        Err(reason) => {
            tracing::warn!(%reason, "desktop settings unreadable: using the defaults");
            (DesktopSettings::default(), Some(reason))
        }
    };
    let keep_in_tray = settings.keep_running_in_tray;
    let mut builder = tauri::Builder::default();
    if session_bus_reachable() {
        // A second launch shows the running console instead of starting another server.
        builder = builder.plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            tray::show_main(app);
        }));
    } else {
        tracing::warn!(
            "no D-Bus session bus: a second launch will start a second console (on another port)"
        );
    }
    let app = builder
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_opener::init())
        // Start at login (opt-in, Settings): the app then starts in the tray.
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec![IN_TRAY]),
        ))
        .manage(Connections::load(&data_dir))
        .manage(remote_alerts::Followers::default())
        .manage(Console::new(data_dir))
        .invoke_handler(tauri::generate_handler![
            commands::copy_text,
            commands::open_data_folder,
            commands::connections_list,
            commands::connection_probe,
            commands::connection_add,
            commands::connection_sign_in_start,
            commands::connection_sign_in_finish,
            commands::connection_sign_in_cancel,
            commands::connection_sign_in_again_start,
            commands::connection_set_token,
            commands::connection_remove,
            commands::connection_trust,
            commands::connection_open,
            commands::start_at_login,
            commands::set_start_at_login
        ])
        .setup(move |app| set_up(app, &settings, unreadable.as_deref()))
        .on_window_event(move |window, event| {
            if let WindowEvent::CloseRequested { api, .. } = event {
                let has_tray = window.app_handle().tray_by_id("main").is_some();
                if keep_in_tray && has_tray {
                    api.prevent_close();
                    let _ = window.hide();
                }
            }
        })
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(error) => {
            eprintln!("scim-console-desktop: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    app.run(|app, event| {
        if let RunEvent::Exit = event {
            app.state::<Console>().stop();
            logging::flush();
        }
    });
    std::process::ExitCode::SUCCESS
}

/// The app's start: the tray, the console (and a word when `desktop.json` was not used), the
/// connections' alerts, and the window.
fn set_up(
    app: &mut tauri::App,
    settings: &DesktopSettings,
    unreadable: Option<&str>,
) -> Result<(), Box<dyn std::error::Error>> {
    if let Err(error) = tray::install(app.handle()) {
        // No tray on this desktop: closing the window then quits.
        tracing::warn!(%error, "no tray icon");
    }
    if let Some(reason) = unreadable {
        console::notify(
            app.handle(),
            "SCIM Console: desktop.json is not used",
            &format!("{reason}. The console starts with the default settings."),
        );
    }
    let opening = console::start(app.handle(), settings);
    remote_alerts::follow_all(app.handle());
    // The console runs: the tray's figures can be read.
    tray::refresh(app.handle());
    let mut window = WebviewWindowBuilder::new(app, "main", opening.url)
        .title("SCIM Console")
        .inner_size(1280.0, 840.0)
        .min_inner_size(900.0, 600.0)
        // The bar saying which console is shown, on every page.
        .initialization_script(include_str!("bar.js"))
        .on_page_load(|window, payload| {
            if payload.event() == PageLoadEvent::Started {
                switch::shown(window.app_handle(), payload.url());
            }
        });
    if let Some(script) = &opening.script {
        window = window.initialization_script(script);
    }
    let window = window.build()?;
    // Started at login: the endpoint serves from the tray until the window is asked for.
    if std::env::args().any(|a| a == IN_TRAY) && app.tray_by_id("main").is_some() {
        let _ = window.hide();
    }
    Ok(())
}
