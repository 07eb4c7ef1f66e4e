//! # vmcheck-e2e-tests
//!
//! End-to-end tests of the V&M Check desktop app: the real binary (`target/debug/vmcheck-desktop`)
//! driven over WebDriver (`thirtyfour` → `tauri-driver` → `WebKitWebDriver`) under Xvfb, signing
//! in with the virtual smartcard (`tests/card/`) through a real pcscd, looking patients up in the
//! sandbox (`vmcheck sandbox`, a child process).
//!
//! Run them with `tests/e2e/run.sh` (it builds what they need and starts Xvfb). They are not part
//! of `cargo test --workspace`: they need a display, and they fail — never skip — when something
//! they need is missing.
//!
//! One [`Stack`] per test: its own pcscd, card, sandbox, configuration, `tauri-driver` and app.
//! Everything it starts is stopped by PID when it is dropped, also when the test panics; a small
//! watcher process (`setsid`) stops them if the test process itself is killed. Every process is
//! recorded in the stack's directory as `NAME.pid` + `NAME.start` (kernel start time), the format
//! of `tests/card/harness.sh`, whose `stop` the watcher runs: a recycled PID is never signalled.
//!
//! Screenshots go to `target/e2e-screenshots/<test>-<state>.png`, axe-core reports to
//! `target/e2e-axe/<test>-<state>.json`.

pub mod app;
pub mod axe;
pub mod keyboard;
pub mod paths;
pub mod patients;
pub mod process;
pub mod setup;
pub mod stack;
pub mod wm;
pub mod x11;

use std::time::Duration;

pub use app::App;
pub use axe::AxeSummary;
pub use keyboard::Focus;
pub use paths::*;
pub use patients::*;
pub use process::*;
pub use setup::*;
pub use stack::*;
pub use thirtyfour;

/// How long a WebDriver session may take to start (the app launching under Xvfb).
pub const SESSION_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a screen may take to appear.
pub const WAIT: Duration = Duration::from_secs(15);
/// The training organisation of the sandbox.
pub const ODS_CODE: &str = "RRK99";
/// The card's passcode in every test (the training card's too).
pub const PASSCODE: &str = "1234";
/// Sandbox user with one role at RRK99.
pub const USER_ONE_ROLE: &str = "555021935107";
/// Sandbox user with two roles at RRK99.
pub const USER_TWO_ROLES: &str = "555021937101";
/// Sandbox user with no role at RRK99.
pub const USER_NO_ROLE: &str = "555021940102";
