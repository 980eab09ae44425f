//! `cargo xtask layering` (also a step of `cargo xtask test`, and a test of this crate): the
//! house rules `docs/architecture.md` states, checked on the sources.
//!
//! - Between crates, dependencies point one way: the protocol crate names no other crate of
//!   the workspace, the core names neither the server nor the CLI, the server not the CLI, and
//!   the desktop shell only the server (it starts the runtime; the core is the server's).
//! - The CLI and the outbound code (the SCIM client, connection test, pilot runs, conformance
//!   checker) never import the inbound endpoint (`server::scim`).
//! - Inside each crate, no two files import each other through any path (no import circles):
//!   a file's `use crate::…`/`super::…` paths are its imports; `mod` declarations, comments and
//!   test modules are not.
//! - No source file is over [`MAX_LINES`] lines unless `docs/architecture.md` names it under
//!   "Long files" with why.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// The most lines a source file has without a note in `docs/architecture.md`.
pub(crate) const MAX_LINES: usize = 900;

/// A crate's sources: their paths relative to its `src/`, and their text.
type Sources = BTreeMap<String, String>;

fn read_sources(dir: &Path) -> Result<Sources> {
    let mut out = Sources::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?;
                out.insert(rel, text);
            }
        }
    }
    Ok(out)
}

/// The code of a file that imports: without its test module and its comments.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A file's module path (`a/b.rs` and `a/b/mod.rs` are `a::b`; `lib.rs`/`main.rs` the root).
fn module_of(rel: &str) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_owned)
        .collect();
    if parts
        .last()
        .is_some_and(|p| p == "mod" || p == "lib" || p == "main")
    {
        parts.pop();
    }
    parts
}

/// The files each file imports, within one crate.
fn imports(sources: &Sources) -> BTreeMap<String, BTreeSet<String>> {
    let modules: BTreeMap<Vec<String>, String> = sources
        .keys()
        .map(|rel| (module_of(rel), rel.clone()))
        .collect();
    let resolve = |path: &[String]| -> Option<String> {
        (1..=path.len())
            .rev()
            .find_map(|n| modules.get(&path[..n]).cloned())
    };
    let mut graph = BTreeMap::new();
    for (rel, text) in sources {
        let me = module_of(rel);
        let parent: Vec<String> = me
            .iter()
            .take(me.len().saturating_sub(1))
            .cloned()
            .collect();
        let code = code(text);
        let mut targets = BTreeSet::new();
        let mut add = |base: &[String], tail: &str| {
            let mut path = base.to_vec();
            path.extend(
                tail.split("::")
                    .map(str::trim)
                    .take_while(|s| {
                        !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_')
                    })
                    .map(str::to_owned),
            );
            if let Some(target) = resolve(&path).filter(|t| t != rel) {
                targets.insert(target);
            }
        };
        for (keyword, base) in [("crate::", Vec::new()), ("super::", parent.clone())] {
            let mut rest = code.as_str();
            while let Some(at) = rest.find(keyword) {
                let before = rest[..at].chars().last();
                rest = &rest[at + keyword.len()..];
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                    continue;
                }
                if let Some(group) = rest.strip_prefix('{') {
                    // `use crate::{a::B, c}`: each member.
                    let inner = group.split('}').next().unwrap_or_default();
                    for member in inner.split(',') {
                        add(&base, member);
                    }
                } else {
                    add(&base, rest);
                }
            }
        }
        graph.insert(rel.clone(), targets);
    }
    graph
}

/// The import circles of a graph: its strongly connected components of more than one file.
fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    // Tarjan's algorithm, iteratively.
    let names: Vec<&String> = graph.keys().collect();
    let index_of: BTreeMap<&String, usize> =
        names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let edges: Vec<Vec<usize>> = names
        .iter()
        .map(|n| {
            graph[*n]
                .iter()
                .filter_map(|t| index_of.get(t).copied())
                .collect()
        })
        .collect();
    let n = names.len();
    let (mut index, mut low, mut on_stack) = (vec![usize::MAX; n], vec![0; n], vec![false; n]);
    let (mut stack, mut next, mut found) = (Vec::new(), 0, Vec::new());
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work = vec![(root, 0usize)];
        while let Some(&mut (v, ref mut i)) = work.last_mut() {
            if *i == 0 {
                index[v] = next;
                low[v] = next;
                next += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = edges[v].get(*i) {
                *i += 1;
                if index[w] == usize::MAX {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(names[w].clone());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    found.push(component);
                }
            }
        }
    }
    found
}

/// Which files of `sources` name any of `forbidden` outside comments: `(file, name)`.
fn naming(sources: &Sources, forbidden: &[&str]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (rel, text) in sources {
        let code = code(text);
        for name in forbidden {
            if code.contains(name) {
                out.push((rel.clone(), (*name).to_owned()));
            }
        }
    }
    out
}

/// The files `docs/architecture.md` names under its "Long files" heading.
fn long_files_noted(architecture: &str) -> BTreeSet<String> {
    let mut noted = BTreeSet::new();
    let mut inside = false;
    for line in architecture.lines() {
        if line.starts_with('#') {
            inside = line.to_lowercase().contains("long files");
            continue;
        }
        if inside {
            for (i, part) in line.split('`').enumerate() {
                if i % 2 == 1 && Path::new(part).extension().is_some_and(|e| e == "rs") {
                    noted.insert(part.to_owned());
                }
            }
        }
    }
    noted
}

/// Every rule broken in the workspace at `root`, in words (empty: the house is in order).
pub(crate) fn problems(root: &Path) -> Result<Vec<String>> {
    let crates: [(&str, PathBuf); 6] = [
        ("scim", root.join("crates/scim/src")),
        ("core", root.join("crates/core/src")),
        ("server", root.join("crates/server/src")),
        ("cli", root.join("crates/cli/src")),
        ("desktop", root.join("src-tauri/src")),
        ("xtask", root.join("xtask/src")),
    ];
    let mut problems = Vec::new();
    let mut all = BTreeMap::new();
    for (name, dir) in &crates {
        let sources = read_sources(dir)?;
        for circle in circles(&imports(&sources)) {
            problems.push(format!(
                "{name}: these files import each other in a circle: {}",
                circle.join(", ")
            ));
        }
        all.insert(*name, sources);
    }
    let forbidden: [(&str, &[&str], &str); 5] = [
        (
            "scim",
            &["scim_console_"],
            "the protocol crate names no other crate of the workspace",
        ),
        (
            "core",
            &["scim_console_server", "scim_console_cli"],
            "the core names neither the server nor the CLI",
        ),
        (
            "server",
            &["scim_console_cli"],
            "the server does not name the CLI",
        ),
        (
            "cli",
            &["scim_console_server::scim::"],
            "the CLI does not import the inbound SCIM endpoint",
        ),
        (
            "desktop",
            &["scim_console_core", "scim_console_cli"],
            "the desktop shell names only the server (its runtime)",
        ),
    ];
    for (name, names, rule) in forbidden {
        for (file, found) in naming(&all[name], names) {
            problems.push(format!("{name}/{file} names `{found}`: {rule}"));
        }
    }
    // The outbound family calls other endpoints; it never reaches into the inbound one.
    let outbound: Sources = all["server"]
        .iter()
        .filter(|(rel, _)| {
            ["outbound/", "pilot/", "conformance/", "probe.rs"]
                .iter()
                .any(|p| rel.starts_with(p))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (file, found) in naming(&outbound, &["crate::scim::", "super::scim::"]) {
        problems.push(format!(
            "server/{file} names `{found}`: the outbound code does not import the inbound SCIM endpoint"
        ));
    }
    problems.extend(long_files(root, &crates, &all)?);
    Ok(problems)
}

/// Files over [`MAX_LINES`] lines that `docs/architecture.md` does not name under "Long files":
/// the crates' sources and their integration tests.
fn long_files(
    root: &Path,
    crates: &[(&str, PathBuf)],
    all: &BTreeMap<&str, Sources>,
) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let architecture = std::fs::read_to_string(root.join("docs/architecture.md"))
        .context("reading docs/architecture.md")?;
    let noted = long_files_noted(&architecture);
    let mut tests = BTreeMap::new();
    for dir in [
        "crates/scim/tests",
        "crates/core/tests",
        "crates/server/tests",
        "crates/cli/tests",
    ] {
        let path = root.join(dir);
        if path.is_dir() {
            tests.insert(dir.to_owned(), read_sources(&path)?);
        }
    }
    let mut every: Vec<(String, &String)> = Vec::new();
    for (name, dir) in crates {
        let prefix = dir
            .strip_prefix(root)
            .unwrap_or(dir)
            .to_string_lossy()
            .replace('\\', "/");
        for (rel, text) in &all[name] {
            every.push((format!("{prefix}/{rel}"), text));
        }
    }
    for (dir, sources) in &tests {
        for (rel, text) in sources {
            every.push((format!("{dir}/{rel}"), text));
        }
    }
    for (path, text) in every {
        let lines = text.lines().count();
        if lines > MAX_LINES && !noted.contains(&path) {
            problems.push(format!(
                "{path} has {lines} lines: split it, or say why in docs/architecture.md under \"Long files\""
            ));
        }
    }
    Ok(problems)
}

/// `cargo xtask layering`: fails naming every rule broken.
pub(crate) fn check(root: &Path) -> Result<()> {
    let problems = problems(root)?;
    if problems.is_empty() {
        println!(
            "layering: the crates' import rules hold, no import circles, no unexplained long file"
        );
        return Ok(());
    }
    for p in &problems {
        eprintln!("layering: {p}");
    }
    bail!(
        "{} layering problem(s) (see docs/architecture.md)",
        problems.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(files: &[(&str, &str)]) -> Sources {
        files
            .iter()
            .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
            .collect()
    }

    #[test]
    fn a_circle_of_imports_is_found_and_a_one_way_chain_is_not() {
        let circle = sources(&[
            ("lib.rs", "mod store;\nmod cache;\n"),
            ("store.rs", "use crate::cache::Cache;\n"),
            ("cache/mod.rs", "use crate::store::Store;\n"),
            ("cache/entry.rs", "use super::Cache;\n"),
        ]);
        assert_eq!(
            circles(&imports(&circle)),
            vec![vec!["cache/mod.rs".to_owned(), "store.rs".to_owned()]]
        );
        let chain = sources(&[
            ("lib.rs", "mod store;\n"),
            (
                "store.rs",
                "use crate::{cache::Cache, ids};\n// use crate::lib::x;\n",
            ),
            ("cache.rs", "use crate::ids::Id;\n"),
            (
                "ids.rs",
                "#[cfg(test)]\nmod tests {\n    use crate::store::Store;\n}\n",
            ),
        ]);
        assert!(circles(&imports(&chain)).is_empty());
    }

    #[test]
    fn forbidden_names_are_found_outside_comments_only() {
        let cli = sources(&[
            (
                "a.rs",
                "use scim_console_server::scim::recording::LogSink;\n",
            ),
            ("b.rs", "// scim_console_server::scim:: in a comment\n"),
        ]);
        assert_eq!(
            naming(&cli, &["scim_console_server::scim::"]),
            vec![("a.rs".to_owned(), "scim_console_server::scim::".to_owned())]
        );
    }

    #[test]
    fn long_files_are_read_from_their_section_only() {
        let doc = "# Map\n`crates/a.rs` elsewhere\n## Long files\n- `crates/core/src/x.rs`: why.\n## Next\n`crates/b.rs`\n";
        assert_eq!(
            long_files_noted(doc),
            BTreeSet::from(["crates/core/src/x.rs".to_owned()])
        );
    }

    #[test]
    fn the_house_keeps_its_rules() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let problems = problems(&root).unwrap();
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}
