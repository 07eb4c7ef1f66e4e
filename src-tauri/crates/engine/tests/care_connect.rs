//! A patient by hospital number, end to end against the sandbox: the trust's Care Connect API
//! gives the verified NHS number, PDS traces it, the V&M service answers for it — and every
//! Care Connect refusal is an error with nothing asked of PDS or Spine. Each step is in the
//! audit log before its request leaves the machine.

mod common;
use common::Engine;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use vmcheck_audit::{Action, AuditRecord};
use vmcheck_engine::config::{SANDBOX_HOSPITAL_NUMBER_PATTERN, SANDBOX_HOSPITAL_NUMBER_SYSTEM};
use vmcheck_engine::report::TRUST_NUMBER_DIFFERS;
use vmcheck_engine::{
    Clock, Config, ConfigError, Environment, LookupError, LookupReport, ManualClock, MemorySecrets,
    Outcome, PatientAccess,
};
use vmcheck_sandbox::care_connect::{
    hospital_number, pas_records, HOSPITAL_NUMBER_PATTERN, HOSPITAL_NUMBER_SYSTEM, MERGED,
    NO_NHS_NUMBER, NO_STATUS, SEVERAL, UNVERIFIED,
};
use vmcheck_sandbox::{patients, Sandbox, SandboxOptions};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

struct Setup {
    sandbox: Sandbox,
    engine: Engine,
    clock: Arc<ManualClock>,
}

async fn setup_with(edit: impl FnOnce(&mut Config)) -> Setup {
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox starts");
    let mut config = vmcheck_training::config(sandbox.urls());
    config.pds.timeout_secs = 3;
    config.vandm.timeout_secs = 3;
    edit(&mut config);
    let clock = Arc::new(ManualClock::new(now()));
    let engine = Engine::new(config, clock.clone()).expect("engine");
    Setup {
        sandbox,
        engine,
        clock,
    }
}

async fn setup() -> Setup {
    setup_with(|_| {}).await
}

async fn by_hospital_number(s: &Setup, number: &str) -> LookupReport {
    let actor = s.engine.config().actor();
    let result = s
        .engine
        .lookup_hospital_number(actor.as_ref(), number, None, |_| {})
        .await;
    LookupReport::new(&result, s.clock.today())
}

/// A sandbox patient whose lookup ends in a green banner.
fn green() -> &'static vmcheck_sandbox::TestPatient {
    patients()
        .iter()
        .find(|p| p.expected.banner == Some("green"))
        .expect("a green patient")
}

fn records(engine: &PatientAccess) -> Vec<AuditRecord> {
    engine
        .audit_log()
        .expect("an audit log")
        .records_after(0, usize::MAX)
        .expect("read")
}

#[test]
fn the_sandbox_configuration_points_at_the_sandbox_trust() {
    assert_eq!(SANDBOX_HOSPITAL_NUMBER_SYSTEM, HOSPITAL_NUMBER_SYSTEM);
    assert_eq!(SANDBOX_HOSPITAL_NUMBER_PATTERN, HOSPITAL_NUMBER_PATTERN);
}

#[tokio::test]
async fn the_sandbox_configuration_reaches_the_sandbox_care_connect_api() {
    let s = setup().await;
    let cc = s.engine.config().care_connect.clone().expect("configured");
    assert_eq!(cc.base_url, s.sandbox.urls().care_connect_base());
}

#[tokio::test]
async fn every_hospital_number_gives_what_its_nhs_number_gives() {
    let s = setup().await;
    let special = [SEVERAL, NO_NHS_NUMBER, UNVERIFIED, NO_STATUS, MERGED];
    for record in pas_records()
        .into_iter()
        .filter(|r| !special.contains(&r.hospital_number.as_str()))
    {
        let p = record.patient;
        let report = by_hospital_number(&s, &record.hospital_number).await;
        let e = &p.expected;
        let what = format!("{} ({})", record.hospital_number, p.case);
        assert_eq!(report.outcome, e.outcome, "{what}: {:?}", report.error);
        assert_eq!(report.banner.map(|b| b.as_str()), e.banner, "{what}");
        assert_eq!(report.headline, e.headline, "{what}");
        assert_eq!(
            report.error.as_ref().map(|x| x.code.as_str()),
            e.error_code,
            "{what}"
        );
        assert_eq!(
            report.hospital_number.as_deref(),
            Some(record.hospital_number.as_str())
        );
        assert_eq!(
            report.trust_nhs_number.as_deref(),
            Some(p.nhs_number),
            "{what}"
        );
        if p.superseded_by.is_none() {
            assert_eq!(report.nhs_number, p.nhs_number, "{what}");
            assert_eq!(report.hospital_number_warning, None, "{what}");
        }
    }
}

#[tokio::test]
async fn a_hospital_number_typed_in_the_lookup_field_is_recognised_by_its_form() {
    let s = setup().await;
    let actor = s.engine.config().actor();
    let green = green();
    for typed in [
        hospital_number(green),
        hospital_number(green).to_lowercase(),
    ] {
        let result = s.engine.lookup(actor.as_ref(), &typed, |_| {}).await;
        let report = LookupReport::new(&result, s.clock.today());
        assert_eq!(report.banner.map(|b| b.as_str()), Some("green"), "{typed}");
        assert_eq!(report.nhs_number, green.nhs_number);
        assert_eq!(report.hospital_number, Some(hospital_number(green)));
    }
    // An NHS number stays an NHS number, and neither form is a failed NHS number.
    let result = s
        .engine
        .lookup(actor.as_ref(), green.nhs_number, |_| {})
        .await;
    assert!(result.hospital_number.is_none());
    let refused = s.engine.lookup(actor.as_ref(), "RRK12", |_| {}).await;
    let Outcome::Error(e) = &refused.outcome else {
        panic!("refused")
    };
    assert_eq!(e.code(), "INVALID_NHS_NUMBER_LOCAL");
    assert_eq!(s.sandbox.care_connect_request_count(), 2);
}

#[tokio::test]
async fn the_trusts_record_is_the_first_step_reported() {
    let s = setup().await;
    let actor = s.engine.config().actor();
    let seen = std::sync::Mutex::new(Vec::new());
    let _ = s
        .engine
        .lookup_hospital_number(actor.as_ref(), "RRK0000018", None, |step| {
            seen.lock().expect("lock").push(step)
        })
        .await;
    assert_eq!(
        *seen.lock().expect("lock"),
        vec![
            vmcheck_engine::Progress::FindingRecord,
            vmcheck_engine::Progress::Tracing,
            vmcheck_engine::Progress::FindingEndpoint,
            vmcheck_engine::Progress::Querying
        ]
    );
    // Refused by the trust: no step past its record.
    seen.lock().expect("lock").clear();
    let _ = s
        .engine
        .lookup_hospital_number(actor.as_ref(), SEVERAL, None, |step| {
            seen.lock().expect("lock").push(step)
        })
        .await;
    assert_eq!(
        *seen.lock().expect("lock"),
        vec![vmcheck_engine::Progress::FindingRecord]
    );
}

#[tokio::test]
async fn every_care_connect_refusal_is_an_error_and_nothing_reaches_spine() {
    let s = setup().await;
    for (number, code, says) in [
        (
            SEVERAL,
            "CARE_CONNECT_SEVERAL_PATIENTS",
            "2 patients have this hospital number",
        ),
        (
            NO_NHS_NUMBER,
            "CARE_CONNECT_NO_NHS_NUMBER",
            "has no NHS number",
        ),
        (
            UNVERIFIED,
            "CARE_CONNECT_NHS_NUMBER_UNVERIFIED",
            "status 02: Number present but not traced",
        ),
        (
            NO_STATUS,
            "CARE_CONNECT_NHS_NUMBER_UNVERIFIED",
            "no verification status is recorded",
        ),
        (
            MERGED,
            "CARE_CONNECT_RECORD_NOT_IN_USE",
            "merged into another record",
        ),
        (
            "RRK9999999",
            "CARE_CONNECT_NOT_FOUND",
            "no patient with this hospital number",
        ),
    ] {
        let report = by_hospital_number(&s, number).await;
        assert_eq!(report.outcome, "error", "{number}");
        assert_eq!(report.banner, None, "{number}: an error is never a banner");
        assert!(report.patient.is_none(), "{number}");
        let error = report.error.expect("an error");
        assert_eq!(error.code.as_str(), code, "{number}");
        assert!(error.message.contains(says), "{number}: {}", error.message);
        assert!(
            !error.message.contains(number),
            "no hospital number in the message: {}",
            error.message
        );
        assert_eq!(report.trust_nhs_number, None);
    }
    assert_eq!(s.sandbox.care_connect_request_count(), 6);
    assert_eq!(
        (s.sandbox.pds_request_count(), s.sandbox.request_count()),
        (0, 0),
        "nothing was asked of PDS or Spine"
    );
}

#[tokio::test]
async fn a_superseded_trust_number_is_followed_on_pds_and_flagged() {
    let s = setup().await;
    let old = patients()
        .iter()
        .find(|p| p.superseded_by.is_some())
        .expect("a superseded patient");
    let new = old.superseded_by.expect("its replacement");
    let report = by_hospital_number(&s, &hospital_number(old)).await;
    assert_eq!(report.trust_nhs_number.as_deref(), Some(old.nhs_number));
    let patient = report.patient.as_ref().expect("traced");
    assert_eq!(patient.nhs_number, new, "PDS is the authority");
    assert_eq!(patient.superseded_from.as_deref(), Some(old.nhs_number));
    assert_eq!(report.hospital_number_warning, Some(TRUST_NUMBER_DIFFERS));
    assert_eq!(report.banner.map(|b| b.as_str()), old.expected.banner);
    let json = serde_json::to_value(&report).expect("json");
    assert_eq!(json["hospital_number_warning"], TRUST_NUMBER_DIFFERS);
    assert_eq!(json["trust_nhs_number"], old.nhs_number);
}

#[tokio::test]
async fn every_record_of_a_listed_hospital_number_carries_its_list_and_trace_id() {
    let s = setup().await;
    let green = green();
    let actor = s.engine.config().actor();
    let result = s
        .engine
        .lookup_hospital_number(
            actor.as_ref(),
            &hospital_number(green),
            Some("job-3"),
            |_| {},
        )
        .await;
    let r = records(&s.engine);
    assert_eq!(r.len(), 4, "search, its outcome, lookup, its outcome");
    for x in &r {
        assert_eq!(
            x.record.batch_id.as_deref(),
            Some("job-3"),
            "{:?}",
            x.record.action
        );
        assert_eq!(
            x.record.trace_id.as_deref(),
            Some(result.trace_id.as_str()),
            "{:?}",
            x.record.action
        );
    }
}

#[tokio::test]
async fn both_steps_are_recorded_before_their_requests_leave() {
    let s = setup().await;
    let green = green();
    by_hospital_number(&s, &hospital_number(green)).await;
    let r = records(&s.engine);
    let actions: Vec<Action> = r.iter().map(|x| x.record.action).collect();
    assert_eq!(
        actions,
        [
            Action::Search,
            Action::Outcome,
            Action::Lookup,
            Action::Outcome
        ]
    );
    let search = &r[0].record;
    assert_eq!(
        search.search_terms.as_deref(),
        Some(format!("hospital_number={}", hospital_number(green)).as_str())
    );
    assert!(search
        .detail
        .as_deref()
        .is_some_and(|d| d.starts_with("service=care_connect;system=")));
    let found = &r[1].record;
    assert_eq!(found.refers_to, Some(r[0].seq));
    assert_eq!(found.outcome.as_deref(), Some("care_connect:found"));
    assert_eq!(found.nhs_number.as_deref(), Some(green.nhs_number));
    let lookup = &r[2].record;
    assert_eq!(lookup.nhs_number.as_deref(), Some(green.nhs_number));
    assert_eq!(lookup.detail.as_deref(), Some("via=care_connect"));
    assert_eq!(r[3].record.refers_to, Some(r[2].seq));
    assert_eq!(
        search.trace_id, lookup.trace_id,
        "one trace id links the steps"
    );

    // A refusal: the search and its outcome, and nothing else.
    by_hospital_number(&s, SEVERAL).await;
    let r = records(&s.engine);
    let tail: Vec<(Action, Option<&str>)> = r[4..]
        .iter()
        .map(|x| (x.record.action, x.record.outcome.as_deref()))
        .collect();
    assert_eq!(
        tail,
        [
            (Action::Search, None),
            (Action::Outcome, Some("CARE_CONNECT_SEVERAL_PATIENTS"))
        ]
    );
}

#[tokio::test]
async fn a_number_of_the_wrong_form_is_refused_before_anything() {
    let s = setup().await;
    for typed in ["", "RRK12", "RRK12345678", "XYZ1234567", "9990000018"] {
        let report = by_hospital_number(&s, typed).await;
        let error = report.error.expect("refused");
        let want = if typed.is_empty() {
            "Enter a hospital number."
        } else {
            "This is not a hospital number of this trust: a hospital number is RRK followed by 7 digits."
        };
        assert_eq!(
            error.code.as_str(),
            "INVALID_HOSPITAL_NUMBER_LOCAL",
            "{typed}"
        );
        assert_eq!(error.message, want);
    }
    assert_eq!(s.sandbox.care_connect_request_count(), 0);
    assert!(records(&s.engine).is_empty(), "nothing to record");
}

#[tokio::test]
async fn without_care_connect_hospital_numbers_are_not_looked_up() {
    let s = setup_with(|c| c.care_connect = None).await;
    let report = by_hospital_number(&s, "RRK0000042").await;
    let error = report.error.expect("refused");
    assert_eq!(error.code.as_str(), "HOSPITAL_NUMBER_NOT_CONFIGURED");
    let actor = s.engine.config().actor();
    let result = s.engine.lookup(actor.as_ref(), "RRK0000042", |_| {}).await;
    let Outcome::Error(e) = &result.outcome else {
        panic!("refused")
    };
    assert_eq!(e.code(), "INVALID_NHS_NUMBER_LOCAL");
    assert_eq!(s.sandbox.care_connect_request_count(), 0);
}

#[tokio::test]
async fn an_unwritable_audit_log_stops_the_care_connect_search() {
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox");
    let mut config = vmcheck_training::config(sandbox.urls());
    config.audit.path = Some(PathBuf::from("/proc/vmcheck-tests/audit.sqlite"));
    let actor = config.actor().expect("identity");
    let engine = PatientAccess::open(
        config,
        Arc::new(ManualClock::new(now())),
        Arc::new(MemorySecrets::new()),
    )
    .expect("clients");
    let result = engine
        .lookup_hospital_number(Some(&actor), "RRK0000042", None, |_| {})
        .await;
    let Outcome::Error(e) = &result.outcome else {
        panic!("refused")
    };
    assert!(matches!(e, LookupError::AuditUnavailable(_)), "{e:?}");
    assert_eq!(sandbox.care_connect_request_count(), 0, "nothing was sent");
    assert_eq!(
        (sandbox.pds_request_count(), sandbox.request_count()),
        (0, 0)
    );
}

#[tokio::test]
async fn the_configuration_is_checked_key_by_key() {
    let s = setup().await;
    let base = s.engine.config().clone();
    let check = |edit: &dyn Fn(&mut Config), key: &str| {
        let mut c = base.clone();
        edit(&mut c);
        match c.validate() {
            Err(ConfigError::Invalid { key: k, .. }) => assert_eq!(k, key),
            other => panic!("{key}: {other:?}"),
        }
    };
    check(
        &|c| c.care_connect.as_mut().expect("cc").hospital_number_pattern = "##########".into(),
        "care_connect.hospital_number_pattern",
    );
    check(
        &|c| c.care_connect.as_mut().expect("cc").hospital_number_pattern = "RRK".into(),
        "care_connect.hospital_number_pattern",
    );
    check(
        &|c| c.care_connect.as_mut().expect("cc").hospital_number_system = "pas-number".into(),
        "care_connect.hospital_number_system",
    );
    check(
        &|c| {
            c.care_connect.as_mut().expect("cc").hospital_number_system =
                "https://x.example/Id|pas".into()
        },
        "care_connect.hospital_number_system",
    );
    check(
        &|c| c.care_connect.as_mut().expect("cc").base_url = "careconnect.example".into(),
        "care_connect.base_url",
    );
    check(
        &|c| c.care_connect.as_mut().expect("cc").timeout_secs = 0,
        "care_connect.timeout_secs",
    );
    // Outside the sandbox a patient identifier goes over https only.
    check(
        &|c| c.environment = Environment::Live,
        "care_connect.base_url",
    );
    let text = r#"
environment = "sandbox"
[organisation]
ods_code = "X26"
name = "Trust"
client_asid = "200000000359"
issuer = "https://vmcheck.training.invalid"
[pds]
base_url = "http://127.0.0.1:1/personal-demographics/FHIR/R4"
[vandm]
endpoint = "http://127.0.0.1:3/fhir"
spine_asid = "200000000001"
[care_connect]
base_url = "https://careconnect.example-trust.nhs.uk/STU3"
hospital_number_system = "https://fhir.example-trust.nhs.uk/Id/pas-number"
hospital_number_pattern = "RX#######"
"#;
    let parsed = Config::parse(text).expect("valid");
    let cc = parsed.care_connect.expect("read");
    assert_eq!(cc.timeout_secs, 15);
    assert_eq!(
        cc.pattern().expect("pattern").describe(),
        "RX followed by 7 digits"
    );
}

/// A worklist over the sandbox (with or without `[care_connect]`), its list's headers, and a
/// row for patient `p` with hospital number `hospital` (and the details when `details`).
struct ListSetup {
    _sandbox: Sandbox,
    _dir: tempfile::TempDir,
    access: Arc<PatientAccess>,
    actor: vmcheck_engine::Actor,
    wl: vmcheck_engine::worklist::Worklist,
    clock: Arc<ManualClock>,
}

const LIST_HEADERS: [&str; 6] = [
    "NHS No",
    "Surname",
    "Forename",
    "DOB",
    "Sex",
    "Hospital number",
];

fn list_row(p: &vmcheck_sandbox::TestPatient, hospital: &str, details: bool) -> Vec<String> {
    if !details {
        return vec![String::new(); 5]
            .into_iter()
            .chain([hospital.to_owned()])
            .collect();
    }
    let name = p.name.as_ref().expect("name");
    let dob = p.birth_date.expect("dob");
    vec![
        String::new(),
        name.family.to_owned(),
        name.given[0].to_owned(),
        format!("{}/{}/{}", &dob[8..10], &dob[5..7], &dob[0..4]),
        if p.gender == Some("female") { "F" } else { "M" }.to_owned(),
        hospital.to_owned(),
    ]
}

fn listed(banner: &str) -> &'static vmcheck_sandbox::TestPatient {
    patients()
        .iter()
        .find(|p| {
            p.expected.banner == Some(banner)
                && p.birth_date.is_some()
                && p.superseded_by.is_none()
                && !p.restricted
                && p.details_ended.is_none()
        })
        .expect("a patient")
}

async fn list_setup(care_connect: bool) -> ListSetup {
    use vmcheck_engine::worklist::{Worklist, WorklistSettings};

    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox");
    let dir = tempfile::tempdir().expect("tmp");
    let mut config = vmcheck_training::config(sandbox.urls());
    config.audit.path = Some(dir.path().join("audit.sqlite"));
    if !care_connect {
        config.care_connect = None;
    }
    let clock = Arc::new(ManualClock::new(now()));
    let access = Arc::new(
        PatientAccess::open(
            config.clone(),
            clock.clone(),
            Arc::new(MemorySecrets::new()),
        )
        .expect("access"),
    );
    let actor = config.actor().expect("identity");
    let wl = Worklist::open(
        access.clone(),
        &dir.path().join("worklists.sqlite"),
        WorklistSettings {
            rate_per_second: None,
            ..WorklistSettings::default()
        },
    )
    .expect("store");
    ListSetup {
        _sandbox: sandbox,
        _dir: dir,
        access,
        actor,
        wl,
        clock,
    }
}

/// Runs `rows` as a list and returns each row's check by row number.
async fn run_list(
    s: &ListSetup,
    rows: &[Vec<String>],
) -> impl Fn(usize) -> vmcheck_engine::worklist::RowCheck {
    use vmcheck_core::worklist::suggest_mapping;
    use vmcheck_engine::worklist::RunControl;

    let headers: Vec<String> = LIST_HEADERS.map(str::to_owned).to_vec();
    let job =
        s.wl.create_job(
            &s.actor,
            "list.csv",
            headers.clone(),
            rows,
            1,
            suggest_mapping(&headers),
            s.clock.today(),
        )
        .expect("job");
    s.wl.run(&s.actor, &job.id, &RunControl::unconditional(), |_| {})
        .await
        .expect("run");
    let results = s.wl.results(&s.actor, &job.id).expect("results");
    move |n: usize| {
        results
            .iter()
            .find(|r| r.row_number == n)
            .and_then(|r| r.check.clone())
            .unwrap_or_else(|| panic!("row {n}"))
    }
}

#[tokio::test]
async fn a_worklist_row_without_an_nhs_number_is_found_by_its_hospital_number() {
    use vmcheck_core::banner::BannerColour;
    use vmcheck_core::worklist::Verdict;
    use vmcheck_engine::worklist::CHECK_IDENTITY;

    let s = list_setup(true).await;
    let (green, red) = (listed("green"), listed("red"));
    let rows = vec![
        list_row(green, &hospital_number(green), true), // row 2: the trust names the patient
        list_row(red, SEVERAL, true),                   // row 3: two patients: an error
        list_row(red, "RRK12", true),                   // row 4: not a hospital number here
        list_row(red, &hospital_number(green), true), // row 5: the trust's patient is not the row's
        list_row(red, &hospital_number(red), false),  // row 6: the hospital number alone
    ];
    let check = run_list(&s, &rows).await;
    let found = check(2);
    assert_eq!(found.nhs_number.as_deref(), Some(green.nhs_number));
    assert!(found.found_by_search);
    assert_eq!(found.shown, Some(BannerColour::Green));
    assert_eq!(
        found.cross_check.expect("checked").verdict(),
        Verdict::Match
    );
    assert_eq!(
        check(3).error_code.as_deref(),
        Some("CARE_CONNECT_SEVERAL_PATIENTS")
    );
    assert_eq!(
        check(4).error_code.as_deref(),
        Some("INVALID_HOSPITAL_NUMBER_LOCAL")
    );
    let other = check(5);
    assert_eq!(
        other.shown,
        Some(BannerColour::Amber),
        "never the other's green"
    );
    assert_eq!(other.headline.as_deref(), Some(CHECK_IDENTITY));
    assert_eq!(
        other.cross_check.expect("checked").verdict(),
        Verdict::Mismatch
    );
    let alone = check(6);
    assert_eq!(alone.nhs_number.as_deref(), Some(red.nhs_number));
    assert_eq!(alone.shown, Some(BannerColour::Red));
    // Only the Care Connect searches and the found patients' lookups: no demographic search.
    let searches: Vec<String> = records(&s.access)
        .iter()
        .filter_map(|r| r.record.search_terms.clone())
        .collect();
    assert!(
        searches.iter().all(|s| s.starts_with("hospital_number=")),
        "{searches:?}"
    );
    assert_eq!(searches.len(), 4, "row 4 was refused before anything");
}

#[tokio::test]
async fn without_care_connect_a_row_with_only_a_hospital_number_says_so() {
    let s = list_setup(false).await;
    let red = listed("red");
    let rows = vec![
        list_row(red, &hospital_number(red), false), // row 2: nothing to search PDS with
        list_row(red, &hospital_number(red), true),  // row 3: found by its details instead
    ];
    let check = run_list(&s, &rows).await;
    let alone = check(2);
    assert_eq!(
        alone.error_code.as_deref(),
        Some("HOSPITAL_NUMBER_NOT_CONFIGURED")
    );
    assert!(alone.shown.is_none(), "an error, not a banner");
    assert_eq!(check(3).nhs_number.as_deref(), Some(red.nhs_number));
    let searches: Vec<String> = records(&s.access)
        .iter()
        .filter_map(|r| r.record.search_terms.clone())
        .collect();
    assert_eq!(searches.len(), 1, "one PDS search, for row 3: {searches:?}");
    assert!(!searches[0].starts_with("hospital_number="));
}

#[tokio::test]
async fn a_failing_care_connect_service_is_an_error_and_nothing_reaches_spine() {
    use vmcheck_sandbox::Fault;
    let s = setup_with(|c| {
        if let Some(cc) = c.care_connect.as_mut() {
            cc.timeout_secs = 2;
        }
    })
    .await;
    for (fault, code) in [
        (Fault::Status500, "CARE_CONNECT_UNAVAILABLE"),
        (Fault::HtmlBadGateway, "CARE_CONNECT_UNAVAILABLE"),
        (Fault::ConnectionReset, "CARE_CONNECT_UNAVAILABLE"),
        (Fault::TruncatedBody, "CARE_CONNECT_UNAVAILABLE"),
        (Fault::Redirect, "CARE_CONNECT_UNAVAILABLE"),
        (Fault::Oversized, "CARE_CONNECT_UNAVAILABLE"),
        (Fault::Hang, "CARE_CONNECT_UNAVAILABLE"),
        (Fault::WrongContentType, "CARE_CONNECT_UNREADABLE"),
        (Fault::DeepJson, "CARE_CONNECT_UNREADABLE"),
    ] {
        s.sandbox.set_care_connect_fault(Some(fault.clone()));
        let report = by_hospital_number(&s, "RRK0000042").await;
        assert_eq!(report.outcome, "error", "{fault:?}");
        assert_eq!(report.banner, None, "{fault:?}");
        let error = report.error.expect("an error");
        assert_eq!(error.code.as_str(), code, "{fault:?}: {}", error.message);
        assert!(!error.message.contains("RRK0000042"), "{}", error.message);
    }
    assert_eq!(
        (s.sandbox.pds_request_count(), s.sandbox.request_count()),
        (0, 0),
        "nothing was asked of PDS or Spine"
    );
    s.sandbox.set_care_connect_fault(None);
    let report = by_hospital_number(&s, "RRK0000042").await;
    assert_eq!(report.banner.map(|b| b.as_str()), Some("green"));
}
