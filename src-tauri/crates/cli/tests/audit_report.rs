//! `vmcheck audit report`: a patient's accesses, a user's, a period's summary; table, CSV and
//! HTML; itself recorded as an export before it is written.

mod common;
use common::vmcheck;

#[test]
fn a_patients_accesses_a_periods_summary_and_the_report_itself_recorded() {
    let home = tempfile::tempdir().expect("tmp");
    for nhs in ["9990000018", "9990000042", "9990000018"] {
        let (code, out, err) = vmcheck(home.path(), &["lookup", "--sandbox", "--json", nhs]);
        assert_eq!(code, 0, "{out}{err}");
    }
    // One patient, as CSV: the two lookups of them, not the other patient's.
    let (code, csv, err) = vmcheck(
        home.path(),
        &[
            "audit",
            "report",
            "--sandbox",
            "--patient",
            "999 000 0018",
            "--format",
            "csv",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 3, "{csv}");
    assert!(rows[0].starts_with("seq,time,user_uuid,role_profile_id"));
    assert!(rows[1..]
        .iter()
        .all(|r| r.contains(",9990000018,red:") && r.contains("Red: chargeable")));
    assert!(!csv.contains("9990000042"));
    // The whole log as a table: the three lookups and the first report, recorded as an export
    // of that patient's data.
    let (code, table, err) = vmcheck(home.path(), &["audit", "report", "--sandbox"]);
    assert_eq!(code, 0, "{err}");
    assert!(table.contains("Green: not chargeable"), "{table}");
    // (How many were out of hours depends on when the test runs.)
    assert!(
        table.contains("\n4 access(es), ") && table.contains(" out of hours, 1 export(s)."),
        "{table}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.contains("export") && l.contains("999 000 0018")),
        "{table}"
    );
    // HTML to a file, readable only by its owner.
    let page = home.path().join("report.html");
    let (code, _, err) = vmcheck(
        home.path(),
        &[
            "audit",
            "report",
            "--sandbox",
            "--format",
            "html",
            "-o",
            page.to_str().expect("utf8"),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let html = std::fs::read_to_string(&page).expect("written");
    assert!(html.contains("<svg id=\"chart\"") && html.contains("Lookups per day by outcome"));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&page).expect("meta").permissions().mode() & 0o777,
        0o600
    );
    // A number failing Modulus 11 is refused.
    let (code, _, err) = vmcheck(
        home.path(),
        &["audit", "report", "--sandbox", "--patient", "9990000019"],
    );
    assert_eq!(code, 4, "{err}");
}
