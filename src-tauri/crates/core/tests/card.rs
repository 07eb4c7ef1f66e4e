//! The card conversation (state machine) against the software card: both profiles, passcode
//! tries and blocking, chaining, and certificates without a valid identity.
#![allow(
    clippy::disallowed_methods,
    reason = "tests and benchmarks read the fixture files; the core itself never does"
)]

use vmcheck_core::card::soft::{SoftCard, TRAINING_CERTIFICATE, TRAINING_UUID};
use vmcheck_core::card::{
    identity_from_certificate, CardError, CardProfile, CardSession, CertError, Expiry, FileProfile,
    Operation, Passcode, PinState, Step,
};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/cards/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
}

/// Runs an operation to the end; returns the final step and the APDUs exchanged.
fn drive(card: &mut SoftCard, operation: Operation, profiles: Vec<CardProfile>) -> (Step, usize) {
    let (mut session, mut step) = CardSession::start(operation, profiles);
    let mut count = 0;
    while let Step::Transmit(apdu) = step {
        count += 1;
        assert!(count < 100, "the conversation ends");
        let response = card.transmit(&apdu);
        step = session.on_response(&response);
    }
    (step, count)
}

fn pin(p: &str) -> Operation {
    Operation::ReadIdentity(Passcode::new(p.into()).expect("valid passcode"))
}

fn file_card(tries: u8) -> SoftCard {
    SoftCard::new(
        CardProfile::File(FileProfile::default()),
        "1234",
        tries,
        TRAINING_CERTIFICATE.to_vec(),
    )
}

#[test]
fn reads_the_identity_with_the_right_passcode_on_both_profiles() {
    for (mut card, name) in [(SoftCard::training(), "piv"), (file_card(3), "file")] {
        let (step, apdus) = drive(&mut card, pin("1234"), CardProfile::defaults());
        match step {
            Step::Identity(id, profile) => {
                assert_eq!(id.uuid, TRAINING_UUID);
                assert_eq!(id.name.as_deref(), Some("Training User"));
                assert_eq!(profile, name);
            }
            other => panic!("{name}: {other:?}"),
        }
        assert!(apdus >= 4, "{name}: select, verify and a chained read");
    }
}

#[test]
fn asking_for_tries_spends_none() {
    let mut card = SoftCard::training();
    for _ in 0..3 {
        assert_eq!(
            drive(&mut card, Operation::QueryTries, vec![]).0,
            Step::Tries(PinState::TriesLeft { tries: 3 })
        );
    }
}

#[test]
fn wrong_passcodes_count_down_then_block_even_the_right_one() {
    for mut card in [SoftCard::training(), file_card(3)] {
        assert_eq!(
            drive(&mut card, pin("9999"), vec![]).0,
            Step::Failed(CardError::WrongPasscode { tries_left: 2 })
        );
        assert_eq!(
            drive(&mut card, Operation::QueryTries, vec![]).0,
            Step::Tries(PinState::TriesLeft { tries: 2 })
        );
        assert_eq!(
            drive(&mut card, pin("9998"), vec![]).0,
            Step::Failed(CardError::WrongPasscode { tries_left: 1 })
        );
        assert_eq!(
            drive(&mut card, pin("9997"), vec![]).0,
            Step::Failed(CardError::Blocked)
        );
        assert_eq!(
            drive(&mut card, pin("1234"), vec![]).0,
            Step::Failed(CardError::Blocked)
        );
        assert_eq!(
            drive(&mut card, Operation::QueryTries, vec![]).0,
            Step::Failed(CardError::Blocked)
        );
    }
}

#[test]
fn the_right_passcode_resets_the_counter() {
    let mut card = SoftCard::training();
    drive(&mut card, pin("9999"), vec![]);
    assert!(matches!(
        drive(&mut card, pin("1234"), vec![]).0,
        Step::Identity(..)
    ));
    card.reset();
    assert_eq!(
        drive(&mut card, Operation::QueryTries, vec![]).0,
        Step::Tries(PinState::TriesLeft { tries: 3 })
    );
}

#[test]
fn an_unknown_card_is_reported() {
    let mut card = SoftCard::new(
        CardProfile::File(FileProfile {
            aid: vec![0xA0, 0, 0, 0, 1],
            ..FileProfile::default()
        }),
        "1234",
        3,
        TRAINING_CERTIFICATE.to_vec(),
    );
    assert_eq!(
        drive(&mut card, pin("1234"), CardProfile::defaults()).0,
        Step::Failed(CardError::UnknownCard)
    );
}

#[test]
fn certificates_without_a_valid_identity_are_refused() {
    assert_eq!(
        identity_from_certificate(&fixture("no-uuid.der")),
        Err(CertError::NoUuid)
    );
    assert_eq!(
        identity_from_certificate(&fixture("not-nhs.der")),
        Err(CertError::NotNhsPerson)
    );
    assert_eq!(
        identity_from_certificate(b"not a certificate"),
        Err(CertError::Unreadable)
    );
    let long =
        identity_from_certificate(&fixture("fourteen-digit.der")).expect("14 digits accepted");
    assert_eq!(
        (long.uuid.as_str(), long.name.as_deref()),
        ("55502193510712", Some("Sam Patel"))
    );
    let mut card = SoftCard::new(CardProfile::Piv, "1234", 3, fixture("no-uuid.der"));
    assert_eq!(
        drive(&mut card, pin("1234"), vec![]).0,
        Step::Failed(CardError::Certificate(CertError::NoUuid))
    );
}

#[test]
fn expiry_is_judged_against_the_given_time() {
    let id = identity_from_certificate(TRAINING_CERTIFICATE).expect("identity");
    assert_eq!(id.expiry(id.not_after - 40 * 86_400), Expiry::Valid);
    assert_eq!(
        id.expiry(id.not_after - 10 * 86_400),
        Expiry::ExpiresSoon { days_left: 10 }
    );
    assert_eq!(id.expiry(id.not_after + 1), Expiry::Expired);
}

#[test]
fn read_protection_before_verify() {
    let mut card = SoftCard::training();
    assert_eq!(
        card.transmit(&[0, 0xA4, 4, 0, 11, 0xA0, 0, 0, 3, 8, 0, 0, 0x10, 0, 1, 0]),
        [0x90, 0]
    );
    assert_eq!(
        card.transmit(&[0, 0xCB, 0x3F, 0xFF, 5, 0x5C, 3, 0x5F, 0xC1, 5, 0]),
        [0x69, 0x82]
    );
}

#[test]
fn passcodes_are_checked_before_reaching_the_card() {
    assert!(Passcode::new("12".into()).is_err());
    assert!(Passcode::new("123456789".into()).is_err());
    assert!(Passcode::new("12 4".into()).is_err());
    assert!(format!("{:?}", Passcode::new("1234".into()).expect("ok")).contains("***"));
}
