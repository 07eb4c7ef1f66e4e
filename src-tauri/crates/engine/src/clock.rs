//! The engine's clocks for the core's [`Clock`] trait: wall-clock seconds (audit JWT `iat`),
//! today's date (the "older than 12 months" hint), a monotonic instant (cache and token ages,
//! the idle lock) and waiting (`Retry-After`). [`SystemClock`] is the operating system's;
//! [`ManualClock`] moves only when told, so flow tests never sleep. (The system clock lives with
//! the adapters, which need it too.)

use std::sync::Mutex;
use std::time::Duration;

pub use vmcheck_core::clock::{Clock, Wait};
pub use vmcheck_spine::clock::SystemClock;

/// A clock that moves only when told (tests); a wait moves it forward at once and is
/// remembered ([`ManualClock::waits`]).
#[derive(Debug)]
pub struct ManualClock {
    state: Mutex<(u64, Duration)>,
    waits: Mutex<Vec<Duration>>,
}

impl ManualClock {
    /// Starts at `unix_seconds`.
    pub fn new(unix_seconds: u64) -> Self {
        Self {
            state: Mutex::new((unix_seconds, Duration::ZERO)),
            waits: Mutex::new(Vec::new()),
        }
    }

    /// Every wait asked of this clock, in order.
    pub fn waits(&self) -> Vec<Duration> {
        self.waits
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
    /// Moves only the monotonic reading forward (cache ages), leaving wall time alone.
    pub fn advance_monotonic(&self, by: Duration) {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .1 += by;
    }
    /// Moves both readings forward.
    pub fn advance(&self, by: Duration) {
        let mut s = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        s.0 += by.as_secs();
        s.1 += by;
    }
}

impl Clock for ManualClock {
    fn unix_seconds(&self) -> u64 {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .0
    }
    fn monotonic(&self) -> Duration {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .1
    }
    fn sleep(&self, duration: Duration) -> Wait<'_> {
        self.waits
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(duration);
        self.advance(duration);
        Box::pin(std::future::ready(()))
    }
}
