//! The sandbox trust's Care Connect API as a client sees it: every PAS record, searched by its
//! hospital number and read by the core, gives the patient's verified NHS number or the error
//! its case calls for; searches in any other form are refused.

mod common;

use common::*;
use vmcheck_core::care_connect::{read_search, CareConnectError, HospitalNumberPattern};
use vmcheck_sandbox::care_connect::{
    pas_records, HOSPITAL_NUMBER_PATTERN, HOSPITAL_NUMBER_SYSTEM, MERGED, NO_NHS_NUMBER, NO_STATUS,
    SEVERAL, UNVERIFIED,
};

async fn search(base: &str, query: &str, accept: &str) -> (u16, Option<String>, Vec<u8>) {
    let response = client()
        .get(format!("{base}/Patient?{query}"))
        .header("Accept", accept)
        .send()
        .await
        .expect("answer");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (
        status,
        content_type,
        response.bytes().await.expect("body").to_vec(),
    )
}

fn token(number: &str) -> String {
    format!(
        "identifier={}%7C{number}",
        HOSPITAL_NUMBER_SYSTEM
            .replace(':', "%3A")
            .replace('/', "%2F")
    )
}

#[tokio::test]
async fn every_pas_record_reads_as_its_case() {
    let sandbox = start().await;
    let base = sandbox.urls().care_connect_base();
    let pattern = HospitalNumberPattern::new(HOSPITAL_NUMBER_PATTERN).expect("pattern");
    for record in pas_records() {
        let number = &record.hospital_number;
        let (status, content_type, body) =
            search(&base, &token(number), "application/fhir+json").await;
        assert_eq!(status, 200, "{number}");
        assert_eq!(content_type.as_deref(), Some("application/fhir+json"));
        let asked = pattern.parse(number).expect("the trust's form");
        let read = read_search(&body, HOSPITAL_NUMBER_SYSTEM, &asked);
        let expected = match number.as_str() {
            SEVERAL => Err(CareConnectError::Several(2)),
            NO_NHS_NUMBER => Err(CareConnectError::NoNhsNumber),
            UNVERIFIED => Err(CareConnectError::Unverified {
                code: Some("02".into()),
            }),
            NO_STATUS => Err(CareConnectError::Unverified { code: None }),
            MERGED => Err(CareConnectError::NotInUse),
            _ => Ok(record.patient.nhs_number.to_owned()),
        };
        assert_eq!(
            read.map(|p| p.nhs_number.as_str().to_owned()),
            expected,
            "{number}"
        );
    }
    assert!(sandbox.care_connect_request_count() >= 40);
}

#[tokio::test]
async fn unknown_numbers_and_other_systems_find_nobody() {
    let sandbox = start().await;
    let base = sandbox.urls().care_connect_base();
    let asked = HospitalNumberPattern::new(HOSPITAL_NUMBER_PATTERN)
        .expect("pattern")
        .parse("RRK9999999")
        .expect("number");
    for query in [
        token("RRK9999999"),
        "identifier=https%3A%2F%2Fother.example%2FId%2Fpas%7CRRK0000018".to_owned(),
        // Case matters to the server: the client sends numbers in upper case.
        token("rrk0000018"),
    ] {
        let (status, _, body) = search(&base, &query, "application/json+fhir").await;
        assert_eq!(status, 200, "{query}");
        assert_eq!(
            read_search(&body, HOSPITAL_NUMBER_SYSTEM, &asked),
            Err(CareConnectError::NotFound),
            "{query}"
        );
    }
}

#[tokio::test]
async fn searches_in_any_other_form_are_refused() {
    let sandbox = start().await;
    let base = sandbox.urls().care_connect_base();
    for (query, accept, want) in [
        ("identifier=RRK0000018", "application/fhir+json", 400),
        ("identifier=%7CRRK0000018", "application/fhir+json", 400),
        (
            "identifier=https%3A%2F%2Fx%7C",
            "application/fhir+json",
            400,
        ),
        ("family=Taylor", "application/fhir+json", 400),
        (
            format!("{}&family=Taylor", token("RRK0000018")).as_str(),
            "application/fhir+json",
            400,
        ),
        (
            format!("{}&{}", token("RRK0000018"), token("RRK0000018")).as_str(),
            "application/fhir+json",
            400,
        ),
        ("", "application/fhir+json", 400),
        (token("RRK0000018").as_str(), "application/fhir+xml", 406),
        (token("RRK0000018").as_str(), "text/html", 406),
    ] {
        let (status, _, body) = search(&base, query, accept).await;
        assert_eq!(status, want, "{query} {accept}");
        let json: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(json["resourceType"], "OperationOutcome", "{query}");
    }
    let post = client()
        .post(format!("{base}/Patient"))
        .header("Accept", "application/fhir+json")
        .send()
        .await
        .expect("answer");
    assert_eq!(post.status().as_u16(), 405);
}

#[tokio::test]
async fn the_capability_statement_lists_the_one_search_and_is_strict_too() {
    let sandbox = start().await;
    let base = sandbox.urls().care_connect_base();
    let get = |accept: &'static str| {
        client()
            .get(format!("{base}/metadata"))
            .header("Accept", accept)
            .send()
    };
    let answer = get("application/json+fhir").await.expect("answer");
    assert_eq!(answer.status().as_u16(), 200);
    let statement: serde_json::Value = answer.json().await.expect("json");
    assert_eq!(statement["resourceType"], "CapabilityStatement");
    assert_eq!(statement["fhirVersion"], "3.0.1");
    let patient = &statement["rest"][0]["resource"][0];
    assert_eq!(patient["type"], "Patient");
    assert_eq!(patient["searchParam"][0]["name"], "identifier");
    assert_eq!(patient["searchParam"].as_array().map(Vec::len), Some(1));
    let refused = get("text/html").await.expect("answer");
    assert_eq!(refused.status().as_u16(), 406);
    let post = client()
        .post(format!("{base}/metadata"))
        .header("Accept", "application/fhir+json")
        .send()
        .await
        .expect("answer");
    assert_eq!(post.status().as_u16(), 405);
    assert_eq!(
        sandbox.care_connect_request_count(),
        0,
        "no search was made"
    );
}
