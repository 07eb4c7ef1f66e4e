//! A software smartcard with the same APDU behaviour as the real test cards: both profiles,
//! passcode tries and blocking, read protection before VERIFY, `61xx` chaining and `6Cxx`.
//!
//! It is the **training card** of the training mode (no PC/SC service needed, clearly marked as
//! training wherever it shows), and the card the core's own tests talk to.

use super::apdu::response_bytes;
use super::profile::{CardProfile, PIV_AID, PIV_AUTH_CERT_TAG};

/// The training card's certificate: `C=GB, O=nhs, OU=People, CN=555021935107`, "Training User",
/// valid until 2049.
pub const TRAINING_CERTIFICATE: &[u8] = include_bytes!("training-card.der");
/// The training card's UUID.
pub const TRAINING_UUID: &str = "555021935107";
/// The training card's passcode (printed in the training guide; not a secret).
pub const TRAINING_PASSCODE: &str = "1234";

/// A card in software.
#[derive(Debug, Clone)]
pub struct SoftCard {
    profile: CardProfile,
    passcode: Vec<u8>,
    tries_left: u8,
    max_tries: u8,
    certificate: Vec<u8>,
    selected: bool,
    ef_selected: bool,
    verified: bool,
    pending: Vec<u8>,
}

impl SoftCard {
    /// A card with this profile, passcode, tries and certificate.
    pub fn new(profile: CardProfile, passcode: &str, tries: u8, certificate: Vec<u8>) -> Self {
        Self {
            profile,
            passcode: passcode.as_bytes().to_vec(),
            tries_left: tries,
            max_tries: tries.max(1),
            certificate,
            selected: false,
            ef_selected: false,
            verified: false,
            pending: Vec::new(),
        }
    }

    /// The training card: PIV, passcode 1234, three tries.
    pub fn training() -> Self {
        Self::new(
            CardProfile::Piv,
            TRAINING_PASSCODE,
            3,
            TRAINING_CERTIFICATE.to_vec(),
        )
    }

    /// Sets the tries left (tests: one try left, blocked).
    pub fn with_tries_left(mut self, tries: u8) -> Self {
        self.tries_left = tries;
        self
    }

    /// Forgets the verified state, as a reset or power cycle does.
    pub fn reset(&mut self) {
        self.selected = false;
        self.ef_selected = false;
        self.verified = false;
        self.pending.clear();
    }

    /// Answers one command APDU.
    pub fn transmit(&mut self, apdu: &[u8]) -> Vec<u8> {
        let Some((&[_cla, ins, p1, p2], rest)) = apdu.split_first_chunk::<4>() else {
            return response_bytes(&[], 0x6700);
        };
        let (data, le) = split_body(rest);
        match ins {
            0xA4 => self.select(p1, p2, data),
            0x20 => self.verify(p2, data),
            0xCB => self.get_data(p1, p2, data),
            0xC0 => self.get_response(le),
            0xB0 => self.read_binary(p1, p2, le),
            _ => response_bytes(&[], 0x6D00),
        }
    }

    fn select(&mut self, p1: u8, _p2: u8, data: &[u8]) -> Vec<u8> {
        match (p1, &self.profile) {
            (0x04, CardProfile::Piv) if data == PIV_AID => {}
            (0x04, CardProfile::File(f)) if data == f.aid.as_slice() => {}
            (0x02, CardProfile::File(f)) if self.selected && data == f.file_id => {
                self.ef_selected = true;
                return response_bytes(&[], 0x9000);
            }
            _ => return response_bytes(&[], 0x6A82),
        }
        self.selected = true;
        self.ef_selected = false;
        self.verified = false;
        response_bytes(&[], 0x9000)
    }

    fn pin_reference(&self) -> u8 {
        match &self.profile {
            CardProfile::Piv => super::profile::PIV_PIN_REF,
            CardProfile::File(f) => f.pin_reference,
        }
    }

    fn verify(&mut self, p2: u8, data: &[u8]) -> Vec<u8> {
        if !self.selected {
            return response_bytes(&[], 0x6985);
        }
        if p2 != self.pin_reference() {
            return response_bytes(&[], 0x6A88);
        }
        if self.tries_left == 0 {
            return response_bytes(&[], 0x6983);
        }
        if data.is_empty() {
            return if self.verified {
                response_bytes(&[], 0x9000)
            } else {
                response_bytes(&[], 0x63C0 | u16::from(self.tries_left))
            };
        }
        let typed: Vec<u8> = data.iter().copied().take_while(|b| *b != 0xFF).collect();
        if typed == self.passcode {
            self.tries_left = self.max_tries;
            self.verified = true;
            response_bytes(&[], 0x9000)
        } else {
            self.tries_left -= 1;
            self.verified = false;
            response_bytes(&[], 0x63C0 | u16::from(self.tries_left))
        }
    }

    fn get_data(&mut self, p1: u8, p2: u8, data: &[u8]) -> Vec<u8> {
        if !matches!(self.profile, CardProfile::Piv)
            || !self.selected
            || (p1, p2) != (0x3F, 0xFF)
            || data != PIV_AUTH_CERT_TAG
        {
            return response_bytes(&[], 0x6A82);
        }
        if !self.verified {
            return response_bytes(&[], 0x6982);
        }
        let mut inner = tlv(0x70, &self.certificate);
        inner.extend(tlv(0x71, &[0x00]));
        inner.extend(tlv(0xFE, &[]));
        self.pending = tlv(0x53, &inner);
        self.get_response(0)
    }

    fn get_response(&mut self, le: usize) -> Vec<u8> {
        if self.pending.is_empty() {
            return response_bytes(&[], 0x6985);
        }
        let want = if le == 0 { 256 } else { le };
        let take = want.min(self.pending.len());
        let chunk: Vec<u8> = self.pending.drain(..take).collect();
        let sw = match self.pending.len() {
            0 => 0x9000,
            n if n >= 256 => 0x6100,
            n => 0x6100 | n as u16,
        };
        response_bytes(&chunk, sw)
    }

    fn read_binary(&mut self, p1: u8, p2: u8, le: usize) -> Vec<u8> {
        if !self.ef_selected {
            return response_bytes(&[], 0x6986);
        }
        if !self.verified {
            return response_bytes(&[], 0x6982);
        }
        let offset = usize::from(u16::from_be_bytes([p1 & 0x7F, p2]));
        let left = self.certificate.len().saturating_sub(offset);
        if left == 0 {
            return response_bytes(&[], 0x6B00);
        }
        let want = if le == 0 { 256 } else { le };
        if want > left {
            return response_bytes(&[], 0x6C00 | left.min(255) as u16);
        }
        response_bytes(&self.certificate[offset..offset + want], 0x9000)
    }
}

fn split_body(rest: &[u8]) -> (&[u8], usize) {
    match rest {
        [] => (&[], 0),
        [le] => (&[], usize::from(*le)),
        [lc, body @ ..] => {
            let lc = usize::from(*lc);
            let data = body.get(..lc).unwrap_or(body);
            let le = body.get(lc).map(|b| usize::from(*b)).unwrap_or(0);
            (data, le)
        }
    }
}

fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match value.len() {
        n if n < 0x80 => out.push(n as u8),
        n if n <= 0xFF => out.extend([0x81, n as u8]),
        n => out.extend([0x82, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(value);
    out
}
