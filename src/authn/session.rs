//! Session cookies: a session id looked up, by its SHA-256, in a server-side store, and the
//! CSRF check that unsafe methods need because browsers send cookies on their own.

use std::sync::Arc;
use std::time::SystemTime;

use subtle::ConstantTimeEq as _;

use super::store::{SecretHash, SessionStore};
use crate::credential::{Credential, Identity, SessionCredential};
use crate::eval::{ForbiddenReason, Rejection};

/// Verifies sessions for one `session` scheme.
pub(crate) struct SessionVerifier {
    pub scheme: Arc<str>,
    /// The header that must echo the CSRF token; `None` when the policy names none.
    pub csrf_header: Option<String>,
    pub store: Arc<dyn SessionStore>,
}

/// What verifying a session found.
pub(crate) enum SessionOutcome {
    /// A live session, its CSRF check passed or not needed.
    Valid(Credential),
    /// A live session whose request fails the CSRF check: 403, not 401.
    Csrf(ForbiddenReason),
}

impl SessionVerifier {
    /// Verifies the session named by `id`; `csrf` is the CSRF header's value, and `unsafe_method`
    /// whether the request can change state (anything but GET, HEAD, OPTIONS, TRACE).
    pub(crate) fn verify(
        &self,
        id: &str,
        csrf: Option<&str>,
        unsafe_method: bool,
        now: SystemTime,
    ) -> Result<SessionOutcome, Rejection> {
        let hash = SecretHash::of(id);
        let record = self.store.session(&hash).ok_or(Rejection::Unknown)?;
        if !record.sha256.matches(&hash) {
            return Err(Rejection::Unknown);
        }
        if record.expires_at.is_some_and(|at| at <= now) {
            return Err(Rejection::CredentialExpired);
        }

        // The CSRF token is a secret of the session's: compare in constant time. Lengths may
        // differ, and `ct_eq` on slices of different lengths is false without comparing.
        if unsafe_method && self.csrf_header.is_some() {
            let Some(sent) = csrf else {
                return Ok(SessionOutcome::Csrf(ForbiddenReason::CsrfTokenMissing));
            };
            let same: bool = sent.as_bytes().ct_eq(record.csrf_token.as_bytes()).into();
            if !same || record.csrf_token.is_empty() {
                return Ok(SessionOutcome::Csrf(ForbiddenReason::CsrfTokenMismatch));
            }
        }

        let identity = Identity {
            scheme: Arc::clone(&self.scheme),
            principal: record.principal,
            scopes: record.scopes,
        };
        Ok(SessionOutcome::Valid(Credential::Session(SessionCredential { identity })))
    }
}
