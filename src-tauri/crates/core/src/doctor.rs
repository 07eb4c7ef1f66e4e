//! The judgements behind `vmcheck doctor` that need no I/O: how far this computer's clock may
//! drift from Spine's before the audit JWT and the PDS client assertion are refused, and how
//! long the endpoint (mutual TLS) certificate has left.

use x509_parser::prelude::{FromDer, X509Certificate};

use crate::card::cert::Expiry;

/// One check's result, as a service desk reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// ✔ working.
    Pass,
    /// ⚠ working, but needs attention soon.
    Warn,
    /// ✘ broken: lookups fail or will.
    Fail,
    /// – not checked (not configured here, or an earlier check failed).
    Skip,
}

impl Verdict {
    /// The mark printed before the check.
    pub fn mark(self) -> &'static str {
        match self {
            Self::Pass => "✔",
            Self::Warn => "⚠",
            Self::Fail => "✘",
            Self::Skip => "–",
        }
    }
}

/// A skew up to this many seconds is normal (network delay, the `Date` header's whole seconds).
pub const SKEW_OK_SECS: i64 = 30;

/// A skew past this many seconds fails: the audit JWT lives 300 s (`exp = iat + 300`) and the
/// PDS client assertion at most 300 s, so a clock two minutes out leaves less than three
/// minutes of a token's life on the other side — and five minutes out, none.
pub const SKEW_FAIL_SECS: i64 = 120;

/// How a clock `skew_secs` ahead of the server (negative: behind) is judged.
pub fn clock_skew(skew_secs: i64) -> Verdict {
    match skew_secs.unsigned_abs() {
        s if s <= SKEW_OK_SECS.unsigned_abs() => Verdict::Pass,
        s if s <= SKEW_FAIL_SECS.unsigned_abs() => Verdict::Warn,
        _ => Verdict::Fail,
    }
}

/// What a certificate file says about its own validity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validity {
    /// The subject, as text (`CN=…, O=…`).
    pub subject: String,
    /// notBefore, seconds since the Unix epoch.
    pub not_before: i64,
    /// notAfter, seconds since the Unix epoch.
    pub not_after: i64,
}

impl Validity {
    /// The certificate's state at `now`: not yet valid counts as expired (Spine refuses it
    /// alike); within [`crate::card::cert::EXPIRY_WARNING_DAYS`] of its end it expires soon.
    pub fn expiry(&self, now: i64) -> Expiry {
        if now < self.not_before {
            Expiry::Expired
        } else {
            Expiry::at(self.not_after, now)
        }
    }
}

/// The verdict on a certificate in state `expiry`.
pub fn certificate(expiry: Expiry) -> Verdict {
    match expiry {
        Expiry::Valid => Verdict::Pass,
        Expiry::ExpiresSoon { .. } => Verdict::Warn,
        Expiry::Expired => Verdict::Fail,
    }
}

/// The validity of the first certificate in a PEM chain (or of a DER certificate).
pub fn validity(bytes: &[u8]) -> Option<Validity> {
    let der = match x509_parser::pem::parse_x509_pem(bytes) {
        Ok((_, pem)) if pem.label == "CERTIFICATE" => pem.contents,
        _ => bytes.to_vec(),
    };
    let (_, cert) = X509Certificate::from_der(&der).ok()?;
    let validity = cert.validity();
    Some(Validity {
        subject: cert.subject().to_string(),
        not_before: validity.not_before.timestamp(),
        not_after: validity.not_after.timestamp(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_within_half_a_minute_passes_and_past_two_minutes_fails() {
        for (skew, verdict) in [
            (0, Verdict::Pass),
            (30, Verdict::Pass),
            (-30, Verdict::Pass),
            (31, Verdict::Warn),
            (-31, Verdict::Warn),
            (120, Verdict::Warn),
            (-120, Verdict::Warn),
            (121, Verdict::Fail),
            (-121, Verdict::Fail),
            (i64::MIN, Verdict::Fail),
            (i64::MAX, Verdict::Fail),
        ] {
            assert_eq!(clock_skew(skew), verdict, "skew {skew}");
        }
    }

    #[test]
    fn a_certificate_warns_in_its_last_thirty_days() {
        let day = 86_400;
        let v = Validity {
            subject: "CN=vmcheck.example.nhs.uk".into(),
            not_before: 1_000 * day,
            not_after: 2_000 * day,
        };
        assert_eq!(v.expiry(1_000 * day - 1), Expiry::Expired, "not yet valid");
        assert_eq!(v.expiry(1_000 * day), Expiry::Valid);
        assert_eq!(v.expiry(1_969 * day), Expiry::Valid);
        assert_eq!(v.expiry(1_970 * day), Expiry::ExpiresSoon { days_left: 30 });
        assert_eq!(
            v.expiry(2_000 * day - 1),
            Expiry::ExpiresSoon { days_left: 0 }
        );
        assert_eq!(v.expiry(2_000 * day), Expiry::Expired);
        assert_eq!(certificate(Expiry::Valid), Verdict::Pass);
        assert_eq!(
            certificate(Expiry::ExpiresSoon { days_left: 3 }),
            Verdict::Warn
        );
        assert_eq!(certificate(Expiry::Expired), Verdict::Fail);
    }

    #[test]
    fn reads_a_pem_chain_and_a_der_certificate_and_refuses_anything_else() {
        let der = include_bytes!("card/training-card.der");
        let from_der = validity(der).expect("DER");
        assert!(from_der.not_after > from_der.not_before);
        let pem = format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, der)
        );
        assert_eq!(validity(pem.as_bytes()), Some(from_der));
        assert_eq!(validity(b"not a certificate"), None);
        assert_eq!(validity(b""), None);
    }
}
