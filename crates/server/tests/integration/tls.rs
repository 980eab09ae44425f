//! HTTPS with rustls: a self-signed certificate kept in the data directory, TLS 1.3 and 1.2
//! accepted, the SCIM endpoint answering over it, and non-loopback binding allowed only with TLS.
#![allow(clippy::unwrap_used)] // Test code: a failure is a test failure.

use std::sync::Arc;

use crate::common::TestServer;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use scim_console_server::Limits;
use scim_console_server::tls::TlsSource;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::TlsConnector;

/// Sends one HTTP/1.1 request over TLS with only `versions` allowed; returns the protocol
/// version negotiated and the response head.
async fn https_get(
    port: u16,
    cert_pem: &[u8],
    versions: &[&'static rustls::SupportedProtocolVersion],
    path: &str,
    token: &str,
) -> (rustls::ProtocolVersion, String) {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(cert_pem) {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(versions)
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let mut tls = TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("localhost").unwrap(), stream)
        .await
        .unwrap();
    let version = tls.get_ref().1.protocol_version().unwrap();
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: localhost:{port}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    );
    tls.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    let _ = tls.read_to_end(&mut response).await;
    (version, String::from_utf8_lossy(&response).into_owned())
}

#[tokio::test]
async fn self_signed_https_serves_tls13_and_tls12() {
    let dir = tempfile::tempdir().unwrap();
    let tls_dir = dir.path().join("tls");
    let s = TestServer::start_tls(
        dir,
        Limits::default(),
        Some(TlsSource::SelfSigned {
            dir: tls_dir.clone(),
            names: vec![],
        }),
    )
    .await;
    assert!(s.origin.starts_with("https://127.0.0.1:"));
    let port: u16 = s.origin.rsplit(':').next().unwrap().parse().unwrap();
    let cert = std::fs::read(tls_dir.join("self-signed.crt")).unwrap();
    let path = format!("/scim/{}/v2/ServiceProviderConfig", s.config.slug);

    let (version, response) =
        https_get(port, &cert, &[&rustls::version::TLS13], &path, &s.token).await;
    assert_eq!(version, rustls::ProtocolVersion::TLSv1_3);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.contains(&format!(
            "\"location\":\"https://localhost:{port}/scim/{}/v2/ServiceProviderConfig\"",
            s.config.slug
        )),
        "{response}"
    );

    let (version, response) =
        https_get(port, &cert, &[&rustls::version::TLS12], &path, &s.token).await;
    assert_eq!(version, rustls::ProtocolVersion::TLSv1_2);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");

    let (_, unauthorized) =
        https_get(port, &cert, &[&rustls::version::TLS13], &path, "wrong").await;
    assert!(unauthorized.starts_with("HTTP/1.1 401"), "{unauthorized}");
    s.stop().await;
}

#[tokio::test]
async fn with_tls_other_addresses_may_be_bound() {
    let dir = tempfile::tempdir().unwrap();
    let store = scim_console_core::Store::open(dir.path()).await.unwrap();
    let options = scim_console_server::ServeOptions {
        bind: "0.0.0.0".parse().unwrap(),
        port: 0,
        limits: Limits::default(),
        tls: Some(TlsSource::SelfSigned {
            dir: dir.path().join("tls"),
            names: vec!["scim.example.test".into()],
        }),
        ..scim_console_server::ServeOptions::default()
    };
    let server = scim_console_server::Server::bind(store, options)
        .await
        .unwrap();
    assert!(server.origin().starts_with("https://0.0.0.0:"));
    assert_eq!(server.tls_fingerprint().unwrap().len(), 32 * 3 - 1);
}

/// `openssl s_client` offering exactly `args` to the server: whether a handshake completed.
fn openssl_handshake(port: u16, args: &[&str]) -> bool {
    let out = std::process::Command::new("openssl")
        .args(["s_client", "-connect", &format!("127.0.0.1:{port}"), "-brief"])
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("the openssl command line tool (Debian package openssl; `cargo xtask test` installs it)");
    let said = String::from_utf8_lossy(&out.stderr);
    said.contains("CONNECTION ESTABLISHED")
}

#[tokio::test]
async fn old_protocols_and_weak_cipher_suites_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let tls_dir = dir.path().join("tls");
    let s = TestServer::start_tls(
        dir,
        Limits::default(),
        Some(TlsSource::SelfSigned {
            dir: tls_dir,
            names: vec![],
        }),
    )
    .await;
    let port: u16 = s.origin.rsplit(':').next().unwrap().parse().unwrap();
    let handshake = move |args: Vec<&'static str>| {
        tokio::task::spawn_blocking(move || openssl_handshake(port, &args))
    };
    // The client can reach it at all (so the refusals below mean something).
    assert!(handshake(vec!["-tls1_3"]).await.unwrap(), "TLS 1.3");
    assert!(
        handshake(vec!["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"])
            .await
            .unwrap(),
        "TLS 1.2 with a modern suite"
    );
    for (what, args) in [
        ("TLS 1.1", vec!["-tls1_1", "-cipher", "ALL:@SECLEVEL=0"]),
        ("TLS 1.0", vec!["-tls1", "-cipher", "ALL:@SECLEVEL=0"]),
        (
            "CBC suites",
            vec![
                "-tls1_2",
                "-cipher",
                "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-ECDSA-AES128-SHA256",
            ],
        ),
        (
            "RSA key exchange",
            vec![
                "-tls1_2",
                "-cipher",
                "AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA",
            ],
        ),
        (
            "3DES and RC4",
            vec!["-tls1_2", "-cipher", "DES-CBC3-SHA:RC4-SHA:@SECLEVEL=0"],
        ),
        (
            "no forward secrecy",
            vec!["-tls1_2", "-cipher", "kRSA:@SECLEVEL=0"],
        ),
    ] {
        assert!(!handshake(args).await.unwrap(), "{what} must be refused");
    }
    s.stop().await;
}

#[tokio::test]
async fn a_connection_that_never_starts_its_handshake_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let tls_dir = dir.path().join("tls");
    let s = TestServer::start_tls(
        dir,
        Limits {
            header_read_timeout: std::time::Duration::from_secs(1),
            ..Limits::default()
        },
        Some(TlsSource::SelfSigned {
            dir: tls_dir,
            names: vec![],
        }),
    )
    .await;
    let addr = s.origin.trim_start_matches("https://").to_owned();
    let mut silent = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let mut answer = Vec::new();
    let closed = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        tokio::io::AsyncReadExt::read_to_end(&mut silent, &mut answer),
    )
    .await;
    assert!(closed.is_ok(), "a silent TLS connection was left open");
    s.stop().await;
}

#[tokio::test]
async fn a_second_listener_serves_the_same_console_over_tls_and_names_the_scim_base_urls() {
    use scim_console_core::{Actor, NewConfiguration, NewToken};
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let store = scim_console_core::Store::open(dir.path()).await.unwrap();
    let config = store
        .create_configuration(NewConfiguration::named("lab"), &Actor::system())
        .await
        .unwrap();
    let token = store
        .create_token(config.id, &NewToken::default(), &Actor::system())
        .await
        .unwrap()
        .token
        .expose()
        .to_owned();
    let tls_dir = dir.path().join("tls");
    let server = scim_console_server::Server::bind(
        store,
        scim_console_server::ServeOptions {
            port: 0,
            also: Some(scim_console_server::server::ExtraListener {
                bind: "127.0.0.1".parse().unwrap(),
                port: 0,
                tls: TlsSource::SelfSigned {
                    dir: tls_dir.clone(),
                    names: vec![],
                },
            }),
            ..scim_console_server::ServeOptions::default()
        },
    )
    .await
    .unwrap();
    // The window's listener stays plain HTTP on loopback; the lab's is TLS, and is the address
    // others are given.
    let origin = server.origin();
    assert!(origin.starts_with("http://127.0.0.1:"), "{origin}");
    let lab = server.extra_addr().unwrap();
    assert_eq!(
        server.public_origin(),
        format!("https://127.0.0.1:{}", lab.port())
    );
    assert!(server.tls_fingerprint().is_some());
    let admin = server.admin_token().expose().to_owned();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(server.run(async {
        let _ = stopped.await;
    }));

    let health = reqwest::get(format!("{origin}/api/health")).await.unwrap();
    assert_eq!(health.status(), 200);
    let cert = std::fs::read(tls_dir.join("self-signed.crt")).unwrap();
    let scim = format!("/scim/{}/v2/ServiceProviderConfig", config.slug);
    let (_, answered) =
        https_get(lab.port(), &cert, &[&rustls::version::TLS13], &scim, &token).await;
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
    // The admin API answers there too, and gives the lab's address as the SCIM base URL.
    let (_, listed) = https_get(
        lab.port(),
        &cert,
        &[&rustls::version::TLS13],
        "/api/configurations",
        &admin,
    )
    .await;
    assert!(listed.starts_with("HTTP/1.1 200"), "{listed}");
    assert!(
        listed.contains(&format!(
            "https://127.0.0.1:{}/scim/{}/v2",
            lab.port(),
            config.slug
        )),
        "{listed}"
    );
    // Plain HTTP on the lab's port gets no answer of the console's.
    let plain = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{}/api/health", lab.port()))
        .timeout(std::time::Duration::from_secs(5))
        .send()
        .await;
    assert!(plain.is_err() || plain.unwrap().status() != 200);
    // Stopping stops both.
    let _ = stop.send(());
    running.await.unwrap().unwrap();
    assert!(tokio::net::TcpStream::connect(lab).await.is_err());
}
