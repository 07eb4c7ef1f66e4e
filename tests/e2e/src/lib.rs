//! # vmcheck-e2e-tests
//!
//! End-to-end tests of the V&M Check desktop app: the real binary (`target/debug/vmcheck-desktop`)
//! driven over WebDriver (`thirtyfour` → `tauri-driver` → `WebKitWebDriver`) under Xvfb, signing
//! in with the virtual smartcard (`tests/card/`) through a real pcscd, looking patients up in the
//! sandbox (`vmcheck sandbox`, a child process).
//!
//! Run them with `tests/e2e/run.sh` (it builds what they need and starts Xvfb). They are not part
//! of `cargo test --workspace`: they need a display, and they fail — never skip — when something
//! they need is missing.
//!
//! One [`Stack`] per test: its own pcscd, card, sandbox, configuration, `tauri-driver` and app.
//! Everything it starts is stopped by PID when it is dropped, also when the test panics; a small
//! watcher process (`setsid`) stops them if the test process itself is killed. Every process is
//! recorded in the stack's directory as `NAME.pid` + `NAME.start` (kernel start time), the format
//! of `tests/card/harness.sh`, whose `stop` the watcher runs: a recycled PID is never signalled.
//!
//! Screenshots go to `target/e2e-screenshots/<test>-<state>.png`, axe-core reports to
//! `target/e2e-axe/<test>-<state>.json`.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
pub use thirtyfour;
use thirtyfour::prelude::*;

pub mod x11;

/// How long a WebDriver session may take to start (the app launching under Xvfb).
pub const SESSION_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a screen may take to appear.
pub const WAIT: Duration = Duration::from_secs(15);
/// The training organisation of the sandbox.
pub const ODS_CODE: &str = "RRK99";
/// The card's passcode in every test (the training card's too).
pub const PASSCODE: &str = "1234";
/// Sandbox user with one role at RRK99.
pub const USER_ONE_ROLE: &str = "555021935107";
/// Sandbox user with two roles at RRK99.
pub const USER_TWO_ROLES: &str = "555021937101";
/// Sandbox user with no role at RRK99.
pub const USER_NO_ROLE: &str = "555021940102";

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The cargo target directory (`CARGO_TARGET_DIR` or `target/`).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| {
            if p.is_absolute() {
                p
            } else {
                workspace().join(p)
            }
        })
        .unwrap_or_else(|| workspace().join("target"))
}

fn canonical(path: PathBuf) -> PathBuf {
    std::fs::canonicalize(&path).unwrap_or(path)
}

/// The desktop app under test: `$VMCHECK_E2E_APP`, else `target/debug/vmcheck-desktop`.
pub fn app_binary() -> PathBuf {
    let path = std::env::var_os("VMCHECK_E2E_APP")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("debug/vmcheck-desktop"));
    let path = canonical(path);
    assert!(
        path.is_file(),
        "the desktop app {} is not built: run tests/e2e/run.sh (or `cargo build -p vmcheck-desktop`)",
        path.display()
    );
    path
}

/// The CLI (for `vmcheck sandbox`): `$VMCHECK_E2E_CLI`, else `target/debug/vmcheck`.
pub fn cli_binary() -> PathBuf {
    let path = std::env::var_os("VMCHECK_E2E_CLI")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("debug/vmcheck"));
    let path = canonical(path);
    assert!(
        path.is_file(),
        "the CLI {} is not built: run tests/e2e/run.sh (or `cargo build -p vmcheck-cli`)",
        path.display()
    );
    path
}

/// The virtual card harness.
pub fn harness() -> PathBuf {
    canonical(workspace().join("tests/card/harness.sh"))
}

/// Where screenshots go.
pub fn screenshot_dir() -> PathBuf {
    target_dir().join("e2e-screenshots")
}

/// Where axe-core reports go.
pub fn axe_dir() -> PathBuf {
    target_dir().join("e2e-axe")
}

/// Fails unless there is an X display (the tests run under `xvfb-run`, see `run.sh`).
pub fn require_display() {
    let display = std::env::var("DISPLAY").unwrap_or_default();
    assert!(
        !display.is_empty(),
        "no X display: run the end-to-end tests with tests/e2e/run.sh (it uses xvfb-run)"
    );
}

/// Finds a program on `PATH` (or `~/.cargo/bin` for tauri-driver); fails with `hint`.
pub fn require_program(name: &str, hint: &str) -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cargo/bin"));
    }
    dirs.push("/usr/sbin".into());
    dirs.iter()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("`{name}` is not installed: {hint}"))
}

// ---- processes ------------------------------------------------------------------------------

/// Field 22 of `/proc/PID/stat`: the start time in clock ticks since boot; `None` when the
/// process is gone or a zombie.
pub fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    if fields.first() == Some(&"Z") {
        return None;
    }
    fields.get(19)?.parse().ok()
}

fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// A process's short name (`comm`).
pub fn comm(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

/// Every live descendant of `root`, parents before children.
pub fn descendants(root: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Some(ppid) = parent_of(pid) {
            children.entry(ppid).or_default().push(pid);
        }
    }
    let mut out = Vec::new();
    let mut queue = vec![root];
    let mut seen = HashSet::new();
    while let Some(p) = queue.pop() {
        for &c in children.get(&p).map(Vec::as_slice).unwrap_or(&[]) {
            if seen.insert(c) {
                out.push(c);
                queue.push(c);
            }
        }
    }
    out
}

/// A process known by PID and start time, so that a recycled PID is never signalled.
#[derive(Debug, Clone)]
pub struct Pid {
    /// The PID.
    pub pid: u32,
    start: Option<u64>,
}

impl Pid {
    /// Records a live process.
    pub fn of(pid: u32) -> Self {
        Self {
            pid,
            start: start_time(pid),
        }
    }

    /// Whether that very process is still running (not a zombie).
    pub fn alive(&self) -> bool {
        self.start.is_some() && start_time(self.pid) == self.start
    }

    /// Sends a signal (`TERM`, `KILL`…) if that very process still runs.
    pub fn signal(&self, sig: &str) {
        if self.alive() {
            let _ = Command::new("kill")
                .arg(format!("-{sig}"))
                .arg(self.pid.to_string())
                .stderr(Stdio::null())
                .status();
        }
    }

    /// SIGTERM, wait up to `grace`, then SIGKILL.
    pub fn terminate(&self, grace: Duration) {
        if !self.alive() {
            return;
        }
        self.signal("TERM");
        let deadline = Instant::now() + grace;
        while self.alive() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        if self.alive() {
            eprintln!(
                "e2e: {} (pid {}) ignored SIGTERM: SIGKILL",
                comm(self.pid),
                self.pid
            );
            self.signal("KILL");
        }
    }

    /// Writes `DIR/NAME.pid` and `DIR/NAME.start` (the harness's record format).
    fn record(&self, dir: &Path, name: &str) {
        let _ = std::fs::write(dir.join(format!("{name}.pid")), format!("{}\n", self.pid));
        if let Some(s) = self.start {
            let _ = std::fs::write(dir.join(format!("{name}.start")), format!("{s}\n"));
        }
    }
}

fn forget(dir: &Path, name: &str) {
    let _ = std::fs::remove_file(dir.join(format!("{name}.pid")));
    let _ = std::fs::remove_file(dir.join(format!("{name}.start")));
    let _ = std::fs::remove_file(dir.join(format!("{name}.reader")));
}

/// Stops a child we spawned: SIGTERM, `grace`, SIGKILL, then reaps it.
fn stop_child(child: &mut Child, grace: Duration) {
    if matches!(child.try_wait(), Ok(Some(_))) {
        return;
    }
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .stderr(Stdio::null())
        .status();
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    eprintln!("e2e: pid {} ignored SIGTERM: SIGKILL", child.id());
    let _ = child.kill();
    let _ = child.wait();
}

fn free_port_pair() -> u16 {
    for _ in 0..50 {
        let Ok(a) = TcpListener::bind(("127.0.0.1", 0)) else {
            continue;
        };
        let Ok(port) = a.local_addr().map(|a| a.port()) else {
            continue;
        };
        if port < u16::MAX && TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return port;
        }
    }
    panic!("no two consecutive free loopback ports")
}

fn tail(path: &Path, max: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let start = text.len().saturating_sub(max);
    let start = (start..text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len());
    text[start..].to_owned()
}

// ---- what a test asks for -------------------------------------------------------------------

/// Desk or kiosk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A normal window with settings.
    Desk,
    /// Fullscreen, no way out, results clear themselves.
    Kiosk,
}

/// The virtual card to insert before the app starts.
#[derive(Debug, Clone)]
pub struct CardSpec {
    /// The UUID in the certificate.
    pub uuid: String,
    /// Tries left at start.
    pub tries: Option<u8>,
    /// `piv` or `file`.
    pub profile: &'static str,
}

impl CardSpec {
    /// A PIV card for this user, passcode [`PASSCODE`], three tries.
    pub fn user(uuid: &str) -> Self {
        Self {
            uuid: uuid.into(),
            tries: None,
            profile: "piv",
        }
    }

    /// Starts with `n` tries left.
    pub fn tries(mut self, n: u8) -> Self {
        self.tries = Some(n);
        self
    }
}

/// How a test's app is set up.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The test's name: screenshots are `<test>-<state>.png`.
    pub test: String,
    /// Training mode: no configuration file, no pcscd, the built-in training card.
    pub training: bool,
    /// Desk or kiosk.
    pub mode: Mode,
    /// `[session] result_clear_secs`.
    pub result_clear_secs: Option<u64>,
    /// The card in reader 0 when the app starts (none: the app waits for a card).
    pub card: Option<CardSpec>,
    /// `vmcheck sandbox --fault` (e.g. `latency:1500ms`).
    pub fault: Option<String>,
    /// The app under test (default [`app_binary`]).
    pub app: Option<PathBuf>,
    /// Run the app with `WEBKIT_DISABLE_COMPOSITING_MODE=1` (less memory; the benchmark's
    /// setting). Off in the tests: WebKitWebDriver's screenshots hang with it.
    pub disable_compositing: bool,
}

impl Setup {
    /// A desk installation on the sandbox with PC/SC and the one-role user's card.
    pub fn desk(test: &str) -> Self {
        Self {
            test: test.into(),
            training: false,
            mode: Mode::Desk,
            result_clear_secs: None,
            card: Some(CardSpec::user(USER_ONE_ROLE)),
            fault: None,
            app: None,
            disable_compositing: false,
        }
    }

    /// A kiosk installation.
    pub fn kiosk(test: &str) -> Self {
        Self {
            mode: Mode::Kiosk,
            ..Self::desk(test)
        }
    }

    /// Training mode: no configuration file at all.
    pub fn training(test: &str) -> Self {
        Self {
            training: true,
            card: None,
            ..Self::desk(test)
        }
    }

    /// With this card inserted (or none).
    pub fn card(mut self, card: Option<CardSpec>) -> Self {
        self.card = card;
        self
    }

    /// With a sandbox fault.
    pub fn fault(mut self, fault: &str) -> Self {
        self.fault = Some(fault.into());
        self
    }

    /// With `result_clear_secs`.
    pub fn result_clear_secs(mut self, secs: u64) -> Self {
        self.result_clear_secs = Some(secs);
        self
    }
}

// ---- the stack ------------------------------------------------------------------------------

/// The sandbox's addresses (`vmcheck sandbox`'s JSON line).
#[derive(Debug, Clone)]
pub struct SandboxUrls {
    /// PDS FHIR R4 base.
    pub pds_base: String,
    /// SDS LDAP URL.
    pub ldap_url: String,
    /// V&M FHIR base.
    pub vandm_base: String,
}

/// Everything one test runs: pcscd + card, sandbox, tauri-driver (→ WebKitWebDriver → app).
/// Dropping it stops them all, by PID, in reverse order.
pub struct Stack {
    /// The test's name.
    pub test: String,
    dir: Option<tempfile::TempDir>,
    path: PathBuf,
    pcscd: bool,
    cards: Vec<String>,
    sandbox: Option<Child>,
    /// The sandbox's addresses (none in training mode).
    pub urls: Option<SandboxUrls>,
    driver_proc: Option<Child>,
    driver_port: u16,
    watcher: Option<Child>,
    session_procs: Vec<(String, Pid)>,
    setup: Setup,
    started: Instant,
}

/// How long to wait for another test's pcscd to go away (`VMCHECK_E2E_PCSCD_WAIT`, seconds).
fn pcscd_wait() -> Duration {
    Duration::from_secs(
        std::env::var("VMCHECK_E2E_PCSCD_WAIT")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(180),
    )
}

impl Stack {
    /// Starts pcscd and the card (unless training), the sandbox (unless training) and
    /// tauri-driver, with a configuration file for `setup`. The app itself starts with
    /// [`Stack::launch`].
    pub fn start(setup: Setup) -> Self {
        require_display();
        let root = std::env::temp_dir().join("vmcheck-e2e");
        std::fs::create_dir_all(&root).expect("create the e2e temp root");
        let dir = tempfile::Builder::new()
            .prefix(&format!("{}-{}-", setup.test, std::process::id()))
            .tempdir_in(&root)
            .expect("create the test's directory");
        let path = dir.path().to_path_buf();
        for sub in ["home", "config", "data", "state", "cache", "runtime"] {
            std::fs::create_dir_all(path.join(sub)).expect("create a test directory");
        }
        let _ = Command::new("chmod")
            .arg("700")
            .arg(path.join("runtime"))
            .status();
        let mut stack = Stack {
            test: setup.test.clone(),
            dir: Some(dir),
            path,
            pcscd: false,
            cards: Vec::new(),
            sandbox: None,
            urls: None,
            driver_proc: None,
            driver_port: 0,
            watcher: None,
            session_procs: Vec::new(),
            setup: setup.clone(),
            started: Instant::now(),
        };
        stack.start_watcher();
        if !setup.training {
            stack.start_pcscd();
            if let Some(card) = &setup.card {
                stack.insert_card("card", card);
            }
            stack.start_sandbox();
            stack.write_config();
        }
        stack.start_driver();
        stack
    }

    /// The test's temporary directory (logs, pid files, configuration).
    pub fn dir(&self) -> &Path {
        &self.path
    }

    /// A watcher, in its own session, that runs `harness.sh stop DIR` (every recorded process:
    /// app, cards, sandbox, drivers, then pcscd) as soon as this test process ends, however it
    /// ends. On a normal end the stack stops everything itself and then stops the watcher.
    fn start_watcher(&mut self) {
        let script = format!(
            "while kill -0 {me} 2>/dev/null; do sleep 1; done; exec {harness} stop {dir} >/dev/null 2>&1",
            me = std::process::id(),
            harness = sh_quote(&harness().to_string_lossy()),
            dir = sh_quote(&self.path.to_string_lossy()),
        );
        let child = Command::new("setsid")
            .arg("bash")
            .arg("-c")
            .arg(script)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the watcher (setsid, bash)");
        let _ = std::fs::write(self.path.join("watcher.txt"), child.id().to_string());
        self.watcher = Some(child);
    }

    fn harness(&self, args: &[&str]) -> std::process::Output {
        Command::new(harness())
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", harness().display()))
    }

    fn start_pcscd(&mut self) {
        let dir = self.path.to_string_lossy().into_owned();
        let deadline = Instant::now() + pcscd_wait();
        let mut told = false;
        loop {
            let out = self.harness(&["start-pcscd", &dir]);
            match out.status.code() {
                Some(0) => break,
                Some(3) if Instant::now() < deadline => {
                    if !told {
                        eprintln!(
                            "e2e: another pcscd is running (not ours): waiting up to {} s for it to stop",
                            pcscd_wait().as_secs()
                        );
                        told = true;
                    }
                    std::thread::sleep(Duration::from_millis(500));
                }
                _ => panic!(
                    "harness.sh start-pcscd failed ({}): {}{}\n(a pcscd not started by these tests \
                     is left alone: stop it, e.g. `systemctl stop pcscd.socket pcscd`; packages: \
                     tests/card/harness.sh install)",
                    out.status,
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                ),
            }
        }
        self.pcscd = true;
    }

    /// Inserts a virtual card into reader 0 (waits until pcscd sees it).
    pub fn insert_card(&mut self, name: &str, card: &CardSpec) {
        let dir = self.path.to_string_lossy().into_owned();
        let mut args = vec![
            "insert".to_owned(),
            dir,
            name.to_owned(),
            "--profile".into(),
            card.profile.into(),
            "--uuid".into(),
            card.uuid.clone(),
            "--pin".into(),
            PASSCODE.into(),
            "--reader".into(),
            "0".into(),
        ];
        if let Some(t) = card.tries {
            args.push("--tries".into());
            args.push(t.to_string());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = self.harness(&args);
        assert!(
            out.status.success(),
            "harness.sh insert failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        self.cards.push(name.to_owned());
    }

    /// Removes a card (waits until pcscd reports the reader empty).
    pub fn remove_card(&mut self, name: &str) {
        let dir = self.path.to_string_lossy().into_owned();
        let out = self.harness(&["remove", &dir, name]);
        assert!(
            out.status.success(),
            "harness.sh remove failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        self.cards.retain(|c| c != name);
    }

    fn start_sandbox(&mut self) {
        let log = std::fs::File::create(self.path.join("sandbox.log")).expect("sandbox log");
        let mut cmd = Command::new(cli_binary());
        cmd.arg("sandbox");
        if let Some(f) = &self.setup.fault {
            cmd.arg("--fault").arg(f);
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("start `vmcheck sandbox`");
        Pid::of(child.id()).record(&self.path, "sandbox");
        let stdout = child.stdout.take().expect("sandbox stdout");
        self.sandbox = Some(child);
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = tx.send(line);
            // Keep draining so the sandbox never blocks on a full pipe.
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        });
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| {
                panic!(
                    "`vmcheck sandbox` printed no address line in 20 s: {}",
                    tail(&self.path.join("sandbox.log"), 2000)
                )
            });
        let v: Value = serde_json::from_str(line.trim()).unwrap_or_else(|e| {
            panic!(
                "`vmcheck sandbox` printed {line:?} ({e}): {}",
                tail(&self.path.join("sandbox.log"), 2000)
            )
        });
        let field = |k: &str| {
            v[k].as_str()
                .unwrap_or_else(|| panic!("no {k} in the sandbox's line {line}"))
                .to_owned()
        };
        self.urls = Some(SandboxUrls {
            pds_base: field("pds_base"),
            ldap_url: field("ldap_url"),
            vandm_base: field("vandm_base"),
        });
    }

    fn config_path(&self) -> PathBuf {
        self.path.join("config.toml")
    }

    fn write_config(&self) {
        let urls = self.urls.as_ref().expect("sandbox started");
        let mode = match self.setup.mode {
            Mode::Desk => "desk",
            Mode::Kiosk => "kiosk",
        };
        let mut text = format!(
            "# Written by the V&M Check end-to-end tests.\n\
             environment = \"sandbox\"\n\n\
             [organisation]\n\
             ods_code = \"{ODS_CODE}\"\n\
             name = \"V&M Check Training Hospital\"\n\
             client_asid = \"200000000359\"\n\
             issuer = \"https://vmcheck.training.invalid\"\n\n\
             [pds]\nbase_url = {pds}\n\n\
             [sds]\nldap_url = {ldap}\n\n\
             [session]\ncard = \"pcsc\"\nmode = \"{mode}\"\n",
            pds = toml_str(&urls.pds_base),
            ldap = toml_str(&urls.ldap_url),
        );
        if let Some(secs) = self.setup.result_clear_secs {
            text.push_str(&format!("result_clear_secs = {secs}\n"));
        }
        text.push_str(&format!(
            "\n[audit]\npath = {}\n",
            toml_str(&self.path.join("data/audit.sqlite").to_string_lossy())
        ));
        std::fs::write(self.config_path(), text).expect("write config.toml");
    }

    fn start_driver(&mut self) {
        let tauri_driver = require_program(
            "tauri-driver",
            "run `cargo install tauri-driver --locked --version '^2'` (scripts/setup.sh does)",
        );
        require_program(
            "WebKitWebDriver",
            "install the Debian package webkit2gtk-driver (scripts/setup.sh does)",
        );
        let port = free_port_pair();
        let log = std::fs::File::create(self.path.join("tauri-driver.log")).expect("driver log");
        let log2 = log.try_clone().expect("driver log");
        let mut cmd = Command::new(tauri_driver);
        cmd.arg("--port")
            .arg(port.to_string())
            .arg("--native-port")
            .arg((port + 1).to_string())
            .env("HOME", self.path.join("home"))
            .env("XDG_CONFIG_HOME", self.path.join("config"))
            .env("XDG_DATA_HOME", self.path.join("data"))
            .env("XDG_CACHE_HOME", self.path.join("cache"))
            .env("XDG_RUNTIME_DIR", self.path.join("runtime"))
            .env("XDG_STATE_HOME", self.path.join("state"))
            .env("NO_AT_BRIDGE", "1")
            .env_remove("WEBKIT_DISABLE_COMPOSITING_MODE")
            .env_remove("VMCHECK_CONFIG")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2);
        if !self.setup.training {
            cmd.env("VMCHECK_CONFIG", self.config_path());
        }
        if self.setup.disable_compositing {
            cmd.env("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
        }
        let mut child = cmd.spawn().expect("start tauri-driver");
        Pid::of(child.id()).record(&self.path, "tauri-driver");
        let deadline = Instant::now() + Duration::from_secs(15);
        // tauri-driver listens at once; WebKitWebDriver (the native port) a moment later, and a
        // session asked for before that fails with "connection refused".
        loop {
            if TcpStream::connect(("127.0.0.1", port)).is_ok()
                && TcpStream::connect(("127.0.0.1", port + 1)).is_ok()
            {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "tauri-driver exited ({status}): {}",
                    tail(&self.path.join("tauri-driver.log"), 3000)
                );
            }
            assert!(
                Instant::now() < deadline,
                "tauri-driver and WebKitWebDriver did not listen on ports {port} and {} in 15 s",
                port + 1
            );
            std::thread::sleep(Duration::from_millis(25));
        }
        self.driver_proc = Some(child);
        self.driver_port = port;
    }

    /// The tauri-driver log (it carries WebKitWebDriver's and the app's stderr too).
    pub fn driver_log(&self) -> String {
        tail(&self.path.join("tauri-driver.log"), 6000)
    }

    /// Starts the app: a WebDriver session (bounded by [`SESSION_TIMEOUT`]).
    pub async fn launch(&mut self) -> App {
        let app = self.setup.app.clone().unwrap_or_else(app_binary);
        let started = Instant::now();
        let driver = new_session(self.driver_port, &app)
            .await
            .unwrap_or_else(|e| panic!("{e}\n--- tauri-driver log ---\n{}", self.driver_log()));
        let session_ms = started.elapsed().as_millis();
        // Record WebKitWebDriver, the app and its WebKit processes, so that even a killed test
        // process leaves none of them behind (the watcher stops everything recorded).
        if let Some(d) = &self.driver_proc {
            for pid in descendants(d.id()) {
                let name = comm(pid);
                let key = format!("proc-{}-{pid}", name.replace(['/', ' '], "_"));
                let p = Pid::of(pid);
                p.record(&self.path, &key);
                self.session_procs.push((key, p));
            }
        }
        let app_pid = self
            .session_procs
            .iter()
            .find(|(_, p)| {
                std::fs::read_link(format!("/proc/{}/exe", p.pid)).is_ok_and(|exe| exe == app)
            })
            .map(|(_, p)| p.pid);
        App {
            driver: Some(driver),
            test: self.test.clone(),
            app_pid,
            session_ms,
        }
    }

    /// Stops everything (also done on drop).
    pub fn stop(&mut self) {
        // The app and WebKitWebDriver go with tauri-driver (SIGTERM); anything that lingers is
        // stopped by PID.
        if let Some(mut d) = self.driver_proc.take() {
            stop_child(&mut d, Duration::from_secs(5));
            forget(&self.path, "tauri-driver");
        }
        for (key, p) in self.session_procs.drain(..).rev() {
            p.terminate(Duration::from_secs(3));
            forget(&self.path, &key);
        }
        if let Some(mut s) = self.sandbox.take() {
            stop_child(&mut s, Duration::from_secs(5));
            forget(&self.path, "sandbox");
        }
        if self.pcscd || !self.cards.is_empty() {
            let dir = self.path.to_string_lossy().into_owned();
            let out = self.harness(&["stop", &dir]);
            if !out.status.success() {
                eprintln!(
                    "e2e: harness.sh stop: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            self.pcscd = false;
            self.cards.clear();
        }
        if let Some(mut w) = self.watcher.take() {
            let _ = w.kill();
            let _ = w.wait();
        }
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.stop();
        eprintln!(
            "e2e: {} took {} ms (stack up to stack down)",
            self.test,
            self.started.elapsed().as_millis()
        );
        if std::thread::panicking() {
            if let Some(dir) = self.dir.take() {
                let kept = dir.keep();
                eprintln!(
                    "e2e: {} failed: logs kept in {} (tauri-driver.log has the app's output)",
                    self.test,
                    kept.display()
                );
            }
        }
    }
}

fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

fn toml_str(s: &str) -> String {
    serde_json::to_string(s).expect("a string")
}

async fn new_session(port: u16, app: &Path) -> Result<WebDriver, String> {
    let mut caps = thirtyfour::Capabilities::new();
    caps.set(
        "tauri:options",
        json!({ "application": app.to_string_lossy() }),
    )
    .map_err(|e| e.to_string())?;
    caps.set("browserName", "wry").map_err(|e| e.to_string())?;
    let url = format!("http://127.0.0.1:{port}");
    let builder = WebDriver::builder(url, caps).request_timeout(Duration::from_secs(60));
    match tokio::time::timeout(SESSION_TIMEOUT, builder).await {
        Ok(Ok(driver)) => Ok(driver),
        Ok(Err(e)) => Err(format!("the WebDriver session could not start: {e}")),
        Err(_) => Err(format!(
            "the WebDriver session did not start in {} s (does the app start under this display? \
             without one GTK panics and WebKitWebDriver never answers)",
            SESSION_TIMEOUT.as_secs()
        )),
    }
}

// ---- the app --------------------------------------------------------------------------------

/// The running app, driven over WebDriver.
pub struct App {
    driver: Option<WebDriver>,
    /// The test's name.
    pub test: String,
    /// The app's PID (found under tauri-driver → WebKitWebDriver).
    pub app_pid: Option<u32>,
    /// How long the session took to start (app launch), ms.
    pub session_ms: u128,
}

/// The outcome of one axe-core run.
#[derive(Debug, Clone)]
pub struct AxeSummary {
    /// Violations by impact.
    pub counts: Vec<(String, usize)>,
    /// Every violation: (impact, rule id, targets).
    pub violations: Vec<(String, String, Vec<String>)>,
    /// Rules that passed.
    pub passes: usize,
}

impl App {
    /// The WebDriver session.
    pub fn driver(&self) -> &WebDriver {
        self.driver.as_ref().expect("session open")
    }

    /// Ends the session (the app closes).
    pub async fn quit(mut self) {
        if let Some(d) = self.driver.take() {
            let _ = tokio::time::timeout(Duration::from_secs(15), d.quit()).await;
        }
    }

    /// Waits for an element (CSS selector) to be present.
    pub async fn wait(&self, css: &str) -> WebElement {
        self.wait_for(css, WAIT).await
    }

    /// Waits up to `timeout` for an element to be present.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> WebElement {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(mut found) = self.driver().find_all(By::Css(css)).await {
                if !found.is_empty() {
                    return found.swap_remove(0);
                }
            }
            if Instant::now() > deadline {
                let shot = self.try_shot("timeout").await;
                let body = self.body_text().await;
                panic!(
                    "`{css}` did not appear in {} s. Screenshot: {shot:?}. Page text:\n{body}",
                    timeout.as_secs(),
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits for an element to be gone.
    pub async fn wait_gone(&self, css: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while self.exists(css).await {
            if Instant::now() > deadline {
                let shot = self.try_shot("timeout").await;
                panic!(
                    "`{css}` was still there after {} s. Screenshot: {shot:?}",
                    timeout.as_secs(),
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Whether an element is present now.
    pub async fn exists(&self, css: &str) -> bool {
        self.driver()
            .find_all(By::Css(css))
            .await
            .map(|v| !v.is_empty())
            .unwrap_or(false)
    }

    /// The visible text of an element.
    pub async fn text(&self, css: &str) -> String {
        self.wait(css).await.text().await.unwrap_or_default()
    }

    /// The `class` attribute of an element.
    pub async fn class(&self, css: &str) -> String {
        self.wait(css)
            .await
            .attr("class")
            .await
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// Runs a script (synchronous WebDriver execute) and returns its JSON value.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.driver()
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
            .json()
            .clone()
    }

    /// The body's text.
    pub async fn body_text(&self) -> String {
        match self.driver().find(By::Tag("body")).await {
            Ok(b) => b.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// The whole DOM as HTML (`document.documentElement.outerHTML`).
    pub async fn dom(&self) -> String {
        self.js("return document.documentElement.outerHTML;", vec![])
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Clears a field and types into it.
    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self.wait(css).await;
        el.clear().await.expect("clear the field");
        el.send_keys(text).await.expect("type");
    }

    /// Clicks an element.
    pub async fn click(&self, css: &str) {
        self.wait(css).await.click().await.expect("click");
    }

    /// Saves a screenshot of the page as `target/e2e-screenshots/<test>-<state>.png`; fails the
    /// test when it cannot.
    pub async fn shot(&self, state: &str) -> PathBuf {
        self.try_shot(state)
            .await
            .unwrap_or_else(|e| panic!("screenshot {state}: {e}"))
    }

    /// Saves a screenshot; an error is returned, not raised.
    pub async fn try_shot(&self, state: &str) -> Result<PathBuf, String> {
        let dir = screenshot_dir();
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join(format!("{}-{state}.png", self.test));
        // WebKitWebDriver returns the last frame painted, which under Xvfb can be seconds (or
        // screens) old: let the page render two frames first.
        let settled = tokio::time::timeout(
            Duration::from_secs(10),
            self.driver().execute_async(
                "const done = arguments[arguments.length - 1];
                 requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                vec![],
            ),
        )
        .await;
        if !matches!(settled, Ok(Ok(_))) {
            return Err("the page rendered no frame in 10 s".into());
        }
        // WebKitWebDriver's screenshots hang for good (every later one too) when the app runs
        // with WEBKIT_DISABLE_COMPOSITING_MODE=1, so the stack leaves compositing on; a
        // screenshot that does not come in 20 s is an error rather than a stall.
        match tokio::time::timeout(Duration::from_secs(20), self.driver().screenshot_as_png()).await
        {
            Ok(Ok(png)) => {
                std::fs::write(&path, png).map_err(|e| format!("{}: {e}", path.display()))?;
                Ok(path)
            }
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("no answer from WebKitWebDriver in 20 s".into()),
        }
    }

    /// Signs in: waits for the passcode field, types `passcode`, submits.
    pub async fn enter_passcode(&self, passcode: &str) {
        self.type_into("#passcode", passcode).await;
        self.click("#sign-in-submit").await;
    }

    /// Signs in with [`PASSCODE`] and waits for the lookup screen.
    pub async fn sign_in(&self) {
        self.wait("#passcode").await;
        self.enter_passcode(PASSCODE).await;
        self.wait("#nhs-number").await;
    }

    /// Looks a number up and waits for the outcome (a banner or an error box).
    pub async fn lookup(&self, nhs: &str) {
        self.start_lookup(nhs).await;
        self.wait("#banner, #lookup-error").await;
    }

    /// Types a number and submits, without waiting for the outcome.
    pub async fn start_lookup(&self, nhs: &str) {
        self.type_into("#nhs-number", nhs).await;
        self.click("#lookup-submit").await;
    }

    /// Runs axe-core (`tests/e2e/node_modules/axe-core/axe.min.js`, injected over WebDriver) on
    /// the page, saves the report to `target/e2e-axe/<test>-<state>.json`, and fails on any
    /// serious or critical violation, naming rule ids and targets.
    pub async fn axe(&self, state: &str) -> AxeSummary {
        let started = Instant::now();
        let loaded = self
            .js("return typeof window.axe === 'object';", vec![])
            .await;
        if loaded != Value::Bool(true) {
            let path = canonical(workspace().join("tests/e2e/node_modules/axe-core/axe.min.js"));
            let source = std::fs::read_to_string(&path).unwrap_or_else(|e| {
                panic!(
                    "axe-core is not installed ({}: {e}): run `npm ci` in tests/e2e (run.sh does)",
                    path.display()
                )
            });
            self.js(&source, vec![]).await;
            let ok = self
                .js("return typeof window.axe === 'object';", vec![])
                .await;
            assert_eq!(
                ok,
                Value::Bool(true),
                "axe-core did not load in the page (CSP?)"
            );
        }
        self.driver()
            .set_script_timeout(Duration::from_secs(60))
            .await
            .expect("script timeout");
        let result = self
            .driver()
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                   window.axe.run(document, { resultTypes: ["violations"] })
                     .then((r) => done({ ok: true, violations: r.violations.map((v) => ({
                         id: v.id, impact: v.impact, help: v.help,
                         targets: v.nodes.map((n) => n.target.join(" ")) })),
                       passes: r.passes.length, incomplete: r.incomplete.length }))
                     .catch((e) => done({ ok: false, error: String(e && e.stack || e) }));"#,
                vec![],
            )
            .await
            .expect("run axe")
            .json()
            .clone();
        assert_eq!(
            result["ok"],
            Value::Bool(true),
            "axe.run failed: {}",
            result["error"]
        );
        let _ = std::fs::create_dir_all(axe_dir());
        let _ = std::fs::write(
            axe_dir().join(format!("{}-{state}.json", self.test)),
            serde_json::to_string_pretty(&result).unwrap_or_default(),
        );
        let mut violations = Vec::new();
        let mut counts: HashMap<String, usize> = HashMap::new();
        for v in result["violations"].as_array().into_iter().flatten() {
            let impact = v["impact"].as_str().unwrap_or("unknown").to_owned();
            *counts.entry(impact.clone()).or_default() += 1;
            let targets = v["targets"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect();
            violations.push((impact, v["id"].as_str().unwrap_or("?").to_owned(), targets));
        }
        let mut counts: Vec<(String, usize)> = counts.into_iter().collect();
        counts.sort();
        let summary = AxeSummary {
            counts,
            violations,
            passes: result["passes"].as_u64().unwrap_or(0) as usize,
        };
        eprintln!(
            "axe {}-{state} ({} ms): {} rules passed; violations: {}",
            self.test,
            started.elapsed().as_millis(),
            summary.passes,
            if summary.violations.is_empty() {
                "none".to_owned()
            } else {
                summary
                    .violations
                    .iter()
                    .map(|(i, id, t)| format!("{id} ({i}) at {}", t.join(", ")))
                    .collect::<Vec<_>>()
                    .join("; ")
            }
        );
        let bad: Vec<String> = summary
            .violations
            .iter()
            .filter(|(i, _, _)| i == "serious" || i == "critical")
            .map(|(i, id, t)| format!("{id} ({i}) at {}", t.join(", ")))
            .collect();
        assert!(
            bad.is_empty(),
            "axe-core found serious or critical violations on {}-{state}:\n  {}",
            self.test,
            bad.join("\n  ")
        );
        summary
    }

    /// Screenshot + axe for one state.
    pub async fn check_screen(&self, state: &str) {
        self.shot(state).await;
        self.axe(state).await;
    }
}

impl Drop for App {
    fn drop(&mut self) {
        // A test that panicked never called `quit`: don't block in thirtyfour's synchronous
        // teardown; the stack stops tauri-driver and the app by PID.
        if let Some(d) = self.driver.take() {
            let _ = d.leak();
        }
    }
}

// ---- sandbox patients -----------------------------------------------------------------------

/// One sandbox patient as `vmcheck sandbox --list` describes it.
#[derive(Debug, Clone)]
pub struct Patient {
    /// The NHS number.
    pub nhs_number: String,
    /// The case.
    pub case: String,
    /// `status` | `no_record` | `error`.
    pub outcome: String,
    /// Banner colour, when there is one.
    pub banner: Option<String>,
    /// The banner's headline.
    pub headline: Option<String>,
    /// The error code, for an error.
    pub error_code: Option<String>,
    /// Family name.
    pub family: String,
}

/// The sandbox's test patients (`vmcheck sandbox --list`), so expectations are never typed twice.
pub fn patients() -> Vec<Patient> {
    let out = Command::new(cli_binary())
        .args(["sandbox", "--list"])
        .output()
        .expect("run vmcheck sandbox --list");
    assert!(out.status.success(), "vmcheck sandbox --list failed");
    let v: Value = serde_json::from_slice(&out.stdout).expect("the patient list is JSON");
    let s = |v: &Value| v.as_str().map(str::to_owned);
    v.as_array()
        .expect("a list")
        .iter()
        .map(|p| Patient {
            nhs_number: s(&p["nhs_number"]).unwrap_or_default(),
            case: s(&p["case"]).unwrap_or_default(),
            outcome: s(&p["expected"]["outcome"]).unwrap_or_default(),
            banner: s(&p["expected"]["banner"]),
            headline: s(&p["expected"]["headline"]),
            error_code: s(&p["expected"]["error_code"]),
            family: s(&p["name"]["family"]).unwrap_or_default(),
        })
        .collect()
}

/// One patient by number.
pub fn patient(nhs: &str) -> Patient {
    patients()
        .into_iter()
        .find(|p| p.nhs_number == nhs)
        .unwrap_or_else(|| panic!("{nhs} is not a sandbox patient"))
}

/// `9990000018` → `999 000 0018`.
pub fn formatted(nhs: &str) -> String {
    format!("{} {} {}", &nhs[..3], &nhs[3..6], &nhs[6..])
}

/// `Pss:` of `/proc/PID/smaps_rollup`, in kB.
pub fn pss_kb(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    text.lines()
        .find(|l| l.starts_with("Pss:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}
