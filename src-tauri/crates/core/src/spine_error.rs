//! Spine's error model for the V&M API: the twelve error codes the API uses, how each is sent
//! (HTTP status, issue type, display) and what it means to a user (a plain-English message and
//! what to do).

use crate::fhir::OperationOutcome;

/// The V&M error codes (value set spine-error-or-warning-code-1, the rows the API uses), plus
/// `BadRequest` for a rejected audit token and `Other` for any code outside the API's table.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum SpineErrorCode {
    /// 404 not-found.
    PatientNotFound,
    /// 400 invalid.
    InvalidNhsNumber,
    /// 400 code-invalid.
    InvalidCodeSystem,
    /// 400 code-invalid.
    InvalidCodeValue,
    /// 400 code-invalid.
    InvalidIdentifierSystem,
    /// 400 value.
    InvalidElement,
    /// 400 invalid.
    InvalidParameter,
    /// 400 unknown: the NHS number in the query differs from `requested_record` in the JWT.
    RequestUnmatched,
    /// 400 structure.
    MessageNotWellFormed,
    /// 400 invalid.
    MissingOrInvalidHeader,
    /// 403 forbidden: TLS protocol or cipher not accepted.
    AccessDeniedSsl,
    /// 403 forbidden: the sender's or receiver's ASID is not authorised.
    AsidCheckFailed,
    /// 400 invalid: a request Spine could not accept (used for an audit token it cannot read).
    BadRequest,
    /// Any other code (kept verbatim).
    Other(String),
}

impl SpineErrorCode {
    /// The twelve codes of the V&M error table, in its order.
    pub const TABLE: [Self; 12] = [
        Self::PatientNotFound,
        Self::InvalidNhsNumber,
        Self::InvalidCodeSystem,
        Self::InvalidCodeValue,
        Self::InvalidIdentifierSystem,
        Self::InvalidElement,
        Self::InvalidParameter,
        Self::RequestUnmatched,
        Self::MessageNotWellFormed,
        Self::MissingOrInvalidHeader,
        Self::AccessDeniedSsl,
        Self::AsidCheckFailed,
    ];

    /// Reads a wire code.
    pub fn from_code(code: &str) -> Self {
        Self::TABLE
            .into_iter()
            .chain([Self::BadRequest])
            .find(|c| c.code() == code)
            .unwrap_or_else(|| Self::Other(code.to_owned()))
    }

    /// The wire code.
    pub fn code(&self) -> &str {
        match self {
            Self::PatientNotFound => "PATIENT_NOT_FOUND",
            Self::InvalidNhsNumber => "INVALID_NHS_NUMBER",
            Self::InvalidCodeSystem => "INVALID_CODE_SYSTEM",
            Self::InvalidCodeValue => "INVALID_CODE_VALUE",
            Self::InvalidIdentifierSystem => "INVALID_IDENTIFIER_SYSTEM",
            Self::InvalidElement => "INVALID_ELEMENT",
            Self::InvalidParameter => "INVALID_PARAMETER",
            Self::RequestUnmatched => "REQUEST_UNMATCHED",
            Self::MessageNotWellFormed => "MESSAGE_NOT_WELL_FORMED",
            Self::MissingOrInvalidHeader => "MISSING_OR_INVALID_HEADER",
            Self::AccessDeniedSsl => "ACCESS_DENIED_SSL",
            Self::AsidCheckFailed => "ASID_CHECK_FAILED",
            Self::BadRequest => "BAD_REQUEST",
            Self::Other(code) => code,
        }
    }

    /// The HTTP status Spine sends it with.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::PatientNotFound => 404,
            Self::AccessDeniedSsl | Self::AsidCheckFailed => 403,
            _ => 400,
        }
    }

    /// The FHIR issue type Spine sends it with.
    pub fn issue_type(&self) -> &'static str {
        match self {
            Self::PatientNotFound => "not-found",
            Self::InvalidCodeSystem | Self::InvalidCodeValue | Self::InvalidIdentifierSystem => {
                "code-invalid"
            }
            Self::InvalidElement => "value",
            Self::RequestUnmatched => "unknown",
            Self::MessageNotWellFormed => "structure",
            Self::AccessDeniedSsl | Self::AsidCheckFailed => "forbidden",
            Self::InvalidNhsNumber
            | Self::InvalidParameter
            | Self::MissingOrInvalidHeader
            | Self::BadRequest => "invalid",
            Self::Other(_) => "unknown",
        }
    }

    /// The value set's display.
    pub fn display(&self) -> &str {
        match self {
            Self::PatientNotFound => "Patient not found",
            Self::InvalidNhsNumber => "Invalid NHS number",
            Self::InvalidCodeSystem => "Invalid code system",
            Self::InvalidCodeValue => "Invalid code value",
            Self::InvalidIdentifierSystem => "Invalid identifier system",
            Self::InvalidElement => "Invalid element",
            Self::InvalidParameter => "Invalid parameter",
            Self::RequestUnmatched => "Request does not match authorisation token",
            Self::MessageNotWellFormed => "Message not well formed",
            Self::MissingOrInvalidHeader => "There is a required header missing or invalid",
            Self::AccessDeniedSsl => "SSL Protocol or Cipher requirements not met",
            Self::AsidCheckFailed => {
                "The sender or receiver's ASID is not authorised for this interaction"
            }
            Self::BadRequest => "Bad request",
            Self::Other(code) => code,
        }
    }

    /// What happened, in plain English, for the person at the screen.
    pub fn user_message(&self) -> &'static str {
        match self {
            Self::PatientNotFound => "The visitor status service has no patient with this NHS number.",
            Self::InvalidNhsNumber => "Spine did not accept this NHS number.",
            Self::InvalidCodeSystem | Self::InvalidCodeValue | Self::InvalidIdentifierSystem
            | Self::InvalidElement | Self::InvalidParameter | Self::MessageNotWellFormed => {
                "Spine could not understand the request V&M Check sent."
            }
            Self::RequestUnmatched => "Spine refused the request: the patient asked for did not match the audit details sent with it.",
            Self::MissingOrInvalidHeader => "Spine refused the request because a required routing or audit header was missing or wrong.",
            Self::AccessDeniedSsl => "Spine refused the secure connection from this computer.",
            Self::AsidCheckFailed => "Spine says this system is not authorised to check visitor status.",
            Self::BadRequest => "Spine refused the request's audit details.",
            Self::Other(_) => "Spine returned an error this version of V&M Check does not recognise.",
        }
    }

    /// What the user should do next.
    pub fn user_action(&self) -> &'static str {
        match self {
            Self::PatientNotFound => "Check the NHS number matches the patient shown and their documents. If it does, ask the OVM team, quoting the trace ID.",
            Self::InvalidNhsNumber => "Check the NHS number and try again. If it is right, contact the service desk with the trace ID.",
            Self::AccessDeniedSsl | Self::AsidCheckFailed => "Contact your IT service desk with the trace ID: this computer's Spine connection needs attention. No status can be shown until it is fixed.",
            _ => "Try again. If it happens again, contact the service desk with the trace ID.",
        }
    }

    /// Whether trying again could help (a transient fault rather than a fixed refusal).
    pub fn is_retryable(&self) -> bool {
        false
    }
}

/// An error answer from Spine: HTTP status plus the OperationOutcome's first issue.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SpineError {
    /// HTTP status of the response.
    pub http_status: u16,
    /// `fatal` | `error` | `warning` | `information`.
    pub severity: String,
    /// FHIR issue type.
    pub issue_type: String,
    /// The Spine code.
    pub code: SpineErrorCode,
    /// The display sent.
    pub display: Option<String>,
    /// The diagnostics sent (for the service desk; never contains what we sent back).
    pub diagnostics: Option<String>,
}

impl std::fmt::Debug for SpineError {
    /// Diagnostics are free text that may quote the request: left out of debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpineError")
            .field("http_status", &self.http_status)
            .field("issue_type", &self.issue_type)
            .field("code", &self.code)
            .finish_non_exhaustive()
    }
}

impl SpineError {
    /// Builds the error from an OperationOutcome received with `http_status`.
    pub fn from_outcome(http_status: u16, outcome: &OperationOutcome) -> Self {
        let issue = outcome.issues.first();
        let coding = outcome.spine_coding();
        Self {
            http_status,
            severity: issue.map(|i| i.severity.clone()).unwrap_or_default(),
            issue_type: issue.map(|i| i.code.clone()).unwrap_or_default(),
            code: SpineErrorCode::from_code(coding.and_then(|c| c.code.as_deref()).unwrap_or("")),
            display: coding.and_then(|c| c.display.clone()),
            diagnostics: issue.and_then(|i| i.diagnostics.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The V&M error table of the specification: HTTP, issue type, code, display.
    const TABLE: [(u16, &str, &str, &str); 12] = [
        (404, "not-found", "PATIENT_NOT_FOUND", "Patient not found"),
        (400, "invalid", "INVALID_NHS_NUMBER", "Invalid NHS number"),
        (
            400,
            "code-invalid",
            "INVALID_CODE_SYSTEM",
            "Invalid code system",
        ),
        (
            400,
            "code-invalid",
            "INVALID_CODE_VALUE",
            "Invalid code value",
        ),
        (
            400,
            "code-invalid",
            "INVALID_IDENTIFIER_SYSTEM",
            "Invalid identifier system",
        ),
        (400, "value", "INVALID_ELEMENT", "Invalid element"),
        (400, "invalid", "INVALID_PARAMETER", "Invalid parameter"),
        (
            400,
            "unknown",
            "REQUEST_UNMATCHED",
            "Request does not match authorisation token",
        ),
        (
            400,
            "structure",
            "MESSAGE_NOT_WELL_FORMED",
            "Message not well formed",
        ),
        (
            400,
            "invalid",
            "MISSING_OR_INVALID_HEADER",
            "There is a required header missing or invalid",
        ),
        (
            403,
            "forbidden",
            "ACCESS_DENIED_SSL",
            "SSL Protocol or Cipher requirements not met",
        ),
        (
            403,
            "forbidden",
            "ASID_CHECK_FAILED",
            "The sender or receiver's ASID is not authorised for this interaction",
        ),
    ];

    #[test]
    fn every_error_code_of_the_specification() {
        for (http, issue_type, code, display) in TABLE {
            let c = SpineErrorCode::from_code(code);
            assert!(!matches!(c, SpineErrorCode::Other(_)), "{code} is known");
            assert_eq!(
                (c.http_status(), c.issue_type(), c.code(), c.display()),
                (http, issue_type, code, display)
            );
            assert!(c.user_message().ends_with('.'), "{code} has a message");
            assert!(!c.user_action().is_empty(), "{code} says what to do");
        }
        assert_eq!(SpineErrorCode::TABLE.len(), TABLE.len());
    }

    #[test]
    fn connection_refusals_send_the_user_to_it_not_to_retry() {
        for c in [
            SpineErrorCode::AccessDeniedSsl,
            SpineErrorCode::AsidCheckFailed,
        ] {
            assert!(c.user_action().contains("IT service desk"));
        }
        assert!(SpineErrorCode::PatientNotFound
            .user_action()
            .contains("Check the NHS number"));
    }

    #[test]
    fn unknown_codes_are_kept_verbatim() {
        let c = SpineErrorCode::from_code("NO_RELATIONSHIP");
        assert_eq!(c, SpineErrorCode::Other("NO_RELATIONSHIP".into()));
        assert_eq!(c.code(), "NO_RELATIONSHIP");
    }
}
