//! The connected consoles' alerts as desktop notifications while the app runs, each titled with
//! the connection's name (`QA remote — Alert: …`): one follower per connection, started with
//! the app and when a connection is added, stopped when it is removed.

use std::collections::HashMap;
use std::sync::Mutex;

use scim_console_server::remote::{alerts, secret};
use tauri::async_runtime::JoinHandle;
use tauri::{AppHandle, Manager as _};

use crate::connections::{Connection, Connections};

/// The followers, by connection id.
#[derive(Default)]
pub struct Followers(Mutex<HashMap<String, JoinHandle<()>>>);

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Follows the alerts of every connection.
pub fn follow_all(app: &AppHandle) {
    for connection in app.state::<Connections>().list() {
        follow(app, &connection);
    }
}

/// Follows one connection's alerts (replacing a follower it had).
pub fn follow(app: &AppHandle, connection: &Connection) {
    let client = match connection.client() {
        Ok(client) => client,
        Err(error) => {
            tracing::warn!(connection = %connection.name, error = %error.message, "its alerts cannot be followed");
            return;
        }
    };
    let id = connection.id.clone();
    let name = connection.name.clone();
    let notifier = app.clone();
    let task = tauri::async_runtime::spawn(async move {
        let token = match secret::read(&id).await {
            Ok(token) => token,
            Err(error) => {
                tracing::warn!(connection = %name, %error, "its alerts cannot be followed");
                return;
            }
        };
        alerts::follow(client, token, alerts::Since::Now, move |alert| {
            let (title, body) = scim_console_server::alerting::notification(&alert);
            crate::console::notify(&notifier, &format!("{name} — {title}"), &body);
        })
        .await;
    });
    if let Some(previous) = lock(&app.state::<Followers>().0).insert(connection.id.clone(), task) {
        previous.abort();
    }
}

/// Stops following a connection's alerts.
pub fn stop(app: &AppHandle, id: &str) {
    if let Some(task) = lock(&app.state::<Followers>().0).remove(id) {
        task.abort();
    }
}
