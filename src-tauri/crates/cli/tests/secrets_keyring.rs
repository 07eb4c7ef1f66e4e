//! `vmcheck secrets import/list/remove` end to end against a real Secret Service (gnome-keyring
//! in a private D-Bus session started by `tests/keyring/run.sh`; ignored in a plain `cargo test`),
//! plus the unreachable-keyring message, which needs no keyring and always runs.

use std::process::Command;

fn vmcheck() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vmcheck"));
    c.env_remove("VMCHECK_CONFIG")
        .env("NO_COLOR", "1")
        .env("VMCHECK_LOG", "warn");
    c
}

fn run(c: &mut Command) -> (i32, String, String) {
    let out = c.output().expect("vmcheck runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn secrets(args: &[&str]) -> (i32, String, String) {
    run(vmcheck().arg("secrets").args(args))
}

const KEY: &[u8] = b"-----BEGIN PRIVATE KEY-----\nTOP-SECRET-MATERIAL\n-----END PRIVATE KEY-----\n";

#[test]
#[ignore = "needs a Secret Service: run tests/keyring/run.sh"]
fn import_list_remove_end_to_end() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("key.pem");
    std::fs::write(&file, KEY).expect("write key");
    let name = format!("cli-test-key-{}", std::process::id());
    let path = file.to_str().expect("utf-8 path");

    let (code, out, err) = secrets(&["import", &name, path]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(&name), "{out}");
    assert!(!out.contains("TOP-SECRET") && !err.contains("TOP-SECRET"));

    let (code, out, err) = secrets(&["list"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().any(|l| l == name), "{out}");
    assert!(!out.contains("TOP-SECRET"));
    let (code, out, _) = secrets(&["list", "--json"]);
    assert_eq!(code, 0);
    let names: Vec<String> = serde_json::from_str(out.trim()).expect("a JSON array of names");
    assert!(names.contains(&name));

    // The keyring holds exactly the file's bytes.
    let stored = Command::new("secret-tool")
        .args(["lookup", "service", "vmcheck", "username", &name])
        .output()
        .expect("secret-tool");
    assert_eq!(stored.stdout, KEY);

    let (code, out, err) = secrets(&["remove", &name]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = secrets(&["list"]);
    assert_eq!(code, 0);
    assert!(!out.lines().any(|l| l == name), "{out}");
    let (code, _, err) = secrets(&["remove", &name]);
    assert_eq!(code, 1, "not found: {err}");
    assert!(err.contains("no secret named"), "{err}");
}

#[test]
#[ignore = "needs a Secret Service: run tests/keyring/run.sh"]
fn bad_input_is_refused_before_the_keyring() {
    let dir = tempfile::tempdir().expect("temp dir");
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, b"").expect("write");
    let (code, _, err) = secrets(&["import", "cli-empty", empty.to_str().expect("path")]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("empty"), "{err}");
    let (code, _, err) = secrets(&["import", "cli-missing", "/nonexistent/key.pem"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = secrets(&["import", "bad name", empty.to_str().expect("path")]);
    assert_eq!(code, 2, "{err}");
    let (code, out, _) = secrets(&["list"]);
    assert_eq!(code, 0);
    assert!(
        !out.contains("cli-empty") && !out.contains("cli-missing"),
        "{out}"
    );
}

/// Keyring → engine → signed JWT → the sandbox's token endpoint and token-checking PDS: the PDS
/// signing key imported with `vmcheck secrets import` is what `vmcheck lookup` signs with.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service: run tests/keyring/run.sh"]
async fn a_lookup_signs_its_pds_assertion_with_the_imported_key() {
    use vmcheck_sandbox::{PdsAuthConfig, Sandbox, SandboxOptions};
    let keys = vmcheck_jws::testing::rsa_key_pair();
    let sandbox = Sandbox::start(SandboxOptions {
        pds_auth: Some(PdsAuthConfig::new("CliApiKey", "cli-kid", &keys.public_pem)),
        ..SandboxOptions::default()
    })
    .await
    .expect("sandbox");
    let dir = tempfile::tempdir().expect("temp dir");
    let key_file = dir.path().join("pds.pem");
    std::fs::write(&key_file, &keys.private_pem).expect("write key");
    let name = format!("cli-pds-key-{}", std::process::id());
    let (code, _, err) = secrets(&["import", &name, key_file.to_str().expect("path")]);
    assert_eq!(code, 0, "{err}");
    std::fs::remove_file(&key_file).expect("the file is no longer needed");

    let urls = sandbox.urls();
    let config = format!(
        r#"environment = "sandbox"
[organisation]
ods_code = "{ods}"
name = "{org}"
client_asid = "{asid}"
issuer = "https://vmcheck.training.invalid"
[identity]
user_uuid = "{uuid}"
role_profile_id = "{role}"
[pds]
base_url = "{pds}"
[pds.auth]
api_key = "CliApiKey"
kid = "cli-kid"
token_url = "{token}"
key_secret = "{name}"
[sds]
ldap_url = "{ldap}"
"#,
        ods = vmcheck_sandbox::TRAINING_ODS_CODE,
        org = vmcheck_sandbox::TRAINING_ORG_NAME,
        asid = vmcheck_sandbox::TRAINING_CLIENT_ASID,
        uuid = vmcheck_sandbox::TRAINING_USER_UUID,
        role = vmcheck_sandbox::TRAINING_ROLE_PROFILE_ID,
        pds = urls.pds_base,
        token = urls.token_url(),
        ldap = urls.ldap_url,
    );
    let config_file = dir.path().join("config.toml");
    std::fs::write(&config_file, config).expect("write config");
    let patient = vmcheck_sandbox::patients()
        .iter()
        .find(|p| p.expected.outcome == "status" && p.fault.is_none())
        .expect("a patient with a status");
    let config_path = config_file.to_str().expect("path").to_owned();
    let number = patient.nhs_number;
    let (code, out, err) = tokio::task::spawn_blocking(move || {
        run(vmcheck().args(["lookup", "--json", "--config", &config_path, number]))
    })
    .await
    .expect("ran");
    assert_eq!(code, 0, "{out}{err}");
    let report: serde_json::Value = serde_json::from_str(out.trim()).expect("JSON");
    assert_eq!(report["outcome"], "status", "{report}");
    assert_eq!(sandbox.token_request_count(), 1);

    let (code, _, err) = secrets(&["remove", &name]);
    assert_eq!(code, 0, "{err}");
    sandbox.shutdown().await;
}

#[test]
#[ignore = "needs a LOCKED Secret Service: run tests/keyring/run.sh"]
fn locked_keyring_exits_4_with_the_locked_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("key.pem");
    std::fs::write(&file, KEY).expect("write key");
    for args in [
        vec!["list"],
        vec!["import", "cli-locked", file.to_str().expect("path")],
    ] {
        let (code, _, err) = secrets(&args);
        assert_eq!(code, 4, "{args:?}: {err}");
        assert!(
            err.contains("The keyring is locked: unlock it (sign in to the desktop) and try again"),
            "{err}"
        );
    }
}

#[test]
fn without_a_session_bus_secrets_exit_4_saying_no_keyring_is_reachable() {
    let runtime = tempfile::tempdir().expect("temp dir");
    for args in [&["list"][..], &["remove", "x"][..]] {
        let (code, out, err) = run(vmcheck()
            .arg("secrets")
            .args(args)
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env("XDG_RUNTIME_DIR", runtime.path()));
        assert_eq!(code, 4, "{out}{err}");
        assert!(err.contains("No keyring is reachable: "), "{err}");
    }
    let (code, out, _) = run(vmcheck()
        .args(["secrets", "list", "--json"])
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("XDG_RUNTIME_DIR", runtime.path()));
    assert_eq!(code, 4);
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("JSON error");
    assert_eq!(v["error"]["code"], "KEYRING_UNREACHABLE");
}
