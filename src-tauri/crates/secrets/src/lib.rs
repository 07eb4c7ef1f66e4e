//! # vmcheck-secrets
//!
//! V&M Check's secrets — the TLS private key, the PDS signing key, optionally a signing key for
//! the audit JWT — kept in the operating system's keyring through `keyring-core`: the Secret
//! Service (GNOME Keyring, KWallet) on Linux, the login Keychain on macOS, the Credential Manager
//! on Windows. Each secret is one keyring entry: service `vmcheck`, user (account) the secret's
//! NAME; the bytes are stored as they are (a PEM file stays a PEM file).
//!
//! Listing: on Linux the names come from a Secret Service search on the attribute
//! `service = vmcheck`. `keyring-core` has no portable way to enumerate (each store's search takes
//! different keys), so on the other platforms the store keeps one more entry, `.index`, holding
//! the names one a line; it is updated by [`SecretStore::import`] and [`SecretStore::remove`].
//!
//! It deliberately never logs, prints or puts in an error a secret's bytes; errors name the
//! secret only. The keyring calls block (D-Bus on Linux): call them off the async executor, or
//! where blocking is harmless (start-up, the command line).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use keyring_core::{CredentialStore, Entry};
pub use zeroize::Zeroizing;

mod lookup;
pub use lookup::{MemorySecrets, NoSecrets, SecretLookup};

/// The keyring service name of every V&M Check secret.
pub const SERVICE: &str = "vmcheck";
/// The entry listing the names, on stores that cannot be searched.
const INDEX: &str = ".index";
/// The longest name accepted.
const MAX_NAME: usize = 64;

/// Why a keyring operation failed. No variant carries secret material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretsError {
    /// No keyring service answered (no session bus, no Secret Service running, unsupported
    /// platform).
    #[error("No keyring is reachable: {0}")]
    NoKeyring(String),
    /// The keyring (collection) is locked and could not be unlocked without a prompt.
    #[error("The keyring is locked: unlock it (sign in to the desktop) and try again")]
    Locked,
    /// No secret has this name.
    #[error("There is no secret named '{0}' in the keyring")]
    NotFound(String),
    /// The name is not acceptable.
    #[error("'{0}' is not a valid secret name: use 1 to 64 letters, digits, '.', '_' or '-', not starting with '.'")]
    InvalidName(String),
    /// An empty secret was given.
    #[error("the secret '{0}' is empty: nothing was stored")]
    Empty(String),
    /// Anything else the keyring reported.
    #[error("The keyring refused the operation: {0}")]
    Other(String),
}

impl SecretsError {
    /// A short stable code for scripts and logs.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoKeyring(_) => "KEYRING_UNREACHABLE",
            Self::Locked => "KEYRING_LOCKED",
            Self::NotFound(_) => "SECRET_NOT_FOUND",
            Self::InvalidName(_) => "SECRET_NAME_INVALID",
            Self::Empty(_) => "SECRET_EMPTY",
            Self::Other(_) => "KEYRING_ERROR",
        }
    }

    /// Whether the keyring itself is unavailable (unreachable or locked), as opposed to a
    /// problem with one secret.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::NoKeyring(_) | Self::Locked)
    }
}

/// Checks a secret's name: 1–64 of `A–Z a–z 0–9 . _ -`, not starting with `.` (names starting
/// with a dot are the store's own).
pub fn check_name(name: &str) -> Result<(), SecretsError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        // Show a safe excerpt only: the "name" might be something pasted by mistake.
        let shown: String = name
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_NAME)
            .collect();
        Err(SecretsError::InvalidName(shown))
    }
}

/// How names are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listing {
    /// Secret Service search on `service = vmcheck` (items carry `service` and `username`).
    SecretServiceSearch,
    /// The `.index` entry.
    Index,
}

/// The keyring, as V&M Check uses it.
pub struct SecretStore {
    store: Arc<CredentialStore>,
    listing: Listing,
    /// Whether entries get a `label` modifier (Secret Service only).
    labels: bool,
}

impl std::fmt::Debug for SecretStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretStore")
            .field("listing", &self.listing)
            .finish_non_exhaustive()
    }
}

impl SecretStore {
    /// Connects to the platform's keyring. [`SecretsError::NoKeyring`] when none answers.
    pub fn open() -> Result<Self, SecretsError> {
        let (store, listing, labels) = platform_store()?;
        Ok(Self {
            store,
            listing,
            labels,
        })
    }

    /// Uses any `keyring-core` store (tests, or a store chosen by the program). Names are listed
    /// with the `.index` entry.
    pub fn with_store(store: Arc<CredentialStore>) -> Self {
        Self {
            store,
            listing: Listing::Index,
            labels: false,
        }
    }

    fn entry(&self, name: &str) -> Result<Entry, SecretsError> {
        let result = if self.labels {
            let label = format!("V&M Check: {name}");
            let modifiers = HashMap::from([("label", label.as_str())]);
            self.store.build(SERVICE, name, Some(&modifiers))
        } else {
            self.store.build(SERVICE, name, None)
        };
        result.map_err(|e| map_error(e, name))
    }

    /// Stores `bytes` under `name`, replacing any secret of that name.
    pub fn import(&self, name: &str, bytes: &[u8]) -> Result<(), SecretsError> {
        check_name(name)?;
        if bytes.is_empty() {
            return Err(SecretsError::Empty(name.to_owned()));
        }
        self.entry(name)?
            .set_secret(bytes)
            .map_err(|e| map_error(e, name))?;
        if self.listing == Listing::Index {
            let mut names = self.index()?;
            if names.insert(name.to_owned()) {
                self.write_index(&names)?;
            }
        }
        tracing::info!(secret = name, "secret stored in the keyring");
        Ok(())
    }

    /// The secret called `name`.
    pub fn get(&self, name: &str) -> Result<Zeroizing<Vec<u8>>, SecretsError> {
        check_name(name)?;
        let bytes = self
            .entry(name)?
            .get_secret()
            .map_err(|e| map_error(e, name))?;
        Ok(Zeroizing::new(bytes))
    }

    /// Deletes the secret called `name` ([`SecretsError::NotFound`] when there is none).
    pub fn remove(&self, name: &str) -> Result<(), SecretsError> {
        check_name(name)?;
        self.entry(name)?
            .delete_credential()
            .map_err(|e| map_error(e, name))?;
        if self.listing == Listing::Index {
            let mut names = self.index()?;
            if names.remove(name) {
                self.write_index(&names)?;
            }
        }
        tracing::info!(secret = name, "secret removed from the keyring");
        Ok(())
    }

    /// The names of the stored secrets, sorted (never their values).
    pub fn list(&self) -> Result<Vec<String>, SecretsError> {
        match self.listing {
            Listing::Index => Ok(self.index()?.into_iter().collect()),
            Listing::SecretServiceSearch => {
                let spec = HashMap::from([("service", SERVICE)]);
                let found = self
                    .store
                    .search(&spec)
                    .map_err(|e| map_error(e, SERVICE))?;
                let names: BTreeSet<String> = found
                    .iter()
                    .filter_map(Entry::get_specifiers)
                    .filter(|(service, _)| service == SERVICE)
                    .map(|(_, user)| user)
                    .filter(|user| check_name(user).is_ok())
                    .collect();
                Ok(names.into_iter().collect())
            }
        }
    }

    fn index(&self) -> Result<BTreeSet<String>, SecretsError> {
        match self
            .store
            .build(SERVICE, INDEX, None)
            .and_then(|e| e.get_secret())
        {
            Ok(bytes) => Ok(String::from_utf8_lossy(&bytes)
                .lines()
                .filter(|l| check_name(l).is_ok())
                .map(str::to_owned)
                .collect()),
            Err(keyring_core::Error::NoEntry) => Ok(BTreeSet::new()),
            Err(e) => Err(map_error(e, INDEX)),
        }
    }

    fn write_index(&self, names: &BTreeSet<String>) -> Result<(), SecretsError> {
        let entry = self
            .store
            .build(SERVICE, INDEX, None)
            .map_err(|e| map_error(e, INDEX))?;
        let result = if names.is_empty() {
            match entry.delete_credential() {
                Err(keyring_core::Error::NoEntry) => Ok(()),
                other => other,
            }
        } else {
            let text: Vec<&str> = names.iter().map(String::as_str).collect();
            entry.set_secret(text.join("\n").as_bytes())
        };
        result.map_err(|e| map_error(e, INDEX))
    }
}

type Opened = (Arc<CredentialStore>, Listing, bool);

#[cfg(target_os = "linux")]
fn platform_store() -> Result<Opened, SecretsError> {
    match zbus_secret_service_keyring_store::Store::new() {
        Ok(store) => Ok((store, Listing::SecretServiceSearch, true)),
        Err(e) => Err(SecretsError::NoKeyring(format!(
            "the Secret Service (GNOME Keyring, KWallet) of the desktop session did not answer ({})",
            innermost(&e)
        ))),
    }
}

#[cfg(target_os = "macos")]
fn platform_store() -> Result<Opened, SecretsError> {
    match apple_native_keyring_store::keychain::Store::new() {
        Ok(store) => Ok((store, Listing::Index, false)),
        Err(e) => Err(SecretsError::NoKeyring(format!(
            "the login Keychain could not be opened ({})",
            innermost(&e)
        ))),
    }
}

#[cfg(target_os = "windows")]
fn platform_store() -> Result<Opened, SecretsError> {
    match windows_native_keyring_store::Store::new() {
        Ok(store) => Ok((store, Listing::Index, false)),
        Err(e) => Err(SecretsError::NoKeyring(format!(
            "the Windows Credential Manager could not be opened ({})",
            innermost(&e)
        ))),
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn platform_store() -> Result<Opened, SecretsError> {
    Err(SecretsError::NoKeyring(
        "this operating system has no keyring V&M Check can use".into(),
    ))
}

/// The deepest cause's text (the outer layers only say "platform failure").
fn innermost(e: &keyring_core::Error) -> String {
    let mut source: &dyn std::error::Error = e;
    while let Some(next) = source.source() {
        source = next;
    }
    let text = source.to_string();
    text.chars().take(200).collect()
}

/// Maps a keyring-core error. Only `Display` texts are used: some variants' `Debug` carries the
/// secret's bytes.
fn map_error(e: keyring_core::Error, name: &str) -> SecretsError {
    use keyring_core::Error as K;
    match e {
        K::NoEntry => SecretsError::NotFound(name.to_owned()),
        // The Secret Service store reports locked collections, dismissed or impossible prompts
        // this way.
        K::NoStorageAccess(_) => SecretsError::Locked,
        K::NoDefaultStore => SecretsError::NoKeyring("no keyring store is configured".into()),
        K::Ambiguous(entries) => SecretsError::Other(format!(
            "{} keyring items are named '{name}' for service '{SERVICE}'; remove the extra ones (e.g. with Seahorse)",
            entries.len()
        )),
        K::PlatformFailure(_) => {
            let text = innermost(&e);
            let lower = text.to_ascii_lowercase();
            if lower.contains("locked") || lower.contains("prompt") {
                SecretsError::Locked
            } else if lower.contains("serviceunknown")
                || lower.contains("service unknown")
                || lower.contains("connection refused")
                || lower.contains("no such file")
                || lower.contains("broken pipe")
            {
                SecretsError::NoKeyring(format!("the keyring service went away ({text})"))
            } else {
                SecretsError::Other(text)
            }
        }
        K::BadEncoding(_) | K::BadDataFormat(..) => {
            SecretsError::Other(format!("the secret '{name}' is not in a readable form"))
        }
        other => SecretsError::Other(other.to_string()),
    }
}

impl SecretLookup for SecretStore {
    fn get(&self, name: &str) -> Result<Zeroizing<Vec<u8>>, SecretsError> {
        SecretStore::get(self, name)
    }

    fn put(&self, name: &str, secret: &[u8]) -> Result<(), SecretsError> {
        self.import(name, secret)
    }
}

/// The platform keyring, opened the first time a secret is asked for: a configuration that
/// names no secret never touches the keyring (no D-Bus connection, no unlock prompt).
#[derive(Debug, Default)]
pub struct LazyKeyring {
    store: std::sync::OnceLock<Result<SecretStore, SecretsError>>,
}

impl LazyKeyring {
    /// A keyring not yet opened.
    pub fn new() -> Self {
        Self::default()
    }

    fn store(&self) -> Result<&SecretStore, SecretsError> {
        self.store
            .get_or_init(SecretStore::open)
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl SecretLookup for LazyKeyring {
    fn get(&self, name: &str) -> Result<Zeroizing<Vec<u8>>, SecretsError> {
        self.store()?.get(name)
    }

    fn put(&self, name: &str, secret: &[u8]) -> Result<(), SecretsError> {
        self.store()?.import(name, secret)
    }
}

#[cfg(test)]
mod tests;
