//! Integration tests of the SDS FHIR API client against the sandbox's SDS FHIR server.
//!
//! Each test serves [`Directory::test_fixtures`](vmcheck_sandbox::directory::Directory::test_fixtures)
//! through `vmcheck_sandbox::sds_fhir` on `127.0.0.1:0` and runs the scenarios LDAP runs too
//! (`common/`, [`sds_shared_scenarios!`]) with an [`SdsFhirClient`]; then what only HTTP has: the
//! API key, OperationOutcomes, TLS with an untrusted certificate, the body cap, redirects, and
//! the server's own strictness about what the real API refuses.

#[macro_use]
mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use common::{as_seen, fixtures, spine_endpoint, SdsServer};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use vmcheck_core::sds::{VANDM_SEARCH_INTERACTION, VANDM_SEARCH_SDS_INTERACTION};
use vmcheck_sandbox::directory::SPINE_ODS_CODE;
use vmcheck_sandbox::sds_fhir::{spawn, SdsFhirOptions, BASE_PATH};
use vmcheck_sandbox::SandboxTls;
use vmcheck_spine::http::TransportError;
use vmcheck_spine::sds::{SdsError, TlsProblem};
use vmcheck_spine::sds_fhir::{SdsDirectory, SdsFhirClient};

/// The API key the tests' clients send.
const KEY: &str = "test-application-key";

/// Serves the fixtures with `options` (over TLS with `tls`) and returns the base URL.
async fn start(options: SdsFhirOptions, tls: Option<&SandboxTls>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    spawn(listener, Arc::new(fixtures()), options, tls).expect("serve");
    format!(
        "{}://{addr}{BASE_PATH}",
        if tls.is_some() { "https" } else { "http" }
    )
}

/// The sandbox's FHIR API, requiring [`KEY`].
struct Fhir {
    url: String,
}

fn strict() -> SdsFhirOptions {
    SdsFhirOptions {
        api_key: Some(KEY.to_owned()),
        ..SdsFhirOptions::default()
    }
}

async fn server() -> Fhir {
    Fhir {
        url: start(strict(), None).await,
    }
}

impl SdsServer for Fhir {
    fn url(&self) -> &str {
        &self.url
    }

    async fn slow_url(&self, delay: Duration) -> String {
        start(SdsFhirOptions { delay, ..strict() }, None).await
    }

    fn client(&self, url: &str, timeout: Duration) -> SdsDirectory {
        SdsDirectory::Fhir(SdsFhirClient::new(url, KEY, timeout).expect("client"))
    }

    fn url_for(&self, addr: SocketAddr) -> String {
        format!("http://{addr}{BASE_PATH}")
    }

    fn publishes_authenticated(&self) -> bool {
        false
    }
}

sds_shared_scenarios!(server());

fn client(url: &str, key: &str) -> SdsFhirClient {
    SdsFhirClient::new(url, key, Duration::from_secs(5)).expect("client")
}

#[tokio::test]
async fn a_missing_or_wrong_api_key_is_refused_with_401() {
    let url = start(strict(), None).await;
    for key in ["", "another-key"] {
        let got = client(&url, key)
            .find_endpoint(SPINE_ODS_CODE, VANDM_SEARCH_SDS_INTERACTION)
            .await;
        let want = SdsError::ApiKeyRefused {
            url: url.clone(),
            status: 401,
        };
        assert_eq!(got, Err(want.clone()), "key {key:?}");
        assert!(!want.is_retryable());
        assert!(!want.to_string().contains(KEY));
    }
    // Any non-empty key, as on NHS's own sandbox, when none is configured.
    let open = start(SdsFhirOptions::default(), None).await;
    let got = client(&open, "any")
        .find_endpoint(SPINE_ODS_CODE, VANDM_SEARCH_SDS_INTERACTION)
        .await;
    assert_eq!(got.map(|e| e.asid), Ok(spine_endpoint().asid));
}

#[tokio::test]
async fn a_400_operation_outcome_is_reported_with_its_diagnostics() {
    let url = start(strict(), None).await;
    // An empty ODS code makes `organization=…|`, which the API refuses.
    let got = client(&url, KEY)
        .find_endpoint("", VANDM_SEARCH_INTERACTION)
        .await;
    let want = SdsError::Refused {
        url: url.clone(),
        operation: "accredited system search",
        status: 400,
        reason: "required: BAD_REQUEST: Missing or invalid 'organization' query parameter. \
                 Should be 'organization=https://fhir.nhs.uk/Id/ods-organization-code|value'"
            .into(),
    };
    assert_eq!(got, Err(want.clone()));
    assert!(!want.is_retryable());
}

#[tokio::test]
async fn a_wrong_base_path_is_a_404_refusal() {
    let url = start(strict(), None).await;
    let wrong = url.replace("/FHIR/R4", "/FHIR/STU3");
    let got = client(&wrong, KEY)
        .find_endpoint(SPINE_ODS_CODE, VANDM_SEARCH_SDS_INTERACTION)
        .await;
    assert_eq!(
        got,
        Err(SdsError::Refused {
            url: wrong,
            operation: "accredited system search",
            status: 404,
            reason: "not-found: NOT_IMPLEMENTED: HTTP endpoint not found".into(),
        })
    );
}

#[tokio::test]
async fn an_answer_over_the_body_cap_is_not_read() {
    let url = start(strict(), None).await;
    let got = client(&url, KEY)
        .with_max_body_bytes(256)
        .find_endpoint(SPINE_ODS_CODE, VANDM_SEARCH_SDS_INTERACTION)
        .await;
    let Err(err @ SdsError::Http { .. }) = got else {
        panic!("expected a body-cap error, got {got:?}");
    };
    let SdsError::Http {
        operation, problem, ..
    } = &err
    else {
        unreachable!()
    };
    assert_eq!(*operation, "accredited system search");
    assert!(
        matches!(**problem, TransportError::TooLarge { limit: 256, .. }),
        "{err:?}"
    );
    assert!(!err.is_retryable());
}

/// A server answering every request with a redirect to another host.
async fn redirecting() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0_u8; 4096];
                let _ = stream.read(&mut buf).await;
                let _ = stream
                    .write_all(
                        b"HTTP/1.1 302 Found\r\nLocation: https://elsewhere.example.org/Device?x=1\r\n\
                          Content-Length: 0\r\nConnection: close\r\n\r\n",
                    )
                    .await;
                let _ = stream.shutdown().await;
            });
        }
    });
    format!("http://{addr}{BASE_PATH}")
}

#[tokio::test]
async fn a_redirect_is_never_followed() {
    let url = redirecting().await;
    let got = client(&url, KEY)
        .find_endpoint(SPINE_ODS_CODE, VANDM_SEARCH_SDS_INTERACTION)
        .await;
    assert_eq!(
        got,
        Err(SdsError::Http {
            url,
            operation: "accredited system search",
            problem: Box::new(TransportError::Redirected {
                service: "the Spine directory (SDS FHIR API)",
                status: 302,
                target: "elsewhere.example.org".into(),
            }),
        })
    );
}

/// A test CA and a server certificate for 127.0.0.1 it issued: `(ca_pem, tls)`.
fn pki() -> (String, SandboxTls) {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params
        .distinguished_name
        .push(DnType::CommonName, "SDS FHIR test CA");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate().expect("key");
    let ca_pem = params.self_signed(&ca_key).expect("ca").pem();
    let issuer = Issuer::new(params, ca_key);
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()]).expect("params");
    let key = KeyPair::generate().expect("key");
    let cert = leaf.signed_by(&key, &issuer).expect("signed");
    (
        ca_pem,
        SandboxTls {
            server_chain_pem: cert.pem().into_bytes(),
            server_key_pem: key.serialize_pem().into_bytes(),
            client_ca_pem: None,
        },
    )
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_tls_error_and_the_ca_bundle_fixes_it() {
    let (ca_pem, tls) = pki();
    let url = start(strict(), Some(&tls)).await;
    let got = client(&url, KEY)
        .find_endpoint(SPINE_ODS_CODE, VANDM_SEARCH_SDS_INTERACTION)
        .await;
    let want = SdsError::Tls {
        url: url.clone(),
        problem: TlsProblem::UntrustedServer,
    };
    assert_eq!(got, Err(want.clone()));
    assert!(!want.is_retryable());

    let trusted = client(&url, KEY)
        .with_ca_bundle(ca_pem.as_bytes())
        .expect("CA bundle");
    let got = trusted
        .find_endpoint(SPINE_ODS_CODE, VANDM_SEARCH_SDS_INTERACTION)
        .await;
    assert_eq!(got.map(|e| e.asid), Ok(spine_endpoint().asid));

    // With a CA bundle, plain http:// is refused rather than used without TLS.
    let plain = start(strict(), None).await;
    let got = client(&plain, KEY)
        .with_ca_bundle(ca_pem.as_bytes())
        .expect("CA bundle")
        .find_endpoint(SPINE_ODS_CODE, VANDM_SEARCH_SDS_INTERACTION)
        .await;
    assert_eq!(
        got,
        Err(SdsError::Tls {
            url: plain,
            problem: TlsProblem::NotHttps,
        })
    );
}

#[tokio::test]
async fn the_whole_sandbox_serves_the_fhir_api_beside_ldap() {
    let sandbox = vmcheck_sandbox::Sandbox::start(vmcheck_sandbox::SandboxOptions::default())
        .await
        .expect("sandbox");
    let urls = sandbox.urls().clone();
    let fhir = client(&urls.sds_fhir_base(), "any")
        .find_endpoint(SPINE_ODS_CODE, VANDM_SEARCH_SDS_INTERACTION)
        .await;
    let ldap = vmcheck_spine::sds::SdsClient::new(&urls.ldap_url)
        .find_endpoint(SPINE_ODS_CODE, VANDM_SEARCH_SDS_INTERACTION)
        .await;
    let ldap = ldap.expect("LDAP finds the endpoint");
    assert_eq!(
        fhir,
        Ok(as_seen(&Fhir { url: String::new() }, ldap.clone()))
    );
    assert_eq!(ldap.base_url, urls.vandm_base);
}

/// What the server refuses, as the real API does.
#[tokio::test]
async fn the_server_is_strict_like_the_real_api() {
    let url = start(strict(), None).await;
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let org = "organization=https://fhir.nhs.uk/Id/ods-organization-code|YES";
    let svc = format!(
        "identifier=https://fhir.nhs.uk/Id/nhsServiceInteractionId|{VANDM_SEARCH_SDS_INTERACTION}"
    );
    let key = "identifier=https://fhir.nhs.uk/Id/nhsMhsPartyKey|YES-0000806";
    let get = |path: String| {
        http.get(format!("{url}{path}"))
            .header("apikey", KEY)
            .header("accept", "application/fhir+json")
    };
    let read = |r: reqwest::Response| async move {
        let status = r.status().as_u16();
        let body: serde_json::Value = r.json().await.expect("JSON body");
        (status, body)
    };
    let diagnostics = |b: &serde_json::Value| {
        b["issue"][0]["diagnostics"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    };

    // Accepted: each documented combination; nothing found is an empty searchset.
    for query in [
        format!("{org}&{svc}"),
        format!("{org}&{svc}&{key}"),
        format!("{org}&{key}"),
        format!("{svc}&{key}"),
    ] {
        let (status, body) = read(
            get(format!("/Endpoint?{query}"))
                .send()
                .await
                .expect("sent"),
        )
        .await;
        assert_eq!(
            (status, body["resourceType"].as_str()),
            (200, Some("Bundle")),
            "{query}"
        );
        assert!(
            body["total"].as_u64().is_some_and(|n| n >= 1),
            "{query}: {body}"
        );
    }
    let (status, body) = read(
        get(format!(
            "/Device?organization=https://fhir.nhs.uk/Id/ods-organization-code|X26&{svc}"
        ))
        .send()
        .await
        .expect("sent"),
    )
    .await;
    assert_eq!(
        (status, body["type"].as_str(), body["total"].as_u64()),
        (200, Some("searchset"), Some(0))
    );
    assert_eq!(body["entry"], serde_json::json!([]));

    // Refused with 400 BAD_REQUEST: unknown parameter, missing parameters, wrong systems.
    for (path, reason) in [
        (
            format!("/Endpoint?{org}&{svc}&_count=1"),
            "Illegal query parameter '_count'".to_owned(),
        ),
        (
            format!("/Endpoint?{org}"),
            "Missing or invalid query parameters".to_owned(),
        ),
        (
            format!("/Endpoint?{svc}"),
            "Missing or invalid query parameters".to_owned(),
        ),
        (
            format!("/Device?{svc}"),
            "Missing or invalid 'organization' query parameter".to_owned(),
        ),
        (
            format!("/Device?{org}&{key}"),
            "Missing or invalid 'identifier' query parameter".to_owned(),
        ),
        (
            format!("/Endpoint?organization=YES&{svc}"),
            "Missing or invalid 'organization' query parameter".to_owned(),
        ),
        (
            format!("/Endpoint?{org}&identifier=https://fhir.nhs.uk/Id/nhsEndpointServiceId|x"),
            "Missing or invalid 'identifier' query parameter".to_owned(),
        ),
    ] {
        let (status, body) = read(get(path.clone()).send().await.expect("sent")).await;
        assert_eq!(status, 400, "{path}");
        assert_eq!(
            body["issue"][0]["details"]["coding"][0]["code"], "BAD_REQUEST",
            "{path}"
        );
        assert_eq!(
            body["issue"][0]["details"]["coding"][0]["system"],
            "https://fhir.nhs.uk/STU3/ValueSet/Spine-ErrorOrWarningCode-1"
        );
        assert!(diagnostics(&body).starts_with(&reason), "{path}: {body}");
    }

    // 401 without the key, before anything else.
    let r = http
        .get(format!("{url}/Endpoint?{org}&{svc}"))
        .send()
        .await
        .expect("sent");
    let (status, body) = read(r).await;
    assert_eq!(
        (status, body["resourceType"].as_str()),
        (401, Some("OperationOutcome"))
    );

    // 406 for an Accept the service does not serve; application/json is served as such.
    let r = http
        .get(format!("{url}/Endpoint?{org}&{svc}"))
        .header("apikey", KEY)
        .header("accept", "application/fhir+json; charset=utf-8")
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 406);
    let r = http
        .get(format!("{url}/Endpoint?{org}&{svc}"))
        .header("apikey", KEY)
        .header("accept", "application/json")
        .send()
        .await
        .expect("sent");
    assert_eq!(
        (
            r.status().as_u16(),
            r.headers()["content-type"].to_str().ok()
        ),
        (200, Some("application/json"))
    );

    // 405 for anything but GET, with Allow; 404 for other paths.
    let r = http
        .post(format!("{url}/Endpoint?{org}&{svc}"))
        .header("apikey", KEY)
        .send()
        .await
        .expect("sent");
    assert_eq!(
        (
            r.status().as_u16(),
            r.headers().get("allow").and_then(|v| v.to_str().ok())
        ),
        (405, Some("GET"))
    );
    let r = get("/Organization?x=1".to_owned())
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 404);

    // X-Correlation-ID: echoed when a UUID, 400 otherwise.
    let id = "5f0e6c53-6c1b-4e59-9a8e-0f1c2d3b4a59";
    let r = get(format!("/Endpoint?{org}&{svc}"))
        .header("x-correlation-id", id)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.headers()["x-correlation-id"], id);
    let r = get(format!("/Endpoint?{org}&{svc}"))
        .header("x-correlation-id", "not-a-uuid")
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status().as_u16(), 400);
}
