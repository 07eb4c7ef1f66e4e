//! An in-memory, read-only imitation of the Spine Directory Service's data.
//!
//! A [`Directory`] is a list of [`Entry`]s with search matching as OpenLDAP with the NHS schema
//! does it: base DN + scope (base, one level, subtree, children) + filter (`&`, `|`, `!`,
//! equality, presence), with
//! - DNs, attribute names and `objectClass` values compared ignoring case (and spaces around
//!   `,` and `=` in DNs);
//! - attribute values compared with the schema's EQUALITY rule: case-exact for `nhsIDCode`,
//!   `nhsAsSvcIA`, `nhsMhsSvcIA`, `nhsMHSEndPoint` and the other `caseExactMatch` attributes,
//!   ignoring case for `nhsMHSPartyKey`, `uniqueIdentifier` and attributes the schema table below
//!   does not know, and *never matching* for the NHS attributes that have no EQUALITY rule
//!   (`nhsMhsFQDN`, `nhsMHSIsAuthenticated`, …), as real SDS does;
//! - LDAP's three-valued filter logic, so `(!(nhsMhsFQDN=x))` matches nothing either.
//!
//! [`Directory::spine`] builds the sandbox's Spine: the `o=nhs` tree, one accredited system
//! (`nhsAs`) and one message handling system (`nhsMhs`) per Visitors and Migrants interaction,
//! with the attributes a real SDS entry has. `ou=people,o=nhs` is created empty; smartcard users
//! and roles can be added later with [`Directory::push`].
//!
//! It deliberately does not: write (no add/modify/delete after construction through LDAP),
//! evaluate substring, ordering, approximate or extensible filters (they evaluate to Undefined and
//! so match nothing, as they do for the NHS attributes, which have no SUBSTR or ORDERING rules),
//! check entries against the schema, handle aliases or referrals, or know anything about the
//! LDAP wire protocol (that is [`crate::ldap`]).

use ldap3_proto::proto::{LdapFilter, LdapSearchScope};
use vmcheck_core::sds::{VANDM_METADATA_INTERACTION, VANDM_SEARCH_INTERACTION};

/// The ODS code of the Spine's accredited system in the sandbox (as on the Spine itself).
pub const SPINE_ODS_CODE: &str = "YES";
/// The party key of the Spine's accredited system and message handling systems in the sandbox.
pub const SPINE_PARTY_KEY: &str = "YES-0000806";
/// The ASID of the Spine's accredited system in the sandbox (the value for `Ssp-To`).
pub const SPINE_ASID: &str = "928942012545";

/// The DN of the sandbox's services container, in the spelling real SDS uses.
pub const SERVICES_DN: &str = "ou=Services,o=nhs";
/// The DN of the sandbox's people container.
pub const PEOPLE_DN: &str = "ou=People,o=nhs";

/// Attributes whose EQUALITY rule is `caseExactMatch` in the SDS schema.
const CASE_EXACT_ATTRIBUTES: &[&str] = &[
    "nhsIDCode",
    "nhsAsSvcIA",
    "nhsMhsSvcIA",
    "nhsMHSEndPoint",
    "nhsMhsCPAId",
    "nhsAsACF",
    "nhsMHSActor",
    "nhsMHSServiceName",
    "nhsMHSCategoryBag",
    "nhsMHSActionName",
    "nhsCountry",
    "nhsSHAcode",
    "nhsWorkGroups",
    "nhsOrgSubType",
    "nhsJobRole",
    "nhsJobRoleCode",
    "nhsAreaOfWork",
    "nhsAreaOfWorkCodes",
    "nhsBusinessFunctions",
    "nhsBusinessFunctionsCodes",
    "nhsWorkGroupsCodes",
    "nhsOCSPredecessor",
    "nhsSiteCodes",
    "nhsDeptCodes",
    "nhsGNC",
    "nhsWgClosed",
    "nhsWgRoot",
    "nhsCwgId",
    "nhsWgType",
    "nhsGMC",
    "nhsGDP",
    "nhsGMP",
    "nhsOrgTypeCode",
];

/// NHS attributes with no EQUALITY rule in the SDS schema: an equality filter on them is
/// Undefined and matches nothing.
const NO_EQUALITY_ATTRIBUTES: &[&str] = &[
    "nhsMhsFQDN",
    "nhsMHSIsAuthenticated",
    "nhsMHSServiceDescription",
    "nhsMHSPersistDuration",
    "nhsMHSRetries",
    "nhsMHSRetryInterval",
    "nhsMHSSyncReplyMode",
    "nhsMHSAckRequested",
    "nhsMHSDuplicateElimination",
    "nhsMHsSN",
    "nhsMHsIN",
    "nhsRequestorURP",
    "nhsDateRequested",
    "nhsApproverURP",
    "nhsDateApproved",
    "nhsDNSApprover",
    "nhsDateDNSApproved",
    "nhsProductKey",
    "nhsEPInteractionType",
    "nhsContractPropertyTemplateKey",
    "nhsMhsIPAddress",
    "nhsMhsNetwork",
    "nhsMhsSinCode",
    "nhsRestricted",
    "nhsNN4BName",
    "nhsLeftDate",
    "nhsJoinDate",
    "nhsDHSCcode",
    "nhsOrgType",
    "nhsOrgOpenDate",
    "nhsOrgCloseDate",
    "nhsParentOrgCode",
    "nhsRA",
    "nhsOCSSuccessor",
    "nhsOCSPRCode",
    "nhsPersonStatus",
    "nhsMiddleNames",
    "nhsPuSecret",
    "nhsTelUID",
    "nhsPwgId",
    "nhsLegalEst",
    "nhsCreateDate",
    "nhsStatus",
    "nhsWgStatus",
    "nhsSyntheticIndicator",
    "nhsNN4BCode",
    "nhsEBS",
];

/// How an attribute's values compare in an equality filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Equality {
    /// `caseExactMatch`.
    Exact,
    /// `caseIgnoreMatch` (and `objectIdentifierMatch` by name, for `objectClass`).
    IgnoreCase,
    /// No EQUALITY rule: the assertion is Undefined.
    None,
}

fn equality_rule(attribute: &str) -> Equality {
    let is = |list: &[&str]| list.iter().any(|a| a.eq_ignore_ascii_case(attribute));
    if is(CASE_EXACT_ATTRIBUTES) {
        Equality::Exact
    } else if is(NO_EQUALITY_ATTRIBUTES) {
        Equality::None
    } else {
        Equality::IgnoreCase
    }
}

/// LDAP's three-valued filter result (RFC 4511 §4.5.1.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tri {
    True,
    False,
    Undefined,
}

/// One directory entry: its DN and attributes, names in their schema spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The distinguished name, as stored (e.g. `uniqueIdentifier=928942012545,ou=Services,o=nhs`).
    pub dn: String,
    /// `(attribute name, values)` pairs in their stored spelling and order.
    pub attrs: Vec<(String, Vec<String>)>,
}

impl Entry {
    /// An entry with no attributes yet.
    pub fn new(dn: impl Into<String>) -> Self {
        Entry {
            dn: dn.into(),
            attrs: Vec::new(),
        }
    }

    /// Adds an attribute with its values (builder style).
    pub fn with<I, V>(mut self, name: &str, values: I) -> Self
    where
        I: IntoIterator<Item = V>,
        V: Into<String>,
    {
        self.attrs.push((
            name.to_owned(),
            values.into_iter().map(Into::into).collect(),
        ));
        self
    }

    /// The values of attribute `name`, compared ignoring case; `None` if absent.
    pub fn values(&self, name: &str) -> Option<&[String]> {
        self.attrs
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    fn eval(&self, filter: &LdapFilter) -> Tri {
        match filter {
            LdapFilter::And(parts) => {
                let mut result = Tri::True;
                for p in parts {
                    match self.eval(p) {
                        Tri::False => return Tri::False,
                        Tri::Undefined => result = Tri::Undefined,
                        Tri::True => {}
                    }
                }
                result
            }
            LdapFilter::Or(parts) => {
                let mut result = Tri::False;
                for p in parts {
                    match self.eval(p) {
                        Tri::True => return Tri::True,
                        Tri::Undefined => result = Tri::Undefined,
                        Tri::False => {}
                    }
                }
                result
            }
            LdapFilter::Not(inner) => match self.eval(inner) {
                Tri::True => Tri::False,
                Tri::False => Tri::True,
                Tri::Undefined => Tri::Undefined,
            },
            LdapFilter::Present(name) => {
                if self.values(name).is_some() {
                    Tri::True
                } else {
                    Tri::False
                }
            }
            LdapFilter::Equality(name, asserted) => {
                let rule = equality_rule(name);
                if rule == Equality::None {
                    return Tri::Undefined;
                }
                let Some(values) = self.values(name) else {
                    return Tri::False;
                };
                let hit = values.iter().any(|v| match rule {
                    Equality::Exact => v == asserted,
                    _ => fold_spaces(v).eq_ignore_ascii_case(&fold_spaces(asserted)),
                });
                if hit {
                    Tri::True
                } else {
                    Tri::False
                }
            }
            LdapFilter::Substring(..)
            | LdapFilter::GreaterOrEqual(..)
            | LdapFilter::LessOrEqual(..)
            | LdapFilter::Approx(..)
            | LdapFilter::Extensible(..) => Tri::Undefined,
        }
    }

    /// True when `filter` evaluates to TRUE for this entry.
    pub fn matches(&self, filter: &LdapFilter) -> bool {
        self.eval(filter) == Tri::True
    }
}

/// `caseIgnoreMatch`'s insignificant-space handling: trim and collapse runs of spaces.
fn fold_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Splits a DN into normalised RDNs (lower case, spaces around `=`, `,` and `+` removed),
/// leaf first. `None` when it is not a DN (an RDN without `=`). The empty DN gives no RDNs.
pub fn normalize_dn(dn: &str) -> Option<Vec<String>> {
    if dn.trim().is_empty() {
        return Some(Vec::new());
    }
    let mut rdns = Vec::new();
    let mut current = String::new();
    let mut chars = dn.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                current.push(c);
                if let Some(next) = chars.next() {
                    current.push(next);
                }
            }
            ',' | ';' => rdns.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    rdns.push(current);
    rdns.iter()
        .map(|rdn| {
            let parts: Option<Vec<String>> = rdn
                .split('+')
                .map(|ava| {
                    let (name, value) = ava.split_once('=')?;
                    let name = name.trim();
                    if name.is_empty() {
                        return None;
                    }
                    Some(format!(
                        "{}={}",
                        name.to_ascii_lowercase(),
                        fold_spaces(value).to_lowercase()
                    ))
                })
                .collect();
            parts.map(|p| p.join("+"))
        })
        .collect()
}

/// Why a search could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    /// The base DN is not a syntactically valid DN (LDAP invalidDNSyntax, 34).
    #[error("invalid DN syntax: {0}")]
    InvalidDn(String),
    /// The base entry does not exist (LDAP noSuchObject, 32).
    #[error("no such object: {base}")]
    NoSuchObject {
        /// The base DN asked for.
        base: String,
        /// The DN of the closest existing ancestor, empty if none (the LDAP `matchedDN`).
        matched: String,
    },
}

/// An in-memory read-only directory (see the module documentation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Directory {
    entries: Vec<Entry>,
}

impl Directory {
    /// An empty directory.
    pub fn new() -> Self {
        Directory {
            entries: Vec::new(),
        }
    }

    /// Adds an entry (parents should be pushed first, but nothing checks it).
    pub fn push(&mut self, entry: Entry) {
        self.entries.push(entry);
    }

    /// All entries in insertion order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry whose DN equals `dn` (normalised), if any.
    pub fn get(&self, dn: &str) -> Option<&Entry> {
        let want = normalize_dn(dn)?;
        self.entries
            .iter()
            .find(|e| normalize_dn(&e.dn).as_ref() == Some(&want))
    }

    /// The entries in `scope` of `base` that match `filter`, in insertion order.
    ///
    /// The base must exist (there is no root DSE here), otherwise [`SearchError::NoSuchObject`].
    pub fn search(
        &self,
        base: &str,
        scope: &LdapSearchScope,
        filter: &LdapFilter,
    ) -> Result<Vec<&Entry>, SearchError> {
        let base_rdns =
            normalize_dn(base).ok_or_else(|| SearchError::InvalidDn(base.to_owned()))?;
        let normalised: Vec<(Option<Vec<String>>, &Entry)> = self
            .entries
            .iter()
            .map(|e| (normalize_dn(&e.dn), e))
            .collect();
        let base_exists = !base_rdns.is_empty()
            && normalised
                .iter()
                .any(|(rdns, _)| rdns.as_ref() == Some(&base_rdns));
        if !base_exists {
            let matched = (1..base_rdns.len())
                .find_map(|skip| {
                    let ancestor = &base_rdns[skip..];
                    normalised
                        .iter()
                        .find(|(rdns, _)| rdns.as_deref() == Some(ancestor))
                        .map(|(_, e)| e.dn.clone())
                })
                .unwrap_or_default();
            return Err(SearchError::NoSuchObject {
                base: base.to_owned(),
                matched,
            });
        }
        Ok(normalised
            .iter()
            .filter(|(rdns, _)| {
                let Some(rdns) = rdns else { return false };
                let under = rdns.len() >= base_rdns.len()
                    && rdns[rdns.len() - base_rdns.len()..] == base_rdns[..];
                let depth = rdns.len().saturating_sub(base_rdns.len());
                under
                    && match scope {
                        LdapSearchScope::Base => depth == 0,
                        LdapSearchScope::OneLevel => depth == 1,
                        LdapSearchScope::Subtree => true,
                        LdapSearchScope::Children => depth >= 1,
                    }
            })
            .map(|(_, e)| *e)
            .filter(|e| e.matches(filter))
            .collect())
    }

    /// The sandbox's Spine directory: `o=nhs`, `ou=Services,o=nhs`, `ou=People,o=nhs`, the
    /// Spine's accredited system (ODS [`SPINE_ODS_CODE`], ASID [`SPINE_ASID`], party key
    /// [`SPINE_PARTY_KEY`]) offering both Visitors and Migrants interactions in their plain and
    /// `:1` forms, and one message handling system per interaction form whose endpoint is
    /// `vandm_base_url`.
    pub fn spine(vandm_base_url: &str) -> Directory {
        let mut d = Directory::new();
        d.push(
            Entry::new("o=nhs")
                .with("objectClass", ["top", "organization"])
                .with("o", ["nhs"]),
        );
        d.push(
            Entry::new(SERVICES_DN)
                .with("objectClass", ["top", "organizationalUnit"])
                .with("ou", ["Services"]),
        );
        d.push(
            Entry::new(PEOPLE_DN)
                .with("objectClass", ["top", "organizationalUnit"])
                .with("ou", ["People"]),
        );

        let interactions = [
            VANDM_SEARCH_INTERACTION.to_owned(),
            format!("{VANDM_SEARCH_INTERACTION}:1"),
            VANDM_METADATA_INTERACTION.to_owned(),
            format!("{VANDM_METADATA_INTERACTION}:1"),
        ];
        d.push(accredited_system(
            SPINE_ASID,
            SPINE_ODS_CODE,
            SPINE_PARTY_KEY,
            &interactions,
        ));
        for (i, interaction) in interactions.iter().enumerate() {
            d.push(message_handling_system(
                &format!("S{SPINE_ASID}{}", i + 1),
                SPINE_ODS_CODE,
                SPINE_PARTY_KEY,
                interaction,
                vandm_base_url,
            ));
        }
        d
    }
}

/// The approver/requestor URP the sandbox's service entries name (a role profile DN).
const SANDBOX_URP: &str =
    "uniqueIdentifier=555555555555,uniqueIdentifier=555555555554,uid=555555555553,ou=People,o=nhs";

/// A realistic `nhsAs` entry under `ou=Services,o=nhs` (all MUST attributes of the schema).
pub fn accredited_system(
    asid: &str,
    ods_code: &str,
    party_key: &str,
    interactions: &[String],
) -> Entry {
    Entry::new(format!("uniqueIdentifier={asid},{SERVICES_DN}"))
        .with("objectClass", ["top", "nhsAs"])
        .with("uniqueIdentifier", [asid])
        .with("nhsIDCode", [ods_code])
        .with("nhsMHSPartyKey", [party_key])
        .with("nhsAsSvcIA", interactions.iter().map(String::as_str))
        .with("nhsAsClient", [ods_code])
        .with("nhsProductName", ["Spine"])
        .with("nhsProductVersion", ["sandbox"])
        .with("nhsRequestorURP", [SANDBOX_URP])
        .with("nhsDateRequested", ["20240102090000"])
        .with("nhsApproverURP", [SANDBOX_URP])
        .with("nhsDateApproved", ["20240102091500"])
}

/// A realistic `nhsMhs` entry under `ou=Services,o=nhs` for one interaction (all MUST attributes
/// of the schema; `nhsMhsSvcIA` is single-valued, so one entry per interaction).
pub fn message_handling_system(
    cpa_id: &str,
    ods_code: &str,
    party_key: &str,
    interaction: &str,
    endpoint: &str,
) -> Entry {
    let (service, name) = split_interaction(interaction);
    Entry::new(format!("uniqueIdentifier={cpa_id},{SERVICES_DN}"))
        .with("objectClass", ["top", "nhsMhs"])
        .with("uniqueIdentifier", [cpa_id])
        .with("nhsIDCode", [ods_code])
        .with("nhsMHSPartyKey", [party_key])
        .with("nhsMhsSvcIA", [interaction])
        .with("nhsMHsSN", [service])
        .with("nhsMHsIN", [name])
        .with("nhsMHSEndPoint", [endpoint])
        .with("nhsMHSIsAuthenticated", ["none"])
        .with("nhsMhsCPAId", [cpa_id])
        .with("nhsProductKey", ["7374"])
        .with("nhsEPInteractionType", ["FHIR"])
        .with("nhsContractPropertyTemplateKey", ["14"])
        .with("nhsMhsFQDN", [url_host(endpoint).unwrap_or(endpoint)])
        .with("nhsMHSSyncReplyMode", ["None"])
        .with("nhsMHSAckRequested", ["never"])
        .with("nhsMHSDuplicateElimination", ["never"])
        .with("nhsMHSRetries", ["0"])
        .with("nhsMHSRetryInterval", ["PT0S"])
        .with("nhsMHSPersistDuration", ["PT0S"])
        .with(
            "nhsMHSServiceDescription",
            ["Visitors and Migrants (V&M Check sandbox)"],
        )
        .with("nhsRequestorURP", [SANDBOX_URP])
        .with("nhsDateRequested", ["20240102090000"])
        .with("nhsApproverURP", [SANDBOX_URP])
        .with("nhsDateApproved", ["20240102091500"])
        .with("nhsDNSApprover", [SANDBOX_URP])
        .with("nhsDateDNSApproved", ["20240102093000"])
}

/// Splits `urn:nhs:names:services:<service>:<rest>` into the service name
/// (`urn:nhs:names:services:<service>`) and the interaction name (`<rest>`).
fn split_interaction(interaction: &str) -> (&str, &str) {
    const PREFIX: &str = "urn:nhs:names:services:";
    if let Some(rest) = interaction.strip_prefix(PREFIX) {
        if let Some(colon) = rest.find(':') {
            let cut = PREFIX.len() + colon;
            return (&interaction[..cut], &interaction[cut + 1..]);
        }
    }
    (interaction, interaction)
}

/// The host of an `scheme://host[:port]/…` URL (IPv6 brackets removed), if there is one.
pub fn url_host(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        host_port.split(':').next()?
    };
    (!host.is_empty()).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ldap3_proto::parse_ldap_filter_str;

    const URL: &str = "http://127.0.0.1:9000/visitors-and-migrants/FHIR/R4";

    fn f(s: &str) -> LdapFilter {
        parse_ldap_filter_str(s).expect("test filter parses")
    }

    fn dns(d: &Directory, base: &str, scope: LdapSearchScope, filter: &str) -> Vec<String> {
        d.search(base, &scope, &f(filter))
            .expect("search runs")
            .into_iter()
            .map(|e| e.dn.clone())
            .collect()
    }

    #[test]
    fn filters_match_as_slapd_does() {
        let d = Directory::spine(URL);
        let spine_as = format!("uniqueIdentifier={SPINE_ASID},ou=Services,o=nhs");
        let search_mhs = format!("uniqueIdentifier=S{SPINE_ASID}1,ou=Services,o=nhs");
        let search1_mhs = format!("uniqueIdentifier=S{SPINE_ASID}2,ou=Services,o=nhs");
        let all_mhs: Vec<String> = (1..=4)
            .map(|i| format!("uniqueIdentifier=S{SPINE_ASID}{i},ou=Services,o=nhs"))
            .collect();
        let i = VANDM_SEARCH_INTERACTION;
        let cases: Vec<(String, Vec<String>)> = vec![
            (
                format!("(&(nhsIDCode=YES)(objectClass=nhsAS)(nhsAsSvcIA={i}))"),
                vec![spine_as.clone()],
            ),
            (
                format!("(&(nhsIDCode=YES)(objectClass=nhsAS)(nhsAsSvcIA={i}:1))"),
                vec![spine_as.clone()],
            ),
            // nhsIDCode and nhsAsSvcIA are caseExactMatch.
            (
                format!("(&(nhsIDCode=yes)(objectClass=nhsAS)(nhsAsSvcIA={i}))"),
                vec![],
            ),
            (
                format!(
                    "(&(nhsIDCode=YES)(objectClass=nhsAS)(nhsAsSvcIA={}))",
                    i.to_uppercase()
                ),
                vec![],
            ),
            // Attribute names, objectClass values and nhsMHSPartyKey ignore case.
            (
                format!("(&(NHSMHSPARTYKEY=yes-0000806)(objectclass=NHSMHS)(nhsMhsSvcIA={i}))"),
                vec![search_mhs],
            ),
            (
                format!("(&(nhsMhsPartyKey=YES-0000806)(objectClass=nhsMhs)(nhsMhsSvcIA={i}:1))"),
                vec![search1_mhs],
            ),
            ("(objectClass=nhsMhs)".into(), all_mhs.clone()),
            (
                format!("(uniqueidentifier={})", SPINE_ASID.to_lowercase()),
                vec![spine_as.clone()],
            ),
            // No EQUALITY rule: Undefined, and so is its negation.
            ("(nhsMhsFQDN=127.0.0.1)".into(), vec![]),
            (
                "(&(objectClass=nhsMhs)(!(nhsMhsFQDN=127.0.0.1)))".into(),
                vec![],
            ),
            (
                "(|(nhsMhsFQDN=x)(objectClass=nhsAs))".into(),
                vec![spine_as.clone()],
            ),
            // Presence and negation.
            ("(nhsMhsFQDN=*)".into(), all_mhs.clone()),
            (
                "(&(nhsMHSPartyKey=*)(!(objectClass=nhsMhs)))".into(),
                vec![spine_as.clone()],
            ),
            // Substring filters are Undefined.
            ("(nhsIDCode=Y*)".into(), vec![]),
            ("(nhsIDCode=NOPE)".into(), vec![]),
        ];
        for (filter, want) in cases {
            assert_eq!(
                dns(&d, "ou=services,o=nhs", LdapSearchScope::Subtree, &filter),
                want,
                "filter {filter}"
            );
        }
    }

    #[test]
    fn scopes_and_bases() {
        let d = Directory::spine(URL);
        let any = "(objectClass=*)";
        let cases: Vec<(&str, LdapSearchScope, usize)> = vec![
            ("o=nhs", LdapSearchScope::Base, 1),
            ("O=NHS", LdapSearchScope::OneLevel, 2),
            ("o=nhs", LdapSearchScope::Subtree, 8),
            ("o=nhs", LdapSearchScope::Children, 7),
            ("OU=Services, O=NHS", LdapSearchScope::Base, 1),
            ("ou=services,o=nhs", LdapSearchScope::OneLevel, 5),
            ("ou=people,o=nhs", LdapSearchScope::Subtree, 1),
            ("ou=people,o=nhs", LdapSearchScope::OneLevel, 0),
        ];
        for (base, scope, want) in cases {
            let got = dns(&d, base, scope.clone(), any);
            assert_eq!(got.len(), want, "base {base} scope {scope:?}: {got:?}");
        }
    }

    #[test]
    fn unknown_or_invalid_bases_are_errors() {
        let d = Directory::spine(URL);
        let any = f("(objectClass=*)");
        let cases = [
            (
                "ou=nowhere,o=nhs",
                SearchError::NoSuchObject {
                    base: "ou=nowhere,o=nhs".into(),
                    matched: "o=nhs".into(),
                },
            ),
            (
                "uniqueIdentifier=1,ou=services,o=nhs",
                SearchError::NoSuchObject {
                    base: "uniqueIdentifier=1,ou=services,o=nhs".into(),
                    matched: "ou=Services,o=nhs".into(),
                },
            ),
            (
                "o=elsewhere",
                SearchError::NoSuchObject {
                    base: "o=elsewhere".into(),
                    matched: String::new(),
                },
            ),
            (
                "",
                SearchError::NoSuchObject {
                    base: String::new(),
                    matched: String::new(),
                },
            ),
            ("garbage", SearchError::InvalidDn("garbage".into())),
        ];
        for (base, want) in cases {
            assert_eq!(
                d.search(base, &LdapSearchScope::Subtree, &any),
                Err(want),
                "base {base:?}"
            );
        }
    }

    #[test]
    fn spine_entries_carry_realistic_attributes() {
        let d = Directory::spine(URL);
        let mhs = d
            .get(&format!(
                "uniqueIdentifier=S{SPINE_ASID}3,ou=services,o=nhs"
            ))
            .expect("metadata MHS exists");
        let one = |name: &str| mhs.values(name).map(|v| v.to_vec());
        assert_eq!(
            one("nhsMhsSvcIA"),
            Some(vec![VANDM_METADATA_INTERACTION.to_owned()])
        );
        assert_eq!(one("nhsMHSEndPoint"), Some(vec![URL.to_owned()]));
        assert_eq!(one("nhsMhsFQDN"), Some(vec!["127.0.0.1".to_owned()]));
        assert_eq!(one("nhsMHSIsAuthenticated"), Some(vec!["none".to_owned()]));
        assert_eq!(
            one("nhsMHsSN"),
            Some(vec!["urn:nhs:names:services:visitorsandmigrants".to_owned()])
        );
        assert_eq!(
            one("nhsMHsIN"),
            Some(vec!["fhir:rest:read:metadata".to_owned()])
        );
        let names: Vec<&str> = mhs.attrs.iter().map(|(n, _)| n.as_str()).collect();
        assert!(names.contains(&"nhsMHSPartyKey"), "{names:?}");
        let spine_as = d
            .get(&format!("uniqueIdentifier={SPINE_ASID},ou=Services,o=nhs"))
            .expect("AS exists");
        assert_eq!(spine_as.values("nhsAsSvcIA").map(<[String]>::len), Some(4));
    }

    #[test]
    fn normalises_dns_and_urls() {
        let cases = [
            ("OU=Services, O=NHS", Some(vec!["ou=services", "o=nhs"])),
            ("cn=a\\,b,o=nhs", Some(vec!["cn=a\\,b", "o=nhs"])),
            ("", Some(vec![])),
            ("nonsense", None),
        ];
        for (dn, want) in cases {
            let want = want.map(|v| v.into_iter().map(String::from).collect::<Vec<_>>());
            assert_eq!(normalize_dn(dn), want, "dn {dn:?}");
        }
        let hosts = [
            ("https://a.example:443/x", Some("a.example")),
            ("http://[::1]:8080/", Some("::1")),
            ("http://u@h/", Some("h")),
            ("nohost", None),
            ("http:///x", None),
        ];
        for (url, want) in hosts {
            assert_eq!(url_host(url), want, "url {url}");
        }
    }
}
