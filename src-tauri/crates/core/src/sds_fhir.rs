//! Spine Directory Service (SDS) lookups through the SDS FHIR API, the pure half.
//!
//! The SDS FHIR API (`…/spine-directory/FHIR/R4`, `docs/facts/sds-fhir.md`) answers the same two
//! questions as the LDAP searches of [`crate::sds`]:
//!
//! 1. `GET /Device?organization=…|ODS&identifier=…nhsServiceInteractionId|INTERACTION` finds the
//!    accredited system: its ASID (identifier system [`ASID_SYSTEM`]) and party key
//!    ([`PARTY_KEY_SYSTEM`]) — built by [`device_query`];
//! 2. `GET /Endpoint?organization=…&identifier=…|INTERACTION&identifier=…nhsMhsPartyKey|KEY` finds
//!    the message handling system's address for that party key — built by [`endpoint_query`].
//!
//! Each searchset Bundle is turned into the same `(attribute, values)` lists the LDAP adapter
//! produces ([`device_entries`], [`endpoint_entries`]), and then resolved by the very functions
//! LDAP results go through ([`crate::sds::resolve_accredited_system`],
//! [`crate::sds::resolve_mhs`]), so both kinds of directory find the same endpoint and fail with
//! the same [`SdsLookupError`]s (none, several, no party key, conflicting or unusable endpoints).
//! The one difference: the FHIR API does not publish `nhsMhsIsAuthenticated`, so
//! [`SpineEndpoint::authenticated`] is always `None` here.
//!
//! Bodies come from a remote peer: they are read with `serde_json` (which refuses nesting deeper
//! than 128 levels without recursing further, as the PDS body readers rely on) and only the few
//! elements named above are looked at. It deliberately does no I/O and knows nothing of HTTP
//! status codes or headers: the adapter in `vmcheck-spine` does that. No patient data ever
//! passes through it.

use serde_json::Value;

use crate::sds::{
    resolve_accredited_system, resolve_mhs, AccreditedSystem, SdsLookupError, SpineEndpoint,
    ATTR_ENDPOINT, ATTR_FQDN, ATTR_PARTY_KEY, ATTR_UNIQUE_IDENTIFIER,
};

/// The identifier system of ODS organisation codes (`organization` parameter).
pub const ODS_SYSTEM: &str = "https://fhir.nhs.uk/Id/ods-organization-code";
/// The identifier system of interaction ids (`identifier` parameter, extension values).
pub const INTERACTION_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhsServiceInteractionId";
/// The identifier system of party keys (Device and Endpoint identifiers, `identifier` parameter).
pub const PARTY_KEY_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhsMhsPartyKey";
/// The identifier system of a Device's ASID.
pub const ASID_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhsSpineASID";
/// The identifier system of a message handling system's host name.
pub const FQDN_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhsMhsFQDN";
/// The identifier system of a message handling system's CPA id.
pub const CPA_ID_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhsMhsCPAId";
/// The identifier system of a message handling system's own id (not an ASID).
pub const MHS_ID_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhsMHSId";
/// The media type the SDS FHIR API answers in (and the only one asked for).
pub const FHIR_JSON: &str = "application/fhir+json";
/// The request header carrying the application's API key (lower case, as the API names it).
pub const API_KEY_HEADER: &str = "apikey";
/// The path of the accredited-system search, below the base URL.
pub const DEVICE_PATH: &str = "/Device";
/// The path of the message-handling-system search, below the base URL.
pub const ENDPOINT_PATH: &str = "/Endpoint";

/// The query of step 1 (`GET /Device`): the accredited system of `ods_code` offering
/// `interaction`. Values are `system|value` tokens, not yet percent-encoded.
pub fn device_query(ods_code: &str, interaction: &str) -> Vec<(&'static str, String)> {
    vec![
        ("organization", format!("{ODS_SYSTEM}|{ods_code}")),
        ("identifier", format!("{INTERACTION_SYSTEM}|{interaction}")),
    ]
}

/// The query of step 2 (`GET /Endpoint`): the message handling system of `ods_code` for
/// `interaction` and `party_key` (the `identifier` parameter repeated, as the API wants).
pub fn endpoint_query(
    ods_code: &str,
    interaction: &str,
    party_key: &str,
) -> Vec<(&'static str, String)> {
    vec![
        ("organization", format!("{ODS_SYSTEM}|{ods_code}")),
        ("identifier", format!("{INTERACTION_SYSTEM}|{interaction}")),
        ("identifier", format!("{PARTY_KEY_SYSTEM}|{party_key}")),
    ]
}

/// Why an answer of the SDS FHIR API could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdsBundleError {
    /// The body is not JSON (or is nested too deeply to be an SDS answer).
    #[error("the answer is not JSON")]
    NotJson,
    /// JSON, but not a searchset Bundle.
    #[error("the answer is not a searchset Bundle")]
    NotSearchset,
    /// A Bundle entry holds something other than the resource searched for.
    #[error("the Bundle holds a {found} where only {expected} resources belong")]
    UnexpectedResource {
        /// The resource type searched for.
        expected: &'static str,
        /// What the entry held (`?` when it had no `resourceType`).
        found: String,
    },
}

/// Why a FHIR answer gave no endpoint: unreadable, or read but not exactly one usable endpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdsFhirError {
    /// The answer could not be read.
    #[error(transparent)]
    Bundle(#[from] SdsBundleError),
    /// The answer was read; its content does not give exactly one usable endpoint.
    #[error(transparent)]
    Lookup(#[from] SdsLookupError),
}

/// The resources of type `expected` in a searchset Bundle, in Bundle order. Entries in
/// `search.mode` `outcome` (warnings the server may add) are skipped; any other resource type is
/// an error, so that nothing unexpected is silently ignored.
fn searchset<'a>(
    body: &'a Value,
    expected: &'static str,
) -> Result<Vec<&'a Value>, SdsBundleError> {
    if body["resourceType"] != "Bundle" || body["type"] != "searchset" {
        return Err(SdsBundleError::NotSearchset);
    }
    let entries = match &body["entry"] {
        Value::Null => return Ok(Vec::new()),
        Value::Array(entries) => entries,
        _ => return Err(SdsBundleError::NotSearchset),
    };
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        if entry["search"]["mode"] == "outcome" {
            continue;
        }
        let resource = &entry["resource"];
        match resource["resourceType"].as_str() {
            Some(kind) if kind == expected => out.push(resource),
            other => {
                return Err(SdsBundleError::UnexpectedResource {
                    expected,
                    found: other.unwrap_or("?").chars().take(40).collect(),
                })
            }
        }
    }
    Ok(out)
}

/// The values of the identifiers of `resource` in `system`, in order.
fn identifiers(resource: &Value, system: &str) -> Vec<String> {
    resource["identifier"]
        .as_array()
        .map(|ids| {
            ids.iter()
                .filter(|id| id["system"] == system)
                .filter_map(|id| id["value"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Directory entries as `(attribute name, values)` lists, one per resource.
pub type Entries = Vec<Vec<(String, Vec<String>)>>;

fn parse(body: &[u8]) -> Result<Value, SdsBundleError> {
    serde_json::from_slice(body).map_err(|_| SdsBundleError::NotJson)
}

/// The Devices of a `GET /Device` answer as LDAP-like entries: `uniqueIdentifier` (the ASIDs)
/// and `nhsMhsPartyKey`.
pub fn device_entries(body: &[u8]) -> Result<Entries, SdsBundleError> {
    let body = parse(body)?;
    Ok(searchset(&body, "Device")?
        .into_iter()
        .map(|device| {
            vec![
                (
                    ATTR_UNIQUE_IDENTIFIER.to_owned(),
                    identifiers(device, ASID_SYSTEM),
                ),
                (
                    ATTR_PARTY_KEY.to_owned(),
                    identifiers(device, PARTY_KEY_SYSTEM),
                ),
            ]
        })
        .collect())
}

/// The Endpoints of a `GET /Endpoint` answer as LDAP-like entries: `nhsMhsEndPoint` (the
/// `address`, absent when the Endpoint has none), `nhsMhsFQDN`, `nhsMhsPartyKey` and
/// `uniqueIdentifier` (the MHS id).
pub fn endpoint_entries(body: &[u8]) -> Result<Entries, SdsBundleError> {
    let body = parse(body)?;
    Ok(searchset(&body, "Endpoint")?
        .into_iter()
        .map(|endpoint| {
            vec![
                (
                    ATTR_ENDPOINT.to_owned(),
                    endpoint["address"]
                        .as_str()
                        .map(|a| vec![a.to_owned()])
                        .unwrap_or_default(),
                ),
                (ATTR_FQDN.to_owned(), identifiers(endpoint, FQDN_SYSTEM)),
                (
                    ATTR_PARTY_KEY.to_owned(),
                    identifiers(endpoint, PARTY_KEY_SYSTEM),
                ),
                (
                    ATTR_UNIQUE_IDENTIFIER.to_owned(),
                    identifiers(endpoint, MHS_ID_SYSTEM),
                ),
            ]
        })
        .collect())
}

/// Step 1: the single accredited system of a `GET /Device` answer.
pub fn resolve_device(
    ods_code: &str,
    interaction: &str,
    body: &[u8],
) -> Result<AccreditedSystem, SdsFhirError> {
    let entries = device_entries(body)?;
    Ok(resolve_accredited_system(ods_code, interaction, &entries)?)
}

/// Step 2: the endpoint of `system` from a `GET /Endpoint` answer (several Endpoints are
/// accepted when they name the same address).
pub fn resolve_endpoint(
    system: &AccreditedSystem,
    interaction: &str,
    body: &[u8],
) -> Result<SpineEndpoint, SdsFhirError> {
    let entries = endpoint_entries(body)?;
    Ok(resolve_mhs(system, interaction, &entries)?)
}

/// The first issue of an OperationOutcome answer: `(issue code, details code, diagnostics)`;
/// `None` when the body is not an OperationOutcome.
pub fn read_outcome(body: &[u8]) -> Option<(String, Option<String>, Option<String>)> {
    let v = parse(body).ok()?;
    if v["resourceType"] != "OperationOutcome" {
        return None;
    }
    let issue = &v["issue"][0];
    let text = |v: &Value| v.as_str().map(|s| s.chars().take(300).collect::<String>());
    Some((
        text(&issue["code"]).unwrap_or_default(),
        text(&issue["details"]["coding"][0]["code"]),
        text(&issue["diagnostics"]),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const I: &str = crate::sds::VANDM_SEARCH_SDS_INTERACTION;

    fn bundle(resources: Vec<Value>) -> Vec<u8> {
        let entries: Vec<Value> = resources
            .into_iter()
            .map(
                |r| json!({"fullUrl": "https://sds/x", "resource": r, "search": {"mode": "match"}}),
            )
            .collect();
        json!({"resourceType": "Bundle", "type": "searchset", "total": entries.len(), "entry": entries})
            .to_string()
            .into_bytes()
    }

    fn device(asid: &[&str], key: &[&str]) -> Value {
        let mut ids: Vec<Value> = asid
            .iter()
            .map(|a| json!({"system": ASID_SYSTEM, "value": a}))
            .collect();
        ids.extend(
            key.iter()
                .map(|k| json!({"system": PARTY_KEY_SYSTEM, "value": k})),
        );
        json!({"resourceType": "Device", "identifier": ids,
               "owner": {"identifier": {"system": ODS_SYSTEM, "value": "YES"}}})
    }

    fn endpoint(address: Option<&str>) -> Value {
        let mut e = json!({
            "resourceType": "Endpoint", "status": "active",
            "identifier": [
                {"system": FQDN_SYSTEM, "value": "vandm.example.nhs.uk"},
                {"system": PARTY_KEY_SYSTEM, "value": "YES-0000806"},
                {"system": CPA_ID_SYSTEM, "value": "S1"},
                {"system": MHS_ID_SYSTEM, "value": "S1"}
            ]
        });
        if let Some(a) = address {
            e["address"] = json!(a);
        }
        e
    }

    fn spine() -> AccreditedSystem {
        AccreditedSystem {
            asid: "928942012545".into(),
            party_key: "YES-0000806".into(),
        }
    }

    #[test]
    fn builds_the_queries_the_api_documents() {
        assert_eq!(
            device_query("YES", I),
            vec![
                (
                    "organization",
                    "https://fhir.nhs.uk/Id/ods-organization-code|YES".to_owned()
                ),
                (
                    "identifier",
                    format!("https://fhir.nhs.uk/Id/nhsServiceInteractionId|{I}")
                ),
            ]
        );
        assert_eq!(
            endpoint_query("YES", I, "YES-0000806"),
            vec![
                (
                    "organization",
                    "https://fhir.nhs.uk/Id/ods-organization-code|YES".to_owned()
                ),
                (
                    "identifier",
                    format!("https://fhir.nhs.uk/Id/nhsServiceInteractionId|{I}")
                ),
                (
                    "identifier",
                    "https://fhir.nhs.uk/Id/nhsMhsPartyKey|YES-0000806".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn resolves_the_spine_endpoint_from_device_and_endpoint_bundles() {
        let system = resolve_device(
            "YES",
            I,
            &bundle(vec![device(&["928942012545"], &["YES-0000806"])]),
        );
        assert_eq!(system, Ok(spine()));
        let url = "https://vandm.example.nhs.uk/visitors-and-migrants/FHIR/R4";
        // One Endpoint per address value: duplicates that agree are fine.
        let got = resolve_endpoint(
            &spine(),
            I,
            &bundle(vec![endpoint(Some(url)), endpoint(Some(url))]),
        );
        assert_eq!(
            got,
            Ok(SpineEndpoint {
                asid: "928942012545".into(),
                party_key: "YES-0000806".into(),
                base_url: url.into(),
                fqdn: Some("vandm.example.nhs.uk".into()),
                // The FHIR API does not publish nhsMhsIsAuthenticated.
                authenticated: None,
            })
        );
    }

    #[test]
    fn reports_the_same_lookup_errors_as_ldap() {
        let ods = || "YES".to_owned();
        let inter = || I.to_owned();
        let device_cases = [
            (
                bundle(vec![]),
                SdsLookupError::NoAccreditedSystem {
                    ods_code: ods(),
                    interaction: inter(),
                },
            ),
            (
                bundle(vec![
                    device(&["1"], &["K1"]),
                    device(&["2"], &["K2"]),
                    device(&[], &["K3"]),
                ]),
                SdsLookupError::SeveralAccreditedSystems {
                    ods_code: ods(),
                    interaction: inter(),
                    asids: vec!["1".into(), "2".into(), "?".into()],
                },
            ),
            (
                bundle(vec![device(&["928942012545"], &[])]),
                SdsLookupError::IncompleteAccreditedSystem {
                    ods_code: ods(),
                    interaction: inter(),
                    attribute: "nhsMhsPartyKey (party key)",
                },
            ),
            (
                bundle(vec![device(&[], &["YES-0000806"])]),
                SdsLookupError::IncompleteAccreditedSystem {
                    ods_code: ods(),
                    interaction: inter(),
                    attribute: "uniqueIdentifier (ASID)",
                },
            ),
        ];
        for (body, want) in device_cases {
            assert_eq!(
                resolve_device("YES", I, &body),
                Err(SdsFhirError::Lookup(want))
            );
        }
        let key = || "YES-0000806".to_owned();
        let endpoint_cases = [
            (
                bundle(vec![]),
                SdsLookupError::NoMessageHandlingSystem {
                    party_key: key(),
                    interaction: inter(),
                },
            ),
            (
                bundle(vec![endpoint(Some("https://a/fhir")), endpoint(None)]),
                SdsLookupError::MissingEndpoint {
                    party_key: key(),
                    interaction: inter(),
                },
            ),
            (
                bundle(vec![
                    endpoint(Some("https://a/fhir")),
                    endpoint(Some("https://b/fhir")),
                ]),
                SdsLookupError::ConflictingEndpoints {
                    party_key: key(),
                    interaction: inter(),
                    endpoints: vec!["https://a/fhir".into(), "https://b/fhir".into()],
                },
            ),
            (
                bundle(vec![endpoint(Some("ldap://a/"))]),
                SdsLookupError::InvalidEndpoint {
                    party_key: key(),
                    interaction: inter(),
                    endpoint: "ldap://a/".into(),
                },
            ),
        ];
        for (body, want) in endpoint_cases {
            assert_eq!(
                resolve_endpoint(&spine(), I, &body),
                Err(SdsFhirError::Lookup(want))
            );
        }
    }

    #[test]
    fn an_empty_searchset_may_leave_out_entry() {
        let body = br#"{"resourceType":"Bundle","type":"searchset","total":0}"#;
        assert_eq!(device_entries(body), Ok(vec![]));
        let body = br#"{"resourceType":"Bundle","type":"searchset","total":0,"entry":[]}"#;
        assert_eq!(endpoint_entries(body), Ok(vec![]));
    }

    #[test]
    fn refuses_what_is_not_a_searchset_of_the_resource_asked_for() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let cases: Vec<(Vec<u8>, SdsBundleError)> = vec![
            (b"".to_vec(), SdsBundleError::NotJson),
            (b"<html>busy</html>".to_vec(), SdsBundleError::NotJson),
            (deep.into_bytes(), SdsBundleError::NotJson),
            (b"[]".to_vec(), SdsBundleError::NotSearchset),
            (
                br#"{"resourceType":"Bundle","type":"collection","entry":[]}"#.to_vec(),
                SdsBundleError::NotSearchset,
            ),
            (
                br#"{"resourceType":"Bundle","type":"searchset","entry":{}}"#.to_vec(),
                SdsBundleError::NotSearchset,
            ),
            (
                br#"{"resourceType":"OperationOutcome","issue":[]}"#.to_vec(),
                SdsBundleError::NotSearchset,
            ),
            (
                bundle(vec![endpoint(Some("https://a/"))]),
                SdsBundleError::UnexpectedResource {
                    expected: "Device",
                    found: "Endpoint".into(),
                },
            ),
            (
                bundle(vec![json!({"id": "x"})]),
                SdsBundleError::UnexpectedResource {
                    expected: "Device",
                    found: "?".into(),
                },
            ),
        ];
        for (body, want) in cases {
            assert_eq!(
                device_entries(&body),
                Err(want),
                "{}",
                String::from_utf8_lossy(&body)
                    .chars()
                    .take(60)
                    .collect::<String>()
            );
        }
        // A warning entry (search.mode outcome) is not a Device and is skipped.
        let with_outcome = json!({"resourceType": "Bundle", "type": "searchset", "entry": [
            {"resource": {"resourceType": "OperationOutcome"}, "search": {"mode": "outcome"}},
            {"resource": device(&["1"], &["K"]), "search": {"mode": "match"}}
        ]})
        .to_string();
        assert_eq!(
            device_entries(with_outcome.as_bytes()).map(|e| e.len()),
            Ok(1)
        );
    }

    #[test]
    fn reads_operation_outcomes() {
        let body = json!({"resourceType": "OperationOutcome", "issue": [{
            "severity": "error", "code": "required",
            "details": {"coding": [{"system": "https://fhir.nhs.uk/STU3/ValueSet/Spine-ErrorOrWarningCode-1",
                                    "code": "BAD_REQUEST", "display": "Bad request"}]},
            "diagnostics": "Illegal query parameter 'x'"}]})
        .to_string();
        assert_eq!(
            read_outcome(body.as_bytes()),
            Some((
                "required".into(),
                Some("BAD_REQUEST".into()),
                Some("Illegal query parameter 'x'".into())
            ))
        );
        assert_eq!(read_outcome(b"{\"resourceType\":\"Bundle\"}"), None);
        assert_eq!(read_outcome(b"not json"), None);
    }
}
