//! Opening the audit log with the installation's key: where the log is (`[audit] path`, or the
//! user's data folder), where its key is (the OS keyring — `[audit] key_secret`, by default
//! `vmcheck-audit-log-key` — or, in the sandbox environment only, a file), and creating the key
//! on first use.
//!
//! A key is created only for a log that holds no keyed record yet: losing the key of a log
//! already keyed is an error ("the audit log's key is missing"), never a silent new chain.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use vmcheck_audit::{AuditKey, AuditLog, KEY_LEN};
use vmcheck_secrets::{SecretLookup, SecretsError, Zeroizing};

use crate::access::AuditUnavailable;
use crate::config::{AuditKeySource, Config};

/// Opens the configured audit log, creating its key on first use. The error says why in words
/// for IT (never the key).
pub fn open(
    config: &Config,
    secrets: &dyn SecretLookup,
) -> Result<Arc<AuditLog>, AuditUnavailable> {
    let path = config.audit_path().ok_or_else(|| {
        AuditUnavailable("no folder is known for the audit log: set [audit] path".into())
    })?;
    let source = config.audit_key_source(&path);
    let key = load_or_create_key(&path, &source, secrets)?;
    AuditLog::open_with(
        &path,
        key,
        Duration::from_millis(config.audit.busy_timeout_ms),
    )
    .map(Arc::new)
    .map_err(|e| AuditUnavailable(e.to_string()))
}

/// The key of the log at `path`, from `source`; created (and stored there) when absent and the
/// log holds no keyed record.
pub fn load_or_create_key(
    path: &Path,
    source: &AuditKeySource,
    secrets: &dyn SecretLookup,
) -> Result<AuditKey, AuditUnavailable> {
    let found = match source {
        AuditKeySource::Keyring(name) => match secrets.get(name) {
            Ok(bytes) => Some(bytes),
            Err(SecretsError::NotFound(_)) => None,
            Err(e) => {
                return Err(AuditUnavailable(format!(
                    "the audit log's key (keyring entry '{name}') cannot be read: {e}"
                )))
            }
        },
        AuditKeySource::File(file) => match std::fs::read(file) {
            Ok(bytes) => Some(Zeroizing::new(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(AuditUnavailable(format!(
                    "the audit log's key file {} cannot be read: {e}",
                    file.display()
                )))
            }
        },
    };
    if let Some(bytes) = found {
        return AuditKey::from_bytes(&bytes).map_err(|e| {
            AuditUnavailable(format!(
                "the audit log's key ({}) is unusable: {e}",
                describe(source)
            ))
        });
    }
    let peek = AuditLog::peek(path).map_err(|e| AuditUnavailable(e.to_string()))?;
    if peek.keyed_records > 0 {
        return Err(AuditUnavailable(format!(
            "the audit log's key is missing ({}) although the log at {} was written with one; \
             restore the key from backup — a new key would break the log's chain",
            describe(source),
            path.display()
        )));
    }
    let key = new_key()?;
    match source {
        AuditKeySource::Keyring(name) => secrets.put(name, key.bytes()).map_err(|e| {
            AuditUnavailable(format!(
                "the audit log's key could not be stored in the keyring as '{name}': {e}"
            ))
        })?,
        AuditKeySource::File(file) => write_private(file, key.bytes()).map_err(|e| {
            AuditUnavailable(format!(
                "the audit log's key file {} could not be written: {e}",
                file.display()
            ))
        })?,
    }
    tracing::info!("a new audit log key was created");
    Ok(key)
}

fn describe(source: &AuditKeySource) -> String {
    match source {
        AuditKeySource::Keyring(name) => format!("keyring entry '{name}'"),
        AuditKeySource::File(file) => format!("file {}", file.display()),
    }
}

/// 32 random bytes from the operating system.
fn new_key() -> Result<AuditKey, AuditUnavailable> {
    use ring::rand::SecureRandom;
    let mut bytes = Zeroizing::new([0_u8; KEY_LEN]);
    ring::rand::SystemRandom::new()
        .fill(bytes.as_mut())
        .map_err(|_| AuditUnavailable("no random numbers for a new audit log key".into()))?;
    AuditKey::from_bytes(bytes.as_ref())
        .map_err(|e| AuditUnavailable(format!("a new audit log key is unusable: {e}")))
}

/// Writes a new file readable by this user only.
fn write_private(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(file)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use vmcheck_audit::{Action, NewRecord};
    use vmcheck_secrets::{MemorySecrets, NoSecrets};

    use super::*;

    fn file_source(dir: &Path) -> (PathBuf, AuditKeySource) {
        let key = dir.join("keys").join("audit.key");
        (key.clone(), AuditKeySource::File(key))
    }

    /// A log at `path` that holds one record chained with `key`.
    fn keyed_log(path: &Path, key: AuditKey) {
        let log = AuditLog::open_with(path, key, Duration::from_secs(1)).expect("log");
        log.append(NewRecord::new(
            1_700_000_000,
            "555021935107",
            "RRK99",
            Action::SignIn,
        ))
        .expect("record");
    }

    fn refused(result: Result<AuditKey, AuditUnavailable>) -> String {
        match result {
            Ok(_) => panic!("a key was given"),
            Err(AuditUnavailable(why)) => why,
        }
    }

    #[test]
    fn a_new_log_gets_a_new_key_kept_private_and_found_again() {
        let dir = tempfile::tempdir().expect("dir");
        let log = dir.path().join("audit.sqlite");
        let (file, source) = file_source(dir.path());
        let key = load_or_create_key(&log, &source, &NoSecrets).expect("created");
        assert_eq!(std::fs::read(&file).expect("written"), key.bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).expect("file").permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "readable by this user only");
        }
        let again = load_or_create_key(&log, &source, &NoSecrets).expect("found");
        assert_eq!(again.bytes(), key.bytes(), "the same key, not another");

        let secrets = MemorySecrets::new();
        let keyring = AuditKeySource::Keyring("vmcheck-audit-log-key".into());
        let other_log = dir.path().join("other.sqlite");
        let stored = load_or_create_key(&other_log, &keyring, &secrets).expect("created");
        assert_eq!(
            secrets
                .get("vmcheck-audit-log-key")
                .expect("stored")
                .as_slice(),
            stored.bytes()
        );
        assert_ne!(stored.bytes(), key.bytes(), "each key is random");
    }

    /// A log written with a key from a file, and that file gone.
    fn keyed_log_without_its_key() -> (tempfile::TempDir, PathBuf, PathBuf, AuditKeySource) {
        let dir = tempfile::tempdir().expect("dir");
        let log = dir.path().join("audit.sqlite");
        let (file, source) = file_source(dir.path());
        keyed_log(
            &log,
            load_or_create_key(&log, &source, &NoSecrets).expect("key"),
        );
        std::fs::remove_file(&file).expect("key gone");
        (dir, log, file, source)
    }

    #[test]
    fn a_log_written_with_a_key_never_gets_a_new_one() {
        let (_dir, log, file, source) = keyed_log_without_its_key();
        let why = refused(load_or_create_key(&log, &source, &NoSecrets));
        assert!(
            why.contains("key is missing") && why.contains("restore the key from backup"),
            "{why}"
        );
        assert!(!file.exists(), "no new key was written");

        let secrets = MemorySecrets::new();
        let keyring = AuditKeySource::Keyring("vmcheck-audit-log-key".into());
        let why = refused(load_or_create_key(&log, &keyring, &secrets));
        assert!(
            why.contains("key is missing") && why.contains("keyring entry"),
            "{why}"
        );
        assert!(
            secrets.get("vmcheck-audit-log-key").is_err(),
            "no new key was stored"
        );
    }

    #[test]
    fn a_key_that_cannot_be_read_is_not_taken_for_a_missing_one() {
        let (_dir, log, file, source) = keyed_log_without_its_key();
        // Something at the key's path that cannot be read as a file.
        std::fs::create_dir(&file).expect("a folder in its place");
        let why = refused(load_or_create_key(&log, &source, &NoSecrets));
        assert!(
            why.contains("key file") && why.contains("cannot be read"),
            "{why}"
        );
        assert!(!why.contains("missing"), "{why}");

        let keyring = AuditKeySource::Keyring("vmcheck-audit-log-key".into());
        let why = refused(load_or_create_key(&log, &keyring, &NoSecrets));
        assert!(
            why.contains("keyring entry 'vmcheck-audit-log-key'") && why.contains("cannot be read"),
            "{why}"
        );
    }

    #[test]
    fn a_key_of_the_wrong_length_is_refused_and_not_shown() {
        let dir = tempfile::tempdir().expect("dir");
        let log = dir.path().join("audit.sqlite");
        let secrets = MemorySecrets::new();
        secrets.insert("vmcheck-audit-log-key", b"not-a-key".to_vec());
        let keyring = AuditKeySource::Keyring("vmcheck-audit-log-key".into());
        let why = refused(load_or_create_key(&log, &keyring, &secrets));
        assert!(
            why.contains("is unusable") && why.contains("keyring entry"),
            "{why}"
        );
        assert!(!why.contains("not-a-key"), "{why}");
    }
}
