//! The keyed chain: the key is needed to write and to check; a log written by the first
//! release migrates and its chain continues; an unkeyed record after keyed ones, a forged
//! record, a truncated tail and an interrupted access are each told apart.

mod common;

use std::path::{Path, PathBuf};

use common::{fresh, key, lookup, open, other_key, tamper, with_records, T0};
use vmcheck_audit::{
    append_checkpoint, read_checkpoints, Action, AuditError, AuditLog, BrokenReason,
    CheckpointCheck, NewRecord, RecordFormat, FORMAT_VERSION,
};

fn fixture_copy() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.sqlite");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audit-v1.sqlite"),
        &path,
    )
    .expect("copy fixture");
    (dir, path)
}

#[test]
fn a_log_written_by_the_first_release_migrates_and_its_chain_continues() {
    let (_dir, path) = fixture_copy();
    // As the first release left it: five records, unkeyed, intact.
    let before = AuditLog::open_unkeyed(&path).expect("open unkeyed");
    let report = before.verify().expect("verify");
    assert_eq!(report.records, 5);
    assert!(report.is_intact(), "{:?}", report.first_broken);
    assert_eq!(report.keyed_records, 0);
    let (_, v1_head) = report.head.expect("head");
    drop(before);
    let peek = AuditLog::peek(&path).expect("peek");
    assert_eq!((peek.records, peek.keyed_records), (5, 0));

    let log = open(&path);
    let next = log.append(lookup(100)).expect("append");
    assert_eq!(next.seq, 6);
    assert_eq!(
        next.prev_hash, v1_head,
        "the chain continues from the last v1 record"
    );
    assert_eq!(next.format, RecordFormat::Keyed);
    let report = log.verify().expect("verify");
    assert_eq!((report.records, report.keyed_records), (6, 1));
    assert!(report.is_intact(), "{:?}", report.first_broken);
    let version: i64 = rusqlite::Connection::open(&path)
        .expect("open")
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("version");
    assert_eq!(version, FORMAT_VERSION);
    // The migrated v1 records still verify, and tampering with one is still caught.
    drop(log);
    tamper(
        &path,
        "UPDATE audit_record SET outcome = 'green:NotChargeable' WHERE seq = 2",
    );
    let report = open(&path).verify().expect("verify");
    assert_eq!(
        report.first_broken.map(|b| (b.seq, b.reason)),
        Some((2, BrokenReason::HashMismatch))
    );
}

#[test]
fn a_record_rewritten_without_the_key_is_caught() {
    let (_dir, path, log) = with_records(4);
    drop(log);
    // Someone edits record 3 and recomputes every hash from there on — but without the key
    // they can only use the unkeyed format-1 rule.
    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.execute_batch("DROP TRIGGER audit_record_no_update")
        .expect("drop");
    conn.execute(
        "UPDATE audit_record SET outcome = 'red:Chargeable', format = 1 WHERE seq = 3",
        [],
    )
    .expect("edit");
    drop(conn);
    let report = open(&path).verify().expect("verify");
    assert_eq!(
        report.first_broken.map(|b| (b.seq, b.reason)),
        Some((3, BrokenReason::Downgrade))
    );
    // Left keyed, the edit is a hash mismatch.
    let (_dir, path, log) = with_records(4);
    drop(log);
    tamper(
        &path,
        "UPDATE audit_record SET outcome = 'red' WHERE seq = 3",
    );
    let report = open(&path).verify().expect("verify");
    assert_eq!(
        report.first_broken.map(|b| (b.seq, b.reason)),
        Some((3, BrokenReason::HashMismatch))
    );
}

#[test]
fn another_key_can_neither_continue_nor_verify_the_log() {
    let (_dir, path, log) = with_records(2);
    drop(log);
    let err = AuditLog::open(&path, other_key()).expect_err("refused");
    assert!(matches!(err, AuditError::WrongKey { .. }), "{err:?}");
    assert!(err.to_string().contains("another key"), "{err}");
    // Without the key: links and numbers are checked, keyed hashes cannot be.
    let unkeyed = AuditLog::open_unkeyed(&path).expect("open");
    let report = unkeyed.verify().expect("verify");
    assert!(report.is_intact());
    assert!(!report.keyed_checked);
    assert_eq!(report.keyed_records, 2);
    assert!(
        unkeyed.append(lookup(9)).is_err(),
        "nothing is written without the key"
    );
}

#[test]
fn many_records_go_in_one_transaction_or_none() {
    let (_dir, _path, log) = fresh();
    let batch: Vec<NewRecord> = (0..500).map(lookup).collect();
    let stored = log.append_all(batch).expect("append all");
    assert_eq!(stored.len(), 500);
    assert_eq!(stored[0].seq, 1);
    assert_eq!(stored[499].seq, 500);
    assert!(stored.windows(2).all(|w| w[1].prev_hash == w[0].hash));
    let mut bad: Vec<NewRecord> = (0..3).map(lookup).collect();
    bad[2].time = -1;
    assert!(log.append_all(bad).is_err());
    assert_eq!(
        log.verify().expect("verify").records,
        500,
        "none of the batch"
    );
}

#[test]
fn an_intent_without_an_outcome_is_interrupted_not_tampering() {
    let (_dir, _path, log) = fresh();
    let answered = log.append(lookup(0)).expect("intent");
    log.append(NewRecord {
        refers_to: Some(answered.seq),
        outcome: Some("green:NotChargeable".into()),
        nhs_number: Some("9434765900".into()),
        ..NewRecord::new(T0 + 1, "555123456789", "RX1", Action::Outcome)
    })
    .expect("outcome");
    let cut = log
        .append(NewRecord {
            search_terms: Some("family=SMITH;birthdate=1990-01-01".into()),
            ..NewRecord::new(T0 + 2, "555123456789", "RX1", Action::Search)
        })
        .expect("intent");
    log.append(NewRecord::new(T0 + 3, "555123456789", "RX1", Action::Lock))
        .expect("lock");
    let report = log.verify().expect("verify");
    assert!(report.is_intact());
    assert_eq!(report.interrupted, [cut.seq]);
}

#[test]
fn a_checkpoint_kept_elsewhere_catches_a_removed_tail() {
    let (dir, path, log) = with_records(5);
    let file = dir.path().join("elsewhere/checkpoints.log");
    let cp = log
        .checkpoint(T0 + 100)
        .expect("checkpoint")
        .expect("not empty");
    assert_eq!(cp.seq, 5);
    append_checkpoint(&file, &cp).expect("written");
    assert_eq!(
        log.check_checkpoint(&cp).expect("check"),
        CheckpointCheck::Consistent
    );
    // More records after the checkpoint are fine.
    log.append(lookup(5)).expect("append");
    assert_eq!(
        log.check_checkpoint(&cp).expect("check"),
        CheckpointCheck::Consistent
    );
    drop(log);
    // The last three records are deleted: the chain itself is still intact...
    tamper(&path, "DELETE FROM audit_record WHERE seq >= 4");
    let log = open(&path);
    assert!(log.verify().expect("verify").is_intact());
    // ...but the checkpoint shows the tail is gone.
    let cps = read_checkpoints(&file).expect("read");
    assert_eq!(cps, std::slice::from_ref(&cp));
    let check = log.check_checkpoint(&cps[0]).expect("check");
    assert_eq!(
        check,
        CheckpointCheck::Truncated {
            log_records: 3,
            checkpoint_records: 5
        }
    );
    assert!(
        check.to_string().contains("removed from its end"),
        "{check}"
    );
    // A forged checkpoint is refused.
    let forged = vmcheck_audit::Checkpoint { seq: 3, ..cp };
    assert_eq!(
        log.check_checkpoint(&forged).expect("check"),
        CheckpointCheck::NotSigned
    );
}

#[test]
fn a_checkpoint_catches_a_log_rewritten_with_the_key_from_before_it() {
    let (dir, path, log) = with_records(3);
    let cp = log
        .checkpoint(T0 + 100)
        .expect("checkpoint")
        .expect("not empty");
    drop(log);
    // Someone with the key deletes everything and writes three different records.
    tamper(&path, "DELETE FROM audit_record");
    let log = open(&path);
    for i in 10..13 {
        log.append(lookup(i)).expect("append");
    }
    assert!(log.verify().expect("verify").is_intact());
    assert_eq!(
        log.check_checkpoint(&cp).expect("check"),
        CheckpointCheck::Rewritten { seq: 3 }
    );
    drop(dir);
    let _ = key();
}
