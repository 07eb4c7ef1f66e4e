//! The card conversation as a sans-I/O state machine: it says which APDU to send next and
//! reads each response; the PC/SC adapter (or the software training card) only transmits.
//!
//! Two operations: [`Operation::QueryTries`] asks how many passcode tries are left without
//! spending one (VERIFY with no data), and [`Operation::ReadIdentity`] selects the application,
//! verifies the passcode and reads the authentication certificate, in one connection. Both try
//! the configured profiles in order (PIV, then the ISO 7816-4 file profile by default).
//! `61xx` is followed by GET RESPONSE and `6Cxx` by the same command with the right Le, because
//! the PC/SC layer does neither.

use zeroize::{Zeroize, Zeroizing};

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
    fn verify_data(&self) -> Zeroizing<Vec<u8>> {
        let mut data = Zeroizing::new(Vec::with_capacity(8));
        data.extend_from_slice(&self.0);
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
    /// Send these bytes and feed the response to [`CardSession::on_response`]. The buffer is
    /// wiped when dropped: a VERIFY carries the passcode.
    Transmit(Zeroizing<Vec<u8>>),
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
    /// Responses read so far.
    exchanges: u32,
}

/// Bytes asked for per READ BINARY.
const READ_CHUNK: u8 = 0xF0;

/// The most responses one conversation reads. A working card needs a few dozen at most (a
/// 16 KiB certificate is under 70 chunks); a card that keeps answering `61xx`, `6Cxx` or
/// dribbles its file out is given up on rather than followed for ever.
pub const MAX_EXCHANGES: u32 = 200;

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
            exchanges: 0,
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
        self.exchanges = self.exchanges.saturating_add(1);
        if self.exchanges > MAX_EXCHANGES {
            return Step::Failed(CardError::Protocol(
                "the card did not finish the conversation".into(),
            ));
        }
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
        // Answered: the command (a VERIFY holds the passcode) is not needed any more.
        self.last.data.zeroize();
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
                    self.send(Command::new(0x00, 0x20, 0x00, p2).with_data(data.to_vec()))
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
                    // Five bytes hold any DER header read here (tag, 0x83, three length
                    // bytes): without a length by then, the file is not a DER certificate and
                    // reading on would never end.
                    None if self.buffer.len() >= 5 => Step::Failed(CardError::Protocol(
                        "the certificate file does not start with a DER certificate".into(),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn read_identity() -> Operation {
        Operation::ReadIdentity(Passcode::new("1234".into()).expect("valid"))
    }

    /// Feeds `first` responses, then repeats `stuck` until the conversation ends.
    fn run_stuck(profiles: Vec<CardProfile>, first: &[&[u8]], stuck: &[u8]) -> (Step, usize) {
        let (mut session, mut step) = CardSession::start(read_identity(), profiles);
        let mut count = 0;
        while let Step::Transmit(_) = step {
            let response = first.get(count).copied().unwrap_or(stuck);
            step = session.on_response(response);
            count += 1;
            assert!(count <= 10_000, "the conversation never ends");
        }
        (step, count)
    }

    #[test]
    fn a_card_answering_61xx_or_6cxx_for_ever_is_given_up_on() {
        for stuck in [&[0xAA, 0x61, 0x00][..], &[0x6C, 0x10][..]] {
            let (step, count) = run_stuck(vec![CardProfile::Piv], &[&[0x90, 0x00]], stuck);
            assert!(
                matches!(step, Step::Failed(CardError::Protocol(_))),
                "{step:?}"
            );
            assert_eq!(count, MAX_EXCHANGES as usize + 1);
        }
    }

    #[test]
    fn a_file_without_a_der_length_is_refused_not_read_for_ever() {
        let ok: &[u8] = &[0x90, 0x00];
        let file = vec![CardProfile::File(crate::card::FileProfile::default())];
        // Tag 02 with a 16-byte length field, then an indefinite length: no DER length.
        for chunk in [
            &[0x02, 0x90, 0x00, 0x00, 0x02, 0x90, 0x00][..],
            &[0x30, 0x80, 1, 2, 3, 0x90, 0x00][..],
        ] {
            let (step, count) = run_stuck(file.clone(), &[ok, ok, ok], chunk);
            assert!(
                matches!(step, Step::Failed(CardError::Protocol(_))),
                "{step:?}"
            );
            assert_eq!(count, 4, "select, verify, select EF, one read");
        }
    }

    #[test]
    fn the_passcode_is_kept_only_until_the_card_answers_the_verify() {
        let (mut session, step) = CardSession::start(read_identity(), vec![CardProfile::Piv]);
        assert!(matches!(step, Step::Transmit(_)));
        // SELECT answered: the VERIFY goes out, in a wiping buffer, carrying the passcode.
        let Step::Transmit(verify) = session.on_response(&[0x90, 0x00]) else {
            panic!("a VERIFY")
        };
        let wiped: &Zeroizing<Vec<u8>> = &verify;
        assert_eq!(&wiped[..4], &[0x00, 0x20, 0x00, 0x80]);
        assert_eq!(&wiped[5..9], b"1234");
        assert_eq!(
            &session.last.data[..4],
            b"1234",
            "kept while a 6Cxx could ask again"
        );
        // The card answers the VERIFY (wrong, or right): the session holds no copy any more.
        session.on_response(&[0x63, 0xC2]);
        assert!(session.last.data.iter().all(|b| *b == 0), "wiped");
        let (mut session, _) = CardSession::start(read_identity(), vec![CardProfile::Piv]);
        session.on_response(&[0x90, 0x00]);
        session.on_response(&[0x90, 0x00]);
        assert!(
            !session.last.data.windows(4).any(|w| w == b"1234"),
            "the next command replaced it"
        );
    }
}
