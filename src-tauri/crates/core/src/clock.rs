//! The clock as a trait: wall-clock seconds, a monotonic reading, today's date and waiting.
//! The core never reads a clock; the engine provides the system's and a manual one for tests,
//! and the adapters take one (the PDS client's token ages and `Retry-After` waits), so no test
//! depends on sleeping or on the wall clock.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::time::CalendarDate;

/// A wait, as a future.
pub type Wait<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// A source of time.
pub trait Clock: Send + Sync + std::fmt::Debug + 'static {
    /// Seconds since the Unix epoch.
    fn unix_seconds(&self) -> u64;
    /// A monotonic reading for measuring ages.
    fn monotonic(&self) -> Duration;
    /// Today's date (UTC).
    fn today(&self) -> CalendarDate {
        CalendarDate::from_unix_seconds(self.unix_seconds())
    }
    /// Waits `duration` (a manual clock moves itself forward instead).
    fn sleep(&self, duration: Duration) -> Wait<'_>;
}
