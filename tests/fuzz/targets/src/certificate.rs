//! `certificate`: DER bytes → `identity_from_certificate`.
//!
//! Oracle: no panic; an identity's UUID is 12 to 14 ASCII digits.

use vmcheck_core::card::identity_from_certificate;

/// The certificate target.
pub fn certificate(data: &[u8]) {
    if let Ok(identity) = identity_from_certificate(data) {
        assert!(
            (12..=14).contains(&identity.uuid.len())
                && identity.uuid.bytes().all(|b| b.is_ascii_digit()),
            "a UUID that is not 12 to 14 digits"
        );
        // Any clock reading from 1970 to 2100 (the clock gives seconds since the epoch).
        for now in [
            0,
            1_764_806_400,
            4_102_444_800,
            identity.not_after.clamp(0, 4_102_444_800),
        ] {
            let _ = identity.expiry(now);
        }
    }
}
