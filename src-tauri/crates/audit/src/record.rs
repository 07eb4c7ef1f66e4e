//! What one audit record holds. `Debug` is redacted: NHS numbers, user ids and role profile ids
//! show only whether they are present, so a record can never leak into a log line by accident.

use std::fmt;
use std::str::FromStr;

/// What the user did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Signed in with a smartcard (a session began).
    SignIn,
    /// Chose a different role profile.
    RoleChange,
    /// Signed out, or the card was removed.
    SignOut,
    /// The screen was locked (idle timeout or by hand).
    Lock,
    /// Looked a patient up.
    Lookup,
}

impl Action {
    /// Every action, in declaration order.
    pub const ALL: [Action; 5] = [
        Action::SignIn,
        Action::RoleChange,
        Action::SignOut,
        Action::Lock,
        Action::Lookup,
    ];

    /// The stored and exported name: `sign_in`, `role_change`, `sign_out`, `lock`, `lookup`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::SignIn => "sign_in",
            Action::RoleChange => "role_change",
            Action::SignOut => "sign_out",
            Action::Lock => "lock",
            Action::Lookup => "lookup",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not one of [`Action::as_str`]'s.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown audit action (expected sign_in, role_change, sign_out, lock or lookup)")]
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

/// A record to append. The time is a parameter: this crate reads no clock.
#[derive(Clone, PartialEq, Eq)]
pub struct NewRecord {
    /// When it happened, in Unix seconds (UTC). Must be within years 1970–9999.
    pub time: i64,
    /// The smartcard user's UUID (the `sub` of the CIS2 identity).
    pub user_uuid: String,
    /// The role profile in use, if one was chosen yet.
    pub role_profile_id: Option<String>,
    /// The organisation's ODS code.
    pub ods_code: String,
    /// What was done.
    pub action: Action,
    /// The NHS number looked up (lookups only), as entered or normalised by the caller.
    pub nhs_number: Option<String>,
    /// The outcome: a banner (e.g. `green`) or an error code.
    pub outcome: Option<String>,
    /// The `Ssp-TraceID` sent to Spine, if a request was made.
    pub trace_id: Option<String>,
}

/// A record as stored: the fields, its place in the chain and its hashes.
#[derive(Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Position in the chain, from 1, without gaps.
    pub seq: i64,
    /// When it happened, in Unix seconds (UTC).
    pub time: i64,
    /// The smartcard user's UUID.
    pub user_uuid: String,
    /// The role profile in use.
    pub role_profile_id: Option<String>,
    /// The organisation's ODS code.
    pub ods_code: String,
    /// What was done.
    pub action: Action,
    /// The NHS number looked up.
    pub nhs_number: Option<String>,
    /// The banner or error code.
    pub outcome: Option<String>,
    /// The `Ssp-TraceID`.
    pub trace_id: Option<String>,
    /// The previous record's hash (64 zeros for the first record), lowercase hex.
    pub prev_hash: String,
    /// This record's hash, lowercase hex SHA-256 (see the crate documentation for the input).
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
            .field("outcome", &self.outcome)
            .field("trace_id", &self.trace_id)
            .finish()
    }
}

impl fmt::Debug for AuditRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditRecord")
            .field("seq", &self.seq)
            .field("time", &self.time)
            .field("user_uuid", &format_args!("<redacted>"))
            .field("role_profile_id", &Redacted(&self.role_profile_id))
            .field("ods_code", &self.ods_code)
            .field("action", &self.action)
            .field("nhs_number", &Redacted(&self.nhs_number))
            .field("outcome", &self.outcome)
            .field("trace_id", &self.trace_id)
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
    }

    #[test]
    fn debug_hides_nhs_numbers_and_user_ids() {
        let r = NewRecord {
            time: 1,
            user_uuid: "555123456789".into(),
            role_profile_id: Some("555254239107".into()),
            ods_code: "RX1".into(),
            action: Action::Lookup,
            nhs_number: Some("9434765919".into()),
            outcome: Some("green".into()),
            trace_id: Some("trace-1".into()),
        };
        let text = format!("{r:?}");
        assert!(!text.contains("9434765919"), "{text}");
        assert!(!text.contains("555123456789"), "{text}");
        assert!(!text.contains("555254239107"), "{text}");
        assert!(text.contains("RX1") && text.contains("green") && text.contains("Lookup"));
        let stored = AuditRecord {
            seq: 7,
            time: r.time,
            user_uuid: r.user_uuid.clone(),
            role_profile_id: r.role_profile_id.clone(),
            ods_code: r.ods_code.clone(),
            action: r.action,
            nhs_number: r.nhs_number.clone(),
            outcome: r.outcome.clone(),
            trace_id: r.trace_id.clone(),
            prev_hash: "0".repeat(64),
            hash: "a".repeat(64),
        };
        let text = format!("{stored:?} {stored:#?}");
        assert!(!text.contains("9434765919"), "{text}");
        assert!(!text.contains("555123456789"), "{text}");
        assert!(!text.contains("555254239107"), "{text}");
    }
}
