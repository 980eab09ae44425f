//! Which console the window shows: switching between this computer's and a remote one, and
//! saying which in the window's title and the tray (the page's bar says it too: `bar.js`).

use tauri::{AppHandle, Manager as _, Url};

use crate::connections::{ConnectionError, Connections};
use crate::tray;

/// Shows a remote console: its certificate and token checked, its proxy started, the window
/// sent through the proxy's one-time link.
pub async fn open_connection(app: &AppHandle, id: &str) -> Result<(), ConnectionError> {
    let link = app.state::<Connections>().open(id).await?;
    navigate(app, &link)
}

/// Shows this computer's console again.
pub fn open_local(app: &AppHandle) -> Result<(), ConnectionError> {
    let home = app
        .state::<Connections>()
        .home()
        .ok_or_else(|| ConnectionError {
            message: "this computer's console is not running".to_owned(),
            field: None,
            presented: None,
            pinned: None,
        })?;
    navigate(app, &format!("{home}/"))
}

fn navigate(app: &AppHandle, link: &str) -> Result<(), ConnectionError> {
    let failed = |message: String| ConnectionError {
        message,
        field: None,
        presented: None,
        pinned: None,
    };
    let url = Url::parse(link).map_err(|e| failed(format!("not an address: {e}")))?;
    let window = app
        .get_webview_window("main")
        .ok_or_else(|| failed("the window is closed".to_owned()))?;
    window
        .navigate(url)
        .map_err(|e| failed(format!("the window could not go there: {e}")))?;
    tray::show_main(app);
    Ok(())
}

/// What the window shows at `url`, in words: `This computer`, or the connection's name and
/// address.
pub fn describe(app: &AppHandle, url: &Url) -> String {
    let origin = url.origin().ascii_serialization();
    match app.state::<Connections>().shown_at(&origin) {
        Some(connection) => format!("{} ({})", connection.name, connection.url),
        None => "This computer".to_owned(),
    }
}

/// Names the console shown at `url` in the window's title and the tray's tooltip.
pub fn shown(app: &AppHandle, url: &Url) {
    let what = describe(app, url);
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.set_title(&format!("SCIM Console — {what}"));
    }
    if let Some(icon) = app.tray_by_id("main") {
        let _ = icon.set_tooltip(Some(format!("SCIM Console — showing {what}")));
    }
}
