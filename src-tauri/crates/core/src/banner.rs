//! Banner classification — a clinical-safety decision.
//!
//! Maps what the Observation says to a colour, an icon and a headline, exactly as the product's
//! safety table says. Anything uncertain is amber or grey, never green. An error is not a banner:
//! errors never pass through here.

use crate::status::{BasicStatus, Category, ChargeableStatus, Reading, RecordState};

/// The banner colour. The UI pairs each with an icon and words; colour is never alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum BannerColour {
    /// Chargeable or likely chargeable.
    Red,
    /// Not chargeable.
    Green,
    /// Needs a person to look: pending, conflicting, withdrawn, unrecognised.
    Amber,
    /// Nothing determined, or no record.
    Grey,
}

impl BannerColour {
    /// The lower-case name used on the wire and as a CSS class suffix.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Red => "red",
            Self::Green => "green",
            Self::Amber => "amber",
            Self::Grey => "grey",
        }
    }
}

/// Which row of the safety table applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BannerKind {
    /// Y with D or F.
    Chargeable,
    /// Y with no category.
    LikelyChargeable,
    /// N with A, B, C or E.
    NotChargeable,
    /// N with no category.
    NotChargeableSurchargePaidOrExempt,
    /// Category DECISION_PENDING.
    DecisionPending,
    /// Y with A/B/C/E, or N with D/F.
    Conflicting,
    /// U with A–F.
    CategoryWithoutBasic,
    /// U with no category or NONE.
    NoStatusDetermined,
    /// Y or N with NONE.
    StatusWithdrawn,
    /// An unknown code, a component without a coding, a component we cannot identify, or an
    /// unreadable date.
    Unrecognised,
    /// `Observation.status` is not `final`, `amended` or `corrected`: the record may change.
    NotFinal,
    /// No V&M record for the patient.
    NoRecord,
}

/// The banner for one lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Banner {
    /// Colour.
    pub colour: BannerColour,
    /// Which rule applied.
    pub kind: BannerKind,
}

impl Banner {
    /// The banner for "no V&M record" (an OperationOutcome in a 200 Bundle).
    pub fn no_record() -> Self {
        Self {
            colour: BannerColour::Grey,
            kind: BannerKind::NoRecord,
        }
    }

    /// The headline words, exactly as the safety table gives them.
    pub fn headline(self) -> &'static str {
        match self.kind {
            BannerKind::Chargeable => "Chargeable",
            BannerKind::LikelyChargeable => "Likely chargeable",
            BannerKind::NotChargeable => "Not chargeable",
            BannerKind::NotChargeableSurchargePaidOrExempt => {
                "Not chargeable (surcharge paid or exempt)"
            }
            BannerKind::DecisionPending => "Decision pending",
            BannerKind::Conflicting => "Conflicting status — check with the OVM team",
            BannerKind::CategoryWithoutBasic => "Category recorded, basic status unset",
            BannerKind::NoStatusDetermined => "No status determined",
            BannerKind::StatusWithdrawn => "Status withdrawn — check with the OVM team",
            BannerKind::Unrecognised => "Unrecognised status — contact the service desk",
            BannerKind::NotFinal => "Status not final — check with the OVM team",
            BannerKind::NoRecord => {
                "No overseas visitor record (this does not mean the patient is exempt)"
            }
        }
    }

    /// A short name of the icon the UI shows beside the colour.
    pub fn icon(self) -> &'static str {
        match self.colour {
            BannerColour::Red => "cross",
            BannerColour::Green => "tick",
            BannerColour::Amber => "warning",
            BannerColour::Grey => "info",
        }
    }

    /// Whether the UI should remind the user of exempt services and clinical urgency.
    pub fn shows_exemption_reminder(self) -> bool {
        matches!(self.colour, BannerColour::Red | BannerColour::Amber)
    }
}

/// Classifies a chargeable status. Rows are tried in the order of the safety table, uncertain
/// input first, so nothing doubtful can reach a green row: a record that is not settled (its
/// `Observation.status`), a component or date that cannot be read, then the codes.
///
/// A void record (`entered-in-error`, `cancelled`) is refused before it gets here
/// ([`crate::assess::assess`]); should one arrive anyway it is amber, never a status.
pub fn classify(status: &ChargeableStatus) -> Banner {
    use BannerColour::{Amber, Green, Grey, Red};
    use BannerKind as K;
    use BasicStatus::{Chargeable as Y, NotChargeable as N, Unset as U};

    let banner = |colour, kind| Banner { colour, kind };

    match status.record_state() {
        RecordState::Settled => {}
        RecordState::NotFinal => return banner(Amber, K::NotFinal),
        RecordState::Void => return banner(Amber, K::Unrecognised),
    }
    if status.unrecognised_components > 0 || status.effective_unreadable {
        return banner(Amber, K::Unrecognised);
    }

    // The basic status is required: without a known value nothing can be said.
    let Some(basic) = status.basic.known() else {
        return banner(Amber, K::Unrecognised);
    };
    // The category may be absent; if present it must be known.
    let category = match &status.category {
        Reading::Absent => None,
        Reading::Known { value } => Some(*value),
        Reading::Unrecognised { .. } | Reading::NoCoding => return banner(Amber, K::Unrecognised),
    };

    match (basic, category) {
        (_, Some(Category::DecisionPending)) => banner(Amber, K::DecisionPending),
        (Y, Some(Category::D | Category::F)) => banner(Red, K::Chargeable),
        (Y, None) => banner(Red, K::LikelyChargeable),
        (N, Some(Category::A | Category::B | Category::C | Category::E)) => {
            banner(Green, K::NotChargeable)
        }
        (N, None) => banner(Green, K::NotChargeableSurchargePaidOrExempt),
        (Y, Some(Category::A | Category::B | Category::C | Category::E)) => {
            banner(Amber, K::Conflicting)
        }
        (N, Some(Category::D | Category::F)) => banner(Amber, K::Conflicting),
        (U, Some(c)) if c.is_lettered() => banner(Amber, K::CategoryWithoutBasic),
        (U, None | Some(Category::None)) => banner(Grey, K::NoStatusDetermined),
        (Y | N, Some(Category::None)) => banner(Amber, K::StatusWithdrawn),
        // Unreachable with today's value sets (U with a lettered category is handled above);
        // kept amber so a future code can never fall through to green.
        (U, Some(_)) => banner(Amber, K::Unrecognised),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use BannerColour::*;

    fn status(basic: Reading<BasicStatus>, category: Reading<Category>) -> ChargeableStatus {
        ChargeableStatus {
            record_status: Some("final".into()),
            basic,
            category,
            unrecognised_components: 0,
            effective: None,
            effective_unreadable: false,
            subject_reference: None,
            subject_display: None,
            version_id: None,
            observation_id: None,
        }
    }

    fn known<T>(value: T) -> Reading<T> {
        Reading::Known { value }
    }

    fn check(basic: &str, category: Option<&str>, colour: BannerColour, headline: &str) {
        let b = known(BasicStatus::from_code(basic).expect("basic code"));
        let c = match category {
            None => Reading::Absent,
            Some(code) => known(Category::from_code(code).expect("category code")),
        };
        let banner = classify(&status(b, c));
        assert_eq!(
            (banner.colour, banner.headline()),
            (colour, headline),
            "{basic} × {category:?}"
        );
    }

    /// Every row of the safety table, every combination of basic × category (27).
    #[test]
    fn every_row_of_the_safety_table() {
        for c in ["D", "F"] {
            check("Y", Some(c), Red, "Chargeable");
        }
        check("Y", None, Red, "Likely chargeable");
        for c in ["A", "B", "C", "E"] {
            check("N", Some(c), Green, "Not chargeable");
        }
        check(
            "N",
            None,
            Green,
            "Not chargeable (surcharge paid or exempt)",
        );
        for b in ["Y", "N", "U"] {
            check(b, Some("DECISION_PENDING"), Amber, "Decision pending");
        }
        for c in ["A", "B", "C", "E"] {
            check(
                "Y",
                Some(c),
                Amber,
                "Conflicting status — check with the OVM team",
            );
        }
        for c in ["D", "F"] {
            check(
                "N",
                Some(c),
                Amber,
                "Conflicting status — check with the OVM team",
            );
        }
        for c in ["A", "B", "C", "D", "E", "F"] {
            check("U", Some(c), Amber, "Category recorded, basic status unset");
        }
        check("U", None, Grey, "No status determined");
        check("U", Some("NONE"), Grey, "No status determined");
        check(
            "Y",
            Some("NONE"),
            Amber,
            "Status withdrawn — check with the OVM team",
        );
        check(
            "N",
            Some("NONE"),
            Amber,
            "Status withdrawn — check with the OVM team",
        );
    }

    #[test]
    fn unrecognised_or_missing_codings_are_amber() {
        fn unknown<T>() -> Reading<T> {
            Reading::Unrecognised {
                system: Some("x".into()),
                code: Some("Q".into()),
            }
        }
        let cases = [
            status(unknown(), Reading::Absent),
            status(Reading::NoCoding, Reading::Absent),
            status(Reading::Absent, Reading::Absent),
            status(Reading::Absent, known(Category::A)),
            status(known(BasicStatus::NotChargeable), unknown()),
            status(known(BasicStatus::NotChargeable), Reading::NoCoding),
            status(known(BasicStatus::Chargeable), unknown()),
            status(known(BasicStatus::Unset), unknown()),
        ];
        for s in cases {
            let banner = classify(&s);
            assert_eq!(banner.colour, Amber, "{s:?}");
            assert_eq!(
                banner.headline(),
                "Unrecognised status — contact the service desk"
            );
        }
    }

    #[test]
    fn never_green_unless_basic_is_n_and_category_is_exempt_or_absent() {
        let basics = [
            Reading::Absent,
            Reading::NoCoding,
            Reading::Unrecognised {
                system: None,
                code: None,
            },
            known(BasicStatus::Chargeable),
            known(BasicStatus::NotChargeable),
            known(BasicStatus::Unset),
        ];
        let mut categories = vec![
            Reading::Absent,
            Reading::NoCoding,
            Reading::Unrecognised {
                system: None,
                code: None,
            },
        ];
        categories.extend(Category::ALL.into_iter().map(known));
        for b in &basics {
            for c in &categories {
                let green = classify(&status(b.clone(), c.clone())).colour == Green;
                let allowed = b.known() == Some(BasicStatus::NotChargeable)
                    && matches!(
                        c,
                        Reading::Absent
                            | Reading::Known {
                                value: Category::A | Category::B | Category::C | Category::E
                            }
                    );
                assert_eq!(green, allowed, "{b:?} × {c:?}");
            }
        }
    }

    #[test]
    fn no_record_is_grey_and_says_it_is_not_an_exemption() {
        let b = Banner::no_record();
        assert_eq!(b.colour, Grey);
        assert_eq!(
            b.headline(),
            "No overseas visitor record (this does not mean the patient is exempt)"
        );
        assert!(!b.shows_exemption_reminder());
    }

    /// The names the UI styles and announces by: a colour is never shown under another's name
    /// or icon.
    #[test]
    fn each_colour_has_its_own_name_and_icon() {
        let names = [
            (Red, "red", "cross"),
            (Green, "green", "tick"),
            (Amber, "amber", "warning"),
            (Grey, "grey", "info"),
        ];
        for (colour, name, icon) in names {
            assert_eq!(colour.as_str(), name);
            let banner = Banner {
                colour,
                kind: BannerKind::NoRecord,
            };
            assert_eq!(banner.icon(), icon, "{name}");
        }
    }

    /// Red and amber remind the user that exempt services and urgent care are never refused;
    /// green and grey do not.
    #[test]
    fn the_exemption_reminder_goes_with_red_and_amber_only() {
        let y = classify(&status(known(BasicStatus::Chargeable), Reading::Absent));
        let u = classify(&status(Reading::NoCoding, Reading::Absent));
        let n = classify(&status(known(BasicStatus::NotChargeable), Reading::Absent));
        assert_eq!((y.colour, y.shows_exemption_reminder()), (Red, true));
        assert_eq!((u.colour, u.shows_exemption_reminder()), (Amber, true));
        assert_eq!((n.colour, n.shows_exemption_reminder()), (Green, false));
    }
}
