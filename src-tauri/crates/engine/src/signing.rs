//! The engine's signing keys: the PDS signed-JWT private key (`[pds.auth]`) and the optional
//! audit JWT signing key (`[audit_jwt]`), fetched once at start from the keyring through
//! [`SecretLookup`] (or, in the sandbox environment only, read from a file), and the audit JWT's
//! encoding: unsigned by default, as the specification says, or signed RS256/RS512 with
//! `jsonwebtoken` for environments that validate signatures.
//!
//! Key bytes stay in [`Zeroizing`] buffers and never reach a log line or an error text: errors
//! name the configuration key and the keyring entry only.

use std::path::Path;

use vmcheck_core::jwt::AuditJwt;
use vmcheck_jws::jsonwebtoken::{Algorithm, EncodingKey, Header};
use vmcheck_spine::http::TransportError;
use vmcheck_spine::pds::PdsAuth;
use zeroize::Zeroizing;

use crate::config::{AuditJwtAlgorithm, Config};
use crate::error::LookupError;
use vmcheck_secrets::SecretLookup;

fn setup(message: String) -> LookupError {
    LookupError::Setup(TransportError::Setup(message))
}

/// The private key named by `(secret_key, key_secret)` or `(file_key, key_file)`.
fn load_key(
    secrets: &dyn SecretLookup,
    secret: (&str, Option<&str>),
    file: (&str, Option<&Path>),
) -> Result<Zeroizing<Vec<u8>>, LookupError> {
    match (secret, file) {
        ((key, Some(name)), _) => secrets.get(name).map_err(|problem| {
            setup(format!(
                "{key}: the keyring entry '{name}' could not be read: {problem}"
            ))
        }),
        (_, (key, Some(path))) => std::fs::read(path)
            .map(Zeroizing::new)
            .map_err(|e| setup(format!("{key}: cannot read {}: {e}", path.display()))),
        ((key, None), _) => Err(setup(format!("{key} is not set"))),
    }
}

/// How the PDS client authenticates: signed JWT when `[pds.auth]` is configured, else none.
pub(crate) fn pds_auth(
    config: &Config,
    secrets: &dyn SecretLookup,
) -> Result<PdsAuth, LookupError> {
    let Some(auth) = &config.pds.auth else {
        return Ok(PdsAuth::None);
    };
    let private_key_pem = load_key(
        secrets,
        ("pds.auth.key_secret", auth.key_secret.as_deref()),
        ("pds.auth.key_file", auth.key_file.as_deref()),
    )?;
    Ok(PdsAuth::SignedJwt {
        api_key: auth.api_key.clone(),
        kid: auth.kid.clone(),
        token_url: auth.token_url.clone(),
        private_key_pem,
    })
}

/// The audit JWT's signing algorithm and key.
pub(crate) struct AuditSigner {
    algorithm: Algorithm,
    key: EncodingKey,
}

impl std::fmt::Debug for AuditSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditSigner")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

/// The signer `[audit_jwt]` asks for (`None`: unsigned). The key is read and parsed now.
pub(crate) fn audit_signer(
    config: &Config,
    secrets: &dyn SecretLookup,
) -> Result<Option<AuditSigner>, LookupError> {
    let a = &config.audit_jwt;
    let algorithm = match a.algorithm {
        AuditJwtAlgorithm::None => return Ok(None),
        AuditJwtAlgorithm::RS256 => Algorithm::RS256,
        AuditJwtAlgorithm::RS512 => Algorithm::RS512,
    };
    let pem = load_key(
        secrets,
        ("audit_jwt.key_secret", a.key_secret.as_deref()),
        ("audit_jwt.key_file", a.key_file.as_deref()),
    )?;
    let key = EncodingKey::from_rsa_pem(&pem).map_err(|_| {
        setup("audit_jwt: the signing key is not an RSA private key in PEM form".into())
    })?;
    Ok(Some(AuditSigner { algorithm, key }))
}

/// The compact audit JWT: unsigned (`alg` none, trailing dot) or signed with `signer`.
pub(crate) fn encode_audit(
    signer: Option<&AuditSigner>,
    jwt: &AuditJwt,
) -> Result<String, LookupError> {
    let Some(signer) = signer else {
        return Ok(jwt.encode_unsigned());
    };
    vmcheck_jws::encode(&Header::new(signer.algorithm), jwt.claims(), &signer.key)
        .map_err(|_| setup("audit_jwt: the audit token could not be signed".into()))
}
