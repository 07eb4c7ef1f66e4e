//! The directory's content: the sandbox's Spine (accredited systems and message handling
//! systems for the Visitors and Migrants interactions), the awkward cases the SDS tests need,
//! and the training smartcard users with their role profiles.

use vmcheck_core::sds::{
    VANDM_METADATA_INTERACTION, VANDM_SEARCH_INTERACTION, VANDM_SEARCH_SDS_INTERACTION,
};

use super::{
    url_host, Directory, Entry, PEOPLE_DN, SERVICES_DN, SPINE_ASID, SPINE_ODS_CODE, SPINE_PARTY_KEY,
};

impl Directory {
    /// The sandbox's Spine directory: `o=nhs`, `ou=Services,o=nhs`, `ou=People,o=nhs`, the
    /// Spine's accredited system (ODS [`SPINE_ODS_CODE`], ASID [`SPINE_ASID`], party key
    /// [`SPINE_PARTY_KEY`]) offering both Visitors and Migrants interactions as the real SDS
    /// registers them, with their major version (`…:search:observation:1`,
    /// `…:read:metadata:1`; docs/facts/sds-fhir.md §5) — the unversioned forms, which the
    /// `Ssp-InteractionID` header carries, find nothing — and one message handling system per
    /// interaction whose endpoint is `vandm_base_url`.
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
            VANDM_SEARCH_SDS_INTERACTION.to_owned(),
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
            let role = Entry::new(format!("uniqueIdentifier={id},{org_person_dn}"))
                .with("objectClass", ["top", "nhsOrgPersonRole"])
                .with("uniqueIdentifier", [*id])
                .with("nhsJobRole", [*job_role])
                .with("nhsJobRoleCode", [*code])
                .with("nhsIDCode", [self.ods_code]);
            // Overseas visitor managers carry the RBAC activity that sees a status's detail.
            if job_role.contains("Overseas Visitors Manager") {
                role.with(
                    "nhsBusinessFunctionsCodes",
                    [vmcheck_core::roles::DETAIL_ACTIVITY],
                )
            } else {
                role
            }
        }))
        .collect()
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

#[cfg(test)]
mod tests {
    use super::super::*;
    use super::SANDBOX_URP;
    use ldap3_proto::parse_ldap_filter_str;
    use ldap3_proto::proto::{LdapFilter, LdapSearchScope};
    use vmcheck_core::sds::{
        VANDM_METADATA_INTERACTION, VANDM_SEARCH_INTERACTION, VANDM_SEARCH_SDS_INTERACTION,
    };

    const URL: &str = "http://127.0.0.1:9000/visitors-and-migrants/FHIR/R4";

    fn dns(d: &Directory, base: &str, scope: LdapSearchScope, filter: &str) -> Vec<String> {
        let filter: LdapFilter = parse_ldap_filter_str(filter).expect("test filter parses");
        d.search(base, &scope, &filter)
            .expect("search runs")
            .into_iter()
            .map(|e| e.dn.clone())
            .collect()
    }

    #[test]
    fn spine_entries_carry_realistic_attributes() {
        let d = Directory::spine(URL);
        let mhs = d
            .get(&format!(
                "uniqueIdentifier=S{SPINE_ASID}2,ou=services,o=nhs"
            ))
            .expect("metadata MHS exists");
        let one = |name: &str| mhs.values(name).map(|v| v.to_vec());
        assert_eq!(
            one("nhsMhsSvcIA"),
            Some(vec![format!("{VANDM_METADATA_INTERACTION}:1")])
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
            Some(vec!["fhir:rest:read:metadata:1".to_owned()])
        );
        let names: Vec<&str> = mhs.attrs.iter().map(|(n, _)| n.as_str()).collect();
        assert!(names.contains(&"nhsMHSPartyKey"), "{names:?}");
        let spine_as = d
            .get(&format!("uniqueIdentifier={SPINE_ASID},ou=Services,o=nhs"))
            .expect("AS exists");
        // Only the versioned forms, as the real SDS registers them.
        assert_eq!(
            spine_as.values("nhsAsSvcIA").map(<[String]>::to_vec),
            Some(vec![
                VANDM_SEARCH_SDS_INTERACTION.to_owned(),
                format!("{VANDM_METADATA_INTERACTION}:1"),
            ])
        );
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
}
