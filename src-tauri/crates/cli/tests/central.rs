//! `vmcheck audit forward` and `vmcheck audit verify --central` against a real PostgreSQL server
//! (a throw-away one on loopback, TLS with a test CA): a desk's log forwarded once, verified
//! centrally, a desk log restored from an old copy caught by the central store, and a server
//! that cannot be reached reported as such.

use std::path::Path;

use vmcheck_audit::{Action, AuditKey, AuditLog, NewRecord};
use vmcheck_central::testing::Pg;

mod common;
use common::vmcheck;

fn append(log: &Path, key: &[u8], from: i64, to: i64) {
    let log = AuditLog::open(log, AuditKey::from_bytes(key).expect("key")).expect("log");
    for i in from..=to {
        let mut r = NewRecord::new(1_796_342_400 + i, "555021935107", "RRK99", Action::Lookup);
        r.nhs_number = Some("9990000018".into());
        log.append(r).expect("append");
    }
}

/// A desk's configuration in `dir` (its log `NAME.sqlite`, its key file), forwarding to `pg`.
fn desk_config(dir: &Path, name: &str, pg: &Pg, key: &[u8]) -> std::path::PathBuf {
    let key_file = dir.join(format!("{name}.key"));
    std::fs::write(&key_file, key).expect("key");
    let config = dir.join(format!("{name}.toml"));
    std::fs::write(
        &config,
        format!(
            "environment = \"sandbox\"\n[organisation]\nods_code = \"RRK99\"\nname = \"T\"\n\
             client_asid = \"200000000359\"\nissuer = \"https://t.invalid\"\n\
             [identity]\nuser_uuid = \"555021935107\"\nrole_profile_id = \"555021936109\"\n\
             [pds]\nbase_url = \"http://127.0.0.1:1\"\n[sds]\nldap_url = \"ldap://127.0.0.1:1\"\n\
             [audit]\npath = \"{}\"\nkey_file = \"{}\"\n\
             [audit.central]\nhost = \"127.0.0.1\"\nport = {}\nuser = \"vmcheck\"\nca_file = \"{}\"\n",
            dir.join(format!("{name}.sqlite")).display(),
            key_file.display(),
            pg.port(),
            pg.ca_file().display()
        ),
    )
    .expect("config");
    config
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn a_desk_forwards_its_log_once_and_the_central_store_catches_a_log_that_lost_its_tail() {
    let pg = Pg::start(None);
    let home = tempfile::tempdir().expect("tmp");
    let log = home.path().join("desk.sqlite");
    let key = [9u8; 32];
    let config = desk_config(home.path(), "desk", &pg, &key);
    let cfg = config.to_str().expect("utf-8");

    // Five records, a copy of the log as a backup would take it, five more.
    append(&log, &key, 1, 5);
    let backup = home.path().join("desk.sqlite.bak");
    std::fs::copy(&log, &backup).expect("copy");
    append(&log, &key, 6, 10);

    let (code, out, err) = vmcheck(
        home.path(),
        &["audit", "forward", "--config", cfg, "--json"],
    );
    assert_eq!(code, 0, "{out}{err}");
    let v = json(&out);
    assert_eq!(
        (v["forwarded"].as_u64(), v["central_head"].as_i64()),
        (Some(10), Some(10))
    );
    let (code, out, _) = vmcheck(home.path(), &["audit", "forward", "--config", cfg]);
    assert_eq!(code, 0);
    assert!(out.starts_with("0 records forwarded"), "{out}");

    let (code, out, err) = vmcheck(
        home.path(),
        &["audit", "verify", "--central", "--config", cfg, "--json"],
    );
    assert_eq!(code, 0, "{out}{err}");
    let v = json(&out);
    assert_eq!(v["intact"], true);
    assert_eq!(v["installations"][0]["records"], 10);
    assert_eq!(v["installations"][0]["keyed_checked"], true);
    assert_eq!(v["this_desk"]["local_log_truncated"], false);

    // Another desk forwards too; a report from the central store covers both desks.
    let other = desk_config(home.path(), "other", &pg, &[8u8; 32]);
    append(&home.path().join("other.sqlite"), &[8u8; 32], 1, 3);
    let other = other.to_str().expect("utf-8");
    let (code, out, err) = vmcheck(home.path(), &["audit", "forward", "--config", other]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, csv, err) = vmcheck(
        home.path(),
        &[
            "audit",
            "report",
            "--central",
            "--config",
            cfg,
            "--patient",
            "9990000018",
            "--format",
            "csv",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        csv.lines().count(),
        1 + 10 + 3,
        "both desks' lookups: {csv}"
    );
    let (code, table, err) = vmcheck(
        home.path(),
        &["audit", "report", "--central", "--config", cfg],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        table.contains("the central audit store 127.0.0.1:"),
        "{table}"
    );

    // The desk's log replaced by the old copy: the central store still holds records 6–12 (the
    // two reports were recorded as exports, and forwarded as each command ended).
    std::fs::copy(&backup, &log).expect("restore");
    for stale in ["desk.sqlite-wal", "desk.sqlite-shm"] {
        let _ = std::fs::remove_file(home.path().join(stale));
    }
    let (code, out, _) = vmcheck(
        home.path(),
        &["audit", "verify", "--central", "--config", cfg],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "This desk's log ends at record 5, but the central store holds its records up to 12"
        ),
        "{out}"
    );

    // The server away: said so, exit 3; the local log untouched.
    pg.stop();
    let (code, _, err) = vmcheck(
        home.path(),
        &["audit", "verify", "--central", "--config", cfg],
    );
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("cannot be reached"), "{err}");
}
