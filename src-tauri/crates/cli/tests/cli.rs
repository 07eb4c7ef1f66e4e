//! CLI tests: spawn the `vmcheck` binary and check its contract (JSON fields, exit codes).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// A folder standing in for the user's data and state folders for this test process: the
/// training audit log goes there, never into the real home folder.
fn home() -> &'static std::path::Path {
    static HOME: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    HOME.get_or_init(|| tempfile::tempdir().expect("tmp"))
        .path()
}

fn vmcheck() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vmcheck"));
    c.env_remove("VMCHECK_CONFIG")
        .env("NO_COLOR", "1")
        .env("VMCHECK_LOG", "warn")
        .env("XDG_DATA_HOME", home().join("data"))
        .env("XDG_STATE_HOME", home().join("state"))
        .env("XDG_CONFIG_HOME", home().join("config"));
    c
}

/// The training audit log of a data folder, and its key file.
fn training_log(data: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let db = data.join("vmcheck/training-audit.sqlite");
    let key = data.join("vmcheck/training-audit.sqlite.key");
    (db, key)
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = vmcheck().args(args).output().expect("vmcheck runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(text: &str) -> Value {
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn listed_patients() -> Vec<Value> {
    let (code, out, err) = run(&["sandbox", "--list"]);
    assert_eq!(code, 0, "{err}");
    json(&out).as_array().expect("an array").clone()
}

#[test]
fn sandbox_list_describes_every_patient() {
    let patients = listed_patients();
    assert!(patients.len() >= 20, "a patient for every case");
    for p in &patients {
        let n = p["nhs_number"].as_str().expect("number");
        assert_eq!(n.len(), 10);
        assert!(p["case"].as_str().is_some_and(|c| !c.is_empty()));
        assert!(["status", "no_record", "error"]
            .contains(&p["expected"]["outcome"].as_str().expect("outcome")));
    }
    for colour in ["red", "green", "amber", "grey"] {
        assert!(
            patients.iter().any(|p| p["expected"]["banner"] == colour),
            "a {colour} patient"
        );
    }
}

#[test]
fn lookup_json_gives_the_listed_result_for_every_patient() {
    for p in listed_patients() {
        let n = p["nhs_number"].as_str().expect("number");
        let (code, out, err) = run(&["lookup", "--sandbox", "--json", n]);
        let r = json(&out);
        let e = &p["expected"];
        assert_eq!(r["nhs_number"], n);
        assert_eq!(
            r["outcome"], e["outcome"],
            "{n} ({}): {out} {err}",
            p["case"]
        );
        assert_eq!(r["banner"], e["banner"], "{n}");
        assert_eq!(r["headline"], e["headline"], "{n}");
        assert!(
            r["trace_id"].as_str().is_some_and(|t| t.len() == 36),
            "{n}: a UUID trace id"
        );
        for key in ["basic", "category", "effective", "patient", "error"] {
            assert!(r.get(key).is_some(), "{n}: key {key} present");
        }
        match e["outcome"].as_str() {
            Some("error") => {
                assert_eq!(code, 3, "{n}: service errors exit 3");
                assert!(r["banner"].is_null());
                if let Some(c) = e["error_code"].as_str() {
                    assert_eq!(r["error"]["code"], c, "{n}");
                }
                assert!(r["error"]["message"]
                    .as_str()
                    .is_some_and(|m| !m.is_empty()));
            }
            _ => {
                assert_eq!(code, 0, "{n}: {err}");
                assert!(r["error"].is_null());
                let patient = &r["patient"];
                for key in [
                    "nhs_number",
                    "name",
                    "birth_date",
                    "gender",
                    "restricted",
                    "deceased",
                    "superseded_from",
                ] {
                    assert!(patient.get(key).is_some(), "{n}: patient.{key}");
                }
            }
        }
    }
}

#[test]
fn the_specification_example_number_is_refused_locally_with_exit_2() {
    let (code, out, _) = run(&["lookup", "--sandbox", "--json", "9900002831"]);
    assert_eq!(code, 2);
    let r = json(&out);
    assert_eq!(r["outcome"], "error");
    assert_eq!(r["error"]["code"], "INVALID_NHS_NUMBER_LOCAL");
    assert_eq!(r["error"]["http"], Value::Null, "nothing was sent");
    let (code, _, _) = run(&["lookup", "--sandbox", "12 34"]);
    assert_eq!(code, 2);
}

#[test]
fn human_output_has_the_patient_line_and_the_banner_words() {
    let patients = listed_patients();
    let red = patients
        .iter()
        .find(|p| p["expected"]["banner"] == "red")
        .expect("red");
    let n = red["nhs_number"].as_str().expect("n");
    let (code, out, _) = run(&["lookup", "--sandbox", n]);
    assert_eq!(code, 0);
    assert!(out.starts_with("TRAINING — not real patient data"), "{out}");
    let spaced = format!("{} {} {}", &n[..3], &n[3..6], &n[6..]);
    assert!(
        out.contains(&format!(
            "{spaced}: {}",
            red["expected"]["headline"].as_str().expect("h")
        )),
        "{out}"
    );
    assert!(out.contains("Trace ID "));
    assert!(!out.contains('\x1b'), "no colour codes when not a terminal");
}

#[test]
fn xml_format_gives_the_same_answer() {
    let patients = listed_patients();
    let p = patients
        .iter()
        .find(|p| p["expected"]["outcome"] == "status")
        .expect("status");
    let n = p["nhs_number"].as_str().expect("n");
    let (code, out, err) = run(&["lookup", "--sandbox", "--json", "--format", "xml", n]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["headline"], p["expected"]["headline"]);
}

#[test]
fn a_fault_makes_a_service_error_with_exit_3() {
    let patients = listed_patients();
    let p = patients
        .iter()
        .find(|p| p["expected"]["outcome"] == "status")
        .expect("status");
    let (code, out, _) = run(&[
        "lookup",
        "--sandbox",
        "--fault",
        "html502",
        "--json",
        p["nhs_number"].as_str().expect("n"),
    ]);
    assert_eq!(code, 3);
    let r = json(&out);
    assert_eq!(r["banner"], Value::Null);
    assert_eq!(r["error"]["http"], 502);
}

#[test]
fn configuration_problems_exit_4_and_name_the_key() {
    let dir = tempfile::tempdir().expect("tmp");
    let missing = dir.path().join("absent.toml");
    let (code, _, err) = run(&[
        "lookup",
        "--config",
        missing.to_str().expect("utf8"),
        "9434765919",
    ]);
    assert_eq!(code, 4);
    assert!(err.contains("no configuration file"), "{err}");

    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        r#"environment = "integration"
[organisation]
ods_code = "RRK"
name = "Test"
client_asid = "12345"
issuer = "https://x.nhs.uk"
[pds]
base_url = "https://pds.example/personal-demographics/FHIR/R4"
[sds]
ldap_url = "ldap://127.0.0.1:1"
"#,
    )
    .expect("write");
    let (code, out, _) = run(&[
        "lookup",
        "--json",
        "--config",
        bad.to_str().expect("utf8"),
        "9434765919",
    ]);
    assert_eq!(code, 4);
    let r = json(&out);
    assert!(
        r["error"]["message"]
            .as_str()
            .expect("message")
            .contains("organisation.client_asid"),
        "{out}"
    );
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_standalone_sandbox_serves_a_configured_lookup() {
    let mut child = vmcheck()
        .args(["sandbox"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let running = Running(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("ready line");
    let urls = json(&line);
    let pds = urls["pds_base"].as_str().expect("pds_base");
    let ldap = urls["ldap_url"].as_str().expect("ldap_url");
    assert!(urls["vandm_base"]
        .as_str()
        .is_some_and(|u| u.starts_with("http://127.0.0.1:")));

    let dir = tempfile::tempdir().expect("tmp");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            r#"environment = "sandbox"
[organisation]
ods_code = "{ods}"
name = "Training"
client_asid = "{asid}"
issuer = "https://vmcheck.training.invalid"
[identity]
user_uuid = "{uuid}"
role_profile_id = "{role}"
[pds]
base_url = "{pds}"
[sds]
ldap_url = "{ldap}"
"#,
            ods = vmcheck_sandbox::TRAINING_ODS_CODE,
            asid = vmcheck_sandbox::TRAINING_CLIENT_ASID,
            uuid = vmcheck_sandbox::TRAINING_USER_UUID,
            role = vmcheck_sandbox::TRAINING_ROLE_PROFILE_ID,
        ),
    )
    .expect("write");
    let patients = listed_patients();
    let p = patients
        .iter()
        .find(|p| p["expected"]["outcome"] == "status")
        .expect("status");
    let lookup = || {
        let (code, out, err) = run(&[
            "lookup",
            "--json",
            "--config",
            config.to_str().expect("utf8"),
            p["nhs_number"].as_str().expect("n"),
        ]);
        assert_eq!(code, 0, "{err}");
        json(&out)
    };
    let restricted = lookup();
    assert_eq!(restricted["headline"], p["expected"]["headline"]);
    // RBAC: an identity whose role has no detail activity sees the banner, not the detail.
    assert_eq!(restricted["view"], "restricted");
    assert!(restricted["category"].is_null() && restricted["effective"].is_null());
    assert!(restricted["detail_withheld"]
        .as_str()
        .is_some_and(|s| s.contains("overseas visitor managers")));
    let text = std::fs::read_to_string(&config).expect("config");
    std::fs::write(
        &config,
        text.replace("[pds]", "business_functions = [\"B0259\"]\n[pds]"),
    )
    .expect("write");
    let full = lookup();
    assert_eq!(
        (full["view"].as_str(), full["headline"].clone()),
        (Some("full"), restricted["headline"].clone())
    );
    assert!(full["detail_withheld"].is_null());
    let (code, out, err) = run(&[
        "metadata",
        "--json",
        "--config",
        config.to_str().expect("utf8"),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["conformance"]["fhir_version"], "1.0.1");

    // The printed Care Connect base serves the same patient by hospital number.
    let origin = pds.split("/personal-demographics").next().expect("origin");
    let care_connect = urls["care_connect_base"]
        .as_str()
        .expect("care_connect_base");
    assert!(care_connect.starts_with(origin), "{care_connect}");
    assert!(urls["sds_fhir_base"]
        .as_str()
        .is_some_and(|u| u.starts_with(origin) && u.ends_with("/spine-directory/FHIR/R4")));
    let typed = vmcheck_sandbox::patients()
        .iter()
        .find(|t| p["nhs_number"] == t.nhs_number)
        .expect("the patient");
    let text = std::fs::read_to_string(&config).expect("config");
    std::fs::write(
        &config,
        format!(
            "{text}[care_connect]\nbase_url = \"{care_connect}\"\nhospital_number_system = \"{}\"\nhospital_number_pattern = \"{}\"\n",
            vmcheck_sandbox::care_connect::HOSPITAL_NUMBER_SYSTEM,
            vmcheck_sandbox::care_connect::HOSPITAL_NUMBER_PATTERN,
        ),
    )
    .expect("write");
    let (code, out, err) = run(&[
        "lookup",
        "--json",
        "--config",
        config.to_str().expect("utf8"),
        "--hospital-number",
        &vmcheck_sandbox::care_connect::hospital_number(typed),
    ]);
    assert_eq!(code, 0, "{err}");
    let by_hospital = json(&out);
    assert_eq!(by_hospital["nhs_number"], p["nhs_number"]);
    assert_eq!(by_hospital["headline"], full["headline"]);
    drop(running);
}

fn run_with(args: &[&str], env: &[(&str, &std::path::Path)], stdin: &str) -> (i32, String, String) {
    use std::io::Write;
    let mut cmd = vmcheck();
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn login_with_the_training_card_prints_uuid_and_roles_and_refuses_a_wrong_passcode() {
    let dir = tempfile::tempdir().expect("tmp");
    let env = [("XDG_DATA_HOME", dir.path())];
    let (code, out, err) = run_with(&["login", "--sandbox", "--json"], &env, "1234\n");
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    assert_eq!(v["uuid"], "555021935107");
    assert_eq!(v["role"]["role_profile_id"], "555021936109");
    assert_eq!(v["roles"][0]["job_role"], "Overseas Visitors Manager");
    let (code, out, _) = run_with(&["login", "--sandbox", "--json"], &env, "9999\n");
    assert_eq!(code, 5, "a wrong passcode exits non-zero");
    let v = json(&out);
    assert_eq!(v["error"]["code"], "WRONG_PASSCODE");
    assert_eq!(
        v["pin"],
        serde_json::json!({"state": "tries_left", "tries": 2})
    );
    assert!(v["error"]["message"]
        .as_str()
        .expect("message")
        .contains("2 tries left"));
}

#[test]
fn audit_verify_passes_on_a_written_log_and_fails_once_a_record_is_edited() {
    let dir = tempfile::tempdir().expect("tmp");
    let env = [("XDG_DATA_HOME", dir.path())];
    let (db, key) = training_log(dir.path());
    let db_arg = db.to_str().expect("utf8");
    let key_arg = key.to_str().expect("utf8");
    // Sign in twice with the training card.
    assert_eq!(run_with(&["login", "--sandbox"], &env, "1234\n").0, 0);
    assert_eq!(run_with(&["login", "--sandbox"], &env, "1234\n").0, 0);
    let verify = |extra: &[&str]| {
        let mut args = vec!["audit", "verify", "--json", "--db", db_arg];
        args.extend_from_slice(extra);
        run(&args)
    };
    let (code, out, err) = verify(&["--key-file", key_arg]);
    assert_eq!(code, 0, "{out}{err}");
    let v = json(&out);
    assert_eq!(
        (
            v["records"].as_u64(),
            v["intact"].as_bool(),
            v["keyed_checked"].as_bool()
        ),
        (Some(2), Some(true), Some(true))
    );
    // Without the key: the links are checked, the keyed hashes cannot be — and it says so.
    let (code, out, _) = verify(&[]);
    assert_eq!(code, 0);
    assert_eq!(json(&out)["keyed_checked"], false);
    let (_, text, _) = run(&["audit", "verify", "--db", db_arg]);
    assert!(text.contains("the keyed hashes could not be"), "{text}");

    // Edit the first record by hand (dropping the append-only trigger first, as an attacker would).
    let conn = rusqlite::Connection::open(&db).expect("open");
    let triggers: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    for t in triggers {
        conn.execute(&format!("DROP TRIGGER \"{t}\""), [])
            .expect("drop trigger");
    }
    let changed = conn
        .execute("UPDATE audit_record SET ods_code = 'XXX' WHERE seq = 1", [])
        .expect("update");
    assert_eq!(changed, 1);
    drop(conn);
    let (code, out, _) = verify(&["--key-file", key_arg]);
    assert_eq!(code, 1, "a broken chain exits 1");
    let v = json(&out);
    assert_eq!(v["intact"], false);
    assert_eq!(v["first_broken"]["seq"], 1);
    assert_eq!(v["first_broken"]["reason"], "hash_mismatch");
}

#[test]
fn a_lookup_by_a_configured_identity_leaves_its_intent_and_outcome() {
    let dir = tempfile::tempdir().expect("tmp");
    let env = [("XDG_DATA_HOME", dir.path())];
    let (db, key) = training_log(dir.path());
    let (code, out, err) = run_with(&["lookup", "--sandbox", "--json", "9990000026"], &env, "");
    assert_eq!(code, 0, "{out}{err}");
    let trace = json(&out)["trace_id"].as_str().expect("trace").to_owned();
    let conn = rusqlite::Connection::open(&db).expect("the training audit log");
    type Row = (i64, String, Option<String>, Option<String>, Option<i64>);
    let rows: Vec<Row> = conn
        .prepare(
            "SELECT seq, action, nhs_number, trace_id, refers_to FROM audit_record ORDER BY seq",
        )
        .expect("prepare")
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0].1, "lookup");
    assert_eq!(rows[0].2.as_deref(), Some("9990000026"));
    assert_eq!(rows[0].3.as_deref(), Some(trace.as_str()));
    assert_eq!(rows[1].1, "outcome");
    assert_eq!(rows[1].4, Some(rows[0].0));
    // The command left a checkpoint, and verify finds the log consistent with it.
    let (code, out, _) = run(&[
        "audit",
        "verify",
        "--json",
        "--db",
        db.to_str().expect("utf8"),
        "--key-file",
        key.to_str().expect("utf8"),
        "--checkpoint",
        &format!("{}.checkpoints", db.display()),
    ]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(json(&out)["checkpoint"]["result"], "consistent");
}

#[test]
fn a_checkpoint_kept_elsewhere_catches_records_removed_from_the_end() {
    let dir = tempfile::tempdir().expect("tmp");
    let env = [("XDG_DATA_HOME", dir.path())];
    let (db, key) = training_log(dir.path());
    for n in ["9990000026", "9990000018", "9990000042"] {
        assert_eq!(run_with(&["lookup", "--sandbox", n], &env, "").0, 0);
    }
    let checkpoints = format!("{}.checkpoints", db.display());
    let conn = rusqlite::Connection::open(&db).expect("open");
    conn.execute_batch(
        "DROP TRIGGER audit_record_no_delete; DELETE FROM audit_record WHERE seq > 4;",
    )
    .expect("remove the tail");
    drop(conn);
    let args = [
        "audit",
        "verify",
        "--json",
        "--db",
        db.to_str().expect("utf8"),
        "--key-file",
        key.to_str().expect("utf8"),
        "--checkpoint",
        checkpoints.as_str(),
    ];
    let (code, out, _) = run(&args);
    assert_eq!(code, 1, "{out}");
    let v = json(&out);
    assert_eq!(v["intact"], true, "the chain itself is intact");
    assert_eq!(v["checkpoint"]["result"], "truncated");
    assert!(
        v["checkpoint"]["message"]
            .as_str()
            .expect("message")
            .contains("removed from its end"),
        "{v}"
    );
}

#[test]
fn a_lookup_killed_between_intent_and_outcome_is_reported_as_interrupted() {
    let dir = tempfile::tempdir().expect("tmp");
    let (db, key) = training_log(dir.path());
    let mut child = vmcheck()
        .env("XDG_DATA_HOME", dir.path())
        .args(["lookup", "--sandbox", "--fault", "hang", "9990000026"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    // Wait until the intent is committed (the request is then out, hanging), then kill -9.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let intents: i64 = rusqlite::Connection::open(&db)
            .ok()
            .and_then(|c| {
                c.query_row(
                    "SELECT count(*) FROM audit_record WHERE action = 'lookup'",
                    [],
                    |r| r.get(0),
                )
                .ok()
            })
            .unwrap_or(0);
        if intents == 1 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no intent recorded");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.kill().expect("kill -9");
    child.wait().expect("reaped");
    let (code, out, _) = run(&[
        "audit",
        "verify",
        "--json",
        "--db",
        db.to_str().expect("utf8"),
        "--key-file",
        key.to_str().expect("utf8"),
    ]);
    assert_eq!(code, 0, "an interruption is not tampering: {out}");
    let v = json(&out);
    assert_eq!(v["interrupted"], serde_json::json!([1]));
    let (_, text, _) = run(&[
        "audit",
        "verify",
        "--db",
        db.to_str().expect("utf8"),
        "--key-file",
        key.to_str().expect("utf8"),
    ]);
    assert!(text.contains("Interrupted"), "{text}");
}

#[test]
fn an_audit_log_that_cannot_be_written_refuses_the_lookup_with_exit_6() {
    let dir = tempfile::tempdir().expect("tmp");
    // The data folder is a file: the audit log's folder cannot be created.
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, b"x").expect("file");
    let env = [("XDG_DATA_HOME", blocker.as_path())];
    let (code, out, err) = run_with(&["lookup", "--sandbox", "--json", "9990000026"], &env, "");
    assert_eq!(code, 6, "{out}{err}");
    let v = json(&out);
    assert_eq!(v["error"]["code"], "AUDIT_UNAVAILABLE");
    assert!(v["error"]["message"]
        .as_str()
        .expect("message")
        .starts_with("This check could not be recorded in the audit log, so it was not made: "));
    assert_eq!(v["banner"], serde_json::Value::Null);
    assert_eq!(v["patient"], serde_json::Value::Null, "nothing was traced");
}

#[test]
fn audit_export_writes_the_days_asked_for_and_is_itself_recorded() {
    let dir = tempfile::tempdir().expect("tmp");
    let env = [("XDG_DATA_HOME", dir.path())];
    let (db, _) = training_log(dir.path());
    assert_eq!(
        run_with(&["lookup", "--sandbox", "9990000026"], &env, "").0,
        0
    );
    let today = {
        let (_, out, _) = run_with(&["lookup", "--sandbox", "--json", "9990000018"], &env, "");
        assert!(json(&out)["trace_id"].is_string());
        // The records' own time, as the export writes it.
        let conn = rusqlite::Connection::open(&db).expect("open");
        let t: i64 = conn
            .query_row("SELECT max(time) FROM audit_record", [], |r| r.get(0))
            .expect("time");
        vmcheck_audit::iso8601_utc(t)[..10].to_owned()
    };
    let file = dir.path().join("export.csv");
    let file_arg = file.to_str().expect("utf8");
    let (code, _, err) = run_with(
        &[
            "audit",
            "export",
            "--sandbox",
            "--from",
            &today,
            "--to",
            &today,
            "-o",
            file_arg,
        ],
        &env,
        "",
    );
    assert_eq!(code, 0, "{err}");
    // The four records of the two lookups, and the export's own record, written first.
    assert!(err.contains("5 records exported"), "{err}");
    let csv = std::fs::read_to_string(&file).expect("written");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 6, "the header and five records: {csv}");
    assert!(lines[5].contains(",export,"), "{}", lines[5]);
    assert!(lines[0].starts_with("seq,time,installation_id,user_uuid"));
    assert!(csv.contains(",9990000026,") && csv.contains(",9990000018,"));
    // The export was recorded before it was written, naming how many records it held then.
    let conn = rusqlite::Connection::open(&db).expect("open");
    let (action, detail): (String, String) = conn
        .query_row(
            "SELECT action, detail FROM audit_record ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("last record");
    assert_eq!(action, "export");
    assert!(detail.starts_with("kind=audit_csv;rows=4;to="), "{detail}");
    // A day with nothing: only the header.
    let (code, out, _) = run_with(
        &[
            "audit",
            "export",
            "--sandbox",
            "--from",
            "2001-01-01",
            "--to",
            "2001-01-31",
        ],
        &env,
        "",
    );
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 1, "{out}");
    // A date that is not one: exit 4, nothing written, nothing recorded.
    let before: i64 = conn
        .query_row("SELECT count(*) FROM audit_record", [], |r| r.get(0))
        .expect("count");
    let (code, _, err) = run_with(
        &["audit", "export", "--sandbox", "--from", "21/11/2026"],
        &env,
        "",
    );
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("YYYY-MM-DD"), "{err}");
    let after: i64 = conn
        .query_row("SELECT count(*) FROM audit_record", [], |r| r.get(0))
        .expect("count");
    assert_eq!(after, before);
}

#[test]
fn search_lists_the_matches_best_first_and_is_audited_like_a_lookup() {
    let dir = tempfile::tempdir().expect("tmp");
    let env = [("XDG_DATA_HOME", dir.path())];
    let (db, _) = training_log(dir.path());
    let args = [
        "search",
        "--sandbox",
        "--json",
        "--family",
        "Taylor",
        "--birthdate",
        "1998-02-11",
    ];
    let (code, out, err) = run_with(&args, &env, "");
    assert_eq!(code, 0, "{out}{err}");
    let v = json(&out);
    assert_eq!(v["outcome"], "matches");
    assert_eq!(v["count"], 1);
    assert_eq!(v["matches"][0]["nhs_number"], "9990000018");
    assert_eq!(v["matches"][0]["name"], "TAYLOR, Mary (Miss)");
    assert_eq!(v["training"], true);
    let conn = rusqlite::Connection::open(&db).expect("the training audit log");
    let rows: Vec<(String, Option<String>, Option<String>)> = conn
        .prepare("SELECT action, search_terms, detail FROM audit_record ORDER BY seq")
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0].0, "search");
    assert_eq!(
        rows[0].1.as_deref(),
        Some("family=Taylor;birthdate=1998-02-11")
    );
    assert_eq!(rows[1].0, "outcome");
    assert_eq!(rows[1].2.as_deref(), Some("returned=9990000018"));

    // As text, best first; no match is a clear message, not an error.
    let (code, out, _) = run(&[
        "search",
        "--sandbox",
        "--family",
        "Nobody",
        "--birthdate",
        "1970-01-01",
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("No patients found."), "{out}");
    let (code, out, _) = run(&[
        "search",
        "--sandbox",
        "--family",
        "Taylor",
        "--birthdate",
        "1998-02-11",
        "--gender",
        "female",
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("1 patient found, best match first:"), "{out}");
    assert!(out.contains("999 000 0018  TAYLOR, Mary (Miss)"), "{out}");
}

#[test]
fn search_details_that_cannot_be_searched_by_exit_2_and_send_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let env = [("XDG_DATA_HOME", dir.path())];
    for (args, says) in [
        (
            ["--family", "Taylor", "--birthdate", "11/02/1998"],
            "YYYY-MM-DD",
        ),
        (
            ["--family", " ", "--birthdate", "1998-02-11"],
            "family name",
        ),
    ] {
        let mut all = vec!["search", "--sandbox", "--json"];
        all.extend(args);
        let (code, out, _) = run_with(&all, &env, "");
        assert_eq!(code, 2, "{out}");
        let v = json(&out);
        assert_eq!(v["error"]["code"], "SEARCH_INVALID");
        assert!(
            v["error"]["message"]
                .as_str()
                .expect("message")
                .contains(says),
            "{v}"
        );
    }
    assert!(
        !training_log(dir.path()).0.exists(),
        "nothing was recorded: nothing was asked"
    );
}
