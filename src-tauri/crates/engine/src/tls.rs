//! Mutual TLS from the configuration (`[tls]`): at engine start the files it names are read,
//! the private key is fetched from the keyring through a [`SecretLookup`] (or, in the sandbox
//! only, read from `tls.key_file`), and the V&M client is built with the resulting rustls
//! configuration ([`vmcheck_spine::tls::client_config`]).
//!
//! Every problem is a [`TlsConfigError`] naming the configuration key and the file or keyring
//! entry at fault, so that IT can fix it; nothing here ever shows key material. Without `[tls]`
//! the V&M client is the plain pooled one — allowed only in the sandbox environment (the
//! configuration's validation refuses `live` and `integration` without mutual TLS; this module
//! checks again, so a configuration built in code cannot slip through).

use std::path::Path;

use vmcheck_spine::http::{self, HttpSettings};
use vmcheck_spine::tls::{self as spine_tls, KeySource, TlsPart, TlsSettings, TlsSetupError};
use vmcheck_spine::vandm::VandmClient;
use zeroize::Zeroizing;

use crate::config::{Config, Environment, TlsConfig};
use crate::error::LookupError;
use vmcheck_secrets::SecretLookup;

/// Why the `[tls]` configuration cannot be put to use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsConfigError {
    /// `live` or `integration` without a client certificate and its key.
    #[error(
        "mutual TLS is not configured, and the {environment} environment requires it \
         ([tls] needs client_certificate and key_secret)"
    )]
    Required {
        /// The environment configured.
        environment: &'static str,
    },
    /// A file named in `[tls]` cannot be read.
    #[error("configuration key `{key}`: the file {path} cannot be read ({problem})")]
    Unreadable {
        /// The key naming the file.
        key: &'static str,
        /// The file.
        path: String,
        /// The operating system's words.
        problem: String,
    },
    /// A file, the keyring entry or the system trust store holds something unusable.
    #[error("configuration key `{key}` ({what}): {problem}")]
    Unusable {
        /// The key at fault.
        key: &'static str,
        /// The file or keyring entry.
        what: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The private key could not be fetched from the keyring.
    #[error(
        "configuration key `tls.key_secret`: the keyring entry '{name}' cannot be read ({problem})"
    )]
    Secret {
        /// The entry's name.
        name: String,
        /// Why (never the secret).
        problem: vmcheck_secrets::SecretsError,
    },
    /// Settings that do not fit together.
    #[error("configuration section [tls]: {0}")]
    Settings(String),
}

fn environment_name(environment: Environment) -> &'static str {
    match environment {
        Environment::Sandbox => "sandbox",
        Environment::Integration => "integration",
        Environment::Live => "live",
    }
}

fn read(key: &'static str, path: &Path) -> Result<Vec<u8>, TlsConfigError> {
    std::fs::read(path).map_err(|e| TlsConfigError::Unreadable {
        key,
        path: path.display().to_string(),
        problem: e.to_string(),
    })
}

/// Reads the files and fetches the key named in `tls` (for `environment`).
pub fn settings(
    environment: Environment,
    tls: &TlsConfig,
    secrets: &dyn SecretLookup,
) -> Result<TlsSettings, TlsConfigError> {
    let production = environment != Environment::Sandbox;
    if production && (tls.client_certificate.is_none() || tls.key_secret.is_none()) {
        return Err(TlsConfigError::Required {
            environment: environment_name(environment),
        });
    }
    let key = match (&tls.key_secret, &tls.key_file) {
        (Some(_), Some(_)) => {
            return Err(TlsConfigError::Settings(
                "key_secret and key_file are both set; use one".to_owned(),
            ))
        }
        (Some(name), None) => Some(KeySource::Pem(secrets.get(name).map_err(|problem| {
            TlsConfigError::Secret {
                name: name.clone(),
                problem,
            }
        })?)),
        (None, Some(_)) if production => {
            return Err(TlsConfigError::Settings(format!(
                "key_file is only allowed in the sandbox environment, not in {}",
                environment_name(environment)
            )))
        }
        (None, Some(path)) => Some(KeySource::Pem(Zeroizing::new(read("tls.key_file", path)?))),
        (None, None) => None,
    };
    Ok(TlsSettings {
        ca_bundle_pem: tls
            .ca_bundle
            .as_deref()
            .map(|p| read("tls.ca_bundle", p))
            .transpose()?,
        use_system_roots: tls.system_roots,
        client_chain_pem: tls
            .client_certificate
            .as_deref()
            .map(|p| read("tls.client_certificate", p))
            .transpose()?,
        client_key_pem: key.map(KeySource::into_pem),
    })
}

/// Names the key and file behind a [`TlsSetupError`].
fn locate(e: TlsSetupError, tls: &TlsConfig) -> TlsConfigError {
    let path = |p: &Option<std::path::PathBuf>| {
        p.as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    };
    let (key, what) = match e.part() {
        TlsPart::CaBundle => ("tls.ca_bundle", path(&tls.ca_bundle)),
        TlsPart::SystemRoots => ("tls.system_roots", "the system's trust store".to_owned()),
        TlsPart::ClientChain => ("tls.client_certificate", path(&tls.client_certificate)),
        TlsPart::ClientKey => match &tls.key_secret {
            Some(name) => ("tls.key_secret", format!("keyring entry '{name}'")),
            None => ("tls.key_file", path(&tls.key_file)),
        },
        TlsPart::Settings => return TlsConfigError::Settings(e.to_string()),
    };
    TlsConfigError::Unusable {
        key,
        what,
        problem: e.to_string(),
    }
}

/// The V&M client for `config`: with mutual TLS when `[tls]` is configured, otherwise the
/// plain pooled client (sandbox only).
#[allow(
    clippy::result_large_err,
    reason = "called once, at engine start, by Engine::with_secrets, which returns LookupError"
)]
pub(crate) fn vandm_client(
    config: &Config,
    secrets: &dyn SecretLookup,
    timeouts: HttpSettings,
) -> Result<VandmClient, LookupError> {
    let Some(tls) = &config.tls else {
        if config.environment != Environment::Sandbox {
            return Err(TlsConfigError::Required {
                environment: environment_name(config.environment),
            }
            .into());
        }
        return VandmClient::new(timeouts).map_err(LookupError::Setup);
    };
    let settings = settings(config.environment, tls, secrets)?;
    let rustls = spine_tls::client_config(settings).map_err(|e| locate(e, tls))?;
    let client = http::client_with_tls(timeouts, rustls).map_err(LookupError::Setup)?;
    tracing::debug!("V&M client set up with mutual TLS");
    Ok(VandmClient::with_client(client, timeouts.max_body_bytes))
}
