//! Every test patient end to end, as a client sees it: trace on PDS, then the V&M search for the
//! number PDS answered with, classified by the core — and the result equals the patient's
//! `expected`. Also: the numbers are valid, the table covers every banner row, and `expected` is
//! what the core computes.

mod common;

use std::collections::BTreeSet;

use common::*;
use vmcheck_core::fhir::{SearchBody, WireFormat};
use vmcheck_core::pds::{read_issue, read_patient, TraceOutcome};
use vmcheck_core::{Banner, BannerColour, BannerKind, NhsNumber};
use vmcheck_sandbox::patients::{PdsBehaviour, VandmBehaviour};
use vmcheck_sandbox::{patients, Expected, Sandbox, TestPatient};

#[test]
fn numbers_are_valid_distinct_and_in_the_test_range() {
    let mut seen = BTreeSet::new();
    for p in patients() {
        let n = NhsNumber::parse(p.nhs_number).expect("valid Modulus 11");
        assert_eq!(n.as_str(), p.nhs_number, "written as ten digits");
        assert!(p.nhs_number.starts_with("999000"), "{}", p.nhs_number);
        assert!(seen.insert(p.nhs_number), "{} twice", p.nhs_number);
        assert!(!p.case.is_empty());
        if let Some(new) = p.superseded_by {
            assert_eq!(p.pds, PdsBehaviour::Superseded);
            assert!(patients().iter().any(|q| q.nhs_number == new));
        } else {
            assert_ne!(p.pds, PdsBehaviour::Superseded);
        }
    }
    assert!(patients().len() >= 30);
}

#[test]
fn the_table_covers_every_banner_row_and_answer() {
    let headlines: BTreeSet<&str> = patients()
        .iter()
        .filter_map(|p| p.expected.headline)
        .collect();
    for kind in [
        BannerKind::Chargeable,
        BannerKind::LikelyChargeable,
        BannerKind::NotChargeable,
        BannerKind::NotChargeableSurchargePaidOrExempt,
        BannerKind::DecisionPending,
        BannerKind::Conflicting,
        BannerKind::CategoryWithoutBasic,
        BannerKind::NoStatusDetermined,
        BannerKind::StatusWithdrawn,
        BannerKind::Unrecognised,
        BannerKind::NoRecord,
    ] {
        let headline = Banner {
            colour: BannerColour::Grey,
            kind,
        }
        .headline();
        assert!(headlines.contains(headline), "no patient for {kind:?}");
    }
    let codes: BTreeSet<&str> = patients()
        .iter()
        .filter_map(|p| p.expected.error_code)
        .collect();
    for code in [
        "PATIENT_NOT_FOUND",
        "RESOURCE_NOT_FOUND",
        "INVALIDATED_RESOURCE",
        "TOO_MANY_REQUESTS",
        "UNABLE_TO_CALL_SERVICE",
        "SPINE_HTTP_ERROR",
        "SPINE_CONNECTION_BROKEN",
        "SPINE_UNREADABLE_RESPONSE",
    ] {
        assert!(codes.contains(code), "no patient for {code}");
    }
    let colours: BTreeSet<&str> = patients()
        .iter()
        .filter_map(|p| p.expected.banner)
        .collect();
    assert_eq!(colours, BTreeSet::from(["amber", "green", "grey", "red"]));
    // Two N + lettered categories at least, a recent update, a deceased and a restricted patient.
    let greens = patients()
        .iter()
        .filter(|p| p.expected.headline == Some("Not chargeable"))
        .count();
    assert!(greens >= 2);
    assert!(patients().iter().any(|p| matches!(
        &p.vandm,
        VandmBehaviour::Status(r) if r.effective.starts_with("2026")
    )));
    assert!(patients()
        .iter()
        .any(|p| p.deceased.is_some() && matches!(p.vandm, VandmBehaviour::Status(_))));
    assert!(patients()
        .iter()
        .any(|p| p.restricted && matches!(p.vandm, VandmBehaviour::Status(_))));
    let slow = patients()
        .iter()
        .find(|p| p.fault.as_ref().is_some_and(|f| f.name() == "slow-drip"))
        .expect("a slow-drip patient");
    assert_eq!(
        slow.expected.outcome, "status",
        "a slow answer is still an answer"
    );
}

#[test]
fn the_list_serialises_for_the_command_line() {
    let json = serde_json::to_value(patients()).expect("serialises");
    let first = &json[0];
    assert_eq!(first["nhs_number"], "9990000018");
    assert_eq!(first["expected"]["outcome"], "status");
    assert_eq!(first["expected"]["banner"], "red");
    assert_eq!(first["expected"]["headline"], "Chargeable");
    assert_eq!(first["expected"]["error_code"], serde_json::Value::Null);
    assert_eq!(first["vandm"]["kind"], "status");
    let reset = json
        .as_array()
        .and_then(|a| a.iter().find(|p| p["fault"] == "reset"))
        .expect("reset patient");
    assert_eq!(reset["expected"]["error_code"], "SPINE_CONNECTION_BROKEN");
}

/// The code V&M Check reports for the fault a client observed.
fn fault_code(name: &str) -> &'static str {
    name.parse::<vmcheck_sandbox::Fault>()
        .expect("a fault name")
        .client_code()
}

/// What a client saw, comparable with [`Expected`].
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    outcome: &'static str,
    banner: Option<&'static str>,
    headline: Option<&'static str>,
    error_code: Option<String>,
}

impl From<&Expected> for Seen {
    fn from(e: &Expected) -> Self {
        Self {
            outcome: e.outcome,
            banner: e.banner,
            headline: e.headline,
            error_code: e.error_code.map(str::to_owned),
        }
    }
}

/// What a client makes of one patient: trace, then status.
async fn observe(
    client: &reqwest::Client,
    sandbox: &Sandbox,
    p: &TestPatient,
    format: WireFormat,
) -> Seen {
    let error = |code: &str| Seen {
        outcome: "error",
        banner: None,
        headline: None,
        error_code: Some(code.to_owned()),
    };
    let traced = pds_get(client, sandbox, p.nhs_number).await;
    if traced.status != 200 {
        let issue = read_issue(&traced.body).expect("a PDS OperationOutcome");
        return error(&issue.code);
    }
    let patient = read_patient(&traced.body).expect("the core reads the patient");
    let trace = TraceOutcome::new(&nhs(p.nhs_number), patient);
    let number = trace.patient.nhs_number.as_str().to_owned();
    assert_eq!(trace.superseded_from.is_some(), p.superseded_by.is_some());

    let get = good_search(sandbox, &number, format);
    let response = match builder(client, &get).send().await {
        Ok(r) => r,
        Err(e) => {
            assert!(!e.is_timeout(), "{e}");
            return error(fault_code("reset"));
        }
    };
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let Ok(body) = response.bytes().await else {
        return error(fault_code("truncated"));
    };
    match (status, content_type.as_str()) {
        (502, "text/html") => return error(fault_code("html502")),
        (500, t) if t.starts_with("text/plain") => return error(fault_code("500")),
        (_, t) if t.starts_with("text/plain") => return error(fault_code("wrong-content-type")),
        _ => {}
    }
    let format = WireFormat::from_media_type(&content_type).expect("FHIR content type");
    let body = match vmcheck_core::fhir::parse_search_body(format, &body) {
        Ok(body) => body,
        Err(vmcheck_core::fhir::BodyError::Model(e)) if e.code().is_some() => {
            return error(e.code().expect("code"));
        }
        Err(e) => panic!("the core cannot read it: {e}"),
    };
    match (status, body) {
        (200, SearchBody::Observation(s)) => {
            let today = vmcheck_core::time::CalendarDate::parse("2026-12-04").expect("date");
            let b = match vmcheck_core::assess(&s, &nhs(&number), today) {
                Ok(a) => a.banner,
                Err(refusal) => return error(refusal.code()),
            };
            assert!(s.version_id.is_some() && s.effective.is_some());
            Seen {
                outcome: "status",
                banner: Some(b.colour.as_str()),
                headline: Some(b.headline()),
                error_code: None,
            }
        }
        (200, SearchBody::OperationOutcome(_)) => {
            let b = Banner::no_record();
            Seen {
                outcome: "no_record",
                banner: Some(b.colour.as_str()),
                headline: Some(b.headline()),
                error_code: None,
            }
        }
        (status, SearchBody::OperationOutcome(o)) => {
            let e = vmcheck_core::spine_error::SpineError::from_outcome(status, &o);
            error(e.code.code())
        }
        (status, SearchBody::Observation(_)) => panic!("an Observation with HTTP {status}"),
    }
}

#[tokio::test]
async fn every_patient_end_to_end_equals_expected() {
    let sandbox = start().await;
    let client = client();
    for p in patients() {
        let seen = observe(&client, &sandbox, p, WireFormat::Json).await;
        assert_eq!(
            seen,
            Seen::from(&p.expected),
            "{} ({})",
            p.nhs_number,
            p.case
        );
        if p.fault.is_none() {
            let seen = observe(&client, &sandbox, p, WireFormat::Xml).await;
            assert_eq!(seen, Seen::from(&p.expected), "{} in XML", p.nhs_number);
        }
    }
    assert!(sandbox.pds_request_count() >= patients().len() as u64);
}

#[tokio::test]
async fn the_old_number_of_a_superseded_patient_is_unknown_to_vandm() {
    let sandbox = start().await;
    let client = client();
    let answer = send(
        &client,
        &good_search(&sandbox, "9990000247", WireFormat::Json),
    )
    .await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.spine_error().code.code(), "PATIENT_NOT_FOUND");
    let answer = send(
        &client,
        &good_search(&sandbox, "9990000255", WireFormat::Json),
    )
    .await;
    assert_eq!(answer.status, 200);
}

#[tokio::test]
async fn observations_carry_what_each_case_says() {
    let sandbox = start().await;
    let client = client();
    // Y + F: both components, coded.
    let json = send(
        &client,
        &good_search(&sandbox, "9990000018", WireFormat::Json),
    )
    .await
    .json();
    let components = json["entry"][0]["resource"]["component"]
        .as_array()
        .expect("components")
        .clone();
    assert_eq!(components.len(), 2);
    assert_eq!(
        components[0]["code"]["coding"][0]["code"],
        "BASIC_CHARGEABLE_STATUS"
    );
    assert_eq!(
        components[0]["valueCodeableConcept"]["coding"][0]["code"],
        "Y"
    );
    assert_eq!(
        components[0]["valueCodeableConcept"]["coding"][0]["display"],
        "Chargeable"
    );
    assert_eq!(
        components[1]["code"]["coding"][0]["code"],
        "CATEGORY_CHARGEABLE_STATUS"
    );
    assert_eq!(
        components[1]["valueCodeableConcept"]["coding"][0]["display"],
        "Chargeable non-EEA"
    );
    // Y alone: one component.
    let json = send(
        &client,
        &good_search(&sandbox, "9990000034", WireFormat::Json),
    )
    .await
    .json();
    assert_eq!(
        json["entry"][0]["resource"]["component"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    // A category without a coding.
    let json = send(
        &client,
        &good_search(&sandbox, "9990000204", WireFormat::Json),
    )
    .await
    .json();
    let category = &json["entry"][0]["resource"]["component"][1];
    assert!(category["valueCodeableConcept"].get("coding").is_none());
    assert!(category["valueCodeableConcept"]["text"].is_string());
    // An unknown category code.
    let json = send(
        &client,
        &good_search(&sandbox, "9990000190", WireFormat::Json),
    )
    .await
    .json();
    assert_eq!(
        json["entry"][0]["resource"]["component"][1]["valueCodeableConcept"]["coding"][0]["code"],
        "G"
    );
}
