//! The desktop's own settings, in `DATA_DIR/desktop.json`: where the console listens (and,
//! for a lab network, a second address over TLS) and what closing the window does. Missing
//! file or fields: the defaults.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

use scim_console_server::server::{ExtraListener, PublicOrigin};
use scim_console_server::tls::TlsSource;
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
    /// The console also served over TLS on another address, for a lab network.
    pub lab: Option<LabListener>,
}

/// The console's endpoint on a lab network: another address, always over TLS (a certificate
/// given, or a self-signed one kept in `DATA_DIR/tls`), as `scim-console serve` would serve it.
/// The window stays on loopback.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LabListener {
    /// The address to bind (`0.0.0.0`: every address, then `publicUrl` is needed).
    pub bind: IpAddr,
    /// The port.
    #[serde(default = "lab_port")]
    pub port: u16,
    /// A PEM certificate chain (with `key`); none: a self-signed certificate.
    pub certificate: Option<PathBuf>,
    /// The PEM private key of `certificate`.
    pub key: Option<PathBuf>,
    /// The address other machines use (`https://laptop.lab.contoso.com:8443`), when it is not
    /// `https://<bind>:<port>`: the SCIM base URLs and the OAuth issuer name it.
    pub public_url: Option<String>,
}

fn lab_port() -> u16 {
    8443
}

impl LabListener {
    /// The second listener of the console, in `data_dir`; what is wrong otherwise.
    pub fn listener(&self, data_dir: &Path) -> Result<ExtraListener, String> {
        let tls = match (&self.certificate, &self.key) {
            (Some(cert), Some(key)) => TlsSource::Files {
                cert: cert.clone(),
                key: key.clone(),
            },
            (None, None) => {
                let mut names = Vec::new();
                if !self.bind.is_unspecified() {
                    names.push(self.bind.to_string());
                }
                if let Some(host) = self.public_origin()?.and_then(|o| origin_host(o.as_str())) {
                    names.push(host);
                }
                TlsSource::SelfSigned {
                    dir: data_dir.join("tls"),
                    names,
                }
            }
            _ => {
                return Err(
                    "desktop.json: lab: give both certificate and key (PEM files), or neither for a self-signed certificate".into(),
                );
            }
        };
        Ok(ExtraListener {
            bind: self.bind,
            port: self.port,
            tls,
        })
    }

    /// The public URL, checked.
    pub fn public_origin(&self) -> Result<Option<PublicOrigin>, String> {
        self.public_url
            .as_deref()
            .map(|u| {
                PublicOrigin::parse(u).map_err(|e| format!("desktop.json: lab.publicUrl: {e}"))
            })
            .transpose()
    }
}

/// The host of an origin.
fn origin_host(origin: &str) -> Option<String> {
    let rest = origin.split_once("://")?.1;
    let host = rest.rsplit_once(':').map_or(rest, |(h, _)| h);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    (!host.is_empty()).then(|| host.to_owned())
}

impl Default for DesktopSettings {
    fn default() -> Self {
        Self {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: DEFAULT_PORT,
            keep_running_in_tray: true,
            lab: None,
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
        if let Some(lab) = &settings.lab {
            let public = lab.public_origin()?;
            if lab.bind.is_unspecified() && public.is_none() {
                return Err(format!(
                    "desktop.json: lab binds {}, every address: give lab.publicUrl, the https:// address the lab's tools use",
                    lab.bind
                ));
            }
            if public
                .as_ref()
                .is_some_and(|p| !p.as_str().starts_with("https://"))
            {
                return Err("desktop.json: lab.publicUrl must be https:// (the lab listener serves TLS only)".into());
            }
            lab.listener(data_dir)?;
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

    #[test]
    fn a_lab_listener_serves_tls_with_a_certificate_given_or_self_signed() {
        let dir = tempfile::tempdir().unwrap();
        let write = |json: &str| std::fs::write(dir.path().join("desktop.json"), json).unwrap();
        write(r#"{"lab": {"bind": "192.0.2.10"}}"#);
        let settings = DesktopSettings::load(dir.path()).unwrap();
        let lab = settings.lab.unwrap();
        assert_eq!(lab.port, 8443);
        match lab.listener(dir.path()).unwrap().tls {
            TlsSource::SelfSigned { dir: kept, names } => {
                assert_eq!(kept, dir.path().join("tls"));
                assert_eq!(names, vec!["192.0.2.10".to_owned()]);
            }
            other @ TlsSource::Files { .. } => panic!("{other:?}"),
        }
        write(
            r#"{"lab": {"bind": "0.0.0.0", "port": 9443, "publicUrl": "https://laptop.lab.example:9443"}}"#,
        );
        let lab = DesktopSettings::load(dir.path()).unwrap().lab.unwrap();
        match lab.listener(dir.path()).unwrap().tls {
            TlsSource::SelfSigned { names, .. } => {
                assert_eq!(names, vec!["laptop.lab.example".to_owned()]);
            }
            other @ TlsSource::Files { .. } => panic!("{other:?}"),
        }
        write(
            r#"{"lab": {"bind": "192.0.2.10", "certificate": "/etc/lab.crt", "key": "/etc/lab.key"}}"#,
        );
        let lab = DesktopSettings::load(dir.path()).unwrap().lab.unwrap();
        assert!(matches!(
            lab.listener(dir.path()).unwrap().tls,
            TlsSource::Files { .. }
        ));
        for (json, says) in [
            (r#"{"lab": {"bind": "0.0.0.0"}}"#, "give lab.publicUrl"),
            (
                r#"{"lab": {"bind": "192.0.2.10", "certificate": "/etc/lab.crt"}}"#,
                "both certificate and key",
            ),
            (
                r#"{"lab": {"bind": "192.0.2.10", "publicUrl": "http://lab.example"}}"#,
                "must be https://",
            ),
            (
                r#"{"lab": {"bind": "192.0.2.10", "publicUrl": "https://lab.example/scim"}}"#,
                "lab.publicUrl",
            ),
            (r#"{"lab": {"bind": "192.0.2.10", "tls": true}}"#, "tls"),
        ] {
            write(json);
            let error = DesktopSettings::load(dir.path()).unwrap_err();
            assert!(error.contains(says), "{json}: {error}");
        }
    }
}
