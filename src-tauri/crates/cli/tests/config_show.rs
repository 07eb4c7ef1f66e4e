//! `vmcheck config show`: every value in force with its source, what a lock set aside, exit 4
//! without a configuration.

use std::process::Command;

use serde_json::Value;

const FILE: &str = r#"environment = "sandbox"
[organisation]
ods_code = "RRK99"
name = "Training"
client_asid = "200000000359"
issuer = "https://vmcheck.training.invalid"
[pds]
base_url = "http://127.0.0.1:1/personal-demographics/FHIR/R4"
[sds]
ldap_url = "ldap://127.0.0.1:2"
[session]
card = "training"
[preferences]
locked = ["log.level"]
"#;

fn vmcheck(home: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vmcheck"));
    c.env_remove("VMCHECK_CONFIG")
        .env("NO_COLOR", "1")
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"));
    c
}

#[test]
fn every_value_with_its_source_and_what_a_lock_set_aside() {
    let home = tempfile::tempdir().expect("tmp");
    let file = home.path().join("run.toml");
    std::fs::write(&file, FILE).expect("write");
    std::fs::create_dir_all(home.path().join("config/vmcheck")).expect("dir");
    std::fs::write(
        home.path().join("config/vmcheck/preferences.toml"),
        "[vandm]\nformat = \"xml\"\n[log]\nlevel = \"debug\"\n",
    )
    .expect("write");
    let out = vmcheck(home.path())
        .args(["config", "show", "--json", "--config"])
        .arg(&file)
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let value = |key: &str| {
        v["values"]
            .as_array()
            .expect("values")
            .iter()
            .find(|e| e["key"] == key)
            .unwrap_or_else(|| panic!("{key} in {v}"))
            .clone()
    };
    assert_eq!(value("vandm.format")["value"], "xml");
    assert_eq!(value("vandm.format")["layer"], "preferences");
    assert_eq!(value("organisation.ods_code")["layer"], "file");
    assert_eq!(value("worklist.concurrency")["layer"], "default");
    assert_eq!(value("worklist.concurrency")["source"], "built-in default");
    assert_eq!(value("log.level")["value"], "info", "the lock holds");
    assert_eq!(value("log.level")["locked"], true);
    let ignored = v["ignored"].as_array().expect("ignored");
    assert!(
        ignored
            .iter()
            .any(|i| i["key"] == "log.level" && i["layer"] == "preferences"),
        "{v}"
    );

    let text = vmcheck(home.path())
        .args(["config", "show", "--config"])
        .arg(&file)
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&text.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("vandm.format = \"xml\""))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        line.contains("preferences.toml (your preferences)"),
        "{line}"
    );
    assert!(text.contains("# Set aside:"), "{text}");
}

#[test]
fn no_configuration_is_exit_4() {
    let home = tempfile::tempdir().expect("tmp");
    let out = vmcheck(home.path())
        .args(["config", "show", "--config"])
        .arg(home.path().join("missing.toml"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no configuration file at"));
}
