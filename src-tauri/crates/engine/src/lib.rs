//! # vmcheck-engine
//!
//! What both front ends share (the desktop shell and the `vmcheck` CLI): the one start-up
//! routine ([`startup`]), the configuration ([`config`]), the one audited path to patient data
//! ([`access`]: intent recorded before anything leaves, outcome after, refused when it cannot
//! be recorded), the session's I/O around the core's pure session machine ([`session`]), the
//! error classification ([`error`]) and the serialisable results ([`report`]).
//!
//! It deliberately knows nothing of windows, terminals or Tauri, does no parsing of wire formats
//! itself (the core does) nor any talking (the adapters do), and does not depend on the
//! sandbox: training mode is composed beside it (`vmcheck-training`). The adapters' clients are
//! private here, so patient data cannot be reached except through [`access::PatientAccess`].

pub mod access;
pub mod audit;
pub mod central;
mod clients;
pub mod clock;
pub mod codes;
pub mod config;
pub mod doctor;
pub mod error;
pub mod ig_report;
pub mod logging;
pub mod lookup;
pub mod preferences;
pub mod report;
pub mod session;
pub mod shown;
mod signing;
pub mod slip;
pub mod startup;
pub mod tls;
pub mod worklist;

pub use access::{ExportRecord, PatientAccess, RowIntent, RowOutcome, SearchTerms};
pub use clock::{Clock, ManualClock, SystemClock};
pub use codes::ErrorCode;
pub use config::{Config, ConfigError, Environment, SandboxTarget};
pub use error::LookupError;
pub use lookup::{LookupResult, Outcome, Progress};
pub use report::{LookupReport, SearchMatchReport};
pub use vmcheck_core::session::Actor;
pub use vmcheck_secrets::{MemorySecrets, NoSecrets, SecretLookup, SecretsError};
