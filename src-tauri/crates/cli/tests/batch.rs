//! `vmcheck batch` as a process: lists in every format the PAS writes (CSV with commas,
//! semicolons or tabs, Windows-1252, XLSX), every kind of bad row reported with its row number
//! and reason, the results exported, and a job killed with SIGKILL resumed with `--resume`
//! without any row checked or recorded twice.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

fn vmcheck(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vmcheck"));
    c.env_remove("VMCHECK_CONFIG")
        .env("NO_COLOR", "1")
        .env("VMCHECK_LOG", "warn")
        .env("XDG_DATA_HOME", data.join("data"))
        .env("XDG_STATE_HOME", data.join("state"))
        .env("XDG_CONFIG_HOME", data.join("config"));
    c
}

fn run(data: &Path, args: &[&str]) -> (i32, String, String) {
    let out = vmcheck(data).args(args).output().expect("vmcheck runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn events(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn last_event(stdout: &str, name: &str) -> Value {
    events(stdout)
        .into_iter()
        .rev()
        .find(|e| e["event"] == name)
        .unwrap_or_else(|| panic!("no {name} event in {stdout}"))
}

/// (row, column 0..) of the training audit log's records of `job`.
fn audit_rows(data: &Path, job: &str) -> Vec<(String, Option<String>)> {
    let db = data.join("data/vmcheck/training-audit.sqlite");
    let conn = rusqlite::Connection::open(db).expect("the training audit log");
    let mut stmt = conn
        .prepare("SELECT action, detail FROM audit_record WHERE batch_id = ?1 ORDER BY seq")
        .expect("prepare");
    let rows = stmt
        .query_map([job], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    rows
}

const GOOD: [[&str; 5]; 3] = [
    ["9990000018", "Taylor", "Mary", "11/02/1998", "F"],
    ["9990000042", "O'Brien", "Margaret", "09/12/1951", "F"],
    ["", "Taylor", "Mary", "1998-02-11", "female"],
];

fn write(path: &Path, bytes: &[u8]) -> PathBuf {
    std::fs::write(path, bytes).expect("write the list");
    path.to_path_buf()
}

fn csv_with(delimiter: char, rows: &[Vec<String>]) -> String {
    let mut out = [
        "NHS Number",
        "Surname",
        "Forename(s)",
        "Date of birth",
        "Sex",
    ]
    .join(&delimiter.to_string());
    out.push_str("\r\n");
    for r in rows {
        out.push_str(&r.join(&delimiter.to_string()));
        out.push_str("\r\n");
    }
    out
}

fn good_rows() -> Vec<Vec<String>> {
    GOOD.iter()
        .map(|r| r.iter().map(|c| (*c).to_owned()).collect())
        .collect()
}

#[test]
fn every_format_the_pas_writes_is_read_and_checked() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let mut lists = vec![
        write(&d.join("comma.csv"), csv_with(',', &good_rows()).as_bytes()),
        write(
            &d.join("semicolon.csv"),
            csv_with(';', &good_rows()).as_bytes(),
        ),
        write(&d.join("tab.txt"), csv_with('\t', &good_rows()).as_bytes()),
    ];
    // Excel's "CSV": Windows-1252, a name with an accent (close to PDS's, not a mismatch).
    let mut latin = good_rows();
    latin[1][2] = "Margarét".into();
    let text = csv_with(',', &latin);
    let bytes: Vec<u8> = text
        .chars()
        .map(|c| if c == 'é' { 0xE9 } else { c as u8 })
        .collect();
    lists.push(write(&d.join("excel.csv"), &bytes));
    // XLSX, the date of birth as a real date cell.
    let xlsx = d.join("list.xlsx");
    {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (c, h) in [
            "NHS Number",
            "Surname",
            "Forename(s)",
            "Date of birth",
            "Sex",
        ]
        .iter()
        .enumerate()
        {
            sheet.write_string(0, c as u16, *h).expect("header");
        }
        let date = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
        for (r, row) in GOOD.iter().enumerate() {
            let r = r as u32 + 1;
            sheet.write_string(r, 0, row[0]).expect("cell");
            sheet.write_string(r, 1, row[1]).expect("cell");
            sheet.write_string(r, 2, row[2]).expect("cell");
            let dob = if row[0] == "9990000042" {
                (1951, 12, 9)
            } else {
                (1998, 2, 11)
            };
            let day = rust_xlsxwriter::ExcelDateTime::from_ymd(dob.0, dob.1, dob.2).expect("date");
            sheet
                .write_datetime_with_format(r, 3, &day, &date)
                .expect("date cell");
            sheet.write_string(r, 4, row[4]).expect("cell");
        }
        book.save(&xlsx).expect("save");
    }
    lists.push(xlsx);
    for list in lists {
        let out = d.join("results.csv");
        let (code, stdout, stderr) = run(
            d,
            &[
                "batch",
                list.to_str().expect("utf8"),
                "--sandbox",
                "--json",
                "-o",
                out.to_str().expect("utf8"),
            ],
        );
        assert_eq!(code, 0, "{}: {stdout}{stderr}", list.display());
        let done = last_event(&stdout, "done");
        assert_eq!(done["state"], "done", "{}", list.display());
        assert_eq!(done["rows"]["done"], 3, "{}: {done}", list.display());
        assert_eq!(
            done["outcomes"]["red"], 2,
            "Taylor twice (once found by her details)"
        );
        assert_eq!(done["outcomes"]["green"], 1);
        assert_eq!(
            done["outcomes"]["mismatches"],
            0,
            "{}: {done}",
            list.display()
        );
        let mapping = last_event(&stdout, "mapping");
        assert_eq!(mapping["columns"][0]["column"], "NHS Number");
        let results = std::fs::read_to_string(&out).expect("results");
        assert_eq!(results.lines().count(), 4, "{results}");
        assert!(results
            .lines()
            .next()
            .expect("header")
            .ends_with("Trace ID,Checked at"));
        if list.ends_with("excel.csv") {
            assert!(
                results.contains("Margarét") && results.contains(",close,"),
                "{results}"
            );
        }
    }
}

#[test]
fn every_kind_of_bad_row_is_reported_with_its_number_and_reason() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let rows: Vec<Vec<String>> = [
        ["9990000018", "Taylor", "Mary", "11/02/1998", "F"], // row 2: fine
        ["9434765918", "Smith", "Jo", "01/01/1980", "F"],    // row 3: check digit
        ["999000001", "Smith", "Jo", "01/01/1980", "F"],     // row 4: nine digits
        ["99900000X8", "Smith", "Jo", "01/01/1980", "F"],    // row 5: a letter
        ["", "Smith", "", "", ""],                           // row 6: no number, no details
        ["9990000042", "O'Brien", "Margaret", "31/02/1951", "F"], // row 7: no such day
        ["9990000042", "O'Brien", "Margaret", "09/12/1951", "Q"], // row 8: gender
        ["9.99E+09", "Smith", "Jo", "01/01/1980", "F"],      // row 9: a rounded number
    ]
    .iter()
    .map(|r| r.iter().map(|c| (*c).to_owned()).collect())
    .collect();
    let list = write(&d.join("bad.csv"), csv_with(',', &rows).as_bytes());
    let out = d.join("results.csv");
    let (code, stdout, stderr) = run(
        d,
        &[
            "batch",
            list.to_str().expect("utf8"),
            "--sandbox",
            "--json",
            "-o",
            out.to_str().expect("utf8"),
        ],
    );
    assert_eq!(code, 7, "rows not checked: exit 7. {stdout}{stderr}");
    let done = last_event(&stdout, "done");
    assert_eq!(done["rows"]["problems"], 7, "{done}");
    assert_eq!(done["rows"]["done"], 1);
    let results = std::fs::read_to_string(&out).expect("results");
    let lines: Vec<&str> = results.lines().collect();
    let says = |row: usize, words: &str| {
        let line = lines[row - 1];
        assert!(
            line.contains("ROW_NOT_CHECKABLE") && line.contains(words),
            "row {row}: {line}"
        );
    };
    says(3, "check digit");
    says(4, "9 digits");
    says(5, "letters");
    says(6, "not enough details");
    says(7, "date");
    says(8, "gender");
    says(9, "rounded");
    assert!(!lines[1].contains("ROW_NOT_CHECKABLE"));
}

#[test]
fn a_job_killed_mid_run_resumes_without_checking_or_recording_a_row_twice() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let patients: Vec<Vec<String>> = vmcheck_sandbox::patients()
        .iter()
        .filter(|p| p.expected.banner.is_some())
        .take(12)
        .map(|p| {
            vec![
                p.nhs_number.to_owned(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ]
        })
        .collect();
    let list = write(&d.join("list.csv"), csv_with(',', &patients).as_bytes());
    // Slow answers, one at a time, in groups of four: killed after the first group is stored.
    let mut child = vmcheck(d)
        .args([
            "batch",
            list.to_str().expect("utf8"),
            "--sandbox",
            "--json",
            "--concurrency",
            "1",
            "--fault",
            "latency:150ms",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut job = String::new();
    for line in BufReader::new(child.stdout.take().expect("stdout")).lines() {
        let v: Value = serde_json::from_str(&line.expect("line")).expect("JSON");
        if v["event"] == "job" {
            job = v["job"].as_str().expect("id").to_owned();
        }
        if v["event"] == "progress" {
            assert_eq!(v["rows"]["done"], 4, "{v}");
            break;
        }
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    assert!(!job.is_empty());

    let (code, stdout, stderr) = run(d, &["batch", "--resume", &job, "--sandbox", "--json"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let done = last_event(&stdout, "done");
    assert_eq!(done["state"], "done");
    assert_eq!(done["rows"]["done"], 12);
    let records = audit_rows(d, &job);
    let intents: Vec<&str> = records
        .iter()
        .filter(|(a, _)| a == "lookup")
        .filter_map(|(_, d)| d.as_deref())
        .collect();
    let mut unique = intents.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(intents.len(), 12, "one intent per row: {intents:?}");
    assert_eq!(unique.len(), 12);
    assert_eq!(
        records.iter().filter(|(a, _)| a == "outcome").count(),
        12,
        "one outcome per row"
    );
    // The audit log is intact and nothing is left interrupted.
    let db = d.join("data/vmcheck/training-audit.sqlite");
    let key = d.join("data/vmcheck/training-audit.sqlite.key");
    let (code, out, _) = run(
        d,
        &[
            "audit",
            "verify",
            "--json",
            "--db",
            db.to_str().expect("utf8"),
            "--key-file",
            key.to_str().expect("utf8"),
        ],
    );
    assert_eq!(code, 0, "{out}");
    let v: Value = serde_json::from_str(out.trim()).expect("JSON");
    assert_eq!(v["interrupted"], serde_json::json!([]));
}

#[test]
fn a_missing_file_or_an_unknown_job_is_a_clear_refusal() {
    let dir = tempfile::tempdir().expect("tmp");
    let d = dir.path();
    let (code, stdout, _) = run(
        d,
        &[
            "batch",
            d.join("nope.csv").to_str().expect("utf8"),
            "--sandbox",
            "--json",
        ],
    );
    assert_eq!(code, 2);
    let v: Value = serde_json::from_str(stdout.lines().last().expect("line")).expect("JSON");
    assert_eq!(v["error"]["code"], "WORKLIST_FILE");
    let (code, stdout, _) = run(
        d,
        &["batch", "--resume", "no-such-job", "--sandbox", "--json"],
    );
    assert_eq!(code, 2);
    let v: Value = serde_json::from_str(stdout.lines().last().expect("line")).expect("JSON");
    assert_eq!(v["error"]["code"], "NO_SUCH_JOB");
}
