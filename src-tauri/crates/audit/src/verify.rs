//! Verifying the chain: every record's number, link and hash, keyed records with the key, no
//! unkeyed record after a keyed one; and which accesses were interrupted (an intent without an
//! outcome: a crash between the two, not tampering).

use std::collections::BTreeSet;
use std::fmt;

use rusqlite::Row;

use crate::chain::{chain_hash, keyed_hash, AuditKey, Fields, KeyedFields, GENESIS_HASH};
use crate::error::AuditError;
use crate::log::AuditLog;
use crate::record::{Action, NewRecord};
use crate::schema;

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
    /// An unkeyed (format 1) record after a keyed one: written by someone without the key.
    Downgrade,
    /// A stored value has the wrong type: the table was altered outside V&M Check.
    Unreadable,
}

impl BrokenReason {
    /// A stable code for scripts: `sequence_gap`, `prev_hash_mismatch`, `hash_mismatch`,
    /// `downgrade`, `unreadable`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::SequenceGap { .. } => "sequence_gap",
            Self::PrevHashMismatch => "prev_hash_mismatch",
            Self::HashMismatch => "hash_mismatch",
            Self::Downgrade => "downgrade",
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
            Self::Downgrade => f.write_str(
                "it is not keyed although records before it are: it was written without the installation's key",
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
    /// The last record's sequence number and stored hash (`None` for an empty log).
    pub head: Option<(i64, String)>,
    /// Keyed records were checked with the key (false when verified without it: their links
    /// and numbers were still checked, their hashes could not be).
    pub keyed_checked: bool,
    /// How many records are keyed.
    pub keyed_records: u64,
    /// Intents (lookups, searches) with no outcome: interrupted, e.g. by a crash.
    pub interrupted: Vec<i64>,
}

impl VerifyReport {
    /// True when no record breaks the chain (an empty log is intact).
    pub fn is_intact(&self) -> bool {
        self.first_broken.is_none()
    }
}

/// One stored record as text, for verifying and exporting — read from this log, or from
/// elsewhere (the central store) to be verified with a [`ChainWalk`]. The action stays a string
/// so that a tampered value is still hashed and reported rather than refused.
#[derive(Clone, Debug)]
pub struct StoredRow {
    /// The sequence number.
    pub seq: i64,
    /// The action as stored.
    pub action: String,
    /// The fields (its `action` is not used for hashing: `action` above is).
    pub record: NewRecord,
    /// The installation, as stored (absent on format-1 records).
    pub installation_id: Option<String>,
    /// 1 (SHA-256) or 2 (keyed); anything else is unreadable.
    pub format: i64,
    /// The previous record's hash, as stored.
    pub prev_hash: String,
    /// This record's hash, as stored.
    pub hash: String,
}

impl StoredRow {
    /// Reads a row selected with [`schema::COLUMNS`] (or the format-1 equivalent).
    pub(crate) fn read(row: &Row<'_>) -> rusqlite::Result<Self> {
        let action: String = row.get(5)?;
        Ok(Self {
            seq: row.get(0)?,
            record: NewRecord {
                time: row.get(1)?,
                user_uuid: row.get(2)?,
                role_profile_id: row.get(3)?,
                ods_code: row.get(4)?,
                // Kept as text in `action`; the enum value here is not used for hashing.
                action: action.parse().unwrap_or(Action::Outcome),
                nhs_number: row.get(6)?,
                outcome: row.get(7)?,
                trace_id: row.get(8)?,
                search_terms: row.get(12)?,
                batch_id: row.get(13)?,
                refers_to: row.get(14)?,
                detail: row.get(15)?,
            },
            action,
            prev_hash: row.get(9)?,
            hash: row.get(10)?,
            installation_id: row.get(11)?,
            format: row.get(16)?,
        })
    }

    fn sha256_hash(&self) -> String {
        let r = &self.record;
        chain_hash(
            &self.prev_hash,
            &Fields {
                seq: self.seq,
                time: r.time,
                user_uuid: &r.user_uuid,
                role_profile_id: r.role_profile_id.as_deref(),
                ods_code: &r.ods_code,
                action: &self.action,
                nhs_number: r.nhs_number.as_deref(),
                outcome: r.outcome.as_deref(),
                trace_id: r.trace_id.as_deref(),
            },
        )
    }

    /// Whether the stored hash is the keyed hash of the contents.
    pub(crate) fn keyed_hash_matches(&self, key: &AuditKey) -> bool {
        keyed_hash(
            key,
            &self.prev_hash,
            &KeyedFields {
                seq: self.seq,
                installation_id: self.installation_id.as_deref().unwrap_or(""),
                action: &self.action,
                record: &self.record,
            },
        ) == self.hash
    }
}

/// Is a conversion error (a value of the wrong type), as opposed to a database failure?
pub(crate) fn is_conversion_error(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::FromSqlConversionFailure(..)
            | rusqlite::Error::InvalidColumnType(..)
            | rusqlite::Error::IntegralValueOutOfRange(..)
            | rusqlite::Error::Utf8Error(..)
    )
}

/// The columns to select from a log of this schema version, in [`StoredRow::read`]'s order.
impl StoredRow {
    /// The record as the API gives it.
    pub(crate) fn into_record(self) -> crate::AuditRecord {
        crate::AuditRecord {
            seq: self.seq,
            installation_id: self.installation_id,
            record: self.record,
            format: if self.format == 2 {
                crate::RecordFormat::Keyed
            } else {
                crate::RecordFormat::Sha256
            },
            prev_hash: self.prev_hash,
            hash: self.hash,
        }
    }
}

pub(crate) fn columns_for(version: i64) -> &'static str {
    if version >= 2 {
        schema::COLUMNS
    } else {
        "seq, time, user_uuid, role_profile_id, ods_code, action, nhs_number, outcome, \
         trace_id, prev_hash, hash, NULL, NULL, NULL, NULL, NULL, 1"
    }
}

impl AuditLog {
    /// Up to `limit` records after sequence number `after`, in order, as stored (for reports,
    /// forwarding, and tests). Values are read as stored; a record whose action is not one this
    /// version knows is read as an outcome (run [`AuditLog::verify`] to find tampering).
    pub fn records_after(
        &self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<crate::AuditRecord>, AuditError> {
        Ok(self
            .stored_after(after, limit)?
            .into_iter()
            .map(StoredRow::into_record)
            .collect())
    }

    /// Up to `limit` records after sequence number `after`, in order, exactly as stored (the
    /// action as its stored text): what the central store is sent, so that it verifies the
    /// very bytes this log holds.
    pub fn stored_after(&self, after: i64, limit: usize) -> Result<Vec<StoredRow>, AuditError> {
        let conn = self.lock();
        let version = schema::version(self.path(), &conn)?;
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {} FROM audit_record WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                columns_for(version)
            ))
            .map_err(|e| self.db_error(e))?;
        let rows = stmt
            .query_map(
                rusqlite::params![after, i64::try_from(limit).unwrap_or(i64::MAX)],
                StoredRow::read,
            )
            .map_err(|e| self.db_error(e))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row.map_err(|e| self.db_error(e))?);
        }
        Ok(out)
    }

    /// Walks every record in sequence order and reports the first that breaks the chain: a
    /// sequence gap, a `prev_hash` that is not the previous record's hash, an unkeyed record
    /// after a keyed one, or a stored hash that does not match the contents (SHA-256 for
    /// format 1; HMAC with the key for format 2, when opened with it). Also lists interrupted
    /// intents. Reads one consistent snapshot. An empty log is intact.
    pub fn verify(&self) -> Result<VerifyReport, AuditError> {
        let conn = self.lock();
        let version = schema::version(self.path(), &conn)?;
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {} FROM audit_record ORDER BY seq",
                columns_for(version)
            ))
            .map_err(|e| self.db_error(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.db_error(e))?;
        let mut walk = ChainWalk::new(self.key());
        while let Some(row) = rows.next().map_err(|e| self.db_error(e))? {
            match StoredRow::read(row) {
                Ok(stored) => walk.push(stored),
                Err(e) if is_conversion_error(&e) => {
                    // seq is the rowid: always an integer.
                    let seq: i64 = row.get(0).map_err(|e| self.db_error(e))?;
                    walk.unreadable(seq, row.get::<_, String>(10).ok());
                }
                Err(e) => return Err(self.db_error(e)),
            }
        }
        Ok(walk.finish())
    }
}

/// Walks one installation's records in sequence order and reports the first that breaks the
/// chain: a sequence gap, a `prev_hash` that is not the previous record's hash, an unkeyed
/// record after a keyed one, or a stored hash that does not match the contents (SHA-256 for
/// format 1; HMAC with the key for format 2, when there is a key). Also lists interrupted
/// intents. [`AuditLog::verify`] walks the local log with it; the central store walks each
/// installation's forwarded records.
pub struct ChainWalk<'k> {
    key: Option<&'k AuditKey>,
    report: VerifyReport,
    intents: BTreeSet<i64>,
    answered: BTreeSet<i64>,
    expected_seq: i64,
    prev_hash: String,
    keyed_seen: bool,
}

impl<'k> ChainWalk<'k> {
    /// A walk from the first record, checking keyed hashes with `key` when given.
    pub fn new(key: Option<&'k AuditKey>) -> Self {
        Self {
            key,
            report: VerifyReport {
                records: 0,
                first_broken: None,
                head: None,
                keyed_checked: key.is_some(),
                keyed_records: 0,
                interrupted: Vec::new(),
            },
            intents: BTreeSet::new(),
            answered: BTreeSet::new(),
            expected_seq: 1,
            prev_hash: GENESIS_HASH.to_owned(),
            keyed_seen: false,
        }
    }

    /// A record whose stored values could not be read as their types (numbered `seq`, with
    /// the stored hash if readable).
    pub fn unreadable(&mut self, seq: i64, hash: Option<String>) {
        self.report.records += 1;
        self.report.head = hash.map(|h| (seq, h));
        self.report.first_broken.get_or_insert(Broken {
            seq,
            reason: BrokenReason::Unreadable,
        });
    }

    /// The next record.
    pub fn push(&mut self, stored: StoredRow) {
        let seq = stored.seq;
        self.report.records += 1;
        self.report.head = Some((seq, stored.hash.clone()));
        if stored.format == 2 {
            self.report.keyed_records += 1;
            if stored.record.action.is_intent() && stored.action != "outcome" {
                self.intents.insert(seq);
            }
            if stored.action == "outcome" {
                if let Some(intent) = stored.record.refers_to {
                    self.answered.insert(intent);
                }
            }
        }
        if self.report.first_broken.is_some() {
            return;
        }
        let reason = if seq != self.expected_seq {
            Some(BrokenReason::SequenceGap {
                expected: self.expected_seq,
            })
        } else if stored.prev_hash != self.prev_hash {
            Some(BrokenReason::PrevHashMismatch)
        } else if stored.format != 2 && self.keyed_seen {
            Some(BrokenReason::Downgrade)
        } else if stored.format == 2 {
            self.keyed_seen = true;
            match self.key {
                Some(key) if !stored.keyed_hash_matches(key) => Some(BrokenReason::HashMismatch),
                _ => None,
            }
        } else if stored.format == 1 {
            (stored.sha256_hash() != stored.hash).then_some(BrokenReason::HashMismatch)
        } else {
            Some(BrokenReason::Unreadable)
        };
        if let Some(reason) = reason {
            self.report.first_broken = Some(Broken { seq, reason });
            return;
        }
        self.expected_seq = seq.saturating_add(1);
        self.prev_hash = stored.hash;
    }

    /// The report.
    pub fn finish(mut self) -> VerifyReport {
        self.report.interrupted = self.intents.difference(&self.answered).copied().collect();
        self.report
    }
}
