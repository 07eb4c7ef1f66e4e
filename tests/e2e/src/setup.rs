//! What a test asks for: desk, kiosk or training; the card to insert; faults; timings.

use std::path::PathBuf;

use crate::*;

/// Desk or kiosk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A normal window with settings.
    Desk,
    /// Fullscreen, no way out, results clear themselves.
    Kiosk,
}

/// The virtual card to insert before the app starts.
#[derive(Debug, Clone)]
pub struct CardSpec {
    /// The UUID in the certificate.
    pub uuid: String,
    /// Tries left at start.
    pub tries: Option<u8>,
    /// `piv` or `file`.
    pub profile: &'static str,
}

impl CardSpec {
    /// A PIV card for this user, passcode [`PASSCODE`], three tries.
    pub fn user(uuid: &str) -> Self {
        Self {
            uuid: uuid.into(),
            tries: None,
            profile: "piv",
        }
    }

    /// Starts with `n` tries left.
    pub fn tries(mut self, n: u8) -> Self {
        self.tries = Some(n);
        self
    }
}

/// How a test's app is set up.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The test's name: screenshots are `<test>-<state>.png`.
    pub test: String,
    /// Training mode: no configuration file, no pcscd, the built-in training card.
    pub training: bool,
    /// Desk or kiosk.
    pub mode: Mode,
    /// `[session] result_clear_secs`.
    pub result_clear_secs: Option<u64>,
    /// The card in reader 0 when the app starts (none: the app waits for a card).
    pub card: Option<CardSpec>,
    /// `vmcheck sandbox --fault` (e.g. `latency:1500ms`).
    pub fault: Option<String>,
    /// The app under test (default [`app_binary`]).
    pub app: Option<PathBuf>,
    /// Run the app with `WEBKIT_DISABLE_COMPOSITING_MODE=1` (less memory; the benchmark's
    /// setting). Off in the tests: WebKitWebDriver's screenshots hang with it.
    pub disable_compositing: bool,
    /// More of the configuration file (TOML tables appended as written).
    pub extra_config: Option<String>,
}

impl Setup {
    /// A desk installation on the sandbox with PC/SC and the one-role user's card.
    pub fn desk(test: &str) -> Self {
        Self {
            test: test.into(),
            training: false,
            mode: Mode::Desk,
            result_clear_secs: None,
            card: Some(CardSpec::user(USER_ONE_ROLE)),
            fault: None,
            app: None,
            disable_compositing: false,
            extra_config: None,
        }
    }

    /// A kiosk installation.
    pub fn kiosk(test: &str) -> Self {
        Self {
            mode: Mode::Kiosk,
            ..Self::desk(test)
        }
    }

    /// Training mode: no configuration file at all.
    pub fn training(test: &str) -> Self {
        Self {
            training: true,
            card: None,
            ..Self::desk(test)
        }
    }

    /// With this card inserted (or none).
    pub fn card(mut self, card: Option<CardSpec>) -> Self {
        self.card = card;
        self
    }

    /// With a sandbox fault.
    pub fn fault(mut self, fault: &str) -> Self {
        self.fault = Some(fault.into());
        self
    }

    /// With more configuration (whole TOML tables, e.g. `[worklist]\nconcurrency = 1\n`).
    pub fn config(mut self, toml: &str) -> Self {
        self.extra_config = Some(toml.into());
        self
    }

    /// With `result_clear_secs`.
    pub fn result_clear_secs(mut self, secs: u64) -> Self {
        self.result_clear_secs = Some(secs);
        self
    }
}
