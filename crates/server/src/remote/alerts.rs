//! A remote console's alerts as they are raised and resolved — its `GET /api/alerts/stream`,
//! server-sent events — for the desktop app's notifications while it runs. Each time the stream
//! opens (first, and again after a break, after a pause that grows to a minute), the alerts the
//! history holds after the last one handed over come first: none raised while the stream was
//! closed is lost, none is handed over twice.

use std::time::Duration;

use scim_console_core::Secret;
use scim_console_core::alerts::AlertEvent;

use super::certificate::RemoteClient;

/// The first pause before opening a broken stream again; doubled up to [`LONGEST_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_secs(2);
/// The longest pause between attempts.
const LONGEST_PAUSE: Duration = Duration::from_secs(60);
/// The longest event the follower holds (an alert is a few hundred bytes).
const MAX_EVENT: usize = 256 * 1024;

/// One server-sent event: its `event`, `id` and `data` fields.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ServerEvent {
    /// The event's type (`alert`).
    pub event: String,
    /// Its id (the position to resume after).
    pub id: Option<String>,
    /// Its data (lines joined by `\n`).
    pub data: String,
}

/// Reads server-sent events out of chunks as they arrive.
#[derive(Debug, Default)]
pub struct EventReader {
    buffer: String,
}

impl EventReader {
    /// Adds a chunk; the events it completed. `Err` when an event grows past the cap.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<ServerEvent>, String> {
        self.buffer.push_str(&String::from_utf8_lossy(chunk));
        self.buffer = self.buffer.replace("\r\n", "\n");
        let mut events = Vec::new();
        while let Some(end) = self.buffer.find("\n\n") {
            let block: String = self.buffer.drain(..end + 2).collect();
            let mut event = ServerEvent::default();
            let mut data = Vec::new();
            for line in block.lines() {
                let (field, value) = line.split_once(':').unwrap_or((line, ""));
                let value = value.strip_prefix(' ').unwrap_or(value);
                match field {
                    "event" => value.clone_into(&mut event.event),
                    "id" => event.id = Some(value.to_owned()),
                    "data" => data.push(value),
                    _ => {}
                }
            }
            event.data = data.join("\n");
            if !event.data.is_empty() || !event.event.is_empty() {
                events.push(event);
            }
        }
        if self.buffer.len() > MAX_EVENT {
            return Err("an event longer than any alert".to_owned());
        }
        Ok(events)
    }
}

/// Where a follower starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// With the alerts raised from now on (what the history holds already is old news).
    Now,
    /// With the alerts after this position of the history.
    After(i64),
}

/// The alerts of the history after `last`, oldest first (at most the newest page of them).
async fn history_after(
    client: &RemoteClient,
    token: &Secret,
    last: i64,
) -> Result<Vec<AlertEvent>, String> {
    let (status, page) = client
        .ask("api/alerts?limit=100", Some(token.expose()))
        .await
        .map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("the alert history answered {status}"));
    }
    let mut newer: Vec<AlertEvent> = serde_json::from_value::<Vec<AlertEvent>>(page)
        .map_err(|e| format!("an alert history the app cannot read: {e}"))?
        .into_iter()
        .filter(|a| a.seq > last)
        .collect();
    newer.reverse();
    Ok(newer)
}

/// The newest position of the history (0 when it is empty).
async fn newest(client: &RemoteClient, token: &Secret) -> Result<i64, String> {
    let (status, page) = client
        .ask("api/alerts?limit=1", Some(token.expose()))
        .await
        .map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("the alert history answered {status}"));
    }
    Ok(page[0]["seq"].as_i64().unwrap_or(0))
}

/// Follows a console's alerts until the task is dropped, handing each to `on_alert` once, in
/// order.
pub async fn follow(
    client: RemoteClient,
    token: Secret,
    since: Since,
    mut on_alert: impl FnMut(AlertEvent) + Send,
) {
    let mut last = match since {
        Since::Now => None,
        Since::After(seq) => Some(seq),
    };
    let mut pause = FIRST_PAUSE;
    let mut hand = |alert: AlertEvent, last: &mut i64| {
        if alert.seq > *last {
            *last = alert.seq;
            on_alert(alert);
        }
    };
    loop {
        let position = match last {
            Some(seq) => Ok(seq),
            None => newest(&client, &token).await,
        };
        match position {
            Ok(mut seq) => {
                last = Some(seq);
                let opened = client
                    .request(reqwest::Method::GET, "api/alerts/stream")
                    .bearer_auth(token.expose())
                    .header(reqwest::header::ACCEPT, "text/event-stream")
                    .send()
                    .await;
                match opened {
                    Ok(mut response) if response.status().is_success() => {
                        // Listening: what was raised while the stream was closed comes first.
                        match history_after(&client, &token, seq).await {
                            Ok(missed) => missed.into_iter().for_each(|a| hand(a, &mut seq)),
                            Err(reason) => {
                                tracing::info!(%reason, console = %client.base(), "alerts missed while away are not read");
                            }
                        }
                        pause = FIRST_PAUSE;
                        read(&client, &mut response, |alert| hand(alert, &mut seq)).await;
                        last = Some(seq);
                    }
                    Ok(response) => {
                        tracing::warn!(status = %response.status(), console = %client.base(), "a remote console refused its alerts stream");
                    }
                    Err(error) => {
                        tracing::info!(error = %client.explain(&error), "a remote console's alerts are out of reach");
                    }
                }
            }
            Err(reason) => {
                tracing::info!(%reason, console = %client.base(), "a remote console's alerts are out of reach");
            }
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(LONGEST_PAUSE);
    }
}

/// Reads an open stream's alerts until it ends or breaks.
async fn read(
    client: &RemoteClient,
    response: &mut reqwest::Response,
    mut on_alert: impl FnMut(AlertEvent),
) {
    let mut reader = EventReader::default();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => match reader.push(&chunk) {
                Ok(events) => {
                    for event in events.into_iter().filter(|e| e.event == "alert") {
                        match serde_json::from_str::<AlertEvent>(&event.data) {
                            Ok(alert) => on_alert(alert),
                            Err(error) => {
                                tracing::warn!(%error, console = %client.base(), "an alert the app cannot read");
                            }
                        }
                    }
                }
                Err(reason) => {
                    tracing::warn!(%reason, console = %client.base(), "alerts stream refused");
                    return;
                }
            },
            Ok(None) => return,
            Err(error) => {
                tracing::info!(error = %client.explain(&error), "a remote console's alerts stream broke");
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_read_across_chunks_and_comments_skipped() {
        let mut reader = EventReader::default();
        assert_eq!(reader.push(b": keep-alive\n\nevent: al").unwrap(), []);
        let events = reader
            .push(b"ert\r\nid: 7\r\ndata: {\"a\":\ndata: 1}\r\n\r\nevent: other\ndata: x\n\n")
            .unwrap();
        assert_eq!(
            events,
            [
                ServerEvent {
                    event: "alert".into(),
                    id: Some("7".into()),
                    data: "{\"a\":\n1}".into()
                },
                ServerEvent {
                    event: "other".into(),
                    id: None,
                    data: "x".into()
                }
            ]
        );
        let mut flood = EventReader::default();
        assert!(flood.push(&vec![b'x'; MAX_EVENT + 1]).is_err());
    }
}
