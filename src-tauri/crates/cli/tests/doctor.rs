//! `vmcheck doctor` as a service desk runs it: one line per check with ✔ ⚠ ✘ –, the fix under a
//! failure, `--json` for scripts, exit 0 when nothing failed and 1 when something did.

use std::process::Command;

use serde_json::Value;

fn vmcheck(home: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vmcheck"));
    c.env_remove("VMCHECK_CONFIG")
        .env("NO_COLOR", "1")
        .env("VMCHECK_LOG", "warn")
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"));
    c
}

fn run(c: &mut Command) -> (i32, String) {
    let out = c.output().expect("vmcheck runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no {id} check: {report}"))
}

#[test]
fn the_training_sandbox_is_healthy_and_says_so() {
    let home = tempfile::tempdir().expect("tmp");
    let (code, out) = run(vmcheck(home.path()).args(["doctor", "--sandbox", "--json"]));
    assert_eq!(code, 0, "{out}");
    let report: Value = serde_json::from_str(out.trim()).expect("one JSON object");
    assert_eq!(report["healthy"], true);
    for id in [
        "config",
        "audit",
        "sds",
        "pds",
        "care_connect",
        "vandm",
        "clock",
    ] {
        assert_eq!(check(&report, id)["verdict"], "pass", "{report}");
    }
    assert_eq!(check(&report, "smartcard")["verdict"], "skip");

    let (code, out) = run(vmcheck(home.path()).args(["doctor", "--sandbox"]));
    assert_eq!(code, 0, "{out}");
    assert!(
        out.lines().any(|l| l.starts_with("✔ Configuration")),
        "{out}"
    );
    assert!(
        out.lines().any(|l| l.starts_with("✔ V&M service (Spine)")),
        "{out}"
    );
    assert!(
        out.contains("This computer is ready for V&M checks."),
        "{out}"
    );
}

#[test]
fn a_broken_part_is_a_cross_with_its_fix_and_exit_1() {
    let home = tempfile::tempdir().expect("tmp");
    let (code, out) =
        run(vmcheck(home.path()).args(["doctor", "--sandbox", "--fault", "sds-down"]));
    assert_eq!(code, 1, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("✘ Spine directory (SDS)"))
        .unwrap_or_else(|| panic!("an SDS failure: {out}"));
    assert!(
        lines[at + 1].trim_start().starts_with("→ Check [sds]"),
        "{out}"
    );
    assert!(
        out.lines().any(|l| l.starts_with("– V&M service (Spine)")),
        "{out}"
    );
    assert!(out.contains("1 check(s) failed"), "{out}");
}

#[test]
fn a_missing_configuration_file_fails_the_first_check() {
    let home = tempfile::tempdir().expect("tmp");
    let missing = home.path().join("nowhere.toml");
    let (code, out) = run(vmcheck(home.path()).args([
        "doctor",
        "--json",
        "--config",
        missing.to_str().expect("utf8"),
    ]));
    assert_eq!(code, 1, "{out}");
    let report: Value = serde_json::from_str(out.trim()).expect("JSON");
    assert_eq!(report["healthy"], false);
    let config = check(&report, "config");
    assert_eq!(config["verdict"], "fail");
    assert!(config["detail"]
        .as_str()
        .expect("detail")
        .contains("no configuration file at"));
    assert_eq!(report["checks"].as_array().expect("checks").len(), 10);
}

#[test]
fn pcscd_not_running_is_named_with_how_to_start_it() {
    let home = tempfile::tempdir().expect("tmp");
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        r#"environment = "sandbox"
[organisation]
ods_code = "RRK99"
name = "Training"
client_asid = "200000000359"
issuer = "https://vmcheck.training.invalid"
[pds]
base_url = "http://127.0.0.1:9/personal-demographics/FHIR/R4"
[sds]
ldap_url = "ldap://127.0.0.1:9"
[session]
card = "pcsc"
"#,
    )
    .expect("write");
    // The PC/SC client library looks for pcscd's socket here: nothing is there.
    let (code, out) = run(vmcheck(home.path())
        .env("PCSCLITE_CSOCK_NAME", home.path().join("no-pcscd.comm"))
        .args([
            "doctor",
            "--json",
            "--config",
            config.to_str().expect("utf8"),
        ]));
    assert_eq!(code, 1, "{out}");
    let report: Value = serde_json::from_str(out.trim()).expect("JSON");
    let card = check(&report, "smartcard");
    assert_eq!(card["verdict"], "fail", "{report}");
    assert!(
        card["detail"].as_str().expect("d").contains("pcscd"),
        "{card}"
    );
    assert!(
        card["fix"].as_str().expect("fix").contains("systemctl"),
        "{card}"
    );
    // Nothing listens at the configured PDS and directory either.
    assert_eq!(check(&report, "pds")["verdict"], "fail");
    assert_eq!(check(&report, "sds")["verdict"], "fail");
}
