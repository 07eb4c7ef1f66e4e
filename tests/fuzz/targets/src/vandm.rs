//! `vandm_json` and `vandm_xml`: a V&M search body → `parse_search_body` → `assess`.
//!
//! Oracle: no panic; a **green** banner only when the body, read independently and simply here
//! (`serde_json` / `roxmltree`), is one Observation — bare, or the one entry of a searchset
//! Bundle — whose `status` is `final`, `amended` or `corrected`, whose `subject.reference` is
//! `Patient/{the number asked}`, whose basic-status component says `N` and whose category
//! component, if any, says `A`, `B`, `C` or `E`. A value sent more than once (a JSON array
//! where FHIR has one value, two XML elements) is that value only when every copy says the
//! same; every copy of a resource, code or value is held to the conditions.
//!
//! Round trip: when the body reads to a model, the element tree rendered back through
//! `vmcheck_core::fhir::write` (in the same format) reads to the same model.

use serde_json::Value;
use vmcheck_core::fhir::{self, write, SearchBody, WireFormat};
use vmcheck_core::spine_error::SpineError;
use vmcheck_core::status::{
    BASIC_COMPONENT, BASIC_STATUS_SYSTEM, CATEGORY_COMPONENT, CATEGORY_SYSTEM, COMPONENT_SYSTEM,
};
use vmcheck_core::{assess, BannerColour, NhsNumber};

use crate::{ASKED_NHS_NUMBER, TODAY};

/// The JSON target: `application/json+fhir` bodies.
pub fn vandm_json(data: &[u8]) {
    run(WireFormat::Json, data);
}

/// The XML target: `application/xml+fhir` bodies.
pub fn vandm_xml(data: &[u8]) {
    run(WireFormat::Xml, data);
}

fn run(format: WireFormat, data: &[u8]) {
    let asked = NhsNumber::parse(ASKED_NHS_NUMBER).expect("the asked number is valid");
    let parsed = fhir::parse_search_body(format, data);
    let green = match &parsed {
        Ok(SearchBody::Observation(status)) => match assess(status, &asked, TODAY) {
            Ok(assessment) => {
                // What the screen shows beside the banner must not panic either.
                let _ = assessment.banner.headline();
                let _ = assessment.banner.icon();
                if let Some(effective) = &status.effective {
                    let _ = effective.human();
                    let _ = effective.is_older_than(TODAY, 12);
                }
                assessment.banner.colour == BannerColour::Green
            }
            Err(refusal) => {
                let _ = refusal.code();
                false
            }
        },
        Ok(SearchBody::OperationOutcome(outcome)) => {
            for status in [200, 400, 404, 500] {
                let error = SpineError::from_outcome(status, outcome);
                let _ = error.code.user_message();
            }
            false
        }
        Err(_) => false,
    };
    if green {
        let facts = match format {
            WireFormat::Json => serde_json::from_slice::<Value>(data)
                .map_err(|e| format!("not JSON to serde_json: {e}"))
                .and_then(|v| json::green_allowed(&v)),
            WireFormat::Xml => xml::green_allowed(data),
        };
        if let Err(why) = facts {
            panic!("green banner for a body that does not allow it: {why}");
        }
    }
    if let Ok(model) = parsed {
        round_trip(format, data, &model);
    }
}

/// Renders the tree back out and reads it again: the same model.
fn round_trip(format: WireFormat, data: &[u8], model: &SearchBody) {
    let tree = format.read(data).expect("the tree read once already");
    let rendered = write::render(&tree, format);
    match fhir::parse_search_body(format, rendered.as_bytes()) {
        Ok(again) => assert_eq!(
            &again, model,
            "the rendered tree reads to another model:\n{rendered}"
        ),
        Err(e) => panic!("the rendered tree does not read back ({e}):\n{rendered}"),
    }
}

/// What the decision needs, collected from one Observation by either reader.
#[derive(Default)]
struct Components {
    /// Basic-status components (code `BASIC_CHARGEABLE_STATUS` in the component system).
    basic: usize,
    /// Why a component stops green, if one does.
    problem: Option<String>,
}

impl Components {
    /// One component: its code codings `(system, code)` and its value codings.
    fn add(&mut self, code: &[(Option<String>, Option<String>)], value: Option<Vec<Coding>>) {
        let named = |name: &str| code.iter().any(|(_, c)| c.as_deref() == Some(name));
        let ours = |name: &str| {
            code.iter()
                .any(|(s, c)| s.as_deref() == Some(COMPONENT_SYSTEM) && c.as_deref() == Some(name))
        };
        let in_system = |system: &str| -> Option<Vec<String>> {
            let value = value.as_ref()?;
            let codes: Vec<String> = value
                .iter()
                .filter(|(s, _)| s.as_deref() == Some(system))
                .map(|(_, c)| c.clone().unwrap_or_default())
                .collect();
            Some(codes)
        };
        if named(BASIC_COMPONENT) {
            if ours(BASIC_COMPONENT) {
                self.basic += 1;
            }
            match in_system(BASIC_STATUS_SYSTEM) {
                Some(codes) if !codes.is_empty() && codes.iter().all(|c| c == "N") => {}
                other => {
                    self.problem
                        .get_or_insert(format!("a basic status component says {other:?}"));
                }
            }
        }
        if named(CATEGORY_COMPONENT) {
            match in_system(CATEGORY_SYSTEM) {
                Some(codes)
                    if !codes.is_empty()
                        && codes
                            .iter()
                            .all(|c| matches!(c.as_str(), "A" | "B" | "C" | "E")) => {}
                other => {
                    self.problem
                        .get_or_insert(format!("a category component says {other:?}"));
                }
            }
        }
    }

    fn verdict(self) -> Result<(), String> {
        if let Some(problem) = self.problem {
            return Err(problem);
        }
        if self.basic == 0 {
            return Err("no basic status component".into());
        }
        Ok(())
    }
}

/// A coding as `(system, code)`; `None` when absent, or sent twice with different values.
type Coding = (Option<String>, Option<String>);

fn settled(status: Option<&str>) -> Result<(), String> {
    match status {
        Some("final" | "amended" | "corrected") => Ok(()),
        other => Err(format!("Observation.status is {other:?}")),
    }
}

fn about_the_patient(reference: Option<&str>) -> Result<(), String> {
    if reference == Some(format!("Patient/{ASKED_NHS_NUMBER}").as_str()) {
        Ok(())
    } else {
        Err("subject.reference is not the patient asked about".into())
    }
}

/// The one value of the strings given for an element FHIR has once: copies that all agree
/// are one value; none, copies that differ, or a copy that is not a string give no value.
fn agreed<'a>(values: impl IntoIterator<Item = Option<&'a str>>) -> Option<&'a str> {
    let mut values = values.into_iter();
    let first = values.next()??;
    values.all(|v| v == Some(first)).then_some(first)
}

/// The simple reading of FHIR JSON.
mod json {
    use super::*;

    /// Every copy of `v[key]`: an array's items, or the value itself (none for `null`).
    fn all<'a>(v: &'a Value, key: &str) -> Vec<&'a Value> {
        match &v[key] {
            Value::Null => Vec::new(),
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        }
    }

    fn string<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
        agreed(all(v, key).into_iter().map(Value::as_str))
    }

    /// The codings of every copy of the CodeableConcept `v[key]`.
    fn codings(v: &Value, key: &str) -> Vec<Coding> {
        all(v, key)
            .into_iter()
            .flat_map(|concept| all(concept, "coding"))
            .map(|c| {
                (
                    string(c, "system").map(str::to_owned),
                    string(c, "code").map(str::to_owned),
                )
            })
            .collect()
    }

    /// Whether `root` is a body that allows a green banner (`Err` says why not).
    pub(super) fn green_allowed(root: &Value) -> Result<(), String> {
        let observations: Vec<&Value> = match root["resourceType"].as_str() {
            Some("Observation") => vec![root],
            Some("Bundle") => {
                if string(root, "type") != Some("searchset") {
                    return Err("a Bundle that is not a searchset".into());
                }
                let entries = all(root, "entry");
                let [entry] = entries.as_slice() else {
                    return Err(format!("a Bundle of {} entries", entries.len()));
                };
                let copies = all(entry, "resource");
                if copies.is_empty()
                    || copies
                        .iter()
                        .any(|r| r["resourceType"].as_str() != Some("Observation"))
                {
                    return Err("the entry's resource is not an Observation".into());
                }
                copies
            }
            other => return Err(format!("resourceType {other:?}")),
        };
        observations.into_iter().try_for_each(observation)
    }

    fn observation(obs: &Value) -> Result<(), String> {
        settled(string(obs, "status"))?;
        about_the_patient(agreed(
            all(obs, "subject")
                .into_iter()
                .flat_map(|s| all(s, "reference"))
                .map(Value::as_str),
        ))?;
        let mut components = Components::default();
        for component in all(obs, "component") {
            let value = (!all(component, "valueCodeableConcept").is_empty())
                .then(|| codings(component, "valueCodeableConcept"));
            components.add(&codings(component, "code"), value);
        }
        components.verdict()
    }
}

/// The simple reading of FHIR XML.
mod xml {
    use super::*;
    use roxmltree::Node;
    use vmcheck_core::fhir::tree::FHIR_NS;

    fn fhir_elements<'a, 'i>(node: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
        node.children()
            .filter(|c| c.is_element() && c.tag_name().namespace() == Some(FHIR_NS))
    }

    /// Every child element of this name.
    fn all<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Vec<Node<'a, 'i>> {
        fhir_elements(node)
            .filter(|c| c.tag_name().name() == name)
            .collect()
    }

    fn string<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
        agreed(all(node, name).into_iter().map(|n| n.attribute("value")))
    }

    /// The codings of every copy of the CodeableConcept `name`.
    fn codings(node: Node<'_, '_>, name: &str) -> Vec<Coding> {
        all(node, name)
            .into_iter()
            .flat_map(|concept| all(concept, "coding"))
            .map(|c| {
                (
                    string(c, "system").map(str::to_owned),
                    string(c, "code").map(str::to_owned),
                )
            })
            .collect()
    }

    /// Whether `data` is a body that allows a green banner (`Err` says why not).
    pub(super) fn green_allowed(data: &[u8]) -> Result<(), String> {
        let text = std::str::from_utf8(data).map_err(|e| format!("not UTF-8: {e}"))?;
        let options = roxmltree::ParsingOptions {
            allow_dtd: false,
            ..roxmltree::ParsingOptions::default()
        };
        let doc = roxmltree::Document::parse_with_options(text, options)
            .map_err(|e| format!("not XML to roxmltree: {e}"))?;
        let root = doc.root_element();
        if root.tag_name().namespace() != Some(FHIR_NS) {
            return Err("the root is not in the FHIR namespace".into());
        }
        let observations: Vec<Node<'_, '_>> = match root.tag_name().name() {
            "Observation" => vec![root],
            "Bundle" => {
                if string(root, "type") != Some("searchset") {
                    return Err("a Bundle that is not a searchset".into());
                }
                let entries = all(root, "entry");
                let [entry] = entries.as_slice() else {
                    return Err(format!("a Bundle of {} entries", entries.len()));
                };
                let mut observations = Vec::new();
                for resource in all(*entry, "resource") {
                    let inside: Vec<Node<'_, '_>> = fhir_elements(resource).collect();
                    match inside.as_slice() {
                        [one] if one.tag_name().name() == "Observation" => observations.push(*one),
                        _ => return Err("the entry's resource is not one Observation".into()),
                    }
                }
                if observations.is_empty() {
                    return Err("an entry without a resource".into());
                }
                observations
            }
            other => return Err(format!("a root element <{other}>")),
        };
        observations.into_iter().try_for_each(observation)
    }

    fn observation(obs: Node<'_, '_>) -> Result<(), String> {
        settled(string(obs, "status"))?;
        about_the_patient(agreed(
            all(obs, "subject")
                .into_iter()
                .flat_map(|s| all(s, "reference"))
                .map(|r| r.attribute("value")),
        ))?;
        let mut components = Components::default();
        for component in all(obs, "component") {
            let value = (!all(component, "valueCodeableConcept").is_empty())
                .then(|| codings(component, "valueCodeableConcept"));
            components.add(&codings(component, "code"), value);
        }
        components.verdict()
    }
}
