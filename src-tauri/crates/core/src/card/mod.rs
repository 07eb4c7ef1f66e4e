//! The smartcard side of sign-in, pure: APDUs, the two card profiles, the conversation as a
//! state machine, and the certificate → UUID rule. The PC/SC adapter only transmits bytes.

pub mod apdu;
pub mod cert;
pub mod events;
pub mod profile;
pub mod read;
pub mod soft;

pub use cert::{identity_from_certificate, CardIdentity, CertError, Expiry};
pub use events::{CardEvent, ReaderStatus};
pub use profile::{CardProfile, FileProfile};
pub use read::{CardError, CardSession, Operation, Passcode, PasscodeError, PinState, Step};
