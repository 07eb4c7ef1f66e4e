//! The database schema, its version (`PRAGMA user_version`) and the migration from format 1.
//!
//! Version 1 (the first release) held nine fields per record, SHA-256 chained. Version 2 adds
//! the installation id, search terms, batch id, the intent an outcome refers to, a detail and
//! each record's hashing `format`; a `audit_meta` table holds the installation id. Migrating
//! keeps every version-1 record and its hash as they are: the chain continues from the last
//! one, keyed from then on.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use crate::error::AuditError;

/// The schema version this build writes and reads (`PRAGMA user_version`).
pub const FORMAT_VERSION: i64 = 2;

/// A new database: the table, its index, the append-only triggers and the meta table.
const SCHEMA_V2: &str = "
CREATE TABLE audit_record (
    seq             INTEGER PRIMARY KEY,
    time            INTEGER NOT NULL,
    user_uuid       TEXT NOT NULL,
    role_profile_id TEXT,
    ods_code        TEXT NOT NULL,
    action          TEXT NOT NULL,
    nhs_number      TEXT,
    outcome         TEXT,
    trace_id        TEXT,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL,
    installation_id TEXT,
    search_terms    TEXT,
    batch_id        TEXT,
    refers_to       INTEGER,
    detail          TEXT,
    format          INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX audit_record_time ON audit_record (time);
CREATE INDEX audit_record_refers_to ON audit_record (refers_to);
CREATE TRIGGER audit_record_no_update BEFORE UPDATE ON audit_record
BEGIN SELECT RAISE(ABORT, 'audit records cannot be changed'); END;
CREATE TRIGGER audit_record_no_delete BEFORE DELETE ON audit_record
BEGIN SELECT RAISE(ABORT, 'audit records cannot be deleted'); END;
CREATE TABLE audit_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
PRAGMA user_version = 2;
";

/// Version 1 → 2: new columns (format 1 for the records already there), the meta table.
const MIGRATE_1_TO_2: &str = "
ALTER TABLE audit_record ADD COLUMN installation_id TEXT;
ALTER TABLE audit_record ADD COLUMN search_terms TEXT;
ALTER TABLE audit_record ADD COLUMN batch_id TEXT;
ALTER TABLE audit_record ADD COLUMN refers_to INTEGER;
ALTER TABLE audit_record ADD COLUMN detail TEXT;
ALTER TABLE audit_record ADD COLUMN format INTEGER NOT NULL DEFAULT 1;
CREATE INDEX audit_record_refers_to ON audit_record (refers_to);
CREATE TABLE audit_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
PRAGMA user_version = 2;
";

/// The index by worklist job, on the records that belong to one.
const BATCH_INDEX: &str = "CREATE INDEX IF NOT EXISTS audit_record_batch \
     ON audit_record (batch_id) WHERE batch_id IS NOT NULL;";

/// The stored columns, in the order [`crate::verify::StoredRow::read`] reads them.
pub(crate) const COLUMNS: &str = "seq, time, user_uuid, role_profile_id, ods_code, action, \
     nhs_number, outcome, trace_id, prev_hash, hash, installation_id, search_terms, batch_id, \
     refers_to, detail, format";

/// Creates the schema in a new file, migrates a version-1 file, checks an existing one; then
/// records (or checks) the installation id. Two processes opening a new file at once are
/// serialised by the immediate transaction.
pub(crate) fn ensure(
    path: &Path,
    conn: &mut Connection,
    installation_id: &str,
) -> Result<(), AuditError> {
    let sqlite_error = |e: rusqlite::Error| AuditError::from_sqlite_opening(path, &e);
    let newer = |found: i64| AuditError::NewerFormat {
        path: path.to_path_buf(),
        found,
        supported: FORMAT_VERSION,
    };
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sqlite_error)?;
    let version: i64 = tx
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(sqlite_error)?;
    match version {
        0 => {
            let objects: i64 = tx
                .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
                .map_err(sqlite_error)?;
            if objects > 0 {
                return Err(AuditError::Corrupt {
                    path: path.to_path_buf(),
                    detail: "the file is another program's SQLite database".into(),
                });
            }
            tx.execute_batch(SCHEMA_V2).map_err(sqlite_error)?;
        }
        1 => tx.execute_batch(MIGRATE_1_TO_2).map_err(sqlite_error)?,
        FORMAT_VERSION => {}
        v if v > FORMAT_VERSION => return Err(newer(v)),
        v => {
            return Err(AuditError::Corrupt {
                path: path.to_path_buf(),
                detail: format!("unknown format version {v}"),
            })
        }
    }
    // Worklist jobs find their rows' records by batch (an index only; no format change).
    tx.execute_batch(BATCH_INDEX).map_err(sqlite_error)?;
    let stored: Option<String> = tx
        .query_row(
            "SELECT value FROM audit_meta WHERE name = 'installation_id'",
            [],
            |r| r.get(0),
        )
        .ok();
    match stored {
        None => {
            tx.execute(
                "INSERT INTO audit_meta (name, value) VALUES ('installation_id', ?1)",
                [installation_id],
            )
            .map_err(sqlite_error)?;
        }
        Some(found) if found == installation_id => {}
        Some(_) => {
            return Err(AuditError::WrongKey {
                path: path.to_path_buf(),
            })
        }
    }
    tx.commit().map_err(sqlite_error)
}

/// The schema version of the database at `conn` (0 for a new file).
pub(crate) fn version(path: &Path, conn: &Connection) -> Result<i64, AuditError> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|e| AuditError::from_sqlite_opening(path, &e))
}
