//! What one audit record holds. `Debug` is redacted: NHS numbers, search terms, user ids and
//! role profile ids show only whether they are present, so a record can never leak into a log
//! line by accident.

use std::fmt;
use std::str::FromStr;

/// What the record is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Action {
    /// Signed in with a smartcard (a session began).
    SignIn,
    /// Chose a different role profile.
    RoleChange,
    /// Signed out, or the card was removed.
    SignOut,
    /// The screen was locked (idle timeout or by hand).
    Lock,
    /// The intent to look a patient up by NHS number, committed before anything is sent.
    #[default]
    Lookup,
    /// The intent to search PDS by demographics, committed before anything is sent.
    Search,
    /// Patient data written out of V&M Check (a CSV, a worklist's results, a slip).
    Export,
    /// What came back for an intent ([`NewRecord::refers_to`] names it).
    Outcome,
}

impl Action {
    /// Every action, in declaration order.
    pub const ALL: [Action; 8] = [
        Action::SignIn,
        Action::RoleChange,
        Action::SignOut,
        Action::Lock,
        Action::Lookup,
        Action::Search,
        Action::Export,
        Action::Outcome,
    ];

    /// The stored and exported name: `sign_in`, `role_change`, `sign_out`, `lock`, `lookup`,
    /// `search`, `export`, `outcome`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::SignIn => "sign_in",
            Action::RoleChange => "role_change",
            Action::SignOut => "sign_out",
            Action::Lock => "lock",
            Action::Lookup => "lookup",
            Action::Search => "search",
            Action::Export => "export",
            Action::Outcome => "outcome",
        }
    }

    /// An access to patient data that must be followed by an [`Action::Outcome`].
    pub fn is_intent(self) -> bool {
        matches!(self, Action::Lookup | Action::Search)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not one of [`Action::as_str`]'s.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown audit action (expected sign_in, role_change, sign_out, lock, lookup, search, export or outcome)")]
pub struct UnknownAction;

impl FromStr for Action {
    type Err = UnknownAction;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Action::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or(UnknownAction)
    }
}

/// A record to append. The time is a parameter: this crate reads no clock. The installation id
/// is the log's own ([`crate::AuditLog::installation_id`]) and is added when the record is
/// stored.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct NewRecord {
    /// When it happened, in Unix seconds (UTC). Must be within years 1970–9999.
    pub time: i64,
    /// The smartcard user's UUID (the `sub` of the audit token).
    pub user_uuid: String,
    /// The role profile in use, if one was chosen yet.
    pub role_profile_id: Option<String>,
    /// The organisation's ODS code.
    pub ods_code: String,
    /// What was done.
    pub action: Action,
    /// The NHS number looked up (a lookup intent), or the patient returned (an outcome; the new
    /// number when the one asked for was superseded).
    pub nhs_number: Option<String>,
    /// The demographic search terms (a search intent), `family=…;given=…;birthdate=…;…`.
    pub search_terms: Option<String>,
    /// The outcome: a banner (`green:NotChargeable`), an error code, a reason for a lock.
    pub outcome: Option<String>,
    /// The `Ssp-TraceID` (also PDS's `X-Correlation-ID`), if a request was made.
    pub trace_id: Option<String>,
    /// The worklist job the access belongs to.
    pub batch_id: Option<String>,
    /// For an outcome: the sequence number of its intent.
    pub refers_to: Option<i64>,
    /// Anything else the outcome or export needs to say (`superseded_from=…`, `view=…`,
    /// `rows=…;to=…`).
    pub detail: Option<String>,
}

impl NewRecord {
    /// A record of `action` by `user_uuid` at `ods_code`, at `time`, with nothing else yet.
    pub fn new(time: i64, user_uuid: &str, ods_code: &str, action: Action) -> Self {
        Self {
            time,
            user_uuid: user_uuid.to_owned(),
            ods_code: ods_code.to_owned(),
            action,
            ..Self::default()
        }
    }
}

/// The hashing rule a stored record follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordFormat {
    /// Format 1 (before keyed chains): SHA-256 over the first nine fields.
    Sha256,
    /// Format 2: HMAC-SHA-256 with the installation's key over every field.
    Keyed,
}

impl RecordFormat {
    /// The stored number.
    pub fn number(self) -> i64 {
        match self {
            Self::Sha256 => 1,
            Self::Keyed => 2,
        }
    }
}

/// A record as stored: the fields, its place in the chain and its hashes.
#[derive(Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Position in the chain, from 1, without gaps.
    pub seq: i64,
    /// The installation that wrote it (absent on format-1 records).
    pub installation_id: Option<String>,
    /// The fields.
    pub record: NewRecord,
    /// How its hash was made.
    pub format: RecordFormat,
    /// The previous record's hash (64 zeros for the first record), lowercase hex.
    pub prev_hash: String,
    /// This record's hash, lowercase hex.
    pub hash: String,
}

/// Shows whether a sensitive value is there, never the value.
struct Redacted<'a>(&'a Option<String>);

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "Some(<redacted>)"
        } else {
            "None"
        })
    }
}

impl fmt::Debug for NewRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewRecord")
            .field("time", &self.time)
            .field("user_uuid", &format_args!("<redacted>"))
            .field("role_profile_id", &Redacted(&self.role_profile_id))
            .field("ods_code", &self.ods_code)
            .field("action", &self.action)
            .field("nhs_number", &Redacted(&self.nhs_number))
            .field("search_terms", &Redacted(&self.search_terms))
            .field("outcome", &self.outcome)
            .field("trace_id", &self.trace_id)
            .field("batch_id", &self.batch_id)
            .field("refers_to", &self.refers_to)
            .field("detail", &Redacted(&self.detail))
            .finish()
    }
}

impl fmt::Debug for AuditRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditRecord")
            .field("seq", &self.seq)
            .field("installation_id", &self.installation_id)
            .field("record", &self.record)
            .field("format", &self.format)
            .field("prev_hash", &self.prev_hash)
            .field("hash", &self.hash)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip_through_their_names() {
        for a in Action::ALL {
            assert_eq!(a.as_str().parse::<Action>(), Ok(a));
            assert_eq!(a.to_string(), a.as_str());
        }
        assert_eq!("Lookup".parse::<Action>(), Err(UnknownAction));
        assert_eq!("".parse::<Action>(), Err(UnknownAction));
        let intents: Vec<Action> = Action::ALL.into_iter().filter(|a| a.is_intent()).collect();
        assert_eq!(intents, [Action::Lookup, Action::Search]);
    }

    #[test]
    fn debug_hides_nhs_numbers_search_terms_and_user_ids() {
        let r = NewRecord {
            role_profile_id: Some("555254239107".into()),
            nhs_number: Some("9434765919".into()),
            search_terms: Some("family=SMITH".into()),
            outcome: Some("green".into()),
            trace_id: Some("trace-1".into()),
            detail: Some("superseded_from=9434765870".into()),
            ..NewRecord::new(1, "555123456789", "RX1", Action::Lookup)
        };
        let stored = AuditRecord {
            seq: 7,
            installation_id: Some("i".into()),
            record: r.clone(),
            format: RecordFormat::Keyed,
            prev_hash: "0".repeat(64),
            hash: "a".repeat(64),
        };
        let text = format!("{r:?} {stored:?} {stored:#?}");
        for secret in [
            "9434765919",
            "555123456789",
            "555254239107",
            "SMITH",
            "9434765870",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(text.contains("RX1") && text.contains("green") && text.contains("Lookup"));
    }
}
