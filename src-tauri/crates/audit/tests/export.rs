//! CSV export: ranges are inclusive, times are ISO-8601 UTC, awkward values are quoted.

mod common;

use common::{fresh, lookup, with_records, T0};
use vmcheck_audit::{parse_bound, Action, NewRecord, RangeEnd, CSV_HEADER};

fn export(log: &vmcheck_audit::AuditLog, from: Option<i64>, to: Option<i64>) -> (u64, String) {
    let mut out = Vec::new();
    let n = log.export_csv(from, to, &mut out).expect("export");
    (n, String::from_utf8(out).expect("utf-8"))
}

/// The `seq` column of each data row.
fn seqs(csv: &str) -> Vec<i64> {
    csv.split("\r\n")
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| {
            l.split(',')
                .next()
                .and_then(|s| s.parse().ok())
                .expect("seq")
        })
        .collect()
}

#[test]
fn exports_a_header_and_one_row_per_record() {
    let (_dir, _path, log) = with_records(3);
    let (n, csv) = export(&log, None, None);
    assert_eq!(n, 3);
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(
        lines.len(),
        5,
        "header, three rows, empty after the last CRLF"
    );
    assert_eq!(lines[0], CSV_HEADER.join(","));
    assert_eq!(
        lines[0],
        "seq,time,installation_id,user_uuid,role_profile_id,ods_code,action,nhs_number,search_terms,outcome,trace_id,batch_id,refers_to,detail,format,prev_hash,hash"
    );
    let first: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(
        &first[..15],
        &[
            "1",
            "2026-11-21T09:30:00Z",
            log.installation_id(),
            "555123456789",
            "555254239107",
            "RX1",
            "lookup",
            "9434765900",
            "",
            "green",
            "trace-0",
            "",
            "",
            "",
            "2",
        ]
    );
    assert_eq!(first[15], vmcheck_audit::GENESIS_HASH);
    assert_eq!(first[16].len(), 64);
    assert_eq!(lines[4], "");
}

#[test]
fn an_empty_log_exports_only_the_header() {
    let (_dir, _path, log) = fresh();
    let (n, csv) = export(&log, None, None);
    assert_eq!(n, 0);
    assert_eq!(csv, format!("{}\r\n", CSV_HEADER.join(",")));
}

#[test]
fn ranges_are_inclusive_at_both_ends() {
    let (_dir, _path, log) = fresh();
    // Records an hour apart: T0, T0+1h, ..., T0+4h.
    for i in 0..5 {
        log.append(lookup(i * 3600)).expect("append");
    }
    assert_eq!(seqs(&export(&log, None, None).1), vec![1, 2, 3, 4, 5]);
    assert_eq!(
        seqs(&export(&log, Some(T0 + 3600), Some(T0 + 3 * 3600)).1),
        vec![2, 3, 4]
    );
    assert_eq!(
        seqs(&export(&log, Some(T0 + 3601), Some(T0 + 3 * 3600 - 1)).1),
        vec![3]
    );
    assert_eq!(
        seqs(&export(&log, Some(T0 + 2 * 3600), None).1),
        vec![3, 4, 5]
    );
    assert_eq!(seqs(&export(&log, None, Some(T0)).1), vec![1]);
    let (n, _) = export(&log, Some(T0 + 5 * 3600), None);
    assert_eq!(n, 0);
    let (n, _) = export(&log, Some(T0 + 3600), Some(T0));
    assert_eq!(n, 0, "from after to");
}

#[test]
fn cli_dates_select_whole_utc_days() {
    let (_dir, _path, log) = fresh();
    // 2026-11-20T23:59:59Z, 2026-11-21T00:00:00Z, 2026-11-21T23:59:59Z, 2026-11-22T00:00:00Z.
    let day = 1_795_219_200;
    for t in [day - 1, day, day + 86_399, day + 86_400] {
        let mut r = lookup(0);
        r.time = t;
        log.append(r).expect("append");
    }
    let from = parse_bound("2026-11-21", RangeEnd::From).expect("from");
    let to = parse_bound("2026-11-21", RangeEnd::To).expect("to");
    let (n, csv) = export(&log, Some(from), Some(to));
    assert_eq!(n, 2);
    assert!(csv.contains(",2026-11-21T00:00:00Z,"));
    assert!(csv.contains(",2026-11-21T23:59:59Z,"));
    assert!(!csv.contains("2026-11-20T") && !csv.contains("2026-11-22T"));
}

#[test]
fn commas_quotes_and_line_breaks_are_quoted() {
    let (_dir, _path, log) = fresh();
    log.append(NewRecord {
        time: T0,
        user_uuid: "555123456789".into(),
        role_profile_id: None,
        ods_code: "RX1".into(),
        action: Action::Lookup,
        nhs_number: Some(String::new()),
        outcome: Some("error, \"quoted\"".into()),
        trace_id: Some("line\nbreak".into()),
        ..NewRecord::default()
    })
    .expect("append");
    let (n, csv) = export(&log, None, None);
    assert_eq!(n, 1);
    let row = csv.split_once("\r\n").expect("header").1;
    assert!(
        row.starts_with(
            &format!("1,2026-11-21T09:30:00Z,{},555123456789,,RX1,lookup,\"\",,\"error, \"\"quoted\"\"\",\"line\nbreak\",", log.installation_id())
        ),
        "{row}"
    );
    assert!(row.ends_with("\r\n"));
}

#[test]
fn export_writes_through_a_failing_writer_as_an_output_error() {
    struct Full;
    impl std::io::Write for Full {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk full"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Err(std::io::Error::other("disk full"))
        }
    }
    let (_dir, _path, log) = with_records(100);
    let err = log
        .export_csv(None, None, &mut Full)
        .expect_err("must fail");
    assert!(
        matches!(err, vmcheck_audit::AuditError::Output(_)),
        "{err:?}"
    );
}
