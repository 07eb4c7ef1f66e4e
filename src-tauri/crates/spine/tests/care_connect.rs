//! The Care Connect adapter against the sandbox trust's API (the verified NHS number, and each
//! refusal the core reads), and against a one-answer server for what the sandbox never sends:
//! a failing server, a web page, a redirect. With the trust's CA bundle only https is used.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use vmcheck_core::care_connect::{CareConnectError, HospitalNumber, HospitalNumberPattern};
use vmcheck_sandbox::care_connect::{
    HOSPITAL_NUMBER_PATTERN, HOSPITAL_NUMBER_SYSTEM, MERGED, NO_NHS_NUMBER, SEVERAL, SOFTWARE_NAME,
    UNVERIFIED,
};
use vmcheck_sandbox::{Fault, Sandbox, SandboxOptions};
use vmcheck_spine::care_connect::{CareConnectClient, CareConnectClientError};
use vmcheck_spine::http::{HttpSettings, TransportError};
use vmcheck_spine::tls::TlsProblem;

fn number(n: &str) -> HospitalNumber {
    HospitalNumberPattern::new(HOSPITAL_NUMBER_PATTERN)
        .expect("pattern")
        .parse(n)
        .expect("a hospital number")
}

fn settings() -> HttpSettings {
    HttpSettings {
        connect: Duration::from_secs(2),
        request: Duration::from_secs(3),
        ..HttpSettings::default()
    }
}

fn client(base: &str) -> CareConnectClient {
    CareConnectClient::new(base, HOSPITAL_NUMBER_SYSTEM, settings(), None).expect("client")
}

#[tokio::test]
async fn the_sandbox_trust_gives_verified_numbers_and_refusals() {
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox");
    let c = client(&sandbox.urls().care_connect_base());
    let found = c.find(&number("RRK0000018"), "trace").await.expect("found");
    assert_eq!(found.nhs_number.as_str(), "9990000018");
    for (n, want) in [
        (SEVERAL, CareConnectError::Several(2)),
        (NO_NHS_NUMBER, CareConnectError::NoNhsNumber),
        (
            UNVERIFIED,
            CareConnectError::Unverified {
                code: Some("02".into()),
            },
        ),
        (MERGED, CareConnectError::NotInUse),
        ("RRK9999999", CareConnectError::NotFound),
    ] {
        assert_eq!(
            c.find(&number(n), "trace").await,
            Err(CareConnectClientError::Answer(want)),
            "{n}"
        );
    }
    // Under another system the sandbox trust knows nobody.
    let other = CareConnectClient::new(
        &sandbox.urls().care_connect_base(),
        "https://other.example/Id/pas",
        settings(),
        None,
    )
    .expect("client");
    assert_eq!(
        other.find(&number("RRK0000018"), "trace").await,
        Err(CareConnectClientError::Answer(CareConnectError::NotFound))
    );
}

#[tokio::test]
async fn the_sandbox_trust_describes_itself_and_a_failing_server_is_an_error() {
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox");
    let c = client(&sandbox.urls().care_connect_base());
    let capability = c.capability("doctor").await.expect("capability");
    assert_eq!(capability.software.as_deref(), Some(SOFTWARE_NAME));
    assert_eq!(capability.fhir_version.as_deref(), Some("3.0.1"));
    assert!(capability.searches_patient_by_identifier);
    assert_eq!(
        sandbox.care_connect_request_count(),
        0,
        "a capability statement is not a search"
    );
    sandbox.set_care_connect_fault(Some(Fault::Status500));
    let failed = c.capability("doctor").await;
    assert!(
        matches!(
            failed,
            Err(CareConnectClientError::Server { status: 500, .. })
        ),
        "{failed:?}"
    );
}

/// Serves one canned HTTP answer on a loopback port; the base URL.
async fn answer_once(response: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        if let Ok((mut stream, _)) = listener.accept().await {
            let mut buf = [0_u8; 4096];
            let _ = stream.read(&mut buf).await;
            let _ = stream.write_all(response.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
    });
    format!("http://{addr}/STU3")
}

#[tokio::test]
async fn failures_of_the_trusts_server_are_named() {
    let base = answer_once("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html\r\nContent-Length: 40\r\nConnection: close\r\n\r\n<html><h1>Service Unavailable</h1></html>").await;
    let e = client(&base)
        .find(&number("RRK0000018"), "t")
        .await
        .expect_err("503");
    assert!(
        matches!(&e, CareConnectClientError::Server { status: 503, excerpt } if excerpt == "Service Unavailable"),
        "{e:?}"
    );
    assert!(e.is_retryable());

    let base = answer_once("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\nConnection: close\r\n\r\n<html></html>").await;
    let e = client(&base)
        .find(&number("RRK0000018"), "t")
        .await
        .expect_err("html");
    assert_eq!(e, CareConnectClientError::ContentType("text/html".into()));

    let base = answer_once("HTTP/1.1 302 Found\r\nLocation: https://elsewhere.example/Patient?identifier=x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").await;
    let e = client(&base)
        .find(&number("RRK0000018"), "t")
        .await
        .expect_err("redirect");
    assert!(
        matches!(&e, CareConnectClientError::Transport(TransportError::Redirected { target, .. }) if target == "elsewhere.example"),
        "{e:?}"
    );
    assert!(!e.to_string().contains("RRK"), "{e}");

    let base =
        answer_once("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .await;
    assert_eq!(
        client(&base).find(&number("RRK0000018"), "t").await,
        Err(CareConnectClientError::Refused(401))
    );
}

#[tokio::test]
async fn with_the_trusts_ca_only_https_is_used() {
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = params.self_signed(&key).expect("ca");
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("sandbox");
    let c = CareConnectClient::new(
        &sandbox.urls().care_connect_base(),
        HOSPITAL_NUMBER_SYSTEM,
        settings(),
        Some(ca.pem().into_bytes()),
    )
    .expect("client");
    let e = c
        .find(&number("RRK0000018"), "t")
        .await
        .expect_err("http refused");
    assert!(
        matches!(
            e,
            CareConnectClientError::Transport(TransportError::Tls {
                problem: TlsProblem::NotHttps,
                ..
            })
        ),
        "{e:?}"
    );
    assert_eq!(sandbox.care_connect_request_count(), 0);
    assert!(CareConnectClient::new(
        "https://x.example",
        HOSPITAL_NUMBER_SYSTEM,
        settings(),
        Some(b"not a certificate".to_vec())
    )
    .is_err());
}
