//! A signed-in user's SDS role profiles: what they are, where SDS keeps them, and how the
//! directory's entries become [`Role`]s. Pure: the LDAP adapter does the searching.
//!
//! SDS keeps people at `uid=<UUID>,ou=people,o=nhs`, their organisation memberships below
//! (`nhsOrgPerson`) and their role profiles below those (`nhsOrgPersonRole`): the role profile
//! id is the role entry's `uniqueIdentifier`, with `nhsJobRole`, `nhsJobRoleCode`, the
//! organisation's ODS code `nhsIDCode`, and the RBAC activities (business functions) the role
//! may carry out, `nhsBusinessFunctionsCodes`.
//!
//! Role-based detail: like the National Care Records Service, every role sees the
//! chargeable-status banner, but only a role with an activity the configuration allows
//! ([`DETAIL_ACTIVITY`], B0259, by default) sees the detail behind it ([`DetailView`]).

use crate::sds::{attribute_values, single_value, Attributes};

/// The people base DN.
pub const PEOPLE_BASE_DN: &str = "ou=people,o=nhs";
/// The filter for role profiles below a person.
pub const ROLE_FILTER: &str = "(objectClass=nhsOrgPersonRole)";
/// Attributes read from role entries.
pub const ROLE_ATTRIBUTES: [&str; 5] = [
    "uniqueIdentifier",
    "nhsJobRole",
    "nhsJobRoleCode",
    "nhsIDCode",
    "nhsBusinessFunctionsCodes",
];

/// The RBAC activity that may see the chargeable status's detail (the NCRS rule).
pub const DETAIL_ACTIVITY: &str = "B0259";

/// What a role may see of a chargeable status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum DetailView {
    /// The banner and the detail behind it: category, its definition, the date, the technical
    /// details.
    Full,
    /// The banner's colour, icon and headline only (the safe default: a role whose activities
    /// are unknown sees no more than this).
    #[default]
    Restricted,
}

impl DetailView {
    /// The view of a role with these activities, when `allowed` may see the detail.
    pub fn for_activities(activities: &[String], allowed: &[String]) -> Self {
        if activities
            .iter()
            .any(|a| allowed.iter().any(|b| a.trim() == b.trim()))
        {
            Self::Full
        } else {
            Self::Restricted
        }
    }

    /// `full` or `restricted` (as the audit log records it).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Restricted => "restricted",
        }
    }
}

/// One role profile a user can act in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Role {
    /// The role profile id (sent in the audit JWT).
    pub role_profile_id: String,
    /// The job role's name (`"Admin & Clerical"`).
    pub job_role: String,
    /// The job role code (`S8000:G8001:R8006`).
    pub job_role_code: Option<String>,
    /// ODS code of the organisation the role is held at.
    pub ods_code: String,
    /// The RBAC activity (business function) codes of the role (`nhsBusinessFunctionsCodes`).
    #[serde(default)]
    pub business_functions: Vec<String>,
}

/// The DN of a person entry.
pub fn person_dn(uuid: &str) -> String {
    format!("uid={},{PEOPLE_BASE_DN}", escape_dn_value(uuid))
}

/// Escapes an attribute value for use in a DN (RFC 4514).
pub fn escape_dn_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for (i, c) in value.chars().enumerate() {
        let edge =
            (i == 0 && (c == ' ' || c == '#')) || (i + 1 == value.chars().count() && c == ' ');
        if edge || matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// SDS writes job roles as `"Area":"Group":"Role"`; people read the last part.
pub fn readable_job_role(raw: &str) -> String {
    raw.rsplit("\":\"")
        .next()
        .unwrap_or(raw)
        .trim_matches('"')
        .trim()
        .to_owned()
}

/// Turns role entries into roles, keeping those at `organisation` (ODS code, compared
/// case-insensitively) and skipping entries without a role profile id. Sorted by job role; a
/// role profile id found twice is listed once (the first in that order).
pub fn roles_from_entries(entries: &[Vec<(String, Vec<String>)>], organisation: &str) -> Vec<Role> {
    let mut roles: Vec<Role> = entries
        .iter()
        .filter_map(|e| {
            let attrs: &Attributes = e.as_slice();
            let id = single_value(attrs, "uniqueIdentifier")?;
            let ods = single_value(attrs, "nhsIDCode")?;
            if !ods.eq_ignore_ascii_case(organisation) {
                return None;
            }
            Some(Role {
                role_profile_id: id.to_owned(),
                job_role: readable_job_role(
                    attribute_values(attrs, "nhsJobRole")
                        .next()
                        .unwrap_or("Unnamed role"),
                ),
                job_role_code: attribute_values(attrs, "nhsJobRoleCode")
                    .next()
                    .map(str::to_owned),
                ods_code: ods.to_owned(),
                business_functions: attribute_values(attrs, "nhsBusinessFunctionsCodes")
                    .map(str::to_owned)
                    .collect(),
            })
        })
        .collect();
    roles.sort_by(|a, b| {
        a.job_role
            .cmp(&b.job_role)
            .then(a.role_profile_id.cmp(&b.role_profile_id))
    });
    // Not `dedup_by`: the same id under two job role names would not be adjacent.
    let mut seen = std::collections::HashSet::new();
    roles.retain(|r| seen.insert(r.role_profile_id.clone()));
    roles
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_allowed_activity_sees_the_detail() {
        let allowed = vec![DETAIL_ACTIVITY.to_owned()];
        let codes = |c: &[&str]| c.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            DetailView::for_activities(&codes(&["B0264", "B0259"]), &allowed),
            DetailView::Full
        );
        assert_eq!(
            DetailView::for_activities(&codes(&["B0264"]), &allowed),
            DetailView::Restricted
        );
        assert_eq!(
            DetailView::for_activities(&[], &allowed),
            DetailView::Restricted
        );
        assert_eq!(
            DetailView::for_activities(&codes(&["B0259"]), &[]),
            DetailView::Restricted,
            "nothing allowed: nobody sees the detail"
        );
        assert_eq!(DetailView::default(), DetailView::Restricted);
        assert_eq!(
            (DetailView::Full.as_str(), DetailView::Restricted.as_str()),
            ("full", "restricted")
        );
    }

    fn entry(id: &str, role: &str, ods: &str) -> Vec<(String, Vec<String>)> {
        vec![
            ("uniqueIdentifier".into(), vec![id.into()]),
            ("nhsJobRole".into(), vec![role.into()]),
            ("nhsJobRoleCode".into(), vec!["S8000:G8001:R8006".into()]),
            ("nhsIDCode".into(), vec![ods.into()]),
        ]
    }

    #[test]
    fn keeps_roles_at_the_organisation() {
        let entries = vec![
            entry("2", "Overseas Visitor Manager", "RRK"),
            entry("1", "Admin & Clerical", "rrk"),
            entry("3", "Nurse", "RXQ"),
        ];
        let roles = roles_from_entries(&entries, "RRK");
        let ids: Vec<&str> = roles.iter().map(|r| r.role_profile_id.as_str()).collect();
        assert_eq!(ids, ["1", "2"]);
        assert_eq!(roles[0].job_role, "Admin & Clerical");
        let sds_style = roles_from_entries(
            &[entry(
                "9",
                "\"Admin & Clerical\":\"Admin & Clerical\":\"Receptionist Access Role\"",
                "RRK",
            )],
            "RRK",
        );
        assert_eq!(sds_style[0].job_role, "Receptionist Access Role");
        assert!(roles_from_entries(&entries, "XYZ").is_empty());
        assert!(roles[0].business_functions.is_empty());
        let mut with_activities = entry("4", "Overseas Visitors Manager", "RRK");
        with_activities.push((
            "nhsBusinessFunctionsCodes".into(),
            vec!["B0264".into(), "B0259".into()],
        ));
        assert_eq!(
            roles_from_entries(&[with_activities], "RRK")[0].business_functions,
            ["B0264", "B0259"]
        );
    }

    #[test]
    fn a_role_profile_found_twice_is_listed_once_whatever_its_names() {
        let entries = vec![
            entry("7", "Receptionist", "RRK"),
            entry("5", "Nurse", "RRK"),
            entry(
                "7",
                "\"Admin & Clerical\":\"Admin & Clerical\":\"Clerk\"",
                "RRK",
            ),
            entry("5", "Nurse", "RRK"),
        ];
        let roles = roles_from_entries(&entries, "RRK");
        let ids: Vec<(&str, &str)> = roles
            .iter()
            .map(|r| (r.role_profile_id.as_str(), r.job_role.as_str()))
            .collect();
        assert_eq!(ids, [("7", "Clerk"), ("5", "Nurse")]);
    }

    #[test]
    fn job_roles_read_as_their_last_part() {
        assert_eq!(
            readable_job_role(
                "\"Admin & Clerical\":\"Management - A & C\":\"Overseas Visitors Manager\""
            ),
            "Overseas Visitors Manager"
        );
        assert_eq!(readable_job_role("Nurse"), "Nurse");
    }

    #[test]
    fn person_dns_are_escaped() {
        assert_eq!(
            person_dn("555021935107"),
            "uid=555021935107,ou=people,o=nhs"
        );
        assert_eq!(person_dn("a,b"), "uid=a\\,b,ou=people,o=nhs");
    }
}
