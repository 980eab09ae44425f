//! The desktop's own settings, in `DATA_DIR/desktop.json`: where the console listens and what
//! closing the window does. Missing file or fields: the defaults.

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;

use serde::Deserialize;

/// The port identity providers are told when nothing else is configured: stable across
/// launches, so a tenant URL pasted into Entra ID keeps working.
pub const DEFAULT_PORT: u16 = 8444;

/// The desktop's settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct DesktopSettings {
    /// The address to bind (loopback unless TLS is set up with `scim-console serve`).
    pub bind: IpAddr,
    /// The port; 0 picks a free one. When it is taken, a free one is used and the admin told.
    pub port: u16,
    /// Whether closing the window keeps the endpoint running in the tray.
    pub keep_running_in_tray: bool,
}

impl Default for DesktopSettings {
    fn default() -> Self {
        Self {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: DEFAULT_PORT,
            keep_running_in_tray: true,
        }
    }
}

impl DesktopSettings {
    /// Reads `desktop.json` from the data folder; `SCIM_CONSOLE_DESKTOP_PORT` overrides the port.
    pub fn load(data_dir: &Path) -> Result<Self, String> {
        let path = data_dir.join("desktop.json");
        let mut settings = match std::fs::read_to_string(&path) {
            Ok(text) => {
                serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Self::default(),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        if let Ok(port) = std::env::var("SCIM_CONSOLE_DESKTOP_PORT") {
            settings.port = port
                .parse()
                .map_err(|_| format!("SCIM_CONSOLE_DESKTOP_PORT: {port:?} is not a port"))?;
        }
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_gives_the_defaults_and_fields_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            DesktopSettings::load(dir.path()).unwrap(),
            DesktopSettings::default()
        );
        std::fs::write(
            dir.path().join("desktop.json"),
            r#"{"keepRunningInTray": false}"#,
        )
        .unwrap();
        let settings = DesktopSettings::load(dir.path()).unwrap();
        assert!(!settings.keep_running_in_tray);
        assert_eq!(settings.port, DEFAULT_PORT);
        std::fs::write(dir.path().join("desktop.json"), r#"{"prot": 1}"#).unwrap();
        let error = DesktopSettings::load(dir.path()).unwrap_err();
        assert!(
            error.contains("desktop.json") && error.contains("prot"),
            "{error}"
        );
    }
}
