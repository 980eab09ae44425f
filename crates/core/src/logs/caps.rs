//! The size cap of every field of a log record: whatever a client sends, a record costs at most
//! a few kilobytes plus its two bodies (each cut to [`super::MAX_BODY`]). Applied in the one
//! place every record is stored ([`crate::Store::record_logs`]), before it is written, indexed
//! or announced to live followers.

use serde_json::Value;

use super::{LogEntry, MAX_BODY};

/// The longest User-Agent kept, in bytes.
pub const MAX_USER_AGENT: usize = 512;
/// The longest source (address or target name) kept.
pub const MAX_SOURCE: usize = 128;
/// The longest credential prefix or client id kept.
pub const MAX_CREDENTIAL: usize = 128;
/// The longest method kept.
pub const MAX_METHOD: usize = 16;
/// The longest path (with its query) kept.
pub const MAX_PATH: usize = 2_048;
/// The longest resource type, id, name or SCIM error type kept.
pub const MAX_NAME: usize = 256;
/// The longest list of a resource's search keys (externalId, emails) kept.
pub const MAX_KEYS: usize = 512;
/// The longest detail (error or warnings) kept.
pub const MAX_DETAIL: usize = 2_048;
/// Attributes and switches kept per record, each at most [`MAX_NAME`] bytes.
pub const MAX_LIST: usize = 64;

/// `text` cut to at most `max` bytes on a character boundary, saying so with `…`.
pub fn cap(text: &mut String, max: usize) {
    if text.len() <= max {
        return;
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push('…');
}

fn cap_option(text: &mut Option<String>, max: usize) {
    if let Some(text) = text {
        cap(text, max);
    }
}

fn cap_list(list: &mut Vec<String>) {
    list.truncate(MAX_LIST);
    for item in list {
        cap(item, MAX_NAME);
    }
}

/// The changes kept: as many whole entries as fit in [`MAX_BODY`] bytes, then one saying how
/// many more there were.
fn cap_changes(changes: &mut Option<Value>) {
    let Some(Value::Array(items)) = changes else {
        return;
    };
    let mut size = 0;
    let mut kept = items.len();
    for (i, item) in items.iter().enumerate() {
        size += item.to_string().len();
        if size > MAX_BODY {
            kept = i;
            break;
        }
    }
    if kept < items.len() {
        let more = items.len() - kept;
        items.truncate(kept);
        items.push(serde_json::json!({ "cut": format!("{more} more changes not shown") }));
    }
}

impl LogEntry {
    /// Cuts every field to its cap.
    pub fn cap(&mut self) {
        cap_option(&mut self.user_agent, MAX_USER_AGENT);
        cap(&mut self.source, MAX_SOURCE);
        cap_option(&mut self.credential, MAX_CREDENTIAL);
        cap(&mut self.method, MAX_METHOD);
        cap(&mut self.path, MAX_PATH);
        cap_option(&mut self.resource_type, MAX_NAME);
        cap_option(&mut self.resource_id, MAX_NAME);
        cap_option(&mut self.resource_name, MAX_NAME);
        cap_option(&mut self.resource_keys, MAX_KEYS);
        cap_option(&mut self.scim_type, MAX_NAME);
        cap_option(&mut self.detail, MAX_DETAIL);
        cap_list(&mut self.attributes);
        cap_list(&mut self.switches);
        cap_changes(&mut self.changes);
        // Bodies are cut by `redact`; one built elsewhere is cut here.
        cap_option(&mut self.request_body, MAX_BODY + 16);
        cap_option(&mut self.response_body, MAX_BODY + 16);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Test code: a failure is a test failure.

    use super::*;

    #[test]
    fn text_is_cut_on_a_character_boundary_and_says_so() {
        let mut text = "é".repeat(10);
        cap(&mut text, 7);
        assert!(text.len() <= 7, "{text}");
        assert!(text.ends_with('…'));
        let mut short = "abc".to_owned();
        cap(&mut short, 3);
        assert_eq!(short, "abc");
    }

    #[test]
    fn changes_keep_whole_entries_and_count_the_rest() {
        let big = "x".repeat(MAX_BODY / 3);
        let mut changes = Some(Value::Array(
            (0..10)
                .map(|i| serde_json::json!({"attribute": i, "new": big}))
                .collect(),
        ));
        cap_changes(&mut changes);
        let items = changes.unwrap();
        let items = items.as_array().unwrap();
        assert_eq!(items.len(), 3, "two whole entries and the count");
        assert_eq!(items[2]["cut"], "8 more changes not shown");
    }
}
