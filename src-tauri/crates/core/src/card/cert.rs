//! The user's identity from the card's authentication certificate: the UUID in the subject's
//! CN under `O=nhs, OU=People` (12–14 digits), and the certificate's expiry.

use x509_parser::prelude::{FromDer, X509Certificate};

/// What the certificate says about its holder.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CardIdentity {
    /// The SDS user id (12–14 digits).
    pub uuid: String,
    /// The holder's name when the subject carries one (`name`, or given name + surname).
    pub name: Option<String>,
    /// notAfter, seconds since the Unix epoch.
    pub not_after: i64,
}

impl std::fmt::Debug for CardIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardIdentity")
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

/// Why a certificate gives no identity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    /// Not a DER X.509 certificate.
    #[error("the card's certificate could not be read")]
    Unreadable,
    /// The subject is not under `O=nhs, OU=People`.
    #[error("the card's certificate is not an NHS smartcard certificate (its subject is not under O=nhs, OU=People)")]
    NotNhsPerson,
    /// No CN of 12–14 digits.
    #[error("the card's certificate does not carry a valid user ID (12 to 14 digits)")]
    NoUuid,
}

/// How the certificate's validity relates to now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Expiry {
    /// More than the warning period left.
    Valid,
    /// Expires within the warning period.
    ExpiresSoon {
        /// Whole days left (0 = expires today).
        days_left: i64,
    },
    /// Already expired.
    Expired,
}

/// Days before expiry from which sign-in warns.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

impl Expiry {
    /// The state at `now` (seconds) of a certificate valid until `not_after`.
    pub fn at(not_after: i64, now: i64) -> Self {
        if now >= not_after {
            Expiry::Expired
        } else if not_after - now <= EXPIRY_WARNING_DAYS * 86_400 {
            Expiry::ExpiresSoon {
                days_left: (not_after - now) / 86_400,
            }
        } else {
            Expiry::Valid
        }
    }
}

impl CardIdentity {
    /// Compares notAfter with `now` (seconds).
    pub fn expiry(&self, now: i64) -> Expiry {
        Expiry::at(self.not_after, now)
    }
}

/// Reads the identity from a DER certificate.
pub fn identity_from_certificate(der: &[u8]) -> Result<CardIdentity, CertError> {
    let (_, cert) = X509Certificate::from_der(der).map_err(|_| CertError::Unreadable)?;
    let subject = cert.subject();
    let values = |oid: &x509_parser::der_parser::oid::Oid<'_>| -> Vec<String> {
        subject
            .iter_by_oid(oid)
            .filter_map(|a| a.as_str().ok().map(str::to_owned))
            .collect()
    };
    use x509_parser::oid_registry as oids;
    let orgs = values(&oids::OID_X509_ORGANIZATION_NAME);
    let units = values(&oids::OID_X509_ORGANIZATIONAL_UNIT);
    if !orgs.iter().any(|o| o.eq_ignore_ascii_case("nhs"))
        || !units.iter().any(|u| u.eq_ignore_ascii_case("People"))
    {
        return Err(CertError::NotNhsPerson);
    }
    let uuid = values(&oids::OID_X509_COMMON_NAME)
        .into_iter()
        .find(|cn| (12..=14).contains(&cn.len()) && cn.bytes().all(|b| b.is_ascii_digit()))
        .ok_or(CertError::NoUuid)?;
    let name = values(&oids::OID_X509_NAME).into_iter().next().or_else(|| {
        let given = values(&oids::OID_X509_GIVEN_NAME).join(" ");
        let surname = values(&oids::OID_X509_SURNAME).join(" ");
        let full = format!("{given} {surname}").trim().to_owned();
        (!full.is_empty()).then_some(full)
    });
    Ok(CardIdentity {
        uuid,
        name,
        not_after: cert.validity().not_after.timestamp(),
    })
}

/// The length of a DER element from its first bytes, when enough are present.
pub fn der_total_length(prefix: &[u8]) -> Option<usize> {
    let (&first, rest) = prefix.get(1..)?.split_first()?;
    let _ = rest;
    if first < 0x80 {
        return Some(2 + usize::from(first));
    }
    let n = usize::from(first & 0x7F);
    if n == 0 || n > 3 {
        return None;
    }
    let bytes = prefix.get(2..2 + n)?;
    let len = bytes
        .iter()
        .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
    Some(2 + n + len)
}

/// Finds a BER-TLV element with a one-byte tag among siblings; returns its value.
pub fn find_tlv(mut data: &[u8], tag: u8) -> Option<&[u8]> {
    while !data.is_empty() {
        let t = data[0];
        let total = der_total_length(data)?;
        let header = total - value_len(data)?;
        let value = data.get(header..total)?;
        if t == tag {
            return Some(value);
        }
        data = &data[total..];
    }
    None
}

fn value_len(data: &[u8]) -> Option<usize> {
    let first = *data.get(1)?;
    if first < 0x80 {
        return Some(usize::from(first));
    }
    let n = usize::from(first & 0x7F);
    Some(
        data.get(2..2 + n)?
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_lengths() {
        assert_eq!(der_total_length(&[0x30, 0x05]), Some(7));
        assert_eq!(der_total_length(&[0x30, 0x81, 0x90]), Some(3 + 0x90));
        assert_eq!(der_total_length(&[0x30, 0x82, 0x04, 0x10]), Some(4 + 0x410));
        assert_eq!(
            der_total_length(&[0x30, 0x82, 0x04]),
            None,
            "not enough bytes yet"
        );
        assert_eq!(der_total_length(&[0x30]), None);
    }

    #[test]
    fn finds_tlvs() {
        let data = [0x70, 0x02, 0xAA, 0xBB, 0x71, 0x01, 0x00, 0xFE, 0x00];
        assert_eq!(find_tlv(&data, 0x70), Some(&[0xAA, 0xBB][..]));
        assert_eq!(find_tlv(&data, 0x71), Some(&[0x00][..]));
        assert_eq!(find_tlv(&data, 0xFE), Some(&[][..]));
        assert_eq!(find_tlv(&data, 0x72), None);
        assert_eq!(find_tlv(&[0x70, 0x05, 0x01], 0x70), None, "truncated");
    }

    #[test]
    fn expiry_windows() {
        let id = CardIdentity {
            uuid: "555021935107".into(),
            name: None,
            not_after: 100 * 86_400,
        };
        assert_eq!(id.expiry(0), Expiry::Valid);
        assert_eq!(
            id.expiry(71 * 86_400),
            Expiry::ExpiresSoon { days_left: 29 }
        );
        assert_eq!(id.expiry(100 * 86_400), Expiry::Expired);
    }
}
