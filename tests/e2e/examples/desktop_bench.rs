//! Desktop figures for `bench/desktop.sh` (printed, never asserted): launch time to an
//! interactive sign-in screen, and memory (PSS) after one lookup.
//!
//! Launch: from the WebDriver new-session request (WebKitWebDriver spawns the app) until
//! `#passcode` is in the DOM, polled over WebDriver every 10 ms. This drives the real binary
//! without changing it (an in-page probe would have to be built into the app); the cost is the
//! polling granularity plus one WebDriver round trip (~2–5 ms). The card is already in the
//! reader, as at a desk where it stays in.
//!
//! Memory: the sum of `Pss:` in `/proc/PID/smaps_rollup` of the app and every process under it
//! (WebKitWebProcess, WebKitNetworkProcess), after signing in and one lookup.
//!
//! Environment: `VMCHECK_E2E_APP` (the release binary), `BENCH_RUNS` (default 5).

use std::time::{Duration, Instant};

use vmcheck_e2e_tests::*;

struct Row {
    label: String,
    session_ms: Vec<u128>,
    ready_ms: Vec<u128>,
    pss: Vec<(String, u64)>,
}

fn median(v: &[u128]) -> u128 {
    let mut s = v.to_vec();
    s.sort_unstable();
    s.get(s.len() / 2).copied().unwrap_or(0)
}

async fn measure(label: &str, training: bool, disable_compositing: bool, runs: usize) -> Row {
    let mut row = Row {
        label: label.into(),
        session_ms: Vec::new(),
        ready_ms: Vec::new(),
        pss: Vec::new(),
    };
    for run in 0..runs {
        let mut setup = if training {
            Setup::training("bench")
        } else {
            Setup::desk("bench")
        };
        setup.disable_compositing = disable_compositing;
        let mut stack = Stack::start(setup);
        let t0 = Instant::now();
        let app = stack.launch().await;
        loop {
            if app.exists("#passcode").await {
                break;
            }
            assert!(t0.elapsed() < Duration::from_secs(30), "no sign-in screen");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let ready = t0.elapsed().as_millis();
        row.session_ms.push(app.session_ms);
        row.ready_ms.push(ready);
        eprintln!(
            "{label} run {}: session {} ms, passcode field {} ms",
            run + 1,
            app.session_ms,
            ready
        );
        if run + 1 == runs {
            app.sign_in().await;
            app.lookup("9990000018").await;
            tokio::time::sleep(Duration::from_secs(2)).await;
            let pid = app.app_pid.expect("app pid");
            for p in std::iter::once(pid).chain(descendants(pid)) {
                if let Some(kb) = pss_kb(p) {
                    row.pss.push((format!("{} ({p})", comm(p)), kb));
                }
            }
        }
        app.quit().await;
        stack.stop();
    }
    row
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let app = app_binary();
    println!("app: {}", app.display());
    let rows = vec![
        measure(
            "PC/SC card, config file, compositing off",
            false,
            true,
            runs,
        )
        .await,
        measure(
            "training (no config file), compositing off",
            true,
            true,
            runs,
        )
        .await,
        measure(
            "PC/SC card, config file, compositing on",
            false,
            false,
            runs,
        )
        .await,
    ];
    println!();
    println!("Launch to interactive sign-in (ms; {runs} runs each, each a fresh app process)");
    println!(
        "{:<46} {:>14} {:>10} {:>10} {:>10}   all runs",
        "setup", "session (med)", "ready med", "min", "max"
    );
    for r in &rows {
        println!(
            "{:<46} {:>14} {:>10} {:>10} {:>10}   {:?}",
            r.label,
            median(&r.session_ms),
            median(&r.ready_ms),
            r.ready_ms.iter().min().copied().unwrap_or(0),
            r.ready_ms.iter().max().copied().unwrap_or(0),
            r.ready_ms
        );
    }
    println!();
    println!("Memory after sign-in and one lookup (PSS, MB)");
    for r in &rows {
        let total: u64 = r.pss.iter().map(|(_, kb)| kb).sum();
        let parts: Vec<String> = r
            .pss
            .iter()
            .map(|(name, kb)| format!("{name} {:.1}", *kb as f64 / 1024.0))
            .collect();
        println!(
            "{:<46} total {:>6.1}   {}",
            r.label,
            total as f64 / 1024.0,
            parts.join(", ")
        );
    }
}
