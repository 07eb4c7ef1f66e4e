//! Appending, verifying and tampering: every plain-SQL edit or deletion is found at the right
//! record, and the chain survives reopening and concurrent writers.

mod common;

use std::sync::Arc;

use common::{fresh, lookup, stored_seqs, tamper, with_records, T0};
use vmcheck_audit::{Action, AuditError, AuditLog, Broken, BrokenReason, NewRecord, GENESIS_HASH};

fn broken(seq: i64, reason: BrokenReason) -> Option<Broken> {
    Some(Broken { seq, reason })
}

#[test]
fn append_then_verify_round_trip() {
    let (_dir, _path, log) = fresh();
    let first = log.append(lookup(0)).expect("append");
    assert_eq!(first.seq, 1);
    assert_eq!(first.prev_hash, GENESIS_HASH);
    assert_eq!(first.hash.len(), 64);
    assert_eq!(first.record.nhs_number.as_deref(), Some("9434765900"));
    let second = log
        .append(NewRecord {
            time: T0 + 60,
            user_uuid: "555123456789".into(),
            role_profile_id: None,
            ods_code: "RX1".into(),
            action: Action::SignIn,
            nhs_number: None,
            outcome: None,
            trace_id: None,
            ..NewRecord::default()
        })
        .expect("append");
    assert_eq!(second.seq, 2);
    assert_eq!(second.prev_hash, first.hash);
    assert_ne!(second.hash, first.hash);
    for i in 2..10 {
        log.append(lookup(i)).expect("append");
    }
    let report = log.verify().expect("verify");
    assert_eq!(report.records, 10);
    assert!(report.is_intact(), "{:?}", report.first_broken);
    assert_eq!(report.first_broken, None);
}

#[test]
fn an_empty_log_verifies() {
    let (_dir, _path, log) = fresh();
    let report = log.verify().expect("verify");
    assert_eq!(report.records, 0);
    assert!(report.is_intact());
    assert_eq!(report.head, None);
}

#[test]
fn head_is_the_last_records_hash() {
    let (_dir, _path, log) = with_records(3);
    let last = log.append(lookup(3)).expect("append");
    assert_eq!(
        log.verify().expect("verify").head,
        Some((last.seq, last.hash))
    );
}

#[test]
fn ordinary_sql_cannot_change_or_delete_records() {
    let (_dir, path, log) = with_records(3);
    let conn = rusqlite::Connection::open(&path).expect("open");
    let update = conn.execute("UPDATE audit_record SET outcome = 'red' WHERE seq = 2", []);
    assert!(update.is_err(), "UPDATE must be refused");
    let delete = conn.execute("DELETE FROM audit_record WHERE seq = 2", []);
    assert!(delete.is_err(), "DELETE must be refused");
    assert!(log.verify().expect("verify").is_intact());
}

#[test]
fn editing_any_field_is_reported_at_that_record_as_a_hash_mismatch() {
    let edits = [
        "time = time + 1",
        "user_uuid = '555000000000'",
        "role_profile_id = '555000000001'",
        "role_profile_id = NULL",
        "ods_code = 'RX2'",
        "action = 'sign_in'",
        "action = 'not_an_action'",
        "nhs_number = '9434765870'",
        "nhs_number = NULL",
        "nhs_number = ''",
        "outcome = 'red'",
        "outcome = NULL",
        "trace_id = 'trace-other'",
        "hash = '1111111111111111111111111111111111111111111111111111111111111111'",
    ];
    for edit in edits {
        let (_dir, path, log) = with_records(5);
        tamper(
            &path,
            &format!("UPDATE audit_record SET {edit} WHERE seq = 3"),
        );
        let report = log.verify().expect("verify");
        assert_eq!(report.records, 5, "{edit}");
        assert_eq!(
            report.first_broken,
            broken(3, BrokenReason::HashMismatch),
            "{edit}"
        );
    }
}

#[test]
fn editing_a_link_is_reported_at_that_record() {
    let (_dir, path, log) = with_records(5);
    tamper(
        &path,
        "UPDATE audit_record SET prev_hash = (SELECT hash FROM audit_record WHERE seq = 1) WHERE seq = 3",
    );
    assert_eq!(
        log.verify().expect("verify").first_broken,
        broken(3, BrokenReason::PrevHashMismatch)
    );
}

#[test]
fn deleting_a_middle_record_is_reported_at_the_next_one() {
    let (_dir, path, log) = with_records(5);
    tamper(&path, "DELETE FROM audit_record WHERE seq = 3");
    let report = log.verify().expect("verify");
    assert_eq!(report.records, 4);
    assert_eq!(
        report.first_broken,
        broken(4, BrokenReason::SequenceGap { expected: 3 })
    );
    assert_eq!(
        report.first_broken.map(|b| b.to_string()),
        Some(
            "record 4 is broken: the record numbered 3 should come here: records are missing"
                .into()
        )
    );
}

#[test]
fn deleting_the_first_record_is_reported() {
    let (_dir, path, log) = with_records(3);
    tamper(&path, "DELETE FROM audit_record WHERE seq = 1");
    assert_eq!(
        log.verify().expect("verify").first_broken,
        broken(2, BrokenReason::SequenceGap { expected: 1 })
    );
}

#[test]
fn deleting_and_renumbering_is_reported_as_a_broken_link() {
    // Hide a deletion by moving the later records down: the numbers line up again, the links
    // do not.
    let (_dir, path, log) = with_records(5);
    tamper(
        &path,
        "DELETE FROM audit_record WHERE seq = 3; \
         UPDATE audit_record SET seq = seq - 1 WHERE seq > 3;",
    );
    assert_eq!(
        log.verify().expect("verify").first_broken,
        broken(3, BrokenReason::PrevHashMismatch)
    );
}

#[test]
fn a_replaced_record_with_a_valid_hash_breaks_the_next_link() {
    // The forger builds a correct record 3 in a second log with the same first two records
    // and swaps it in; record 4 still names the original record 3.
    let (_dir, path, log) = with_records(5);
    let (_dir2, forged_path, forged) = with_records(2);
    let mut edited = lookup(2);
    edited.outcome = Some("red".into());
    let forged3 = forged.append(edited).expect("append");
    assert!(forged.verify().expect("verify").is_intact());
    tamper(
        &path,
        &format!(
            "UPDATE audit_record SET outcome = 'red', hash = '{}' WHERE seq = 3",
            forged3.hash
        ),
    );
    drop(forged_path);
    assert_eq!(
        log.verify().expect("verify").first_broken,
        broken(4, BrokenReason::PrevHashMismatch)
    );
}

#[test]
fn records_survive_reopening_and_the_chain_continues() {
    let (_dir, path, log) = with_records(10);
    let head = log.verify().expect("verify").head;
    drop(log);
    let log = AuditLog::open(&path, common::key()).expect("reopen");
    let report = log.verify().expect("verify");
    assert_eq!(report.records, 10);
    assert!(report.is_intact());
    let next = log.append(lookup(10)).expect("append");
    assert_eq!(next.seq, 11);
    assert_eq!(Some(next.prev_hash), head.map(|(_, h)| h));
    drop(log);
    let log = AuditLog::open(&path, common::key()).expect("reopen again");
    let report = log.verify().expect("verify");
    assert_eq!(report.records, 11);
    assert!(report.is_intact());
}

#[test]
fn two_threads_sharing_one_log_append_200_records_in_one_chain() {
    let (_dir, path, log) = fresh();
    let log = Arc::new(log);
    let threads: Vec<_> = (0..2)
        .map(|t| {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                for i in 0..100 {
                    log.append(lookup(t * 1000 + i)).expect("append");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
    let report = log.verify().expect("verify");
    assert_eq!(report.records, 200);
    assert!(report.is_intact(), "{:?}", report.first_broken);
    assert_eq!(stored_seqs(&path), (1..=200).collect::<Vec<_>>());
}

#[test]
fn two_connections_appending_at_once_keep_one_chain() {
    // Two `AuditLog`s on one file: separate SQLite connections, serialised only by SQLite's
    // locking, as two processes would be.
    let (_dir, path, log) = fresh();
    let threads: Vec<_> = (0..2)
        .map(|t| {
            let path = path.clone();
            std::thread::spawn(move || {
                let own = AuditLog::open(&path, common::key()).expect("open");
                for i in 0..100 {
                    own.append(lookup(t * 1000 + i)).expect("append");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
    let report = log.verify().expect("verify");
    assert_eq!(report.records, 200);
    assert!(report.is_intact(), "{:?}", report.first_broken);
}

#[test]
fn a_time_outside_1970_to_9999_is_refused_and_nothing_is_written() {
    let (_dir, _path, log) = fresh();
    for time in [-1, 253_402_300_800, i64::MIN, i64::MAX] {
        let mut r = lookup(0);
        r.time = time;
        assert!(matches!(
            log.append(r),
            Err(AuditError::InvalidRecord { .. })
        ));
    }
    assert_eq!(log.verify().expect("verify").records, 0);
}

#[test]
fn open_creates_folders_and_a_private_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("a").join("b").join("audit.sqlite");
    let log = AuditLog::open(&path, common::key()).expect("open");
    log.append(lookup(0)).expect("append");
    assert!(path.exists());
    assert_eq!(log.path(), path);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| {
            std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
        };
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join("a").join("b")), 0o700);
        let wal = path.with_file_name("audit.sqlite-wal");
        assert!(wal.exists(), "WAL mode");
        assert_eq!(mode(&wal), 0o600);
    }
}

#[test]
fn a_path_that_cannot_be_created_is_an_open_error_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, b"x").expect("write");
    let path = blocker.join("audit.sqlite");
    let err = AuditLog::open(&path, common::key()).expect_err("must fail");
    assert!(matches!(err, AuditError::Open { .. }), "{err:?}");
    assert!(err.to_string().contains("not-a-folder"), "{err}");
    assert_eq!(err.code(), "audit_open");
}

#[test]
fn a_file_that_is_not_a_database_is_corrupt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.sqlite");
    std::fs::write(&path, vec![b'x'; 4096]).expect("write");
    let err = AuditLog::open(&path, common::key()).expect_err("must fail");
    assert!(matches!(err, AuditError::Corrupt { .. }), "{err:?}");
}

#[test]
fn another_programs_database_is_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("other.sqlite");
    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.execute_batch("CREATE TABLE notes (body TEXT);")
        .expect("create");
    drop(conn);
    let err = AuditLog::open(&path, common::key()).expect_err("must fail");
    assert!(matches!(err, AuditError::Corrupt { .. }), "{err:?}");
}

#[test]
fn a_newer_format_is_refused() {
    let (_dir, path, log) = with_records(1);
    drop(log);
    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.pragma_update(None, "user_version", 3).expect("pragma");
    drop(conn);
    let err = AuditLog::open(&path, common::key()).expect_err("must fail");
    assert!(
        matches!(
            err,
            AuditError::NewerFormat {
                found: 3,
                supported: 2,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn errors_never_quote_record_contents() {
    let (_dir, path, log) = with_records(2);
    tamper(&path, "DROP TABLE audit_record");
    let err = log.append(lookup(5)).expect_err("must fail");
    let text = format!("{err} {err:?}");
    assert!(!text.contains("94347659"), "{text}");
    assert!(!text.contains("555123456789"), "{text}");
}
