//! Authenticated decisions: one request per credential kind, end to end through
//! `Authenticator::decide`. The JWT cases also measure the signature backend; run once per
//! backend to compare:
//!
//! ```sh
//! cargo bench --bench authn
//! cargo bench --bench authn --no-default-features --features rust-crypto
//! ```

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use criterion::{Criterion, criterion_group, criterion_main};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use portcullis::authn::store::{MemoryKeyStore, MemorySessionStore, MemoryTokenStore};
use portcullis::{Authenticator, Context, Engine};

const NOW: u64 = 1_800_000_000;

fn token(alg: Algorithm, kid: Option<&str>, key: &EncodingKey, issuer: &str) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    let claims = serde_json::json!({
        "iss": issuer, "aud": "api.test", "sub": "alice", "scope": "data:read",
        "iat": NOW - 10, "exp": NOW + 600,
    });
    jsonwebtoken::encode(&header, &claims, key).expect("token signs")
}

fn pem(name: &str) -> Vec<u8> {
    std::fs::read(format!("tests/fixtures/keys/{name}")).expect("fixture key")
}

fn authenticated(c: &mut Criterion) {
    let engine = Engine::load("tests/fixtures/authn.policy").expect("policy loads");
    let keys = Arc::new(MemoryKeyStore::default());
    let (api_key, record) = portcullis::authn::api_key::generate_api_key(
        "sk_test_",
        "acme",
        &["data:read"],
        UNIX_EPOCH,
    )
    .expect("random");
    keys.insert(record);
    let authn = Authenticator::builder(engine)
        .key_store("keys", keys)
        .token_store("tokens", Arc::new(MemoryTokenStore::default()))
        .session_store("sessions", Arc::new(MemorySessionStore::default()))
        .build()
        .expect("stores bound");

    let user = "https://issuer.test/";
    let secret = std::env::var("PORTCULLIS_TEST_HMAC").unwrap_or_default();
    let cases = [
        (
            "RS256",
            token(
                Algorithm::RS256,
                Some("rsa-1"),
                &EncodingKey::from_rsa_pem(&pem("rsa.pem")).unwrap(),
                user,
            ),
        ),
        (
            "ES256",
            token(
                Algorithm::ES256,
                Some("ec-1"),
                &EncodingKey::from_ec_pem(&pem("ec.pem")).unwrap(),
                user,
            ),
        ),
        (
            "EdDSA",
            token(
                Algorithm::EdDSA,
                Some("ed-1"),
                &EncodingKey::from_ed_pem(&pem("ed.pem")).unwrap(),
                user,
            ),
        ),
        (
            "HS256",
            token(
                Algorithm::HS256,
                None,
                &EncodingKey::from_secret(secret.as_bytes()).unwrap(),
                "https://shared.test/",
            ),
        ),
    ];
    let context = Context { peer: None, now: UNIX_EPOCH + Duration::from_secs(NOW) };

    let mut group = c.benchmark_group("authenticated");
    for (name, token) in &cases {
        let parts = request(&[("authorization", &format!("Bearer {token}"))]);
        assert!(authn.decide(&parts, &context).is_allowed(), "{name}");
        group.bench_function(format!("jwt {name}"), |b| {
            b.iter(|| black_box(authn.decide(black_box(&parts), &context)))
        });
    }
    let parts = request(&[("x-api-key", &api_key)]);
    assert!(authn.decide(&parts, &context).is_allowed());
    group.bench_function("api key", |b| {
        b.iter(|| black_box(authn.decide(black_box(&parts), &context)))
    });
    let parts = request(&[]);
    group.bench_function("anonymous 401", |b| {
        b.iter(|| black_box(authn.decide(black_box(&parts), &context)))
    });
    group.finish();
}

fn request(headers: &[(&str, &str)]) -> http::request::Parts {
    let mut builder = http::Request::builder().method("GET").uri("/data");
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(()).expect("valid request").into_parts().0
}

criterion_group!(benches, authenticated);
criterion_main!(benches);
