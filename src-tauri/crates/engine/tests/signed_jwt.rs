//! The engine with PDS signed-JWT authentication (`[pds.auth]`, key from the keyring through
//! `SecretLookup`) and the optional signed audit JWT (`[audit_jwt]`), against the sandbox's token
//! endpoint, token-checking PDS and signature-checking V&M endpoint. Keys are made at test time
//! with the openssl CLI; the keyring is `MemorySecrets` here (the real one is tested by
//! `tests/keyring/run.sh`).

mod common;
use common::Engine;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use vmcheck_engine::config::{AuditJwtAlgorithm, PdsAuthConfig};
use vmcheck_engine::{Config, LookupReport, ManualClock, MemorySecrets};
use vmcheck_jws::testing::{rsa_key_pair, TestKeyPair};
use vmcheck_sandbox::{Sandbox, SandboxOptions, TestPatient};

const API_KEY: &str = "Qw3rTyApiKey";
const KID: &str = "vmcheck-test-1";
const PDS_KEY: &str = "vmcheck-pds-key";
const AUDIT_KEY: &str = "vmcheck-audit-key";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

fn config_for(sandbox: &Sandbox) -> Config {
    let urls = sandbox.urls();
    let mut c = vmcheck_training::config(urls);
    c.pds.timeout_secs = 3;
    c.vandm.timeout_secs = 3;
    c
}

fn pds_auth(sandbox: &Sandbox) -> PdsAuthConfig {
    PdsAuthConfig {
        api_key: API_KEY.into(),
        kid: KID.into(),
        token_url: sandbox.urls().token_url(),
        key_secret: Some(PDS_KEY.into()),
        key_file: None,
    }
}

async fn sandbox(opts: SandboxOptions) -> Sandbox {
    Sandbox::start(opts).await.expect("sandbox starts")
}

fn with_pds_auth(keys: &TestKeyPair) -> SandboxOptions {
    SandboxOptions {
        pds_auth: Some(vmcheck_sandbox::PdsAuthConfig::new(
            API_KEY,
            KID,
            &keys.public_pem,
        )),
        ..SandboxOptions::default()
    }
}

fn engine(config: Config, secrets: MemorySecrets) -> Engine {
    let engine = Engine::with_secrets(config, Arc::new(ManualClock::new(now())), Arc::new(secrets));
    match engine {
        Ok(e) => e,
        Err(e) => panic!("engine: {}", e.message()),
    }
}

async fn report(engine: &Engine, nhs: &str) -> LookupReport {
    let actor = engine.config().actor();
    let result = engine.lookup(actor.as_ref(), nhs, |_| {}).await;
    LookupReport::new(&result, engine.clock().today())
}

/// Patients whose lookup ends in a banner, with no fault.
fn banner_patients() -> Vec<&'static TestPatient> {
    vmcheck_sandbox::patients()
        .iter()
        .filter(|p| p.expected.outcome == "status" && p.fault.is_none())
        .collect()
}

#[tokio::test]
async fn lookups_with_signed_jwt_pds_auth_share_one_token() {
    let keys = rsa_key_pair();
    let sandbox = sandbox(with_pds_auth(&keys)).await;
    let mut config = config_for(&sandbox);
    config.pds.auth = Some(pds_auth(&sandbox));
    let secrets = MemorySecrets::new();
    secrets.insert(PDS_KEY, keys.private_pem.clone());
    let engine = engine(config, secrets);
    assert_eq!(
        engine.pds_token_requests(),
        0,
        "no token before the first lookup"
    );
    let patients = banner_patients();
    assert!(patients.len() >= 4);
    for p in patients.iter().take(4) {
        let r = report(&engine, p.nhs_number).await;
        assert_eq!(r.outcome, "status", "{}: {:?}", p.nhs_number, r.error);
        assert_eq!(r.banner.map(|b| b.as_str()), p.expected.banner);
    }
    assert_eq!(engine.pds_token_requests(), 1);
    assert_eq!(sandbox.token_request_count(), 1);
    assert_eq!(sandbox.pds_request_count(), 4);
}

#[tokio::test]
async fn without_pds_auth_the_token_checking_pds_refuses_the_lookup() {
    let keys = rsa_key_pair();
    let sandbox = sandbox(with_pds_auth(&keys)).await;
    let engine = engine(config_for(&sandbox), MemorySecrets::new());
    let r = report(&engine, banner_patients()[0].nhs_number).await;
    assert_eq!(r.outcome, "error");
    assert_eq!(
        r.error.as_ref().map(|e| e.code.as_str()),
        Some("ACCESS_DENIED")
    );
    assert_eq!(sandbox.request_count(), 0, "nothing reached Spine");
}

#[tokio::test]
async fn a_refused_assertion_is_a_clear_error_never_a_banner() {
    let (keys, other) = (rsa_key_pair(), rsa_key_pair());
    let sandbox = sandbox(with_pds_auth(&keys)).await;
    let mut config = config_for(&sandbox);
    config.pds.auth = Some(pds_auth(&sandbox));
    let secrets = MemorySecrets::new();
    secrets.insert(PDS_KEY, other.private_pem.clone());
    let engine = engine(config, secrets);
    let r = report(&engine, banner_patients()[0].nhs_number).await;
    assert_eq!(r.outcome, "error");
    assert!(r.banner.is_none());
    let error = r.error.as_ref().expect("error");
    assert_eq!(error.code, "PDS_AUTH_REFUSED");
    assert!(
        error
            .message
            .contains("refused this system's PDS credentials")
            && error.message.contains("invalid_client"),
        "{}",
        error.message
    );
    assert!(!error.message.contains("eyJ"), "no JWT shown");
    assert_eq!(sandbox.pds_request_count(), 0);
}

#[tokio::test]
async fn a_missing_keyring_entry_stops_the_engine_naming_the_entry() {
    let sandbox = sandbox(SandboxOptions::default()).await;
    let mut config = config_for(&sandbox);
    config.pds.auth = Some(pds_auth(&sandbox));
    let e = Engine::with_secrets(
        config,
        Arc::new(ManualClock::new(now())),
        Arc::new(MemorySecrets::new()),
    )
    .err()
    .expect("no key, no engine");
    let message = e.message();
    assert!(
        message.contains("pds.auth.key_secret") && message.contains(PDS_KEY),
        "{message}"
    );

    // A keyring entry that is not a key: refused without showing it.
    let mut config = config_for(&sandbox);
    config.pds.auth = Some(pds_auth(&sandbox));
    let secrets = MemorySecrets::new();
    secrets.insert(PDS_KEY, b"not-a-key-SECRET".to_vec());
    let e = Engine::with_secrets(config, Arc::new(ManualClock::new(now())), Arc::new(secrets))
        .err()
        .expect("refused");
    assert!(e.message().contains("PDS signing key"), "{}", e.message());
    assert!(!e.message().contains("SECRET"));
}

#[tokio::test]
async fn a_key_file_works_in_the_sandbox_environment() {
    let keys = rsa_key_pair();
    let sandbox = sandbox(with_pds_auth(&keys)).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("pds.pem");
    std::fs::write(&file, &keys.private_pem).expect("write");
    let mut config = config_for(&sandbox);
    let mut auth = pds_auth(&sandbox);
    auth.key_secret = None;
    auth.key_file = Some(file);
    config.pds.auth = Some(auth);
    config.validate().expect("valid in the sandbox");
    let engine = engine(config, MemorySecrets::new());
    let r = report(&engine, banner_patients()[0].nhs_number).await;
    assert_eq!(r.outcome, "status", "{:?}", r.error);
}

#[tokio::test]
async fn a_signed_audit_jwt_is_accepted_with_the_right_key_and_refused_with_a_wrong_one() {
    let (keys, other) = (rsa_key_pair(), rsa_key_pair());
    let sandbox = sandbox(SandboxOptions {
        audit_jwt_public_key_pem: Some(keys.public_pem.clone()),
        ..SandboxOptions::default()
    })
    .await;
    let number = banner_patients()[0].nhs_number;
    for (algorithm, key, accepted) in [
        (AuditJwtAlgorithm::RS512, &keys, true),
        (AuditJwtAlgorithm::RS256, &keys, true),
        (AuditJwtAlgorithm::RS512, &other, false),
    ] {
        let mut config = config_for(&sandbox);
        config.audit_jwt.algorithm = algorithm;
        config.audit_jwt.key_secret = Some(AUDIT_KEY.into());
        config.validate().expect("valid");
        let secrets = MemorySecrets::new();
        secrets.insert(AUDIT_KEY, key.private_pem.clone());
        let r = report(&engine(config, secrets), number).await;
        if accepted {
            assert_eq!(r.outcome, "status", "{algorithm:?}: {:?}", r.error);
        } else {
            assert_eq!(r.outcome, "error");
            assert_eq!(
                r.error.as_ref().map(|e| e.code.as_str()),
                Some("BAD_REQUEST")
            );
        }
    }
    // The default stays unsigned, which this signature-checking sandbox refuses.
    let r = report(&engine(config_for(&sandbox), MemorySecrets::new()), number).await;
    assert_eq!(r.outcome, "error");
    // And an ordinary sandbox takes the unsigned default.
    let plain = sandbox_default().await;
    let r = report(&engine(config_for(&plain), MemorySecrets::new()), number).await;
    assert_eq!(r.outcome, "status", "{:?}", r.error);
}

async fn sandbox_default() -> Sandbox {
    sandbox(SandboxOptions::default()).await
}
