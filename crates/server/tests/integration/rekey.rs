//! User ids converted to emails over real HTTP: preview, conversion, the identity provider's
//! email lookup then matching, and the undo.

use crate::common::{TestServer, connection, parts};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn short_names_are_converted_to_emails_and_back() {
    let s = TestServer::start().await;
    let c = connection(&s, json!({"name": "Entra"})).await;
    for (name, email) in [("ada", "ada@contoso.com"), ("grace", "grace@contoso.com")] {
        let (status, body) = c
            .call(
                &s,
                Method::POST,
                "/Users",
                &json!({"userName": name, "emails": [{"value": email, "primary": true}]}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let api = format!("/api/configurations/{}", c.id);
    let (status, preview) = parts(
        s.admin(Method::GET, &format!("{api}/rekey"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, &preview["changeCount"]),
        (200, &json!(2)),
        "{preview}"
    );
    let (status, batch) = parts(
        s.admin(Method::POST, &format!("{api}/rekey"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, &batch["changed"]), (200, &json!(2)), "{batch}");
    // Entra ID's lookup by email now finds her.
    let (_, found) = c
        .get(&s, "/Users?filter=userName+eq+%22ada%40contoso.com%22")
        .await;
    assert_eq!(found["totalResults"], 1, "{found}");
    let (_, list) = parts(
        s.admin(Method::GET, &format!("{api}/rekeys"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(list[0]["id"], batch["id"]);
    let undo = format!("{api}/rekeys/{}/undo", batch["id"].as_str().unwrap());
    let (status, undone) = parts(s.admin(Method::POST, &undo).send().await.unwrap()).await;
    assert_eq!((status, &undone["changed"]), (200, &json!(2)), "{undone}");
    let (status, _) = parts(s.admin(Method::POST, &undo).send().await.unwrap()).await;
    assert_eq!(status, 409);
    let (_, found) = c.get(&s, "/Users?filter=userName+eq+%22ada%22").await;
    assert_eq!(found["totalResults"], 1, "{found}");
    let (_, audit) = parts(s.admin(Method::GET, "/api/audit").send().await.unwrap()).await;
    let actions: Vec<&Value> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["action"])
        .collect();
    assert!(
        actions.contains(&&json!("users.rekey")) && actions.contains(&&json!("users.rekey.undo"))
    );
    s.stop().await;
}
