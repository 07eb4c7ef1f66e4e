//! `vmcheck lookup --hospital-number NUMBER` as a process against the sandbox: the trust's Care
//! Connect service gives the NHS number, PDS and the V&M service answer for it; a Care Connect
//! refusal is an error with its own code and exit code, and a badly formed number is refused
//! before anything is sent.

mod common;

use serde_json::Value;

fn home() -> &'static std::path::Path {
    static HOME: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    HOME.get_or_init(|| tempfile::tempdir().expect("tmp"))
        .path()
}

fn run(args: &[&str]) -> (i32, String, String) {
    common::vmcheck(home(), args)
}

fn json(text: &str) -> Value {
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// A listed patient of this expected banner, with its hospital number (`RRK` and the last
/// seven digits of the NHS number).
fn patient(banner: &str) -> (String, String, String) {
    let (code, out, err) = run(&["sandbox", "--list"]);
    assert_eq!(code, 0, "{err}");
    let list = json(&out);
    let p = list
        .as_array()
        .expect("array")
        .iter()
        .find(|p| p["expected"]["banner"] == banner && p["superseded_by"].is_null())
        .expect("a patient")
        .clone();
    let nhs = p["nhs_number"].as_str().expect("number").to_owned();
    let headline = p["expected"]["headline"].as_str().expect("h").to_owned();
    (format!("RRK{}", &nhs[3..]), nhs, headline)
}

#[test]
fn a_hospital_number_gives_its_patients_status() {
    let (hospital, nhs, headline) = patient("red");
    let (code, out, err) = run(&[
        "lookup",
        "--sandbox",
        "--json",
        "--hospital-number",
        &hospital,
    ]);
    assert_eq!(code, 0, "{err}");
    let r = json(&out);
    assert_eq!(r["outcome"], "status");
    assert_eq!(r["banner"], "red");
    assert_eq!(r["headline"], headline);
    assert_eq!(r["nhs_number"], nhs);
    assert_eq!(r["hospital_number"], hospital);
    assert_eq!(r["trust_nhs_number"], nhs);
    assert_eq!(r["patient"]["nhs_number"], nhs);
    assert!(r.get("hospital_number_warning").is_none());

    let (code, out, _) = run(&["lookup", "--sandbox", "--hospital-number", &hospital]);
    assert_eq!(code, 0);
    assert!(
        out.contains(&format!(
            "Hospital number {hospital}: the trust's records give NHS {} {} {}",
            &nhs[..3],
            &nhs[3..6],
            &nhs[6..]
        )),
        "{out}"
    );
    assert!(out.contains(&headline), "{out}");
}

#[test]
fn a_superseded_trust_number_is_flagged() {
    // 999 000 0247 is superseded by 999 000 0255 on PDS.
    let (code, out, err) = run(&[
        "lookup",
        "--sandbox",
        "--json",
        "--hospital-number",
        "RRK0000247",
    ]);
    assert_eq!(code, 0, "{err}");
    let r = json(&out);
    assert_eq!(r["trust_nhs_number"], "9990000247");
    assert_eq!(r["patient"]["nhs_number"], "9990000255");
    assert!(r["hospital_number_warning"]
        .as_str()
        .is_some_and(|w| w.contains("different NHS number")));
}

#[test]
fn care_connect_refusals_are_errors_with_their_codes() {
    for (number, code) in [
        ("RRK8000001", "CARE_CONNECT_SEVERAL_PATIENTS"),
        ("RRK8000002", "CARE_CONNECT_NO_NHS_NUMBER"),
        ("RRK8000003", "CARE_CONNECT_NHS_NUMBER_UNVERIFIED"),
        ("RRK8000005", "CARE_CONNECT_RECORD_NOT_IN_USE"),
        ("RRK9999999", "CARE_CONNECT_NOT_FOUND"),
    ] {
        let (exit, out, err) = run(&["lookup", "--sandbox", "--json", "--hospital-number", number]);
        assert_eq!(exit, 3, "{number}: {err}");
        let r = json(&out);
        assert_eq!(r["outcome"], "error", "{number}");
        assert_eq!(r["banner"], Value::Null, "{number}");
        assert_eq!(r["error"]["code"], code, "{number}");
        assert_eq!(r["patient"], Value::Null, "{number}");
    }
}

#[test]
fn a_badly_formed_hospital_number_is_refused_with_exit_2() {
    let (code, out, _) = run(&[
        "lookup",
        "--sandbox",
        "--json",
        "--hospital-number",
        "RRK12",
    ]);
    assert_eq!(code, 2);
    let r = json(&out);
    assert_eq!(r["error"]["code"], "INVALID_HOSPITAL_NUMBER_LOCAL");
    assert!(r["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("RRK followed by 7 digits")));
    // An NHS number and a hospital number together are a usage error.
    let (code, _, _) = run(&[
        "lookup",
        "--sandbox",
        "9990000018",
        "--hospital-number",
        "RRK0000018",
    ]);
    assert_eq!(code, 2);
}
