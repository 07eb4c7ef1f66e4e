//! The hash chain: the canonical encodings of a record and its link to the one before —
//! SHA-256 for format-1 records, HMAC-SHA-256 with the installation's key for format 2. The
//! formats are described in the crate documentation; change them only with a new format.

use ring::hmac;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::record::NewRecord;

/// The "previous hash" of the first record: 64 zeros.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Starts every canonical encoding, so a future format can never collide with this one.
const DOMAIN: &[u8] = b"vmcheck-audit-v1\n";

/// The hashed fields of one record, borrowed; the action as its stored name so that a record
/// whose action was tampered with can still be hashed (and found not to match).
#[derive(Clone, Copy)]
pub(crate) struct Fields<'a> {
    pub seq: i64,
    pub time: i64,
    pub user_uuid: &'a str,
    pub role_profile_id: Option<&'a str>,
    pub ods_code: &'a str,
    pub action: &'a str,
    pub nhs_number: Option<&'a str>,
    pub outcome: Option<&'a str>,
    pub trace_id: Option<&'a str>,
}

/// Appends one field: `-\n` when absent, else `<byte length>:<bytes>\n`.
fn field(buf: &mut Vec<u8>, value: Option<&str>) {
    match value {
        None => buf.extend_from_slice(b"-\n"),
        Some(v) => {
            buf.extend_from_slice(v.len().to_string().as_bytes());
            buf.push(b':');
            buf.extend_from_slice(v.as_bytes());
            buf.push(b'\n');
        }
    }
}

/// The unambiguous byte encoding of a record's fields (length-prefixed, absent ≠ empty).
pub(crate) fn canonical(f: &Fields<'_>) -> Vec<u8> {
    let mut buf = Vec::with_capacity(256);
    buf.extend_from_slice(DOMAIN);
    field(&mut buf, Some(&f.seq.to_string()));
    field(&mut buf, Some(&f.time.to_string()));
    field(&mut buf, Some(f.user_uuid));
    field(&mut buf, f.role_profile_id);
    field(&mut buf, Some(f.ods_code));
    field(&mut buf, Some(f.action));
    field(&mut buf, f.nhs_number);
    field(&mut buf, f.outcome);
    field(&mut buf, f.trace_id);
    buf
}

/// The installation's secret key for the keyed chain and its checkpoints: 32 bytes, kept in the
/// OS keyring by the engine. Never shown, never logged.
pub struct AuditKey {
    bytes: Zeroizing<Vec<u8>>,
    key: hmac::Key,
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(***)")
    }
}

/// The length of an [`AuditKey`] in bytes.
pub const KEY_LEN: usize = 32;

/// A key that is not [`KEY_LEN`] bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an audit log key is {KEY_LEN} bytes; this one is {0}")]
pub struct BadKey(pub usize);

impl AuditKey {
    /// The key from its bytes (as kept in the keyring).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BadKey> {
        if bytes.len() != KEY_LEN {
            return Err(BadKey(bytes.len()));
        }
        Ok(Self {
            bytes: Zeroizing::new(bytes.to_vec()),
            key: hmac::Key::new(hmac::HMAC_SHA256, bytes),
        })
    }

    /// The bytes, to be stored in the keyring.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// `hex(HMAC-SHA-256(key, parts joined))`.
    pub(crate) fn mac(&self, parts: &[&[u8]]) -> String {
        let mut ctx = hmac::Context::with_key(&self.key);
        for p in parts {
            ctx.update(p);
        }
        to_hex(ctx.sign().as_ref())
    }

    /// This installation's id: a UUID-shaped name derived from the key, so the same key always
    /// names the same installation and no randomness is needed here.
    pub fn installation_id(&self) -> String {
        let h = self.mac(&[b"vmcheck-installation-id"]);
        format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }
}

/// Starts every format-2 encoding.
const DOMAIN_V2: &[u8] = b"vmcheck-audit-v2\n";

/// The fields of a format-2 record, borrowed; `action` as stored so a tampered value still
/// hashes.
pub(crate) struct KeyedFields<'a> {
    pub seq: i64,
    pub installation_id: &'a str,
    pub action: &'a str,
    pub record: &'a NewRecord,
}

/// The unambiguous byte encoding of a format-2 record.
pub(crate) fn canonical_v2(f: &KeyedFields<'_>) -> Vec<u8> {
    let r = f.record;
    let mut buf = Vec::with_capacity(384);
    buf.extend_from_slice(DOMAIN_V2);
    field(&mut buf, Some(&f.seq.to_string()));
    field(&mut buf, Some(&r.time.to_string()));
    field(&mut buf, Some(f.installation_id));
    field(&mut buf, Some(&r.user_uuid));
    field(&mut buf, r.role_profile_id.as_deref());
    field(&mut buf, Some(&r.ods_code));
    field(&mut buf, Some(f.action));
    field(&mut buf, r.nhs_number.as_deref());
    field(&mut buf, r.search_terms.as_deref());
    field(&mut buf, r.outcome.as_deref());
    field(&mut buf, r.trace_id.as_deref());
    field(&mut buf, r.batch_id.as_deref());
    field(&mut buf, r.refers_to.map(|n| n.to_string()).as_deref());
    field(&mut buf, r.detail.as_deref());
    buf
}

/// `hex(HMAC-SHA-256(key, prev_hash || "\n" || canonical_v2(fields)))`.
pub(crate) fn keyed_hash(key: &AuditKey, prev_hash: &str, f: &KeyedFields<'_>) -> String {
    key.mac(&[prev_hash.as_bytes(), b"\n", &canonical_v2(f)])
}

/// `hex(SHA-256(prev_hash || "\n" || canonical(fields)))`.
pub(crate) fn chain_hash(prev_hash: &str, f: &Fields<'_>) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(canonical(f));
    to_hex(&h.finalize())
}

/// Lowercase hex.
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Fields<'static> {
        Fields {
            seq: 1,
            time: 1_795_253_400,
            user_uuid: "555123456789",
            role_profile_id: Some("555254239107"),
            ods_code: "RX1",
            action: "lookup",
            nhs_number: Some("9434765919"),
            outcome: Some("green"),
            trace_id: None,
        }
    }

    #[test]
    fn canonical_encoding_is_as_documented() {
        let text = String::from_utf8(canonical(&sample())).expect("utf-8");
        assert_eq!(
            text,
            "vmcheck-audit-v1\n1:1\n10:1795253400\n12:555123456789\n12:555254239107\n3:RX1\n6:lookup\n10:9434765919\n5:green\n-\n"
        );
    }

    #[test]
    fn hash_matches_an_independent_sha256() {
        // Computed outside Rust: python3 hashlib.sha256(b"0" * 64 + b"\n" + canonical).
        assert_eq!(
            chain_hash(GENESIS_HASH, &sample()),
            "598dcf4b193e4362ad17b7a3b8a5a27dde70b8d86577b73f5520818074aabfeb"
        );
    }

    #[test]
    fn absent_empty_and_shifted_values_hash_differently() {
        let base = sample();
        let a = chain_hash(GENESIS_HASH, &base);
        let empty = Fields {
            trace_id: Some(""),
            ..base
        };
        assert_ne!(a, chain_hash(GENESIS_HASH, &empty));
        // Moving characters from one field to the next must change the encoding.
        let x = Fields {
            outcome: Some("gree"),
            trace_id: Some("n"),
            ..base
        };
        let y = Fields {
            outcome: Some("green"),
            trace_id: Some(""),
            ..base
        };
        assert_ne!(canonical(&x), canonical(&y));
        // A value that looks like encoded fields cannot fake them.
        let z = Fields {
            outcome: Some("green\n-"),
            trace_id: None,
            ..base
        };
        assert_ne!(canonical(&z), canonical(&base));
        assert_ne!(a, chain_hash(&"1".repeat(64), &base));
    }

    fn key(byte: u8) -> AuditKey {
        AuditKey::from_bytes(&[byte; KEY_LEN]).expect("key")
    }

    #[test]
    fn keyed_hashes_depend_on_the_key_and_every_field() {
        let record = NewRecord {
            nhs_number: Some("9434765919".into()),
            trace_id: Some("t".into()),
            refers_to: Some(3),
            ..NewRecord::new(1_795_253_400, "555123456789", "RX1", crate::Action::Outcome)
        };
        let f = |r: &NewRecord| {
            keyed_hash(
                &key(1),
                GENESIS_HASH,
                &KeyedFields {
                    seq: 4,
                    installation_id: "inst",
                    action: "outcome",
                    record: r,
                },
            )
        };
        let base = f(&record);
        assert_eq!(base.len(), 64);
        assert_ne!(
            base,
            keyed_hash(
                &key(2),
                GENESIS_HASH,
                &KeyedFields {
                    seq: 4,
                    installation_id: "inst",
                    action: "outcome",
                    record: &record
                }
            )
        );
        for changed in [
            NewRecord {
                refers_to: Some(2),
                ..record.clone()
            },
            NewRecord {
                refers_to: None,
                ..record.clone()
            },
            NewRecord {
                batch_id: Some(String::new()),
                ..record.clone()
            },
            NewRecord {
                detail: Some("x".into()),
                ..record.clone()
            },
            NewRecord {
                search_terms: Some("x".into()),
                ..record.clone()
            },
            NewRecord {
                time: record.time + 1,
                ..record.clone()
            },
        ] {
            assert_ne!(f(&changed), base);
        }
        let text = String::from_utf8(canonical_v2(&KeyedFields {
            seq: 4,
            installation_id: "inst",
            action: "outcome",
            record: &record,
        }))
        .expect("utf-8");
        assert_eq!(
            text,
            "vmcheck-audit-v2\n1:4\n10:1795253400\n4:inst\n12:555123456789\n-\n3:RX1\n7:outcome\n10:9434765919\n-\n-\n1:t\n-\n1:3\n-\n"
        );
    }

    #[test]
    fn keys_are_32_bytes_and_name_their_installation() {
        assert_eq!(AuditKey::from_bytes(&[0; 31]).map(|_| ()), Err(BadKey(31)));
        let id = key(7).installation_id();
        assert_eq!(id.len(), 36);
        assert_eq!(id, key(7).installation_id());
        assert_ne!(id, key(8).installation_id());
        assert_eq!(format!("{:?}", key(7)), "AuditKey(***)");
    }
}
