//! Flow tests: the engine against the in-process sandbox over real loopback HTTP and LDAP.

mod common;
use common::Engine;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use vmcheck_core::fhir::WireFormat;
use vmcheck_engine::{Clock, Config, LookupError, LookupReport, ManualClock, Outcome, Progress};
use vmcheck_sandbox::{Fault, Sandbox, SandboxOptions};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

fn config_for(sandbox: &Sandbox) -> Config {
    let urls = sandbox.urls();
    vmcheck_training::config(urls)
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
    let mut config = config_for(&sandbox);
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

async fn report(s: &Setup, nhs: &str) -> LookupReport {
    let actor = s.engine.config().actor();
    let result = s.engine.lookup(actor.as_ref(), nhs, |_| {}).await;
    LookupReport::new(&result, s.clock.today())
}

fn check_patient(report: &LookupReport, p: &vmcheck_sandbox::TestPatient) {
    let e = &p.expected;
    assert_eq!(
        report.outcome, e.outcome,
        "{} ({}): {:?}",
        p.nhs_number, p.case, report.error
    );
    assert_eq!(
        report.banner.map(|b| b.as_str()),
        e.banner,
        "{} ({})",
        p.nhs_number,
        p.case
    );
    assert_eq!(report.headline, e.headline, "{} ({})", p.nhs_number, p.case);
    if let Some(code) = e.error_code {
        assert_eq!(
            report.error.as_ref().map(|e| e.code.as_str()),
            Some(code),
            "{} ({})",
            p.nhs_number,
            p.case
        );
    }
    if report.outcome == "error" {
        assert!(
            report.banner.is_none() && report.headline.is_none(),
            "an error is never a banner"
        );
    }
}

#[tokio::test]
async fn every_sandbox_patient_gets_its_expected_result_json_and_xml() {
    for format in [WireFormat::Json, WireFormat::Xml] {
        let s = setup_with(|c| c.vandm.format = format).await;
        for p in vmcheck_sandbox::patients() {
            let r = report(&s, p.nhs_number).await;
            check_patient(&r, p);
            if r.outcome == "status" {
                let patient = r
                    .patient
                    .as_ref()
                    .expect("a status always comes with the traced patient");
                assert!(r.basic.is_some(), "{}", p.nhs_number);
                assert!(!patient.name.is_empty());
            }
        }
        s.sandbox.shutdown().await;
    }
}

#[tokio::test]
async fn an_invalid_number_is_refused_before_anything_is_sent() {
    let s = setup().await;
    for input in ["9900002831", "12345", "943 476 591X", ""] {
        let r = report(&s, input).await;
        assert_eq!(r.outcome, "error");
        assert_eq!(
            r.error.as_ref().map(|e| e.code.as_str()),
            Some("INVALID_NHS_NUMBER_LOCAL"),
            "{input}"
        );
        assert!(r.patient.is_none());
    }
    assert_eq!(
        (s.sandbox.pds_request_count(), s.sandbox.request_count()),
        (0, 0),
        "nothing reached PDS or Spine"
    );
    assert_eq!(s.engine.sds_queries(), 0, "nor SDS");
}

#[tokio::test]
async fn without_an_identity_nothing_is_sent() {
    let s = setup().await;
    let first = &vmcheck_sandbox::patients()[0];
    let result = s.engine.lookup(None, first.nhs_number, |_| {}).await;
    assert!(matches!(
        result.outcome,
        Outcome::Error(LookupError::NoIdentity)
    ));
    assert_eq!(
        (s.sandbox.pds_request_count(), s.sandbox.request_count()),
        (0, 0)
    );
}

#[tokio::test]
async fn progress_is_reported_in_order() {
    let s = setup().await;
    let seen = Mutex::new(Vec::new());
    let p = vmcheck_sandbox::patients()
        .iter()
        .find(|p| p.expected.outcome == "status")
        .expect("a status patient");
    let actor = s.engine.config().actor();
    let _ = s
        .engine
        .lookup(actor.as_ref(), p.nhs_number, |step| {
            seen.lock().expect("lock").push(step)
        })
        .await;
    assert_eq!(
        *seen.lock().expect("lock"),
        vec![
            Progress::Tracing,
            Progress::FindingEndpoint,
            Progress::Querying
        ]
    );
}

#[tokio::test]
async fn a_superseded_number_is_followed_and_the_user_told() {
    let s = setup().await;
    let p = vmcheck_sandbox::patients()
        .iter()
        .find(|p| p.superseded_by.is_some())
        .expect("a superseded patient");
    let r = report(&s, p.nhs_number).await;
    let patient = r.patient.expect("traced");
    assert_eq!(patient.superseded_from.as_deref(), Some(p.nhs_number));
    assert_ne!(
        patient.nhs_number, p.nhs_number,
        "the replacement number is shown"
    );
    assert_eq!(r.outcome, "status", "the replacement's status is shown");
}

#[tokio::test]
async fn a_restricted_record_withholds_the_address() {
    let s = setup().await;
    let p = vmcheck_sandbox::patients()
        .iter()
        .find(|p| p.restricted)
        .expect("a restricted patient");
    let r = report(&s, p.nhs_number).await;
    let patient = r.patient.expect("traced");
    assert!(patient.restricted);
    assert_eq!(patient.address, None);
}

/// Every fault class is run by `tests/faults.rs`; a slow but timely answer is not a fault.
#[tokio::test]
async fn a_slow_but_timely_answer_is_a_status() {
    let s = setup().await;
    let good = vmcheck_sandbox::patients()
        .iter()
        .find(|p| p.expected.outcome == "status")
        .expect("a status patient");
    s.sandbox
        .set_fault(Some(Fault::Latency(Duration::from_millis(200))));
    assert_eq!(report(&s, good.nhs_number).await.outcome, "status");
}

#[tokio::test]
async fn the_sds_endpoint_is_cached_for_its_ttl() {
    let s = setup_with(|c| c.sds.as_mut().expect("sds").cache_ttl_secs = 60).await;
    let p = vmcheck_sandbox::patients()
        .iter()
        .find(|p| p.expected.outcome == "status")
        .expect("a status patient");
    report(&s, p.nhs_number).await;
    report(&s, p.nhs_number).await;
    assert_eq!(
        s.engine.sds_queries(),
        1,
        "the second lookup reused the endpoint"
    );
    s.clock.advance_monotonic(Duration::from_secs(61));
    report(&s, p.nhs_number).await;
    assert_eq!(
        s.engine.sds_queries(),
        2,
        "an expired entry is looked up again"
    );
    assert_eq!(s.sandbox.request_count(), 3);
    // A forgotten endpoint (what an error suggesting a stale endpoint does) is looked up in
    // the directory again, well within the TTL.
    s.engine.forget_endpoint();
    report(&s, p.nhs_number).await;
    assert_eq!(
        s.engine.sds_queries(),
        3,
        "a forgotten endpoint is looked up again"
    );
}

#[tokio::test]
async fn a_zero_ttl_asks_the_directory_every_time() {
    let s = setup_with(|c| c.sds.as_mut().expect("sds").cache_ttl_secs = 0).await;
    let p = vmcheck_sandbox::patients()
        .iter()
        .find(|p| p.expected.outcome == "status")
        .expect("a status patient");
    report(&s, p.nhs_number).await;
    report(&s, p.nhs_number).await;
    assert_eq!(s.engine.sds_queries(), 2);
}

#[tokio::test]
async fn a_fixed_endpoint_bypasses_sds() {
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox starts");
    let mut config = config_for(&sandbox);
    config.sds = None;
    config.vandm.endpoint = Some(sandbox.urls().vandm_base.clone());
    config.vandm.spine_asid = Some(vmcheck_sandbox::directory::SPINE_ASID.into());
    config.validate().expect("a fixed endpoint needs no SDS");
    let engine = Engine::new(config, Arc::new(ManualClock::new(now()))).expect("engine");
    let p = vmcheck_sandbox::patients()
        .iter()
        .find(|p| p.expected.outcome == "status")
        .expect("a status patient");
    let actor = engine.config().actor();
    let result = engine.lookup(actor.as_ref(), p.nhs_number, |_| {}).await;
    assert!(
        matches!(result.outcome, Outcome::Status { .. }),
        "{:?}",
        result.outcome
    );
    assert_eq!(engine.sds_queries(), 0);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_unreachable_directory_is_an_sds_error() {
    let s =
        setup_with(|c| c.sds.as_mut().expect("sds").ldap_url = "ldap://127.0.0.1:1".into()).await;
    let p = vmcheck_sandbox::patients()
        .iter()
        .find(|p| p.expected.outcome == "status")
        .expect("a status patient");
    let r = report(&s, p.nhs_number).await;
    assert_eq!(
        r.error.map(|e| e.code),
        Some(vmcheck_engine::ErrorCode::SdsLookupFailed)
    );
    assert_eq!(
        s.sandbox.request_count(),
        0,
        "no V&M request without an endpoint"
    );
}

#[tokio::test]
async fn the_connection_test_reads_the_conformance_statement() {
    let s = setup().await;
    let (endpoint, conformance) = s.engine.metadata().await.expect("metadata");
    assert_eq!(endpoint.asid, vmcheck_sandbox::directory::SPINE_ASID);
    assert_eq!(conformance.fhir_version.as_deref(), Some("1.0.1"));
}

/// The last gate before a banner, end to end: answers that cannot be vouched for are errors or
/// amber, never green, and nothing of them is kept to show.
#[tokio::test]
async fn answers_that_cannot_be_vouched_for_never_show_green() {
    let s = setup().await;
    let actor = s.engine.config().actor();
    let run = |nhs: &'static str| {
        let engine = &s.engine;
        let actor = actor.clone();
        async move { engine.lookup(actor.as_ref(), nhs, |_| {}).await }
    };
    // Another patient's status: refused, and the body is not kept for "technical details".
    let r = run("9990000441").await;
    assert!(matches!(
        r.outcome,
        Outcome::Error(LookupError::SubjectMismatch)
    ));
    assert!(r.raw_response.is_none());
    let report = LookupReport::new(&r, s.clock.today());
    assert_eq!(report.error.expect("error").code, "SUBJECT_MISMATCH");
    assert_eq!(report.banner, None);
    // A void record: refused.
    let r = run("9990000409").await;
    assert!(matches!(r.outcome, Outcome::Error(LookupError::RecordVoid)));
    assert!(r.raw_response.is_none());
    // Two status records: refused, never one picked; the message says so.
    let report = LookupReport::new(&run("9990000417").await, s.clock.today());
    let error = report.error.expect("error");
    assert_eq!(error.code, "SPINE_SEVERAL_RECORDS");
    assert!(
        error.message.contains("more than one status record"),
        "{}",
        error.message
    );
    // Not final: amber with its own words.
    let report = LookupReport::new(&run("9990000395").await, s.clock.today());
    assert_eq!(report.banner.map(|b| b.as_str()), Some("amber"));
    assert_eq!(
        report.headline,
        Some("Status not final — check with the OVM team")
    );
    // A category under another code system: amber.
    let report = LookupReport::new(&run("9990000433").await, s.clock.today());
    assert_eq!(report.banner.map(|b| b.as_str()), Some("amber"));
    // Updated "in the future": the banner stands, with the warning flag set.
    let report = LookupReport::new(&run("9990000425").await, s.clock.today());
    assert_eq!(report.banner.map(|b| b.as_str()), Some("green"));
    assert!(report.effective_in_future);
    let report = LookupReport::new(&run("9990000026").await, s.clock.today());
    assert!(!report.effective_in_future);
}

#[tokio::test]
async fn the_patient_block_shows_current_details_or_says_what_is_historic_or_missing() {
    let s = setup().await;
    let r = report(&s, "9990000468").await;
    let p = r.patient.expect("patient");
    assert_eq!(p.name, "SMITH, Jane (Mrs)");
    assert_eq!(
        p.name_note.as_deref(),
        Some("historic — ended 31 December 2021")
    );
    assert_eq!(
        p.address_note.as_deref(),
        Some("historic — ended 31 December 2021")
    );
    assert!(p.missing.is_empty() && p.identity_warning.is_none());

    let r = report(&s, "9990000476").await;
    let p = r.patient.expect("patient");
    assert_eq!(p.missing, ["date of birth"]);
    assert_eq!(
        p.identity_warning.as_deref(),
        Some("PDS holds no date of birth for this patient. Confirm the patient's identity another way before relying on the status.")
    );
    assert_eq!((p.name_note, p.address_note), (None, None));

    let r = report(&s, "9990000018").await;
    let p = r.patient.expect("patient");
    assert_eq!(
        (p.name_note, p.address_note),
        (None, None),
        "current details"
    );
    assert!(p.missing.is_empty());
}

/// PDS's 429 with a short `Retry-After` is waited out once on the engine's clock, then retried;
/// a longer one is not waited for. The manual clock records the waits: no test sleeps.
#[tokio::test]
async fn a_pds_rate_limit_is_waited_out_once_on_the_engine_clock() {
    let s = setup().await;
    // 9990000301: PDS always answers 429 with Retry-After 2.
    let r = report(&s, "9990000301").await;
    assert_eq!(r.error.expect("error").code, "TOO_MANY_REQUESTS");
    assert_eq!(
        s.clock.waits(),
        [Duration::from_secs(2)],
        "one wait, as long as asked"
    );
    assert_eq!(s.sandbox.pds_request_count(), 2, "the trace and one retry");
    assert_eq!(s.sandbox.request_count(), 0, "no status without a trace");

    // Retry-After longer than the client waits by itself: no wait, no retry.
    let s = setup().await;
    s.sandbox
        .set_pds_fault(Some(Fault::RateLimited(Duration::from_secs(30))));
    let r = report(&s, "9990000018").await;
    let error = r.error.expect("error");
    assert_eq!(error.code, "TOO_MANY_REQUESTS");
    assert!(error.message.contains("30 seconds"), "{}", error.message);
    assert!(s.clock.waits().is_empty());
    assert_eq!(s.sandbox.pds_request_count(), 1);
}

/// What PDS's refusals say to the person at the screen, and what to do.
#[test]
fn pds_refusals_each_have_their_message_and_action() {
    use vmcheck_spine::pds::PdsError;
    let cases = [
        (
            PdsError::Forbidden,
            "ACCESS_DENIED",
            "not permitted",
            "Ask IT to check the PDS access settings",
        ),
        (
            PdsError::Server {
                status: 503,
                excerpt: "Service Unavailable".into(),
            },
            "PDS_SERVER_ERROR",
            "HTTP 503",
            "Try again",
        ),
        (
            PdsError::InvalidNumber,
            "INVALID_RESOURCE_ID",
            "did not accept this NHS number",
            "Check the NHS number",
        ),
        (
            PdsError::Unauthorised,
            "ACCESS_DENIED",
            "credentials",
            "Ask IT to check the PDS access settings",
        ),
    ];
    for (error, code, message, action) in cases {
        let e = LookupError::Pds(error);
        assert_eq!(e.code(), code, "{e:?}");
        assert!(e.message().contains(message), "{}", e.message());
        assert!(e.action().starts_with(action), "{}", e.action());
    }
}
