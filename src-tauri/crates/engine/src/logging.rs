//! The application log: `tracing` everywhere, one filter policy, a rotating file in the user's
//! data directory (the desktop app) or standard error (the CLI).
//!
//! Patient and user data never reach it. Redaction is at the source — the types that carry NHS
//! numbers, names, UUIDs, passcodes and tokens do not print them in `Debug`, and V&M Check's
//! own log lines carry codes and counts — and the filter caps every third-party crate (HTTP,
//! LDAP, TLS, WebView) at WARN whatever level is configured, because their TRACE output would
//! show URLs (which carry NHS numbers), headers (which carry tokens) and LDAP filters (which
//! carry user ids). `tests/log_scan.rs` runs the whole flow at TRACE and scans the output.

use std::path::{Path, PathBuf};

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// V&M Check's own crates: the configured level applies to these only.
pub const OWN_TARGETS: [&str; 10] = [
    "vmcheck_core",
    "vmcheck_spine",
    "vmcheck_engine",
    "vmcheck_card",
    "vmcheck_audit",
    "vmcheck_sandbox",
    "vmcheck_secrets",
    "vmcheck_desktop",
    "vmcheck",
    "vmcheck_cli",
];

/// Log settings.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// `error` | `warn` | `info` (default) | `debug` | `trace`.
    #[serde(default = "default_level")]
    pub level: Level,
    /// Folder of the log files (default: the data directory's `logs`).
    pub dir: Option<PathBuf>,
    /// How many daily files to keep (default 14).
    #[serde(default = "default_keep")]
    pub keep_days: usize,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            level: default_level(),
            dir: None,
            keep_days: default_keep(),
        }
    }
}

fn default_level() -> Level {
    Level::Info
}
fn default_keep() -> usize {
    14
}

/// A log level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Errors only.
    Error,
    /// Warnings and errors.
    Warn,
    /// Normal operation (default).
    Info,
    /// Detail for the service desk.
    Debug,
    /// Everything V&M Check itself says.
    Trace,
}

impl Level {
    /// The level's name in configuration (`info`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warn => "warn",
            Self::Info => "info",
            Self::Debug => "debug",
            Self::Trace => "trace",
        }
    }
}

/// The filter: third-party crates at WARN at most, V&M Check's own at `level`. A list of
/// targets, not `EnvFilter`'s directives: nothing is parsed, and the regular-expression engine
/// that field filters need (whose Unicode tables a process holds whole once linked) stays out.
pub fn filter(level: Level) -> Targets {
    let third_party = if level == Level::Error {
        LevelFilter::ERROR
    } else {
        LevelFilter::WARN
    };
    Targets::new()
        .with_default(third_party)
        .with_targets(OWN_TARGETS.map(|t| (t, level_filter(level))))
}

fn level_filter(level: Level) -> LevelFilter {
    match level {
        Level::Error => LevelFilter::ERROR,
        Level::Warn => LevelFilter::WARN,
        Level::Info => LevelFilter::INFO,
        Level::Debug => LevelFilter::DEBUG,
        Level::Trace => LevelFilter::TRACE,
    }
}

/// Starts logging lines through `filter` to `writer` (the first call in a process wins); colour
/// only where `ansi` allows it (never in a file) and the environment does not refuse it.
pub fn init<W>(filter: Targets, writer: W, ansi: bool, with_target: bool)
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let mut builder = tracing_subscriber::fmt()
        .with_writer(writer)
        .with_target(with_target);
    if !ansi {
        builder = builder.with_ansi(false);
    }
    let _ = builder.finish().with(filter).try_init();
}

/// The filter from `VMCHECK_LOG` (a level name), else `fallback`. Free-form directives are
/// not accepted: they could lift the cap on third-party crates.
pub fn filter_from_env(fallback: Level) -> Targets {
    let level = std::env::var("VMCHECK_LOG")
        .ok()
        .and_then(|v| {
            serde_json::from_value::<Level>(serde_json::Value::String(
                v.trim().to_ascii_lowercase(),
            ))
            .ok()
        })
        .unwrap_or(fallback);
    filter(level)
}

/// The default log folder: `$XDG_STATE_HOME/vmcheck/logs`, else `~/.local/state/vmcheck/logs`.
pub fn default_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(base.join("vmcheck").join("logs"))
}

/// Lines the file writer's queue holds before a logging thread waits for the disk.
const LOG_QUEUE_LINES: usize = 4096;

/// Keeps the file writer flushing; drop it at exit.
pub struct LogGuard(
    #[allow(dead_code, reason = "held for its Drop")]
    Option<tracing_appender::non_blocking::WorkerGuard>,
);

impl LogGuard {
    /// A guard with nothing to flush (logging to standard error).
    pub fn none() -> Self {
        Self(None)
    }
}

/// Starts logging to daily-rotated files `vmcheck.log.YYYY-MM-DD` in `dir` (created, private),
/// keeping `keep_days` files. Falls back to standard error when the folder cannot be used.
pub fn init_file(config: &LogConfig, dir: &Path) -> LogGuard {
    let appender = std::fs::create_dir_all(dir).ok().and_then(|_| {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
        }
        tracing_appender::rolling::Builder::new()
            .rotation(tracing_appender::rolling::Rotation::DAILY)
            .filename_prefix("vmcheck.log")
            .max_log_files(config.keep_days.max(1))
            .build(dir)
            .ok()
    });
    let filter = filter_from_env(config.level);
    match appender {
        Some(appender) => {
            // The writer's queue is allocated whole up front (32 bytes a slot): the crate's
            // default of 128,000 lines held 4 MB for a log that writes a few lines a lookup.
            // A full queue makes the logging thread wait rather than drop lines.
            let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
                .buffered_lines_limit(LOG_QUEUE_LINES)
                .lossy(false)
                .finish(appender);
            init(filter, writer, false, true);
            LogGuard(Some(guard))
        }
        None => {
            init(filter, std::io::stderr, true, true);
            LogGuard(None)
        }
    }
}

/// Starts logging to standard error (the CLI), level from `VMCHECK_LOG` else `fallback`.
pub fn init_stderr(fallback: Level) {
    init(filter_from_env(fallback), std::io::stderr, true, false);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn third_party_crates_are_capped_at_warn() {
        use tracing::Level as L;
        let f = filter(Level::Trace);
        for crate_ in [
            "reqwest",
            "hyper_util::client",
            "rustls",
            "ldap3",
            "tauri",
            "wry",
        ] {
            assert!(f.would_enable(crate_, &L::WARN), "{crate_} warnings");
            assert!(!f.would_enable(crate_, &L::INFO), "{crate_} capped at WARN");
        }
        for own in OWN_TARGETS {
            assert!(
                f.would_enable(&format!("{own}::module"), &L::TRACE),
                "{own}"
            );
        }
        let quiet = filter(Level::Error);
        assert!(!quiet.would_enable("hyper", &L::WARN));
        // V&M Check's own lines at the configured level and none below it.
        let levels = [
            (Level::Error, L::ERROR),
            (Level::Warn, L::WARN),
            (Level::Info, L::INFO),
            (Level::Debug, L::DEBUG),
            (Level::Trace, L::TRACE),
        ];
        for (i, (level, at)) in levels.iter().enumerate() {
            let f = filter(*level);
            assert!(f.would_enable("vmcheck_desktop", at), "{level:?}");
            if let Some((_, below)) = levels.get(i + 1) {
                assert!(!f.would_enable("vmcheck_desktop", below), "{level:?}");
            }
        }
    }
}
