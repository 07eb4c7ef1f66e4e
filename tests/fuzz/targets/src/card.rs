//! `card_apdu`: the card conversation (`CardSession`) fed a sequence of response APDUs.
//!
//! Input: one option byte, then responses, each a two-byte big-endian length and that many
//! bytes (the last one possibly shorter). Option bits 0: the operation (0 read the identity
//! with passcode `1234`, 1 ask for the tries left); bits 1–2: the profiles (PIV then file, PIV
//! only, file only, file then PIV). When the responses run out the card keeps repeating its
//! last one (a stuck card), or answers nothing at all when it never answered.
//!
//! Oracle: no panic; the conversation ends within [`MAX_EXCHANGES`] exchanges; an identity is
//! reported only when reading it was asked for and a VERIFY carrying the passcode was answered
//! `9000` (directly, or at the end of its `61xx` / `6Cxx` exchange); asking for the tries left
//! never sends a passcode (it spends no try).

use vmcheck_core::card::{CardProfile, CardSession, FileProfile, Operation, Passcode, Step};

/// The passcode the target types.
pub const PASSCODE: &str = "1234";

/// More exchanges than any conversation with a working card needs (a 16 KiB certificate read
/// in the smallest chunks the protocol allows is well under this).
pub const MAX_EXCHANGES: usize = 1_000;

const INS_VERIFY: u8 = 0x20;
const INS_GET_RESPONSE: u8 = 0xC0;

/// The operation and profiles an option byte selects.
pub fn options(byte: u8) -> (bool, Vec<CardProfile>) {
    let query_tries = byte & 1 == 1;
    let file = CardProfile::File(FileProfile::default());
    let profiles = match (byte >> 1) & 3 {
        0 => vec![CardProfile::Piv, file],
        1 => vec![CardProfile::Piv],
        2 => vec![file],
        _ => vec![file, CardProfile::Piv],
    };
    (query_tries, profiles)
}

/// Splits the input after the option byte into responses.
pub fn responses(mut data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while let [hi, lo, rest @ ..] = data {
        let len = usize::from(u16::from_be_bytes([*hi, *lo])).min(rest.len());
        let (response, tail) = rest.split_at(len);
        out.push(response);
        data = tail;
    }
    out
}

/// Encodes an option byte and responses as a `card_apdu` input.
pub fn encode(option: u8, responses: &[Vec<u8>]) -> Vec<u8> {
    let mut out = vec![option];
    for r in responses {
        let len = u16::try_from(r.len()).expect("a response under 64 KiB");
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(r);
    }
    out
}

/// The card target.
pub fn card_apdu(data: &[u8]) {
    let Some((&option, rest)) = data.split_first() else {
        return;
    };
    let (query_tries, profiles) = options(option);
    let answers = responses(rest);
    let operation = if query_tries {
        Operation::QueryTries
    } else {
        Operation::ReadIdentity(Passcode::new(PASSCODE.into()).expect("a valid passcode"))
    };
    let mut expected_verify = PASSCODE.as_bytes().to_vec();
    expected_verify.resize(8, 0xFF);

    let (mut session, mut step) = CardSession::start(operation, profiles);
    let mut exchanges = 0;
    // A VERIFY carrying the passcode is waiting for its final status word.
    let mut verify_open = false;
    let mut verified = false;
    loop {
        let apdu = match step {
            Step::Transmit(apdu) => apdu,
            Step::Identity(identity, _) => {
                assert!(!query_tries, "an identity when only the tries were asked");
                assert!(verified, "an identity without a successful VERIFY");
                assert!((12..=14).contains(&identity.uuid.len()));
                return;
            }
            Step::Tries(_) | Step::Failed(_) => return,
        };
        assert!(
            exchanges < MAX_EXCHANGES,
            "the conversation did not end within {MAX_EXCHANGES} exchanges"
        );
        let ins = apdu.get(1).copied();
        let carries_data = apdu.len() > 5;
        if ins == Some(INS_VERIFY) && carries_data {
            assert!(
                !query_tries,
                "a passcode sent when only the tries were asked"
            );
            assert_eq!(
                apdu.get(5..13),
                Some(&expected_verify[..]),
                "VERIFY data is not the passcode"
            );
            verify_open = true;
        } else if ins != Some(INS_GET_RESPONSE) {
            verify_open = false;
        }
        let response: &[u8] = answers
            .get(exchanges)
            .or(answers.last())
            .copied()
            .unwrap_or(&[]);
        exchanges += 1;
        if verify_open {
            match response {
                [.., 0x90, 0x00] => {
                    verified = true;
                    verify_open = false;
                }
                [.., 0x61 | 0x6C, _] => {}
                _ => verify_open = false,
            }
        }
        step = session.on_response(response);
    }
}
