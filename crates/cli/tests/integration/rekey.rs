//! `users rekey`: short-name user ids converted to emails from the command line — previewed,
//! applied here, undone on a server through its admin API.

use super::cli::{cli, stdout};
use super::remote::{Remote, administrator_token, local_json};

#[test]
fn short_names_are_previewed_converted_and_undone_here_and_remotely() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        cli(dir.path(), &["config", "create", "AD"])
            .status
            .success()
    );
    let file = dir.path().join("users.csv");
    std::fs::write(
        &file,
        "userName,emails[type eq \"work\"].value\nada,ada@contoso.com\nbob,\n",
    )
    .unwrap();
    let imported = cli(
        dir.path(),
        &[
            "users",
            "import",
            "--config",
            "AD",
            "--file",
            file.to_str().unwrap(),
        ],
    );
    assert!(imported.status.success(), "{}", stdout(&imported));
    // The preview says what would change and what cannot.
    let text = stdout(&cli(dir.path(), &["users", "rekey", "--config", "AD"]));
    assert!(text.contains("1 user(s) to convert, 1 cannot be"), "{text}");
    assert!(text.contains("ada -> ada@contoso.com"), "{text}");
    assert!(
        text.contains("bob: left as it is: no email to take"),
        "{text}"
    );
    let preview = local_json(dir.path(), &["users", "rekey", "--config", "AD", "--json"]);
    assert_eq!(preview["changeCount"], 1);
    // Applied here.
    let batch = local_json(
        dir.path(),
        &["users", "rekey", "--config", "AD", "--apply", "--json"],
    );
    assert_eq!(batch["changed"], 1, "{batch}");
    let id = batch["id"].as_str().unwrap().to_owned();
    // Undone on the server, with an owner's API token.
    let token = administrator_token(dir.path(), "owner@contoso.com", &["owner"]);
    let remote = Remote::start(dir.path());
    let undone = remote.json(
        &token,
        &["users", "rekey", "--config", "AD", "--undo", &id, "--json"],
    );
    assert_eq!(undone["changed"], 1, "{undone}");
    let again = remote.run(&token, &["users", "rekey", "--config", "AD", "--undo", &id]);
    assert!(!again.status.success());
    let preview = remote.json(&token, &["users", "rekey", "--config", "AD", "--json"]);
    assert_eq!(preview["changeCount"], 1, "{preview}");
}
