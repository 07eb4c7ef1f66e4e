//! `vmcheck card status` and `vmcheck card watch` as processes, against the real PC/SC stack
//! (pcscd with the vsmartcard vpcd driver and the virtual test card, as in `tests/system`).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;
use vmcheck_system_tests::{default_root, reader_name, Stack};

fn vmcheck() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vmcheck"));
    c.env_remove("VMCHECK_CONFIG")
        .env("NO_COLOR", "1")
        .env("VMCHECK_LOG", "warn");
    c
}

#[test]
fn card_status_lists_the_readers_and_the_card_in_one() {
    let mut stack = Stack::acquire(&default_root()).expect("the PC/SC stack");
    let card = stack
        .insert(&["--reader", "0"])
        .expect("a card in reader 0");
    // pcscd notices within its polling interval.
    std::thread::sleep(Duration::from_millis(900));
    let out = vmcheck()
        .args(["card", "status", "--json"])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let readers = v["readers"].as_array().expect("readers");
    let find = |name: &str| {
        readers
            .iter()
            .find(|r| r["reader"] == name)
            .unwrap_or_else(|| panic!("{name} in {v}"))
            .clone()
    };
    let with_card = find(&card.reader_name());
    assert_eq!(with_card["card_present"], true);
    assert!(
        with_card["atr"]
            .as_str()
            .is_some_and(|a| a.starts_with("3B")),
        "{with_card}"
    );
    assert_eq!(find(&reader_name(1))["card_present"], false);

    let text = vmcheck().args(["card", "status"]).output().expect("runs");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(&format!("{}: card present (ATR 3B", card.reader_name())),
        "{text}"
    );
    assert!(
        text.contains(&format!("{}: empty", reader_name(1))),
        "{text}"
    );
}

#[test]
fn card_status_without_pcscd_says_the_service_is_not_running() {
    let mut stack = Stack::acquire(&default_root()).expect("the PC/SC stack");
    stack.stop_pcscd().expect("pcscd stopped");
    let out = vmcheck()
        .args(["card", "status", "--json"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(3));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(
        v["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("not running")),
        "{v}"
    );
}

#[test]
fn card_watch_prints_each_event_as_a_json_line_until_interrupted() {
    let mut stack = Stack::acquire(&default_root()).expect("the PC/SC stack");
    let mut child = vmcheck()
        .args(["card", "watch"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let (tx, rx) = mpsc::channel::<Value>();
    let stdout = child.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str(&line) {
                let _ = tx.send(v);
            }
        }
    });
    let wait_for = |event: &str, reader: &str| -> Value {
        loop {
            let v = rx
                .recv_timeout(Duration::from_secs(10))
                .unwrap_or_else(|_| panic!("no {event} for {reader}"));
            if v["event"] == event && v["reader"] == reader {
                return v;
            }
        }
    };
    // The readers present when watching starts.
    wait_for("reader_added", &reader_name(0));
    let card = stack.insert(&["--reader", "0"]).expect("insert");
    let inserted = wait_for("card_inserted", &card.reader_name());
    assert!(inserted["atr"].as_str().is_some_and(|a| !a.is_empty()));
    card.remove().expect("remove");
    wait_for("card_removed", &reader_name(0));
    // Ctrl+C ends it cleanly.
    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(interrupted.success());
    let status = child.wait().expect("exits");
    assert_eq!(status.code(), Some(0));
}
