//! What the readers and cards do, as the PC/SC watcher reports it and the session consumes it.

/// Something that happened to the readers or cards.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum CardEvent {
    /// A reader appeared.
    ReaderAdded {
        /// Reader name.
        reader: String,
    },
    /// A reader was unplugged.
    ReaderRemoved {
        /// Reader name.
        reader: String,
    },
    /// A card was inserted.
    CardInserted {
        /// Reader name.
        reader: String,
        /// The card's ATR, hex.
        atr: String,
    },
    /// A card was removed.
    CardRemoved {
        /// Reader name.
        reader: String,
    },
    /// The PC/SC service is not running (or stopped); retrying.
    ServiceDown,
    /// The PC/SC service is back.
    ServiceUp,
}

/// One reader and what is in it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReaderStatus {
    /// Reader name.
    pub reader: String,
    /// Whether a card is present.
    pub card_present: bool,
    /// The card's ATR, hex, when present.
    pub atr: Option<String>,
}
