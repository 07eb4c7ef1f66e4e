//! The PDS search client against canned answers over real loopback HTTP: the query it sends,
//! matches sorted by score, TOO_MANY_MATCHES, a 200 whose body is an OperationOutcome, an empty
//! Bundle.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use vmcheck_spine::http::HttpSettings;
use vmcheck_spine::pds::{PdsAuth, PdsClient, PdsError, PdsSearch};

/// A one-answer-per-connection HTTP server: answers every request with `body` (200, FHIR JSON)
/// and keeps the request lines it saw.
async fn canned(body: String) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let body = body.clone();
            let log = log.clone();
            tokio::spawn(async move {
                let mut buf = vec![0_u8; 8192];
                let mut got = Vec::new();
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&got);
                log.lock()
                    .expect("log")
                    .push(text.lines().next().unwrap_or("").to_owned());
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/fhir+json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    (format!("http://{addr}/personal-demographics/FHIR/R4"), seen)
}

fn client(base: &str) -> PdsClient {
    PdsClient::new(
        base,
        HttpSettings {
            connect: Duration::from_secs(2),
            request: Duration::from_secs(5),
            ..HttpSettings::default()
        },
        PdsAuth::None,
        Arc::new(vmcheck_spine::clock::SystemClock::default()),
    )
    .expect("client")
}

fn patient(id: &str, family: &str, score: f64) -> String {
    format!(
        r#"{{"fullUrl":"x/Patient/{id}","search":{{"score":{score}}},"resource":{{"resourceType":"Patient","id":"{id}","name":[{{"use":"usual","family":"{family}","given":["Jane"]}}],"birthDate":"1990-01-01","gender":"female"}}}}"#
    )
}

fn terms() -> PdsSearch {
    PdsSearch {
        family: " Smith ".into(),
        given: Some("Jane Anne".into()),
        gender: "female".into(),
        birth_date: "1990-01-01".into(),
        postcode: Some("LS1 6AE".into()),
    }
}

#[tokio::test]
async fn the_query_names_every_term_and_matches_come_best_first() {
    let bundle = format!(
        r#"{{"resourceType":"Bundle","type":"searchset","total":3,"entry":[{},{},{}]}}"#,
        patient("9990000026", "Smyth", 0.6),
        patient("9990000018", "Smith", 1.0),
        patient("9990000042", "Smithe", 0.83),
    );
    let (base, seen) = canned(bundle).await;
    let matches = client(&base)
        .search(&terms(), "6f1d5b4e-7a2c-4b9e-8d3f-0a1b2c3d4e5f")
        .await
        .expect("matches");
    let order: Vec<&str> = matches
        .iter()
        .map(|m| m.patient.nhs_number.as_str())
        .collect();
    assert_eq!(order, ["9990000018", "9990000042", "9990000026"]);
    assert_eq!(matches[0].score, Some(1.0));
    let line = seen.lock().expect("seen")[0].clone();
    assert!(
        line.starts_with("GET /personal-demographics/FHIR/R4/Patient?"),
        "{line}"
    );
    for part in [
        "family=Smith&",
        "gender=female",
        "birthdate=eq1990-01-01",
        "given=Jane+Anne",
        "address-postalcode=LS1+6AE",
    ] {
        assert!(line.contains(part), "{part} in {line}");
    }
}

#[tokio::test]
async fn optional_terms_left_empty_are_not_sent() {
    let (base, seen) =
        canned(r#"{"resourceType":"Bundle","type":"searchset","total":0}"#.into()).await;
    let t = PdsSearch {
        given: Some("  ".into()),
        postcode: None,
        ..terms()
    };
    let matches = client(&base).search(&t, "c").await.expect("an empty list");
    assert!(
        matches.is_empty(),
        "an empty Bundle is no match, not an error"
    );
    let line = seen.lock().expect("seen")[0].clone();
    assert!(
        !line.contains("given=") && !line.contains("address-postalcode"),
        "{line}"
    );
}

#[tokio::test]
async fn too_many_matches_is_its_own_error() {
    let (base, _) = canned(r#"{"resourceType":"OperationOutcome","issue":[{"severity":"information","code":"multiple-matches","details":{"coding":[{"system":"https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode","code":"TOO_MANY_MATCHES"}]}}]}"#.into()).await;
    assert_eq!(
        client(&base).search(&terms(), "c").await,
        Err(PdsError::TooManyMatches)
    );
}

#[tokio::test]
async fn a_200_holding_another_outcome_or_no_bundle_is_unexpected() {
    for body in [
        r#"{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing","details":{"coding":[{"code":"SOMETHING_ELSE"}]}}]}"#,
        r#"{"resourceType":"Patient","id":"9990000018"}"#,
        r#"{"resourceType":"Bundle","type":"collection"}"#,
        "not json",
    ] {
        let (base, _) = canned(body.into()).await;
        let err = client(&base).search(&terms(), "c").await.expect_err(body);
        assert!(matches!(err, PdsError::Body(_)), "{body}: {err:?}");
        assert_eq!(err.code(), "PDS_UNEXPECTED_RESPONSE");
    }
}
