//! The bulk and large-PATCH measures: a bulk request of 1,000 user creates, one of 1,000
//! PATCHes, and a PATCH of 50 member operations on one group (the IPSIE AL2 minimum), timed over
//! real HTTP against the release server. Part of `cargo xtask bench load`; alone as
//! `cargo xtask bench bulk`.

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::release::{self, Running};

/// Operations in one bulk request (the server's `maxOperations`).
const OPERATIONS: usize = 1000;
/// Member operations in one PATCH.
const MEMBER_OPS: usize = 50;

/// One timed request kind: its runs' times in milliseconds.
pub(crate) struct Timing {
    pub(crate) name: String,
    pub(crate) runs: Vec<f64>,
    /// Operations per request, for operations per second.
    pub(crate) operations: usize,
}

impl Timing {
    fn median(&self) -> f64 {
        let mut sorted = self.runs.clone();
        sorted.sort_by(f64::total_cmp);
        sorted.get(sorted.len() / 2).copied().unwrap_or(0.0)
    }

    fn max(&self) -> f64 {
        self.runs.iter().copied().fold(0.0, f64::max)
    }
}

/// Sends a body with curl and returns (status, milliseconds, body).
fn timed(server: &Running, method: &str, path: &str, body: &Path) -> Result<(u16, f64, Value)> {
    let output = release::curl(server, method)
        .args(["-w", "\n%{http_code} %{time_total}"])
        .arg("--data-binary")
        .arg(format!("@{}", body.display()))
        .arg(format!("{}{path}", server.base))
        .output()
        .context("running curl")?;
    let text = String::from_utf8_lossy(&output.stdout);
    let (json, tail) = text.rsplit_once('\n').context("curl printed no timing")?;
    let mut parts = tail.split_whitespace();
    let status: u16 = parts.next().unwrap_or_default().parse()?;
    let seconds: f64 = parts.next().unwrap_or_default().parse()?;
    Ok((
        status,
        seconds * 1000.0,
        serde_json::from_str(json).unwrap_or(Value::Null),
    ))
}

/// A bulk request body of these operations.
fn bulk_body(file: &Path, operations: &[Value]) -> Result<()> {
    std::fs::write(
        file,
        serde_json::to_vec(&json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
            "Operations": operations,
        }))?,
    )?;
    Ok(())
}

/// Bulk requests of user creates; returns their timing and the users' ids.
fn creates(server: &Running, file: &Path, runs: usize) -> Result<(Timing, Vec<String>)> {
    let mut timing = Timing {
        name: format!("POST /Bulk: {OPERATIONS} user creates"),
        runs: Vec::new(),
        operations: OPERATIONS,
    };
    let mut ids: Vec<String> = Vec::new();
    for run in 0..runs {
        let operations: Vec<Value> = (0..OPERATIONS)
            .map(|i| {
                let name = format!("bulk-{run}-{i}@load.example");
                json!({"method": "POST", "path": "/Users", "bulkId": format!("u{i}"),
                    "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                        "userName": name, "active": true,
                        "name": {"givenName": "Bulk", "familyName": format!("User{i}")},
                        "emails": [{"type": "work", "primary": true, "value": name}]}})
            })
            .collect();
        bulk_body(file, &operations)?;
        let (status, ms, body) = timed(server, "POST", "/Bulk", file)?;
        let results = body["Operations"].as_array().cloned().unwrap_or_default();
        let stored = results.iter().filter(|r| r["status"] == "201").count();
        if status != 200 || stored != OPERATIONS {
            bail!("the bulk create answered {status} with {stored} of {OPERATIONS} created");
        }
        ids.extend(results.iter().filter_map(|r| {
            r["location"]
                .as_str()
                .and_then(|l| l.rsplit('/').next())
                .map(str::to_owned)
        }));
        timing.runs.push(ms);
    }
    Ok((timing, ids))
}

/// Bulk requests of PATCHes of `active`.
fn patches(server: &Running, file: &Path, runs: usize, ids: &[String]) -> Result<Timing> {
    let mut timing = Timing {
        name: format!("POST /Bulk: {OPERATIONS} PATCHes of active"),
        runs: Vec::new(),
        operations: OPERATIONS,
    };
    for run in 0..runs {
        let operations: Vec<Value> = ids
            .iter()
            .take(OPERATIONS)
            .map(|id| {
                json!({"method": "PATCH", "path": format!("/Users/{id}"),
                    "data": {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                        "Operations": [{"op": "replace", "path": "active", "value": run % 2 == 1}]}})
            })
            .collect();
        bulk_body(file, &operations)?;
        let (status, ms, body) = timed(server, "POST", "/Bulk", file)?;
        let applied = body["Operations"]
            .as_array()
            .map_or(0, |r| r.iter().filter(|o| o["status"] == "200").count());
        if status != 200 || applied != OPERATIONS {
            bail!("the bulk PATCH answered {status} with {applied} of {OPERATIONS} applied");
        }
        timing.runs.push(ms);
    }
    Ok(timing)
}

/// PATCHes of one group with 50 member adds, then 50 member removes, of different users.
fn member_patches(
    server: &Running,
    file: &Path,
    runs: usize,
    ids: &[String],
) -> Result<(Timing, Timing)> {
    std::fs::write(
        file,
        serde_json::to_vec(&json!({"displayName": "Bulk bench"}))?,
    )?;
    let group = release::curl_json(server, "POST", "/Groups", Some(file))?;
    let group_id = group["id"]
        .as_str()
        .context("the bench group was not created")?
        .to_owned();
    let mut adds = Timing {
        name: format!("PATCH /Groups: {MEMBER_OPS} member adds in one request"),
        runs: Vec::new(),
        operations: MEMBER_OPS,
    };
    let mut removes = Timing {
        name: format!("PATCH /Groups: {MEMBER_OPS} member removes in one request"),
        runs: Vec::new(),
        operations: MEMBER_OPS,
    };
    for chunk in ids.chunks(MEMBER_OPS).take(runs * 4) {
        let add: Vec<Value> = chunk
            .iter()
            .map(|id| json!({"op": "add", "path": "members", "value": [{"value": id}]}))
            .collect();
        let remove: Vec<Value> = chunk
            .iter()
            .map(|id| json!({"op": "remove", "path": format!("members[value eq \"{id}\"]")}))
            .collect();
        for (ops, timing) in [(add, &mut adds), (remove, &mut removes)] {
            std::fs::write(
                file,
                serde_json::to_vec(&json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": ops,
                }))?,
            )?;
            let (status, ms, body) = timed(server, "PATCH", &format!("/Groups/{group_id}"), file)?;
            if status != 204 && status != 200 {
                bail!("the {MEMBER_OPS}-operation member PATCH answered {status}: {body}");
            }
            timing.runs.push(ms);
        }
    }
    Ok((adds, removes))
}

/// Runs the bulk and member-PATCH measures against a running server.
pub(crate) fn measure(server: &Running, work: &Path, runs: usize) -> Result<Vec<Timing>> {
    let file = work.join("bulk-body.json");
    let (created, ids) = creates(server, &file, runs)?;
    let patched = patches(server, &file, runs, &ids)?;
    let (adds, removes) = member_patches(server, &file, runs, &ids)?;
    Ok(vec![created, patched, adds, removes])
}

/// Prints the measures as a Markdown table.
pub(crate) fn print(timings: &[Timing]) {
    println!("\n| request | runs | median ms | max ms | operations/s (median) |");
    println!("| --- | --- | --- | --- | --- |");
    for t in timings {
        #[allow(clippy::cast_precision_loss)] // At most 1,000 operations.
        let per_second = t.operations as f64 / (t.median() / 1000.0);
        println!(
            "| {} | {} | {:.1} | {:.1} | {:.0} |",
            t.name,
            t.runs.len(),
            t.median(),
            t.max(),
            per_second
        );
    }
}

/// `cargo xtask bench bulk`: the measures alone, on an empty console.
pub fn run(root: &Path) -> Result<()> {
    release::ensure_tool("curl", "curl")?;
    let binary = release::release_binary(root)?;
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis();
    let work = std::env::temp_dir().join(format!("scim-console-bulk-{stamp}"));
    std::fs::create_dir_all(&work)?;
    let server = release::start(&binary, &work.join("data"))?;
    let timings = measure(&server, &work, 5)?;
    drop(server);
    let _ = std::fs::remove_dir_all(&work);
    print(&timings);
    Ok(())
}
