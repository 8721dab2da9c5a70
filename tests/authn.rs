//! Authentication, rule by rule: for every check the authenticator makes, a request that
//! passes it and one that it refuses, asserted on the typed decision and on the rendered
//! response (status, `WWW-Authenticate` values, JSON body).
//!
//! Policy: `tests/fixtures/authn.policy`. Some JWT checks are also run against that policy
//! with three extra routes that each accept a single JWT scheme (`/only/user`,
//! `/only/shared`, `/only/pem`): on `GET /data` a token is tried by `user_jwt`, `shared_jwt`
//! and `pem_jwt` in turn and the *first* scheme's reason is reported, which would hide the
//! reason the scheme under test gave.
//!
//! The clock is fixed at `T`; no test reads the real time. Tokens are built by hand
//! (base64url header and payload, signed with `jsonwebtoken::crypto::sign`) so that headers
//! and payloads can be anything, duplicated members included. `tests/fixtures/attacker/`
//! holds keys the policy does not know, for tokens an attacker signs.

use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::header::{HeaderName, HeaderValue};
use http::request::Parts;
use jsonwebtoken::{Algorithm, EncodingKey};
use portcullis::authn::api_key::{PREFIX_CHARS, generate_api_key};
use portcullis::authn::events::{Event, Observer};
use portcullis::authn::jwt::KeyError;
use portcullis::authn::store::{
    ApiKeyRecord, KeyStore, MemoryKeyStore, MemorySessionStore, MemoryTokenStore, SecretHash,
    SessionRecord, TokenRecord,
};
use portcullis::{
    AllowBasis, AuthError, AuthErrorCode, Authenticator, AuthenticatorBuilder, Context, Decision,
    Engine, ForbiddenReason, MalformedRequest, PathError, Rejection, ResponseHead, ScopeMatch,
    SetupError, Syntax,
};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

// ---------------------------------------------------------------------------------------
// Clock, policy, harness
// ---------------------------------------------------------------------------------------

/// The fixed "now" of every test, in seconds since the epoch.
const T: u64 = 1_800_000_000;

const NO_EVENTS: [Event; 0] = [];

const POLICY: &str = "tests/fixtures/authn.policy";
const FIXTURES: &str = "tests/fixtures";

const API_KEY_CHALLENGE: &str = r#"ApiKey realm="api.test", header="X-API-Key""#;
const COOKIE_CHALLENGE: &str = r#"Cookie realm="api.test", cookie-name="sid""#;
/// The challenges `GET /data` and `POST /data` send after the Bearer one.
const DATA_OTHERS: &[&str] = &[API_KEY_CHALLENGE, COOKIE_CHALLENGE];
/// The challenges `DELETE /data/{id}` sends after the Bearer one.
const DELETE_OTHERS: &[&str] = &[COOKIE_CHALLENGE];

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn context() -> Context {
    Context { peer: None, now: at(T) }
}

fn peer(ip: &str) -> Context {
    Context { peer: Some(ip.parse().expect("an IP address")), now: at(T) }
}

/// Records every event, in order.
#[derive(Default)]
struct Recorder(Mutex<Vec<Event>>);

impl Observer for Recorder {
    fn observe(&self, event: &Event) {
        self.0.lock().unwrap().push(event.clone());
    }
}

impl Recorder {
    fn take(&self) -> Vec<Event> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// A key store that counts its lookups.
#[derive(Default)]
struct CountingKeyStore {
    inner: MemoryKeyStore,
    lookups: AtomicUsize,
}

impl KeyStore for CountingKeyStore {
    fn keys_with_prefix(&self, prefix: &str) -> Vec<ApiKeyRecord> {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        self.inner.keys_with_prefix(prefix)
    }
}

struct Harness {
    authn: Authenticator,
    keys: Arc<MemoryKeyStore>,
    tokens: Arc<MemoryTokenStore>,
    sessions: Arc<MemorySessionStore>,
    events: Arc<Recorder>,
}

/// The fixture policy with three routes that each accept one JWT scheme only.
fn isolated_engine() -> Engine {
    let mut text = std::fs::read_to_string(POLICY).expect("policy readable");
    text.push_str(
        "\nGET /only/user    allow user_jwt\
         \nGET /only/shared  allow shared_jwt\
         \nGET /only/pem     allow pem_jwt\n",
    );
    Engine::from_text(&text, Syntax::Dsl).expect("isolated policy compiles")
}

impl Harness {
    /// The fixture policy, with seeded stores and a recording observer.
    fn new() -> Harness {
        Harness::build(Engine::load(POLICY).expect("policy loads"), None, |b| b)
    }

    /// The fixture policy plus the `/only/...` routes.
    fn isolated() -> Harness {
        Harness::build(isolated_engine(), None, |b| b.key_dir(FIXTURES))
    }

    /// The fixture policy with `store` as its key store.
    fn with_key_store(store: Arc<dyn KeyStore>) -> Harness {
        Harness::build(Engine::load(POLICY).expect("policy loads"), Some(store), |b| b)
    }

    fn build(
        engine: Engine,
        key_store: Option<Arc<dyn KeyStore>>,
        configure: impl FnOnce(AuthenticatorBuilder) -> AuthenticatorBuilder,
    ) -> Harness {
        let keys = Arc::new(MemoryKeyStore::default());
        let tokens = Arc::new(MemoryTokenStore::default());
        let sessions = Arc::new(MemorySessionStore::default());
        let events = Arc::new(Recorder::default());
        seed(&keys, &tokens, &sessions);
        let key_store: Arc<dyn KeyStore> = key_store.unwrap_or_else(|| keys.clone());
        let builder = Authenticator::builder(engine)
            .key_store("keys", key_store)
            .token_store("tokens", tokens.clone())
            .session_store("sessions", sessions.clone())
            .observer(events.clone());
        let authn = configure(builder).build().expect("stores and keys bound");
        Harness { authn, keys, tokens, sessions, events }
    }

    fn decide(&self, method: &str, uri: &str, headers: &[(&str, &str)]) -> Decision<'static> {
        self.authn.decide(&request(method, uri, headers), &context())
    }

    fn decide_at(
        &self,
        context: &Context,
        method: &str,
        uri: &str,
        key: &str,
    ) -> Decision<'static> {
        self.authn.decide(&request(method, uri, &[("X-API-Key", key)]), context)
    }

    fn bearer(&self, method: &str, uri: &str, token: &str) -> Decision<'static> {
        self.decide(method, uri, &[("Authorization", &format!("Bearer {token}"))])
    }
}

/// Request headers, as name and value.
type Headers<'a> = Vec<(&'a str, &'a str)>;
/// Request headers whose values are built per case.
type OwnedHeaders = Vec<(&'static str, String)>;

fn request(method: &str, uri: &str, headers: &[(&str, &str)]) -> Parts {
    let mut builder = http::Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(()).expect("a valid request").into_parts().0
}

/// A request whose header values are raw bytes (anything `HeaderValue::from_bytes` takes).
fn request_bytes(method: &str, uri: &str, headers: &[(&str, &[u8])]) -> Parts {
    let mut parts = request(method, uri, &[]);
    for (name, value) in headers {
        let name = HeaderName::from_bytes(name.as_bytes()).expect("a header name");
        let value = HeaderValue::from_bytes(value).expect("the http crate accepts the value");
        parts.headers.append(name, value);
    }
    parts
}

// ---------------------------------------------------------------------------------------
// Stored credentials
// ---------------------------------------------------------------------------------------

/// A fixed API key (deterministic, unlike `generate_api_key`): the prefix, then `fill`
/// repeated to 43 characters, like a generated key.
fn fixed_key(fill: char) -> String {
    format!("sk_test_{}", fill.to_string().repeat(43))
}

fn key_record(key: &str, principal: &str, scopes: &[&str]) -> ApiKeyRecord {
    ApiKeyRecord {
        prefix: key.chars().take(PREFIX_CHARS).collect::<String>().into(),
        sha256: SecretHash::of(key),
        principal: principal.into(),
        scopes: scopes.iter().map(|&s| s.into()).collect(),
        created_at: Some(at(T - 86_400)),
        expires_at: None,
        revoked: false,
        last_used_at: None,
    }
}

/// The seeded API keys: `A…` active, `R…` revoked, `E…` expired a second ago, `N…` expiring
/// exactly now, `L…` expiring a second from now.
fn seeded_key(kind: char) -> String {
    fixed_key(kind)
}

fn token_record(
    token: &str,
    scopes: &[&str],
    expires_at: Option<u64>,
    revoked: bool,
) -> TokenRecord {
    TokenRecord {
        sha256: SecretHash::of(token),
        principal: "svc".into(),
        scopes: scopes.iter().map(|&s| s.into()).collect(),
        expires_at: expires_at.map(at),
        revoked,
    }
}

fn session_record(id: &str, scopes: &[&str], csrf: &str, expires_at: Option<u64>) -> SessionRecord {
    SessionRecord {
        sha256: SecretHash::of(id),
        principal: "bob".into(),
        scopes: scopes.iter().map(|&s| s.into()).collect(),
        csrf_token: csrf.into(),
        expires_at: expires_at.map(at),
    }
}

const OPAQUE_VALID: &str = "opaque-valid-9f1c2e7a";
const OPAQUE_REVOKED: &str = "opaque-revoked-4b8d0c11";
const OPAQUE_EXPIRED: &str = "opaque-expired-77aa3e02";
const OPAQUE_EXPIRES_NOW: &str = "opaque-expires-now-5c5c";
const OPAQUE_EXPIRES_LATER: &str = "opaque-expires-later-1d1d";

const SESSION_VALID: &str = "session-valid-2b7e151628aed2a6";
const SESSION_ADMIN: &str = "session-admin-abf7158809cf4f3c";
const SESSION_EXPIRED: &str = "session-expired-762e7160f38b4da5";
const SESSION_NO_CSRF: &str = "session-no-csrf-6a09e667bb67ae85";
const CSRF_VALID: &str = "csrf-valid-3c6ef372a54ff53a";
const CSRF_ADMIN: &str = "csrf-admin-510e527f9b05688c";

fn seed(keys: &MemoryKeyStore, tokens: &MemoryTokenStore, sessions: &MemorySessionStore) {
    keys.insert(key_record(&seeded_key('A'), "acme", &["data:read", "data:write"]));
    keys.insert(ApiKeyRecord { revoked: true, ..key_record(&seeded_key('R'), "acme", &[]) });
    for (kind, expires) in [('E', T - 1), ('N', T), ('L', T + 1)] {
        let record = key_record(&seeded_key(kind), "acme", &["data:read"]);
        keys.insert(ApiKeyRecord { expires_at: Some(at(expires)), ..record });
    }

    let rw = &["data:read", "data:write"];
    tokens.insert(token_record(OPAQUE_VALID, rw, None, false));
    tokens.insert(token_record(OPAQUE_REVOKED, rw, None, true));
    tokens.insert(token_record(OPAQUE_EXPIRED, rw, Some(T - 1), false));
    tokens.insert(token_record(OPAQUE_EXPIRES_NOW, rw, Some(T), false));
    tokens.insert(token_record(OPAQUE_EXPIRES_LATER, rw, Some(T + 1), false));

    sessions.insert(session_record(SESSION_VALID, &["data:write"], CSRF_VALID, None));
    sessions.insert(session_record(SESSION_ADMIN, &["admin"], CSRF_ADMIN, Some(T + 3600)));
    sessions.insert(session_record(SESSION_EXPIRED, &["admin"], "csrf-x", Some(T)));
    sessions.insert(session_record(SESSION_NO_CSRF, &["data:write"], "", None));
}

// ---------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{path}")).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn rsa1() -> EncodingKey {
    EncodingKey::from_rsa_pem(&read("keys/rsa.pem")).unwrap()
}
fn rsa2() -> EncodingKey {
    EncodingKey::from_rsa_pem(&read("keys/rsa2.pem")).unwrap()
}
fn ec1() -> EncodingKey {
    EncodingKey::from_ec_pem(&read("keys/ec.pem")).unwrap()
}
fn ed1() -> EncodingKey {
    EncodingKey::from_ed_pem(&read("keys/ed.pem")).unwrap()
}
fn attacker_rsa() -> EncodingKey {
    EncodingKey::from_rsa_pem(&read("attacker/rsa.pem")).unwrap()
}
fn attacker_ec() -> EncodingKey {
    EncodingKey::from_ec_pem(&read("attacker/ec.pem")).unwrap()
}
/// shared_jwt's secret, as `.cargo/config.toml` sets it for `cargo test`.
fn hmac() -> EncodingKey {
    let secret = std::env::var("PORTCULLIS_TEST_HMAC").expect("set by .cargo/config.toml");
    EncodingKey::from_secret(secret.as_bytes()).unwrap()
}

/// `header.payload.signature` from raw JSON texts, so that anything can be signed.
fn sign_raw(header: &str, payload: &str, key: &EncodingKey, alg: Algorithm) -> String {
    let message = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), key, alg).expect("signs");
    format!("{message}.{signature}")
}

fn sign(header: Value, payload: Value, key: &EncodingKey, alg: Algorithm) -> String {
    sign_raw(&header.to_string(), &payload.to_string(), key, alg)
}

/// An unsigned token: `header.payload.` (empty signature).
fn unsigned(header: &str, payload: &Value) -> String {
    format!("{}.{}.", b64(header.as_bytes()), b64(payload.to_string().as_bytes()))
}

/// RFC 7396 merge patch, one level: `null` removes a member, anything else sets it.
fn patch(mut base: Value, changes: Value) -> Value {
    let (Value::Object(map), Value::Object(changes)) = (&mut base, changes) else {
        panic!("objects expected");
    };
    for (name, value) in changes {
        if value.is_null() {
            map.remove(&name);
        } else {
            map.insert(name, value);
        }
    }
    base
}

fn user_claims() -> Value {
    json!({
        "iss": "https://issuer.test/", "aud": "api.test", "sub": "alice",
        "scope": "data:read", "iat": T - 10, "exp": T + 600
    })
}

fn shared_claims() -> Value {
    patch(user_claims(), json!({"iss": "https://shared.test/", "sub": "sam"}))
}

fn pem_claims() -> Value {
    patch(user_claims(), json!({"iss": "https://pem.test/", "sub": "pat"}))
}

fn rs_header(kid: &str) -> Value {
    json!({"alg": "RS256", "typ": "JWT", "kid": kid})
}

/// A user_jwt token: RS256, kid rsa-1.
fn user_token(claims: Value) -> String {
    sign(rs_header("rsa-1"), claims, &rsa1(), Algorithm::RS256)
}

fn shared_token(claims: Value) -> String {
    sign(json!({"alg": "HS256", "typ": "JWT"}), claims, &hmac(), Algorithm::HS256)
}

fn pem_token(header: Value, claims: Value) -> String {
    sign(header, claims, &rsa1(), Algorithm::RS256)
}

// ---------------------------------------------------------------------------------------
// Assertions
// ---------------------------------------------------------------------------------------

fn allowed(principal: &str, scheme: &str, scopes: &[&str]) -> Decision<'static> {
    Decision::Allow {
        principal: Some(principal.into()),
        scheme: Some(scheme.into()),
        scopes: scopes.iter().map(|s| Arc::from(*s)).collect(),
        basis: AllowBasis::Authorized,
    }
}

/// The decision is a 401 for a rejected credential, with exactly this scheme and reason,
/// and renders with the error on the Bearer challenge followed by `others`.
#[track_caller]
fn assert_invalid_token(decision: &Decision, scheme: &str, rejection: Rejection, others: &[&str]) {
    match decision {
        Decision::Unauthenticated {
            error: Some(AuthError { code: AuthErrorCode::InvalidToken, scheme: s, rejection: r }),
            ..
        } => {
            assert_eq!((&**s, *r), (scheme, rejection), "{decision:?}");
        }
        other => panic!("expected {scheme} to reject with {rejection:?}, got {other:?}"),
    }
    let description = rejection.to_string();
    let mut www = vec![format!(
        r#"Bearer realm="api.test", error="invalid_token", error_description="{description}""#
    )];
    www.extend(others.iter().map(|s| (*s).to_owned()));
    let body = format!(r#"{{"error": "invalid_token", "error_description": "{description}"}}"#);
    assert_eq!(
        decision.response(),
        ResponseHead { status: 401, www_authenticate: www, body: Some(body) }
    );
}

/// The decision is a 400 for `reason`; `bearer` says whether the route's Bearer challenge
/// comes with it.
#[track_caller]
fn assert_malformed(decision: &Decision, reason: &MalformedRequest, bearer: bool) {
    match decision {
        Decision::Malformed { reason: r, .. } => assert_eq!(r, reason),
        other => panic!("expected Malformed({reason:?}), got {other:?}"),
    }
    let description = reason.to_string();
    let www = if bearer {
        vec![format!(
            r#"Bearer realm="api.test", error="invalid_request", error_description="{description}""#
        )]
    } else {
        Vec::new()
    };
    let body = format!(r#"{{"error": "invalid_request", "error_description": "{description}"}}"#);
    assert_eq!(
        decision.response(),
        ResponseHead { status: 400, www_authenticate: www, body: Some(body) }
    );
}

/// The decision is a 403 for missing `scope`, with the Bearer challenge repeated.
#[track_caller]
fn assert_insufficient_scope(decision: &Decision, scope: &str, bearer: bool) {
    match decision {
        Decision::Forbidden { required, reason: ForbiddenReason::InsufficientScope, .. } => {
            assert_eq!(required, &[Arc::<str>::from(scope)], "{decision:?}");
        }
        other => panic!("expected insufficient_scope, got {other:?}"),
    }
    let www = if bearer {
        vec![format!(r#"Bearer realm="api.test", error="insufficient_scope", scope="{scope}""#)]
    } else {
        Vec::new()
    };
    let body = format!(r#"{{"error": "insufficient_scope", "required_scope": "{scope}"}}"#);
    assert_eq!(
        decision.response(),
        ResponseHead { status: 403, www_authenticate: www, body: Some(body) }
    );
}

#[track_caller]
fn assert_csrf(decision: &Decision, reason: ForbiddenReason, code: &str) {
    let expected = Decision::Forbidden {
        required: Vec::new(),
        mode: ScopeMatch::All,
        reason,
        challenge: None,
    };
    assert_eq!(decision, &expected);
    let body = format!(r#"{{"error": "{code}"}}"#);
    assert_eq!(
        decision.response(),
        ResponseHead { status: 403, www_authenticate: Vec::new(), body: Some(body) }
    );
}

/// Neither the decision (Debug), its response (headers and body) nor `events` mention
/// `secret`.
#[track_caller]
fn assert_no_leak(secret: &str, decision: &Decision, events: &[Event]) {
    assert!(!format!("{decision:?}").contains(secret), "decision leaks: {decision:?}");
    let head = decision.response();
    let rendered = format!("{:?} {:?}", head.www_authenticate, head.body);
    assert!(!rendered.contains(secret), "response leaks: {rendered}");
    for event in events {
        assert!(!format!("{event:?}").contains(secret), "event leaks: {event:?}");
    }
}

// ---------------------------------------------------------------------------------------
// JWT: algorithms and keys
// ---------------------------------------------------------------------------------------

#[test]
fn jwt_each_algorithm_and_key_verifies() {
    let h = Harness::new();
    let claims = user_claims();
    let cases = [
        ("RS256 rsa-1", rs_header("rsa-1"), rsa1(), Algorithm::RS256),
        ("RS256 rsa-2 (rotation)", rs_header("rsa-2"), rsa2(), Algorithm::RS256),
        ("ES256 ec-1", json!({"alg": "ES256", "kid": "ec-1"}), ec1(), Algorithm::ES256),
        ("ES256 without kid", json!({"alg": "ES256"}), ec1(), Algorithm::ES256),
        ("EdDSA ed-1", json!({"alg": "EdDSA", "kid": "ed-1"}), ed1(), Algorithm::EdDSA),
        ("EdDSA without kid", json!({"alg": "EdDSA"}), ed1(), Algorithm::EdDSA),
    ];
    for (name, header, key, alg) in cases {
        let token = sign(header, claims.clone(), &key, alg);
        let decision = h.bearer("GET", "/data", &token);
        assert_eq!(decision, allowed("alice", "user_jwt", &["data:read"]), "{name}");
        assert_eq!(decision.response().status, 200, "{name}");
    }
    assert_eq!(h.events.take(), NO_EVENTS, "no events for accepted user_jwt tokens");

    // HS256 through shared_jwt, RS256 from a PEM key through pem_jwt: on their own routes
    // and on GET /data, where user_jwt is tried first.
    let h = Harness::isolated();
    let shared = shared_token(shared_claims());
    let pem = pem_token(json!({"alg": "RS256", "typ": "at+jwt"}), pem_claims());
    for uri in ["/only/shared", "/data"] {
        assert_eq!(h.bearer("GET", uri, &shared), allowed("sam", "shared_jwt", &["data:read"]));
    }
    for uri in ["/only/pem", "/data"] {
        assert_eq!(h.bearer("GET", uri, &pem), allowed("pat", "pem_jwt", &["data:read"]));
    }
}

#[test]
fn jwt_alg_none_is_refused_in_any_spelling() {
    let h = Harness::isolated();
    for alg in ["none", "NoNe", "NONE"] {
        let header = format!(r#"{{"alg":"{alg}"}}"#);
        let token = unsigned(&header, &user_claims());
        assert!(token.ends_with('.'), "empty signature");
        let decision = h.bearer("GET", "/data", &token);
        assert_invalid_token(&decision, "user_jwt", Rejection::AlgorithmNotAllowed, DATA_OTHERS);
        for (uri, scheme) in [("/only/shared", "shared_jwt"), ("/only/pem", "pem_jwt")] {
            let decision = h.bearer("GET", uri, &token);
            assert_invalid_token(&decision, scheme, Rejection::AlgorithmNotAllowed, &[]);
        }
    }
}

#[test]
fn jwt_algorithm_outside_the_allow_list_is_refused() {
    let h = Harness::isolated();
    let cases = [
        ("RS384 with rsa-1", json!({"alg": "RS384", "kid": "rsa-1"}), rsa1(), Algorithm::RS384),
        ("PS256 with rsa-1", json!({"alg": "PS256", "kid": "rsa-1"}), rsa1(), Algorithm::PS256),
    ];
    for (name, header, key, alg) in cases {
        let decision = h.bearer("GET", "/only/user", &sign(header, user_claims(), &key, alg));
        assert_eq!(decision.response().status, 401, "{name}");
        assert_invalid_token(&decision, "user_jwt", Rejection::AlgorithmNotAllowed, &[]);
    }
    // `alg` is compared exactly as written: a lower-case name is not RS256.
    let token = sign_raw(
        r#"{"alg":"rs256","kid":"rsa-1"}"#,
        &user_claims().to_string(),
        &rsa1(),
        Algorithm::RS256,
    );
    let decision = h.bearer("GET", "/only/user", &token);
    assert_invalid_token(&decision, "user_jwt", Rejection::AlgorithmNotAllowed, &[]);
    // No `alg` at all.
    let token =
        sign_raw(r#"{"kid":"rsa-1"}"#, &user_claims().to_string(), &rsa1(), Algorithm::RS256);
    let decision = h.bearer("GET", "/only/user", &token);
    assert_invalid_token(&decision, "user_jwt", Rejection::Malformed, &[]);
}

#[test]
fn jwt_key_confusion_hs256_with_the_public_key_as_secret_is_refused() {
    let h = Harness::isolated();
    let public_pem = read("keys/rsa.pub.pem");
    let confused = EncodingKey::from_secret(&public_pem).unwrap();
    // shared_jwt does take HS256, with its own secret only (and its key has no kid).
    for (header, claims, shared) in [
        (json!({"alg": "HS256", "kid": "rsa-1"}), user_claims(), Rejection::BadSignature),
        (json!({"alg": "HS256"}), user_claims(), Rejection::BadSignature),
        (json!({"alg": "HS256", "typ": "at+jwt"}), pem_claims(), Rejection::BadSignature),
    ] {
        let token = sign(header, claims, &confused, Algorithm::HS256);
        let decision = h.bearer("GET", "/only/user", &token);
        assert_invalid_token(&decision, "user_jwt", Rejection::AlgorithmNotAllowed, &[]);
        let decision = h.bearer("GET", "/only/pem", &token);
        assert_invalid_token(&decision, "pem_jwt", Rejection::AlgorithmNotAllowed, &[]);
        let decision = h.bearer("GET", "/only/shared", &token);
        assert_invalid_token(&decision, "shared_jwt", shared, &[]);
        // On GET /data every JWT scheme refuses it; the deepest reason is the one reported:
        // shared_jwt got as far as the signature.
        let decision = h.bearer("GET", "/data", &token);
        assert_invalid_token(&decision, "shared_jwt", Rejection::BadSignature, DATA_OTHERS);
    }
}

#[test]
fn jwt_signature_must_verify() {
    let h = Harness::new();
    let good = user_token(user_claims());
    let [header, payload, signature] = good.split('.').collect::<Vec<_>>()[..] else {
        panic!("three segments");
    };
    let admin = b64(patch(user_claims(), json!({"scope": "admin"})).to_string().as_bytes());
    let other = user_token(patch(user_claims(), json!({"sub": "mallory"})));
    let other_signature = other.rsplit('.').next().unwrap();
    let cases = [
        ("tampered payload", format!("{header}.{admin}.{signature}")),
        ("stripped signature", format!("{header}.{payload}.")),
        ("tampered payload, stripped signature", format!("{header}.{admin}.")),
        ("signature of another token", format!("{header}.{admin}.{other_signature}")),
        (
            "signed by rsa-2, labelled rsa-1",
            sign(rs_header("rsa-1"), user_claims(), &rsa2(), Algorithm::RS256),
        ),
        (
            "signed by rsa-1, labelled rsa-2",
            sign(rs_header("rsa-2"), user_claims(), &rsa1(), Algorithm::RS256),
        ),
        (
            "kid ec-1, signed by an attacker EC key",
            sign(
                json!({"alg": "ES256", "kid": "ec-1"}),
                user_claims(),
                &attacker_ec(),
                Algorithm::ES256,
            ),
        ),
    ];
    for (name, token) in cases {
        let decision = h.bearer("DELETE", "/data/7", &token);
        assert_eq!(decision.response().status, 401, "{name}");
        assert_invalid_token(&decision, "user_jwt", Rejection::BadSignature, DELETE_OTHERS);
    }
}

#[test]
fn jwt_key_selection() {
    let h = Harness::new();
    let claims = user_claims();
    let cases = [
        ("unknown kid", rs_header("rsa-9"), rsa1(), Algorithm::RS256, Rejection::UnknownKey),
        // Two RSA keys fit RS256: without a kid the verifier must not guess.
        (
            "no kid, two RSA keys",
            json!({"alg": "RS256"}),
            rsa1(),
            Algorithm::RS256,
            Rejection::UnknownKey,
        ),
        (
            "kid of an EC key on RS256",
            rs_header("ec-1"),
            rsa1(),
            Algorithm::RS256,
            Rejection::UnknownKey,
        ),
        (
            "kid of an RSA key on ES256",
            json!({"alg": "ES256", "kid": "rsa-1"}),
            ec1(),
            Algorithm::ES256,
            Rejection::UnknownKey,
        ),
        (
            "kid of the Ed key on ES256",
            json!({"alg": "ES256", "kid": "ed-1"}),
            ec1(),
            Algorithm::ES256,
            Rejection::UnknownKey,
        ),
        (
            "kid not a string",
            json!({"alg": "RS256", "kid": 1}),
            rsa1(),
            Algorithm::RS256,
            Rejection::Malformed,
        ),
    ];
    for (name, header, key, alg, rejection) in cases {
        let decision = h.bearer("DELETE", "/data/7", &sign(header, claims.clone(), &key, alg));
        assert_eq!(decision.response().status, 401, "{name}");
        assert_invalid_token(&decision, "user_jwt", rejection, DELETE_OTHERS);
    }
}

#[test]
fn jwt_shape_five_and_two_segments_are_malformed() {
    let h = Harness::new();
    let good = user_token(user_claims());
    let mut segments = good.split('.');
    let (header, payload) = (segments.next().unwrap(), segments.next().unwrap());
    let jwe =
        format!("{header}.{}.{}.{}.{}", b64(b"key"), b64(b"iv"), b64(b"ciphertext"), b64(b"tag"));
    let cases = [
        ("five segments (JWE shape)", jwe.clone()),
        ("two segments", format!("{header}.{payload}")),
        ("four segments", format!("{good}.{}", b64(b"x"))),
        ("header not JSON", format!("{}.{payload}.{}", b64(b"{not json"), b64(b"sig"))),
        ("header a JSON array", format!("{}.{payload}.{}", b64(b"[1]"), b64(b"sig"))),
    ];
    // DELETE /data/{id} accepts no opaque scheme, so every bearer token goes to user_jwt.
    for (name, token) in cases {
        let decision = h.bearer("DELETE", "/data/7", &token);
        assert_eq!(decision.response().status, 401, "{name}");
        assert_invalid_token(&decision, "user_jwt", Rejection::Malformed, DELETE_OTHERS);
    }
    // On GET /data, which also accepts opaque tokens, a token not shaped like a JWS is
    // looked up as an opaque token: still refused, as unknown.
    let decision = h.bearer("GET", "/data", &jwe);
    assert_invalid_token(&decision, "service_token", Rejection::Unknown, DATA_OTHERS);
}

/// A valid user_jwt token of exactly `len` bytes, padded with a `pad` claim (and a header
/// member, since base64 lengths skip every fourth value).
fn token_of_length(len: usize) -> String {
    let signature_len = user_token(user_claims()).rsplit('.').next().unwrap().len();
    let encoded = |n: usize| base64::encoded_len(n, false).unwrap();
    for extra in 0..4 {
        let header = patch(rs_header("rsa-1"), json!({"h": "h".repeat(extra)})).to_string();
        let bare = patch(user_claims(), json!({"pad": ""})).to_string().len();
        let budget = len - signature_len - 2 - encoded(header.len());
        for pad in (budget * 3 / 4).saturating_sub(bare + 8)..len {
            let claims = patch(user_claims(), json!({"pad": "p".repeat(pad)})).to_string();
            let total = encoded(header.len()) + encoded(claims.len()) + signature_len + 2;
            if total == len {
                let token = sign_raw(&header, &claims, &rsa1(), Algorithm::RS256);
                assert_eq!(token.len(), len);
                return token;
            }
            if total > len {
                break;
            }
        }
    }
    panic!("no token of {len} bytes");
}

#[test]
fn jwt_size_limit_is_16_kib_by_default() {
    let h = Harness::new();
    let largest = token_of_length(16 * 1024);
    assert_eq!(h.bearer("DELETE", "/data/7", &largest).response().status, 403, "verified");
    let too_large = token_of_length(16 * 1024 + 1);
    let decision = h.bearer("DELETE", "/data/7", &too_large);
    assert_invalid_token(&decision, "user_jwt", Rejection::TooLarge, DELETE_OTHERS);
    // Size is checked before anything else: junk of that size says the same.
    let junk = format!("eyJ{}.a.b", "A".repeat(16 * 1024));
    let decision = h.bearer("DELETE", "/data/7", &junk);
    assert_invalid_token(&decision, "user_jwt", Rejection::TooLarge, DELETE_OTHERS);
}

#[test]
fn jwt_size_limit_follows_the_builder() {
    let token = user_token(user_claims());
    for (limit, expected) in [(token.len(), None), (token.len() - 1, Some(Rejection::TooLarge))] {
        let engine = Engine::load(POLICY).unwrap();
        let h = Harness::build(engine, None, |b| b.max_token_bytes(limit));
        let decision = h.bearer("GET", "/data", &token);
        match expected {
            None => assert_eq!(decision, allowed("alice", "user_jwt", &["data:read"])),
            Some(rejection) => {
                assert_invalid_token(&decision, "user_jwt", rejection, DATA_OTHERS);
            }
        }
    }
}

/// A user_jwt payload with `extra` appended after the usual claims (for repeated members).
fn payload_with(extra: &str) -> String {
    let claims = r#""iss":"https://issuer.test/","aud":"api.test","sub":"alice""#;
    let payload =
        format!(r#"{{{claims},"scope":"data:read","iat":{},"exp":{}{extra}}}"#, T - 10, T + 600);
    assert!(serde_json::from_str::<Value>(&payload).is_ok(), "{payload}");
    payload
}

fn signed_raw_user(header: &str, payload: &str) -> String {
    sign_raw(header, payload, &rsa1(), Algorithm::RS256)
}

#[test]
fn jwt_duplicated_json_members_are_refused() {
    let h = Harness::new();
    let header = rs_header("rsa-1").to_string();
    let claims = user_claims().to_string();
    let cases = [
        (
            "alg twice in the header",
            r#"{"alg":"RS256","alg":"RS256","kid":"rsa-1"}"#,
            claims.clone(),
        ),
        (
            "kid twice in the header",
            r#"{"alg":"RS256","kid":"rsa-2","kid":"rsa-1"}"#,
            claims.clone(),
        ),
        ("typ twice in the header", r#"{"alg":"RS256","kid":"rsa-1","typ":"a","typ":"b"}"#, claims),
        ("iat twice", &header, payload_with(r#","iat":1"#)),
        ("scope twice", &header, payload_with(r#","scope":"admin""#)),
        ("scope twice, once escaped", &header, payload_with(r#","sc\u006fpe":"admin""#)),
        ("in a nested object", &header, payload_with(r#","ctx":{"a":1,"a":2}"#)),
        ("in an object in an array", &header, payload_with(r#","l":[{"a":1,"a":2}]"#)),
    ];
    for (name, header, payload) in cases {
        let decision = h.bearer("DELETE", "/data/7", &signed_raw_user(header, &payload));
        assert_eq!(decision.response().status, 401, "{name}");
        assert_invalid_token(&decision, "user_jwt", Rejection::DuplicateMember, DELETE_OTHERS);
    }
    // The same payload without the repetition verifies (and lacks admin: 403).
    let token = signed_raw_user(&header, &payload_with(r#","ctx":{"a":1,"b":2}"#));
    assert_insufficient_scope(&h.bearer("DELETE", "/data/7", &token), "admin", true);
}

/// Repeated registered claims, which jsonwebtoken's own claim struct reads.
fn repeated_registered_claims() -> Vec<(&'static str, String)> {
    let far = T + 1_000_000;
    vec![
        ("exp twice", payload_with(&format!(r#","exp":{far}"#))),
        ("exp twice, once escaped", payload_with(&format!(r#","e\u0078p":{far}"#))),
        ("nbf twice", payload_with(r#","nbf":1,"nbf":2"#)),
        ("sub twice", payload_with(r#","sub":"root""#)),
        ("iss twice", payload_with(r#","iss":"https://evil.test/""#)),
        ("aud twice", payload_with(r#","aud":"evil.test""#)),
    ]
}

#[test]
fn jwt_repeated_registered_claims_are_reported_as_duplicate_members() {
    let h = Harness::new();
    let header = rs_header("rsa-1").to_string();
    for (name, payload) in repeated_registered_claims() {
        let decision = h.bearer("DELETE", "/data/7", &signed_raw_user(&header, &payload));
        assert_eq!(decision.response().status, 401, "{name}");
        assert_invalid_token(&decision, "user_jwt", Rejection::DuplicateMember, DELETE_OTHERS);
    }
}

#[test]
fn jwt_crit_header_is_refused() {
    let h = Harness::new();
    for crit in [json!(["exp"]), json!(["b64"]), json!([])] {
        let header = json!({"alg": "RS256", "kid": "rsa-1", "crit": crit, "exp": T, "b64": true});
        let token = sign(header, user_claims(), &rsa1(), Algorithm::RS256);
        let decision = h.bearer("GET", "/data", &token);
        assert_invalid_token(&decision, "user_jwt", Rejection::UnsupportedCritical, DATA_OTHERS);
    }
}

#[test]
fn jwt_key_references_in_the_header_are_never_followed() {
    let h = Harness::new();
    let attacker_rsa_jwk =
        jsonwebtoken::jwk::Jwk::from_encoding_key(&attacker_rsa(), Algorithm::RS256)
            .expect("attacker JWK");
    let attacker_ec_jwk =
        jsonwebtoken::jwk::Jwk::from_encoding_key(&attacker_ec(), Algorithm::ES256)
            .expect("attacker JWK");
    let jku = "https://attacker.example/jwks.json";
    let x5u = "https://attacker.example/cert.pem";
    let cases = [
        (
            "jku, kid rsa-1",
            json!({"alg": "RS256", "kid": "rsa-1", "jku": jku}),
            attacker_rsa(),
            Algorithm::RS256,
            Rejection::BadSignature,
        ),
        (
            "jku, attacker's own kid",
            json!({"alg": "RS256", "kid": "evil", "jku": jku}),
            attacker_rsa(),
            Algorithm::RS256,
            Rejection::UnknownKey,
        ),
        (
            "x5u, no kid",
            json!({"alg": "RS256", "x5u": x5u}),
            attacker_rsa(),
            Algorithm::RS256,
            Rejection::UnknownKey,
        ),
        (
            "x5u, kid rsa-2",
            json!({"alg": "RS256", "kid": "rsa-2", "x5u": x5u}),
            attacker_rsa(),
            Algorithm::RS256,
            Rejection::BadSignature,
        ),
        (
            "embedded RSA jwk, kid rsa-1",
            json!({"alg": "RS256", "kid": "rsa-1", "jwk": &attacker_rsa_jwk}),
            attacker_rsa(),
            Algorithm::RS256,
            Rejection::BadSignature,
        ),
        (
            "embedded RSA jwk, no kid",
            json!({"alg": "RS256", "jwk": &attacker_rsa_jwk}),
            attacker_rsa(),
            Algorithm::RS256,
            Rejection::UnknownKey,
        ),
        // One EC key is configured: without a kid it is the one used, and it does not verify.
        (
            "embedded EC jwk, no kid",
            json!({"alg": "ES256", "jwk": &attacker_ec_jwk}),
            attacker_ec(),
            Algorithm::ES256,
            Rejection::BadSignature,
        ),
    ];
    for (name, header, key, alg, rejection) in cases {
        let decision = h.bearer("GET", "/data", &sign(header, user_claims(), &key, alg));
        assert_eq!(decision.response().status, 401, "{name}");
        assert_invalid_token(&decision, "user_jwt", rejection, DATA_OTHERS);
    }
    // A genuine token that names a key URL is verified with the configured key, and passes.
    for header in [
        json!({"alg": "RS256", "kid": "rsa-1", "jku": jku}),
        json!({"alg": "RS256", "kid": "rsa-1", "x5u": x5u, "jwk": &attacker_rsa_jwk}),
    ] {
        let token = sign(header, user_claims(), &rsa1(), Algorithm::RS256);
        assert_eq!(h.bearer("GET", "/data", &token), allowed("alice", "user_jwt", &["data:read"]));
    }
}

// ---------------------------------------------------------------------------------------
// JWT: claims
// ---------------------------------------------------------------------------------------

#[test]
fn jwt_claims_user_jwt() {
    use Rejection::*;
    let h = Harness::new();
    let t = T as i64;
    let cases: Vec<(&str, Value, Option<Rejection>)> = vec![
        ("valid", json!({}), None),
        ("exp missing", json!({"exp": null}), Some(MissingClaim)),
        ("exp not a number", json!({"exp": "soon"}), Some(InvalidClaim)),
        ("expired beyond the 30 s leeway", json!({"exp": t - 31}), Some(Expired)),
        ("expired by exactly the leeway", json!({"exp": t - 30}), None),
        ("expired within the leeway", json!({"exp": t - 10, "iat": t - 100}), None),
        ("exp as a float within leeway", json!({"exp": (t - 29) as f64 + 0.5}), None),
        ("nbf beyond the leeway", json!({"nbf": t + 31}), Some(NotYetValid)),
        ("nbf at the leeway", json!({"nbf": t + 30}), None),
        ("nbf in the past", json!({"nbf": t - 5}), None),
        ("iat beyond the leeway", json!({"iat": t + 31}), Some(IssuedInFuture)),
        ("iat within the leeway", json!({"iat": t + 30}), None),
        ("lifetime over 1h", json!({"iat": t - 10, "exp": t + 3591}), Some(LifetimeTooLong)),
        ("lifetime exactly 1h", json!({"iat": t - 10, "exp": t + 3590}), None),
        ("iat missing with max_lifetime", json!({"iat": null}), Some(MissingClaim)),
        ("wrong iss", json!({"iss": "https://evil.test/"}), Some(WrongIssuer)),
        ("iss without the slash", json!({"iss": "https://issuer.test"}), Some(WrongIssuer)),
        ("iss not a string", json!({"iss": ["https://issuer.test/"]}), Some(WrongIssuer)),
        ("iss missing", json!({"iss": null}), Some(MissingClaim)),
        ("wrong aud", json!({"aud": "evil.test"}), Some(WrongAudience)),
        ("aud missing", json!({"aud": null}), Some(MissingClaim)),
        ("aud empty array", json!({"aud": []}), Some(WrongAudience)),
        ("aud array without ours", json!({"aud": ["evil.test", "x"]}), Some(WrongAudience)),
        ("aud array with ours", json!({"aud": ["evil.test", "api.test"]}), None),
        ("aud, the second audience", json!({"aud": "other.test"}), None),
        ("sub missing", json!({"sub": null}), Some(MissingClaim)),
        ("sub empty", json!({"sub": ""}), Some(MissingClaim)),
        ("sub not a string", json!({"sub": 42}), Some(MissingClaim)),
    ];
    for (name, changes, expected) in cases {
        let token = user_token(patch(user_claims(), changes));
        let decision = h.bearer("GET", "/data", &token);
        match expected {
            None => assert_eq!(decision, allowed("alice", "user_jwt", &["data:read"]), "{name}"),
            Some(rejection) => {
                assert_eq!(decision.response().status, 401, "{name}");
                assert_invalid_token(&decision, "user_jwt", rejection, DATA_OTHERS);
            }
        }
    }
}

#[test]
fn jwt_expired_token_renders_exactly() {
    let h = Harness::new();
    let token = user_token(patch(user_claims(), json!({"exp": T - 31})));
    let decision = h.bearer("GET", "/data", &token);
    let expected = Decision::Unauthenticated {
        challenges: match &decision {
            Decision::Unauthenticated { challenges, .. } => challenges.clone(),
            other => panic!("{other:?}"),
        },
        error: Some(AuthError {
            code: AuthErrorCode::InvalidToken,
            scheme: Arc::from("user_jwt"),
            rejection: Rejection::Expired,
        }),
    };
    assert_eq!(decision, expected);
    let head = decision.response();
    assert_eq!(head.status, 401);
    assert_eq!(
        head.www_authenticate,
        [
            concat!(
                r#"Bearer realm="api.test", error="invalid_token", "#,
                r#"error_description="the token has expired""#
            ),
            API_KEY_CHALLENGE,
            COOKIE_CHALLENGE,
        ]
    );
    assert_eq!(
        head.body.as_deref(),
        Some(r#"{"error": "invalid_token", "error_description": "the token has expired"}"#)
    );
}

#[test]
fn jwt_claims_shared_jwt() {
    use Rejection::*;
    let h = Harness::isolated();
    let t = T as i64;
    let cases: Vec<(&str, Value, Option<Rejection>)> = vec![
        ("valid", json!({}), None),
        // No max_lifetime: iat is optional and the lifetime unbounded.
        ("iat missing", json!({"iat": null}), None),
        ("a year's lifetime", json!({"iat": t - 10, "exp": t + 31_536_000}), None),
        // No leeway configured: exp = now still passes, a second later does not.
        ("exp = now", json!({"exp": t}), None),
        ("expired by 1 s", json!({"exp": t - 1}), Some(Expired)),
        ("nbf 1 s ahead", json!({"nbf": t + 1}), Some(NotYetValid)),
        ("iat 1 s ahead", json!({"iat": t + 1}), Some(IssuedInFuture)),
        ("user_jwt's issuer", json!({"iss": "https://issuer.test/"}), Some(WrongIssuer)),
        ("other.test is not its audience", json!({"aud": "other.test"}), Some(WrongAudience)),
    ];
    for (name, changes, expected) in cases {
        let token = shared_token(patch(shared_claims(), changes));
        let decision = h.bearer("GET", "/only/shared", &token);
        match expected {
            None => assert_eq!(decision, allowed("sam", "shared_jwt", &["data:read"]), "{name}"),
            Some(rejection) => assert_invalid_token(&decision, "shared_jwt", rejection, &[]),
        }
    }
    let wrong_secret = EncodingKey::from_secret(b"not-the-secret").unwrap();
    let token = sign(json!({"alg": "HS256"}), shared_claims(), &wrong_secret, Algorithm::HS256);
    let decision = h.bearer("GET", "/only/shared", &token);
    assert_invalid_token(&decision, "shared_jwt", BadSignature, &[]);
    let token = sign(json!({"alg": "HS512"}), shared_claims(), &hmac(), Algorithm::HS512);
    let decision = h.bearer("GET", "/only/shared", &token);
    assert_invalid_token(&decision, "shared_jwt", AlgorithmNotAllowed, &[]);
}

#[test]
fn jwt_pem_scheme_requires_typ_at_jwt() {
    let h = Harness::isolated();
    let cases: Vec<(&str, Value, Option<Rejection>)> = vec![
        ("typ at+jwt", json!({"alg": "RS256", "typ": "at+jwt"}), None),
        ("typ application/at+jwt", json!({"alg": "RS256", "typ": "application/at+jwt"}), None),
        ("typ AT+JWT", json!({"alg": "RS256", "typ": "AT+JWT"}), None),
        ("typ Application/At+Jwt", json!({"alg": "RS256", "typ": "Application/At+Jwt"}), None),
        ("typ missing", json!({"alg": "RS256"}), Some(Rejection::WrongType)),
        ("typ JWT", json!({"alg": "RS256", "typ": "JWT"}), Some(Rejection::WrongType)),
        (
            "typ application/jwt",
            json!({"alg": "RS256", "typ": "application/jwt"}),
            Some(Rejection::WrongType),
        ),
        ("typ x-at+jwt", json!({"alg": "RS256", "typ": "x-at+jwt"}), Some(Rejection::WrongType)),
        ("typ not a string", json!({"alg": "RS256", "typ": 1}), Some(Rejection::WrongType)),
    ];
    for (name, header, expected) in cases {
        let decision = h.bearer("GET", "/only/pem", &pem_token(header, pem_claims()));
        match expected {
            None => assert_eq!(decision, allowed("pat", "pem_jwt", &["data:read"]), "{name}"),
            Some(rejection) => assert_invalid_token(&decision, "pem_jwt", rejection, &[]),
        }
    }
    // The PEM key is rsa-1's: a token signed by rsa-2 does not verify.
    let token =
        sign(json!({"alg": "RS256", "typ": "at+jwt"}), pem_claims(), &rsa2(), Algorithm::RS256);
    let decision = h.bearer("GET", "/only/pem", &token);
    assert_invalid_token(&decision, "pem_jwt", Rejection::BadSignature, &[]);
    // user_jwt does not require a typ: an at+jwt token is fine there.
    let header = json!({"alg": "RS256", "typ": "at+jwt", "kid": "rsa-1"});
    let token = sign(header, user_claims(), &rsa1(), Algorithm::RS256);
    assert_eq!(h.bearer("GET", "/only/user", &token), allowed("alice", "user_jwt", &["data:read"]));
}

#[test]
fn jwt_single_key_schemes_accept_a_genuine_token_with_a_kid() {
    let h = Harness::isolated();
    let header = json!({"alg": "RS256", "typ": "at+jwt", "kid": "issuer-key-1"});
    let decision = h.bearer("GET", "/only/pem", &pem_token(header, pem_claims()));
    assert_eq!(decision, allowed("pat", "pem_jwt", &["data:read"]));
    let header = json!({"alg": "HS256", "kid": "issuer-key-1"});
    let decision =
        h.bearer("GET", "/only/shared", &sign(header, shared_claims(), &hmac(), Algorithm::HS256));
    assert_eq!(decision, allowed("sam", "shared_jwt", &["data:read"]));
}

#[test]
fn jwt_pem_token_missing_typ_on_a_shared_route_reports_the_first_schemes_reason() {
    // Documented behaviour ("if none does, the first scheme's reason is reported"), but the
    // reason a client sees is user_jwt's, not the WrongType that pem_jwt found.
    let h = Harness::new();
    let token = pem_token(json!({"alg": "RS256"}), pem_claims());
    let decision = h.bearer("GET", "/data", &token);
    assert_invalid_token(&decision, "user_jwt", Rejection::UnknownKey, DATA_OTHERS);
    let rejected = |scheme: &str, rejection| Event::CredentialRejected {
        scheme: Arc::from(scheme),
        rejection,
    };
    assert_eq!(
        h.events.take(),
        [
            rejected("user_jwt", Rejection::UnknownKey),
            rejected("shared_jwt", Rejection::AlgorithmNotAllowed),
            rejected("pem_jwt", Rejection::WrongType),
        ]
    );
}

#[test]
fn jwt_scopes_come_from_scope_scp_or_scopes() {
    let h = Harness::new();
    let read = &["data:read"][..];
    let cases: Vec<(&str, Value, &[&str])> = vec![
        ("scope string", json!({"scope": "data:read"}), read),
        (
            "scope string, two",
            json!({"scope": "data:read data:write"}),
            &["data:read", "data:write"],
        ),
        ("scope string, extra spaces", json!({"scope": "  data:read  "}), read),
        ("scope array", json!({"scope": ["data:read"]}), read),
        ("scp array", json!({"scope": null, "scp": ["data:read"]}), read),
        ("scp string", json!({"scope": null, "scp": "data:read"}), read),
        ("scopes array", json!({"scope": null, "scopes": ["data:read"]}), read),
        (
            "admin implies the rest",
            json!({"scope": "admin"}),
            &["admin", "data:read", "data:write"],
        ),
        (
            "unknown scopes kept",
            json!({"scope": "data:read zz:custom"}),
            &["data:read", "zz:custom"],
        ),
    ];
    for (name, changes, scopes) in cases {
        let token = user_token(patch(user_claims(), changes));
        assert_eq!(
            h.bearer("GET", "/data", &token),
            allowed("alice", "user_jwt", scopes),
            "{name}"
        );
    }
    // No scope at all, or one that does not imply data:read: 403.
    for changes in [json!({"scope": null}), json!({"scope": ""}), json!({"scope": "zz:custom"})] {
        let token = user_token(patch(user_claims(), changes));
        assert_insufficient_scope(&h.bearer("GET", "/data", &token), "data:read", true);
    }
}

#[test]
fn jwt_scope_implication_on_delete() {
    let h = Harness::new();
    let admin = user_token(patch(user_claims(), json!({"scope": "admin"})));
    assert_eq!(
        h.bearer("DELETE", "/data/42", &admin),
        allowed("alice", "user_jwt", &["admin", "data:read", "data:write"])
    );
    let scp_admin = user_token(patch(user_claims(), json!({"scope": null, "scp": ["admin"]})));
    assert!(h.bearer("DELETE", "/data/42", &scp_admin).is_allowed());

    // data:write implies data:read, not admin: enough for POST /data, not for DELETE.
    let writer = user_token(patch(user_claims(), json!({"scope": "data:write"})));
    assert_eq!(
        h.bearer("POST", "/data", &writer),
        allowed("alice", "user_jwt", &["data:read", "data:write"])
    );
    let decision = h.bearer("DELETE", "/data/42", &writer);
    assert_insufficient_scope(&decision, "admin", true);
    let head = decision.response();
    assert_eq!(
        head.body.as_deref(),
        Some(r#"{"error": "insufficient_scope", "required_scope": "admin"}"#)
    );
    assert_eq!(
        head.www_authenticate,
        [r#"Bearer realm="api.test", error="insufficient_scope", scope="admin""#]
    );
    let reader = user_token(user_claims());
    assert_insufficient_scope(&h.bearer("POST", "/data", &reader), "data:write", true);
}

// ---------------------------------------------------------------------------------------
// Opaque tokens
// ---------------------------------------------------------------------------------------

#[test]
fn opaque_tokens() {
    let h = Harness::new();
    let rw = &["data:read", "data:write"];
    for (token, expected) in [
        (OPAQUE_VALID, None),
        (OPAQUE_EXPIRES_LATER, None),
        ("opaque-never-issued", Some(Rejection::Unknown)),
        (OPAQUE_REVOKED, Some(Rejection::Revoked)),
        (OPAQUE_EXPIRED, Some(Rejection::CredentialExpired)),
        (OPAQUE_EXPIRES_NOW, Some(Rejection::CredentialExpired)),
    ] {
        let decision = h.bearer("POST", "/data", token);
        match expected {
            None => assert_eq!(decision, allowed("svc", "service_token", rw), "{token}"),
            Some(rejection) => {
                assert_invalid_token(&decision, "service_token", rejection, DATA_OTHERS);
            }
        }
    }
}

#[test]
fn opaque_revocation_takes_effect_on_the_next_request() {
    let h = Harness::new();
    let token = "opaque-to-revoke-0c0ffee";
    h.tokens.insert(token_record(token, &["data:read"], None, false));
    assert_eq!(h.bearer("GET", "/data", token), allowed("svc", "service_token", &["data:read"]));
    assert!(h.tokens.revoke(&SecretHash::of(token)));
    let decision = h.bearer("GET", "/data", token);
    assert_invalid_token(&decision, "service_token", Rejection::Revoked, DATA_OTHERS);
    assert!(!h.tokens.revoke(&SecretHash::of("opaque-never-issued")));
}

// ---------------------------------------------------------------------------------------
// API keys
// ---------------------------------------------------------------------------------------

#[test]
fn generated_api_key_format() {
    let (key, record) = generate_api_key("sk_test_", "acme", &["data:read"], at(T)).unwrap();
    let random = key.strip_prefix("sk_test_").expect("starts with the prefix");
    assert_eq!(random.len(), 43, "{key}");
    assert!(random.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{key}");
    assert_eq!(URL_SAFE_NO_PAD.decode(random).expect("base64url").len(), 32);
    assert_eq!(*record.prefix, key[..12]);
    assert_eq!(record.prefix.len(), PREFIX_CHARS);
    let digest: [u8; 32] = Sha256::digest(key.as_bytes()).into();
    assert_eq!(record.sha256, SecretHash(digest));
    assert_eq!(record.sha256, SecretHash::of(&key));
    assert_eq!(&*record.principal, "acme");
    assert_eq!(*record.scopes, [Arc::<str>::from("data:read")]);
    assert_eq!(record.created_at, Some(at(T)));
    assert_eq!((record.expires_at, record.revoked, record.last_used_at), (None, false, None));
    // The record holds no secret: its Debug output shows neither the key nor its random part.
    let debug = format!("{record:?}");
    assert!(!debug.contains(&key) && !debug.contains(random), "{debug}");

    let (other, _) = generate_api_key("sk_test_", "acme", &[], at(T)).unwrap();
    assert_ne!(key, other, "keys are random");

    // A generated key authenticates once its record is stored.
    let h = Harness::new();
    h.keys.insert(record);
    for header in [("X-API-Key", key.clone()), ("Authorization", format!("ApiKey {key}"))] {
        let decision = h.decide("GET", "/data", &[(header.0, &header.1)]);
        assert_eq!(decision, allowed("acme", "partner_key", &["data:read"]));
    }
}

#[test]
fn session_records_redact_their_secrets_in_debug() {
    // The CSRF token is a secret of the session's, and the id is kept only as its hash,
    // printed in part: neither may reach a log through `{:?}`.
    let id = "session-id-0123456789abcdef0123456789";
    let csrf = "csrf-token-0123456789abcdef0123456789";
    let record = SessionRecord {
        sha256: SecretHash::of(id),
        principal: "alice".into(),
        scopes: Arc::from([Arc::<str>::from("data:read")]),
        csrf_token: csrf.into(),
        expires_at: None,
    };
    let debug = format!("{record:?} {:?}", record.sha256);
    let full_hash: String = Sha256::digest(id).iter().map(|b| format!("{b:02x}")).collect();
    assert!(debug.contains("alice") && debug.contains("<redacted>"), "{debug}");
    assert!(!debug.contains(csrf) && !debug.contains(id), "{debug}");
    assert!(!debug.contains(&full_hash), "the whole hash is printed: {debug}");
}

#[test]
fn api_key_in_its_header_or_in_authorization() {
    let h = Harness::new();
    let key = seeded_key('A');
    let expected = allowed("acme", "partner_key", &["data:read", "data:write"]);
    for (name, value) in [
        ("X-API-Key", key.clone()),
        ("x-api-key", key.clone()),
        ("Authorization", format!("ApiKey {key}")),
        ("Authorization", format!("apikey {key}")),
        ("Authorization", format!("APIKEY  {key}")),
    ] {
        assert_eq!(h.decide("POST", "/data", &[(name, &value)]), expected, "{name}: {value}");
    }
}

#[test]
fn api_key_with_a_wrong_prefix_is_refused_without_a_store_lookup() {
    let store = Arc::new(CountingKeyStore::default());
    let key = seeded_key('A');
    store.inner.insert(key_record(&key, "acme", &["data:read"]));
    let h = Harness::with_key_store(store.clone());

    assert!(h.decide("GET", "/data", &[("X-API-Key", &key)]).is_allowed());
    assert_eq!(store.lookups.load(Ordering::SeqCst), 1, "a good key is looked up once");

    let wrong = [
        key.replacen("sk_test_", "sk_live_", 1),
        key.replacen("sk_test_", "SK_TEST_", 1),
        key["sk_test_".len()..].to_owned(),
        "pk_test_0000".to_owned(),
    ];
    for candidate in &wrong {
        let decision = h.decide("GET", "/data", &[("X-API-Key", candidate)]);
        assert_invalid_token(&decision, "partner_key", Rejection::WrongPrefix, DATA_OTHERS);
    }
    assert_eq!(store.lookups.load(Ordering::SeqCst), 1, "no lookup for a wrong prefix");

    // The right prefix but unknown: looked up, refused as unknown.
    let decision = h.decide("GET", "/data", &[("X-API-Key", &fixed_key('Z'))]);
    assert_invalid_token(&decision, "partner_key", Rejection::Unknown, DATA_OTHERS);
    assert_eq!(store.lookups.load(Ordering::SeqCst), 2);
}

#[test]
fn api_key_hash_or_prefix_offered_as_the_key_is_refused() {
    let h = Harness::new();
    let key = seeded_key('A');
    let hex: String = Sha256::digest(key.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(SecretHash::from_hex(&hex), Some(SecretHash::of(&key)));
    let decision = h.decide("GET", "/data", &[("X-API-Key", &hex)]);
    assert_invalid_token(&decision, "partner_key", Rejection::WrongPrefix, DATA_OTHERS);
    // With the prefix in front it passes the prefix check and still matches nothing.
    let prefixed = format!("sk_test_{hex}");
    let decision = h.decide("GET", "/data", &[("X-API-Key", &prefixed)]);
    assert_invalid_token(&decision, "partner_key", Rejection::Unknown, DATA_OTHERS);
    // The visible prefix alone finds the record by prefix, but not by hash.
    let decision = h.decide("GET", "/data", &[("X-API-Key", &key[..PREFIX_CHARS])]);
    assert_invalid_token(&decision, "partner_key", Rejection::Unknown, DATA_OTHERS);
    // One character off.
    let mut near = key.clone();
    near.pop();
    near.push('B');
    let decision = h.decide("GET", "/data", &[("X-API-Key", &near)]);
    assert_invalid_token(&decision, "partner_key", Rejection::Unknown, DATA_OTHERS);
}

#[test]
fn api_key_revoked_and_expired() {
    let h = Harness::new();
    let cases = [
        ('R', Some(Rejection::Revoked)),
        ('E', Some(Rejection::CredentialExpired)),
        ('N', Some(Rejection::CredentialExpired)),
        ('L', None),
    ];
    for (kind, expected) in cases {
        let decision = h.decide("GET", "/data", &[("X-API-Key", &seeded_key(kind))]);
        match expected {
            None => assert_eq!(decision, allowed("acme", "partner_key", &["data:read"])),
            Some(rejection) => {
                assert_invalid_token(&decision, "partner_key", rejection, DATA_OTHERS);
            }
        }
    }
    // Revoking through the store takes effect on the next request.
    let key = fixed_key('V');
    h.keys.insert(key_record(&key, "acme", &["data:read"]));
    assert!(h.decide("GET", "/data", &[("X-API-Key", &key)]).is_allowed());
    assert_eq!(h.keys.revoke(&key[..PREFIX_CHARS]), 1);
    let decision = h.decide("GET", "/data", &[("X-API-Key", &key)]);
    assert_invalid_token(&decision, "partner_key", Rejection::Revoked, DATA_OTHERS);
}

#[test]
fn api_key_rotation_two_active_keys_for_one_principal() {
    let h = Harness::new();
    let (old, old_record) =
        generate_api_key("sk_test_", "rotating", &["data:read"], at(T)).unwrap();
    let (new, new_record) =
        generate_api_key("sk_test_", "rotating", &["data:read"], at(T)).unwrap();
    h.keys.insert(old_record);
    h.keys.insert(new_record);
    // Two keys sharing one visible prefix: both records come back and the right one matches.
    let (twin_a, twin_b) = (format!("{}a", fixed_key('T')), format!("{}b", fixed_key('T')));
    h.keys.insert(key_record(&twin_a, "rotating", &["data:read"]));
    h.keys.insert(key_record(&twin_b, "rotating", &["data:read"]));
    assert_eq!(h.keys.keys_with_prefix(&twin_a[..PREFIX_CHARS]).len(), 2);
    for key in [&old, &new, &twin_a, &twin_b] {
        let decision = h.decide("GET", "/data", &[("X-API-Key", key)]);
        assert_eq!(decision, allowed("rotating", "partner_key", &["data:read"]), "{key}");
    }
    let decision = h.decide("GET", "/data", &[("X-API-Key", &format!("{}c", fixed_key('T')))]);
    assert_invalid_token(&decision, "partner_key", Rejection::Unknown, DATA_OTHERS);
}

// ---------------------------------------------------------------------------------------
// Sessions
// ---------------------------------------------------------------------------------------

#[test]
fn session_cookie_among_other_cookies() {
    let h = Harness::new();
    let expected = allowed("bob", "browser", &["data:read", "data:write"]);
    for cookie in [
        format!("sid={SESSION_VALID}"),
        format!("a=1; sid={SESSION_VALID}; b=2"),
        format!("a=1;sid={SESSION_VALID};b=2"),
        format!("sid=\"{SESSION_VALID}\""),
        format!("xsid=nope; sid={SESSION_VALID}; sidx=nope"),
    ] {
        assert_eq!(h.decide("GET", "/data", &[("Cookie", &cookie)]), expected, "{cookie}");
    }
    // Across two Cookie headers, one holding the session.
    let parts = request(
        "GET",
        "/data",
        &[("Cookie", "a=1"), ("Cookie", &format!("sid={SESSION_VALID}; b=2"))],
    );
    assert_eq!(h.authn.decide(&parts, &context()), expected);
    // Without a session cookie: a plain 401.
    let decision = h.decide("GET", "/data", &[("Cookie", "a=1; SID=x; b=2")]);
    let head = decision.response();
    assert!(matches!(decision, Decision::Unauthenticated { error: None, .. }), "{decision:?}");
    assert_eq!(head.status, 401);
    assert_eq!(
        head.www_authenticate,
        [r#"Bearer realm="api.test""#, API_KEY_CHALLENGE, COOKIE_CHALLENGE]
    );
    assert_eq!(head.body.as_deref(), Some(r#"{"error": "unauthenticated"}"#));
}

#[test]
fn session_unknown_or_expired_is_invalid_token() {
    let h = Harness::new();
    for (id, rejection) in [
        ("session-never-issued", Rejection::Unknown),
        ("", Rejection::Unknown),
        (SESSION_EXPIRED, Rejection::CredentialExpired),
    ] {
        let cookie = format!("a=1; sid={id}; b=2");
        let decision = h.decide("GET", "/data", &[("Cookie", &cookie)]);
        assert_invalid_token(&decision, "browser", rejection, DATA_OTHERS);
        // An unknown session is a 401 on unsafe methods too, not a CSRF 403.
        let decision = h.decide("POST", "/data", &[("Cookie", &cookie)]);
        assert_invalid_token(&decision, "browser", rejection, DATA_OTHERS);
    }
    // Ending a session takes effect on the next request.
    let id = "session-to-end-13579bdf";
    h.sessions.insert(session_record(id, &["data:read"], "c", None));
    let cookie = format!("sid={id}");
    assert!(h.decide("GET", "/data", &[("Cookie", &cookie)]).is_allowed());
    assert!(h.sessions.remove(&SecretHash::of(id)));
    let decision = h.decide("GET", "/data", &[("Cookie", &cookie)]);
    assert_invalid_token(&decision, "browser", Rejection::Unknown, DATA_OTHERS);
}

#[test]
fn session_csrf() {
    let h = Harness::new();
    let cookie = format!("sid={SESSION_VALID}");
    let rw = allowed("bob", "browser", &["data:read", "data:write"]);
    // Safe methods need no CSRF token.
    assert_eq!(h.decide("GET", "/data", &[("Cookie", &cookie)]), rw);
    assert_eq!(h.decide("GET", "/data", &[("Cookie", &cookie), ("X-CSRF-Token", "wrong")]), rw);

    let missing = h.decide("POST", "/data", &[("Cookie", &cookie)]);
    assert_csrf(&missing, ForbiddenReason::CsrfTokenMissing, "csrf_token_missing");
    for wrong in ["wrong", "", CSRF_ADMIN, &CSRF_VALID[..CSRF_VALID.len() - 1]] {
        let decision = h.decide("POST", "/data", &[("Cookie", &cookie), ("X-CSRF-Token", wrong)]);
        assert_csrf(&decision, ForbiddenReason::CsrfTokenMismatch, "csrf_token_mismatch");
    }
    let right = [("Cookie", cookie.as_str()), ("X-CSRF-Token", CSRF_VALID)];
    assert_eq!(h.decide("POST", "/data", &right), rw);
    let lower = [("cookie", cookie.as_str()), ("x-csrf-token", CSRF_VALID)];
    assert_eq!(h.decide("POST", "/data", &lower), rw);

    // DELETE is unsafe too; the admin session with its own token is allowed.
    let admin = format!("sid={SESSION_ADMIN}");
    let decision = h.decide("DELETE", "/data/9", &[("Cookie", &admin)]);
    assert_csrf(&decision, ForbiddenReason::CsrfTokenMissing, "csrf_token_missing");
    let decision =
        h.decide("DELETE", "/data/9", &[("Cookie", &admin), ("X-CSRF-Token", CSRF_VALID)]);
    assert_csrf(&decision, ForbiddenReason::CsrfTokenMismatch, "csrf_token_mismatch");
    let decision =
        h.decide("DELETE", "/data/9", &[("Cookie", &admin), ("X-CSRF-Token", CSRF_ADMIN)]);
    assert_eq!(decision, allowed("bob", "browser", &["admin", "data:read", "data:write"]));
    // A session lacking the scope, with its CSRF token right: 403 insufficient_scope, and
    // no Bearer challenge (the alternative that authenticated is the session).
    let decision =
        h.decide("DELETE", "/data/9", &[("Cookie", &cookie), ("X-CSRF-Token", CSRF_VALID)]);
    assert_insufficient_scope(&decision, "admin", false);
}

#[test]
fn session_with_an_empty_csrf_token_never_passes_the_check() {
    let h = Harness::new();
    let cookie = format!("sid={SESSION_NO_CSRF}");
    assert!(h.decide("GET", "/data", &[("Cookie", &cookie)]).is_allowed());
    let decision = h.decide("POST", "/data", &[("Cookie", &cookie), ("X-CSRF-Token", "")]);
    assert_csrf(&decision, ForbiddenReason::CsrfTokenMismatch, "csrf_token_mismatch");
}

#[test]
fn explicit_credentials_take_precedence_over_the_session_cookie() {
    let h = Harness::new();
    let good_jwt = user_token(user_claims());
    let expired_jwt = user_token(patch(user_claims(), json!({"exp": T - 3600, "iat": T - 3700})));
    let alice = allowed("alice", "user_jwt", &["data:read"]);
    for cookie in [
        "sid=session-never-issued".to_owned(),
        format!("sid={SESSION_EXPIRED}"),
        format!("sid={SESSION_VALID}"),
    ] {
        let auth = format!("Bearer {good_jwt}");
        let decision = h.decide("GET", "/data", &[("Authorization", &auth), ("Cookie", &cookie)]);
        assert_eq!(decision, alice, "{cookie}");
        // A failing token is not rescued by a valid session.
        let auth = format!("Bearer {expired_jwt}");
        let decision = h.decide("GET", "/data", &[("Authorization", &auth), ("Cookie", &cookie)]);
        assert_invalid_token(&decision, "user_jwt", Rejection::Expired, DATA_OTHERS);
        // An API key likewise; and with an explicit credential no CSRF check applies.
        let key = seeded_key('A');
        let decision = h.decide("POST", "/data", &[("X-API-Key", &key), ("Cookie", &cookie)]);
        assert_eq!(decision, allowed("acme", "partner_key", &["data:read", "data:write"]));
        let auth = format!("Bearer {OPAQUE_VALID}");
        let decision = h.decide("POST", "/data", &[("Authorization", &auth), ("Cookie", &cookie)]);
        assert_eq!(decision, allowed("svc", "service_token", &["data:read", "data:write"]));
    }
    // No cookie event: the session was never looked at.
    assert!(
        h.events.take().iter().all(|e| !matches!(
            e,
            Event::CredentialRejected { scheme, .. } if &**scheme == "browser"
        )),
        "the session cookie must not be verified"
    );
}

// ---------------------------------------------------------------------------------------
// Malformed requests
// ---------------------------------------------------------------------------------------

#[test]
fn malformed_credentials_in_headers() {
    use MalformedRequest::*;
    let h = Harness::new();
    let key = seeded_key('A');
    let jwt = user_token(user_claims());
    let api_auth = format!("ApiKey {key}");
    let bearer_jwt = format!("Bearer {jwt}");
    let bearer_opaque = format!("Bearer {OPAQUE_VALID}");
    let other_key = fixed_key('Q');
    let sid = format!("sid={SESSION_VALID}");
    let two_sids = format!("sid={SESSION_VALID}; a=1; sid={SESSION_ADMIN}");
    let cases: Vec<(&str, Headers, MalformedRequest)> = vec![
        (
            "two Authorization headers",
            vec![("Authorization", &bearer_jwt), ("Authorization", &bearer_jwt)],
            DuplicateAuthorization,
        ),
        (
            "Authorization twice, different schemes",
            vec![("Authorization", &bearer_jwt), ("authorization", &api_auth)],
            DuplicateAuthorization,
        ),
        (
            "the same key in X-API-Key and Authorization",
            vec![("X-API-Key", &key), ("Authorization", &api_auth)],
            SeveralCredentials,
        ),
        (
            "different keys in X-API-Key and Authorization",
            vec![("X-API-Key", &other_key), ("Authorization", &api_auth)],
            SeveralCredentials,
        ),
        (
            "two X-API-Key headers",
            vec![("X-API-Key", &key), ("X-API-Key", &key)],
            DuplicateHeader("X-API-Key".into()),
        ),
        (
            "a JWT and an API key",
            vec![("Authorization", &bearer_jwt), ("X-API-Key", &key)],
            SeveralCredentials,
        ),
        (
            "an opaque token and an API key",
            vec![("Authorization", &bearer_opaque), ("X-API-Key", &key)],
            SeveralCredentials,
        ),
        ("Bearer without a token", vec![("Authorization", "Bearer")], BadBearer),
        ("Bearer and a space", vec![("Authorization", "Bearer ")], BadBearer),
        ("Bearer a b", vec![("Authorization", "Bearer a b")], BadBearer),
        ("Bearer a,b", vec![("Authorization", "Bearer a,b")], BadBearer),
        ("Bearer with only padding", vec![("Authorization", "Bearer ==")], BadBearer),
        ("Bearer with = inside", vec![("Authorization", "Bearer a=b")], BadBearer),
        ("Bearer quoted", vec![("Authorization", "Bearer \"abc\"")], BadBearer),
        (
            "two sid cookies in one header",
            vec![("Cookie", &two_sids)],
            DuplicateCookie("sid".into()),
        ),
        (
            "two sid cookies in two headers",
            vec![("Cookie", &sid), ("Cookie", &sid)],
            DuplicateCookie("sid".into()),
        ),
    ];
    for (name, headers, reason) in cases {
        let decision = h.decide("GET", "/data", &headers);
        assert_eq!(decision.response().status, 400, "{name}");
        assert_malformed(&decision, &reason, true);
    }
}

#[test]
fn malformed_on_any_route_with_or_without_a_bearer_challenge() {
    let h = Harness::new();
    let two_sids = "sid=a; sid=b";
    // DELETE /data/{id} and GET /pair accept a bearer scheme: the 400 carries its challenge.
    for uri in ["/data/1", "/pair"] {
        let method = if uri == "/pair" { "GET" } else { "DELETE" };
        let decision = h.decide(method, uri, &[("Cookie", two_sids)]);
        assert_malformed(&decision, &MalformedRequest::DuplicateCookie("sid".into()), true);
    }
    // A public route, and the default (deny) for an unknown path and for a method no route
    // has: no challenge, still 400.
    for (method, uri) in [("GET", "/health"), ("GET", "/nowhere"), ("PUT", "/data")] {
        let decision = h.decide(method, uri, &[("Cookie", two_sids)]);
        assert_malformed(&decision, &MalformedRequest::DuplicateCookie("sid".into()), false);
        let decision = h.decide(method, &format!("{uri}?access_token=x"), &[]);
        let reason = MalformedRequest::CredentialInQuery("access_token".into());
        assert_malformed(&decision, &reason, false);
    }
}

#[test]
fn malformed_credentials_in_the_query_string() {
    let h = Harness::new();
    let cases = [
        ("access_token=", "access_token"),
        ("access_token=abc", "access_token"),
        ("access_token", "access_token"),
        ("ACCESS_TOKEN=abc", "access_token"),
        ("api_key=abc", "api_key"),
        ("apikey=abc", "apikey"),
        ("x-api-key=abc", "x-api-key"),
        ("X-Api-Key=abc", "x-api-key"),
        ("foo=sk_test_abc", "sk_test_…"),
        ("foo=sk%5Ftest_abc", "sk_test_…"),
        ("sk_test_AbCdEf0123456789", "sk_test_…"),
        ("access%5Ftoken=x", "access_token"),
        ("access%5ftoken=x", "access_token"),
        ("%61ccess_token=x", "access_token"),
        ("page=2&access_token=x", "access_token"),
        ("page=2&q=sk_test_AAAA&x=1", "sk_test_…"),
    ];
    for (query, parameter) in cases {
        let uri = format!("/data?{query}");
        let decision = h.decide("GET", &uri, &[]);
        let reason = MalformedRequest::CredentialInQuery(parameter.into());
        assert_malformed(&decision, &reason, true);
        assert_eq!(
            decision.response().body.unwrap(),
            format!(
                r#"{{"error": "invalid_request", "error_description": "{}{parameter}`)"}}"#,
                "credentials must not be sent in the URL (`"
            )
        );
    }
    // Queries without credentials go through.
    let key = seeded_key('A');
    for query in ["page=2", "q=sk", "token=abc", "access_tokens=1", "q=x+sk_test_"] {
        let decision = h.decide("GET", &format!("/data?{query}"), &[("X-API-Key", &key)]);
        assert!(decision.is_allowed(), "{query}: {decision:?}");
    }
}

#[test]
fn malformed_control_characters_in_credential_headers() {
    let h = Harness::new();
    let key = seeded_key('A');
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("Authorization", b"Bearer abc\tdef".to_vec(), "Authorization"),
        ("Authorization", b"Bearer\tabc".to_vec(), "Authorization"),
        ("Authorization", "Bearer caf\u{e9}".as_bytes().to_vec(), "Authorization"),
        ("Authorization", [b"ApiKey ".as_slice(), key.as_bytes(), b"\t"].concat(), "Authorization"),
        ("X-API-Key", [key.as_bytes(), b"\t"].concat(), "X-API-Key"),
        ("X-API-Key", [key.as_bytes(), &[0x80]].concat(), "X-API-Key"),
        ("Cookie", format!("sid={SESSION_VALID};\ta=1").into_bytes(), "Cookie"),
        ("Cookie", b"theme=\xffdark".to_vec(), "Cookie"),
    ];
    for (name, value, header) in cases {
        let parts = request_bytes("GET", "/data", &[(name, &value)]);
        let decision = h.authn.decide(&parts, &context());
        let reason = MalformedRequest::ControlCharacters(header.into());
        assert_malformed(&decision, &reason, true);
    }
    // A non-credential header may hold a tab.
    let parts =
        request_bytes("GET", "/data", &[("X-API-Key", key.as_bytes()), ("User-Agent", b"a\tb")]);
    assert!(h.authn.decide(&parts, &context()).is_allowed());
}

#[test]
fn http_crate_refuses_other_control_characters_before_we_see_them() {
    // C0 controls other than tab, and DEL, cannot be put in a `HeaderValue` without the
    // unsafe `from_maybe_shared_unchecked`, so the authenticator never receives them; the
    // tab and bytes >= 0x80 (tested above) are the ones that get through.
    for byte in [0x00u8, 0x01, 0x0a, 0x0d, 0x1f, 0x7f] {
        assert!(HeaderValue::from_bytes(&[b'a', byte, b'b']).is_err(), "{byte:#04x}");
    }
    assert!(HeaderValue::from_bytes(b"a\tb").is_ok());
    assert!(HeaderValue::from_bytes(b"a\x80b").is_ok());
}

#[test]
fn bearer_auth_scheme_and_header_name_are_case_insensitive() {
    let h = Harness::new();
    let jwt = user_token(user_claims());
    let alice = allowed("alice", "user_jwt", &["data:read"]);
    for (name, scheme) in [
        ("Authorization", "Bearer"),
        ("authorization", "bearer"),
        ("AUTHORIZATION", "BEARER"),
        ("authorization", "bEaReR"),
    ] {
        let value = format!("{scheme} {jwt}");
        assert_eq!(h.decide("GET", "/data", &[(name, &value)]), alice, "{name}: {scheme}");
    }
    // Several spaces before the token are tolerated.
    let value = format!("Bearer   {jwt}");
    assert_eq!(h.decide("GET", "/data", &[("Authorization", &value)]), alice);
}

#[test]
fn a_bearer_token_and_an_api_key_together_on_an_all_of_route() {
    let h = Harness::new();
    let key = seeded_key('A');
    let jwt = user_token(user_claims());
    let auth = format!("Bearer {jwt}");
    // GET /pair is `allow partner_key + user_jwt`: the principal is partner_key's.
    let decision = h.decide("GET", "/pair", &[("Authorization", &auth), ("X-API-Key", &key)]);
    assert_eq!(decision, allowed("acme", "partner_key", &["data:read", "data:write"]));
    // One of the two alone is not enough.
    for headers in [vec![("Authorization", auth.as_str())], vec![("X-API-Key", key.as_str())]] {
        let decision = h.decide("GET", "/pair", &headers);
        assert!(matches!(decision, Decision::Unauthenticated { error: None, .. }), "{decision:?}");
        assert_eq!(
            decision.response().www_authenticate,
            [API_KEY_CHALLENGE, r#"Bearer realm="api.test""#]
        );
    }
    // Either failing fails the pair.
    let expired = user_token(patch(user_claims(), json!({"exp": T - 100, "iat": T - 200})));
    let auth = format!("Bearer {expired}");
    let decision = h.decide("GET", "/pair", &[("Authorization", &auth), ("X-API-Key", &key)]);
    let error = AuthError {
        code: AuthErrorCode::InvalidToken,
        scheme: Arc::from("user_jwt"),
        rejection: Rejection::Expired,
    };
    assert!(
        matches!(&decision, Decision::Unauthenticated { error: Some(e), .. } if *e == error),
        "{decision:?}"
    );
    let bearer = concat!(
        r#"Bearer realm="api.test", error="invalid_token", "#,
        r#"error_description="the token has expired""#
    );
    assert_eq!(decision.response().www_authenticate, [API_KEY_CHALLENGE, bearer]);
    // The same pair on GET /data, which has no all-of rule, is malformed.
    let auth = format!("Bearer {jwt}");
    let decision = h.decide("GET", "/data", &[("Authorization", &auth), ("X-API-Key", &key)]);
    assert_malformed(&decision, &MalformedRequest::SeveralCredentials, true);
}

#[test]
fn malformed_path_is_refused_first() {
    let h = Harness::new();
    let jwt = user_token(user_claims());
    let cases = [
        ("/data/../health", PathError::DotSegment),
        ("/data/./x", PathError::DotSegment),
        ("/data//x", PathError::EmptySegment),
        ("/data/%2e%2e/health", PathError::EncodedDelimiter),
        ("/data/..%2Fhealth", PathError::EncodedDelimiter),
    ];
    for (uri, error) in cases {
        let decision = h.bearer("GET", uri, &jwt);
        assert_eq!(
            decision,
            Decision::Malformed { reason: MalformedRequest::Path(error), challenge: None }
        );
        assert_malformed(&decision, &MalformedRequest::Path(error), false);
        // Before the query is looked at.
        let decision = h.decide("GET", &format!("{uri}?access_token=x"), &[]);
        assert_malformed(&decision, &MalformedRequest::Path(error), false);
    }
    let decision = h.decide("GET", "/data/../health", &[]);
    assert_eq!(
        decision.response().body.as_deref(),
        Some(concat!(
            r#"{"error": "invalid_request", "#,
            r#""error_description": "the request path has a dot segment"}"#
        ))
    );
}

#[test]
fn malformed_request_challenges_are_valid_header_values() {
    // The 400's description names the query parameter, which the client chose; whatever it
    // holds, the rendered WWW-Authenticate value must still be a valid header value.
    let h = Harness::new();
    let queries = ["a%22b%5C=sk_test_x", "a%0D%0AX-Evil:%201=sk_test_x", "a%7F=sk_test_x"];
    for query in queries.into_iter().chain(["caf%C3%A9=sk_test_x"]) {
        let decision = h.decide("GET", &format!("/data?{query}"), &[]);
        let head = decision.response();
        assert_eq!(head.status, 400, "{query}");
        for value in &head.www_authenticate {
            assert!(HeaderValue::from_str(value).is_ok(), "{query}: {value:?}");
            assert!(!value.contains(['\r', '\n', '\u{7f}']), "{query}: {value:?}");
        }
    }
    // Exactly: quotes and backslashes escaped, controls dropped, obs-text (which RFC 9110
    // allows in a quoted-string and the http crate accepts) kept.
    let described = |query: &str| {
        let decision = h.decide("GET", &format!("/data?{query}"), &[]);
        decision.response().www_authenticate.join("\n")
    };
    let expected = |name: &str| {
        format!(
            "Bearer realm=\"api.test\", error=\"invalid_request\", error_description=\"credentials \
             must not be sent in the URL (`{name}`)\""
        )
    };
    // A key found by its prefix is named by the prefix, never by the parameter or value.
    assert_eq!(described("a%22b%5C=sk_test_x"), expected("sk_test_…"));
    assert_eq!(described("caf%C3%A9=sk_test_x"), expected("sk_test_…"));
}

// ---------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------

#[test]
fn events_key_used_and_key_from_new_network() {
    let h = Harness::new();
    let key = seeded_key('A');
    let prefix = key[..PREFIX_CHARS].to_owned();
    assert_eq!(prefix, "sk_test_AAAA");
    let scheme: Arc<str> = Arc::from("partner_key");
    let used = |ip: Option<&str>| Event::KeyUsed {
        scheme: scheme.clone(),
        prefix: prefix.clone(),
        peer: ip.map(|ip| ip.parse::<IpAddr>().unwrap()),
    };
    let new_network = |network: &str| Event::KeyFromNewNetwork {
        scheme: scheme.clone(),
        prefix: prefix.clone(),
        network: network.parse().unwrap(),
    };

    let steps: Vec<(Context, Vec<Event>)> = vec![
        // The first use counts as a new network.
        (peer("203.0.113.9"), vec![used(Some("203.0.113.9")), new_network("203.0.113.0")]),
        // The same /24: no alert.
        (peer("203.0.113.200"), vec![used(Some("203.0.113.200"))]),
        (peer("203.0.113.9"), vec![used(Some("203.0.113.9"))]),
        // A new /24.
        (peer("203.0.114.9"), vec![used(Some("203.0.114.9")), new_network("203.0.114.0")]),
        // No peer address: used, but no network to judge.
        (context(), vec![used(None)]),
        // IPv6 /48, and an IPv4-mapped address counts as its IPv4 /24.
        (peer("2001:db8:1:2::1"), vec![used(Some("2001:db8:1:2::1")), new_network("2001:db8:1::")]),
        (peer("2001:db8:1:ffff::9"), vec![used(Some("2001:db8:1:ffff::9"))]),
        (peer("::ffff:203.0.113.77"), vec![used(Some("::ffff:203.0.113.77"))]),
    ];
    for (context, expected) in steps {
        let decision = h.decide_at(&context, "GET", "/data", &key);
        assert!(decision.is_allowed(), "{decision:?}");
        assert_eq!(h.events.take(), expected, "{context:?}");
    }
    // Through Authorization: ApiKey as well; and a refused key is not "used".
    let parts = request("GET", "/data", &[("Authorization", &format!("ApiKey {key}"))]);
    assert!(h.authn.decide(&parts, &peer("198.51.100.1")).is_allowed());
    assert_eq!(h.events.take(), [used(Some("198.51.100.1")), new_network("198.51.100.0")]);
    let revoked = seeded_key('R');
    assert!(!h.decide_at(&peer("192.0.2.1"), "GET", "/data", &revoked).is_allowed());
    assert_eq!(
        h.events.take(),
        [Event::CredentialRejected { scheme: scheme.clone(), rejection: Rejection::Revoked }]
    );
}

#[test]
fn events_credential_rejected_in_url_and_malformed() {
    let h = Harness::new();
    let rejected = |scheme: &str, rejection| Event::CredentialRejected {
        scheme: Arc::from(scheme),
        rejection,
    };
    let expired = user_token(patch(user_claims(), json!({"exp": T - 31})));
    h.bearer("DELETE", "/data/1", &expired);
    assert_eq!(h.events.take(), [rejected("user_jwt", Rejection::Expired)]);
    h.bearer("GET", "/data", OPAQUE_REVOKED);
    assert_eq!(h.events.take(), [rejected("service_token", Rejection::Revoked)]);
    h.decide("GET", "/data", &[("X-API-Key", "pk_live_nope")]);
    assert_eq!(h.events.take(), [rejected("partner_key", Rejection::WrongPrefix)]);
    h.decide("GET", "/data", &[("Cookie", &format!("sid={SESSION_EXPIRED}"))]);
    assert_eq!(h.events.take(), [rejected("browser", Rejection::CredentialExpired)]);
    h.decide("POST", "/data", &[("Cookie", &format!("sid={SESSION_VALID}"))]);
    assert_eq!(h.events.take(), NO_EVENTS, "a CSRF refusal is not a rejected credential");

    let parameter = "access_token".to_owned();
    h.decide("GET", "/data?access_token=abc", &[]);
    assert_eq!(
        h.events.take(),
        [
            Event::CredentialInUrl { parameter: parameter.clone() },
            Event::MalformedRequest { reason: MalformedRequest::CredentialInQuery(parameter) },
        ]
    );
    h.decide("GET", "/data", &[("Authorization", "Bearer a b")]);
    assert_eq!(h.events.take(), [Event::MalformedRequest { reason: MalformedRequest::BadBearer }]);
    h.decide("GET", "/data/../x", &[]);
    assert_eq!(
        h.events.take(),
        [Event::MalformedRequest { reason: MalformedRequest::Path(PathError::DotSegment) }]
    );
    // Accepted credentials other than API keys, and anonymous requests, emit nothing.
    h.bearer("GET", "/data", &user_token(user_claims()));
    h.bearer("GET", "/data", OPAQUE_VALID);
    h.decide("GET", "/data", &[("Cookie", &format!("sid={SESSION_VALID}"))]);
    h.decide("GET", "/data", &[]);
    h.decide("GET", "/health", &[]);
    assert_eq!(h.events.take(), NO_EVENTS);
}

#[test]
fn events_no_rejection_reported_for_a_credential_that_was_accepted() {
    let h = Harness::new();
    let shared = shared_token(shared_claims());
    assert_eq!(h.bearer("GET", "/data", &shared), allowed("sam", "shared_jwt", &["data:read"]));
    assert_eq!(h.events.take(), NO_EVENTS);
    let pem = pem_token(json!({"alg": "RS256", "typ": "at+jwt"}), pem_claims());
    assert_eq!(h.bearer("GET", "/data", &pem), allowed("pat", "pem_jwt", &["data:read"]));
    assert_eq!(h.events.take(), NO_EVENTS);
}

#[test]
fn events_never_carry_a_secret() {
    let h = Harness::new();
    let (key, record) = generate_api_key("sk_test_", "acme", &["data:read"], at(T)).unwrap();
    let prefix = record.prefix.to_string();
    h.keys.insert(record);
    let jwt = user_token(patch(user_claims(), json!({"exp": T - 31})));
    let requests: Vec<(Context, Parts)> = vec![
        (peer("203.0.113.9"), request("GET", "/data", &[("X-API-Key", &key)])),
        (peer("203.0.114.9"), request("GET", "/data", &[("X-API-Key", &key)])),
        (context(), request("GET", "/data", &[("Authorization", &format!("ApiKey {key}"))])),
        (context(), request("GET", &format!("/data?api_key={key}"), &[])),
        (context(), request("GET", &format!("/data?q={key}"), &[])),
        (context(), request("GET", "/data", &[("X-API-Key", &key), ("X-API-Key", &key)])),
        (context(), request("GET", "/data", &[("Authorization", &format!("Bearer {jwt}"))])),
        (context(), request("GET", &format!("/data?access_token={jwt}"), &[])),
        (
            context(),
            request("GET", "/data", &[("Authorization", &format!("Bearer {OPAQUE_REVOKED}"))]),
        ),
        (context(), request("GET", "/data", &[("Cookie", &format!("sid={SESSION_EXPIRED}"))])),
    ];
    for (context, parts) in &requests {
        h.authn.decide(parts, context);
    }
    let events = h.events.take();
    assert!(events.len() >= requests.len(), "{events:?}");
    let debug = format!("{events:?}");
    for secret in [&key, &key[PREFIX_CHARS..], &jwt, OPAQUE_REVOKED, SESSION_EXPIRED] {
        assert!(!debug.contains(secret), "events mention {secret}: {debug}");
    }
    assert!(debug.contains(&format!("prefix: {prefix:?}")), "{debug}");
    let key_events = events.iter().filter(|e| {
        matches!(e, Event::KeyUsed { prefix: p, .. } | Event::KeyFromNewNetwork { prefix: p, .. }
            if *p == prefix)
    });
    assert_eq!(key_events.count(), 5, "three uses, two new networks: {events:?}");
}

// ---------------------------------------------------------------------------------------
// Secrets never leak
// ---------------------------------------------------------------------------------------

#[test]
fn rejected_credentials_never_appear_in_decisions_or_responses() {
    let h = Harness::new();
    let bad_jwt = sign(rs_header("rsa-1"), user_claims(), &rsa2(), Algorithm::RS256);
    let expired_jwt = user_token(patch(user_claims(), json!({"exp": T - 31})));
    let unknown_key = fixed_key('U');
    let cases: Vec<(&str, String, OwnedHeaders)> = vec![
        (
            "JWT, bad signature",
            bad_jwt.clone(),
            vec![("Authorization", format!("Bearer {bad_jwt}"))],
        ),
        (
            "JWT, expired",
            expired_jwt.clone(),
            vec![("Authorization", format!("Bearer {expired_jwt}"))],
        ),
        (
            "opaque, unknown",
            "opaque-never-issued-55aa".into(),
            vec![("Authorization", "Bearer opaque-never-issued-55aa".into())],
        ),
        (
            "opaque, revoked",
            OPAQUE_REVOKED.into(),
            vec![("Authorization", format!("Bearer {OPAQUE_REVOKED}"))],
        ),
        ("API key, unknown", unknown_key.clone(), vec![("X-API-Key", unknown_key.clone())]),
        (
            "API key, revoked",
            seeded_key('R'),
            vec![("Authorization", format!("ApiKey {}", seeded_key('R')))],
        ),
        (
            "API key, wrong prefix",
            "pk_live_s3cr3t_value_123".into(),
            vec![("X-API-Key", "pk_live_s3cr3t_value_123".into())],
        ),
        (
            "session, unknown",
            "session-never-issued-99ff".into(),
            vec![("Cookie", "sid=session-never-issued-99ff".into())],
        ),
        (
            "session, expired",
            SESSION_EXPIRED.into(),
            vec![("Cookie", format!("a=1; sid={SESSION_EXPIRED}"))],
        ),
        (
            "session, CSRF missing",
            SESSION_VALID.into(),
            vec![("Cookie", format!("sid={SESSION_VALID}"))],
        ),
    ];
    for (name, secret, headers) in cases {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let method = if name.contains("CSRF") { "POST" } else { "GET" };
        let decision = h.decide(method, "/data", &headers);
        assert!(!decision.is_allowed(), "{name}");
        assert_no_leak(&secret, &decision, &h.events.take());
    }
    // The same for malformed requests that carry the secret somewhere.
    let key = seeded_key('A');
    let cases: Vec<(String, Vec<(&str, String)>)> = vec![
        (format!("/data?api_key={key}"), vec![]),
        (
            "/data".into(),
            vec![("X-API-Key", key.clone()), ("Authorization", format!("ApiKey {key}"))],
        ),
        ("/data".into(), vec![("X-API-Key", format!("{key} {key}"))]),
        ("/data".into(), vec![("Authorization", format!("Bearer {key} x"))]),
    ];
    for (uri, headers) in cases {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let decision = h.decide("GET", &uri, &headers);
        assert_no_leak(&key, &decision, &h.events.take());
    }
}

// ---------------------------------------------------------------------------------------
// Setup errors
// ---------------------------------------------------------------------------------------

#[test]
fn setup_missing_store() {
    let engine = || Engine::load(POLICY).expect("policy loads");
    let keys: Arc<dyn KeyStore> = Arc::new(MemoryKeyStore::default());
    let tokens = Arc::new(MemoryTokenStore::default());
    let sessions = Arc::new(MemorySessionStore::default());
    let cases = [
        (Authenticator::builder(engine()), ("service_token", "tokens", "token")),
        (
            Authenticator::builder(engine()).token_store("tokens", tokens.clone()),
            ("partner_key", "keys", "key"),
        ),
        (
            Authenticator::builder(engine())
                .token_store("tokens", tokens.clone())
                .key_store("keys", keys.clone()),
            ("browser", "sessions", "session"),
        ),
        (
            // A store under another name is not the one the policy names.
            Authenticator::builder(engine())
                .token_store("tokens", tokens.clone())
                .key_store("keys", keys.clone())
                .session_store("session", sessions.clone()),
            ("browser", "sessions", "session"),
        ),
    ];
    for (builder, (scheme, store, kind)) in cases {
        match builder.build() {
            Err(SetupError::MissingStore { scheme: s, store: st, kind: k }) => {
                assert_eq!((s.as_str(), st.as_str(), k), (scheme, store, kind));
            }
            other => panic!("expected MissingStore for {scheme}, got {other:?}"),
        }
    }
    let built = Authenticator::builder(engine())
        .token_store("tokens", tokens)
        .key_store("keys", keys)
        .session_store("sessions", sessions)
        .build();
    assert!(built.is_ok(), "{built:?}");
}

/// A one-scheme policy around `keys` (a DSL key source line).
fn one_jwt_scheme(algorithm: &str, keys: &str) -> Engine {
    let text = format!(
        "version 1\nrealm \"api.test\"\n\nscheme only: jwt {{\n    issuer \"https://i.test/\"\n    \
         audience \"api.test\"\n    algorithms {algorithm}\n    {keys}\n}}\n\nGET /x allow only\n"
    );
    Engine::from_text(&text, Syntax::Dsl).unwrap_or_else(|e| panic!("{text}\n{e:?}"))
}

#[test]
fn setup_jwks_file_that_does_not_exist() {
    let engine = one_jwt_scheme("RS256", "keys.jwks_file \"keys/no-such-jwks.json\"");
    match Authenticator::builder(engine).key_dir(FIXTURES).build() {
        Err(SetupError::Keys { scheme, source: KeyError::Io { path, source } }) => {
            assert_eq!(scheme, "only");
            assert_eq!(path, std::path::Path::new(FIXTURES).join("keys/no-such-jwks.json"));
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("expected a key I/O error, got {other:?}"),
    }
    // The same policy with the real file builds.
    let engine = one_jwt_scheme("RS256", "keys.jwks_file \"keys/jwks.json\"");
    assert!(Authenticator::builder(engine).key_dir(FIXTURES).build().is_ok());
    // So does a PEM file; a missing one does not.
    let engine = one_jwt_scheme("RS256", "keys.pem_file \"keys/missing.pub.pem\"");
    let built = Authenticator::builder(engine).key_dir(FIXTURES).build();
    assert!(
        matches!(built, Err(SetupError::Keys { source: KeyError::Io { .. }, .. })),
        "{built:?}"
    );
    // A file that is not a key set.
    let engine = one_jwt_scheme("RS256", "keys.jwks_file \"keys/rsa.pub.pem\"");
    let built = Authenticator::builder(engine).key_dir(FIXTURES).build();
    assert!(
        matches!(built, Err(SetupError::Keys { source: KeyError::BadKeyFile { .. }, .. })),
        "{built:?}"
    );
}

#[test]
fn setup_hmac_secret_env_var_unset() {
    const UNSET: &str = "PORTCULLIS_TEST_SURELY_UNSET_SECRET_7F3A9C";
    assert!(std::env::var_os(UNSET).is_none(), "{UNSET} must not be set");
    let engine = one_jwt_scheme("HS256", &format!("keys.hmac_secret_env \"{UNSET}\""));
    match Authenticator::builder(engine).key_dir(FIXTURES).build() {
        Err(SetupError::Keys { scheme, source: KeyError::MissingSecret(name) }) => {
            assert_eq!((scheme.as_str(), name.as_str()), ("only", UNSET));
        }
        other => panic!("expected a missing secret, got {other:?}"),
    }
    // The variable cargo sets does work.
    let engine = one_jwt_scheme("HS256", "keys.hmac_secret_env \"PORTCULLIS_TEST_HMAC\"");
    assert!(Authenticator::builder(engine).build().is_ok());
}

// ---------------------------------------------------------------------------------------
// The verified-token cache
// ---------------------------------------------------------------------------------------

/// The same user_jwt token decided at `secs`, by an authenticator with the cache on and one
/// with it off: the two must always agree.
fn cached_and_uncached(token: &str, times: &[u64]) -> Vec<(Decision<'static>, Decision<'static>)> {
    let cached = Harness::isolated();
    let uncached =
        Harness::build(isolated_engine(), None, |b| b.key_dir(FIXTURES).jwt_cache_capacity(0));
    let parts = request("GET", "/only/user", &[("Authorization", &format!("Bearer {token}"))]);
    times
        .iter()
        .map(|&secs| {
            let context = Context { peer: None, now: at(secs) };
            (cached.authn.decide(&parts, &context), uncached.authn.decide(&parts, &context))
        })
        .collect()
}

#[test]
fn a_cached_token_is_refused_once_it_expires() {
    let token = user_token(user_claims());
    // exp is T + 600 and the leeway 30 s: verified at T, cached until exp, re-verified
    // (and still good) within the leeway, refused after it.
    let times = [T, T + 599, T + 600, T + 630, T + 631, T + 1];
    let decisions = cached_and_uncached(&token, &times);
    for ((cached, uncached), secs) in decisions.iter().zip(times) {
        assert_eq!(cached, uncached, "at T + {}", secs - T);
    }
    assert!(decisions[0].0.is_allowed() && decisions[3].0.is_allowed());
    assert_invalid_token(&decisions[4].0, "user_jwt", Rejection::Expired, &[]);
    assert!(decisions[5].0.is_allowed(), "a request judged at an earlier time verifies again");
}

#[test]
fn a_cached_token_does_not_vouch_for_an_earlier_time_or_another_token() {
    let token = user_token(patch(user_claims(), json!({"nbf": T + 100})));
    // Not yet valid at T (nothing cached), valid at T + 100, and not valid again at T.
    let decisions = cached_and_uncached(&token, &[T, T + 100, T]);
    assert_invalid_token(&decisions[0].0, "user_jwt", Rejection::NotYetValid, &[]);
    assert!(decisions[1].0.is_allowed());
    assert_invalid_token(&decisions[2].0, "user_jwt", Rejection::NotYetValid, &[]);

    let h = Harness::isolated();
    let token = user_token(user_claims());
    assert!(h.bearer("GET", "/only/user", &token).is_allowed());
    let mut tampered = token.clone();
    let last = tampered.pop().expect("a signature");
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let decision = h.bearer("GET", "/only/user", &tampered);
    assert_invalid_token(&decision, "user_jwt", Rejection::BadSignature, &[]);
}

#[test]
fn a_key_rotation_drops_the_tokens_the_old_keys_verified() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("jwt-cache-rotation");
    std::fs::create_dir_all(dir.join("keys")).expect("a scratch folder");
    let policy = dir.join("policy.policy");
    std::fs::write(
        &policy,
        "version 1\nrealm \"api.test\"\n\nscheme user_jwt: jwt {\n    \
         issuer \"https://issuer.test/\"\n    audience \"api.test\"\n    algorithms RS256\n    \
         keys.jwks_file \"keys/jwks.json\"\n}\n\nGET /data  allow user_jwt\n",
    )
    .expect("policy written");
    let all: Value = serde_json::from_slice(&read("keys/jwks.json")).unwrap();
    let rotated = all["keys"].as_array().unwrap().iter().filter(|k| k["kid"] != "rsa-1");
    let rotated = json!({ "keys": rotated.cloned().collect::<Vec<Value>>() });
    let jwks = dir.join("keys/jwks.json");
    std::fs::write(&jwks, all.to_string()).expect("key set written");

    let handle = portcullis::AuthenticatorHandle::new(
        Authenticator::builder(Engine::load(&policy).expect("loads")).build().expect("binds"),
    );
    let token = user_token(user_claims());
    let parts = request("GET", "/data", &[("Authorization", &format!("Bearer {token}"))]);
    assert!(handle.current().decide(&parts, &context()).is_allowed());
    assert!(handle.current().decide(&parts, &context()).is_allowed(), "from the cache");

    std::fs::write(&jwks, rotated.to_string()).expect("rotated key set written");
    handle.reload(&policy, |b| b).expect("the rotated keys load");
    let decision = handle.current().decide(&parts, &context());
    assert_invalid_token(&decision, "user_jwt", Rejection::UnknownKey, &[]);
}

#[test]
fn setup_hmac_secret_shorter_than_its_hash() {
    // RFC 7518 section 3.2: at least the hash's length, the longest listed algorithm's.
    let cases = [
        ("HS256", "PORTCULLIS_TEST_HMAC_SHORT", Some((31, "HS256", 32))),
        ("HS256", "PORTCULLIS_TEST_HMAC", None),
        ("HS256, HS384", "PORTCULLIS_TEST_HMAC", Some((38, "HS384", 48))),
        ("HS512", "PORTCULLIS_TEST_HMAC", Some((38, "HS512", 64))),
    ];
    for (algorithms, variable, refused) in cases {
        let keys = format!("keys.hmac_secret_env \"{variable}\"");
        let built = Authenticator::builder(one_jwt_scheme(algorithms, &keys)).build();
        match (built, refused) {
            (Ok(_), None) => {}
            (
                Err(SetupError::Keys {
                    source: KeyError::WeakSecret { variable: v, bytes, algorithm, needed },
                    ..
                }),
                Some(expected),
            ) => {
                assert_eq!(v, variable);
                assert_eq!((bytes, algorithm, needed), expected, "{algorithms}");
            }
            (other, _) => panic!("{algorithms} with {variable}: {other:?}"),
        }
    }
    let error = Authenticator::builder(one_jwt_scheme(
        "HS256",
        "keys.hmac_secret_env \"PORTCULLIS_TEST_HMAC_SHORT\"",
    ))
    .build()
    .expect_err("too short");
    let message = error.to_string();
    assert!(message.contains("is 31 bytes; HS256 needs at least 32"), "{message}");
}

#[test]
fn setup_symmetric_jwk_shorter_than_its_hash() {
    // RFC 7518 section 3.2 holds for a `kty: oct` key in a JWK Set as for a secret from the
    // environment: the key's own `alg` sets the floor (it verifies nothing else), or without
    // one the longest of the scheme's algorithms.
    let dir = std::env::temp_dir().join(format!("portcullis-oct-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        ("HS256", 31, None, Some(("HS256", 32))),
        ("HS256", 32, None, None),
        ("HS256", 32, Some("HS512"), Some(("HS512", 64))),
        ("HS256, HS384", 40, None, Some(("HS384", 48))),
        ("HS256, HS512", 32, Some("HS256"), None),
        ("HS256, HS512", 32, Some("RSA-OAEP"), Some(("HS512", 64))),
        ("HS512", 64, Some("HS512"), None),
    ];
    for (algorithms, bytes, alg, refused) in cases {
        let k = URL_SAFE_NO_PAD.encode(vec![7u8; bytes]);
        let mut jwk = serde_json::json!({ "kty": "oct", "kid": "sym-1", "k": k });
        if let Some(alg) = alg {
            jwk["alg"] = alg.into();
        }
        let path = dir.join("oct.json");
        std::fs::write(&path, serde_json::json!({ "keys": [jwk] }).to_string()).unwrap();
        let engine = one_jwt_scheme(algorithms, "keys.jwks_file \"oct.json\"");
        let built = Authenticator::builder(engine).key_dir(&dir).build();
        let case = format!("{algorithms} with {bytes} bytes, alg {alg:?}");
        match (built, refused) {
            (Ok(_), None) => {}
            (Err(SetupError::Keys { source, .. }), Some((algorithm, needed))) => {
                let message = source.to_string();
                match source {
                    KeyError::WeakJwk { path: p, kid, bytes: b, algorithm: a, needed: n } => {
                        assert_eq!((p, kid.as_deref()), (path.clone(), Some("sym-1")), "{case}");
                        assert_eq!((b, a, n), (bytes, algorithm, needed), "{case}");
                    }
                    other => panic!("{case}: {other:?}"),
                }
                let expected = format!("`sym-1` in `{}` is {bytes} bytes", path.display());
                assert!(message.contains(&expected), "{message}");
            }
            (other, _) => panic!("{case}: {:?}", other.map(|_| ())),
        }
    }
    // A `k` that is not unpadded base64url is no key at all.
    for k in ["not base64!", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="] {
        let jwk = serde_json::json!({ "kty": "oct", "kid": "sym-1", "k": k });
        std::fs::write(dir.join("oct.json"), serde_json::json!({ "keys": [jwk] }).to_string())
            .unwrap();
        let engine = one_jwt_scheme("HS256", "keys.jwks_file \"oct.json\"");
        match Authenticator::builder(engine).key_dir(&dir).build() {
            Err(SetupError::Keys { source: KeyError::BadKeyFile { reason, .. }, .. }) => {
                assert!(reason.contains("`sym-1` is not unpadded base64url"), "{reason}");
            }
            other => panic!("{k}: {:?}", other.map(|_| ())),
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}
