//! NHS numbers: parsing user input, the Modulus 11 check digit, display formatting.
//!
//! A number that fails here is refused locally, before any request leaves the machine. The type
//! does not implement `Display` with its digits: logs must never carry an NHS number, so showing
//! one is an explicit call (`formatted()` / `as_str()`).

use std::fmt;

/// A ten-digit NHS number whose check digit is valid.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NhsNumber(String);

/// Why a string is not an NHS number. The messages are shown to users as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NhsNumberError {
    /// Nothing was entered.
    #[error("Enter an NHS number")]
    Empty,
    /// A character other than a digit, space or dash.
    #[error("An NHS number contains only digits (spaces and dashes are allowed between them)")]
    NotDigits,
    /// Not ten digits once spaces and dashes are removed.
    #[error("An NHS number has 10 digits; this has {0}")]
    WrongLength(usize),
    /// The Modulus 11 calculation gives 10, which no NHS number can have.
    #[error("This is not a valid NHS number (no NHS number can have these first nine digits)")]
    CheckDigitTen,
    /// The tenth digit is not the one the first nine call for.
    #[error(
        "This is not a valid NHS number: the check digit does not match (check for a typing error)"
    )]
    BadCheckDigit,
}

impl NhsNumber {
    /// Parses user input: digits, optionally separated by spaces or dashes (`943 476 5919`,
    /// `943-476-5919`), with surrounding whitespace ignored.
    pub fn parse(input: &str) -> Result<Self, NhsNumberError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(NhsNumberError::Empty);
        }
        let mut digits = String::with_capacity(10);
        for c in trimmed.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' => {}
                _ => return Err(NhsNumberError::NotDigits),
            }
        }
        if digits.len() != 10 {
            return Err(NhsNumberError::WrongLength(digits.len()));
        }
        let bytes = digits.as_bytes();
        let expected = check_digit(
            bytes[..9]
                .try_into()
                .map_err(|_| NhsNumberError::WrongLength(digits.len()))?,
        )?;
        if bytes[9] - b'0' != expected {
            return Err(NhsNumberError::BadCheckDigit);
        }
        Ok(Self(digits))
    }

    /// The ten digits, unspaced, as sent on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number as people read it: `943 476 5919`.
    pub fn formatted(&self) -> String {
        format!("{} {} {}", &self.0[..3], &self.0[3..6], &self.0[6..])
    }
}

/// The Modulus 11 check digit for nine leading digits (ASCII), or `CheckDigitTen` when the
/// calculation yields 10 (such prefixes are never issued).
pub fn check_digit(first_nine: &[u8; 9]) -> Result<u8, NhsNumberError> {
    let sum: u32 = first_nine
        .iter()
        .zip((2..=10).rev())
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    match 11 - (sum % 11) {
        11 => Ok(0),
        10 => Err(NhsNumberError::CheckDigitTen),
        d => Ok(d as u8),
    }
}

impl fmt::Debug for NhsNumber {
    /// Redacted: debug output ends up in logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NhsNumber(***)")
    }
}

impl TryFrom<String> for NhsNumber {
    type Error = NhsNumberError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<NhsNumber> for String {
    fn from(value: NhsNumber) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Result<&str, NhsNumberError>) {
        assert_eq!(
            NhsNumber::parse(input).map(|n| n.as_str().to_owned()),
            expected.map(str::to_owned),
            "input {input:?}"
        );
    }

    #[test]
    fn valid_numbers_in_every_accepted_shape() {
        check("9434765919", Ok("9434765919"));
        check("943 476 5919", Ok("9434765919"));
        check("943-476-5919", Ok("9434765919"));
        check("  943 476 5919 \n", Ok("9434765919"));
        check("9000000009", Ok("9000000009"));
        check("9000000025", Ok("9000000025"));
        // check digit 0 (sum % 11 == 0)
        check("9000000130", Ok("9000000130"));
    }

    #[test]
    fn the_specification_example_number_fails_modulus_11() {
        check("9900002831", Err(NhsNumberError::BadCheckDigit));
    }

    #[test]
    fn refused_inputs() {
        check("", Err(NhsNumberError::Empty));
        check("   ", Err(NhsNumberError::Empty));
        check("943476591", Err(NhsNumberError::WrongLength(9)));
        check("94347659190", Err(NhsNumberError::WrongLength(11)));
        check("943476591O", Err(NhsNumberError::NotDigits));
        check("ABC4765919", Err(NhsNumberError::NotDigits));
        check("943.476.5919", Err(NhsNumberError::NotDigits));
        check("9434765918", Err(NhsNumberError::BadCheckDigit));
        // 100000001: 1*10 + 1*2 = 12; 12 % 11 = 1; 11 - 1 = 10.
        check("1000000010", Err(NhsNumberError::CheckDigitTen));
    }

    #[test]
    fn formats_three_three_four() {
        let n = NhsNumber::parse("9434765919").expect("valid");
        assert_eq!(n.formatted(), "943 476 5919");
    }

    #[test]
    fn debug_output_does_not_reveal_the_number() {
        let n = NhsNumber::parse("9434765919").expect("valid");
        assert_eq!(format!("{n:?}"), "NhsNumber(***)");
    }

    #[test]
    fn serde_round_trip_validates() {
        let n: NhsNumber = serde_json::from_str("\"9434765919\"").expect("valid");
        assert_eq!(serde_json::to_string(&n).expect("ser"), "\"9434765919\"");
        assert!(serde_json::from_str::<NhsNumber>("\"9900002831\"").is_err());
    }
}
