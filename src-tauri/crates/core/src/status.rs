//! The chargeable-status model: basic status Y/N/U and category NONE/DECISION_PENDING/A–F, with
//! the displays and definitions of the published value sets, and what one Observation says.

use crate::time::FhirDateTime;

/// Code system of the basic chargeable status.
pub const BASIC_STATUS_SYSTEM: &str = "https://fhir.nhs.uk/spine-chargeable-status-1";
/// Code system of the chargeable-status category.
pub const CATEGORY_SYSTEM: &str = "https://fhir.nhs.uk/spine-category-status-1";
/// Code system of the Observation's component codes.
pub const COMPONENT_SYSTEM: &str = "https://fhir.nhs.uk/spine-vm-observation-component-1";
/// Component code of the basic status.
pub const BASIC_COMPONENT: &str = "BASIC_CHARGEABLE_STATUS";
/// Component code of the category.
pub const CATEGORY_COMPONENT: &str = "CATEGORY_CHARGEABLE_STATUS";
/// Code system of the Observation code.
pub const OBSERVATION_CODE_SYSTEM: &str = "https://fhir.nhs.uk/fhir-observation-code-1";
/// The one Observation code the V&M API uses.
pub const OBSERVATION_CODE: &str = "0001";
/// Profile of the V&M Observation.
pub const OBSERVATION_PROFILE: &str =
    "https://fhir.nhs.uk/StructureDefinition/spine-vm-observation-1";

/// The basic chargeable status (value set spine-chargeable-status-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum BasicStatus {
    /// `Y` — Chargeable.
    #[serde(rename = "Y")]
    Chargeable,
    /// `N` — Not Chargeable (paid or exempt from the surcharge).
    #[serde(rename = "N")]
    NotChargeable,
    /// `U` — Unset.
    #[serde(rename = "U")]
    Unset,
}

impl BasicStatus {
    /// Every value, in value-set order.
    pub const ALL: [Self; 3] = [Self::Chargeable, Self::NotChargeable, Self::Unset];

    /// Reads a code of spine-chargeable-status-1.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
    /// The wire code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Chargeable => "Y",
            Self::NotChargeable => "N",
            Self::Unset => "U",
        }
    }
    /// The value set's display.
    pub fn display(self) -> &'static str {
        match self {
            Self::Chargeable => "Chargeable",
            Self::NotChargeable => "Not Chargeable",
            Self::Unset => "Unset",
        }
    }
    /// The value set's definition.
    pub fn definition(self) -> &'static str {
        match self {
            Self::Chargeable => "The patient is likely chargeable for NHS Services.",
            Self::NotChargeable => "Paid or exempt from the health surcharge.",
            Self::Unset => "No specific information is available from the HO or an OVM to make a chargeable status determination.",
        }
    }
}

/// The chargeable-status category (value set spine-category-status-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Category {
    /// `NONE` — no status; negates any previous status.
    #[serde(rename = "NONE")]
    None,
    /// `DECISION_PENDING` — awaiting confirmation of charging status.
    #[serde(rename = "DECISION_PENDING")]
    DecisionPending,
    /// `A` — Standard NHS.
    A,
    /// `B` — Surcharge Payee (or exempt).
    B,
    /// `C` — Charge exempt (EHIC/PRC/S2).
    C,
    /// `D` — Chargeable EEA.
    D,
    /// `E` — Charge exempt overseas/non-EEA.
    E,
    /// `F` — Chargeable non-EEA.
    F,
}

impl Category {
    /// Every value, in value-set order.
    pub const ALL: [Self; 8] = [
        Self::None,
        Self::DecisionPending,
        Self::A,
        Self::B,
        Self::C,
        Self::D,
        Self::E,
        Self::F,
    ];

    /// Reads a code of spine-category-status-1.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
    /// The wire code.
    pub fn code(self) -> &'static str {
        match self {
            Self::None => "NONE",
            Self::DecisionPending => "DECISION_PENDING",
            Self::A => "A",
            Self::B => "B",
            Self::C => "C",
            Self::D => "D",
            Self::E => "E",
            Self::F => "F",
        }
    }
    /// The value set's display.
    pub fn display(self) -> &'static str {
        match self {
            Self::None => "None",
            Self::DecisionPending => "Decision Pending",
            Self::A => "Standard NHS",
            Self::B => "Surcharge Payee (or exempt)",
            Self::C => "Charge exempt (EHIC/PRC/S2)",
            Self::D => "Chargeable EEA",
            Self::E => "Charge exempt overseas/non-EEA",
            Self::F => "Chargeable non-EEA",
        }
    }
    /// The value set's definition.
    pub fn definition(self) -> &'static str {
        match self {
            Self::None => "No status, use to negate any previous status.",
            Self::DecisionPending => "Awaiting confirmation of charging status.",
            Self::A => "Ordinarily resident in the UK (according to the domestic Charging Regulations).",
            Self::B => "Resident in UK, in possession of a valid visa AND (surcharge paid OR exempt).",
            Self::C => "Ordinarily resident in another EEA country AND (EHIC/PRC/S2 OR exempt).",
            Self::D => "Ordinarily resident in another EEA country AND (No EHIC/PRC/S2 OR not exempt).",
            Self::E => "Not ordinarily resident in the UK, not paid, but exempt by personal status or treatment.",
            Self::F => "Not ordinarily resident in the UK or EEA, not paid, not exempt by personal status or treatment.",
        }
    }
    /// One of the lettered categories A–F (an assessment was recorded).
    pub fn is_lettered(self) -> bool {
        !matches!(self, Self::None | Self::DecisionPending)
    }
}

/// What one component of the Observation says, before classification.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Reading<T> {
    /// The component is not in the Observation.
    Absent,
    /// A known code of the expected code system.
    Known {
        /// The value.
        value: T,
    },
    /// A coding whose system or code is not the one expected (or several, conflicting).
    Unrecognised {
        /// The system as received.
        system: Option<String>,
        /// The code as received.
        code: Option<String>,
    },
    /// The component is there but its value carries no coding.
    NoCoding,
}

impl ChargeableStatus {
    /// What `Observation.status` says about the record.
    pub fn record_state(&self) -> RecordState {
        RecordState::of(self.record_status.as_deref())
    }
}

impl<T: Copy> Reading<T> {
    /// The value when known.
    pub fn known(&self) -> Option<T> {
        match self {
            Self::Known { value } => Some(*value),
            _ => None,
        }
    }
}

/// What `Observation.status` says about the record itself, before its content is read.
///
/// FHIR DSTU2 codes: `registered | preliminary | final | amended | cancelled |
/// entered-in-error | unknown`; `corrected` (R4) is accepted as settled too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordState {
    /// `final`, `amended` or `corrected`: the record can be shown as it is.
    Settled,
    /// `preliminary`, `registered`, `unknown`, another code, or no status at all: the content
    /// may change; at most amber.
    NotFinal,
    /// `entered-in-error` or `cancelled`: the record is void and is never shown as a status.
    Void,
}

impl RecordState {
    /// Classifies `Observation.status` as sent (`None` when absent). Codes are case-sensitive,
    /// as FHIR codes are.
    pub fn of(status: Option<&str>) -> Self {
        match status {
            Some("final" | "amended" | "corrected") => Self::Settled,
            Some("entered-in-error" | "cancelled") => Self::Void,
            _ => Self::NotFinal,
        }
    }
}

/// The chargeable status one V&M Observation carries.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChargeableStatus {
    /// `Observation.status` as sent (`final` in every published example); see [`RecordState`].
    pub record_status: Option<String>,
    /// The basic status component.
    pub basic: Reading<BasicStatus>,
    /// The category component.
    pub category: Reading<Category>,
    /// Components that are neither the basic status nor the category (or whose code is not in
    /// the V&M component code system): the Observation says something we cannot read.
    pub unrecognised_components: u32,
    /// `effectiveDateTime`: when the Home Office or an OVM last updated the status.
    pub effective: Option<FhirDateTime>,
    /// An `effectiveDateTime` was sent but is not a FHIR dateTime (it is not in `effective`).
    pub effective_unreadable: bool,
    /// `subject.reference` (`Patient/{nhs}`).
    pub subject_reference: Option<String>,
    /// `subject.display` (the patient's name as Spine holds it).
    pub subject_display: Option<String>,
    /// `meta.versionId`, when sent.
    pub version_id: Option<String>,
    /// The Observation's logical id.
    pub observation_id: Option<String>,
}

impl std::fmt::Debug for ChargeableStatus {
    /// The subject (NHS number, name) is left out: debug output ends up in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChargeableStatus")
            .field("record_status", &self.record_status)
            .field("basic", &self.basic)
            .field("category", &self.category)
            .field("unrecognised_components", &self.unrecognised_components)
            .field("effective", &self.effective.as_ref().map(|e| &e.raw))
            .field("effective_unreadable", &self.effective_unreadable)
            .finish_non_exhaustive()
    }
}
