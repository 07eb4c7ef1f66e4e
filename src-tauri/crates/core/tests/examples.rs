//! Golden tests: every published V&M example parses, JSON and XML alike, to the same model, and
//! survives a write/read round trip through our own writers.
#![allow(
    clippy::disallowed_methods,
    reason = "tests and benchmarks read the fixture files; the core itself never does"
)]

use std::path::{Path, PathBuf};

use vmcheck_core::fhir::{parse_search_body, tree, write, SearchBody, WireFormat};
use vmcheck_core::status::{BasicStatus, Category, Reading};
use vmcheck_core::{classify, BannerColour};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vandm")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(fixtures().join(name)).expect("fixture present")
}

fn format_of(name: &str) -> WireFormat {
    if name.ends_with(".json") {
        WireFormat::Json
    } else {
        WireFormat::Xml
    }
}

const EXAMPLES: [&str; 8] = [
    "Bundle-Observation.json",
    "Bundle-Observation.xml",
    "Bundle-OperationOutcome.json",
    "Bundle-OperationOutcome.xml",
    "Observation.json",
    "Observation.xml",
    "OperationOutcome.json",
    "OperationOutcome.xml",
];

#[test]
fn every_example_parses_and_json_equals_xml() {
    for stem in [
        "Bundle-Observation",
        "Bundle-OperationOutcome",
        "Observation",
        "OperationOutcome",
    ] {
        let json = parse_search_body(WireFormat::Json, &read(&format!("{stem}.json"))).expect(stem);
        let xml = parse_search_body(WireFormat::Xml, &read(&format!("{stem}.xml"))).expect(stem);
        assert_eq!(json, xml, "{stem}: JSON and XML give the same model");
    }
}

#[test]
fn the_observation_example_is_y_f_chargeable() {
    for name in [
        "Bundle-Observation.json",
        "Bundle-Observation.xml",
        "Observation.json",
        "Observation.xml",
    ] {
        let SearchBody::Observation(status) =
            parse_search_body(format_of(name), &read(name)).expect(name)
        else {
            panic!("{name} holds an Observation");
        };
        assert_eq!(
            status.basic,
            Reading::Known {
                value: BasicStatus::Chargeable
            }
        );
        assert_eq!(status.category, Reading::Known { value: Category::F });
        assert_eq!(
            status.subject_reference.as_deref(),
            Some("Patient/9900002831")
        );
        assert_eq!(
            status.subject_display.as_deref(),
            Some("TAYLOR, Mary (Miss)")
        );
        assert_eq!(
            status.effective.as_ref().map(|e| e.raw.as_str()),
            Some("2015-01-01T15:00:00+00:00")
        );
        assert_eq!(status.version_id, None, "the examples omit meta.versionId");
        let banner = classify(&status);
        assert_eq!(
            (banner.colour, banner.headline()),
            (BannerColour::Red, "Chargeable")
        );
    }
}

#[test]
fn the_operation_outcome_examples_carry_invalid_nhs_number() {
    for name in [
        "Bundle-OperationOutcome.json",
        "Bundle-OperationOutcome.xml",
        "OperationOutcome.json",
        "OperationOutcome.xml",
    ] {
        let SearchBody::OperationOutcome(oo) =
            parse_search_body(format_of(name), &read(name)).expect(name)
        else {
            panic!("{name} holds an OperationOutcome");
        };
        let issue = &oo.issues[0];
        assert_eq!(
            (issue.severity.as_str(), issue.code.as_str()),
            ("error", "invalid")
        );
        let coding = oo.spine_coding().expect("coding");
        assert_eq!(coding.code.as_deref(), Some("INVALID_NHS_NUMBER"));
        assert_eq!(
            issue.diagnostics.as_deref(),
            Some("An invalid NHS number format has been provided in the request")
        );
    }
}

#[test]
fn our_writers_round_trip_every_example_in_both_formats() {
    for name in EXAMPLES {
        let original = format_of(name).read(&read(name)).expect(name);
        let as_json = write::render(&original, WireFormat::Json);
        let as_xml = write::render(&original, WireFormat::Xml);
        assert_eq!(
            tree::from_json(as_json.as_bytes()).expect("json"),
            original,
            "{name} via JSON"
        );
        assert_eq!(
            tree::from_xml(as_xml.as_bytes()).expect("xml"),
            original,
            "{name} via XML"
        );
    }
}

#[test]
fn fixtures_match_the_shared_specification_copy() {
    let shared =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../../shared/spec/vandm/Examples");
    if !shared.is_dir() {
        // A checkout without ../shared beside it: the fixtures stand alone.
        return;
    }
    for name in EXAMPLES {
        assert_eq!(
            std::fs::read(shared.join(name)).expect("shared copy"),
            read(name),
            "{name}"
        );
    }
    let count = std::fs::read_dir(&shared).expect("dir").count();
    assert_eq!(
        count,
        EXAMPLES.len(),
        "a new example appeared in the specification: add it here"
    );
}
