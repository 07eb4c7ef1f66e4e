//! How the engine gets and keeps secrets (the mutual-TLS private key, the PDS signing key, the
//! audit log's key): a [`SecretLookup`] by name. The operating system's keyring implements it
//! ([`crate::SecretStore`], [`crate::LazyKeyring`]); [`MemorySecrets`] holds secrets in memory
//! for tests, and [`NoSecrets`] has none (a configuration naming a secret then fails to start,
//! saying so).
//!
//! Secret bytes are returned in [`Zeroizing`] buffers and are never logged or shown: errors name
//! the entry, never its content.

use std::collections::HashMap;
use std::sync::Mutex;

use zeroize::Zeroizing;

use crate::SecretsError;

/// Secrets by name (a keyring entry name such as `vmcheck-tls-key`).
pub trait SecretLookup: Send + Sync {
    /// The secret's bytes, or why they cannot be had (never the secret).
    fn get(&self, name: &str) -> Result<Zeroizing<Vec<u8>>, SecretsError>;

    /// Stores (or replaces) a secret: the audit log's key is created on first use.
    fn put(&self, name: &str, secret: &[u8]) -> Result<(), SecretsError>;
}

/// No secret store: every lookup fails.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSecrets;

impl SecretLookup for NoSecrets {
    fn get(&self, _name: &str) -> Result<Zeroizing<Vec<u8>>, SecretsError> {
        Err(SecretsError::NoKeyring(
            "no keyring is available to this program".to_owned(),
        ))
    }

    fn put(&self, name: &str, _secret: &[u8]) -> Result<(), SecretsError> {
        self.get(name).map(|_| ())
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
    fn get(&self, name: &str) -> Result<Zeroizing<Vec<u8>>, SecretsError> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(name)
            .cloned()
            .ok_or_else(|| SecretsError::NotFound(name.to_owned()))
    }

    fn put(&self, name: &str, secret: &[u8]) -> Result<(), SecretsError> {
        self.insert(name, secret.to_vec());
        Ok(())
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
        assert_eq!(missing, SecretsError::NotFound("other".into()));
        store.put("other", b"x").expect("stored");
        assert_eq!(store.get("other").expect("found").as_slice(), b"x");
        assert!(!format!("{store:?}").contains("PRIVATE"));
        assert!(NoSecrets.get("vmcheck-tls-key").is_err());
    }
}
