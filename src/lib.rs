//! Portcullis decides, for each HTTP request, whether it may go through: **allow**,
//! **unauthenticated** (401 with a `WWW-Authenticate` challenge) or **forbidden** (403 naming
//! the missing scope). Which schemes each route accepts and which scopes it requires is
//! data: a policy file, written in a small DSL or in YAML, compiled once into a decision
//! tree and evaluated on every request without locks.
//!
//! ```
//! use portcullis::{Credential, Decision, Engine, Identity, Request, SchemeKind, Syntax};
//!
//! let policy = r#"
//! version 1
//! realm "api.example.com"
//!
//! scheme user_jwt: jwt {
//!     issuer "https://auth.example.com/"
//!     audience "api.example.com"
//!     algorithms RS256
//!     keys.jwks_file "keys/jwks.json"
//! }
//!
//! GET /health     public
//! *   /admin/**   allow user_jwt scopes admin
//! "#;
//! let engine = Engine::from_text(policy, Syntax::Dsl)?;
//!
//! let anonymous = engine.decide(&Request::new("GET", "/admin/users"), &[]);
//! assert_eq!(anonymous.response().status, 401);
//! assert_eq!(anonymous.response().www_authenticate, [r#"Bearer realm="api.example.com""#]);
//!
//! let alice = [Credential::new(SchemeKind::Jwt, Identity::new("user_jwt", "alice", ["admin"]))];
//! let decision = engine.decide(&Request::new("DELETE", "/admin/users/7"), &alice);
//! assert!(matches!(decision, Decision::Allow { principal: Some(p), .. } if p == "alice"));
//! # Ok::<(), portcullis::LoadError>(())
//! ```
//!
//! # Glossary
//! - *scheme*: a way of presenting a credential (JWT bearer, opaque bearer, API key,
//!   session cookie), declared by name in the policy.
//! - *credential*: the normalized identity a scheme verified: principal, scopes, scheme
//!   name. The raw secret never outlives verification.
//! - *challenge*: a `WWW-Authenticate` value telling the client how to authenticate.
//! - *scope*: a granted permission string; scopes may imply others.
//! - *route*: methods plus a path pattern, and the rule that applies to requests matching it.
//! - *decision*: allow, unauthenticated or forbidden, with its reason.
//! - *realm*, *principal*, *store*: as in RFC 9110, RFC 6750 and the policy format.
//!
//! # Pipeline
//! [`syntax`] (DSL) and [`yaml`] read text into the [`model`]; `compile` checks the model
//! as a whole and builds the [`Engine`]; `eval` decides requests on it. The library logs
//! nothing.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
// No panics from input: library code may not unwrap, expect, panic or index; an exception
// is an `#[allow]` that says why it cannot fail. Tests may.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)
)]

#[cfg(all(feature = "aws-lc", feature = "rust-crypto"))]
compile_error!(
    "enable one JWT backend: `aws-lc` (the default) or `rust-crypto` with --no-default-features"
);
#[cfg(not(any(feature = "aws-lc", feature = "rust-crypto")))]
compile_error!("enable a JWT backend: the feature `aws-lc` (the default) or `rust-crypto`");

// pest's derive, without its `std` feature (see Cargo.toml), names `::alloc`.
extern crate alloc;

pub mod authn;
mod compile;
mod credential;
mod error;
mod eval;
pub mod lint;
mod load;
pub mod model;
mod quote;
mod reload;
pub mod syntax;
#[cfg(feature = "tower")]
pub mod tower;
pub mod yaml;

pub use authn::{Authenticator, AuthenticatorBuilder, Context, SetupError, Trace, TraceStep};
pub use compile::{CompileError, CompileOptions, Engine, MAX_ROUTES, PolicyLimits};
pub use credential::{
    ApiKeyCredential, Credential, Identity, JwtCredential, OpaqueTokenCredential, SessionCredential,
};
pub use error::{Diagnostic, LoadError, PolicyError};
pub use eval::path::{MAX_PATH_BYTES, MAX_SEGMENTS, PathError, normalize as normalize_path};
pub use eval::{
    AllowBasis, AlternativeReport, AuthError, AuthErrorCode, AuthScheme, Challenge, Decision,
    ForbiddenReason, Governing, MalformedRequest, Name, Rejection, Request, ResponseHead, Scopes,
};
pub use load::{MAX_POLICY_BYTES, Syntax, parse};
pub use model::{FieldError, PatternError, SchemeKind, ScopeMatch};
pub use reload::{AuthenticatorHandle, ReloadError};

/// The README's examples, compiled and run as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
