//! API keys: long-lived secrets sent in a header, stored only as their SHA-256 beside a
//! visible prefix, and generated here.

use std::sync::Arc;
use std::time::SystemTime;

use base64::Engine as _;

use super::store::{ApiKeyRecord, KeyStore, SecretHash};
use crate::credential::{ApiKeyCredential, Credential, Identity};
use crate::eval::Rejection;

/// How many leading characters of a key are stored and shown as its prefix.
pub const PREFIX_CHARS: usize = 12;

/// Verifies keys for one `api_key` scheme.
pub(crate) struct ApiKeyVerifier {
    pub scheme: Arc<str>,
    pub prefixes: Vec<String>,
    pub store: Arc<dyn KeyStore>,
}

impl ApiKeyVerifier {
    /// The credential for `key`, with the record's visible prefix.
    pub(crate) fn verify(&self, key: &str, now: SystemTime) -> Result<Credential, Rejection> {
        // A key without a configured prefix is not one of ours: no store lookup.
        if !self.prefixes.is_empty() && !self.prefixes.iter().any(|p| key.starts_with(p.as_str())) {
            return Err(Rejection::WrongPrefix);
        }
        let end = key.char_indices().nth(PREFIX_CHARS).map_or(key.len(), |(at, _)| at);
        let prefix = key.get(..end).unwrap_or(key);
        let hash = SecretHash::of(key);

        // Compare against every candidate without stopping early: the time taken depends on
        // how many keys share the (public) prefix, never on how much of a hash matched.
        let mut found = None;
        self.store.visit_keys_with_prefix(prefix, &mut |record| {
            if record.sha256.matches(&hash) {
                found = Some(record.clone());
            }
        });
        let record = found.ok_or(Rejection::Unknown)?;

        if record.revoked {
            return Err(Rejection::Revoked);
        }
        if record.expires_at.is_some_and(|at| at <= now) {
            return Err(Rejection::CredentialExpired);
        }
        let identity = Identity {
            scheme: Arc::clone(&self.scheme),
            principal: record.principal,
            scopes: record.scopes,
        };
        Ok(Credential::ApiKey(ApiKeyCredential { identity, key_prefix: record.prefix }))
    }
}

/// A new API key: `prefix` followed by 32 random bytes in base64url without padding.
/// Returns the key, to show its owner once and never again, and the record to store, which
/// holds only its hash.
///
/// # Errors
/// The operating system's random number generator failed.
pub fn generate_api_key(
    prefix: &str,
    principal: &str,
    scopes: &[&str],
    now: SystemTime,
) -> Result<(String, ApiKeyRecord), getrandom::Error> {
    let mut random = [0u8; 32];
    getrandom::fill(&mut random)?;
    let key =
        format!("{prefix}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random));

    let record = ApiKeyRecord {
        prefix: key.chars().take(PREFIX_CHARS).collect::<String>().into(),
        sha256: SecretHash::of(&key),
        principal: principal.into(),
        scopes: scopes.iter().map(|&scope| Arc::from(scope)).collect(),
        created_at: Some(now),
        expires_at: None,
        revoked: false,
        last_used_at: None,
    };
    Ok((key, record))
}
