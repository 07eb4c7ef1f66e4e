//! Configuration: a TOML file read once at start, validated in full, each problem reported with
//! the key at fault and how to fix it. Plain structs with defaults; nothing else in the product
//! reads the environment for settings.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use vmcheck_core::fhir::WireFormat;
use vmcheck_core::sds::VANDM_SEARCH_INTERACTION;

/// Which Spine the configuration talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// The V&M Check sandbox (tests, demos, training). Not real patient data.
    Sandbox,
    /// An NHS integration (path-to-live) environment.
    Integration,
    /// Live Spine.
    Live,
}

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Which Spine.
    pub environment: Environment,
    /// Who the requests come from.
    pub organisation: Organisation,
    /// The user, until smartcard sign-in provides one.
    pub identity: Option<Identity>,
    /// PDS FHIR.
    pub pds: PdsConfig,
    /// SDS over LDAP (omit when `vandm.endpoint` is fixed).
    pub sds: Option<SdsConfig>,
    /// The V&M endpoint.
    #[serde(default)]
    pub vandm: VandmConfig,
    /// Smartcard sign-in; without it lookups act as `[identity]`.
    pub session: Option<SessionConfig>,
    /// The local audit log.
    #[serde(default)]
    pub audit: AuditConfig,
}

/// Where the smartcard is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CardSource {
    /// Real readers over PC/SC.
    Pcsc,
    /// The built-in software training card (sandbox environment only).
    Training,
}

/// Which card profiles to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProfileChoice {
    /// PIV, then the ISO 7816-4 file profile.
    Auto,
    /// PIV only.
    Piv,
    /// The file profile only.
    File,
}

/// Smartcard sign-in settings.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct SessionConfig {
    /// `desk` (default) or `kiosk`.
    #[serde(default = "default_mode")]
    pub mode: crate::session::Mode,
    /// Idle time before the session locks (default: 900 at a desk, 120 at a kiosk).
    pub idle_lock_secs: Option<u64>,
    /// `pcsc` (default) or `training`.
    #[serde(default = "default_card")]
    pub card: CardSource,
    /// `auto` (default), `piv` or `file`.
    #[serde(default = "default_profile")]
    pub card_profile: ProfileChoice,
    /// Kiosk: seconds before a result clears itself (default 60).
    #[serde(default = "default_result_clear")]
    pub result_clear_secs: u64,
    /// Roles offered when no SDS directory is configured.
    #[serde(default)]
    pub roles: Vec<ConfiguredRole>,
}

/// A role listed in configuration.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConfiguredRole {
    /// The SDS role profile id.
    pub role_profile_id: String,
    /// Its name.
    pub job_role: String,
}

/// The audit log's settings.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    /// The SQLite file (default: the user's data directory, `vmcheck/audit.sqlite`).
    pub path: Option<std::path::PathBuf>,
}

fn default_mode() -> crate::session::Mode {
    crate::session::Mode::Desk
}
fn default_card() -> CardSource {
    CardSource::Pcsc
}
fn default_profile() -> ProfileChoice {
    ProfileChoice::Auto
}
fn default_result_clear() -> u64 {
    60
}

impl SessionConfig {
    /// The idle time in force.
    pub fn idle_lock(&self) -> Duration {
        self.idle_lock_secs
            .map(Duration::from_secs)
            .unwrap_or_else(|| self.mode.default_idle())
    }

    /// The card profiles to try, in order.
    pub fn profiles(&self) -> Vec<vmcheck_core::card::CardProfile> {
        use vmcheck_core::card::{CardProfile, FileProfile};
        match self.card_profile {
            ProfileChoice::Auto => CardProfile::defaults(),
            ProfileChoice::Piv => vec![CardProfile::Piv],
            ProfileChoice::File => vec![CardProfile::File(FileProfile::default())],
        }
    }
}

/// The care organisation and the accredited client system.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    /// ODS code of the organisation where requests originate (e.g. `RRK`).
    pub ods_code: String,
    /// Its name.
    pub name: String,
    /// This system's ASID (12 digits, issued at accreditation).
    pub client_asid: String,
    /// The issuer URI in audit tokens.
    pub issuer: String,
    /// A stable id of this installation; defaults to one derived from the ASID.
    pub device_id: Option<String>,
}

/// A configured user identity.
#[derive(Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// The user's SDS user id (smartcard UUID, 12–14 digits).
    pub user_uuid: String,
    /// The SDS role profile id they act in.
    pub role_profile_id: String,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Identity(***)")
    }
}

/// PDS settings.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct PdsConfig {
    /// FHIR R4 base URL, e.g. `https://…/personal-demographics/FHIR/R4`.
    pub base_url: String,
    /// Whole-request timeout in seconds.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
}

/// SDS settings.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct SdsConfig {
    /// `ldap://host:port` or `ldaps://host:port`.
    pub ldap_url: String,
    /// Search base.
    #[serde(default = "default_base_dn")]
    pub base_dn: String,
    /// The Spine's ODS code (`YES` in the development environments).
    #[serde(default = "default_spine_ods")]
    pub spine_ods_code: String,
    /// The interaction id looked up.
    #[serde(default = "default_interaction")]
    pub interaction: String,
    /// How long a found endpoint is reused, in seconds.
    #[serde(default = "default_ttl")]
    pub cache_ttl_secs: u64,
    /// Per-operation timeout in seconds.
    #[serde(default = "default_sds_timeout")]
    pub timeout_secs: u64,
}

/// V&M settings.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct VandmConfig {
    /// A fixed FHIR base URL that bypasses SDS.
    pub endpoint: Option<String>,
    /// The Spine's ASID, required with a fixed endpoint.
    pub spine_asid: Option<String>,
    /// `json` (default) or `xml`.
    #[serde(default = "default_format")]
    pub format: WireFormat,
    /// Whole-request timeout in seconds.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
}

impl Default for VandmConfig {
    fn default() -> Self {
        Self {
            endpoint: None,
            spine_asid: None,
            format: WireFormat::Json,
            timeout_secs: default_timeout(),
        }
    }
}

fn default_timeout() -> u64 {
    15
}
fn default_sds_timeout() -> u64 {
    5
}
fn default_ttl() -> u64 {
    3600
}
fn default_base_dn() -> String {
    vmcheck_core::sds::SERVICES_BASE_DN.to_owned()
}
fn default_spine_ods() -> String {
    "YES".to_owned()
}
fn default_interaction() -> String {
    VANDM_SEARCH_INTERACTION.to_owned()
}
fn default_format() -> WireFormat {
    WireFormat::Json
}

/// Where a sandbox runs and whom it knows: what [`Config::for_sandbox`] needs.
#[derive(Debug, Clone)]
pub struct SandboxTarget {
    /// PDS FHIR base URL.
    pub pds_base: String,
    /// LDAP URL.
    pub ldap_url: String,
    /// The client ASID the sandbox allows.
    pub client_asid: String,
    /// The training organisation's ODS code.
    pub ods_code: String,
    /// Its name.
    pub organisation_name: String,
    /// The training user's UUID.
    pub user_uuid: String,
    /// The training user's role profile id.
    pub role_profile_id: String,
}

/// A configuration problem: which key, what is wrong, how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the configuration file {path}: {problem}")]
    Unreadable {
        /// The path.
        path: String,
        /// The OS error.
        problem: String,
    },
    /// Not valid TOML, or a key unknown / missing / of the wrong type.
    #[error("the configuration file is not valid: {0}")]
    Syntax(String),
    /// A value that is present but wrong.
    #[error("configuration key `{key}`: {problem}. {fix}")]
    Invalid {
        /// Dotted key path.
        key: &'static str,
        /// What is wrong.
        problem: String,
        /// How to fix it.
        fix: &'static str,
    },
}

fn invalid(key: &'static str, problem: impl Into<String>, fix: &'static str) -> ConfigError {
    ConfigError::Invalid {
        key,
        problem: problem.into(),
        fix,
    }
}

fn is_http_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or("");
        !host.is_empty() && !host.contains(' ') && !s.contains(char::is_whitespace)
    })
}

fn is_ldap_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("ldaps://")
        .or_else(|| s.strip_prefix("ldap://"));
    rest.is_some_and(|r| !r.is_empty() && !r.contains(char::is_whitespace))
}

fn digits(s: &str, range: std::ops::RangeInclusive<usize>) -> bool {
    range.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

impl Config {
    /// Reads and validates a file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Unreadable {
            path: path.display().to_string(),
            problem: e.to_string(),
        })?;
        Self::parse(&text)
    }

    /// Parses and validates TOML text.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let config: Self = toml::from_str(text)
            .map_err(|e| ConfigError::Syntax(e.to_string().trim().to_owned()))?;
        config.validate()?;
        Ok(config)
    }

    /// Checks every value; the first problem is returned.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let o = &self.organisation;
        if !(3..=6).contains(&o.ods_code.len())
            || !o
                .ods_code
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            return Err(invalid("organisation.ods_code", format!("'{}' is not an ODS code", o.ods_code), "Use the organisation's ODS code: 3 to 6 capital letters and digits, e.g. RRK or RRK02."));
        }
        if o.name.trim().is_empty() {
            return Err(invalid(
                "organisation.name",
                "is empty",
                "Give the organisation's name as it appears in ODS.",
            ));
        }
        if !digits(&o.client_asid, 12..=12) {
            return Err(invalid(
                "organisation.client_asid",
                format!("'{}' is not 12 digits", o.client_asid),
                "Use the ASID issued at accreditation (12 digits).",
            ));
        }
        if !is_http_url(&o.issuer) {
            return Err(invalid(
                "organisation.issuer",
                format!("'{}' is not an http(s) URL", o.issuer),
                "Use this system's issuer URI, e.g. https://vmcheck.example.nhs.uk.",
            ));
        }
        if let Some(id) = &self.identity {
            if !digits(&id.user_uuid, 12..=14) {
                return Err(invalid(
                    "identity.user_uuid",
                    "is not 12 to 14 digits",
                    "Use the user's smartcard UUID (the Spine user id).",
                ));
            }
            if id.role_profile_id.is_empty()
                || !id
                    .role_profile_id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric())
            {
                return Err(invalid(
                    "identity.role_profile_id",
                    "is not a role profile id",
                    "Use the SDS role profile id (letters and digits).",
                ));
            }
        }
        if !is_http_url(&self.pds.base_url) {
            return Err(invalid(
                "pds.base_url",
                format!("'{}' is not an http(s) URL", self.pds.base_url),
                "Use the PDS FHIR R4 base URL, ending in /personal-demographics/FHIR/R4.",
            ));
        }
        check_timeout("pds.timeout_secs", self.pds.timeout_secs)?;
        check_timeout("vandm.timeout_secs", self.vandm.timeout_secs)?;
        match (&self.vandm.endpoint, &self.vandm.spine_asid, &self.sds) {
            (Some(endpoint), asid, _) => {
                if !is_http_url(endpoint) {
                    return Err(invalid(
                        "vandm.endpoint",
                        format!("'{endpoint}' is not an http(s) URL"),
                        "Use the V&M FHIR base URL, or remove the key to find it in SDS.",
                    ));
                }
                match asid {
                    Some(a) if digits(a, 12..=12) => {}
                    Some(a) => {
                        return Err(invalid(
                            "vandm.spine_asid",
                            format!("'{a}' is not 12 digits"),
                            "Use the Spine's ASID for this environment (12 digits).",
                        ))
                    }
                    None => {
                        return Err(invalid(
                            "vandm.spine_asid",
                            "is missing",
                            "A fixed vandm.endpoint needs the Spine's ASID beside it (12 digits).",
                        ))
                    }
                }
            }
            (None, Some(_), _) => {
                return Err(invalid(
                    "vandm.spine_asid",
                    "is set without vandm.endpoint",
                    "Set vandm.endpoint too, or remove vandm.spine_asid to use SDS.",
                ));
            }
            (None, None, None) => {
                return Err(invalid("sds", "is missing", "Add an [sds] section with ldap_url, or set vandm.endpoint and vandm.spine_asid."));
            }
            (None, None, Some(_)) => {}
        }
        if let Some(session) = &self.session {
            if session.card == CardSource::Training && self.environment != Environment::Sandbox {
                return Err(invalid("session.card", "is training outside the sandbox environment", "Use card = \"pcsc\" with real smartcards; the training card only works with environment = \"sandbox\"."));
            }
            if let Some(secs) = session.idle_lock_secs {
                if !(30..=86_400).contains(&secs) {
                    return Err(invalid(
                        "session.idle_lock_secs",
                        format!("{secs} is out of range"),
                        "Use a number of seconds from 30 to 86400.",
                    ));
                }
            }
            if !(5..=3600).contains(&session.result_clear_secs) {
                return Err(invalid(
                    "session.result_clear_secs",
                    format!("{} is out of range", session.result_clear_secs),
                    "Use a number of seconds from 5 to 3600.",
                ));
            }
            if self.sds.is_none() && session.roles.is_empty() {
                return Err(invalid("session.roles", "is empty and no [sds] directory is configured", "List the roles users may act in, or configure [sds] so roles come from the directory."));
            }
        }
        if let Some(sds) = &self.sds {
            if !is_ldap_url(&sds.ldap_url) {
                return Err(invalid(
                    "sds.ldap_url",
                    format!("'{}' is not an ldap:// or ldaps:// URL", sds.ldap_url),
                    "Use the SDS directory's URL, e.g. ldaps://ldap.example.nhs.uk:636.",
                ));
            }
            if sds.spine_ods_code.is_empty() {
                return Err(invalid(
                    "sds.spine_ods_code",
                    "is empty",
                    "Use the Spine's ODS code (YES in the development environments).",
                ));
            }
            if !sds.interaction.starts_with("urn:nhs:names:services:") {
                return Err(invalid(
                    "sds.interaction",
                    "is not an NHS interaction id",
                    "Leave it out to use the V&M search interaction.",
                ));
            }
            check_timeout("sds.timeout_secs", sds.timeout_secs)?;
        }
        Ok(())
    }

    /// A configuration for a V&M Check sandbox at these URLs, acting as its training identity.
    pub fn for_sandbox(target: &SandboxTarget) -> Self {
        Self {
            environment: Environment::Sandbox,
            organisation: Organisation {
                ods_code: target.ods_code.clone(),
                name: target.organisation_name.clone(),
                client_asid: target.client_asid.clone(),
                issuer: "https://vmcheck.training.invalid".into(),
                device_id: None,
            },
            identity: Some(Identity {
                user_uuid: target.user_uuid.clone(),
                role_profile_id: target.role_profile_id.clone(),
            }),
            pds: PdsConfig {
                base_url: target.pds_base.clone(),
                timeout_secs: default_timeout(),
            },
            sds: Some(SdsConfig {
                ldap_url: target.ldap_url.clone(),
                base_dn: default_base_dn(),
                spine_ods_code: default_spine_ods(),
                interaction: default_interaction(),
                cache_ttl_secs: default_ttl(),
                timeout_secs: default_sds_timeout(),
            }),
            vandm: VandmConfig::default(),
            session: None,
            audit: AuditConfig::default(),
        }
    }

    /// The configured identity as an actor (until smartcard sign-in provides one).
    pub fn actor(&self) -> Option<crate::lookup::Actor> {
        self.identity.as_ref().map(|i| crate::lookup::Actor {
            user_uuid: i.user_uuid.clone(),
            role_profile_id: i.role_profile_id.clone(),
        })
    }

    /// The device id used in audit tokens.
    pub fn device_id(&self) -> String {
        self.organisation
            .device_id
            .clone()
            .unwrap_or_else(|| format!("vmcheck-{}", self.organisation.client_asid))
    }
}

fn check_timeout(key: &'static str, secs: u64) -> Result<(), ConfigError> {
    if (1..=120).contains(&secs) {
        Ok(())
    } else {
        Err(invalid(
            key,
            format!("{secs} is out of range"),
            "Use a number of seconds from 1 to 120.",
        ))
    }
}

/// A duration in seconds from config.
pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
environment = "integration"
[organisation]
ods_code = "RRK"
name = "University Hospitals Birmingham"
client_asid = "200000000359"
issuer = "https://vmcheck.uhb.nhs.uk"
[pds]
base_url = "https://int.api.service.nhs.uk/personal-demographics/FHIR/R4"
[sds]
ldap_url = "ldaps://ldap.int.example.nhs.uk:636"
"#;

    #[test]
    fn a_minimal_file_gets_defaults() {
        let c = Config::parse(GOOD).expect("valid");
        let sds = c.sds.expect("sds");
        assert_eq!(sds.cache_ttl_secs, 3600);
        assert_eq!(sds.base_dn, "ou=services,o=nhs");
        assert_eq!(sds.spine_ods_code, "YES");
        assert_eq!(c.vandm.format, WireFormat::Json);
        assert_eq!(c.pds.timeout_secs, 15);
    }

    fn key_of(text: &str) -> String {
        match Config::parse(text) {
            Err(ConfigError::Invalid { key, .. }) => key.to_owned(),
            Err(ConfigError::Syntax(m)) => format!("syntax: {m}"),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn each_bad_value_names_its_key() {
        let cases = [
            (GOOD.replace("\"RRK\"", "\"rrk\""), "organisation.ods_code"),
            (
                GOOD.replace("200000000359", "20000000035"),
                "organisation.client_asid",
            ),
            (
                GOOD.replace("https://vmcheck", "vmcheck"),
                "organisation.issuer",
            ),
            (GOOD.replace("https://int.api", "int.api"), "pds.base_url"),
            (GOOD.replace("ldaps://ldap", "http://ldap"), "sds.ldap_url"),
            (
                format!("{GOOD}[vandm]\nendpoint = \"https://spine/fhir\"\n"),
                "vandm.spine_asid",
            ),
            (
                format!("{GOOD}[vandm]\nendpoint = \"https://spine/fhir\"\nspine_asid = \"12\"\n"),
                "vandm.spine_asid",
            ),
            (
                format!("{GOOD}[identity]\nuser_uuid = \"12ab\"\nrole_profile_id = \"1\"\n"),
                "identity.user_uuid",
            ),
            (
                GOOD.replace("[pds]", "[pds]\ntimeout_secs = 0"),
                "pds.timeout_secs",
            ),
        ];
        for (text, key) in cases {
            assert_eq!(key_of(&text), key);
        }
    }

    #[test]
    fn unknown_and_missing_keys_are_named() {
        let unknown = key_of(&GOOD.replace("[pds]", "[pds]\nbase_ulr = \"x\""));
        assert!(unknown.contains("base_ulr"), "{unknown}");
        let missing = key_of(&GOOD.replace("client_asid = \"200000000359\"\n", ""));
        assert!(missing.contains("client_asid"), "{missing}");
        let no_sds = key_of(&GOOD.replace(
            "[sds]\nldap_url = \"ldaps://ldap.int.example.nhs.uk:636\"\n",
            "",
        ));
        assert_eq!(no_sds, "sds");
    }
}
