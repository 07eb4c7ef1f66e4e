//! # vmcheck-audit
//!
//! The local audit log. Every access to patient data — the *intent* (a lookup by NHS number, a
//! search by demographics), committed before anything leaves the machine, and its *outcome*
//! (the banner or error, the patient returned), appended when known — and every sign-in, role
//! change, sign-out, lock and export is appended to a SQLite database ([`default_path`]). It is
//! the one place where V&M Check stores NHS numbers.
//!
//! ## The chain
//!
//! Records are numbered from 1 without gaps (`seq`). Each carries the previous record's hash
//! (`prev_hash`, 64 zeros for the first) and its own. Records written by this version (format
//! 2) are keyed with the installation's secret [`AuditKey`] (kept in the OS keyring by the
//! engine):
//!
//! ```text
//! hash = hex(HMAC-SHA-256(key, prev_hash || "\n" || C2))
//! C2   = "vmcheck-audit-v2\n"
//!        F(seq) F(time) F(installation_id) F(user_uuid) F(role_profile_id) F(ods_code)
//!        F(action) F(nhs_number) F(search_terms) F(outcome) F(trace_id) F(batch_id)
//!        F(refers_to) F(detail)
//! F(absent) = "-\n"
//! F(value)  = <length of value in UTF-8 bytes, decimal> ":" <value> "\n"
//! ```
//!
//! Records of the first release (format 1, migrated as they are) keep their unkeyed hash,
//! `hex(SHA-256(prev_hash || "\n" || C1))` over the first nine fields with the domain
//! `vmcheck-audit-v1\n`. [`AuditLog::verify`] reports the first record whose number, link or
//! hash is wrong, and an unkeyed record after a keyed one. An intent with no outcome is
//! reported as *interrupted* (a crash between the two), not as tampering.
//!
//! Signed [`Checkpoint`]s (the head's number and hash, MAC'd with the key) written elsewhere
//! make a removed tail detectable ([`AuditLog::check_checkpoint`]).
//!
//! ## Durability and throughput
//!
//! Each append is one `BEGIN IMMEDIATE` transaction (read the last record, hash, insert,
//! commit) in WAL mode with `synchronous=FULL`, so the chain stays linear with several threads
//! or processes writing, and a process killed mid-write loses nothing it had committed and
//! leaves no half record. [`AuditLog::append_all`] writes many records in one transaction.
//!
//! ## What it deliberately does not do
//!
//! - **Log**: nothing here writes to the application log; records redact NHS numbers, search
//!   terms and user ids in `Debug`, and errors never quote record contents.
//! - **Read a clock or make random numbers**: times and the key are the caller's.
//! - **Prove against someone holding the key**: whoever has the installation's key (and the
//!   file) can rewrite the chain; checkpoints kept elsewhere, and the central store, are what
//!   catch that. See ARCHITECTURE.md for the threat model.
//! - **Encrypt**: the file (created `0600` in a `0700` folder on Unix) relies on the operating
//!   system account for confidentiality.
//! - **Prune**: there is no retention or deletion; the table is append-only (triggers refuse
//!   `UPDATE` and `DELETE`).

mod batch;
mod chain;
mod checkpoint;
mod error;
mod export;
mod log;
mod paths;
mod record;
mod report;
mod schema;
mod verify;

pub use chain::{AuditKey, BadKey, GENESIS_HASH, KEY_LEN};
pub use checkpoint::{append_checkpoint, read_checkpoints, Checkpoint, CheckpointCheck};
pub use error::AuditError;
pub use export::{iso8601_utc, parse_bound, BadDate, RangeEnd, CSV_HEADER};
pub use log::{AuditLog, Peek, DEFAULT_BUSY_TIMEOUT};
pub use paths::default_path;
pub use record::{Action, AuditRecord, NewRecord, RecordFormat, UnknownAction};
pub use report::Access;
pub use schema::FORMAT_VERSION;
pub use verify::{Broken, BrokenReason, ChainWalk, StoredRow, VerifyReport};
