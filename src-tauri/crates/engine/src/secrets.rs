//! Where the engine gets secrets (the mutual-TLS private key, `tls.key_secret`): a
//! [`SecretLookup`] by name. The operating system's keyring implements it outside this crate;
//! [`MemorySecrets`] holds secrets in memory for tests, and [`NoSecrets`] is what
//! [`crate::Engine::new`] uses (a configuration naming a secret then fails to start, saying so).
//!
//! Secret bytes are returned in [`Zeroizing`] buffers and are never logged or shown: errors name
//! the entry, never its content.

use std::collections::HashMap;
use std::sync::Mutex;

use zeroize::Zeroizing;

/// Fetches a secret by name (a keyring entry name such as `vmcheck-tls-key`).
pub trait SecretLookup: Send + Sync {
    /// The secret's bytes, or why they cannot be had (in words for IT; never the secret).
    fn get(&self, name: &str) -> Result<Zeroizing<Vec<u8>>, String>;
}

/// No secret store: every lookup fails.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSecrets;

impl SecretLookup for NoSecrets {
    fn get(&self, _name: &str) -> Result<Zeroizing<Vec<u8>>, String> {
        Err("no keyring is available to this program".to_owned())
    }
}

/// Secrets held in memory (tests, demos).
#[derive(Default)]
pub struct MemorySecrets {
    entries: Mutex<HashMap<String, Zeroizing<Vec<u8>>>>,
}

impl MemorySecrets {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores (or replaces) `name`.
    pub fn insert(&self, name: impl Into<String>, secret: impl Into<Vec<u8>>) {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(name.into(), Zeroizing::new(secret.into()));
    }
}

impl std::fmt::Debug for MemorySecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len();
        f.debug_struct("MemorySecrets")
            .field("entries", &count)
            .finish()
    }
}

impl SecretLookup for MemorySecrets {
    fn get(&self, name: &str) -> Result<Zeroizing<Vec<u8>>, String> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(name)
            .cloned()
            .ok_or_else(|| format!("there is no keyring entry named '{name}'"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_secrets_are_found_by_name_and_never_shown() {
        let store = MemorySecrets::new();
        store.insert("vmcheck-tls-key", b"-----BEGIN PRIVATE KEY-----".to_vec());
        assert_eq!(
            store.get("vmcheck-tls-key").expect("found").as_slice(),
            b"-----BEGIN PRIVATE KEY-----"
        );
        let missing = store.get("other").expect_err("missing");
        assert!(missing.contains("'other'"), "{missing}");
        assert!(!format!("{store:?}").contains("PRIVATE"));
        assert!(NoSecrets.get("vmcheck-tls-key").is_err());
    }
}
