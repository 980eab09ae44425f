//! The master key in the real OS keychain (Secret Service through D-Bus) and the fallback when
//! none is reachable. `cargo xtask test` runs this twice: inside `dbus-run-session` with an
//! unlocked `gnome-keyring-daemon` (`SCIM_CONSOLE_EXPECT_KEYCHAIN=1`), and without a session bus
//! (`SCIM_CONSOLE_EXPECT_KEYCHAIN=0`). Run alone, it accepts either and checks the key is stable.
#![allow(clippy::unwrap_used)] // Test code: a failure is a test failure.

use scim_console_core::secrets::{KeySource, MASTER_KEY_FILE, MasterKey};

#[test]
fn the_master_key_lives_in_the_keychain_when_reachable_and_in_a_private_file_otherwise() {
    let expect = std::env::var("SCIM_CONSOLE_EXPECT_KEYCHAIN").ok();
    let dir = tempfile::tempdir().unwrap();
    let (first, source) = MasterKey::load_with(dir.path(), None, true).unwrap();
    let file = dir.path().join(MASTER_KEY_FILE);
    match (&source, expect.as_deref()) {
        (KeySource::Keychain { created: true }, Some("1") | None) => {
            assert!(!file.exists(), "no copy on disk");
            assert!(dir.path().join("master.key.keychain").exists());
        }
        (
            KeySource::File {
                created: true,
                why: Some(why),
                ..
            },
            Some("0") | None,
        ) => {
            assert!(!why.is_empty());
            assert!(file.exists());
            assert!(
                source.to_string().contains("OS keychain is unavailable"),
                "{source}"
            );
        }
        (other, expected) => panic!("key source {other:?} with expectation {expected:?}"),
    }
    let (again, source_again) = MasterKey::load_with(dir.path(), None, true).unwrap();
    assert_eq!(first, again, "the same key on the next start");
    assert!(matches!(
        (&source, &source_again),
        (
            KeySource::Keychain { .. },
            KeySource::Keychain { created: false }
        ) | (
            KeySource::File { .. },
            KeySource::File { created: false, .. }
        )
    ));
    if matches!(source, KeySource::Keychain { .. }) {
        // A keychain-kept key is not silently replaced when the keychain goes away.
        let err = MasterKey::load_with(dir.path(), None, false).unwrap_err();
        assert!(err.to_string().contains("unlock the keychain"), "{err}");
        // Nor when its entry disappears: the console refuses to start, saying what to do, and
        // writes no new key anywhere.
        let account = format!(
            "master key for {}",
            dir.path().canonicalize().unwrap().display()
        );
        keyring::Entry::new("scim-console", &account)
            .unwrap()
            .delete_credential()
            .unwrap();
        let err = MasterKey::load_with(dir.path(), None, true).unwrap_err();
        let said = err.to_string();
        assert!(
            said.contains("no longer holds this data directory's key"),
            "{said}"
        );
        assert!(said.contains("SCIM_CONSOLE_MASTER_KEY"), "{said}");
        assert!(!file.exists(), "no new key file");
        assert!(
            matches!(
                keyring::Entry::new("scim-console", &account)
                    .unwrap()
                    .get_password(),
                Err(keyring::Error::NoEntry)
            ),
            "no new key in the keychain"
        );
    }
}
