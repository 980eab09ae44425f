//! Backoff per source address after repeated refused credentials, over real HTTP: ten refusals
//! are answered 401; then the source waits (429 with `Retry-After`, doubling); a valid token is
//! honoured from that very address (the identity provider cannot be locked out by someone
//! guessing beside it) and from others; the admin API and the admin link back off the same way.
#![allow(clippy::unwrap_used)] // Test code: a failure is a test failure.

use std::net::IpAddr;

use crate::common::TestServer;

fn from(address: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::from(address))
        .build()
        .unwrap()
}

async fn get(client: &reqwest::Client, url: &str, token: &str) -> (u16, Option<String>) {
    let response = client.get(url).bearer_auth(token).send().await.unwrap();
    let retry = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    (response.status().as_u16(), retry)
}

#[tokio::test]
async fn refused_credentials_back_off_per_address_without_locking_out_valid_ones() {
    let s = TestServer::start().await;
    let users = format!("{}/Users?count=1", s.base());
    let guesser = from([127, 0, 0, 3]);
    for i in 0..11 {
        let (status, _) = get(&guesser, &users, &format!("scim_guess{i:03}_wrong")).await;
        assert_eq!(status, 401, "refusal {i} says why");
    }
    let (status, retry) = get(&guesser, &users, "scim_guess_wrong").await;
    assert_eq!(status, 429);
    assert_eq!(retry.as_deref(), Some("1"));
    // Another address is not concerned.
    assert_eq!(get(&from([127, 0, 0, 4]), &users, "wrong").await.0, 401);
    // The valid token works from the barred address itself…
    assert_eq!(get(&guesser, &users, &s.token).await.0, 200);
    // …and clears its record: refusals start over.
    assert_eq!(get(&guesser, &users, "wrong").await.0, 401);
    // Bars double: 1 s, then 2 s.
    for _ in 0..10 {
        get(&guesser, &users, "wrong").await;
    }
    let (status, retry) = get(&guesser, &users, "wrong").await;
    assert_eq!((status, retry.as_deref()), (429, Some("1")));
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(get(&guesser, &users, "wrong").await.0, 401);
    let (status, retry) = get(&guesser, &users, "wrong").await;
    assert_eq!((status, retry.as_deref()), (429, Some("2")));

    // The admin API and the admin link.
    let admin = format!("{}/api/configurations", s.origin);
    let admin_guesser = from([127, 0, 0, 5]);
    for _ in 0..11 {
        assert_eq!(get(&admin_guesser, &admin, "wrong").await.0, 401);
    }
    let (status, retry) = get(&admin_guesser, &admin, "wrong").await;
    assert_eq!((status, retry.as_deref()), (429, Some("1")));
    let login = format!("{}/login?token=wrong", s.origin);
    let (status, _) = get(&admin_guesser, &login, "").await;
    assert_eq!(status, 429, "the admin link backs off too");
    assert_eq!(get(&admin_guesser, &admin, &s.admin_token).await.0, 200);
    s.stop().await;
}

/// Long enough for instances to have told each other (they announce every second).
const EXCHANGE: std::time::Duration = std::time::Duration::from_secs(3);

#[tokio::test]
async fn instances_on_one_postgresql_database_share_an_addresss_refusals() {
    if scim_console_core::testing::test_postgres().is_none() {
        eprintln!("instances share refusals through PostgreSQL only (SQLite has one instance)");
        return;
    }
    let a = TestServer::start().await;
    let b = a.another_instance().await;
    let (on_a, on_b) = (
        format!("{}/Users?count=1", a.base()),
        format!("{}/Users?count=1", b.base()),
    );
    // Six guesses on one instance and four on the other: ten in all, still free.
    let guesser = from([127, 0, 0, 6]);
    for i in 0..6 {
        assert_eq!(
            get(&guesser, &on_a, &format!("scim_a{i:03}_wrong")).await.0,
            401
        );
    }
    for i in 0..4 {
        assert_eq!(
            get(&guesser, &on_b, &format!("scim_b{i:03}_wrong")).await.0,
            401
        );
    }
    tokio::time::sleep(EXCHANGE).await;
    // The eleventh, on the instance that saw four, starts the bar there: the next refused
    // credential waits (alone, that instance would have allowed six more).
    assert_eq!(get(&guesser, &on_b, "scim_b_eleventh_wrong").await.0, 401);
    let (status, retry) = get(&guesser, &on_b, "scim_b_twelfth_wrong").await;
    assert_eq!((status, retry.as_deref()), (429, Some("1")));
    // Another address is not concerned.
    assert_eq!(get(&from([127, 0, 0, 7]), &on_b, "wrong").await.0, 401);
    tokio::time::sleep(EXCHANGE).await;
    // The valid token, presented to the other instance, clears the address on both: its
    // refusals start over on the first one too (which, uncleared, would bar the next).
    assert_eq!(get(&guesser, &on_a, &a.token).await.0, 200);
    tokio::time::sleep(EXCHANGE).await;
    assert_eq!(get(&guesser, &on_b, "scim_b_again_wrong").await.0, 401);
    assert_eq!(get(&guesser, &on_b, "scim_b_again_wrong").await.0, 401);
    b.stop().await;
    a.stop().await;
}
