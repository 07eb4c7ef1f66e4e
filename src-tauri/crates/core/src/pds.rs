//! The PDS FHIR R4 Patient as V&M Check shows it, and PDS error bodies.
//!
//! Only what the user needs to confirm the person on screen is kept: NHS number, names and
//! addresses with their periods, birth date, gender, deceased date, and whether PDS answered
//! with a different number than the one asked for (a superseded record). Addresses of a
//! restricted record are never kept.
//!
//! PDS names and addresses carry `period`s, and a record may hold only ended ones (PDS's own
//! example patient does). [`PdsPatient::name_on`] and [`PdsPatient::address_on`] choose what
//! to show on a given day: a current one (the period covers the day; `usual` name first, `home`
//! address first), otherwise the latest one marked historic with the day it ended — an ended
//! address is never presented as current. The day is a parameter: the core has no clock.

use serde_json::Value;

use crate::nhs::NhsNumber;
use crate::time::{CalendarDate, FhirDateTime};

/// Confidentiality codes PDS uses for restricted ("sensitive") records.
const RESTRICTED_CODES: [&str; 2] = ["R", "V"];

/// A patient's name as shown.
#[derive(Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct PersonName {
    /// Titles (`Mrs`).
    pub prefix: Vec<String>,
    /// Given names.
    pub given: Vec<String>,
    /// Family name.
    pub family: Option<String>,
}

impl PersonName {
    /// `SMITH, Jane (Mrs)` — the NHS display convention, family name first in capitals.
    pub fn display(&self) -> String {
        let family = self.family.as_deref().unwrap_or("").to_uppercase();
        let given = self.given.join(" ");
        let mut out = match (family.is_empty(), given.is_empty()) {
            (false, false) => format!("{family}, {given}"),
            (false, true) => family,
            (true, _) => given,
        };
        if !self.prefix.is_empty() {
            out.push_str(&format!(" ({})", self.prefix.join(" ")));
        }
        out
    }
}

/// A postal address as shown.
#[derive(Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct PostalAddress {
    /// Address lines.
    pub lines: Vec<String>,
    /// Postcode.
    pub postcode: Option<String>,
}

/// A name or address with its `use` and `period`, as PDS holds it.
#[derive(Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Dated<T> {
    /// The name or address.
    pub value: T,
    /// `use` (`usual`, `official`, `old`…; `home`, `temp`…).
    pub use_: Option<String>,
    /// `period.start`: the first day it applies.
    pub start: Option<CalendarDate>,
    /// `period.end`: the last day it applies.
    pub end: Option<CalendarDate>,
    /// A `period` was sent that cannot be read (not an object, or a `start` or `end` that is
    /// not a FHIR date): when it applies is unknown, so it is never shown as current.
    #[serde(default)]
    pub period_unreadable: bool,
}

impl<T> Dated<T> {
    /// Whether it applies on `day`: the period can be read and covers the day, and it is not
    /// marked `old`.
    pub fn is_current_on(&self, day: CalendarDate) -> bool {
        !self.period_unreadable
            && self.use_.as_deref() != Some("old")
            && self.start.is_none_or(|s| s <= day)
            && self.end.is_none_or(|e| e >= day)
    }
}

/// What to show of a name or address on a given day.
#[derive(Debug, PartialEq, Eq)]
pub struct Shown<'a, T> {
    /// The value.
    pub value: &'a T,
    /// It applies on the day. When false it is shown as historic, never as current.
    pub current: bool,
    /// When not current: the day it ended, if PDS gives one.
    pub ended: Option<CalendarDate>,
}

impl<T> Clone for Shown<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Shown<'_, T> {}

/// Chooses what to show on `day`: the first current one in order of `preferred` use, then any
/// current one; otherwise the latest one (latest end, then latest start), marked with its end.
fn choose<'a, T>(
    items: &'a [Dated<T>],
    preferred: &str,
    day: CalendarDate,
) -> Option<Shown<'a, T>> {
    let current = items
        .iter()
        .filter(|i| i.is_current_on(day))
        .min_by_key(|i| i.use_.as_deref() != Some(preferred));
    if let Some(c) = current {
        return Some(Shown {
            value: &c.value,
            current: true,
            ended: None,
        });
    }
    let latest = items
        .iter()
        .max_by_key(|i| (i.end, i.start, i.use_.as_deref() == Some(preferred)))?;
    Some(Shown {
        value: &latest.value,
        current: false,
        // Without an end it starts after `day`, or is marked `old`.
        ended: latest.end,
    })
}

/// A PDS patient, reduced to what the product shows.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PdsPatient {
    /// The record's NHS number (`id`).
    pub nhs_number: NhsNumber,
    /// Every name, in PDS's order.
    pub names: Vec<Dated<PersonName>>,
    /// `YYYY-MM-DD` (or partial).
    pub birth_date: Option<String>,
    /// `male` | `female` | `other` | `unknown`.
    pub gender: Option<String>,
    /// Every address, in PDS's order; empty when absent or withheld (restricted).
    pub addresses: Vec<Dated<PostalAddress>>,
    /// `deceasedDateTime`, when the patient has died.
    pub deceased: Option<String>,
    /// `meta.security` is R (restricted) or V: address and contacts are withheld.
    pub restricted: bool,
    /// `meta.versionId`.
    pub version_id: Option<String>,
}

impl std::fmt::Debug for PdsPatient {
    /// Redacted: nothing identifying reaches debug output (and so logs).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PdsPatient")
            .field("restricted", &self.restricted)
            .field("deceased", &self.deceased.is_some())
            .finish_non_exhaustive()
    }
}

/// Why a PDS body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdsBodyError {
    /// Not JSON.
    #[error("PDS sent a response that is not JSON")]
    NotJson,
    /// JSON, but not the resource expected.
    #[error("PDS sent an unexpected response ({0})")]
    Unexpected(String),
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

impl PdsPatient {
    /// The name to show on `day` (see the module documentation).
    pub fn name_on(&self, day: CalendarDate) -> Option<Shown<'_, PersonName>> {
        choose(&self.names, "usual", day)
    }

    /// The address to show on `day`; `None` when there is none (or it is withheld).
    pub fn address_on(&self, day: CalendarDate) -> Option<Shown<'_, PostalAddress>> {
        choose(&self.addresses, "home", day)
    }
}

/// Reads `period` and `use` around a value. A bound that is there but is not a FHIR date is
/// not taken for an open one: the period is marked unreadable.
fn dated<T>(v: &Value, value: T) -> Dated<T> {
    let period = &v["period"];
    let date = |key: &str, end: bool| -> Result<Option<CalendarDate>, ()> {
        match &period[key] {
            Value::Null => Ok(None),
            Value::String(s) => FhirDateTime::parse(s)
                .map(|d| {
                    Some(if end {
                        d.latest_date()
                    } else {
                        d.earliest_date()
                    })
                })
                .ok_or(()),
            _ => Err(()),
        }
    };
    let (start, end) = (date("start", false), date("end", true));
    Dated {
        value,
        use_: v["use"].as_str().map(str::to_owned),
        period_unreadable: !(period.is_null() || period.is_object())
            || start.is_err()
            || end.is_err(),
        start: start.ok().flatten(),
        end: end.ok().flatten(),
    }
}

fn each(v: &Value) -> impl Iterator<Item = &Value> {
    v.as_array().into_iter().flatten()
}

/// Reads a Patient resource (already parsed JSON).
pub fn patient_from_value(v: &Value) -> Result<PdsPatient, PdsBodyError> {
    if v["resourceType"] != "Patient" {
        return Err(PdsBodyError::Unexpected(format!(
            "resourceType {}",
            v["resourceType"]
        )));
    }
    let id = v["id"]
        .as_str()
        .ok_or_else(|| PdsBodyError::Unexpected("a Patient without an id".into()))?;
    let nhs_number = NhsNumber::parse(id).map_err(|_| {
        PdsBodyError::Unexpected("a Patient whose id is not a valid NHS number".into())
    })?;
    let names = each(&v["name"])
        .map(|n| {
            dated(
                n,
                PersonName {
                    prefix: strings(&n["prefix"]),
                    given: strings(&n["given"]),
                    family: n["family"].as_str().map(str::to_owned),
                },
            )
        })
        .filter(|n| n.value.family.is_some() || !n.value.given.is_empty())
        .collect();
    let restricted = v["meta"]["security"].as_array().is_some_and(|s| {
        s.iter().any(|c| {
            c["code"]
                .as_str()
                .is_some_and(|c| RESTRICTED_CODES.contains(&c))
        })
    });
    let addresses = if restricted {
        Vec::new()
    } else {
        each(&v["address"])
            .map(|a| {
                dated(
                    a,
                    PostalAddress {
                        lines: strings(&a["line"]),
                        postcode: a["postalCode"].as_str().map(str::to_owned),
                    },
                )
            })
            .filter(|a| !a.value.lines.is_empty() || a.value.postcode.is_some())
            .collect()
    };
    Ok(PdsPatient {
        nhs_number,
        names,
        birth_date: v["birthDate"].as_str().map(str::to_owned),
        gender: v["gender"].as_str().map(str::to_owned),
        addresses,
        deceased: v["deceasedDateTime"].as_str().map(str::to_owned),
        restricted,
        version_id: v["meta"]["versionId"].as_str().map(str::to_owned),
    })
}

/// Reads a `GET Patient/{id}` body.
pub fn read_patient(body: &[u8]) -> Result<PdsPatient, PdsBodyError> {
    let v: Value = serde_json::from_slice(body).map_err(|_| PdsBodyError::NotJson)?;
    patient_from_value(&v)
}

/// One search match with its score (0–1).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SearchMatch {
    /// The patient.
    pub patient: PdsPatient,
    /// `search.score`.
    pub score: Option<f64>,
}

/// Reads a `GET Patient?…` searchset Bundle.
pub fn read_search(body: &[u8]) -> Result<Vec<SearchMatch>, PdsBodyError> {
    let v: Value = serde_json::from_slice(body).map_err(|_| PdsBodyError::NotJson)?;
    if v["resourceType"] != "Bundle" || v["type"] != "searchset" {
        return Err(PdsBodyError::Unexpected("not a searchset Bundle".into()));
    }
    let Some(entries) = v["entry"].as_array() else {
        return Ok(Vec::new());
    };
    entries
        .iter()
        .map(|e| {
            Ok(SearchMatch {
                patient: patient_from_value(&e["resource"])?,
                score: e["search"]["score"].as_f64(),
            })
        })
        .collect()
}

/// The result of tracing one NHS number.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TraceOutcome {
    /// The patient PDS returned (under its current number).
    pub patient: PdsPatient,
    /// The number asked for, when PDS answered with a different (newer) one.
    pub superseded_from: Option<NhsNumber>,
}

impl TraceOutcome {
    /// Compares the returned record with the number asked for.
    pub fn new(requested: &NhsNumber, patient: PdsPatient) -> Self {
        let superseded_from = (patient.nhs_number != *requested).then(|| requested.clone());
        Self {
            patient,
            superseded_from,
        }
    }
}

/// A PDS error body: `issue[0]` of an OperationOutcome.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct PdsIssue {
    /// FHIR issue type.
    pub issue_type: String,
    /// `details.coding[0].code` (RESOURCE_NOT_FOUND, INVALIDATED_RESOURCE, …).
    pub code: String,
    /// `details.coding[0].display`.
    pub display: Option<String>,
    /// `diagnostics`.
    pub diagnostics: Option<String>,
}

/// Reads a PDS OperationOutcome; `None` when the body is not one.
pub fn read_issue(body: &[u8]) -> Option<PdsIssue> {
    let v: Value = serde_json::from_slice(body).ok()?;
    if v["resourceType"] != "OperationOutcome" {
        return None;
    }
    let issue = &v["issue"][0];
    let coding = &issue["details"]["coding"][0];
    Some(PdsIssue {
        issue_type: issue["code"].as_str().unwrap_or_default().to_owned(),
        code: coding["code"].as_str().unwrap_or_default().to_owned(),
        display: coding["display"].as_str().map(str::to_owned),
        diagnostics: issue["diagnostics"].as_str().map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> CalendarDate {
        CalendarDate::parse(s).expect("date")
    }

    fn address_with_period(period: Value) -> Value {
        serde_json::json!({
            "resourceType": "Patient",
            "id": "9000000009",
            "address": [{ "use": "home", "line": ["1 Trevelyan Square"], "period": period }]
        })
    }

    #[test]
    fn an_unreadable_period_is_never_current() {
        let today = day("2026-12-04");
        for period in [
            serde_json::json!({ "start": "20[10-01-01" }),
            serde_json::json!({ "start": "2010-01-01", "end": "2019-02-30" }),
            serde_json::json!({ "end": "soon" }),
            serde_json::json!({ "end": 2019 }),
            serde_json::json!("2010-01-01"),
            serde_json::json!(["2010-01-01"]),
        ] {
            let p = patient_from_value(&address_with_period(period.clone())).expect("patient");
            let shown = p.address_on(today).expect("an address");
            assert!(!shown.current, "{period}");
            assert!(p.addresses[0].period_unreadable, "{period}");
        }
        for period in [
            Value::Null,
            serde_json::json!({}),
            serde_json::json!({ "start": "2010-01-01", "end": null }),
            serde_json::json!({ "start": "2010", "end": "2026-12-04T23:00:00+00:00" }),
        ] {
            let p = patient_from_value(&address_with_period(period.clone())).expect("patient");
            assert!(p.address_on(today).expect("an address").current, "{period}");
        }
    }
}
