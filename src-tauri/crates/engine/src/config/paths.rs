//! Where files are when the configuration does not say: the configuration file itself, the
//! audit log, the training audit log. The standard XDG variables are the only environment read,
//! besides `VMCHECK_CONFIG` for the configuration file.

use std::path::PathBuf;

/// The configuration file used when none is named: `$VMCHECK_CONFIG`, else
/// `$XDG_CONFIG_HOME/vmcheck/config.toml`, else `~/.config/vmcheck/config.toml`.
pub fn default_path() -> Option<std::path::PathBuf> {
    use std::path::PathBuf;
    if let Some(p) = std::env::var_os("VMCHECK_CONFIG") {
        return Some(PathBuf::from(p));
    }
    Some(config_home()?.join("vmcheck").join("config.toml"))
}

/// The user's configuration folder: `$XDG_CONFIG_HOME` (absolute), else `~/.config`.
pub fn config_home() -> Option<PathBuf> {
    std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
}

/// The user's data folder: `$XDG_DATA_HOME` (absolute), else `~/.local/share`.
fn data_home() -> Option<PathBuf> {
    std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
}

/// The audit log unless configured: `vmcheck/audit.sqlite` in the user's data folder.
pub fn default_audit_path() -> Option<PathBuf> {
    vmcheck_audit::default_path()
}

/// The audit log of the sandbox environment (training): `vmcheck/training-audit.sqlite` in the
/// user's data folder, apart from the real one.
pub fn training_audit_path() -> Option<PathBuf> {
    data_home().map(|d| d.join("vmcheck").join("training-audit.sqlite"))
}
