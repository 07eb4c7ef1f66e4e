//! What one lookup produces: the steps it reports as it goes, and the result — the patient,
//! the classified status or "no record", or a typed error — with the Ssp-TraceID.

use vmcheck_core::care_connect::HospitalNumber;
use vmcheck_core::nhs::NhsNumber;
use vmcheck_core::pds::TraceOutcome;
use vmcheck_core::status::ChargeableStatus;
use vmcheck_core::Banner;

use crate::error::LookupError;

/// The steps a lookup reports as it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Progress {
    /// Finding the NHS number of a hospital number in the trust's records (Care Connect).
    FindingRecord,
    /// Tracing the patient on PDS.
    Tracing,
    /// Finding the V&M endpoint in SDS (or the cache).
    FindingEndpoint,
    /// Querying the V&M service.
    Querying,
}

/// What a lookup found.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// A chargeable status, classified.
    Status {
        /// What the Observation says.
        status: ChargeableStatus,
        /// How to show it.
        banner: Banner,
        /// The last update's date is after today: shown with a warning.
        effective_in_future: bool,
    },
    /// No V&M record for the patient.
    NoRecord {
        /// The grey "no record" banner.
        banner: Banner,
    },
    /// No status: an error with a message.
    Error(LookupError),
}

/// How a lookup that began with a hospital number found its NHS number.
#[derive(Debug, Clone)]
pub struct HospitalNumberLookup {
    /// The hospital number asked for.
    pub hospital_number: HospitalNumber,
    /// The NHS number the trust's Care Connect service gave (verified there), once it gave one.
    pub trust_nhs_number: Option<NhsNumber>,
}

impl HospitalNumberLookup {
    /// PDS, the authority, traced the trust's NHS number to a different one (the trust's number
    /// was superseded): the status shown is for PDS's number, and the trust's record is out
    /// of date.
    pub fn pds_disagrees(&self, trace: Option<&TraceOutcome>) -> bool {
        match (&self.trust_nhs_number, trace) {
            (Some(trust), Some(t)) => t.patient.nhs_number != *trust,
            _ => false,
        }
    }
}

/// The result of one lookup.
#[derive(Clone)]
pub struct LookupResult {
    /// What the user typed, when it was not a valid number; otherwise the number's digits.
    pub requested: String,
    /// The number queried on V&M (the replacement when the requested one was superseded).
    pub queried: Option<NhsNumber>,
    /// The Ssp-TraceID of the V&M request (also sent to PDS as X-Correlation-ID).
    pub trace_id: String,
    /// The traced patient, when the trace succeeded.
    pub patient: Option<TraceOutcome>,
    /// The outcome.
    pub outcome: Outcome,
    /// The V&M body as received (technical details view; never logged; never kept for a role
    /// that may not see the detail).
    pub raw_response: Option<String>,
    /// What the acting role may see of it.
    pub view: vmcheck_core::roles::DetailView,
    /// When the lookup began with a hospital number: the number and what the trust said.
    pub hospital_number: Option<HospitalNumberLookup>,
}

impl std::fmt::Debug for LookupResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LookupResult")
            .field("trace_id", &self.trace_id)
            .field("outcome", &self.outcome)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A result's `Debug` (what reaches a log line) names the trace and the outcome, and
    /// nothing typed or received: no number asked about, no V&M body.
    #[test]
    fn debug_output_names_the_trace_and_outcome_and_no_patient_data() {
        let result = LookupResult {
            requested: "9990000018".into(),
            queried: NhsNumber::parse("9990000018").ok(),
            trace_id: "trace-123".into(),
            patient: None,
            outcome: Outcome::Error(LookupError::NoIdentity),
            raw_response: Some(r#"{"resourceType":"Bundle","subject":"9990000018"}"#.into()),
            view: vmcheck_core::roles::DetailView::Restricted,
            hospital_number: None,
        };
        let text = format!("{result:?}");
        assert!(text.starts_with("LookupResult"), "{text}");
        assert!(text.contains("trace-123"), "{text}");
        assert!(text.contains("NoIdentity"), "{text}");
        assert!(!text.contains("9990000018"), "{text}");
        assert!(!text.contains("Bundle"), "{text}");
    }
}
