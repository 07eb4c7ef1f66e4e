//! Where the desktop writes the user's files (exports, slips): their documents folder, under a
//! name that never overwrites another file.

use std::path::{Path, PathBuf};

/// `$XDG_DOCUMENTS_DIR`, else `~/Documents`.
pub fn documents_dir() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    var("XDG_DOCUMENTS_DIR").or_else(|| var("HOME").map(|h| h.join("Documents")))
}

/// Creates `<stem>-<date>.<ext>` (or `-2`, `-3`… when taken) in `dir`, readable by its owner
/// only, so that nothing else is ever overwritten: the export is then written over this empty
/// file.
pub fn reserve(dir: &Path, stem: &str, date: &str, ext: &str) -> std::io::Result<PathBuf> {
    for n in 1..=999 {
        let file = if n == 1 {
            format!("{stem}-{date}.{ext}")
        } else {
            format!("{stem}-{date}-{n}.{ext}")
        };
        let path = dir.join(file);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&path) {
            Ok(_) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        "too many files of this name today",
    ))
}
