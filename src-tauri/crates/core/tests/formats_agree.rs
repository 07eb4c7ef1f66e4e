//! JSON and XML cannot drift: generated V&M answers — settled or not, with components right,
//! misfiled, repeated or unknown, dates readable or not, one Observation or several — written
//! in both formats by our writers give the same model and the same decision.

use proptest::prelude::*;
use vmcheck_core::fhir::write::{self, build};
use vmcheck_core::fhir::{parse_search_body, Element, WireFormat};
use vmcheck_core::nhs::NhsNumber;
use vmcheck_core::status::{
    BASIC_COMPONENT, BASIC_STATUS_SYSTEM, CATEGORY_COMPONENT, CATEGORY_SYSTEM, COMPONENT_SYSTEM,
    OBSERVATION_CODE, OBSERVATION_CODE_SYSTEM,
};
use vmcheck_core::time::CalendarDate;
use vmcheck_core::{assess, BannerColour};

const ASKED: &str = "9434765919";

fn record_status() -> impl Strategy<Value = Option<&'static str>> {
    prop::option::of(prop::sample::select(vec![
        "final",
        "amended",
        "corrected",
        "preliminary",
        "registered",
        "unknown",
        "entered-in-error",
        "cancelled",
        "FINAL",
    ]))
}

fn system() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        COMPONENT_SYSTEM,
        BASIC_STATUS_SYSTEM,
        CATEGORY_SYSTEM,
        "https://example.org/other",
    ])
}

fn component() -> impl Strategy<Value = Element> {
    (
        system(),
        prop::sample::select(vec![BASIC_COMPONENT, CATEGORY_COMPONENT, "OTHER"]),
        system(),
        prop::sample::select(vec![
            "Y",
            "N",
            "U",
            "A",
            "B",
            "C",
            "D",
            "E",
            "F",
            "NONE",
            "DECISION_PENDING",
            "Q",
        ]),
        any::<bool>(),
    )
        .prop_map(|(code_system, code, value_system, value, has_value)| {
            let mut children = vec![build::node(
                "code",
                vec![build::coding(code_system, code, "component")],
            )];
            if has_value {
                children.push(build::node(
                    "valueCodeableConcept",
                    vec![build::coding(value_system, value, "value")],
                ));
            }
            build::node("component", children)
        })
}

/// A component as Spine sends it, so generated answers are often well-formed.
fn proper_component() -> impl Strategy<Value = Element> {
    prop_oneof![
        prop::sample::select(vec!["Y", "N", "U"]).prop_map(|v| (
            BASIC_COMPONENT,
            BASIC_STATUS_SYSTEM,
            v
        )),
        prop::sample::select(vec![
            "A",
            "B",
            "C",
            "D",
            "E",
            "F",
            "NONE",
            "DECISION_PENDING"
        ])
        .prop_map(|v| (CATEGORY_COMPONENT, CATEGORY_SYSTEM, v)),
    ]
    .prop_map(|(code, system, value)| {
        build::node(
            "component",
            vec![
                build::node("code", vec![build::coding(COMPONENT_SYSTEM, code, "c")]),
                build::node(
                    "valueCodeableConcept",
                    vec![build::coding(system, value, "v")],
                ),
            ],
        )
    })
}

fn observation() -> impl Strategy<Value = Element> {
    (
        record_status(),
        prop::collection::vec(prop_oneof![3 => proper_component(), 1 => component()], 0..4),
        prop::option::of(prop::sample::select(vec![
            "2015-01-01T15:00:00+00:00",
            "2026-12-05",
            "2027",
            "2026-12",
            "not a date",
            "2015-02-30",
        ])),
        prop::sample::select(vec![
            format!("Patient/{ASKED}"),
            "Patient/9990000018".to_owned(),
            ASKED.to_owned(),
        ]),
        any::<bool>(),
    )
        .prop_map(|(status, components, effective, subject, vandm_code)| {
            let mut children = Vec::new();
            if let Some(s) = status {
                children.push(build::value("status", s));
            }
            let code = if vandm_code { OBSERVATION_CODE } else { "0002" };
            children.push(build::node(
                "code",
                vec![build::coding(OBSERVATION_CODE_SYSTEM, code, "V&M")],
            ));
            children.push(build::node(
                "subject",
                vec![build::value("reference", subject)],
            ));
            if let Some(e) = effective {
                children.push(build::value("effectiveDateTime", e));
            }
            children.extend(components);
            build::node("Observation", children)
        })
}

fn answer() -> impl Strategy<Value = Element> {
    prop_oneof![
        4 => observation().prop_map(|o| build::searchset("b", vec![(None, o)])),
        1 => prop::collection::vec(observation(), 0..4).prop_map(|os| {
            build::searchset("b", os.into_iter().map(|o| (None, o)).collect())
        }),
        1 => observation(),
    ]
}

/// What a lookup would do with the body: the decision, or the error's text.
fn decision(format: WireFormat, body: &[u8]) -> Result<(BannerColour, String, bool), String> {
    let today = CalendarDate::parse("2026-12-04").expect("date");
    let asked = NhsNumber::parse(ASKED).expect("valid");
    match parse_search_body(format, body).map_err(|e| e.to_string())? {
        vmcheck_core::fhir::SearchBody::Observation(s) => {
            let a = assess(&s, &asked, today).map_err(|e| e.to_string())?;
            Ok((
                a.banner.colour,
                a.banner.headline().to_owned(),
                a.effective_in_future,
            ))
        }
        vmcheck_core::fhir::SearchBody::OperationOutcome(_) => Err("outcome".into()),
    }
}

/// 2,000 generated cases, or `PROPTEST_CASES` (mutation testing runs fewer).
#[allow(
    clippy::disallowed_methods,
    reason = "a test's own setting, not the core's"
)]
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn json_and_xml_give_the_same_model_and_the_same_decision(root in answer()) {
        let json = write::to_json(&root).to_string();
        let xml = write::to_xml(&root);
        let from_json = parse_search_body(WireFormat::Json, json.as_bytes());
        let from_xml = parse_search_body(WireFormat::Xml, xml.as_bytes());
        prop_assert_eq!(&from_json, &from_xml);
        prop_assert_eq!(
            decision(WireFormat::Json, json.as_bytes()),
            decision(WireFormat::Xml, xml.as_bytes())
        );
    }

    /// The fuzzing oracle as a property: green only for a settled, single Observation about the
    /// patient asked about, coding basic N with category A, B, C, E or none.
    #[test]
    fn never_green_unless_the_answer_is_vouched_for(root in answer(), xml in any::<bool>()) {
        let (format, body) = if xml {
            (WireFormat::Xml, write::to_xml(&root).into_bytes())
        } else {
            (WireFormat::Json, write::to_json(&root).to_string().into_bytes())
        };
        if let Ok((BannerColour::Green, _, _)) = decision(format, &body) {
            let observations: Vec<&Element> = if root.name == "Bundle" {
                root.children_named("entry")
                    .filter_map(|e| e.child("resource").and_then(Element::inner_resource))
                    .collect()
            } else {
                vec![&root]
            };
            prop_assert_eq!(observations.len(), 1);
            let o = observations[0];
            let settled = matches!(o.child_value("status"), Some("final" | "amended" | "corrected"));
            prop_assert!(settled);
            let expected = format!("Patient/{ASKED}");
            prop_assert_eq!(o.value_at(&["subject", "reference"]), Some(expected.as_str()));
            let values: Vec<(&str, &str)> = o.children_named("component").map(|c| {
                (
                    c.value_at(&["code", "coding", "code"]).unwrap_or(""),
                    c.value_at(&["valueCodeableConcept", "coding", "code"]).unwrap_or(""),
                )
            }).collect();
            prop_assert!(values.iter().any(|(c, v)| *c == BASIC_COMPONENT && *v == "N"));
            let all_allowed = values.iter().all(|(c, v)| match *c {
                BASIC_COMPONENT => *v == "N",
                CATEGORY_COMPONENT => matches!(*v, "A" | "B" | "C" | "E"),
                _ => false,
            });
            prop_assert!(all_allowed, "{:?}", values);
        }
    }
}
