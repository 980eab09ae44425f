//! OAuth clients that authenticate with a signed JWT (RFC 7523, IPSIE AL §4.1), over real
//! HTTP: registration with a JWK Set or a JWKS URL, the assertion's checks (signature,
//! audience, expiry, replay), short-lived access tokens, and a configuration that lets in
//! nothing else.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::{TestServer, parts};
use axum::response::IntoResponse as _;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Method;
use scim_console_core::time::ManualClock;
use serde_json::{Value, json};

/// P-256 key pairs made for these tests: PKCS#8 DER (base64) and the public JWK's x and y.
const KEY_1: (&str, &str, &str) = (
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgY02xQeUkN6F/48Nz5/CtcJBBDHV3bPQ7nY2fNrS7FO6hRANCAARlI+xoJ7YqAIrlioriodZOoLeAS//kR4HYDBbBiESQMyNEU9LpDGoTZn+5ee7HAK2uvGsvPn/Q+SDhdvmR2JDo",
    "ZSPsaCe2KgCK5YqK4qHWTqC3gEv_5EeB2AwWwYhEkDM",
    "I0RT0ukMahNmf7l57scAra68ay8-f9D5IOF2-ZHYkOg",
);
const KEY_2: (&str, &str, &str) = (
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgS0FYAwnMAHZSu+rNOnjQ80I55dLBY/DOJ7tMYtl7+7ihRANCAASPfEV4h7oMXobnAjIno4JG0L+Hf+EHY3681+fCbMgkqsJwXTf2J6wdNuB6DfWFeMZIs3978FwcrUpjDLruUxoL",
    "j3xFeIe6DF6G5wIyJ6OCRtC_h3_hB2N-vNfnwmzIJKo",
    "wnBdN_YnrB024HoN9YV4xkizf3vwXBytSmMMuu5TGgs",
);
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

fn jwk(key: (&str, &str, &str), kid: &str) -> Value {
    json!({"kty": "EC", "crv": "P-256", "x": key.1, "y": key.2, "kid": kid, "use": "sig", "alg": "ES256"})
}

/// A client assertion signed with `key`.
fn sign(key: (&str, &str, &str), kid: &str, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(kid.to_owned());
    let der = base64::engine::general_purpose::STANDARD
        .decode(key.0)
        .unwrap();
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_ec_der(&der)).unwrap()
}

/// Seconds since the epoch by the server's clock.
fn now(s: &TestServer) -> i64 {
    s.store.now_us() / 1_000_000
}

/// The claims of a fresh assertion of `client` for the test server.
fn claims(s: &TestServer, client: &str) -> Value {
    json!({
        "iss": client,
        "sub": client,
        "aud": format!("{}/scim/{}", s.origin, s.config.slug),
        "exp": now(s) + 120,
        "iat": now(s),
        "jti": uuid_like(),
    })
}

fn uuid_like() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "jti-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    )
}

/// Registers a client through the admin API; answers its status and body.
async fn register(s: &TestServer, body: &Value) -> (u16, Value) {
    parts(
        s.admin(
            Method::POST,
            &format!("/api/configurations/{}/oauth-clients", s.config.id),
        )
        .json(body)
        .send()
        .await
        .unwrap(),
    )
    .await
}

/// A token request with these form parameters.
/// A token request, each from its own loopback address (127.0.0.2, .3, …): these tests send
/// many refused assertions on purpose, which from one address would meet its backoff.
async fn token(s: &TestServer, pairs: &[(&str, &str)]) -> (u16, Value) {
    static NEXT: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(2);
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    let from = std::net::Ipv4Addr::new(
        127,
        0,
        0,
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            .max(2),
    );
    let client =
        scim_console_server::outbound::http::builder("test", std::time::Duration::from_secs(30))
            .local_address(std::net::IpAddr::V4(from))
            .build()
            .unwrap();
    parts(
        client
            .post(format!("{}/scim/{}/oauth/token", s.origin, s.config.slug))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// A client_credentials request authenticated with `assertion`.
async fn with_assertion(s: &TestServer, assertion: &str) -> (u16, Value) {
    token(
        s,
        &[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", assertion),
        ],
    )
    .await
}

async fn users_with(s: &TestServer, bearer: &str) -> (u16, Value) {
    parts(
        s.client
            .get(format!("{}/Users?count=1", s.base()))
            .bearer_auth(bearer)
            .send()
            .await
            .unwrap(),
    )
    .await
}

fn says(body: &Value, words: &str) -> bool {
    body.to_string().contains(words)
}

#[tokio::test]
async fn a_client_with_registered_keys_gets_a_short_lived_token_for_each_fresh_assertion() {
    let s = TestServer::start().await;
    let (status, client) = register(
        &s,
        &json!({"label": "IPSIE", "jwks": {"keys": [jwk(KEY_1, "one")]}}),
    )
    .await;
    assert_eq!(status, 201, "{client}");
    assert_eq!(client["authMethod"], "privateKeyJwt");
    assert_eq!(client["clientSecret"], Value::Null);
    assert_eq!(
        client["issuer"],
        format!("{}/scim/{}", s.origin, s.config.slug)
    );
    assert_eq!(client["jwks"]["keys"][0]["kid"], "one");
    let id = client["clientId"].as_str().unwrap().to_owned();

    let assertion = sign(KEY_1, "one", &claims(&s, &id));
    let (status, grant) = with_assertion(&s, &assertion).await;
    assert_eq!(status, 200, "{grant}");
    assert_eq!(grant["expires_in"], 300, "short-lived: {grant}");
    assert_eq!(grant["scope"], "scim");
    assert!(grant.get("refresh_token").is_none(), "{grant}");
    let access = grant["access_token"].as_str().unwrap();
    assert_eq!(users_with(&s, access).await.0, 200);

    // The same assertion again: a replay.
    let (status, replay) = with_assertion(&s, &assertion).await;
    assert_eq!((status, &replay["error"]), (401, &json!("invalid_client")));
    assert!(says(&replay, "already used"), "{replay}");

    // The token endpoint URL is an audience too; client_id may be sent when it matches.
    let mut to_endpoint = claims(&s, &id);
    to_endpoint["aud"] = json!(format!("{}/scim/{}/oauth/token", s.origin, s.config.slug));
    let (status, grant) = token(
        &s,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", &sign(KEY_1, "one", &to_endpoint)),
        ],
    )
    .await;
    assert_eq!(status, 200, "{grant}");

    // A revoked JWT client's token stops at once; new assertions are refused.
    let (status, _) = parts(
        s.admin(
            Method::DELETE,
            &format!("/api/configurations/{}/oauth-clients/{id}", s.config.id),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(users_with(&s, access).await.0, 401);
    let (status, error) = with_assertion(&s, &sign(KEY_1, "one", &claims(&s, &id))).await;
    assert_eq!(status, 401, "{error}");

    // Registration refuses private keys, both kinds of keys at once, and plain-HTTP URLs.
    let mut private = jwk(KEY_1, "p");
    private["d"] = json!("c2VjcmV0");
    for (body, field) in [
        (json!({"jwks": {"keys": [private]}}), "jwks"),
        (
            json!({"jwks": jwk(KEY_1, "k"), "jwksUri": "https://idp.example.com/jwks"}),
            "jwksUri",
        ),
        (json!({"jwksUri": "http://idp.example.com/jwks"}), "jwksUri"),
    ] {
        let (status, error) = register(&s, &body).await;
        assert_eq!(status, 400, "{body}: {error}");
        assert_eq!(error["error"]["field"], field, "{error}");
    }
    s.stop().await;
}

/// Registers a client with KEY_1 ("one") through the admin API; answers its id.
async fn jwt_client(s: &TestServer) -> String {
    let (status, client) = register(s, &json!({"jwks": {"keys": [jwk(KEY_1, "one")]}})).await;
    assert_eq!(status, 201, "{client}");
    client["clientId"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn every_broken_assertion_or_request_is_refused_saying_what_is_wrong() {
    let s = TestServer::start().await;
    let id = jwt_client(&s).await;
    // Each broken assertion is refused with what is wrong.
    let broken = |change: &dyn Fn(&mut Value)| {
        let mut c = claims(&s, &id);
        change(&mut c);
        c
    };
    let cases: Vec<(String, &str)> = vec![
        (
            sign(KEY_2, "one", &claims(&s, &id)),
            "signature does not verify",
        ),
        (sign(KEY_1, "two", &claims(&s, &id)), "kid"),
        (
            sign(
                KEY_1,
                "one",
                &broken(&|c| c["aud"] = json!("https://elsewhere/token")),
            ),
            "aud must name",
        ),
        (
            sign(KEY_1, "one", &broken(&|c| c["exp"] = json!(now(&s) - 300))),
            "expired",
        ),
        (
            sign(
                KEY_1,
                "one",
                &broken(&|c| c["exp"] = json!(now(&s) + 86_400)),
            ),
            "at most 3600 s",
        ),
        (
            sign(
                KEY_1,
                "one",
                &broken(&|c| {
                    c.as_object_mut().unwrap().remove("jti");
                }),
            ),
            "no jti",
        ),
        (
            sign(
                KEY_1,
                "one",
                &broken(&|c| c["sub"] = json!("scimc_someoneelse")),
            ),
            "iss and sub differ",
        ),
        (
            sign(KEY_1, "one", &claims(&s, "scimc_unknown0")),
            "unknown or revoked client",
        ),
        ("not.a.jwt".into(), "client_assertion refused"),
    ];
    for (assertion, expect) in cases {
        let (status, error) = with_assertion(&s, &assertion).await;
        assert_eq!(status, 401, "{expect}: {error}");
        assert_eq!(error["error"], "invalid_client", "{error}");
        assert!(says(&error, expect), "{error} should say {expect}");
    }
    // Malformed requests.
    let fresh = sign(KEY_1, "one", &claims(&s, &id));
    let (status, error) = token(
        &s,
        &[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", "urn:example:saml"),
            ("client_assertion", &fresh),
        ],
    )
    .await;
    assert_eq!((status, &error["error"]), (400, &json!("invalid_request")));
    let (status, error) = token(
        &s,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", "scimrt_x"),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", &fresh),
        ],
    )
    .await;
    assert_eq!((status, &error["error"]), (400, &json!("invalid_grant")));
    let (status, error) = token(
        &s,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "scimc_other000"),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", &fresh),
        ],
    )
    .await;
    assert_eq!((status, &error["error"]), (401, &json!("invalid_client")));

    // A secret client cannot present an assertion, nor a JWT client a secret.
    let (_, secret_client) = register(&s, &json!({"label": "secret"})).await;
    let secret_id = secret_client["clientId"].as_str().unwrap().to_owned();
    let (status, error) = with_assertion(&s, &sign(KEY_1, "one", &claims(&s, &secret_id))).await;
    assert_eq!(status, 401, "{error}");
    assert!(says(&error, "client secret"), "{error}");
    let (status, _) = token(
        &s,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            (
                "client_secret",
                secret_client["clientSecret"].as_str().unwrap(),
            ),
        ],
    )
    .await;
    assert_eq!(status, 401);

    s.stop().await;
}

#[tokio::test]
async fn a_configuration_requiring_signed_jwts_refuses_bearer_tokens_and_client_secrets() {
    let s = TestServer::start().await;
    let (_, secret_client) = register(&s, &json!({"label": "secret"})).await;
    let secret_id = secret_client["clientId"].as_str().unwrap().to_owned();
    let secret = secret_client["clientSecret"].as_str().unwrap().to_owned();
    let by_secret = [
        ("grant_type", "client_credentials"),
        ("client_id", secret_id.as_str()),
        ("client_secret", secret.as_str()),
    ];
    let (status, grant) = token(&s, &by_secret).await;
    assert_eq!(status, 200, "{grant}");
    let secret_access = grant["access_token"].as_str().unwrap().to_owned();
    let (_, jwt_client) = register(&s, &json!({"jwks": jwk(KEY_1, "one")})).await;
    let jwt_id = jwt_client["clientId"].as_str().unwrap().to_owned();

    let (status, updated) = parts(
        s.admin(
            Method::PATCH,
            &format!("/api/configurations/{}", s.config.id),
        )
        .json(&json!({"clientAuthentication": "privateKeyJwt"}))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["clientAuthentication"], "privateKeyJwt");

    // The bearer token and the secret client's access token no longer open the endpoint.
    for bearer in [s.token.as_str(), secret_access.as_str()] {
        let (status, error) = users_with(&s, bearer).await;
        assert_eq!(status, 401, "{error}");
        assert!(says(&error, "signed JWT"), "{error}");
    }
    let (status, error) = token(&s, &by_secret).await;
    assert_eq!((status, &error["error"]), (401, &json!("invalid_client")));
    assert!(says(&error, "signed JWT"), "{error}");
    let (status, error) = register(&s, &json!({"label": "another secret"})).await;
    assert_eq!(status, 400, "{error}");
    assert!(says(&error, "signed JWT"), "{error}");

    // The JWT client gets in.
    let (status, grant) = with_assertion(&s, &sign(KEY_1, "one", &claims(&s, &jwt_id))).await;
    assert_eq!(status, 200, "{grant}");
    let (status, users) = users_with(&s, grant["access_token"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{users}");

    // Discovery says so.
    let (status, spc) = parts(
        s.client
            .get(format!("{}/ServiceProviderConfig", s.base()))
            .bearer_auth(grant["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{spc}");
    assert_eq!(spc["authenticationSchemes"][0]["type"], "oauth2", "{spc}");
    let (status, metadata) = parts(
        s.client
            .get(format!(
                "{}/scim/{}/.well-known/oauth-authorization-server",
                s.origin, s.config.slug
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        metadata["token_endpoint_auth_methods_supported"],
        json!(["private_key_jwt"])
    );
    assert_eq!(
        metadata["grant_types_supported"],
        json!(["client_credentials"])
    );
    assert!(
        metadata["token_endpoint_auth_signing_alg_values_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("ES256"))
    );
    s.stop().await;
}

/// A JWKS server on loopback whose keys the test changes, counting fetches.
struct KeyServer {
    url: String,
    keys: Arc<Mutex<Value>>,
    fetches: Arc<AtomicUsize>,
}

async fn key_server(keys: Value) -> KeyServer {
    let keys = Arc::new(Mutex::new(keys));
    let fetches = Arc::new(AtomicUsize::new(0));
    let (served, counted) = (keys.clone(), fetches.clone());
    let app = axum::Router::new().route(
        "/jwks.json",
        axum::routing::get(move || {
            let (served, counted) = (served.clone(), counted.clone());
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
                let keys = served.lock().unwrap().clone();
                if keys.is_null() {
                    (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "down").into_response()
                } else {
                    axum::Json(keys).into_response()
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    KeyServer { url, keys, fetches }
}

#[tokio::test]
async fn keys_published_at_a_url_are_fetched_kept_and_fetched_again_when_rotated() {
    let clock = Arc::new(ManualClock::starting_now());
    let s = TestServer::start_with_clock(clock.clone()).await;
    let keys = key_server(json!({"keys": [jwk(KEY_1, "one")]})).await;
    let (status, client) = register(&s, &json!({"label": "by URL", "jwksUri": keys.url})).await;
    assert_eq!(status, 201, "{client}");
    assert_eq!(client["jwksUri"], keys.url.as_str());
    let id = client["clientId"].as_str().unwrap().to_owned();

    for _ in 0..2 {
        let (status, grant) = with_assertion(&s, &sign(KEY_1, "one", &claims(&s, &id))).await;
        assert_eq!(status, 200, "{grant}");
    }
    assert_eq!(
        keys.fetches.load(Ordering::SeqCst),
        1,
        "kept between assertions"
    );

    // The client rotates to a new key: an unknown kid fetches the set again, but not more
    // often than every 30 seconds.
    *keys.keys.lock().unwrap() = json!({"keys": [jwk(KEY_2, "two")]});
    let rotated = || sign(KEY_2, "two", &claims(&s, &id));
    let (status, error) = with_assertion(&s, &rotated()).await;
    assert_eq!(status, 401, "{error}");
    assert!(says(&error, "kid"), "{error}");
    assert_eq!(keys.fetches.load(Ordering::SeqCst), 1);
    clock.advance(Duration::from_secs(31));
    let (status, grant) = with_assertion(&s, &rotated()).await;
    assert_eq!(status, 200, "{grant}");
    assert_eq!(keys.fetches.load(Ordering::SeqCst), 2);
    // The old key is gone from the set.
    let (status, _) = with_assertion(&s, &sign(KEY_1, "one", &claims(&s, &id))).await;
    assert_eq!(status, 401);

    // The URL fails: keys fetched within a day still serve; a client never fetched is
    // refused saying why.
    *keys.keys.lock().unwrap() = Value::Null;
    clock.advance(Duration::from_secs(600));
    let (status, grant) = with_assertion(&s, &rotated()).await;
    assert_eq!(status, 200, "{grant}");
    let down = key_server(Value::Null).await;
    let (_, other) = register(&s, &json!({"jwksUri": down.url})).await;
    let other_id = other["clientId"].as_str().unwrap().to_owned();
    let (status, error) = with_assertion(&s, &sign(KEY_1, "one", &claims(&s, &other_id))).await;
    assert_eq!(status, 401, "{error}");
    assert!(says(&error, "could not be read"), "{error}");
    assert!(says(&error, "500"), "{error}");
    s.stop().await;
}
