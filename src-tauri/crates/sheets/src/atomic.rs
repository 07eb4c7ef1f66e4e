//! Writing a file whole or not at all.

use std::io::Write;
use std::path::Path;

use crate::error::SheetError;

/// Writes `bytes` to a new temporary file in `path`'s directory (readable by its owner only,
/// on Unix), flushes it to disk, and renames it over `path`. If anything fails the temporary
/// file is removed and `path` is as it was.
pub(crate) fn write(path: &Path, bytes: &[u8]) -> Result<(), SheetError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut file = tempfile::Builder::new()
        .prefix(".vmcheck-")
        .suffix(".part")
        .tempfile_in(dir)
        .map_err(SheetError::Write)?;
    file.write_all(bytes).map_err(SheetError::Write)?;
    file.as_file().sync_all().map_err(SheetError::Write)?;
    file.persist(path).map_err(|e| SheetError::Write(e.error))?;
    #[cfg(unix)]
    {
        // The rename itself, made durable (best effort: some filesystems refuse).
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}
