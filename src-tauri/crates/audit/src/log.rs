//! `AuditLog`: the SQLite database, appending one record or many under one immediate
//! transaction, keyed with the installation's [`AuditKey`].

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::chain::{keyed_hash, AuditKey, KeyedFields, GENESIS_HASH};
use crate::error::AuditError;
use crate::paths::{create_private_dir, create_private_file};
use crate::record::{AuditRecord, NewRecord, RecordFormat};
use crate::schema;

/// How long to wait for another writer (another window, the CLI) before giving up, unless told
/// otherwise.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The latest time a record may carry: 9999-12-31T23:59:59Z.
const MAX_TIME: i64 = 253_402_300_799;

/// The local audit log: one SQLite file, appended to by every front end on this machine.
///
/// Safe to share between threads (`&self` methods, one connection behind a mutex) and between
/// processes (each append is one `BEGIN IMMEDIATE` transaction, so the chain stays linear).
pub struct AuditLog {
    conn: Mutex<Connection>,
    path: PathBuf,
    /// `None`: opened to verify only, without the key.
    key: Option<AuditKey>,
    installation_id: String,
}

impl fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditLog")
            .field("path", &self.path)
            .field("keyed", &self.key.is_some())
            .finish_non_exhaustive()
    }
}

/// What [`AuditLog::peek`] finds in a file without the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peek {
    /// The file exists.
    pub exists: bool,
    /// How many records it holds.
    pub records: u64,
    /// How many of them are keyed (format 2): with any, only the original key may continue it.
    pub keyed_records: u64,
    /// The installation id recorded in it, if any.
    pub installation_id: Option<String>,
}

impl AuditLog {
    /// Opens the audit log at `path` with the installation's key, creating the file and its
    /// folders (private to this user) and the schema when missing, and migrating a format-1
    /// log. A log that names another installation is refused ([`AuditError::WrongKey`]).
    ///
    /// The database runs in WAL mode with `synchronous=FULL`. WAL alone already keeps every
    /// committed record through a `kill -9` of the process: a commit returns only after its
    /// frames are written to the `-wal` file, which the operating system keeps when the process
    /// dies, and on the next open SQLite replays the WAL up to the last complete commit and
    /// ignores a half-written tail. `FULL` additionally syncs the WAL at each commit, so a
    /// committed record also survives power loss or an operating-system crash.
    pub fn open(path: &Path, key: AuditKey) -> Result<Self, AuditError> {
        Self::open_with(path, key, DEFAULT_BUSY_TIMEOUT)
    }

    /// [`AuditLog::open`], waiting at most `busy_timeout` for another writer each time.
    pub fn open_with(
        path: &Path,
        key: AuditKey,
        busy_timeout: Duration,
    ) -> Result<Self, AuditError> {
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
        let mut conn = connect(path, busy_timeout)?;
        let installation_id = key.installation_id();
        // Switching a new file to WAL needs an exclusive lock, and SQLite answers "busy" at once,
        // without waiting, when two connections both hold a shared lock and want more (it would
        // deadlock otherwise). Two processes opening a new log together hit exactly that, so
        // this phase is retried until the busy timeout.
        let deadline = Instant::now() + busy_timeout;
        loop {
            match configure(path, &mut conn, &installation_id) {
                Err(AuditError::Busy { .. }) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                other => break other?,
            }
        }
        let log = Self {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
            key: Some(key),
            installation_id,
        };
        log.check_last_keyed_record()?;
        Ok(log)
    }

    /// Opens an existing log to verify and export it without the key: keyed hashes cannot be
    /// checked and nothing can be appended. Nothing in the file is changed (a format-1 log is
    /// read as it is).
    pub fn open_unkeyed(path: &Path) -> Result<Self, AuditError> {
        if !path.exists() {
            return Err(AuditError::Open {
                path: path.to_path_buf(),
                cause: "there is no file there".into(),
            });
        }
        let conn = connect(path, DEFAULT_BUSY_TIMEOUT)?;
        let installation_id = installation_id_in(path, &conn)?.unwrap_or_default();
        Ok(Self {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
            key: None,
            installation_id,
        })
    }

    /// What the file at `path` holds, read without the key (the engine decides from this
    /// whether a missing key may be created: only for a log with no keyed record yet).
    pub fn peek(path: &Path) -> Result<Peek, AuditError> {
        if !path.exists() {
            return Ok(Peek {
                exists: false,
                records: 0,
                keyed_records: 0,
                installation_id: None,
            });
        }
        let conn = connect(path, DEFAULT_BUSY_TIMEOUT)?;
        let version = schema::version(path, &conn)?;
        let error = |e: rusqlite::Error| AuditError::from_sqlite_opening(path, &e);
        let count = |sql: &str| -> Result<u64, AuditError> {
            let n: i64 = conn.query_row(sql, [], |r| r.get(0)).map_err(error)?;
            Ok(u64::try_from(n).unwrap_or(0))
        };
        let (records, keyed_records) = match version {
            0 => (0, 0),
            1 => (count("SELECT count(*) FROM audit_record")?, 0),
            _ => (
                count("SELECT count(*) FROM audit_record")?,
                count("SELECT count(*) FROM audit_record WHERE format = 2")?,
            ),
        };
        Ok(Peek {
            exists: true,
            records,
            keyed_records,
            installation_id: installation_id_in(path, &conn)?,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// This installation's id (derived from its key; recorded in the log).
    pub fn installation_id(&self) -> &str {
        &self.installation_id
    }

    /// The key, when opened with one (to verify this installation's records held elsewhere).
    pub fn key(&self) -> Option<&AuditKey> {
        self.key.as_ref()
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves no transaction open (it rolls back on drop),
        // so the connection is still good.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn db_error(&self, e: rusqlite::Error) -> AuditError {
        AuditError::from_sqlite(&self.path, &e)
    }

    /// Appends one record and returns it as stored. When this returns `Ok` the record is
    /// committed (durably: see [`AuditLog::open`]).
    pub fn append(&self, record: NewRecord) -> Result<AuditRecord, AuditError> {
        let mut stored = self.append_all(vec![record])?;
        stored.pop().ok_or(AuditError::InvalidRecord {
            reason: "nothing was appended",
        })
    }

    /// Appends records in one transaction — all of them or none — so that a worklist can audit
    /// thousands of rows a second. Returns them as stored, in order.
    pub fn append_all(&self, records: Vec<NewRecord>) -> Result<Vec<AuditRecord>, AuditError> {
        let key = self.key.as_ref().ok_or(AuditError::InvalidRecord {
            reason: "the audit log was opened without its key: nothing can be appended",
        })?;
        if records.iter().any(|r| !(0..=MAX_TIME).contains(&r.time)) {
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
        let (mut seq, mut prev_hash) = last.unwrap_or((0, GENESIS_HASH.to_owned()));
        let mut stored = Vec::with_capacity(records.len());
        {
            let mut insert = tx
                .prepare_cached(&format!(
                    "INSERT INTO audit_record ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, \
                     ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
                    schema::COLUMNS
                ))
                .map_err(|e| self.db_error(e))?;
            for record in records {
                seq = seq.checked_add(1).ok_or(AuditError::InvalidRecord {
                    reason: "the log has no sequence numbers left",
                })?;
                let hash = keyed_hash(
                    key,
                    &prev_hash,
                    &KeyedFields {
                        seq,
                        installation_id: &self.installation_id,
                        action: record.action.as_str(),
                        record: &record,
                    },
                );
                insert
                    .execute(params![
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
                        self.installation_id,
                        record.search_terms,
                        record.batch_id,
                        record.refers_to,
                        record.detail,
                        RecordFormat::Keyed.number(),
                    ])
                    .map_err(|e| self.db_error(e))?;
                stored.push(AuditRecord {
                    seq,
                    installation_id: Some(self.installation_id.clone()),
                    record,
                    format: RecordFormat::Keyed,
                    prev_hash: std::mem::replace(&mut prev_hash, hash.clone()),
                    hash,
                });
            }
        }
        tx.commit().map_err(|e| self.db_error(e))?;
        Ok(stored)
    }

    /// The last record's sequence number and hash (`None` for an empty log).
    pub fn head(&self) -> Result<Option<(i64, String)>, AuditError> {
        self.lock()
            .query_row(
                "SELECT seq, hash FROM audit_record ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.db_error(e))
    }

    /// Refuses a key that does not make the last keyed record's hash: the log was written with
    /// another key, and continuing it would break the chain.
    fn check_last_keyed_record(&self) -> Result<(), AuditError> {
        let last = {
            let conn = self.lock();
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT {} FROM audit_record WHERE format = 2 ORDER BY seq DESC LIMIT 1",
                    schema::COLUMNS
                ))
                .map_err(|e| self.db_error(e))?;
            stmt.query_row([], crate::verify::StoredRow::read)
                .optional()
                .map_err(|e| self.db_error(e))?
        };
        match (last, &self.key) {
            (Some(row), Some(key)) if !row.keyed_hash_matches(key) => Err(AuditError::WrongKey {
                path: self.path.clone(),
            }),
            _ => Ok(()),
        }
    }
}

/// Opens a connection with the busy timeout.
fn connect(path: &Path, busy_timeout: Duration) -> Result<Connection, AuditError> {
    let sqlite_error = |e: rusqlite::Error| AuditError::from_sqlite_opening(path, &e);
    let conn = Connection::open(path).map_err(sqlite_error)?;
    conn.busy_timeout(busy_timeout).map_err(sqlite_error)?;
    Ok(conn)
}

/// Sets the journal and sync modes, then creates, migrates or checks the schema.
fn configure(path: &Path, conn: &mut Connection, installation_id: &str) -> Result<(), AuditError> {
    let sqlite_error = |e: rusqlite::Error| AuditError::from_sqlite_opening(path, &e);
    // WAL is persistent in the file; on a filesystem that cannot do it SQLite keeps its
    // rollback journal, which with synchronous=FULL is just as safe, only slower.
    let _mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
        .map_err(sqlite_error)?;
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(sqlite_error)?;
    schema::ensure(path, conn, installation_id)
}

/// The installation id recorded in a log (none before format 2).
fn installation_id_in(path: &Path, conn: &Connection) -> Result<Option<String>, AuditError> {
    if schema::version(path, conn)? < 2 {
        return Ok(None);
    }
    conn.query_row(
        "SELECT value FROM audit_meta WHERE name = 'installation_id'",
        [],
        |r| r.get(0),
    )
    .optional()
    .map_err(|e| AuditError::from_sqlite_opening(path, &e))
}
