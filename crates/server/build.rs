//! Embeds the built admin UI (`ui/dist`, made by `npm run build` in `ui/`, which
//! `cargo xtask run|test|bundle` run first) into the server: writes `$OUT_DIR/ui_assets.rs`, a
//! table of every file's path, media type and bytes (`include_bytes!`). When the UI has not
//! been built the table is empty and `/` says how to build it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    // The crate's directory as cargo gives it to this run (not `env!`, which is where this
    // script was compiled: a build reused from another checkout would look there).
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    let dist = std::env::var_os("SCIM_CONSOLE_UI_DIST")
        .map_or_else(|| manifest.join("../../ui/dist"), PathBuf::from);
    println!("cargo:rerun-if-env-changed=SCIM_CONSOLE_UI_DIST");
    println!("cargo:rerun-if-changed={}", dist.display());
    let mut files = Vec::new();
    if dist.is_dir() {
        collect(&dist, &dist, &mut files);
    }
    files.sort();
    let mut out = String::from(
        "/// The built UI's files: path (without the leading /), media type, bytes.\npub static ASSETS: &[(&str, &str, &[u8])] = &[\n",
    );
    for (rel, abs) in &files {
        let _ = writeln!(
            out,
            "    ({rel:?}, {:?}, include_bytes!({abs:?})),",
            media_type(rel)
        );
    }
    out.push_str("];\n");
    let target = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("ui_assets.rs");
    std::fs::write(&target, out).expect("writing ui_assets.rs");
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, files);
        } else if let Ok(rel) = path.strip_prefix(root) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            let abs = path
                .canonicalize()
                .unwrap_or(path.clone())
                .to_string_lossy()
                .into_owned();
            files.push((rel, abs));
        }
    }
}

fn media_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}
