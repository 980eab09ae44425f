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

#[tokio::test]
async fn a_browser_sign_in_brings_back_a_code_this_machine_exchanges_for_a_token_of_its_own() {
    use scim_console_server::remote::browser_sign_in::BrowserSignIn;
    let (s, fingerprint, _) = remote().await;
    let url = RemoteUrl::parse(&s.origin).unwrap();
    let pinned = RemoteClient::new(&url, &Trust::Pinned(fingerprint.clone()), "test").unwrap();
    // This console has no identity provider: the probe says so, and its sign-in page too.
    assert_eq!(probe(&url).await.unwrap().provider, None);
    let started = BrowserSignIn::start(&url, "ada-laptop").await.unwrap();
    let page = reqwest::Url::parse(started.url()).unwrap();
    assert!(page.path().ends_with("/api/sign-in/oidc/desktop"), "{page}");
    let no_provider = pinned
        .request(
            reqwest::Method::GET,
            &format!("api/sign-in/oidc/desktop?{}", page.query().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(no_provider.status(), 404);
    assert!(
        no_provider
            .text()
            .await
            .unwrap()
            .contains("connect with a personal API token instead")
    );
    let asked: std::collections::HashMap<String, String> =
        page.query_pairs().into_owned().collect();
    let back = reqwest::Url::parse(&asked["redirect_uri"]).unwrap();
    assert_eq!(back.host_str(), Some("127.0.0.1"));
    assert_eq!(asked["code_challenge_method"], "S256");
    assert_eq!(asked["device"], "ada-laptop");

    // What the console does once its provider vouched for Ops: a code bound to the challenge.
    let ops = s.store.administrator("ops@contoso.com").await.unwrap();
    let code = s
        .store
        .issue_device_code(&ops.id, &asked["code_challenge"], &asked["device"])
        .await
        .unwrap();
    let browser = reqwest::Client::new();
    // Whoever comes to the listener without this sign-in's state is turned away.
    let forged = browser
        .get(with(
            &back,
            &[("code", code.expose()), ("state", "not-the-state")],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 400);
    // The browser comes back; the code and the verifier buy a token; the tab says so.
    let waiting = tokio::spawn({
        let pinned = pinned.clone();
        async move { started.finish(&pinned).await }
    });
    let arrived = browser
        .get(with(
            &back,
            &[("code", code.expose()), ("state", asked["state"].as_str())],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(arrived.status(), 200);
    assert!(arrived.text().await.unwrap().contains("Signed in"));
    let token = waiting.await.unwrap().unwrap();
    assert_eq!(
        pinned.sign_in(token.expose()).await.unwrap(),
        "ops@contoso.com"
    );
    let mine = s.store.api_tokens_of(&ops.id).await.unwrap();
    assert!(
        mine.iter().any(|t| t.name == "SCIM Console on ada-laptop"),
        "{mine:?}"
    );
    // The code works once, and only with the verifier.
    let again = pinned
        .request(reqwest::Method::POST, "api/sign-in/desktop/token")
        .json(&json!({"code": code.expose(), "codeVerifier": "whatever"}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 401);
    let other = s
        .store
        .issue_device_code(&ops.id, &asked["code_challenge"], "ada-laptop")
        .await
        .unwrap();
    let wrong = pinned
        .request(reqwest::Method::POST, "api/sign-in/desktop/token")
        .json(&json!({"code": other.expose(), "codeVerifier": "not-the-apps-verifier"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let said: Value = wrong.json().await.unwrap();
    assert!(
        said["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not valid"),
        "{said}"
    );

    // A sign-in the console refused comes back with why; the app says it, and so does the tab.
    let refused = BrowserSignIn::start(&url, "ada-laptop").await.unwrap();
    let asked: std::collections::HashMap<String, String> = reqwest::Url::parse(refused.url())
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    let waiting = tokio::spawn({
        let pinned = pinned.clone();
        async move { refused.finish(&pinned).await }
    });
    let tab = browser
        .get(with(
            &reqwest::Url::parse(&asked["redirect_uri"]).unwrap(),
            &[
                ("error", "access_denied"),
                (
                    "error_description",
                    "no active administrator of this console has that email",
                ),
                ("state", asked["state"].as_str()),
            ],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(tab.status(), 403);
    assert!(
        tab.text()
            .await
            .unwrap()
            .contains("no active administrator")
    );
    let why = waiting.await.unwrap().unwrap_err();
    assert!(why.to_string().contains("no active administrator"), "{why}");
}

/// `url` with `pairs` as its query.
fn with(url: &reqwest::Url, pairs: &[(&str, &str)]) -> reqwest::Url {
    let mut url = url.clone();
    url.query_pairs_mut().extend_pairs(pairs);
    url
}
