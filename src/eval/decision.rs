//! Decisions and how they render as an HTTP response head.
//!
//! A [`Decision`] is typed so that an application can act on it and log it without parsing
//! strings; [`Decision::response`] renders it as RFC 9110 and RFC 6750 describe: a 401
//! carries one challenge per distinct auth-scheme the route accepts, a 403 names the scope
//! that was missing. No decision holds a token, key or session id, so none can leak one.
//!
//! A decision borrows from the engine and the credentials it was made from (`Decision<'a>`),
//! so that an Allow copies and counts nothing; [`Decision::into_owned`] makes one that
//! outlives them, as [`Authenticator`](crate::Authenticator) returns.

use std::fmt::Write as _;
use std::sync::Arc;

use super::name::Name;
use super::path::PathError;
use crate::model::ScopeMatch;
use crate::quote;

/// The outcome of deciding a request.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decision<'a> {
    /// The request may go through.
    Allow {
        /// Who made the request; `None` when a public route let an anonymous request in.
        principal: Option<Name<'a>>,
        /// The scheme that authenticated it; `None` for anonymous requests.
        scheme: Option<Name<'a>>,
        /// The scopes the credential holds, implied ones included.
        scopes: super::Scopes<'a>,
        /// Why the request was let through.
        basis: AllowBasis,
    },
    /// HTTP 401: who are you? The challenges say how to authenticate.
    Unauthenticated {
        /// One per distinct auth-scheme the route accepts, in the route's order (shared
        /// with the compiled route: deciding does not copy them).
        challenges: Arc<[Challenge]>,
        /// Set only when a credential was presented and rejected.
        error: Option<AuthError>,
    },
    /// HTTP 403: the request is known but not permitted.
    Forbidden {
        /// The scopes required of the first alternative that authenticated; empty when the
        /// route (or the default) denies everyone.
        required: Vec<Arc<str>>,
        /// Whether all of `required` or one of them was needed.
        mode: ScopeMatch,
        /// Why.
        reason: ForbiddenReason,
        /// For bearer schemes, the challenge to repeat with `insufficient_scope`.
        challenge: Option<Challenge>,
    },
    /// HTTP 400: the request is malformed and is refused whatever the route says.
    Malformed {
        /// What is wrong with it.
        reason: MalformedRequest,
        /// When the route accepts a bearer scheme, the challenge to send with
        /// `error="invalid_request"`.
        challenge: Option<Challenge>,
    },
}

/// Why a request was refused as malformed (HTTP 400, `invalid_request`). None of these
/// carries a credential's value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MalformedRequest {
    /// The path could be read more than one way.
    #[error(transparent)]
    Path(#[from] PathError),
    /// More than one `Authorization` header.
    #[error("the request has more than one Authorization header")]
    DuplicateAuthorization,
    /// The same credential header more than once.
    #[error("the request repeats the `{0}` header")]
    DuplicateHeader(String),
    /// More than one cookie with the session's name.
    #[error("the request has more than one `{0}` cookie")]
    DuplicateCookie(String),
    /// A credential in the query string, where logs and referrers would keep it: the
    /// parameter's name (`access_token`), or the key prefix that gave it away (`sk_live_…`).
    #[error("credentials must not be sent in the URL (`{0}`)")]
    CredentialInQuery(String),
    /// One credential sent by two methods, or two explicit credentials of different
    /// schemes that no single rule asks for together.
    #[error("the request presents more than one credential")]
    SeveralCredentials,
    /// A credential-bearing header with control characters.
    #[error("the `{0}` header contains control or non-ASCII characters")]
    ControlCharacters(String),
    /// `Authorization: Bearer` with no token, or one outside RFC 6750's `b64token`.
    #[error("the bearer token is missing or malformed")]
    BadBearer,
    /// More header fields than the authenticator reads
    /// ([`AuthenticatorBuilder::max_headers`](crate::AuthenticatorBuilder::max_headers)).
    #[error("the request has {count} header fields; the limit is {limit}")]
    TooManyHeaders {
        /// The request's header fields, each value of a repeated header counted.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// A credential-bearing header larger than the authenticator reads
    /// ([`AuthenticatorBuilder::max_header_bytes`](crate::AuthenticatorBuilder::max_header_bytes)).
    #[error("the `{header}` header is {bytes} bytes; the limit is {limit}")]
    HeaderTooLarge {
        /// The header, named as for [`MalformedRequest::ControlCharacters`].
        header: String,
        /// The value's size.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// More cookies across the `Cookie` headers than the authenticator reads
    /// ([`AuthenticatorBuilder::max_cookies`](crate::AuthenticatorBuilder::max_cookies)).
    #[error("the request has {count} cookies; the limit is {limit}")]
    TooManyCookies {
        /// The cookies, counted as `;`-separated pieces of the `Cookie` headers.
        count: usize,
        /// The limit.
        limit: usize,
    },
}

/// Why an [`Decision::Allow`] was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AllowBasis {
    /// The route (or the default) is public.
    Public,
    /// A CORS preflight on a path with no explicit `OPTIONS` rule.
    Preflight,
    /// A credential authenticated and held the required scopes.
    Authorized,
}

/// Why a [`Decision::Forbidden`] was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ForbiddenReason {
    /// The credential lacks the required scopes.
    InsufficientScope,
    /// The matched route says `deny`.
    RouteDenies,
    /// No route matched and the default denies.
    NoRoute,
    /// A session on an unsafe method without the CSRF header.
    CsrfTokenMissing,
    /// A session on an unsafe method with a CSRF header that does not match the session.
    CsrfTokenMismatch,
}

impl ForbiddenReason {
    /// The snake_case code sent as the body's `error`.
    pub fn code(self) -> &'static str {
        match self {
            ForbiddenReason::InsufficientScope => "insufficient_scope",
            ForbiddenReason::RouteDenies | ForbiddenReason::NoRoute => "access_denied",
            ForbiddenReason::CsrfTokenMissing => "csrf_token_missing",
            ForbiddenReason::CsrfTokenMismatch => "csrf_token_mismatch",
        }
    }
}

/// Why a presented credential was rejected (sent as `error="invalid_token"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthError {
    /// The code.
    pub code: AuthErrorCode,
    /// The scheme that rejected the credential.
    pub scheme: Arc<str>,
    /// Why, typed; its text is the `error_description`. Never holds the secret.
    pub rejection: Rejection,
}

/// Why a scheme rejected a credential. Loggable: no variant holds a token, key, session id
/// or claim value. The variants run in the order a JWT is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// Larger than the scheme accepts.
    #[error("the token is too large")]
    TooLarge,
    /// Not a compact JWS (three base64url segments of JSON objects).
    #[error("the token is malformed")]
    Malformed,
    /// A JSON member given twice in the header or the claims.
    #[error("the token repeats a header or claim")]
    DuplicateMember,
    /// An algorithm the scheme does not accept (including `none`).
    #[error("the token's algorithm is not accepted")]
    AlgorithmNotAllowed,
    /// A `typ` header other than the one required.
    #[error("the token's type is not accepted")]
    WrongType,
    /// A `crit` header naming an extension we do not implement.
    #[error("the token requires an unsupported extension")]
    UnsupportedCritical,
    /// No key with the token's `kid` (or no key fitting its algorithm).
    #[error("the token's signing key is unknown")]
    UnknownKey,
    /// The signature does not verify.
    #[error("the token's signature is invalid")]
    BadSignature,
    /// A required claim is absent.
    #[error("the token lacks a required claim")]
    MissingClaim,
    /// A claim of the wrong type (`exp` that is not a number).
    #[error("the token has a claim of the wrong type")]
    InvalidClaim,
    /// `exp` has passed (leeway included).
    #[error("the token has expired")]
    Expired,
    /// `nbf` is still ahead (leeway included).
    #[error("the token is not valid yet")]
    NotYetValid,
    /// `iat` is in the future beyond the leeway.
    #[error("the token was issued in the future")]
    IssuedInFuture,
    /// `exp - iat` beyond the scheme's `max_lifetime`.
    #[error("the token's lifetime is too long")]
    LifetimeTooLong,
    /// `iss` is not the scheme's issuer.
    #[error("the token's issuer is not accepted")]
    WrongIssuer,
    /// `aud` names none of the scheme's audiences.
    #[error("the token's audience is not accepted")]
    WrongAudience,
    /// A key without one of the scheme's prefixes.
    #[error("the key does not have an accepted prefix")]
    WrongPrefix,
    /// Not found in the scheme's store.
    #[error("the credential is unknown")]
    Unknown,
    /// Revoked in the store.
    #[error("the credential has been revoked")]
    Revoked,
    /// Past its `expires_at` in the store.
    #[error("the credential has expired")]
    CredentialExpired,
}

/// RFC 6750 section 3.1 error codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthErrorCode {
    /// The request is malformed.
    InvalidRequest,
    /// The credential is expired, revoked, malformed or otherwise invalid.
    InvalidToken,
}

impl Rejection {
    /// How far verification got before the rejection: shape 0, header and key 1, signature
    /// 2, claims and stores 3. When several schemes reject one credential, the deepest
    /// rejection is the one that explains it (the scheme whose key signed the token).
    pub fn depth(self) -> u8 {
        match self {
            Rejection::TooLarge | Rejection::Malformed | Rejection::DuplicateMember => 0,
            Rejection::AlgorithmNotAllowed
            | Rejection::WrongType
            | Rejection::UnsupportedCritical
            | Rejection::UnknownKey
            | Rejection::WrongPrefix => 1,
            Rejection::BadSignature => 2,
            _ => 3,
        }
    }
}

impl AuthErrorCode {
    fn as_str(self) -> &'static str {
        match self {
            AuthErrorCode::InvalidRequest => "invalid_request",
            AuthErrorCode::InvalidToken => "invalid_token",
        }
    }
}

/// A `WWW-Authenticate` challenge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    /// The auth-scheme.
    pub scheme: AuthScheme,
    /// The protection space.
    pub realm: Arc<str>,
    /// Further auth-params, in order.
    pub params: Vec<(&'static str, String)>,
}

/// The auth-scheme of a challenge.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthScheme {
    /// RFC 6750 `Bearer`, for JWT and opaque token schemes.
    Bearer,
    /// An API key scheme, named by its `authorization_scheme` (`ApiKey` by default).
    ApiKey(String),
    /// A session cookie.
    Cookie,
}

impl AuthScheme {
    /// The auth-scheme's name as it appears in the header.
    pub fn name(&self) -> &str {
        match self {
            AuthScheme::Bearer => "Bearer",
            AuthScheme::ApiKey(name) => name,
            AuthScheme::Cookie => "Cookie",
        }
    }
}

impl Challenge {
    /// The challenge as a `WWW-Authenticate` value (RFC 9110 section 11.6.1), with `extra`
    /// auth-params after the challenge's own.
    pub fn render(&self, extra: &[(&str, &str)]) -> String {
        let mut out = format!("{} realm={}", self.scheme.name(), quote::http(&self.realm));
        let own = self.params.iter().map(|(k, v)| (*k, v.as_str()));
        for (key, value) in own.chain(extra.iter().copied()) {
            let _ = write!(out, ", {key}={}", quote::http(value));
        }
        out
    }
}

/// The parts of an HTTP response a decision determines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResponseHead {
    /// The status code; 200 means "let the application answer".
    pub status: u16,
    /// `WWW-Authenticate` values, one per challenge.
    pub www_authenticate: Vec<String>,
    /// A JSON body for refusals.
    pub body: Option<String>,
}

impl Decision<'_> {
    /// Whether the request may go through.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allow { .. })
    }

    /// The same decision, no longer borrowing from the engine and the credentials it was
    /// decided from (an Allow's names and scopes are shared, not copied), to keep or to
    /// send elsewhere.
    pub fn into_owned(self) -> Decision<'static> {
        match self {
            Decision::Allow { principal, scheme, scopes, basis } => Decision::Allow {
                principal: principal.map(Name::into_owned),
                scheme: scheme.map(Name::into_owned),
                scopes: scopes.into_owned(),
                basis,
            },
            Decision::Unauthenticated { challenges, error } => {
                Decision::Unauthenticated { challenges, error }
            }
            Decision::Forbidden { required, mode, reason, challenge } => {
                Decision::Forbidden { required, mode, reason, challenge }
            }
            Decision::Malformed { reason, challenge } => Decision::Malformed { reason, challenge },
        }
    }

    /// The decision as a response head.
    pub fn response(&self) -> ResponseHead {
        match self {
            Decision::Allow { .. } => {
                ResponseHead { status: 200, www_authenticate: Vec::new(), body: None }
            }
            Decision::Unauthenticated { challenges, error } => {
                let description = error.as_ref().map(|e| e.rejection.to_string());
                let mut extra = Vec::new();
                if let (Some(error), Some(description)) = (error, &description) {
                    extra.push(("error", error.code.as_str()));
                    extra.push(("error_description", description.as_str()));
                }
                let www_authenticate = challenges
                    .iter()
                    .map(|c| match c.scheme {
                        AuthScheme::Bearer => c.render(&extra),
                        _ => c.render(&[]),
                    })
                    .collect();
                let body = match (error, &description) {
                    (Some(error), Some(description)) => {
                        json_error(error.code.as_str(), &[("error_description", description)])
                    }
                    _ => json_error("unauthenticated", &[]),
                };
                ResponseHead { status: 401, www_authenticate, body: Some(body) }
            }
            Decision::Forbidden { required, mode, reason, challenge } => {
                let scope = required.iter().map(|s| &**s).collect::<Vec<_>>().join(" ");
                let mut fields = vec![("required_scope", scope.as_str())];
                if *mode == ScopeMatch::Any && required.len() > 1 {
                    fields.push(("scope_match", "any"));
                }
                let (body, extra) = match reason {
                    ForbiddenReason::InsufficientScope => (
                        json_error("insufficient_scope", &fields),
                        vec![("error", "insufficient_scope"), ("scope", scope.as_str())],
                    ),
                    _ => (json_error(reason.code(), &[]), Vec::new()),
                };
                let www_authenticate = match challenge {
                    Some(challenge) if !extra.is_empty() => vec![challenge.render(&extra)],
                    _ => Vec::new(),
                };
                ResponseHead { status: 403, www_authenticate, body: Some(body) }
            }
            Decision::Malformed { reason, challenge } => {
                let description = reason.to_string();
                let field = ("error_description", description.as_str());
                let www_authenticate = challenge
                    .iter()
                    .map(|c| c.render(&[("error", "invalid_request"), field]))
                    .collect();
                let body = json_error("invalid_request", &[field]);
                ResponseHead { status: 400, www_authenticate, body: Some(body) }
            }
        }
    }
}

/// `{"error": CODE, key: value, ...}` with JSON string escaping.
fn json_error(code: &str, fields: &[(&str, &str)]) -> String {
    let mut out = format!("{{\"error\": {}", quote::json(code));
    for (key, value) in fields {
        let _ = write!(out, ", {}: {}", quote::json(key), quote::json(value));
    }
    out.push('}');
    out
}
