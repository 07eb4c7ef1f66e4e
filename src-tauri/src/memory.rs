//! The app's memory after the desk's work: what a lookup, a search, a sign-in or a worklist run
//! allocated and freed is given back to the system once the app has been quiet for a moment
//! (`vmcheck_allocator::release_free_memory`), rather than kept until the next one reuses it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How long the app must have been quiet: the reply has reached the page and been drawn, and a
/// burst of calls (a search, then the lookup it leads to) gives back once.
const QUIET: Duration = Duration::from_millis(750);

/// The app's requests to give memory back.
static RELEASE: WhenQuiet = WhenQuiet::new();

/// Held by a command whose work allocates much and frees it: when the command ends, however it
/// ends, the memory is given back once the app is quiet.
pub struct ReleaseAfter;

impl Drop for ReleaseAfter {
    fn drop(&mut self) {
        RELEASE.request(QUIET, || {
            let released = vmcheck_allocator::release_free_memory();
            tracing::debug!(released, "free memory given back to the system");
        });
    }
}

/// Runs an action once requests have stopped for a while: only the latest request, still the
/// latest when its wait ends, runs it.
struct WhenQuiet {
    requests: AtomicU64,
}

impl WhenQuiet {
    const fn new() -> Self {
        Self {
            requests: AtomicU64::new(0),
        }
    }

    /// Runs `action` on the async runtime after `quiet`, unless another request comes meanwhile.
    fn request(&'static self, quiet: Duration, action: fn()) {
        let request = self.requests.fetch_add(1, Ordering::SeqCst) + 1;
        tauri::async_runtime::spawn(async move {
            tokio::time::sleep(quiet).await;
            if self.requests.load(Ordering::SeqCst) == request {
                action();
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::WhenQuiet;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    const QUIET: Duration = Duration::from_millis(400);

    async fn settle() {
        tokio::time::sleep(QUIET * 3).await;
    }

    #[tokio::test]
    async fn a_burst_of_requests_runs_the_action_once_after_the_last() {
        static RUNS: AtomicUsize = AtomicUsize::new(0);
        static QUIETLY: WhenQuiet = WhenQuiet::new();
        let action = || {
            RUNS.fetch_add(1, Ordering::SeqCst);
        };
        for _ in 0..5 {
            QUIETLY.request(QUIET, action);
            tokio::time::sleep(QUIET / 10).await;
        }
        assert_eq!(
            RUNS.load(Ordering::SeqCst),
            0,
            "ran before the app was quiet"
        );
        settle().await;
        assert_eq!(RUNS.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn requests_apart_run_the_action_each_time() {
        static RUNS: AtomicUsize = AtomicUsize::new(0);
        static QUIETLY: WhenQuiet = WhenQuiet::new();
        let action = || {
            RUNS.fetch_add(1, Ordering::SeqCst);
        };
        QUIETLY.request(QUIET, action);
        settle().await;
        QUIETLY.request(QUIET, action);
        settle().await;
        assert_eq!(RUNS.load(Ordering::SeqCst), 2);
    }
}
