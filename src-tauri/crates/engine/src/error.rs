//! Lookup errors: one enum for everything that can stop a lookup, with the classification the
//! front ends need (a stable code, the HTTP status if any, a sentence saying what happened and
//! one saying what to do). An error is never a banner.

use vmcheck_core::care_connect::{CareConnectError, HospitalNumberError};
use vmcheck_core::fhir::{BodyError, ModelError};
use vmcheck_core::nhs::NhsNumberError;
use vmcheck_spine::care_connect::CareConnectClientError;
use vmcheck_spine::http::TransportError;
use vmcheck_spine::pds::PdsError;
use vmcheck_spine::sds::SdsError;
use vmcheck_spine::tls::TlsProblem;
use vmcheck_spine::vandm::VandmError;

pub use crate::codes::ErrorCode;
use crate::tls::TlsConfigError;
use vmcheck_core::spine_error::SpineErrorCode;

/// Why a lookup produced no status.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LookupError {
    /// The NHS number was refused locally; nothing was sent.
    #[error("{0}")]
    InvalidNhsNumber(#[from] NhsNumberError),
    /// The hospital number is not of the trust's form; nothing was sent.
    #[error("{0}")]
    InvalidHospitalNumber(#[from] HospitalNumberError),
    /// A hospital number was given, but no `[care_connect]` is configured.
    #[error("hospital numbers cannot be looked up here")]
    HospitalNumberNotConfigured,
    /// The trust's Care Connect service gave no verified NHS number for the hospital number;
    /// nothing was asked of Spine.
    #[error("{0}")]
    CareConnect(#[from] CareConnectClientError),
    /// No identity to act as (no signed-in user and none configured).
    #[error("no user is signed in")]
    NoIdentity,
    /// The PDS trace failed.
    #[error("{0}")]
    Pds(#[from] PdsError),
    /// The V&M endpoint could not be found in SDS.
    #[error("{0}")]
    Sds(#[from] SdsError),
    /// The V&M query failed.
    #[error("{0}")]
    Vandm(#[from] VandmError),
    /// Spine answered about a different patient than the one asked for; nothing is shown.
    #[error("the status returned was not for the patient asked about")]
    SubjectMismatch,
    /// Spine's status record is void (`entered-in-error` or `cancelled`); nothing is shown.
    #[error("the status record returned has been withdrawn")]
    RecordVoid,
    /// The access could not be recorded in the audit log, so it was not made (or, for an
    /// outcome, its result is withheld).
    #[error("the audit log cannot record this access: {0}")]
    AuditUnavailable(String),
    /// The session locked (card removed, idle, sign-out) before the result arrived; the result
    /// was dropped.
    #[error("the session ended before the result arrived")]
    SessionEnded,
    /// A client could not be set up.
    #[error("{0}")]
    Setup(TransportError),
    /// The mutual-TLS configuration (`[tls]`) cannot be used: a file or the keyring entry is
    /// missing or unusable, or mutual TLS is required and not configured.
    #[error("{0}")]
    TlsConfig(#[from] TlsConfigError),
}

impl From<vmcheck_core::Refusal> for LookupError {
    fn from(refusal: vmcheck_core::Refusal) -> Self {
        match refusal {
            vmcheck_core::Refusal::SubjectMismatch => Self::SubjectMismatch,
            vmcheck_core::Refusal::RecordVoid => Self::RecordVoid,
        }
    }
}

/// The code of a failed TLS handshake with the V&M endpoint.
fn tls_code(problem: &TlsProblem) -> ErrorCode {
    match problem {
        TlsProblem::UntrustedServer => ErrorCode::SpineTlsUntrusted,
        TlsProblem::WrongName { .. } => ErrorCode::SpineTlsHostname,
        TlsProblem::ServerCertificateExpired | TlsProblem::ServerCertificateNotYetValid => {
            ErrorCode::SpineTlsExpired
        }
        TlsProblem::ClientCertificateRefused(_) => ErrorCode::SpineTlsClientCertRefused,
        TlsProblem::ProtocolVersion => ErrorCode::SpineTlsProtocol,
        TlsProblem::NotHttps => ErrorCode::SpineTlsNotHttps,
        _ => ErrorCode::SpineTlsFailed,
    }
}

/// The code of a PDS failure.
fn pds_code(e: &PdsError) -> ErrorCode {
    use ErrorCode as C;
    match e {
        PdsError::Transport(TransportError::Timeout { .. }) => C::PdsTimeout,
        PdsError::Transport(TransportError::Redirected { .. }) => C::PdsRedirected,
        PdsError::Transport(TransportError::TooLarge { .. }) => C::PdsResponseTooLarge,
        PdsError::Transport(_) => C::PdsUnreachable,
        PdsError::NotFound => C::ResourceNotFound,
        PdsError::Invalidated => C::InvalidatedResource,
        PdsError::InvalidNumber => C::InvalidResourceId,
        PdsError::BadRequest(_) => C::PdsBadRequest,
        PdsError::Unauthorised | PdsError::Forbidden => C::AccessDenied,
        PdsError::Auth { .. } => C::PdsAuthRefused,
        PdsError::UpstreamTimeout => C::UnableToCallService,
        PdsError::RateLimited { .. } => C::TooManyRequests,
        PdsError::Server { .. } => C::PdsServerError,
        PdsError::TooManyMatches => C::TooManyMatches,
        PdsError::Body(_) => C::PdsUnexpectedResponse,
    }
}

/// The code of a Care Connect failure.
fn care_connect_code(e: &CareConnectClientError) -> ErrorCode {
    use CareConnectClientError as E;
    use ErrorCode as C;
    match e {
        E::Answer(CareConnectError::NotFound) => C::CareConnectNotFound,
        E::Answer(CareConnectError::Several(_)) => C::CareConnectSeveralPatients,
        E::Answer(CareConnectError::NoNhsNumber) => C::CareConnectNoNhsNumber,
        E::Answer(CareConnectError::Unverified { .. }) => C::CareConnectNhsNumberUnverified,
        E::Answer(CareConnectError::NotInUse) => C::CareConnectRecordNotInUse,
        E::Answer(_) | E::ContentType(_) => C::CareConnectUnreadable,
        E::Transport(_) | E::Refused(_) | E::BadRequest { .. } | E::Server { .. } => {
            C::CareConnectUnavailable
        }
    }
}

/// The code of a V&M OperationOutcome error.
fn spine_code(code: &SpineErrorCode) -> ErrorCode {
    use ErrorCode as C;
    match code {
        SpineErrorCode::PatientNotFound => C::PatientNotFound,
        SpineErrorCode::InvalidNhsNumber => C::InvalidNhsNumber,
        SpineErrorCode::InvalidCodeSystem => C::InvalidCodeSystem,
        SpineErrorCode::InvalidCodeValue => C::InvalidCodeValue,
        SpineErrorCode::InvalidIdentifierSystem => C::InvalidIdentifierSystem,
        SpineErrorCode::InvalidElement => C::InvalidElement,
        SpineErrorCode::InvalidParameter => C::InvalidParameter,
        SpineErrorCode::RequestUnmatched => C::RequestUnmatched,
        SpineErrorCode::MessageNotWellFormed => C::MessageNotWellFormed,
        SpineErrorCode::MissingOrInvalidHeader => C::MissingOrInvalidHeader,
        SpineErrorCode::AccessDeniedSsl => C::AccessDeniedSsl,
        SpineErrorCode::AsidCheckFailed => C::AsidCheckFailed,
        SpineErrorCode::BadRequest => C::BadRequest,
        SpineErrorCode::Other(_) => C::SpineError,
    }
}

/// What IT should do about a failed TLS handshake.
fn tls_action(problem: &TlsProblem) -> &'static str {
    match problem {
        TlsProblem::UntrustedServer => "Ask IT to fix the certificate configuration: tls.ca_bundle must hold the certificate authority of this Spine environment. Contact the service desk if it persists.",
        TlsProblem::NotHttps => "Ask IT to fix the configuration: the Spine address (vandm.endpoint, or the SDS entry) must start with https://.",
        TlsProblem::WrongName { .. } => "Ask IT to fix the configuration: the Spine address (vandm.endpoint, or the SDS entry) must match the name on the server's certificate.",
        TlsProblem::ServerCertificateExpired => "Check this computer's date and time. If they are right, ask IT to report the Spine's expired certificate to the service desk.",
        TlsProblem::ServerCertificateNotYetValid => "Check this computer's date and time, then ask IT if it persists.",
        TlsProblem::ClientCertificateRefused(_) => "Ask IT to fix the certificate configuration: tls.client_certificate must be this system's current endpoint certificate for this environment, with its private key in the keyring entry named by tls.key_secret.",
        _ => "Ask IT to fix the certificate configuration (the [tls] section of the configuration file).",
    }
}

impl LookupError {
    /// A stable code for scripts and the UI's table.
    pub fn code(&self) -> ErrorCode {
        use ErrorCode as C;
        match self {
            Self::InvalidNhsNumber(_) => C::InvalidNhsNumberLocal,
            Self::InvalidHospitalNumber(_) => C::InvalidHospitalNumberLocal,
            Self::HospitalNumberNotConfigured => C::HospitalNumberNotConfigured,
            Self::CareConnect(e) => care_connect_code(e),
            Self::NoIdentity => C::NoIdentity,
            Self::Pds(e) => pds_code(e),
            Self::Sds(_) => C::SdsLookupFailed,
            Self::Vandm(VandmError::Spine(e)) => spine_code(&e.code),
            Self::Vandm(VandmError::Transport(TransportError::Timeout { .. })) => C::SpineTimeout,
            Self::Vandm(VandmError::Transport(TransportError::Broken { .. })) => {
                C::SpineConnectionBroken
            }
            Self::Vandm(VandmError::Transport(TransportError::Tls { problem, .. })) => {
                tls_code(problem)
            }
            Self::Vandm(VandmError::Transport(TransportError::Redirected { .. })) => {
                C::SpineRedirected
            }
            Self::Vandm(VandmError::Transport(TransportError::TooLarge { .. })) => {
                C::SpineResponseTooLarge
            }
            Self::Vandm(VandmError::Transport(_)) => C::SpineUnreachable,
            Self::Vandm(VandmError::HttpStatus { .. }) => C::SpineHttpError,
            Self::Vandm(VandmError::RateLimited { .. }) => C::SpineRateLimited,
            Self::Vandm(VandmError::Body(BodyError::Model(ModelError::SeveralStatusRecords(
                _,
            )))) => C::SpineSeveralRecords,
            Self::Vandm(VandmError::ContentType { .. } | VandmError::Body(_)) => {
                C::SpineUnreadableResponse
            }
            Self::SubjectMismatch => C::SubjectMismatch,
            Self::RecordVoid => C::SpineRecordVoid,
            Self::SessionEnded => C::SessionEnded,
            Self::AuditUnavailable(_) => C::AuditUnavailable,
            Self::Setup(_) => C::ClientSetupFailed,
            Self::TlsConfig(_) => C::TlsConfigInvalid,
        }
    }

    /// The HTTP status behind the error, when a service answered.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Self::Pds(e) => e.http_status(),
            Self::CareConnect(
                CareConnectClientError::Refused(status)
                | CareConnectClientError::BadRequest { status, .. }
                | CareConnectClientError::Server { status, .. },
            ) => Some(*status),
            Self::CareConnect(
                CareConnectClientError::Answer(_) | CareConnectClientError::ContentType(_),
            ) => Some(200),
            Self::Vandm(VandmError::Spine(e)) => Some(e.http_status),
            Self::Vandm(VandmError::HttpStatus { status, .. }) => Some(*status),
            Self::Vandm(VandmError::RateLimited { .. }) => Some(429),
            Self::Vandm(VandmError::ContentType { .. } | VandmError::Body(_)) => Some(200),
            _ => None,
        }
    }

    /// A transient failure worth trying again later (a timeout, a busy or failing service, a
    /// broken connection, a rate limit), as opposed to an answer about the patient or a problem
    /// with this installation.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Pds(e) => e.is_retryable(),
            Self::CareConnect(e) => e.is_retryable(),
            Self::Sds(e) => e.is_retryable(),
            Self::Vandm(e) => e.is_retryable(),
            _ => false,
        }
    }

    /// Refused before anything was sent (CLI exit code 2).
    pub fn is_local(&self) -> bool {
        matches!(
            self,
            Self::InvalidNhsNumber(_)
                | Self::InvalidHospitalNumber(_)
                | Self::HospitalNumberNotConfigured
        )
    }

    /// What happened, for the person at the screen.
    pub fn message(&self) -> String {
        match self {
            Self::InvalidNhsNumber(e) => e.to_string(),
            Self::InvalidHospitalNumber(e) => format!("{e}."),
            Self::HospitalNumberNotConfigured => "This installation is not set up to look patients up by hospital number: enter the patient's NHS number.".into(),
            Self::CareConnect(CareConnectClientError::Answer(e)) => format!("No NHS number was checked: {e}."),
            Self::CareConnect(e) => format!("The hospital number could not be turned into an NHS number: {e}."),
            Self::NoIdentity => "No one is signed in with a role, so no lookup can be made.".into(),
            Self::Pds(PdsError::NotFound) => "There is no patient with this NHS number on the Personal Demographics Service.".into(),
            Self::Pds(PdsError::Invalidated) => "This NHS number's record has been invalidated on the Personal Demographics Service.".into(),
            Self::Pds(e) => format!("The patient could not be traced: {e}."),
            Self::Sds(e) => format!("The Spine service could not be located: {e}"),
            Self::Vandm(VandmError::Spine(e)) => e.code.user_message().into(),
            Self::Vandm(VandmError::Body(BodyError::Model(ModelError::SeveralStatusRecords(n)))) => format!("Spine returned more than one status record for this patient ({n}), so none is shown: V&M Check never picks one."),
            Self::Vandm(VandmError::Transport(TransportError::Tls { problem, .. })) => format!("The visitor status could not be checked: the secure connection to the Spine V&M service could not be made because {problem}. This is a certificate configuration problem, not a problem with the patient's record."),
            Self::Vandm(e) => format!("The visitor status could not be checked: {e}."),
            Self::SubjectMismatch => "Spine returned a status for a different patient than the one asked about, so nothing is shown.".into(),
            Self::RecordVoid => "Spine's status record for this patient has been withdrawn (entered in error or cancelled), so no status is shown.".into(),
            Self::SessionEnded => "The session ended before the result arrived, so nothing is shown.".into(),
            Self::AuditUnavailable(cause) => format!("This check could not be recorded in the audit log, so it was not made: {cause}"),
            Self::Setup(e) => format!("V&M Check could not prepare its connection: {e}."),
            Self::TlsConfig(e) => format!("V&M Check cannot make secure connections to Spine: {e}."),
        }
    }

    /// What to do next.
    pub fn action(&self) -> &'static str {
        match self {
            Self::InvalidNhsNumber(_) => "Check the number and type it again.",
            Self::InvalidHospitalNumber(_) => "Check the hospital number and type it again, or enter the patient's NHS number.",
            Self::HospitalNumberNotConfigured => "Enter the patient's NHS number, or ask IT to set up [care_connect] in the configuration.",
            Self::CareConnect(CareConnectClientError::Answer(CareConnectError::NotFound)) => "Check the hospital number, or enter the patient's NHS number.",
            Self::CareConnect(CareConnectClientError::Answer(CareConnectError::Several(_) | CareConnectError::OtherPatient)) => "Do not guess which patient is meant: enter the patient's NHS number, and tell the records team about this hospital number.",
            Self::CareConnect(CareConnectClientError::Answer(CareConnectError::NotInUse)) => "Find the patient's current record: enter their NHS number, or search by their details.",
            Self::CareConnect(CareConnectClientError::Answer(CareConnectError::NoNhsNumber | CareConnectError::Unverified { .. } | CareConnectError::InvalidNhsNumber)) => "Confirm the patient's NHS number with PDS (search by the patient's details), and ask the records team to update the trust's record.",
            Self::CareConnect(e) if e.is_retryable() => "Try again, or enter the patient's NHS number. If it keeps happening, contact the service desk with the trace ID.",
            Self::NoIdentity | Self::SessionEnded => "Sign in with your smartcard.",
            Self::AuditUnavailable(_) => "Ask IT to look at the audit log (its folder, its disk, its key in the keyring): no patient can be checked until it can be written.",
            Self::Pds(PdsError::NotFound | PdsError::InvalidNumber) => "Check the NHS number, or search by the patient's details instead.",
            Self::Pds(PdsError::Invalidated) => "Search by the patient's details to find their current NHS number.",
            Self::Pds(PdsError::RateLimited { .. }) | Self::Vandm(VandmError::RateLimited { .. }) => "Wait a few seconds and try again.",
            Self::Pds(PdsError::Auth { .. } | PdsError::Unauthorised | PdsError::Forbidden) => {
                "Ask IT to check the PDS access settings ([pds.auth]) and the signing key in the keyring."
            }
            Self::Pds(PdsError::TooManyMatches) => "Add the given name and postcode to narrow the search.",
            Self::Vandm(VandmError::Spine(e)) => e.code.user_action(),
            Self::Vandm(VandmError::Transport(TransportError::Tls { problem, .. })) => tls_action(problem),
            Self::TlsConfig(_) => "Ask IT to fix the certificate configuration (the [tls] section of the configuration file, and the private key in the keyring).",
            Self::SubjectMismatch | Self::RecordVoid => "Do not rely on any earlier result for this patient. Contact the service desk with the trace ID.",
            Self::Vandm(VandmError::Body(BodyError::Model(ModelError::SeveralStatusRecords(_)))) => "Check with the Overseas Visitor Manager team, and contact the service desk with the trace ID.",
            Self::Pds(e) if e.is_retryable() => "Try again. If it keeps happening, contact the service desk with the trace ID.",
            Self::Vandm(e) if e.is_retryable() => "Try again. If it keeps happening, contact the service desk with the trace ID.",
            _ => "Contact the service desk with the trace ID.",
        }
    }
}
