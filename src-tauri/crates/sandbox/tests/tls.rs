//! The V&M endpoint over TLS: served with the given certificate, client certificates required
//! from the given CA, a refused handshake leaving the server serving, unusable material refused
//! at start. (The engine's `tests/tls.rs` checks what the product makes of each refusal.)

mod common;

use std::time::Duration;

use common::*;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use vmcheck_core::fhir::WireFormat;
use vmcheck_sandbox::{Sandbox, SandboxOptions, SandboxTls};

const MARY: &str = "9990000018";

struct Pki {
    ca_pem: String,
    server: (String, String),
    client: (String, String),
}

fn pki() -> Pki {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params
        .distinguished_name
        .push(DnType::CommonName, "Sandbox Test CA");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate().expect("key");
    let ca_pem = params.self_signed(&ca_key).expect("ca").pem();
    let issuer = Issuer::new(params, ca_key);
    let leaf = |name: &str, usage| {
        let mut p = CertificateParams::new(vec![name.to_owned()]).expect("params");
        p.extended_key_usages = vec![usage];
        let key = KeyPair::generate().expect("key");
        let cert = p.signed_by(&key, &issuer).expect("signed");
        (cert.pem(), key.serialize_pem())
    };
    Pki {
        server: leaf("127.0.0.1", ExtendedKeyUsagePurpose::ServerAuth),
        client: leaf("client.test", ExtendedKeyUsagePurpose::ClientAuth),
        ca_pem,
    }
}

fn tls_client(pki: &Pki, with_identity: bool) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(pki.ca_pem.as_bytes()).expect("ca"));
    if with_identity {
        let pem = format!("{}{}", pki.client.0, pki.client.1);
        builder = builder.identity(reqwest::Identity::from_pem(pem.as_bytes()).expect("identity"));
    }
    builder.build().expect("client")
}

async fn start_tls(pki: &Pki, require_client_certificates: bool) -> Sandbox {
    Sandbox::start(SandboxOptions {
        tls: Some(SandboxTls {
            server_chain_pem: pki.server.0.clone().into_bytes(),
            server_key_pem: pki.server.1.clone().into_bytes(),
            client_ca_pem: require_client_certificates.then(|| pki.ca_pem.clone().into_bytes()),
        }),
        ..SandboxOptions::default()
    })
    .await
    .expect("sandbox starts")
}

#[tokio::test]
async fn the_vandm_endpoint_is_served_over_tls_when_asked() {
    let pki = pki();
    let sandbox = start_tls(&pki, false).await;
    assert!(sandbox.urls().vandm_base.starts_with("https://127.0.0.1:"));
    assert!(
        sandbox.urls().pds_base.starts_with("http://"),
        "PDS stays plain"
    );
    let answer = send(
        &tls_client(&pki, false),
        &good_search(&sandbox, MARY, WireFormat::Json),
    )
    .await;
    assert_eq!(answer.status, 200);
    // Plain HTTP is the default.
    let plain = start().await;
    assert!(plain.urls().vandm_base.starts_with("http://"));
    plain.shutdown().await;
    sandbox.shutdown().await;
}

#[tokio::test]
async fn client_certificates_are_required_and_a_refusal_leaves_the_server_serving() {
    let pki = pki();
    let sandbox = start_tls(&pki, true).await;
    let get = good_search(&sandbox, MARY, WireFormat::Json);
    let refused = builder(&tls_client(&pki, false), &get).send().await;
    assert!(refused.is_err(), "no client certificate, no answer");
    assert_eq!(sandbox.request_count(), 0);
    let answer = send(&tls_client(&pki, true), &get).await;
    assert_eq!(answer.status, 200);
    assert_eq!(sandbox.request_count(), 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn unusable_tls_material_is_refused_at_start_naming_it() {
    let pki = pki();
    let e = Sandbox::start(SandboxOptions {
        tls: Some(SandboxTls {
            server_chain_pem: pki.server.0.clone().into_bytes(),
            server_key_pem: b"not a key".to_vec(),
            client_ca_pem: None,
        }),
        ..SandboxOptions::default()
    })
    .await
    .expect_err("refused");
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    assert!(e.to_string().contains("server_key_pem"), "{e}");
    let shown = format!(
        "{:?}",
        SandboxTls {
            server_chain_pem: Vec::new(),
            server_key_pem: pki.server.1.clone().into_bytes(),
            client_ca_pem: None,
        }
    );
    assert!(!shown.contains("PRIVATE"), "{shown}");
}
