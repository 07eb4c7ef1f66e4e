//! Tolerance and strictness of the Observation reader, on hand-made variations of the example.

use serde_json::{json, Value};
use vmcheck_core::fhir::{
    parse_search_body, BodyError, ModelError, SearchBody, TreeError, WireFormat,
};
use vmcheck_core::status::{BasicStatus, Category, ChargeableStatus, Reading};
use vmcheck_core::{classify, BannerColour};

fn component(code: &str, system: &str, value: &str) -> Value {
    json!({
        "code": {"coding": [{"system": "https://fhir.nhs.uk/spine-vm-observation-component-1", "code": code}]},
        "valueCodeableConcept": {"coding": [{"system": system, "code": value}]}
    })
}

fn observation(components: Vec<Value>) -> Value {
    json!({
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "https://fhir.nhs.uk/fhir-observation-code-1", "code": "0001"}]},
        "subject": {"reference": "Patient/9434765919"},
        "component": components
    })
}

fn basic(v: &str) -> Value {
    component(
        "BASIC_CHARGEABLE_STATUS",
        "https://fhir.nhs.uk/spine-chargeable-status-1",
        v,
    )
}

fn category(v: &str) -> Value {
    component(
        "CATEGORY_CHARGEABLE_STATUS",
        "https://fhir.nhs.uk/spine-category-status-1",
        v,
    )
}

fn bundle(resource: Value) -> Vec<u8> {
    json!({"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": resource}]})
        .to_string()
        .into_bytes()
}

fn status_of(body: &[u8]) -> ChargeableStatus {
    match parse_search_body(WireFormat::Json, body).expect("parses") {
        SearchBody::Observation(s) => s,
        other => panic!("not an observation: {other:?}"),
    }
}

#[test]
fn order_of_components_and_unknown_elements_do_not_matter() {
    let mut obs = observation(vec![category("B"), basic("N")]);
    obs["someFutureElement"] = json!({"anything": [1, 2, 3]});
    obs["meta"] = json!({"versionId": "7", "lastUpdated": "2020-01-01"});
    obs["_status"] = json!({"extension": []});
    let s = status_of(&bundle(obs));
    assert_eq!(
        s.basic,
        Reading::Known {
            value: BasicStatus::NotChargeable
        }
    );
    assert_eq!(s.category, Reading::Known { value: Category::B });
    assert_eq!(s.version_id.as_deref(), Some("7"));
    assert_eq!(classify(&s).colour, BannerColour::Green);
}

#[test]
fn wrong_value_system_is_unrecognised_never_green() {
    let obs = observation(vec![
        component("BASIC_CHARGEABLE_STATUS", "https://example.org/other", "N"),
        category("A"),
    ]);
    let s = status_of(&bundle(obs));
    assert!(matches!(s.basic, Reading::Unrecognised { .. }));
    assert_eq!(classify(&s).colour, BannerColour::Amber);
}

#[test]
fn unknown_code_and_missing_coding() {
    let s = status_of(&bundle(observation(vec![basic("N"), category("G")])));
    assert_eq!(
        s.category,
        Reading::Unrecognised {
            system: Some("https://fhir.nhs.uk/spine-category-status-1".into()),
            code: Some("G".into())
        }
    );
    assert_eq!(
        classify(&s).headline(),
        "Unrecognised status — contact the service desk"
    );

    let mut no_coding = basic("N");
    no_coding["valueCodeableConcept"] = json!({"text": "not chargeable"});
    let s = status_of(&bundle(observation(vec![no_coding])));
    assert_eq!(s.basic, Reading::NoCoding);
    assert_eq!(classify(&s).colour, BannerColour::Amber);
}

#[test]
fn conflicting_duplicate_components_are_unrecognised() {
    let s = status_of(&bundle(observation(vec![basic("N"), basic("Y")])));
    assert!(matches!(s.basic, Reading::Unrecognised { .. }));
    let s = status_of(&bundle(observation(vec![basic("N"), basic("N")])));
    assert_eq!(
        s.basic,
        Reading::Known {
            value: BasicStatus::NotChargeable
        }
    );
}

#[test]
fn a_component_with_the_wrong_component_system_is_ignored() {
    let mut odd = basic("N");
    odd["code"]["coding"][0]["system"] = json!("https://example.org/components");
    let s = status_of(&bundle(observation(vec![odd, basic("Y")])));
    assert_eq!(
        s.basic,
        Reading::Known {
            value: BasicStatus::Chargeable
        }
    );
}

#[test]
fn not_a_vandm_observation_is_an_error() {
    let mut obs = observation(vec![basic("N")]);
    obs["code"]["coding"][0]["code"] = json!("0002");
    let err = parse_search_body(WireFormat::Json, &bundle(obs)).expect_err("refused");
    assert!(matches!(
        err,
        BodyError::Model(ModelError::NotVandmObservation(_))
    ));
}

#[test]
fn bundles_with_zero_or_two_entries_are_errors() {
    let empty = json!({"resourceType": "Bundle", "type": "searchset"}).to_string();
    assert_eq!(
        parse_search_body(WireFormat::Json, empty.as_bytes()),
        Err(BodyError::Model(ModelError::EntryCount(0)))
    );
    let o = observation(vec![basic("N")]);
    let two = json!({"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": o}, {"resource": o}]}).to_string();
    assert_eq!(
        parse_search_body(WireFormat::Json, two.as_bytes()),
        Err(BodyError::Model(ModelError::EntryCount(2)))
    );
}

#[test]
fn bodies_that_are_not_fhir_are_clear_errors_not_panics() {
    let cases: [(&[u8], WireFormat); 7] = [
        (b"", WireFormat::Json),
        (
            b"<html><body>502 Bad Gateway</body></html>",
            WireFormat::Json,
        ),
        (
            b"<html><body>502 Bad Gateway</body></html>",
            WireFormat::Xml,
        ),
        (
            b"{\"resourceType\": \"Bundle\", \"type\": \"searchs",
            WireFormat::Json,
        ),
        (b"[1,2,3]", WireFormat::Json),
        (b"{\"hello\": 1}", WireFormat::Json),
        (
            b"<Bundle xmlns=\"http://hl7.org/fhir\"><type value=\"searchset\"/>",
            WireFormat::Xml,
        ),
    ];
    for (body, format) in cases {
        let err = parse_search_body(format, body).expect_err("refused");
        assert!(
            matches!(
                err,
                BodyError::Tree(
                    TreeError::Empty
                        | TreeError::Json(_)
                        | TreeError::Xml(_)
                        | TreeError::NotFhir(_)
                )
            ),
            "{err:?}"
        );
    }
}

#[test]
fn xml_outside_the_fhir_namespace_is_refused() {
    let body = br#"<Observation><status value="final"/></Observation>"#;
    assert!(matches!(
        parse_search_body(WireFormat::Xml, body),
        Err(BodyError::Tree(TreeError::NotFhir(_)))
    ));
}
