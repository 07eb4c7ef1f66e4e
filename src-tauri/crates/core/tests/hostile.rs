//! Bodies a remote peer controls cannot crash or exhaust the readers: nesting far deeper than
//! any FHIR answer, document type declarations and entity expansion are clear errors.

use vmcheck_core::fhir::{parse_search_body, tree, BodyError, TreeError, WireFormat};

/// The V&M answer nested `depth` levels below the root, as JSON objects.
fn deep_json(depth: usize) -> Vec<u8> {
    let mut body = String::from(r#"{"resourceType":"Bundle","type":"searchset","x":"#);
    body.push_str(&"{\"a\":".repeat(depth));
    body.push('1');
    body.push_str(&"}".repeat(depth));
    body.push('}');
    body.into_bytes()
}

/// The same nesting in JSON arrays of objects, the shape FHIR repeats take.
fn deep_json_arrays(depth: usize) -> Vec<u8> {
    let mut body = String::from(r#"{"resourceType":"Bundle","x":"#);
    body.push_str(&"[{\"a\":".repeat(depth));
    body.push('1');
    body.push_str(&"}]".repeat(depth));
    body.push('}');
    body.into_bytes()
}

fn deep_xml(depth: usize) -> Vec<u8> {
    let mut body = String::from(r#"<Bundle xmlns="http://hl7.org/fhir">"#);
    body.push_str(&"<a>".repeat(depth));
    body.push_str(&"</a>".repeat(depth));
    body.push_str("</Bundle>");
    body.into_bytes()
}

fn is_unreadable(r: Result<impl std::fmt::Debug, BodyError>) -> bool {
    matches!(r, Err(BodyError::Tree(_)))
}

#[test]
fn a_hundred_thousand_levels_of_nesting_are_refused_not_a_stack_overflow() {
    for depth in [100_000, 10_000, 200, 65] {
        for (format, body) in [
            (WireFormat::Json, deep_json(depth)),
            (WireFormat::Json, deep_json_arrays(depth)),
            (WireFormat::Xml, deep_xml(depth)),
        ] {
            let r = parse_search_body(format, &body);
            assert!(
                matches!(r, Err(BodyError::Tree(TreeError::TooDeep))),
                "{format:?} at depth {depth}: {r:?}"
            );
        }
    }
    let message = TreeError::TooDeep.to_string();
    assert!(message.contains("nested more than 64 levels"), "{message}");
}

#[test]
fn nesting_within_the_limit_is_read() {
    // Depth 64 in all: the root, the `x` member, then 62 levels.
    let json = deep_json(61);
    assert!(tree::from_json(&json).is_ok());
    assert!(matches!(
        tree::from_json(&deep_json(63)),
        Err(TreeError::TooDeep)
    ));
    let xml = deep_xml(63);
    assert!(tree::from_xml(&xml).is_ok());
    assert!(matches!(
        tree::from_xml(&deep_xml(64)),
        Err(TreeError::TooDeep)
    ));
}

#[test]
fn a_doctype_is_refused_and_no_entity_is_expanded() {
    let laughs = br#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Bundle xmlns="http://hl7.org/fhir"><type value="&lol3;"/></Bundle>"#;
    assert_eq!(
        parse_search_body(WireFormat::Xml, laughs),
        Err(BodyError::Tree(TreeError::Doctype))
    );
    let external = br#"<?xml version="1.0"?>
<!DOCTYPE Bundle SYSTEM "file:///etc/passwd">
<Bundle xmlns="http://hl7.org/fhir"><type value="searchset"/></Bundle>"#;
    assert_eq!(
        parse_search_body(WireFormat::Xml, external),
        Err(BodyError::Tree(TreeError::Doctype))
    );
    let plain_doctype = br#"<!DOCTYPE Bundle><Bundle xmlns="http://hl7.org/fhir"/>"#;
    assert_eq!(
        parse_search_body(WireFormat::Xml, plain_doctype),
        Err(BodyError::Tree(TreeError::Doctype))
    );
    let message = TreeError::Doctype.to_string();
    assert!(message.contains("DOCTYPE"), "{message}");
}

#[test]
fn garbage_of_every_kind_is_an_error() {
    let cases: Vec<Vec<u8>> = vec![
        vec![0xff, 0xfe, 0x00],
        b"\xef\xbb\xbf".to_vec(),
        b"{\"resourceType\": 5}".to_vec(),
        b"{\"resourceType\": \"Bundle\", \"entry\": [[1]]}".to_vec(),
        b"null".to_vec(),
        b"<".to_vec(),
        b"<Bundle xmlns=\"http://hl7.org/fhir\"><entry><resource/></entry></Bundle>".to_vec(),
        "x".repeat(100_000).into_bytes(),
    ];
    for body in cases {
        for format in [WireFormat::Json, WireFormat::Xml] {
            assert!(
                parse_search_body(format, &body).is_err(),
                "{format:?} {:?}",
                String::from_utf8_lossy(&body[..body.len().min(40)])
            );
        }
    }
    assert!(is_unreadable(parse_search_body(WireFormat::Json, b"")));
}
