//! # vmcheck-engine
//!
//! The lookup engine both front ends share (the desktop shell and the `vmcheck` CLI): the
//! configuration ([`config`]), the clock ([`clock`]), one lookup end to end with progress and
//! an SDS endpoint cache ([`lookup`]), the error classification ([`error`]) and the serialisable
//! result ([`report`]).
//!
//! It deliberately knows nothing of windows, terminals or Tauri, and does no parsing of wire
//! formats itself (the core does) nor any talking (the adapters do).

pub mod clock;
pub mod config;
pub mod error;
pub mod logging;
pub mod lookup;
pub mod preferences;
pub mod report;
pub mod secrets;
pub mod session;
pub mod setup;
mod signing;
pub mod tls;
pub mod training;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::{Config, ConfigError, Environment, SandboxTarget};
pub use error::LookupError;
pub use lookup::{Actor, Engine, LookupResult, Outcome, Progress};
pub use report::{LookupReport, SearchMatchReport};
pub use secrets::{MemorySecrets, SecretLookup};
