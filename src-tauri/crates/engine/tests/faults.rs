//! Every fault class the sandbox can inject, on V&M, PDS and SDS, run through the engine: each
//! is a clear error with its own code, a message and an action — never a banner, never a panic
//! — ending within the configured timeout, with memory bounded (a 200 MB answer included).

mod common;
use common::Engine;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use vmcheck_engine::{Clock, LookupReport, ManualClock};
use vmcheck_sandbox::{Fault, Sandbox, SandboxOptions};

/// The V&M, PDS and SDS timeouts of the engine under test, in seconds.
const VANDM_TIMEOUT: u64 = 2;
const PDS_TIMEOUT: u64 = 2;
const SDS_TIMEOUT: u64 = 1;

/// Peak resident memory of this process so far (kB), from the kernel.
fn peak_rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

/// Which service suffers the fault.
#[derive(Debug, Clone, Copy)]
enum Where {
    /// V&M, or the directory for SDS classes (`Sandbox::set_fault`).
    Spine,
    /// PDS (`Sandbox::set_pds_fault`).
    Pds,
}

struct Row {
    fault: Fault,
    at: Where,
    code: &'static str,
    /// The longest the lookup may take: the failing service's timeout (or wait) and a margin.
    within: Duration,
}

fn row(fault: Fault, at: Where, code: &'static str, limit_secs: u64) -> Row {
    Row {
        fault,
        at,
        code,
        within: Duration::from_secs(limit_secs) + Duration::from_millis(1500),
    }
}

fn table() -> Vec<Row> {
    use Where::{Pds, Spine};
    let ms = Duration::from_millis;
    let s = Duration::from_secs;
    vec![
        // V&M: every class.
        row(Fault::Latency(s(5)), Spine, "SPINE_TIMEOUT", VANDM_TIMEOUT),
        row(Fault::Status500, Spine, "SPINE_HTTP_ERROR", 0),
        row(Fault::HtmlBadGateway, Spine, "SPINE_HTTP_ERROR", 0),
        row(Fault::ConnectionReset, Spine, "SPINE_CONNECTION_BROKEN", 0),
        row(Fault::TruncatedBody, Spine, "SPINE_CONNECTION_BROKEN", 0),
        row(
            Fault::WrongContentType,
            Spine,
            "SPINE_UNREADABLE_RESPONSE",
            0,
        ),
        row(
            Fault::SlowDrip(ms(800)),
            Spine,
            "SPINE_TIMEOUT",
            VANDM_TIMEOUT,
        ),
        row(Fault::Hang, Spine, "SPINE_TIMEOUT", VANDM_TIMEOUT),
        row(Fault::Closed, Spine, "SPINE_CONNECTION_BROKEN", 0),
        row(Fault::Oversized, Spine, "SPINE_RESPONSE_TOO_LARGE", 0),
        row(Fault::Redirect, Spine, "SPINE_REDIRECTED", 0),
        row(Fault::RateLimited(s(2)), Spine, "SPINE_RATE_LIMITED", 0),
        row(Fault::DeepJson, Spine, "SPINE_UNREADABLE_RESPONSE", 0),
        row(Fault::DeepXml, Spine, "SPINE_UNREADABLE_RESPONSE", 0),
        row(Fault::Refused, Spine, "SPINE_UNREACHABLE", 0),
        row(Fault::TlsFailure, Spine, "SPINE_TLS_FAILED", 0),
        row(Fault::SdsDown, Spine, "SDS_LOOKUP_FAILED", 0),
        row(
            Fault::SdsSlow(s(4)),
            Spine,
            "SDS_LOOKUP_FAILED",
            SDS_TIMEOUT,
        ),
        // PDS: the classes a web service can suffer.
        row(Fault::Latency(s(5)), Pds, "PDS_TIMEOUT", PDS_TIMEOUT),
        row(Fault::Status500, Pds, "PDS_SERVER_ERROR", 0),
        row(Fault::HtmlBadGateway, Pds, "PDS_SERVER_ERROR", 0),
        row(Fault::ConnectionReset, Pds, "PDS_UNREACHABLE", 0),
        row(Fault::TruncatedBody, Pds, "PDS_UNREACHABLE", 0),
        row(Fault::WrongContentType, Pds, "PDS_UNEXPECTED_RESPONSE", 0),
        row(Fault::SlowDrip(ms(800)), Pds, "PDS_TIMEOUT", PDS_TIMEOUT),
        row(Fault::Hang, Pds, "PDS_TIMEOUT", PDS_TIMEOUT),
        row(Fault::Closed, Pds, "PDS_UNREACHABLE", 0),
        row(Fault::Oversized, Pds, "PDS_RESPONSE_TOO_LARGE", 0),
        row(Fault::Redirect, Pds, "PDS_REDIRECTED", 0),
        // Retry-After 1 s is waited out once, then the second 429 is the error.
        row(Fault::RateLimited(s(1)), Pds, "TOO_MANY_REQUESTS", 1),
        row(Fault::DeepJson, Pds, "PDS_UNEXPECTED_RESPONSE", 0),
        row(Fault::DeepXml, Pds, "PDS_UNEXPECTED_RESPONSE", 0),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_class_is_a_clear_error_in_time_never_a_banner() {
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox starts");
    let mut config = vmcheck_training::config(sandbox.urls());
    config.pds.timeout_secs = PDS_TIMEOUT;
    config.vandm.timeout_secs = VANDM_TIMEOUT;
    config.sds.as_mut().expect("sds").timeout_secs = SDS_TIMEOUT;
    let clock = Arc::new(ManualClock::new(now()));
    let engine = Engine::new(config, clock.clone()).expect("engine");
    let actor = engine.config().actor();
    let good = vmcheck_sandbox::patients()
        .iter()
        .find(|p| p.expected.banner == Some("green"))
        .expect("a green patient");
    let lookup = || async {
        engine.forget_endpoint();
        let result = engine.lookup(actor.as_ref(), good.nhs_number, |_| {}).await;
        LookupReport::new(&result, clock.today())
    };

    let rows = table();
    let classes: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.fault.name()).collect();
    assert!(classes.len() >= 12, "{classes:?}");
    assert_eq!(classes.len(), Fault::classes().len(), "every class is run");

    let memory_before = peak_rss_kb();
    for row in rows {
        // A good lookup first: its banner must not survive into the faulty one.
        sandbox.set_fault(None);
        sandbox.set_pds_fault(None);
        assert_eq!(lookup().await.banner.map(|b| b.as_str()), Some("green"));
        match row.at {
            Where::Spine => sandbox.set_fault(Some(row.fault.clone())),
            Where::Pds => sandbox.set_pds_fault(Some(row.fault.clone())),
        }
        let started = Instant::now();
        let r = lookup().await;
        let took = started.elapsed();
        let what = format!("{:?} at {:?}", row.fault, row.at);
        assert_eq!(r.outcome, "error", "{what}");
        assert_eq!((r.banner, r.headline), (None, None), "{what}");
        let err = r.error.expect("an error block");
        assert_eq!(err.code, row.code, "{what}: {}", err.message);
        assert!(err.message.len() > 20, "{what}: {}", err.message);
        assert!(!err.action.is_empty(), "{what}");
        assert!(
            !err.message.contains(good.nhs_number) && !err.message.contains("panic"),
            "{what}: {}",
            err.message
        );
        assert!(took <= row.within, "{what} took {took:?}");
    }
    let grown_mb = (peak_rss_kb() - memory_before) / 1024;
    assert!(
        grown_mb < 64,
        "peak memory grew by {grown_mb} MB over the fault table (a 200 MB answer included)"
    );
    sandbox.set_fault(None);
    sandbox.set_pds_fault(None);
    assert_eq!(
        lookup().await.outcome,
        "status",
        "recovers once the faults go"
    );
}
