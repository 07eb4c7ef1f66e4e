//! The DSTU2 subset V&M Check reads — searchset `Bundle`, the V&M `Observation`,
//! `OperationOutcome` — extracted from the neutral [`Element`] tree.
//!
//! Tolerant of what the published examples omit (`meta.versionId`, `fullUrl`), of unknown
//! elements and of element order; strict about what decides a status: the component code
//! system/code and the value code system/code. Anything doubtful there becomes
//! [`Reading::Unrecognised`] or [`Reading::NoCoding`], which the banner never shows as green.
//!
//! An element the decision reads that is sent more than once (two XML elements, or a JSON
//! array where FHIR has one value) is only read when every copy is the same (`agreed`);
//! otherwise it is taken as absent — never as its first copy.

use super::tree::Element;
use crate::status::{
    BasicStatus, Category, ChargeableStatus, Reading, BASIC_COMPONENT, BASIC_STATUS_SYSTEM,
    CATEGORY_COMPONENT, CATEGORY_SYSTEM, COMPONENT_SYSTEM, OBSERVATION_CODE,
    OBSERVATION_CODE_SYSTEM,
};
use crate::time::FhirDateTime;

/// A FHIR Coding.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Coding {
    /// Code system URI.
    pub system: Option<String>,
    /// The code.
    pub code: Option<String>,
    /// Human display.
    pub display: Option<String>,
}

/// The child named `name` when every child of that name is the same (an element sent twice is
/// only trusted when both copies agree, as a component sent twice is); `None` when there is
/// none or when the copies differ.
fn agreed<'a>(e: &'a Element, name: &str) -> Option<&'a Element> {
    let mut named = e.children.iter().filter(|c| c.name == name);
    let first = named.next()?;
    named.all(|other| other == first).then_some(first)
}

/// The value of `agreed`.
fn agreed_value<'a>(e: &'a Element, name: &str) -> Option<&'a str> {
    agreed(e, name).and_then(|c| c.value.as_deref())
}

impl Coding {
    fn read(e: &Element) -> Self {
        Self {
            system: agreed_value(e, "system").map(str::to_owned),
            code: agreed_value(e, "code").map(str::to_owned),
            display: e.child_value("display").map(str::to_owned),
        }
    }
}

/// One issue of an OperationOutcome.
#[derive(Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Issue {
    /// `fatal` | `error` | `warning` | `information`.
    pub severity: String,
    /// The FHIR issue type (`invalid`, `not-found`, `code-invalid`, …).
    pub code: String,
    /// `details.coding`.
    pub details: Vec<Coding>,
    /// Free text for the service desk.
    pub diagnostics: Option<String>,
}

impl std::fmt::Debug for Issue {
    /// Diagnostics are free text that may quote the request: left out of debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issue")
            .field("severity", &self.severity)
            .field("code", &self.code)
            .field("details", &self.details)
            .finish_non_exhaustive()
    }
}

/// An OperationOutcome (Spine error or "no record").
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct OperationOutcome {
    /// Logical id.
    pub id: Option<String>,
    /// The issues, at least one in a valid resource.
    pub issues: Vec<Issue>,
}

/// Code system of Spine's error and warning codes (V&M, DSTU2).
pub const SPINE_ERROR_SYSTEM: &str = "https://fhir.nhs.uk/spine-error-or-warning-code-1";

impl OperationOutcome {
    /// The first issue's Spine error coding: the one from the Spine code system when present,
    /// otherwise its first coding.
    pub fn spine_coding(&self) -> Option<&Coding> {
        let issue = self.issues.first()?;
        issue
            .details
            .iter()
            .find(|c| c.system.as_deref() == Some(SPINE_ERROR_SYSTEM))
            .or_else(|| issue.details.first())
    }

    /// Reads an OperationOutcome element.
    pub fn read(e: &Element) -> Result<Self, ModelError> {
        if e.name != "OperationOutcome" {
            return Err(ModelError::Unexpected(format!(
                "expected OperationOutcome, found {}",
                e.name
            )));
        }
        let issues: Vec<Issue> = e
            .children_named("issue")
            .map(|i| Issue {
                severity: i.child_value("severity").unwrap_or_default().to_owned(),
                code: i.child_value("code").unwrap_or_default().to_owned(),
                details: i
                    .child("details")
                    .map(|d| d.children_named("coding").map(Coding::read).collect())
                    .unwrap_or_default(),
                diagnostics: i.child_value("diagnostics").map(str::to_owned),
            })
            .collect();
        if issues.is_empty() {
            return Err(ModelError::Unexpected(
                "OperationOutcome without an issue".into(),
            ));
        }
        Ok(Self {
            id: e.child_value("id").map(str::to_owned),
            issues,
        })
    }
}

/// What a V&M search body holds, once unwrapped from its Bundle (if any).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[allow(
    clippy::large_enum_variant,
    reason = "one per response, moved once into the result; boxing would only add an allocation"
)]
pub enum SearchBody {
    /// A V&M Observation.
    Observation(ChargeableStatus),
    /// An OperationOutcome (its meaning depends on the HTTP status).
    OperationOutcome(OperationOutcome),
}

/// Why a well-formed FHIR resource is not a usable V&M answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// A resource or element other than the one the API promises.
    #[error("unexpected content: {0}")]
    Unexpected(String),
    /// The Bundle does not hold exactly one entry.
    #[error("the result bundle holds {0} entries where the service sends exactly one")]
    EntryCount(usize),
    /// The Bundle holds several Observations: Spine returned more than one status record for
    /// the patient. None is picked.
    #[error("Spine returned {0} status records for this patient where there is only ever one")]
    SeveralStatusRecords(usize),
    /// The Observation is not a V&M status observation (wrong code).
    #[error("the observation is not a Visitors and Migrants status (code {0})")]
    NotVandmObservation(String),
}

impl ModelError {
    /// The stable error code of a model error that is more than "unreadable": several status
    /// records (`SPINE_SEVERAL_RECORDS`).
    pub fn code(&self) -> Option<&'static str> {
        match self {
            Self::SeveralStatusRecords(_) => Some("SPINE_SEVERAL_RECORDS"),
            _ => None,
        }
    }
}

/// Reads a V&M search response: a searchset Bundle with one entry, or a bare Observation or
/// OperationOutcome.
pub fn read_search_body(root: &Element) -> Result<SearchBody, ModelError> {
    match root.name.as_str() {
        "Bundle" => {
            let kind = agreed_value(root, "type").unwrap_or_default();
            if kind != "searchset" {
                return Err(ModelError::Unexpected(format!(
                    "a Bundle of type '{kind}', not searchset"
                )));
            }
            let entries: Vec<&Element> = root.children_named("entry").collect();
            // An entry's resource: one `resource` holding one resource (two copies that agree
            // count as one).
            let resources: Vec<Option<&Element>> = entries
                .iter()
                .map(|entry| {
                    agreed(entry, "resource")
                        .filter(|r| r.children.len() == 1)
                        .and_then(Element::inner_resource)
                })
                .collect();
            let observations = resources
                .iter()
                .filter(|r| r.is_some_and(|r| r.name == "Observation"))
                .count();
            if observations > 1 {
                return Err(ModelError::SeveralStatusRecords(observations));
            }
            match resources.as_slice() {
                [Some(resource)] => read_resource(resource),
                [None] => Err(ModelError::Unexpected(
                    "a bundle entry without a resource".into(),
                )),
                _ => Err(ModelError::EntryCount(entries.len())),
            }
        }
        _ => read_resource(root),
    }
}

fn read_resource(e: &Element) -> Result<SearchBody, ModelError> {
    match e.name.as_str() {
        "Observation" => read_observation(e).map(SearchBody::Observation),
        "OperationOutcome" => OperationOutcome::read(e).map(SearchBody::OperationOutcome),
        other => Err(ModelError::Unexpected(format!("a {other} resource"))),
    }
}

/// Reads a V&M Observation into the chargeable-status model.
pub fn read_observation(e: &Element) -> Result<ChargeableStatus, ModelError> {
    let codings: Vec<Coding> = agreed(e, "code")
        .map(|c| c.children_named("coding").map(Coding::read).collect())
        .unwrap_or_default();
    let is_vandm = codings.iter().any(|c| {
        c.system.as_deref() == Some(OBSERVATION_CODE_SYSTEM)
            && c.code.as_deref() == Some(OBSERVATION_CODE)
    });
    if !is_vandm {
        let seen = codings
            .first()
            .map(|c| {
                format!(
                    "{}|{}",
                    c.system.as_deref().unwrap_or(""),
                    c.code.as_deref().unwrap_or("")
                )
            })
            .unwrap_or_else(|| "missing".into());
        return Err(ModelError::NotVandmObservation(seen));
    }

    let mut basic = Reading::Absent;
    let mut category = Reading::Absent;
    let mut unrecognised_components = 0_u32;
    for component in e.children_named("component") {
        match ComponentKind::of(component) {
            ComponentKind::Basic => {
                basic = merge(
                    basic,
                    read_value(component, BASIC_STATUS_SYSTEM, BasicStatus::from_code),
                );
            }
            ComponentKind::Category => {
                category = merge(
                    category,
                    read_value(component, CATEGORY_SYSTEM, Category::from_code),
                );
            }
            ComponentKind::BasicMisfiled(coding) => {
                basic = merge(basic, unrecognised(&coding));
            }
            ComponentKind::CategoryMisfiled(coding) => {
                category = merge(category, unrecognised(&coding));
            }
            ComponentKind::Unknown => {
                unrecognised_components = unrecognised_components.saturating_add(1);
            }
        }
    }

    let effective_text = agreed_value(e, "effectiveDateTime");
    let effective = effective_text.and_then(FhirDateTime::parse);
    let dates_disagree =
        e.child("effectiveDateTime").is_some() && agreed(e, "effectiveDateTime").is_none();
    Ok(ChargeableStatus {
        record_status: agreed_value(e, "status").map(str::to_owned),
        basic,
        category,
        unrecognised_components,
        effective_unreadable: (effective_text.is_some() && effective.is_none()) || dates_disagree,
        effective,
        subject_reference: agreed(e, "subject")
            .and_then(|s| agreed_value(s, "reference"))
            .map(str::to_owned),
        subject_display: e.value_at(&["subject", "display"]).map(str::to_owned),
        version_id: e.value_at(&["meta", "versionId"]).map(str::to_owned),
        observation_id: e.child_value("id").map(str::to_owned),
    })
}

/// Which of the two V&M components a `component` is, from its `code.coding`.
enum ComponentKind {
    /// `BASIC_CHARGEABLE_STATUS` in the V&M component code system.
    Basic,
    /// `CATEGORY_CHARGEABLE_STATUS` in the V&M component code system.
    Category,
    /// The basic status's code, but in another code system (or with no system).
    BasicMisfiled(Coding),
    /// The category's code, but in another code system (or with no system).
    CategoryMisfiled(Coding),
    /// Anything else: no coding, an unknown code, or several V&M component codes at once.
    Unknown,
}

impl ComponentKind {
    fn of(component: &Element) -> Self {
        let codings: Vec<Coding> = agreed(component, "code")
            .into_iter()
            .flat_map(|c| c.children_named("coding"))
            .map(Coding::read)
            .collect();
        let ours: Vec<&Coding> = codings
            .iter()
            .filter(|c| c.system.as_deref() == Some(COMPONENT_SYSTEM))
            .collect();
        match ours.as_slice() {
            [one] => match one.code.as_deref() {
                Some(BASIC_COMPONENT) => Self::Basic,
                Some(CATEGORY_COMPONENT) => Self::Category,
                _ => Self::Unknown,
            },
            [] => {
                let misfiled = |name: &str| {
                    codings
                        .iter()
                        .find(|c| c.code.as_deref() == Some(name))
                        .cloned()
                };
                if let Some(c) = misfiled(BASIC_COMPONENT) {
                    Self::BasicMisfiled(c)
                } else if let Some(c) = misfiled(CATEGORY_COMPONENT) {
                    Self::CategoryMisfiled(c)
                } else {
                    Self::Unknown
                }
            }
            _ => Self::Unknown,
        }
    }
}

fn unrecognised<T>(coding: &Coding) -> Reading<T> {
    Reading::Unrecognised {
        system: coding.system.clone(),
        code: coding.code.clone(),
    }
}

/// A component sent twice is only trusted when both say the same.
fn merge<T: PartialEq>(earlier: Reading<T>, later: Reading<T>) -> Reading<T> {
    match earlier {
        Reading::Absent => later,
        same if same == later => same,
        _ => Reading::Unrecognised {
            system: None,
            code: Some("conflicting components".into()),
        },
    }
}

fn read_value<T>(
    component: &Element,
    system: &str,
    from_code: fn(&str) -> Option<T>,
) -> Reading<T> {
    let codings: Vec<Coding> = agreed(component, "valueCodeableConcept")
        .map(|v| v.children_named("coding").map(Coding::read).collect())
        .unwrap_or_default();
    let Some(first) = codings.first() else {
        return Reading::NoCoding;
    };
    let in_system: Vec<&Coding> = codings
        .iter()
        .filter(|c| c.system.as_deref() == Some(system))
        .collect();
    match in_system.as_slice() {
        [one] => match one.code.as_deref().and_then(from_code) {
            Some(value) => Reading::Known { value },
            None => Reading::Unrecognised {
                system: one.system.clone(),
                code: one.code.clone(),
            },
        },
        [] => Reading::Unrecognised {
            system: first.system.clone(),
            code: first.code.clone(),
        },
        // Several codings from our system: only trusted when they agree, which `merge` would
        // also demand; keep it simple and refuse.
        _ => Reading::Unrecognised {
            system: Some(system.to_owned()),
            code: Some("several codes".into()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fhir::tree::{from_json, from_xml};

    const GREEN: &str = r#"{"resourceType":"Observation","status":"final",
        "code":{"coding":[{"system":"https://fhir.nhs.uk/fhir-observation-code-1","code":"0001"}]},
        "subject":{"reference":"Patient/9434765919"},
        "effectiveDateTime":"2025-06-01",
        "component":[{
          "code":{"coding":[{"system":"https://fhir.nhs.uk/spine-vm-observation-component-1","code":"BASIC_CHARGEABLE_STATUS"}]},
          "valueCodeableConcept":{"coding":[{"system":"https://fhir.nhs.uk/spine-chargeable-status-1","code":"N"}]}}]}"#;

    fn status_of(json: &str) -> ChargeableStatus {
        let tree = from_json(json.as_bytes()).expect("FHIR JSON");
        match read_search_body(&tree).expect("a V&M answer") {
            SearchBody::Observation(s) => s,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_value_sent_twice_is_read_only_when_both_copies_agree() {
        let base = status_of(GREEN);
        assert_eq!(base.record_status.as_deref(), Some("final"));
        let same =
            status_of(&GREEN.replace(r#""status":"final""#, r#""status":["final","final"]"#));
        assert_eq!(same, base);
        let status = status_of(&GREEN.replace(
            r#""status":"final""#,
            r#""status":["final","entered-in-error"]"#,
        ));
        assert_eq!(status.record_status, None);
        let subject = status_of(&GREEN.replace(
            r#""subject":{"reference":"Patient/9434765919"}"#,
            r#""subject":[{"reference":"Patient/9434765919"},{"reference":"Patient/9990000018"}]"#,
        ));
        assert_eq!(subject.subject_reference, None);
        let date = status_of(&GREEN.replace(
            r#""effectiveDateTime":"2025-06-01""#,
            r#""effectiveDateTime":["2025-06-01","2027-01-01"]"#,
        ));
        assert!(date.effective_unreadable && date.effective.is_none());
        let value = status_of(&GREEN.replace(
            r#""valueCodeableConcept":{"coding""#,
            r#""valueCodeableConcept":[{"coding":[{"system":"https://fhir.nhs.uk/spine-chargeable-status-1","code":"Y"}]},{"coding""#,
        ).replace("}]}}]}", "}]}]}]}"));
        assert_eq!(value.basic, Reading::NoCoding);
        let system = status_of(&GREEN.replace(
            r#""system":"https://fhir.nhs.uk/spine-chargeable-status-1""#,
            r#""system":["https://fhir.nhs.uk/spine-chargeable-status-1","urn:other"]"#,
        ));
        assert!(
            matches!(system.basic, Reading::Unrecognised { system: None, .. }),
            "{:?}",
            system.basic
        );
    }

    #[test]
    fn an_entry_holds_one_resource() {
        let two = br#"<Bundle xmlns="http://hl7.org/fhir"><type value="searchset"/><entry><resource>
            <Observation><status value="final"/></Observation><Observation/></resource></entry></Bundle>"#;
        let tree = from_xml(two).expect("XML");
        assert!(read_search_body(&tree).is_err());
        let types = br#"<Bundle xmlns="http://hl7.org/fhir"><type value="searchset"/><type value="history"/>
            <entry><resource><OperationOutcome><issue><code value="x"/></issue></OperationOutcome></resource></entry></Bundle>"#;
        assert!(read_search_body(&from_xml(types).expect("XML")).is_err());
    }
}
