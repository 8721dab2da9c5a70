//! JWT bearer tokens: compact JWS verified by signature, with the checks jsonwebtoken leaves
//! to its caller closed here.
//!
//! The order is deliberate: cheap shape checks before any decoding (size, three segments),
//! header checks before any crypto (algorithm allow-list, `typ`, `crit`, key selection), the
//! signature before any claim is believed, and only then the claims. jsonwebtoken verifies
//! the signature; its claim validation is switched off and done below, because its defaults
//! let through tokens without `exp`, `iss` or `aud`, ignore `nbf` and `iat`, and let
//! serde_json take the last of two duplicated members it does not itself know.

use std::fmt;
use std::path::Path;
use std::str::FromStr as _;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::store::SecretHash;
use super::verified::VerifiedTokens;
use crate::credential::{Credential, Identity, JwtCredential};
use crate::eval::Rejection;
use crate::model::{JwtConfig, KeySource};

/// The largest token accepted by default, checked before any decoding: 16 KiB.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 16 * 1024;

/// One verification key and what it may verify.
struct VerificationKey {
    kid: Option<String>,
    /// The JWK's `alg`, when it names one: the key then verifies only that algorithm.
    alg: Option<jsonwebtoken::Algorithm>,
    key: DecodingKey,
}

/// Verifies tokens for one `jwt` scheme.
pub(crate) struct JwtVerifier {
    pub scheme: Arc<str>,
    config: JwtConfig,
    algorithms: Vec<jsonwebtoken::Algorithm>,
    keys: Vec<VerificationKey>,
    max_bytes: usize,
    /// Tokens already verified; `None` when caching is off.
    verified: Option<VerifiedTokens>,
}

impl fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("scheme", &self.scheme)
            .field("keys", &self.keys.len())
            .finish_non_exhaustive()
    }
}

/// Why a JWT scheme's keys could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key file could not be read.
    #[error("cannot read key file `{}`: {source}", path.display())]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The reason.
        source: std::io::Error,
    },
    /// The key file holds no usable key.
    #[error("key file `{}` holds no usable key: {reason}", path.display())]
    BadKeyFile {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong, in words.
        reason: String,
    },
    /// The environment variable holding the HMAC secret is unset or empty.
    #[error("environment variable `{0}` (the HMAC secret) is unset or empty")]
    MissingSecret(String),
    /// The HMAC secret is shorter than its algorithm's hash (RFC 7518 section 3.2).
    #[error(
        "the HMAC secret in `{variable}` is {bytes} bytes; {algorithm} needs at least {needed} \
         (RFC 7518 section 3.2): generate one with `openssl rand -base64 {needed}`"
    )]
    WeakSecret {
        /// The environment variable.
        variable: String,
        /// The secret's length in bytes.
        bytes: usize,
        /// The configured algorithm with the longest hash.
        algorithm: &'static str,
        /// The length that algorithm needs.
        needed: usize,
    },
    /// A symmetric (`kty: oct`) key in a JWK Set shorter than its algorithm's hash
    /// (RFC 7518 section 3.2).
    #[error(
        "the symmetric key {} in `{}` is {bytes} bytes; {algorithm} needs at least {needed} \
         (RFC 7518 section 3.2): replace its `k` with {needed} or more random bytes, in \
         unpadded base64url",
        key_name(kid.as_deref()),
        path.display()
    )]
    WeakJwk {
        /// The key set file.
        path: std::path::PathBuf,
        /// The key's `kid`, if it has one.
        kid: Option<String>,
        /// The key's length in bytes.
        bytes: usize,
        /// The key's own `alg`, or without one the scheme's algorithm with the longest hash.
        algorithm: &'static str,
        /// The length that algorithm needs.
        needed: usize,
    },
}

impl JwtVerifier {
    /// Loads the scheme's keys; relative key paths are taken from `base_dir`.
    pub(crate) fn new(
        scheme: Arc<str>,
        config: &JwtConfig,
        base_dir: &Path,
        max_bytes: usize,
        cache_capacity: usize,
    ) -> Result<JwtVerifier, KeyError> {
        let keys = match &config.keys {
            KeySource::JwksFile(path) => jwks_keys(&base_dir.join(path), config)?,
            KeySource::PemFile(path) => vec![pem_key(&base_dir.join(path))?],
            KeySource::HmacSecretEnv(name) => {
                let secret = std::env::var(name).unwrap_or_default();
                if secret.is_empty() {
                    return Err(KeyError::MissingSecret(name.clone()));
                }
                check_secret_length(name, secret.len(), config)?;
                let key = DecodingKey::from_secret(secret.as_bytes())
                    .map_err(|_| KeyError::MissingSecret(name.clone()))?;
                vec![VerificationKey { kid: None, alg: None, key }]
            }
        };
        let algorithms = config
            .algorithms
            .iter()
            .filter_map(|a| jsonwebtoken::Algorithm::from_str(a.as_str()).ok())
            .collect();
        let verified = VerifiedTokens::new(cache_capacity);
        Ok(JwtVerifier { scheme, config: config.clone(), algorithms, keys, max_bytes, verified })
    }

    /// Verifies `token` at `now`, or finds it verified already and still unexpired.
    pub(crate) fn verify(&self, token: &str, now: SystemTime) -> Result<Credential, Rejection> {
        // The size first, before even hashing the token.
        if token.len() > self.max_bytes {
            return Err(Rejection::TooLarge);
        }
        let Some(cache) = &self.verified else { return self.verify_fresh(token, now) };

        let hash = SecretHash::of(token);
        if let Some(credential) = cache.get(&hash, now) {
            return Ok(credential);
        }
        let credential = self.verify_fresh(token, now)?;
        if let Credential::Jwt(JwtCredential { expires_at: Some(exp), .. }) = &credential {
            cache.insert(hash, &credential, now, *exp);
        }
        Ok(credential)
    }

    /// Verifies `token` at `now`: shape, header, signature, claims.
    fn verify_fresh(&self, token: &str, now: SystemTime) -> Result<Credential, Rejection> {
        // Shape, before any decoding: exactly three segments (a JWE has five).
        let mut segments = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (segments.next(), segments.next(), segments.next(), segments.next())
        else {
            return Err(Rejection::Malformed);
        };
        let signed = token.get(..header.len() + 1 + payload.len()).unwrap_or_default();

        // The header, before any crypto: algorithm, type, critical extensions, key.
        let header = json_object(header)?;
        let alg = self.algorithm(&header)?;
        self.check_type(&header)?;
        if header.contains_key("crit") {
            return Err(Rejection::UnsupportedCritical);
        }
        let key = self.key(&header, alg)?;

        // The payload's structure (not yet its claims): a repeated member is refused here.
        let claims = json_object(payload)?;

        // The signature, over the two segments as sent, before any claim is believed.
        match jsonwebtoken::crypto::verify(signature, signed.as_bytes(), key, alg) {
            Ok(true) => {}
            Ok(false) => return Err(Rejection::BadSignature),
            Err(_) => return Err(Rejection::Malformed),
        }

        // The claims, now that the signature vouches for them.
        let expires_at = self.check_times(&claims, now)?;
        self.check_issuer_and_audience(&claims)?;
        let principal = match claims.get(&self.config.subject_claim) {
            Some(Value::String(subject)) if !subject.is_empty() => subject.clone(),
            _ => return Err(Rejection::MissingClaim),
        };
        let identity = Identity::new(Arc::clone(&self.scheme), principal, self.scopes(&claims));
        Ok(Credential::Jwt(JwtCredential { identity, expires_at: Some(expires_at) }))
    }

    /// The header's `alg`, which must be on the scheme's allow-list exactly as written
    /// (`none`, in any casing, never is).
    fn algorithm(&self, header: &Map<String, Value>) -> Result<jsonwebtoken::Algorithm, Rejection> {
        let Some(Value::String(name)) = header.get("alg") else {
            return Err(Rejection::Malformed);
        };
        let allowed = self.config.algorithms.iter().any(|a| a.as_str() == name);
        let alg =
            jsonwebtoken::Algorithm::from_str(name).map_err(|_| Rejection::AlgorithmNotAllowed)?;
        if allowed && self.algorithms.contains(&alg) {
            Ok(alg)
        } else {
            Err(Rejection::AlgorithmNotAllowed)
        }
    }

    /// When the scheme names a `typ`, the header must carry it (case-insensitively, with or
    /// without the `application/` prefix RFC 7515 allows to be left out).
    fn check_type(&self, header: &Map<String, Value>) -> Result<(), Rejection> {
        let Some(required) = &self.config.typ else { return Ok(()) };
        let Some(Value::String(typ)) = header.get("typ") else { return Err(Rejection::WrongType) };
        let bare = |t: &str| {
            let lower = t.to_ascii_lowercase();
            lower.strip_prefix("application/").map(str::to_owned).unwrap_or(lower)
        };
        if bare(typ) == bare(required) { Ok(()) } else { Err(Rejection::WrongType) }
    }

    /// The key for the token: by `kid` when the header has one (a key without a `kid`, such
    /// as a PEM file's or an HMAC secret, answers to any), otherwise the only key that fits.
    /// A key only verifies algorithms of its own family (an RSA key is never an HMAC secret),
    /// and only its JWK's `alg` when that is set. Keys named by `jku`, `x5u`, `x5c` or an
    /// embedded `jwk` are never used: only the scheme's configured keys are.
    fn key(
        &self,
        header: &Map<String, Value>,
        alg: jsonwebtoken::Algorithm,
    ) -> Result<&DecodingKey, Rejection> {
        let fits = |k: &&VerificationKey| {
            k.key.family() == alg.family() && k.alg.is_none_or(|key_alg| key_alg == alg)
        };
        let mut candidates = self.keys.iter().filter(fits);
        let chosen = match header.get("kid") {
            Some(Value::String(kid)) => {
                let candidates: Vec<&VerificationKey> = candidates.collect();
                let named = candidates.iter().find(|k| k.kid.as_deref() == Some(kid.as_str()));
                named.or_else(|| candidates.iter().find(|k| k.kid.is_none())).copied()
            }
            Some(_) => return Err(Rejection::Malformed),
            None => match (candidates.next(), candidates.next()) {
                (Some(only), None) => Some(only),
                _ => None,
            },
        };
        chosen.map(|k| &k.key).ok_or(Rejection::UnknownKey)
    }

    /// `exp` required and not past; `nbf` and `iat` not ahead; lifetime within bounds. The
    /// leeway applies to each. Returns `exp`.
    fn check_times(&self, claims: &Map<String, Value>, now: SystemTime) -> Result<u64, Rejection> {
        let now = now.duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64());
        let leeway = self.config.leeway.as_secs() as f64;
        let number = |name: &str| match claims.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_f64().map(Some).ok_or(Rejection::InvalidClaim),
            Some(_) => Err(Rejection::InvalidClaim),
        };

        let exp = number("exp")?.ok_or(Rejection::MissingClaim)?;
        if now > exp + leeway {
            return Err(Rejection::Expired);
        }
        if number("nbf")?.is_some_and(|nbf| now + leeway < nbf) {
            return Err(Rejection::NotYetValid);
        }
        let iat = number("iat")?;
        if iat.is_some_and(|iat| iat > now + leeway) {
            return Err(Rejection::IssuedInFuture);
        }
        if let Some(max) = self.config.max_lifetime {
            let iat = iat.ok_or(Rejection::MissingClaim)?;
            if exp - iat > max.as_secs() as f64 {
                return Err(Rejection::LifetimeTooLong);
            }
        }
        Ok(exp.max(0.0) as u64)
    }

    /// `iss` must be the scheme's issuer and `aud` (a string or an array) must name one of
    /// its audiences, when the scheme sets them; then the claim is required.
    fn check_issuer_and_audience(&self, claims: &Map<String, Value>) -> Result<(), Rejection> {
        if let Some(issuer) = &self.config.issuer {
            match claims.get("iss") {
                None => return Err(Rejection::MissingClaim),
                Some(Value::String(iss)) if iss == issuer => {}
                Some(_) => return Err(Rejection::WrongIssuer),
            }
        }
        if !self.config.audience.is_empty() {
            let ours =
                |aud: &Value| matches!(aud, Value::String(a) if self.config.audience.contains(a));
            match claims.get("aud") {
                None => return Err(Rejection::MissingClaim),
                Some(Value::Array(list)) if list.iter().any(ours) => {}
                Some(single) if ours(single) => {}
                Some(_) => return Err(Rejection::WrongAudience),
            }
        }
        Ok(())
    }

    /// Granted scopes: the scope claim as a space-delimited string or an array; when the
    /// claim is the default `scope` and absent, the `scp` or `scopes` arrays.
    fn scopes(&self, claims: &Map<String, Value>) -> Vec<String> {
        let read = |value: &Value| -> Vec<String> {
            match value {
                Value::String(text) => {
                    text.split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect()
                }
                Value::Array(items) => {
                    items.iter().filter_map(|i| i.as_str()).map(str::to_owned).collect()
                }
                _ => Vec::new(),
            }
        };
        let claim = &self.config.scope_claim;
        match claims.get(claim) {
            Some(value) => read(value),
            None if claim == "scope" => {
                claims.get("scp").or_else(|| claims.get("scopes")).map(read).unwrap_or_default()
            }
            None => Vec::new(),
        }
    }
}

/// A base64url segment decoded and read as a JSON object in one pass, refusing duplicated
/// members at any depth (two `exp` or two `alg` must not be resolved by whichever parser
/// reads last).
fn json_object(segment: &str) -> Result<Map<String, Value>, Rejection> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| Rejection::Malformed)?;
    let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
    let value = match deserializer.deserialize_any(StrictVisitor) {
        Ok(value) => value,
        Err(error) if error.to_string().starts_with(DUPLICATE) => {
            return Err(Rejection::DuplicateMember);
        }
        Err(_) => return Err(Rejection::Malformed),
    };
    if deserializer.end().is_err() {
        return Err(Rejection::Malformed);
    }
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(Rejection::Malformed),
    }
}

const DUPLICATE: &str = "duplicate member";

/// A JSON value read by [`StrictVisitor`].
struct Strict(Value);

impl<'de> de::Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(Strict)
    }
}

/// Builds a [`Value`], failing on the first object with a repeated member name.
struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(name) = map.next_key::<String>()? {
            let Strict(value) = map.next_value::<Strict>()?;
            if object.insert(name, value).is_some() {
                return Err(de::Error::custom(DUPLICATE));
            }
        }
        Ok(Value::Object(object))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(item)) = seq.next_element::<Strict>()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }
    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::from(value))
    }
    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::from(value))
    }
    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }
    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
}

/// RFC 7518 section 3.2: an HMAC key at least as long as the hash output, 32 bytes for
/// HS256, 48 for HS384 and 64 for HS512; the longest of `algorithms` counts, and 32 bytes is
/// the floor whatever they are. The algorithm and the bytes it needs.
fn hmac_key_floor<'a>(algorithms: impl Iterator<Item = &'a str>) -> (&'static str, usize) {
    let floor = |alg: &str| match alg {
        "HS384" => ("HS384", 48),
        "HS512" => ("HS512", 64),
        _ => ("HS256", 32),
    };
    algorithms.map(floor).max_by_key(|&(_, needed)| needed).unwrap_or(("HS256", 32))
}

fn check_secret_length(variable: &str, bytes: usize, config: &JwtConfig) -> Result<(), KeyError> {
    let (algorithm, needed) = hmac_key_floor(config.algorithms.iter().map(|a| a.as_str()));
    if bytes < needed {
        let variable = variable.to_owned();
        return Err(KeyError::WeakSecret { variable, bytes, algorithm, needed });
    }
    Ok(())
}

/// A `kty: oct` key of a JWK Set must be as long as an HMAC secret from the environment.
/// A key naming its `alg` verifies only that algorithm (see `JwtVerifier::key`), so its own
/// algorithm sets the floor; a key without one may verify any of the scheme's, so the
/// longest of those does.
fn check_jwk_length(path: &Path, jwk: &Jwk, config: &JwtConfig) -> Result<(), KeyError> {
    let AlgorithmParameters::OctetKey(octets) = &jwk.algorithm else { return Ok(()) };
    let Ok(k) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&octets.value) else {
        let name = key_name(jwk.common.key_id.as_deref());
        let reason = format!("the `k` of the symmetric key {name} is not unpadded base64url");
        return Err(KeyError::BadKeyFile { path: path.to_path_buf(), reason });
    };
    // As `jwks_keys` reads it: an `alg` that names no signature algorithm restricts nothing.
    let own = jwk_algorithm(jwk).map(|alg| format!("{alg:?}"));
    let (algorithm, needed) = match &own {
        Some(own) => hmac_key_floor(std::iter::once(own.as_str())),
        None => hmac_key_floor(config.algorithms.iter().map(|a| a.as_str())),
    };
    let bytes = k.len();
    if bytes < needed {
        let (path, kid) = (path.to_path_buf(), jwk.common.key_id.clone());
        return Err(KeyError::WeakJwk { path, kid, bytes, algorithm, needed });
    }
    Ok(())
}

/// A JWK as messages name it: by its `kid`, quoted, or as having none.
fn key_name(kid: Option<&str>) -> String {
    kid.map_or_else(|| "without a kid".to_owned(), |kid| format!("`{kid}`"))
}

/// The signature algorithm a JWK's `alg` names, if it names one.
fn jwk_algorithm(jwk: &Jwk) -> Option<jsonwebtoken::Algorithm> {
    let alg = jwk.common.key_algorithm?;
    jsonwebtoken::Algorithm::from_str(&alg.to_string()).ok()
}

fn jwks_keys(path: &Path, config: &JwtConfig) -> Result<Vec<VerificationKey>, KeyError> {
    let text = std::fs::read(path).map_err(|source| KeyError::Io { path: path.into(), source })?;
    let bad = |reason: String| KeyError::BadKeyFile { path: path.into(), reason };
    let set: JwkSet = serde_json::from_slice(&text).map_err(|e| bad(e.to_string()))?;

    let mut keys = Vec::new();
    for jwk in &set.keys {
        check_jwk_length(path, jwk, config)?;
        let key = DecodingKey::from_jwk(jwk).map_err(|e| bad(e.to_string()))?;
        let alg = jwk_algorithm(jwk);
        keys.push(VerificationKey { kid: jwk.common.key_id.clone(), alg, key });
    }
    if keys.is_empty() {
        return Err(bad("the key set is empty".into()));
    }
    Ok(keys)
}

fn pem_key(path: &Path) -> Result<VerificationKey, KeyError> {
    let pem = std::fs::read(path).map_err(|source| KeyError::Io { path: path.into(), source })?;
    let key = DecodingKey::from_rsa_pem(&pem)
        .or_else(|_| DecodingKey::from_ec_pem(&pem))
        .or_else(|_| DecodingKey::from_ed_pem(&pem))
        .map_err(|_| KeyError::BadKeyFile {
            path: path.into(),
            reason: "not an RSA, EC or Ed25519 public key in PEM form".into(),
        })?;
    Ok(VerificationKey { kid: None, alg: None, key })
}

/// Whether `token` has the shape of a compact JWS: three dot-separated base64url segments,
/// the first starting a JSON object (`eyJ`). Tokens of this shape go to JWT schemes, others
/// to opaque ones.
pub(crate) fn looks_like_jws(token: &str) -> bool {
    // Comparisons folded with no early exit, so that the loops run many bytes at a time:
    // tokens are long and this runs on every one.
    let alphabet = token.bytes().fold(true, |ok, b| ok & ((b == b'.') | is_base64url(b)));
    let mut segments = token.split('.');
    let three = (segments.next(), segments.next(), segments.next(), segments.next());
    alphabet && matches!(three, (Some(_), Some(_), Some(_), None)) && token.starts_with("eyJ")
}

/// A byte of the base64url alphabet (RFC 4648 section 5), without branches.
pub(crate) fn is_base64url(b: u8) -> bool {
    let letter = (b | 0x20).wrapping_sub(b'a') < 26;
    let digit = b.wrapping_sub(b'0') < 10;
    letter | digit | (b == b'-') | (b == b'_')
}
