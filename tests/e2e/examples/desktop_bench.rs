//! Desktop figures for `bench/desktop.sh` (printed, never asserted): launch time to an
//! interactive sign-in screen, and memory (PSS) after one lookup.
//!
//! Launch: from the WebDriver new-session request (WebKitWebDriver spawns the app) until
//! `#passcode` is in the DOM, polled over WebDriver every 10 ms. This drives the real binary
//! without changing it (an in-page probe would have to be built into the app); the cost is the
//! polling granularity plus one WebDriver round trip (~2–5 ms). The card is already in the
//! reader, as at a desk where it stays in. The setups take turns: a round launches each once,
//! the app's and the bare window's alike, so that a slow spell of the machine falls on both.
//!
//! Memory: the sum of `Pss:` in `/proc/PID/smaps_rollup` of the app and every process under it
//! (WebKitWebProcess, WebKitNetworkProcess), after signing in and one lookup, both done with the
//! X server's mouse and keyboard as a person does them (`BENCH_INPUT=webdriver`: with
//! WebDriver's element commands instead, whose scripts run in the page).
//!
//! The yardstick: a bare Tauri 2 window (`bench/bare-window`: the same tauri, the same window
//! size, the same WebKitGTK environment, one static page with a `#passcode` field) launched the
//! same way, through tauri-driver and WebKitWebDriver, the same number of times, compositing off
//! and on. Its memory is taken once its field is in the DOM (it has no sign-in or lookup). The
//! ratios printed compare each app setup with the bare window in the same compositing mode.
//!
//! Environment: `VMCHECK_E2E_APP` (the release binary), `BENCH_BARE_WINDOW` (the bare window's
//! release binary; without it no comparison), `BENCH_RUNS` (default 15: a ratio of medians of
//! five launches moved by ±0.2 between runs of the same binaries, of fifteen by about ±0.06),
//! `BENCH_SMAPS_DIR` (a directory to keep each measured process's `/proc/PID/smaps` in, for
//! finding where the memory goes mapping by mapping: `bench/smaps-top.py`), `BENCH_HOLD_SECS`
//! (keep each measured app running that long after its memory is taken, to look into its
//! processes), `BENCH_PAGE_TIMING` (print each launch's page timing: navigation start to
//! response, DOMContentLoaded, load, first paint and the passcode field found), `BENCH_INPUT`
//! (`webdriver`: sign in and look up with WebDriver's element commands).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use vmcheck_e2e_tests::x11::{keysym, X};
use vmcheck_e2e_tests::*;

struct Row {
    label: String,
    /// Compositing on (the bare window to compare with).
    compositing: bool,
    session_ms: Vec<u128>,
    ready_ms: Vec<u128>,
    pss: Vec<(String, u64)>,
    /// Per process: (anonymous, file-backed, shared memory) PSS in kB.
    parts: Vec<(u64, u64, u64)>,
}

/// `Pss_Anon`, `Pss_File` and `Pss_Shmem` of `/proc/PID/smaps_rollup`, in kB.
fn pss_parts(pid: u32) -> (u64, u64, u64) {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("Pss_Anon:"), field("Pss_File:"), field("Pss_Shmem:"))
}

/// Keeps `/proc/PID/smaps` in `BENCH_SMAPS_DIR`, if set, as `LABEL-COMM.smaps`.
fn keep_smaps(label: &str, pid: u32) {
    let Some(dir) = std::env::var_os("BENCH_SMAPS_DIR") else {
        return;
    };
    let dir = PathBuf::from(dir);
    let _ = std::fs::create_dir_all(&dir);
    let name: String = format!("{label}-{}", comm(pid))
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/smaps")) {
        let _ = std::fs::write(dir.join(format!("{name}.smaps")), text);
    }
    if let Some(pages) = resident_pages_of_executable(pid) {
        let _ = std::fs::write(dir.join(format!("{name}.pages")), pages);
    }
}

/// The file offsets (hex, one a line) of the process's own executable's pages that are mapped
/// in it now, from `/proc/PID/maps` and `/proc/PID/pagemap` (bit 63: present), for
/// bench/binary-pages.py to name by section and function.
fn resident_pages_of_executable(pid: u32) -> Option<String> {
    use std::io::{Read, Seek, SeekFrom};
    let exe = std::fs::read_link(format!("/proc/{pid}/exe")).ok()?;
    let exe = exe.to_str()?.to_owned();
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).ok()?;
    let mut pagemap = std::fs::File::open(format!("/proc/{pid}/pagemap")).ok()?;
    let mut out = String::new();
    for line in maps.lines().filter(|l| l.ends_with(exe.as_str())) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (range, offset) = (fields.first()?, fields.get(2)?);
        let (start, end) = range.split_once('-')?;
        let start = u64::from_str_radix(start, 16).ok()?;
        let end = u64::from_str_radix(end, 16).ok()?;
        let offset = u64::from_str_radix(offset, 16).ok()?;
        let pages = ((end - start) / 4096) as usize;
        let mut entries = vec![0u8; pages * 8];
        pagemap.seek(SeekFrom::Start(start / 4096 * 8)).ok()?;
        pagemap.read_exact(&mut entries).ok()?;
        for (i, e) in entries.chunks_exact(8).enumerate() {
            let word = u64::from_le_bytes(e.try_into().ok()?);
            if word >> 63 == 1 {
                out.push_str(&format!("{:x}\n", offset + i as u64 * 4096));
            }
        }
    }
    Some(out)
}

fn median(v: &[u128]) -> u128 {
    let mut s = v.to_vec();
    s.sort_unstable();
    s.get(s.len() / 2).copied().unwrap_or(0)
}

/// What to launch.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The app with a PC/SC card and a configuration file.
    Desk,
    /// The app in training mode.
    Training,
    /// The bare window: no sign-in, no lookup.
    Bare,
}

/// Signs in and looks a patient up as a person at the desk does: a click in the passcode field,
/// the passcode typed and Enter, a click in the NHS number field, the number typed and Enter —
/// real mouse and keyboard input through the X server (XTEST). WebDriver only finds the fields
/// and waits for each screen, as it found the passcode field for the launch (the bare window's
/// page gets the same); its element commands (clear, send keys, click) would run WebDriver's
/// scripts in the page, whose memory would be counted as the app's.
async fn sign_in_and_look_up_by_hand(app: &App) {
    let x = X::connect();
    let pid = app.app_pid.expect("app pid");
    let window = x.wait_window_of_pid(pid, Duration::from_secs(5));
    let (wx, wy, _, _) = x.rect(window);
    let click = |rect: thirtyfour::ElementRect| {
        let at = |origin: i32, start: f64, size: f64| origin + (start + size / 2.0).round() as i32;
        x.click(at(wx, rect.x, rect.width), at(wy, rect.y, rect.height), 1);
    };
    // (The passcode screen redraws when the card's tries left arrive: `rect` finds it again.)
    click(app.rect("#passcode").await);
    x.type_text(PASSCODE);
    x.chord(&[keysym::RETURN]);
    click(app.rect("#nhs-number").await);
    x.type_text("9990000018");
    x.chord(&[keysym::RETURN]);
    app.wait("#banner, #lookup-error").await;
}

fn total_kb(r: &Row) -> u64 {
    r.pss.iter().map(|(_, kb)| kb).sum()
}

/// The page's navigation timing when its passcode field was found, in ms from the navigation's
/// start: the response, DOM interactive, DOMContentLoaded (the deferred script has run), load,
/// first contentful paint, and now (the field found, plus a WebDriver round trip).
const PAGE_TIMING: &str = "const n = performance.getEntriesByType('navigation')[0] || {}; \
    const paint = performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint'); \
    const ms = (t) => (t === undefined ? null : Math.round(t)); \
    return { response: ms(n.responseEnd), interactive: ms(n.domInteractive), \
      content_loaded: ms(n.domContentLoadedEventEnd), load: ms(n.loadEventEnd), \
      first_paint: ms(paint && paint.startTime), now: ms(performance.now()) };";

/// One setup of the bench: what it launches and its figures so far.
struct Measured {
    kind: Kind,
    disable_compositing: bool,
    row: Row,
}

impl Measured {
    fn new(label: &str, kind: Kind, disable_compositing: bool) -> Self {
        Measured {
            kind,
            disable_compositing,
            row: Row {
                label: label.into(),
                compositing: !disable_compositing,
                session_ms: Vec::new(),
                ready_ms: Vec::new(),
                pss: Vec::new(),
                parts: Vec::new(),
            },
        }
    }

    /// Launches the setup once (a fresh app process) and adds its launch time; in the last
    /// round, also signs in, looks up and takes the processes' memory.
    async fn launch(&mut self, run: usize, last: bool, bare: Option<&PathBuf>) {
        let (kind, label) = (self.kind, self.row.label.clone());
        let mut setup = match kind {
            Kind::Desk => Setup::desk("bench"),
            Kind::Training => Setup::training("bench"),
            // Training: the stack starts no pcscd, sandbox or configuration, only tauri-driver.
            Kind::Bare => Setup {
                app: bare.cloned(),
                ..Setup::training("bench-bare")
            },
        };
        setup.disable_compositing = self.disable_compositing;
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
        if std::env::var_os("BENCH_PAGE_TIMING").is_some() {
            // The page's own clock, from its navigation's start: where the launch's time goes
            // once the web process loads the page.
            let timing = app.js(PAGE_TIMING, vec![]).await;
            eprintln!("{label} run {}: page timing {timing}", run + 1);
        }
        let row = &mut self.row;
        row.session_ms.push(app.session_ms);
        row.ready_ms.push(ready);
        eprintln!(
            "{label} run {}: session {} ms, passcode field {} ms",
            run + 1,
            app.session_ms,
            ready
        );
        if last {
            if kind != Kind::Bare {
                if std::env::var("BENCH_INPUT").as_deref() == Ok("webdriver") {
                    app.sign_in().await;
                    app.lookup("9990000018").await;
                } else {
                    sign_in_and_look_up_by_hand(&app).await;
                }
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
            let pid = app.app_pid.expect("app pid");
            for p in std::iter::once(pid).chain(descendants(pid)) {
                if let Some(kb) = pss_kb(p) {
                    row.pss.push((format!("{} ({p})", comm(p)), kb));
                    row.parts.push(pss_parts(p));
                    keep_smaps(&label, p);
                }
            }
            if let Some(secs) = std::env::var("BENCH_HOLD_SECS")
                .ok()
                .and_then(|v| v.parse().ok())
            {
                tokio::time::sleep(Duration::from_secs(secs)).await;
            }
        }
        app.quit().await;
        stack.stop();
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(15);
    let app = app_binary();
    println!("app: {}", app.display());
    let bare = std::env::var_os("BENCH_BARE_WINDOW").map(|p| {
        let p = std::fs::canonicalize(PathBuf::from(&p)).unwrap_or_else(|_| PathBuf::from(p));
        assert!(p.is_file(), "the bare window {} is not built", p.display());
        p
    });
    if let Some(b) = &bare {
        println!("bare window: {}", b.display());
    }
    let mut setups = vec![
        Measured::new("PC/SC card, config file, compositing off", Kind::Desk, true),
        Measured::new(
            "training (no config file), compositing off",
            Kind::Training,
            true,
        ),
        Measured::new("PC/SC card, config file, compositing on", Kind::Desk, false),
    ];
    let app_rows = setups.len();
    if bare.is_some() {
        setups.push(Measured::new(
            "bare window, compositing off",
            Kind::Bare,
            true,
        ));
        setups.push(Measured::new(
            "bare window, compositing on",
            Kind::Bare,
            false,
        ));
    }
    // Round by round, each setup launched once a round: whatever slows the machine for a while
    // (another process, the CPU's clock) falls on the app and on the bare window alike.
    for run in 0..runs {
        for s in &mut setups {
            s.launch(run, run + 1 == runs, bare.as_ref()).await;
        }
    }
    let rows: Vec<Row> = setups.into_iter().map(|s| s.row).collect();
    println!();
    println!("Launch to interactive sign-in (ms; {runs} runs each, each a fresh app process, the setups in turn)");
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
    println!("Memory after sign-in and one lookup (the bare window: once shown) (PSS, MB)");
    for r in &rows {
        let total = total_kb(r);
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
    println!();
    println!("The same, anonymous / file-backed / shared memory (PSS, MB)");
    for r in &rows {
        let parts: Vec<String> = r
            .pss
            .iter()
            .zip(&r.parts)
            .map(|((name, _), (anon, file, shmem))| {
                let mb = |kb: &u64| *kb as f64 / 1024.0;
                let name = name.split(' ').next().unwrap_or(name);
                format!("{name} {:.1}/{:.1}/{:.1}", mb(anon), mb(file), mb(shmem))
            })
            .collect();
        println!("{:<46} {}", r.label, parts.join(", "));
    }
    let bares = &rows[app_rows..];
    if bares.is_empty() {
        return;
    }
    println!();
    println!("Against the bare window in the same compositing mode");
    println!(
        "{:<46} {:>22} {:>24}",
        "setup", "launch app / bare", "PSS app - bare (MB)"
    );
    for r in &rows[..app_rows] {
        let Some(b) = bares.iter().find(|b| b.compositing == r.compositing) else {
            continue;
        };
        let ratio = median(&r.ready_ms) as f64 / median(&b.ready_ms).max(1) as f64;
        let extra = (total_kb(r) as f64 - total_kb(b) as f64) / 1024.0;
        println!("{:<46} {:>22.2} {:>+24.1}", r.label, ratio, extra);
    }
}
