//! The shell's commands the console's page may call (see `capabilities/console.json`).
//! Tauri hands commands their arguments by value.
#![allow(clippy::needless_pass_by_value)]

use tauri::{AppHandle, State};
use tauri_plugin_clipboard_manager::ClipboardExt as _;
use tauri_plugin_opener::OpenerExt as _;

use crate::console::Console;

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
