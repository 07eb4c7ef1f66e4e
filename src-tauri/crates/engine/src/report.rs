//! The serialisable shape of one lookup result, shared by the CLI's `--json` output and the
//! desktop shell. Field names are a contract (scripts and tests depend on them):
//! `{"nhs_number", "outcome", "banner", "headline", "basic", "category", "effective",
//!   "patient": {...}, "error": {"http","code","message","action"}, "trace_id", "view",
//!   "detail_withheld"}`.

use serde::Serialize;
use vmcheck_core::pds::{Shown, TraceOutcome};
use vmcheck_core::roles::DetailView;
use vmcheck_core::time::CalendarDate;
use vmcheck_core::BannerColour;

use crate::lookup::{LookupResult, Outcome};

/// The patient block.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PatientReport {
    /// The patient's current NHS number.
    pub nhs_number: String,
    /// `FAMILY, Given (Title)`: the current name, else the latest (see `name_note`); empty when
    /// PDS holds none.
    pub name: String,
    /// Set when the name shown is not current: `historic — ended 31 December 2021`.
    pub name_note: Option<String>,
    /// Date of birth.
    pub birth_date: Option<String>,
    /// Gender.
    pub gender: Option<String>,
    /// Address lines and postcode: the current address (home first), else the latest (see
    /// `address_note`); `None` when absent or withheld.
    pub address: Option<Vec<String>>,
    /// Set when the address shown is not current: `historic — ended 31 December 2021`.
    pub address_note: Option<String>,
    /// What PDS does not hold of what confirms a person: `name`, `date of birth`.
    pub missing: Vec<String>,
    /// Said when something is missing: confirm identity another way before relying on the
    /// status.
    pub identity_warning: Option<String>,
    /// Restricted record: address withheld.
    pub restricted: bool,
    /// Date of death, when deceased.
    pub deceased: Option<String>,
    /// The number asked for, when PDS answered with a newer one.
    pub superseded_from: Option<String>,
}

/// The error block.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ErrorReport {
    /// HTTP status, when a service answered.
    pub http: Option<u16>,
    /// Stable code.
    pub code: crate::ErrorCode,
    /// What happened.
    pub message: String,
    /// What to do.
    pub action: String,
}

/// One lookup, ready to print or send to the UI.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LookupReport {
    /// The number asked for (digits), or the input as typed when it was refused.
    pub nhs_number: String,
    /// `status` | `no_record` | `error`.
    #[cfg_attr(feature = "ts", ts(type = "\"status\" | \"no_record\" | \"error\""))]
    pub outcome: &'static str,
    /// Banner colour, or `None` for an error.
    pub banner: Option<BannerColour>,
    /// Banner headline.
    pub headline: Option<&'static str>,
    /// Basic status code (`Y`/`N`/`U`) when known.
    pub basic: Option<&'static str>,
    /// Category code when known.
    pub category: Option<&'static str>,
    /// Category display.
    pub category_display: Option<&'static str>,
    /// Category definition.
    pub category_definition: Option<&'static str>,
    /// `effectiveDateTime` as sent.
    pub effective: Option<String>,
    /// `effectiveDateTime` as people read it.
    pub effective_display: Option<String>,
    /// The last update is more than 12 months old.
    pub effective_older_than_12_months: bool,
    /// The last update's date is after today (a warning is shown; it cannot be right).
    pub effective_in_future: bool,
    /// Whether to show the reminder about exempt services and clinical urgency.
    pub exemption_reminder: bool,
    /// The patient, when traced.
    pub patient: Option<PatientReport>,
    /// The error, when the outcome is an error.
    pub error: Option<ErrorReport>,
    /// Ssp-TraceID.
    pub trace_id: String,
    /// What the acting role may see: `restricted` leaves out the basic status code, the
    /// category, its definition, the date and the V&M response (RBAC; the banner is for all).
    #[cfg_attr(feature = "ts", ts(type = "\"full\" | \"restricted\""))]
    pub view: DetailView,
    /// Said in place of the detail a restricted role does not see ([`DETAIL_WITHHELD`]).
    pub detail_withheld: Option<&'static str>,
    /// The hospital number asked for, when the lookup began with one (left out otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub hospital_number: Option<String>,
    /// The NHS number the trust's Care Connect service gave for the hospital number (verified
    /// there); PDS traced it (left out otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub trust_nhs_number: Option<String>,
    /// Said when PDS traced the trust's NHS number to a different one ([`TRUST_NUMBER_DIFFERS`]):
    /// the status is for PDS's number (left out otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub hospital_number_warning: Option<&'static str>,
}

/// The warning when PDS, the authority, traced the NHS number the trust holds for a hospital
/// number to a different one (the trust's number was superseded).
pub const TRUST_NUMBER_DIFFERS: &str = "PDS holds this patient under a different NHS number from the one the trust's records give for this hospital number. The status shown is for PDS's NHS number. Ask the records team to update the trust's patient administration system.";

/// The report's fields a role without the detail activity does not see, by their JSON names:
/// [`LookupReport`] leaves them out (`null`) for such a role, and the worklist does the same to
/// the reports it kept when a list is opened in such a role. A test keeps this list and
/// `withhold_detail` in step.
pub const WITHHELD_FIELDS: [&str; 6] = [
    "basic",
    "category",
    "category_display",
    "category_definition",
    "effective",
    "effective_display",
];

/// What a role without the detail activity reads in place of the status's detail.
pub const DETAIL_WITHHELD: &str = "The detail behind this status (its category, what that means and when it was last updated) is available to overseas visitor managers.";

/// `historic — ended 31 December 2021` for what is shown but not current.
fn historic_note<T>(shown: &Shown<'_, T>) -> Option<String> {
    match (shown.current, shown.ended) {
        (true, _) => None,
        (false, Some(end)) => Some(format!("historic — ended {}", end.human())),
        (false, None) => Some("not current".to_owned()),
    }
}

impl PatientReport {
    /// The patient as shown on `today`.
    pub fn new(trace: &TraceOutcome, today: CalendarDate) -> Self {
        let p = &trace.patient;
        let name = p.name_on(today);
        let address = p.address_on(today);
        let mut missing = Vec::new();
        if name.is_none() {
            missing.push("name".to_owned());
        }
        if p.birth_date.is_none() {
            missing.push("date of birth".to_owned());
        }
        let identity_warning = (!missing.is_empty()).then(|| {
            format!(
                "PDS holds no {} for this patient. Confirm the patient's identity another way before relying on the status.",
                missing.join(" and no ")
            )
        });
        Self {
            nhs_number: p.nhs_number.as_str().to_owned(),
            name: name.map(|n| n.value.display()).unwrap_or_default(),
            name_note: name.as_ref().and_then(historic_note),
            birth_date: p.birth_date.clone(),
            gender: p.gender.clone(),
            address: address.map(|a| {
                let mut lines = a.value.lines.clone();
                lines.extend(a.value.postcode.clone());
                lines
            }),
            address_note: address.as_ref().and_then(historic_note),
            missing,
            identity_warning,
            restricted: p.restricted,
            deceased: p.deceased.clone(),
            superseded_from: trace
                .superseded_from
                .as_ref()
                .map(|n| n.as_str().to_owned()),
        }
    }
}

impl LookupReport {
    /// Builds the report; `today` decides the "older than 12 months" hint, the future-date
    /// warning and which of the patient's names and addresses are current.
    pub fn new(result: &LookupResult, today: CalendarDate) -> Self {
        let patient = result
            .patient
            .as_ref()
            .map(|t| PatientReport::new(t, today));
        let mut report = Self {
            nhs_number: result.requested.clone(),
            outcome: "error",
            banner: None,
            headline: None,
            basic: None,
            category: None,
            category_display: None,
            category_definition: None,
            effective: None,
            effective_display: None,
            effective_older_than_12_months: false,
            effective_in_future: false,
            exemption_reminder: false,
            patient,
            error: None,
            trace_id: result.trace_id.clone(),
            view: result.view,
            detail_withheld: None,
            hospital_number: None,
            trust_nhs_number: None,
            hospital_number_warning: None,
        };
        if let Some(h) = &result.hospital_number {
            report.hospital_number = Some(h.hospital_number.as_str().to_owned());
            report.trust_nhs_number = h.trust_nhs_number.as_ref().map(|n| n.as_str().to_owned());
            report.hospital_number_warning = h
                .pds_disagrees(result.patient.as_ref())
                .then_some(TRUST_NUMBER_DIFFERS);
        }
        match &result.outcome {
            Outcome::Status {
                status,
                banner,
                effective_in_future,
            } => {
                report.outcome = "status";
                report.banner = Some(banner.colour);
                report.headline = Some(banner.headline());
                report.exemption_reminder = banner.shows_exemption_reminder();
                report.basic = status.basic.known().map(|b| b.code());
                if let Some(c) = status.category.known() {
                    report.category = Some(c.code());
                    report.category_display = Some(c.display());
                    report.category_definition = Some(c.definition());
                }
                if let Some(e) = &status.effective {
                    report.effective = Some(e.raw.clone());
                    report.effective_display = Some(e.human());
                    report.effective_older_than_12_months = e.is_older_than(today, 12);
                }
                report.effective_in_future = *effective_in_future;
            }
            Outcome::NoRecord { banner } => {
                report.outcome = "no_record";
                report.banner = Some(banner.colour);
                report.headline = Some(banner.headline());
            }
            Outcome::Error(e) => {
                report.error = Some(ErrorReport {
                    http: e.http_status(),
                    code: e.code(),
                    message: e.message(),
                    action: e.action().to_owned(),
                });
            }
        }
        if result.view == DetailView::Restricted {
            report.withhold_detail();
        }
        report
    }

    /// Leaves out what a role without the detail activity may not see: the basic status code,
    /// the category and its definition, the date (a future date's warning stays: it says the
    /// status may not be right, not what it is).
    fn withhold_detail(&mut self) {
        self.view = DetailView::Restricted;
        self.basic = None;
        self.category = None;
        self.category_display = None;
        self.category_definition = None;
        self.effective = None;
        self.effective_display = None;
        self.effective_older_than_12_months = false;
        if self.outcome == "status" {
            self.detail_withheld = Some(DETAIL_WITHHELD);
        }
    }
}

/// One PDS search match, as listed for the user to pick from.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "SearchMatchView"))]
pub struct SearchMatchReport {
    /// NHS number.
    pub nhs_number: String,
    /// `FAMILY, Given (Title)`.
    pub name: String,
    /// Date of birth.
    pub birth_date: Option<String>,
    /// Gender.
    pub gender: Option<String>,
    /// Postcode of the address shown (never for restricted records).
    pub postcode: Option<String>,
    /// Set when the name shown is not current.
    pub name_note: Option<String>,
    /// Restricted record.
    pub restricted: bool,
    /// PDS match score, 0–1.
    pub score: Option<f64>,
}

impl SearchMatchReport {
    /// One match as listed on `today`.
    pub fn new(m: &vmcheck_core::pds::SearchMatch, today: CalendarDate) -> Self {
        let p = &m.patient;
        let name = p.name_on(today);
        Self {
            nhs_number: p.nhs_number.as_str().to_owned(),
            name: name.map(|n| n.value.display()).unwrap_or_default(),
            name_note: name.as_ref().and_then(historic_note),
            birth_date: p.birth_date.clone(),
            gender: p.gender.clone(),
            postcode: p.address_on(today).and_then(|a| a.value.postcode.clone()),
            restricted: p.restricted,
            score: m.score,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full_report() -> LookupReport {
        LookupReport {
            nhs_number: "9434765919".into(),
            outcome: "status",
            banner: Some(BannerColour::Red),
            headline: Some("Chargeable"),
            basic: Some("Y"),
            category: Some("A"),
            category_display: Some("Category A"),
            category_definition: Some("A definition"),
            effective: Some("2026-11-01".into()),
            effective_display: Some("1 November 2026".into()),
            effective_older_than_12_months: true,
            effective_in_future: false,
            exemption_reminder: true,
            patient: None,
            error: None,
            trace_id: "trace".into(),
            view: DetailView::Full,
            detail_withheld: None,
            hospital_number: None,
            trust_nhs_number: None,
            hospital_number_warning: None,
        }
    }

    #[test]
    fn the_withheld_fields_are_exactly_those_a_restricted_report_leaves_out() {
        let full = serde_json::to_value(full_report()).expect("json");
        let mut report = full_report();
        report.withhold_detail();
        let restricted = serde_json::to_value(report).expect("json");
        let emptied: Vec<&str> = full
            .as_object()
            .expect("object")
            .iter()
            .filter(|(key, value)| !value.is_null() && restricted[key.as_str()].is_null())
            .map(|(key, _)| key.as_str())
            .collect();
        let mut expected = WITHHELD_FIELDS.to_vec();
        expected.sort_unstable();
        let mut emptied = emptied;
        emptied.sort_unstable();
        assert_eq!(emptied, expected);
        assert_eq!(restricted["effective_older_than_12_months"], false);
        assert_eq!(restricted["view"], "restricted");
        assert_eq!(restricted["detail_withheld"], DETAIL_WITHHELD);
    }
}
