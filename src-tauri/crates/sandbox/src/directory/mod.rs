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

//!
//! By concern: this module is the store (entries, DNs, search by base and scope); `filter`
//! evaluates filters against an entry; `fixtures` builds the Spine's and the tests' entries and
//! the training users; `ldif` writes LDIF.

mod filter;
mod fixtures;
mod ldif;

use ldap3_proto::proto::{LdapFilter, LdapSearchScope};

pub use fixtures::{accredited_system, message_handling_system, TRAINING_ODS_CODE};

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
}

/// `caseIgnoreMatch`'s insignificant-space handling: trim and collapse runs of spaces.
pub(super) fn fold_spaces(s: &str) -> String {
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
    fn scopes_and_bases() {
        let d = Directory::spine(URL);
        let any = "(objectClass=*)";
        let cases: Vec<(&str, LdapSearchScope, usize)> = vec![
            ("o=nhs", LdapSearchScope::Base, 1),
            ("O=NHS", LdapSearchScope::OneLevel, 2),
            // o=nhs, ou=Services with its accredited system and two message handling systems,
            // ou=People with its 10 training entries.
            ("o=nhs", LdapSearchScope::Subtree, 16),
            ("o=nhs", LdapSearchScope::Children, 15),
            ("OU=Services, O=NHS", LdapSearchScope::Base, 1),
            ("ou=services,o=nhs", LdapSearchScope::OneLevel, 3),
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
