//! Credentials: the normalized identity a scheme verified, which decisions are made on.
//!
//! A credential never holds the secret it was verified from (token, key, session id): the
//! authenticator drops the secret once it has checked it, so nothing here can leak one
//! through `Debug`, a log line or an error. An API key is remembered only by its visible
//! prefix.

use std::sync::Arc;

use crate::model::SchemeKind;

/// Who a scheme says the request comes from, and what it may do.
///
/// The strings are shared (`Arc`), so that a decision can name the principal and the
/// granted scopes without copying them: an `Allow` costs no allocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// The name of the policy scheme that verified the credential.
    pub scheme: Arc<str>,
    /// The principal: a user, service or key owner.
    pub principal: Arc<str>,
    /// The scopes granted, as issued (implied scopes are added when deciding).
    pub scopes: Arc<[Arc<str>]>,
}

impl Identity {
    /// An identity verified by `scheme` for `principal` with `scopes`.
    pub fn new(
        scheme: impl Into<Arc<str>>,
        principal: impl Into<Arc<str>>,
        scopes: impl IntoIterator<Item = impl Into<Arc<str>>>,
    ) -> Identity {
        Identity {
            scheme: scheme.into(),
            principal: principal.into(),
            scopes: scopes.into_iter().map(Into::into).collect(),
        }
    }
}

/// A verified credential, one variant per scheme kind.
///
/// A credential only counts for a scheme of its own kind: a `Session` credential naming a
/// `jwt` scheme authenticates nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credential {
    /// A JWT whose signature and claims were verified.
    Jwt(JwtCredential),
    /// An opaque token found, unrevoked, in its store.
    OpaqueToken(OpaqueTokenCredential),
    /// An API key whose hash was found in its store.
    ApiKey(ApiKeyCredential),
    /// A live session found by its cookie.
    Session(SessionCredential),
}

/// A verified JWT.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JwtCredential {
    /// Who and what.
    pub identity: Identity,
    /// The `exp` claim, in seconds since the Unix epoch.
    pub expires_at: Option<u64>,
}

/// A verified opaque token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpaqueTokenCredential {
    /// Who and what.
    pub identity: Identity,
}

/// A verified API key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKeyCredential {
    /// Who and what.
    pub identity: Identity,
    /// The key's visible prefix (e.g. `sk_live_ab12`), which identifies it without
    /// revealing it.
    pub key_prefix: Arc<str>,
}

/// A verified session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionCredential {
    /// Who and what.
    pub identity: Identity,
}

impl Credential {
    /// A credential of `kind` carrying `identity` and no kind-specific details.
    pub fn new(kind: SchemeKind, identity: Identity) -> Credential {
        match kind {
            SchemeKind::Jwt => Credential::Jwt(JwtCredential { identity, expires_at: None }),
            SchemeKind::OpaqueToken => Credential::OpaqueToken(OpaqueTokenCredential { identity }),
            SchemeKind::ApiKey => {
                Credential::ApiKey(ApiKeyCredential { identity, key_prefix: Arc::from("") })
            }
            SchemeKind::Session => Credential::Session(SessionCredential { identity }),
        }
    }

    /// Who and what.
    pub fn identity(&self) -> &Identity {
        match self {
            Credential::Jwt(c) => &c.identity,
            Credential::OpaqueToken(c) => &c.identity,
            Credential::ApiKey(c) => &c.identity,
            Credential::Session(c) => &c.identity,
        }
    }

    /// The kind of scheme that verified it.
    pub fn kind(&self) -> SchemeKind {
        match self {
            Credential::Jwt(_) => SchemeKind::Jwt,
            Credential::OpaqueToken(_) => SchemeKind::OpaqueToken,
            Credential::ApiKey(_) => SchemeKind::ApiKey,
            Credential::Session(_) => SchemeKind::Session,
        }
    }
}
