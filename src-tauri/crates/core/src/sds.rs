//! Spine Directory Service (SDS) lookups, the pure half.
//!
//! Finding the Spine's Visitors and Migrants endpoint takes two LDAP searches under
//! [`SERVICES_BASE_DN`] (SPEC-NOTES §6):
//!
//! 1. the *accredited system* (`nhsAs`) registered for the Spine's ODS code and the interaction,
//!    which gives the Spine's ASID (`uniqueIdentifier`, sent as `Ssp-To`) and its party key
//!    (`nhsMhsPartyKey`), built by [`accredited_system_filter`];
//! 2. the *message handling system* (`nhsMhs`) for that party key and interaction, which gives
//!    the FHIR base URL (`nhsMhsEndPoint`), built by [`mhs_filter`].
//!
//! This module builds the filters (with RFC 4515 value escaping) and turns the attribute lists the
//! directory returned into a [`SpineEndpoint`] or a [`SdsLookupError`] ([`resolve`]). Attribute
//! names are matched case-insensitively ([`attribute_values`]) because real directories answer in
//! their schema's spelling (`nhsMHSPartyKey`, `nhsMHSEndPoint`) whatever the request said.
//!
//! It deliberately does no I/O: it opens no connection, sends no LDAP request and caches nothing;
//! the adapter in `vmcheck-spine` does that. It does not parse URLs beyond checking that an
//! endpoint is an absolute `http`/`https` URL with a host. No patient data ever passes through it.

use std::fmt::Write as _;

/// The base DN under which SDS keeps accredited systems and message handling systems.
pub const SERVICES_BASE_DN: &str = "ou=services,o=nhs";

/// The interaction id of the Visitors and Migrants FHIR search (`GET /Observation`).
pub const VANDM_SEARCH_INTERACTION: &str =
    "urn:nhs:names:services:visitorsandmigrants:fhir:rest:search:observation";

/// The V&M search's interaction id as SDS registers it: with its major version (`:1`). The
/// directory is searched for this form; the request's `Ssp-InteractionID` header carries
/// [`VANDM_SEARCH_INTERACTION`], without it.
pub const VANDM_SEARCH_SDS_INTERACTION: &str =
    "urn:nhs:names:services:visitorsandmigrants:fhir:rest:search:observation:1";

/// The interaction id of the Visitors and Migrants FHIR capability statement (`GET /metadata`).
pub const VANDM_METADATA_INTERACTION: &str =
    "urn:nhs:names:services:visitorsandmigrants:fhir:rest:read:metadata";

/// LDAP attribute holding an entry's identifier; on an `nhsAs` entry it is the ASID.
pub const ATTR_UNIQUE_IDENTIFIER: &str = "uniqueIdentifier";
/// LDAP attribute holding the party key of an accredited system or message handling system.
pub const ATTR_PARTY_KEY: &str = "nhsMhsPartyKey";
/// LDAP attribute holding a message handling system's endpoint URL.
pub const ATTR_ENDPOINT: &str = "nhsMhsEndPoint";
/// LDAP attribute holding the host name of a message handling system.
pub const ATTR_FQDN: &str = "nhsMhsFQDN";
/// LDAP attribute saying whether a message handling system expects authenticated messaging.
pub const ATTR_IS_AUTHENTICATED: &str = "nhsMhsIsAuthenticated";

/// The attributes to request in the accredited-system search (step 1).
pub const ACCREDITED_SYSTEM_ATTRIBUTES: [&str; 2] = [ATTR_UNIQUE_IDENTIFIER, ATTR_PARTY_KEY];

/// The attributes to request in the message-handling-system search (step 2).
pub const MHS_ATTRIBUTES: [&str; 5] = [
    ATTR_UNIQUE_IDENTIFIER,
    ATTR_PARTY_KEY,
    ATTR_ENDPOINT,
    ATTR_FQDN,
    ATTR_IS_AUTHENTICATED,
];

/// The attributes of one directory entry: `(attribute name, values)` pairs, names in whatever
/// spelling the directory used.
pub type Attributes = [(String, Vec<String>)];

/// Where and how to reach a Spine FHIR service, as registered in SDS.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SpineEndpoint {
    /// The ASID of the Spine's accredited system (sent as the `Ssp-To` header).
    pub asid: String,
    /// The party key shared by the accredited system and its message handling system.
    pub party_key: String,
    /// The FHIR base URL (`nhsMhsEndPoint`), verbatim apart from surrounding white space.
    pub base_url: String,
    /// The host name registered for the message handling system (`nhsMhsFQDN`), if any.
    pub fqdn: Option<String>,
    /// Whether the endpoint expects authenticated messaging (`nhsMhsIsAuthenticated`): `none`
    /// gives `Some(false)`, `transient`/`persistent` give `Some(true)`; absent or unknown values
    /// give `None`.
    pub authenticated: Option<bool>,
}

/// The identity of an accredited system found in step 1 of the lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccreditedSystem {
    /// Its ASID (`uniqueIdentifier`).
    pub asid: String,
    /// Its party key (`nhsMhsPartyKey`).
    pub party_key: String,
}

/// Why SDS did not yield exactly one usable endpoint. No variant carries patient data: only ODS
/// codes, interaction ids, party keys, ASIDs and URLs from the directory.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdsLookupError {
    /// No accredited system (`nhsAs`) is registered for the ODS code and interaction.
    #[error(
        "The Spine directory has no accredited system for ODS code {ods_code} \
         offering interaction {interaction}."
    )]
    NoAccreditedSystem {
        /// The ODS code searched for.
        ods_code: String,
        /// The interaction id searched for.
        interaction: String,
    },
    /// More than one accredited system is registered for the ODS code and interaction, so the
    /// ASID to address is ambiguous.
    #[error(
        "The Spine directory has {} accredited systems (ASIDs {}) for ODS code {ods_code} \
         offering interaction {interaction}; exactly one was expected.",
        asids.len(),
        asids.join(", ")
    )]
    SeveralAccreditedSystems {
        /// The ODS code searched for.
        ods_code: String,
        /// The interaction id searched for.
        interaction: String,
        /// The ASIDs of the entries found (an entry without one shows as `?`).
        asids: Vec<String>,
    },
    /// The accredited system entry lacks a single value for a mandatory attribute (the ASID or
    /// the party key).
    #[error(
        "The Spine directory's accredited system for ODS code {ods_code} and interaction \
         {interaction} has no single {attribute} value."
    )]
    IncompleteAccreditedSystem {
        /// The ODS code searched for.
        ods_code: String,
        /// The interaction id searched for.
        interaction: String,
        /// The attribute missing or with several different values.
        attribute: &'static str,
    },
    /// No message handling system (`nhsMhs`) is registered for the party key and interaction.
    #[error(
        "The Spine directory has no message handling system for party key {party_key} \
         and interaction {interaction}."
    )]
    NoMessageHandlingSystem {
        /// The party key searched for.
        party_key: String,
        /// The interaction id searched for.
        interaction: String,
    },
    /// Several message handling systems are registered for the party key and interaction and
    /// they name different endpoints (identical endpoints are accepted).
    #[error(
        "The Spine directory lists different endpoints ({}) for party key {party_key} and \
         interaction {interaction}; it cannot tell which one to use.",
        endpoints.join(", ")
    )]
    ConflictingEndpoints {
        /// The party key searched for.
        party_key: String,
        /// The interaction id searched for.
        interaction: String,
        /// The distinct endpoints found, in directory order.
        endpoints: Vec<String>,
    },
    /// The message handling system entry has no endpoint URL.
    #[error(
        "The Spine directory's message handling system for party key {party_key} and \
         interaction {interaction} has no endpoint address."
    )]
    MissingEndpoint {
        /// The party key searched for.
        party_key: String,
        /// The interaction id searched for.
        interaction: String,
    },
    /// The registered endpoint is not an absolute `http` or `https` URL.
    #[error(
        "The Spine directory's endpoint for party key {party_key} and interaction \
         {interaction} is not a web address: {endpoint}"
    )]
    InvalidEndpoint {
        /// The party key searched for.
        party_key: String,
        /// The interaction id searched for.
        interaction: String,
        /// The value found.
        endpoint: String,
    },
}

/// Escapes a value for use inside an LDAP search filter (RFC 4515 §3): `*`, `(`, `)`, `\` and
/// NUL become `\2a`, `\28`, `\29`, `\5c` and `\00`; everything else is kept.
pub fn escape_filter_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '*' | '(' | ')' | '\\' | '\0' => {
                // Writing to a String cannot fail.
                let _ = write!(out, "\\{:02x}", u32::from(c));
            }
            _ => out.push(c),
        }
    }
    out
}

/// The step 1 filter: the accredited system of `ods_code` offering `interaction`,
/// `(&(nhsIDCode=ODS)(objectClass=nhsAS)(nhsAsSvcIA=INTERACTION))`, values escaped.
pub fn accredited_system_filter(ods_code: &str, interaction: &str) -> String {
    format!(
        "(&(nhsIDCode={})(objectClass=nhsAS)(nhsAsSvcIA={}))",
        escape_filter_value(ods_code),
        escape_filter_value(interaction)
    )
}

/// The step 2 filter: the message handling system of `party_key` for `interaction`,
/// `(&(nhsMhsPartyKey=KEY)(objectClass=nhsMhs)(nhsMhsSvcIA=INTERACTION))`, values escaped.
pub fn mhs_filter(party_key: &str, interaction: &str) -> String {
    format!(
        "(&(nhsMhsPartyKey={})(objectClass=nhsMhs)(nhsMhsSvcIA={}))",
        escape_filter_value(party_key),
        escape_filter_value(interaction)
    )
}

/// All values of the attribute `name` in `attrs`, the name compared case-insensitively (ASCII)
/// and attribute options (`;binary`, `;lang-en`) ignored. Empty when the attribute is absent.
pub fn attribute_values<'a>(
    attrs: &'a Attributes,
    name: &'a str,
) -> impl Iterator<Item = &'a str> + 'a {
    attrs
        .iter()
        .filter(move |(n, _)| {
            let base = n.split(';').next().unwrap_or(n);
            base.eq_ignore_ascii_case(name)
        })
        .flat_map(|(_, values)| values.iter().map(String::as_str))
}

/// The one value of `name` in `attrs` (surrounding white space trimmed, empty values ignored):
/// `None` when absent or when it has several *different* values.
pub fn single_value<'a>(attrs: &'a Attributes, name: &'a str) -> Option<&'a str> {
    let mut found: Option<&str> = None;
    for v in attribute_values(attrs, name)
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        match found {
            None => found = Some(v),
            Some(f) if f == v => {}
            Some(_) => return None,
        }
    }
    found
}

/// Step 1: picks the single accredited system from the `nhsAs` search results.
pub fn resolve_accredited_system(
    ods_code: &str,
    interaction: &str,
    as_entries: &[Vec<(String, Vec<String>)>],
) -> Result<AccreditedSystem, SdsLookupError> {
    let entry = match as_entries {
        [] => {
            return Err(SdsLookupError::NoAccreditedSystem {
                ods_code: ods_code.to_owned(),
                interaction: interaction.to_owned(),
            })
        }
        [one] => one,
        several => {
            return Err(SdsLookupError::SeveralAccreditedSystems {
                ods_code: ods_code.to_owned(),
                interaction: interaction.to_owned(),
                asids: several
                    .iter()
                    .map(|e| {
                        single_value(e, ATTR_UNIQUE_IDENTIFIER)
                            .unwrap_or("?")
                            .to_owned()
                    })
                    .collect(),
            })
        }
    };
    let incomplete = |attribute| SdsLookupError::IncompleteAccreditedSystem {
        ods_code: ods_code.to_owned(),
        interaction: interaction.to_owned(),
        attribute,
    };
    let asid = single_value(entry, ATTR_UNIQUE_IDENTIFIER)
        .ok_or_else(|| incomplete("uniqueIdentifier (ASID)"))?;
    let party_key = single_value(entry, ATTR_PARTY_KEY)
        .ok_or_else(|| incomplete("nhsMhsPartyKey (party key)"))?;
    Ok(AccreditedSystem {
        asid: asid.to_owned(),
        party_key: party_key.to_owned(),
    })
}

/// Step 2: turns the `nhsMhs` search results for `system`'s party key into the endpoint.
///
/// Several entries are accepted when they all name the same endpoint; `fqdn` and
/// `authenticated` then come from the first entry that has them.
pub fn resolve_mhs(
    system: &AccreditedSystem,
    interaction: &str,
    mhs_entries: &[Vec<(String, Vec<String>)>],
) -> Result<SpineEndpoint, SdsLookupError> {
    let party_key = system.party_key.as_str();
    if mhs_entries.is_empty() {
        return Err(SdsLookupError::NoMessageHandlingSystem {
            party_key: party_key.to_owned(),
            interaction: interaction.to_owned(),
        });
    }
    let mut endpoints: Vec<&str> = Vec::new();
    for entry in mhs_entries {
        let mut any = false;
        for v in attribute_values(entry, ATTR_ENDPOINT)
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            any = true;
            if !endpoints.contains(&v) {
                endpoints.push(v);
            }
        }
        if !any {
            return Err(SdsLookupError::MissingEndpoint {
                party_key: party_key.to_owned(),
                interaction: interaction.to_owned(),
            });
        }
    }
    let base_url = match endpoints.as_slice() {
        [one] => *one,
        // `endpoints` cannot be empty here: every entry contributed at least one value.
        _ => {
            return Err(SdsLookupError::ConflictingEndpoints {
                party_key: party_key.to_owned(),
                interaction: interaction.to_owned(),
                endpoints: endpoints.iter().map(|e| (*e).to_owned()).collect(),
            })
        }
    };
    if !is_http_url(base_url) {
        return Err(SdsLookupError::InvalidEndpoint {
            party_key: party_key.to_owned(),
            interaction: interaction.to_owned(),
            endpoint: base_url.to_owned(),
        });
    }
    let fqdn = mhs_entries
        .iter()
        .find_map(|e| single_value(e, ATTR_FQDN))
        .map(str::to_owned);
    let authenticated = mhs_entries
        .iter()
        .find_map(|e| single_value(e, ATTR_IS_AUTHENTICATED))
        .and_then(parse_is_authenticated);
    Ok(SpineEndpoint {
        asid: system.asid.clone(),
        party_key: party_key.to_owned(),
        base_url: base_url.to_owned(),
        fqdn,
        authenticated,
    })
}

/// Both steps at once: from the `nhsAs` results (searched with [`accredited_system_filter`]) and
/// the `nhsMhs` results (searched with [`mhs_filter`] for the party key step 1 yields) to the
/// endpoint. Step 1 errors win over step 2 errors.
pub fn resolve(
    ods_code: &str,
    interaction: &str,
    as_entries: &[Vec<(String, Vec<String>)>],
    mhs_entries: &[Vec<(String, Vec<String>)>],
) -> Result<SpineEndpoint, SdsLookupError> {
    let system = resolve_accredited_system(ods_code, interaction, as_entries)?;
    resolve_mhs(&system, interaction, mhs_entries)
}

/// Maps an `nhsMhsIsAuthenticated` value to a boolean (`none`/`false` → false,
/// `transient`/`persistent`/`true` → true), ignoring case; anything else is unknown.
pub fn parse_is_authenticated(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "none" | "false" => Some(false),
        "transient" | "persistent" | "true" => Some(true),
        _ => None,
    }
}

/// True when `url` is an absolute `http://` or `https://` URL with a non-empty host and no
/// white space or control characters.
fn is_http_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let rest = if let Some(r) = lower.strip_prefix("https://") {
        r
    } else if let Some(r) = lower.strip_prefix("http://") {
        r
    } else {
        return false;
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    !host.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(pairs: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
        pairs
            .iter()
            .map(|(n, vs)| {
                (
                    (*n).to_owned(),
                    vs.iter().map(|v| (*v).to_owned()).collect(),
                )
            })
            .collect()
    }

    const I: &str = VANDM_SEARCH_INTERACTION;

    fn spine_as() -> Vec<(String, Vec<String>)> {
        entry(&[
            ("objectClass", &["top", "nhsAs"]),
            ("uniqueIdentifier", &["928942012545"]),
            ("nhsMHSPartyKey", &["YES-0000806"]),
        ])
    }

    fn spine_mhs(endpoint: &str) -> Vec<(String, Vec<String>)> {
        entry(&[
            ("uniqueIdentifier", &["S1"]),
            ("nhsMHSPartyKey", &["YES-0000806"]),
            ("nhsMHSEndPoint", &[endpoint]),
            ("nhsMhsFQDN", &["vandm.example.nhs.uk"]),
            ("nhsMHSIsAuthenticated", &["none"]),
        ])
    }

    #[test]
    fn escapes_filter_values() {
        let cases = [
            ("", ""),
            ("YES", "YES"),
            ("a*b", "a\\2ab"),
            ("(x)", "\\28x\\29"),
            ("back\\slash", "back\\5cslash"),
            ("nul\0", "nul\\00"),
            ("*)(objectClass=*", "\\2a\\29\\28objectClass=\\2a"),
            ("urn:nhs:names:services:x:1", "urn:nhs:names:services:x:1"),
            ("é", "é"),
        ];
        for (input, want) in cases {
            assert_eq!(escape_filter_value(input), want, "input {input:?}");
        }
    }

    #[test]
    fn builds_filters() {
        let cases = [
            (
                accredited_system_filter("YES", I),
                format!("(&(nhsIDCode=YES)(objectClass=nhsAS)(nhsAsSvcIA={I}))"),
            ),
            (
                accredited_system_filter("Y*", "a(b)"),
                "(&(nhsIDCode=Y\\2a)(objectClass=nhsAS)(nhsAsSvcIA=a\\28b\\29))".to_owned(),
            ),
            (
                mhs_filter("YES-0000806", VANDM_METADATA_INTERACTION),
                format!(
                    "(&(nhsMhsPartyKey=YES-0000806)(objectClass=nhsMhs)\
                     (nhsMhsSvcIA={VANDM_METADATA_INTERACTION}))"
                ),
            ),
            (
                mhs_filter("K\\", "*"),
                "(&(nhsMhsPartyKey=K\\5c)(objectClass=nhsMhs)(nhsMhsSvcIA=\\2a))".to_owned(),
            ),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
    }

    #[test]
    fn looks_attributes_up_case_insensitively() {
        let e = entry(&[
            ("nhsMHSPartyKey", &["K"]),
            ("NHSMHSENDPOINT", &["https://a/", "https://b/"]),
            ("nhsMhsFQDN;lang-en", &["host"]),
            ("empty", &[]),
            ("dup", &["x", "y"]),
            ("same", &["x", " x "]),
        ]);
        let cases: [(&str, &[&str], Option<&str>); 7] = [
            ("nhsMhsPartyKey", &["K"], Some("K")),
            ("nhsmhspartykey", &["K"], Some("K")),
            ("nhsMhsEndPoint", &["https://a/", "https://b/"], None),
            ("nhsMhsFqdn", &["host"], Some("host")),
            ("empty", &[], None),
            ("absent", &[], None),
            ("same", &["x", " x "], Some("x")),
        ];
        for (name, all, single) in cases {
            let got: Vec<&str> = attribute_values(&e, name).collect();
            assert_eq!(got, all, "values of {name}");
            assert_eq!(single_value(&e, name), single, "single value of {name}");
        }
        assert_eq!(single_value(&e, "dup"), None);
    }

    #[test]
    fn resolves_the_spine_endpoint() {
        let url = "https://vandm.example.nhs.uk/visitors-and-migrants/FHIR/R4";
        let got = resolve("YES", I, &[spine_as()], &[spine_mhs(url), spine_mhs(url)]);
        assert_eq!(
            got,
            Ok(SpineEndpoint {
                asid: "928942012545".into(),
                party_key: "YES-0000806".into(),
                base_url: url.into(),
                fqdn: Some("vandm.example.nhs.uk".into()),
                authenticated: Some(false),
            })
        );
    }

    #[test]
    fn optional_mhs_attributes_may_be_absent() {
        let mhs = entry(&[("nhsMhsEndPoint", &[" http://127.0.0.1:8080/fhir "])]);
        let got = resolve("YES", I, &[spine_as()], &[mhs]);
        assert_eq!(
            got,
            Ok(SpineEndpoint {
                asid: "928942012545".into(),
                party_key: "YES-0000806".into(),
                base_url: "http://127.0.0.1:8080/fhir".into(),
                fqdn: None,
                authenticated: None,
            })
        );
    }

    #[test]
    fn reports_lookup_errors() {
        let ok_mhs = spine_mhs("https://a.example/fhir");
        let no_asid = entry(&[("nhsMHSPartyKey", &["YES-0000806"])]);
        let two_asids = entry(&[
            ("uniqueIdentifier", &["1", "2"]),
            ("nhsMHSPartyKey", &["YES-0000806"]),
        ]);
        let no_key = entry(&[("uniqueIdentifier", &["928942012545"])]);
        let other_as = entry(&[("uniqueIdentifier", &["111"]), ("nhsMHSPartyKey", &["K"])]);
        let no_endpoint = entry(&[("nhsMHSPartyKey", &["YES-0000806"])]);
        let blank_endpoint = entry(&[("nhsMHSEndPoint", &["  "])]);
        let ldap_endpoint = spine_mhs("ldap://a.example/");
        let hostless = spine_mhs("https:///path");
        let spaced = spine_mhs("https://a.example/x y");
        let other_url = spine_mhs("https://b.example/fhir");

        let key = "YES-0000806".to_owned();
        let inter = I.to_owned();
        type Entries = Vec<Vec<(String, Vec<String>)>>;
        let cases: Vec<(Entries, Entries, SdsLookupError)> = vec![
            (
                vec![],
                vec![ok_mhs.clone()],
                SdsLookupError::NoAccreditedSystem {
                    ods_code: "YES".into(),
                    interaction: inter.clone(),
                },
            ),
            (
                vec![spine_as(), other_as, no_asid.clone()],
                vec![ok_mhs.clone()],
                SdsLookupError::SeveralAccreditedSystems {
                    ods_code: "YES".into(),
                    interaction: inter.clone(),
                    asids: vec!["928942012545".into(), "111".into(), "?".into()],
                },
            ),
            (
                vec![no_asid],
                vec![ok_mhs.clone()],
                SdsLookupError::IncompleteAccreditedSystem {
                    ods_code: "YES".into(),
                    interaction: inter.clone(),
                    attribute: "uniqueIdentifier (ASID)",
                },
            ),
            (
                vec![two_asids],
                vec![ok_mhs.clone()],
                SdsLookupError::IncompleteAccreditedSystem {
                    ods_code: "YES".into(),
                    interaction: inter.clone(),
                    attribute: "uniqueIdentifier (ASID)",
                },
            ),
            (
                vec![no_key],
                vec![ok_mhs.clone()],
                SdsLookupError::IncompleteAccreditedSystem {
                    ods_code: "YES".into(),
                    interaction: inter.clone(),
                    attribute: "nhsMhsPartyKey (party key)",
                },
            ),
            (
                vec![spine_as()],
                vec![],
                SdsLookupError::NoMessageHandlingSystem {
                    party_key: key.clone(),
                    interaction: inter.clone(),
                },
            ),
            (
                vec![spine_as()],
                vec![ok_mhs.clone(), other_url],
                SdsLookupError::ConflictingEndpoints {
                    party_key: key.clone(),
                    interaction: inter.clone(),
                    endpoints: vec![
                        "https://a.example/fhir".into(),
                        "https://b.example/fhir".into(),
                    ],
                },
            ),
            (
                vec![spine_as()],
                vec![ok_mhs.clone(), no_endpoint],
                SdsLookupError::MissingEndpoint {
                    party_key: key.clone(),
                    interaction: inter.clone(),
                },
            ),
            (
                vec![spine_as()],
                vec![blank_endpoint],
                SdsLookupError::MissingEndpoint {
                    party_key: key.clone(),
                    interaction: inter.clone(),
                },
            ),
            (
                vec![spine_as()],
                vec![ldap_endpoint],
                SdsLookupError::InvalidEndpoint {
                    party_key: key.clone(),
                    interaction: inter.clone(),
                    endpoint: "ldap://a.example/".into(),
                },
            ),
            (
                vec![spine_as()],
                vec![hostless],
                SdsLookupError::InvalidEndpoint {
                    party_key: key.clone(),
                    interaction: inter.clone(),
                    endpoint: "https:///path".into(),
                },
            ),
            (
                vec![spine_as()],
                vec![spaced],
                SdsLookupError::InvalidEndpoint {
                    party_key: key.clone(),
                    interaction: inter.clone(),
                    endpoint: "https://a.example/x y".into(),
                },
            ),
        ];
        for (as_entries, mhs_entries, want) in cases {
            assert_eq!(resolve("YES", I, &as_entries, &mhs_entries), Err(want));
        }
    }

    #[test]
    fn error_messages_name_what_was_looked_up() {
        let cases = [
            (
                SdsLookupError::NoAccreditedSystem { ods_code: "YES".into(), interaction: "urn:i".into() },
                "The Spine directory has no accredited system for ODS code YES offering interaction urn:i.",
            ),
            (
                SdsLookupError::SeveralAccreditedSystems {
                    ods_code: "X26".into(),
                    interaction: "urn:i".into(),
                    asids: vec!["1".into(), "2".into()],
                },
                "The Spine directory has 2 accredited systems (ASIDs 1, 2) for ODS code X26 offering \
                 interaction urn:i; exactly one was expected.",
            ),
            (
                SdsLookupError::IncompleteAccreditedSystem {
                    ods_code: "YES".into(),
                    interaction: "urn:i".into(),
                    attribute: "uniqueIdentifier (ASID)",
                },
                "The Spine directory's accredited system for ODS code YES and interaction urn:i has no \
                 single uniqueIdentifier (ASID) value.",
            ),
            (
                SdsLookupError::NoMessageHandlingSystem { party_key: "K-1".into(), interaction: "urn:i".into() },
                "The Spine directory has no message handling system for party key K-1 and interaction urn:i.",
            ),
            (
                SdsLookupError::ConflictingEndpoints {
                    party_key: "K-1".into(),
                    interaction: "urn:i".into(),
                    endpoints: vec!["https://a/".into(), "https://b/".into()],
                },
                "The Spine directory lists different endpoints (https://a/, https://b/) for party key K-1 \
                 and interaction urn:i; it cannot tell which one to use.",
            ),
            (
                SdsLookupError::MissingEndpoint { party_key: "K-1".into(), interaction: "urn:i".into() },
                "The Spine directory's message handling system for party key K-1 and interaction urn:i \
                 has no endpoint address.",
            ),
            (
                SdsLookupError::InvalidEndpoint {
                    party_key: "K-1".into(),
                    interaction: "urn:i".into(),
                    endpoint: "ftp://x".into(),
                },
                "The Spine directory's endpoint for party key K-1 and interaction urn:i is not a web \
                 address: ftp://x",
            ),
        ];
        for (err, want) in cases {
            assert_eq!(err.to_string(), want);
        }
    }

    #[test]
    fn parses_is_authenticated() {
        let cases = [
            ("none", Some(false)),
            ("NONE", Some(false)),
            ("false", Some(false)),
            ("transient", Some(true)),
            ("persistent", Some(true)),
            (" true ", Some(true)),
            ("maybe", None),
            ("", None),
        ];
        for (value, want) in cases {
            assert_eq!(parse_is_authenticated(value), want, "value {value:?}");
        }
    }

    #[test]
    fn recognises_http_urls() {
        let cases = [
            ("https://a.example/fhir", true),
            ("HTTPS://A.EXAMPLE", true),
            ("http://127.0.0.1:8080/", true),
            ("http://[::1]:8080/x", true),
            ("https://user@host/", true),
            ("https://", false),
            ("https:///x", false),
            ("http://:80/", false),
            ("ftp://a.example/", false),
            ("a.example/fhir", false),
            ("https://a.example/\tx", false),
        ];
        for (url, want) in cases {
            assert_eq!(is_http_url(url), want, "url {url:?}");
        }
    }
}
