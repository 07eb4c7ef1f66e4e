//! The sandbox's patients as `vmcheck sandbox --list` describes them.

use std::process::Command;

use serde_json::Value;

use crate::*;

/// One sandbox patient as `vmcheck sandbox --list` describes it.
#[derive(Debug, Clone)]
pub struct Patient {
    /// The NHS number.
    pub nhs_number: String,
    /// The case.
    pub case: String,
    /// `status` | `no_record` | `error`.
    pub outcome: String,
    /// Banner colour, when there is one.
    pub banner: Option<String>,
    /// The banner's headline.
    pub headline: Option<String>,
    /// The error code, for an error.
    pub error_code: Option<String>,
    /// Family name.
    pub family: String,
}

/// The sandbox's test patients (`vmcheck sandbox --list`), so expectations are never typed twice.
pub fn patients() -> Vec<Patient> {
    let out = Command::new(cli_binary())
        .args(["sandbox", "--list"])
        .output()
        .expect("run vmcheck sandbox --list");
    assert!(out.status.success(), "vmcheck sandbox --list failed");
    let v: Value = serde_json::from_slice(&out.stdout).expect("the patient list is JSON");
    let s = |v: &Value| v.as_str().map(str::to_owned);
    v.as_array()
        .expect("a list")
        .iter()
        .map(|p| Patient {
            nhs_number: s(&p["nhs_number"]).unwrap_or_default(),
            case: s(&p["case"]).unwrap_or_default(),
            outcome: s(&p["expected"]["outcome"]).unwrap_or_default(),
            banner: s(&p["expected"]["banner"]),
            headline: s(&p["expected"]["headline"]),
            error_code: s(&p["expected"]["error_code"]),
            family: s(&p["name"]["family"]).unwrap_or_default(),
        })
        .collect()
}

/// One patient by number.
pub fn patient(nhs: &str) -> Patient {
    patients()
        .into_iter()
        .find(|p| p.nhs_number == nhs)
        .unwrap_or_else(|| panic!("{nhs} is not a sandbox patient"))
}

/// `9990000018` → `999 000 0018`.
pub fn formatted(nhs: &str) -> String {
    format!("{} {} {}", &nhs[..3], &nhs[3..6], &nhs[6..])
}
