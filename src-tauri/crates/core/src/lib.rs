//! # vmcheck-core
//!
//! The pure domain of V&M Check: NHS numbers, the FHIR DSTU2 subset the Spine Visitors and
//! Migrants (V&M) API speaks (JSON and XML), the chargeable-status model and the banner
//! classification, Spine's error model, the cross-organisation audit JWT, the V&M request as
//! data (URL + headers), the PDS Patient as shown, SDS lookup filters, and a trust's Care Connect
//! answer to a hospital-number search.
//!
//! It deliberately does no I/O: no network, files, clock or randomness. Times, trace ids and
//! device ids are parameters, so every function here is testable with plain data. The adapters
//! (`vmcheck-spine`) do the talking; the engine (`vmcheck-engine`) orchestrates.

pub mod assess;
pub mod banner;
pub mod card;
pub mod care_connect;
pub mod clock;
pub mod doctor;
pub mod fhir;
pub mod jwt;
pub mod nhs;
pub mod pds;
pub mod request;
pub mod roles;
pub mod sds;
pub mod sds_fhir;
pub mod session;
pub mod spine_error;
pub mod status;
pub mod time;
pub mod worklist;

pub use assess::{assess, Assessment, Refusal};
pub use banner::{classify, Banner, BannerColour, BannerKind};
pub use nhs::{NhsNumber, NhsNumberError};
pub use status::{BasicStatus, Category, ChargeableStatus, Reading};
