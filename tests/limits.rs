//! Every limit, at exactly its value (accepted) and one over (refused with its own error):
//! the request limits through `Authenticator::decide`, the policy limits through
//! `Engine::from_text` and `portcullis::parse`. docs/embedding.md section 9 is the
//! table these tests hold the engine to.

use std::sync::Arc;

use http::request::Parts;
use portcullis::authn::store::StoreFile;
use portcullis::authn::{DEFAULT_MAX_COOKIES, DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_HEADERS};
use portcullis::syntax::MAX_KEY_PARTS;
use portcullis::{
    Authenticator, AuthenticatorBuilder, Context, Decision, Engine, MAX_PATH_BYTES,
    MAX_POLICY_BYTES, MAX_ROUTES, MAX_SEGMENTS, MalformedRequest, PathError, PolicyLimits, Syntax,
};
use sha2::{Digest as _, Sha256};

const POLICY: &str = r#"version 1
realm "api.test"

scopes {
    data:read
}

scheme tokens: opaque_token {
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

GET      /health    public "health checks"
GET      /data      allow tokens, partner_key, browser scopes data:read
POST     /data      allow browser scopes data:read
GET      /files/**  public "static files"
"#;

/// `len` characters: `start`, then `fill` repeated.
fn secret(start: &str, fill: char, len: usize) -> String {
    let mut text = start.to_owned();
    text.extend(std::iter::repeat_n(fill, len - start.len()));
    text
}

fn sha256(secret: &str) -> String {
    Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The credentials stored for the tests: a token, a key and a session of each given size.
struct Secrets {
    token: String,
    key: String,
    session: String,
    csrf: String,
}

impl Secrets {
    fn new(token: usize, key: usize, session: usize, csrf: usize) -> Secrets {
        Secrets {
            token: secret("tok", 't', token),
            key: secret("sk_test_", 'k', key),
            session: secret("ses", 's', session),
            csrf: secret("csrf", 'c', csrf),
        }
    }

    /// The stores, as a store file's YAML text.
    fn store_yaml(&self) -> String {
        format!(
            "api_keys:\n  - {{ prefix: \"{prefix}\", sha256: \"{key}\", principal: partner, \
             scopes: [data:read] }}\n\
             tokens:\n  - {{ sha256: \"{token}\", principal: service, scopes: [data:read] }}\n\
             sessions:\n  - {{ sha256: \"{session}\", principal: bob, scopes: [data:read], \
             csrf_token: \"{csrf}\" }}\n",
            prefix = &self.key[..12],
            key = sha256(&self.key),
            token = sha256(&self.token),
            session = sha256(&self.session),
            csrf = self.csrf,
        )
    }

    fn authenticator(
        &self,
        configure: impl FnOnce(AuthenticatorBuilder) -> AuthenticatorBuilder,
    ) -> Authenticator {
        let engine = Engine::from_text(POLICY, Syntax::Dsl).expect("the policy compiles");
        let stores = StoreFile::parse(&self.store_yaml()).expect("the stores parse");
        let builder = Authenticator::builder(engine)
            .key_store("keys", Arc::new(stores.api_keys))
            .token_store("tokens", Arc::new(stores.tokens))
            .session_store("sessions", Arc::new(stores.sessions));
        configure(builder).build().expect("the stores bind")
    }
}

fn request(method: &str, uri: &str, headers: &[(&str, &str)]) -> Parts {
    let mut builder = http::Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(()).expect("a valid request").into_parts().0
}

fn decide(
    authn: &Authenticator,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
) -> Decision<'static> {
    authn.decide(&request(method, uri, headers), &Context::now())
}

#[track_caller]
fn assert_allowed(decision: &Decision, principal: &str) {
    match decision {
        Decision::Allow { principal: Some(who), .. } => assert_eq!(&**who, principal),
        other => panic!("expected an allow for {principal}, got {other:?}"),
    }
}

/// A 400 for `expected`, whose body says so in words.
#[track_caller]
fn assert_refused(decision: &Decision, expected: &MalformedRequest, text: &str) {
    match decision {
        Decision::Malformed { reason, .. } => assert_eq!(reason, expected),
        other => panic!("expected {expected:?}, got {other:?}"),
    }
    assert_eq!(expected.to_string(), text);
    let response = decision.response();
    assert_eq!(response.status, 400);
    let body = response.body.expect("a body");
    assert!(body.contains(&format!("\"error_description\": \"{text}\"")), "{body}");
}

// ---------------------------------------------------------------------------------------
// Requests: header count
// ---------------------------------------------------------------------------------------

/// `count` header fields in all: `fixed`, then `x-filler-N` headers.
fn with_fillers<'a>(fixed: &[(&'a str, &'a str)], names: &'a [String]) -> Vec<(&'a str, &'a str)> {
    let mut headers = fixed.to_vec();
    headers.extend(names.iter().map(|name| (name.as_str(), "1")));
    headers
}

fn fillers(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("x-filler-{i}")).collect()
}

#[test]
fn header_count_default_is_100() {
    assert_eq!(DEFAULT_MAX_HEADERS, 100);
    let secrets = Secrets::new(32, 40, 32, 32);
    let authn = secrets.authenticator(|b| b);
    let bearer = format!("Bearer {}", secrets.token);
    let fixed = [("Authorization", bearer.as_str())];

    let names = fillers(99);
    let at_limit = with_fillers(&fixed, &names);
    assert_eq!(at_limit.len(), 100);
    assert_allowed(&decide(&authn, "GET", "/data", &at_limit), "service");

    let names = fillers(100);
    let over = with_fillers(&fixed, &names);
    let expected = MalformedRequest::TooManyHeaders { count: 101, limit: 100 };
    let text = "the request has 101 header fields; the limit is 100";
    assert_refused(&decide(&authn, "GET", "/data", &over), &expected, text);
    // on every route, public ones included, and before any credential is looked at
    assert_refused(&decide(&authn, "GET", "/health", &over), &expected, text);
}

#[test]
fn header_count_counts_every_value_of_a_repeated_header() {
    let authn = Secrets::new(32, 40, 32, 32).authenticator(|b| b);
    let repeated = vec![("x-same", "1"); 101];
    let expected = MalformedRequest::TooManyHeaders { count: 101, limit: 100 };
    let text = "the request has 101 header fields; the limit is 100";
    assert_refused(&decide(&authn, "GET", "/health", &repeated), &expected, text);
    assert!(decide(&authn, "GET", "/health", &repeated[..100]).is_allowed());
}

#[test]
fn header_count_follows_the_builder() {
    let secrets = Secrets::new(32, 40, 32, 32);
    let authn = secrets.authenticator(|b| b.max_headers(3));
    let names = fillers(2);
    let fixed = [("X-API-Key", secrets.key.as_str())];
    assert_allowed(&decide(&authn, "GET", "/data", &with_fillers(&fixed, &names)), "partner");
    let names = fillers(3);
    let expected = MalformedRequest::TooManyHeaders { count: 4, limit: 3 };
    let decision = decide(&authn, "GET", "/data", &with_fillers(&fixed, &names));
    assert_refused(&decision, &expected, "the request has 4 header fields; the limit is 3");
}

// ---------------------------------------------------------------------------------------
// Requests: the size of credential-bearing headers
// ---------------------------------------------------------------------------------------

fn too_large(header: &str, bytes: usize, limit: usize) -> (MalformedRequest, String) {
    let text = format!("the `{header}` header is {bytes} bytes; the limit is {limit}");
    (MalformedRequest::HeaderTooLarge { header: header.to_owned(), bytes, limit }, text)
}

/// Each credential-bearing header at `limit` bytes is read and verified; one byte more is
/// refused before it is read.
fn header_sizes(limit: usize, configure: impl Fn(AuthenticatorBuilder) -> AuthenticatorBuilder) {
    // `Bearer ` and `sid=` take 7 and 4 bytes of the header's value.
    let at = Secrets::new(limit - 7, limit, limit - 4, limit);
    let over = Secrets::new(limit - 6, limit + 1, limit - 3, limit + 1);
    let authn_at = at.authenticator(&configure);
    let authn_over = over.authenticator(&configure);

    // Authorization: Bearer (an opaque token: no size limit of its own)
    let bearer = format!("Bearer {}", at.token);
    assert_eq!(bearer.len(), limit);
    assert_allowed(&decide(&authn_at, "GET", "/data", &[("Authorization", &bearer)]), "service");
    let bearer = format!("Bearer {}", over.token);
    let (expected, text) = too_large("Authorization", limit + 1, limit);
    let decision = decide(&authn_over, "GET", "/data", &[("Authorization", &bearer)]);
    assert_refused(&decision, &expected, &text);

    // Authorization: ApiKey is the same header
    let api_key = format!("ApiKey {}", over.key);
    let (expected, text) = too_large("Authorization", limit + 8, limit);
    let decision = decide(&authn_over, "GET", "/data", &[("Authorization", &api_key)]);
    assert_refused(&decision, &expected, &text);

    // the API key header, named as the policy spells it
    assert_allowed(&decide(&authn_at, "GET", "/data", &[("x-api-key", &at.key)]), "partner");
    let (expected, text) = too_large("X-API-Key", limit + 1, limit);
    let decision = decide(&authn_over, "GET", "/data", &[("x-api-key", &over.key)]);
    assert_refused(&decision, &expected, &text);

    // Cookie, and the CSRF header an unsafe method needs with it
    let cookie = format!("sid={}", at.session);
    assert_eq!(cookie.len(), limit);
    let headers = [("Cookie", cookie.as_str()), ("X-CSRF-Token", at.csrf.as_str())];
    assert_allowed(&decide(&authn_at, "GET", "/data", &headers[..1]), "bob");
    assert_allowed(&decide(&authn_at, "POST", "/data", &headers), "bob");

    let cookie = format!("sid={}", over.session);
    let (expected, text) = too_large("Cookie", limit + 1, limit);
    let decision = decide(&authn_over, "GET", "/data", &[("Cookie", &cookie)]);
    assert_refused(&decision, &expected, &text);
    // whichever Cookie header it is
    let headers = [("Cookie", "a=1"), ("Cookie", cookie.as_str())];
    assert_refused(&decide(&authn_over, "GET", "/data", &headers), &expected, &text);

    let cookie = format!("sid={}", at.session);
    let headers = [("Cookie", cookie.as_str()), ("X-CSRF-Token", over.csrf.as_str())];
    let (expected, text) = too_large("X-CSRF-Token", limit + 1, limit);
    assert_refused(&decide(&authn_over, "POST", "/data", &headers), &expected, &text);

    // on every route, like every inspection refusal
    let decision = decide(&authn_over, "GET", "/health", &[("x-api-key", &over.key)]);
    let (expected, text) = too_large("X-API-Key", limit + 1, limit);
    assert_refused(&decision, &expected, &text);
}

#[test]
fn header_size_default_is_32_kib() {
    assert_eq!(DEFAULT_MAX_HEADER_BYTES, 32 * 1024);
    header_sizes(DEFAULT_MAX_HEADER_BYTES, |b| b);
}

#[test]
fn header_size_follows_the_builder() {
    header_sizes(100, |b| b.max_header_bytes(100));
}

#[test]
fn headers_that_carry_no_credential_are_not_measured() {
    let authn = Secrets::new(32, 40, 32, 32).authenticator(|b| b.max_header_bytes(100));
    let long = "x".repeat(1000);
    assert!(decide(&authn, "GET", "/health", &[("User-Agent", &long)]).is_allowed());
}

// ---------------------------------------------------------------------------------------
// Requests: cookies
// ---------------------------------------------------------------------------------------

/// `count` cookies in one header, the session cookie among them.
fn cookies(session: &str, count: usize) -> String {
    let mut pairs = vec![format!("sid={session}")];
    pairs.extend((1..count).map(|i| format!("c{i}=v")));
    pairs.join("; ")
}

#[test]
fn cookie_count_default_is_50() {
    assert_eq!(DEFAULT_MAX_COOKIES, 50);
    let secrets = Secrets::new(32, 40, 32, 32);
    let authn = secrets.authenticator(|b| b);
    let at_limit = cookies(&secrets.session, 50);
    assert_allowed(&decide(&authn, "GET", "/data", &[("Cookie", &at_limit)]), "bob");

    let over = cookies(&secrets.session, 51);
    let expected = MalformedRequest::TooManyCookies { count: 51, limit: 50 };
    let text = "the request has 51 cookies; the limit is 50";
    assert_refused(&decide(&authn, "GET", "/data", &[("Cookie", &over)]), &expected, text);
    // on routes that read no cookie too, and with no session scheme involved
    assert_refused(&decide(&authn, "GET", "/health", &[("Cookie", &over)]), &expected, text);
}

#[test]
fn cookie_count_spans_cookie_headers() {
    let secrets = Secrets::new(32, 40, 32, 32);
    let authn = secrets.authenticator(|b| b);
    // HTTP/2 may send each cookie in a header of its own (RFC 9113 section 8.2.3)
    let mut headers = vec![("Cookie", format!("sid={}", secrets.session))];
    headers.extend((1..50).map(|i| ("Cookie", format!("c{i}=v"))));
    let borrowed: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    assert_allowed(&decide(&authn, "GET", "/data", &borrowed), "bob");

    let split = cookies(&secrets.session, 51);
    let (first, second) = split.split_at(split.len() / 2);
    let (first, second) =
        (first.trim_end_matches([';', ' ']), second.trim_start_matches([';', ' ']));
    let decision = decide(&authn, "GET", "/data", &[("Cookie", first), ("Cookie", second)]);
    let expected = MalformedRequest::TooManyCookies { count: 51, limit: 50 };
    assert_refused(&decision, &expected, "the request has 51 cookies; the limit is 50");
}

#[test]
fn cookie_count_follows_the_builder() {
    let secrets = Secrets::new(32, 40, 32, 32);
    let authn = secrets.authenticator(|b| b.max_cookies(2));
    let two = cookies(&secrets.session, 2);
    assert_allowed(&decide(&authn, "GET", "/data", &[("Cookie", &two)]), "bob");
    // a stray `;` counts as a piece
    let stray = format!("{two};");
    let expected = MalformedRequest::TooManyCookies { count: 3, limit: 2 };
    let text = "the request has 3 cookies; the limit is 2";
    assert_refused(&decide(&authn, "GET", "/data", &[("Cookie", &stray)]), &expected, text);
    // an empty Cookie header holds none
    let headers = [("Cookie", two.as_str()), ("Cookie", "")];
    assert_allowed(&decide(&authn, "GET", "/data", &headers), "bob");
}

// ---------------------------------------------------------------------------------------
// Requests: the path
// ---------------------------------------------------------------------------------------

#[test]
fn path_limits() {
    let authn = Secrets::new(32, 40, 32, 32).authenticator(|b| b);
    // `/files` and 127 more segments: 128
    let segments = format!("/files{}", "/s".repeat(MAX_SEGMENTS - 1));
    assert!(decide(&authn, "GET", &segments, &[]).is_allowed());
    let decision = decide(&authn, "GET", &format!("{segments}/s"), &[]);
    let expected = MalformedRequest::Path(PathError::TooLong);
    assert_refused(&decision, &expected, "the request path is too long");

    // 8,192 bytes in 17 segments, the query not counted
    let mut path = String::from("/files");
    while path.len() < MAX_PATH_BYTES {
        let room = MAX_PATH_BYTES - path.len() - 1;
        path.push('/');
        path.push_str(&"p".repeat(room.min(500)));
    }
    assert_eq!(path.len(), MAX_PATH_BYTES);
    assert!(decide(&authn, "GET", &format!("{path}?q=1"), &[]).is_allowed());
    let decision = decide(&authn, "GET", &format!("{path}p"), &[]);
    assert_refused(&decision, &expected, "the request path is too long");
}

// ---------------------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------------------

fn first_error(result: Result<Engine, portcullis::LoadError>) -> String {
    let error = result.expect_err("refused");
    let diagnostic = error.diagnostics().first().expect("a diagnostic");
    format!("{}:{}: {}", diagnostic.span.line, diagnostic.span.column, diagnostic.error)
}

/// A valid policy in `syntax`, padded with a comment to exactly `bytes` bytes.
fn padded(syntax: Syntax, bytes: usize) -> String {
    let mut text = match syntax {
        Syntax::Dsl => "version 1\nrealm \"api\"\nGET /a public \"a\"\n#".to_owned(),
        Syntax::Yaml => {
            "version: 1\nrealm: api\nroutes:\n  - { route: GET /a, public: a }\n#".to_owned()
        }
    };
    text.push_str(&"x".repeat(bytes - text.len() - 1));
    text.push('\n');
    text
}

#[test]
fn policy_size_limit_applies_to_text_in_both_syntaxes() {
    assert_eq!(MAX_POLICY_BYTES, 16 * 1024 * 1024);
    for syntax in [Syntax::Dsl, Syntax::Yaml] {
        let at_limit = padded(syntax, MAX_POLICY_BYTES);
        assert_eq!(at_limit.len(), MAX_POLICY_BYTES);
        assert!(Engine::from_text(&at_limit, syntax).is_ok(), "{syntax:?}");

        let over = padded(syntax, MAX_POLICY_BYTES + 1);
        let message = "1:1: the policy is 16777217 bytes; the limit is 16777216";
        assert_eq!(first_error(Engine::from_text(&over, syntax)), message, "{syntax:?}");
        let found = portcullis::parse(over.as_bytes(), syntax).expect_err("too large");
        assert_eq!(found.len(), 1);
    }
    // the DSL reader's own entry points refuse it too
    let over = padded(Syntax::Dsl, MAX_POLICY_BYTES + 1);
    let found = portcullis::syntax::parse(&over).expect_err("too large");
    assert_eq!(found.len(), 1);
    assert!(portcullis::syntax::format(&over).is_err());
    // and so does the YAML reader's
    let over = padded(Syntax::Yaml, MAX_POLICY_BYTES + 1);
    let found = portcullis::yaml::parse(&over).expect_err("too large");
    assert_eq!(found.len(), 1);
    assert!(found[0].error.to_string().contains("the limit is 16777216"), "{found:?}");
}

#[test]
fn policy_limits_can_be_lowered() {
    let text = "version 1\nrealm \"api\"\nGET /a public \"a\"\nGET /b public \"b\"\n";
    let limits = |max_bytes, max_routes| PolicyLimits { max_bytes, max_routes };
    let len = text.len();
    let within = Engine::from_text_with(text, Syntax::Dsl, limits(len, 2));
    assert_eq!(within.map(|e| e.route_count()).ok(), Some(2));
    assert_eq!(
        first_error(Engine::from_text_with(text, Syntax::Dsl, limits(len, 1))),
        "4:1: the policy has 2 routes; the limit is 1"
    );
    assert_eq!(
        first_error(Engine::from_text_with(text, Syntax::Dsl, limits(len - 1, 2))),
        format!("1:1: the policy is {len} bytes; the limit is {}", len - 1)
    );
    // The same from a file, and in YAML.
    let dir = std::env::temp_dir().join(format!("portcullis-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let yaml = dir.join("two.yaml");
    let two_routes = "version: 1\nrealm: api\nroutes:\n  \
                      - { route: GET /a, public: a }\n  - { route: GET /b, public: b }\n";
    std::fs::write(&yaml, two_routes).unwrap();
    assert!(Engine::load_with(&yaml, limits(MAX_POLICY_BYTES, 2)).is_ok());
    let error = Engine::load_with(&yaml, limits(MAX_POLICY_BYTES, 1)).expect_err("2 routes");
    let diagnostic = error.diagnostics().first().expect("a diagnostic");
    assert_eq!(diagnostic.error.to_string(), "the policy has 2 routes; the limit is 1");
    let error = Engine::load_with(&yaml, limits(20, 2)).expect_err("too large");
    let diagnostic = error.diagnostics().first().expect("a diagnostic");
    // Reading stopped one byte past the limit.
    assert_eq!(diagnostic.error.to_string(), "the policy is 21 bytes; the limit is 20");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn policy_size_limit_cannot_be_raised_and_bounds_file_reads() {
    let over = padded(Syntax::Dsl, MAX_POLICY_BYTES + 1);
    let raised = PolicyLimits { max_bytes: usize::MAX, ..PolicyLimits::default() };
    assert_eq!(
        first_error(Engine::from_text_with(&over, Syntax::Dsl, raised)),
        "1:1: the policy is 16777217 bytes; the limit is 16777216"
    );
    // A file far over the limit is read only to one byte past it.
    let dir = std::env::temp_dir().join(format!("portcullis-huge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("huge.policy");
    std::fs::write(&path, padded(Syntax::Dsl, MAX_POLICY_BYTES + 4096)).unwrap();
    let error = Engine::load(&path).expect_err("too large");
    let diagnostic = error.diagnostics().first().expect("a diagnostic");
    assert_eq!(diagnostic.error.to_string(), "the policy is 16777217 bytes; the limit is 16777216");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn route_limit_applies_to_text() {
    assert_eq!(MAX_ROUTES, 250_000);
    let mut text = String::from("version 1\nrealm \"api\"\n");
    for i in 0..MAX_ROUTES {
        text.push_str(&format!("GET /r{}/s{} public \"r\"\n", i / 500, i % 500));
    }
    assert!(Engine::from_text(&text, Syntax::Dsl).is_ok());
    text.push_str("GET /over public \"r\"\n");
    let line = MAX_ROUTES + 3;
    assert_eq!(
        first_error(Engine::from_text(&text, Syntax::Dsl)),
        format!("{line}:1: the policy has 250001 routes; the limit is 250000")
    );
}

#[test]
fn dsl_nesting_is_fixed_by_the_grammar() {
    // No rule of the grammar is recursive: an alternative's parentheses and a scheme's
    // braces are one level each, so deep brackets are a grammar error where the second
    // bracket opens, not a deep descent.
    let head = "version 1\nrealm \"api\"\nscheme a: opaque_token { store \"s\" }\n";
    let depth = 100_000;
    let parens = format!("{head}GET /a allow {}a{}\n", "(".repeat(depth), ")".repeat(depth));
    let message = first_error(Engine::from_text(&parens, Syntax::Dsl));
    assert!(message.starts_with("4:15: expected"), "{message}");

    let braces = format!("{head}scheme b: jwt {}\n", "{".repeat(depth));
    let message = first_error(Engine::from_text(&braces, Syntax::Dsl));
    assert!(message.starts_with("4:16: expected"), "{message}");

    // one level of parentheses is the grammar's
    let one = format!("{head}GET /a allow (a)\n");
    assert!(Engine::from_text(&one, Syntax::Dsl).is_ok());
}

#[test]
fn dsl_dotted_keys_are_bounded() {
    // Each dotted part of a scheme setting's key nests it one level deeper in the model.
    let policy = |parts: usize| {
        let key = vec!["keys"; parts].join(".");
        format!(
            "version 1\nrealm \"api\"\nscheme a: opaque_token {{\n    store \"s\"\n    {key} 1\n}}\n"
        )
    };
    // at the limit, the key is read and is only an unknown setting
    let message = first_error(Engine::from_text(&policy(MAX_KEY_PARTS), Syntax::Dsl));
    assert!(!message.contains("dotted parts"), "{message}");
    let message = first_error(Engine::from_text(&policy(MAX_KEY_PARTS + 1), Syntax::Dsl));
    assert_eq!(message, "5:5: the key has 33 dotted parts; the limit is 32");
    // far over it, still an error and not a deep structure
    let message = first_error(Engine::from_text(&policy(200_000), Syntax::Dsl));
    assert_eq!(message, "5:5: the key has 200000 dotted parts; the limit is 32");
}

#[test]
fn yaml_nesting_limit() {
    // The policy's mapping is one level: 31 lists in it make 32 levels.
    let nested = |lists: usize| {
        format!("version: 1\nrealm: api\nextra: {}{}\n", "[".repeat(lists), "]".repeat(lists))
    };
    let message = first_error(Engine::from_text(&nested(31), Syntax::Yaml));
    assert_eq!(message, "3:1: unknown field `extra` in the policy");
    let message = first_error(Engine::from_text(&nested(32), Syntax::Yaml));
    let expected = "invalid YAML: the document is nested more than 32 levels deep, more than a \
                    policy needs";
    assert_eq!(message, format!("3:39: {expected}"));
}

/// A policy whose scopes `s0 … s{links}` imply each other in a chain, declared from the
/// top of the chain down or, `reversed`, from the bottom up.
fn implication_chain(links: usize, reversed: bool) -> String {
    let mut declarations: Vec<String> =
        (0..links).map(|i| format!("    s{i} implies s{}", i + 1)).collect();
    declarations.push(format!("    s{links}"));
    if reversed {
        declarations.reverse();
    }
    format!("version 1\nrealm \"r\"\nscopes {{\n{}\n}}\n", declarations.join("\n"))
}

#[test]
fn implication_chains_are_bounded() {
    for reversed in [false, true] {
        let at_limit = implication_chain(32, reversed);
        assert!(Engine::from_text(&at_limit, Syntax::Dsl).is_ok(), "reversed: {reversed}");

        let over = first_error(Engine::from_text(&implication_chain(33, reversed), Syntax::Dsl));
        assert!(
            over.contains("starts a chain of more than 32 implications"),
            "reversed: {reversed}: {over}"
        );
    }
    // Long enough to overflow the stack if closing implication were not bounded.
    let message = first_error(Engine::from_text(&implication_chain(200_000, false), Syntax::Dsl));
    assert!(message.contains("scope `s0` starts a chain of more than 32"), "{message}");
}
