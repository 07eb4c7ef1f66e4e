//! Audit write throughput for `bench/audit.sh`: intents appended one transaction each (a desk
//! lookup) and in groups (a worklist), to a fresh log at the path given. Prints one line per
//! mode: rows, seconds, rows per second, and the median time of one commit.
//!
//! Usage: bench_append DB [ROWS] [GROUP]   (defaults 2000 and 100)

use std::time::Instant;

use vmcheck_audit::{Action, AuditKey, AuditLog, NewRecord};

fn intent(i: usize, batch: Option<&str>) -> NewRecord {
    NewRecord {
        role_profile_id: Some("555021936109".into()),
        nhs_number: Some(format!("{:010}", 9_990_000_000u64 + i as u64)),
        trace_id: Some(format!("00000000-0000-4000-8000-{i:012}")),
        batch_id: batch.map(str::to_owned),
        ..NewRecord::new(
            1_796_342_400 + i as i64,
            "555021935107",
            "RRK99",
            Action::Lookup,
        )
    }
}

fn median(mut micros: Vec<u128>) -> f64 {
    micros.sort_unstable();
    micros[micros.len() / 2] as f64 / 1000.0
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(db) = args.first() else {
        eprintln!("usage: bench_append DB [ROWS] [GROUP]");
        std::process::exit(2);
    };
    let rows: usize = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(2000);
    let group: usize = args.get(2).and_then(|g| g.parse().ok()).unwrap_or(100);
    let path = std::path::Path::new(db);
    let _ = std::fs::remove_file(path);
    let log = AuditLog::open(path, AuditKey::from_bytes(&[7; 32]).expect("key")).expect("open");

    let start = Instant::now();
    let mut each = Vec::with_capacity(rows);
    for i in 0..rows {
        let t = Instant::now();
        log.append(intent(i, None)).expect("append");
        each.push(t.elapsed().as_micros());
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "one transaction per intent: {rows} rows in {secs:.2} s = {:.0} rows/s (median commit {:.2} ms)",
        rows as f64 / secs,
        median(each)
    );

    let start = Instant::now();
    let mut each = Vec::new();
    for (n, chunk) in (0..rows).collect::<Vec<_>>().chunks(group).enumerate() {
        let batch = format!("batch-{n}");
        let records = chunk
            .iter()
            .map(|&i| intent(rows + i, Some(&batch)))
            .collect();
        let t = Instant::now();
        log.append_all(records).expect("append_all");
        each.push(t.elapsed().as_micros());
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "groups of {group} (a worklist):    {rows} rows in {secs:.2} s = {:.0} rows/s (median commit {:.2} ms)",
        rows as f64 / secs,
        median(each)
    );
    let report = log.verify().expect("verify");
    assert!(report.is_intact(), "the chain must verify after the run");
}
