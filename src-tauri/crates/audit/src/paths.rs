//! Where the audit log lives, and creating its folder and file private to this user.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Where the audit log lives unless told otherwise: `$XDG_DATA_HOME/vmcheck/audit.sqlite`,
/// else `~/.local/share/vmcheck/audit.sqlite` (on Windows `%LOCALAPPDATA%\vmcheck\audit.sqlite`
/// when neither is set). `None` when no home folder is known.
pub fn default_path() -> Option<PathBuf> {
    let local_app_data = if cfg!(windows) {
        std::env::var_os("LOCALAPPDATA")
    } else {
        None
    };
    data_dir(
        std::env::var_os("XDG_DATA_HOME"),
        local_app_data,
        std::env::var_os("HOME"),
    )
    .map(|d| d.join("vmcheck").join("audit.sqlite"))
}

/// The data folder from the environment's values (an empty or relative XDG value is ignored,
/// as the XDG specification says).
fn data_dir(
    xdg: Option<OsString>,
    local_app_data: Option<OsString>,
    home: Option<OsString>,
) -> Option<PathBuf> {
    let absolute = |v: Option<OsString>| v.map(PathBuf::from).filter(|p| p.is_absolute());
    absolute(xdg)
        .or_else(|| absolute(local_app_data))
        .or_else(|| absolute(home).map(|h| h.join(".local").join("share")))
}

/// Creates the folder (and parents) readable by this user only.
pub(crate) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Creates an empty database file readable by this user only, so that SQLite (which gives its
/// `-wal` and `-shm` files the database's permissions) never makes a world-readable log.
pub(crate) fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(s: &str) -> Option<OsString> {
        Some(OsString::from(s))
    }

    #[cfg(unix)]
    #[test]
    fn data_dir_follows_xdg_then_home() {
        assert_eq!(
            data_dir(os("/x/data"), None, os("/home/a")),
            Some(PathBuf::from("/x/data"))
        );
        assert_eq!(
            data_dir(None, None, os("/home/a")),
            Some(PathBuf::from("/home/a/.local/share"))
        );
        // Empty or relative XDG values are ignored.
        assert_eq!(
            data_dir(os(""), None, os("/home/a")),
            Some(PathBuf::from("/home/a/.local/share"))
        );
        assert_eq!(
            data_dir(os("rel/data"), None, os("/home/a")),
            Some(PathBuf::from("/home/a/.local/share"))
        );
        assert_eq!(
            data_dir(None, os("/lad"), os("/home/a")),
            Some(PathBuf::from("/lad"))
        );
        assert_eq!(data_dir(None, None, None), None);
        assert_eq!(data_dir(None, None, os("")), None);
    }

    #[test]
    fn default_path_ends_in_vmcheck_audit_sqlite() {
        if let Some(p) = default_path() {
            assert!(p.ends_with("vmcheck/audit.sqlite"), "{}", p.display());
        }
    }
}
