//! Checking a configuration: every value, the first problem reported with the key at fault
//! and how to fix it.

use super::*;

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
    /// Checks every value; the first problem is returned.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(65_536..=67_108_864).contains(&self.http.max_response_bytes) {
            return Err(invalid(
                "http.max_response_bytes",
                format!("{} is out of range", self.http.max_response_bytes),
                "Use a number of bytes from 65536 (64 KiB) to 67108864 (64 MiB); the default is 2097152 (2 MiB).",
            ));
        }
        if !(1..=32).contains(&self.worklist.concurrency) {
            return Err(invalid(
                "worklist.concurrency",
                format!("{} is out of range", self.worklist.concurrency),
                "Use from 1 to 32 requests at once; the default is 4.",
            ));
        }
        if let Some(rate) = self.worklist.rate_per_second {
            if !(rate > 0.0 && rate <= 1000.0) {
                return Err(invalid(
                    "worklist.rate_per_second",
                    format!("{rate} is out of range"),
                    "Use a number of requests per second above 0 and at most 1000; the default against Spine is 5.",
                ));
            }
        }
        if let Some(central) = &self.audit.central {
            if central.ca_file.is_none() && !vmcheck_central::is_loopback(&central.host) {
                return Err(invalid(
                    "audit.central.ca_file",
                    "is missing",
                    "The central audit store is reached over TLS: name the trust's CA certificates (PEM) in ca_file. Only a server on this machine may be reached without.",
                ));
            }
            if !(1..=120).contains(&central.connect_timeout_secs)
                || !(1..=3600).contains(&central.forward_every_secs)
            {
                return Err(invalid(
                    "audit.central",
                    "connect_timeout_secs or forward_every_secs is out of range",
                    "Use 1 to 120 seconds for connect_timeout_secs and 1 to 3600 for forward_every_secs.",
                ));
            }
        }
        for key in &self.preferences.locked {
            if !super::layers::PREFERENCE_KEYS.contains(&key.as_str()) {
                return Err(invalid(
                    "preferences.locked",
                    format!("'{key}' is not a preference"),
                    "List only vandm.format, session.idle_lock_secs and log.level.",
                ));
            }
        }
        if let Some(max) = self.preferences.max_idle_lock_secs {
            if !(60..=3600).contains(&max) {
                return Err(invalid(
                    "preferences.max_idle_lock_secs",
                    format!("{max} is out of range"),
                    "Use from 60 to 3600 seconds.",
                ));
            }
        }
        if self.worklist.retries > 10 {
            return Err(invalid(
                "worklist.retries",
                format!("{} is out of range", self.worklist.retries),
                "Use from 0 to 10 retries; the default is 3.",
            ));
        }
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
        self.validate_pds_auth()?;
        self.validate_audit_jwt()?;
        self.validate_audit()?;
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
                return Err(invalid("sds", "is missing", "Add an [sds] section with ldap_url (or kind = \"fhir\" and fhir_base_url), or set vandm.endpoint and vandm.spine_asid."));
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
            if session.roles.is_empty() {
                match &self.sds {
                    None => return Err(invalid("session.roles", "is empty and no [sds] directory is configured", "List the roles users may act in, or configure [sds] so roles come from the directory.")),
                    Some(sds) if !sds.provides_roles() => return Err(invalid("session.roles", "is empty and [sds] kind = \"fhir\" gives no roles", "The SDS FHIR API has no role search: list the roles users may act in under [session] roles, or use [sds] kind = \"ldap\" so roles come from the directory.")),
                    Some(_) => {}
                }
            }
        }
        if let Some(sds) = &self.sds {
            self.validate_sds_kind(sds)?;
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
        self.validate_care_connect()?;
        self.validate_tls()?;
        Ok(())
    }

    /// `[care_connect]`: an http(s) base URL (https outside the sandbox), an identifier system
    /// URI, a usable hospital number pattern.
    fn validate_care_connect(&self) -> Result<(), ConfigError> {
        let Some(cc) = &self.care_connect else {
            return Ok(());
        };
        if !is_http_url(&cc.base_url) {
            return Err(invalid(
                "care_connect.base_url",
                format!("'{}' is not an http(s) URL", cc.base_url),
                "Use the trust's Care Connect FHIR STU3 base URL (the address before /Patient).",
            ));
        }
        if self.environment != Environment::Sandbox && !cc.base_url.starts_with("https://") {
            return Err(invalid(
                "care_connect.base_url",
                format!("'{}' is not an https:// URL", cc.base_url),
                "Patient identifiers are sent to it: use the service's https:// address.",
            ));
        }
        let system = cc.hospital_number_system.trim();
        if system.is_empty()
            || system != cc.hospital_number_system
            || system.contains(['|', ' ', '\t'])
            || !(system.starts_with("https://")
                || system.starts_with("http://")
                || system.starts_with("urn:"))
        {
            return Err(invalid(
                "care_connect.hospital_number_system",
                format!("'{}' is not an identifier system URI", cc.hospital_number_system),
                "Use the URI the trust's Care Connect API files hospital numbers under, e.g. https://fhir.example-trust.nhs.uk/Id/pas-number (ask the trust's integration team).",
            ));
        }
        if let Err(e) = cc.pattern() {
            return Err(invalid(
                "care_connect.hospital_number_pattern",
                format!("'{}': {e}", cc.hospital_number_pattern),
                "Write the form of this trust's hospital numbers with # for each digit, e.g. RRK####### for RRK and seven digits; it must not be able to match an NHS number, even one with a digit missing or extra (9 to 11 digits only).",
            ));
        }
        if cc
            .ca_bundle
            .as_ref()
            .is_some_and(|p| p.as_os_str().is_empty())
        {
            return Err(invalid(
                "care_connect.ca_bundle",
                "is empty",
                "Name the PEM file of the CA certificates that issued the Care Connect server's certificate, or leave the key out to use the system's trust store.",
            ));
        }
        check_timeout("care_connect.timeout_secs", cc.timeout_secs)
    }

    /// `[sds] kind`: the URL (and, for FHIR, the keyring entry) that kind needs, and nothing
    /// that belongs to the other kind.
    fn validate_sds_kind(&self, sds: &SdsConfig) -> Result<(), ConfigError> {
        match sds.kind {
            SdsKind::Ldap => {
                if !is_ldap_url(&sds.ldap_url) {
                    return Err(invalid(
                        "sds.ldap_url",
                        format!("'{}' is not an ldap:// or ldaps:// URL", sds.ldap_url),
                        "Use the SDS directory's URL, e.g. ldaps://ldap.example.nhs.uk:636, or set kind = \"fhir\" with fhir_base_url to use the SDS FHIR API.",
                    ));
                }
                if sds.fhir_base_url.is_some() {
                    return Err(invalid(
                        "sds.fhir_base_url",
                        "is set but [sds] kind is \"ldap\" (the default)",
                        "Set kind = \"fhir\" to use the SDS FHIR API, or remove fhir_base_url.",
                    ));
                }
            }
            SdsKind::Fhir => {
                match &sds.fhir_base_url {
                    Some(url) if is_http_url(url) && !url.contains('?') => {}
                    Some(url) => {
                        return Err(invalid(
                            "sds.fhir_base_url",
                            format!("'{url}' is not an http(s) base URL"),
                            "Use the SDS FHIR API's base URL, e.g. https://int.api.service.nhs.uk/spine-directory/FHIR/R4.",
                        ))
                    }
                    None => {
                        return Err(invalid(
                            "sds.fhir_base_url",
                            "is missing with kind = \"fhir\"",
                            "Add the SDS FHIR API's base URL, e.g. https://int.api.service.nhs.uk/spine-directory/FHIR/R4.",
                        ))
                    }
                }
                if !sds.ldap_url.is_empty() {
                    return Err(invalid(
                        "sds.ldap_url",
                        "is set but [sds] kind is \"fhir\"",
                        "Remove ldap_url (the SDS FHIR API replaces LDAP), or set kind = \"ldap\".",
                    ));
                }
                if sds.api_key_secret.trim().is_empty() {
                    return Err(invalid(
                        "sds.api_key_secret",
                        "is empty",
                        "Name the keyring entry holding the SDS FHIR API key (default sds-api-key), and store the key with: vmcheck secrets import sds-api-key FILE",
                    ));
                }
            }
        }
        Ok(())
    }

    /// `[tls]`: required with a client certificate and a keyring key in `integration` and
    /// `live`; a key file only in the sandbox.
    fn validate_tls(&self) -> Result<(), ConfigError> {
        let production = self.environment != Environment::Sandbox;
        if let Some(endpoint) = self.vandm.endpoint.as_deref() {
            if production && !endpoint.starts_with("https://") {
                return Err(invalid(
                    "vandm.endpoint",
                    format!("'{endpoint}' is not an https:// URL"),
                    "The Spine is reached over mutual TLS: use its https:// address.",
                ));
            }
        }
        let Some(tls) = &self.tls else {
            if production {
                return Err(invalid("tls", "is missing: the Spine requires mutual TLS in the integration and live environments", "Add a [tls] section with client_certificate (this system's endpoint certificate chain, PEM), key_secret (the keyring entry holding its private key; see `vmcheck secrets import`) and ca_bundle (the environment's CA certificates)."));
            }
            return Ok(());
        };
        let empty =
            |p: &Option<std::path::PathBuf>| p.as_ref().is_some_and(|p| p.as_os_str().is_empty());
        for (key, path) in [
            ("tls.ca_bundle", &tls.ca_bundle),
            ("tls.client_certificate", &tls.client_certificate),
            ("tls.key_file", &tls.key_file),
        ] {
            if empty(path) {
                return Err(invalid(
                    key,
                    "is empty",
                    "Give the path of the PEM file, or remove the key.",
                ));
            }
        }
        if tls.key_file.is_some() && production {
            return Err(invalid("tls.key_file", "is only allowed with environment = \"sandbox\"", "Keep the private key in the operating system's keyring and name its entry with tls.key_secret (see `vmcheck secrets import`); remove tls.key_file."));
        }
        if tls.key_file.is_some() && tls.key_secret.is_some() {
            return Err(invalid(
                "tls.key_file",
                "is set together with tls.key_secret",
                "Use one: tls.key_secret (the keyring) or, in the sandbox only, tls.key_file.",
            ));
        }
        if tls
            .key_secret
            .as_deref()
            .is_some_and(|n| n.trim().is_empty())
        {
            return Err(invalid(
                "tls.key_secret",
                "is empty",
                "Name the keyring entry holding the private key, e.g. \"vmcheck-tls-key\".",
            ));
        }
        let has_key = tls.key_secret.is_some() || tls.key_file.is_some();
        match (tls.client_certificate.is_some(), has_key) {
            (false, true) => return Err(invalid("tls.client_certificate", "is missing while a private key is configured", "Name the PEM file holding this system's endpoint certificate chain.")),
            (true, false) => return Err(invalid("tls.key_secret", "is missing while tls.client_certificate is set", "Name the keyring entry holding the client certificate's private key (see `vmcheck secrets import`).")),
            (false, false) if production => return Err(invalid("tls.client_certificate", "is missing: the Spine requires mutual TLS in the integration and live environments", "Name the PEM file holding this system's endpoint certificate chain here, and the keyring entry holding its private key in tls.key_secret (see `vmcheck secrets import`).")),
            _ => {}
        }
        if !tls.system_roots && tls.ca_bundle.is_none() {
            return Err(invalid("tls.ca_bundle", "is missing while system_roots = false, so nothing would be trusted", "Name the PEM bundle of the environment's certificate authorities, or set system_roots = true."));
        }
        Ok(())
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

/// Where a private key comes from: exactly one of a keyring entry or (sandbox only) a file.
fn check_key_source(
    production: bool,
    keys: (&'static str, &'static str),
    key_secret: Option<&str>,
    key_file: Option<&std::path::Path>,
) -> Result<(), ConfigError> {
    let (secret_key, file_key) = keys;
    match (key_secret, key_file) {
        (Some(_), Some(_)) => Err(invalid(
            file_key,
            format!("is set together with {secret_key}"),
            "Use one: the keyring entry, or (in the sandbox only) a key file.",
        )),
        (Some(name), None) if name.trim().is_empty() => Err(invalid(
            secret_key,
            "is empty",
            "Name the keyring entry holding the private key (see `vmcheck secrets list`).",
        )),
        (Some(name), None) if vmcheck_secrets_name_ok(name) => Ok(()),
        (Some(_), None) => Err(invalid(
            secret_key,
            "is not a keyring entry name",
            "Use the name given to `vmcheck secrets import`: letters, digits, '.', '_' or '-'.",
        )),
        (None, Some(_)) if production => Err(invalid(
            file_key,
            "is only allowed with environment = \"sandbox\"",
            "Keep the private key in the operating system's keyring (`vmcheck secrets import NAME FILE`) and name the entry instead.",
        )),
        (None, Some(path)) if path.as_os_str().is_empty() => Err(invalid(
            file_key,
            "is empty",
            "Give the path of the PEM private key file.",
        )),
        (None, Some(_)) => Ok(()),
        (None, None) => Err(invalid(
            secret_key,
            "is missing",
            "Import the private key with `vmcheck secrets import NAME FILE` and name the entry here.",
        )),
    }
}

/// The names `vmcheck secrets import` accepts.
fn vmcheck_secrets_name_ok(name: &str) -> bool {
    vmcheck_secrets::check_name(name).is_ok()
}

impl Config {
    /// `[pds.auth]`: every key present and usable; the key from the keyring outside the sandbox.
    pub(super) fn validate_pds_auth(&self) -> Result<(), ConfigError> {
        let Some(auth) = &self.pds.auth else {
            return Ok(());
        };
        let production = self.environment != Environment::Sandbox;
        if auth.api_key.trim().is_empty() || auth.api_key.contains(char::is_whitespace) {
            return Err(invalid(
                "pds.auth.api_key",
                "is empty or contains spaces",
                "Use the API key of the application registered on the NHS developer portal.",
            ));
        }
        if auth.kid.trim().is_empty() || auth.kid.contains(char::is_whitespace) {
            return Err(invalid(
                "pds.auth.kid",
                "is empty or contains spaces",
                "Use the key id (kid) the public key was registered under, e.g. \"vmcheck-1\".",
            ));
        }
        if !is_http_url(&auth.token_url) || (production && !auth.token_url.starts_with("https://"))
        {
            return Err(invalid(
                "pds.auth.token_url",
                format!("'{}' is not an https URL", auth.token_url),
                "Use the platform's token URL, e.g. https://int.api.service.nhs.uk/oauth2/token.",
            ));
        }
        check_key_source(
            production,
            ("pds.auth.key_secret", "pds.auth.key_file"),
            auth.key_secret.as_deref(),
            auth.key_file.as_deref(),
        )
    }

    /// `[audit_jwt]`: a key exactly when signing.
    /// `[audit]`: one key source; a key file only in the sandbox; sensible numbers.
    fn validate_audit(&self) -> Result<(), ConfigError> {
        let a = &self.audit;
        match (&a.key_secret, &a.key_file) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "audit.key_file",
                    "is set together with audit.key_secret",
                    "Use one: the keyring entry, or (in the sandbox only) a key file.",
                ))
            }
            (Some(name), None) if !vmcheck_secrets_name_ok(name) => {
                return Err(invalid(
                    "audit.key_secret",
                    format!("'{name}' is not a keyring entry name"),
                    "Use letters, digits, '.', '_' or '-' (the default is vmcheck-audit-log-key).",
                ))
            }
            (None, Some(_)) if self.environment != Environment::Sandbox => {
                return Err(invalid(
                    "audit.key_file",
                    "is only allowed with environment = \"sandbox\"",
                    "Remove it: the audit log's key is kept in the operating system's keyring (audit.key_secret).",
                ))
            }
            _ => {}
        }
        if !(1..=100_000).contains(&a.checkpoint_every) {
            return Err(invalid(
                "audit.checkpoint_every",
                format!("{} is out of range", a.checkpoint_every),
                "Use a number of records from 1 to 100000 (the default is 100).",
            ));
        }
        if !(100..=600_000).contains(&a.busy_timeout_ms) {
            return Err(invalid(
                "audit.busy_timeout_ms",
                format!("{} is out of range", a.busy_timeout_ms),
                "Use a number of milliseconds from 100 to 600000 (the default is 10000).",
            ));
        }
        Ok(())
    }

    fn validate_audit_jwt(&self) -> Result<(), ConfigError> {
        let a = &self.audit_jwt;
        let production = self.environment != Environment::Sandbox;
        if a.algorithm == AuditJwtAlgorithm::None {
            if a.key_secret.is_some() || a.key_file.is_some() {
                return Err(invalid(
                    "audit_jwt.algorithm",
                    "is none while a signing key is configured",
                    "Set algorithm = \"RS256\" or \"RS512\" to sign the audit JWT, or remove the key.",
                ));
            }
            return Ok(());
        }
        check_key_source(
            production,
            ("audit_jwt.key_secret", "audit_jwt.key_file"),
            a.key_secret.as_deref(),
            a.key_file.as_deref(),
        )
    }
}
