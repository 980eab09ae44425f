//! Where a pilot run's users come from: a CSV export of the identity provider (one column per
//! source attribute, as the provider names them: `userPrincipalName`, `mail`, … for Entra ID;
//! `login`, `email`, … for Okta), a JSON array of such objects, a JSON file of SCIM Users (a
//! ListResponse or an array of resources with `schemas`), or the users already in a local
//! configuration.

use scim::ListQuery;
use scim_console_core::{Configuration, Store};
use serde::Serialize;
use serde_json::{Map, Value};

/// The most users one run takes.
pub const MAX_USERS: usize = 50_000;

const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// What a source's records are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = PilotSourceKind)]
pub enum SourceKind {
    /// Identity-provider attributes: the provider's mappings turn them into SCIM Users.
    Provider,
    /// SCIM Users already: sent as they are (without `id` and `meta`).
    Scim,
}

/// One user of the source.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceUser {
    /// Its position in the source (the CSV line, the array index + 1).
    pub row: usize,
    /// Its attributes.
    pub attributes: Map<String, Value>,
}

/// The users of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// What they are.
    pub kind: SourceKind,
    /// The users, in order.
    pub users: Vec<SourceUser>,
}

/// Why a source cannot be read: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SourceError(pub String);

fn too_many(n: usize) -> SourceError {
    SourceError(format!(
        "the source holds {n} users; a pilot run takes at most {MAX_USERS} (split the file)"
    ))
}

/// Reads a CSV file: the first line names the attributes; empty cells are left out.
pub fn from_csv(bytes: &[u8]) -> Result<Source, SourceError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| SourceError(format!("the CSV header line: {e}")))?
        .clone();
    if headers.iter().all(str::is_empty) {
        return Err(SourceError(
            "the CSV file has no header line naming the attributes".into(),
        ));
    }
    if let Some(i) = headers.iter().position(str::is_empty) {
        return Err(SourceError(format!(
            "the CSV header line: column {} has no name",
            i + 1
        )));
    }
    let mut users = Vec::new();
    for (i, record) in reader.records().enumerate() {
        // Blank lines are skipped by the reader (and not counted in its line numbers): a
        // record's line is found from its byte offset.
        let line_at = |byte: u64| {
            let mut end = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
            // The offset may point at the blank lines before the record.
            while end < bytes.len() && matches!(bytes[end], b'\n' | b'\r') {
                end += 1;
            }
            bytes[..end].split(|b| *b == b'\n').count()
        };
        let record = record.map_err(|e| {
            let line = e.position().map_or_else(
                || format!("record {}", i + 1),
                |p| format!("line {}", line_at(p.byte())),
            );
            match e.kind() {
                csv::ErrorKind::UnequalLengths {
                    expected_len, len, ..
                } => SourceError(format!(
                    "CSV {line}: {len} fields where the header names {expected_len}"
                )),
                csv::ErrorKind::Utf8 { .. } => SourceError(format!("CSV {line}: not valid UTF-8")),
                _ => SourceError(format!("CSV {line}: {e}")),
            }
        })?;
        let line = record.position().map_or(i + 2, |p| line_at(p.byte()));
        if record.iter().all(str::is_empty) {
            continue;
        }
        if users.len() == MAX_USERS {
            return Err(too_many(MAX_USERS + 1));
        }
        let attributes = headers
            .iter()
            .zip(record.iter())
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.to_owned(), Value::String(v.to_owned())))
            .collect();
        users.push(SourceUser {
            row: line,
            attributes,
        });
    }
    if users.is_empty() {
        return Err(SourceError("the CSV file holds no users".into()));
    }
    Ok(Source {
        kind: SourceKind::Provider,
        users,
    })
}

fn is_scim_user(v: &Map<String, Value>) -> bool {
    v.get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|u| u.as_str() == Some(CORE_USER)))
}

/// Reads a JSON file: an array of provider-attribute objects, or SCIM Users (a ListResponse,
/// or an array of resources naming the User schema); a single object is one user.
pub fn from_json(bytes: &[u8]) -> Result<Source, SourceError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        SourceError(format!(
            "the JSON file, line {} column {}: {e}",
            e.line(),
            e.column()
        ))
    })?;
    let items = match value {
        Value::Array(items) => items,
        Value::Object(mut o) => match o.remove("Resources") {
            Some(Value::Array(items)) => items,
            None => vec![Value::Object(o)],
            Some(_) => {
                return Err(SourceError(
                    "the JSON file's Resources must be an array of users".into(),
                ));
            }
        },
        _ => {
            return Err(SourceError(
                "the JSON file must hold an array of users".into(),
            ));
        }
    };
    if items.is_empty() {
        return Err(SourceError("the JSON file holds no users".into()));
    }
    if items.len() > MAX_USERS {
        return Err(too_many(items.len()));
    }
    let mut users = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        match item {
            Value::Object(attributes) => users.push(SourceUser {
                row: i + 1,
                attributes,
            }),
            other => {
                return Err(SourceError(format!(
                    "the JSON file, user {}: an object was expected, not {}",
                    i + 1,
                    match other {
                        Value::Array(_) => "an array",
                        Value::String(_) => "a string",
                        Value::Number(_) => "a number",
                        Value::Bool(_) => "a boolean",
                        _ => "null",
                    }
                )));
            }
        }
    }
    let scim = users.iter().filter(|u| is_scim_user(&u.attributes)).count();
    let kind = match scim {
        0 => SourceKind::Provider,
        n if n == users.len() => SourceKind::Scim,
        _ => {
            return Err(SourceError(
                "the JSON file mixes SCIM Users (with schemas) and provider attributes; use one kind".into(),
            ));
        }
    };
    Ok(Source { kind, users })
}

/// The users of a local configuration's directory, as SCIM Users.
pub async fn from_configuration(
    store: &Store,
    registry: &scim::SchemaRegistry,
    configuration: &Configuration,
) -> Result<Source, SourceError> {
    let failed = |e: scim_console_core::CoreError| {
        SourceError(format!(
            "the users of configuration \"{}\" could not be read: {e}",
            configuration.name
        ))
    };
    let mut users = Vec::new();
    let page_size = 500;
    loop {
        let query = ListQuery::default();
        let page = store
            .list_users(
                configuration,
                registry,
                &query,
                scim::Paging {
                    start_index: users.len() + 1,
                    count: page_size,
                },
            )
            .await
            .map_err(failed)?;
        let got = page.resources.len();
        for resource in page.resources {
            let attributes = resource.into_map().map_err(failed)?;
            users.push(SourceUser {
                row: users.len() + 1,
                attributes,
            });
        }
        if users.len() > MAX_USERS {
            return Err(too_many(page.total_results));
        }
        if got < page_size || users.len() >= page.total_results {
            break;
        }
    }
    if users.is_empty() {
        return Err(SourceError(format!(
            "configuration \"{}\" has no users",
            configuration.name
        )));
    }
    Ok(Source {
        kind: SourceKind::Scim,
        users,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_become_provider_users_without_empty_cells() {
        let source = from_csv(
            b"userPrincipalName,mail,department\nada@example.com,ada@example.com,\n\n grace@example.com ,,Navy\n",
        )
        .unwrap();
        assert_eq!(source.kind, SourceKind::Provider);
        assert_eq!(source.users.len(), 2);
        assert_eq!(source.users[0].row, 2);
        assert!(!source.users[0].attributes.contains_key("department"));
        assert_eq!(source.users[1].row, 4);
        assert_eq!(
            source.users[1].attributes["userPrincipalName"],
            "grace@example.com"
        );
    }

    #[test]
    fn bad_csv_names_the_line() {
        let e = from_csv(b"a,b\n1,2\n1,2,3\n").unwrap_err();
        assert_eq!(e.0, "CSV line 3: 3 fields where the header names 2");
        assert!(
            from_csv(b"a,,c\n1,2,3\n")
                .unwrap_err()
                .0
                .contains("column 2")
        );
        assert!(from_csv(b"a,b\n").unwrap_err().0.contains("no users"));
        let e = from_csv(b"a\n\xff\xfe\n").unwrap_err();
        assert!(e.0.contains("line 2"), "{e}");
    }

    #[test]
    fn json_sources_are_provider_attributes_or_scim_users() {
        let provider = from_json(br#"[{"login": "ada"}, {"login": "grace"}]"#).unwrap();
        assert_eq!(provider.kind, SourceKind::Provider);
        let scim = from_json(
            br#"{"Resources": [{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ada"}]}"#,
        )
        .unwrap();
        assert_eq!(scim.kind, SourceKind::Scim);
        // A single object is one user (a payload pasted as it was sent).
        let one = from_json(
            br#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ada"}"#,
        )
        .unwrap();
        assert_eq!((one.kind, one.users.len()), (SourceKind::Scim, 1));
        assert!(
            from_json(br#"{"Resources": 1}"#)
                .unwrap_err()
                .0
                .contains("array")
        );
        assert!(from_json(b"[1]").unwrap_err().0.contains("user 1"));
        assert!(from_json(b"{\"a\": }").unwrap_err().0.contains("line 1"));
        assert!(
            from_json(
                br#"[{"login": "a"}, {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}]"#
            )
            .unwrap_err()
            .0
            .contains("mixes")
        );
    }
}
