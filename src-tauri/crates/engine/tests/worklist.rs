//! The worklist end to end against the sandbox: a list checked along the audited path (one
//! intent and one outcome per row, with the job's batch id), the results ordered for the OVM,
//! the list's details cross-checked against PDS, rows that cannot be checked reported, a job
//! paused and resumed without a row checked or recorded twice, another user kept out, and the
//! results exported (an audited export) as CSV and XLSX.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use vmcheck_audit::Action;
use vmcheck_core::banner::BannerColour;
use vmcheck_core::worklist::{suggest_mapping, Verdict};
use vmcheck_engine::worklist::{
    ExportFormat, JobState, RunControl, Worklist, WorklistError, WorklistSettings, CHECK_IDENTITY,
};
use vmcheck_engine::{Actor, Clock, ManualClock, MemorySecrets, PatientAccess};
use vmcheck_sandbox::{Sandbox, SandboxOptions, TestPatient};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

struct Setup {
    _sandbox: Sandbox,
    _dir: tempfile::TempDir,
    dir: std::path::PathBuf,
    access: Arc<PatientAccess>,
    clock: Arc<ManualClock>,
    actor: Actor,
}

async fn setup() -> Setup {
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox");
    let dir = tempfile::tempdir().expect("tmp");
    let mut config = vmcheck_training::config(sandbox.urls());
    config.audit.path = Some(dir.path().join("audit.sqlite"));
    let clock = Arc::new(ManualClock::new(now()));
    let access = Arc::new(
        PatientAccess::open(
            config.clone(),
            clock.clone(),
            Arc::new(MemorySecrets::new()),
        )
        .expect("access"),
    );
    Setup {
        _sandbox: sandbox,
        dir: dir.path().to_path_buf(),
        _dir: dir,
        access,
        clock,
        actor: config.actor().expect("identity"),
    }
}

fn worklist(s: &Setup, settings: WorklistSettings) -> Worklist {
    Worklist::open(s.access.clone(), &s.dir.join("worklists.sqlite"), settings).expect("store")
}

fn patient(banner: &str) -> &'static TestPatient {
    vmcheck_sandbox::patients()
        .iter()
        .find(|p| {
            p.expected.banner == Some(banner)
                && p.name.is_some()
                && p.birth_date.is_some()
                && p.superseded_by.is_none()
                && !p.restricted
                && p.details_ended.is_none()
        })
        .expect("a patient")
}

fn headers() -> Vec<String> {
    ["NHS No", "Surname", "Forename", "DOB", "Sex", "Ward"]
        .map(str::to_owned)
        .to_vec()
}

/// A list row for `p` in the PAS's own way of writing (dd/mm/yyyy, M/F).
fn row_of(p: &TestPatient, nhs: Option<&str>) -> Vec<String> {
    let name = p.name.as_ref().expect("name");
    let dob = p.birth_date.expect("dob");
    let (y, m, d) = (&dob[0..4], &dob[5..7], &dob[8..10]);
    vec![
        nhs.unwrap_or(p.nhs_number).to_owned(),
        name.family.to_owned(),
        name.given.first().copied().unwrap_or("").to_owned(),
        format!("{d}/{m}/{y}"),
        match p.gender {
            Some("female") => "F",
            Some("male") => "M",
            _ => "U",
        }
        .to_owned(),
        "Ward 7".to_owned(),
    ]
}

fn unlimited() -> WorklistSettings {
    WorklistSettings {
        rate_per_second: None,
        group: 2,
        ..WorklistSettings::default()
    }
}

#[tokio::test]
async fn a_list_is_checked_along_the_audited_path_and_ordered_for_the_ovm() {
    let s = setup().await;
    let wl = worklist(&s, unlimited());
    let (red, green, grey) = (patient("red"), patient("green"), patient("grey"));
    let mut mismatched = row_of(green, None);
    mismatched[1] = "Somebody-Else".into();
    let rows = vec![
        row_of(green, None), // row 2: green
        row_of(red, None),   // row 3: red
        vec![
            "9434765918".into(),
            "Smith".into(),
            "Jo".into(),
            "01/01/1980".into(),
            "F".into(),
            "".into(),
        ], // row 4: bad check digit
        row_of(grey, None),  // row 5: grey
        row_of(red, None),   // row 6: duplicate of row 3
        mismatched,          // row 7: green patient, another surname
    ];
    let headers = headers();
    let mapping = wl.proposed_mapping(&headers).expect("mapping");
    assert_eq!(mapping, suggest_mapping(&headers));
    let job = wl
        .create_job(
            &s.actor,
            "admissions.csv",
            headers.clone(),
            &rows,
            1,
            mapping.clone(),
            s.clock.today(),
        )
        .expect("job");
    assert_eq!(job.state, JobState::Paused);
    // Row 7 repeats row 2's number: checked once, but cross-checked with its own details.
    assert_eq!(
        (
            job.counts.total,
            job.counts.pending,
            job.counts.problems,
            job.counts.duplicates
        ),
        (6, 3, 1, 2)
    );
    assert_eq!(
        s._sandbox.pds_request_count(),
        0,
        "nothing sent before the job runs"
    );

    let calls = AtomicUsize::new(0);
    let done = wl
        .run(&s.actor, &job.id, &RunControl::unconditional(), |_| {
            calls.fetch_add(1, Ordering::SeqCst);
        })
        .await
        .expect("run");
    assert_eq!(done.state, JobState::Done);
    assert_eq!(done.counts.pending, 0);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "progress after each group of two"
    );
    assert_eq!(
        (done.outcomes.red, done.outcomes.green, done.outcomes.grey),
        (2, 1, 1)
    );
    assert_eq!(
        (
            done.outcomes.amber,
            done.outcomes.mismatches,
            done.outcomes.errors
        ),
        (1, 1, 1)
    );

    // Ordered: red and the identity mismatch first, then the row that cannot be checked, grey,
    // green; the duplicate carries its first row's result.
    let results = wl.results(&s.actor, &job.id).expect("results");
    let order: Vec<usize> = results.iter().map(|r| r.row_number).collect();
    assert_eq!(order, [3, 6, 7, 4, 5, 2]);
    let mismatch = results
        .iter()
        .find(|r| r.row_number == 7)
        .and_then(|r| r.check.as_ref())
        .expect("row 7");
    assert_eq!(
        mismatch.banner,
        Some(BannerColour::Green),
        "the status itself"
    );
    assert_eq!(
        mismatch.shown,
        Some(BannerColour::Amber),
        "never shown green"
    );
    assert_eq!(mismatch.headline.as_deref(), Some(CHECK_IDENTITY));
    assert!(!mismatch.identity_settled);
    assert_eq!(
        mismatch.cross_check.expect("checked").verdict(),
        Verdict::Mismatch
    );
    let matched = results
        .iter()
        .find(|r| r.row_number == 2)
        .and_then(|r| r.check.as_ref())
        .expect("row 2");
    assert_eq!(
        matched.cross_check.expect("checked").verdict(),
        Verdict::Match
    );
    assert_eq!(
        results
            .iter()
            .find(|r| r.row_number == 7)
            .expect("row 7")
            .duplicate_of,
        Some(2)
    );
    let dup = results.iter().find(|r| r.row_number == 6).expect("row 6");
    assert_eq!(dup.duplicate_of, Some(3));
    assert_eq!(
        dup.check.as_ref().map(|c| c.shown),
        Some(Some(BannerColour::Red))
    );
    let bad = results.iter().find(|r| r.row_number == 4).expect("row 4");
    assert!(
        bad.problem
            .as_deref()
            .expect("reason")
            .contains("check digit"),
        "{:?}",
        bad.problem
    );

    // RBAC: the same job seen in a role without the detail activity keeps the banners and
    // loses the detail, on screen and in the export.
    let clerk = Actor {
        view: vmcheck_core::roles::DetailView::Restricted,
        ..s.actor.clone()
    };
    let red_row = |rows: &[vmcheck_engine::worklist::ResultRow]| {
        rows.iter()
            .find(|r| r.row_number == 3)
            .and_then(|r| r.check.clone())
            .expect("row 3")
    };
    let full = red_row(&results);
    assert!(
        full.category.is_some() && full.effective.is_some(),
        "{full:?}"
    );
    let restricted = wl.results(&clerk, &job.id).expect("results as a clerk");
    let seen = red_row(&restricted);
    assert_eq!(seen.shown, full.shown);
    assert_eq!(
        (seen.basic, seen.category, seen.effective),
        (None, None, None)
    );
    assert_eq!(seen.report["view"], "restricted");
    assert!(seen.report["category_definition"].is_null());
    let csv = s.dir.join("clerk.csv");
    wl.export(&clerk, &job.id, &csv, ExportFormat::Csv)
        .expect("export");
    let written = std::fs::read_to_string(&csv).expect("csv");
    let effective = full.effective.clone().expect("a date");
    assert!(!written.contains(&effective), "{written}");

    // One intent and one outcome per checked row, each with the batch id and its row.
    let records = s
        .access
        .audit_log()
        .expect("log")
        .batch_records(&job.id)
        .expect("records");
    let intents: Vec<&str> = records
        .iter()
        .filter(|r| r.record.action == Action::Lookup)
        .filter_map(|r| r.record.detail.as_deref())
        .collect();
    assert_eq!(intents, ["row=2", "row=3", "row=5"]);
    assert_eq!(
        records
            .iter()
            .filter(|r| r.record.action == Action::Outcome)
            .count(),
        3
    );
    assert_eq!(
        s._sandbox.request_count(),
        3,
        "the duplicates were not checked twice"
    );
    assert!(s
        .access
        .audit_log()
        .expect("log")
        .verify()
        .expect("verify")
        .interrupted
        .is_empty());

    // Exports: audited first, then written.
    let csv = s.dir.join("results.csv");
    assert_eq!(
        wl.export(&s.actor, &job.id, &csv, ExportFormat::Csv)
            .expect("csv"),
        6
    );
    let text = std::fs::read_to_string(&csv).expect("csv written");
    assert!(text.starts_with('\u{feff}'), "a byte-order mark for Excel");
    let header = text.lines().next().expect("header");
    assert!(
        header.contains("NHS No,Surname") && header.ends_with("Trace ID,Checked at"),
        "{header}"
    );
    assert!(text.contains("ROW_NOT_CHECKABLE"), "the bad row says why");
    let xlsx = s.dir.join("results.xlsx");
    wl.export(&s.actor, &job.id, &xlsx, ExportFormat::Xlsx)
        .expect("xlsx");
    let sheet = vmcheck_sheets::read_sheet(&xlsx, &vmcheck_sheets::ReadOptions::default())
        .expect("read back");
    assert_eq!(sheet.rows.len(), 6);
    let all = s
        .access
        .audit_log()
        .expect("log")
        .batch_records(&job.id)
        .expect("records");
    let exports: Vec<Option<&str>> = all
        .iter()
        .filter(|r| r.record.action == Action::Export)
        .map(|r| r.record.detail.as_deref())
        .collect();
    assert_eq!(
        exports,
        [
            Some("kind=worklist_csv;rows=6;to=clerk.csv"),
            Some("kind=worklist_csv;rows=6;to=results.csv"),
            Some("kind=worklist_xlsx;rows=6;to=results.xlsx")
        ]
    );
}

#[tokio::test]
async fn a_paused_job_resumes_without_checking_or_recording_a_row_twice() {
    let s = setup().await;
    let wl = worklist(&s, unlimited());
    let list: Vec<Vec<String>> = vmcheck_sandbox::patients()
        .iter()
        .filter(|p| p.expected.banner.is_some() && p.name.is_some() && p.birth_date.is_some())
        .take(6)
        .map(|p| row_of(p, None))
        .collect();
    let headers = headers();
    let mapping = suggest_mapping(&headers);
    let job = wl
        .create_job(
            &s.actor,
            "list.csv",
            headers,
            &list,
            1,
            mapping,
            s.clock.today(),
        )
        .expect("job");
    // The card is "removed" after the first group: the job pauses.
    let control = RunControl::unconditional();
    let paused = wl
        .run(&s.actor, &job.id, &control, |_| control.pause())
        .await
        .expect("run");
    assert_eq!(paused.state, JobState::Paused);
    assert_eq!((paused.counts.done, paused.counts.pending), (2, 4));
    let sent = s._sandbox.request_count();
    assert_eq!(sent, 2);

    // Another user at the same desk cannot open it.
    let other = Actor {
        user_uuid: "555021937101".into(),
        role_profile_id: "555021938104".into(),
        view: vmcheck_core::roles::DetailView::Full,
    };
    assert!(matches!(
        wl.summary(&other, &job.id),
        Err(WorklistError::Store(_))
    ));
    assert!(wl.jobs(&other).expect("jobs").is_empty());

    // The owner resumes (a new process: a new worklist over the same store).
    let again = worklist(&s, unlimited());
    let done = again
        .run(&s.actor, &job.id, &RunControl::unconditional(), |_| {})
        .await
        .expect("resume");
    assert_eq!(done.state, JobState::Done);
    assert_eq!(done.counts.done, 6);
    assert_eq!(
        s._sandbox.request_count(),
        6,
        "the first two rows were not checked again"
    );
    let records = s
        .access
        .audit_log()
        .expect("log")
        .batch_records(&job.id)
        .expect("records");
    let intents = records
        .iter()
        .filter(|r| r.record.action == Action::Lookup)
        .count();
    let outcomes = records
        .iter()
        .filter(|r| r.record.action == Action::Outcome)
        .count();
    assert_eq!((intents, outcomes), (6, 6), "exactly once");
}

#[tokio::test]
async fn rows_without_an_nhs_number_are_found_by_their_details_and_the_rate_is_kept() {
    let s = setup().await;
    let wl = worklist(
        &s,
        WorklistSettings {
            rate_per_second: Some(2.0),
            ..unlimited()
        },
    );
    let red = patient("red");
    let mut by_details = row_of(red, None);
    by_details[0] = String::new();
    let mut nobody = row_of(red, None);
    nobody[0] = String::new();
    nobody[1] = "Nobody".into();
    let headers = headers();
    let job = wl
        .create_job(
            &s.actor,
            "list.csv",
            headers.clone(),
            &[by_details, nobody],
            1,
            suggest_mapping(&headers),
            s.clock.today(),
        )
        .expect("job");
    let done = wl
        .run(&s.actor, &job.id, &RunControl::unconditional(), |_| {})
        .await
        .expect("run");
    let results = wl.results(&s.actor, &job.id).expect("results");
    let found = results
        .iter()
        .find(|r| r.row_number == 2)
        .and_then(|r| r.check.as_ref())
        .expect("row 2");
    assert!(found.found_by_search);
    assert_eq!(found.nhs_number.as_deref(), Some(red.nhs_number));
    assert_eq!(found.shown, Some(BannerColour::Red));
    let none = results
        .iter()
        .find(|r| r.row_number == 3)
        .and_then(|r| r.check.as_ref())
        .expect("row 3");
    assert_eq!(none.error_code.as_deref(), Some("NO_UNIQUE_MATCH"));
    assert_eq!(done.outcomes.errors, 1);
    // Two searches and one lookup, no faster than two a second: waits of half a second.
    let waits = s.clock.waits();
    assert!(
        waits.len() >= 2 && waits.iter().all(|w| w.as_millis() == 500),
        "{waits:?}"
    );
}

#[tokio::test]
async fn a_list_that_cannot_be_read_with_the_mapping_is_refused_whole() {
    let s = setup().await;
    let wl = worklist(&s, unlimited());
    let headers = vec!["Ward".to_owned(), "Bed".to_owned()];
    let err = wl
        .create_job(
            &s.actor,
            "x.csv",
            headers.clone(),
            &[vec!["A".into(), "1".into()]],
            1,
            suggest_mapping(&headers),
            s.clock.today(),
        )
        .expect_err("no identifying column");
    assert_eq!(err.code(), "WORKLIST_FILE");
    assert!(Path::new(&s.dir.join("worklists.sqlite")).exists());
}
