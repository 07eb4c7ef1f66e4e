//! # vmcheck-jws
//!
//! RSA-signed JWTs for V&M Check: the PDS client assertion (RS512) and the optional signed audit
//! token (RS256 or RS512) are made with `jsonwebtoken`, and the sandbox checks them with it.
//! `jsonwebtoken` leaves the cryptography to a provider; this crate supplies one on `ring` (the
//! library rustls already uses here), so neither aws-lc (a C build needing cmake) nor the `rsa`
//! crate (RUSTSEC-2023-0071) is compiled.
//!
//! Call [`install`] before `jsonwebtoken::encode` / `decode` ([`encode`] and [`decode`] do it
//! themselves). Only RS256, RS384 and RS512 are provided; any other algorithm is refused with
//! `InvalidAlgorithm`. It deliberately does not handle JWKs, HMAC or elliptic curves.

use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{Error, ErrorKind};
use jsonwebtoken::signature::{self, Signer, Verifier};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, DecodingKeyKind, EncodingKey};

pub use jsonwebtoken;

/// The ring-based provider (RSA PKCS#1 v1.5 with SHA-256/384/512 only).
pub static RING_PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory,
    verifier_factory,
    key_utils: KeyUtils::new_unimplemented(),
};

/// Makes [`RING_PROVIDER`] the process's `jsonwebtoken` provider. Idempotent; when another
/// provider was installed first, that one stays (and is used).
pub fn install() {
    // Err only means a provider is already installed (ours, or one chosen by the program).
    let _already = RING_PROVIDER.install_default();
}

/// `jsonwebtoken::encode` with the provider installed.
pub fn encode<T: serde::Serialize>(
    header: &jsonwebtoken::Header,
    claims: &T,
    key: &EncodingKey,
) -> Result<String, Error> {
    install();
    jsonwebtoken::encode(header, claims, key)
}

/// `jsonwebtoken::decode` with the provider installed.
pub fn decode<T: serde::de::DeserializeOwned + Clone>(
    token: &str,
    key: &DecodingKey,
    validation: &jsonwebtoken::Validation,
) -> Result<jsonwebtoken::TokenData<T>, Error> {
    install();
    jsonwebtoken::decode(token, key, validation)
}

#[cfg(feature = "testing")]
pub mod testing;

struct RingSigner {
    alg: Algorithm,
    key: ring::rsa::KeyPair,
}

impl Signer<Vec<u8>> for RingSigner {
    fn try_sign(&self, msg: &[u8]) -> Result<Vec<u8>, signature::Error> {
        let padding: &'static dyn ring::signature::RsaEncoding = match self.alg {
            Algorithm::RS256 => &ring::signature::RSA_PKCS1_SHA256,
            Algorithm::RS384 => &ring::signature::RSA_PKCS1_SHA384,
            _ => &ring::signature::RSA_PKCS1_SHA512,
        };
        let rng = ring::rand::SystemRandom::new();
        let mut out = vec![0; self.key.public().modulus_len()];
        self.key
            .sign(padding, &rng, msg, &mut out)
            .map_err(|_| signature::Error::new())?;
        Ok(out)
    }
}

impl JwtSigner for RingSigner {
    fn algorithm(&self) -> Algorithm {
        self.alg
    }
}

enum PublicKey {
    Der(Vec<u8>),
    Components { n: Vec<u8>, e: Vec<u8> },
}

struct RingVerifier {
    alg: Algorithm,
    key: PublicKey,
}

impl RingVerifier {
    fn params(&self) -> &'static ring::signature::RsaParameters {
        match self.alg {
            Algorithm::RS256 => &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            Algorithm::RS384 => &ring::signature::RSA_PKCS1_2048_8192_SHA384,
            _ => &ring::signature::RSA_PKCS1_2048_8192_SHA512,
        }
    }
}

impl Verifier<Vec<u8>> for RingVerifier {
    fn verify(&self, msg: &[u8], sig: &Vec<u8>) -> Result<(), signature::Error> {
        let checked = match &self.key {
            PublicKey::Der(der) => {
                ring::signature::UnparsedPublicKey::new(self.params(), der).verify(msg, sig)
            }
            PublicKey::Components { n, e } => {
                ring::signature::RsaPublicKeyComponents { n, e }.verify(self.params(), msg, sig)
            }
        };
        checked.map_err(|_| signature::Error::new())
    }
}

impl JwtVerifier for RingVerifier {
    fn algorithm(&self) -> Algorithm {
        self.alg
    }
}

fn is_rsa_pkcs1(alg: &Algorithm) -> bool {
    matches!(alg, Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512)
}

fn signer_factory(alg: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>, Error> {
    if !is_rsa_pkcs1(alg) {
        return Err(ErrorKind::InvalidAlgorithm.into());
    }
    if key.family() != AlgorithmFamily::Rsa {
        return Err(ErrorKind::InvalidKeyFormat.into());
    }
    // `EncodingKey::from_rsa_pem` keeps the PKCS#1 RSAPrivateKey (unwrapped from PKCS#8).
    let key = ring::rsa::KeyPair::from_der(key.as_bytes())
        .map_err(|e| Error::from(ErrorKind::InvalidRsaKey(e.to_string())))?;
    Ok(Box::new(RingSigner { alg: *alg, key }))
}

fn verifier_factory(alg: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>, Error> {
    if !is_rsa_pkcs1(alg) {
        return Err(ErrorKind::InvalidAlgorithm.into());
    }
    if key.family() != AlgorithmFamily::Rsa {
        return Err(ErrorKind::InvalidKeyFormat.into());
    }
    let key = match key.kind() {
        // PKCS#1 RSAPublicKey, as `DecodingKey::from_rsa_pem` keeps it.
        DecodingKeyKind::SecretOrDer(der) => PublicKey::Der(der.clone()),
        DecodingKeyKind::RsaModulusExponent { n, e } => PublicKey::Components {
            n: n.clone(),
            e: e.clone(),
        },
    };
    Ok(Box::new(RingVerifier { alg: *alg, key }))
}
