//! The hostile-input catalogue: requests that attack an authentication engine, each with the
//! outcome Portcullis must give and, in a comment, where the attack comes from (an RFC
//! section, a CVE, an advisory or a well-known write-up).
//!
//! Every table is a list of rows; a row is one request (method, raw target, raw headers) and
//! its required outcome: 200, a 400 with its `MalformedRequest`, a 401 with its `Rejection`
//! (or with nothing rejected), or a 403 with its `ForbiddenReason`. All rows of a table are
//! run before the test fails, and the failure lists every row that did not get its outcome,
//! so that one fix does not hide the next failure.
//!
//! Some requests cannot even be built: the `http` crate refuses a NUL in a path or a CR in a
//! header value before Portcullis is called. Those rows expect `HttpRefuses` and assert that
//! the crate does refuse them, so that a change in the crate shows up here.
//!
//! The policy is `POLICY` below. Keys come from `tests/fixtures/keys/` (trusted) and
//! `tests/fixtures/attacker/` (unknown to the policy); `tests/fixtures/hostile/` holds the
//! attacker's public JWK and the trusted RSA key in PKCS#1 form. The clock is fixed at `T`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use http::header::{HeaderName, HeaderValue};
use http::request::Parts;
use http::{Method, Uri};
use jsonwebtoken::{Algorithm, EncodingKey};
use portcullis::authn::store::StoreFile;
use portcullis::{
    Authenticator, Context, Decision, Engine, ForbiddenReason, MalformedRequest, PathError,
    Rejection, Syntax,
};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

// ---------------------------------------------------------------------------------------
// The policy, the stores and the clock
// ---------------------------------------------------------------------------------------

/// The fixed "now", in seconds since the epoch (2027-01-15T08:00:00Z).
const T: u64 = 1_800_000_000;

const FIXTURES: &str = "tests/fixtures";
const ISSUER: &str = "https://issuer.test/";

/// `confused_pem` and `confused_jwks` list an HMAC and an RSA algorithm with public keys:
/// the mistake the `jwt-mixed-algorithm-families` lint reports, and the precondition of every
/// key-confusion attack. The engine must still never use a public key as an HMAC secret.
const POLICY: &str = r#"
version 1
realm "api.test"

scopes {
    data:read
    data:write  implies data:read
    admin       implies data:write
}

scheme user_jwt: jwt {
    issuer "https://issuer.test/"
    audience "api.test", "other.test"
    algorithms RS256, ES256, EdDSA
    keys.jwks_file "keys/jwks.json"
    leeway 30s
    max_lifetime 1h
}

scheme shared_jwt: jwt {
    issuer "https://issuer.test/"
    audience "api.test"
    algorithms HS256
    keys.hmac_secret_env "PORTCULLIS_TEST_HMAC"
}

scheme typed_jwt: jwt {
    issuer "https://issuer.test/"
    audience "api.test"
    algorithms RS256
    keys.pem_file "keys/rsa.pub.pem"
    typ "at+jwt"
}

scheme confused_pem: jwt {
    issuer "https://issuer.test/"
    audience "api.test"
    algorithms RS256, HS256
    keys.pem_file "keys/rsa.pub.pem"
}

scheme confused_jwks: jwt {
    issuer "https://issuer.test/"
    audience "api.test"
    algorithms RS256, HS256
    keys.jwks_file "keys/jwks.json"
}

scheme service_token: opaque_token {
    store "tokens"
}

scheme partner_key: api_key {
    header "X-API-Key"
    authorization_scheme "ApiKey"
    prefixes "sk_test_"
    store "keys"
}

scheme browser: session {
    cookie "sid"
    csrf_header "X-CSRF-Token"
    store "sessions"
}

default deny

GET      /health          public
GET      /static/**       public
GET      /jwt             allow user_jwt scopes data:read
GET      /shared          allow shared_jwt
GET      /typed           allow typed_jwt
GET      /confused/pem    allow confused_pem
GET      /confused/jwks   allow confused_jwks
GET|HEAD /data            allow user_jwt, service_token, partner_key, browser scopes data:read
POST     /data            allow user_jwt, service_token, partner_key, browser scopes data:write
DELETE   /data/{id}       allow user_jwt, browser scopes admin
GET      /key             allow partner_key
GET      /cors/closed     allow user_jwt
OPTIONS  /cors/closed     deny
*        /admin/**        allow user_jwt, browser scopes admin
"#;

const OPAQUE: &str = "opaque-valid-9f1c2e7a5b";
const SESSION: &str = "session-valid-2b7e151628aed2a6";
const CSRF: &str = "csrf-valid-3c6ef372a54ff53a";
const SESSION_ADMIN: &str = "session-admin-abf7158809cf4f3c";
const CSRF_ADMIN: &str = "csrf-admin-510e527f9b05688c";
const SESSION_EXPIRED: &str = "session-expired-762e7160f38b4da5";
const SESSION_NO_CSRF: &str = "session-no-csrf-6a09e667bb67ae85";

/// A fixed API key: the prefix, then `fill` to 43 characters, like a generated key.
fn key(fill: char) -> String {
    format!("sk_test_{}", fill.to_string().repeat(43))
}

fn sha256_hex(secret: &str) -> String {
    Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn rfc3339(secs: u64) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp(secs as i64).expect("a valid time");
    at.format(&time::format_description::well_known::Rfc3339).expect("formats")
}

/// The stores, as a store file's text (so that no record type is built here). Keys: `A`
/// active, `R` revoked, `E` expired a second ago, `N` expiring exactly now, `L` a second
/// from now.
fn stores() -> StoreFile {
    let mut text = String::from("api_keys:\n");
    for (fill, extra) in [
        ('A', String::new()),
        ('R', ", revoked: true".to_owned()),
        ('E', format!(", expires_at: {}", rfc3339(T - 1))),
        ('N', format!(", expires_at: {}", rfc3339(T))),
        ('L', format!(", expires_at: {}", rfc3339(T + 1))),
    ] {
        let k = key(fill);
        text += &format!(
            "  - {{prefix: {}, sha256: {}, principal: acme, scopes: [data:read]{extra}}}\n",
            &k[..12],
            sha256_hex(&k)
        );
    }
    text += &format!(
        "tokens:\n  - {{sha256: {}, principal: svc, scopes: [data:read, data:write]}}\n",
        sha256_hex(OPAQUE)
    );
    text += "sessions:\n";
    for (id, scopes, csrf, expires) in [
        (SESSION, "[data:write]", CSRF, None),
        (SESSION_ADMIN, "[admin]", CSRF_ADMIN, None),
        (SESSION_EXPIRED, "[admin]", "csrf-expired-0d0d", Some(T)),
        (SESSION_NO_CSRF, "[data:write]", "", None),
    ] {
        let expires = expires.map(|at| format!(", expires_at: {}", rfc3339(at)));
        text += &format!(
            "  - {{sha256: {}, principal: bob, scopes: {scopes}, csrf_token: \"{csrf}\"{}}}\n",
            sha256_hex(id),
            expires.unwrap_or_default()
        );
    }
    StoreFile::parse(&text).unwrap_or_else(|e| panic!("store text: {e:?}\n{text}"))
}

fn authenticator() -> Authenticator {
    let engine = Engine::from_text(POLICY, Syntax::Dsl).expect("the test policy compiles");
    let stores = stores();
    Authenticator::builder(engine)
        .key_dir(FIXTURES)
        .key_store("keys", Arc::new(stores.api_keys))
        .token_store("tokens", Arc::new(stores.tokens))
        .session_store("sessions", Arc::new(stores.sessions))
        .build()
        .expect("stores and keys bound")
}

// ---------------------------------------------------------------------------------------
// Rows and how a table is run
// ---------------------------------------------------------------------------------------

/// The required outcome of a row.
#[derive(Clone, Debug, PartialEq)]
enum Expect {
    /// 200.
    Allow,
    /// 400 for this reason.
    Bad(MalformedRequest),
    /// 401 `invalid_token` for this rejection.
    Rejected(Rejection),
    /// 401 with nothing rejected: no credential the route accepts was presented.
    Unauthenticated,
    /// 403 for this reason.
    Forbidden(ForbiddenReason),
    /// The `http` crate refuses to build the request, so it never reaches the engine.
    HttpRefuses,
    /// Only observed: a decision this file does not know, or a panic.
    Other(String),
}

impl Expect {
    fn status(&self) -> Option<u16> {
        match self {
            Expect::Allow => Some(200),
            Expect::Bad(_) => Some(400),
            Expect::Rejected(_) | Expect::Unauthenticated => Some(401),
            Expect::Forbidden(_) => Some(403),
            Expect::HttpRefuses | Expect::Other(_) => None,
        }
    }
}

/// A request as raw as the `http` crate lets it be.
struct Req {
    name: &'static str,
    method: &'static str,
    target: Vec<u8>,
    headers: Vec<(&'static str, Vec<u8>)>,
}

struct Row {
    req: Req,
    expect: Expect,
}

/// A request named `name` (the name is what a failure reports).
fn r(name: &'static str, method: &'static str, target: impl AsRef<[u8]>) -> Req {
    Req { name, method, target: target.as_ref().to_vec(), headers: Vec::new() }
}

/// `GET target`.
fn get(name: &'static str, target: impl AsRef<[u8]>) -> Req {
    r(name, "GET", target)
}

/// `GET /jwt` (user_jwt only) with `Authorization: Bearer token`.
fn jwt(name: &'static str, token: &str) -> Req {
    r(name, "GET", "/jwt").bearer(token)
}

/// `GET path` with `Authorization: Bearer token`.
fn bearer_at(path: &'static str, name: &'static str, token: &str) -> Req {
    r(name, "GET", path).bearer(token)
}

impl Req {
    fn h(mut self, name: &'static str, value: impl AsRef<[u8]>) -> Req {
        self.headers.push((name, value.as_ref().to_vec()));
        self
    }

    fn bearer(self, token: &str) -> Req {
        self.h("Authorization", format!("Bearer {token}"))
    }

    fn cookie(self, value: &str) -> Req {
        self.h("Cookie", value)
    }

    fn is(self, expect: Expect) -> Row {
        Row { req: self, expect }
    }
}

/// The request head, or why the `http` crate refused to build it.
fn parts(req: &Req) -> Result<Parts, String> {
    let (mut parts, ()) = http::Request::new(()).into_parts();
    parts.method = Method::from_bytes(req.method.as_bytes()).map_err(|e| e.to_string())?;
    parts.uri = Uri::try_from(req.target.as_slice()).map_err(|e| e.to_string())?;
    for (name, value) in &req.headers {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| e.to_string())?;
        let value = HeaderValue::from_bytes(value).map_err(|e| e.to_string())?;
        parts.headers.append(name, value);
    }
    Ok(parts)
}

/// What the authenticator made of a request, in the terms of `Expect`. `Decision::Allow` is
/// matched without its fields.
fn observe(decision: &Decision) -> Expect {
    match decision {
        Decision::Allow { .. } => Expect::Allow,
        Decision::Malformed { reason, .. } => Expect::Bad(reason.clone()),
        Decision::Unauthenticated { error: Some(error), .. } => Expect::Rejected(error.rejection),
        Decision::Unauthenticated { error: None, .. } => Expect::Unauthenticated,
        Decision::Forbidden { reason, .. } => Expect::Forbidden(*reason),
        other => Expect::Other(format!("{other:?}")),
    }
}

/// Runs every row and fails listing each row whose outcome (or rendered status) is not the
/// required one.
#[track_caller]
fn check(table: &str, rows: Vec<Row>) {
    let authn = authenticator();
    let context = Context { peer: None, now: UNIX_EPOCH + Duration::from_secs(T) };
    let mut failures = Vec::new();
    for Row { req, expect } in &rows {
        let (got, status) = match parts(req) {
            Err(_) => (Expect::HttpRefuses, None),
            Ok(parts) => match catch_unwind(AssertUnwindSafe(|| authn.decide(&parts, &context))) {
                Ok(decision) => (observe(&decision), Some(decision.response().status)),
                Err(_) => (Expect::Other("panicked".into()), None),
            },
        };
        if *expect != got || (got != Expect::HttpRefuses && status != expect.status()) {
            let target = String::from_utf8_lossy(&req.target);
            failures.push(format!(
                "  {}: {} {:.80}\n    expected {:?} ({:?}), got {:?} ({:?})",
                req.name,
                req.method,
                target,
                expect,
                expect.status(),
                got,
                status
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{table}: {} of {} rows failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
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
    EncodingKey::from_rsa_pem(&read("keys/rsa.pem")).expect("RSA key")
}
fn rsa2() -> EncodingKey {
    EncodingKey::from_rsa_pem(&read("keys/rsa2.pem")).expect("RSA key")
}
fn ec1() -> EncodingKey {
    EncodingKey::from_ec_pem(&read("keys/ec.pem")).expect("EC key")
}
fn ed1() -> EncodingKey {
    EncodingKey::from_ed_pem(&read("keys/ed.pem")).expect("Ed25519 key")
}
fn attacker() -> EncodingKey {
    EncodingKey::from_rsa_pem(&read("attacker/rsa.pem")).expect("RSA key")
}

/// shared_jwt's secret, as `.cargo/config.toml` sets it for `cargo test`.
fn shared_secret() -> Vec<u8> {
    std::env::var("PORTCULLIS_TEST_HMAC").expect("set by .cargo/config.toml").into_bytes()
}

/// HMAC-SHA256 (RFC 2104), written out so that any byte string can be the key, the empty
/// one included (jsonwebtoken refuses an empty secret).
fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize().to_vec()
}

/// `header.payload.signature` over raw JSON texts, so that anything can be signed.
fn sign_raw(header: &str, payload: &str, key: &EncodingKey, alg: Algorithm) -> String {
    let message = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), key, alg).expect("signs");
    format!("{message}.{signature}")
}

fn sign(header: Value, claims: Value, key: &EncodingKey, alg: Algorithm) -> String {
    sign_raw(&header.to_string(), &claims.to_string(), key, alg)
}

/// An HS256 token signed with `secret`, whatever its bytes.
fn hs256(header: Value, claims: Value, secret: &[u8]) -> String {
    let message =
        format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
    format!("{message}.{}", b64(&hmac_sha256(secret, message.as_bytes())))
}

/// `header.payload.` with the given signature bytes (empty: stripped).
fn with_signature(header: &str, claims: &Value, signature: &[u8]) -> String {
    let message = format!("{}.{}", b64(header.as_bytes()), b64(claims.to_string().as_bytes()));
    format!("{message}.{}", b64(signature))
}

/// The claims every scheme of the policy accepts at `T`.
fn claims() -> Value {
    json!({
        "iss": ISSUER, "aud": "api.test", "sub": "alice",
        "scope": "data:read", "iat": T - 10, "exp": T + 600
    })
}

/// `claims()` with `changes` merged in (RFC 7396, one level: `null` removes a member).
fn with(changes: Value) -> Value {
    let mut base = claims();
    if let (Value::Object(map), Value::Object(changes)) = (&mut base, changes) {
        for (name, value) in changes {
            if value.is_null() {
                map.remove(&name);
            } else {
                map.insert(name, value);
            }
        }
    }
    base
}

fn rs_header() -> Value {
    json!({"alg": "RS256", "typ": "JWT", "kid": "rsa-1"})
}

/// A user_jwt token (RS256, kid rsa-1) with these claims.
fn user(claims: Value) -> String {
    sign(rs_header(), claims, &rsa1(), Algorithm::RS256)
}

/// A user_jwt token with this header, signed by the trusted rsa-1 key.
fn user_header(header: Value) -> String {
    sign(header, claims(), &rsa1(), Algorithm::RS256)
}

/// A token with this header signed by the attacker's RSA key.
fn forged(header: Value) -> String {
    sign(header, claims(), &attacker(), Algorithm::RS256)
}

/// A shared_jwt token (HS256 with the configured secret).
fn shared(claims: Value) -> String {
    hs256(json!({"alg": "HS256", "typ": "JWT"}), claims, &shared_secret())
}

fn segments(token: &str) -> Vec<String> {
    token.split('.').map(str::to_owned).collect()
}

/// `token` with segment `index` passed through `f`.
fn mangle(token: &str, index: usize, f: impl FnOnce(&str) -> String) -> String {
    let mut parts = segments(token);
    parts[index] = f(&parts[index]);
    parts.join(".")
}

/// base64url turned into the standard alphabet (`-` to `+`, `_` to `/`).
fn std_alphabet(segment: &str) -> String {
    segment.replace('-', "+").replace('_', "/")
}

/// The attacker's public key as a JWK (what an attacker embeds in a `jwk` header).
fn attacker_jwk() -> Value {
    serde_json::from_slice(&read("hostile/attacker.jwk.json")).expect("a JWK")
}

/// The trusted rsa-1 public key as the JWK Set publishes it.
fn published_jwk() -> Value {
    let set: Value = serde_json::from_slice(&read("keys/jwks.json")).expect("a JWK Set");
    set["keys"].as_array().expect("keys")[0].clone()
}

/// The DER inside a PEM file.
fn der(pem: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(pem);
    let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).expect("PEM body is base64")
}

// ---------------------------------------------------------------------------------------
// JWT
// ---------------------------------------------------------------------------------------

#[test]
fn jwt_algorithms_and_keys() {
    use Expect::*;
    use Rejection::*;

    let none =
        |alg: &str| with_signature(&json!({"alg": alg, "typ": "JWT"}).to_string(), &claims(), b"");
    let public_pem = read("keys/rsa.pub.pem");
    let pkcs1_pem = read("hostile/rsa.pub.pkcs1.pem");
    let jwk_text = published_jwk().to_string();
    let modulus = URL_SAFE_NO_PAD.decode(published_jwk()["n"].as_str().expect("n")).expect("n");
    let hs = json!({"alg": "HS256", "typ": "JWT"});
    let hs_kid = json!({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"});
    let trimmed_pem = String::from_utf8_lossy(&public_pem).trim_end().to_owned();

    let rows = vec![
        // Baselines: each trusted key verifies, so the refusals below are for their reason.
        jwt("RS256 with rsa-1", &user(claims())).is(Allow),
        jwt(
            "ES256 with ec-1",
            &sign(json!({"alg": "ES256", "kid": "ec-1"}), claims(), &ec1(), Algorithm::ES256),
        )
        .is(Allow),
        jwt(
            "EdDSA with ed-1",
            &sign(json!({"alg": "EdDSA", "kid": "ed-1"}), claims(), &ed1(), Algorithm::EdDSA),
        )
        .is(Allow),
        bearer_at("/shared", "HS256 with the secret", &shared(claims())).is(Allow),
        bearer_at(
            "/confused/pem",
            "RS256 on the mixed scheme",
            &sign(json!({"alg": "RS256"}), claims(), &rsa1(), Algorithm::RS256),
        )
        .is(Allow),
        // Tim McLean, "Critical vulnerabilities in JSON Web Token libraries" (2015);
        // RFC 7518 §3.6 "none"; RFC 8725 §3.1: `none` in any case is never accepted.
        jwt("alg none", &none("none")).is(Rejected(AlgorithmNotAllowed)),
        jwt("alg None", &none("None")).is(Rejected(AlgorithmNotAllowed)),
        jwt("alg NONE", &none("NONE")).is(Rejected(AlgorithmNotAllowed)),
        jwt("alg nOnE", &none("nOnE")).is(Rejected(AlgorithmNotAllowed)),
        bearer_at("/shared", "alg none on an HMAC scheme", &none("none"))
            .is(Rejected(AlgorithmNotAllowed)),
        jwt("alg none with a forged signature", &mangle(&none("none"), 2, |_| b64(&[0u8; 32])))
            .is(Rejected(AlgorithmNotAllowed)),
        // RFC 7515 §4.1.1: `alg` is a case-sensitive string, checked against an allow-list.
        jwt("alg rs256 (case)", &user_header(json!({"alg": "rs256", "kid": "rsa-1"})))
            .is(Rejected(AlgorithmNotAllowed)),
        jwt("alg with a trailing space", &user_header(json!({"alg": "RS256 ", "kid": "rsa-1"})))
            .is(Rejected(AlgorithmNotAllowed)),
        jwt("alg empty", &user_header(json!({"alg": "", "kid": "rsa-1"})))
            .is(Rejected(AlgorithmNotAllowed)),
        jwt("alg missing", &user_header(json!({"kid": "rsa-1"}))).is(Rejected(Malformed)),
        jwt("alg null", &user_header(json!({"alg": null, "kid": "rsa-1"}))).is(Rejected(Malformed)),
        jwt("alg as an array", &user_header(json!({"alg": ["RS256"], "kid": "rsa-1"})))
            .is(Rejected(Malformed)),
        // RFC 8725 §3.1: an algorithm the scheme does not list, even with a trusted key.
        jwt(
            "PS256 with rsa-1",
            &sign(json!({"alg": "PS256", "kid": "rsa-1"}), claims(), &rsa1(), Algorithm::PS256),
        )
        .is(Rejected(AlgorithmNotAllowed)),
        jwt(
            "RS512 with rsa-1",
            &sign(json!({"alg": "RS512", "kid": "rsa-1"}), claims(), &rsa1(), Algorithm::RS512),
        )
        .is(Rejected(AlgorithmNotAllowed)),
        jwt("HS256 on an RSA-only scheme", &hs256(hs.clone(), claims(), &shared_secret()))
            .is(Rejected(AlgorithmNotAllowed)),
        bearer_at("/shared", "RS256 on an HMAC-only scheme", &user(claims()))
            .is(Rejected(AlgorithmNotAllowed)),
        // RFC 7516 §4.1.1: a JWE key-management algorithm in a JWS header.
        jwt("alg RSA-OAEP", &user_header(json!({"alg": "RSA-OAEP", "kid": "rsa-1"})))
            .is(Rejected(AlgorithmNotAllowed)),
        jwt("alg dir", &user_header(json!({"alg": "dir", "kid": "rsa-1"})))
            .is(Rejected(AlgorithmNotAllowed)),
        // A JWK that names an `alg` verifies only that algorithm (RFC 7517 §4.4).
        jwt(
            "ES256 naming the RSA key's kid",
            &sign(json!({"alg": "ES256", "kid": "rsa-1"}), claims(), &ec1(), Algorithm::ES256),
        )
        .is(Rejected(UnknownKey)),
        // CVE-2015-9235 (node-jsonwebtoken), CVE-2016-10555 (jwt-simple): HS256 signed with
        // the RSA public key as the HMAC secret. The key is public, so anyone can do this.
        bearer_at(
            "/confused/pem",
            "key confusion: SPKI PEM as secret",
            &hs256(hs.clone(), claims(), &public_pem),
        )
        .is(Rejected(UnknownKey)),
        bearer_at(
            "/confused/pem",
            "key confusion: PEM without its newline",
            &hs256(hs.clone(), claims(), trimmed_pem.as_bytes()),
        )
        .is(Rejected(UnknownKey)),
        bearer_at(
            "/confused/pem",
            "key confusion: PEM, kid given",
            &hs256(hs_kid.clone(), claims(), &public_pem),
        )
        .is(Rejected(UnknownKey)),
        // CVE-2017-11424 (PyJWT): the same key in PKCS#1 PEM form.
        bearer_at(
            "/confused/pem",
            "key confusion: PKCS#1 PEM as secret",
            &hs256(hs.clone(), claims(), &pkcs1_pem),
        )
        .is(Rejected(UnknownKey)),
        // CVE-2022-29217 (PyJWT): other encodings of the public key; here its DER.
        bearer_at(
            "/confused/pem",
            "key confusion: SPKI DER as secret",
            &hs256(hs.clone(), claims(), &der(&public_pem)),
        )
        .is(Rejected(UnknownKey)),
        bearer_at(
            "/confused/pem",
            "key confusion: PKCS#1 DER as secret",
            &hs256(hs.clone(), claims(), &der(&pkcs1_pem)),
        )
        .is(Rejected(UnknownKey)),
        // The same confusion against a JWK Set: the published JWK's text, and its modulus.
        bearer_at(
            "/confused/jwks",
            "key confusion: JWK text as secret",
            &hs256(hs_kid.clone(), claims(), jwk_text.as_bytes()),
        )
        .is(Rejected(UnknownKey)),
        bearer_at(
            "/confused/jwks",
            "key confusion: JWK modulus as secret",
            &hs256(hs_kid.clone(), claims(), &modulus),
        )
        .is(Rejected(UnknownKey)),
        bearer_at(
            "/confused/jwks",
            "key confusion: JWK, no kid",
            &hs256(hs.clone(), claims(), jwk_text.as_bytes()),
        )
        .is(Rejected(UnknownKey)),
        // RFC 7515 §4.1.4 kid; RFC 8725 §3.10: the kid is attacker input, never a path or a
        // query. With a JWK Set no key has such a kid.
        jwt("kid unknown", &user_header(json!({"alg": "RS256", "kid": "rsa-3"})))
            .is(Rejected(UnknownKey)),
        jwt(
            "kid path traversal",
            &forged(json!({"alg": "RS256", "kid": "../../../../../../dev/null"})),
        )
        .is(Rejected(UnknownKey)),
        jwt(
            "kid SQL injection",
            &forged(json!({"alg": "RS256", "kid": "x' UNION SELECT 'key' -- "})),
        )
        .is(Rejected(UnknownKey)),
        jwt("kid with NUL", &user_header(json!({"alg": "RS256", "kid": "rsa-1\u{0}"})))
            .is(Rejected(UnknownKey)),
        jwt("kid as a number", &user_header(json!({"alg": "RS256", "kid": 1})))
            .is(Rejected(Malformed)),
        jwt("kid null", &user_header(json!({"alg": "RS256", "kid": null}))).is(Rejected(Malformed)),
        // RFC 8725 §3.10 (kid is untrusted input: path traversal, SQL injection): an HMAC
        // secret answers to any kid; `/dev/null` as the key file means an empty secret, and
        // `' UNION SELECT 'k'` means the secret `k`. Neither is ours.
        bearer_at(
            "/shared",
            "kid /dev/null, empty HMAC secret",
            &hs256(json!({"alg": "HS256", "kid": "../../../../../../dev/null"}), claims(), b""),
        )
        .is(Rejected(BadSignature)),
        bearer_at(
            "/shared",
            "kid SQL, HMAC secret it selects",
            &hs256(json!({"alg": "HS256", "kid": "x' UNION SELECT 'k' -- "}), claims(), b"k"),
        )
        .is(Rejected(BadSignature)),
        // RFC 7515 §4.1.4: two RSA keys fit and no kid tells them apart.
        jwt("no kid, two RSA keys", &user_header(json!({"alg": "RS256"}))).is(Rejected(UnknownKey)),
        jwt("kid rsa-1, signed by rsa-2", &sign(rs_header(), claims(), &rsa2(), Algorithm::RS256))
            .is(Rejected(BadSignature)),
        jwt("kid rsa-1, signed by the attacker", &forged(rs_header())).is(Rejected(BadSignature)),
        // RFC 7515 §4.1.2 jku, §4.1.5 x5u (RFC 8725 §3.10: SSRF); the engine never fetches.
        jwt(
            "jku to the attacker's JWKS",
            &forged(
                json!({"alg": "RS256", "kid": "rsa-1", "jku": "https://attacker.test/jwks.json"}),
            ),
        )
        .is(Rejected(BadSignature)),
        jwt(
            "x5u to the attacker's certificate",
            &forged(
                json!({"alg": "RS256", "kid": "rsa-1", "x5u": "https://attacker.test/cert.pem"}),
            ),
        )
        .is(Rejected(BadSignature)),
        jwt(
            "jku naming an internal host",
            &forged(
                json!({"alg": "RS256", "kid": "rsa-1", "jku": "http://169.254.169.254/latest/"}),
            ),
        )
        .is(Rejected(BadSignature)),
        // CVE-2018-0114 (node-jose), RFC 7515 §4.1.3: the token carries its own key.
        jwt(
            "embedded jwk with kid",
            &forged(json!({"alg": "RS256", "kid": "rsa-1", "jwk": attacker_jwk()})),
        )
        .is(Rejected(BadSignature)),
        jwt("embedded jwk, no kid", &forged(json!({"alg": "RS256", "jwk": attacker_jwk()})))
            .is(Rejected(UnknownKey)),
        bearer_at(
            "/confused/pem",
            "embedded jwk on a PEM scheme",
            &forged(json!({"alg": "RS256", "jwk": attacker_jwk()})),
        )
        .is(Rejected(BadSignature)),
        // RFC 7515 §4.1.6 x5c: a certificate chain in the token is not a trust anchor.
        jwt(
            "embedded x5c",
            &forged(
                json!({"alg": "RS256", "kid": "rsa-1", "x5c": [STANDARD.encode(der(&public_pem))]}),
            ),
        )
        .is(Rejected(BadSignature)),
        // RFC 8725 §3.10 (jku and x5u invite SSRF): a genuine token that also names a jku
        // is judged by the configured key alone, and nothing is fetched.
        jwt(
            "trusted token carrying a jku",
            &user_header(
                json!({"alg": "RS256", "kid": "rsa-1", "jku": "https://attacker.test/jwks.json"}),
            ),
        )
        .is(Allow),
    ];
    check("JWT algorithms and keys", rows);
}

#[test]
fn jwt_header_and_structure() {
    use Expect::*;
    use MalformedRequest::*;
    use Rejection::*;

    let valid = user(claims());
    let [header, payload, signature] = <[String; 3]>::try_from(segments(&valid)).expect("3");
    let jwe_header = b64(br#"{"alg":"RSA-OAEP","enc":"A256GCM"}"#);
    // A header whose base64url has `-` or `_`, for the standard-alphabet rows.
    let odd_header = (0..64)
        .map(|i| json!({"alg": "RS256", "kid": "rsa-1", "x": "?".repeat(i)}))
        .find(|h| b64(h.to_string().as_bytes()).contains(['-', '_']))
        .expect("some filler gives - or _");
    let odd = user_header(odd_header);
    assert!(signature.contains(['-', '_']), "pick another claim set for the alphabet row");
    // The RS256 signature is 256 bytes: its last character carries 2 bits and 4 zero bits.
    // Setting one of those bits spells the same bytes non-canonically.
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let last = alphabet.iter().position(|&c| Some(c) == signature.bytes().last()).expect("b64");
    let noncanonical =
        format!("{}{}", &signature[..signature.len() - 1], alphabet[last | 1] as char);
    let inner = user(claims());
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    let dup = |h: &str, p: &str| sign_raw(h, p, &rsa1(), Algorithm::RS256);
    let claims_text = claims().to_string();
    let typed =
        |typ: Value| sign(json!({"alg": "RS256", "typ": typ}), claims(), &rsa1(), Algorithm::RS256);
    let untyped = sign(json!({"alg": "RS256"}), claims(), &rsa1(), Algorithm::RS256);
    let crit = |extra: Value| {
        let mut h = rs_header();
        for (k, v) in extra.as_object().expect("object") {
            h[k.as_str()] = v.clone();
        }
        user_header(h)
    };

    let rows = vec![
        // RFC 7515 §4.1.11 crit: no extension is understood, so any `crit` is refused,
        // before the key is even chosen.
        jwt("crit naming exp", &crit(json!({"crit": ["exp"], "exp": T})))
            .is(Rejected(UnsupportedCritical)),
        jwt("crit empty (forbidden by §4.1.11)", &crit(json!({"crit": []})))
            .is(Rejected(UnsupportedCritical)),
        // RFC 7797 §6: b64=false changes what is signed; refused, never half-understood.
        jwt("crit b64 false", &crit(json!({"crit": ["b64"], "b64": false})))
            .is(Rejected(UnsupportedCritical)),
        jwt("crit not a list", &crit(json!({"crit": "b64"}))).is(Rejected(UnsupportedCritical)),
        jwt(
            "crit on a forged token",
            &forged(json!({"alg": "RS256", "kid": "rsa-1", "crit": ["x"], "x": 1})),
        )
        .is(Rejected(UnsupportedCritical)),
        // RFC 7515 §4.1.9 typ, RFC 8725 §3.11 explicit typing, RFC 9068 §2.1 at+jwt.
        bearer_at("/typed", "typ at+jwt", &typed(json!("at+jwt"))).is(Allow),
        bearer_at("/typed", "typ application/at+jwt", &typed(json!("application/at+jwt")))
            .is(Allow),
        bearer_at("/typed", "typ AT+JWT (media types ignore case)", &typed(json!("AT+JWT")))
            .is(Allow),
        bearer_at("/typed", "typ JWT (an ID token, say)", &typed(json!("JWT")))
            .is(Rejected(WrongType)),
        bearer_at("/typed", "typ missing", &untyped).is(Rejected(WrongType)),
        bearer_at("/typed", "typ with parameters", &typed(json!("at+jwt; q=1")))
            .is(Rejected(WrongType)),
        bearer_at("/typed", "typ not a string", &typed(json!(["at+jwt"]))).is(Rejected(WrongType)),
        bearer_at(
            "/typed",
            "typ at+jwt, forged",
            &forged(json!({"alg": "RS256", "typ": "at+jwt"})),
        )
        .is(Rejected(BadSignature)),
        // RFC 7515 §7.1: a compact JWS has exactly three segments.
        jwt("one segment", &header).is(Rejected(Malformed)),
        jwt("two segments", &format!("{header}.{payload}")).is(Rejected(Malformed)),
        jwt("four segments", &format!("{valid}.{signature}")).is(Rejected(Malformed)),
        jwt("empty segments", "..").is(Rejected(Malformed)),
        jwt("dot", ".").is(Rejected(Malformed)),
        // RFC 7516 §9: five segments is a JWE, which no scheme decrypts.
        jwt("JWE compact shape", &format!("{jwe_header}.a2V5.aXY.Y2lwaGVy.dGFn"))
            .is(Rejected(Malformed)),
        jwt("JWE shape, empty key", &format!("{jwe_header}..aXY.Y2lwaGVy.dGFn"))
            .is(Rejected(Malformed)),
        jwt("six segments", &format!("{valid}.{payload}.{signature}")).is(Rejected(Malformed)),
        // RFC 7515 §2: base64url without padding. RFC 6750 §2.1 b64token allows `=` only at
        // the end, so padding inside the token is a 400 and at its end a bad token.
        jwt("padding after the header", &format!("{header}==.{payload}.{signature}"))
            .is(Bad(BadBearer)),
        jwt("padding after the signature", &format!("{valid}==")).is(Rejected(Malformed)),
        jwt("one = after the signature", &format!("{valid}=")).is(Rejected(Malformed)),
        // RFC 4648 §5 vs §4: the standard alphabet (`+`, `/`) is not base64url.
        jwt("signature in the standard alphabet", &mangle(&valid, 2, std_alphabet))
            .is(Rejected(Malformed)),
        jwt("header in the standard alphabet", &mangle(&odd, 0, std_alphabet))
            .is(Rejected(Malformed)),
        // RFC 4648 §3.5: non-canonical trailing bits would give a token two spellings.
        jwt("signature with non-canonical bits", &format!("{header}.{payload}.{noncanonical}"))
            .is(Rejected(Malformed)),
        jwt("header of bad base64", &format!("eyJ!.{payload}.{signature}")).is(Bad(BadBearer)),
        jwt("header not JSON", &format!("{}.{payload}.{signature}", b64(b"RS256")))
            .is(Rejected(Malformed)),
        jwt("header a JSON array", &format!("{}.{payload}.{signature}", b64(b"[\"RS256\"]")))
            .is(Rejected(Malformed)),
        // RFC 7515 §4, RFC 8259 §4, RFC 8725 §2.6: duplicate members are refused, never
        // resolved by whichever parser reads last.
        jwt("duplicate alg", &dup(r#"{"alg":"RS256","kid":"rsa-1","alg":"none"}"#, &claims_text))
            .is(Rejected(DuplicateMember)),
        jwt(
            "duplicate alg, escaped name",
            &dup(r#"{"alg":"RS256","kid":"rsa-1","\u0061lg":"HS256"}"#, &claims_text),
        )
        .is(Rejected(DuplicateMember)),
        jwt("duplicate kid", &dup(r#"{"alg":"RS256","kid":"rsa-2","kid":"rsa-1"}"#, &claims_text))
            .is(Rejected(DuplicateMember)),
        jwt(
            "duplicate sub",
            &dup(
                r#"{"alg":"RS256","kid":"rsa-1"}"#,
                &claims_text.replacen('{', r#"{"sub":"admin","#, 1),
            ),
        )
        .is(Rejected(DuplicateMember)),
        jwt(
            "duplicate exp",
            &dup(
                r#"{"alg":"RS256","kid":"rsa-1"}"#,
                &claims_text.replacen('{', &format!(r#"{{"exp":{},"#, T + 99_999), 1),
            ),
        )
        .is(Rejected(DuplicateMember)),
        jwt(
            "duplicate member, nested",
            &dup(
                r#"{"alg":"RS256","kid":"rsa-1"}"#,
                &claims_text.replacen('{', r#"{"x":{"a":1,"a":2},"#, 1),
            ),
        )
        .is(Rejected(DuplicateMember)),
        // RFC 8259 §9: nesting is bounded; deep documents are refused, not recursed into.
        jwt(
            "claims nested 200 deep",
            &dup(
                r#"{"alg":"RS256","kid":"rsa-1"}"#,
                &claims_text.replacen('{', &format!(r#"{{"x":{},"#, deep(200)), 1),
            ),
        )
        .is(Rejected(Malformed)),
        jwt(
            "claims nested 5000 deep",
            &dup(
                r#"{"alg":"RS256","kid":"rsa-1"}"#,
                &claims_text.replacen('{', &format!(r#"{{"x":{},"#, deep(5000)), 1),
            ),
        )
        .is(Rejected(Malformed)),
        jwt(
            "header nested 3000 deep",
            &dup(&format!(r#"{{"alg":"RS256","kid":"rsa-1","x":{}}}"#, deep(3000)), &claims_text),
        )
        .is(Rejected(Malformed)),
        // Resource exhaustion: the 16 KiB limit is checked before anything is decoded.
        jwt("signed token over 16 KiB", &user(with(json!({"pad": "x".repeat(17_000)}))))
            .is(Rejected(TooLarge)),
        jwt("24 KiB of junk", &"A".repeat(24_576)).is(Rejected(TooLarge)),
        // Past the 32 KiB header limit the header is refused unread (embedding.md section 9).
        jwt("64 KiB of junk", &"A".repeat(65_536)).is(Bad(MalformedRequest::HeaderTooLarge {
            header: "Authorization".into(),
            bytes: 65_543,
            limit: 32_768,
        })),
        // RFC 7519 §7.2 step 8 and §5.2 cty: a nested JWT is never unwrapped.
        jwt(
            "nested JWT signed by rsa-1",
            &sign_raw(
                r#"{"alg":"RS256","kid":"rsa-1","cty":"JWT"}"#,
                &inner,
                &rsa1(),
                Algorithm::RS256,
            ),
        )
        .is(Rejected(Malformed)),
        jwt(
            "nested JWT signed by the attacker",
            &sign_raw(
                r#"{"alg":"RS256","kid":"rsa-1","cty":"JWT"}"#,
                &inner,
                &attacker(),
                Algorithm::RS256,
            ),
        )
        .is(Rejected(Malformed)),
        jwt(
            "valid token as the payload of alg none",
            &format!("{}.{}.", b64(br#"{"alg":"none","cty":"JWT"}"#), b64(inner.as_bytes())),
        )
        .is(Rejected(AlgorithmNotAllowed)),
        // Tampering: the signature covers header and payload (RFC 7515 §5.2).
        jwt(
            "payload swapped",
            &mangle(&valid, 1, |_| {
                b64(with(json!({"sub": "root", "scope": "admin"})).to_string().as_bytes())
            }),
        )
        .is(Rejected(BadSignature)),
        jwt(
            "header swapped to rsa-2",
            &mangle(&valid, 0, |_| {
                b64(json!({"alg": "RS256", "typ": "JWT", "kid": "rsa-2"}).to_string().as_bytes())
            }),
        )
        .is(Rejected(BadSignature)),
        jwt(
            "signature from another token",
            &mangle(&valid, 2, |_| segments(&user(with(json!({"sub": "bob"}))))[2].clone()),
        )
        .is(Rejected(BadSignature)),
        jwt(
            "signature with one character changed",
            &mangle(&valid, 2, |s| {
                format!("{}{}", if s.starts_with('A') { "B" } else { "A" }, &s[1..])
            }),
        )
        .is(Rejected(BadSignature)),
        jwt("signature stripped", &format!("{header}.{payload}.")).is(Rejected(BadSignature)),
        jwt("RS256 signature zeroed", &mangle(&valid, 2, |_| b64(&[0u8; 256])))
            .is(Rejected(BadSignature)),
        // CVE-2022-21449 "psychic signatures": ECDSA with r = s = 0.
        jwt(
            "ES256 signature r=s=0",
            &with_signature(r#"{"alg":"ES256","kid":"ec-1"}"#, &claims(), &[0u8; 64]),
        )
        .is(Rejected(BadSignature)),
        jwt(
            "ES256 signature stripped",
            &with_signature(r#"{"alg":"ES256","kid":"ec-1"}"#, &claims(), b""),
        )
        .is(Rejected(BadSignature)),
        jwt(
            "EdDSA signature zeroed",
            &with_signature(r#"{"alg":"EdDSA","kid":"ed-1"}"#, &claims(), &[0u8; 64]),
        )
        .is(Rejected(BadSignature)),
        bearer_at(
            "/shared",
            "HS256 signature zeroed",
            &with_signature(r#"{"alg":"HS256"}"#, &claims(), &[0u8; 32]),
        )
        .is(Rejected(BadSignature)),
        bearer_at(
            "/shared",
            "HS256 signature stripped",
            &with_signature(r#"{"alg":"HS256"}"#, &claims(), b""),
        )
        .is(Rejected(BadSignature)),
    ];
    check("JWT header and structure", rows);
}

#[test]
fn jwt_claims() {
    use Expect::*;
    use Rejection::*;

    let rows = vec![
        // RFC 7519 §4.1.4 exp with user_jwt's 30 s leeway: accepted at the exact second
        // exp + leeway, refused one second later.
        jwt("exp at now - leeway + 1", &user(with(json!({"exp": T - 29, "iat": T - 60}))))
            .is(Allow),
        jwt("exp at now - leeway", &user(with(json!({"exp": T - 30, "iat": T - 60})))).is(Allow),
        jwt("exp at now - leeway - 1", &user(with(json!({"exp": T - 31, "iat": T - 60}))))
            .is(Rejected(Expired)),
        jwt("exp far in the past", &user(with(json!({"exp": 1, "iat": 0})))).is(Rejected(Expired)),
        jwt("exp negative", &user(with(json!({"exp": -1, "iat": -10})))).is(Rejected(Expired)),
        // RFC 7519 §4.1.5 nbf, same leeway.
        jwt("nbf at now + leeway - 1", &user(with(json!({"nbf": T + 29})))).is(Allow),
        jwt("nbf at now + leeway", &user(with(json!({"nbf": T + 30})))).is(Allow),
        jwt("nbf at now + leeway + 1", &user(with(json!({"nbf": T + 31}))))
            .is(Rejected(NotYetValid)),
        // RFC 7519 §4.1.6 iat: not in the future beyond the leeway.
        jwt("iat at now + leeway - 1", &user(with(json!({"iat": T + 29})))).is(Allow),
        jwt("iat at now + leeway", &user(with(json!({"iat": T + 30})))).is(Allow),
        jwt("iat at now + leeway + 1", &user(with(json!({"iat": T + 31}))))
            .is(Rejected(IssuedInFuture)),
        // RFC 9068 §2.2 (exp and iat are both required of access tokens) and RFC 8725 §3.10:
        // the scheme's max_lifetime 1h bounds exp - iat at 3600 s, and needs iat.
        jwt("lifetime exactly 1h", &user(with(json!({"iat": T - 10, "exp": T + 3590})))).is(Allow),
        jwt("lifetime 1h + 1s", &user(with(json!({"iat": T - 10, "exp": T + 3591}))))
            .is(Rejected(LifetimeTooLong)),
        jwt(
            "exp 1e20 (never expires)",
            &user_raw_claims(
                &claims().to_string().replace(&format!("\"exp\":{}", T + 600), "\"exp\":1e20"),
            ),
        )
        .is(Rejected(LifetimeTooLong)),
        jwt("iat missing with max_lifetime", &user(with(json!({"iat": null}))))
            .is(Rejected(MissingClaim)),
        jwt("exp missing", &user(with(json!({"exp": null})))).is(Rejected(MissingClaim)),
        // Without leeway (shared_jwt), the boundary is the second itself.
        bearer_at("/shared", "exp now, leeway 0", &shared(with(json!({"exp": T})))).is(Allow),
        bearer_at("/shared", "exp now - 1, leeway 0", &shared(with(json!({"exp": T - 1}))))
            .is(Rejected(Expired)),
        bearer_at("/shared", "nbf now, leeway 0", &shared(with(json!({"nbf": T})))).is(Allow),
        bearer_at("/shared", "nbf now + 1, leeway 0", &shared(with(json!({"nbf": T + 1}))))
            .is(Rejected(NotYetValid)),
        bearer_at("/shared", "iat now + 1, leeway 0", &shared(with(json!({"iat": T + 1}))))
            .is(Rejected(IssuedInFuture)),
        bearer_at("/shared", "exp missing, no max_lifetime", &shared(with(json!({"exp": null}))))
            .is(Rejected(MissingClaim)),
        // RFC 7519 §2 NumericDate: a JSON number, possibly fractional; nothing else.
        jwt("exp fractional", &user(with(json!({"exp": T as f64 + 600.5})))).is(Allow),
        jwt("exp as a string", &user(with(json!({"exp": (T + 600).to_string()}))))
            .is(Rejected(InvalidClaim)),
        jwt("exp as an ISO date", &user(with(json!({"exp": "2027-01-15T09:00:00Z"}))))
            .is(Rejected(InvalidClaim)),
        jwt(
            "exp null",
            &user_raw_claims(
                &claims().to_string().replace(&format!("\"exp\":{}", T + 600), "\"exp\":null"),
            ),
        )
        .is(Rejected(InvalidClaim)),
        jwt("exp true", &user(with(json!({"exp": true})))).is(Rejected(InvalidClaim)),
        jwt("exp as an array", &user(with(json!({"exp": [T + 600]})))).is(Rejected(InvalidClaim)),
        jwt(
            "exp out of range 1e400",
            &user_raw_claims(
                &claims().to_string().replace(&format!("\"exp\":{}", T + 600), "\"exp\":1e400"),
            ),
        )
        .is(Rejected(Malformed)),
        jwt(
            "exp NaN (not JSON)",
            &user_raw_claims(
                &claims().to_string().replace(&format!("\"exp\":{}", T + 600), "\"exp\":NaN"),
            ),
        )
        .is(Rejected(Malformed)),
        jwt("nbf as a string", &user(with(json!({"nbf": T.to_string()}))))
            .is(Rejected(InvalidClaim)),
        jwt("iat as a string", &user(with(json!({"iat": (T - 10).to_string()}))))
            .is(Rejected(InvalidClaim)),
        // RFC 7519 §4.1.1 iss, RFC 8725 §3.8: required and compared exactly.
        jwt("iss missing", &user(with(json!({"iss": null})))).is(Rejected(MissingClaim)),
        jwt("iss another issuer", &user(with(json!({"iss": "https://attacker.test/"}))))
            .is(Rejected(WrongIssuer)),
        jwt("iss without its slash", &user(with(json!({"iss": "https://issuer.test"}))))
            .is(Rejected(WrongIssuer)),
        jwt("iss in upper case", &user(with(json!({"iss": "HTTPS://ISSUER.TEST/"}))))
            .is(Rejected(WrongIssuer)),
        jwt("iss as an array", &user(with(json!({"iss": [ISSUER]})))).is(Rejected(WrongIssuer)),
        jwt(
            "iss null",
            &user_raw_claims(
                &claims().to_string().replace(&format!("\"iss\":\"{ISSUER}\""), "\"iss\":null"),
            ),
        )
        .is(Rejected(WrongIssuer)),
        // RFC 7519 §4.1.3 aud, RFC 8725 §3.9: a string or an array naming one of ours.
        jwt("aud missing", &user(with(json!({"aud": null})))).is(Rejected(MissingClaim)),
        jwt("aud another API", &user(with(json!({"aud": "payments.test"}))))
            .is(Rejected(WrongAudience)),
        jwt("aud the second configured", &user(with(json!({"aud": "other.test"})))).is(Allow),
        jwt("aud array with ours", &user(with(json!({"aud": ["payments.test", "api.test"]}))))
            .is(Allow),
        jwt("aud array without ours", &user(with(json!({"aud": ["payments.test", "x.test"]}))))
            .is(Rejected(WrongAudience)),
        jwt("aud empty array", &user(with(json!({"aud": []})))).is(Rejected(WrongAudience)),
        jwt("aud nested array", &user(with(json!({"aud": [["api.test"]]}))))
            .is(Rejected(WrongAudience)),
        jwt("aud in upper case", &user(with(json!({"aud": "API.TEST"}))))
            .is(Rejected(WrongAudience)),
        jwt("aud with a space", &user(with(json!({"aud": "api.test "}))))
            .is(Rejected(WrongAudience)),
        jwt("aud as a number", &user(with(json!({"aud": 1})))).is(Rejected(WrongAudience)),
        jwt("aud as an object", &user(with(json!({"aud": {"api.test": true}}))))
            .is(Rejected(WrongAudience)),
        // RFC 7519 §4.1.2 sub: the principal must be a non-empty string.
        jwt("sub missing", &user(with(json!({"sub": null})))).is(Rejected(MissingClaim)),
        jwt("sub empty", &user(with(json!({"sub": ""})))).is(Rejected(MissingClaim)),
        jwt("sub as a number", &user(with(json!({"sub": 0})))).is(Rejected(MissingClaim)),
        // RFC 7515 §5.2 (validate the signature before any claim is used), RFC 8725 §3.1: a
        // forged token with perfect claims.
        jwt("forged, claims fine", &forged(rs_header())).is(Rejected(BadSignature)),
        // RFC 9068 §2.2.3 and RFC 8693 §4.2: `scope` is a space-separated string, and scope
        // tokens are case-sensitive (RFC 6749 §3.3); a claim of another type grants nothing
        // (403, not a crash, not a grant).
        jwt("scope as an object", &user(with(json!({"scope": {"data:read": true}}))))
            .is(Forbidden(ForbiddenReason::InsufficientScope)),
        jwt("scope with padding spaces", &user(with(json!({"scope": "  data:read  "})))).is(Allow),
        jwt("scope in upper case", &user(with(json!({"scope": "DATA:READ"}))))
            .is(Forbidden(ForbiddenReason::InsufficientScope)),
    ];
    check("JWT claims", rows);
}

/// A user_jwt token over a raw claims text (for values `json!` cannot write).
fn user_raw_claims(claims: &str) -> String {
    sign_raw(&rs_header().to_string(), claims, &rsa1(), Algorithm::RS256)
}

// ---------------------------------------------------------------------------------------
// Extraction: where credentials are looked for
// ---------------------------------------------------------------------------------------

#[test]
fn extraction() {
    use Expect::*;
    use MalformedRequest::*;
    use Rejection::*;

    let token = user(claims());
    let a = key('A');
    let prefix_hit = || CredentialInQuery("sk_test_…".into());
    let query = |q: &str| format!("/jwt?{q}");

    let rows = vec![
        jwt("Bearer, baseline", &token).is(Allow),
        // RFC 9110 §11.1: the auth-scheme is case-insensitive.
        r("bearer in lower case", "GET", "/jwt")
            .h("Authorization", format!("bearer {token}"))
            .is(Allow),
        r("BEARER in upper case", "GET", "/jwt")
            .h("Authorization", format!("BEARER {token}"))
            .is(Allow),
        r("BeArEr mixed case", "GET", "/jwt")
            .h("Authorization", format!("BeArEr {token}"))
            .is(Allow),
        // RFC 6750 §2.1: `Bearer 1*SP b64token`.
        r("two spaces", "GET", "/jwt").h("Authorization", format!("Bearer  {token}")).is(Allow),
        r("tab instead of space", "GET", "/jwt")
            .h("Authorization", format!("Bearer\t{token}"))
            .is(Bad(ControlCharacters("Authorization".into()))),
        r("trailing space", "GET", "/jwt")
            .h("Authorization", format!("Bearer {token} "))
            .is(Bad(BadBearer)),
        r("leading space (no auth-scheme)", "GET", "/jwt")
            .h("Authorization", format!(" Bearer {token}"))
            .is(Unauthenticated),
        r("colon instead of space", "GET", "/jwt")
            .h("Authorization", format!("Bearer:{token}"))
            .is(Unauthenticated),
        r("no-break space (obs-text)", "GET", "/jwt")
            .h("Authorization", [b"Bearer\xa0".as_slice(), token.as_bytes()].concat())
            .is(Bad(ControlCharacters("Authorization".into()))),
        // RFC 6750 §2.1: b64token is `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" /
        // "/" ) *"="`: at least one character before any padding, so these are no tokens.
        r("Bearer alone", "GET", "/jwt").h("Authorization", "Bearer").is(Bad(BadBearer)),
        r("Bearer and a space", "GET", "/jwt").h("Authorization", "Bearer ").is(Bad(BadBearer)),
        r("Bearer =", "GET", "/jwt").h("Authorization", "Bearer ==").is(Bad(BadBearer)),
        r("empty Authorization", "GET", "/jwt").h("Authorization", "").is(Unauthenticated),
        // RFC 6750 §2.1: one b64token; lists and quoted strings are not tokens.
        r("two tokens, comma", "GET", "/jwt")
            .h("Authorization", format!("Bearer {token},{token}"))
            .is(Bad(BadBearer)),
        r("two tokens, space", "GET", "/jwt")
            .h("Authorization", format!("Bearer {token} {token}"))
            .is(Bad(BadBearer)),
        r("quoted token", "GET", "/jwt")
            .h("Authorization", format!("Bearer \"{token}\""))
            .is(Bad(BadBearer)),
        r("token with a quote inside", "GET", "/jwt").bearer("abc\"def").is(Bad(BadBearer)),
        // RFC 9110 §5.3: a repeated Authorization cannot be combined; which one would the
        // application read? Refused on every route, public ones included.
        r("two Authorization headers", "GET", "/jwt")
            .bearer(&token)
            .bearer("x")
            .is(Bad(DuplicateAuthorization)),
        r("the same Authorization twice", "GET", "/jwt")
            .bearer(&token)
            .bearer(&token)
            .is(Bad(DuplicateAuthorization)),
        r("Bearer and Basic", "GET", "/jwt")
            .bearer(&token)
            .h("Authorization", "Basic dXNlcjpwYXNz")
            .is(Bad(DuplicateAuthorization)),
        r("two Authorization, public route", "GET", "/health")
            .bearer("a")
            .bearer("b")
            .is(Bad(DuplicateAuthorization)),
        // RFC 9110 §11.6.2 and §11.1: an auth-scheme the route does not speak carries no
        // credential for it; the request is answered as anonymous, with the challenge.
        r("Basic", "GET", "/jwt").h("Authorization", "Basic dXNlcjpwYXNz").is(Unauthenticated),
        r("Digest", "GET", "/jwt")
            .h("Authorization", r#"Digest username="u", response="x""#)
            .is(Unauthenticated),
        r("Negotiate", "GET", "/jwt")
            .h("Authorization", "Negotiate YIIBhgYGKwYBBQUCoIIBejCCAXY=")
            .is(Unauthenticated),
        r("JWT as a scheme word", "GET", "/jwt")
            .h("Authorization", format!("JWT {token}"))
            .is(Unauthenticated),
        r("Token as a scheme word", "GET", "/jwt")
            .h("Authorization", format!("Token {token}"))
            .is(Unauthenticated),
        // RFC 6750 §2.3 and §5.3: credentials in the URL leak into logs and Referer.
        r("access_token in the query", "GET", query(&format!("access_token={token}")))
            .is(Bad(CredentialInQuery("access_token".into()))),
        r("access_token, header too", "GET", query("access_token=x"))
            .bearer(&token)
            .is(Bad(CredentialInQuery("access_token".into()))),
        r("ACCESS_TOKEN in upper case", "GET", query("ACCESS_TOKEN=x"))
            .is(Bad(CredentialInQuery("access_token".into()))),
        r("access_token percent-encoded", "GET", query("access%5Ftoken=x"))
            .is(Bad(CredentialInQuery("access_token".into()))),
        r("access_token without a value", "GET", query("access_token"))
            .is(Bad(CredentialInQuery("access_token".into()))),
        r("access_token after another pair", "GET", query("a=1&access_token=x"))
            .is(Bad(CredentialInQuery("access_token".into()))),
        r("access_token on a public route", "GET", "/health?access_token=x")
            .is(Bad(CredentialInQuery("access_token".into()))),
        r("api_key in the query", "GET", query(&format!("api_key={a}")))
            .is(Bad(CredentialInQuery("api_key".into()))),
        r("apikey in the query", "GET", query("apikey=x"))
            .is(Bad(CredentialInQuery("apikey".into()))),
        r("the key header's name", "GET", query("X-API-Key=x"))
            .is(Bad(CredentialInQuery("x-api-key".into()))),
        r("a key under any name", "GET", query(&format!("next={a}"))).is(Bad(prefix_hit())),
        r("a key as a bare name", "GET", query(&a)).is(Bad(prefix_hit())),
        r("a key percent-encoded", "GET", query(&format!("q=sk%5Ftest_{}", "A".repeat(43))))
            .is(Bad(prefix_hit())),
        // RFC 9110 §5.5: CR, LF and NUL are never valid in a field value; the http crate
        // refuses them (and DEL and other controls) before the engine runs.
        r("NUL in Authorization", "GET", "/jwt").h("Authorization", b"Bearer a\0b").is(HttpRefuses),
        r("CR LF in Authorization", "GET", "/jwt")
            .h("Authorization", b"Bearer a\r\nX-Admin: 1")
            .is(HttpRefuses),
        r("DEL in Authorization", "GET", "/jwt")
            .h("Authorization", b"Bearer a\x7fb")
            .is(HttpRefuses),
        r("SOH in Authorization", "GET", "/jwt")
            .h("Authorization", b"Bearer a\x01b")
            .is(HttpRefuses),
        // RFC 9110 §5.5: obs-text and HTAB are allowed in field values, so they pass the
        // http crate; no credential syntax admits them (RFC 6750 §2.1 b64token, RFC 6265
        // §4.1.1 cookie-octet), so the engine refuses them in Authorization, X-API-Key and
        // Cookie. (A CSRF header with obs-text counts as absent: see `cookies_and_csrf`.)
        r("obs-text in Authorization", "GET", "/jwt")
            .h("Authorization", b"Bearer \xffabc")
            .is(Bad(ControlCharacters("Authorization".into()))),
        r("tab in X-API-Key", "GET", "/key")
            .h("X-API-Key", format!("{a}\t"))
            .is(Bad(ControlCharacters("X-API-Key".into()))),
        r("obs-text in X-API-Key", "GET", "/key")
            .h("X-API-Key", [a.as_bytes(), b"\xe9"].concat())
            .is(Bad(ControlCharacters("X-API-Key".into()))),
        r("obs-text in Cookie", "GET", "/data")
            .cookie("sid=x")
            .h("Cookie", b"x=\xff")
            .is(Bad(ControlCharacters("Cookie".into()))),
        // RFC 6750 §2: a client uses one method of sending a token per request; two
        // explicit credentials the route does not ask for together leave the identity
        // ambiguous. RFC 9110 §5.3: a repeated singleton header cannot be combined.
        r("Bearer and X-API-Key", "GET", "/data")
            .bearer(&token)
            .h("X-API-Key", &a)
            .is(Bad(SeveralCredentials)),
        r("ApiKey and X-API-Key, same key", "GET", "/key")
            .h("Authorization", format!("ApiKey {a}"))
            .h("X-API-Key", &a)
            .is(Bad(SeveralCredentials)),
        r("X-API-Key twice", "GET", "/key")
            .h("X-API-Key", &a)
            .h("X-API-Key", &a)
            .is(Bad(DuplicateHeader("X-API-Key".into()))),
        r("X-API-Key twice, JWT route", "GET", "/jwt")
            .bearer(&token)
            .h("X-API-Key", "a")
            .h("X-API-Key", "b")
            .is(Bad(DuplicateHeader("X-API-Key".into()))),
        // CWE-287 (improper authentication): a credential is verified only by the scheme
        // it was presented for, never tried in another's place.
        r("key on a JWT-only route", "GET", "/jwt").h("X-API-Key", &a).is(Unauthenticated),
        r("key as a Bearer token, key route", "GET", "/key").bearer(&a).is(Unauthenticated),
        // OWASP Session Management Cheat Sheet, CWE-352: an ambient cookie is not a
        // fallback for an explicit credential that failed; the failure answers.
        r("bad token and a valid session", "GET", "/data")
            .bearer("bogus")
            .cookie(&format!("sid={SESSION}"))
            .is(Rejected(Unknown)),
        r("bad JWT and a valid session", "GET", "/data")
            .bearer(&forged(rs_header()))
            .cookie(&format!("sid={SESSION}"))
            .is(Rejected(BadSignature)),
        r("valid opaque token", "GET", "/data").bearer(OPAQUE).is(Allow),
    ];
    check("extraction", rows);
}

// ---------------------------------------------------------------------------------------
// Cookies and CSRF
// ---------------------------------------------------------------------------------------

#[test]
fn cookies_and_csrf() {
    use Expect::*;
    use ForbiddenReason::*;
    use MalformedRequest::*;
    use Rejection::*;

    let sid = format!("sid={SESSION}");
    let dup = || Bad(DuplicateCookie("sid".into()));
    let post = |name: &'static str| r(name, "POST", "/data").cookie(&sid);

    let rows = vec![
        r("session, baseline", "GET", "/data").cookie(&sid).is(Allow),
        // RFC 6265 §8.6 (weak integrity): a sibling subdomain tosses a second `sid` cookie;
        // the browser sends both and the order decides which one a parser takes.
        r("cookie tossing, one header", "GET", "/data")
            .cookie(&format!("sid=evil; {sid}"))
            .is(dup()),
        r("cookie tossing, two headers", "GET", "/data").cookie("sid=evil").cookie(&sid).is(dup()),
        r("the same cookie twice", "GET", "/data").cookie(&format!("{sid}; {sid}")).is(dup()),
        r("two sid cookies, public route", "GET", "/health").cookie("sid=a; sid=b").is(dup()),
        r("two sid cookies, bearer route", "GET", "/jwt").cookie("sid=a; sid=b").is(dup()),
        // RFC 6265 §5.4: names are compared exactly; look-alikes are other cookies.
        r("SID in upper case", "GET", "/data")
            .cookie(&format!("SID={SESSION}"))
            .is(Unauthenticated),
        r("__Host-sid", "GET", "/data")
            .cookie(&format!("__Host-sid={SESSION}"))
            .is(Unauthenticated),
        r("sid2", "GET", "/data").cookie(&format!("sid2={SESSION}")).is(Unauthenticated),
        r("xsid", "GET", "/data").cookie(&format!("xsid={SESSION}")).is(Unauthenticated),
        r("sid with a space before =", "GET", "/data")
            .cookie(&format!("sid ={SESSION}"))
            .is(Unauthenticated),
        r("look-alike beside the real one", "GET", "/data")
            .cookie(&format!("SID=evil; {sid}"))
            .is(Allow),
        r("sid without =", "GET", "/data").cookie("sid").is(Unauthenticated),
        // RFC 6265 §4.1.1: cookie-value may be wrapped in DQUOTEs; padding is not trimmed
        // inside the value.
        r("quoted value", "GET", "/data").cookie(&format!("sid=\"{SESSION}\"")).is(Allow),
        r("space after =", "GET", "/data").cookie(&format!("sid= {SESSION}")).is(Rejected(Unknown)),
        r("value with a suffix", "GET", "/data").cookie(&format!("{sid}x")).is(Rejected(Unknown)),
        r("empty value", "GET", "/data").cookie("sid=").is(Rejected(Unknown)),
        r("empty quoted value", "GET", "/data").cookie("sid=\"\"").is(Rejected(Unknown)),
        // RFC 6265 §4.1.1: one DQUOTE pair around the whole value, or none; cookie-octet
        // excludes DQUOTE, so a stray or doubled quote is part of no valid session id.
        r("opening quote only", "GET", "/data")
            .cookie(&format!("sid=\"{SESSION}"))
            .is(Rejected(Unknown)),
        r("closing quote only", "GET", "/data")
            .cookie(&format!("sid={SESSION}\""))
            .is(Rejected(Unknown)),
        r("doubled quotes", "GET", "/data")
            .cookie(&format!("sid=\"\"{SESSION}\"\""))
            .is(Rejected(Unknown)),
        r("value percent-encoded", "GET", "/data")
            .cookie(&sid.replace('-', "%2D"))
            .is(Rejected(Unknown)),
        r("the stored hash as the id", "GET", "/data")
            .cookie(&format!("sid={}", sha256_hex(SESSION)))
            .is(Rejected(Unknown)),
        r("expired session", "GET", "/data")
            .cookie(&format!("sid={SESSION_EXPIRED}"))
            .is(Rejected(CredentialExpired)),
        // OWASP CSRF Prevention Cheat Sheet (synchronizer token); RFC 9110 §9.2.1: only
        // unsafe methods need it.
        post("CSRF right").h("X-CSRF-Token", CSRF).is(Allow),
        post("CSRF missing").is(Forbidden(CsrfTokenMissing)),
        post("CSRF empty").h("X-CSRF-Token", "").is(Forbidden(CsrfTokenMismatch)),
        post("CSRF wrong")
            .h("X-CSRF-Token", "csrf-guess-0000000000000000")
            .is(Forbidden(CsrfTokenMismatch)),
        post("CSRF of another session")
            .h("X-CSRF-Token", CSRF_ADMIN)
            .is(Forbidden(CsrfTokenMismatch)),
        post("CSRF in upper case")
            .h("X-CSRF-Token", CSRF.to_uppercase())
            .is(Forbidden(CsrfTokenMismatch)),
        post("CSRF truncated")
            .h("X-CSRF-Token", &CSRF[..CSRF.len() - 1])
            .is(Forbidden(CsrfTokenMismatch)),
        post("CSRF with a suffix")
            .h("X-CSRF-Token", format!("{CSRF}x"))
            .is(Forbidden(CsrfTokenMismatch)),
        post("CSRF padded").h("X-CSRF-Token", format!(" {CSRF}")).is(Forbidden(CsrfTokenMismatch)),
        post("CSRF as the session id").h("X-CSRF-Token", SESSION).is(Forbidden(CsrfTokenMismatch)),
        post("CSRF with obs-text")
            .h("X-CSRF-Token", [CSRF.as_bytes(), b"\xff"].concat())
            .is(Forbidden(CsrfTokenMissing)),
        post("CSRF twice")
            .h("X-CSRF-Token", CSRF)
            .h("X-CSRF-Token", "x")
            .is(Bad(DuplicateHeader("X-CSRF-Token".into()))),
        post("CSRF in a cookie (double submit)")
            .cookie(&format!("X-CSRF-Token={CSRF}"))
            .is(Forbidden(CsrfTokenMissing)),
        r("CSRF in the query", "POST", format!("/data?csrf={CSRF}"))
            .cookie(&sid)
            .is(Forbidden(CsrfTokenMissing)),
        r("CSRF without a session", "POST", "/data").h("X-CSRF-Token", CSRF).is(Unauthenticated),
        r("CSRF with an expired session", "POST", "/data")
            .cookie(&format!("sid={SESSION_EXPIRED}"))
            .h("X-CSRF-Token", "csrf-expired-0d0d")
            .is(Rejected(CredentialExpired)),
        r("stored CSRF empty, header empty", "POST", "/data")
            .cookie(&format!("sid={SESSION_NO_CSRF}"))
            .h("X-CSRF-Token", "")
            .is(Forbidden(CsrfTokenMismatch)),
        r("stored CSRF empty, no header", "POST", "/data")
            .cookie(&format!("sid={SESSION_NO_CSRF}"))
            .is(Forbidden(CsrfTokenMissing)),
        r("admin DELETE with CSRF", "DELETE", "/data/7")
            .cookie(&format!("sid={SESSION_ADMIN}"))
            .h("X-CSRF-Token", CSRF_ADMIN)
            .is(Allow),
        r("admin DELETE without CSRF", "DELETE", "/data/7")
            .cookie(&format!("sid={SESSION_ADMIN}"))
            .is(Forbidden(CsrfTokenMissing)),
        r("GET needs no CSRF", "GET", "/data").cookie(&sid).is(Allow),
    ];
    check("cookies and CSRF", rows);
}

// ---------------------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------------------

#[test]
fn paths() {
    use Expect::*;
    use ForbiddenReason::*;
    use MalformedRequest::*;
    use PathError::*;

    let long = format!("/static/{}", "a".repeat(8_200));
    let many = format!("/static{}", "/a".repeat(128));

    let rows = vec![
        get("public, baseline", "/health").is(Allow),
        get("protected, baseline", "/admin/users").is(Unauthenticated),
        get("public subtree, baseline", "/static/app.js").is(Allow),
        // RFC 3986 §5.2.4 remove_dot_segments: routers resolve them; refused, not guessed.
        get("dot-dot out of a public subtree", "/static/../admin/users").is(Bad(Path(DotSegment))),
        get("dot-dot out of a public route", "/health/../admin/users").is(Bad(Path(DotSegment))),
        get("dot segment", "/admin/./users").is(Bad(Path(DotSegment))),
        get("leading dot segment", "/./health").is(Bad(Path(DotSegment))),
        get("trailing dot-dot", "/admin/users/..").is(Bad(Path(DotSegment))),
        // CVE-2021-41773 (Apache httpd `.%2e`), RFC 3986 §2.4: encoded dots.
        get("%2e%2e", "/static/%2e%2e/admin/users").is(Bad(Path(EncodedDelimiter))),
        get("%2E%2E", "/static/%2E%2E/admin/users").is(Bad(Path(EncodedDelimiter))),
        get(".%2e", "/static/.%2e/admin/users").is(Bad(Path(EncodedDelimiter))),
        get("%2e", "/static/%2e/x").is(Bad(Path(EncodedDelimiter))),
        // CVE-2021-42013 (Apache httpd `%%32%65`): a half-decoded escape.
        get("%%32%65", "/static/%%32%65%%32%65/admin").is(Bad(Path(BadEncoding))),
        get("% at the end", "/static/%").is(Bad(Path(BadEncoding))),
        get("%zz", "/static/%zz").is(Bad(Path(BadEncoding))),
        // RFC 3986 §2.2: an encoded "/" is data to one router and a separator to another.
        get("%2F", "/static%2F..%2Fadmin").is(Bad(Path(EncodedDelimiter))),
        get("%2f in lower case", "/admin%2fusers").is(Bad(Path(EncodedDelimiter))),
        // IIS and the WHATWG URL parser treat "\" as "/".
        get("%5C", "/static/..%5Cadmin").is(Bad(Path(EncodedDelimiter))),
        get("%5c in lower case", "/static/..%5cadmin").is(Bad(Path(EncodedDelimiter))),
        get("raw backslash", "/static/..\\admin").is(Bad(Path(Backslash))),
        // RFC 3986 §2.4: decode once. `%25` stays encoded, so a double-encoded name never
        // meets a literal and a double-encoded dot never climbs. (A public `**` route lets
        // `/static/%252e%252e/admin` through as one opaque segment: safe only with a router
        // that also decodes once; see SECURITY.md.)
        get("%2561dmin (double-encoded a)", "/%2561dmin/users").is(Forbidden(NoRoute)),
        get("%252e%252e under the admin area", "/admin/%252e%252e/health").is(Unauthenticated),
        get("%252F", "/admin%252Fusers").is(Forbidden(NoRoute)),
        // RFC 3986 §2.3, §6.2.2.2: unreserved characters are decoded, once.
        get("%61dmin is admin", "/%61dmin/users").is(Unauthenticated),
        // CWE-158: NUL truncates paths in C-based servers.
        get("%00", "/health%00.js").is(Bad(Path(EncodedDelimiter))),
        get("raw NUL (http refuses)", b"/health\0/admin".as_slice()).is(HttpRefuses),
        // RFC 3986 §3.3 path parameters; Orange Tsai, "Breaking Parser Logic" (Black Hat
        // 2018) and CVE-2020-1957 (Apache Shiro): Tomcat reads `/..;/` as `/../`.
        get("..; out of a public subtree", "/static/..;/admin/users").is(Bad(Path(DotSegment))),
        get("..;x=1 out of a public subtree", "/static/..;x=1/admin/users")
            .is(Bad(Path(DotSegment))),
        get("; after a public literal", "/health;x=1").is(Forbidden(NoRoute)),
        get("; after a protected literal", "/admin;x=1/users").is(Forbidden(NoRoute)),
        // Unicode UAX #15 (NFKC): fullwidth forms fold to ASCII in some stacks.
        // The http crate takes raw UTF-8 in a path; the engine refuses non-ASCII bytes.
        get("raw fullwidth solidus", "/static/．．／admin").is(Bad(Path(BadCharacter))),
        get("encoded fullwidth a", "/%EF%BD%81dmin/users").is(Forbidden(NoRoute)),
        get("encoded fullwidth dots under admin", "/admin/%EF%BC%8E%EF%BC%8E/health")
            .is(Unauthenticated),
        // CVE-2000-0884 (IIS), RFC 3629 §3 and §10: overlong UTF-8 for "." and "/" is
        // invalid UTF-8 that lenient decoders read as a dot or a slash.
        get("overlong dots in a public subtree", "/static/%C0%AE%C0%AE/admin")
            .is(Bad(Path(InvalidUtf8))),
        get("overlong slash in a public subtree", "/static/..%C0%AFadmin")
            .is(Bad(Path(InvalidUtf8))),
        get("raw overlong bytes (http refuses)", b"/static/\xc0\xae\xc0\xae/admin".as_slice())
            .is(HttpRefuses),
        // RFC 3986 §3.5: the fragment is never sent; the http crate drops it before us.
        get("# fragment", "/health#/../admin").is(Allow),
        get("%23 is data", "/health%23x").is(Forbidden(NoRoute)),
        // Empty segments and trailing slashes (RFC 3986 §6.2.3 leaves them meaningful).
        get("trailing slash, public", "/health/").is(Bad(Path(EmptySegment))),
        get("trailing slash, protected", "/admin/").is(Bad(Path(EmptySegment))),
        get("leading double slash", "//admin/users").is(Bad(Path(EmptySegment))),
        get("inner double slash", "/admin//users").is(Bad(Path(EmptySegment))),
        // RFC 3986 §6.2.2.1: the path is case-sensitive; another case is another resource.
        get("Health", "/Health").is(Forbidden(NoRoute)),
        get("ADMIN", "/ADMIN/users").is(Forbidden(NoRoute)),
        // RFC 9112 §3.2: request-target forms. The query is not the path.
        get("dot-dot in the query", "/health?x=/../admin").is(Allow),
        r("asterisk form", "OPTIONS", "*").is(Bad(Path(NotAbsolute))),
        get("absolute form: its path decides", "http://attacker.test/admin/users")
            .is(Unauthenticated),
        get("raw space (http refuses)", "/health /admin").is(HttpRefuses),
        get("raw quote", "/static/\"x\"").is(Bad(Path(BadCharacter))),
        get("raw brace", "/static/{x}").is(Bad(Path(BadCharacter))),
        // CWE-400 (uncontrolled resource consumption), RFC 9112 §3 (servers bound the
        // request line): 8 KiB and 128 segments at most.
        get("path over 8 KiB", &long).is(Bad(Path(TooLong))),
        get("129 segments", &many).is(Bad(Path(TooLong))),
    ];
    check("paths", rows);
}

// ---------------------------------------------------------------------------------------
// Methods
// ---------------------------------------------------------------------------------------

#[test]
fn methods() {
    use Expect::*;
    use ForbiddenReason::*;
    use MalformedRequest::*;

    let token = user(claims());
    let admin_sid = format!("sid={SESSION_ADMIN}");
    let preflight = |name: &'static str, target: &str| {
        r(name, "OPTIONS", target)
            .h("Origin", "https://app.test")
            .h("Access-Control-Request-Method", "GET")
    };

    let rows = vec![
        // RFC 9110 §9.3.2 HEAD: judged by the GET rule, never a way around it (verb
        // tampering, OWASP WSTG-CONF-06).
        r("HEAD without a token", "HEAD", "/jwt").is(Unauthenticated),
        r("HEAD with a token", "HEAD", "/jwt").bearer(&token).is(Allow),
        r("HEAD of a public route", "HEAD", "/health").is(Allow),
        r("HEAD of the admin area", "HEAD", "/admin/users")
            .bearer(&token)
            .is(Forbidden(InsufficientScope)),
        // Fetch Standard, CORS-preflight request: OPTIONS with Access-Control-Request-Method.
        preflight("preflight", "/jwt").is(Allow),
        preflight("preflight under a * route", "/admin/users").is(Allow),
        preflight("preflight, explicit deny", "/cors/closed").is(Forbidden(RouteDenies)),
        preflight("preflight with a dot segment", "/static/../admin")
            .is(Bad(Path(PathError::DotSegment))),
        preflight("preflight with two Authorization", "/jwt")
            .bearer("a")
            .bearer("b")
            .is(Bad(DuplicateAuthorization)),
        preflight("preflight with a key in the URL", "/jwt?api_key=x")
            .is(Bad(CredentialInQuery("api_key".into()))),
        // RFC 9110 §9.3.7: a bare OPTIONS is an ordinary request.
        r("bare OPTIONS, GET-only route", "OPTIONS", "/jwt").is(Forbidden(NoRoute)),
        r("bare OPTIONS, * route", "OPTIONS", "/admin/users").is(Unauthenticated),
        r("bare OPTIONS, * route, session", "OPTIONS", "/admin/users").cookie(&admin_sid).is(Allow),
        // OWASP WSTG-CONF-06 (HTTP method tampering via X-HTTP-Method-Override and
        // friends): overrides are not HTTP; the engine decides on the request's method, and
        // so must the application.
        r("X-HTTP-Method-Override to GET", "DELETE", "/data/7")
            .bearer(&token)
            .h("X-HTTP-Method-Override", "GET")
            .is(Forbidden(InsufficientScope)),
        r("X-HTTP-Method to GET", "DELETE", "/data/7")
            .bearer(&token)
            .h("X-HTTP-Method", "GET")
            .is(Forbidden(InsufficientScope)),
        r("X-Method-Override to GET", "POST", "/data")
            .bearer(&token)
            .h("X-Method-Override", "GET")
            .is(Forbidden(InsufficientScope)),
        r("_method=GET in the query", "POST", "/data?_method=GET")
            .bearer(&token)
            .is(Forbidden(InsufficientScope)),
        r("override to GET skips no CSRF", "POST", "/data")
            .cookie(&format!("sid={SESSION}"))
            .h("X-HTTP-Method-Override", "GET")
            .is(Forbidden(CsrfTokenMissing)),
        r("override to DELETE on GET", "GET", "/data")
            .bearer(&token)
            .h("X-HTTP-Method-Override", "DELETE")
            .is(Allow),
        // RFC 9110 §9.1: method names are case-sensitive; `get` is not GET.
        r("get, public route", "get", "/health").is(Forbidden(NoRoute)),
        r("get, with a token", "get", "/jwt").bearer(&token).is(Forbidden(NoRoute)),
        r("get under a * route", "get", "/admin/users").is(Unauthenticated),
        r("get is unsafe: CSRF needed", "get", "/admin/users")
            .cookie(&admin_sid)
            .is(Forbidden(CsrfTokenMissing)),
        r("delete in lower case", "delete", "/data/7").bearer(&token).is(Forbidden(NoRoute)),
        // RFC 9110 §9.1 (methods are extensible) and §9.2.1 (a method not known to be safe
        // is not): unknown methods match only * routes, and count as unsafe.
        r("FOO, GET-only route", "FOO", "/jwt").bearer(&token).is(Forbidden(NoRoute)),
        r("PROPFIND under a * route", "PROPFIND", "/admin/users").is(Unauthenticated),
        r("PURGE with a session", "PURGE", "/admin/users")
            .cookie(&admin_sid)
            .is(Forbidden(CsrfTokenMissing)),
        r("PURGE with a session and CSRF", "PURGE", "/admin/users")
            .cookie(&admin_sid)
            .h("X-CSRF-Token", CSRF_ADMIN)
            .is(Allow),
        // RFC 9110 §5.6.2: a method is a token; the http crate refuses anything else.
        r("method with a space (http refuses)", "GE T", "/health").is(HttpRefuses),
        r("empty method (http refuses)", "", "/health").is(HttpRefuses),
    ];
    check("methods", rows);
}

// ---------------------------------------------------------------------------------------
// API keys
// ---------------------------------------------------------------------------------------

#[test]
fn api_keys() {
    use Expect::*;
    use Rejection::*;

    let a = key('A');
    let with_key = |name: &'static str, value: &str| r(name, "GET", "/key").h("X-API-Key", value);

    let rows = vec![
        with_key("active key", &a).is(Allow),
        r("active key via ApiKey", "GET", "/key")
            .h("Authorization", format!("ApiKey {a}"))
            .is(Allow),
        r("active key via apikey (case)", "GET", "/key")
            .h("Authorization", format!("apikey {a}"))
            .is(Allow),
        // OWASP API Security Top 10 (2023) API2, broken authentication: the store's
        // revocation and expiry are final.
        with_key("revoked", &key('R')).is(Rejected(Revoked)),
        r("revoked, via ApiKey", "GET", "/key")
            .h("Authorization", format!("ApiKey {}", key('R')))
            .is(Rejected(Revoked)),
        with_key("expired a second ago", &key('E')).is(Rejected(CredentialExpired)),
        with_key("expiring this second", &key('N')).is(Rejected(CredentialExpired)),
        with_key("expiring next second", &key('L')).is(Allow),
        // RFC 9110 §11.6.2 / OWASP API2: the visible prefix names the issuer and the
        // environment; another environment's key, or no prefix at all, never reaches the
        // store.
        with_key("wrong prefix (live)", &a.replace("sk_test_", "sk_live_"))
            .is(Rejected(WrongPrefix)),
        with_key("prefix in upper case", &a.replace("sk_test_", "SK_TEST_"))
            .is(Rejected(WrongPrefix)),
        with_key("prefix missing", &a["sk_test_".len()..]).is(Rejected(WrongPrefix)),
        with_key("empty key", "").is(Rejected(WrongPrefix)),
        // CWE-1023 (incomplete comparison): the hash covers the whole key, so a truncated
        // or extended key is another key.
        with_key("one character short", &a[..a.len() - 1]).is(Rejected(Unknown)),
        with_key("one character long", &format!("{a}A")).is(Rejected(Unknown)),
        with_key("padding appended", &format!("{a}=")).is(Rejected(Unknown)),
        with_key("visible prefix only", &a[..12]).is(Rejected(Unknown)),
        with_key("scheme prefix only", "sk_test_").is(Rejected(Unknown)),
        with_key("same visible prefix, other key", &format!("{}{}", &a[..12], "B".repeat(39)))
            .is(Rejected(Unknown)),
        with_key("case changed", &format!("sk_test_{}", "a".repeat(43))).is(Rejected(Unknown)),
        with_key("trailing space", &format!("{a} ")).is(Rejected(Unknown)),
        // CWE-836 (use of password hash instead of password): a leaked store holds
        // hashes; offering one as the key must not work, with or without the prefix.
        with_key("the stored hash", &sha256_hex(&a)).is(Rejected(WrongPrefix)),
        with_key("the stored hash after the prefix", &format!("sk_test_{}", sha256_hex(&a)))
            .is(Rejected(Unknown)),
        r("the stored token hash as a token", "GET", "/data")
            .bearer(&sha256_hex(OPAQUE))
            .is(Rejected(Unknown)),
        // RFC 6750 §2 (the places a credential is read are fixed): a key sent where keys
        // are not read is not a key.
        r("key as a cookie", "GET", "/key").cookie(&format!("X-API-Key={a}")).is(Unauthenticated),
        r("key in another header", "GET", "/key").h("X-Api-Token", &a).is(Unauthenticated),
    ];
    check("API keys", rows);
}
