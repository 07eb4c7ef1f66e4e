//! Process supervision: processes known by PID and kernel start time (a recycled PID is never
//! signalled), stopping children, free ports, log tails, memory.

use std::collections::{HashMap, HashSet};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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
    pub(crate) fn record(&self, dir: &Path, name: &str) {
        let _ = std::fs::write(dir.join(format!("{name}.pid")), format!("{}\n", self.pid));
        if let Some(s) = self.start {
            let _ = std::fs::write(dir.join(format!("{name}.start")), format!("{s}\n"));
        }
    }
}

pub(crate) fn forget(dir: &Path, name: &str) {
    let _ = std::fs::remove_file(dir.join(format!("{name}.pid")));
    let _ = std::fs::remove_file(dir.join(format!("{name}.start")));
    let _ = std::fs::remove_file(dir.join(format!("{name}.reader")));
}

/// Stops a child we spawned: SIGTERM, `grace`, SIGKILL, then reaps it.
pub(crate) fn stop_child(child: &mut Child, grace: Duration) {
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

pub(crate) fn free_port_pair() -> u16 {
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

pub(crate) fn tail(path: &Path, max: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let start = text.len().saturating_sub(max);
    let start = (start..text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len());
    text[start..].to_owned()
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
