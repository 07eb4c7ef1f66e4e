//! The audited path, end to end against the sandbox: every kind of access leaves its intent
//! before anything is sent and its outcome after; when the audit log cannot be written — a path
//! that cannot be created, the database locked by another process, a full filesystem — the
//! access is refused with a clear message and the sandbox receives nothing.

mod common;
use common::Engine;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use vmcheck_audit::{read_checkpoints, Action, AuditRecord, CheckpointCheck};
use vmcheck_core::nhs::NhsNumber;
use vmcheck_engine::{
    Actor, Config, ExportRecord, LookupError, ManualClock, MemorySecrets, Outcome, PatientAccess,
    RowOutcome, SearchTerms,
};
use vmcheck_sandbox::{Fault, Sandbox, SandboxOptions};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox")
}

fn records(engine: &PatientAccess) -> Vec<AuditRecord> {
    engine
        .audit_log()
        .expect("an audit log")
        .records_after(0, usize::MAX)
        .expect("read")
}

fn actions(records: &[AuditRecord]) -> Vec<Action> {
    records.iter().map(|r| r.record.action).collect()
}

fn actor(config: &Config) -> Actor {
    config.actor().expect("the training identity")
}

fn green() -> &'static str {
    vmcheck_sandbox::patients()
        .iter()
        .find(|p| p.expected.banner == Some("green"))
        .expect("a green patient")
        .nhs_number
}

const REFUSAL: &str = "This check could not be recorded in the audit log, so it was not made: ";

#[tokio::test]
async fn a_lookup_records_its_intent_before_and_its_outcome_after() {
    let sandbox = sandbox().await;
    let config = vmcheck_training::config(sandbox.urls());
    let at = now();
    let engine = Engine::new(config.clone(), Arc::new(ManualClock::new(at))).expect("engine");
    let who = actor(&config);
    let nhs = green();
    let result = engine.lookup(Some(&who), nhs, |_| {}).await;
    assert!(matches!(result.outcome, Outcome::Status { .. }));
    let r = records(&engine);
    assert_eq!(actions(&r), [Action::Lookup, Action::Outcome]);
    let (intent, outcome) = (&r[0].record, &r[1].record);
    assert_eq!(intent.nhs_number.as_deref(), Some(nhs));
    assert_eq!(intent.trace_id.as_deref(), Some(result.trace_id.as_str()));
    assert_eq!(intent.user_uuid, who.user_uuid);
    assert_eq!(
        intent.role_profile_id.as_deref(),
        Some(who.role_profile_id.as_str())
    );
    assert_eq!(intent.ods_code, config.organisation.ods_code);
    assert_eq!(
        intent.outcome, None,
        "the intent says nothing of what came back"
    );
    assert_eq!(outcome.refers_to, Some(r[0].seq));
    assert_eq!(outcome.outcome.as_deref(), Some("green:NotChargeable"));
    assert_eq!(
        outcome.trace_id, intent.trace_id,
        "the outcome carries the lookup's trace id"
    );
    let at = i64::try_from(at).expect("seconds");
    assert_eq!(
        (intent.time, outcome.time),
        (at, at),
        "both records carry the engine's clock time (what IG reports and the chain rely on)"
    );
    assert_eq!(
        outcome.nhs_number.as_deref(),
        Some(nhs),
        "the patient returned"
    );
    let installation = engine
        .audit_log()
        .expect("log")
        .installation_id()
        .to_owned();
    assert!(r
        .iter()
        .all(|x| x.installation_id.as_deref() == Some(installation.as_str())));
    let report = engine.audit_log().expect("log").verify().expect("verify");
    assert!(report.is_intact() && report.interrupted.is_empty());
    assert_eq!(
        format!("{:?}", *engine),
        "PatientAccess { audited: true, .. }",
        "a log line about the path says whether it audits, and nothing else"
    );
}

#[tokio::test]
async fn a_superseded_number_and_an_error_are_recorded_as_outcomes() {
    let sandbox = sandbox().await;
    let config = vmcheck_training::config(sandbox.urls());
    let engine = Engine::new(config.clone(), Arc::new(ManualClock::new(now()))).expect("engine");
    let who = actor(&config);
    // 9990000247 was superseded by 9990000255.
    engine.lookup(Some(&who), "9990000247", |_| {}).await;
    // PDS has no patient 9990000271.
    engine.lookup(Some(&who), "9990000271", |_| {}).await;
    let r = records(&engine);
    assert_eq!(
        actions(&r),
        [
            Action::Lookup,
            Action::Outcome,
            Action::Lookup,
            Action::Outcome
        ]
    );
    assert_eq!(r[0].record.nhs_number.as_deref(), Some("9990000247"));
    assert_eq!(r[1].record.nhs_number.as_deref(), Some("9990000255"));
    assert_eq!(
        r[1].record.detail.as_deref(),
        Some("superseded_from=9990000247;view=full")
    );
    assert_eq!(r[3].record.outcome.as_deref(), Some("RESOURCE_NOT_FOUND"));
    assert_eq!(r[3].record.nhs_number, None, "no patient came back");
}

#[tokio::test]
async fn a_number_refused_locally_or_no_identity_sends_and_records_nothing() {
    let sandbox = sandbox().await;
    let config = vmcheck_training::config(sandbox.urls());
    let engine = Engine::new(config.clone(), Arc::new(ManualClock::new(now()))).expect("engine");
    let r = engine
        .lookup(Some(&actor(&config)), "9990000019", |_| {})
        .await;
    assert!(matches!(
        r.outcome,
        Outcome::Error(LookupError::InvalidNhsNumber(_))
    ));
    let r = engine.lookup(None, green(), |_| {}).await;
    assert!(matches!(r.outcome, Outcome::Error(LookupError::NoIdentity)));
    assert!(records(&engine).is_empty());
    assert_eq!(
        (sandbox.pds_request_count(), sandbox.request_count()),
        (0, 0)
    );
}

#[tokio::test]
async fn a_search_records_its_terms_before_and_the_patients_returned_after() {
    let sandbox = sandbox().await;
    let config = vmcheck_training::config(sandbox.urls());
    let engine = Engine::new(config.clone(), Arc::new(ManualClock::new(now()))).expect("engine");
    let terms = SearchTerms {
        family: "Taylor".into(),
        given: Some("Mary".into()),
        gender: "female".into(),
        birth_date: "1998-02-11".into(),
        postcode: None,
    };
    let matches = engine
        .search(&actor(&config), &terms)
        .await
        .expect("search");
    assert!(!matches.is_empty());
    let r = records(&engine);
    assert_eq!(actions(&r), [Action::Search, Action::Outcome]);
    assert_eq!(
        r[0].record.search_terms.as_deref(),
        Some("family=Taylor;gender=female;birthdate=1998-02-11;given=Mary")
    );
    assert_eq!(r[0].record.nhs_number, None);
    assert_eq!(r[1].record.refers_to, Some(r[0].seq));
    assert!(r[0].record.trace_id.is_some());
    assert_eq!(
        r[1].record.trace_id, r[0].record.trace_id,
        "the outcome carries the search's trace id"
    );
    assert_eq!(
        r[1].record.outcome.as_deref(),
        Some(format!("matches:{}", matches.len()).as_str())
    );
    let returned = r[1].record.detail.clone().expect("returned");
    assert!(
        returned.contains(matches[0].patient.nhs_number.as_str()),
        "{returned}"
    );
}

#[tokio::test]
async fn an_export_is_recorded_before_it_is_written() {
    let sandbox = sandbox().await;
    let config = vmcheck_training::config(sandbox.urls());
    let engine = Engine::new(config.clone(), Arc::new(ManualClock::new(now()))).expect("engine");
    engine
        .record_export(
            &actor(&config),
            &ExportRecord {
                kind: "worklist_csv",
                rows: 12,
                target: Some("results.csv".into()),
                nhs_number: None,
                batch_id: Some("job-1".into()),
            },
        )
        .expect("recorded");
    let r = records(&engine);
    assert_eq!(actions(&r), [Action::Export]);
    assert_eq!(
        r[0].record.detail.as_deref(),
        Some("kind=worklist_csv;rows=12;to=results.csv")
    );
    assert_eq!(r[0].record.batch_id.as_deref(), Some("job-1"));
}

/// Worklist rows: their intents in one transaction before any request, outcomes after; a job
/// interrupted between the two resumes under the same intents, so no row is recorded twice.
#[tokio::test]
async fn worklist_rows_are_recorded_once_even_across_an_interruption() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.sqlite");
    let config = vmcheck_training::config(sandbox.urls());
    let who = actor(&config);
    let numbers: Vec<NhsNumber> = vmcheck_sandbox::patients()
        .iter()
        .filter(|p| p.expected.banner.is_some())
        .take(3)
        .map(|p| NhsNumber::parse(p.nhs_number).expect("valid"))
        .collect();
    let rows: Vec<(u64, NhsNumber)> = (2..).zip(numbers.iter().cloned()).collect();

    // First run: every intent committed before anything is sent; then only row 2 finishes
    // before the process "dies".
    let first = engine_with_log(config.clone(), &path);
    let none_open = first.open_rows("job-7").expect("open rows");
    assert!(none_open.is_empty());
    let intents = first
        .begin_rows(&who, "job-7", &rows, &none_open)
        .expect("intents");
    assert_eq!(intents.len(), 3);
    assert_eq!(
        (sandbox.pds_request_count(), sandbox.request_count()),
        (0, 0)
    );
    let r2 = first.run_row(&who, &intents[0]).await;
    assert!(!matches!(r2.outcome, Outcome::Error(_)), "{:?}", r2.outcome);
    assert_eq!(
        r2.trace_id, intents[0].trace_id,
        "the request carries the intent's trace id"
    );
    first
        .finish_rows(&who, "job-7", &[(&intents[0], &RowOutcome::of(&r2))])
        .expect("outcome");
    drop(first);

    // The job resumes in a new process: rows 3 and 4 keep their intents.
    let second = engine_with_log(config.clone(), &path);
    let open = second.open_rows("job-7").expect("open rows");
    assert_eq!(open.len(), 2);
    let again = second
        .begin_rows(&who, "job-7", &rows[1..], &open)
        .expect("intents");
    assert_eq!(again, intents[1..], "the same intents, not new ones");
    let mut results = Vec::new();
    for intent in &again {
        results.push(second.run_row(&who, intent).await);
    }
    let outcomes: Vec<RowOutcome> = results.iter().map(RowOutcome::of).collect();
    let finished: Vec<(&vmcheck_engine::RowIntent, &RowOutcome)> =
        again.iter().zip(outcomes.iter()).collect();
    second
        .finish_rows(&who, "job-7", &finished)
        .expect("outcomes");

    let r = records(&second);
    assert_eq!(
        actions(&r),
        [
            Action::Lookup,
            Action::Lookup,
            Action::Lookup,
            Action::Outcome,
            Action::Outcome,
            Action::Outcome
        ],
        "one intent and one outcome per row"
    );
    for (record, row) in r[..3].iter().zip(2..) {
        assert_eq!(record.record.batch_id.as_deref(), Some("job-7"));
        assert_eq!(record.record.detail, Some(format!("row={row}")));
    }
    let report = second.audit_log().expect("log").verify().expect("verify");
    assert!(
        report.is_intact() && report.interrupted.is_empty(),
        "{report:?}"
    );
    assert!(second.open_rows("job-7").expect("open").is_empty());
}

#[tokio::test]
async fn a_checkpoint_is_written_every_n_records_and_when_asked() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.sqlite");
    let mut config = vmcheck_training::config(sandbox.urls());
    config.audit.checkpoint_every = 4;
    config.audit.path = Some(path.clone());
    let at = now();
    let engine = PatientAccess::open(
        config.clone(),
        Arc::new(ManualClock::new(at)),
        Arc::new(MemorySecrets::new()),
    )
    .expect("engine");
    let who = actor(&config);
    let checkpoints = || {
        read_checkpoints(&config.checkpoint_path(&path))
            .unwrap_or_default()
            .iter()
            .map(|c| (c.seq, c.time))
            .collect::<Vec<_>>()
    };
    let at = i64::try_from(at).expect("seconds");
    // Each lookup adds two records: its intent and its outcome.
    engine
        .lookup(Some(&who), green(), Some("batch-1"), |_| {})
        .await;
    assert_eq!(checkpoints(), [], "2 records: none due yet");
    let batch = records(&engine)
        .iter()
        .map(|r| r.record.batch_id.clone())
        .collect::<Vec<_>>();
    assert_eq!(
        batch,
        [Some("batch-1".to_owned()), Some("batch-1".to_owned())]
    );
    engine.lookup(Some(&who), green(), None, |_| {}).await;
    assert_eq!(checkpoints(), [(4, at)], "the 4th record makes one");
    engine.lookup(Some(&who), green(), None, |_| {}).await;
    assert_eq!(checkpoints(), [(4, at)], "2 records since: none due");
    engine.checkpoint_now();
    assert_eq!(
        checkpoints(),
        [(4, at), (6, at)],
        "asked for (a sign-out, a lock)"
    );
    let log = engine.audit_log().expect("log");
    for cp in read_checkpoints(&config.checkpoint_path(&path)).expect("read") {
        assert!(matches!(
            log.check_checkpoint(&cp).expect("check"),
            CheckpointCheck::Consistent
        ));
    }
}

/// The audited path over `config` with its log at `path` (key file beside it).
fn engine_with_log(mut config: Config, path: &Path) -> PatientAccess {
    config.audit.path = Some(path.to_path_buf());
    config.audit.busy_timeout_ms = 300;
    PatientAccess::open(
        config,
        Arc::new(ManualClock::new(now())),
        Arc::new(MemorySecrets::new()),
    )
    .expect("the clients start whatever the audit log says")
}

/// Asserts a lookup is refused for the audit log's sake and nothing reached PDS or Spine.
async fn assert_refused(engine: &PatientAccess, sandbox: &Sandbox, config: &Config) -> String {
    let r = engine
        .lookup(Some(&actor(config)), green(), None, |_| {})
        .await;
    let Outcome::Error(e) = &r.outcome else {
        panic!("not refused: {:?}", r.outcome)
    };
    assert!(matches!(e, LookupError::AuditUnavailable(_)), "{e:?}");
    assert_eq!(e.code(), "AUDIT_UNAVAILABLE");
    assert!(e.message().starts_with(REFUSAL), "{}", e.message());
    assert!(r.patient.is_none() && r.raw_response.is_none());
    assert_eq!(
        (sandbox.pds_request_count(), sandbox.request_count()),
        (0, 0),
        "nothing was sent"
    );
    let search = engine
        .search(
            &actor(config),
            &SearchTerms {
                family: "Taylor".into(),
                gender: "female".into(),
                birth_date: "1998-02-11".into(),
                ..SearchTerms::default()
            },
        )
        .await;
    assert!(matches!(search, Err(LookupError::AuditUnavailable(_))));
    assert_eq!(sandbox.pds_request_count(), 0, "no search was sent either");
    e.message()
}

#[tokio::test]
async fn a_log_whose_folder_cannot_be_created_refuses_every_access() {
    let sandbox = sandbox().await;
    let config = vmcheck_training::config(sandbox.urls());
    // /proc refuses new folders even to root; /dev/null is a file, not a folder.
    for path in [
        PathBuf::from("/proc/vmcheck-tests/audit.sqlite"),
        PathBuf::from("/dev/null/vmcheck/audit.sqlite"),
    ] {
        let engine = engine_with_log(config.clone(), &path);
        let message = assert_refused(&engine, &sandbox, &config).await;
        let folder = path.parent().and_then(Path::parent).expect("folder");
        assert!(
            message.contains(&folder.display().to_string()),
            "the message names where: {message}"
        );
    }
}

/// A Python process holding an exclusive lock on the database until killed.
struct Locker(Child);

impl Locker {
    fn lock(db: &Path) -> Self {
        let mut child = Command::new("python3")
            .args([
                "-c",
                "import sqlite3, sys, time\n\
                 c = sqlite3.connect(sys.argv[1], isolation_level=None)\n\
                 c.execute('BEGIN EXCLUSIVE')\n\
                 print('locked', flush=True)\n\
                 time.sleep(600)",
            ])
            .arg(db)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.as_mut().expect("stdout")),
            &mut line,
        )
        .expect("read");
        assert_eq!(line.trim(), "locked");
        Self(child)
    }
}

impl Drop for Locker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn a_database_locked_by_another_process_refuses_the_access_until_released() {
    let sandbox = sandbox().await;
    let config = vmcheck_training::config(sandbox.urls());
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("audit.sqlite");
    let engine = engine_with_log(config.clone(), &db);
    assert!(engine.audit_log().is_ok());
    {
        let _locker = Locker::lock(&db);
        let message = assert_refused(&engine, &sandbox, &config).await;
        assert!(message.contains("locked"), "{message}");
    }
    // Released: the next access goes ahead and is recorded.
    let r = engine
        .lookup(Some(&actor(&config)), green(), None, |_| {})
        .await;
    assert!(
        matches!(r.outcome, Outcome::Status { .. }),
        "{:?}",
        r.outcome
    );
    assert_eq!(
        actions(&records(&engine)),
        [Action::Lookup, Action::Outcome]
    );
}

#[tokio::test]
async fn an_outcome_that_cannot_be_recorded_withholds_the_result_and_leaves_an_interrupted_intent()
{
    let sandbox = sandbox().await;
    sandbox.set_fault(Some(Fault::Latency(Duration::from_millis(1500))));
    let config = vmcheck_training::config(sandbox.urls());
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("audit.sqlite");
    let engine = Arc::new(engine_with_log(config.clone(), &db));
    let who = actor(&config);
    let task = {
        let engine = engine.clone();
        tokio::spawn(async move { engine.lookup(Some(&who), green(), None, |_| {}).await })
    };
    // The intent is in and the request is out; then the log is locked until after the answer.
    while sandbox.pds_request_count() == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let locker = Locker::lock(&db);
    let result = task.await.expect("lookup");
    drop(locker);
    assert!(
        matches!(
            result.outcome,
            Outcome::Error(LookupError::AuditUnavailable(_))
        ),
        "{:?}",
        result.outcome
    );
    assert!(result.patient.is_none() && result.raw_response.is_none());
    let report = engine.audit_log().expect("log").verify().expect("verify");
    assert!(report.is_intact());
    assert_eq!(report.interrupted, [1], "the intent with no outcome");
}

/// A small tmpfs, unmounted when dropped; `None` where this process may not mount.
struct SmallFs(PathBuf);

impl SmallFs {
    fn mount(kib: u32) -> Option<Self> {
        if std::env::var_os("VMCHECK_TEST_NO_MOUNT").is_some() {
            return None;
        }
        let dir = tempfile::tempdir().ok()?.keep();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(&dir)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(Self(dir))
    }

    /// Fills the filesystem to the last byte.
    fn fill(&self) {
        let _ = Command::new("dd")
            .args(["if=/dev/zero", "bs=4096"])
            .arg(format!("of={}", self.0.join("filler").display()))
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for SmallFs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const CHILD_DB: &str = "VMCHECK_FULL_FS_CHILD_DB";

/// The child of the file-size-limit variant: opens the log under `ulimit -f`, tries a lookup
/// against its own sandbox, prints what happened. Does nothing in a normal run.
#[tokio::test]
async fn child_under_a_file_size_limit() {
    let Some(db) = std::env::var_os(CHILD_DB) else {
        return;
    };
    let sandbox = sandbox().await;
    let config = vmcheck_training::config(sandbox.urls());
    let engine = engine_with_log(config.clone(), Path::new(&db));
    let message = assert_refused(&engine, &sandbox, &config).await;
    println!("refused: {message}");
}

#[tokio::test]
async fn a_full_filesystem_refuses_every_access() {
    if let Some(fs) = SmallFs::mount(256) {
        let sandbox = sandbox().await;
        let config = vmcheck_training::config(sandbox.urls());
        let db = fs.0.join("audit.sqlite");
        let engine = engine_with_log(config.clone(), &db);
        assert!(
            engine.audit_log().is_ok(),
            "the log opens while there is room"
        );
        fs.fill();
        let message = assert_refused(&engine, &sandbox, &config).await;
        assert!(
            message.contains("full") || message.contains("disk") || message.contains("space"),
            "{message}"
        );
        return;
    }
    // No mount here: the kernel's file-size limit stands in for a full disk (writes past it
    // fail with EFBIG, as writes to a full disk fail with ENOSPC).
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("audit.sqlite");
    {
        let sandbox = sandbox().await;
        let engine = engine_with_log(vmcheck_training::config(sandbox.urls()), &db);
        assert!(engine.audit_log().is_ok());
    }
    let exe = std::env::current_exe().expect("test binary");
    let out = Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 1; exec \"$0\" child_under_a_file_size_limit --exact --nocapture --test-threads=1")
        .arg(exe)
        .env(CHILD_DB, &db)
        .output()
        .expect("child runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(&format!("refused: {REFUSAL}")), "{stdout}");
}

/// RBAC: a role without the detail activity sees the banner and nothing behind it — not in the
/// report, not in the response kept — and the audit outcome says which view was shown.
#[tokio::test]
async fn a_role_without_the_detail_activity_sees_the_banner_only_and_the_view_is_recorded() {
    use vmcheck_core::roles::DetailView;
    use vmcheck_engine::report::{LookupReport, DETAIL_WITHHELD};
    let sandbox = sandbox().await;
    let config = vmcheck_training::config(sandbox.urls());
    let engine = Engine::new(config.clone(), Arc::new(ManualClock::new(now()))).expect("engine");
    let ovm = actor(&config);
    assert_eq!(
        ovm.view,
        DetailView::Full,
        "the training identity is an OVM"
    );
    let clerk = Actor {
        view: DetailView::Restricted,
        ..ovm.clone()
    };
    let red = "9990000018";
    let today = vmcheck_core::time::CalendarDate::from_unix_seconds(now());
    let full = engine.lookup(Some(&ovm), red, |_| {}).await;
    let shown = engine.lookup(Some(&clerk), red, |_| {}).await;
    let (full_report, report) = (
        LookupReport::new(&full, today),
        LookupReport::new(&shown, today),
    );
    assert!(full_report.category.is_some() && full_report.effective.is_some());
    assert!(full.raw_response.is_some());
    assert_eq!(full_report.detail_withheld, None);
    // The same banner for both…
    assert_eq!(report.banner, full_report.banner);
    assert_eq!(report.headline, full_report.headline);
    // …and nothing behind it for the clerk.
    assert_eq!(report.view, DetailView::Restricted);
    assert_eq!(
        (
            report.basic,
            report.category,
            report.category_display,
            report.category_definition
        ),
        (None, None, None, None)
    );
    assert_eq!(
        (
            report.effective.as_deref(),
            report.effective_display.as_deref()
        ),
        (None, None)
    );
    assert_eq!(
        shown.raw_response, None,
        "the response holding the detail is not kept"
    );
    assert_eq!(report.detail_withheld, Some(DETAIL_WITHHELD));
    let json = serde_json::to_string(&report).expect("json");
    let definition = full_report.category_definition.expect("a definition");
    assert!(!json.contains(definition), "{json}");
    let r = records(&engine);
    let views: Vec<Option<&str>> = r
        .iter()
        .filter(|r| r.record.action == Action::Outcome)
        .map(|r| r.record.detail.as_deref())
        .collect();
    assert_eq!(views, [Some("view=full"), Some("view=restricted")]);
}
