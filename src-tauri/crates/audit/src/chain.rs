//! The hash chain: the canonical encoding of a record and its SHA-256 link to the one before.
//! The format is described in the crate documentation; change it only with a new format version.

use sha2::{Digest, Sha256};

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

/// `hex(SHA-256(prev_hash || "\n" || canonical(fields)))`.
pub(crate) fn chain_hash(prev_hash: &str, f: &Fields<'_>) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(canonical(f));
    to_hex(&h.finalize())
}

/// Lowercase hex.
fn to_hex(bytes: &[u8]) -> String {
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
}
