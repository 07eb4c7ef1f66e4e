//! `AuditLog`: the SQLite database, appending under one immediate transaction, verifying the
//! chain and exporting CSV.

use std::ffi::OsString;
use std::fmt;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};

use crate::chain::{chain_hash, Fields, GENESIS_HASH};
use crate::error::AuditError;
use crate::export::{iso8601_utc, write_row, CSV_HEADER};
use crate::record::{AuditRecord, NewRecord};

/// The schema version this build writes and reads (`PRAGMA user_version`).
pub const FORMAT_VERSION: i64 = 1;

/// How long to wait for another writer (another window, the CLI) before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The latest time a record may carry: 9999-12-31T23:59:59Z.
const MAX_TIME: i64 = 253_402_300_799;

/// The schema, created in one transaction together with the version. The triggers make the
/// table append-only for every ordinary client; anyone who drops them to edit a record is
/// caught by `verify`.
const SCHEMA: &str = "
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
    hash            TEXT NOT NULL
) STRICT;
CREATE INDEX audit_record_time ON audit_record (time);
CREATE TRIGGER audit_record_no_update BEFORE UPDATE ON audit_record
BEGIN SELECT RAISE(ABORT, 'audit records cannot be changed'); END;
CREATE TRIGGER audit_record_no_delete BEFORE DELETE ON audit_record
BEGIN SELECT RAISE(ABORT, 'audit records cannot be deleted'); END;
PRAGMA user_version = 1;
";

const COLUMNS: &str = "seq, time, user_uuid, role_profile_id, ods_code, action, nhs_number, \
                       outcome, trace_id, prev_hash, hash";

/// The local audit log: one SQLite file, appended to by every front end on this machine.
///
/// Safe to share between threads (`&self` methods, one connection behind a mutex) and between
/// processes (each append is one `BEGIN IMMEDIATE` transaction, so the chain stays linear).
pub struct AuditLog {
    conn: Mutex<Connection>,
    path: PathBuf,
}

impl fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditLog")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Why a record breaks the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BrokenReason {
    /// The sequence number is not the one after the previous record's: records were removed
    /// (or renumbered).
    SequenceGap {
        /// The sequence number that should have come next.
        expected: i64,
    },
    /// The record's `prev_hash` is not the previous record's hash: a record before it was
    /// removed, inserted, replaced or re-hashed.
    PrevHashMismatch,
    /// The stored hash is not the hash of the record's contents: the record was edited.
    HashMismatch,
    /// A stored value has the wrong type: the table was altered outside V&M Check.
    Unreadable,
}

impl BrokenReason {
    /// A stable code for scripts: `sequence_gap`, `prev_hash_mismatch`, `hash_mismatch`,
    /// `unreadable`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::SequenceGap { .. } => "sequence_gap",
            Self::PrevHashMismatch => "prev_hash_mismatch",
            Self::HashMismatch => "hash_mismatch",
            Self::Unreadable => "unreadable",
        }
    }
}

impl fmt::Display for BrokenReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SequenceGap { expected } => write!(
                f,
                "the record numbered {expected} should come here: records are missing"
            ),
            Self::PrevHashMismatch => f.write_str(
                "it does not link to the record before it: a record was removed, inserted or replaced",
            ),
            Self::HashMismatch => f.write_str(
                "its contents do not match its hash: the record was changed after it was written",
            ),
            Self::Unreadable => f.write_str(
                "a stored value has the wrong type: the table was changed outside V&M Check",
            ),
        }
    }
}

/// The first record where the chain breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broken {
    /// The record's sequence number as stored.
    pub seq: i64,
    /// What is wrong with it.
    pub reason: BrokenReason,
}

impl fmt::Display for Broken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "record {} is broken: {}", self.seq, self.reason)
    }
}

/// The result of [`AuditLog::verify`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyReport {
    /// How many records the log holds (all of them, including any after a break).
    pub records: u64,
    /// The first record that breaks the chain; `None` when the chain is intact.
    pub first_broken: Option<Broken>,
    /// The last record's stored hash (`None` for an empty log). Noting it somewhere else is
    /// what makes removing records from the end, or rewriting the whole chain, detectable.
    pub head: Option<String>,
}

impl VerifyReport {
    /// True when no record breaks the chain (an empty log is intact).
    pub fn is_intact(&self) -> bool {
        self.first_broken.is_none()
    }
}

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
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
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
fn create_private_file(path: &Path) -> std::io::Result<()> {
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

/// One stored row as text, for verifying and exporting. The action stays a string so that a
/// tampered value is still hashed and reported rather than refused.
struct StoredRow {
    seq: i64,
    time: i64,
    user_uuid: String,
    role_profile_id: Option<String>,
    ods_code: String,
    action: String,
    nhs_number: Option<String>,
    outcome: Option<String>,
    trace_id: Option<String>,
    prev_hash: String,
    hash: String,
}

impl StoredRow {
    fn read(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            seq: row.get(0)?,
            time: row.get(1)?,
            user_uuid: row.get(2)?,
            role_profile_id: row.get(3)?,
            ods_code: row.get(4)?,
            action: row.get(5)?,
            nhs_number: row.get(6)?,
            outcome: row.get(7)?,
            trace_id: row.get(8)?,
            prev_hash: row.get(9)?,
            hash: row.get(10)?,
        })
    }

    fn fields(&self) -> Fields<'_> {
        Fields {
            seq: self.seq,
            time: self.time,
            user_uuid: &self.user_uuid,
            role_profile_id: self.role_profile_id.as_deref(),
            ods_code: &self.ods_code,
            action: &self.action,
            nhs_number: self.nhs_number.as_deref(),
            outcome: self.outcome.as_deref(),
            trace_id: self.trace_id.as_deref(),
        }
    }
}

/// Is a conversion error (a value of the wrong type), as opposed to a database failure?
fn is_conversion_error(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::FromSqlConversionFailure(..)
            | rusqlite::Error::InvalidColumnType(..)
            | rusqlite::Error::IntegralValueOutOfRange(..)
            | rusqlite::Error::Utf8Error(..)
    )
}

impl AuditLog {
    /// Opens the audit log at `path`, creating the file and its folders (private to this user)
    /// and the schema when missing.
    ///
    /// The database runs in WAL mode with `synchronous=FULL`. WAL alone already keeps every
    /// committed record through a `kill -9` of the process: a commit returns only after its
    /// frames are written to the `-wal` file, which the operating system keeps when the process
    /// dies, and on the next open SQLite replays the WAL up to the last complete commit and
    /// ignores a half-written tail. `FULL` additionally syncs the WAL at each commit, so a
    /// committed record also survives power loss or an operating-system crash. That costs one
    /// `fsync` per record, which is nothing at the rate people sign in and look patients up.
    pub fn open(path: &Path) -> Result<Self, AuditError> {
        let open_error = |cause: String| AuditError::Open {
            path: path.to_path_buf(),
            cause,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir).map_err(|e| {
                open_error(format!("cannot create the folder {}: {e}", dir.display()))
            })?;
        }
        create_private_file(path).map_err(|e| open_error(e.to_string()))?;
        let sqlite_error = |e: rusqlite::Error| AuditError::from_sqlite_opening(path, &e);
        let mut conn = Connection::open(path).map_err(sqlite_error)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite_error)?;
        // Switching a new file to WAL needs an exclusive lock, and SQLite answers "busy" at once,
        // without waiting, when two connections both hold a shared lock and want more (it would
        // deadlock otherwise). Two processes opening a new log together hit exactly that, so
        // this phase is retried until the busy timeout.
        let deadline = Instant::now() + BUSY_TIMEOUT;
        loop {
            match Self::configure(path, &mut conn) {
                Err(AuditError::Busy { .. }) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                other => break other?,
            }
        }
        Ok(Self {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
        })
    }

    /// Sets the journal and sync modes, then creates or checks the schema.
    fn configure(path: &Path, conn: &mut Connection) -> Result<(), AuditError> {
        let sqlite_error = |e: rusqlite::Error| AuditError::from_sqlite_opening(path, &e);
        // WAL is persistent in the file; on a filesystem that cannot do it SQLite keeps its
        // rollback journal, which with synchronous=FULL is just as safe, only slower.
        let _mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(sqlite_error)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(sqlite_error)?;
        Self::ensure_schema(path, conn)
    }

    /// Creates the schema in a new file; checks the format of an existing one. Two processes
    /// opening a new file at once are serialised by the immediate transaction.
    fn ensure_schema(path: &Path, conn: &mut Connection) -> Result<(), AuditError> {
        let sqlite_error = |e: rusqlite::Error| AuditError::from_sqlite_opening(path, &e);
        let newer = |found: i64| AuditError::NewerFormat {
            path: path.to_path_buf(),
            found,
            supported: FORMAT_VERSION,
        };
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(sqlite_error)?;
        if version == FORMAT_VERSION {
            return Ok(());
        }
        if version > FORMAT_VERSION {
            return Err(newer(version));
        }
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
                tx.execute_batch(SCHEMA).map_err(sqlite_error)?;
            }
            FORMAT_VERSION => {}
            v if v > FORMAT_VERSION => return Err(newer(v)),
            v => {
                return Err(AuditError::Corrupt {
                    path: path.to_path_buf(),
                    detail: format!("unknown format version {v}"),
                })
            }
        }
        tx.commit().map_err(sqlite_error)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves no transaction open (it rolls back on drop),
        // so the connection is still good.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn db_error(&self, e: rusqlite::Error) -> AuditError {
        AuditError::from_sqlite(&self.path, &e)
    }

    /// Appends one record and returns it as stored. The last record's hash and sequence number
    /// are read, the new hash computed and the row inserted in one `BEGIN IMMEDIATE`
    /// transaction; when this returns `Ok` the record is committed.
    pub fn append(&self, record: NewRecord) -> Result<AuditRecord, AuditError> {
        if !(0..=MAX_TIME).contains(&record.time) {
            return Err(AuditError::InvalidRecord {
                reason: "the time is outside the years 1970 to 9999",
            });
        }
        let mut conn = self.lock();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.db_error(e))?;
        let last: Option<(i64, String)> = tx
            .query_row(
                "SELECT seq, hash FROM audit_record ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.db_error(e))?;
        let (seq, prev_hash) = match last {
            None => (1, GENESIS_HASH.to_owned()),
            Some((seq, hash)) => (
                seq.checked_add(1).ok_or(AuditError::InvalidRecord {
                    reason: "the log has no sequence numbers left",
                })?,
                hash,
            ),
        };
        let hash = chain_hash(
            &prev_hash,
            &Fields {
                seq,
                time: record.time,
                user_uuid: &record.user_uuid,
                role_profile_id: record.role_profile_id.as_deref(),
                ods_code: &record.ods_code,
                action: record.action.as_str(),
                nhs_number: record.nhs_number.as_deref(),
                outcome: record.outcome.as_deref(),
                trace_id: record.trace_id.as_deref(),
            },
        );
        tx.execute(
            &format!(
                "INSERT INTO audit_record ({COLUMNS}) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
            ),
            params![
                seq,
                record.time,
                record.user_uuid,
                record.role_profile_id,
                record.ods_code,
                record.action.as_str(),
                record.nhs_number,
                record.outcome,
                record.trace_id,
                prev_hash,
                hash,
            ],
        )
        .map_err(|e| self.db_error(e))?;
        tx.commit().map_err(|e| self.db_error(e))?;
        Ok(AuditRecord {
            seq,
            time: record.time,
            user_uuid: record.user_uuid,
            role_profile_id: record.role_profile_id,
            ods_code: record.ods_code,
            action: record.action,
            nhs_number: record.nhs_number,
            outcome: record.outcome,
            trace_id: record.trace_id,
            prev_hash,
            hash,
        })
    }

    /// Walks every record in sequence order and reports the first that breaks the chain:
    /// a sequence gap, a `prev_hash` that is not the previous record's hash, or a stored hash
    /// that does not match the contents (checked in that order). Reads one consistent snapshot;
    /// appends by other processes meanwhile are not seen. An empty log is intact.
    pub fn verify(&self) -> Result<VerifyReport, AuditError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(&format!("SELECT {COLUMNS} FROM audit_record ORDER BY seq"))
            .map_err(|e| self.db_error(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.db_error(e))?;
        let mut records = 0_u64;
        let mut first_broken = None;
        let mut head = None;
        let mut expected_seq = 1_i64;
        let mut prev_hash = GENESIS_HASH.to_owned();
        while let Some(row) = rows.next().map_err(|e| self.db_error(e))? {
            records += 1;
            // seq is the rowid: always an integer.
            let seq: i64 = row.get(0).map_err(|e| self.db_error(e))?;
            head = row.get::<_, String>(10).ok();
            if first_broken.is_some() {
                continue;
            }
            let stored = match StoredRow::read(row) {
                Ok(stored) => stored,
                Err(e) if is_conversion_error(&e) => {
                    first_broken = Some(Broken {
                        seq,
                        reason: BrokenReason::Unreadable,
                    });
                    continue;
                }
                Err(e) => return Err(self.db_error(e)),
            };
            let reason = if seq != expected_seq {
                Some(BrokenReason::SequenceGap {
                    expected: expected_seq,
                })
            } else if stored.prev_hash != prev_hash {
                Some(BrokenReason::PrevHashMismatch)
            } else if chain_hash(&stored.prev_hash, &stored.fields()) != stored.hash {
                Some(BrokenReason::HashMismatch)
            } else {
                None
            };
            if let Some(reason) = reason {
                first_broken = Some(Broken { seq, reason });
                continue;
            }
            expected_seq = seq.saturating_add(1);
            prev_hash = stored.hash;
        }
        Ok(VerifyReport {
            records,
            first_broken,
            head,
        })
    }

    /// Writes the records whose time lies in `from..=to` (Unix seconds; `None` is unbounded) as
    /// CSV in sequence order: a header row ([`crate::CSV_HEADER`]), then one row per record
    /// with the time as `2026-11-21T09:30:00Z`. RFC 4180: CRLF line ends; fields holding a
    /// comma, quote or line break are quoted; an absent value is an empty field and an empty
    /// string is `""`. Values are written as stored, never altered. Returns the number of
    /// records written.
    ///
    /// The export holds NHS numbers: the caller decides where it goes.
    pub fn export_csv(
        &self,
        from: Option<i64>,
        to: Option<i64>,
        out: &mut impl Write,
    ) -> Result<u64, AuditError> {
        let mut out = BufWriter::new(out);
        let header: Vec<Option<&str>> = CSV_HEADER.iter().map(|h| Some(*h)).collect();
        write_row(&mut out, &header).map_err(AuditError::Output)?;
        let conn = self.lock();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM audit_record WHERE time >= ?1 AND time <= ?2 ORDER BY seq"
            ))
            .map_err(|e| self.db_error(e))?;
        let mut rows = stmt
            .query(params![from.unwrap_or(i64::MIN), to.unwrap_or(i64::MAX)])
            .map_err(|e| self.db_error(e))?;
        let mut written = 0_u64;
        while let Some(row) = rows.next().map_err(|e| self.db_error(e))? {
            let r = StoredRow::read(row).map_err(|e| {
                if is_conversion_error(&e) {
                    AuditError::Corrupt {
                        path: self.path.clone(),
                        detail:
                            "a record holds a value of the wrong type (run `vmcheck audit verify`)"
                                .into(),
                    }
                } else {
                    self.db_error(e)
                }
            })?;
            let seq = r.seq.to_string();
            let time = iso8601_utc(r.time);
            write_row(
                &mut out,
                &[
                    Some(&seq),
                    Some(&time),
                    Some(&r.user_uuid),
                    r.role_profile_id.as_deref(),
                    Some(&r.ods_code),
                    Some(&r.action),
                    r.nhs_number.as_deref(),
                    r.outcome.as_deref(),
                    r.trace_id.as_deref(),
                    Some(&r.prev_hash),
                    Some(&r.hash),
                ],
            )
            .map_err(AuditError::Output)?;
            written += 1;
        }
        out.flush().map_err(AuditError::Output)?;
        Ok(written)
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
