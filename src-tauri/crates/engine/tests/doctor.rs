//! `vmcheck doctor`'s checks against a healthy set-up (the sandbox serving V&M over mutual TLS
//! with a throwaway PKI) and against broken ones, each failing exactly the check it breaks:
//! the directory down, PDS unreachable, V&M answering 500, the clock ten minutes out, the
//! endpoint certificate expiring or expired, a secret missing, the keyring unreachable, the
//! audit log's folder unusable or its chain broken.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use vmcheck_core::doctor::Verdict;
use vmcheck_engine::config::TlsConfig;
use vmcheck_engine::doctor::{examine, DoctorReport, Patient};
use vmcheck_engine::{Clock, Config, ManualClock, MemorySecrets, NoSecrets, SecretLookup};
use vmcheck_sandbox::{Fault, Sandbox, SandboxOptions, SandboxTls};

const DAY: i64 = 86_400;

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

struct Pki {
    ca_pem: String,
    server: (String, String),
    /// Client certificates by days of validity left (negative: expired that many days ago).
    issuer: Issuer<'static, KeyPair>,
}

fn pki() -> Pki {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params
        .distinguished_name
        .push(DnType::CommonName, "Doctor Test CA");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let key = KeyPair::generate().expect("key");
    let ca = params.self_signed(&key).expect("ca");
    let issuer = Issuer::new(params, key);
    let server = leaf(&issuer, &["127.0.0.1", "localhost"], true, 365);
    Pki {
        ca_pem: ca.pem(),
        server,
        issuer,
    }
}

/// A certificate valid from a year ago until `days_left` days from now.
fn leaf(
    issuer: &Issuer<'_, KeyPair>,
    names: &[&str],
    server: bool,
    days_left: i64,
) -> (String, String) {
    let mut params =
        CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
            .expect("params");
    params.distinguished_name.push(DnType::CommonName, names[0]);
    params.extended_key_usages = vec![if server {
        ExtendedKeyUsagePurpose::ServerAuth
    } else {
        ExtendedKeyUsagePurpose::ClientAuth
    }];
    let at = |secs: i64| time::OffsetDateTime::from_unix_timestamp(secs).expect("a time");
    let now = i64::try_from(now()).expect("now");
    params.not_before = at(now - 365 * DAY);
    params.not_after = at(now + days_left * DAY + 3_600);
    let key = KeyPair::generate().expect("key");
    let cert = params.signed_by(&key, issuer).expect("signed");
    (cert.pem(), key.serialize_pem())
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

/// The sandbox serving V&M over TLS, requiring client certificates from the test CA.
async fn sandbox(pki: &Pki) -> Sandbox {
    Sandbox::start(SandboxOptions {
        tls: Some(SandboxTls {
            server_chain_pem: pki.server.0.clone().into_bytes(),
            server_key_pem: pki.server.1.clone().into_bytes(),
            client_ca_pem: Some(pki.ca_pem.clone().into_bytes()),
        }),
        ..SandboxOptions::default()
    })
    .await
    .expect("sandbox starts")
}

/// The sandbox's configuration with mutual TLS: a client certificate with `days_left` days
/// left, the audit log in `dir`.
fn config(sandbox: &Sandbox, pki: &Pki, dir: &Path, days_left: i64) -> Config {
    let mut config = vmcheck_training::config(sandbox.urls());
    config.pds.timeout_secs = 5;
    config.vandm.timeout_secs = 5;
    let client = leaf(&pki.issuer, &["vmcheck-client.test"], false, days_left);
    config.tls = Some(TlsConfig {
        ca_bundle: Some(write(dir, "ca.pem", &pki.ca_pem)),
        system_roots: false,
        client_certificate: Some(write(dir, "client.pem", &client.0)),
        key_secret: None,
        key_file: Some(write(dir, "client.key", &client.1)),
    });
    config.audit.path = Some(dir.join("audit.sqlite"));
    config
}

async fn run(
    config: Config,
    secrets: Arc<dyn SecretLookup>,
    clock: Arc<dyn Clock>,
) -> DoctorReport {
    examine(Patient {
        config: Ok(config),
        source: "a test configuration".into(),
        secrets,
        clock,
        cards: None,
    })
    .await
}

fn real_clock() -> Arc<dyn Clock> {
    Arc::new(vmcheck_engine::SystemClock::default())
}

fn verdict(report: &DoctorReport, id: &str) -> Verdict {
    report
        .get(id)
        .unwrap_or_else(|| panic!("no {id} check in {report:#?}"))
        .verdict
}

/// Every check but `broken` passes or is skipped as not configured; `broken` has `expected`,
/// says why and what to do.
fn only(report: &DoctorReport, broken: &str, expected: Verdict) {
    for c in &report.checks {
        if c.id == broken {
            assert_eq!(c.verdict, expected, "{c:#?}");
            assert!(
                c.fix.is_some(),
                "a {broken} problem says what to do: {c:#?}"
            );
        } else {
            assert!(
                matches!(c.verdict, Verdict::Pass | Verdict::Skip),
                "only {broken} should be wrong: {c:#?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_healthy_desk_passes_every_check_it_has() {
    let pki = pki();
    let sandbox = sandbox(&pki).await;
    let dir = tempfile::tempdir().expect("tmp");
    let report = run(
        config(&sandbox, &pki, dir.path(), 200),
        Arc::new(MemorySecrets::new()),
        real_clock(),
    )
    .await;
    assert!(!report.failed(), "{report:#?}");
    for id in [
        "config",
        "audit",
        "sds",
        "pds",
        "care_connect",
        "vandm",
        "clock",
        "certificate",
    ] {
        assert_eq!(verdict(&report, id), Verdict::Pass, "{report:#?}");
    }
    let care_connect = report.get("care_connect").expect("care_connect");
    assert!(
        care_connect
            .detail
            .contains("searches patients by identifier"),
        "{care_connect:?}"
    );
    assert_eq!(
        sandbox.care_connect_request_count(),
        0,
        "no patient was searched for"
    );
    let vandm = report.get("vandm").expect("vandm");
    assert!(vandm.detail.contains("over mutual TLS"), "{vandm:?}");
    let clock = report.get("clock").expect("clock");
    assert!(
        clock.detail.contains("PDS") && clock.detail.contains("Spine"),
        "{clock:?}"
    );
    assert!(report
        .get("certificate")
        .expect("cert")
        .detail
        .contains("200 more days"));
    // The audit log was not started by the doctor: no record was written.
    assert!(!dir.path().join("audit.sqlite").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn each_broken_part_fails_its_own_check() {
    let pki = pki();
    let sandbox = sandbox(&pki).await;
    let dir = tempfile::tempdir().expect("tmp");
    let good = || config(&sandbox, &pki, dir.path(), 200);
    let memory = || -> Arc<dyn SecretLookup> { Arc::new(MemorySecrets::new()) };

    // The directory down: SDS fails, V&M is not reached.
    sandbox.set_fault(Some(Fault::SdsDown));
    let report = run(good(), memory(), real_clock()).await;
    assert_eq!(verdict(&report, "sds"), Verdict::Fail, "{report:#?}");
    assert_eq!(verdict(&report, "vandm"), Verdict::Skip);
    assert_eq!(verdict(&report, "pds"), Verdict::Pass);
    sandbox.set_fault(None);

    // V&M answering 500.
    sandbox.set_fault(Some(Fault::Status500));
    let report = run(good(), memory(), real_clock()).await;
    only(&report, "vandm", Verdict::Fail);
    sandbox.set_fault(None);

    // PDS where nothing listens.
    let mut pds_gone = good();
    pds_gone.pds.base_url = "http://127.0.0.1:9/personal-demographics/FHIR/R4".into();
    let report = run(pds_gone, memory(), real_clock()).await;
    only(&report, "pds", Verdict::Fail);

    // The trust's Care Connect server where nothing listens, then answering 500: lookups by
    // NHS number are unaffected, so only its own check fails. Not configured: skipped.
    let mut care_connect_gone = good();
    if let Some(cc) = care_connect_gone.care_connect.as_mut() {
        cc.base_url = "http://127.0.0.1:9/care-connect/STU3".into();
    }
    let report = run(care_connect_gone, memory(), real_clock()).await;
    only(&report, "care_connect", Verdict::Fail);
    sandbox.set_care_connect_fault(Some(Fault::Status500));
    let report = run(good(), memory(), real_clock()).await;
    only(&report, "care_connect", Verdict::Fail);
    assert!(report
        .get("care_connect")
        .expect("care_connect")
        .detail
        .contains("HTTP 500"));
    sandbox.set_care_connect_fault(None);
    let mut no_care_connect = good();
    no_care_connect.care_connect = None;
    let report = run(no_care_connect, memory(), real_clock()).await;
    assert_eq!(verdict(&report, "care_connect"), Verdict::Skip);
    assert!(!report.failed(), "{report:#?}");

    // The clock ten minutes ahead, then one minute behind.
    let ahead: Arc<dyn Clock> = Arc::new(ManualClock::new(now() + 600));
    let report = run(good(), memory(), ahead).await;
    only(&report, "clock", Verdict::Fail);
    assert!(report.get("clock").expect("clock").detail.contains("ahead"));
    let behind: Arc<dyn Clock> = Arc::new(ManualClock::new(now() - 60));
    let report = run(good(), memory(), behind).await;
    assert_eq!(verdict(&report, "clock"), Verdict::Warn, "{report:#?}");
    assert!(!report.failed(), "a warning is not a failure");

    // The endpoint certificate in its last days, then expired.
    let report = run(
        config(&sandbox, &pki, dir.path(), 10),
        memory(),
        real_clock(),
    )
    .await;
    assert_eq!(
        verdict(&report, "certificate"),
        Verdict::Warn,
        "{report:#?}"
    );
    assert!(report
        .get("certificate")
        .expect("c")
        .detail
        .contains("expires in 10 day"));
    assert!(!report.failed());
    let report = run(
        config(&sandbox, &pki, dir.path(), -3),
        memory(),
        real_clock(),
    )
    .await;
    assert_eq!(
        verdict(&report, "certificate"),
        Verdict::Fail,
        "{report:#?}"
    );
    assert_eq!(
        verdict(&report, "vandm"),
        Verdict::Fail,
        "Spine refuses it too"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_keyring_and_the_audit_log_are_checked_before_any_service() {
    let pki = pki();
    let sandbox = sandbox(&pki).await;
    let dir = tempfile::tempdir().expect("tmp");

    // The TLS key named in the keyring, and not there.
    let mut named = config(&sandbox, &pki, dir.path(), 200);
    if let Some(tls) = named.tls.as_mut() {
        tls.key_file = None;
        tls.key_secret = Some("vmcheck-tls-key".into());
    }
    named.environment = vmcheck_engine::Environment::Sandbox;
    let report = run(named.clone(), Arc::new(MemorySecrets::new()), real_clock()).await;
    assert_eq!(verdict(&report, "keyring"), Verdict::Fail, "{report:#?}");
    let keyring = report.get("keyring").expect("keyring");
    assert!(
        keyring.detail.contains("vmcheck-tls-key (tls.key_secret)"),
        "{keyring:?}"
    );
    assert!(keyring
        .fix
        .as_deref()
        .is_some_and(|f| f.contains("vmcheck secrets import")));
    // Imported: the keyring passes.
    let key = std::fs::read(dir.path().join("client.key")).expect("key");
    let secrets = MemorySecrets::new();
    secrets.insert("vmcheck-tls-key", key);
    let report = run(named.clone(), Arc::new(secrets), real_clock()).await;
    assert_eq!(verdict(&report, "keyring"), Verdict::Pass, "{report:#?}");
    assert!(!report.failed(), "{report:#?}");
    // No keyring at all.
    let report = run(named, Arc::new(NoSecrets), real_clock()).await;
    assert_eq!(verdict(&report, "keyring"), Verdict::Fail, "{report:#?}");
    assert!(report
        .get("keyring")
        .expect("k")
        .detail
        .contains("unreachable or locked"));

    // The audit log's folder is a file.
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, b"x").expect("file");
    let mut unusable = config(&sandbox, &pki, dir.path(), 200);
    unusable.audit.path = Some(blocker.join("audit.sqlite"));
    let report = run(unusable, Arc::new(MemorySecrets::new()), real_clock()).await;
    only(&report, "audit", Verdict::Fail);

    // A log with a record edited after the fact.
    let log_dir = tempfile::tempdir().expect("tmp");
    let mut logged = config(&sandbox, &pki, log_dir.path(), 200);
    let secrets: Arc<dyn SecretLookup> = Arc::new(MemorySecrets::new());
    {
        let access =
            vmcheck_engine::PatientAccess::open(logged.clone(), real_clock(), secrets.clone())
                .expect("the audited path opens");
        let actor = logged.actor().expect("identity");
        let result = access
            .lookup(Some(&actor), "9990000018", None, |_| {})
            .await;
        assert!(
            matches!(result.outcome, vmcheck_engine::Outcome::Status { .. }),
            "a status was shown"
        );
    }
    let report = run(logged.clone(), secrets.clone(), real_clock()).await;
    assert_eq!(verdict(&report, "audit"), Verdict::Pass, "{report:#?}");
    assert!(report
        .get("audit")
        .expect("a")
        .detail
        .contains("2 record(s), chain intact"));
    // Edited by hand, the append-only triggers dropped first, as someone covering tracks would.
    let db = rusqlite::Connection::open(log_dir.path().join("audit.sqlite")).expect("db");
    let triggers: Vec<String> = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    for t in triggers {
        db.execute(&format!("DROP TRIGGER \"{t}\""), [])
            .expect("dropped");
    }
    db.execute(
        "UPDATE audit_record SET nhs_number = '9990000026' WHERE seq = 1",
        [],
    )
    .expect("edited");
    drop(db);
    logged.audit.path = Some(log_dir.path().join("audit.sqlite"));
    let report = run(logged, secrets, real_clock()).await;
    only(&report, "audit", Verdict::Fail);
    assert!(report
        .get("audit")
        .expect("a")
        .detail
        .contains("broken at record 1"));
}

#[tokio::test]
async fn an_unusable_configuration_fails_first_and_skips_the_rest() {
    let report = examine(Patient {
        config: Err("pds.base_url: missing".into()),
        source: "/etc/vmcheck/config.toml".into(),
        secrets: Arc::new(NoSecrets),
        clock: real_clock(),
        cards: None,
    })
    .await;
    assert!(report.failed());
    assert_eq!(verdict(&report, "config"), Verdict::Fail);
    assert!(report.checks[0]
        .detail
        .contains("/etc/vmcheck/config.toml: pds.base_url: missing"));
    assert_eq!(report.checks.len(), 10, "every check is listed");
    assert!(report.checks[1..]
        .iter()
        .all(|c| c.verdict == Verdict::Skip));
}
