//! Time for the engine: wall-clock seconds (audit JWT `iat`), today's date (the "older than 12
//! months" hint) and a monotonic instant (cache ages). Behind a trait so flow tests can use a
//! fake clock.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use vmcheck_core::time::CalendarDate;

/// A source of time.
pub trait Clock: Send + Sync + 'static {
    /// Seconds since the Unix epoch.
    fn unix_seconds(&self) -> u64;
    /// A monotonic reading for measuring ages.
    fn monotonic(&self) -> Duration;
    /// Today's date (UTC).
    fn today(&self) -> CalendarDate {
        CalendarDate::from_unix_seconds(self.unix_seconds())
    }
}

/// The operating system's clock.
#[derive(Debug)]
pub struct SystemClock {
    start: Instant,
}

impl Default for SystemClock {
    fn default() -> Self {
        Self {
            start: Instant::now(),
        }
    }
}

impl Clock for SystemClock {
    fn unix_seconds(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }
    fn monotonic(&self) -> Duration {
        self.start.elapsed()
    }
}

/// A clock that moves only when told (tests).
#[derive(Debug)]
pub struct ManualClock {
    state: Mutex<(u64, Duration)>,
}

impl ManualClock {
    /// Starts at `unix_seconds`.
    pub fn new(unix_seconds: u64) -> Self {
        Self {
            state: Mutex::new((unix_seconds, Duration::ZERO)),
        }
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
}
