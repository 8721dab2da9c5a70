//! Authenticating: from an HTTP request to a [`Decision`], verifying the credentials it
//! presents on the way.
//!
//! [`Authenticator::decide`] reads the request once ([`request`]), finds the route that
//! governs it, verifies the credentials that route accepts with one verifier per scheme
//! ([`jwt`], [`opaque`], [`api_key`], [`session`]), and hands the resulting
//! [`Credential`]s to the engine, which knows nothing of how they were verified. A new kind
//! of scheme adds a verifier here and touches neither the tree nor the scope logic.

pub mod api_key;
pub mod events;
pub mod jwt;
mod opaque;
mod request;
mod session;
pub mod store;
mod verified;

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use http::request::Parts;
use http::{HeaderMap, Method, Uri};
use smallvec::SmallVec;

use crate::compile::{CompiledRule, Engine};
use crate::credential::Credential;
use crate::eval::{
    AuthError, AuthErrorCode, AuthScheme, Challenge, Decision, ForbiddenReason, Governing,
    MalformedRequest, Rejection, Request,
};
use crate::model::{SchemeConfig, ScopeMatch};
use api_key::ApiKeyVerifier;
use events::{Event, NetworkMemory, Observer};
use jwt::{JwtVerifier, KeyError};
use opaque::OpaqueVerifier;
use session::{SessionOutcome, SessionVerifier};
use store::{KeyStore, SessionStore, TokenStore};

/// What a decision needs to know besides the request itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Context {
    /// The peer's address, when known (for key-use events).
    pub peer: Option<IpAddr>,
    /// The time to judge expiry by; tests fix it, services pass `SystemTime::now()`.
    pub now: SystemTime,
}

impl Context {
    /// Now, with no peer address.
    pub fn now() -> Context {
        Context { peer: None, now: SystemTime::now() }
    }
}

/// Why an authenticator could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// The policy names a store the host did not supply.
    #[error("scheme `{scheme}` uses the {kind} store `{store}`, which was not supplied")]
    MissingStore {
        /// The scheme.
        scheme: String,
        /// The store's name in the policy.
        store: String,
        /// The kind of store, in words.
        kind: &'static str,
    },
    /// A JWT scheme's keys could not be loaded.
    #[error("scheme `{scheme}`: {source}")]
    Keys {
        /// The scheme.
        scheme: String,
        /// What went wrong.
        source: KeyError,
    },
}

/// The verifier of one scheme, by kind.
enum Verifier {
    Jwt(Box<JwtVerifier>),
    Opaque(OpaqueVerifier),
    ApiKey(ApiKeyVerifier),
    Session(SessionVerifier),
}

/// Builds an [`Authenticator`]: the engine plus the stores its policy names.
pub struct AuthenticatorBuilder {
    engine: Arc<Engine>,
    key_stores: HashMap<String, Arc<dyn KeyStore>>,
    token_stores: HashMap<String, Arc<dyn TokenStore>>,
    session_stores: HashMap<String, Arc<dyn SessionStore>>,
    observer: Option<Arc<dyn Observer>>,
    max_token_bytes: usize,
    limits: request::Limits,
    jwt_cache_capacity: usize,
    key_dir: Option<PathBuf>,
}

/// The most header fields a request may have by default: 100, hyper's own default for
/// HTTP/1, so that a request the server accepted is rarely refused here.
pub const DEFAULT_MAX_HEADERS: usize = 100;

/// The largest credential-bearing header value accepted by default: 32 KiB. That is twice
/// [`jwt::DEFAULT_MAX_TOKEN_BYTES`], so a JWT's own limit answers (401, `TooLarge`) before
/// this one does, and far above the 8 KiB per field that nginx and Apache accept by default,
/// so no real `Cookie` header reaches it. It also bounds opaque tokens, API keys and session
/// ids, which have no size limit of their own.
pub const DEFAULT_MAX_HEADER_BYTES: usize = 32 * 1024;

/// The most cookies a request may carry by default: 50, the number of cookies per domain
/// RFC 6265 section 6.1 asks user agents to support at least.
pub const DEFAULT_MAX_COOKIES: usize = 50;

impl AuthenticatorBuilder {
    /// Supplies the key store the policy calls `name`.
    pub fn key_store(mut self, name: &str, store: Arc<dyn KeyStore>) -> Self {
        self.key_stores.insert(name.to_owned(), store);
        self
    }

    /// Supplies the token store the policy calls `name`.
    pub fn token_store(mut self, name: &str, store: Arc<dyn TokenStore>) -> Self {
        self.token_stores.insert(name.to_owned(), store);
        self
    }

    /// Supplies the session store the policy calls `name`.
    pub fn session_store(mut self, name: &str, store: Arc<dyn SessionStore>) -> Self {
        self.session_stores.insert(name.to_owned(), store);
        self
    }

    /// Receives events (default: none).
    pub fn observer(mut self, observer: Arc<dyn Observer>) -> Self {
        self.observer = Some(observer);
        self
    }

    /// The largest JWT accepted, checked before any decoding (default 16 KiB).
    pub fn max_token_bytes(mut self, bytes: usize) -> Self {
        self.max_token_bytes = bytes;
        self
    }

    /// The most header fields a request may have, each value of a repeated header counted
    /// (default [`DEFAULT_MAX_HEADERS`], 100). A request with more is malformed (400,
    /// [`MalformedRequest::TooManyHeaders`]), on every route.
    pub fn max_headers(mut self, fields: usize) -> Self {
        self.limits.headers = fields;
        self
    }

    /// The largest value of a credential-bearing header: `Authorization`, an API key
    /// header, a CSRF header or `Cookie` (default [`DEFAULT_MAX_HEADER_BYTES`], 32 KiB).
    /// Checked before the value is read; a larger one is malformed (400,
    /// [`MalformedRequest::HeaderTooLarge`]), on every route. Other headers are not read
    /// and are the HTTP server's to bound.
    pub fn max_header_bytes(mut self, bytes: usize) -> Self {
        self.limits.header_bytes = bytes;
        self
    }

    /// The most cookies a request may carry across its `Cookie` headers, counted as
    /// `;`-separated pieces (default [`DEFAULT_MAX_COOKIES`], 50). More is malformed (400,
    /// [`MalformedRequest::TooManyCookies`]), on every route.
    pub fn max_cookies(mut self, cookies: usize) -> Self {
        self.limits.cookies = cookies;
        self
    }

    /// How many verified JWTs each JWT scheme remembers (default 4,096; 0 turns the cache
    /// off). A token seen again within its lifetime is accepted without checking its
    /// signature again: the entry is keyed by the token's SHA-256, never outlives its `exp`,
    /// and is dropped with the keys on reload. Memory grows with the tokens' claims, about
    /// half a kilobyte per entry for typical tokens.
    pub fn jwt_cache_capacity(mut self, tokens: usize) -> Self {
        self.jwt_cache_capacity = tokens;
        self
    }

    /// The folder key files are relative to, for an engine compiled from text (an engine
    /// loaded from a file uses the file's folder).
    pub fn key_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.key_dir = Some(dir.into());
        self
    }

    /// Binds every scheme to its store or keys.
    ///
    /// # Errors
    /// A [`SetupError`] for the first scheme whose store is missing or keys do not load.
    pub fn build(self) -> Result<Authenticator, SetupError> {
        let key_dir =
            self.key_dir.clone().or_else(|| self.engine.base_dir.clone()).unwrap_or_default();
        let mut verifiers = Vec::with_capacity(self.engine.schemes.len());
        for scheme in &self.engine.schemes {
            let name = scheme.name.clone();
            let missing = |store: &str, kind| SetupError::MissingStore {
                scheme: name.to_string(),
                store: store.to_owned(),
                kind,
            };
            let verifier = match &scheme.config {
                SchemeConfig::Jwt(config) => {
                    let verifier = JwtVerifier::new(
                        name.clone(),
                        config,
                        &key_dir,
                        self.max_token_bytes,
                        self.jwt_cache_capacity,
                    )
                    .map_err(|source| SetupError::Keys { scheme: name.to_string(), source })?;
                    Verifier::Jwt(Box::new(verifier))
                }
                SchemeConfig::OpaqueToken(config) => Verifier::Opaque(OpaqueVerifier {
                    scheme: name.clone(),
                    store: self
                        .token_stores
                        .get(&config.store)
                        .cloned()
                        .ok_or_else(|| missing(&config.store, "token"))?,
                }),
                SchemeConfig::ApiKey(config) => Verifier::ApiKey(ApiKeyVerifier {
                    scheme: name.clone(),
                    prefixes: config.prefixes.clone(),
                    store: self
                        .key_stores
                        .get(&config.store)
                        .cloned()
                        .ok_or_else(|| missing(&config.store, "key"))?,
                }),
                SchemeConfig::Session(config) => Verifier::Session(SessionVerifier {
                    scheme: name.clone(),
                    csrf_header: config.csrf_header.clone(),
                    store: self
                        .session_stores
                        .get(&config.store)
                        .cloned()
                        .ok_or_else(|| missing(&config.store, "session"))?,
                }),
            };
            verifiers.push(verifier);
        }
        Ok(Authenticator {
            engine: self.engine,
            limits: self.limits,
            verifiers,
            observer: self.observer,
            networks: Arc::new(NetworkMemory::default()),
        })
    }
}

/// Decides HTTP requests: authenticates what they present, then applies the policy.
/// `Send + Sync`; share one across threads.
pub struct Authenticator {
    engine: Arc<Engine>,
    limits: request::Limits,
    verifiers: Vec<Verifier>,
    observer: Option<Arc<dyn Observer>>,
    /// Shared with the authenticators that replace this one on reload, so that a reload
    /// does not make every key's network new again.
    networks: Arc<NetworkMemory>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator").field("realm", &self.engine.realm()).finish_non_exhaustive()
    }
}

/// What authenticating one request did, step by step, for `portcullis explain`. Holds no
/// secret: credentials appear by scheme and kind, verified ones by principal and scopes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    /// The steps, in order.
    pub steps: Vec<TraceStep>,
}

/// One step of a [`Trace`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TraceStep {
    /// A scheme verified a credential.
    Verified {
        /// The scheme.
        scheme: Arc<str>,
        /// Who it names.
        principal: Arc<str>,
        /// What it grants, as issued.
        scopes: Arc<[Arc<str>]>,
    },
    /// A scheme rejected a credential.
    Rejected {
        /// The scheme.
        scheme: Arc<str>,
        /// Why.
        rejection: Rejection,
    },
    /// A session cookie was not considered because an explicit credential was presented.
    SessionIgnored,
    /// The route accepts none of the credentials the request presents.
    NothingAccepted,
}

/// A credential found in the request and the schemes that may verify it, in route order.
struct Attempt<'r> {
    secret: &'r str,
    schemes: SmallVec<[u32; 4]>,
}

/// The credentials of one request: rarely more than one, never many, kept off the heap.
type Attempts<'r> = SmallVec<[Attempt<'r>; 2]>;

impl Authenticator {
    /// Starts building an authenticator for `engine`.
    pub fn builder(engine: impl Into<Arc<Engine>>) -> AuthenticatorBuilder {
        AuthenticatorBuilder {
            engine: engine.into(),
            key_stores: HashMap::new(),
            token_stores: HashMap::new(),
            session_stores: HashMap::new(),
            observer: None,
            max_token_bytes: jwt::DEFAULT_MAX_TOKEN_BYTES,
            limits: request::Limits {
                headers: DEFAULT_MAX_HEADERS,
                header_bytes: DEFAULT_MAX_HEADER_BYTES,
                cookies: DEFAULT_MAX_COOKIES,
            },
            jwt_cache_capacity: verified::DEFAULT_CAPACITY,
            key_dir: None,
        }
    }

    /// Keeps `previous`'s memory of the networks each key was used from (used on reload).
    pub(crate) fn inherit_memory(&mut self, previous: &Authenticator) {
        self.networks = Arc::clone(&previous.networks);
    }

    /// The engine decisions are made with.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Decides an HTTP request from its head (`http::Request::into_parts`).
    pub fn decide(&self, parts: &Parts, context: &Context) -> Decision<'static> {
        self.decide_head(&parts.method, &parts.uri, &parts.headers, context)
    }

    /// Decides an HTTP request; its body is never read.
    pub fn decide_request<B>(
        &self,
        request: &http::Request<B>,
        context: &Context,
    ) -> Decision<'static> {
        self.decide_head(request.method(), request.uri(), request.headers(), context)
    }

    /// Decides a request as [`Authenticator::decide`] does, and says how.
    pub fn explain(&self, parts: &Parts, context: &Context) -> (Decision<'static>, Trace) {
        let mut trace = Trace::default();
        let decision = self.decide_traced(
            &parts.method,
            &parts.uri,
            &parts.headers,
            context,
            Some(&mut trace),
        );
        (decision, trace)
    }

    fn decide_head(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        context: &Context,
    ) -> Decision<'static> {
        self.decide_traced(method, uri, headers, context, None)
    }

    fn decide_traced(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        context: &Context,
        mut trace: Option<&mut Trace>,
    ) -> Decision<'static> {
        let target = uri.path_and_query().map_or("/", |pq| pq.as_str());
        // Only an OPTIONS request can be a preflight: others need not look for the header.
        let preflight = *method == Method::OPTIONS
            && headers.contains_key(http::header::ACCESS_CONTROL_REQUEST_METHOD);
        let method = method.as_str();
        let request = Request::new(method, target).with_preflight(preflight);

        // The route first: a path that could be read two ways is refused before anything.
        let governing = match self.engine.governing(&request) {
            Ok(governing) => governing,
            Err(error) => return self.malformed(error.into(), None),
        };
        let rule = self.engine.rule(governing);

        // Then the credentials: anything ambiguous about them is malformed, on any route.
        let presented = match request::inspect(&self.engine, &self.limits, headers, uri.query()) {
            Ok(presented) => presented,
            Err(reason) => return self.malformed(reason, rule),
        };
        let Some(CompiledRule::Allow { alternatives, .. }) = rule else {
            return self.engine.decide_governed(governing, &[]).into_owned();
        };

        // Explicit credentials the route accepts take precedence over a session cookie.
        let accepted = Engine::accepted_schemes(rule);
        let mut attempts = self.explicit_attempts(&presented, accepted);
        if attempts.len() > 1 {
            let together = alternatives.iter().any(|alternative| {
                attempts.iter().all(|a| a.schemes.iter().any(|s| alternative.schemes.contains(s)))
            });
            if !together {
                return self.malformed(MalformedRequest::SeveralCredentials, rule);
            }
        }
        let ambient = attempts.is_empty();
        let has_session = presented.sessions.iter().any(|s| accepted.contains(&s.scheme));
        if let Some(trace) = trace.as_deref_mut() {
            if !ambient && has_session {
                trace.steps.push(TraceStep::SessionIgnored);
            }
            if ambient && !has_session {
                trace.steps.push(TraceStep::NothingAccepted);
            }
        }

        // Verify. A presented credential that fails is a 401 with `invalid_token`: no other
        // scheme is tried in its place.
        let mut credentials: SmallVec<[Credential; 2]> = SmallVec::new();
        for attempt in attempts.drain(..) {
            match self.verify(&attempt, context, trace.as_deref_mut()) {
                Ok(credential) => credentials.push(credential),
                Err(error) => return self.rejected(rule, error),
            }
        }
        if ambient {
            for session in presented.sessions.iter().filter(|s| accepted.contains(&s.scheme)) {
                let outcome = self.verify_session(session, method, context);
                if let Some(trace) = trace.as_deref_mut() {
                    trace.record(
                        self.scheme_name(session.scheme),
                        outcome.as_ref().map_err(|e| e.rejection),
                    );
                }
                match outcome {
                    Ok(SessionOutcome::Valid(credential)) => credentials.push(credential),
                    Ok(SessionOutcome::Csrf(reason)) => return csrf_refusal(reason),
                    Err(error) => return self.rejected(rule, error),
                }
            }
        }

        // The credentials end here: the decision shares their names rather than lending them.
        self.engine.decide_governed(governing, &credentials).into_owned()
    }

    /// The explicit credentials in the request that the route accepts, each with the
    /// schemes that may verify it: a bearer token goes to JWT schemes when it is shaped
    /// like a JWS and to opaque token schemes otherwise (falling back to the other kind
    /// when the route accepts only that).
    fn explicit_attempts<'r>(
        &self,
        presented: &request::Presented<'r>,
        accepted: &[u32],
    ) -> Attempts<'r> {
        let mut attempts = Attempts::new();
        if let Some(token) = presented.bearer {
            let of_kind = |jwt: bool| -> SmallVec<[u32; 4]> {
                accepted
                    .iter()
                    .copied()
                    .filter(|&id| {
                        matches!(
                            (self.verifiers.get(id as usize), jwt),
                            (Some(Verifier::Jwt(_)), true) | (Some(Verifier::Opaque(_)), false)
                        )
                    })
                    .collect()
            };
            // The token's shape decides only when the route accepts both kinds: it is not
            // read otherwise.
            let (jwt, opaque) = (of_kind(true), of_kind(false));
            let schemes = match (jwt.is_empty(), opaque.is_empty()) {
                (false, false) if jwt::looks_like_jws(token) => jwt,
                (false, false) | (true, _) => opaque,
                (false, true) => jwt,
            };
            if !schemes.is_empty() {
                attempts.push(Attempt { secret: token, schemes });
            }
        }
        let mut keys = Attempts::new();
        for &(scheme, key) in presented.keys.iter().filter(|(s, _)| accepted.contains(s)) {
            match keys.iter_mut().find(|a| a.secret == key) {
                Some(attempt) => attempt.schemes.push(scheme),
                None => {
                    keys.push(Attempt { secret: key, schemes: SmallVec::from_slice(&[scheme]) })
                }
            }
        }
        // Pushed one by one: `extend` costs more than the usual zero or one.
        for key in keys {
            attempts.push(key);
        }
        attempts
    }

    /// Verifies one explicit credential with its schemes in order; the first that accepts
    /// it wins. If none does, each rejection is reported as an event and the deepest one
    /// (see [`Rejection::depth`]) answers the request.
    fn verify(
        &self,
        attempt: &Attempt<'_>,
        context: &Context,
        mut trace: Option<&mut Trace>,
    ) -> Result<Credential, AuthError> {
        let mut rejections: Vec<(Arc<str>, Rejection)> = Vec::new();
        for &id in &attempt.schemes {
            let (scheme, result) = match self.verifiers.get(id as usize) {
                Some(Verifier::Jwt(v)) => (&v.scheme, v.verify(attempt.secret, context.now)),
                Some(Verifier::Opaque(v)) => (&v.scheme, v.verify(attempt.secret, context.now)),
                Some(Verifier::ApiKey(v)) => (&v.scheme, v.verify(attempt.secret, context.now)),
                Some(Verifier::Session(_)) | None => continue,
            };
            if let Some(trace) = trace.as_deref_mut() {
                trace.record(scheme.clone(), result.as_ref().map_err(|r| *r));
            }
            match result {
                Ok(credential) => {
                    self.key_events(&credential, scheme, context);
                    return Ok(credential);
                }
                Err(rejection) => rejections.push((scheme.clone(), rejection)),
            }
        }

        for (scheme, rejection) in &rejections {
            self.emit(Event::CredentialRejected { scheme: scheme.clone(), rejection: *rejection });
        }
        let deepest = rejections.iter().rev().max_by_key(|(_, rejection)| rejection.depth());
        let (scheme, rejection) = deepest.cloned().unwrap_or((Arc::from(""), Rejection::Unknown));
        Err(AuthError { code: AuthErrorCode::InvalidToken, scheme, rejection })
    }

    fn verify_session(
        &self,
        session: &request::PresentedSession<'_>,
        method: &str,
        context: &Context,
    ) -> Result<SessionOutcome, AuthError> {
        let Some(Verifier::Session(verifier)) = self.verifiers.get(session.scheme as usize) else {
            return Err(AuthError {
                code: AuthErrorCode::InvalidToken,
                scheme: Arc::from(""),
                rejection: Rejection::Unknown,
            });
        };
        let csrf = session.csrf.and_then(|value| value.to_str().ok());
        let unsafe_method = !matches!(method, "GET" | "HEAD" | "OPTIONS" | "TRACE");
        verifier.verify(session.id, csrf, unsafe_method, context.now).map_err(|rejection| {
            self.emit(Event::CredentialRejected { scheme: verifier.scheme.clone(), rejection });
            AuthError {
                code: AuthErrorCode::InvalidToken,
                scheme: verifier.scheme.clone(),
                rejection,
            }
        })
    }

    fn key_events(&self, credential: &Credential, scheme: &Arc<str>, context: &Context) {
        let (Some(observer), Credential::ApiKey(key)) = (&self.observer, credential) else {
            return;
        };
        let prefix = key.key_prefix.to_string();
        observer.observe(&Event::KeyUsed {
            scheme: scheme.clone(),
            prefix: prefix.clone(),
            peer: context.peer,
        });
        if let Some(network) = context.peer.and_then(|peer| self.networks.record(&prefix, peer)) {
            observer.observe(&Event::KeyFromNewNetwork { scheme: scheme.clone(), prefix, network });
        }
    }

    fn scheme_name(&self, id: u32) -> Arc<str> {
        self.engine.schemes.get(id as usize).map_or_else(|| Arc::from(""), |s| s.name.clone())
    }

    /// Passes `event` to the observer, if there is one (the tower layer's dry-run reports
    /// go this way).
    pub fn observe(&self, event: &Event) {
        if let Some(observer) = &self.observer {
            observer.observe(event);
        }
    }

    fn emit(&self, event: Event) {
        if let Some(observer) = &self.observer {
            observer.observe(&event);
        }
    }

    /// A 400, with the route's bearer challenge (if it has one) carrying `invalid_request`.
    fn malformed(
        &self,
        reason: MalformedRequest,
        rule: Option<&CompiledRule>,
    ) -> Decision<'static> {
        if let MalformedRequest::CredentialInQuery(parameter) = &reason {
            self.emit(Event::CredentialInUrl { parameter: parameter.clone() });
        }
        self.emit(Event::MalformedRequest { reason: reason.clone() });
        Decision::Malformed { reason, challenge: bearer_challenge(rule) }
    }

    /// A 401 for a rejected credential: the route's challenges, the error on the Bearer one.
    fn rejected(&self, rule: Option<&CompiledRule>, error: AuthError) -> Decision<'static> {
        let challenges = match rule {
            Some(CompiledRule::Allow { challenges, .. }) => challenges.clone(),
            _ => Arc::from([]),
        };
        Decision::Unauthenticated { challenges, error: Some(error) }
    }
}

impl Trace {
    /// Records one scheme's verdict on a credential (or a session's).
    fn record<T: TraceOutcome>(&mut self, scheme: Arc<str>, result: Result<&T, Rejection>) {
        self.steps.push(match result {
            Ok(outcome) => match outcome.credential() {
                Some(credential) => TraceStep::Verified {
                    scheme,
                    principal: credential.identity().principal.clone(),
                    scopes: credential.identity().scopes.clone(),
                },
                None => return,
            },
            Err(rejection) => TraceStep::Rejected { scheme, rejection },
        });
    }
}

/// What a verification produced, as far as a trace cares.
trait TraceOutcome {
    fn credential(&self) -> Option<&Credential>;
}

impl TraceOutcome for Credential {
    fn credential(&self) -> Option<&Credential> {
        Some(self)
    }
}

impl TraceOutcome for SessionOutcome {
    fn credential(&self) -> Option<&Credential> {
        match self {
            SessionOutcome::Valid(credential) => Some(credential),
            SessionOutcome::Csrf(_) => None,
        }
    }
}

fn bearer_challenge(rule: Option<&CompiledRule>) -> Option<Challenge> {
    match rule {
        Some(CompiledRule::Allow { challenges, .. }) => {
            challenges.iter().find(|c| c.scheme == AuthScheme::Bearer).cloned()
        }
        _ => None,
    }
}

fn csrf_refusal(reason: ForbiddenReason) -> Decision<'static> {
    Decision::Forbidden { required: Vec::new(), mode: ScopeMatch::All, reason, challenge: None }
}

impl Engine {
    /// The compiled rule behind a governing decision; `None` for a preflight let through.
    pub(crate) fn rule(&self, governing: Governing) -> Option<&CompiledRule> {
        match governing {
            Governing::Route(index) => self.routes.get(index).map(|route| &route.rule),
            Governing::Default => Some(&self.default),
            Governing::Preflight => None,
        }
    }

    /// The schemes a rule accepts, each once, in the order the rule names them.
    pub(crate) fn accepted_schemes(rule: Option<&CompiledRule>) -> &[u32] {
        match rule {
            Some(CompiledRule::Allow { accepted, .. }) => accepted,
            _ => &[],
        }
    }
}
