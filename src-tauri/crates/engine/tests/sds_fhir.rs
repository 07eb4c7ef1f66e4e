//! The engine with `[sds] kind = "fhir"`: whole lookups against the sandbox, the V&M endpoint
//! found through its SDS FHIR API with the API key from the secret store, cached like LDAP's;
//! a missing or refused key; the configuration's rules for the kind; and `vmcheck doctor`'s
//! SDS and keyring lines.

mod common;
use common::Engine;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use vmcheck_core::doctor::Verdict;
use vmcheck_engine::config::{SdsKind, DEFAULT_SDS_API_KEY_SECRET};
use vmcheck_engine::doctor::{examine, Patient};
use vmcheck_engine::{Clock, Config, ErrorCode, LookupReport, ManualClock, MemorySecrets};
use vmcheck_sandbox::{Fault, Sandbox, SandboxOptions};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

/// The training configuration with SDS through the sandbox's FHIR API instead of LDAP.
fn fhir_config(sandbox: &Sandbox) -> Config {
    let mut config = vmcheck_training::config(sandbox.urls());
    config.pds.timeout_secs = 3;
    config.vandm.timeout_secs = 3;
    let sds = config.sds.as_mut().expect("sds");
    sds.kind = SdsKind::Fhir;
    sds.ldap_url = String::new();
    sds.fhir_base_url = Some(sandbox.urls().sds_fhir_base());
    sds.cache_ttl_secs = 60;
    config
}

fn secrets_with(key: &str) -> Arc<MemorySecrets> {
    let secrets = MemorySecrets::new();
    secrets.insert(DEFAULT_SDS_API_KEY_SECRET, key.as_bytes().to_vec());
    Arc::new(secrets)
}

fn status_patient() -> &'static vmcheck_sandbox::TestPatient {
    vmcheck_sandbox::patients()
        .iter()
        .find(|p| p.expected.outcome == "status")
        .expect("a status patient")
}

async fn report(engine: &Engine, clock: &ManualClock, nhs: &str) -> LookupReport {
    let actor = engine.config().actor();
    let result = engine.lookup(actor.as_ref(), nhs, |_| {}).await;
    LookupReport::new(&result, clock.today())
}

#[tokio::test]
async fn a_whole_lookup_finds_the_endpoint_through_the_fhir_api_and_caches_it() {
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox starts");
    let config = fhir_config(&sandbox);
    config
        .validate()
        .expect("a valid kind = \"fhir\" configuration");
    let clock = Arc::new(ManualClock::new(now()));
    let engine =
        Engine::with_secrets(config, clock.clone(), secrets_with("training-key")).expect("engine");
    let p = status_patient();

    let first = report(&engine, &clock, p.nhs_number).await;
    assert_eq!(first.outcome, p.expected.outcome, "{:?}", first.error);
    assert_eq!(first.banner.map(|b| b.as_str()), p.expected.banner);
    report(&engine, &clock, p.nhs_number).await;
    assert_eq!(
        engine.sds_queries(),
        1,
        "the second lookup reused the endpoint"
    );
    clock.advance_monotonic(Duration::from_secs(61));
    let third = report(&engine, &clock, p.nhs_number).await;
    assert_eq!(third.outcome, p.expected.outcome);
    assert_eq!(
        engine.sds_queries(),
        2,
        "an expired entry is looked up again"
    );
    assert_eq!(sandbox.request_count(), 3);
}

#[tokio::test]
async fn without_the_api_key_in_the_keyring_the_engine_says_which_entry_is_missing() {
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox starts");
    let clock = Arc::new(ManualClock::new(now()));
    let Err(err) =
        Engine::with_secrets(fhir_config(&sandbox), clock, Arc::new(MemorySecrets::new()))
    else {
        panic!("the engine started without the SDS API key");
    };
    let message = err.message();
    assert!(
        message.contains("sds.api_key_secret") && message.contains("'sds-api-key'"),
        "{message}"
    );
}

#[tokio::test]
async fn a_refused_api_key_is_an_sds_failure_and_no_vandm_request_is_made() {
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox starts");
    let clock = Arc::new(ManualClock::new(now()));
    // Blank once trimmed: the API answers 401.
    let engine = Engine::with_secrets(fhir_config(&sandbox), clock.clone(), secrets_with("  \n"))
        .expect("engine");
    let r = report(&engine, &clock, status_patient().nhs_number).await;
    let error = r.error.expect("an error");
    assert_eq!(error.code, ErrorCode::SdsLookupFailed);
    assert!(error.message.contains("API key"), "{}", error.message);
    assert_eq!(
        sandbox.request_count(),
        0,
        "no V&M request without an endpoint"
    );
}

#[tokio::test]
async fn the_sandbox_directory_faults_reach_the_fhir_api_too() {
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox starts");
    let mut config = fhir_config(&sandbox);
    config.sds.as_mut().expect("sds").timeout_secs = 1;
    config.sds.as_mut().expect("sds").cache_ttl_secs = 0;
    let clock = Arc::new(ManualClock::new(now()));
    let engine =
        Engine::with_secrets(config, clock.clone(), secrets_with("training-key")).expect("engine");
    let p = status_patient();
    for (fault, words) in [
        (Fault::SdsDown, "connection"),
        (Fault::SdsSlow(Duration::from_secs(3)), "did not answer"),
    ] {
        sandbox.set_fault(Some(fault.clone()));
        let r = report(&engine, &clock, p.nhs_number).await;
        let error = r.error.expect("an error");
        assert_eq!(error.code, ErrorCode::SdsLookupFailed, "{fault:?}");
        assert!(
            error.message.contains(words),
            "{fault:?}: {}",
            error.message
        );
    }
    assert_eq!(
        sandbox.request_count(),
        0,
        "no V&M request without an endpoint"
    );
    sandbox.set_fault(None);
    let r = report(&engine, &clock, p.nhs_number).await;
    assert_eq!(r.outcome, p.expected.outcome, "{:?}", r.error);
}

#[test]
fn the_configuration_explains_what_each_kind_needs() {
    let base = r#"
environment = "integration"
[organisation]
ods_code = "RR8"
name = "Leeds Teaching Hospitals NHS Trust"
client_asid = "200000000359"
issuer = "https://vmcheck.example.nhs.uk"
[pds]
base_url = "https://int.api.service.nhs.uk/personal-demographics/FHIR/R4"
[tls]
ca_bundle = "ca.pem"
client_certificate = "client.pem"
key_secret = "tls-key"
"#;
    let fhir = "[sds]\nkind = \"fhir\"\nfhir_base_url = \"https://int.api.service.nhs.uk/spine-directory/FHIR/R4\"\n";
    let parse = |text: String| Config::parse(&text);
    let cfg = parse(format!("{base}{fhir}")).expect("a FHIR configuration");
    let sds = cfg.sds.expect("sds");
    assert_eq!(sds.kind, SdsKind::Fhir);
    assert_eq!(sds.api_key_secret, "sds-api-key");
    assert_eq!(
        sds.url(),
        "https://int.api.service.nhs.uk/spine-directory/FHIR/R4"
    );
    assert!(!sds.provides_roles());

    let key_of = |text: String| match parse(text) {
        Err(vmcheck_engine::ConfigError::Invalid { key, .. }) => key.to_owned(),
        other => panic!("expected an invalid key, got {other:?}"),
    };
    let cases = [
        // FHIR needs its base URL, as an http(s) URL, and no LDAP address.
        ("[sds]\nkind = \"fhir\"\n".to_owned(), "sds.fhir_base_url"),
        (
            "[sds]\nkind = \"fhir\"\nfhir_base_url = \"ldaps://sds:636\"\n".to_owned(),
            "sds.fhir_base_url",
        ),
        (
            format!("{fhir}ldap_url = \"ldaps://ldap.example.nhs.uk:636\"\n"),
            "sds.ldap_url",
        ),
        (format!("{fhir}api_key_secret = \" \"\n"), "sds.api_key_secret"),
        // LDAP (the default) does not take a FHIR base URL.
        (
            "[sds]\nldap_url = \"ldaps://ldap.example.nhs.uk:636\"\nfhir_base_url = \"https://x/FHIR/R4\"\n"
                .to_owned(),
            "sds.fhir_base_url",
        ),
        ("[sds]\nkind = \"ldap\"\n".to_owned(), "sds.ldap_url"),
        // The FHIR API has no role search: a session needs its roles listed.
        (
            format!("{fhir}[session]\ncard = \"pcsc\"\n"),
            "session.roles",
        ),
    ];
    for (sds, want) in cases {
        assert_eq!(key_of(format!("{base}{sds}")), want, "{sds}");
    }
    match parse(format!("{base}{fhir}[session]\ncard = \"pcsc\"\n")) {
        Err(e) => assert!(
            e.to_string().contains("SDS FHIR API has no role search"),
            "{e}"
        ),
        Ok(_) => panic!("a session without roles was accepted with kind = \"fhir\""),
    }
    assert!(
        parse("[sds]\nkind = \"soap\"\n".to_owned()).is_err(),
        "an unknown kind is refused"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_doctor_checks_the_fhir_directory_and_its_api_key() {
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox starts");
    let dir = tempfile::tempdir().expect("tmp");
    let mut config = fhir_config(&sandbox);
    config.audit.path = Some(dir.path().join("audit.sqlite"));
    let clock: Arc<dyn Clock> = Arc::new(vmcheck_engine::SystemClock::default());
    let examine_with = |secrets: Arc<MemorySecrets>| {
        examine(Patient {
            config: Ok(config.clone()),
            source: "a test configuration".into(),
            secrets,
            clock: clock.clone(),
            cards: None,
        })
    };

    let healthy = examine_with(secrets_with("training-key")).await;
    let sds = healthy.get("sds").expect("an sds check");
    assert_eq!(sds.verdict, Verdict::Pass, "{healthy:#?}");
    assert!(sds.detail.contains("through the SDS FHIR API"), "{sds:?}");
    let keyring = healthy.get("keyring").expect("a keyring check");
    assert_eq!(keyring.verdict, Verdict::Pass, "{keyring:?}");

    let missing = examine_with(Arc::new(MemorySecrets::new())).await;
    let keyring = missing.get("keyring").expect("a keyring check");
    assert_eq!(keyring.verdict, Verdict::Fail, "{keyring:?}");
    assert!(
        keyring.detail.contains("sds-api-key (sds.api_key_secret)"),
        "{keyring:?}"
    );
    let sds = missing.get("sds").expect("an sds check");
    assert_eq!(sds.verdict, Verdict::Fail, "{sds:?}");
    assert!(sds.detail.contains("sds.api_key_secret"), "{sds:?}");
}
