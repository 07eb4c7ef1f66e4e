//! Spine adapters (in progress).
pub mod sds;
