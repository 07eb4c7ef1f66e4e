//! A format-neutral element tree for FHIR resources.
//!
//! FHIR's JSON and XML forms carry the same content: an element has a name, an optional
//! primitive value and child elements; repeated elements are arrays in JSON and sibling elements
//! in XML. Both readers below produce this [`Element`] tree so that the model is extracted by one
//! piece of code (`super::model`) and JSON and XML cannot drift apart.
//!
//! Resources are normalised the XML way: a resource is an element named after its type (the
//! JSON `resourceType` property becomes the element name), and `entry.resource` holds the
//! resource element as its only child. Primitive extensions (`_field` in JSON, `extension`
//! inside a primitive in XML) and narrative XHTML are dropped: nothing we read depends on them.

/// The media types of FHIR DSTU2, which the V&M API speaks.
pub const JSON_FHIR_DSTU2: &str = "application/json+fhir";
/// The XML media type of FHIR DSTU2.
pub const XML_FHIR_DSTU2: &str = "application/xml+fhir";
/// The FHIR XML namespace.
pub const FHIR_NS: &str = "http://hl7.org/fhir";

/// The deepest element nesting read (the resource is level 1). A V&M Bundle is 8 levels deep
/// and a Conformance statement 6; a remote peer's deeper nesting is refused as unreadable
/// before anything recurses into it, so no answer can exhaust the stack.
pub const MAX_DEPTH: usize = 64;

/// One element of a resource: name, primitive value (if any), children in document order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    /// The element name (`status`, `coding`, or a resource type such as `Observation`).
    pub name: String,
    /// The primitive value (`value` attribute in XML, a JSON string/number/boolean).
    pub value: Option<String>,
    /// Child elements in document order; repeated elements appear as siblings.
    pub children: Vec<Element>,
}

/// Why a body could not be read as a FHIR resource.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreeError {
    /// The body is empty.
    #[error("the response body is empty")]
    Empty,
    /// Not well-formed JSON.
    #[error("the response is not valid JSON ({0})")]
    Json(String),
    /// Not well-formed XML.
    #[error("the response is not well-formed XML ({0})")]
    Xml(String),
    /// Well-formed, but not a FHIR resource (no `resourceType`, wrong namespace, an array…).
    #[error("the response is not a FHIR resource ({0})")]
    NotFhir(String),
    /// Nested deeper than any FHIR answer V&M Check reads ([`MAX_DEPTH`]).
    #[error(
        "the response is nested more than {MAX_DEPTH} levels deep, deeper than any FHIR answer"
    )]
    TooDeep,
    /// An XML document type declaration: DTDs and entities are never processed.
    #[error("the response is XML with a document type declaration (DOCTYPE), which is refused")]
    Doctype,
}

impl Element {
    /// The first child with this name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child with this name, in order.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The primitive value of the first child with this name.
    pub fn child_value(&self, name: &str) -> Option<&str> {
        self.child(name).and_then(|c| c.value.as_deref())
    }

    /// Follows a path of child names (`["meta", "versionId"]`) and returns that value.
    pub fn value_at(&self, path: &[&str]) -> Option<&str> {
        let mut node = self;
        for name in path {
            node = node.child(name)?;
        }
        node.value.as_deref()
    }

    /// The single resource held by a `resource` wrapper element (`entry.resource`).
    pub fn inner_resource(&self) -> Option<&Element> {
        self.children.first()
    }
}

/// Reads a FHIR JSON resource.
pub fn from_json(body: &[u8]) -> Result<Element, TreeError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(TreeError::Empty);
    }
    // serde_json refuses nesting deeper than 128 levels itself (without recursing further).
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        if e.to_string().starts_with("recursion limit exceeded") {
            TreeError::TooDeep
        } else {
            TreeError::Json(e.to_string())
        }
    })?;
    let serde_json::Value::Object(map) = value else {
        return Err(TreeError::NotFhir("the top level is not an object".into()));
    };
    json_resource(&map, 1)
}

fn json_resource(
    map: &serde_json::Map<String, serde_json::Value>,
    depth: usize,
) -> Result<Element, TreeError> {
    if depth > MAX_DEPTH {
        return Err(TreeError::TooDeep);
    }
    let Some(serde_json::Value::String(kind)) = map.get("resourceType") else {
        return Err(TreeError::NotFhir("no resourceType".into()));
    };
    let mut element = Element {
        name: kind.clone(),
        ..Element::default()
    };
    json_members(map, &mut element.children, depth)?;
    Ok(element)
}

/// The members of an object at `depth` become elements at `depth + 1`.
fn json_members(
    map: &serde_json::Map<String, serde_json::Value>,
    out: &mut Vec<Element>,
    depth: usize,
) -> Result<(), TreeError> {
    for (key, value) in map {
        if key == "resourceType" || key.starts_with('_') {
            continue;
        }
        match value {
            serde_json::Value::Array(items) => {
                for item in items {
                    out.push(json_element(key, item, depth + 1)?);
                }
            }
            other => out.push(json_element(key, other, depth + 1)?),
        }
    }
    Ok(())
}

fn json_element(name: &str, value: &serde_json::Value, depth: usize) -> Result<Element, TreeError> {
    if depth > MAX_DEPTH {
        return Err(TreeError::TooDeep);
    }
    let mut element = Element {
        name: name.to_owned(),
        ..Element::default()
    };
    match value {
        serde_json::Value::Object(map) if map.contains_key("resourceType") => {
            // `resource` (and `contained`) hold a resource: wrap it like XML does.
            element.children.push(json_resource(map, depth + 1)?);
        }
        serde_json::Value::Object(map) => json_members(map, &mut element.children, depth)?,
        serde_json::Value::String(s) => element.value = Some(s.clone()),
        serde_json::Value::Number(n) => element.value = Some(n.to_string()),
        serde_json::Value::Bool(b) => element.value = Some(b.to_string()),
        serde_json::Value::Null => {}
        serde_json::Value::Array(_) => {
            return Err(TreeError::NotFhir(format!("nested array in {name}")));
        }
    }
    Ok(element)
}

/// Reads a FHIR XML resource (root element in the FHIR namespace). A document type
/// declaration is refused ([`TreeError::Doctype`]): no DTD is read and no entity expanded.
pub fn from_xml(body: &[u8]) -> Result<Element, TreeError> {
    let text = std::str::from_utf8(body).map_err(|e| TreeError::Xml(e.to_string()))?;
    if text.trim().is_empty() {
        return Err(TreeError::Empty);
    }
    // roxmltree builds its document without recursion and refuses DTDs unless allowed.
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, options).map_err(|e| match e {
        roxmltree::Error::DtdDetected => TreeError::Doctype,
        e => TreeError::Xml(e.to_string()),
    })?;
    let root = doc.root_element();
    if root.tag_name().namespace() != Some(FHIR_NS) {
        return Err(TreeError::NotFhir(format!(
            "root element <{}> is not in the FHIR namespace",
            root.tag_name().name()
        )));
    }
    xml_element(root, 1)
}

fn xml_element(node: roxmltree::Node<'_, '_>, depth: usize) -> Result<Element, TreeError> {
    if depth > MAX_DEPTH {
        return Err(TreeError::TooDeep);
    }
    Ok(Element {
        name: node.tag_name().name().to_owned(),
        value: node.attribute("value").map(str::to_owned),
        children: node
            .children()
            .filter(|c| c.is_element() && c.tag_name().namespace() == Some(FHIR_NS))
            .map(|c| xml_element(c, depth + 1))
            .collect::<Result<_, _>>()?,
    })
}

/// Which wire format a body is in, from its media type (`Content-Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WireFormat {
    /// `application/json+fhir` (and the R4 `application/fhir+json`, plain `application/json`).
    Json,
    /// `application/xml+fhir` (and `application/fhir+xml`, `application/xml`, `text/xml`).
    Xml,
}

impl WireFormat {
    /// Recognises a FHIR media type, ignoring parameters such as `charset`.
    pub fn from_media_type(content_type: &str) -> Option<Self> {
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "application/json+fhir" | "application/fhir+json" | "application/json" => {
                Some(Self::Json)
            }
            "application/xml+fhir" | "application/fhir+xml" | "application/xml" | "text/xml" => {
                Some(Self::Xml)
            }
            _ => None,
        }
    }

    /// The DSTU2 media type for this format.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Json => JSON_FHIR_DSTU2,
            Self::Xml => XML_FHIR_DSTU2,
        }
    }

    /// The `_format` parameter value.
    pub fn as_param(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Xml => "xml",
        }
    }

    /// Reads a body of this format into an element tree.
    pub fn read(self, body: &[u8]) -> Result<Element, TreeError> {
        match self {
            Self::Json => from_json(body),
            Self::Xml => from_xml(body),
        }
    }
}
