//! `AuditError`: what can go wrong with the audit log, in plain English. No message ever carries
//! a record's contents (NHS numbers, user ids): only paths, counts and SQLite's own wording.

use std::path::{Path, PathBuf};

use rusqlite::ErrorCode;

/// An audit log operation that failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// The audit log could not be opened or created: its folder cannot be made, the file cannot
    /// be read or written by this user, or the disk is full.
    #[error("cannot open the audit log at {}: {cause}", path.display())]
    Open {
        /// The database file.
        path: PathBuf,
        /// Why, in words.
        cause: String,
    },
    /// Another V&M Check (or another program) kept the audit log locked for longer than the
    /// busy timeout.
    #[error("the audit log at {} is locked by another program; try again", path.display())]
    Busy {
        /// The database file.
        path: PathBuf,
    },
    /// The file is not a V&M Check audit log, or SQLite found it damaged.
    #[error("the audit log at {} is damaged or is not a V&M Check audit log: {detail}", path.display())]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// What SQLite or the schema check said.
        detail: String,
    },
    /// The audit log was written by a newer version of V&M Check, whose format this one cannot
    /// safely append to.
    #[error(
        "the audit log at {} was written by a newer version of V&M Check (format {found}; this version knows {supported}): update V&M Check",
        path.display()
    )]
    NewerFormat {
        /// The database file.
        path: PathBuf,
        /// The format version found in the file.
        found: i64,
        /// The newest format version this build understands.
        supported: i64,
    },
    /// Reading or writing the database failed once it was open: disk full, file made read-only,
    /// an I/O error.
    #[error("cannot read or write the audit log at {}: {detail}", path.display())]
    Storage {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        detail: String,
    },
    /// The key given is not the one this log was written with (or the log names another
    /// installation): continuing it would break the chain.
    #[error("the audit log at {} was written with another key: it cannot be continued with this one", path.display())]
    WrongKey {
        /// The database file.
        path: PathBuf,
    },
    /// The record cannot be stored as given; nothing was written.
    #[error("audit record refused: {reason}")]
    InvalidRecord {
        /// Which rule it broke.
        reason: &'static str,
    },
    /// Writing the CSV export to its destination failed.
    #[error("cannot write the export: {0}")]
    Output(#[source] std::io::Error),
}

impl AuditError {
    /// True when trying again later may succeed (the database was locked).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Busy { .. })
    }

    /// A stable short code for scripts and the UI.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Open { .. } => "audit_open",
            Self::Busy { .. } => "audit_busy",
            Self::Corrupt { .. } => "audit_corrupt",
            Self::NewerFormat { .. } => "audit_newer_format",
            Self::Storage { .. } => "audit_storage",
            Self::InvalidRecord { .. } => "audit_invalid_record",
            Self::WrongKey { .. } => "audit_wrong_key",
            Self::Output(_) => "audit_output",
        }
    }

    /// Classifies a SQLite error raised while using an open database.
    pub(crate) fn from_sqlite(path: &Path, e: &rusqlite::Error) -> Self {
        let path = path.to_path_buf();
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Self::Busy { path },
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => Self::Corrupt {
                path,
                detail: e.to_string(),
            },
            _ => Self::Storage {
                path,
                detail: e.to_string(),
            },
        }
    }

    /// Classifies a SQLite error raised while opening: busy and corrupt keep their meaning,
    /// anything else is "cannot open".
    pub(crate) fn from_sqlite_opening(path: &Path, e: &rusqlite::Error) -> Self {
        match Self::from_sqlite(path, e) {
            Self::Storage { path, detail } => Self::Open {
                path,
                cause: detail,
            },
            other => other,
        }
    }
}
