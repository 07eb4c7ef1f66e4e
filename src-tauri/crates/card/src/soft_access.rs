//! The built-in training card: a software card (`vmcheck_core::card::soft::SoftCard`) in a
//! pretend reader, for training mode on machines without a PC/SC service. Same APDU behaviour
//! as a real card; always reported as training.

use std::sync::Mutex;

use vmcheck_core::card::soft::SoftCard;
use vmcheck_core::card::{CardProfile, Operation};

use crate::{converse, CardAccess, CardAccessError, CardOutcome, ReaderStatus};

/// The pretend reader's name.
pub const TRAINING_READER: &str = "V&M Check training card";

/// A software card that is always inserted.
#[derive(Debug)]
pub struct TrainingCards {
    card: Mutex<SoftCard>,
}

impl TrainingCards {
    /// The standard training card (passcode 1234).
    pub fn new() -> Self {
        Self::with_card(SoftCard::training())
    }

    /// A given software card (tests).
    pub fn with_card(card: SoftCard) -> Self {
        Self {
            card: Mutex::new(card),
        }
    }
}

impl Default for TrainingCards {
    fn default() -> Self {
        Self::new()
    }
}

impl CardAccess for TrainingCards {
    fn readers(&self) -> Result<Vec<ReaderStatus>, CardAccessError> {
        Ok(vec![ReaderStatus {
            reader: TRAINING_READER.into(),
            card_present: true,
            atr: Some("3B00".into()),
        }])
    }

    fn run(
        &self,
        reader: &str,
        operation: Operation,
        profiles: &[CardProfile],
    ) -> Result<CardOutcome, CardAccessError> {
        if reader != TRAINING_READER {
            return Err(CardAccessError::ReaderGone);
        }
        let mut card = self
            .card
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let result = converse(operation, profiles, |apdu| Ok(card.transmit(apdu)));
        card.reset();
        result
    }

    fn is_training(&self) -> bool {
        true
    }
}
