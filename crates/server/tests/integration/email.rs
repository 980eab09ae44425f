//! Alerts by email against a real SMTP server (npm's `smtp-server`, started by the test on a
//! loopback port with a certificate from a private authority): the relay is set through the
//! admin API (password sealed, never shown), a test email goes out over STARTTLS and over
//! implicit TLS with the sign-in, failures say why, and an alert rule's recipients get one
//! email when it is raised and one when it is resolved.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

use crate::common::{TestServer, parts, send_json};

/// A certificate authority, and a certificate for `localhost` it signed (PEM: CA, cert, key).
fn certificates() -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let cert = params.signed_by(&key, &issuer).unwrap();
    (ca.pem(), cert.pem(), key.serialize_pem())
}

/// The SMTP server, and what it received.
struct Smtp {
    port: u16,
    lines: Lines<BufReader<ChildStdout>>,
    _child: Child,
}

impl Smtp {
    async fn start(mode: &str, dir: &Path, cert: &str, key: &str) -> Self {
        let (cert_file, key_file) = (
            dir.join(format!("{mode}.crt")),
            dir.join(format!("{mode}.key")),
        );
        std::fs::write(&cert_file, cert).unwrap();
        std::fs::write(&key_file, key).unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/smtp/smtp-server.mjs");
        let mut child = Command::new("node")
            .arg(script)
            .env("SMTP_MODE", mode)
            .env("SMTP_CERT", &cert_file)
            .env("SMTP_KEY", &key_file)
            .env("SMTP_USER", "alerts@contoso.com")
            .env("SMTP_PASS", "relay-password-123")
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs tests/smtp/smtp-server.mjs (npm ci in ui/ installs smtp-server)");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first: Value =
            serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
        Self {
            port: u16::try_from(first["port"].as_u64().unwrap()).unwrap(),
            lines,
            _child: child,
        }
    }

    /// The next message received.
    async fn received(&mut self) -> Value {
        let line = tokio::time::timeout(Duration::from_secs(20), self.lines.next_line())
            .await
            .expect("an email within 20 s")
            .unwrap()
            .unwrap();
        serde_json::from_str(&line).unwrap()
    }
}

async fn put_relay(s: &TestServer, body: &Value) -> (u16, Value) {
    parts(send_json(s.admin(Method::PUT, "/api/settings/email"), body).await).await
}

async fn test_email(s: &TestServer) -> (u16, Value) {
    parts(
        send_json(
            s.admin(Method::POST, "/api/settings/email/test"),
            &json!({"to": "ops@contoso.com"}),
        )
        .await,
    )
    .await
}

#[tokio::test]
async fn alerts_are_emailed_through_a_real_smtp_relay() {
    let s = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificates();
    let mut starttls = Smtp::start("starttls", dir.path(), &cert, &key).await;

    // Nothing set yet.
    let (status, answer) = parts(
        s.admin(Method::GET, "/api/settings/email")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, &answer["relay"]), (200, &Value::Null));
    let (status, _) = test_email(&s).await;
    assert_eq!(status, 409);

    // STARTTLS with a sign-in, the relay's authority given: set, shown without the password.
    let relay = json!({
        "host": "localhost", "port": starttls.port, "security": "starttls",
        "username": "alerts@contoso.com", "password": "relay-password-123",
        "from": "scim-console@contoso.com", "trustedCertificate": ca,
    });
    let (status, shown) = put_relay(&s, &relay).await;
    assert_eq!(status, 200, "{shown}");
    assert_eq!(shown["passwordSet"], true);
    assert!(!shown.to_string().contains("relay-password-123"));
    let (status, answer) = test_email(&s).await;
    assert_eq!(status, 200, "{answer}");
    assert!(
        answer["detail"]
            .as_str()
            .unwrap()
            .starts_with("accepted by localhost:"),
        "{answer}"
    );
    let mail = starttls.received().await;
    assert_eq!(mail["to"], json!(["ops@contoso.com"]));
    assert_eq!(mail["from"], "scim-console@contoso.com");
    assert_eq!(
        (mail["user"].as_str(), mail["secure"].as_bool()),
        (Some("alerts@contoso.com"), Some(true))
    );
    assert!(
        mail["data"]
            .as_str()
            .unwrap()
            .contains("Subject: [SCIM Console] Test email"),
        "{mail}"
    );
    // The password is sealed in the database (its file and write-ahead log, on SQLite).
    let file = s.dir.path().join(scim_console_core::store::DATABASE_FILE);
    if file.exists() {
        let mut bytes = std::fs::read(&file).unwrap();
        bytes.extend(std::fs::read(file.with_extension("db-wal")).unwrap_or_default());
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            text.contains("scim-console@contoso.com"),
            "the relay is in these files"
        );
        assert!(!text.contains("relay-password-123"));
    }

    // Without the relay's authority its certificate is refused; a wrong password is refused.
    // Each says why, and neither names the password.
    let (status, _) = put_relay(
        &s,
        &json!({
            "host": "localhost", "port": starttls.port, "security": "starttls",
            "username": "alerts@contoso.com", "from": "scim-console@contoso.com",
        }),
    )
    .await;
    assert_eq!(status, 200);
    let (status, answer) = test_email(&s).await;
    assert_eq!(status, 502, "{answer}");
    assert!(
        answer["error"]["message"].as_str().unwrap().contains("TLS"),
        "{answer}"
    );
    let (status, _) = put_relay(
        &s,
        &json!({
            "host": "localhost", "port": starttls.port, "security": "starttls",
            "username": "alerts@contoso.com", "password": "not-it",
            "from": "scim-console@contoso.com", "trustedCertificate": ca,
        }),
    )
    .await;
    assert_eq!(status, 200);
    let (status, answer) = test_email(&s).await;
    assert_eq!(status, 502, "{answer}");
    assert!(!answer.to_string().contains("not-it"), "{answer}");
    // Bad input names its field.
    let (status, answer) = put_relay(
        &s,
        &json!({
            "host": "localhost", "port": 25, "security": "none", "from": "not an address",
        }),
    )
    .await;
    assert_eq!(
        (status, answer["error"]["field"].as_str()),
        (400, Some("from")),
        "{answer}"
    );
    let (status, answer) = put_relay(&s, &json!({
        "host": "localhost", "port": 25, "security": "tls", "from": "a@contoso.com",
        "trustedCertificate": "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----",
    }))
    .await;
    assert_eq!(
        (status, answer["error"]["field"].as_str()),
        (400, Some("trustedCertificate")),
        "{answer}"
    );

    // Implicit TLS (port 465 style), with the right password again.
    let mut implicit = Smtp::start("tls", dir.path(), &cert, &key).await;
    let (status, _) = put_relay(
        &s,
        &json!({
            "host": "localhost", "port": implicit.port, "security": "tls",
            "username": "alerts@contoso.com", "password": "relay-password-123",
            "from": "scim-console@contoso.com", "trustedCertificate": ca,
        }),
    )
    .await;
    assert_eq!(status, 200);
    let (status, answer) = test_email(&s).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(implicit.received().await["secure"], true);

    // An alert rule with recipients: one email when raised, one when resolved.
    let expires = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339();
    let (status, token) = parts(
        send_json(
            s.admin(
                Method::POST,
                &format!("/api/configurations/{}/tokens", s.config.id),
            ),
            &json!({"label": "Entra", "expires": expires}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{token}");
    let (status, rule) = parts(
        send_json(
            s.admin(
                Method::POST,
                &format!("/api/configurations/{}/alerts", s.config.id),
            ),
            &json!({"name": "Token expiring", "condition": {"kind": "tokenExpiring", "days": 14},
                    "emailTo": ["ops@contoso.com", "security@contoso.com"]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{rule}");
    assert_eq!(
        rule["emailTo"],
        json!(["ops@contoso.com", "security@contoso.com"])
    );
    let evaluate = || async {
        parts(
            s.admin(Method::POST, "/api/alerts/evaluate")
                .send()
                .await
                .unwrap(),
        )
        .await
        .1
    };
    let raised = evaluate().await;
    assert_eq!(raised[0]["kind"], "raised", "{raised}");
    let mail = implicit.received().await;
    assert_eq!(
        mail["to"],
        json!(["ops@contoso.com", "security@contoso.com"])
    );
    let data = mail["data"].as_str().unwrap();
    assert!(
        data.contains("Subject: [SCIM Console] Alert: Token expiring (default)"),
        "{data}"
    );
    assert!(data.contains("expires on"), "{data}");
    // Evaluated again while it holds: no second email (a digest, not a storm).
    assert_eq!(evaluate().await, json!([]));
    let token_id = token["id"].as_str().unwrap();
    let (status, _) = parts(
        s.admin(
            Method::DELETE,
            &format!("/api/configurations/{}/tokens/{token_id}", s.config.id),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert!(status == 200 || status == 204, "{status}");
    let resolved = evaluate().await;
    assert_eq!(resolved[0]["kind"], "resolved", "{resolved}");
    let mail = implicit.received().await;
    assert!(
        mail["data"]
            .as_str()
            .unwrap()
            .contains("Subject: [SCIM Console] Resolved: Token expiring"),
        "{mail}"
    );
    // The history says both were delivered.
    let mut history = Value::Null;
    for _ in 0..100 {
        history = parts(s.admin(Method::GET, "/api/alerts").send().await.unwrap())
            .await
            .1;
        if history
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["email"] == "delivered")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let delivered: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["email"].as_str().unwrap())
        .collect();
    assert_eq!(delivered, ["delivered", "delivered"], "{history}");

    // Each test email is in the audit log, with whom it went to and what came of it.
    let audit = parts(
        s.admin(Method::GET, "/api/audit?action=email.test")
            .send()
            .await
            .unwrap(),
    )
    .await
    .1;
    let entries = audit["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 4, "{audit}");
    assert!(
        entries.iter().all(|e| e["target"] == "ops@contoso.com"),
        "{audit}"
    );
    assert!(!audit.to_string().contains("relay-password-123"));
    // Removing the relay stops it.
    let (status, _) = parts(
        s.admin(Method::DELETE, "/api/settings/email")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(test_email(&s).await.0, 409);
    s.stop().await;
}
