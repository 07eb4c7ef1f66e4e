//! # vmcheck-system-tests
//!
//! Helpers for the system tests of smartcard sign-in against the real PC/SC stack: pcscd, the
//! vsmartcard vpcd driver and the virtual test card (`tests/card/card.py`), driven through
//! `tests/system/stack.sh` (itself on `tests/card/harness.sh`).
//!
//! - [`Stack`]: one pcscd per test process, shared by its tests one at a time
//!   ([`Stack::acquire`] holds a process-wide lock), started on first use and stopped by a
//!   watcher script as soon as the process ends, however it ends.
//! - [`Card`]: one virtual card in a vpcd reader, removed when dropped (also when a test
//!   panics).
//! - [`Fixture`]: a real [`PcscCards`] behind an engine [`Session`], wired to the PC/SC watcher
//!   thread, with a real audit log in a temporary folder and a log of every session event.
//! - [`JwtRecorder`]: a loopback TCP relay in front of the sandbox's V&M endpoint that keeps the
//!   `Authorization` headers, so a test can decode the audit JWT the engine sent.
//!
//! Pid files and logs (`pcscd.log`, `cardN.log`, `watcher.log`) are in
//! `$TMPDIR/vmcheck-system-tests/stack-<pid>-<random>/` ([`default_root`]); the last run's
//! directory is kept until the next run. A pcscd these helpers did not start is never touched:
//! they wait for it to end (`VMCHECK_PCSCD_WAIT_SECS`, default 60), then fail saying so.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use vmcheck_audit::{Action, AuditLog, AuditRecord};
use vmcheck_card::pcsc_access::{watch, PcscCards, Watcher};
use vmcheck_core::card::CardProfile;
use vmcheck_core::roles::Role;
use vmcheck_engine::config::{Config, SandboxTarget};
use vmcheck_engine::session::{ConfiguredRoles, Mode, Session, SessionEvent, SessionSettings};
use vmcheck_engine::{MemorySecrets, PatientAccess, SystemClock};

/// The stack script.
pub const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/stack.sh");

/// The organisation the tests sign in at.
pub const ODS_CODE: &str = "RRK99";

/// The vpcd reader a card inserted with `--reader INDEX` is in.
pub fn reader_name(index: u8) -> String {
    format!("Virtual PCD 00 {index:02}")
}

/// Locks a mutex, ignoring poisoning (a panicking test must not fail the next ones).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the pcscd of the stack serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readers {
    /// The two vpcd readers (`Virtual PCD 00 00` and `00 01`).
    Vpcd,
    /// No reader at all (an empty reader configuration).
    None,
}

/// The PC/SC stack of this test process.
#[derive(Debug)]
pub struct Stack {
    dir: PathBuf,
    /// What the running pcscd serves; `None` when it is (believed) stopped.
    running: Option<Readers>,
    cards: u32,
}

/// The process-wide stack; the lock serialises the tests.
static STACK: Mutex<Option<Stack>> = Mutex::new(None);

/// Exclusive use of the stack for one test; other tests wait for it to be dropped.
/// Dropping it prints how long the test held the stack (under the test's name).
#[derive(Debug)]
pub struct StackGuard {
    guard: MutexGuard<'static, Option<Stack>>,
    since: Instant,
}

impl Drop for StackGuard {
    fn drop(&mut self) {
        let thread = std::thread::current();
        println!(
            "[{}: {:.2} s with the stack]",
            thread.name().unwrap_or("?"),
            self.since.elapsed().as_secs_f64()
        );
    }
}

/// The start of the error when a pcscd these tests did not start is running.
const FOREIGN_PCSCD: &str = "a pcscd not started by these tests is running, and they will not \
    touch it; stop it (e.g. `systemctl stop pcscd.socket pcscd`) and run the tests again.";

/// How long to wait for a pcscd these tests did not start to go away (another test binary on
/// the same machine finishing) before failing: `VMCHECK_PCSCD_WAIT_SECS`, default 60.
fn foreign_wait() -> Duration {
    let secs = std::env::var("VMCHECK_PCSCD_WAIT_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    Duration::from_secs(secs)
}

/// Runs `stack.sh` with these arguments; an error names the command and carries its output.
fn script(args: &[&str]) -> Result<String, String> {
    let output: Output = Command::new(SCRIPT)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {SCRIPT}: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    match output.status.code() {
        Some(0) => Ok(stdout),
        Some(3) => Err(format!("{FOREIGN_PCSCD} {}", stderr.trim())),
        Some(4) => Err(format!(
            "the PC/SC test stack is not installed: run scripts/setup.sh ({})",
            stderr.trim()
        )),
        _ => Err(format!(
            "`stack.sh {}` failed ({}): {}{}",
            args.join(" "),
            output.status,
            stdout.trim(),
            stderr.trim()
        )),
    }
}

/// Whether this process runs as root (pcscd must: its socket lives in `/run/pcscd`).
fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Tidies up after earlier runs under `root`: waits (up to 15 s) for the watchers of runs
/// whose test process has ended to stop their pcscd and cards (a run started right after
/// another would otherwise find that pcscd still running), then removes their directories.
fn settle_earlier_runs(root: &Path) {
    let me = std::process::id();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let mut pending = false;
        for dir in std::fs::read_dir(root).into_iter().flatten().flatten() {
            let name = dir.file_name().to_string_lossy().into_owned();
            let Some(pid) = name
                .strip_prefix("stack-")
                .and_then(|rest| rest.split('-').next())
                .and_then(|pid| pid.parse::<u32>().ok())
            else {
                continue;
            };
            if pid == me || Path::new(&format!("/proc/{pid}")).exists() {
                continue;
            }
            let still_recorded = std::fs::read_dir(dir.path())
                .map(|entries| {
                    entries.flatten().any(|e| {
                        e.file_name().to_string_lossy().ends_with(".pid")
                            && e.file_name() != "watcher.pid"
                    })
                })
                .unwrap_or(false);
            if still_recorded {
                pending = true;
            } else {
                let _ = std::fs::remove_dir_all(dir.path());
            }
        }
        if !pending || Instant::now() > deadline {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Where stack directories live unless a caller says otherwise:
/// `$TMPDIR/vmcheck-system-tests/stack-<pid>-<random>` (pid files, `pcscd.log`, the cards'
/// logs; the last run's directory is kept until the next run).
pub fn default_root() -> PathBuf {
    std::env::temp_dir().join("vmcheck-system-tests")
}

impl Stack {
    /// Takes the stack for one test: on first use creates its directory under `root`, leaves
    /// the watcher that stops everything when this process ends, and starts pcscd with the
    /// vpcd readers; later, makes sure that pcscd is running again (a test may have stopped or
    /// replaced it) and that no card is left from an earlier test.
    pub fn acquire(root: &Path) -> Result<StackGuard, String> {
        let mut guard = lock(&STACK);
        if guard.is_none() {
            if !is_root() {
                return Err(
                    "the PC/SC system tests run pcscd, which needs root: run them as root".into(),
                );
            }
            std::fs::create_dir_all(root).map_err(|e| format!("cannot create {root:?}: {e}"))?;
            settle_earlier_runs(root);
            let dir = tempfile::Builder::new()
                .prefix(&format!("stack-{}-", std::process::id()))
                .tempdir_in(root)
                .map_err(|e| format!("cannot create a directory under {root:?}: {e}"))?
                .keep();
            let dir_text = dir.to_string_lossy().into_owned();
            script(&["stop-with-pid", &dir_text, &std::process::id().to_string()])?;
            *guard = Some(Stack {
                dir,
                running: None,
                cards: 0,
            });
        }
        let mut stack = StackGuard {
            guard,
            since: Instant::now(),
        };
        stack.remove_leftover_cards()?;
        stack.start_pcscd(Readers::Vpcd)?;
        Ok(stack)
    }
}

impl StackGuard {
    fn stack(&self) -> &Stack {
        self.guard
            .as_ref()
            .expect("the stack is set before a guard is made")
    }

    fn stack_mut(&mut self) -> &mut Stack {
        self.guard
            .as_mut()
            .expect("the stack is set before a guard is made")
    }

    /// The directory holding the pid files and logs (`pcscd.log`, `NAME.log`).
    pub fn dir(&self) -> &Path {
        &self.stack().dir
    }

    fn dir_text(&self) -> String {
        self.dir().to_string_lossy().into_owned()
    }

    fn remove_leftover_cards(&mut self) -> Result<(), String> {
        let Ok(entries) = std::fs::read_dir(self.dir()) else {
            return Ok(());
        };
        let names: Vec<String> = entries
            .flatten()
            .filter_map(|e| {
                e.file_name()
                    .to_string_lossy()
                    .strip_suffix(".pid")
                    .map(str::to_owned)
            })
            .filter(|n| n != "pcscd" && n != "watcher")
            .collect();
        let dir = self.dir_text();
        for name in names {
            script(&["remove", &dir, &name])?;
        }
        Ok(())
    }

    /// Makes sure pcscd runs and serves `readers` (stopping it first if it serves others).
    pub fn start_pcscd(&mut self, readers: Readers) -> Result<(), String> {
        let dir = self.dir_text();
        if self.stack().running.is_some_and(|r| r != readers) {
            self.stop_pcscd()?;
        }
        let which = match readers {
            Readers::Vpcd => "vpcd",
            Readers::None => "none",
        };
        let deadline = Instant::now() + foreign_wait();
        let mut told = false;
        loop {
            match script(&["start", &dir, which]) {
                Ok(_) => break,
                Err(e) if e.starts_with(FOREIGN_PCSCD) && Instant::now() < deadline => {
                    if !told {
                        eprintln!(
                            "waiting up to {:?} for a pcscd these tests did not start to end",
                            foreign_wait()
                        );
                        told = true;
                    }
                    std::thread::sleep(Duration::from_millis(500));
                }
                Err(e) => return Err(e),
            }
        }
        self.stack_mut().running = Some(readers);
        Ok(())
    }

    /// Stops pcscd (the cards, connected to its vpcd driver, end with it).
    pub fn stop_pcscd(&mut self) -> Result<(), String> {
        let dir = self.dir_text();
        self.stack_mut().running = None;
        script(&["stop-pcscd", &dir])?;
        self.remove_leftover_cards()
    }

    /// Inserts a card (`card.py` options: `--profile file`, `--reader 1`, `--tries 1`…) and
    /// waits until pcscd sees it. The card is removed when the value is dropped.
    pub fn insert(&mut self, options: &[&str]) -> Result<Card, String> {
        let stack = self.stack_mut();
        stack.cards += 1;
        let name = format!("card{}", stack.cards);
        let dir = stack.dir.clone();
        let dir_text = dir.to_string_lossy().into_owned();
        let mut args = vec!["insert", &dir_text, &name];
        args.extend_from_slice(options);
        let out = script(&args)?;
        let line = out
            .lines()
            .find(|l| l.starts_with("READY "))
            .ok_or_else(|| format!("no READY line from the harness: {out}"))?
            .to_owned();
        let fields: Vec<&str> = line.split_whitespace().collect();
        let field = |key: &str| -> Option<u64> {
            fields
                .iter()
                .find_map(|f| f.strip_prefix(key)?.strip_prefix('=')?.parse().ok())
        };
        let reader: u8 = fields
            .get(1)
            .and_then(|r| r.parse().ok())
            .ok_or_else(|| format!("bad READY line: {line}"))?;
        Ok(Card {
            dir,
            name,
            reader,
            profile: fields.get(2).map(|p| (*p).to_owned()).unwrap_or_default(),
            uuid: fields
                .get(3)
                .filter(|u| **u != "-")
                .map(|u| (*u).to_owned()),
            pid: field("pid").unwrap_or(0) as u32,
            seen_by_pcscd_ms: field("seen_by_pcscd_ms").unwrap_or(0),
            removed: false,
        })
    }
}

/// A virtual card in a vpcd reader; removed (and waited for) when dropped.
#[derive(Debug)]
pub struct Card {
    dir: PathBuf,
    name: String,
    /// 0 or 1.
    pub reader: u8,
    /// `piv` or `file`.
    pub profile: String,
    /// The certificate's CN when it is the UUID.
    pub uuid: Option<String>,
    /// The card process.
    pub pid: u32,
    /// How long pcscd took to see the card after it connected to vpcd.
    pub seen_by_pcscd_ms: u64,
    removed: bool,
}

impl Card {
    /// The PC/SC name of the reader the card is in.
    pub fn reader_name(&self) -> String {
        reader_name(self.reader)
    }

    /// The UUID the card carries (panics for `--no-uuid` cards).
    pub fn uuid(&self) -> &str {
        self.uuid.as_deref().expect("this card carries a UUID")
    }

    /// Removes the card and waits until pcscd reports the reader empty.
    pub fn remove(mut self) -> Result<(), String> {
        self.removed = true;
        let dir = self.dir.to_string_lossy().into_owned();
        script(&["remove", &dir, &self.name]).map(|_| ())
    }

    /// Pulls the card out: ends the card process (SIGTERM to its recorded pid) without
    /// waiting for pcscd to notice; returns when the process has ended. The harness record is
    /// cleaned up when the value is dropped.
    pub fn pull(&self) -> Result<(), String> {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .map_err(|e| format!("cannot run kill: {e}"))?;
        if !status.success() {
            return Err(format!("kill -TERM {} failed", self.pid));
        }
        let stat = format!("/proc/{}/stat", self.pid);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            // Gone, or a zombie (the harness's shell is its parent and reaps it later).
            match std::fs::read_to_string(&stat) {
                Err(_) => return Ok(()),
                Ok(s)
                    if s.rsplit(')')
                        .next()
                        .is_some_and(|r| r.trim_start().starts_with('Z')) =>
                {
                    return Ok(())
                }
                Ok(_) => std::thread::sleep(Duration::from_millis(1)),
            }
        }
        Err(format!("card process {} did not end", self.pid))
    }
}

impl Drop for Card {
    fn drop(&mut self) {
        if !self.removed {
            let dir = self.dir.to_string_lossy().into_owned();
            if let Err(e) = script(&["remove", &dir, &self.name]) {
                eprintln!("removing card {}: {e}", self.name);
            }
        }
    }
}

/// The session's audit log, read back.
#[derive(Debug)]
pub struct AuditView(Arc<AuditLog>);

impl AuditView {
    /// Every record so far.
    pub fn entries(&self) -> Vec<AuditRecord> {
        self.0
            .records_after(0, usize::MAX)
            .expect("the audit log reads")
    }

    /// The actions so far.
    pub fn actions(&self) -> Vec<Action> {
        self.entries().iter().map(|e| e.record.action).collect()
    }
}

/// A configuration for the session's organisation: the sandbox at `urls` when given (lookups
/// go there), else addresses nothing listens on (sign-in only); the audit log in `dir`.
pub fn config_for(urls: Option<&vmcheck_sandbox::SandboxUrls>, dir: &Path) -> Config {
    let (pds_base, ldap_url) = match urls {
        Some(u) => (u.pds_base.clone(), u.ldap_url.clone()),
        None => ("http://127.0.0.1:9/pds".into(), "ldap://127.0.0.1:9".into()),
    };
    let mut config = Config::for_sandbox(&SandboxTarget {
        pds_base,
        ldap_url,
        client_asid: vmcheck_sandbox::TRAINING_CLIENT_ASID.into(),
        ods_code: ODS_CODE.into(),
        organisation_name: "System test hospital".into(),
        user_uuid: "555000000001".into(),
        role_profile_id: "555000000002".into(),
    });
    config.audit.path = Some(dir.join("audit.sqlite"));
    config
}

/// A role at [`ODS_CODE`].
pub fn role(role_profile_id: &str, job_role: &str) -> Role {
    Role {
        role_profile_id: role_profile_id.into(),
        job_role: job_role.into(),
        job_role_code: None,
        ods_code: ODS_CODE.into(),
        // Overseas visitor managers carry the RBAC activity that sees a status's detail.
        business_functions: if job_role.contains("Overseas") {
            vec![vmcheck_core::roles::DETAIL_ACTIVITY.into()]
        } else {
            Vec::new()
        },
    }
}

/// The session events seen so far, with when they arrived.
pub type EventLog = Arc<Mutex<Vec<(Instant, SessionEvent)>>>;

/// A session over the real PC/SC readers, fed by the watcher thread.
pub struct Fixture {
    /// The session.
    pub session: Arc<Session>,
    /// Its audit log.
    pub audit: AuditView,
    /// The folder holding the audit log.
    _dir: tempfile::TempDir,
    /// The PC/SC adapter the session uses.
    pub cards: Arc<PcscCards>,
    /// Every session event (card events included), in order.
    pub events: EventLog,
    watcher: Option<Watcher>,
    collector: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for Fixture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fixture").finish_non_exhaustive()
    }
}

impl Fixture {
    /// A session with these roles and the default profiles (PIV, then the file profile).
    pub fn new(roles: Vec<Role>) -> Self {
        Self::with_profiles(roles, CardProfile::defaults())
    }

    /// A session trying these card profiles. It learns the readers now
    /// ([`Session::refresh_readers`]) and then follows the watcher.
    pub fn with_profiles(roles: Vec<Role>, profiles: Vec<CardProfile>) -> Self {
        Self::with_config(roles, profiles, |_| {})
    }

    /// A session whose configuration `edit` adjusts (lookups against a sandbox).
    pub fn with_config(
        roles: Vec<Role>,
        profiles: Vec<CardProfile>,
        edit: impl FnOnce(&mut Config),
    ) -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let mut config = config_for(None, dir.path());
        edit(&mut config);
        let patient = Arc::new(
            PatientAccess::open(
                config,
                Arc::new(SystemClock::default()),
                Arc::new(MemorySecrets::new()),
            )
            .expect("the audited path"),
        );
        let audit = AuditView(patient.audit_log().expect("an audit log").clone());
        let cards = Arc::new(PcscCards::new());
        let session = Session::new(
            cards.clone(),
            Arc::new(ConfiguredRoles(roles)),
            patient,
            Arc::new(SystemClock::default()),
            SessionSettings {
                mode: Mode::Desk,
                idle_lock: Duration::from_secs(900),
                profiles,
                ods_code: ODS_CODE.into(),
                detail_activities: vec![vmcheck_core::roles::DETAIL_ACTIVITY.into()],
            },
        );
        let events: EventLog = Arc::default();
        let mut receiver = session.subscribe();
        let log = events.clone();
        let collector = std::thread::Builder::new()
            .name("session-events".into())
            .spawn(move || loop {
                match receiver.blocking_recv() {
                    Ok(event) => lock(&log).push((Instant::now(), event)),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                        eprintln!("the event log missed {n} session events");
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                }
            })
            .ok();
        session.refresh_readers();
        let target = session.clone();
        let watcher = watch(move |event| target.handle_card_event(event));
        Self {
            session,
            audit,
            _dir: dir,
            cards,
            events,
            watcher: Some(watcher),
            collector,
        }
    }

    /// Waits until the session's state is `state`; the error says which state it was in.
    pub fn wait_state(&self, state: &str, timeout: Duration) -> Result<Duration, String> {
        let start = Instant::now();
        loop {
            let now = self.session.view().state;
            if now.as_str() == state {
                return Ok(start.elapsed());
            }
            if start.elapsed() > timeout {
                return Err(format!(
                    "the session stayed in '{now}' for {timeout:?}, expected '{state}'; events: {}",
                    self.describe_events()
                ));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Waits for the first event (from position `from` in the log) matching `wanted`; returns
    /// its position and when it arrived.
    pub fn wait_event(
        &self,
        from: usize,
        timeout: Duration,
        wanted: impl Fn(&SessionEvent) -> bool,
    ) -> Option<(usize, Instant)> {
        let start = Instant::now();
        loop {
            {
                let log = lock(&self.events);
                if let Some((i, (at, _))) = log
                    .iter()
                    .enumerate()
                    .skip(from)
                    .find(|(_, (_, e))| wanted(e))
                {
                    return Some((i, *at));
                }
            }
            if start.elapsed() > timeout {
                return None;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// How many events have been logged.
    pub fn event_count(&self) -> usize {
        lock(&self.events).len()
    }

    /// The card and lock events so far, briefly (for assertion messages).
    pub fn describe_events(&self) -> String {
        let log = lock(&self.events);
        let shown: Vec<String> = log
            .iter()
            .filter_map(|(_, e)| match e {
                SessionEvent::Card { card } => Some(format!("{card:?}")),
                SessionEvent::Locked { reason } => Some(format!("Locked({reason:?})")),
                SessionEvent::Changed { .. } => None,
            })
            .collect();
        format!("[{}]", shown.join(", "))
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        // The watcher holds a session handle: stop it first, so the session (the events'
        // sender) can go and the collector thread ends.
        if let Some(watcher) = self.watcher.take() {
            watcher.stop();
        }
        // The collector ends by itself once the session is dropped (with the fixture, unless a
        // test still holds a handle): it is not waited for.
        drop(self.collector.take());
    }
}

/// A loopback relay in front of an HTTP server that keeps every `Authorization` header sent
/// through it (the engine's audit JWTs).
#[derive(Debug)]
pub struct JwtRecorder {
    /// `http://127.0.0.1:PORT` of the relay.
    pub base: String,
    seen: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl JwtRecorder {
    /// Starts relaying to `upstream` (`host:port`) on the current tokio runtime.
    pub async fn start(upstream: String) -> std::io::Result<Self> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let log = seen.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let log = log.clone();
                tokio::spawn(async move {
                    let Ok(server) = tokio::net::TcpStream::connect(&upstream).await else {
                        return;
                    };
                    let (mut client_read, mut client_write) = client.into_split();
                    let (mut server_read, mut server_write) = server.into_split();
                    let back = tokio::spawn(async move {
                        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
                        let _ = client_write.shutdown().await;
                    });
                    // Requests are small GETs: keep the text of each and pick out the headers.
                    let mut text = Vec::new();
                    let mut chunk = vec![0u8; 16 * 1024];
                    loop {
                        match client_read.read(&mut chunk).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                text.extend_from_slice(&chunk[..n]);
                                while let Some(end) = text.windows(2).position(|w| w == b"\r\n") {
                                    let line: Vec<u8> = text.drain(..end + 2).collect();
                                    let line = String::from_utf8_lossy(&line[..end]).into_owned();
                                    if let Some((name, value)) = line.split_once(':') {
                                        if name.trim().eq_ignore_ascii_case("authorization") {
                                            lock(&log).push(value.trim().to_owned());
                                        }
                                    }
                                }
                                if server_write.write_all(&chunk[..n]).await.is_err() {
                                    break;
                                }
                            }
                        }
                    }
                    let _ = server_write.shutdown().await;
                    let _ = back.await;
                });
            }
        });
        Ok(Self { base, seen, task })
    }

    /// The `Authorization` header values seen so far.
    pub fn authorizations(&self) -> Vec<String> {
        lock(&self.seen).clone()
    }
}

impl Drop for JwtRecorder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Median and spread of some durations, in milliseconds: (min, median, p90, max).
pub fn summary(samples: &[Duration]) -> Option<(f64, f64, f64, f64)> {
    if samples.is_empty() {
        return None;
    }
    let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    Some((ms[0], at(0.5), at(0.9), ms[ms.len() - 1]))
}
