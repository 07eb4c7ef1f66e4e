//! The job store: each worklist job and the state of each of its rows, in SQLite (WAL), so a
//! job survives the app closing, `kill -9`, a removed card or an idle lock and resumes where it
//! stopped. A row's result is stored *before* its outcome is audited (see `runner`), so a
//! resumed job never checks a finished row again.
//!
//! The file holds patient details (the list's and PDS's): it is created readable by its owner
//! only, like the audit log.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension};
use vmcheck_core::worklist::{ListRow, Mapping, RowProblem};

use super::record::RowCheck;

/// Why the job store could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened or written.
    #[error("the worklist store {path} could not be used: {problem}")]
    Database {
        /// The file.
        path: PathBuf,
        /// What SQLite said.
        problem: String,
    },
    /// No such job (or not this user's).
    #[error("there is no such worklist job for this user")]
    NoSuchJob,
    /// A stored value could not be read back.
    #[error("the worklist store holds a value this version cannot read: {0}")]
    Unreadable(String),
}

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Created or paused: rows are waiting.
    Paused,
    /// Being checked now.
    Running,
    /// Every row has its result.
    Done,
    /// Stopped for good by its user.
    Cancelled,
}

impl JobState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Paused => "paused",
            Self::Running => "running",
            Self::Done => "done",
            Self::Cancelled => "cancelled",
        }
    }

    fn parse(s: &str) -> Result<Self, StoreError> {
        Ok(match s {
            "paused" => Self::Paused,
            "running" => Self::Running,
            "done" => Self::Done,
            "cancelled" => Self::Cancelled,
            other => return Err(StoreError::Unreadable(format!("job state {other:?}"))),
        })
    }
}

/// A job as created: who owns it, what list, how its columns map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobInfo {
    /// The job's id (also the audit log's batch id).
    pub id: String,
    /// The smartcard user who started it (only they may open it).
    pub owner_uuid: String,
    /// The list's file name.
    pub source: String,
    /// When it was created, Unix seconds.
    pub created: i64,
    /// The list's headers.
    pub headers: Vec<String>,
    /// The column mapping confirmed.
    pub mapping: Mapping,
    /// Where it stands.
    pub state: JobState,
}

/// One row's state.
#[derive(Debug, Clone, PartialEq)]
pub enum RowState {
    /// Waiting to be checked.
    Pending,
    /// Checked: the result.
    Done(Box<RowCheck>),
    /// The row itself cannot be checked (reported with its reason).
    Problem,
    /// The same NHS number as an earlier row: that row's result applies.
    Duplicate {
        /// The row checked.
        of: usize,
    },
}

/// A stored row: the list's cells, what was read from them, and its state.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRow {
    /// The row number (the header is row 1).
    pub row_number: usize,
    /// The cells as in the list.
    pub cells: Vec<String>,
    /// What was read (none for a problem row).
    pub row: Option<ListRow>,
    /// Why the row cannot be checked.
    pub problem: Option<RowProblem>,
    /// Where it stands.
    pub state: RowState,
}

/// Counts of a job's rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RowCounts {
    /// Every row.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub total: u64,
    /// Waiting.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub pending: u64,
    /// Checked.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub done: u64,
    /// Not checkable.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub problems: u64,
    /// Same number as an earlier row.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub duplicates: u64,
}

/// The store.
pub struct JobStore {
    path: PathBuf,
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for JobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobStore").finish_non_exhaustive()
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS job (
    id         TEXT PRIMARY KEY,
    owner_uuid TEXT NOT NULL,
    source     TEXT NOT NULL,
    created    INTEGER NOT NULL,
    headers    TEXT NOT NULL,
    mapping    TEXT NOT NULL,
    state      TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS job_row (
    job_id       TEXT NOT NULL REFERENCES job (id) ON DELETE CASCADE,
    row_number   INTEGER NOT NULL,
    cells        TEXT NOT NULL,
    parsed       TEXT,
    problem      TEXT,
    state        TEXT NOT NULL,
    duplicate_of INTEGER,
    result       TEXT,
    -- A checked row's colour in the results table (red, amber, green, grey, error) and whether
    -- its identity is settled, so the job's counts are one query, not a read of every result.
    shown        TEXT,
    settled      INTEGER,
    PRIMARY KEY (job_id, row_number)
) STRICT;
CREATE INDEX IF NOT EXISTS job_row_state ON job_row (job_id, state);
-- The next pending rows in list order, without sorting every pending row for each group.
CREATE INDEX IF NOT EXISTS job_row_pending ON job_row (job_id, state, row_number);
CREATE TABLE IF NOT EXISTS remembered_mapping (
    signature TEXT PRIMARY KEY,
    mapping   TEXT NOT NULL
) STRICT;
";

/// The store's schema version: 2 added `shown` and `settled` to `job_row`.
const VERSION: i64 = 2;

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Unreadable(format!("{what}: {e}")))
}

impl JobStore {
    /// Opens (or creates, readable by its owner only) the store at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = |e: &dyn std::fmt::Display| StoreError::Database {
            path: path.to_path_buf(),
            problem: e.to_string(),
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| db(&e))?;
        }
        if !path.exists() {
            create_private(path).map_err(|e| db(&e))?;
        }
        let conn = Connection::open(path).map_err(|e| db(&e))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| db(&e))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| db(&e))?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(|e| db(&e))?;
        conn.execute_batch(SCHEMA).map_err(|e| db(&e))?;
        migrate(&conn).map_err(|e| db(&e))?;
        Ok(Self {
            path: path.to_path_buf(),
            conn: Mutex::new(conn),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn db(&self, e: rusqlite::Error) -> StoreError {
        StoreError::Database {
            path: self.path.clone(),
            problem: e.to_string(),
        }
    }

    /// Stores a new job and all its rows in one transaction.
    pub fn create(&self, info: &JobInfo, rows: &[StoredRow]) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(|e| self.db(e))?;
        tx.execute(
            "INSERT INTO job (id, owner_uuid, source, created, headers, mapping, state) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                info.id,
                info.owner_uuid,
                info.source,
                info.created,
                json(&info.headers),
                json(&info.mapping),
                info.state.as_str()
            ],
        )
        .map_err(|e| self.db(e))?;
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO job_row (job_id, row_number, cells, parsed, problem, state, \
                     duplicate_of, result) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL)",
                )
                .map_err(|e| self.db(e))?;
            for row in rows {
                let (state, duplicate_of) = match &row.state {
                    RowState::Pending => ("pending", None),
                    RowState::Problem => ("problem", None),
                    RowState::Duplicate { of } => ("duplicate", Some(*of as i64)),
                    RowState::Done(_) => ("pending", None),
                };
                insert
                    .execute(params![
                        info.id,
                        row.row_number as i64,
                        json(&row.cells),
                        row.row.as_ref().map(json),
                        row.problem.as_ref().map(json),
                        state,
                        duplicate_of
                    ])
                    .map_err(|e| self.db(e))?;
            }
        }
        tx.commit().map_err(|e| self.db(e))
    }

    /// The job `id` if it belongs to `owner_uuid`.
    pub fn job(&self, id: &str, owner_uuid: &str) -> Result<JobInfo, StoreError> {
        let conn = self.lock();
        let row = conn
            .query_row(
                "SELECT id, owner_uuid, source, created, headers, mapping, state FROM job \
                 WHERE id = ?1 AND owner_uuid = ?2",
                params![id, owner_uuid],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, String>(6)?,
                    ))
                },
            )
            .optional()
            .map_err(|e| self.db(e))?
            .ok_or(StoreError::NoSuchJob)?;
        Ok(JobInfo {
            id: row.0,
            owner_uuid: row.1,
            source: row.2,
            created: row.3,
            headers: from_json(&row.4, "headers")?,
            mapping: from_json(&row.5, "mapping")?,
            state: JobState::parse(&row.6)?,
        })
    }

    /// The jobs of `owner_uuid`, newest first.
    pub fn jobs(&self, owner_uuid: &str) -> Result<Vec<String>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare("SELECT id FROM job WHERE owner_uuid = ?1 ORDER BY created DESC, id")
            .map_err(|e| self.db(e))?;
        let ids = stmt
            .query_map([owner_uuid], |r| r.get::<_, String>(0))
            .map_err(|e| self.db(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.db(e))?;
        Ok(ids)
    }

    /// Sets a job's state.
    pub fn set_state(&self, id: &str, state: JobState) -> Result<(), StoreError> {
        self.lock()
            .execute(
                "UPDATE job SET state = ?2 WHERE id = ?1",
                params![id, state.as_str()],
            )
            .map_err(|e| self.db(e))
            .map(|_| ())
    }

    /// Up to `limit` rows of a job still to check, in row order.
    pub fn pending(&self, id: &str, limit: usize) -> Result<Vec<ListRow>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(
                "SELECT parsed FROM job_row WHERE job_id = ?1 AND state = 'pending' \
                 ORDER BY row_number LIMIT ?2",
            )
            .map_err(|e| self.db(e))?;
        let texts = stmt
            .query_map(params![id, limit as i64], |r| r.get::<_, Option<String>>(0))
            .map_err(|e| self.db(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.db(e))?;
        texts
            .into_iter()
            .map(|t| from_json(&t.unwrap_or_default(), "row"))
            .collect()
    }

    /// Stores the results of checked rows in one transaction.
    pub fn finish(&self, id: &str, done: &[(usize, &RowCheck)]) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(|e| self.db(e))?;
        {
            let mut update = tx
                .prepare(
                    "UPDATE job_row SET state = 'done', result = ?3, shown = ?4, settled = ?5 \
                     WHERE job_id = ?1 AND row_number = ?2",
                )
                .map_err(|e| self.db(e))?;
            for (row, check) in done {
                update
                    .execute(params![
                        id,
                        *row as i64,
                        json(check),
                        check.table_colour(),
                        check.identity_settled
                    ])
                    .map_err(|e| self.db(e))?;
            }
        }
        tx.commit().map_err(|e| self.db(e))
    }

    /// Counts of the job's rows by state.
    pub fn counts(&self, id: &str) -> Result<RowCounts, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare("SELECT state, count(*) FROM job_row WHERE job_id = ?1 GROUP BY state")
            .map_err(|e| self.db(e))?;
        let mut counts = RowCounts::default();
        let rows = stmt
            .query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(|e| self.db(e))?;
        for row in rows {
            let (state, n) = row.map_err(|e| self.db(e))?;
            let n = u64::try_from(n).unwrap_or(0);
            counts.total += n;
            match state.as_str() {
                "pending" => counts.pending = n,
                "done" => counts.done = n,
                "problem" => counts.problems = n,
                "duplicate" => counts.duplicates = n,
                _ => {}
            }
        }
        Ok(counts)
    }

    /// How many checked rows show each colour (`red`, `amber`, `green`, `grey`, `error`), and
    /// how many of them have an identity that is not settled.
    pub fn checked_colours(&self, id: &str) -> Result<(Vec<(String, u64)>, u64), StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(
                "SELECT shown, count(*), sum(settled = 0) FROM job_row \
                 WHERE job_id = ?1 AND state = 'done' GROUP BY shown",
            )
            .map_err(|e| self.db(e))?;
        let rows = stmt
            .query_map([id], |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                ))
            })
            .map_err(|e| self.db(e))?;
        let mut colours = Vec::new();
        let mut unsettled = 0;
        for row in rows {
            let (shown, n, not_settled) = row.map_err(|e| self.db(e))?;
            colours.push((shown.unwrap_or_default(), u64::try_from(n).unwrap_or(0)));
            unsettled += u64::try_from(not_settled.unwrap_or(0)).unwrap_or(0);
        }
        Ok((colours, unsettled))
    }

    /// Calls `each` with every duplicate row's details and the result of the row it repeats
    /// (once that row is checked), one at a time.
    pub fn each_checked_duplicate(
        &self,
        id: &str,
        mut each: impl FnMut(ListRow, RowCheck),
    ) -> Result<(), StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(
                "SELECT d.parsed, o.result FROM job_row d JOIN job_row o \
                 ON o.job_id = d.job_id AND o.row_number = d.duplicate_of \
                 WHERE d.job_id = ?1 AND d.state = 'duplicate' AND o.state = 'done' \
                 ORDER BY d.row_number",
            )
            .map_err(|e| self.db(e))?;
        let mut rows = stmt.query([id]).map_err(|e| self.db(e))?;
        while let Some(r) = rows.next().map_err(|e| self.db(e))? {
            let parsed: Option<String> = r.get(0).map_err(|e| self.db(e))?;
            let result: Option<String> = r.get(1).map_err(|e| self.db(e))?;
            let (Some(parsed), Some(result)) = (parsed, result) else {
                continue;
            };
            each(from_json(&parsed, "row")?, from_json(&result, "result")?);
        }
        Ok(())
    }

    /// Every row of the job, in row order.
    pub fn rows(&self, id: &str) -> Result<Vec<StoredRow>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn
            .prepare(
                "SELECT row_number, cells, parsed, problem, state, duplicate_of, result \
                 FROM job_row WHERE job_id = ?1 ORDER BY row_number",
            )
            .map_err(|e| self.db(e))?;
        type Raw = (
            i64,
            String,
            Option<String>,
            Option<String>,
            String,
            Option<i64>,
            Option<String>,
        );
        let raws: Vec<Raw> = stmt
            .query_map([id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })
            .map_err(|e| self.db(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.db(e))?;
        raws.into_iter()
            .map(|(n, cells, parsed, problem, state, dup, result)| {
                let state = match (state.as_str(), dup, result) {
                    ("done", _, Some(r)) => RowState::Done(Box::new(from_json(&r, "result")?)),
                    ("duplicate", Some(of), _) => RowState::Duplicate {
                        of: usize::try_from(of).unwrap_or(0),
                    },
                    ("problem", _, _) => RowState::Problem,
                    _ => RowState::Pending,
                };
                Ok(StoredRow {
                    row_number: usize::try_from(n).unwrap_or(0),
                    cells: from_json(&cells, "cells")?,
                    row: parsed.map(|p| from_json(&p, "row")).transpose()?,
                    problem: problem.map(|p| from_json(&p, "problem")).transpose()?,
                    state,
                })
            })
            .collect()
    }

    /// Forgets a job and its rows (patient details included).
    pub fn delete(&self, id: &str, owner_uuid: &str) -> Result<(), StoreError> {
        let n = self
            .lock()
            .execute(
                "DELETE FROM job WHERE id = ?1 AND owner_uuid = ?2",
                params![id, owner_uuid],
            )
            .map_err(|e| self.db(e))?;
        if n == 0 {
            return Err(StoreError::NoSuchJob);
        }
        Ok(())
    }

    /// The mapping remembered for lists with these headers' signature.
    pub fn remembered_mapping(&self, signature: &str) -> Result<Option<Mapping>, StoreError> {
        let text: Option<String> = self
            .lock()
            .query_row(
                "SELECT mapping FROM remembered_mapping WHERE signature = ?1",
                [signature],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.db(e))?;
        text.map(|t| from_json(&t, "mapping")).transpose()
    }

    /// Remembers `mapping` for lists with these headers' signature.
    pub fn remember_mapping(&self, signature: &str, mapping: &Mapping) -> Result<(), StoreError> {
        self.lock()
            .execute(
                "INSERT INTO remembered_mapping (signature, mapping) VALUES (?1, ?2) \
                 ON CONFLICT (signature) DO UPDATE SET mapping = excluded.mapping",
                params![signature, json(mapping)],
            )
            .map_err(|e| self.db(e))
            .map(|_| ())
    }
}

/// Brings a store written by an earlier version up to [`VERSION`]: version 1 had no `shown` or
/// `settled`, so they are added and filled in from each checked row's stored result.
fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let tx = conn.unchecked_transaction()?;
    if version == 1 {
        tx.execute_batch(
            "ALTER TABLE job_row ADD COLUMN shown TEXT; \
             ALTER TABLE job_row ADD COLUMN settled INTEGER;",
        )?;
        let done: Vec<(String, i64, String)> = tx
            .prepare(
                "SELECT job_id, row_number, result FROM job_row \
                 WHERE state = 'done' AND result IS NOT NULL",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let mut update = tx.prepare(
            "UPDATE job_row SET shown = ?3, settled = ?4 WHERE job_id = ?1 AND row_number = ?2",
        )?;
        for (job, row, result) in done {
            if let Ok(check) = serde_json::from_str::<RowCheck>(&result) {
                update.execute(params![
                    job,
                    row,
                    check.table_colour(),
                    check.identity_settled
                ])?;
            }
        }
    }
    if version < VERSION {
        tx.pragma_update(None, "user_version", VERSION)?;
    }
    tx.commit()
}

/// Creates an empty file readable and writable by its owner only.
fn create_private(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use vmcheck_core::banner::BannerColour;

    fn check(shown: Option<BannerColour>, settled: bool) -> RowCheck {
        let mut c = RowCheck::error_without_lookup("X", "x", String::new(), 0);
        if shown.is_some() {
            c.outcome = "status".into();
        }
        c.banner = shown;
        c.shown = shown;
        c.identity_settled = settled;
        c
    }

    fn job(id: &str) -> JobInfo {
        JobInfo {
            id: id.into(),
            owner_uuid: "555021935107".into(),
            source: "list.csv".into(),
            created: 0,
            headers: vec!["NHS Number".into()],
            mapping: Mapping::default(),
            state: JobState::Paused,
        }
    }

    fn pending(n: usize) -> StoredRow {
        StoredRow {
            row_number: n,
            cells: vec![],
            row: None,
            problem: None,
            state: RowState::Pending,
        }
    }

    #[test]
    fn checked_rows_are_counted_by_colour_and_unsettled_identity() {
        let dir = tempfile::tempdir().expect("dir");
        let store = JobStore::open(&dir.path().join("w.sqlite")).expect("store");
        store
            .create(&job("j"), &(2..=7).map(pending).collect::<Vec<_>>())
            .expect("create");
        let (red, amber, green) = (
            check(Some(BannerColour::Red), true),
            check(Some(BannerColour::Amber), false),
            check(Some(BannerColour::Green), true),
        );
        let error = check(None, true);
        store
            .finish(
                "j",
                &[(2, &red), (3, &red), (4, &amber), (5, &green), (6, &error)],
            )
            .expect("finish");
        let (mut colours, unsettled) = store.checked_colours("j").expect("counts");
        colours.sort();
        assert_eq!(
            colours,
            [
                ("amber".to_owned(), 1),
                ("error".to_owned(), 1),
                ("green".to_owned(), 1),
                ("red".to_owned(), 2)
            ]
        );
        assert_eq!(unsettled, 1, "row 4's identity is not settled");
    }

    #[test]
    fn a_store_from_the_first_version_gets_its_counts_from_the_stored_results() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("w.sqlite");
        {
            // The first version's job_row, without `shown` and `settled`.
            let conn = Connection::open(&path).expect("open");
            conn.execute_batch(
                "CREATE TABLE job (id TEXT PRIMARY KEY, owner_uuid TEXT NOT NULL, \
                 source TEXT NOT NULL, created INTEGER NOT NULL, headers TEXT NOT NULL, \
                 mapping TEXT NOT NULL, state TEXT NOT NULL) STRICT; \
                 CREATE TABLE job_row (job_id TEXT NOT NULL REFERENCES job (id) ON DELETE CASCADE, \
                 row_number INTEGER NOT NULL, cells TEXT NOT NULL, parsed TEXT, problem TEXT, \
                 state TEXT NOT NULL, duplicate_of INTEGER, result TEXT, \
                 PRIMARY KEY (job_id, row_number)) STRICT; \
                 PRAGMA user_version = 1;",
            )
            .expect("schema v1");
            conn.execute(
                "INSERT INTO job VALUES ('j', 'u', 's', 0, '[]', ?1, 'done')",
                [json(&Mapping::default())],
            )
            .expect("job");
            for (n, c) in [
                (2, check(Some(BannerColour::Grey), false)),
                (3, check(Some(BannerColour::Green), true)),
            ] {
                conn.execute(
                    "INSERT INTO job_row VALUES ('j', ?1, '[]', NULL, NULL, 'done', NULL, ?2)",
                    params![n, json(&c)],
                )
                .expect("row");
            }
        }
        let store = JobStore::open(&path).expect("migrated");
        let (mut colours, unsettled) = store.checked_colours("j").expect("counts");
        colours.sort();
        assert_eq!(colours, [("green".to_owned(), 1), ("grey".to_owned(), 1)]);
        assert_eq!(unsettled, 1);
        drop(store);
        let version: i64 = Connection::open(&path)
            .expect("open")
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("version");
        assert_eq!(version, VERSION);
    }
}
