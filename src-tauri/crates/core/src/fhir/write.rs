//! Writing the neutral [`Element`] tree back out as FHIR DSTU2 JSON or XML.
//!
//! Used by the sandbox to answer like Spine does, and by tests to round-trip the published
//! examples. Which elements are arrays in JSON is a property of the FHIR definitions; the few
//! this product writes are listed in `is_repeating`.

use super::tree::{Element, WireFormat, FHIR_NS};
use serde_json::{Map, Value};

/// Elements that repeat (JSON arrays) in the resources this product writes.
fn is_repeating(parent: &str, name: &str) -> bool {
    match name {
        // `entry.resource` wraps one resource; `Conformance.rest.resource` repeats.
        "resource" => parent != "entry",
        // `Patient.name` repeats; `Conformance.name` and `searchParam.name` are single strings.
        "name" => matches!(
            parent,
            "Patient" | "Practitioner" | "Person" | "RelatedPerson"
        ),
        "entry" | "coding" | "component" | "issue" | "profile" | "rest" | "interaction"
        | "searchParam" | "format" | "identifier" | "given" | "family" | "prefix" | "security"
        | "link" | "contact" | "telecom" | "line" | "address" | "extension" => true,
        _ => false,
    }
}

/// Serialises a resource element as FHIR JSON.
pub fn to_json(resource: &Element) -> Value {
    let mut map = Map::new();
    map.insert("resourceType".into(), Value::String(resource.name.clone()));
    members(resource, &mut map);
    Value::Object(map)
}

fn members(parent: &Element, map: &mut Map<String, Value>) {
    for child in &parent.children {
        let value = element_json(parent, child);
        if is_repeating(&parent.name, &child.name) {
            match map
                .entry(child.name.clone())
                .or_insert_with(|| Value::Array(Vec::new()))
            {
                Value::Array(items) => items.push(value),
                other => *other = Value::Array(vec![other.take(), value]),
            }
        } else {
            map.insert(child.name.clone(), value);
        }
    }
}

fn element_json(parent: &Element, e: &Element) -> Value {
    if e.name == "resource" && parent.name == "entry" {
        return e.inner_resource().map(to_json).unwrap_or(Value::Null);
    }
    if let Some(v) = &e.value {
        return primitive(&e.name, v);
    }
    let mut map = Map::new();
    members(e, &mut map);
    Value::Object(map)
}

/// JSON primitives: numbers and booleans are not strings in FHIR JSON.
fn primitive(name: &str, v: &str) -> Value {
    match name {
        "total" | "score" | "multipleBirthInteger" => {
            serde_json::from_str(v).unwrap_or_else(|_| Value::String(v.into()))
        }
        _ if v == "true" || v == "false" => Value::Bool(v == "true"),
        _ => Value::String(v.into()),
    }
}

/// Serialises a resource element as FHIR XML (with the XML declaration).
pub fn to_xml(resource: &Element) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    write_xml(resource, true, &mut out);
    out
}

fn write_xml(e: &Element, root: bool, out: &mut String) {
    out.push('<');
    out.push_str(&e.name);
    if root {
        out.push_str(" xmlns=\"");
        out.push_str(FHIR_NS);
        out.push('"');
    }
    if let Some(v) = &e.value {
        out.push_str(" value=\"");
        escape_into(v, out);
        out.push('"');
    }
    if e.children.is_empty() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    for c in &e.children {
        // Resources inside `entry.resource` inherit the default namespace.
        write_xml(c, false, out);
    }
    out.push_str("</");
    out.push_str(&e.name);
    out.push('>');
}

/// Escapes an attribute value. Tabs and line breaks are written as character references: an
/// XML reader replaces them, written as they are, with spaces (attribute-value normalisation).
fn escape_into(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
}

/// Serialises in the requested format; returns the body.
pub fn render(resource: &Element, format: WireFormat) -> String {
    match format {
        WireFormat::Json => to_json(resource).to_string(),
        WireFormat::Xml => to_xml(resource),
    }
}

/// Small builders for the resources the sandbox writes.
pub mod build {
    use super::Element;

    /// An element with a primitive value.
    pub fn value(name: &str, v: impl Into<String>) -> Element {
        Element {
            name: name.into(),
            value: Some(v.into()),
            children: Vec::new(),
        }
    }

    /// An element with children.
    pub fn node(name: &str, children: Vec<Element>) -> Element {
        Element {
            name: name.into(),
            value: None,
            children,
        }
    }

    /// A Coding.
    pub fn coding(system: &str, code: &str, display: &str) -> Element {
        node(
            "coding",
            vec![
                value("system", system),
                value("code", code),
                value("display", display),
            ],
        )
    }

    /// `meta.profile`.
    pub fn meta_profile(profile: &str) -> Element {
        node("meta", vec![value("profile", profile)])
    }

    /// A searchset Bundle holding the given resources.
    pub fn searchset(id: &str, resources: Vec<(Option<String>, Element)>) -> Element {
        let mut children = vec![
            value("id", id),
            meta_profile("https://fhir.nhs.uk/StructureDefinition/spine-searchset-bundle-1"),
            value("type", "searchset"),
            value("total", resources.len().to_string()),
        ];
        for (full_url, resource) in resources {
            let mut entry = Vec::new();
            if let Some(url) = full_url {
                entry.push(value("fullUrl", url));
            }
            entry.push(node("resource", vec![resource]));
            children.push(node("entry", entry));
        }
        node("Bundle", children)
    }

    /// A Spine OperationOutcome with one issue.
    pub fn operation_outcome(
        id: &str,
        severity: &str,
        issue_type: &str,
        coding_: (&str, &str, &str),
        diagnostics: Option<&str>,
    ) -> Element {
        let mut issue = vec![
            value("severity", severity),
            value("code", issue_type),
            node("details", vec![coding(coding_.0, coding_.1, coding_.2)]),
        ];
        if let Some(d) = diagnostics {
            issue.push(value("diagnostics", d));
        }
        node(
            "OperationOutcome",
            vec![
                value("id", id),
                meta_profile("https://fhir.nhs.uk/StructureDefinition/spine-operationoutcome-1"),
                node("issue", issue),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::build::{node, value};
    use super::*;

    #[test]
    fn values_with_tabs_and_line_breaks_survive_xml() {
        let text = "line one\nline two\r\n\tindented & <quoted> \"'";
        let resource = node("OperationOutcome", vec![value("diagnostics", text)]);
        let xml = to_xml(&resource);
        assert!(!xml.contains('\n') && !xml.contains('\t'), "{xml}");
        let again = crate::fhir::tree::from_xml(xml.as_bytes()).expect("well-formed");
        assert_eq!(again.child_value("diagnostics"), Some(text));
    }
}
