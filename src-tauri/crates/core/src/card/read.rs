//! The card conversation as a sans-I/O state machine: it says which APDU to send next and
//! reads each response; the PC/SC adapter (or the software training card) only transmits.
//!
//! Two operations: [`Operation::QueryTries`] asks how many passcode tries are left without
//! spending one (VERIFY with no data), and [`Operation::ReadIdentity`] selects the application,
//! verifies the passcode and reads the authentication certificate, in one connection. Both try
//! the configured profiles in order (PIV, then the ISO 7816-4 file profile by default).
//! `61xx` is followed by GET RESPONSE and `6Cxx` by the same command with the right Le, because
//! the PC/SC layer does neither.

use zeroize::Zeroizing;

use super::apdu::{Command, Response, Status};
use super::cert::{der_total_length, find_tlv, identity_from_certificate, CardIdentity, CertError};
use super::profile::{CardProfile, PIV_AID, PIV_AUTH_CERT_TAG, PIV_PIN_REF};

/// A passcode, wiped from memory when dropped; never displayed.
#[derive(Clone)]
pub struct Passcode(Zeroizing<Vec<u8>>);

impl std::fmt::Debug for Passcode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passcode(***)")
    }
}

/// Why a passcode is refused before it reaches the card (spending no try).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasscodeError {
    /// Shorter than 4 or longer than 8 characters.
    #[error("A passcode has 4 to 8 characters")]
    Length,
    /// Not printable ASCII.
    #[error("A passcode contains only letters and digits")]
    Characters,
}

impl Passcode {
    /// Takes the typed passcode (the `String` is wiped).
    pub fn new(typed: String) -> Result<Self, PasscodeError> {
        let bytes = Zeroizing::new(typed.into_bytes());
        if !(4..=8).contains(&bytes.len()) {
            return Err(PasscodeError::Length);
        }
        if !bytes.iter().all(|b| b.is_ascii_graphic()) {
            return Err(PasscodeError::Characters);
        }
        Ok(Self(bytes))
    }

    /// The VERIFY data: the passcode padded with `FF` to 8 bytes (PIV format).
    fn verify_data(&self) -> Vec<u8> {
        let mut data = self.0.to_vec();
        data.resize(8, 0xFF);
        data
    }
}

/// What to do with the card.
#[derive(Debug, Clone)]
pub enum Operation {
    /// How many passcode tries are left (spends none).
    QueryTries,
    /// Verify the passcode and read the identity.
    ReadIdentity(Passcode),
}

/// The passcode state a card reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum PinState {
    /// Tries left before the card blocks.
    TriesLeft {
        /// How many.
        tries: u8,
    },
    /// Already verified in this connection (cards answer 9000 to an empty VERIFY).
    Verified,
    /// Blocked: only a Registration Authority can unblock it.
    Blocked,
}

/// Why the card conversation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardError {
    /// Wrong passcode.
    #[error("The passcode is wrong. {tries_left} {} left before the card is locked", if *.tries_left == 1 { "try" } else { "tries" })]
    WrongPasscode {
        /// Tries left.
        tries_left: u8,
    },
    /// The card is blocked.
    #[error("This card is locked after too many wrong passcodes. Go to your Registration Authority to have it unlocked")]
    Blocked,
    /// No known application on the card.
    #[error("This card is not an NHS smartcard V&M Check can read")]
    UnknownCard,
    /// The card refused a read it should allow after VERIFY.
    #[error("The card refused to release its certificate")]
    ReadRefused,
    /// The certificate is not usable.
    #[error(transparent)]
    Certificate(#[from] CertError),
    /// An unexpected status word or malformed response.
    #[error("The card answered unexpectedly ({0})")]
    Protocol(String),
}

/// The next thing the adapter must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Send these bytes and feed the response to [`CardSession::on_response`].
    Transmit(Vec<u8>),
    /// Finished: the passcode state.
    Tries(PinState),
    /// Finished: the identity, and the profile that worked.
    Identity(CardIdentity, &'static str),
    /// Failed.
    Failed(CardError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Select,
    QueryTries,
    Verify,
    PivGetData,
    FileSelectEf,
    FileRead,
}

/// One conversation with one card.
#[derive(Debug)]
pub struct CardSession {
    operation: Operation,
    profiles: Vec<CardProfile>,
    profile: usize,
    state: State,
    last: Command,
    /// Data gathered across `61xx` chains or READ BINARY chunks.
    buffer: Vec<u8>,
    /// Data of the current response chain.
    chain: Vec<u8>,
}

/// Bytes asked for per READ BINARY.
const READ_CHUNK: u8 = 0xF0;

impl CardSession {
    /// Starts an operation; returns the session and the first APDU to send.
    pub fn start(operation: Operation, profiles: Vec<CardProfile>) -> (Self, Step) {
        let profiles = if profiles.is_empty() {
            CardProfile::defaults()
        } else {
            profiles
        };
        let first = select(&profiles[0]);
        let session = Self {
            operation,
            profiles,
            profile: 0,
            state: State::Select,
            last: first.clone(),
            buffer: Vec::new(),
            chain: Vec::new(),
        };
        (session, Step::Transmit(first.to_bytes()))
    }

    fn send(&mut self, command: Command) -> Step {
        self.last = command.clone();
        Step::Transmit(command.to_bytes())
    }

    fn current(&self) -> &CardProfile {
        &self.profiles[self.profile]
    }

    /// Feeds the card's response; returns what to do next.
    pub fn on_response(&mut self, raw: &[u8]) -> Step {
        let Some(response) = Response::parse(raw) else {
            return Step::Failed(CardError::Protocol(
                "a response shorter than its status".into(),
            ));
        };
        match response.status {
            Status::MoreData(n) => {
                self.chain.extend_from_slice(&response.data);
                return self.send(Command::new(0x00, 0xC0, 0x00, 0x00).with_le(n));
            }
            Status::WrongLength(n) => {
                let again = self.last.clone().with_le(n);
                return self.send(again);
            }
            _ => {}
        }
        let mut data = std::mem::take(&mut self.chain);
        data.extend_from_slice(&response.data);
        self.advance(response.status, data)
    }

    fn advance(&mut self, status: Status, data: Vec<u8>) -> Step {
        match (self.state, status) {
            (State::Select, Status::Ok) => match &self.operation {
                Operation::QueryTries => {
                    self.state = State::QueryTries;
                    let p2 = self.pin_reference();
                    self.send(Command::new(0x00, 0x20, 0x00, p2))
                }
                Operation::ReadIdentity(passcode) => {
                    self.state = State::Verify;
                    let data = passcode.verify_data();
                    let p2 = self.pin_reference();
                    self.send(Command::new(0x00, 0x20, 0x00, p2).with_data(data))
                }
            },
            (State::Select, Status::NotFound | Status::Other(_)) => {
                self.profile += 1;
                if self.profile >= self.profiles.len() {
                    return Step::Failed(CardError::UnknownCard);
                }
                let next = select(self.current());
                self.send(next)
            }
            (State::QueryTries, Status::WrongPin(n)) => {
                Step::Tries(PinState::TriesLeft { tries: n })
            }
            (State::QueryTries, Status::Ok) => Step::Tries(PinState::Verified),
            (State::QueryTries | State::Verify, Status::Blocked) => {
                Step::Failed(CardError::Blocked)
            }
            (State::Verify, Status::WrongPin(0)) => Step::Failed(CardError::Blocked),
            (State::Verify, Status::WrongPin(n)) => {
                Step::Failed(CardError::WrongPasscode { tries_left: n })
            }
            (State::Verify, Status::Ok) => match self.current().clone() {
                CardProfile::Piv => {
                    self.state = State::PivGetData;
                    self.send(
                        Command::new(0x00, 0xCB, 0x3F, 0xFF)
                            .with_data(PIV_AUTH_CERT_TAG.to_vec())
                            .with_le(0),
                    )
                }
                CardProfile::File(f) => {
                    self.state = State::FileSelectEf;
                    self.send(Command::new(0x00, 0xA4, 0x02, 0x0C).with_data(f.file_id.to_vec()))
                }
            },
            (State::PivGetData, Status::Ok) => {
                let cert = find_tlv(&data, 0x53).and_then(|container| find_tlv(container, 0x70));
                match cert {
                    Some(der) => self.finish(der),
                    None => Step::Failed(CardError::Protocol(
                        "the PIV certificate container is malformed".into(),
                    )),
                }
            }
            (State::FileSelectEf, Status::Ok) => {
                self.state = State::FileRead;
                self.send(read_binary(0))
            }
            (State::FileRead, Status::Ok) => {
                if data.is_empty() {
                    return Step::Failed(CardError::Protocol(
                        "the certificate file ended early".into(),
                    ));
                }
                self.buffer.extend_from_slice(&data);
                match der_total_length(&self.buffer) {
                    Some(total) if self.buffer.len() >= total => {
                        let der = self.buffer[..total].to_vec();
                        self.finish(&der)
                    }
                    Some(total) if total > 16 * 1024 => Step::Failed(CardError::Protocol(
                        "the certificate file is implausibly large".into(),
                    )),
                    _ => {
                        let offset = self.buffer.len();
                        self.send(read_binary(offset))
                    }
                }
            }
            (
                State::PivGetData | State::FileRead | State::FileSelectEf,
                Status::SecurityNotSatisfied,
            ) => Step::Failed(CardError::ReadRefused),
            (_, other) => Step::Failed(CardError::Protocol(format!(
                "status {other:?} in {:?}",
                self.state
            ))),
        }
    }

    fn pin_reference(&self) -> u8 {
        match self.current() {
            CardProfile::Piv => PIV_PIN_REF,
            CardProfile::File(f) => f.pin_reference,
        }
    }

    fn finish(&self, der: &[u8]) -> Step {
        match identity_from_certificate(der) {
            Ok(identity) => Step::Identity(identity, self.current().name()),
            Err(e) => Step::Failed(e.into()),
        }
    }
}

fn select(profile: &CardProfile) -> Command {
    let aid = match profile {
        CardProfile::Piv => PIV_AID.to_vec(),
        CardProfile::File(f) => f.aid.clone(),
    };
    Command::new(0x00, 0xA4, 0x04, 0x00).with_data(aid)
}

fn read_binary(offset: usize) -> Command {
    let [hi, lo] = (offset as u16).to_be_bytes();
    Command::new(0x00, 0xB0, hi & 0x7F, lo).with_le(READ_CHUNK)
}
