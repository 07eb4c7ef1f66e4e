//! Mutual TLS end to end: the engine against the sandbox's V&M endpoint served over TLS, with a
//! throwaway PKI made by `rcgen` for each run (a test CA, another CA, server certificates good,
//! expired and for the wrong name, client certificates good, expired and from the other CA).
//!
//! Every failure must be an error with no banner, a code naming the cause
//! (`SPINE_TLS_…`), a message that says what is wrong with the certificates — never just
//! "connection failed" — and no NHS number or URL in its texts.

mod common;
use common::Engine;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use vmcheck_engine::config::TlsConfig;
use vmcheck_engine::{
    Clock, Config, Environment, LookupError, LookupReport, ManualClock, MemorySecrets,
};
use vmcheck_sandbox::{Sandbox, SandboxOptions, SandboxTls};

/// A patient with a status (Y + F).
const MARY: &str = "9990000018";
/// The keyring entry name of the tests.
const KEY_SECRET: &str = "vmcheck-tls-key";

/// A certificate authority that can sign.
struct Ca {
    pem: String,
    issuer: Issuer<'static, KeyPair>,
}

/// A certificate and its key, in PEM.
struct Leaf {
    cert: String,
    key: String,
}

fn new_ca(name: &str) -> Ca {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let key = KeyPair::generate().expect("key");
    let cert = params.self_signed(&key).expect("ca cert");
    Ca {
        pem: cert.pem(),
        issuer: Issuer::new(params, key),
    }
}

enum Use {
    Server,
    Client,
}

fn leaf(ca: &Ca, names: &[&str], usage: Use, expired: bool) -> Leaf {
    let mut params =
        CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
            .expect("params");
    params.distinguished_name.push(
        DnType::CommonName,
        names.first().copied().unwrap_or("client"),
    );
    params.extended_key_usages = vec![match usage {
        Use::Server => ExtendedKeyUsagePurpose::ServerAuth,
        Use::Client => ExtendedKeyUsagePurpose::ClientAuth,
    }];
    if expired {
        params.not_before = date_time_ymd(2020, 1, 1);
        params.not_after = date_time_ymd(2021, 1, 1);
    }
    let key = KeyPair::generate().expect("key");
    let cert = params.signed_by(&key, &ca.issuer).expect("signed");
    Leaf {
        cert: cert.pem(),
        key: key.serialize_pem(),
    }
}

/// The whole test PKI.
struct Pki {
    ca: Ca,
    other_ca: Ca,
    server: Leaf,
    server_expired: Leaf,
    server_localhost_only: Leaf,
    server_ip_only: Leaf,
    server_from_other_ca: Leaf,
    client: Leaf,
    client_expired: Leaf,
    client_from_other_ca: Leaf,
}

fn pki() -> Pki {
    let ca = new_ca("V&M Check Test CA");
    let other_ca = new_ca("Another Test CA");
    let both = ["127.0.0.1", "localhost"];
    Pki {
        server: leaf(&ca, &both, Use::Server, false),
        server_expired: leaf(&ca, &both, Use::Server, true),
        server_localhost_only: leaf(&ca, &["localhost"], Use::Server, false),
        server_ip_only: leaf(&ca, &["127.0.0.1"], Use::Server, false),
        server_from_other_ca: leaf(&other_ca, &both, Use::Server, false),
        client: leaf(&ca, &["vmcheck-client.test"], Use::Client, false),
        client_expired: leaf(&ca, &["vmcheck-client.test"], Use::Client, true),
        client_from_other_ca: leaf(&other_ca, &["vmcheck-client.test"], Use::Client, false),
        ca,
        other_ca,
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

/// A sandbox serving V&M over TLS with `server`, requiring client certificates from `client_ca`.
async fn sandbox(server: &Leaf, client_ca: Option<&Ca>) -> Sandbox {
    let sandbox = Sandbox::start(SandboxOptions {
        tls: Some(SandboxTls {
            server_chain_pem: server.cert.clone().into_bytes(),
            server_key_pem: server.key.clone().into_bytes(),
            client_ca_pem: client_ca.map(|c| c.pem.clone().into_bytes()),
        }),
        ..SandboxOptions::default()
    })
    .await
    .expect("sandbox starts");
    assert!(sandbox.urls().vandm_base.starts_with("https://127.0.0.1:"));
    sandbox
}

fn config_for(sandbox: &Sandbox) -> Config {
    let urls = sandbox.urls();
    let mut config = vmcheck_training::config(urls);
    config.pds.timeout_secs = 5;
    config.vandm.timeout_secs = 5;
    config
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

/// `[tls]` trusting `trusted`, presenting `client` (key from a file) when given.
fn tls_config(dir: &Path, trusted: &Ca, client: Option<&Leaf>) -> TlsConfig {
    TlsConfig {
        ca_bundle: Some(write(dir, "ca.pem", &trusted.pem)),
        system_roots: false,
        client_certificate: client.map(|c| write(dir, "client.pem", &c.cert)),
        key_secret: None,
        key_file: client.map(|c| write(dir, "client.key", &c.key)),
    }
}

async fn lookup(engine: &Engine) -> LookupReport {
    let actor = engine.config().actor();
    let result = engine.lookup(actor.as_ref(), MARY, |_| {}).await;
    LookupReport::new(&result, ManualClock::new(now()).today())
}

/// Checks an error report: no banner, the code, texts naming `cause`, nothing identifying.
fn assert_tls_error(report: &LookupReport, code: &str, cause: &[&str]) {
    assert_eq!(report.outcome, "error", "{report:?}");
    assert!(
        report.banner.is_none() && report.headline.is_none() && report.basic.is_none(),
        "an error is never a banner"
    );
    let error = report.error.as_ref().expect("error");
    assert_eq!(error.code, code, "{}", error.message);
    for c in cause {
        assert!(error.message.contains(c), "{c:?} not in {}", error.message);
    }
    assert!(error.message.contains("certificate"), "{}", error.message);
    assert!(
        !error.message.contains("connection failed") && !error.message.contains("error sending"),
        "{}",
        error.message
    );
    assert!(error.action.contains("IT") || error.action.contains("date and time"));
    for text in [&error.message, &error.action] {
        assert!(!text.contains(MARY), "an NHS number in {text}");
        assert!(
            !text.contains("://127.0.0.1")
                && !text.contains("://localhost")
                && !text.contains("/fhir"),
            "a URL in {text}"
        );
    }
}

/// Runs a lookup with `tls` against a sandbox serving `server`, requiring client certificates
/// from the test CA.
async fn run(
    server: &Leaf,
    client_ca: Option<&Ca>,
    edit: impl FnOnce(&mut Config),
) -> (LookupReport, u64) {
    let sandbox = sandbox(server, client_ca).await;
    let mut config = config_for(&sandbox);
    edit(&mut config);
    let engine = Engine::new(config, Arc::new(ManualClock::new(now()))).expect("engine");
    let report = lookup(&engine).await;
    let answered = sandbox.request_count();
    sandbox.shutdown().await;
    (report, answered)
}

#[tokio::test]
async fn a_good_client_certificate_with_its_key_in_the_keyring_gets_a_status() {
    let pki = pki();
    let dir = tempfile::tempdir().expect("tmp");
    let sandbox = sandbox(&pki.server, Some(&pki.ca)).await;
    let mut config = config_for(&sandbox);
    config.tls = Some(TlsConfig {
        key_secret: Some(KEY_SECRET.to_owned()),
        key_file: None,
        ..tls_config(dir.path(), &pki.ca, Some(&pki.client))
    });
    let secrets = Arc::new(MemorySecrets::new());
    secrets.insert(KEY_SECRET, pki.client.key.clone().into_bytes());
    let engine =
        Engine::with_secrets(config, Arc::new(ManualClock::new(now())), secrets).expect("engine");
    let report = lookup(&engine).await;
    assert_eq!(report.outcome, "status", "{:?}", report.error);
    assert!(report.banner.is_some());
    assert_eq!(report.basic, Some("Y"));
    let (_, conformance) = engine.metadata().await.expect("metadata over mutual TLS");
    assert_eq!(conformance.fhir_version.as_deref(), Some("1.0.1"));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_key_file_works_in_the_sandbox() {
    let pki = pki();
    let dir = tempfile::tempdir().expect("tmp");
    let (report, _) = run(&pki.server, Some(&pki.ca), |c| {
        c.tls = Some(tls_config(dir.path(), &pki.ca, Some(&pki.client)));
    })
    .await;
    assert_eq!(report.outcome, "status", "{:?}", report.error);
}

#[tokio::test]
async fn no_client_certificate_is_refused_as_certificate_required() {
    let pki = pki();
    let dir = tempfile::tempdir().expect("tmp");
    let (report, answered) = run(&pki.server, Some(&pki.ca), |c| {
        c.tls = Some(tls_config(dir.path(), &pki.ca, None));
    })
    .await;
    assert_tls_error(
        &report,
        "SPINE_TLS_CLIENT_CERT_REFUSED",
        &["client certificate", "certificate_required"],
    );
    assert_eq!(answered, 0, "nothing reached the V&M handler");
}

#[tokio::test]
async fn a_client_certificate_from_another_ca_is_refused_as_unknown_ca() {
    let pki = pki();
    let dir = tempfile::tempdir().expect("tmp");
    let (report, answered) = run(&pki.server, Some(&pki.ca), |c| {
        c.tls = Some(tls_config(
            dir.path(),
            &pki.ca,
            Some(&pki.client_from_other_ca),
        ));
    })
    .await;
    assert_tls_error(
        &report,
        "SPINE_TLS_CLIENT_CERT_REFUSED",
        &["client certificate", "unknown_ca"],
    );
    assert_eq!(answered, 0);
}

#[tokio::test]
async fn an_expired_client_certificate_is_refused() {
    let pki = pki();
    let dir = tempfile::tempdir().expect("tmp");
    let (report, answered) = run(&pki.server, Some(&pki.ca), |c| {
        c.tls = Some(tls_config(dir.path(), &pki.ca, Some(&pki.client_expired)));
    })
    .await;
    assert_tls_error(
        &report,
        "SPINE_TLS_CLIENT_CERT_REFUSED",
        &["client certificate", "certificate_expired", "expired"],
    );
    assert_eq!(answered, 0);
}

#[tokio::test]
async fn a_server_certificate_from_an_untrusted_ca_is_refused() {
    let pki = pki();
    let dir = tempfile::tempdir().expect("tmp");
    let (report, answered) = run(&pki.server_from_other_ca, Some(&pki.ca), |c| {
        c.tls = Some(tls_config(dir.path(), &pki.ca, Some(&pki.client)));
    })
    .await;
    assert_tls_error(
        &report,
        "SPINE_TLS_UNTRUSTED",
        &[
            "server's certificate",
            "not issued by a certificate authority",
        ],
    );
    assert_eq!(answered, 0);
    // Trusting the other CA instead makes the same server acceptable.
    let dir = tempfile::tempdir().expect("tmp");
    let (report, _) = run(&pki.server_from_other_ca, Some(&pki.ca), |c| {
        c.tls = Some(TlsConfig {
            ca_bundle: Some(write(dir.path(), "other.pem", &pki.other_ca.pem)),
            ..tls_config(dir.path(), &pki.ca, Some(&pki.client))
        });
    })
    .await;
    assert_eq!(report.outcome, "status", "{:?}", report.error);
}

#[tokio::test]
async fn an_expired_server_certificate_is_refused() {
    let pki = pki();
    let dir = tempfile::tempdir().expect("tmp");
    let (report, answered) = run(&pki.server_expired, Some(&pki.ca), |c| {
        c.tls = Some(tls_config(dir.path(), &pki.ca, Some(&pki.client)));
    })
    .await;
    assert_tls_error(
        &report,
        "SPINE_TLS_EXPIRED",
        &["server's certificate has expired"],
    );
    assert_eq!(answered, 0);
}

#[tokio::test]
async fn a_server_certificate_for_another_name_is_refused_naming_both() {
    let pki = pki();
    let dir = tempfile::tempdir().expect("tmp");
    // SDS gives https://127.0.0.1:P/fhir; the certificate is for localhost only.
    let (report, answered) = run(&pki.server_localhost_only, Some(&pki.ca), |c| {
        c.tls = Some(tls_config(dir.path(), &pki.ca, Some(&pki.client)));
    })
    .await;
    assert_tls_error(
        &report,
        "SPINE_TLS_HOSTNAME",
        &["not valid for 127.0.0.1", "it is for localhost"],
    );
    assert_eq!(answered, 0);

    // The other way round: a fixed endpoint at localhost, a certificate for 127.0.0.1 only.
    let sandbox = sandbox(&pki.server_ip_only, Some(&pki.ca)).await;
    let mut config = config_for(&sandbox);
    config.tls = Some(tls_config(dir.path(), &pki.ca, Some(&pki.client)));
    config.vandm.endpoint = Some(sandbox.urls().vandm_base.replace("127.0.0.1", "localhost"));
    config.vandm.spine_asid = Some(vmcheck_sandbox::directory::SPINE_ASID.to_owned());
    let engine = Engine::new(config, Arc::new(ManualClock::new(now()))).expect("engine");
    let report = lookup(&engine).await;
    assert_tls_error(
        &report,
        "SPINE_TLS_HOSTNAME",
        &["not valid for localhost", "it is for 127.0.0.1"],
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_http_address_is_refused_when_mutual_tls_is_configured() {
    let pki = pki();
    let dir = tempfile::tempdir().expect("tmp");
    // A plain-HTTP sandbox: SDS gives an http:// V&M address.
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox starts");
    let mut config = config_for(&sandbox);
    config.tls = Some(tls_config(dir.path(), &pki.ca, Some(&pki.client)));
    let engine = Engine::new(config, Arc::new(ManualClock::new(now()))).expect("engine");
    let report = lookup(&engine).await;
    assert_tls_error(&report, "SPINE_TLS_NOT_HTTPS", &["http://", "https://"]);
    assert_eq!(sandbox.request_count(), 0, "nothing was sent in clear");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn tls_files_are_checked_when_the_engine_starts_naming_the_file() {
    let pki = pki();
    let dir = tempfile::tempdir().expect("tmp");
    let sandbox = sandbox(&pki.server, Some(&pki.ca)).await;
    let start = |edit: &dyn Fn(&mut TlsConfig), secrets: Arc<MemorySecrets>| {
        let mut config = config_for(&sandbox);
        let mut tls = tls_config(dir.path(), &pki.ca, Some(&pki.client));
        edit(&mut tls);
        config.tls = Some(tls);
        match Engine::with_secrets(config, Arc::new(ManualClock::new(now())), secrets) {
            Ok(_) => panic!("the engine started"),
            Err(e) => e,
        }
    };
    let none = || Arc::new(MemorySecrets::new());
    let missing = dir.path().join("absent.pem");

    let e = start(&|t| t.client_certificate = Some(missing.clone()), none());
    assert!(matches!(e, LookupError::TlsConfig(_)), "{e:?}");
    assert_eq!(e.code(), "TLS_CONFIG_INVALID");
    assert!(
        e.message().contains("tls.client_certificate"),
        "{}",
        e.message()
    );
    assert!(e.message().contains("absent.pem"), "{}", e.message());
    assert!(e.action().contains("IT"), "{}", e.action());

    let garbage = write(dir.path(), "garbage.pem", "not a certificate");
    let e = start(&|t| t.ca_bundle = Some(garbage.clone()), none());
    assert!(e.message().contains("tls.ca_bundle"), "{}", e.message());
    assert!(e.message().contains("garbage.pem"), "{}", e.message());

    let other_key = write(dir.path(), "other.key", &pki.client_expired.key);
    let e = start(&|t| t.key_file = Some(other_key.clone()), none());
    assert!(e.message().contains("does not belong"), "{}", e.message());

    let e = start(
        &|t| {
            t.key_file = None;
            t.key_secret = Some(KEY_SECRET.to_owned());
        },
        none(),
    );
    assert!(e.message().contains("'vmcheck-tls-key'"), "{}", e.message());
    assert!(!e.message().contains("PRIVATE KEY"));

    // Engine::new has no keyring: a key named in it cannot be had.
    let mut config = config_for(&sandbox);
    config.tls = Some(TlsConfig {
        key_secret: Some(KEY_SECRET.to_owned()),
        key_file: None,
        ..tls_config(dir.path(), &pki.ca, Some(&pki.client))
    });
    let e = Engine::new(config, Arc::new(ManualClock::new(now())))
        .err()
        .expect("refused");
    assert!(e.message().contains("keyring"), "{}", e.message());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn live_and_integration_engines_refuse_to_start_without_mutual_tls() {
    let pki = pki();
    let dir = tempfile::tempdir().expect("tmp");
    let sandbox = sandbox(&pki.server, Some(&pki.ca)).await;
    for environment in [Environment::Integration, Environment::Live] {
        let mut config = config_for(&sandbox);
        config.environment = environment;
        config.session = None;
        // The sandbox's Care Connect API is plain HTTP, which only the sandbox may use.
        config.care_connect = None;
        let e = Engine::new(config.clone(), Arc::new(ManualClock::new(now())))
            .err()
            .expect("refused without [tls]");
        assert_eq!(e.code(), "TLS_CONFIG_INVALID");
        assert!(e.message().contains("requires it"), "{}", e.message());
        assert!(config.validate().is_err());

        // A key file is the sandbox's only.
        config.tls = Some(tls_config(dir.path(), &pki.ca, Some(&pki.client)));
        let e = Engine::new(config.clone(), Arc::new(ManualClock::new(now())))
            .err()
            .expect("refused with key_file");
        assert_eq!(e.code(), "TLS_CONFIG_INVALID");
        match config.validate() {
            Err(vmcheck_engine::ConfigError::Invalid { key, .. }) => {
                assert_eq!(key, "tls.key_file")
            }
            other => panic!("{other:?}"),
        }
    }
    sandbox.shutdown().await;
}
