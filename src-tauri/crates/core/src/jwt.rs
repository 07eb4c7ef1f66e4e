//! The cross-organisation audit JWT sent as `Authorization: Bearer` on every V&M request.
//!
//! Built fresh for each request from an [`AuditContext`] (who, where, on which device) and the
//! NHS number asked for; the time is a parameter. The default form is unsigned,
//! `{"alg":"none","typ":"JWT"}`, encoded per RFC 7519 §6 with the trailing `.` of the empty
//! signature. An environment that validates signatures gets the same claims signed RS256 or
//! RS512 by the engine (this crate stays free of cryptography: [`AuditJwt::claims`] is what is
//! signed). [`validate`] is what the sandbox applies (and [`validate_claims`] after it verified
//! a signed token itself), so the client and the imitation share one reading of the claim table.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};

use crate::nhs::NhsNumber;

/// `aud` of every audit JWT.
pub const AUDIENCE: &str = "https://authorize.fhir.nhs.uk/token";
/// Token lifetime: `exp = iat + 300`.
pub const LIFETIME_SECS: u64 = 300;
/// `reason_for_request`.
pub const REASON: &str = "directcare";
/// `requested_scopes` as the specification's example gives it.
pub const SCOPE: &str = "patient/*.read";
/// The scope the claim table gives instead; accepted by the sandbox.
pub const SCOPE_ALTERNATIVE: &str = "patient/Observation.read";
/// Identifier system of SDS user ids (the smartcard UUID).
pub const SDS_USER_ID: &str = "https://fhir.nhs.uk/Id/sds-user-id";
/// Identifier system of SDS role profile ids.
pub const SDS_ROLE_PROFILE_ID: &str = "https://fhir.nhs.uk/Id/sds-role-profile-id";
/// Identifier system of ODS organisation codes.
pub const ODS_ORGANIZATION_CODE: &str = "https://fhir.nhs.uk/Id/ods-organization-code";
/// Identifier system of NHS numbers.
pub const NHS_NUMBER_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhs-number";
/// SNOMED CT code of the requesting device type.
pub const DEVICE_TYPE_CODE: &str = "462240000";

/// Who is asking, from where, with what: everything in the token but the patient and the time.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditContext {
    /// `iss`: the client system's issuer URI.
    pub issuer: String,
    /// The user's SDS user id (smartcard UUID); `sub`.
    pub user_id: String,
    /// The SDS role profile id the user acts in.
    pub role_profile_id: String,
    /// ODS code of the care organisation where the request originates.
    pub ods_code: String,
    /// That organisation's name.
    pub organisation_name: String,
    /// A stable id of this installation (Device.id and identifier).
    pub device_id: String,
    /// Software name (Device.model).
    pub software_name: String,
    /// Software version (Device.version).
    pub software_version: String,
}

impl std::fmt::Debug for AuditContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditContext")
            .field("issuer", &self.issuer)
            .field("ods_code", &self.ods_code)
            .finish_non_exhaustive()
    }
}

/// One audit token: its claims, ready to encode.
#[derive(Clone, PartialEq)]
pub struct AuditJwt {
    claims: Value,
}

impl std::fmt::Debug for AuditJwt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditJwt(***)")
    }
}

impl AuditJwt {
    /// Builds the claims for a request about `patient` issued at `iat` (seconds since the epoch).
    pub fn new(ctx: &AuditContext, patient: &NhsNumber, iat: u64) -> Self {
        let claims = json!({
            "iss": ctx.issuer,
            "sub": ctx.user_id,
            "aud": AUDIENCE,
            "exp": iat + LIFETIME_SECS,
            "iat": iat,
            "reason_for_request": REASON,
            "requested_record": {
                "resourceType": "Patient",
                "identifier": [{ "system": NHS_NUMBER_SYSTEM, "value": patient.as_str() }]
            },
            "requested_scopes": SCOPE,
            "requesting_device": {
                "resourceType": "Device",
                "id": ctx.device_id,
                "identifier": [{ "system": "https://fhir.nhs.uk/Id/device-id", "value": ctx.device_id }],
                "type": { "coding": [{
                    "system": "http://snomed.info/sct",
                    "code": DEVICE_TYPE_CODE,
                    "display": "Patient health record information system (physical object)"
                }]},
                "model": ctx.software_name,
                "version": ctx.software_version
            },
            "requesting_organization": {
                "resourceType": "Organization",
                "id": ctx.ods_code,
                "identifier": [{ "system": ODS_ORGANIZATION_CODE, "value": ctx.ods_code }],
                "name": ctx.organisation_name
            },
            "requesting_practitioner": {
                "resourceType": "Practitioner",
                "id": ctx.user_id,
                "identifier": [
                    { "system": SDS_USER_ID, "value": ctx.user_id },
                    { "system": SDS_ROLE_PROFILE_ID, "value": ctx.role_profile_id }
                ]
            }
        });
        Self { claims }
    }

    /// The claims as JSON.
    pub fn claims(&self) -> &Value {
        &self.claims
    }

    /// The unsigned compact form: `base64url(header).base64url(claims).` — the trailing dot is
    /// the empty signature and must stay.
    pub fn encode_unsigned(&self) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(self.claims.to_string());
        format!("{header}.{payload}.")
    }
}

/// Why a token was refused (sandbox) or could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    /// Not three dot-separated parts.
    #[error("the token is not a compact JWT (three parts separated by dots)")]
    NotCompact,
    /// A part is not base64url or not JSON.
    #[error("the token's {0} is not base64url-encoded JSON")]
    Undecodable(&'static str),
    /// The header is not `{"alg":"none","typ":"JWT"}` (or an accepted signed form).
    #[error("the token header is not acceptable ({0})")]
    Header(String),
    /// A claim is missing or wrong.
    #[error("claim '{claim}' is {problem}")]
    Claim {
        /// The claim's name.
        claim: &'static str,
        /// What is wrong with it.
        problem: String,
    },
}

/// Splits and decodes a compact JWT: (header, claims, signature part).
pub fn decode(token: &str) -> Result<(Value, Value, String), JwtError> {
    let parts: Vec<&str> = token.split('.').collect();
    let [header, payload, signature] = parts.as_slice() else {
        return Err(JwtError::NotCompact);
    };
    let read = |part: &str, what: &'static str| -> Result<Value, JwtError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| JwtError::Undecodable(what))?;
        serde_json::from_slice(&bytes).map_err(|_| JwtError::Undecodable(what))
    };
    Ok((
        read(header, "header")?,
        read(payload, "payload")?,
        (*signature).to_owned(),
    ))
}

/// What a valid audit token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatedAudit {
    /// The NHS number of `requested_record`.
    pub requested_nhs_number: String,
    /// `sub`.
    pub user_id: String,
    /// The role profile id of `requesting_practitioner`.
    pub role_profile_id: String,
    /// The ODS code of `requesting_organization`.
    pub ods_code: String,
}

fn claim_err(claim: &'static str, problem: impl Into<String>) -> JwtError {
    JwtError::Claim {
        claim,
        problem: problem.into(),
    }
}

fn identifier_value<'a>(resource: &'a Value, system: &str) -> Option<&'a str> {
    resource["identifier"]
        .as_array()?
        .iter()
        .find(|i| i["system"] == system)
        .and_then(|i| i["value"].as_str())
}

/// Checks an unsigned audit token as Spine's V&M endpoint does, at time `now` (seconds): the
/// header `{"alg":"none","typ":"JWT"}`, no signature, then [`validate_claims`].
pub fn validate(token: &str, now: u64) -> Result<ValidatedAudit, JwtError> {
    let (header, claims, signature) = decode(token)?;
    if header["alg"] != "none" {
        return Err(JwtError::Header(format!(
            "alg is {}, expected none",
            header["alg"]
        )));
    }
    if header["typ"] != "JWT" {
        return Err(JwtError::Header("typ is not JWT".into()));
    }
    if !signature.is_empty() {
        return Err(JwtError::Header(
            "an unsigned token carries no signature".into(),
        ));
    }
    validate_claims(&claims, now)
}

/// Checks the claims of an audit token at time `now` (seconds), without looking at its header
/// or signature: for a caller that has verified a signed token itself (the sandbox, when
/// configured with the signing key's public half).
pub fn validate_claims(claims: &Value, now: u64) -> Result<ValidatedAudit, JwtError> {
    let text = |claim: &'static str| -> Result<&str, JwtError> {
        claims[claim]
            .as_str()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| claim_err(claim, "missing"))
    };
    let number = |claim: &'static str| -> Result<u64, JwtError> {
        claims[claim]
            .as_u64()
            .ok_or_else(|| claim_err(claim, "missing or not a number of seconds"))
    };
    text("iss")?;
    let sub = text("sub")?;
    if text("aud")? != AUDIENCE {
        return Err(claim_err("aud", format!("not {AUDIENCE}")));
    }
    let iat = number("iat")?;
    let exp = number("exp")?;
    if exp != iat + LIFETIME_SECS {
        return Err(claim_err("exp", "not iat + 300"));
    }
    if now >= exp {
        return Err(claim_err("exp", "in the past (the token has expired)"));
    }
    if iat > now + 60 {
        return Err(claim_err("iat", "in the future"));
    }
    if text("reason_for_request")? != REASON {
        return Err(claim_err("reason_for_request", format!("not {REASON}")));
    }
    let scope = text("requested_scopes")?;
    if scope != SCOPE && scope != SCOPE_ALTERNATIVE {
        return Err(claim_err("requested_scopes", format!("not {SCOPE}")));
    }
    let record = &claims["requested_record"];
    if record["resourceType"] != "Patient" {
        return Err(claim_err("requested_record", "not a Patient"));
    }
    let requested = identifier_value(record, NHS_NUMBER_SYSTEM)
        .ok_or_else(|| claim_err("requested_record", "without an NHS number identifier"))?;
    let device = &claims["requesting_device"];
    if device["resourceType"] != "Device" || device["model"].as_str().is_none() {
        return Err(claim_err("requesting_device", "not a Device with a model"));
    }
    let org = &claims["requesting_organization"];
    if org["resourceType"] != "Organization" {
        return Err(claim_err("requesting_organization", "not an Organization"));
    }
    let ods = identifier_value(org, ODS_ORGANIZATION_CODE)
        .ok_or_else(|| claim_err("requesting_organization", "without an ODS code identifier"))?;
    let practitioner = &claims["requesting_practitioner"];
    if practitioner["resourceType"] != "Practitioner" {
        return Err(claim_err("requesting_practitioner", "not a Practitioner"));
    }
    let role = identifier_value(practitioner, SDS_ROLE_PROFILE_ID)
        .ok_or_else(|| claim_err("requesting_practitioner", "without an SDS role profile id"))?;
    let sub_matches = practitioner["identifier"]
        .as_array()
        .is_some_and(|ids| ids.iter().any(|i| i["value"] == sub));
    if !sub_matches {
        return Err(claim_err(
            "sub",
            "not an identifier of requesting_practitioner",
        ));
    }
    Ok(ValidatedAudit {
        requested_nhs_number: requested.to_owned(),
        user_id: sub.to_owned(),
        role_profile_id: role.to_owned(),
        ods_code: ods.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> AuditContext {
        AuditContext {
            issuer: "https://vmcheck.example.nhs.uk".into(),
            user_id: "555021935107".into(),
            role_profile_id: "555021936109".into(),
            ods_code: "RRK".into(),
            organisation_name: "University Hospitals Birmingham".into(),
            device_id: "3f1e2d4c-0000-4000-8000-000000000001".into(),
            software_name: "V&M Check".into(),
            software_version: "0.1.0".into(),
        }
    }

    fn patient() -> NhsNumber {
        NhsNumber::parse("9434765919").expect("valid")
    }

    #[test]
    fn unsigned_form_has_none_header_and_trailing_dot() {
        let token = AuditJwt::new(&ctx(), &patient(), 1_700_000_000).encode_unsigned();
        assert!(token.ends_with('.'), "trailing dot kept");
        assert_eq!(token.matches('.').count(), 2);
        let (header, _, sig) = decode(&token).expect("decodes");
        assert_eq!(header, json!({"alg": "none", "typ": "JWT"}));
        assert_eq!(sig, "");
        assert!(!token.contains('='), "no base64 padding");
        assert!(
            !token.contains('+') && !token.contains('/'),
            "url-safe alphabet"
        );
    }

    #[test]
    fn every_claim_decodes_back() {
        let token = AuditJwt::new(&ctx(), &patient(), 1_700_000_000).encode_unsigned();
        let (_, c, _) = decode(&token).expect("decodes");
        assert_eq!(c["iss"], "https://vmcheck.example.nhs.uk");
        assert_eq!(c["sub"], "555021935107");
        assert_eq!(c["aud"], "https://authorize.fhir.nhs.uk/token");
        assert_eq!(c["iat"], 1_700_000_000u64);
        assert_eq!(c["exp"], 1_700_000_300u64);
        assert_eq!(c["reason_for_request"], "directcare");
        assert_eq!(c["requested_scopes"], "patient/*.read");
        assert_eq!(c["requested_record"]["resourceType"], "Patient");
        assert_eq!(
            c["requested_record"]["identifier"][0]["system"],
            NHS_NUMBER_SYSTEM
        );
        assert_eq!(
            c["requested_record"]["identifier"][0]["value"],
            "9434765919"
        );
        assert_eq!(
            c["requesting_device"]["type"]["coding"][0]["system"],
            "http://snomed.info/sct"
        );
        assert_eq!(c["requesting_device"]["model"], "V&M Check");
        assert_eq!(c["requesting_device"]["version"], "0.1.0");
        assert_eq!(
            c["requesting_organization"]["identifier"][0]["system"],
            ODS_ORGANIZATION_CODE
        );
        assert_eq!(
            c["requesting_organization"]["identifier"][0]["value"],
            "RRK"
        );
        assert_eq!(
            c["requesting_organization"]["name"],
            "University Hospitals Birmingham"
        );
        let ids = c["requesting_practitioner"]["identifier"]
            .as_array()
            .expect("ids");
        assert!(ids.contains(&json!({"system": SDS_USER_ID, "value": "555021935107"})));
        assert!(ids.contains(&json!({"system": SDS_ROLE_PROFILE_ID, "value": "555021936109"})));
    }

    #[test]
    fn a_fresh_token_validates_and_names_the_patient() {
        let token = AuditJwt::new(&ctx(), &patient(), 1_700_000_000).encode_unsigned();
        let v = validate(&token, 1_700_000_010).expect("valid");
        assert_eq!(v.requested_nhs_number, "9434765919");
        assert_eq!(v.role_profile_id, "555021936109");
        assert_eq!(v.ods_code, "RRK");
    }

    #[test]
    fn refusals() {
        let good = AuditJwt::new(&ctx(), &patient(), 1_700_000_000);
        let token = good.encode_unsigned();
        assert_eq!(
            validate(&token, 1_700_000_300),
            Err(claim_err("exp", "in the past (the token has expired)"))
        );
        assert_eq!(
            validate(token.trim_end_matches('.'), 1_700_000_010),
            Err(JwtError::NotCompact)
        );
        assert_eq!(validate("a.b.", 0), Err(JwtError::Undecodable("header")));
        let mut tampered = good.claims().clone();
        tampered["aud"] = json!("https://example.org");
        let bad = AuditJwt { claims: tampered }.encode_unsigned();
        assert!(matches!(
            validate(&bad, 1_700_000_010),
            Err(JwtError::Claim { claim: "aud", .. })
        ));
        let mut tampered = good.claims().clone();
        tampered["sub"] = json!("999999999999");
        let bad = AuditJwt { claims: tampered }.encode_unsigned();
        assert!(matches!(
            validate(&bad, 1_700_000_010),
            Err(JwtError::Claim { claim: "sub", .. })
        ));
        let signed = format!("{}sig", token);
        assert!(matches!(
            validate(&signed, 1_700_000_010),
            Err(JwtError::Header(_))
        ));
    }

    #[test]
    fn debug_output_hides_identity() {
        let jwt = AuditJwt::new(&ctx(), &patient(), 1);
        assert!(!format!("{jwt:?}{:?}", ctx()).contains("555021935107"));
        assert_eq!(format!("{jwt:?}"), "AuditJwt(***)");
        assert_eq!(
            format!("{:?}", ctx()),
            r#"AuditContext { issuer: "https://vmcheck.example.nhs.uk", ods_code: "RRK", .. }"#
        );
    }

    /// The claims of a good token with `change` applied, validated at `now`.
    fn validate_changed(
        now: u64,
        change: impl FnOnce(&mut Value),
    ) -> Result<ValidatedAudit, JwtError> {
        let mut claims = AuditJwt::new(&ctx(), &patient(), 1_700_000_000)
            .claims()
            .clone();
        change(&mut claims);
        validate_claims(&claims, now)
    }

    fn refused_claim(result: Result<ValidatedAudit, JwtError>) -> Option<&'static str> {
        match result {
            Err(JwtError::Claim { claim, .. }) => Some(claim),
            _ => None,
        }
    }

    #[test]
    fn a_token_issued_more_than_a_minute_ahead_of_our_clock_is_refused() {
        let reissued = |iat: u64| {
            move |c: &mut Value| {
                c["iat"] = json!(iat);
                c["exp"] = json!(iat + LIFETIME_SECS);
            }
        };
        let now = 1_700_000_000;
        assert!(
            validate_changed(now, reissued(now + 60)).is_ok(),
            "a minute of clock skew is allowed"
        );
        assert_eq!(
            refused_claim(validate_changed(now, reissued(now + 61))),
            Some("iat")
        );
        assert_eq!(
            refused_claim(validate_changed(now, reissued(now + 3_600))),
            Some("iat")
        );
    }

    #[test]
    fn only_the_two_specified_scopes_are_accepted() {
        let now = 1_700_000_010;
        for scope in [SCOPE, SCOPE_ALTERNATIVE] {
            assert!(
                validate_changed(now, |c| c["requested_scopes"] = json!(scope)).is_ok(),
                "{scope}"
            );
        }
        for scope in ["user/*.read", "patient/*.write", ""] {
            assert_eq!(
                refused_claim(validate_changed(now, |c| c["requested_scopes"] = json!(scope))),
                Some("requested_scopes"),
                "{scope}"
            );
        }
    }

    #[test]
    fn each_resource_claim_must_have_its_type_and_identifiers() {
        let now = 1_700_000_010;
        type Change = fn(&mut Value);
        let cases: [(&str, Change); 7] = [
            ("requested_record", |c| {
                c["requested_record"]["resourceType"] = json!("Person")
            }),
            ("requested_record", |c| {
                c["requested_record"]["identifier"] = json!([])
            }),
            ("requesting_device", |c| {
                c["requesting_device"]["resourceType"] = json!("Patient")
            }),
            ("requesting_device", |c| {
                c["requesting_device"]
                    .as_object_mut()
                    .expect("object")
                    .remove("model");
            }),
            ("requesting_organization", |c| {
                c["requesting_organization"]["resourceType"] = json!("Location")
            }),
            ("requesting_organization", |c| {
                c["requesting_organization"]["identifier"] = json!([])
            }),
            ("requesting_practitioner", |c| {
                c["requesting_practitioner"]["resourceType"] = json!("Person")
            }),
        ];
        for (claim, change) in cases {
            assert_eq!(refused_claim(validate_changed(now, change)), Some(claim));
        }
    }
}
