//! Tolerance and strictness of the Observation reader, on hand-made variations of the example.

use serde_json::{json, Value};
use vmcheck_core::fhir::{
    parse_search_body, BodyError, ModelError, OperationOutcome, SearchBody, TreeError, WireFormat,
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
    // The technical details show what was sent instead.
    assert_eq!(
        s.basic,
        Reading::Unrecognised {
            system: Some("https://example.org/other".into()),
            code: Some("N".into())
        }
    );
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
fn a_component_code_in_the_wrong_system_is_unrecognised_never_green() {
    // The basic status's component code in another code system, beside a proper one.
    let mut odd = basic("N");
    odd["code"]["coding"][0]["system"] = json!("https://example.org/components");
    let s = status_of(&bundle(observation(vec![
        odd.clone(),
        basic("N"),
        category("A"),
    ])));
    assert!(matches!(s.basic, Reading::Unrecognised { .. }), "{s:?}");
    assert_eq!(classify(&s).colour, BannerColour::Amber);
    let s = status_of(&bundle(observation(vec![odd, category("A")])));
    assert_eq!(
        s.basic,
        Reading::Unrecognised {
            system: Some("https://example.org/components".into()),
            code: Some("BASIC_CHARGEABLE_STATUS".into())
        }
    );

    // A category filed under another system must not vanish (N with no category is green).
    let mut odd = category("F");
    odd["code"]["coding"][0]["system"] = json!("https://example.org/components");
    let s = status_of(&bundle(observation(vec![basic("N"), odd])));
    assert!(matches!(s.category, Reading::Unrecognised { .. }), "{s:?}");
    assert_eq!(classify(&s).colour, BannerColour::Amber);

    // No system at all.
    let mut odd = category("F");
    odd["code"]["coding"][0]
        .as_object_mut()
        .expect("coding")
        .remove("system");
    let s = status_of(&bundle(observation(vec![basic("N"), odd])));
    assert_eq!(classify(&s).colour, BannerColour::Amber);
}

#[test]
fn a_component_we_cannot_identify_makes_the_status_amber() {
    let extra = component(
        "RESIDENCY_CHECK",
        "https://fhir.nhs.uk/spine-chargeable-status-1",
        "N",
    );
    let s = status_of(&bundle(observation(vec![basic("N"), category("A"), extra])));
    assert_eq!(s.unrecognised_components, 1);
    assert_eq!(classify(&s).colour, BannerColour::Amber);

    let mut no_code = basic("N");
    no_code.as_object_mut().expect("component").remove("code");
    let s = status_of(&bundle(observation(vec![basic("N"), no_code])));
    assert_eq!(s.unrecognised_components, 1);
    assert_eq!(classify(&s).colour, BannerColour::Amber);

    // One component claiming to be both.
    let mut both = basic("N");
    both["code"]["coding"]
        .as_array_mut()
        .expect("codings")
        .push(json!({"system": "https://fhir.nhs.uk/spine-vm-observation-component-1", "code": "CATEGORY_CHARGEABLE_STATUS"}));
    let s = status_of(&bundle(observation(vec![both])));
    assert_eq!(s.unrecognised_components, 1);
    assert_eq!(classify(&s).colour, BannerColour::Amber);
}

#[test]
fn the_record_status_is_read_as_sent() {
    for (sent, colour) in [
        (Some("final"), BannerColour::Green),
        (Some("amended"), BannerColour::Green),
        (Some("preliminary"), BannerColour::Amber),
        (Some("registered"), BannerColour::Amber),
        (Some("unknown"), BannerColour::Amber),
        (None, BannerColour::Amber),
    ] {
        let mut obs = observation(vec![basic("N"), category("A")]);
        match sent {
            Some(v) => obs["status"] = json!(v),
            None => {
                obs.as_object_mut().expect("obs").remove("status");
            }
        }
        let s = status_of(&bundle(obs));
        assert_eq!(s.record_status.as_deref(), sent);
        assert_eq!(classify(&s).colour, colour, "{sent:?}");
    }
}

#[test]
fn an_unreadable_update_date_is_amber_never_dropped_silently() {
    let mut obs = observation(vec![basic("N"), category("A")]);
    obs["effectiveDateTime"] = json!("last Tuesday");
    let s = status_of(&bundle(obs));
    assert!(s.effective_unreadable);
    assert_eq!(s.effective, None);
    assert_eq!(classify(&s).colour, BannerColour::Amber);

    let mut obs = observation(vec![basic("N"), category("A")]);
    obs["effectiveDateTime"] = json!("2025-06-01");
    let s = status_of(&bundle(obs));
    assert!(!s.effective_unreadable);
    assert_eq!(classify(&s).colour, BannerColour::Green);
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
    let outcome = json!({"resourceType": "OperationOutcome", "issue": [{"severity": "information", "code": "informational"}]});
    let two = json!({"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": o}, {"resource": outcome}]}).to_string();
    assert_eq!(
        parse_search_body(WireFormat::Json, two.as_bytes()),
        Err(BodyError::Model(ModelError::EntryCount(2)))
    );
    let no_resource =
        json!({"resourceType": "Bundle", "type": "searchset", "entry": [{"fullUrl": "x"}]})
            .to_string();
    assert!(matches!(
        parse_search_body(WireFormat::Json, no_resource.as_bytes()),
        Err(BodyError::Model(ModelError::Unexpected(_)))
    ));
}

#[test]
fn several_status_records_are_refused_never_one_picked() {
    let green = observation(vec![basic("N"), category("A")]);
    let red = observation(vec![basic("Y"), category("F")]);
    for entries in [
        vec![green.clone(), red.clone()],
        vec![green.clone(), green.clone()],
        vec![red.clone(), green.clone(), green.clone()],
    ] {
        let n = entries.len();
        let entry: Vec<Value> = entries
            .into_iter()
            .map(|r| json!({"resource": r}))
            .collect();
        let body =
            json!({"resourceType": "Bundle", "type": "searchset", "entry": entry}).to_string();
        assert_eq!(
            parse_search_body(WireFormat::Json, body.as_bytes()),
            Err(BodyError::Model(ModelError::SeveralStatusRecords(n)))
        );
    }
    let err = ModelError::SeveralStatusRecords(2).to_string();
    assert!(err.contains("2 status records"), "{err}");
    assert_eq!(
        ModelError::SeveralStatusRecords(2).code(),
        Some("SPINE_SEVERAL_RECORDS")
    );
    assert_eq!(ModelError::EntryCount(0).code(), None);
}

fn outcome_codings(codings: Value) -> OperationOutcome {
    let body = json!({
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "invalid", "details": {"coding": codings},
                   "diagnostics": "Patient/9434765919 not valid"}]
    })
    .to_string();
    match parse_search_body(WireFormat::Json, body.as_bytes()).expect("parses") {
        SearchBody::OperationOutcome(o) => o,
        other => panic!("not an outcome: {other:?}"),
    }
}

#[test]
fn the_spine_error_coding_is_found_among_others() {
    let ours = json!({"system": "https://fhir.nhs.uk/spine-error-or-warning-code-1", "code": "INVALID_NHS_NUMBER"});
    let other = json!({"system": "https://example.org/codes", "code": "E42"});
    let o = outcome_codings(json!([other.clone(), ours]));
    assert_eq!(
        o.spine_coding().and_then(|c| c.code.as_deref()),
        Some("INVALID_NHS_NUMBER")
    );
    // Without one, the first coding is what there is.
    let o = outcome_codings(json!([other]));
    assert_eq!(
        o.spine_coding().and_then(|c| c.code.as_deref()),
        Some("E42")
    );
    // The free-text diagnostics (which may quote the request) stay out of debug output.
    assert_eq!(
        format!("{:?}", o.issues[0]),
        r#"Issue { severity: "error", code: "invalid", details: [Coding { system: Some("https://example.org/codes"), code: Some("E42"), display: None }], .. }"#
    );
}

#[test]
fn debug_output_of_a_status_leaves_the_patient_out() {
    let mut obs = observation(vec![basic("N"), category("A")]);
    obs["subject"]["display"] = json!("Jane Smith");
    obs["effectiveDateTime"] = json!("2020-01-01");
    let s = status_of(&bundle(obs));
    assert_eq!(
        format!("{s:?}"),
        r#"ChargeableStatus { record_status: Some("final"), basic: Known { value: NotChargeable }, category: Known { value: A }, unrecognised_components: 0, effective: Some("2020-01-01"), effective_unreadable: false, .. }"#
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
