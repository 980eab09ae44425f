//! The tray icon: the endpoint keeps serving identity providers while the window is closed. Its
//! menu has this computer's console and each connection: open it, and per configuration its
//! health, failures in the last hour and last request, and its SCIM base URL to copy — read
//! every minute from each console's admin API.

use std::time::Duration;

use scim_console_server::remote::summary::{self, ConfigurationSummary};
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager as _, Wry};
use tauri_plugin_clipboard_manager::ClipboardExt as _;

use crate::connections::Connections;
use crate::switch;

/// How often the menu's figures are read again.
const REFRESH: Duration = Duration::from_secs(60);

/// Shows, unminimises and focuses the main window.
pub fn show_main(app: &AppHandle) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

/// A console in the menu: what it is called, how it opens, and its configurations (or why they
/// could not be read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleEntry {
    /// `This computer`, or the connection's name.
    pub title: String,
    /// The menu id that opens it (`open:local`, `open:<connection id>`).
    pub open: String,
    /// Its configurations, or why they are not shown.
    pub configurations: Result<Vec<ConfigurationSummary>, String>,
}

/// An item of a console's submenu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A line of text (not clickable).
    Line(String),
    /// A clickable item: its id and text.
    Action(String, String),
    /// A separator.
    Separator,
}

/// The items of one console's submenu.
pub fn items(console: &ConsoleEntry) -> Vec<Item> {
    let mut items = vec![Item::Action(console.open.clone(), "Open".to_owned())];
    match &console.configurations {
        Ok(configurations) if configurations.is_empty() => {
            items.push(Item::Separator);
            items.push(Item::Line("No configuration yet".to_owned()));
        }
        Ok(configurations) => {
            for c in configurations {
                items.push(Item::Separator);
                items.push(Item::Line(c.line()));
                items.push(Item::Action(
                    format!("copy:{}", c.scim_base_url),
                    format!("Copy the SCIM base URL of {}", c.name),
                ));
            }
        }
        Err(reason) => {
            items.push(Item::Separator);
            items.push(Item::Line(reason.clone()));
        }
    }
    items
}

fn menu(app: &AppHandle, consoles: &[ConsoleEntry]) -> tauri::Result<Menu<Wry>> {
    let menu = Menu::new(app)?;
    for console in consoles {
        let sub = Submenu::new(app, &console.title, true)?;
        for item in items(console) {
            match item {
                Item::Line(text) => sub.append(&MenuItem::new(app, text, false, None::<&str>)?)?,
                Item::Action(id, text) => {
                    sub.append(&MenuItem::with_id(app, id, text, true, None::<&str>)?)?;
                }
                Item::Separator => sub.append(&PredefinedMenuItem::separator(app)?)?,
            }
        }
        menu.append(&sub)?;
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

/// The consoles as the menu lists them, before their figures are read.
fn unread(app: &AppHandle) -> Vec<ConsoleEntry> {
    let mut consoles = vec![ConsoleEntry {
        title: "This computer".to_owned(),
        open: "open:local".to_owned(),
        configurations: Err("Reading the configurations…".to_owned()),
    }];
    consoles.extend(
        app.state::<Connections>()
            .list()
            .into_iter()
            .map(|c| ConsoleEntry {
                title: c.name,
                open: format!("open:{}", c.id),
                configurations: Err("Reading the configurations…".to_owned()),
            }),
    );
    consoles
}

/// The consoles with their configurations read.
async fn read(app: &AppHandle) -> Vec<ConsoleEntry> {
    let connections = app.state::<Connections>();
    let mut consoles = Vec::new();
    let local = match connections.local() {
        Some((client, token)) => summary::configurations(&client, &token)
            .await
            .map_err(|e| e.to_string()),
        None => Err("This computer's console is not running".to_owned()),
    };
    consoles.push(ConsoleEntry {
        title: "This computer".to_owned(),
        open: "open:local".to_owned(),
        configurations: local,
    });
    for connection in connections.list() {
        let configurations = async {
            let client = connection.client().map_err(|e| e.message)?;
            let token = scim_console_server::remote::secret::read(&connection.id)
                .await
                .map_err(|e| e.to_string())?;
            summary::configurations(&client, &token)
                .await
                .map_err(|e| e.to_string())
        }
        .await;
        consoles.push(ConsoleEntry {
            title: connection.name.clone(),
            open: format!("open:{}", connection.id),
            configurations,
        });
    }
    consoles
}

fn set(app: &AppHandle, consoles: &[ConsoleEntry]) {
    let Some(icon) = app.tray_by_id("main") else {
        return;
    };
    match menu(app, consoles) {
        Ok(menu) => {
            let _ = icon.set_menu(Some(menu));
        }
        Err(error) => tracing::warn!(%error, "the tray's menu could not be built"),
    }
}

/// Reads every console's figures again and rebuilds the menu (a connection was added or
/// removed, or a minute passed).
pub fn refresh(app: &AppHandle) {
    set(app, &unread(app));
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let consoles = read(&app).await;
        set(&app, &consoles);
    });
}

fn on_menu(app: &AppHandle, id: &str) {
    if id == "quit" {
        app.exit(0);
    } else if id == "open:local" {
        if let Err(error) = switch::open_local(app) {
            tracing::warn!(error = %error.message, "could not show this computer's console");
        }
    } else if let Some(url) = id.strip_prefix("copy:") {
        if let Err(error) = app.clipboard().write_text(url) {
            tracing::warn!(%error, "the clipboard refused the SCIM base URL");
        }
    } else if let Some(connection) = id.strip_prefix("open:") {
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

/// Adds the tray icon with its menu, and reads the menu's figures every minute.
pub fn install(app: &AppHandle) -> tauri::Result<()> {
    let mut tray = TrayIconBuilder::with_id("main")
        .tooltip("SCIM Console")
        .menu(&menu(app, &unread(app))?)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| on_menu(app, event.id().as_ref()))
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
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            let consoles = read(&app).await;
            set(&app, &consoles);
            tokio::time::sleep(REFRESH).await;
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn configuration(name: &str, failures: i64) -> ConfigurationSummary {
        ConfigurationSummary {
            name: name.into(),
            scim_base_url: format!("https://scim.contoso.com/scim/{name}/v2"),
            state: Some(if failures > 0 { "degraded" } else { "healthy" }.into()),
            reason: None,
            failures_last_hour: failures,
            last_request: None,
        }
    }

    #[test]
    fn a_console_lists_each_configuration_with_its_figures_and_its_url_to_copy() {
        let console = ConsoleEntry {
            title: "QA".into(),
            open: "open:con_1".into(),
            configurations: Ok(vec![configuration("hr", 3), configuration("it", 0)]),
        };
        assert_eq!(
            items(&console),
            [
                Item::Action("open:con_1".into(), "Open".into()),
                Item::Separator,
                Item::Line("hr: degraded · 3 failures in the last hour · no request yet".into()),
                Item::Action(
                    "copy:https://scim.contoso.com/scim/hr/v2".into(),
                    "Copy the SCIM base URL of hr".into()
                ),
                Item::Separator,
                Item::Line("it: healthy · no failure in the last hour · no request yet".into()),
                Item::Action(
                    "copy:https://scim.contoso.com/scim/it/v2".into(),
                    "Copy the SCIM base URL of it".into()
                ),
            ]
        );
        let unreachable = ConsoleEntry {
            configurations: Err("could not reach https://qa".into()),
            ..console
        };
        assert_eq!(
            items(&unreachable)[2],
            Item::Line("could not reach https://qa".into())
        );
    }
}
