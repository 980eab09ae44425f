//! The directory as the admin browses it: by name or by creation, either way, paged by key —
//! every page of every order holds each user once, in order.

use std::time::Duration;

use scim::InputRules;
use scim_console_core::directory::browse::{Browse, Order};
use scim_console_core::{Actor, CoreError, NewConfiguration};
use serde_json::json;

use crate::common::Env;

/// All of a listing, page by page (pages of 2), as userNames.
async fn walk(env: &Env, order: Order, search: Option<&str>) -> Vec<String> {
    let mut names = Vec::new();
    let mut after = None;
    loop {
        let browse = Browse {
            search: search.map(str::to_owned),
            order,
            after: after.clone(),
            limit: 2,
        };
        let page = env.store.browse_users(&env.config, &browse).await.unwrap();
        names.extend(page.items.iter().map(|u| u.user_name.clone()));
        match page.next {
            Some(next) => after = Some(next),
            None => return names,
        }
    }
}

#[tokio::test]
async fn users_are_listed_by_name_or_creation_either_way_a_page_at_a_time() {
    let env = Env::timed(NewConfiguration::named("Entra"), &Actor::system()).await;
    // Created in this order, a second apart: not the order of their names.
    for name in ["carol", "alice", "Dave", "bob", "erin"] {
        env.store
            .create_user(
                &env.config,
                &env.registry,
                json!({"userName": name, "active": true}),
                &InputRules::default(),
            )
            .await
            .unwrap();
        env.clock().advance(Duration::from_secs(1));
    }
    assert_eq!(
        walk(&env, Order::Name, None).await,
        ["alice", "bob", "carol", "Dave", "erin"]
    );
    assert_eq!(
        walk(&env, Order::NameDescending, None).await,
        ["erin", "Dave", "carol", "bob", "alice"]
    );
    assert_eq!(
        walk(&env, Order::Created, None).await,
        ["carol", "alice", "Dave", "bob", "erin"]
    );
    assert_eq!(
        walk(&env, Order::CreatedDescending, None).await,
        ["erin", "bob", "Dave", "alice", "carol"]
    );
    // A search narrows every order.
    assert_eq!(
        walk(&env, Order::CreatedDescending, Some("a")).await,
        ["Dave", "alice", "carol"]
    );
    // A page key of another order is refused, saying what to do.
    let by_name = env
        .store
        .browse_users(
            &env.config,
            &Browse {
                limit: 2,
                ..Browse::default()
            },
        )
        .await
        .unwrap();
    let wrong = env
        .store
        .browse_users(
            &env.config,
            &Browse {
                order: Order::Created,
                after: by_name.next,
                limit: 2,
                ..Browse::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(wrong, CoreError::Invalid { .. }), "{wrong:?}");
    assert!(wrong.to_string().contains("start again"), "{wrong}");
}

#[tokio::test]
async fn groups_are_listed_newest_first() {
    let env = Env::timed(NewConfiguration::named("Okta"), &Actor::system()).await;
    for name in ["Ops", "Admins", "Sales"] {
        env.store
            .create_group(
                &env.config,
                &env.registry,
                json!({"displayName": name}),
                &InputRules::default(),
            )
            .await
            .unwrap();
        env.clock().advance(Duration::from_secs(1));
    }
    let page = env
        .store
        .browse_groups(
            &env.config,
            &Browse {
                order: Order::CreatedDescending,
                ..Browse::default()
            },
        )
        .await
        .unwrap();
    let names: Vec<_> = page.items.iter().map(|g| g.display_name.as_str()).collect();
    assert_eq!(names, ["Sales", "Admins", "Ops"]);
    assert_eq!(page.total, 3);
    assert!(page.next.is_none());
}
