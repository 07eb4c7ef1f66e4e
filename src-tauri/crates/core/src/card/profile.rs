//! The two ways a card can hold the authentication certificate.

/// The PIV application identifier (NIST SP 800-73).
pub const PIV_AID: [u8; 11] = [
    0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00,
];
/// PIV card application PIN key reference.
pub const PIV_PIN_REF: u8 = 0x80;
/// GET DATA data field for the PIV authentication certificate (tag list `5C 03 5F C1 05`).
pub const PIV_AUTH_CERT_TAG: [u8; 5] = [0x5C, 0x03, 0x5F, 0xC1, 0x05];

/// How to reach the certificate on a card.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum CardProfile {
    /// NIST SP 800-73 PIV: SELECT AID, VERIFY (key 80), GET DATA 5FC105.
    Piv,
    /// ISO 7816-4 files: SELECT DF by AID, VERIFY, SELECT EF by file id, READ BINARY.
    File(FileProfile),
}

/// Parameters of the ISO 7816-4 file profile.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileProfile {
    /// The DF's application identifier.
    pub aid: Vec<u8>,
    /// The EF holding the DER certificate.
    pub file_id: [u8; 2],
    /// The VERIFY key reference (P2).
    pub pin_reference: u8,
}

impl Default for FileProfile {
    fn default() -> Self {
        Self {
            aid: DEFAULT_FILE_AID.to_vec(),
            file_id: [0xC1, 0x01],
            pin_reference: 0x81,
        }
    }
}

/// The default DF AID of the file profile: an unregistered proprietary AID (`F0` + "NHSID" +
/// `01`), so it cannot collide with a real application.
pub const DEFAULT_FILE_AID: [u8; 7] = [0xF0, 0x4E, 0x48, 0x53, 0x49, 0x44, 0x01];

impl CardProfile {
    /// The default order when the profile is not configured: PIV, then the file profile.
    pub fn defaults() -> Vec<Self> {
        vec![Self::Piv, Self::File(FileProfile::default())]
    }

    /// A short name (`piv`, `file`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Piv => "piv",
            Self::File(_) => "file",
        }
    }
}
