//! One test's stack: pcscd and the virtual card, the sandbox, `tauri-driver` and the app; all
//! stopped by PID when it is dropped.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use thirtyfour::prelude::*;

use crate::*;

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
        if let Some(extra) = &self.setup.extra_config {
            text.push('\n');
            text.push_str(extra);
        }
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
