//! The DSTU2 subset V&M Check reads — searchset `Bundle`, the V&M `Observation`,
//! `OperationOutcome` — extracted from the neutral [`Element`] tree.
//!
//! Tolerant of what the published examples omit (`meta.versionId`, `fullUrl`), of unknown
//! elements and of element order; strict about what decides a status: the component code
//! system/code and the value code system/code. Anything doubtful there becomes
//! [`Reading::Unrecognised`] or [`Reading::NoCoding`], which the banner never shows as green.

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

impl Coding {
    fn read(e: &Element) -> Self {
        Self {
            system: e.child_value("system").map(str::to_owned),
            code: e.child_value("code").map(str::to_owned),
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
    /// The Observation is not a V&M status observation (wrong code).
    #[error("the observation is not a Visitors and Migrants status (code {0})")]
    NotVandmObservation(String),
}

/// Reads a V&M search response: a searchset Bundle with one entry, or a bare Observation or
/// OperationOutcome.
pub fn read_search_body(root: &Element) -> Result<SearchBody, ModelError> {
    match root.name.as_str() {
        "Bundle" => {
            let kind = root.child_value("type").unwrap_or_default();
            if kind != "searchset" {
                return Err(ModelError::Unexpected(format!(
                    "a Bundle of type '{kind}', not searchset"
                )));
            }
            let entries: Vec<&Element> = root.children_named("entry").collect();
            if entries.len() != 1 {
                return Err(ModelError::EntryCount(entries.len()));
            }
            let resource = entries[0]
                .child("resource")
                .and_then(Element::inner_resource)
                .ok_or_else(|| {
                    ModelError::Unexpected("a bundle entry without a resource".into())
                })?;
            read_resource(resource)
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
    let codings: Vec<Coding> = e
        .child("code")
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
    for component in e.children_named("component") {
        let which = component
            .child("code")
            .into_iter()
            .flat_map(|c| c.children_named("coding"))
            .map(Coding::read)
            .find(|c| c.system.as_deref() == Some(COMPONENT_SYSTEM));
        match which.as_ref().and_then(|c| c.code.as_deref()) {
            Some(BASIC_COMPONENT) => {
                basic = merge(
                    basic,
                    read_value(component, BASIC_STATUS_SYSTEM, BasicStatus::from_code),
                );
            }
            Some(CATEGORY_COMPONENT) => {
                category = merge(
                    category,
                    read_value(component, CATEGORY_SYSTEM, Category::from_code),
                );
            }
            // Components we do not know do not change the status.
            _ => {}
        }
    }

    Ok(ChargeableStatus {
        basic,
        category,
        effective: e
            .child_value("effectiveDateTime")
            .and_then(FhirDateTime::parse),
        subject_reference: e.value_at(&["subject", "reference"]).map(str::to_owned),
        subject_display: e.value_at(&["subject", "display"]).map(str::to_owned),
        version_id: e.value_at(&["meta", "versionId"]).map(str::to_owned),
        observation_id: e.child_value("id").map(str::to_owned),
    })
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
    let codings: Vec<Coding> = component
        .child("valueCodeableConcept")
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
