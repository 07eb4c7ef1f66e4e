//! The status codes, displays and definitions the product shows are the specification's own,
//! word for word (its ValueSets, kept in `tests/fixtures/vandm/ValueSets/`): a user reading
//! "Standard NHS" under a banner reads what Spine means by category A.
#![allow(
    clippy::disallowed_methods,
    reason = "tests read the fixture files; the core itself never does"
)]

use std::path::Path;

use serde_json::Value;
use vmcheck_core::status::{BasicStatus, Category};

/// `(code, display, definition)` of each concept in a ValueSet fixture, with the system.
fn concepts(file: &str) -> (String, Vec<(String, String, String)>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/vandm/ValueSets")
        .join(file);
    let set: Value = serde_json::from_slice(&std::fs::read(path).expect("fixture")).expect("JSON");
    let text = |v: &Value| v.as_str().expect("text").trim().to_owned();
    let system = text(&set["codeSystem"]["system"]);
    let concepts = set["codeSystem"]["concept"]
        .as_array()
        .expect("concepts")
        .iter()
        .map(|c| {
            (
                text(&c["code"]),
                text(&c["display"]),
                text(&c["definition"]),
            )
        })
        .collect();
    (system, concepts)
}

#[test]
fn every_chargeable_status_reads_as_the_value_set_says() {
    let (system, spec) = concepts("spine-chargeable-status-1.json");
    assert_eq!(system, vmcheck_core::status::BASIC_STATUS_SYSTEM);
    let ours: Vec<(String, String, String)> = BasicStatus::ALL
        .iter()
        .map(|s| {
            (
                s.code().to_owned(),
                s.display().to_owned(),
                s.definition().to_owned(),
            )
        })
        .collect();
    assert_eq!(ours, spec);
    for (code, ..) in &spec {
        assert_eq!(
            BasicStatus::from_code(code).map(BasicStatus::code),
            Some(code.as_str())
        );
    }
}

#[test]
fn every_category_reads_as_the_value_set_says() {
    let (system, spec) = concepts("spine-category-status-1.json");
    assert_eq!(system, vmcheck_core::status::CATEGORY_SYSTEM);
    let ours: Vec<(String, String, String)> = Category::ALL
        .iter()
        .map(|c| {
            (
                c.code().to_owned(),
                c.display().to_owned(),
                c.definition().to_owned(),
            )
        })
        .collect();
    assert_eq!(ours, spec);
    for (code, ..) in &spec {
        assert_eq!(
            Category::from_code(code).map(Category::code),
            Some(code.as_str())
        );
    }
}
