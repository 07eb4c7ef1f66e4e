//! # vmcheck-fuzz-targets
//!
//! The fuzz targets of V&M Check as plain functions, `pub fn NAME(data: &[u8])`. Each runs the
//! code under test on arbitrary bytes and asserts the target's *oracle*: it panics only when
//! the oracle is violated (or when the code under test panics itself). An input the code under
//! test refuses is not a failure.
//!
//! The cargo-fuzz crate (`tests/fuzz`, nightly) calls these functions from its
//! `fuzz_targets/NAME.rs`; the replay test (`tests/replay.rs`, stable) runs every file of every
//! corpus and regressions directory through them as an ordinary `cargo test`.
//!
//! Where an oracle needs to know what an input "really says", the target reads the input
//! again itself, independently and simply (`serde_json`, `roxmltree`), never with the code
//! under test.

pub mod card;
pub mod certificate;
pub mod config;
pub mod pds;
pub mod sds;
pub mod seeds;
pub mod vandm;
pub mod worklist;

pub use card::card_apdu;
pub use certificate::certificate;
pub use config::config_toml;
pub use pds::pds_patient;
pub use sds::sds_entries;
pub use vandm::{vandm_json, vandm_xml};
pub use worklist::worklist_row;

use vmcheck_core::time::CalendarDate;

/// The NHS number every V&M target asks about (valid under Modulus 11).
pub const ASKED_NHS_NUMBER: &str = "9434765919";

/// The day the targets take for today (the core has no clock).
pub const TODAY: CalendarDate = CalendarDate {
    year: 2026,
    month: 12,
    day: 4,
};

/// A fuzz target: runs one input and asserts the oracle.
pub type Target = fn(&[u8]);

/// Every target by name, as the cargo-fuzz crate and the corpus directories name them.
pub const TARGETS: &[(&str, Target)] = &[
    ("vandm_json", vandm_json),
    ("vandm_xml", vandm_xml),
    ("pds_patient", pds_patient),
    ("card_apdu", card_apdu),
    ("certificate", certificate),
    ("sds_entries", sds_entries),
    ("config_toml", config_toml),
    ("worklist_row", worklist_row),
];
