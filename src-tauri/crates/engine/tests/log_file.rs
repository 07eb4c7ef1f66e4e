//! The daily log file (`logging::init_file`, what the desktop app and `vmcheck` use with a log
//! folder): written from a background thread through a bounded queue, private to the user.
//! A burst of lines larger than the queue, from several threads at once, reaches the file
//! whole: a full queue makes the logging thread wait, it never drops a line. (Its own test
//! binary: the file logger is the process's one global subscriber.)

use std::os::unix::fs::PermissionsExt;

use vmcheck_engine::logging::{init_file, Level, LogConfig};

const THREADS: usize = 4;
const LINES_EACH: usize = 10_000;

#[test]
fn a_burst_larger_than_the_queue_reaches_the_file_whole() {
    let dir = tempfile::tempdir().expect("temp dir");
    let logs = dir.path().join("logs");
    let config = LogConfig {
        level: Level::Info,
        dir: Some(logs.clone()),
        keep_days: 2,
    };
    let guard = init_file(&config, &logs);
    std::thread::scope(|s| {
        for t in 0..THREADS {
            s.spawn(move || {
                for i in 0..LINES_EACH {
                    tracing::info!(target: "vmcheck_engine", "burst line {t}-{i}");
                }
            });
        }
    });
    drop(guard); // flushes the queue and joins the writer

    let mode = std::fs::metadata(&logs)
        .expect("log folder")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o700, "the log folder is private to the user");
    let mut text = String::new();
    for entry in std::fs::read_dir(&logs).expect("log folder") {
        let path = entry.expect("entry").path();
        assert!(
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("vmcheck.log.")),
            "a daily file: {}",
            path.display()
        );
        text.push_str(&std::fs::read_to_string(&path).expect("log file"));
    }
    let mut seen = std::collections::HashSet::new();
    for line in text.lines().filter(|l| l.contains("burst line ")) {
        let id = line.rsplit("burst line ").next().unwrap_or_default();
        assert!(seen.insert(id.to_owned()), "line {id} written twice");
    }
    assert_eq!(
        seen.len(),
        THREADS * LINES_EACH,
        "every line of the burst is in the file"
    );
}
