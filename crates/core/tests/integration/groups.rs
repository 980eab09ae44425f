//! Groups in the store (SQLite, or PostgreSQL in its pass): membership in Entra's and the RFC's
//! forms, filters on members, deletions, and concurrent and large member changes.

use scim::{InputRules, PatchRules, ScimType};
use serde_json::{Value, json};

use super::store::{create_user, env, query, scim_type};

#[tokio::test]
async fn group_membership_with_entra_and_rfc_forms() {
    let env = env().await;
    let a = create_user(&env, "a").await;
    let b = create_user(&env, "b").await;
    let (a, b) = (
        a["id"].as_str().unwrap().to_owned(),
        b["id"].as_str().unwrap().to_owned(),
    );
    let group = env
        .store
        .create_group(&env.config, &env.registry, json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"], "displayName": "Ops", "meta": {"resourceType": "Group"}}), &InputRules::default())
        .await
        .unwrap();
    let gid = group.resource["id"].as_str().unwrap().to_owned();
    let add = json!({"Operations": [{"op": "Add", "path": "members", "value": [{"$ref": null, "value": a}, {"value": b}]}]});
    let written = env
        .store
        .patch_group(
            &env.config,
            &env.registry,
            &gid,
            add.clone(),
            &PatchRules::default(),
            None,
            false,
        )
        .await
        .unwrap();
    assert_eq!(written.changes[0].path, "members");
    let again = env
        .store
        .patch_group(
            &env.config,
            &env.registry,
            &gid,
            add,
            &PatchRules::default(),
            None,
            false,
        )
        .await
        .unwrap();
    assert!(
        again.changes.is_empty(),
        "adding present members changes nothing"
    );
    let remove =
        json!({"Operations": [{"op": "Remove", "path": "members", "value": [{"value": a}]}]});
    env.store
        .patch_group(
            &env.config,
            &env.registry,
            &gid,
            remove,
            &PatchRules::default(),
            None,
            false,
        )
        .await
        .unwrap();
    let now = env.store.get_group(&env.config, &gid, true).await.unwrap();
    assert_eq!(
        now["members"],
        json!([{"value": b}]),
        "only the listed member was removed"
    );
    let remove =
        json!({"Operations": [{"op": "remove", "path": format!("members[value eq \"{b}\"]")}]});
    env.store
        .patch_group(
            &env.config,
            &env.registry,
            &gid,
            remove,
            &PatchRules::default(),
            None,
            false,
        )
        .await
        .unwrap();
    assert!(
        env.store
            .get_group(&env.config, &gid, true)
            .await
            .unwrap()
            .get("members")
            .is_none()
    );
    let rename =
        json!({"Operations": [{"op": "Replace", "path": "displayName", "value": "Operations"}]});
    let renamed = env
        .store
        .patch_group(
            &env.config,
            &env.registry,
            &gid,
            rename,
            &PatchRules::default(),
            None,
            false,
        )
        .await
        .unwrap();
    assert_eq!(renamed.resource["displayName"], "Operations");
    assert_eq!(renamed.resource["meta"]["version"], "W/\"5\"");
}

#[tokio::test]
async fn group_filters_on_members_and_excluded_members() {
    let env = env().await;
    let a = create_user(&env, "a").await;
    let a = a["id"].as_str().unwrap();
    env.store
        .create_group(
            &env.config,
            &env.registry,
            json!({"displayName": "With A", "members": [{"value": a}]}),
            &InputRules::default(),
        )
        .await
        .unwrap();
    env.store
        .create_group(
            &env.config,
            &env.registry,
            json!({"displayName": "Empty"}),
            &InputRules::default(),
        )
        .await
        .unwrap();
    let q = query(&[("filter", &format!("members[value eq \"{a}\"]"))]);
    let page = env
        .store
        .list_groups(
            &env.config,
            &env.registry,
            &q,
            scim::Paging {
                start_index: 1,
                count: 10,
            },
            false,
        )
        .await
        .unwrap();
    assert_eq!(page.total_results, 1);
    let maps = page.into_maps().unwrap();
    assert_eq!(maps[0]["displayName"], "With A");
    assert!(maps[0].get("members").is_none());
    let q = query(&[("filter", "displayName eq \"with a\"")]);
    let page = env
        .store
        .list_groups(
            &env.config,
            &env.registry,
            &q,
            scim::Paging {
                start_index: 1,
                count: 10,
            },
            true,
        )
        .await
        .unwrap();
    assert_eq!(page.into_maps().unwrap()[0]["members"][0]["value"], a);
    let err = env
        .store
        .create_group(
            &env.config,
            &env.registry,
            json!({"displayName": "EMPTY"}),
            &InputRules::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(scim_type(&err), Some(ScimType::Uniqueness));
}

#[tokio::test]
async fn deleting_a_user_removes_its_memberships() {
    let env = env().await;
    let a = create_user(&env, "a").await;
    let a = a["id"].as_str().unwrap();
    let g = env
        .store
        .create_group(
            &env.config,
            &env.registry,
            json!({"displayName": "G", "members": [{"value": a}, {"value": "external-1"}]}),
            &InputRules::default(),
        )
        .await
        .unwrap();
    let gid = g.resource["id"].as_str().unwrap();
    env.store.delete_user(&env.config, a, None).await.unwrap();
    let group = env.store.get_group(&env.config, gid, true).await.unwrap();
    assert_eq!(group["members"], json!([{"value": "external-1"}]));
}

#[tokio::test]
async fn member_patches_that_need_the_engine_still_work() {
    let env = env().await;
    let g = env
        .store
        .create_group(&env.config, &env.registry, json!({"displayName": "G", "members": [{"value": "1", "type": "User"}, {"value": "2", "type": "Group"}]}), &InputRules::default())
        .await
        .unwrap();
    let gid = g.resource["id"].as_str().unwrap();
    let body = json!({"Operations": [{"op": "remove", "path": "members[type eq \"Group\"]"}, {"op": "replace", "value": {"displayName": "G2"}}]});
    let written = env
        .store
        .patch_group(
            &env.config,
            &env.registry,
            gid,
            body,
            &PatchRules::default(),
            None,
            true,
        )
        .await
        .unwrap();
    assert_eq!(
        written.resource["members"],
        json!([{"value": "1", "type": "User"}])
    );
    assert_eq!(written.resource["displayName"], "G2");
    let bad = json!({"Operations": [{"op": "add", "path": "members", "value": [{"display": "no value"}]}]});
    let err = env
        .store
        .patch_group(
            &env.config,
            &env.registry,
            gid,
            bad,
            &PatchRules::default(),
            None,
            false,
        )
        .await
        .unwrap_err();
    assert!(
        err.to_scim()
            .detail()
            .contains("members[0].value is required"),
        "{}",
        err.to_scim().detail()
    );
}

#[tokio::test]
async fn concurrent_member_additions_lose_nothing() {
    let env = env().await;
    let g = env
        .store
        .create_group(
            &env.config,
            &env.registry,
            json!({"displayName": "Busy"}),
            &InputRules::default(),
        )
        .await
        .unwrap();
    let gid = g.resource["id"].as_str().unwrap().to_owned();
    let mut tasks = Vec::new();
    for i in 0..40 {
        let (store, config, registry, gid) = (
            env.store.clone(),
            env.config.clone(),
            env.registry.clone(),
            gid.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let body = json!({"Operations": [{"op": "add", "path": "members", "value": [{"value": format!("m{i}")}]}]});
            store.patch_group(&config, &registry, &gid, body, &PatchRules::default(), None, false).await.unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let group = env.store.get_group(&env.config, &gid, true).await.unwrap();
    assert_eq!(group["members"].as_array().unwrap().len(), 40);
    assert_eq!(group["meta"]["version"], "W/\"41\"");
}

#[tokio::test]
async fn a_large_group_is_patched_by_rows() {
    let env = env().await;
    let members: Vec<Value> = (0..5000)
        .map(|i| json!({"value": format!("u{i}")}))
        .collect();
    let g = env
        .store
        .create_group(
            &env.config,
            &env.registry,
            json!({"displayName": "Everyone", "members": members}),
            &InputRules::default(),
        )
        .await
        .unwrap();
    let gid = g.resource["id"].as_str().unwrap();
    let body = json!({"Operations": [{"op": "add", "path": "members", "value": [{"value": "new"}]}, {"op": "remove", "path": "members[value eq \"u17\"]"}]});
    let written = env
        .store
        .patch_group(
            &env.config,
            &env.registry,
            gid,
            body,
            &PatchRules::default(),
            None,
            false,
        )
        .await
        .unwrap();
    assert!(
        written.resource.get("members").is_none(),
        "members are not loaded for a row PATCH"
    );
    assert_eq!(written.changes[0].new, Some(json!([{"value": "new"}])));
    assert_eq!(written.changes[0].old, Some(json!([{"value": "u17"}])));
    let group = env.store.get_group(&env.config, gid, true).await.unwrap();
    let list = group["members"].as_array().unwrap();
    assert_eq!(list.len(), 5000);
    assert_eq!(list.last().unwrap()["value"], "new");
}
