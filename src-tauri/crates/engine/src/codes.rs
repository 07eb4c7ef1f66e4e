//! Every error code a front end can be given, as one enum: the CLI's `--json`, the desktop's IPC
//! errors, and the UI's code → advice table (`ui/src/errors.ts`, keyed by the generated
//! TypeScript type) all use it, so a code cannot be misspelt on either side.

/// Declares the codes with their wire spelling.
macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident = $code:literal,)*) => {
        /// A stable error code (its wire spelling is `SCREAMING_SNAKE_CASE`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub enum ErrorCode {
            $($(#[$doc])* #[serde(rename = $code)] $variant,)*
        }

        impl ErrorCode {
            /// Every code.
            pub const ALL: &'static [ErrorCode] = &[$(Self::$variant,)*];

            /// The wire spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)*
                }
            }
        }
    };
}

codes! {
    // Refused locally or by the session.
    /// An NHS number failing the Modulus 11 check; nothing was sent.
    InvalidNhsNumberLocal = "INVALID_NHS_NUMBER_LOCAL",
    /// Nobody is signed in with a role.
    NoIdentity = "NO_IDENTITY",
    /// The session locked before the result arrived.
    SessionEnded = "SESSION_ENDED",
    /// The access could not be recorded in the audit log, so it was not made.
    AuditUnavailable = "AUDIT_UNAVAILABLE",
    /// The lookup was cancelled.
    Cancelled = "CANCELLED",
    /// The desktop shell refused or failed to run a command (the UI's own code).
    IpcFailed = "IPC_FAILED",
    // The answer could not be vouched for.
    /// Spine answered about another patient.
    SubjectMismatch = "SUBJECT_MISMATCH",
    /// Spine's status record is void (entered in error, cancelled).
    SpineRecordVoid = "SPINE_RECORD_VOID",
    /// Spine returned several status records.
    SpineSeveralRecords = "SPINE_SEVERAL_RECORDS",
    // PDS.
    /// PDS did not answer in time.
    PdsTimeout = "PDS_TIMEOUT",
    /// PDS could not be reached, or the connection broke.
    PdsUnreachable = "PDS_UNREACHABLE",
    /// PDS answered with a redirect.
    PdsRedirected = "PDS_REDIRECTED",
    /// PDS's answer was larger than the cap.
    PdsResponseTooLarge = "PDS_RESPONSE_TOO_LARGE",
    /// PDS has no patient with this number.
    ResourceNotFound = "RESOURCE_NOT_FOUND",
    /// The record was invalidated.
    InvalidatedResource = "INVALIDATED_RESOURCE",
    /// PDS did not accept the NHS number.
    InvalidResourceId = "INVALID_RESOURCE_ID",
    /// PDS refused the request (MISSING_VALUE, INVALID_VALUE, …).
    PdsBadRequest = "PDS_BAD_REQUEST",
    /// PDS refused this system's credentials or permissions.
    AccessDenied = "ACCESS_DENIED",
    /// The token service refused the client assertion.
    PdsAuthRefused = "PDS_AUTH_REFUSED",
    /// PDS timed out calling its own services.
    UnableToCallService = "UNABLE_TO_CALL_SERVICE",
    /// PDS is limiting requests.
    TooManyRequests = "TOO_MANY_REQUESTS",
    /// PDS failed (5xx or another status).
    PdsServerError = "PDS_SERVER_ERROR",
    /// A search matched too many patients.
    TooManyMatches = "TOO_MANY_MATCHES",
    /// PDS sent something that is not the resource expected.
    PdsUnexpectedResponse = "PDS_UNEXPECTED_RESPONSE",
    // SDS.
    /// The V&M endpoint could not be found in SDS.
    SdsLookupFailed = "SDS_LOOKUP_FAILED",
    // The V&M service: transport and answers.
    /// Spine did not answer in time.
    SpineTimeout = "SPINE_TIMEOUT",
    /// The connection broke before the whole answer arrived.
    SpineConnectionBroken = "SPINE_CONNECTION_BROKEN",
    /// Spine could not be reached.
    SpineUnreachable = "SPINE_UNREACHABLE",
    /// Spine answered with a redirect.
    SpineRedirected = "SPINE_REDIRECTED",
    /// Spine's answer was larger than the cap.
    SpineResponseTooLarge = "SPINE_RESPONSE_TOO_LARGE",
    /// An HTTP error without a FHIR body (a proxy page, a plain 500).
    SpineHttpError = "SPINE_HTTP_ERROR",
    /// Spine (or a proxy) is limiting requests.
    SpineRateLimited = "SPINE_RATE_LIMITED",
    /// An answer V&M Check cannot read.
    SpineUnreadableResponse = "SPINE_UNREADABLE_RESPONSE",
    /// Another error code from Spine (kept in the message).
    SpineError = "SPINE_ERROR",
    // The V&M API's own error codes.
    /// No patient with this NHS number on Spine.
    PatientNotFound = "PATIENT_NOT_FOUND",
    /// Spine did not accept the NHS number.
    InvalidNhsNumber = "INVALID_NHS_NUMBER",
    /// A code system Spine does not accept.
    InvalidCodeSystem = "INVALID_CODE_SYSTEM",
    /// A code value Spine does not accept.
    InvalidCodeValue = "INVALID_CODE_VALUE",
    /// An identifier system Spine does not accept.
    InvalidIdentifierSystem = "INVALID_IDENTIFIER_SYSTEM",
    /// An element Spine does not accept.
    InvalidElement = "INVALID_ELEMENT",
    /// A parameter Spine does not accept.
    InvalidParameter = "INVALID_PARAMETER",
    /// The query's NHS number differs from the audit token's.
    RequestUnmatched = "REQUEST_UNMATCHED",
    /// A request Spine could not read.
    MessageNotWellFormed = "MESSAGE_NOT_WELL_FORMED",
    /// A header missing or invalid.
    MissingOrInvalidHeader = "MISSING_OR_INVALID_HEADER",
    /// TLS not accepted by Spine.
    AccessDeniedSsl = "ACCESS_DENIED_SSL",
    /// An ASID not authorised.
    AsidCheckFailed = "ASID_CHECK_FAILED",
    /// A request Spine could not accept.
    BadRequest = "BAD_REQUEST",
    // TLS.
    /// The server's certificate is not trusted.
    SpineTlsUntrusted = "SPINE_TLS_UNTRUSTED",
    /// The server's certificate is for another name.
    SpineTlsHostname = "SPINE_TLS_HOSTNAME",
    /// The server's certificate has expired (or is not valid yet).
    SpineTlsExpired = "SPINE_TLS_EXPIRED",
    /// The server refused our client certificate.
    SpineTlsClientCertRefused = "SPINE_TLS_CLIENT_CERT_REFUSED",
    /// No TLS version in common.
    SpineTlsProtocol = "SPINE_TLS_PROTOCOL",
    /// An `http://` address where mutual TLS is required.
    SpineTlsNotHttps = "SPINE_TLS_NOT_HTTPS",
    /// Another TLS failure.
    SpineTlsFailed = "SPINE_TLS_FAILED",
    /// The `[tls]` configuration cannot be used.
    TlsConfigInvalid = "TLS_CONFIG_INVALID",
    /// A client could not be set up.
    ClientSetupFailed = "CLIENT_SETUP_FAILED",
    // Sign-in.
    /// No card in the reader.
    NoCard = "NO_CARD",
    /// One try left: the user must confirm.
    ConfirmLastTry = "CONFIRM_LAST_TRY",
    /// The card is blocked.
    CardBlocked = "CARD_BLOCKED",
    /// The card was removed while it was read.
    CardRemoved = "CARD_REMOVED",
    /// The certificate has expired.
    CertificateExpired = "CERTIFICATE_EXPIRED",
    /// No role at this organisation.
    NoRole = "NO_ROLE",
    /// The role chosen is not the user's.
    UnknownRole = "UNKNOWN_ROLE",
    /// Nobody is signed in.
    NotSignedIn = "NOT_SIGNED_IN",
    /// The passcode is malformed.
    PasscodeFormat = "PASSCODE_FORMAT",
    /// A wrong passcode.
    WrongPasscode = "WRONG_PASSCODE",
    /// The card holds no usable identity.
    CardNoIdentity = "CARD_NO_IDENTITY",
    /// The smartcard service is not running.
    NoService = "NO_SERVICE",
    /// Another card or reader problem.
    CardError = "CARD_ERROR",
    /// The user's roles could not be looked up.
    RolesUnavailable = "ROLES_UNAVAILABLE",
    // The command line.
    /// The configuration is missing or invalid.
    Config = "CONFIG",
    /// The passcode could not be read (no terminal, standard input closed).
    PasscodeInput = "PASSCODE_INPUT",
    /// The search details given cannot be searched by; nothing was sent.
    SearchInvalid = "SEARCH_INVALID",
    // The worklist.
    /// A row without an NHS number whose details match no patient, or several, on PDS.
    NoUniqueMatch = "NO_UNIQUE_MATCH",
    /// A row of the list that cannot be checked (its reason is given).
    RowNotCheckable = "ROW_NOT_CHECKABLE",
    /// The list file cannot be read.
    WorklistFile = "WORKLIST_FILE",
    /// The worklist store cannot be used.
    WorklistStore = "WORKLIST_STORE",
    /// No such job for this user.
    NoSuchJob = "NO_SUCH_JOB",
    /// The results could not be written.
    ExportFailed = "EXPORT_FAILED",
    // Settings.
    /// Settings cannot be changed here.
    SettingsReadOnly = "SETTINGS_READ_ONLY",
    /// The settings given are not valid.
    SettingsInvalid = "SETTINGS_INVALID",
    // A patient by hospital number (the trust's Care Connect API).
    /// Not a hospital number of this trust's form; nothing was sent.
    InvalidHospitalNumberLocal = "INVALID_HOSPITAL_NUMBER_LOCAL",
    /// This installation has no `[care_connect]`: hospital numbers cannot be looked up.
    HospitalNumberNotConfigured = "HOSPITAL_NUMBER_NOT_CONFIGURED",
    /// No patient has this hospital number at the trust.
    CareConnectNotFound = "CARE_CONNECT_NOT_FOUND",
    /// Several patients have this hospital number; none is chosen.
    CareConnectSeveralPatients = "CARE_CONNECT_SEVERAL_PATIENTS",
    /// The trust's record holds no NHS number.
    CareConnectNoNhsNumber = "CARE_CONNECT_NO_NHS_NUMBER",
    /// The trust's record of the NHS number is not verified.
    CareConnectNhsNumberUnverified = "CARE_CONNECT_NHS_NUMBER_UNVERIFIED",
    /// The trust's record is no longer in use (inactive, or merged into another).
    CareConnectRecordNotInUse = "CARE_CONNECT_RECORD_NOT_IN_USE",
    /// The trust's Care Connect service could not be reached or refused the search.
    CareConnectUnavailable = "CARE_CONNECT_UNAVAILABLE",
    /// The trust's Care Connect service's answer cannot be read or vouched for.
    CareConnectUnreadable = "CARE_CONNECT_UNREADABLE",
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for ErrorCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_serialises_as_its_wire_spelling_and_is_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for code in ErrorCode::ALL {
            let json = serde_json::to_value(code).expect("json");
            assert_eq!(json, serde_json::Value::String(code.as_str().to_owned()));
            assert_eq!(code.to_string(), code.as_str());
            assert!(seen.insert(code.as_str()), "{code} twice");
            assert!(code
                .as_str()
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'));
        }
        assert_eq!(ErrorCode::AuditUnavailable, "AUDIT_UNAVAILABLE");
    }
}
