//! `pds_patient`: a PDS body → `read_patient` and `read_search` → `name_on` / `address_on` for
//! a fixed day.
//!
//! Oracle: no panic; a restricted record (read here: a `meta.security` coding with code `R` or
//! `V`) never has an address; a name or address shown as current comes from an entry whose
//! `period`, read here, covers the day: absent, or an object whose `start` and `end` are each
//! absent or a readable FHIR date on the right side of the day (a partial date covers the day
//! when any day it stands for does, as the product reads it).

use serde_json::Value;
use vmcheck_core::pds::{self, PdsPatient, PersonName, PostalAddress};
use vmcheck_core::time::CalendarDate;

use crate::TODAY;

/// The PDS target.
pub fn pds_patient(data: &[u8]) {
    let json: Option<Value> = serde_json::from_slice(data).ok();
    if let Ok(patient) = pds::read_patient(data) {
        let json = json
            .as_ref()
            .expect("the product read JSON that serde_json cannot");
        check(&patient, json);
    }
    if let Ok(matches) = pds::read_search(data) {
        let json = json
            .as_ref()
            .expect("the product read JSON that serde_json cannot");
        for (i, m) in matches.iter().enumerate() {
            check(&m.patient, &json["entry"][i]["resource"]);
        }
    }
    if let Some(issue) = pds::read_issue(data) {
        let _ = issue.code.len();
    }
}

fn check(patient: &PdsPatient, json: &Value) {
    if restricted(json) {
        assert!(
            patient.addresses.is_empty() && patient.address_on(TODAY).is_none(),
            "a restricted record has an address"
        );
    }
    if let Some(name) = patient.name_on(TODAY) {
        let _ = name.value.display();
        if name.current {
            assert!(
                entries(&json["name"])
                    .any(|n| same_name(n, name.value) && covers(&n["period"], TODAY)),
                "a name shown as current has no period covering the day"
            );
        }
    }
    if let Some(address) = patient.address_on(TODAY) {
        if address.current {
            assert!(
                entries(&json["address"])
                    .any(|a| same_address(a, address.value) && covers(&a["period"], TODAY)),
                "an address shown as current has no period covering the day"
            );
        }
        if let Some(ended) = address.ended {
            let _ = ended.human();
        }
    }
}

/// `meta.security` holds a coding with code `R` or `V` (an array of codings, or one).
fn restricted(json: &Value) -> bool {
    entries(&json["meta"]["security"]).any(|c| matches!(c["code"].as_str(), Some("R" | "V")))
}

fn entries(v: &Value) -> Box<dyn Iterator<Item = &Value> + '_> {
    match v {
        Value::Array(items) => Box::new(items.iter()),
        Value::Null => Box::new(std::iter::empty()),
        other => Box::new(std::iter::once(other)),
    }
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

fn same_name(n: &Value, name: &PersonName) -> bool {
    n["family"].as_str() == name.family.as_deref()
        && strings(&n["given"]) == name.given
        && strings(&n["prefix"]) == name.prefix
}

fn same_address(a: &Value, address: &PostalAddress) -> bool {
    a["postalCode"].as_str() == address.postcode.as_deref() && strings(&a["line"]) == address.lines
}

/// Whether a `period` covers `day` (see the module documentation).
fn covers(period: &Value, day: CalendarDate) -> bool {
    let map = match period {
        Value::Null => return true,
        Value::Object(map) => map,
        _ => return false,
    };
    let bound = |key: &str| -> Result<Option<(CalendarDate, CalendarDate)>, ()> {
        match map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => date_range(s).map(Some).ok_or(()),
            Some(_) => Err(()),
        }
    };
    match (bound("start"), bound("end")) {
        (Ok(start), Ok(end)) => {
            start.is_none_or(|(earliest, _)| earliest <= day)
                && end.is_none_or(|(_, latest)| latest >= day)
        }
        _ => false,
    }
}

/// The first and last day a FHIR date or dateTime stands for: `YYYY`, `YYYY-MM`,
/// `YYYY-MM-DD`, or a full date followed by `T` and a time; `None` when it is not one.
fn date_range(raw: &str) -> Option<(CalendarDate, CalendarDate)> {
    let raw = raw.trim();
    let (date, time) = match raw.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (raw, None),
    };
    let number = |s: &str, len: usize| -> Option<u32> {
        (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let parts: Vec<&str> = date.split('-').collect();
    let year = i32::try_from(number(parts.first()?, 4)?).ok()?;
    let month = match parts.get(1) {
        Some(m) => Some(
            u8::try_from(number(m, 2)?)
                .ok()
                .filter(|m| (1..=12).contains(m))?,
        ),
        None => None,
    };
    let last_day = |m: u8| match m {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    };
    let day = match (parts.get(2), month) {
        (Some(d), Some(m)) => Some(
            u8::try_from(number(d, 2)?)
                .ok()
                .filter(|d| (1..=last_day(m)).contains(d))?,
        ),
        (Some(_), None) => return None,
        (None, _) => None,
    };
    if parts.len() > 3 || (time.is_some() && day.is_none()) {
        return None;
    }
    let at = |month: u8, day: u8| CalendarDate { year, month, day };
    Some(match (month, day) {
        (Some(m), Some(d)) => (at(m, d), at(m, d)),
        (Some(m), None) => (at(m, 1), at(m, last_day(m))),
        _ => (at(1, 1), at(12, 31)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> CalendarDate {
        CalendarDate::parse(s).expect("date")
    }

    #[test]
    fn reads_fhir_dates_simply() {
        assert_eq!(
            date_range("2020-02"),
            Some((d("2020-02-01"), d("2020-02-29")))
        );
        assert_eq!(
            date_range("2021-12-31T23:59:59Z"),
            Some((d("2021-12-31"), d("2021-12-31")))
        );
        for bad in [
            "20-01-01",
            "2021-02-29",
            "2021-13",
            "+202",
            "2021T10:00",
            "2021-01-01-01",
        ] {
            assert_eq!(date_range(bad), None, "{bad}");
        }
    }

    #[test]
    fn periods_cover_days() {
        let day = d("2026-12-04");
        assert!(covers(&Value::Null, day));
        assert!(covers(&serde_json::json!({"start": "2026"}), day));
        assert!(!covers(&serde_json::json!({"end": "2026-12-03"}), day));
        assert!(!covers(&serde_json::json!({"end": "soon"}), day));
        assert!(!covers(&serde_json::json!("2026"), day));
    }
}
