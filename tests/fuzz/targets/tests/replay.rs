//! Replays every file of every target's corpus (`tests/fuzz/corpus/NAME/`) and regressions
//! (`tests/fuzz/regressions/NAME/`) through the same target function the fuzzer runs, on the
//! stable toolchain: a crash once found stays fixed, and the corpus keeps passing its oracle.

use std::path::{Path, PathBuf};

use vmcheck_fuzz_targets::TARGETS;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/fuzz")
        .to_path_buf()
}

/// The files directly in `dir` (none when it does not exist), sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(read) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = read
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

/// Runs every file in `kind/NAME/` through NAME's target; returns how many ran.
fn replay(kind: &str) -> usize {
    let mut count = 0;
    for (name, target) in TARGETS {
        for file in files(&fuzz_dir().join(kind).join(name)) {
            let data = std::fs::read(&file).expect("readable input");
            let outcome = std::panic::catch_unwind(|| target(&data));
            assert!(
                outcome.is_ok(),
                "{name} fails its oracle on {}",
                file.display()
            );
            count += 1;
        }
    }
    count
}

#[test]
fn every_corpus_file_passes_its_target() {
    let count = replay("corpus");
    for (name, _) in TARGETS {
        assert!(
            !files(&fuzz_dir().join("corpus").join(name)).is_empty(),
            "{name} has no seed corpus"
        );
    }
    assert!(count > 0);
}

#[test]
fn every_crash_ever_found_stays_fixed() {
    replay("regressions");
}

#[test]
fn every_target_has_a_fuzz_target_file() {
    for (name, _) in TARGETS {
        let file = fuzz_dir().join("fuzz_targets").join(format!("{name}.rs"));
        let text = std::fs::read_to_string(&file).expect("fuzz_targets/NAME.rs");
        assert!(
            text.contains(&format!("vmcheck_fuzz_targets::{name}(")),
            "{} does not call the target function",
            file.display()
        );
    }
}
