//! What a checked worklist row keeps: the lookup's report as the result view shows it, the
//! demographic cross-check against PDS, and the few fields the results table, its order and the
//! exports read. A row whose details differ from PDS is never presented as settled: it shows
//! amber, "check identity", whatever its status.

use vmcheck_core::banner::BannerColour;
use vmcheck_core::pds::PdsPatient;
use vmcheck_core::time::CalendarDate;
use vmcheck_core::worklist::{cross_check, CrossCheck, ListRow, RowResult};

use crate::access::RowOutcome;
use crate::lookup::{LookupResult, Outcome};
use crate::report::LookupReport;

/// What the results table says for a row whose details differ from PDS.
pub const CHECK_IDENTITY: &str = "Check identity: the list's details differ from PDS";

/// One checked row.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RowCheck {
    /// The NHS number checked (the new one when the list's was superseded).
    pub nhs_number: Option<String>,
    /// The list's number, when PDS answered with a newer one.
    pub superseded_from: Option<String>,
    /// `status`, `no_record` or `error`.
    pub outcome: String,
    /// The banner the status itself has (none for an error).
    #[cfg_attr(
        feature = "ts",
        ts(type = "\"red\" | \"green\" | \"amber\" | \"grey\" | null")
    )]
    pub banner: Option<BannerColour>,
    /// The colour the results table shows: amber when the identity is not settled.
    #[cfg_attr(
        feature = "ts",
        ts(type = "\"red\" | \"green\" | \"amber\" | \"grey\" | null")
    )]
    pub shown: Option<BannerColour>,
    /// What the table says: the banner's words, or [`CHECK_IDENTITY`].
    pub headline: Option<String>,
    /// The banner's own words.
    pub status_headline: Option<String>,
    /// Basic status code.
    pub basic: Option<String>,
    /// Category code.
    pub category: Option<String>,
    /// When the status was last updated.
    pub effective: Option<String>,
    /// The error's code.
    pub error_code: Option<String>,
    /// The error's message.
    pub error_message: Option<String>,
    /// The trace id of the request.
    pub trace_id: String,
    /// When it was checked, Unix seconds.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub checked_at: i64,
    /// The cross-check of the list's details against PDS (absent without a PDS patient).
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub cross_check: Option<CrossCheck>,
    /// The identity is settled (no field differs from PDS).
    pub identity_settled: bool,
    /// The row had no NHS number: the patient was found by a PDS search on its details.
    pub found_by_search: bool,
    /// The whole lookup report, for the result view of this row.
    #[cfg_attr(feature = "ts", ts(type = "unknown"))]
    pub report: serde_json::Value,
    /// What the row's audit outcome record says (appended after this is stored).
    #[cfg_attr(feature = "ts", ts(skip))]
    pub audit: Option<RowOutcome>,
    /// The patient PDS returned, against whom each row with this number is cross-checked.
    #[cfg_attr(feature = "ts", ts(skip))]
    pub pds_patient: Option<PdsPatient>,
}

impl RowCheck {
    /// The check of `row` from its lookup `result`, on `today`, at `now` (Unix seconds).
    pub fn new(
        row: &ListRow,
        result: &LookupResult,
        today: CalendarDate,
        now: i64,
        found_by_search: bool,
    ) -> Self {
        let report = LookupReport::new(result, today);
        let error = report.error.as_ref();
        let mut check = Self {
            nhs_number: result.queried.as_ref().map(|n| n.as_str().to_owned()),
            superseded_from: result
                .patient
                .as_ref()
                .and_then(|p| p.superseded_from.as_ref())
                .map(|n| n.as_str().to_owned()),
            outcome: report.outcome.to_owned(),
            banner: report.banner,
            shown: report.banner,
            headline: report.headline.map(str::to_owned),
            status_headline: report.headline.map(str::to_owned),
            basic: report.basic.map(str::to_owned),
            category: report.category.map(str::to_owned),
            effective: report.effective.clone(),
            error_code: error.map(|e| e.code.as_str().to_owned()),
            error_message: error.map(|e| e.message.clone()),
            trace_id: report.trace_id.clone(),
            checked_at: now,
            cross_check: None,
            identity_settled: true,
            found_by_search,
            report: serde_json::to_value(&report).unwrap_or_default(),
            audit: Some(RowOutcome::of(result)),
            pds_patient: result.patient.as_ref().map(|t| t.patient.clone()),
        };
        check.judge(row, today);
        check
    }

    /// The same result as it applies to `row` (a later row with the same NHS number): its own
    /// details cross-checked against the patient PDS returned.
    pub fn for_row(&self, row: &ListRow, today: CalendarDate) -> Self {
        let mut check = self.clone();
        check.judge(row, today);
        check
    }

    /// Cross-checks `row` against the patient PDS returned; a mismatch shows amber, "check
    /// identity", whatever the status.
    fn judge(&mut self, row: &ListRow, today: CalendarDate) {
        let cross = self
            .pds_patient
            .as_ref()
            .map(|patient| cross_check(row, patient, today));
        self.identity_settled = cross.as_ref().is_none_or(CrossCheck::is_settled_identity);
        self.cross_check = cross;
        if self.identity_settled {
            self.shown = self.banner;
            self.headline = self.status_headline.clone();
        } else {
            self.shown = self.banner.map(|_| BannerColour::Amber);
            self.headline = Some(CHECK_IDENTITY.to_owned());
        }
    }

    /// An error with no request made for the row (a search with no unique match).
    pub fn error_without_lookup(code: &str, message: &str, trace_id: String, now: i64) -> Self {
        Self {
            nhs_number: None,
            superseded_from: None,
            outcome: "error".into(),
            banner: None,
            shown: None,
            headline: None,
            status_headline: None,
            basic: None,
            category: None,
            effective: None,
            error_code: Some(code.to_owned()),
            error_message: Some(message.to_owned()),
            trace_id,
            checked_at: now,
            cross_check: None,
            identity_settled: true,
            found_by_search: true,
            report: serde_json::Value::Null,
            audit: None,
            pds_patient: None,
        }
    }

    /// The colour the results table shows, as the job's counts file it: `error` for a row that
    /// could not be checked, else `red`, `amber`, `green` or `grey`.
    pub fn table_colour(&self) -> &'static str {
        match (self.outcome.as_str(), self.shown) {
            ("error", _) | (_, None) => "error",
            (_, Some(BannerColour::Red)) => "red",
            (_, Some(BannerColour::Amber)) => "amber",
            (_, Some(BannerColour::Green)) => "green",
            (_, Some(BannerColour::Grey)) => "grey",
        }
    }

    /// Leaves out what a role without the detail activity may not see (RBAC): the basic status
    /// code, the category, the date, and the same in the stored report (as a restricted lookup
    /// report says it).
    pub fn withhold_detail(&mut self) {
        self.basic = None;
        self.category = None;
        self.effective = None;
        if let Some(report) = self.report.as_object_mut() {
            for key in crate::report::WITHHELD_FIELDS {
                report.insert(key.into(), serde_json::Value::Null);
            }
            report.insert("effective_older_than_12_months".into(), false.into());
            report.insert("view".into(), "restricted".into());
            if self.outcome == "status" {
                report.insert(
                    "detail_withheld".into(),
                    crate::report::DETAIL_WITHHELD.into(),
                );
            }
        }
    }

    /// What the results table orders by.
    pub fn order_key(&self) -> RowResult {
        match self.banner {
            Some(colour) if self.outcome != "error" => RowResult::Banner(colour),
            _ => RowResult::Error,
        }
    }
}

/// Whether a failed lookup is worth retrying (transient: timeouts, 5xx, rate limits, broken
/// connections), as opposed to a permanent answer about the patient.
pub fn is_transient(result: &LookupResult) -> bool {
    matches!(&result.outcome, Outcome::Error(e) if e.is_retryable())
}

#[cfg(test)]
mod tests {
    use vmcheck_core::roles::DetailView;
    use vmcheck_spine::pds::PdsError;

    use super::*;
    use crate::error::LookupError;

    fn checked(outcome: &str, banner: Option<BannerColour>) -> RowCheck {
        let mut check = RowCheck::error_without_lookup("X", "x", "trace".into(), 0);
        check.outcome = outcome.into();
        check.banner = banner;
        check.shown = banner;
        check.basic = banner.map(|_| "N".into());
        check.report = serde_json::json!({ "outcome": outcome, "basic": "N", "view": "full" });
        check
    }

    #[test]
    fn a_restricted_row_says_its_detail_is_withheld_only_when_it_has_a_status() {
        let mut status = checked("status", Some(BannerColour::Green));
        status.withhold_detail();
        assert_eq!(status.basic, None);
        assert_eq!(status.report["basic"], serde_json::Value::Null);
        assert_eq!(status.report["view"], "restricted");
        assert_eq!(
            status.report["detail_withheld"],
            crate::report::DETAIL_WITHHELD
        );

        let mut no_record = checked("no_record", Some(BannerColour::Grey));
        no_record.withhold_detail();
        assert_eq!(no_record.report["view"], "restricted");
        assert!(
            no_record.report.get("detail_withheld").is_none(),
            "no status, so no status detail to withhold: {}",
            no_record.report
        );
    }

    #[test]
    fn an_error_row_is_ordered_and_coloured_as_an_error_whatever_banner_it_carries() {
        let error = checked("error", Some(BannerColour::Green));
        assert_eq!(error.order_key(), RowResult::Error);
        assert_eq!(error.table_colour(), "error");
        let green = checked("status", Some(BannerColour::Green));
        assert_eq!(green.order_key(), RowResult::Banner(BannerColour::Green));
        assert_eq!(green.table_colour(), "green");
    }

    fn failed(error: LookupError) -> LookupResult {
        LookupResult {
            requested: "9990000018".into(),
            queried: None,
            trace_id: "trace".into(),
            patient: None,
            outcome: Outcome::Error(error),
            raw_response: None,
            view: DetailView::Full,
            hospital_number: None,
        }
    }

    #[test]
    fn only_a_failure_worth_retrying_is_retried() {
        assert!(is_transient(&failed(LookupError::Pds(
            PdsError::UpstreamTimeout
        ))));
        assert!(!is_transient(&failed(LookupError::NoIdentity)));
    }
}
