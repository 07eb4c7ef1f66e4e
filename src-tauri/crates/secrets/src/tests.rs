//! The store's logic on an in-memory `keyring-core` store without search (so the `.index` path
//! is the one exercised), and the error mapping. The real Secret Service is tested by
//! `tests/keyring.rs` (run by `tests/keyring/run.sh`).

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use keyring_core::api::{Credential, CredentialApi, CredentialStoreApi};
use keyring_core::{Entry, Error, Result};

use super::*;

type Items = Arc<Mutex<HashMap<(String, String), Vec<u8>>>>;

#[derive(Debug, Default)]
struct MemStore {
    items: Items,
}

#[derive(Debug)]
struct MemCred {
    items: Items,
    key: (String, String),
}

impl CredentialApi for MemCred {
    fn set_secret(&self, secret: &[u8]) -> Result<()> {
        self.items
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(self.key.clone(), secret.to_vec());
        Ok(())
    }

    fn get_secret(&self) -> Result<Vec<u8>> {
        self.items
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&self.key)
            .cloned()
            .ok_or(Error::NoEntry)
    }

    fn delete_credential(&self) -> Result<()> {
        self.items
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.key)
            .map(|_| ())
            .ok_or(Error::NoEntry)
    }

    fn get_credential(&self) -> Result<Option<Arc<Credential>>> {
        Ok(None)
    }

    fn get_specifiers(&self) -> Option<(String, String)> {
        Some(self.key.clone())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl CredentialStoreApi for MemStore {
    fn vendor(&self) -> String {
        "test".into()
    }

    fn id(&self) -> String {
        "test".into()
    }

    fn build(
        &self,
        service: &str,
        user: &str,
        _modifiers: Option<&HashMap<&str, &str>>,
    ) -> Result<Entry> {
        Ok(Entry::new_with_credential(Arc::new(MemCred {
            items: Arc::clone(&self.items),
            key: (service.to_owned(), user.to_owned()),
        })))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn store() -> (SecretStore, Items) {
    let mem = MemStore::default();
    let items = Arc::clone(&mem.items);
    (SecretStore::with_store(Arc::new(mem)), items)
}

#[test]
fn import_get_list_remove_round_trip_with_an_index() {
    let (s, items) = store();
    assert_eq!(s.list(), Ok(vec![]));
    s.import("pds-signing-key", b"-----BEGIN PRIVATE KEY-----\n")
        .expect("import");
    s.import("tls-key", b"key").expect("import");
    s.import("tls-key", b"key2").expect("replace");
    assert_eq!(
        s.list(),
        Ok(vec!["pds-signing-key".to_owned(), "tls-key".to_owned()])
    );
    assert_eq!(s.get("tls-key").expect("get").as_slice(), b"key2");
    // One entry per secret under service `vmcheck`, plus the index.
    let keys: Vec<(String, String)> = {
        let map = items.lock().unwrap_or_else(PoisonError::into_inner);
        let mut k: Vec<_> = map.keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(
        keys,
        vec![
            ("vmcheck".to_owned(), ".index".to_owned()),
            ("vmcheck".to_owned(), "pds-signing-key".to_owned()),
            ("vmcheck".to_owned(), "tls-key".to_owned()),
        ]
    );
    s.remove("tls-key").expect("remove");
    assert_eq!(s.list(), Ok(vec!["pds-signing-key".to_owned()]));
    assert_eq!(
        s.get("tls-key").map(|_| ()),
        Err(SecretsError::NotFound("tls-key".into()))
    );
    assert_eq!(
        s.remove("tls-key"),
        Err(SecretsError::NotFound("tls-key".into()))
    );
    s.remove("pds-signing-key").expect("remove");
    assert_eq!(s.list(), Ok(vec![]));
    assert!(
        items
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty(),
        "the index goes with the last secret"
    );
}

#[test]
fn names_are_checked_and_empty_secrets_refused() {
    let (s, _) = store();
    for bad in ["", ".index", "a b", "a/b", "é", &"x".repeat(65)] {
        assert!(
            matches!(s.import(bad, b"x"), Err(SecretsError::InvalidName(_))),
            "{bad:?}"
        );
        assert!(matches!(s.get(bad), Err(SecretsError::InvalidName(_))));
    }
    for good in ["a", "pds.signing_key-2", &"x".repeat(64)] {
        assert_eq!(check_name(good), Ok(()), "{good}");
    }
    assert_eq!(
        s.import("empty", b""),
        Err(SecretsError::Empty("empty".into()))
    );
    assert_eq!(s.list(), Ok(vec![]));
}

#[test]
fn errors_map_to_the_four_kinds_without_secret_bytes() {
    let boxed = |s: &str| -> keyring_core::error::PlatformError {
        Box::new(std::io::Error::other(s.to_owned()))
    };
    assert_eq!(
        map_error(Error::NoStorageAccess(boxed("Prompt dismissed")), "k"),
        SecretsError::Locked
    );
    assert_eq!(
        map_error(
            Error::PlatformFailure(boxed("Cannot create an item in a locked collection")),
            "k"
        ),
        SecretsError::Locked
    );
    assert!(matches!(
        map_error(
            Error::PlatformFailure(boxed(
                "org.freedesktop.DBus.Error.ServiceUnknown: The name is not activatable"
            )),
            "k"
        ),
        SecretsError::NoKeyring(_)
    ));
    assert_eq!(
        map_error(Error::NoEntry, "k"),
        SecretsError::NotFound("k".into())
    );
    let bad = map_error(Error::BadEncoding(b"SECRET-BYTES".to_vec()), "k");
    assert!(!bad.to_string().contains("SECRET"), "{bad}");
    assert_eq!(
        SecretsError::Locked.to_string(),
        "The keyring is locked: unlock it (sign in to the desktop) and try again"
    );
    assert!(SecretsError::NoKeyring("x".into())
        .to_string()
        .starts_with("No keyring is reachable: "));
}
