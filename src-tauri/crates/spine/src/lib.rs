//! # vmcheck-spine
//!
//! Adapters for the outside systems a lookup talks to: PDS FHIR R4 ([`pds`]), the Spine
//! Directory Service over LDAP ([`sds`]) or through its FHIR API ([`sds_fhir`]), the Spine V&M
//! endpoint ([`vandm`]) and a trust's Care Connect FHIR STU3 API for hospital numbers ([`care_connect`]). Each sends what
//! the pure core describes and turns what comes back into core types or a typed error. Mutual
//! TLS for the Spine's HTTP endpoints is configured by [`tls`]; [`clock`] is the system clock the
//! adapters and the engine share (tests pass a manual one).
//!
//! It deliberately holds no business rules (what to show, when to cache, what order to call
//! things in): the engine does that. No patient data is logged here; URLs carrying NHS numbers
//! are stripped from error texts.

pub mod care_connect;
pub mod clock;
pub mod http;
pub mod pds;
pub mod sds;
pub mod sds_fhir;
pub mod tls;
pub mod vandm;
