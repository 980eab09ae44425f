//! Tauri's build step: the app's context (tauri.conf.json, icons, the splash page) and the
//! permissions of the shell's own commands, which the capability grants to the console's page.

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(&[
        "copy_text",
        "open_data_folder",
        "connections_list",
        "connection_probe",
        "connection_add",
        "connection_sign_in_start",
        "connection_sign_in_finish",
        "connection_sign_in_cancel",
        "connection_sign_in_again_start",
        "connection_set_token",
        "connection_remove",
        "connection_trust",
        "connection_open",
        "start_at_login",
        "set_start_at_login",
    ]);
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/*.json")
        .app_manifest(manifest);
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri build: {error:#}");
    }
}
