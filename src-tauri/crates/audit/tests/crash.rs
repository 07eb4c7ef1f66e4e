//! Crash safety with real processes: a writer killed with SIGKILL in the middle of appending
//! loses no record it had reported committed and leaves the chain intact; two writer processes
//! at once keep one chain.
//!
//! The writer is this test binary itself, re-run with `VMCHECK_AUDIT_CHILD_DB` set so that
//! only `child_writer` does anything.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use common::{lookup, stored_seqs};
use vmcheck_audit::AuditLog;

const CHILD_DB: &str = "VMCHECK_AUDIT_CHILD_DB";
const CHILD_COUNT: &str = "VMCHECK_AUDIT_CHILD_COUNT";

/// The writer: does nothing in a normal test run. As a child it appends in a tight loop (or
/// `VMCHECK_AUDIT_CHILD_COUNT` times) and prints `committed <seq>` after each append returns.
#[test]
fn child_writer() {
    let Some(db) = std::env::var_os(CHILD_DB) else {
        return;
    };
    let limit: Option<i64> = std::env::var(CHILD_COUNT).ok().and_then(|c| c.parse().ok());
    let log = AuditLog::open(Path::new(&db), common::key()).expect("child: open");
    let mut out = std::io::stdout().lock();
    let mut i = 0_i64;
    while limit.is_none_or(|l| i < l) {
        let r = log.append(lookup(i)).expect("child: append");
        writeln!(out, "committed {}", r.seq).expect("child: stdout");
        out.flush().expect("child: flush");
        i += 1;
    }
}

fn spawn_writer(db: &Path, count: Option<u64>) -> Child {
    let exe = std::env::current_exe().expect("current exe");
    let mut cmd = Command::new(exe);
    cmd.args(["child_writer", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_DB, db)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    match count {
        Some(n) => cmd.env(CHILD_COUNT, n.to_string()),
        None => cmd.env_remove(CHILD_COUNT),
    };
    cmd.spawn().expect("spawn writer")
}

/// The sequence number a writer reported on a `committed <seq>` line. With `--nocapture` the
/// first one shares its line with libtest's `test child_writer ... `.
fn committed(line: &str) -> Option<i64> {
    line.split_once("committed ")
        .and_then(|(_, s)| s.trim().parse().ok())
}

#[test]
fn kill_9_while_writing_loses_no_committed_record_and_keeps_the_chain() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("audit.sqlite");
    let started = Instant::now();
    let mut records_before = 0_u64;
    for (round, wanted) in [1_usize, 50, 200, 300, 400, 500].into_iter().enumerate() {
        let round_started = Instant::now();
        let mut child = spawn_writer(&db, None);
        // The reader stays open until the child is dead: closing it first would end the
        // writer with a broken pipe instead of the kill.
        let mut lines = BufReader::new(child.stdout.take().expect("child stdout")).lines();
        let mut printed = Vec::with_capacity(wanted);
        while printed.len() < wanted {
            let line = lines
                .next()
                .unwrap_or_else(|| panic!("round {round}: the writer stopped early"))
                .expect("read child");
            printed.extend(committed(&line));
        }
        // `Child::kill` is SIGKILL on Unix: no destructor, no rollback, no checkpoint.
        child.kill().expect("SIGKILL");
        let status = child.wait().expect("wait");
        drop(lines);
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(status.signal(), Some(9), "round {round}: {status:?}");
        }
        #[cfg(not(unix))]
        assert!(!status.success());

        let log = AuditLog::open(&db, common::key()).expect("open after kill");
        let report = log.verify().expect("verify after kill");
        assert!(
            report.is_intact(),
            "round {round}: {:?}",
            report.first_broken
        );
        let stored: BTreeSet<i64> = stored_seqs(&db).into_iter().collect();
        for seq in &printed {
            assert!(
                stored.contains(seq),
                "round {round}: committed record {seq} lost"
            );
        }
        // This round's writer carried on from the last committed record.
        assert_eq!(
            printed[0],
            i64::try_from(records_before).expect("count") + 1
        );
        let last_printed = u64::try_from(*printed.last().expect("one")).expect("seq");
        assert!(report.records >= last_printed);
        eprintln!(
            "kill -9 round {round}: {wanted} reported committed, {} stored ({} after the last report), {:?}",
            report.records,
            report.records - last_printed,
            round_started.elapsed()
        );
        records_before = report.records;
    }
    eprintln!(
        "kill -9: 6 rounds, {records_before} records, chain intact, {:?}",
        started.elapsed()
    );
}

#[test]
fn two_writer_processes_at_once_keep_one_chain() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("audit.sqlite");
    // Both create the database at the same moment, too.
    let children = [spawn_writer(&db, Some(100)), spawn_writer(&db, Some(100))];
    for child in children {
        let out = child.wait_with_output().expect("wait");
        assert!(out.status.success(), "{:?}", out.status);
        let lines = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(committed)
            .count();
        assert_eq!(lines, 100);
    }
    let log = AuditLog::open(&db, common::key()).expect("open");
    let report = log.verify().expect("verify");
    assert_eq!(report.records, 200);
    assert!(report.is_intact(), "{:?}", report.first_broken);
    assert_eq!(stored_seqs(&db), (1..=200).collect::<Vec<_>>());
}
