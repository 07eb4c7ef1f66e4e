//! Without a session bus there is no keyring: the error says so plainly. Runs in a plain
//! `cargo test` and inside `tests/keyring/run.sh` alike: it removes the bus address from its own
//! environment (this binary holds this one test only, so nothing else reads the environment).

use vmcheck_secrets::{SecretStore, SecretsError};

#[test]
fn without_a_session_bus_the_keyring_is_unreachable() {
    let empty = tempfile::tempdir().expect("temp dir");
    std::env::remove_var("DBUS_SESSION_BUS_ADDRESS");
    std::env::set_var("XDG_RUNTIME_DIR", empty.path());
    let err = SecretStore::open().expect_err("no keyring without a session bus");
    assert!(matches!(err, SecretsError::NoKeyring(_)), "{err:?}");
    let text = err.to_string();
    eprintln!("{text}");
    assert!(text.starts_with("No keyring is reachable: "), "{text}");
    assert!(text.contains("Secret Service"), "{text}");
    assert_eq!(err.code(), "KEYRING_UNREACHABLE");
}
