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
