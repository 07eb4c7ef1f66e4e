//! # vmcheck-audit
//!
//! The local audit log. Every sign-in, role change, sign-out, lock and lookup is appended to a
//! SQLite database in the user's data folder ([`default_path`]): the time, the smartcard user's
//! UUID, the role profile id, the organisation (ODS code), the action, the NHS number looked
//! up, the outcome (a banner or an error code) and the `Ssp-TraceID`. It is the one place where
//! V&M Check stores NHS numbers.
//!
//! ## The chain
//!
//! Records are numbered from 1 without gaps (`seq`). Each carries the previous record's hash
//! (`prev_hash`, 64 zeros for the first) and its own:
//!
//! ```text
//! hash = lowercase hex of SHA-256( prev_hash || "\n" || C )
//! C    = "vmcheck-audit-v1\n"
//!        F(seq) F(time) F(user_uuid) F(role_profile_id) F(ods_code) F(action)
//!        F(nhs_number) F(outcome) F(trace_id)
//! F(absent) = "-\n"
//! F(value)  = <length of value in UTF-8 bytes, decimal> ":" <value> "\n"
//! ```
//!
//! with `seq` and `time` (Unix seconds) written in decimal and `action` as its name
//! (`lookup`, …). The length prefix makes the encoding unambiguous, and an absent value differs
//! from an empty one, so anyone can recompute the chain from a CSV export with a few lines of
//! script. [`AuditLog::verify`] reports the first record whose number, link or hash is wrong.
//!
//! ## Durability
//!
//! Each append is one `BEGIN IMMEDIATE` transaction (read the last record, hash, insert,
//! commit) in WAL mode with `synchronous=FULL`, so the chain stays linear with several threads
//! or processes writing, and a process killed mid-write loses nothing it had committed and
//! leaves no half record (see [`AuditLog::open`]; the tests kill a writer with SIGKILL).
//!
//! ## What it deliberately does not do
//!
//! - **Log**: nothing here writes to the application log; [`NewRecord`] and [`AuditRecord`]
//!   redact NHS numbers and user ids in `Debug`, and errors never quote record contents.
//! - **Read a clock**: the time of a record is the caller's parameter.
//! - **Prove against a determined insider**: the hash is unkeyed and the file is the user's. A
//!   plain SQL edit or deletion is caught, but someone who recomputes every later hash, or
//!   removes records from the end, is not — unless the head hash from [`VerifyReport`] was
//!   noted elsewhere earlier.
//! - **Encrypt**: the file (created `0600` in a `0700` folder on Unix) relies on the operating
//!   system account for confidentiality.
//! - **Prune**: there is no retention or deletion; the table is append-only (triggers refuse
//!   `UPDATE` and `DELETE`).

mod chain;
mod error;
mod export;
mod log;
mod record;

pub use chain::GENESIS_HASH;
pub use error::AuditError;
pub use export::{iso8601_utc, parse_bound, BadDate, RangeEnd, CSV_HEADER};
pub use log::{default_path, AuditLog, Broken, BrokenReason, VerifyReport, FORMAT_VERSION};
pub use record::{Action, AuditRecord, NewRecord, UnknownAction};
