//! The whole flow at TRACE level — sign-in (wrong then right passcode), role lookup in SDS,
//! every sandbox patient in JSON and XML with PDS's signed-JWT authentication, every fault, a
//! PDS search, the connection test, a lock — with the product's log filter; then the log is
//! scanned for every test patient's NHS number, name, date of birth, address lines and
//! postcode, the users' UUIDs, the passcodes, every PDS client assertion and access token, and
//! token fragments. None may appear.

mod common;
use common::Engine;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use vmcheck_card::soft_access::TrainingCards;
use vmcheck_core::card::soft::{SoftCard, TRAINING_CERTIFICATE};
use vmcheck_core::card::CardProfile;
use vmcheck_core::fhir::WireFormat;
use vmcheck_engine::logging::{filter, Level};
use vmcheck_engine::session::{DirectoryRoles, Mode, Session, SessionSettings};
use vmcheck_engine::{MemorySecrets, SearchTerms, SystemClock};
use vmcheck_sandbox::{Fault, Sandbox, SandboxOptions};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const PASSCODE: &str = "73915824";
const WRONG_PASSCODE: &str = "86420975";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_patient_or_user_data_reaches_the_log_at_trace_level() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    vmcheck_engine::logging::init(filter(Level::Trace), move || writer.clone(), false, true);

    // PDS with the NHS API platform's signed-JWT authentication, as in integration and live.
    let keys = vmcheck_jws::testing::rsa_key_pair();
    let sandbox = Sandbox::start(SandboxOptions {
        pds_auth: Some(vmcheck_sandbox::PdsAuthConfig::new(
            "LogScanApiKey",
            "log-scan-1",
            &keys.public_pem,
        )),
        ..SandboxOptions::default()
    })
    .await
    .expect("sandbox");
    let urls = sandbox.urls().clone();
    let mut config = vmcheck_training::config(&urls);
    config.vandm.timeout_secs = 2;
    config.pds.auth = Some(vmcheck_engine::config::PdsAuthConfig {
        api_key: "LogScanApiKey".into(),
        kid: "log-scan-1".into(),
        token_url: urls.token_url(),
        key_secret: Some("vmcheck-pds-key".into()),
        key_file: None,
    });
    let secrets = Arc::new(MemorySecrets::new());
    secrets.insert("vmcheck-pds-key", keys.private_pem.clone());
    let clock = Arc::new(SystemClock::default());

    // Sign in with a software card (same APDUs as a real one), roles from the sandbox's SDS.
    let mut lookups = 0;
    let mut engines = Vec::new();
    for format in [WireFormat::Json, WireFormat::Xml] {
        config.vandm.format = format;
        let engine =
            Engine::with_secrets(config.clone(), clock.clone(), secrets.clone()).expect("engine");
        let card = SoftCard::new(CardProfile::Piv, PASSCODE, 3, TRAINING_CERTIFICATE.to_vec());
        let session = Session::new(
            Arc::new(TrainingCards::with_card(card)),
            Arc::new(
                DirectoryRoles::from_config(&config)
                    .expect("[sds]")
                    .expect("directory"),
            ),
            engine.access(),
            clock.clone(),
            SessionSettings {
                mode: Mode::Desk,
                idle_lock: Duration::from_secs(900),
                profiles: CardProfile::defaults(),
                ods_code: vmcheck_sandbox::TRAINING_ODS_CODE.into(),
                detail_activities: vec![vmcheck_core::roles::DETAIL_ACTIVITY.into()],
            },
        );
        session.refresh_readers();
        assert!(session.sign_in(WRONG_PASSCODE.into(), false).await.is_err());
        session
            .sign_in(PASSCODE.into(), false)
            .await
            .expect("signed in");
        for p in vmcheck_sandbox::patients() {
            let r = session.lookup(p.nhs_number, |_| {}).await;
            lookups += 1;
            // Exercise the report path too (what front ends print).
            let _ =
                vmcheck_engine::LookupReport::new(&r, vmcheck_engine::Clock::today(clock.as_ref()));
        }
        for fault in [
            "500",
            "html502",
            "reset",
            "truncated",
            "wrong-content-type",
            "latency:2500ms",
        ] {
            sandbox.set_fault(Some(fault.parse::<Fault>().expect("fault")));
            let _ = session.lookup("9990000018", |_| {}).await;
        }
        sandbox.set_fault(None);
        let _ = engine.metadata().await;
        let _ = session
            .search(&SearchTerms {
                family: "Taylor".into(),
                given: Some("Mary".into()),
                gender: "female".into(),
                birth_date: "1985-04-12".into(),
                postcode: None,
            })
            .await;
        session.sign_out();
        engines.push(engine);
    }
    let credentials = sandbox.pds_credentials();
    assert!(
        credentials.len() >= 4,
        "signed-JWT PDS ran: assertions and tokens for both formats"
    );
    sandbox.shutdown().await;

    let log = String::from_utf8(buffer.0.lock().expect("lock").clone()).expect("utf8");
    assert!(
        log.lines().count() > lookups,
        "the flow logged at TRACE ({} lines)",
        log.lines().count()
    );
    assert!(
        log.contains("lookup classified"),
        "the engine's own lines are there"
    );

    let mut secrets: Vec<String> = vec![
        "LogScanApiKey".into(),
        PASSCODE.into(),
        WRONG_PASSCODE.into(),
        "eyJ".into(),
        "Bearer ".into(),
    ];
    secrets.extend(
        [
            "555021935107",
            "555021936109",
            "555021937101",
            "555021940102",
        ]
        .map(String::from),
    );
    for p in vmcheck_sandbox::patients() {
        let n = p.nhs_number;
        secrets.push(n.into());
        secrets.push(format!("{} {} {}", &n[..3], &n[3..6], &n[6..]));
        if let Some(name) = &p.name {
            secrets.push(name.family.into());
            secrets.push(name.family.to_uppercase());
            secrets.extend(name.given.iter().map(|g| g.to_string()));
        }
        if let Some(pc) = p.postcode {
            secrets.push(pc.into());
        }
        if let Some(born) = p.birth_date {
            secrets.push(born.into());
        }
        secrets.extend(p.address.iter().map(|line| line.to_string()));
    }
    secrets.extend(credentials);
    let leaks: Vec<&String> = secrets.iter().filter(|s| contains_word(&log, s)).collect();
    if !leaks.is_empty() {
        let lines: Vec<&str> = log
            .lines()
            .filter(|l| leaks.iter().any(|s| contains_word(l, s)))
            .take(6)
            .collect();
        panic!("found in the log: {leaks:?}\n{}", lines.join("\n"));
    }
}

/// Whether `needle` occurs in `hay` as a whole word (names such as "Ali" must not match
/// "INVALIDATED"; numbers must not match inside longer numbers).
fn contains_word(hay: &str, needle: &str) -> bool {
    // A number must not be part of a longer number (but "%7C9990000018" still counts); a name
    // must not be part of a longer word.
    let numeric = needle.chars().all(|c| c.is_ascii_digit() || c == ' ');
    let is_word = |c: Option<char>| {
        c.is_some_and(|c| {
            if numeric {
                c.is_ascii_digit()
            } else {
                c.is_alphabetic()
            }
        })
    };
    hay.match_indices(needle).any(|(i, _)| {
        let before = hay[..i].chars().next_back();
        let after = hay[i + needle.len()..].chars().next();
        // Token fragments ("eyJ", "Bearer ") are searched as plain substrings.
        needle.starts_with("eyJ") || needle.ends_with(' ') || (!is_word(before) && !is_word(after))
    })
}
