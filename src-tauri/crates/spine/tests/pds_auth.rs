//! PDS signed-JWT authentication (NHS API platform, application-restricted) against the
//! sandbox's token endpoint and token-checking PDS, over real loopback HTTP. Keys are made at
//! test time with the openssl CLI.

use std::time::Duration;

use vmcheck_core::nhs::NhsNumber;
use vmcheck_jws::testing::{rsa_key_pair, TestKeyPair};
use vmcheck_sandbox::patients::PdsBehaviour;
use vmcheck_sandbox::{PdsAuthConfig, Sandbox, SandboxOptions};
use vmcheck_spine::http::HttpSettings;
use vmcheck_spine::pds::{PdsAuth, PdsClient, PdsError};
use zeroize::Zeroizing;

const API_KEY: &str = "Qw3rTyApiKey";
const KID: &str = "vmcheck-test-1";

async fn sandbox_with(keys: &TestKeyPair, lifetime: Duration) -> Sandbox {
    let mut auth = PdsAuthConfig::new(API_KEY, KID, &keys.public_pem);
    auth.token_lifetime = lifetime;
    Sandbox::start(SandboxOptions {
        pds_auth: Some(auth),
        ..SandboxOptions::default()
    })
    .await
    .expect("sandbox starts")
}

fn signed(sandbox: &Sandbox, keys: &TestKeyPair) -> PdsAuth {
    PdsAuth::SignedJwt {
        api_key: API_KEY.into(),
        kid: KID.into(),
        token_url: sandbox.urls().token_url(),
        private_key_pem: Zeroizing::new(keys.private_pem.clone()),
    }
}

fn client(sandbox: &Sandbox, auth: PdsAuth) -> PdsClient {
    PdsClient::new(
        &sandbox.urls().pds_base,
        HttpSettings {
            connect: Duration::from_secs(3),
            request: Duration::from_secs(5),
            ..HttpSettings::default()
        },
        auth,
        std::sync::Arc::new(vmcheck_spine::clock::SystemClock::default()),
    )
    .expect("client")
}

/// Numbers PDS answers 200 for.
fn found() -> Vec<NhsNumber> {
    vmcheck_sandbox::patients()
        .iter()
        .filter(|p| p.pds == PdsBehaviour::Found)
        .map(|p| NhsNumber::parse(p.nhs_number).expect("valid"))
        .collect()
}

fn assert_clear_auth_error(e: &PdsError, error: &str, description: &str) {
    match e {
        PdsError::Auth {
            error: got,
            description: text,
        } => {
            assert_eq!(got, error, "{e}");
            assert!(text.contains(description), "{e}");
        }
        other => panic!("expected an OAuth refusal, got {other:?}"),
    }
    let shown = e.to_string();
    assert!(
        shown.contains("refused this system's PDS credentials"),
        "{shown}"
    );
    assert!(!shown.contains("eyJ"), "no JWT in the message: {shown}");
    assert_eq!(e.code(), "PDS_AUTH_REFUSED");
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn one_token_serves_many_lookups_sequential_and_concurrent() {
    let keys = rsa_key_pair();
    let sandbox = sandbox_with(&keys, Duration::from_secs(599)).await;
    let pds = client(&sandbox, signed(&sandbox, &keys));
    let numbers = found();
    assert!(numbers.len() >= 5);
    for nhs in numbers.iter().take(5) {
        let trace = pds.retrieve(nhs, "corr").await.expect("traced");
        assert_eq!(trace.patient.nhs_number.as_str(), nhs.as_str());
    }
    assert_eq!(sandbox.token_request_count(), 1);
    assert_eq!(pds.token_requests(), 1);

    // A fresh client whose first lookups run at once: they share one token request.
    let fresh = client(&sandbox, signed(&sandbox, &keys));
    let mut tasks = tokio::task::JoinSet::new();
    for nhs in numbers.into_iter().take(6) {
        let pds = fresh.clone();
        tasks.spawn(async move { pds.retrieve(&nhs, "corr").await.map(|_| ()) });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("task").expect("traced");
    }
    assert_eq!(
        fresh.token_requests(),
        1,
        "one fetch shared by concurrent lookups"
    );
    assert_eq!(sandbox.token_request_count(), 2);
    assert_eq!(sandbox.pds_request_count(), 11);
}

#[tokio::test]
async fn the_token_is_replaced_shortly_before_it_expires() {
    let keys = rsa_key_pair();
    let sandbox = sandbox_with(&keys, Duration::from_secs(2)).await;
    let pds = client(&sandbox, signed(&sandbox, &keys)).with_token_margin(Duration::from_secs(1));
    let nhs = found().remove(0);
    pds.retrieve(&nhs, "corr").await.expect("first");
    pds.retrieve(&nhs, "corr")
        .await
        .expect("second, same token");
    assert_eq!(sandbox.token_request_count(), 1);
    // Usable for 2 − 1 = 1 s: after that a new token is fetched before PDS could refuse it.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    pds.retrieve(&nhs, "corr").await.expect("third, new token");
    assert_eq!(sandbox.token_request_count(), 2);
    assert_eq!(
        sandbox.pds_request_count(),
        3,
        "no request was refused for an expired token"
    );
}

#[tokio::test]
async fn a_401_from_pds_triggers_exactly_one_refresh() {
    let keys = rsa_key_pair();
    let sandbox = sandbox_with(&keys, Duration::from_secs(599)).await;
    let pds = client(&sandbox, signed(&sandbox, &keys));
    let nhs = found().remove(0);
    pds.retrieve(&nhs, "corr").await.expect("first");
    sandbox.revoke_pds_tokens();
    pds.retrieve(&nhs, "corr")
        .await
        .expect("refreshed after the 401");
    assert_eq!(sandbox.token_request_count(), 2);
    assert_eq!(sandbox.pds_request_count(), 3, "one refused, one retried");
    pds.retrieve(&nhs, "corr")
        .await
        .expect("the new token is kept");
    assert_eq!(sandbox.token_request_count(), 2);

    // Tokens that PDS never accepts (lifetime 0): one refresh, one retry, then the 401 stands.
    let never = sandbox_with(&keys, Duration::ZERO).await;
    let pds = client(&never, signed(&never, &keys));
    let e = pds.retrieve(&nhs, "corr").await.expect_err("refused");
    assert_eq!(e, PdsError::Unauthorised);
    assert_eq!(never.token_request_count(), 2, "exactly one refresh");
    assert_eq!(never.pds_request_count(), 2, "exactly one retry");
}

#[tokio::test]
async fn pds_without_a_token_answers_401_access_denied() {
    let keys = rsa_key_pair();
    let sandbox = sandbox_with(&keys, Duration::from_secs(599)).await;
    let nhs = found().remove(0);
    let e = client(&sandbox, PdsAuth::None)
        .retrieve(&nhs, "corr")
        .await
        .expect_err("no token");
    assert_eq!(e, PdsError::Unauthorised);
    assert_eq!(e.code(), "ACCESS_DENIED");
    let e = client(&sandbox, PdsAuth::Bearer("made-up".into()))
        .retrieve(&nhs, "corr")
        .await
        .expect_err("unknown token");
    assert_eq!(e, PdsError::Unauthorised);
    assert_eq!(sandbox.token_request_count(), 0);
}

#[tokio::test]
async fn a_wrong_key_is_a_clear_auth_error() {
    let (registered, other) = (rsa_key_pair(), rsa_key_pair());
    let sandbox = sandbox_with(&registered, Duration::from_secs(599)).await;
    let pds = client(&sandbox, signed(&sandbox, &other));
    let e = pds
        .retrieve(&found()[0], "corr")
        .await
        .expect_err("wrong key");
    assert_clear_auth_error(&e, "invalid_client", "Invalid JWT signature");
    assert_eq!(
        sandbox.pds_request_count(),
        0,
        "PDS is not called without a token"
    );
}

#[tokio::test]
async fn a_wrong_audience_kid_or_api_key_is_a_clear_auth_error() {
    let keys = rsa_key_pair();
    let sandbox = sandbox_with(&keys, Duration::from_secs(599)).await;
    let nhs = found().remove(0);
    // The same endpoint under another name: the assertion's aud is not the registered URL.
    let other_name = sandbox.urls().token_url().replace("127.0.0.1", "localhost");
    let mut auth = signed(&sandbox, &keys);
    if let PdsAuth::SignedJwt { token_url, .. } = &mut auth {
        *token_url = other_name;
    }
    let e = client(&sandbox, auth)
        .retrieve(&nhs, "corr")
        .await
        .expect_err("wrong aud");
    assert_clear_auth_error(&e, "invalid_request", "Missing or invalid aud claim in JWT");

    let mut auth = signed(&sandbox, &keys);
    if let PdsAuth::SignedJwt { kid, .. } = &mut auth {
        *kid = "unknown-kid".into();
    }
    let e = client(&sandbox, auth)
        .retrieve(&nhs, "corr")
        .await
        .expect_err("unknown kid");
    assert_clear_auth_error(&e, "invalid_request", "no matching public key");

    let mut auth = signed(&sandbox, &keys);
    if let PdsAuth::SignedJwt { api_key, .. } = &mut auth {
        *api_key = "SomeoneElse".into();
    }
    let e = client(&sandbox, auth)
        .retrieve(&nhs, "corr")
        .await
        .expect_err("unknown api key");
    assert_clear_auth_error(&e, "invalid_request", "Invalid iss/sub claims in JWT");
}

#[test]
fn a_key_that_is_not_rsa_pem_is_refused_at_setup_without_showing_it() {
    let e = PdsClient::new(
        "http://127.0.0.1:9/personal-demographics/FHIR/R4",
        HttpSettings::default(),
        PdsAuth::SignedJwt {
            api_key: API_KEY.into(),
            kid: KID.into(),
            token_url: "http://127.0.0.1:9/oauth2/token".into(),
            private_key_pem: Zeroizing::new(b"NOT-A-KEY-secret-bytes".to_vec()),
        },
        std::sync::Arc::new(vmcheck_spine::clock::SystemClock::default()),
    )
    .expect_err("refused");
    let text = e.to_string();
    assert!(text.contains("PDS signing key"), "{text}");
    assert!(!text.contains("secret-bytes"), "{text}");
    let debug = format!(
        "{:?}",
        PdsAuth::SignedJwt {
            api_key: API_KEY.into(),
            kid: KID.into(),
            token_url: "u".into(),
            private_key_pem: Zeroizing::new(b"KEY".to_vec()),
        }
    );
    assert!(
        !debug.contains(API_KEY) && !debug.contains("KEY\""),
        "{debug}"
    );
}
