//! ISO 7816-4 command and response APDUs: building bytes and reading status words.

use zeroize::Zeroizing;

/// A command APDU.
#[derive(Clone, PartialEq, Eq)]
pub struct Command {
    /// Class byte.
    pub cla: u8,
    /// Instruction.
    pub ins: u8,
    /// Parameter 1.
    pub p1: u8,
    /// Parameter 2.
    pub p2: u8,
    /// Command data (Lc is its length). Wiped when dropped: it may be a passcode.
    pub data: Zeroizing<Vec<u8>>,
    /// Expected response length (`Some(0)` means 256).
    pub le: Option<u8>,
}

impl std::fmt::Debug for Command {
    /// Shows the header only: command data may be a passcode.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Command({:02X} {:02X} {:02X} {:02X}, {} data bytes)",
            self.cla,
            self.ins,
            self.p1,
            self.p2,
            self.data.len()
        )
    }
}

impl Command {
    /// A command with no data and no Le.
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Self {
            cla,
            ins,
            p1,
            p2,
            data: Zeroizing::new(Vec::new()),
            le: None,
        }
    }
    /// With command data.
    pub fn with_data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data = Zeroizing::new(data.into());
        self
    }
    /// With Le.
    pub fn with_le(mut self, le: u8) -> Self {
        self.le = Some(le);
        self
    }
    /// Short-form encoding (data up to 255 bytes), in a buffer wiped when dropped.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(5 + self.data.len() + 1));
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        if !self.data.is_empty() {
            out.push(self.data.len() as u8);
            out.extend_from_slice(&self.data);
        }
        if let Some(le) = self.le {
            out.push(le);
        }
        out
    }
}

/// The status words V&M Check acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// `9000`.
    Ok,
    /// `61xx`: more data; send GET RESPONSE for `xx` bytes (0 = 256).
    MoreData(u8),
    /// `6Cxx`: wrong Le; re-issue with Le = `xx`.
    WrongLength(u8),
    /// `63Cx`: verification failed, `x` tries left.
    WrongPin(u8),
    /// `6983`: authentication method blocked.
    Blocked,
    /// `6982`: security status not satisfied (read before VERIFY).
    SecurityNotSatisfied,
    /// `6A82`: file or application not found.
    NotFound,
    /// Anything else.
    Other(u16),
}

impl Status {
    /// Reads SW1 SW2.
    pub fn from_sw(sw1: u8, sw2: u8) -> Self {
        match (sw1, sw2) {
            (0x90, 0x00) => Self::Ok,
            (0x61, n) => Self::MoreData(n),
            (0x6C, n) => Self::WrongLength(n),
            (0x63, n) if n & 0xF0 == 0xC0 => Self::WrongPin(n & 0x0F),
            (0x69, 0x83) => Self::Blocked,
            (0x69, 0x82) => Self::SecurityNotSatisfied,
            (0x6A, 0x82) => Self::NotFound,
            _ => Self::Other(u16::from_be_bytes([sw1, sw2])),
        }
    }
}

/// A response APDU: data and status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Response data.
    pub data: Vec<u8>,
    /// The status.
    pub status: Status,
}

impl Response {
    /// Splits raw response bytes; `None` if shorter than the two status bytes.
    pub fn parse(raw: &[u8]) -> Option<Self> {
        let (data, sw) = raw.split_at(raw.len().checked_sub(2)?);
        Some(Self {
            data: data.to_vec(),
            status: Status::from_sw(sw[0], sw[1]),
        })
    }
}

/// Encodes a response (the software training card answers with it).
pub fn response_bytes(data: &[u8], sw: u16) -> Vec<u8> {
    let mut out = data.to_vec();
    out.extend_from_slice(&sw.to_be_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_cases_one_to_four() {
        assert_eq!(
            Command::new(0, 0x20, 0, 0x80).to_bytes()[..],
            [0, 0x20, 0, 0x80]
        );
        assert_eq!(
            Command::new(0, 0xC0, 0, 0).with_le(0x10).to_bytes()[..],
            [0, 0xC0, 0, 0, 0x10]
        );
        assert_eq!(
            Command::new(0, 0xA4, 4, 0)
                .with_data(vec![0xA0, 1])
                .to_bytes()[..],
            [0, 0xA4, 4, 0, 2, 0xA0, 1]
        );
        assert_eq!(
            Command::new(0, 0xCB, 0x3F, 0xFF)
                .with_data(vec![1])
                .with_le(0)
                .to_bytes()[..],
            [0, 0xCB, 0x3F, 0xFF, 1, 1, 0]
        );
    }

    #[test]
    fn reads_status_words() {
        let cases = [
            ([0x90, 0x00], Status::Ok),
            ([0x61, 0x20], Status::MoreData(0x20)),
            ([0x6C, 0x08], Status::WrongLength(8)),
            ([0x63, 0xC2], Status::WrongPin(2)),
            ([0x63, 0xC0], Status::WrongPin(0)),
            ([0x69, 0x83], Status::Blocked),
            ([0x69, 0x82], Status::SecurityNotSatisfied),
            ([0x6A, 0x82], Status::NotFound),
            ([0x63, 0x00], Status::Other(0x6300)),
            ([0x6D, 0x00], Status::Other(0x6D00)),
        ];
        for (sw, status) in cases {
            assert_eq!(Status::from_sw(sw[0], sw[1]), status, "{sw:02X?}");
        }
        assert_eq!(
            Response::parse(&[1, 2, 0x90, 0]),
            Some(Response {
                data: vec![1, 2],
                status: Status::Ok
            })
        );
        assert_eq!(Response::parse(&[0x90]), None);
    }

    #[test]
    fn debug_hides_command_data() {
        let c = Command::new(0, 0x20, 0, 0x80).with_data(b"1234\xFF\xFF\xFF\xFF".to_vec());
        assert!(!format!("{c:?}").contains("31"));
    }
}
