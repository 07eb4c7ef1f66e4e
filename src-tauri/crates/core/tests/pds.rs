//! The PDS Patient as PDS really sends it (the PDS FHIR API's published examples and variations
//! of them): names and addresses with periods, restricted records, records missing details.
#![allow(
    clippy::disallowed_methods,
    reason = "tests and benchmarks read the fixture files; the core itself never does"
)]

use std::path::Path;

use serde_json::{json, Value};
use vmcheck_core::pds::{
    patient_from_value, read_issue, read_patient, read_search, PdsIssue, PdsPatient,
};
use vmcheck_core::time::CalendarDate;

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pds")
        .join(name);
    serde_json::from_slice(&std::fs::read(path).expect("fixture")).expect("json")
}

fn day(s: &str) -> CalendarDate {
    CalendarDate::parse(s).expect("date")
}

fn patient(v: &Value) -> PdsPatient {
    patient_from_value(v).expect("a patient")
}

#[test]
fn the_published_example_has_only_ended_names_and_addresses() {
    let p = patient(&fixture("Patient-9000000009.json"));
    // Today: the name and home address ended on 31 December 2021.
    let today = day("2026-12-04");
    let name = p.name_on(today).expect("a name");
    assert_eq!(name.value.display(), "SMITH, Jane (Mrs)");
    assert_eq!((name.current, name.ended), (false, Some(day("2021-12-31"))));
    let address = p.address_on(today).expect("an address");
    assert!(!address.current, "never shown as current");
    assert_eq!(address.ended, Some(day("2021-12-31")));
    assert_eq!(address.value.postcode.as_deref(), Some("LS1 6AE"));
    // While they applied, they are current (home before temp).
    let then = day("2021-06-01");
    assert!(p.name_on(then).expect("name").current);
    assert!(p.address_on(then).expect("address").current);
    assert_eq!(p.addresses.len(), 2);
    assert_eq!(
        p.address_on(then).expect("address").value.lines[0],
        "1 Trevelyan Square"
    );
    // The first and last days of a period count as inside it.
    assert!(p.name_on(day("2020-01-01")).expect("n").current);
    assert!(p.name_on(day("2021-12-31")).expect("n").current);
    assert!(!p.name_on(day("2022-01-01")).expect("n").current);
    assert!(!p.name_on(day("2019-12-31")).expect("n").current);
    assert_eq!(p.birth_date.as_deref(), Some("2010-10-22"));
}

#[test]
fn a_current_name_or_address_wins_over_an_ended_one() {
    let mut v = fixture("Patient-9000000009.json");
    v["name"].as_array_mut().expect("names").push(json!({
        "use": "usual",
        "period": {"start": "2022-01-01"},
        "given": ["Jane"],
        "family": "Jones",
        "prefix": ["Mrs"]
    }));
    v["name"].as_array_mut().expect("names").insert(
        0,
        json!({
            "use": "nickname",
            "period": {"start": "2022-01-01"},
            "given": ["Janey"],
            "family": "Jones"
        }),
    );
    v["address"].as_array_mut().expect("addresses").push(json!({
        "use": "temp",
        "period": {"start": "2025-09-01", "end": "2027-06-30"},
        "line": ["Room 12", "Halls of Residence", "Leeds"],
        "postalCode": "LS2 9JT"
    }));
    let p = patient(&v);
    let today = day("2026-12-04");
    let name = p.name_on(today).expect("name");
    assert_eq!(name.value.display(), "JONES, Jane (Mrs)", "usual first");
    assert!(name.current);
    let address = p.address_on(today).expect("address");
    assert_eq!(address.value.postcode.as_deref(), Some("LS2 9JT"));
    assert!(address.current, "the only current address, though not home");

    // A home address current too comes first.
    let mut v2 = v.clone();
    v2["address"]
        .as_array_mut()
        .expect("addresses")
        .push(json!({
            "use": "home",
            "period": {"start": "2024-01-01"},
            "line": ["2 New Street", "York"],
            "postalCode": "YO1 7HH"
        }));
    let p = patient(&v2);
    assert_eq!(
        p.address_on(today)
            .expect("address")
            .value
            .postcode
            .as_deref(),
        Some("YO1 7HH")
    );
}

#[test]
fn old_names_and_future_periods_are_not_current() {
    let v = json!({
        "resourceType": "Patient",
        "id": "9000000009",
        "name": [
            {"use": "old", "given": ["Jane"], "family": "Brown"},
            {"use": "usual", "period": {"start": "2030-01-01"}, "given": ["Jane"], "family": "Green"}
        ],
        "address": [
            {"use": "home", "period": {"start": "2019-01-01", "end": "2020-12"}, "line": ["1 A Street"], "postalCode": "AB1 2CD"},
            {"use": "home", "period": {"start": "2012-01-01", "end": "2018-05-31"}, "line": ["9 B Road"], "postalCode": "EF3 4GH"}
        ]
    });
    let p = patient(&v);
    let today = day("2026-12-04");
    let name = p.name_on(today).expect("a name");
    // Neither is current: the one shown is not presented as current either.
    assert!(!name.current);
    assert_eq!(name.ended, None, "neither name has an end date");
    let address = p.address_on(today).expect("an address");
    assert_eq!(
        address.value.postcode.as_deref(),
        Some("AB1 2CD"),
        "the latest"
    );
    assert!(!address.current);
    assert_eq!(
        address.ended,
        Some(day("2020-12-31")),
        "a month period ends on its last day"
    );
}

#[test]
fn restricted_records_keep_no_address() {
    let p = patient(&fixture("Patient-restricted-9000000025.json"));
    assert!(p.restricted);
    assert!(p.addresses.is_empty());
    assert!(p.address_on(day("2020-06-01")).is_none());
    let search = fixture("PatientSearch-restricted.json");
    let matches = read_search(search.to_string().as_bytes()).expect("search");
    assert!(matches.iter().all(|m| m.patient.addresses.is_empty()));
}

#[test]
fn a_record_without_name_or_birth_date_says_so() {
    let search = fixture("PatientSearch-minimal.json");
    let matches = read_search(search.to_string().as_bytes()).expect("search");
    let p = &matches[0].patient;
    assert!(p.names.is_empty());
    assert!(p.name_on(day("2026-12-04")).is_none());
    assert_eq!(p.birth_date, None);
    // A name with nothing in it is no name.
    let v = json!({"resourceType": "Patient", "id": "9000000009", "name": [{"use": "usual"}]});
    assert!(patient(&v).names.is_empty());
}

#[test]
fn every_published_example_reads() {
    let p = read_patient(fixture("Patient-9000000009.json").to_string().as_bytes()).expect("reads");
    assert_eq!(p.nhs_number.as_str(), "9000000009");
    for name in [
        "PatientSearch.json",
        "PatientSearch-minimal.json",
        "PatientSearch-restricted.json",
    ] {
        let matches = read_search(fixture(name).to_string().as_bytes()).expect(name);
        assert!(!matches.is_empty(), "{name}");
    }
}

#[test]
fn of_names_ended_the_same_day_the_usual_one_is_shown() {
    let ended = json!({"start": "2010-01-01", "end": "2021-12-31"});
    let v = json!({
        "resourceType": "Patient",
        "id": "9000000009",
        "name": [
            {"use": "nickname", "period": ended, "given": ["Janey"], "family": "Smith"},
            {"use": "usual", "period": ended, "given": ["Jane"], "family": "Smith"},
            {"use": "maiden", "period": ended, "given": ["Jane"], "family": "Brown"}
        ]
    });
    let p = patient(&v);
    let name = p.name_on(day("2026-12-04")).expect("a name");
    assert_eq!(name.value.display(), "SMITH, Jane");
    assert!(!name.current);
}

#[test]
fn a_name_with_only_a_family_or_only_given_names_is_kept() {
    let v = json!({
        "resourceType": "Patient",
        "id": "9000000009",
        "name": [
            {"use": "usual", "given": ["Jane"]},
            {"use": "old", "family": "Smith"}
        ]
    });
    assert_eq!(patient(&v).names.len(), 2);
}

#[test]
fn only_a_searchset_bundle_is_a_search_result() {
    let mut search = fixture("PatientSearch.json");
    assert!(read_search(search.to_string().as_bytes()).is_ok());
    search["type"] = json!("collection");
    assert!(
        read_search(search.to_string().as_bytes()).is_err(),
        "a collection"
    );
    search["type"] = json!("searchset");
    search["resourceType"] = json!("Parameters");
    assert!(
        read_search(search.to_string().as_bytes()).is_err(),
        "not a Bundle"
    );
}

#[test]
fn a_pds_error_body_is_read_and_anything_else_is_not_one() {
    let outcome = json!({
        "resourceType": "OperationOutcome",
        "issue": [{
            "severity": "error",
            "code": "value",
            "details": {"coding": [{
                "system": "https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode",
                "version": "1",
                "code": "INVALID_RESOURCE_ID",
                "display": "Resource Id is invalid"
            }]},
            "diagnostics": "Invalid NHS number"
        }]
    });
    assert_eq!(
        read_issue(outcome.to_string().as_bytes()),
        Some(PdsIssue {
            issue_type: "value".into(),
            code: "INVALID_RESOURCE_ID".into(),
            display: Some("Resource Id is invalid".into()),
            diagnostics: Some("Invalid NHS number".into()),
        })
    );
    let patient = fixture("Patient-9000000009.json");
    assert_eq!(read_issue(patient.to_string().as_bytes()), None);
    assert_eq!(read_issue(b"<html>Bad gateway</html>"), None);
}

#[test]
fn debug_output_of_a_patient_names_no_one() {
    let p = patient(&fixture("Patient-9000000009.json"));
    assert_eq!(
        format!("{p:?}"),
        "PdsPatient { restricted: false, deceased: true, .. }"
    );
}
