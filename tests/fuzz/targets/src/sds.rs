//! `sds_entries`: bytes decoded into LDAP entries → `vmcheck_core::sds::resolve*` and
//! `vmcheck_core::roles::roles_from_entries`.
//!
//! Decoding (text, lossy UTF-8): up to three groups separated by a line `%%` — the accredited
//! system (`nhsAs`) entries, the message handling system (`nhsMhs`) entries, the role entries.
//! Entries are separated by blank lines; each line `name: value` adds a value to the attribute
//! (consecutive lines of one name share an attribute, as LDAP answers hold them; a name seen
//! again later starts another pair); a line without `:` is an attribute with no value.
//!
//! Oracle: no panic; an endpoint only with a non-empty ASID and a non-empty `http(s)://` base
//! URL; roles only at the organisation asked about, each with a role profile id, none twice.

use vmcheck_core::roles::roles_from_entries;
use vmcheck_core::sds::{self, AccreditedSystem, SpineEndpoint, VANDM_SEARCH_INTERACTION};

/// One directory entry: `(attribute name, values)` pairs.
pub type Entry = Vec<(String, Vec<String>)>;

/// The Spine's ODS code the target resolves.
pub const SPINE_ODS: &str = "YES";
/// The organisation whose roles the target reads.
pub const ORGANISATION: &str = "RRK99";

/// Decodes the input into the three groups of entries (see the module documentation).
pub fn decode(data: &[u8]) -> [Vec<Entry>; 3] {
    let text = String::from_utf8_lossy(data);
    let mut groups: [Vec<Entry>; 3] = Default::default();
    let mut group = 0;
    let mut entry: Entry = Vec::new();
    for line in text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)) {
        if line == "%%" || line.is_empty() {
            if !entry.is_empty() {
                groups[group].push(std::mem::take(&mut entry));
            }
            if line == "%%" {
                group = (group + 1).min(2);
            }
            continue;
        }
        let (name, value) = match line.split_once(':') {
            Some((n, v)) => (n, Some(v.strip_prefix(' ').unwrap_or(v))),
            None => (line, None),
        };
        match entry.last_mut() {
            Some((last, values)) if last == name => values.extend(value.map(str::to_owned)),
            _ => entry.push((
                name.to_owned(),
                value.map(str::to_owned).into_iter().collect(),
            )),
        }
    }
    if !entry.is_empty() {
        groups[group].push(entry);
    }
    groups
}

/// Encodes entries in the target's format (the inverse of [`decode`] for well-formed names).
pub fn encode(groups: &[Vec<Entry>]) -> Vec<u8> {
    let mut out = String::new();
    for (i, group) in groups.iter().enumerate() {
        if i > 0 {
            out.push_str("%%\n");
        }
        for entry in group {
            for (name, values) in entry {
                if values.is_empty() {
                    out.push_str(name);
                    out.push('\n');
                }
                for v in values {
                    out.push_str(&format!("{name}: {v}\n"));
                }
            }
            out.push('\n');
        }
    }
    out.into_bytes()
}

fn check_endpoint(endpoint: &SpineEndpoint) {
    assert!(
        !endpoint.asid.trim().is_empty(),
        "an endpoint without an ASID"
    );
    let url = endpoint.base_url.to_ascii_lowercase();
    assert!(
        !endpoint.base_url.trim().is_empty()
            && (url.starts_with("https://") || url.starts_with("http://")),
        "an endpoint without an http(s) base URL"
    );
}

/// The SDS target.
pub fn sds_entries(data: &[u8]) {
    let [as_entries, mhs_entries, role_entries] = decode(data);
    let interaction = VANDM_SEARCH_INTERACTION;
    match sds::resolve(SPINE_ODS, interaction, &as_entries, &mhs_entries) {
        Ok(endpoint) => check_endpoint(&endpoint),
        Err(e) => {
            let _ = e.to_string();
        }
    }
    if let Ok(system) = sds::resolve_accredited_system(SPINE_ODS, interaction, &as_entries) {
        assert!(!system.asid.trim().is_empty() && !system.party_key.trim().is_empty());
    }
    let fixed = AccreditedSystem {
        asid: "928942012545".into(),
        party_key: "YES-0000806".into(),
    };
    if let Ok(endpoint) = sds::resolve_mhs(&fixed, interaction, &mhs_entries) {
        check_endpoint(&endpoint);
    }
    let roles = roles_from_entries(&role_entries, ORGANISATION);
    for (i, role) in roles.iter().enumerate() {
        assert!(
            role.ods_code.eq_ignore_ascii_case(ORGANISATION),
            "a role elsewhere"
        );
        assert!(
            !role.role_profile_id.trim().is_empty(),
            "a role without an id"
        );
        assert!(
            roles[..i]
                .iter()
                .all(|r| r.role_profile_id != role.role_profile_id),
            "a role profile listed twice"
        );
    }
    // The filters built from directory values must not panic either.
    for (_, values) in as_entries.iter().flatten() {
        for v in values {
            let _ = sds::mhs_filter(v, interaction);
            let _ = vmcheck_core::roles::person_dn(v);
        }
    }
}
