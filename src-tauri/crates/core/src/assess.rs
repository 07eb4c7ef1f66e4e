//! Whether a V&M answer may be shown as a status for the patient on screen — the last
//! clinical-safety gate before a banner.
//!
//! A status Observation becomes a banner only when every one of these holds:
//! - it is about the patient asked about: `subject.reference` is `Patient/{the number
//!   queried}` (otherwise [`Refusal::SubjectMismatch`]: never a banner);
//! - the record is not void: `Observation.status` is not `entered-in-error` or `cancelled`
//!   (otherwise [`Refusal::RecordVoid`]: never a banner);
//! - then [`classify`] decides the colour, where a record that is not settled, a component or
//!   date that cannot be read, or an unknown code is amber and never green.
//!
//! Two or more Observations in one Bundle never get this far: the model refuses them
//! ([`crate::fhir::ModelError::SeveralStatusRecords`]). An `effectiveDateTime` after today keeps
//! its banner but is reported ([`Assessment::effective_in_future`]) so it is shown with a
//! warning, never silently. Today's date is a parameter: the core has no clock.

use crate::banner::{classify, Banner};
use crate::nhs::NhsNumber;
use crate::status::{ChargeableStatus, RecordState};
use crate::time::CalendarDate;

/// What is said beside a status whose last update is dated after today.
pub const FUTURE_DATE_WARNING: &str = "This date is in the future, which cannot be right: check with the Overseas Visitor Manager before relying on this status.";

/// A status that may be shown, with what must be said beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assessment {
    /// The banner.
    pub banner: Banner,
    /// The last update's date is after today: shown with a warning.
    pub effective_in_future: bool,
}

/// Why a status Observation is not shown at all (an error, never a banner).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The Observation is about another patient than the one asked about (or names none).
    #[error("the status returned was not for the patient asked about")]
    SubjectMismatch,
    /// `Observation.status` is `entered-in-error` or `cancelled`: the record is void.
    #[error("the status record returned has been withdrawn (entered in error or cancelled)")]
    RecordVoid,
}

impl Refusal {
    /// The stable error code a lookup refused this way reports.
    pub fn code(self) -> &'static str {
        match self {
            Self::SubjectMismatch => "SUBJECT_MISMATCH",
            Self::RecordVoid => "SPINE_RECORD_VOID",
        }
    }
}

/// The `subject.reference` a status about `nhs` carries.
pub fn expected_subject(nhs: &NhsNumber) -> String {
    format!("Patient/{}", nhs.as_str())
}

/// Decides whether `status`, returned for a query about `queried`, may be shown, and how.
pub fn assess(
    status: &ChargeableStatus,
    queried: &NhsNumber,
    today: CalendarDate,
) -> Result<Assessment, Refusal> {
    if status.subject_reference.as_deref() != Some(expected_subject(queried).as_str()) {
        return Err(Refusal::SubjectMismatch);
    }
    if status.record_state() == RecordState::Void {
        return Err(Refusal::RecordVoid);
    }
    Ok(Assessment {
        banner: classify(status),
        effective_in_future: status.effective.as_ref().is_some_and(|e| e.is_after(today)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::banner::{BannerColour, BannerKind};
    use crate::status::{BasicStatus, Category, Reading};
    use crate::time::FhirDateTime;

    const ASKED: &str = "9434765919";
    const OTHER: &str = "9990000018";

    fn today() -> CalendarDate {
        CalendarDate::parse("2026-12-04").expect("date")
    }

    fn asked() -> NhsNumber {
        NhsNumber::parse(ASKED).expect("valid")
    }

    fn green() -> ChargeableStatus {
        ChargeableStatus {
            record_status: Some("final".into()),
            basic: Reading::Known {
                value: BasicStatus::NotChargeable,
            },
            category: Reading::Known { value: Category::A },
            unrecognised_components: 0,
            effective: FhirDateTime::parse("2025-06-01"),
            effective_unreadable: false,
            subject_reference: Some(format!("Patient/{ASKED}")),
            subject_display: None,
            version_id: None,
            observation_id: None,
        }
    }

    #[test]
    fn a_settled_record_about_the_patient_is_shown() {
        let a = assess(&green(), &asked(), today()).expect("shown");
        assert_eq!(a.banner.colour, BannerColour::Green);
        assert!(!a.effective_in_future);
    }

    /// The codes are the ones the service desk and the audit log know these refusals by (the
    /// engine's error codes and the sandbox's expectations use the same words).
    #[test]
    fn each_refusal_has_its_own_stable_code() {
        assert_eq!(Refusal::SubjectMismatch.code(), "SUBJECT_MISMATCH");
        assert_eq!(Refusal::RecordVoid.code(), "SPINE_RECORD_VOID");
    }

    #[test]
    fn another_patients_status_or_none_named_is_refused() {
        for subject in [
            Some(format!("Patient/{OTHER}")),
            None,
            Some(ASKED.to_owned()),
            Some(format!("Patient/{ASKED} ")),
            Some(format!("https://example.org/Patient/{ASKED}")),
            Some(String::new()),
        ] {
            let s = ChargeableStatus {
                subject_reference: subject.clone(),
                ..green()
            };
            assert_eq!(
                assess(&s, &asked(), today()),
                Err(Refusal::SubjectMismatch),
                "{subject:?}"
            );
        }
    }

    #[test]
    fn void_records_are_refused_and_unsettled_ones_are_amber() {
        for void in ["entered-in-error", "cancelled"] {
            let s = ChargeableStatus {
                record_status: Some(void.into()),
                ..green()
            };
            assert_eq!(assess(&s, &asked(), today()), Err(Refusal::RecordVoid));
        }
        for unsettled in [
            Some("preliminary"),
            Some("registered"),
            Some("unknown"),
            Some("FINAL"),
            Some(""),
            None,
        ] {
            let s = ChargeableStatus {
                record_status: unsettled.map(str::to_owned),
                ..green()
            };
            let a = assess(&s, &asked(), today()).expect("shown");
            assert_eq!(a.banner.colour, BannerColour::Amber, "{unsettled:?}");
            assert_eq!(a.banner.kind, BannerKind::NotFinal);
            assert_eq!(
                a.banner.headline(),
                "Status not final — check with the OVM team"
            );
        }
        for settled in ["final", "amended", "corrected"] {
            let s = ChargeableStatus {
                record_status: Some(settled.into()),
                ..green()
            };
            let a = assess(&s, &asked(), today()).expect("shown");
            assert_eq!(a.banner.colour, BannerColour::Green, "{settled}");
        }
    }

    #[test]
    fn a_future_update_date_is_reported_and_an_unreadable_one_is_amber() {
        let future = ChargeableStatus {
            effective: FhirDateTime::parse("2026-12-05"),
            ..green()
        };
        let a = assess(&future, &asked(), today()).expect("shown");
        assert!(a.effective_in_future);
        assert_eq!(a.banner.colour, BannerColour::Green);
        let today_exactly = ChargeableStatus {
            effective: FhirDateTime::parse("2026-12-04"),
            ..green()
        };
        assert!(
            !assess(&today_exactly, &asked(), today())
                .expect("shown")
                .effective_in_future
        );
        let none = ChargeableStatus {
            effective: None,
            ..green()
        };
        assert!(
            !assess(&none, &asked(), today())
                .expect("shown")
                .effective_in_future
        );
        let unreadable = ChargeableStatus {
            effective: None,
            effective_unreadable: true,
            ..green()
        };
        let a = assess(&unreadable, &asked(), today()).expect("shown");
        assert_eq!(a.banner.kind, BannerKind::Unrecognised);
    }

    #[test]
    fn a_component_we_cannot_identify_is_amber() {
        let s = ChargeableStatus {
            unrecognised_components: 1,
            ..green()
        };
        let a = assess(&s, &asked(), today()).expect("shown");
        assert_eq!(a.banner.colour, BannerColour::Amber);
        assert_eq!(a.banner.kind, BannerKind::Unrecognised);
    }

    /// Every combination of every input the decision reads: green only when the subject is the
    /// patient asked about, the record is settled, every component and the date are readable,
    /// basic is N and the category is A, B, C, E or absent.
    #[test]
    fn never_green_unless_every_condition_holds() {
        let records = [
            None,
            Some("final"),
            Some("amended"),
            Some("corrected"),
            Some("preliminary"),
            Some("registered"),
            Some("unknown"),
            Some("entered-in-error"),
            Some("cancelled"),
            Some("other"),
        ];
        let basics = [
            Reading::Absent,
            Reading::NoCoding,
            Reading::Unrecognised {
                system: None,
                code: None,
            },
            Reading::Known {
                value: BasicStatus::Chargeable,
            },
            Reading::Known {
                value: BasicStatus::NotChargeable,
            },
            Reading::Known {
                value: BasicStatus::Unset,
            },
        ];
        let mut categories = vec![
            Reading::Absent,
            Reading::NoCoding,
            Reading::Unrecognised {
                system: None,
                code: None,
            },
        ];
        categories.extend(Category::ALL.map(|value| Reading::Known { value }));
        let subjects = [
            Some(format!("Patient/{ASKED}")),
            Some(format!("Patient/{OTHER}")),
            None,
        ];
        let mut checked = 0;
        for record in records {
            for basic in &basics {
                for category in &categories {
                    for subject in &subjects {
                        for unrecognised_components in [0, 1, 2] {
                            for effective_unreadable in [false, true] {
                                let s = ChargeableStatus {
                                    record_status: record.map(str::to_owned),
                                    basic: basic.clone(),
                                    category: category.clone(),
                                    unrecognised_components,
                                    effective_unreadable,
                                    subject_reference: subject.clone(),
                                    ..green()
                                };
                                let green = assess(&s, &asked(), today())
                                    .is_ok_and(|a| a.banner.colour == BannerColour::Green);
                                let allowed = subject.as_deref()
                                    == Some(&format!("Patient/{ASKED}"))
                                    && matches!(record, Some("final" | "amended" | "corrected"))
                                    && unrecognised_components == 0
                                    && !effective_unreadable
                                    && basic.known() == Some(BasicStatus::NotChargeable)
                                    && matches!(
                                        category,
                                        Reading::Absent
                                            | Reading::Known {
                                                value: Category::A
                                                    | Category::B
                                                    | Category::C
                                                    | Category::E
                                            }
                                    );
                                assert_eq!(green, allowed, "{s:?} subject {subject:?}");
                                checked += 1;
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(checked, 10 * 6 * 11 * 3 * 3 * 2);
    }
}
