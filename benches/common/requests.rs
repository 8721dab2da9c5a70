//! The requests of issue #6's request benchmarks, built once and shared by
//! `benches/decide.rs` and the instruction-count loop (`examples/decide_loop.rs`): the
//! route table at N routes, in-memory stores of 100,000 API keys and 100,000 sessions, and
//! the probe `DELETE` request once per credential kind.
//!
//! The including crate declares `mod table` (tests/common/table.rs) at its root.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use http::request::Parts;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use portcullis::authn::store::{MemoryKeyStore, MemorySessionStore, SecretHash, SessionRecord};
use portcullis::{Authenticator, Context, Engine, Syntax};

use crate::table;

/// The clock every request is judged by.
pub const NOW: u64 = 1_800_000_000;

/// One benchmarked request: its id's name, the authenticator that decides it, and its head
/// (already decided once, to the status the case expects).
pub struct Case {
    pub name: &'static str,
    pub authenticator: Arc<Authenticator>,
    pub parts: Parts,
}

/// Every request case, in the order of the benchmark ids, and what they share.
pub struct Requests {
    pub cases: Vec<Case>,
    pub context: Context,
    /// The RS256 token the JWT cases send.
    pub token: String,
}

/// Builds the stores, the authenticators and the requests for the N-route table.
pub fn requests(n: usize) -> Requests {
    let engine = Engine::from_text(&table::dsl(n), Syntax::Dsl).expect("table compiles");
    let keys = Arc::new(MemoryKeyStore::default());
    let sessions = Arc::new(MemorySessionStore::default());
    let scopes: Vec<&str> = table::scopes(n, true).leak().iter().map(String::as_str).collect();
    let mut api_key = String::new();
    for i in 0..100_000 {
        let (key, record) =
            portcullis::authn::api_key::generate_api_key("sk_test_", "p", &scopes, UNIX_EPOCH)
                .expect("random");
        keys.insert(record);
        sessions.insert(SessionRecord {
            sha256: SecretHash::of(&format!("session-{i}")),
            principal: "p".into(),
            scopes: scopes.iter().map(|&s| s.into()).collect(),
            csrf_token: format!("csrf-{i}").into(),
            expires_at: None,
        });
        api_key = key;
    }
    let bind = |engine: Arc<Engine>, jwt_cache: usize| {
        let authenticator = Authenticator::builder(engine)
            .key_store("keys", keys.clone())
            .session_store("sessions", sessions.clone())
            .key_dir("tests/fixtures")
            .jwt_cache_capacity(jwt_cache)
            .build()
            .expect("stores bound");
        Arc::new(authenticator)
    };
    let engine = Arc::new(engine);
    let cached = bind(Arc::clone(&engine), 4096);
    let uncached = bind(engine, 0);
    // The same table with its JWT scheme on HS256 (the secret is cargo's test variable).
    let hs256 = table::dsl(n).replace(
        "algorithms RS256\n    keys.jwks_file \"keys/jwks.json\"",
        "algorithms HS256\n    keys.hmac_secret_env \"PORTCULLIS_TEST_HMAC\"",
    );
    let hs256 = bind(Arc::new(Engine::from_text(&hs256, Syntax::Dsl).expect("compiles")), 0);
    let context = Context { peer: None, now: UNIX_EPOCH + Duration::from_secs(NOW) };

    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("rsa-1".into());
    let claims = serde_json::json!({
        "iss": "https://issuer.test/", "aud": "api.test", "sub": "alice",
        "scope": scopes.join(" "), "iat": NOW - 10, "exp": NOW + 600,
    });
    let pem = std::fs::read("tests/fixtures/keys/rsa.pem").expect("fixture key");
    let key = EncodingKey::from_rsa_pem(&pem).expect("an RSA key");
    let token = jsonwebtoken::encode(&header, &claims, &key).expect("signed");
    let secret = std::env::var("PORTCULLIS_TEST_HMAC").expect("set by .cargo/config.toml");
    let key = EncodingKey::from_secret(secret.as_bytes()).expect("an HMAC key");
    let hs256_token =
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key).expect("signed");

    let (method, target) = table::probe(n);
    let bearer = |token: &str| vec![("authorization", format!("Bearer {token}"))];
    // DELETE is unsafe: the session case sends its CSRF token.
    let session =
        vec![("cookie", "sid=session-99999".to_owned()), ("x-csrf-token", "csrf-99999".to_owned())];
    let cases = [
        ("anonymous", &uncached, vec![], 401),
        ("api_key", &uncached, vec![("x-api-key", api_key)], 200),
        ("session", &uncached, session, 200),
        ("jwt_rs256", &uncached, bearer(&token), 200),
        ("jwt_rs256_cached", &cached, bearer(&token), 200),
        ("jwt_hs256", &hs256, bearer(&hs256_token), 200),
    ];
    let cases = cases.into_iter().map(|(name, authenticator, headers, status)| {
        let mut builder = http::Request::builder().method(method).uri(&target);
        for (header, value) in headers {
            builder = builder.header(header, value);
        }
        let parts = builder.body(()).expect("valid").into_parts().0;
        let decided = authenticator.decide(&parts, &context).response().status;
        assert_eq!(decided, status, "{name}");
        Case { name, authenticator: Arc::clone(authenticator), parts }
    });
    Requests { cases: cases.collect(), context, token }
}
