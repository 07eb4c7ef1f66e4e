//! Helpers shared by the audit log's integration tests.

#![allow(dead_code, reason = "each test file uses a different subset")]

use std::path::{Path, PathBuf};

use vmcheck_audit::{Action, AuditKey, AuditLog, NewRecord};

/// The installation key of the tests' logs.
pub fn key() -> AuditKey {
    AuditKey::from_bytes(&[7; 32]).expect("key")
}

/// Another installation's key.
pub fn other_key() -> AuditKey {
    AuditKey::from_bytes(&[9; 32]).expect("key")
}

/// Opens (or creates) the log at `path` with the tests' key.
pub fn open(path: &Path) -> AuditLog {
    AuditLog::open(path, key()).expect("open")
}

/// 2026-11-21T09:30:00Z.
pub const T0: i64 = 1_795_253_400;

/// A lookup record with every field present; `i` varies the time, NHS number and trace id.
pub fn lookup(i: i64) -> NewRecord {
    NewRecord {
        time: T0 + i,
        user_uuid: "555123456789".into(),
        role_profile_id: Some("555254239107".into()),
        ods_code: "RX1".into(),
        action: Action::Lookup,
        nhs_number: Some(format!("94347659{:02}", i.rem_euclid(100))),
        outcome: Some("green".into()),
        trace_id: Some(format!("trace-{i}")),
        ..NewRecord::default()
    }
}

/// A fresh log in a temporary folder (kept alive by the returned guard).
pub fn fresh() -> (tempfile::TempDir, PathBuf, AuditLog) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.sqlite");
    let log = open(&path);
    (dir, path, log)
}

/// A fresh log holding `n` lookups.
pub fn with_records(n: i64) -> (tempfile::TempDir, PathBuf, AuditLog) {
    let (dir, path, log) = fresh();
    for i in 0..n {
        log.append(lookup(i)).expect("append");
    }
    (dir, path, log)
}

/// Runs SQL on the database behind the log's back, as someone with the file and the sqlite3
/// shell would: the append-only triggers are dropped first.
pub fn tamper(path: &Path, sql: &str) {
    let conn = rusqlite::Connection::open(path).expect("open for tampering");
    conn.execute_batch(
        "DROP TRIGGER IF EXISTS audit_record_no_update; \
         DROP TRIGGER IF EXISTS audit_record_no_delete;",
    )
    .expect("drop triggers");
    conn.execute_batch(sql).expect("tamper");
}

/// Every stored sequence number, in order.
pub fn stored_seqs(path: &Path) -> Vec<i64> {
    let conn = rusqlite::Connection::open(path).expect("open");
    let mut stmt = conn
        .prepare("SELECT seq FROM audit_record ORDER BY seq")
        .expect("prepare");
    let seqs = stmt
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<Vec<i64>, _>>()
        .expect("rows");
    seqs
}
