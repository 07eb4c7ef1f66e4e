//! Filter evaluation as OpenLDAP with the NHS schema does it: the schema's EQUALITY rules per
//! attribute, and LDAP's three-valued logic.

use ldap3_proto::proto::LdapFilter;

use super::{fold_spaces, Entry};

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

impl Entry {
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

#[cfg(test)]
mod tests {
    use super::super::*;
    use ldap3_proto::parse_ldap_filter_str;
    use ldap3_proto::proto::LdapSearchScope;
    use vmcheck_core::sds::{VANDM_SEARCH_INTERACTION, VANDM_SEARCH_SDS_INTERACTION};

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
        let all_mhs: Vec<String> = (1..=2)
            .map(|i| format!("uniqueIdentifier=S{SPINE_ASID}{i},ou=Services,o=nhs"))
            .collect();
        let i = VANDM_SEARCH_SDS_INTERACTION;
        let plain = VANDM_SEARCH_INTERACTION;
        let cases: Vec<(String, Vec<String>)> = vec![
            (
                format!("(&(nhsIDCode=YES)(objectClass=nhsAS)(nhsAsSvcIA={i}))"),
                vec![spine_as.clone()],
            ),
            // The unversioned form is not registered, as in the real SDS.
            (
                format!("(&(nhsIDCode=YES)(objectClass=nhsAS)(nhsAsSvcIA={plain}))"),
                vec![],
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
                format!("(&(nhsMhsPartyKey=YES-0000806)(objectClass=nhsMhs)(nhsMhsSvcIA={plain}))"),
                vec![],
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
}
