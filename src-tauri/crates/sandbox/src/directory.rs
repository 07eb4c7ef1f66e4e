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
//! and roles can be added later with [`Directory::push`]. [`Directory::test_fixtures`] adds the
//! awkward cases the SDS tests need (several matches, a party key without a message handling
//! system, conflicting endpoints, …) and two smartcard users with their role profiles.
//! [`Directory::to_ldif`] writes any directory as LDIF, so a real OpenLDAP server can be loaded
//! with exactly the same entries (`tests/ldap/slapd.sh` does, through the `directory_ldif`
//! example).
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
        for user in TRAINING_USERS {
            for entry in user.entries() {
                d.push(entry);
            }
        }
        d
    }

    /// [`Directory::spine`] plus the entries the SDS tests need, with ODS codes, ASIDs and party
    /// keys that do not clash, so one directory (the embedded server's or a real slapd's, loaded
    /// from [`Directory::to_ldif`]) serves every scenario at once:
    ///
    /// | ODS code | accredited systems (ASID, party key) | message handling systems |
    /// | --- | --- | --- |
    /// | `RR8` | `200000000001` `RR8-800001`; `200000000002` `RR8-800002` | none (several matches) |
    /// | `RR7` | `200000000003` `RR7-800003` | `S200000000003`, metadata interaction only (party key without an MHS for search) |
    /// | `RR6` | `200000000004` `rr6-800004` (lower case) | `S200000000004` `RR6-800004`, `https://rr6.example.nhs.uk/fhir` |
    /// | `RR5` | `200000000005` `RR5-800005` | `S200000000005`, `S200000000006`, both `https://a.example.nhs.uk/fhir` |
    /// | `RR4` | `200000000007` `RR4-800007` | `S200000000007` `https://a.example.nhs.uk/fhir`, `S200000000008` `https://b.example.nhs.uk/fhir` (conflict) |
    /// | `RR3` | `200000000009` `RR3-800009` | `S200000000009`, `ldap://127.0.0.1/not-fhir` (not HTTP) |
    ///
    /// All of them offer only the Visitors and Migrants search interaction (plain form). Under
    /// `ou=People,o=nhs` it adds two smartcard users, each a person (`nhsPerson`), an
    /// organisation person (`nhsOrgPerson`) and a role profile (`nhsOrgPersonRole`): the
    /// approver the service entries name in `nhsApproverURP`/`nhsRequestorURP`, at ODS `YES`, and
    /// a hospital receptionist at `RR8` whose name is not ASCII.
    pub fn test_fixtures(vandm_base_url: &str) -> Directory {
        let mut d = Directory::spine(vandm_base_url);
        let search = [VANDM_SEARCH_INTERACTION.to_owned()];

        // Several accredited systems for one ODS code and interaction.
        d.push(accredited_system(
            "200000000001",
            "RR8",
            "RR8-800001",
            &search,
        ));
        d.push(accredited_system(
            "200000000002",
            "RR8",
            "RR8-800002",
            &search,
        ));

        // A party key whose only MHS is for another interaction.
        d.push(accredited_system(
            "200000000003",
            "RR7",
            "RR7-800003",
            &search,
        ));
        d.push(message_handling_system(
            "S200000000003",
            "RR7",
            "RR7-800003",
            VANDM_METADATA_INTERACTION,
            vandm_base_url,
        ));

        // The party key is stored in another case on the AS than on the MHS.
        d.push(accredited_system(
            "200000000004",
            "RR6",
            "rr6-800004",
            &search,
        ));
        d.push(message_handling_system(
            "S200000000004",
            "RR6",
            "RR6-800004",
            VANDM_SEARCH_INTERACTION,
            "https://rr6.example.nhs.uk/fhir",
        ));

        // Two MHS entries that agree on the endpoint, then two that do not.
        for (ods, asid, party_key, mhs) in [
            (
                "RR5",
                "200000000005",
                "RR5-800005",
                [
                    ("S200000000005", "https://a.example.nhs.uk/fhir"),
                    ("S200000000006", "https://a.example.nhs.uk/fhir"),
                ],
            ),
            (
                "RR4",
                "200000000007",
                "RR4-800007",
                [
                    ("S200000000007", "https://a.example.nhs.uk/fhir"),
                    ("S200000000008", "https://b.example.nhs.uk/fhir"),
                ],
            ),
        ] {
            d.push(accredited_system(asid, ods, party_key, &search));
            for (cpa_id, endpoint) in mhs {
                d.push(message_handling_system(
                    cpa_id,
                    ods,
                    party_key,
                    VANDM_SEARCH_INTERACTION,
                    endpoint,
                ));
            }
        }

        // An endpoint that is not an HTTP URL.
        d.push(accredited_system(
            "200000000009",
            "RR3",
            "RR3-800009",
            &search,
        ));
        d.push(message_handling_system(
            "S200000000009",
            "RR3",
            "RR3-800009",
            VANDM_SEARCH_INTERACTION,
            "ldap://127.0.0.1/not-fhir",
        ));

        for user in [
            SmartcardUser {
                uid: "555555555553",
                org_person_id: "555555555554",
                ods_code: SPINE_ODS_CODE,
                organisation: "NHS England",
                given_name: "Sandbox",
                family_name: "Approver",
                roles: &[(
                    "555555555555",
                    "\"Admin\":\"Management\":\"Registration Authority Manager\"",
                    "S8001:G8001:R8006",
                )],
            },
            SmartcardUser {
                uid: "555555555556",
                org_person_id: "555555555557",
                ods_code: "RR8",
                organisation: "Leeds Teaching Hospitals NHS Trust",
                given_name: "Zoë",
                family_name: "Ní Bhriain",
                roles: &[(
                    "555555555558",
                    "\"Admin & Clerical\":\"Admin & Clerical\":\"Receptionist Access Role\"",
                    "S8000:G8001:R8001",
                )],
            },
        ] {
            for entry in user.entries() {
                d.push(entry);
            }
        }
        d
    }

    /// The directory as LDIF (RFC 2849) content records, parents before children in insertion
    /// order, for `slapadd` or `ldapadd`: one record per entry, each followed by a blank line
    /// (no `version: 1` line: `slapadd` takes it for a record without a DN). Values (and DNs) that are not safe as plain text — non-ASCII,
    /// control characters, or a leading space, `:` or `<`, or a trailing space — are written
    /// base64-encoded after `::`; lines longer than 76 characters are folded.
    pub fn to_ldif(&self) -> String {
        let mut out = String::new();
        for entry in &self.entries {
            ldif_line(&mut out, "dn", &entry.dn);
            for (name, values) in &entry.attrs {
                for value in values {
                    ldif_line(&mut out, name, value);
                }
            }
            out.push('\n');
        }
        out
    }
}

/// The training organisation's ODS code (the sandbox's training hospital).
pub const TRAINING_ODS_CODE: &str = "RRK99";

/// The smartcard users of the training cards, at the training hospital [`TRAINING_ODS_CODE`]:
/// one role (the built-in training card's user), several roles, and a role elsewhere only.
const TRAINING_USERS: [SmartcardUser; 3] = [
    SmartcardUser {
        uid: "555021935107",
        org_person_id: "555021935108",
        ods_code: TRAINING_ODS_CODE,
        organisation: "V&M Check Training Hospital",
        given_name: "Training",
        family_name: "User",
        roles: &[(
            "555021936109",
            "\"Admin & Clerical\":\"Management - A & C\":\"Overseas Visitors Manager\"",
            "S8000:G8003:R8010",
        )],
    },
    SmartcardUser {
        uid: "555021937101",
        org_person_id: "555021937102",
        ods_code: TRAINING_ODS_CODE,
        organisation: "V&M Check Training Hospital",
        given_name: "Morgan",
        family_name: "Several-Roles",
        roles: &[
            (
                "555021938103",
                "\"Admin & Clerical\":\"Admin & Clerical\":\"Receptionist Access Role\"",
                "S8000:G8001:R8001",
            ),
            (
                "555021939105",
                "\"Admin & Clerical\":\"Management - A & C\":\"Overseas Visitors Manager\"",
                "S8000:G8003:R8010",
            ),
        ],
    },
    SmartcardUser {
        uid: "555021940102",
        org_person_id: "555021940103",
        ods_code: "RXQ",
        organisation: "Buckinghamshire Healthcare NHS Trust",
        given_name: "Robin",
        family_name: "Elsewhere",
        roles: &[(
            "555021941104",
            "\"Clinical\":\"Nurse Access Role\":\"Nurse Access Role\"",
            "S8000:G8000:R8001",
        )],
    },
];

/// One smartcard user of [`Directory::test_fixtures`]: the person, their organisation person
/// and one role profile, as SDS lays them out under `ou=People,o=nhs`.
struct SmartcardUser {
    uid: &'static str,
    org_person_id: &'static str,
    ods_code: &'static str,
    organisation: &'static str,
    given_name: &'static str,
    family_name: &'static str,
    /// (role profile id, `nhsJobRole`, `nhsJobRoleCode`), all at `ods_code`.
    roles: &'static [(&'static str, &'static str, &'static str)],
}

impl SmartcardUser {
    /// `uid=…,ou=People,o=nhs` (`nhsPerson`), `uniqueIdentifier=<org person>,uid=…`
    /// (`nhsOrgPerson`) and `uniqueIdentifier=<role profile>,uniqueIdentifier=…,uid=…`
    /// (`nhsOrgPersonRole`), with every MUST attribute of their classes.
    fn entries(&self) -> Vec<Entry> {
        let person_dn = format!("uid={},{PEOPLE_DN}", self.uid);
        let org_person_dn = format!("uniqueIdentifier={},{person_dn}", self.org_person_id);
        let cn = format!("{} {}", self.given_name, self.family_name);
        let person_classes = ["top", "person", "organizationalPerson", "inetOrgPerson"];
        [
            Entry::new(&person_dn)
                .with(
                    "objectClass",
                    person_classes.iter().copied().chain(["nhsPerson"]),
                )
                .with("uid", [self.uid])
                .with("cn", [cn.as_str()])
                .with("sn", [self.family_name])
                .with("givenName", [self.given_name])
                .with("nhsPersonStatus", ["Active"]),
            Entry::new(&org_person_dn)
                .with(
                    "objectClass",
                    person_classes.iter().copied().chain(["nhsOrgPerson"]),
                )
                .with("uniqueIdentifier", [self.org_person_id])
                .with("uid", [self.uid])
                .with("cn", [cn.as_str()])
                .with("sn", [self.family_name])
                .with("o", [self.organisation])
                .with("nhsIDCode", [self.ods_code]),
        ]
        .into_iter()
        .chain(self.roles.iter().map(|(id, job_role, code)| {
            Entry::new(format!("uniqueIdentifier={id},{org_person_dn}"))
                .with("objectClass", ["top", "nhsOrgPersonRole"])
                .with("uniqueIdentifier", [*id])
                .with("nhsJobRole", [*job_role])
                .with("nhsJobRoleCode", [*code])
                .with("nhsIDCode", [self.ods_code])
        }))
        .collect()
    }
}

/// Appends `name: value` (or `name:: base64` when the value is not SAFE-STRING) to `out`,
/// folded at 76 characters, with a newline.
fn ldif_line(out: &mut String, name: &str, value: &str) {
    let safe = value.bytes().enumerate().all(|(i, b)| {
        b.is_ascii()
            && b != 0
            && b != b'\n'
            && b != b'\r'
            && !(i == 0 && matches!(b, b' ' | b':' | b'<'))
    }) && !value.ends_with(' ');
    let line = if safe {
        format!("{name}: {value}")
    } else {
        format!("{name}:: {}", base64_encode(value.as_bytes()))
    };
    // Plain lines are ASCII and base64 is ASCII, so byte positions are character boundaries.
    let mut rest = line.as_str();
    let mut width = 76;
    while rest.len() > width {
        let (head, tail) = rest.split_at(width);
        out.push_str(head);
        out.push_str("\n ");
        rest = tail;
        width = 75;
    }
    out.push_str(rest);
    out.push('\n');
}

/// Standard base64 (RFC 4648 §4) with padding.
fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
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
            // 8 services entries and 10 training people entries.
            ("o=nhs", LdapSearchScope::Subtree, 18),
            ("o=nhs", LdapSearchScope::Children, 17),
            ("OU=Services, O=NHS", LdapSearchScope::Base, 1),
            ("ou=services,o=nhs", LdapSearchScope::OneLevel, 5),
            ("ou=people,o=nhs", LdapSearchScope::Subtree, 11),
            ("ou=people,o=nhs", LdapSearchScope::OneLevel, 3),
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
    fn ldif_is_rfc_2849() {
        let mut d = Directory::new();
        d.push(
            Entry::new("o=nhs")
                .with("objectClass", ["top", "organization"])
                .with("o", ["nhs"]),
        );
        d.push(
            Entry::new("cn=Zoë,o=nhs")
                .with(
                    "cn",
                    ["Zoë", " lead", "trail ", ":colon", "<angle", "a:b<c", ""],
                )
                .with("description", ["x".repeat(80)]),
        );
        let want = format!(
            "dn: o=nhs\n\
             objectClass: top\n\
             objectClass: organization\n\
             o: nhs\n\
             \n\
             dn:: Y249Wm/DqyxvPW5ocw==\n\
             cn:: Wm/Dqw==\n\
             cn:: IGxlYWQ=\n\
             cn:: dHJhaWwg\n\
             cn:: OmNvbG9u\n\
             cn:: PGFuZ2xl\n\
             cn: a:b<c\n\
             cn: \n\
             description: {}\n {}\n\
             \n",
            "x".repeat(63),
            "x".repeat(17)
        );
        assert_eq!(d.to_ldif(), want);
    }

    #[test]
    fn base64_matches_rfc_4648_test_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64_encode(plain.as_bytes()), encoded, "{plain:?}");
        }
    }

    #[test]
    fn test_fixtures_extend_the_spine_with_distinct_entries() {
        let spine = Directory::spine(URL);
        let d = Directory::test_fixtures(URL);
        assert_eq!(&d.entries()[..spine.entries().len()], spine.entries());
        let mut seen = std::collections::HashSet::new();
        for e in d.entries() {
            let rdns = normalize_dn(&e.dn).expect("valid DN");
            assert!(seen.insert(rdns.clone()), "duplicate DN {}", e.dn);
            if rdns.len() > 1 {
                let parent = rdns[1..].join(",");
                assert!(d.get(&parent).is_some(), "no parent for {}", e.dn);
            }
            // The RDN's value is one of the entry's values (slapd refuses it otherwise).
            let (name, value) =
                e.dn.split(',')
                    .next()
                    .and_then(|r| r.split_once('='))
                    .expect("RDN");
            assert!(
                e.values(name).is_some_and(|v| v.iter().any(|x| x == value)),
                "{}",
                e.dn
            );
        }
        let found = |filter: &str| dns(&d, "ou=services,o=nhs", LdapSearchScope::Subtree, filter);
        let i = VANDM_SEARCH_INTERACTION;
        assert_eq!(
            found(&format!(
                "(&(nhsIDCode=RR8)(objectClass=nhsAS)(nhsAsSvcIA={i}))"
            ))
            .len(),
            2
        );
        assert_eq!(
            found(&format!(
                "(&(nhsMhsPartyKey=RR7-800003)(objectClass=nhsMhs)(nhsMhsSvcIA={i}))"
            )),
            Vec::<String>::new()
        );
        // The approver the service entries name exists.
        assert!(d.get(SANDBOX_URP).is_some());
        assert_eq!(
            dns(
                &d,
                "ou=people,o=nhs",
                LdapSearchScope::Subtree,
                "(objectClass=nhsOrgPersonRole)"
            )
            .len(),
            6
        );
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
