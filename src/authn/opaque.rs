//! Opaque bearer tokens: random strings looked up, by their SHA-256, in a store, so that
//! revoking one takes effect on the next request.

use std::sync::Arc;
use std::time::SystemTime;

use super::store::{SecretHash, TokenStore};
use crate::credential::{Credential, Identity, OpaqueTokenCredential};
use crate::eval::Rejection;

/// Verifies tokens for one `opaque_token` scheme.
pub(crate) struct OpaqueVerifier {
    pub scheme: Arc<str>,
    pub store: Arc<dyn TokenStore>,
}

impl OpaqueVerifier {
    pub(crate) fn verify(&self, token: &str, now: SystemTime) -> Result<Credential, Rejection> {
        let hash = SecretHash::of(token);
        let record = self.store.token(&hash).ok_or(Rejection::Unknown)?;
        // The store found the record by hash; comparing again, in constant time, means a
        // store with a sloppy index cannot turn a near miss into a match.
        if !record.sha256.matches(&hash) {
            return Err(Rejection::Unknown);
        }

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
        Ok(Credential::OpaqueToken(OpaqueTokenCredential { identity }))
    }
}
