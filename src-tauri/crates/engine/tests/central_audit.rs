//! The central audit store against a real PostgreSQL server (Debian's, a throw-away cluster
//! started by these tests on loopback with TLS and password authentication, stopped after):
//! several desks forwarding at once, the server killed mid-stream, the server away for a while,
//! and a forged, reordered or truncated central store found by the verifier.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use vmcheck_audit::{append_checkpoint, Action, AuditKey, AuditLog, BrokenReason, NewRecord};
use vmcheck_central::testing::Pg;
use vmcheck_central::{CentralSettings, CentralStore};
use vmcheck_engine::central::{self, Forwarder};
use vmcheck_engine::config::{CentralAuditConfig, Config};
use vmcheck_engine::MemorySecrets;

const PASSWORD: &str = "central-test-password";
const PASSWORD_ENTRY: &str = "vmcheck-central-audit-password";

fn pg() -> Pg {
    Pg::start(Some(PASSWORD))
}

fn central_config(pg: &Pg) -> CentralAuditConfig {
    CentralAuditConfig {
        host: "127.0.0.1".into(),
        port: pg.port(),
        dbname: "vmcheck_audit".into(),
        user: "vmcheck".into(),
        password_secret: Some(PASSWORD_ENTRY.into()),
        ca_file: Some(pg.ca_file()),
        connect_timeout_secs: 2,
        forward_every_secs: 1,
    }
}

/// The settings as the engine makes them: the password from the keyring.
fn settings(pg: &Pg) -> CentralSettings {
    let secrets = MemorySecrets::new();
    secrets.insert(PASSWORD_ENTRY, PASSWORD);
    central::settings(&central_config(pg), &secrets).expect("settings")
}

/// One desk: its audit log (its own key) and checkpoint file.
struct Desk {
    _dir: tempfile::TempDir,
    log: Arc<AuditLog>,
    checkpoints: PathBuf,
}

fn desk(n: u8) -> Desk {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.sqlite");
    let key = AuditKey::from_bytes(&[n; 32]).expect("key");
    let log = Arc::new(AuditLog::open(&path, key).expect("log"));
    Desk {
        checkpoints: dir.path().join("audit.sqlite.checkpoints"),
        _dir: dir,
        log,
    }
}

impl Desk {
    fn record(&self, i: i64) {
        let mut r = NewRecord::new(1_796_342_400 + i, "555021935107", "RRK99", Action::Lookup);
        r.nhs_number = Some("9990000018".into());
        r.trace_id = Some(format!("trace-{i}"));
        self.log.append(r).expect("append");
    }

    fn checkpoint(&self, time: i64) {
        let cp = self
            .log
            .checkpoint(time)
            .expect("checkpoint")
            .expect("a head");
        append_checkpoint(&self.checkpoints, &cp).expect("write checkpoint");
    }

    fn id(&self) -> String {
        self.log.installation_id().to_owned()
    }

    fn forwarder(&self, pg: &Pg, every: Duration) -> Forwarder {
        Forwarder::start(
            Arc::clone(&self.log),
            settings(pg),
            Some(self.checkpoints.clone()),
            every,
        )
        .expect("forwarder")
    }
}

fn central_count(pg: &Pg, installation: &str) -> (i64, i64, i64) {
    let out = pg.sql(
        "vmcheck_audit",
        &format!(
            "SELECT count(*), count(DISTINCT seq), coalesce(max(seq), 0) FROM audit_record \
             WHERE installation = '{installation}'"
        ),
    );
    let v: Vec<i64> = out.split('|').map(|x| x.parse().expect("number")).collect();
    (v[0], v[1], v[2])
}

fn wait_for(what: &str, timeout: Duration, mut ok: impl FnMut() -> bool) {
    let until = Instant::now() + timeout;
    while !ok() {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_desks_writing_at_once_land_in_order_exactly_once() {
    let pg = pg();
    let desks: Vec<Desk> = (1..=3).map(desk).collect();
    let forwarders: Vec<Forwarder> = desks
        .iter()
        .map(|d| d.forwarder(&pg, Duration::from_millis(50)))
        .collect();
    std::thread::scope(|s| {
        for d in &desks {
            s.spawn(move || {
                for i in 1..=300 {
                    d.record(i);
                    if i % 100 == 0 {
                        d.checkpoint(1_796_342_400 + i);
                    }
                    if i % 20 == 0 {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                }
            });
        }
    });
    for f in &forwarders {
        assert!(f.drain(300, Duration::from_secs(30)), "{:?}", f.status());
        assert_eq!(f.status().spool_depth(), Some(0));
    }
    for d in &desks {
        assert_eq!(
            central_count(&pg, &d.id()),
            (300, 300, 300),
            "every record once, none missing"
        );
    }
    drop(forwarders);
    // Checkpoints are forwarded after the records they name.
    let settings = settings(&pg);
    let report = central::verify(&desks[0].log, &settings)
        .await
        .expect("verify");
    assert_eq!(report.installations.len(), 3);
    assert!(report.is_intact(), "{report:?}");
    for i in &report.installations {
        assert_eq!(i.chain.records, 300);
        assert_eq!(i.checkpoints, 3, "{}", i.installation);
        assert_eq!(
            i.chain.keyed_checked,
            i.installation == desks[0].id(),
            "hashes are checked with the key of the desk verifying"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_stream_loses_and_duplicates_nothing() {
    let pg = pg();
    let d = desk(4);
    let forwarder = d.forwarder(&pg, Duration::from_millis(20));
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 1..=400 {
                // Recording goes on whatever the central store does: the log is the spool.
                d.record(i);
                std::thread::sleep(Duration::from_millis(2));
            }
        });
        wait_for("some records forwarded", Duration::from_secs(20), || {
            forwarder.status().central_head.unwrap_or(0) > 50
        });
        pg.kill();
        wait_for("the loss noticed", Duration::from_secs(20), || {
            !forwarder.status().connected
        });
        pg.up();
    });
    assert!(
        forwarder.drain(400, Duration::from_secs(30)),
        "{:?}",
        forwarder.status()
    );
    assert_eq!(central_count(&pg, &d.id()), (400, 400, 400));
    let report = central::verify(&d.log, &settings(&pg))
        .await
        .expect("verify");
    assert!(report.is_intact(), "{report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_spool_grows_while_the_server_is_away_and_drains_when_it_is_back() {
    let pg = pg();
    let d = desk(5);
    let forwarder = d.forwarder(&pg, Duration::from_millis(50));
    for i in 1..=50 {
        d.record(i);
    }
    assert!(forwarder.drain(50, Duration::from_secs(20)));
    pg.stop();
    for i in 51..=250 {
        d.record(i);
    }
    forwarder.wake();
    wait_for("the spool measured", Duration::from_secs(20), || {
        let s = forwarder.status();
        !s.connected && s.local_head == 250
    });
    let status = forwarder.status();
    assert_eq!(status.spool_depth(), Some(200), "{status:?}");
    // A command ending while the store is away does not wait out its time: the first attempt
    // after it fails, and the records stay spooled for the next run.
    let asked = Instant::now();
    assert!(!forwarder.settle(250, Duration::from_secs(120)));
    assert!(
        asked.elapsed() < Duration::from_secs(60),
        "settle waited {:?} for a store that is away",
        asked.elapsed()
    );
    assert_eq!(forwarder.status().spool_depth(), Some(200));
    assert!(status
        .last_error
        .as_deref()
        .is_some_and(|e| e.contains("cannot be reached") || e.contains("failed")));
    pg.up();
    assert!(forwarder.drain(250, Duration::from_secs(30)));
    assert_eq!(forwarder.status().spool_depth(), Some(0));
    assert_eq!(central_count(&pg, &d.id()), (250, 250, 250));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_reordered_or_truncated_central_store_is_reported() {
    let pg = pg();
    let settings = settings(&pg);
    let (a, b) = (desk(6), desk(7));
    for d in [&a, &b] {
        for i in 1..=20 {
            d.record(i);
        }
        d.checkpoint(1_796_343_000);
        let mut store = CentralStore::connect(&settings).await.expect("connect");
        let (new, head) = central::forward(&d.log, &mut store, Some(&d.checkpoints))
            .await
            .expect("forward");
        assert_eq!((new, head), (20, 20));
        // Forwarding again sends nothing twice.
        let again = central::forward(&d.log, &mut store, Some(&d.checkpoints))
            .await
            .expect("forward again");
        assert_eq!(again, (0, 20));
    }
    let intact = central::verify(&a.log, &settings).await.expect("verify");
    assert!(intact.is_intact(), "{intact:?}");

    // A's record 7 edited centrally: its hash no longer matches (checked with A's key).
    pg.sql(
        "vmcheck_audit",
        &format!(
            "UPDATE audit_record SET nhs_number = '9990000026' WHERE installation = '{}' AND seq = 7",
            a.id()
        ),
    );
    // B's records 4 and 5 swapped: the links break, which needs no key.
    for (from, to) in [(4, 1000), (5, 4), (1000, 5)] {
        pg.sql(
            "vmcheck_audit",
            &format!(
                "UPDATE audit_record SET seq = {to} WHERE installation = '{}' AND seq = {from}",
                b.id()
            ),
        );
    }
    let report = central::verify(&a.log, &settings).await.expect("verify");
    let of = |d: &Desk| {
        report
            .installations
            .iter()
            .find(|i| i.installation == d.id())
            .expect("installation")
            .clone()
    };
    let (ra, rb) = (of(&a), of(&b));
    assert_eq!(
        ra.chain
            .first_broken
            .as_ref()
            .map(|x| (x.seq, x.reason.clone())),
        Some((7, BrokenReason::HashMismatch))
    );
    assert_eq!(
        rb.chain
            .first_broken
            .as_ref()
            .map(|x| (x.seq, x.reason.clone())),
        Some((4, BrokenReason::PrevHashMismatch))
    );
    assert!(!rb.chain.keyed_checked);

    // A's last records removed centrally: its checkpoint names a record no longer there.
    pg.sql(
        "vmcheck_audit",
        &format!(
            "DELETE FROM audit_record WHERE installation = '{}' AND seq > 15",
            a.id()
        ),
    );
    let report = central::verify(&a.log, &settings).await.expect("verify");
    let ra = report
        .installations
        .iter()
        .find(|i| i.installation == a.id())
        .expect("a");
    assert_eq!(ra.checkpoint_problems.len(), 1, "{ra:?}");
    assert!(ra.checkpoint_problems[0].contains("record 20"));
    assert!(!report.is_intact());
}

#[test]
fn a_central_store_off_this_machine_needs_the_trusts_ca() {
    let toml = |extra: &str| {
        format!(
            "environment = \"sandbox\"\n[organisation]\nods_code = \"RRK99\"\nname = \"T\"\n\
             client_asid = \"200000000359\"\nissuer = \"https://t.invalid\"\n\
             [pds]\nbase_url = \"http://127.0.0.1:1\"\n[sds]\nldap_url = \"ldap://127.0.0.1:1\"\n\
             [audit.central]\nhost = \"audit.trust.nhs.uk\"\nuser = \"desk\"\n{extra}"
        )
    };
    let err = Config::parse(&toml("")).expect_err("no CA for a remote server");
    assert!(err.to_string().contains("audit.central.ca_file"), "{err}");
    let ok = Config::parse(&toml("ca_file = \"/etc/vmcheck/trust-ca.pem\"\n")).expect("valid");
    let central = ok.audit.central.expect("central");
    assert_eq!(
        (central.port, central.dbname.as_str()),
        (5432, "vmcheck_audit")
    );
    let local = Config::parse(&toml("").replace("audit.trust.nhs.uk", "127.0.0.1"))
        .expect("a server on this machine may be reached without TLS");
    assert!(local.audit.central.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_doctor_reports_the_central_store_and_the_spool() {
    use vmcheck_core::doctor::Verdict;
    use vmcheck_engine::doctor::{examine, Patient};
    let pg = pg();
    let dir = tempfile::tempdir().expect("tempdir");
    let log_path = dir.path().join("audit.sqlite");
    let mut config = Config::parse(&format!(
        "environment = \"sandbox\"\n[organisation]\nods_code = \"RRK99\"\nname = \"T\"\n\
         client_asid = \"200000000359\"\nissuer = \"https://t.invalid\"\n\
         [pds]\nbase_url = \"http://127.0.0.1:1\"\n[sds]\nldap_url = \"ldap://127.0.0.1:1\"\n\
         [audit]\npath = \"{}\"\n",
        log_path.display()
    ))
    .expect("config");
    config.audit.central = Some(central_config(&pg));
    let secrets = Arc::new(MemorySecrets::new());
    secrets.insert(PASSWORD_ENTRY, PASSWORD);
    // Three records on this desk, none forwarded yet.
    let log = vmcheck_engine::audit::open(&config, secrets.as_ref()).expect("log");
    let d = Desk {
        _dir: tempfile::tempdir().expect("tempdir"),
        checkpoints: dir.path().join("cp"),
        log,
    };
    for i in 1..=3 {
        d.record(i);
    }
    let check = |secrets: Arc<MemorySecrets>, config: Config| async move {
        examine(Patient {
            config: Ok(config),
            source: "a test configuration".into(),
            secrets,
            clock: Arc::new(vmcheck_engine::SystemClock::default()),
            cards: None,
        })
        .await
        .get("central_audit")
        .expect("central audit line")
        .clone()
    };
    let up = check(Arc::clone(&secrets), config.clone()).await;
    assert_eq!(up.verdict, Verdict::Pass, "{up:?}");
    assert!(up.detail.contains("3 waiting"), "{}", up.detail);

    pg.stop();
    let down = check(Arc::clone(&secrets), config.clone()).await;
    assert_eq!(down.verdict, Verdict::Warn, "{down:?}");
    assert!(down.detail.contains("cannot be reached"), "{}", down.detail);
    assert!(down.fix.is_some());

    // No password in the keyring: a configuration problem, not a network one.
    let down = check(Arc::new(MemorySecrets::new()), config).await;
    assert_eq!(down.verdict, Verdict::Fail, "{down:?}");
    assert!(down.detail.contains("password"), "{}", down.detail);
}
