//! Another console reached from this machine (the desktop app's connections), against a real
//! HTTPS server with a self-signed certificate: the probe shows its fingerprint without sending
//! a secret, a pinned client accepts that certificate and no other, the API token signs in, and
//! the loopback proxy serves the remote's UI and API to the window it let in — and to nothing
//! else.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use scim_console_core::Actor;
use scim_console_core::administrators::accounts::NewAdministrator;
use scim_console_core::administrators::api_tokens::NewApiToken;
use scim_console_core::administrators::roles::{Grant, Role};
use scim_console_server::Limits;
use scim_console_server::remote::certificate::{RemoteClient, probe};
use scim_console_server::remote::proxy::{Proxy, ProxyTarget};
use scim_console_server::remote::{Fingerprint, RemoteError, RemoteUrl, Secret, Trust};
use scim_console_server::tls::TlsSource;
use serde_json::{Value, json};

use crate::common::TestServer;

/// A console over self-signed HTTPS, its certificate's fingerprint, and an owner's API token.
async fn remote() -> (TestServer, Fingerprint, String) {
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
    let pem = std::fs::read(tls_dir.join("self-signed.crt")).unwrap();
    let der = CertificateDer::pem_slice_iter(&pem)
        .next()
        .unwrap()
        .unwrap();
    let fingerprint = Fingerprint::of(der.as_ref());
    s.store
        .create_administrator(
            &NewAdministrator {
                email: "ops@contoso.com".into(),
                name: "Ops".into(),
                grants: vec![Grant::everywhere(Role::Owner)],
            },
            &Actor::cli(),
        )
        .await
        .unwrap();
    let issued = s
        .store
        .create_api_token(
            "ops@contoso.com",
            &NewApiToken {
                name: "desktop".into(),
                roles: None,
                days: 30,
            },
            &Actor::cli(),
        )
        .await
        .unwrap();
    (s, fingerprint, issued.secret.expose().to_owned())
}

#[tokio::test]
async fn a_self_signed_console_is_pinned_by_fingerprint_and_any_other_certificate_refused() {
    let (s, fingerprint, token) = remote().await;
    let url = RemoteUrl::parse(&s.origin).unwrap();

    // The first look sends no secret and shows what `serve` printed.
    let seen = probe(&url).await.unwrap();
    assert_eq!(seen.version, env!("CARGO_PKG_VERSION"));
    let presented = seen.certificate.clone().unwrap();
    assert_eq!(presented.fingerprint, fingerprint);
    assert!(!presented.system_trusted);
    assert!(seen.needs_confirmation());

    // Not trusted by the system: refused, naming the fingerprint to compare.
    let system = RemoteClient::new(&url, &Trust::System, "test").unwrap();
    match system.version().await {
        Err(RemoteError::Untrusted { presented }) => assert_eq!(presented, fingerprint),
        other => panic!("{other:?}"),
    }
    // Pinned: accepted; the token signs in as its administrator; a wrong token is refused.
    let pinned = RemoteClient::new(&url, &Trust::Pinned(fingerprint.clone()), "test").unwrap();
    assert_eq!(pinned.version().await.unwrap(), env!("CARGO_PKG_VERSION"));
    assert_eq!(pinned.sign_in(&token).await.unwrap(), "ops@contoso.com");
    // What the tray shows of it: each configuration, its health and its SCIM base URL.
    let listed =
        scim_console_server::remote::summary::configurations(&pinned, &Secret::new(token.clone()))
            .await
            .unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].name, s.config.name);
    assert!(
        listed[0]
            .scim_base_url
            .ends_with(&format!("/scim/{}/v2", s.config.slug)),
        "{listed:?}"
    );
    assert_eq!(listed[0].state.as_deref(), Some("healthy"), "{listed:?}");
    let refused = pinned.sign_in("scap_wrong").await.unwrap_err();
    assert!(
        matches!(&refused, RemoteError::Refused(m) if m.contains("refused the API token")),
        "{refused}"
    );
    // Pinned to another certificate (the server's changed): refused, both named.
    let other = Fingerprint::parse(&"AB".repeat(32)).unwrap();
    let changed = RemoteClient::new(&url, &Trust::Pinned(other.clone()), "test").unwrap();
    match changed.sign_in(&token).await {
        Err(RemoteError::CertificateChanged { pinned, presented }) => {
            assert_eq!((pinned, presented), (other, fingerprint.clone()));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_proxy_shows_the_remote_to_the_window_it_let_in_and_to_nothing_else() {
    let (s, fingerprint, token) = remote().await;
    let url = RemoteUrl::parse(&s.origin).unwrap();
    let client = RemoteClient::new(&url, &Trust::Pinned(fingerprint), "test").unwrap();
    let version = client.version().await.unwrap();
    let proxy = Proxy::start(ProxyTarget {
        name: "Production".into(),
        colour: "#c92a2a".into(),
        client,
        token: Secret::new(token.clone()),
        version,
        home: "http://127.0.0.1:8444/connections".into(),
    })
    .await
    .unwrap();
    let origin = proxy.origin().to_owned();
    assert!(origin.starts_with("http://localhost:"), "{origin}");
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // Without the window's cookie: nothing.
    let outside = browser
        .get(format!("{origin}/api/configurations"))
        .send()
        .await
        .unwrap();
    assert_eq!(outside.status(), 403);
    // The one-time link lets the window in, once.
    let link = proxy.open_link();
    let opened = browser.get(&link).send().await.unwrap();
    assert_eq!(opened.status(), 303);
    assert_eq!(opened.headers()["location"], "/");
    let set = opened.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap().to_owned();
    assert!(!cookie.contains(&token));
    assert_eq!(browser.get(&link).send().await.unwrap().status(), 403);

    // With it: the remote's API, signed in with the token the page never held.
    let listed = browser
        .get(format!("{origin}/api/configurations"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);
    let listed: Value = listed.json().await.unwrap();
    assert!(listed.to_string().contains(&s.config.name), "{listed}");
    let me: Value = browser
        .get(format!("{origin}/api/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["administrator"]["email"], "ops@contoso.com", "{me}");
    // A change as the page makes it (its Origin is the proxy's): made on the remote, as Ops.
    let created = browser
        .post(format!("{origin}/api/configurations"))
        .header("cookie", &cookie)
        .header("origin", &origin)
        .json(&json!({"name": "Through the proxy"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());
    let audit: Value = browser
        .get(format!("{origin}/api/audit?limit=5"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        audit.to_string().contains("ops@contoso.com"),
        "the change is Ops's: {audit}"
    );
    // The UI itself comes through.
    let page = browser
        .get(format!("{origin}/configurations"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<div id=\"root\">"));
    // What the window's bar shows.
    let info: Value = browser
        .get(format!("{origin}/__scim-console/connection"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["name"], "Production");
    assert_eq!(info["url"], s.origin.as_str());
    assert_eq!(info["older"], false);

    // Another site's request, or another name for the same port (DNS rebinding): refused.
    let cross = browser
        .post(format!("{origin}/api/configurations"))
        .header("cookie", &cookie)
        .header("origin", "https://evil.example")
        .json(&json!({"name": "Forged"}))
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    let port = origin.rsplit(':').next().unwrap();
    let rebound = browser
        .get(format!("http://127.0.0.1:{port}/api/configurations"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(rebound.status(), 421);
    proxy.stop();
}

#[tokio::test]
async fn a_followed_console_hands_over_each_alert_it_raises() {
    use scim_console_core::NewToken;
    let s = TestServer::start().await;
    let (status, rule) = crate::common::parts(
        crate::common::send_json(
            s.admin(
                reqwest::Method::POST,
                &format!("/api/configurations/{}/alerts", s.config.id),
            ),
            &json!({"name": "Revoked token in use", "condition": {"kind": "revokedTokenUsed", "minutes": 30}}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{rule}");
    let url = RemoteUrl::parse(&s.origin).unwrap();
    let client = RemoteClient::new(&url, &Trust::System, "test").unwrap();
    let (sent, mut received) = tokio::sync::mpsc::unbounded_channel();
    let follower = tokio::spawn(scim_console_server::remote::alerts::follow(
        client,
        Secret::new(s.admin_token.clone()),
        scim_console_server::remote::alerts::Since::After(0),
        move |alert| {
            let _ = sent.send(alert);
        },
    ));
    // A revoked token keeps being used; the evaluation raises the alert.
    let issued = s
        .store
        .create_token(
            s.config.id,
            &NewToken {
                label: "old token".into(),
                expires: None,
            },
            &Actor::system(),
        )
        .await
        .unwrap();
    s.store
        .revoke_token(s.config.id, &issued.info.id, &Actor::system())
        .await
        .unwrap();
    let refused = s
        .client
        .get(format!("{}/Users", s.base()))
        .bearer_auth(issued.token.expose())
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    s.refusals(1).await;
    let evaluated = s
        .admin(reqwest::Method::POST, "/api/alerts/evaluate")
        .send()
        .await
        .unwrap();
    assert_eq!(evaluated.status(), 200);
    let alert = tokio::time::timeout(std::time::Duration::from_secs(10), received.recv())
        .await
        .expect("the alert within 10 s")
        .unwrap();
    assert_eq!(alert.rule_name, "Revoked token in use");
    let (title, _) = scim_console_server::alerting::notification(&alert);
    assert!(title.starts_with("Alert: Revoked token in use"), "{title}");
    // Caught up from the history and streamed too, it is handed over once.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(received.try_recv().is_err(), "an alert handed over twice");
    follower.abort();
}
