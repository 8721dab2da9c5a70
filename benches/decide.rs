//! Decision cost on the shared route table (tests/common/table.rs), with the ids issue
//! #6 fixes so results compare across changes:
//!
//! - `decide/credential/{allow,forbidden}/N`: a verified credential against the tree;
//! - `decide/request/*/10000`: a whole `http::Request` through extraction, verification,
//!   store lookup (100,000 keys and sessions in memory), tree and decision; the JWT cases
//!   with the verified-token cache off, but `jwt_rs256_cached` (the same token again);
//! - `decide/jsonwebtoken_decode_rs256`: jsonwebtoken's bare `decode`, the reference for
//!   Portcullis's overhead on JWTs;
//! - `decide/sha256_of_token_rs256`: the SHA-256 of the same token, which the cached case
//!   pays to find the token in the cache.
//!
//! Run with `cargo bench --bench decide`.

#[path = "../tests/common/table.rs"]
#[allow(dead_code)]
mod table;

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use portcullis::authn::store::{MemoryKeyStore, MemorySessionStore, SecretHash, SessionRecord};
use portcullis::{
    Authenticator, Context, Credential, Engine, Identity, Request, SchemeKind, Syntax,
};

const NOW: u64 = 1_800_000_000;

fn credential(c: &mut Criterion) {
    let mut group = c.benchmark_group("decide/credential");
    for n in [100, 1_000, 10_000, 100_000] {
        let engine = Engine::from_text(&table::dsl(n), Syntax::Dsl).expect("table compiles");
        let (method, target) = table::probe(n);
        let request = Request::new(method, &target);
        for (name, allowed) in [("allow", true), ("forbidden", false)] {
            let identity = Identity::new("partner_key", "p", table::scopes(n, allowed));
            let credentials = [Credential::new(SchemeKind::ApiKey, identity)];
            assert_eq!(engine.decide(&request, &credentials).is_allowed(), allowed);
            group.bench_with_input(BenchmarkId::new(name, n), &request, |b, request| {
                b.iter(|| black_box(engine.decide(black_box(request), black_box(&credentials))))
            });
        }
    }
    group.finish();
}

fn requests(c: &mut Criterion) {
    let n = 10_000;
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
    let engine = Arc::new(engine);
    let bind = |engine: Arc<Engine>, jwt_cache: usize| {
        Authenticator::builder(engine)
            .key_store("keys", keys.clone())
            .session_store("sessions", sessions.clone())
            .key_dir("tests/fixtures")
            .jwt_cache_capacity(jwt_cache)
            .build()
            .expect("stores bound")
    };
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
    let token =
        jsonwebtoken::encode(&header, &claims, &EncodingKey::from_rsa_pem(&pem).unwrap()).unwrap();
    let secret = std::env::var("PORTCULLIS_TEST_HMAC").expect("set by .cargo/config.toml");
    let hs256_token = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()).expect("an HMAC key"),
    )
    .unwrap();

    let (method, target) = table::probe(n);
    let bearer = |token: &str| vec![("authorization", format!("Bearer {token}"))];
    let cases = [
        ("anonymous", &uncached, vec![]),
        ("api_key", &uncached, vec![("x-api-key", api_key.clone())]),
        ("session", &uncached, vec![("cookie", "sid=session-99999".to_owned())]),
        ("jwt_rs256", &uncached, bearer(&token)),
        ("jwt_rs256_cached", &cached, bearer(&token)),
        ("jwt_hs256", &hs256, bearer(&hs256_token)),
    ];
    let mut group = c.benchmark_group("decide/request");
    for (name, authn, headers) in cases {
        let mut builder = http::Request::builder().method(method).uri(&target);
        for (header, value) in &headers {
            builder = builder.header(*header, value);
        }
        // DELETE is unsafe: the session case sends its CSRF token.
        if name == "session" {
            builder = builder.header("x-csrf-token", "csrf-99999");
        }
        let parts = builder.body(()).expect("valid").into_parts().0;
        let expected = if name == "anonymous" { 401 } else { 200 };
        assert_eq!(authn.decide(&parts, &context).response().status, expected, "{name}");
        group.bench_function(BenchmarkId::new(name, n), |b| {
            b.iter(|| black_box(authn.decide(black_box(&parts), &context)))
        });
    }
    group.finish();

    let public = std::fs::read("tests/fixtures/keys/rsa.pub.pem").expect("fixture key");
    let key = DecodingKey::from_rsa_pem(&public).expect("public key");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&["api.test"]);
    validation.validate_exp = false;
    c.bench_function("decide/jsonwebtoken_decode_rs256", |b| {
        b.iter(|| {
            black_box(jsonwebtoken::decode::<serde_json::Value>(
                black_box(&token),
                &key,
                &validation,
            ))
        })
    });

    // The floor under the cached case: hashing the token is the cache's key.
    c.bench_function("decide/sha256_of_token_rs256", |b| {
        b.iter(|| black_box(SecretHash::of(black_box(&token))))
    });
}

criterion_group!(benches, credential, requests);
criterion_main!(benches);
