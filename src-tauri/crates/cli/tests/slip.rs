//! `vmcheck lookup --slip FILE.pdf`: the result slip read back from the PDF as text
//! (`pdftotext`) and as an image (`pdftoppm`, kept in `target/slip/` to look at); recorded as an
//! export; no slip for an error.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::vmcheck;

fn pdf_text(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-layout"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs (poppler-utils: scripts/setup.sh)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The page as a PNG in `target/slip/NAME.png`.
fn pdf_image(pdf: &Path, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../target/slip");
    std::fs::create_dir_all(&dir).expect("dir");
    let prefix = dir.join(name);
    let out = Command::new("pdftoppm")
        .args(["-png", "-r", "72", "-singlefile"])
        .arg(pdf)
        .arg(&prefix)
        .output()
        .expect("pdftoppm runs (poppler-utils: scripts/setup.sh)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    prefix.with_extension("png")
}

#[test]
fn a_slip_carries_each_field_and_is_recorded_as_an_export() {
    let home = tempfile::tempdir().expect("tmp");
    let pdf = home.path().join("slip.pdf");
    let pdf_arg = pdf.to_str().expect("utf-8");
    let (code, out, err) = vmcheck(
        home.path(),
        &[
            "lookup",
            "--sandbox",
            "--json",
            "9990000018",
            "--slip",
            pdf_arg,
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let report: serde_json::Value = serde_json::from_str(out.trim()).expect("json");
    let trace = report["trace_id"].as_str().expect("trace id");
    let text = pdf_text(&pdf);
    for field in [
        "V&M Check - chargeable status",
        "Chargeable",
        "NHS number 999 000 0018",
        "TAYLOR, Mary (Miss)",
        "11 February 1998",
        "Category F: Chargeable non-EEA",
        "Last updated",
        "Checked by",
        "V&M Check Training Hospital (RRK99)",
        trace,
        "Some NHS services are free for everyone",
    ] {
        assert!(text.contains(field), "the slip lacks {field:?}:\n{text}");
    }
    for absent in ["Rosebery", "LS11", "555021935107"] {
        assert!(
            !text.contains(absent),
            "the slip shows {absent:?} (no address, no UUID):\n{text}"
        );
    }
    let png = pdf_image(&pdf, "slip-red");
    assert!(std::fs::metadata(&png).expect("png").len() > 10_000);

    // Recorded as an export of that patient's data before it was written.
    let (code, csv, err) = vmcheck(home.path(), &["audit", "export", "--sandbox"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        csv.lines()
            .any(|l| l.contains(",export,9990000018,")
                && l.contains("kind=slip_pdf;rows=1;to=slip.pdf")),
        "{csv}"
    );
}

#[test]
fn an_error_has_no_slip() {
    let home = tempfile::tempdir().expect("tmp");
    let pdf = home.path().join("slip.pdf");
    let (code, _, err) = vmcheck(
        home.path(),
        &[
            "lookup",
            "--sandbox",
            "9990000220",
            "--slip",
            pdf.to_str().expect("utf-8"),
        ],
    );
    assert_ne!(code, 0);
    assert!(err.contains("no status to print"), "{err}");
    assert!(!pdf.exists(), "no slip for an error");
}
