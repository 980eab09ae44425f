//! Cursor pagination (RFC 9865) over real HTTP: `cursor`/`count` on GET and `/.search`,
//! `nextCursor` until the last page, no duplicates or gaps while resources are created and
//! deleted between pages, the `pagination` object of `/ServiceProviderConfig`, and the error
//! types `invalidCursor`, `expiredCursor` and `invalidCount`.
#![allow(clippy::unwrap_used, clippy::too_many_lines)] // Test code: a failure is a test failure.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use crate::common::{TestServer, parts, send_json};
use reqwest::Method;
use scim_console_core::time::ManualClock;
use serde_json::{Value, json};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

async fn create(s: &TestServer, name: &str) -> String {
    let (status, body) = parts(
        send_json(
            s.scim(Method::POST, "/Users"),
            &json!({"schemas": [USER], "userName": name,
                    "emails": [{"type": "work", "value": name}]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

async fn get(s: &TestServer, path: &str) -> (u16, Value) {
    parts(s.scim(Method::GET, path).send().await.unwrap()).await
}

fn ids(page: &Value) -> Vec<String> {
    page["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Every page of `query` (which holds `cursor=` for the first), following nextCursor.
async fn walk(s: &TestServer, query: &str) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let (status, mut page) = get(s, &format!("/Users?{query}")).await;
    assert_eq!(status, 200, "{page}");
    loop {
        assert!(
            page.get("startIndex").is_none(),
            "a cursor page has no startIndex: {page}"
        );
        pages.push(ids(&page));
        let Some(next) = page["nextCursor"].as_str() else {
            break;
        };
        let path = format!(
            "/Users?{}",
            query.replace("cursor=", &format!("cursor={next}"))
        );
        let (status, body) = get(s, &path).await;
        assert_eq!(status, 200, "{body}");
        page = body;
    }
    pages
}

#[tokio::test]
async fn cursor_pages_cover_every_resource_once_and_say_when_they_end() {
    let s = TestServer::start().await;
    let mut all = BTreeSet::new();
    for i in 0..25 {
        all.insert(create(&s, &format!("user{i:02}@contoso.com")).await);
    }
    let pages = walk(&s, "cursor=&count=10").await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [10, 10, 5]);
    let seen: BTreeSet<String> = pages.concat().into_iter().collect();
    assert_eq!(seen, all);
    // totalResults counts every page; itemsPerPage this one.
    let (_, first) = get(&s, "/Users?cursor&count=10").await;
    assert_eq!(
        (
            first["totalResults"].as_u64(),
            first["itemsPerPage"].as_u64()
        ),
        (Some(25), Some(10))
    );
    // The same with a filter SQL answers exactly, one it narrows, and one decided in memory.
    for filter in [
        "userName sw \"user1\"",
        "emails[value ew \"contoso.com\"] and userName sw \"user2\"",
        "emails[type eq \"work\" and value co \"user0\"]",
    ] {
        let pages = walk(&s, &format!("filter={}&cursor=&count=3", encode(filter))).await;
        let seen = pages.concat();
        let (_, everything) =
            get(&s, &format!("/Users?filter={}&count=1000", encode(filter))).await;
        let mut expected = ids(&everything);
        let mut got = seen.clone();
        expected.sort();
        got.sort();
        assert_eq!(got, expected, "{filter}");
        assert_eq!(
            seen.len(),
            got.iter().collect::<BTreeSet<_>>().len(),
            "no duplicates: {filter}"
        );
    }
    // Exactly a full last page: no nextCursor after it.
    let pages = walk(&s, "cursor=&count=5").await;
    assert_eq!(pages.len(), 5);
    // POST /.search takes the cursor in its body.
    let (status, page) = parts(
        send_json(
            s.scim(Method::POST, "/Users/.search"),
            &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "cursor": "", "count": 20}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let next = page["nextCursor"].as_str().unwrap();
    let (_, rest) = parts(
        send_json(
            s.scim(Method::POST, "/Users/.search"),
            &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "cursor": next, "count": 20}),
        )
        .await,
    )
    .await;
    assert_eq!(ids(&rest).len(), 5, "{rest}");
    assert!(rest.get("nextCursor").is_none());
    // Index paging is still the default.
    let (_, indexed) = get(&s, "/Users?count=10").await;
    assert_eq!(indexed["startIndex"], 1);
    assert!(indexed.get("nextCursor").is_none());
    // The service provider config says so.
    let (_, spc) = get(&s, "/ServiceProviderConfig").await;
    assert_eq!(
        spc["pagination"],
        json!({"cursor": true, "index": true, "defaultPaginationMethod": "index",
               "defaultPageSize": 100, "maxPageSize": 1000, "cursorTimeout": 3600})
    );
    s.stop().await;
}

#[tokio::test]
async fn cursors_survive_creates_and_deletes_between_pages() {
    let s = TestServer::start().await;
    let mut names = Vec::new();
    for i in 0..30 {
        names.push(create(&s, &format!("early{i:02}@contoso.com")).await);
    }
    let (_, first) = get(&s, "/Users?cursor&count=10").await;
    let first_ids = ids(&first);
    // Between pages: one seen user and one not yet seen are deleted; three are created.
    let seen_gone = first_ids[3].clone();
    let unseen_gone = names[20].clone();
    for id in [&seen_gone, &unseen_gone] {
        let response = s
            .scim(Method::DELETE, &format!("/Users/{id}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
    }
    let mut late = Vec::new();
    for i in 0..3 {
        late.push(create(&s, &format!("late{i}@contoso.com")).await);
    }
    let mut seen = first_ids.clone();
    let mut next = first["nextCursor"].as_str().unwrap().to_owned();
    loop {
        let (status, page) = get(&s, &format!("/Users?cursor={next}&count=10")).await;
        assert_eq!(status, 200, "{page}");
        seen.extend(ids(&page));
        match page["nextCursor"].as_str() {
            Some(n) => next = n.to_owned(),
            None => break,
        }
    }
    let unique: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no resource twice");
    for id in &names {
        if *id != unseen_gone {
            assert!(seen.contains(id), "no gap: {id} was there throughout");
        }
    }
    assert!(
        !seen.contains(&unseen_gone),
        "a user deleted before its page is not listed"
    );
    for id in &late {
        assert!(seen.contains(id), "users created meanwhile come at the end");
    }
    assert_eq!(&seen[seen.len() - 3..], &late[..]);
    s.stop().await;
}

#[tokio::test]
async fn bad_foreign_resized_and_expired_cursors_get_their_error_types() {
    let clock = Arc::new(ManualClock::starting_now());
    let s = TestServer::start_with_clock(clock.clone()).await;
    for i in 0..5 {
        create(&s, &format!("u{i}@contoso.com")).await;
    }
    let (_, first) = get(&s, "/Users?cursor=&count=2").await;
    let next = first["nextCursor"].as_str().unwrap().to_owned();
    let expect = |(status, body): (u16, Value), scim_type: &str| {
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["scimType"], scim_type, "{body}");
        assert!(!body["detail"].as_str().unwrap().is_empty());
    };
    expect(
        get(&s, "/Users?cursor=not-a-cursor&count=2").await,
        "invalidCursor",
    );
    let mut forged = next.clone().into_bytes();
    let at = forged.len() / 2;
    forged[at] = if forged[at] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    expect(
        get(&s, &format!("/Users?cursor={forged}&count=2")).await,
        "invalidCursor",
    );
    expect(
        get(
            &s,
            &format!(
                "/Users?cursor={next}&count=2&filter={}",
                encode("userName sw \"u\"")
            ),
        )
        .await,
        "invalidCursor",
    );
    expect(
        get(&s, &format!("/Users?cursor={next}&count=3")).await,
        "invalidCount",
    );
    expect(
        get(&s, &format!("/Users?cursor={next}&count=2&sortBy=userName")).await,
        "invalidValue",
    );
    // A cursor of the Users endpoint means nothing to Groups.
    let (status, body) = get(&s, &format!("/Groups?cursor={next}&count=2")).await;
    assert_eq!(
        (status, body["scimType"].as_str()),
        (400, Some("invalidCursor")),
        "{body}"
    );
    // Within its timeout it works; after it, expiredCursor.
    clock.advance(Duration::from_secs(3500));
    let (status, _) = get(&s, &format!("/Users?cursor={next}&count=2")).await;
    assert_eq!(status, 200);
    clock.advance(Duration::from_secs(200));
    expect(
        get(&s, &format!("/Users?cursor={next}&count=2")).await,
        "expiredCursor",
    );
    s.stop().await;
}
