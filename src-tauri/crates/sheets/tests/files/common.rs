//! Helpers shared by the tests.

use std::path::{Path, PathBuf};

use vmcheck_sheets::{read_sheet, read_sheet_bytes, ReadOptions, Sheet, SheetError};

/// Cells from string slices.
pub fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|s| (*s).to_owned()).collect()
}

/// A temporary directory and a file name in it.
pub struct Dir(pub tempfile::TempDir);

impl Dir {
    pub fn new() -> Self {
        Self(tempfile::tempdir().expect("temporary directory"))
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }

    /// Writes `bytes` to `name` and returns its path.
    pub fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, bytes).expect("write fixture");
        path
    }

    /// The names of the files in the directory, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.0.path())
            .expect("read dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

/// Reads bytes with the default options.
pub fn read(name: &str, bytes: &[u8]) -> Result<Sheet, SheetError> {
    read_sheet_bytes(Some(name), bytes, &ReadOptions::default())
}

/// Reads a file with the default options.
pub fn read_path(path: &Path) -> Result<Sheet, SheetError> {
    read_sheet(path, &ReadOptions::default())
}
