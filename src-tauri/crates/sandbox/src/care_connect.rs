//! The sandbox trust's Care Connect FHIR STU3 API (base path `/care-connect/STU3` on the PDS
//! port): `GET /Patient?identifier=<system>|<hospital number>` over the trust's patient
//! administration system (PAS), answering a `searchset` Bundle of CareConnect-Patient-1
//! resources.
//!
//! Every named test patient has a hospital number, `RRK` followed by the last seven digits of
//! their NHS number (`999 000 0018` is `RRK0000018`), with their NHS number marked "Number
//! present and verified" (`01`). A few PAS records exist for the cases around it
//! ([`pas_records`]): one hospital number held by two patients ([`SEVERAL`]), one record
//! without an NHS number ([`NO_NHS_NUMBER`]), one whose NHS number is "present but not traced"
//! (`02`, [`UNVERIFIED`]), one with no verification status at all ([`NO_STATUS`]) and a
//! duplicate merged into its patient's record ([`MERGED`]: inactive, `replaced-by`).
//!
//! `GET /metadata` answers its CapabilityStatement (Patient, searched by `identifier` only).
//! It is strict about the search: `GET` only, an `Accept` of FHIR JSON (`application/fhir+json`
//! or `application/json+fhir`), and exactly one parameter, `identifier`, in the token form
//! `system|value` with both parts present (400 with an OperationOutcome otherwise). A number
//! under another system, or one the PAS does not hold, is a 200 with an empty Bundle, as the
//! Care Connect API guide says. The HTTP faults of [`crate::Fault`] apply to it through
//! [`crate::Sandbox::set_care_connect_fault`]. It deliberately does not page, read by id,
//! search by anything else, ask for a token, or log anything identifying.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};
use vmcheck_core::care_connect::{
    status_meaning, NHS_NUMBER_SYSTEM, VERIFICATION_EXTENSION, VERIFICATION_SYSTEM,
};

use crate::faults::{deliver, Service};
use crate::patients::{patients, TestPatient};
use crate::server::{now_instant, parse_query, ConnCtl, Reply};
use crate::Shared;

/// The Care Connect base path on the sandbox's PDS port.
pub const BASE_PATH: &str = "/care-connect/STU3";
/// The Patient search path.
pub const PATIENT_PATH: &str = "/care-connect/STU3/Patient";
/// The CapabilityStatement's path.
pub const METADATA_PATH: &str = "/care-connect/STU3/metadata";
/// The sandbox trust PAS's software name, in its CapabilityStatement.
pub const SOFTWARE_NAME: &str = "V&M Check sandbox trust PAS";
/// The sandbox trust's hospital number identifier system.
pub const HOSPITAL_NUMBER_SYSTEM: &str = "https://fhir.sandbox-trust.vmcheck.invalid/Id/pas-number";
/// What a hospital number looks like at the sandbox trust.
pub const HOSPITAL_NUMBER_PATTERN: &str = "RRK#######";
/// `Content-Type` of every answer.
pub const CONTENT_TYPE: &str = "application/fhir+json";
/// The Care Connect Patient profile.
pub const PATIENT_PROFILE: &str =
    "https://fhir.hl7.org.uk/STU3/StructureDefinition/CareConnect-Patient-1";

/// A hospital number two PAS records share (999 000 0018 and 999 000 0026).
pub const SEVERAL: &str = "RRK8000001";
/// A PAS record with no NHS number (otherwise 999 000 0042's details).
pub const NO_NHS_NUMBER: &str = "RRK8000002";
/// A PAS record whose NHS number (999 000 0050) is "Number present but not traced" (`02`).
pub const UNVERIFIED: &str = "RRK8000003";
/// A PAS record whose NHS number (999 000 0077) carries no verification status.
pub const NO_STATUS: &str = "RRK8000004";
/// A duplicate record of 999 000 0034, merged into the patient's own record (`RRK0000034`):
/// `active: false` and a `replaced-by` link.
pub const MERGED: &str = "RRK8000005";

/// One record of the sandbox trust's PAS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasRecord {
    /// The hospital number.
    pub hospital_number: String,
    /// The patient whose details the record holds.
    pub patient: &'static TestPatient,
    /// The NHS number the PAS holds (`None`: none recorded).
    pub nhs_number: Option<&'static str>,
    /// The NHS number verification status code (`None`: no extension).
    pub verification: Option<&'static str>,
    /// The hospital number of the record that replaced this one (a merge): this one is then
    /// inactive.
    pub replaced_by: Option<String>,
}

/// The hospital number of a test patient: `RRK` and the last seven digits of the NHS number.
pub fn hospital_number(p: &TestPatient) -> String {
    format!("RRK{}", &p.nhs_number[3..])
}

/// Every PAS record: one per named test patient, then the special cases.
pub fn pas_records() -> Vec<PasRecord> {
    let find = |nhs: &str| patients().iter().find(|p| p.nhs_number == nhs);
    let mut out: Vec<PasRecord> = patients()
        .iter()
        .filter(|p| p.name.is_some())
        .map(|p| PasRecord {
            hospital_number: hospital_number(p),
            patient: p,
            nhs_number: Some(p.nhs_number),
            verification: Some("01"),
            replaced_by: None,
        })
        .collect();
    let special = [
        (SEVERAL, "9990000018", true, Some("01")),
        (SEVERAL, "9990000026", true, Some("01")),
        (NO_NHS_NUMBER, "9990000042", false, None),
        (UNVERIFIED, "9990000050", true, Some("02")),
        (NO_STATUS, "9990000077", true, None),
        (MERGED, "9990000034", true, Some("01")),
    ];
    for (number, nhs, has_nhs, verification) in special {
        if let Some(p) = find(nhs) {
            out.push(PasRecord {
                hospital_number: number.to_owned(),
                patient: p,
                nhs_number: has_nhs.then_some(p.nhs_number),
                verification,
                replaced_by: (number == MERGED).then(|| hospital_number(p)),
            });
        }
    }
    out
}

/// A PAS record as a CareConnect-Patient-1 resource.
fn patient_json(r: &PasRecord, index: usize) -> Value {
    let mut identifiers = Vec::new();
    if let Some(nhs) = r.nhs_number {
        let mut id = json!({ "system": NHS_NUMBER_SYSTEM, "value": nhs });
        if let Some(code) = r.verification {
            id["extension"] = json!([{
                "url": VERIFICATION_EXTENSION,
                "valueCodeableConcept": { "coding": [{
                    "system": VERIFICATION_SYSTEM,
                    "code": code,
                    "display": status_meaning(code).unwrap_or("")
                }]}
            }]);
        }
        identifiers.push(id);
    }
    identifiers.push(json!({ "system": HOSPITAL_NUMBER_SYSTEM, "value": r.hospital_number }));
    let p = r.patient;
    let mut patient = json!({
        "resourceType": "Patient",
        "id": format!("pas-{index}"),
        "meta": { "profile": [PATIENT_PROFILE] },
        "identifier": identifiers,
        "active": r.replaced_by.is_none(),
    });
    if let Some(survivor) = &r.replaced_by {
        patient["link"] = json!([{
            "other": { "identifier": { "system": HOSPITAL_NUMBER_SYSTEM, "value": survivor } },
            "type": "replaced-by"
        }]);
    }
    if let Some(name) = &p.name {
        patient["name"] = json!([{
            "use": "official",
            "family": name.family,
            "given": name.given,
            "prefix": [name.prefix]
        }]);
    }
    if let Some(g) = p.gender {
        patient["gender"] = json!(g);
    }
    if let Some(b) = p.birth_date {
        patient["birthDate"] = json!(b);
    }
    if !p.address.is_empty() {
        let mut address = json!({ "use": "home", "line": p.address });
        if let Some(pc) = p.postcode {
            address["postalCode"] = json!(pc);
        }
        patient["address"] = json!([address]);
    }
    patient
}

/// An OperationOutcome error answer.
fn refuse(status: StatusCode, code: &str, diagnostics: &str) -> Reply {
    tracing::info!(status = status.as_u16(), "Care Connect error answer");
    let body = json!({
        "resourceType": "OperationOutcome",
        "issue": [{ "severity": "error", "code": code, "diagnostics": diagnostics }]
    });
    Reply::new(status, CONTENT_TYPE, body.to_string())
}

/// `GET /care-connect/STU3/Patient?identifier=<system>|<value>`, with the run's Care Connect
/// fault ([`crate::Sandbox::set_care_connect_fault`]) applied.
pub(crate) async fn handle(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<ConnCtl>,
    request: Request,
) -> Response {
    shared.care_connect_requests.fetch_add(1, Ordering::SeqCst);
    let fault = shared.care_connect_fault();
    deliver(answer(&shared, &request), fault, &conn, Service::Pds).await
}

/// `GET /care-connect/STU3/metadata`: the CapabilityStatement (Patient, searched by
/// identifier only), with the run's Care Connect fault applied. Not counted as a search.
pub(crate) async fn metadata(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(conn): ConnectInfo<ConnCtl>,
    request: Request,
) -> Response {
    let fault = shared.care_connect_fault();
    let reply = match refuse_unless_fhir_json(&request) {
        Some(refusal) => refusal,
        None => {
            let statement = json!({
                "resourceType": "CapabilityStatement",
                "status": "active",
                "date": now_instant(),
                "kind": "instance",
                "software": { "name": SOFTWARE_NAME },
                "fhirVersion": "3.0.1",
                "acceptUnknown": "no",
                "format": ["application/fhir+json", "application/json+fhir"],
                "rest": [{
                    "mode": "server",
                    "resource": [{
                        "type": "Patient",
                        "profile": { "reference": PATIENT_PROFILE },
                        "interaction": [{ "code": "search-type" }],
                        "searchParam": [{ "name": "identifier", "type": "token" }]
                    }]
                }]
            });
            Reply::new(StatusCode::OK, CONTENT_TYPE, statement.to_string())
        }
    };
    deliver(reply, fault, &conn, Service::Pds).await
}

/// A 406 unless `Accept` asks for FHIR JSON (either spelling).
fn refuse_unless_fhir_json(request: &Request) -> Option<Reply> {
    let accept = request
        .headers()
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",")
        .to_ascii_lowercase();
    (!accept.contains("application/fhir+json") && !accept.contains("application/json+fhir")).then(
        || {
            refuse(
                StatusCode::NOT_ACCEPTABLE,
                "not-supported",
                "Accept must ask for FHIR JSON (application/fhir+json or application/json+fhir)",
            )
        },
    )
}

fn answer(shared: &Shared, request: &Request) -> Reply {
    if let Some(refusal) = refuse_unless_fhir_json(request) {
        return refusal;
    }
    let Ok(query) = parse_query(request.uri().query()) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "invalid",
            "The query string cannot be decoded",
        );
    };
    let token = match query.as_slice() {
        [(name, value)] if name == "identifier" => value,
        _ => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "not-supported",
                "This sandbox searches Patient by one identifier=system|value only",
            )
        }
    };
    let Some((system, value)) = token.split_once('|') else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "invalid",
            "The identifier must be given as system|value",
        );
    };
    if system.is_empty() || value.is_empty() || value.contains('|') {
        return refuse(
            StatusCode::BAD_REQUEST,
            "invalid",
            "The identifier must be given as system|value, both present",
        );
    }
    let found: Vec<(usize, PasRecord)> = if system == HOSPITAL_NUMBER_SYSTEM {
        pas_records()
            .into_iter()
            .enumerate()
            .filter(|(_, r)| r.hospital_number == value)
            .collect()
    } else {
        Vec::new()
    };
    let base = format!(
        "{}{BASE_PATH}",
        shared
            .urls
            .pds_base
            .strip_suffix(crate::pds::BASE_PATH)
            .unwrap_or(&shared.urls.pds_base)
    );
    let entries: Vec<Value> = found
        .iter()
        .map(|(i, r)| {
            json!({
                "fullUrl": format!("{base}/Patient/pas-{i}"),
                "resource": patient_json(r, *i),
                "search": { "mode": "match" }
            })
        })
        .collect();
    let bundle = json!({
        "resourceType": "Bundle",
        "id": uuid::Uuid::new_v4().to_string(),
        "meta": { "lastUpdated": now_instant() },
        "type": "searchset",
        "total": entries.len(),
        "link": [{ "relation": "self", "url": format!("{base}/Patient?identifier={system}|{value}") }],
        "entry": entries,
    });
    Reply::new(StatusCode::OK, CONTENT_TYPE, bundle.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hospital_numbers_are_unique_except_the_shared_one() {
        let records = pas_records();
        for r in &records {
            let holders = records
                .iter()
                .filter(|o| o.hospital_number == r.hospital_number)
                .count();
            let expected = if r.hospital_number == SEVERAL { 2 } else { 1 };
            assert_eq!(holders, expected, "{}", r.hospital_number);
            let pattern =
                vmcheck_core::care_connect::HospitalNumberPattern::new(HOSPITAL_NUMBER_PATTERN)
                    .expect("pattern");
            assert!(pattern.matches(&r.hospital_number), "{}", r.hospital_number);
        }
        assert_eq!(
            records
                .iter()
                .find(|r| r.patient.nhs_number == "9990000018")
                .map(|r| r.hospital_number.as_str()),
            Some("RRK0000018")
        );
    }
}
