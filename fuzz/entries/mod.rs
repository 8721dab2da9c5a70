//! The bodies of the fuzz targets, one `pub fn` per target, each taking the raw input and
//! panicking when an invariant is broken (a panic is how a fuzzer reports a finding).
//!
//! Plain Rust with no libfuzzer in it: the cargo-fuzz binaries in `fuzz/fuzz_targets/` wrap
//! these functions in `fuzz_target!`, and the root crate's `tests/fuzz_corpus.rs` replays
//! every corpus and artifact file through the same functions under a plain `cargo test`.
//! Both include this file with `#[path = ...] mod entries;`, so each sees only the entry
//! points it calls as used.
#![allow(dead_code)]

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, UNIX_EPOCH};

use arbitrary::Unstructured;
use http::header::{AUTHORIZATION, HeaderName, HeaderValue};
use http::request::Parts;
use http::{Method, Uri};
use portcullis::authn::api_key::PREFIX_CHARS;
use portcullis::authn::store::{
    ApiKeyRecord, MemoryKeyStore, MemorySessionStore, MemoryTokenStore, SecretHash, SessionRecord,
    TokenRecord,
};
use portcullis::{
    Authenticator, CompileOptions, Context, Credential, Decision, Engine, Identity, Request,
    SchemeKind, Syntax,
};

// ---------------------------------------------------------------------------------------
// Shared checks
// ---------------------------------------------------------------------------------------

/// Whether a request path (no query) is one the path rules must refuse: a dot segment (also
/// with `;` parameters), an empty segment (`//`, a trailing `/`), a backslash, or an encoded `/`, `\`, `.` or NUL.
/// Written independently of the crate's `normalize_path`, so that the two check each other.
fn ambiguous_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    path.contains('\\')
        || ["%2f", "%5c", "%2e", "%00"].iter().any(|escape| lower.contains(escape))
        || (path != "/" && path.split('/').skip(1).any(is_empty_or_dots))
}

/// An empty segment, or `.` or `..` alone or with `;` parameters (`..;x`).
fn is_empty_or_dots(segment: &str) -> bool {
    let name = segment.split(';').next().unwrap_or(segment);
    segment.is_empty() || name == "." || name == ".."
}

/// A decision's two faces agree: allowed exactly when the response is a 200.
#[track_caller]
fn assert_consistent(decision: &Decision) {
    let status = decision.response().status;
    assert_eq!(decision.is_allowed(), status == 200, "allowed, yet status {status}");
    assert_eq!(decision.is_allowed(), matches!(decision, Decision::Allow { .. }));
}

// ---------------------------------------------------------------------------------------
// policy_dsl, policy_yaml, request_path
// ---------------------------------------------------------------------------------------

/// Arbitrary bytes as a DSL policy: reading and compiling must never panic, and whatever
/// reads must print and read back as the same document.
pub fn policy_dsl(data: &[u8]) {
    let Ok(doc) = portcullis::parse(data, Syntax::Dsl) else { return };
    let printed = portcullis::syntax::print(&doc);
    let reread = portcullis::parse(printed.as_bytes(), Syntax::Dsl).expect("printed DSL reads");
    assert_eq!(reread, doc);
    let _ = Engine::compile(&doc, &CompileOptions::default());
}

/// Arbitrary bytes as a YAML policy: reading and compiling must never panic, and whatever
/// reads must print and read back as the same document.
pub fn policy_yaml(data: &[u8]) {
    let Ok(doc) = portcullis::parse(data, Syntax::Yaml) else { return };
    let printed = portcullis::yaml::print(&doc);
    let reread = portcullis::parse(printed.as_bytes(), Syntax::Yaml).expect("printed YAML reads");
    assert_eq!(reread, doc);
    let _ = Engine::compile(&doc, &CompileOptions::default());
}

static EXAMPLE: LazyLock<Engine> = LazyLock::new(|| {
    let text = include_str!("../../policies/example.policy");
    Engine::from_text(text, Syntax::Dsl).expect("example compiles")
});

/// Arbitrary request targets against the example policy: deciding must never panic, and a
/// path with a dot segment, an empty segment or a backslash must never be allowed.
pub fn request_path(data: &[u8]) {
    let Ok(target) = std::str::from_utf8(data) else { return };
    let admin = [Credential::new(SchemeKind::Jwt, Identity::new("user_jwt", "a", ["admin"]))];
    let decision = EXAMPLE.decide(&Request::new("GET", target), &admin);
    assert_consistent(&decision);

    let path = target.split('?').next().unwrap_or_default();
    assert!(
        !(ambiguous_path(path) && decision.is_allowed()),
        "allowed an ambiguous path: {target:?}"
    );
}

// ---------------------------------------------------------------------------------------
// The fixed authenticator of request_extraction and jwt
// ---------------------------------------------------------------------------------------

/// The clock of every authenticated decision (2027-01-15T08:00:00Z), as in tests/authn.rs.
const NOW: u64 = 1_800_000_000;

/// api_key, opaque token, session (with CSRF) and two JWT schemes: `user_jwt` over
/// `tests/fixtures/keys/jwks.json` and `pem_jwt` over `keys/rsa.pub.pem`. No HMAC scheme: its
/// secret would have to come from the environment.
const POLICY: &str = r#"
version 1
realm "fuzz.test"

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

scheme pem_jwt: jwt {
    issuer "https://pem.test/"
    audience "api.test"
    algorithms RS256
    keys.pem_file "keys/rsa.pub.pem"
    typ "at+jwt"
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

GET             /            public
GET             /health      public
GET|HEAD        /data        allow user_jwt, service_token, partner_key, browser scopes data:read
POST            /data        allow user_jwt, service_token, partner_key, browser scopes data:write
GET|PUT|DELETE  /data/{id}   allow user_jwt, browser scopes data:write
*               /admin/**    allow user_jwt, pem_jwt scopes admin
GET             /pair        allow partner_key + user_jwt
*               /files/**    allow partner_key, browser
GET             /jwt/only    allow user_jwt
GET             /pem/only    allow pem_jwt
"#;

/// The stored secrets (the seeds use them, so that the fuzzer starts from allowed requests).
pub const API_KEY: &str = "sk_test_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
pub const API_KEY_REVOKED: &str = "sk_test_RRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRR";
pub const API_KEY_EXPIRED: &str = "sk_test_EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE";
pub const OPAQUE: &str = "opaque-valid-9f1c2e7a";
pub const OPAQUE_REVOKED: &str = "opaque-revoked-4b8d0c11";
pub const SESSION: &str = "session-valid-2b7e151628aed2a6";
pub const SESSION_ADMIN: &str = "session-admin-abf7158809cf4f3c";
pub const SESSION_EXPIRED: &str = "session-expired-762e7160f38b4da5";
pub const CSRF: &str = "csrf-valid-3c6ef372a54ff53a";
pub const CSRF_ADMIN: &str = "csrf-admin-510e527f9b05688c";

/// The JWTs that verify at [`NOW`], one per line, minted with the fixture private keys
/// (`tests/fixtures/keys/rsa.pem`, `rsa2.pem`, `ed.pem`): user_jwt RS256 `rsa-1` (alice,
/// `admin`), RS256 `rsa-2` (bob, `data:read`), EdDSA `ed-1` (erin, `admin`), and pem_jwt
/// RS256 `typ at+jwt` (pat, `admin`), then user_jwt `rsa-1` again with `aud` an array
/// (`["x.test", "api.test"]`); all issued at `NOW - 10`, expiring at `NOW + 600`. The
/// invalid tokens in `fuzz/seeds/jwt/` were minted the same way. The fuzzer cannot forge a
/// signature, so no other bearer token may ever be allowed.
static VALID_TOKENS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| include_str!("valid_tokens.txt").lines().collect());

fn context() -> Context {
    Context { peer: None, now: UNIX_EPOCH + Duration::from_secs(NOW) }
}

/// `tests/fixtures`, found from the crate being built: the root crate (the replay test) or
/// the fuzz crate beside it.
fn fixtures() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    [manifest.join("tests/fixtures"), manifest.join("../tests/fixtures")]
        .into_iter()
        .find(|dir| dir.join("keys/jwks.json").is_file())
        .expect("tests/fixtures/keys beside the crate being built")
}

fn secs(at: u64) -> std::time::SystemTime {
    UNIX_EPOCH + Duration::from_secs(at)
}

fn key_record(key: &str, scopes: &[&str]) -> ApiKeyRecord {
    ApiKeyRecord {
        prefix: key.chars().take(PREFIX_CHARS).collect::<String>().into(),
        sha256: SecretHash::of(key),
        principal: "acme".into(),
        scopes: scopes.iter().map(|s| (*s).into()).collect(),
        created_at: Some(secs(NOW - 86_400)),
        expires_at: None,
        revoked: false,
        last_used_at: None,
    }
}

fn token_record(token: &str, revoked: bool) -> TokenRecord {
    TokenRecord {
        sha256: SecretHash::of(token),
        principal: "svc".into(),
        scopes: ["data:read", "data:write"].iter().map(|s| (*s).into()).collect(),
        expires_at: None,
        revoked,
    }
}

fn session_record(id: &str, scopes: &[&str], csrf: &str, expires_at: Option<u64>) -> SessionRecord {
    SessionRecord {
        sha256: SecretHash::of(id),
        principal: "bob".into(),
        scopes: scopes.iter().map(|s| (*s).into()).collect(),
        csrf_token: csrf.into(),
        expires_at: expires_at.map(secs),
    }
}

static AUTHN: LazyLock<Authenticator> = LazyLock::new(|| {
    let keys = MemoryKeyStore::default();
    keys.insert(key_record(API_KEY, &["data:read", "data:write"]));
    keys.insert(ApiKeyRecord { revoked: true, ..key_record(API_KEY_REVOKED, &["admin"]) });
    keys.insert(ApiKeyRecord {
        expires_at: Some(secs(NOW - 1)),
        ..key_record(API_KEY_EXPIRED, &["admin"])
    });
    let tokens = MemoryTokenStore::default();
    tokens.insert(token_record(OPAQUE, false));
    tokens.insert(token_record(OPAQUE_REVOKED, true));
    let sessions = MemorySessionStore::default();
    sessions.insert(session_record(SESSION, &["data:write"], CSRF, None));
    sessions.insert(session_record(SESSION_ADMIN, &["admin"], CSRF_ADMIN, Some(NOW + 3600)));
    sessions.insert(session_record(SESSION_EXPIRED, &["admin"], "csrf-x", Some(NOW)));

    let engine = Engine::from_text(POLICY, Syntax::Dsl).expect("the fuzz policy compiles");
    Authenticator::builder(engine)
        .key_store("keys", Arc::new(keys))
        .token_store("tokens", Arc::new(tokens))
        .session_store("sessions", Arc::new(sessions))
        .key_dir(fixtures())
        .build()
        .expect("stores and keys bound")
});

// ---------------------------------------------------------------------------------------
// request_extraction
// ---------------------------------------------------------------------------------------

/// The input as a request head, one field per line (`\n`): the method, the raw target, then
/// one `name: value` header per line (one space after the colon dropped; blank lines
/// skipped). `None` when `http` refuses any part of it.
pub fn request_parts(data: &[u8]) -> Option<Parts> {
    let mut lines = data.split(|&b| b == b'\n');
    let method = Method::from_bytes(lines.next()?).ok()?;
    let uri = Uri::try_from(lines.next()?).ok()?;
    let request = http::Request::builder().method(method).uri(uri).body(()).ok()?;
    let mut parts = request.into_parts().0;
    for line in lines.filter(|line| !line.is_empty()) {
        let colon = line.iter().position(|&b| b == b':')?;
        let name = HeaderName::from_bytes(&line[..colon]).ok()?;
        let value = &line[colon + 1..];
        let value = value.strip_prefix(b" ").unwrap_or(value);
        parts.headers.append(name, HeaderValue::from_bytes(value).ok()?);
    }
    Some(parts)
}

/// Whether the query holds a credential the authenticator must refuse on every route: a
/// parameter named `access_token`, `api_key`, `apikey` or `x-api-key` (any case), or a name
/// or value starting with the key prefix `sk_test_`. Raw text: none of these has a `%` or
/// `+`, so percent-decoding cannot change whether they match.
fn credential_in_query(query: &str) -> bool {
    query.split('&').any(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = name.to_ascii_lowercase();
        matches!(name.as_str(), "access_token" | "api_key" | "apikey" | "x-api-key")
            || name.starts_with("sk_test_")
            || value.starts_with("sk_test_")
    })
}

/// A request head from the input, decided against [`POLICY`]: deciding must never panic,
/// and these requests must never be allowed: one whose path has a dot segment, an empty
/// segment, a backslash or an encoded separator or dot (nor any target `normalize_path`
/// refuses); one with two `Authorization` headers, or two `X-API-Key` headers; one with a
/// credential in the query; and one with an unsafe method whose only credential is the
/// session cookie but no CSRF header with a stored CSRF token.
pub fn request_extraction(data: &[u8]) {
    request_extraction_status(data);
}

/// [`request_extraction`]'s check; the response status, `None` when `http` refused the input
/// (so the replay test can tell that the seeds reach every kind of decision).
pub fn request_extraction_status(data: &[u8]) -> Option<u16> {
    let parts = request_parts(data)?;
    let decision = AUTHN.decide(&parts, &context());
    assert_consistent(&decision);
    let again = AUTHN.decide(&parts, &context());
    assert_eq!(decision.response(), again.response(), "the same request decided twice");
    let status = decision.response().status;
    if !decision.is_allowed() {
        return Some(status);
    }

    let uri = &parts.uri;
    let target = uri.path_and_query().map_or("/", |pq| pq.as_str());
    assert!(!ambiguous_path(uri.path()), "allowed an ambiguous path: {uri:?}");
    assert!(portcullis::normalize_path(target).is_ok(), "allowed a refused path: {uri:?}");
    assert!(
        !uri.query().is_some_and(credential_in_query),
        "allowed a credential in the query: {uri:?}"
    );

    let headers = &parts.headers;
    let count = |name: &str| headers.get_all(name).iter().count();
    assert!(count("authorization") < 2, "allowed two Authorization headers");
    assert!(count("x-api-key") < 2, "allowed two X-API-Key headers");

    let safe = matches!(parts.method.as_str(), "GET" | "HEAD" | "OPTIONS" | "TRACE");
    let explicit = headers.contains_key(AUTHORIZATION) || headers.contains_key("x-api-key");
    if !safe && !explicit {
        let csrf = headers.get_all("x-csrf-token").iter().any(|v| {
            let v = v.as_bytes();
            v == CSRF.as_bytes() || v == CSRF_ADMIN.as_bytes()
        });
        assert!(csrf, "allowed {} on a session without its CSRF token", parts.method);
    }
    Some(status)
}

// ---------------------------------------------------------------------------------------
// jwt
// ---------------------------------------------------------------------------------------

/// Routes that accept JWT schemes only.
const JWT_ROUTES: [(&str, &str); 3] =
    [("GET", "/jwt/only"), ("GET", "/pem/only"), ("DELETE", "/admin/users/7")];

/// Whether an `Authorization` value is `Bearer` (any case) and one of [`VALID_TOKENS`]
/// (leading spaces before the token dropped, as the authenticator does).
fn valid_authorization(value: &[u8]) -> bool {
    let Ok(value) = std::str::from_utf8(value) else { return false };
    let Some((scheme, token)) = value.split_once(' ') else { return false };
    scheme.eq_ignore_ascii_case("bearer") && VALID_TOKENS.contains(token.trim_start_matches(' '))
}

/// Raw token bytes, sent as `Authorization: Bearer <bytes>` and as the whole
/// `Authorization` value, to routes that accept only JWT schemes: deciding must never panic,
/// and nothing is allowed unless the token is one of the valid seed tokens.
pub fn jwt(data: &[u8]) {
    jwt_allowed(data);
}

/// [`jwt`]'s check; how many of the decisions it made were allowed.
pub fn jwt_allowed(data: &[u8]) -> usize {
    let mut allowed = 0;
    let mut bearer = b"Bearer ".to_vec();
    bearer.extend_from_slice(data);
    for value in [&bearer[..], data] {
        let Ok(value) = HeaderValue::from_bytes(value) else { continue };
        let valid = valid_authorization(value.as_bytes());
        for (method, target) in JWT_ROUTES {
            let request = http::Request::builder().method(method).uri(target);
            let request = request.header(AUTHORIZATION, value.clone()).body(());
            let parts = request.expect("a valid request").into_parts().0;
            let decision = AUTHN.decide(&parts, &context());
            assert_consistent(&decision);
            assert!(
                valid || !decision.is_allowed(),
                "{method} {target} allowed a token that is not a valid seed: {value:?}"
            );
            allowed += usize::from(decision.is_allowed());
        }
    }
    allowed
}

// ---------------------------------------------------------------------------------------
// engine
// ---------------------------------------------------------------------------------------

const SCOPES: [&str; 6] = ["a", "b", "data:read", "data:write", "admin", "x.y/z"];

/// The schemes a generated policy may declare: name, DSL body, kind.
const SCHEMES: [(&str, &str, SchemeKind); 6] = [
    (
        "user_jwt",
        "jwt {\n    issuer \"https://issuer.test/\"\n    algorithms RS256\n    keys.jwks_file \"keys/jwks.json\"\n}",
        SchemeKind::Jwt,
    ),
    ("hs_jwt", "jwt { algorithms HS256; keys.hmac_secret_env \"FUZZ_SECRET\" }", SchemeKind::Jwt),
    ("svc", "opaque_token { store \"tokens\" }", SchemeKind::OpaqueToken),
    (
        "key",
        "api_key {\n    header X-API-Key\n    prefixes \"sk_\"\n    store \"keys\"\n}",
        SchemeKind::ApiKey,
    ),
    ("key2", "api_key { header X-Other-Key; store \"keys\" }", SchemeKind::ApiKey),
    (
        "web",
        "session { cookie sid; csrf_header X-CSRF-Token; store \"sessions\" }",
        SchemeKind::Session,
    ),
];

const ROUTE_METHODS: [&str; 8] =
    ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "PURGE"];

const PATTERN_SEGMENTS: [&str; 13] =
    ["a", "b", "admin", "data", "users", "me", "x.y", "~t", "a%", "{id}", "{p}", "*", "**"];

const REQUEST_METHODS: [&str; 10] =
    ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "PURGE", "get", "TRACE"];

const REQUEST_SEGMENTS: [&str; 32] = [
    "a",
    "b",
    "admin",
    "data",
    "users",
    "me",
    "x.y",
    "~t",
    "",
    ".",
    "..",
    "%2e",
    "%2E%2e",
    ".%2e",
    "%2f",
    "a%2Fb",
    "\\",
    "a\\b",
    "%5c",
    "%00",
    "%61",
    "%61dmin",
    "caf%C3%A9",
    "%zz",
    "%2",
    "a b",
    "*",
    "**",
    "{id}",
    "%7E",
    "...",
    "a.",
];

const QUERIES: [&str; 5] = ["", "?", "?a=b", "?x=/../", "?/a//b"];

fn pick<'a>(u: &mut Unstructured<'_>, items: &[&'a str]) -> arbitrary::Result<&'a str> {
    u.choose(items).copied()
}

/// `scopes a, b` or `any_scopes a`, from the catalogue's names (and one name no catalogue
/// has).
fn requirement(u: &mut Unstructured<'_>) -> arbitrary::Result<String> {
    let keyword = if u.arbitrary()? { "scopes" } else { "any_scopes" };
    let count = u.int_in_range(1..=2)?;
    let mut names = Vec::new();
    for _ in 0..count {
        names.push(if u.ratio(1, 16)? { "nope" } else { pick(u, &SCOPES)? });
    }
    Ok(format!("{keyword} {}", names.join(", ")))
}

/// `public`, `deny` or `allow ...` over the declared schemes (rarely an undeclared one).
fn rule(u: &mut Unstructured<'_>, declared: &[&str]) -> arbitrary::Result<String> {
    match u.int_in_range(0..=5)? {
        0 => Ok("public".into()),
        1 => Ok("public \"reason\"".into()),
        2 => Ok("deny".into()),
        _ => {
            let mut alternatives = Vec::new();
            for _ in 0..u.int_in_range(1..=3)? {
                let mut members = Vec::new();
                for _ in 0..u.int_in_range(1..=2)? {
                    let ghost = declared.is_empty() || u.ratio(1, 16)?;
                    members.push(if ghost { "ghost" } else { pick(u, declared)? });
                }
                let members = members.join(" + ");
                alternatives.push(if u.ratio(1, 4)? {
                    format!("({members} {})", requirement(u)?)
                } else {
                    members
                });
            }
            let mut rule = format!("allow {}", alternatives.join(", "));
            if u.arbitrary()? {
                rule = format!("{rule} {}", requirement(u)?);
            }
            Ok(rule)
        }
    }
}

/// A small DSL policy: a catalogue, some schemes, a default and up to eight routes. Most
/// compile; the rest (cycles, clashes, undeclared names, `**` in the middle) exercise the
/// compiler's refusals.
fn policy(u: &mut Unstructured<'_>) -> arbitrary::Result<String> {
    let mut text = String::from("version 1\nrealm \"fuzz.test\"\n\n");
    if u.arbitrary()? {
        text.push_str("scopes {\n");
        for (i, scope) in SCOPES.iter().enumerate() {
            if u.ratio(3, 4)? {
                text.push_str("    ");
                text.push_str(scope);
                if u.ratio(1, 3)? {
                    // Mostly towards earlier scopes, so that cycles stay rare.
                    let implied = if u.ratio(1, 8)? { pick(u, &SCOPES)? } else { SCOPES[i / 2] };
                    text.push_str(&format!("  implies {implied}"));
                }
                text.push('\n');
            }
        }
        text.push_str("}\n\n");
    }
    let mut declared = Vec::new();
    for (name, body, _) in SCHEMES {
        if u.arbitrary()? {
            text.push_str(&format!("# the {name} scheme\nscheme {name}: {body}\n\n"));
            declared.push(name);
        }
    }
    match u.int_in_range(0..=3)? {
        0 => {}
        1 => text.push_str("default deny\n"),
        2 => text.push_str("default public\n"),
        _ => text.push_str(&format!("default {}\n", rule(u, &declared)?)),
    }
    for _ in 0..u.int_in_range(0..=8)? {
        let methods = if u.ratio(1, 5)? {
            "*".to_owned()
        } else {
            let mut methods: Vec<&str> = Vec::new();
            for _ in 0..u.int_in_range(1..=3)? {
                let method = pick(u, &ROUTE_METHODS)?;
                if !methods.contains(&method) || u.ratio(1, 16)? {
                    methods.push(method);
                }
            }
            methods.join("|")
        };
        let mut path = String::new();
        for _ in 0..u.int_in_range(0..=4)? {
            path.push('/');
            path.push_str(pick(u, &PATTERN_SEGMENTS)?);
        }
        if path.is_empty() {
            path.push('/');
        }
        let comment = if u.ratio(1, 8)? { "  # a route" } else { "" };
        text.push_str(&format!("{methods} {path} {}{comment}\n", rule(u, &declared)?));
    }
    Ok(text)
}

/// A request target: segments from a list rich in what the path rules refuse, rarely
/// without the leading `/`, with a query; or, now and then, any text at all.
fn target(u: &mut Unstructured<'_>) -> arbitrary::Result<String> {
    if u.ratio(1, 8)? {
        return Ok(u.arbitrary::<&str>()?.to_owned());
    }
    let mut target = String::new();
    for i in 0..u.int_in_range(0..=5)? {
        if i > 0 || !u.ratio(1, 16)? {
            target.push('/');
        }
        target.push_str(pick(u, &REQUEST_SEGMENTS)?);
    }
    if target.is_empty() {
        target.push('/');
    }
    target.push_str(pick(u, &QUERIES)?);
    Ok(target)
}

/// Up to three verified credentials, for any scheme name and of any kind (matching the
/// declared kind or not), with scopes from the catalogue and one it lacks.
fn credentials(u: &mut Unstructured<'_>) -> arbitrary::Result<Vec<Credential>> {
    const KINDS: [SchemeKind; 4] =
        [SchemeKind::Jwt, SchemeKind::OpaqueToken, SchemeKind::ApiKey, SchemeKind::Session];
    let mut credentials = Vec::new();
    for _ in 0..u.int_in_range(0..=3)? {
        let (name, _, declared_kind) = *u.choose(&SCHEMES)?;
        let kind = if u.ratio(7, 8)? { declared_kind } else { *u.choose(&KINDS)? };
        let mut scopes = Vec::new();
        for scope in SCOPES.iter().chain(["zzz"].iter()) {
            if u.ratio(1, 3)? {
                scopes.push(*scope);
            }
        }
        let principal = pick(u, &["alice", "bob", ""])?;
        credentials.push(Credential::new(kind, Identity::new(name, principal, scopes)));
    }
    Ok(credentials)
}

/// A whole-engine round: a generated policy, compiled (errors end the round), then a few
/// generated requests decided. Deciding must never panic; a path the path rules refuse
/// (`normalize_path`, and the independent [`ambiguous_path`]) is never allowed; and the
/// policy formatted with `portcullis::syntax::format`, and printed as YAML, compile to
/// engines that give the same response to every request. Formatting is idempotent.
pub fn engine(data: &[u8]) {
    engine_round(data);
}

/// [`engine`]'s round; `None` when the policy did not compile, otherwise how many requests
/// were allowed (so the replay test can tell that the corpus reaches allowed decisions).
pub fn engine_round(data: &[u8]) -> Option<usize> {
    let mut u = Unstructured::new(data);
    let text = policy(&mut u).ok()?;
    let engine = Engine::from_text(&text, Syntax::Dsl).ok()?;

    let formatted = portcullis::syntax::format(&text).expect("a policy that compiles formats");
    let again = portcullis::syntax::format(&formatted).expect("a formatted policy formats");
    assert_eq!(formatted, again, "formatting is not idempotent:\n{text}");
    let formatted_engine =
        Engine::from_text(&formatted, Syntax::Dsl).expect("the formatted policy compiles");
    let doc = portcullis::parse(text.as_bytes(), Syntax::Dsl).expect("a compiled policy reads");
    let yaml = portcullis::yaml::print(&doc);
    let yaml_engine = Engine::from_text(&yaml, Syntax::Yaml)
        .unwrap_or_else(|e| panic!("the YAML twin does not compile: {e}\n{text}\n{yaml}"));

    let mut allowed = 0;
    for _ in 0..8 {
        let (Ok(method), Ok(target), Ok(preflight), Ok(credentials)) =
            (pick(&mut u, &REQUEST_METHODS), target(&mut u), u.ratio(1, 8), credentials(&mut u))
        else {
            break;
        };
        let request = Request::new(method, &target).with_preflight(preflight);
        let decision = engine.decide(&request, &credentials);
        assert_consistent(&decision);
        if decision.is_allowed() {
            allowed += 1;
            let path = target.split_once('?').map_or(target.as_str(), |(path, _)| path);
            assert!(!ambiguous_path(path), "allowed an ambiguous path {target:?}:\n{text}");
            assert!(
                portcullis::normalize_path(&target).is_ok(),
                "allowed a path normalize_path refuses {target:?}:\n{text}"
            );
        }
        let response = decision.response();
        let formatted = formatted_engine.decide(&request, &credentials).response();
        assert_eq!(response, formatted, "{method} {target:?}: formatting changed:\n{text}");
        let yaml = yaml_engine.decide(&request, &credentials).response();
        assert_eq!(response, yaml, "{method} {target:?}: the YAML twin differs:\n{text}");
    }
    Some(allowed)
}
