//! `SecretStore` against a real Secret Service: gnome-keyring inside a private `dbus-run-session`,
//! started by `tests/keyring/run.sh` (which sets HOME and the XDG directories to a temporary
//! folder, so no real keyring is touched).
//!
//! These tests are ignored in a plain `cargo test` (no session bus there) and FAIL, never skip,
//! when run without a reachable Secret Service. `run.sh` runs them twice: with the login
//! collection unlocked (everything but `locked_*`), then with gnome-keyring restarted without
//! its password, so the same collection is locked (`locked_*` only).

use vmcheck_secrets::{SecretStore, SecretsError};

fn open() -> SecretStore {
    SecretStore::open().unwrap_or_else(|e| panic!("a Secret Service must be reachable here: {e}"))
}

#[test]
#[ignore = "needs a Secret Service: run tests/keyring/run.sh"]
fn import_get_list_remove_on_the_secret_service() {
    let store = open();
    let name = format!("test-roundtrip-{}", std::process::id());
    // Binary-safe: every byte value, and a PEM-looking text.
    let bytes: Vec<u8> = (0..=255u8)
        .chain(*b"\n-----END PRIVATE KEY-----\n")
        .collect();
    store.import(&name, &bytes).expect("import");
    assert_eq!(store.get(&name).expect("get").as_slice(), bytes.as_slice());
    assert!(
        store.list().expect("list").contains(&name),
        "listed by name"
    );
    store.import(&name, b"second").expect("replace");
    assert_eq!(store.get(&name).expect("get").as_slice(), b"second");
    assert_eq!(
        store
            .list()
            .expect("list")
            .iter()
            .filter(|n| **n == name)
            .count(),
        1,
        "replacing does not duplicate"
    );
    store.remove(&name).expect("remove");
    assert!(!store.list().expect("list").contains(&name));
    assert_eq!(
        store.get(&name).map(|_| ()),
        Err(SecretsError::NotFound(name.clone()))
    );
    assert_eq!(store.remove(&name), Err(SecretsError::NotFound(name)));
}

#[test]
#[ignore = "needs a Secret Service: run tests/keyring/run.sh"]
fn list_shows_names_only_and_only_ours() {
    let store = open();
    let a = format!("test-list-a-{}", std::process::id());
    let b = format!("test-list-b-{}", std::process::id());
    store.import(&a, b"value-a").expect("import a");
    store.import(&b, b"value-b").expect("import b");
    // An item of another application, with another service attribute: never listed.
    let status = std::process::Command::new("secret-tool")
        .args([
            "store",
            "--label=other",
            "service",
            "not-vmcheck",
            "username",
            "x",
        ])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin
                .take()
                .map(|mut s| s.write_all(b"other"))
                .transpose()?;
            c.wait()
        })
        .expect("secret-tool (apt install libsecret-tools)");
    assert!(status.success());
    let names = store.list().expect("list");
    assert!(names.contains(&a) && names.contains(&b), "{names:?}");
    assert!(
        !names.iter().any(|n| n.contains("value") || n == "x"),
        "{names:?}"
    );
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "sorted");
    store.remove(&a).expect("remove a");
    store.remove(&b).expect("remove b");
}

#[test]
#[ignore = "needs a Secret Service: run tests/keyring/run.sh"]
fn the_item_is_stored_under_service_vmcheck() {
    let store = open();
    let name = format!("test-attrs-{}", std::process::id());
    store.import(&name, b"attribute-check").expect("import");
    let out = std::process::Command::new("secret-tool")
        .args(["lookup", "service", "vmcheck", "username", &name])
        .output()
        .expect("secret-tool");
    assert_eq!(out.stdout, b"attribute-check");
    store.remove(&name).expect("remove");
}

#[test]
#[ignore = "needs a LOCKED Secret Service: run tests/keyring/run.sh"]
fn locked_collection_is_reported_as_locked() {
    // run.sh restarted gnome-keyring without its password: the login collection exists (made
    // in the first phase) and is locked; unlocking needs a prompt, which cannot be shown.
    let store = open();
    let want = SecretsError::Locked;
    assert_eq!(store.get("test-locked").map(|_| ()), Err(want.clone()));
    assert_eq!(store.import("test-locked", b"x"), Err(want.clone()));
    assert_eq!(store.list(), Err(want.clone()));
    assert_eq!(
        want.to_string(),
        "The keyring is locked: unlock it (sign in to the desktop) and try again"
    );
}
