//! Smartcard sign-in timings through the real PC/SC stack (pcscd + vpcd + the virtual test
//! card), with the real PC/SC adapter, its watcher and the engine's session. Run by
//! `bench/card.sh`; prints a table, asserts nothing.
//!
//! Per run: insert a card (`harness.sh insert` returns once pcscd lists it), wait for the
//! session to see it, sign in with the passcode (passcode typing excluded), then pull the card
//! (SIGTERM to its process, which then leaves vpcd as a card leaves the reader; at a different
//! point of pcscd's polling cycle each run) and wait for the session to lock.
//!
//! Usage: `card_bench [RUNS]` (default 20 per profile). Needs root (pcscd).

use std::process::ExitCode;
use std::time::{Duration, Instant};

use vmcheck_engine::session::{LockReason, SessionEvent};
use vmcheck_system_tests::{default_root, role, summary, Fixture, Stack};

/// Generous bounds: pcscd polls vpcd every 400 ms.
const NOTICE: Duration = Duration::from_secs(5);

#[derive(Default)]
struct Samples {
    seen_by_pcscd: Vec<Duration>,
    to_card_present: Vec<Duration>,
    sign_in: Vec<Duration>,
    to_identity: Vec<Duration>,
    connect_to_identity: Vec<Duration>,
    to_locked: Vec<Duration>,
}

fn run(runs: usize) -> Result<(), String> {
    let mut stack = Stack::acquire(&default_root())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    let f = Fixture::new(vec![role("555021936109", "Overseas Visitor Manager")]);
    let mut rows = Vec::new();
    for profile in ["piv", "file"] {
        let mut s = Samples::default();
        for i in 0..runs {
            let card = stack.insert(&["--profile", profile])?;
            let inserted = Instant::now();
            s.seen_by_pcscd
                .push(Duration::from_millis(card.seen_by_pcscd_ms));
            f.wait_state("card_present", NOTICE)?;
            let present = Instant::now();
            let view = runtime
                .block_on(f.session.sign_in("1234".into(), false))
                .map_err(|e| format!("run {i}: sign-in failed: {} ({e})", e.code()))?;
            let done = Instant::now();
            if view.state.as_str() != "ready" {
                return Err(format!("run {i}: signed in but {}", view.state));
            }
            s.to_card_present.push(present - inserted);
            s.sign_in.push(done - present);
            s.to_identity.push(done - inserted);
            s.connect_to_identity
                .push(Duration::from_millis(card.seen_by_pcscd_ms) + (done - inserted));

            // Pull at a different point of pcscd's 400 ms polling cycle each run.
            std::thread::sleep(Duration::from_millis((i as u64 * 53) % 400));
            let mark = f.event_count();
            let pulled = Instant::now();
            card.pull()?;
            let (_, locked) = f
                .wait_event(mark, NOTICE, |e| {
                    matches!(
                        e,
                        SessionEvent::Locked {
                            reason: LockReason::CardRemoved
                        }
                    )
                })
                .ok_or_else(|| format!("run {i}: no lock after the card was pulled"))?;
            s.to_locked.push(locked.saturating_duration_since(pulled));
            drop(card);
            f.wait_state("waiting_for_card", NOTICE)?;
        }
        rows.push((profile, s));
    }

    println!("\nSmartcard through pcscd + vpcd + the virtual card, {runs} runs per profile (ms)\n");
    println!(
        "{:<48} {:>8} {:>8} {:>8} {:>8}",
        "measure", "min", "median", "p90", "max"
    );
    for (profile, s) in &rows {
        let lines: [(&str, &[Duration]); 6] = [
            (
                "card connects -> pcscd lists it (harness)",
                &s.seen_by_pcscd,
            ),
            (
                "insert returned -> session: card_present",
                &s.to_card_present,
            ),
            ("sign_in (tries + VERIFY + cert read + roles)", &s.sign_in),
            ("insert returned -> identity read (total)", &s.to_identity),
            ("card connects -> identity read", &s.connect_to_identity),
            ("card pulled (SIGTERM) -> session locked", &s.to_locked),
        ];
        for (what, samples) in lines {
            if let Some((min, median, p90, max)) = summary(samples) {
                println!(
                    "{:<48} {min:>8.1} {median:>8.1} {p90:>8.1} {max:>8.1}",
                    format!("{profile}: {what}")
                );
            }
        }
    }
    println!(
        "\npcscd polls vpcd every 400 ms, so insert/remove are seen 0-400 ms after the fact; \
         real CCID readers report faster."
    );
    Ok(())
}

fn main() -> ExitCode {
    let runs = match std::env::args().nth(1).map(|a| a.parse::<usize>()) {
        None => 20,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("usage: card_bench [RUNS]");
            return ExitCode::from(2);
        }
    };
    match run(runs) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("card_bench: {e}");
            ExitCode::FAILURE
        }
    }
}
