//! Administrators' own credentials over HTTP: an owner invites an administrator (a one-time
//! link), who sets a password with TOTP and signs in with them — a code works once, five
//! failures in a row lock the account, an address guessing at many accounts backs off; personal
//! API tokens carry no more than their administrator's roles and stop when revoked or when the
//! administrator is disabled; sessions are listed and revoked, on every instance on
//! PostgreSQL; every change names the person in the audit log.

use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::Method;
use scim_console_core::Actor;
use scim_console_core::administrators::accounts::NewAdministrator;
use scim_console_core::administrators::roles::{Grant, Role};
use serde_json::{Value, json};

use crate::common::{TestServer, parts};

/// A request with a cookie or a bearer credential.
async fn call(
    s: &TestServer,
    credential: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = s.client.request(method, format!("{}{path}", s.origin));
    request = if credential.starts_with("scap_") {
        request.bearer_auth(credential)
    } else {
        request.header("cookie", credential)
    };
    if let Some(body) = body {
        request = request.json(&body);
    }
    parts(request.send().await.unwrap()).await
}

/// The first owner's session (created as `scim-console admin create` does, signed in with its
/// one-time link).
async fn first_owner(s: &TestServer) -> String {
    s.store
        .create_administrator(
            &NewAdministrator {
                email: "owner@contoso.com".into(),
                name: "Olivia Owner".into(),
                grants: vec![Grant::everywhere(Role::Owner)],
            },
            &Actor::cli(),
        )
        .await
        .unwrap();
    let link = s
        .store
        .create_sign_in_link("owner@contoso.com", &Actor::cli())
        .await
        .unwrap();
    redeem(s, link.code.expose()).await
}

/// Signs in with a link's code; the session cookie.
async fn redeem(s: &TestServer, code: &str) -> String {
    let signed = s
        .client
        .post(format!("{}/api/sign-in/link", s.origin))
        .json(&json!({"code": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status(), 200);
    signed.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

/// The owner (`owner`, a cookie) invites `email` with `grants` on `on`; the invited
/// administrator's session, opened with its link on `at`.
async fn invite(
    on: &TestServer,
    at: &TestServer,
    owner: &str,
    email: &str,
    grants: Value,
) -> String {
    let (status, invited) = call(
        on,
        owner,
        Method::POST,
        "/api/administrators",
        Some(json!({"email": email, "grants": grants})),
    )
    .await;
    assert_eq!(status, 201, "{invited}");
    let url = invited["link"]["url"].as_str().unwrap();
    redeem(at, url.split_once("#code=").unwrap().1).await
}

fn code_at(secret: &str, seconds: u64) -> String {
    let totp = totp_rs::Builder::new()
        .with_secret(totp_rs::Secret::try_from_base32(secret).unwrap())
        .build()
        .unwrap();
    totp.generate(seconds).to_string()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

async fn password_sign_in(
    s: &TestServer,
    email: &str,
    password: &str,
    code: &str,
) -> reqwest::Response {
    s.client
        .post(format!("{}/api/sign-in/password", s.origin))
        .json(&json!({"email": email, "password": password, "code": code}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_invited_administrator_sets_a_password_with_totp_and_signs_in_with_them() {
    let s = TestServer::start().await;
    let owner = first_owner(&s).await;
    // Who am I: the owner, through a session, with every area.
    let (status, me) = call(&s, &owner, Method::GET, "/api/me", None).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["administrator"]["email"], "owner@contoso.com");
    assert_eq!(me["via"], "session");
    assert!(
        me["areas"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["write"] == true || a["area"] == "audit")
    );
    // The owner invites an editor: the answer holds a one-time link.
    let (status, invited) = call(
        &s,
        &owner,
        Method::POST,
        "/api/administrators",
        Some(
            json!({"email": "Eve@Partner.example", "name": "Eve", "grants": [{"role": "editor"}]}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{invited}");
    let url = invited["link"]["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/sign-in#code=", s.origin)),
        "{url}"
    );
    let eve = redeem(&s, url.split_once("#code=").unwrap().1).await;
    let (_, me) = call(&s, &eve, Method::GET, "/api/me", None).await;
    let may = |area: &str, access: &str| {
        me["areas"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["area"] == area && a[access] == true)
    };
    assert!(may("mapping", "write") && !may("tokens", "read") && !may("administrators", "read"));
    // An editor manages no administrators.
    let (status, _) = call(&s, &eve, Method::GET, "/api/administrators", None).await;
    assert_eq!(status, 403);
    // Eve sets a password with TOTP: a bad code, a short password are refused, saying why.
    let (status, totp) = call(&s, &eve, Method::POST, "/api/me/totp", None).await;
    assert_eq!(status, 200, "{totp}");
    let secret = totp["secret"].as_str().unwrap().to_owned();
    assert!(totp["uri"].as_str().unwrap().starts_with("otpauth://totp/"));
    let password = "correct horse battery staple";
    let (status, why) = call(
        &s,
        &eve,
        Method::PUT,
        "/api/me/password",
        Some(json!({"password": "short", "totpSecret": secret, "code": code_at(&secret, now())})),
    )
    .await;
    assert_eq!(
        (status, why["error"]["field"].as_str()),
        (400, Some("password"))
    );
    let (status, why) = call(
        &s,
        &eve,
        Method::PUT,
        "/api/me/password",
        Some(json!({"password": password, "totpSecret": secret, "code": "000000x"})),
    )
    .await;
    assert_eq!(
        (status, why["error"]["field"].as_str()),
        (400, Some("code"))
    );
    let (status, answer) = call(
        &s,
        &eve,
        Method::PUT,
        "/api/me/password",
        Some(json!({"password": password, "totpSecret": secret, "code": code_at(&secret, now())})),
    )
    .await;
    assert_eq!(status, 204, "{answer}");
    // Signing in with them: a session; the same code a second time is refused.
    let next = code_at(&secret, now() + 30);
    let signed = password_sign_in(&s, "eve@partner.example", password, &next).await;
    assert_eq!(signed.status(), 200);
    let session = signed.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let (status, _) = call(&s, &session, Method::GET, "/api/configurations", None).await;
    assert_eq!(status, 200);
    let replay = password_sign_in(&s, "eve@partner.example", password, &next).await;
    assert_eq!(replay.status(), 401);
    let (_, why) = parts(replay).await;
    assert!(
        why["error"]["message"]
            .as_str()
            .unwrap()
            .contains("email, password or code")
    );
    // The owner sees both of Eve's sessions (link, password) and ends the password one.
    let (status, sessions) = call(
        &s,
        &owner,
        Method::GET,
        "/api/administrators/eve@partner.example/sessions",
        None,
    )
    .await;
    assert_eq!(status, 200, "{sessions}");
    let sessions = sessions.as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    let by_password = sessions.iter().find(|x| x["via"] == "password").unwrap();
    assert_eq!(by_password["source"], "127.0.0.1");
    let id = by_password["id"].as_str().unwrap();
    let (status, _) = call(
        &s,
        &owner,
        Method::DELETE,
        &format!("/api/administrators/eve@partner.example/sessions/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = call(&s, &session, Method::GET, "/api/configurations", None).await;
    assert_eq!(status, 401);
    let (status, _) = call(&s, &eve, Method::GET, "/api/configurations", None).await;
    assert_eq!(status, 200, "the other session holds");
    // Eve's own list marks the session asking.
    let (_, mine) = call(&s, &eve, Method::GET, "/api/me/sessions", None).await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["current"], true);
    // The audit log names the person behind each change, with role and credential.
    let audit = s
        .store
        .audit(&scim_console_core::audit::AuditQuery {
            action: Some("administrator.".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let invite = audit
        .entries
        .iter()
        .find(|e| e.action == "administrator.create" && e.actor == "owner@contoso.com")
        .unwrap();
    let person = invite.person.as_ref().unwrap();
    assert_eq!(person.email, "owner@contoso.com");
    assert_eq!(person.roles, "owner");
    assert!(person.via.starts_with("session ses_"), "{}", person.via);
    assert!(person.id.starts_with("adm_"));
    let set = audit
        .entries
        .iter()
        .find(|e| e.action == "administrator.password")
        .unwrap();
    assert_eq!(set.actor, "Eve@Partner.example");
    assert!(!set.details.to_string().contains(&secret));
    assert!(
        audit
            .entries
            .iter()
            .any(|e| e.action == "administrator.session.revoke")
    );
    s.stop().await;
}

#[tokio::test]
async fn guessing_passwords_locks_the_account_and_slows_the_address() {
    let s = TestServer::start().await;
    let owner = first_owner(&s).await;
    let (_, totp) = call(&s, &owner, Method::POST, "/api/me/totp", None).await;
    let secret = totp["secret"].as_str().unwrap().to_owned();
    let password = "owners know long passwords";
    let (status, _) = call(
        &s,
        &owner,
        Method::PUT,
        "/api/me/password",
        Some(json!({"password": password, "totpSecret": secret, "code": code_at(&secret, now())})),
    )
    .await;
    assert_eq!(status, 204);
    // Five wrong passwords with right codes: refused, each alike.
    for _ in 0..5 {
        let wrong = password_sign_in(
            &s,
            "owner@contoso.com",
            "not the password",
            &code_at(&secret, now() + 30),
        )
        .await;
        assert_eq!(wrong.status(), 401);
    }
    // Now the right password and code are refused too, until the lock ends.
    let locked = password_sign_in(
        &s,
        "owner@contoso.com",
        password,
        &code_at(&secret, now() + 30),
    )
    .await;
    assert_eq!(locked.status(), 429);
    let retry: i64 = locked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let (_, why) = parts(locked).await;
    assert!(
        why["error"]["message"].as_str().unwrap().contains("locked"),
        "{why}"
    );
    // The lock is in the database (every instance sees it) and in the audit log.
    let audit = s
        .store
        .audit(&scim_console_core::audit::AuditQuery {
            action: Some("administrator.lock".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.entries.len(), 1);
    // An address trying many accounts backs off (429), whatever the account.
    let mut statuses = Vec::new();
    for i in 0..12 {
        let guess = password_sign_in(
            &s,
            &format!("nobody{i}@contoso.com"),
            "guess guess guess",
            "123456",
        )
        .await;
        statuses.push(guess.status().as_u16());
    }
    assert!(statuses.contains(&401), "{statuses:?}");
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    // An owner clears the password: the account signs in with a new link and sets new ones.
    let (status, _) = call(
        &s,
        &owner,
        Method::DELETE,
        "/api/administrators/owner@contoso.com/password",
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (_, listed) = call(
        &s,
        &owner,
        Method::GET,
        "/api/administrators/owner@contoso.com",
        None,
    )
    .await;
    assert_eq!(listed["password"], false);
    s.stop().await;
}

#[tokio::test]
async fn personal_api_tokens_carry_no_more_than_their_administrators_roles() {
    let s = TestServer::start().await;
    let owner = first_owner(&s).await;
    let sam = invite(
        &s,
        &s,
        &owner,
        "sam@contoso.com",
        json!([{"role": "security"}, {"role": "viewer"}]),
    )
    .await;
    // No role Sam does not hold; a name and a lifetime in range.
    for (body, field) in [
        (json!({"name": "ci", "roles": ["owner"]}), "roles"),
        (json!({"name": "", "roles": ["viewer"]}), "name"),
        (json!({"name": "ci", "days": 400}), "days"),
    ] {
        let (status, why) = call(&s, &sam, Method::POST, "/api/me/api-tokens", Some(body)).await;
        assert_eq!(
            (status, why["error"]["field"].as_str()),
            (400, Some(field)),
            "{why}"
        );
    }
    // A viewer-only token: it reads, and may not touch the tokens Sam (security) may.
    let (status, issued) = call(
        &s,
        &sam,
        Method::POST,
        "/api/me/api-tokens",
        Some(json!({"name": "nightly export", "roles": ["viewer"], "days": 30})),
    )
    .await;
    assert_eq!(status, 201, "{issued}");
    let secret = issued["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("scap_"));
    let id = s.config.id;
    let (status, _) = call(&s, &secret, Method::GET, "/api/configurations", None).await;
    assert_eq!(status, 200);
    let (status, _) = call(
        &s,
        &secret,
        Method::GET,
        &format!("/api/configurations/{id}/tokens"),
        None,
    )
    .await;
    assert_eq!(status, 403, "a viewer token reads no SCIM tokens");
    let (status, _) = call(
        &s,
        &sam,
        Method::GET,
        &format!("/api/configurations/{id}/tokens"),
        None,
    )
    .await;
    assert_eq!(status, 200, "Sam's session does");
    let (_, me) = call(&s, &secret, Method::GET, "/api/me", None).await;
    assert_eq!(me["via"], "api token");
    assert_eq!(me["grants"], json!([{"role": "viewer"}]));
    // A token makes no credentials.
    let (status, _) = call(
        &s,
        &secret,
        Method::POST,
        "/api/me/api-tokens",
        Some(json!({"name": "x"})),
    )
    .await;
    assert_eq!(status, 403);
    // Listed without its secret, with its last use; by Sam and by owners.
    let (_, mine) = call(&s, &sam, Method::GET, "/api/me/api-tokens", None).await;
    assert_eq!(mine[0]["name"], "nightly export");
    assert!(mine[0]["lastUsed"].is_string());
    assert!(!mine.to_string().contains(&secret));
    let (_, theirs) = call(
        &s,
        &owner,
        Method::GET,
        "/api/administrators/sam@contoso.com/api-tokens",
        None,
    )
    .await;
    assert_eq!(theirs, mine);
    // A change made with the token names the token in the audit log.
    let (status, _) = call(
        &s,
        &secret,
        Method::DELETE,
        &format!("/api/me/api-tokens/{}", mine[0]["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = call(&s, &secret, Method::GET, "/api/configurations", None).await;
    assert_eq!(status, 401, "revoked: stops on the next request");
    let audit = s
        .store
        .audit(&scim_console_core::audit::AuditQuery {
            action: Some("administrator.api-token.revoke".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let person = audit.entries[0].person.as_ref().unwrap();
    assert_eq!(
        person.via,
        format!("api token {}", mine[0]["id"].as_str().unwrap())
    );
    assert_eq!(person.roles, "viewer");
    // A disabled administrator's tokens stop too.
    let (_, second) = call(
        &s,
        &sam,
        Method::POST,
        "/api/me/api-tokens",
        Some(json!({"name": "second"})),
    )
    .await;
    let second = second["secret"].as_str().unwrap().to_owned();
    let (status, _) = call(
        &s,
        &second,
        Method::GET,
        &format!("/api/configurations/{id}/tokens"),
        None,
    )
    .await;
    assert_eq!(status, 200, "all of Sam's roles by default");
    let (status, _) = call(
        &s,
        &owner,
        Method::PATCH,
        "/api/administrators/sam@contoso.com",
        Some(json!({"enabled": false})),
    )
    .await;
    assert_eq!(status, 200);
    for credential in [&second, &sam] {
        let (status, _) = call(&s, credential, Method::GET, "/api/configurations", None).await;
        assert_eq!(status, 401);
    }
    // The last owner stays one.
    let (status, why) = call(
        &s,
        &owner,
        Method::PATCH,
        "/api/administrators/owner@contoso.com",
        Some(json!({"grants": [{"role": "viewer"}]})),
    )
    .await;
    assert_eq!(status, 403, "{why}");
    s.stop().await;
}

#[tokio::test]
async fn a_revoked_session_ends_on_every_instance() {
    if scim_console_core::testing::test_postgres().is_none() {
        eprintln!("instances share sessions through PostgreSQL (SQLite has one instance)");
        return;
    }
    let a = TestServer::start().await;
    let b = a.another_instance().await;
    let owner = first_owner(&a).await;
    let vic = invite(
        &a,
        &b,
        &owner,
        "vic@contoso.com",
        json!([{"role": "viewer"}]),
    )
    .await;
    for s in [&a, &b] {
        let (status, _) = call(s, &vic, Method::GET, "/api/configurations", None).await;
        assert_eq!(status, 200, "{}", s.origin);
    }
    let (_, sessions) = call(
        &a,
        &owner,
        Method::GET,
        "/api/administrators/vic@contoso.com/sessions",
        None,
    )
    .await;
    let id = sessions[0]["id"].as_str().unwrap();
    let (status, _) = call(
        &a,
        &owner,
        Method::DELETE,
        &format!("/api/administrators/vic@contoso.com/sessions/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    for s in [&a, &b] {
        let (status, _) = call(s, &vic, Method::GET, "/api/configurations", None).await;
        assert_eq!(status, 401, "{}", s.origin);
    }
    b.stop().await;
    a.stop().await;
}

#[tokio::test]
async fn the_desktops_local_owner_signs_in_with_a_link_of_its_own_and_is_named() {
    let s = TestServer::start().await;
    let link = s.store.local_owner_sign_in_link("ada").await.unwrap();
    let session = redeem(&s, link.code.expose()).await;
    let (_, me) = call(&s, &session, Method::GET, "/api/me", None).await;
    assert_eq!(me["administrator"]["email"], "ada@scim-console.localhost");
    assert_eq!(me["administrator"]["name"], "ada (this computer)");
    assert_eq!(me["grants"], json!([{"role": "owner"}]));
    // A provider vouching for an administrator's id instead of an address signs nobody in.
    let owner = s
        .store
        .administrator("ada@scim-console.localhost")
        .await
        .unwrap();
    assert!(
        s.store
            .sign_in_vouched_email(&owner.id, "Contoso SSO", "127.0.0.1")
            .await
            .is_err()
    );
    assert_eq!(
        s.store
            .sign_in_vouched_email("ADA@scim-console.localhost", "Contoso SSO", "127.0.0.1")
            .await
            .unwrap()
            .id,
        owner.id
    );
    // The next launch reuses the account; a disabled one is not signed in.
    let again = s.store.local_owner_sign_in_link("ada").await.unwrap();
    assert_ne!(again.code.expose(), link.code.expose());
    assert_eq!(s.store.administrators().await.unwrap().len(), 1);
    s.store
        .create_administrator(
            &NewAdministrator {
                email: "grace@contoso.com".into(),
                name: String::new(),
                grants: vec![Grant::everywhere(Role::Owner)],
            },
            &Actor::system(),
        )
        .await
        .unwrap();
    s.store
        .set_administrator_enabled("ada@scim-console.localhost", false, &Actor::system())
        .await
        .unwrap();
    assert!(s.store.local_owner_sign_in_link("ada").await.is_err());
    s.stop().await;
}
