//! # vmcheck-card
//!
//! Smartcard access: list readers, watch them for readers and cards coming and going
//! ([`CardEvent`]), and run a card conversation (`vmcheck_core::card::CardSession`) over a
//! transport — real PC/SC readers ([`pcsc_access::PcscCards`]) or the built-in software
//! training card ([`soft_access::TrainingCards`]) — behind one trait, [`CardAccess`].
//!
//! It deliberately knows nothing of sessions, roles or timeouts (the engine's session does),
//! and never sees a passcode in clear outside the core's `Passcode` type. APDU building and
//! response parsing are the core's; this crate only transmits.

pub mod pcsc_access;
pub mod soft_access;

use vmcheck_core::card::{CardError, CardIdentity, CardProfile, Operation, PinState};
pub use vmcheck_core::card::{CardEvent, ReaderStatus};

/// The end of a card conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardOutcome {
    /// The passcode state.
    Tries(PinState),
    /// The holder's identity and the profile that worked.
    Identity(CardIdentity, &'static str),
}

/// Why a card could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardAccessError {
    /// The PC/SC service is not running.
    #[error("The smartcard service is not running on this computer")]
    NoService,
    /// No reader is connected.
    #[error("No smartcard reader is connected")]
    NoReader,
    /// The reader named is not (or no longer) there.
    #[error("The smartcard reader was disconnected")]
    ReaderGone,
    /// No card in the reader.
    #[error("There is no card in the reader")]
    NoCard,
    /// The card was taken out during the conversation.
    #[error("The card was removed before it could be read. Insert it again")]
    Removed,
    /// The card answered, and the answer is a refusal or a problem.
    #[error(transparent)]
    Card(#[from] CardError),
    /// Another PC/SC failure.
    #[error("The smartcard reader reported a problem ({0})")]
    Reader(String),
}

/// Access to readers and cards.
pub trait CardAccess: Send + Sync {
    /// The readers and whether each holds a card.
    fn readers(&self) -> Result<Vec<ReaderStatus>, CardAccessError>;
    /// Runs one operation with the card in `reader`, in one connection that is reset afterwards
    /// (no verified state lingers).
    fn run(
        &self,
        reader: &str,
        operation: Operation,
        profiles: &[CardProfile],
    ) -> Result<CardOutcome, CardAccessError>;
    /// Whether this is the software training card.
    fn is_training(&self) -> bool {
        false
    }
}

/// Drives a card session over a transmit function; shared by both transports.
pub fn converse(
    operation: Operation,
    profiles: &[CardProfile],
    mut transmit: impl FnMut(&[u8]) -> Result<Vec<u8>, CardAccessError>,
) -> Result<CardOutcome, CardAccessError> {
    use vmcheck_core::card::Step;
    let (mut session, mut step) =
        vmcheck_core::card::CardSession::start(operation, profiles.to_vec());
    let mut exchanges = 0u32;
    loop {
        match step {
            Step::Transmit(apdu) => {
                exchanges += 1;
                if exchanges > 200 {
                    return Err(CardError::Protocol("the conversation did not end".into()).into());
                }
                let response = transmit(&apdu)?;
                step = session.on_response(&response);
            }
            Step::Tries(state) => return Ok(CardOutcome::Tries(state)),
            Step::Identity(identity, profile) => {
                return Ok(CardOutcome::Identity(identity, profile))
            }
            Step::Failed(e) => return Err(e.into()),
        }
    }
}

/// Hex of bytes, upper case.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}
