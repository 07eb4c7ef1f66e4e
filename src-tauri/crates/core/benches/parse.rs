//! Parsing and classification speed on the specification's examples (figures printed by
//! criterion; nothing asserted). Run: `cargo bench -p vmcheck-core`.
#![allow(
    clippy::disallowed_methods,
    reason = "tests and benchmarks read the fixture files; the core itself never does"
)]
#![allow(missing_docs, reason = "criterion_group! generates undocumented items")]

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use vmcheck_core::fhir::{parse_search_body, write, SearchBody, WireFormat};
use vmcheck_core::jwt::{AuditContext, AuditJwt};
use vmcheck_core::{classify, NhsNumber};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/vandm/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
}

fn bench(c: &mut Criterion) {
    let json = fixture("Bundle-Observation.json");
    let xml = fixture("Bundle-Observation.xml");
    c.bench_function("parse Bundle-Observation.json", |b| {
        b.iter(|| parse_search_body(WireFormat::Json, black_box(&json)).expect("parses"))
    });
    c.bench_function("parse Bundle-Observation.xml", |b| {
        b.iter(|| parse_search_body(WireFormat::Xml, black_box(&xml)).expect("parses"))
    });
    c.bench_function("parse + classify (json)", |b| {
        b.iter(
            || match parse_search_body(WireFormat::Json, black_box(&json)).expect("parses") {
                SearchBody::Observation(s) => classify(&s),
                SearchBody::OperationOutcome(_) => unreachable!("fixture holds an observation"),
            },
        )
    });
    let tree = WireFormat::Json.read(&json).expect("tree");
    c.bench_function("write Bundle-Observation as xml", |b| {
        b.iter(|| write::to_xml(black_box(&tree)))
    });
    let ctx = AuditContext {
        issuer: "https://vmcheck.example.nhs.uk".into(),
        user_id: "555021935107".into(),
        role_profile_id: "555021936109".into(),
        ods_code: "RRK".into(),
        organisation_name: "Example Hospital".into(),
        device_id: "vmcheck-200000000359".into(),
        software_name: "V&M Check".into(),
        software_version: "0.1.0".into(),
    };
    let nhs = NhsNumber::parse("9434765919").expect("valid");
    c.bench_function("audit JWT build + encode", |b| {
        b.iter(|| AuditJwt::new(black_box(&ctx), black_box(&nhs), 1_700_000_000).encode_unsigned())
    });
    c.bench_function("NHS number parse", |b| {
        b.iter(|| NhsNumber::parse(black_box("943 476 5919")))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
