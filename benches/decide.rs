//! Decision cost on the shared route table (tests/common/table.rs), with the ids issue
//! #6 fixes so results compare across changes:
//!
//! - `decide/credential/{allow,forbidden}/N`: a verified credential against the tree;
//! - `decide/request/*/10000`: a whole request (the `http::request::Parts` of an
//!   `http::Request`: the body plays no part) through extraction, verification, store
//!   lookup (100,000 keys and sessions in memory), tree and decision; the JWT cases
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

#[path = "common/requests.rs"]
mod requests;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use portcullis::authn::store::SecretHash;
use portcullis::{Credential, Engine, Identity, Request, SchemeKind, Syntax};

fn credential(c: &mut Criterion) {
    let mut group = c.benchmark_group("decide/credential");
    for n in table::SIZES {
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
    let requests::Requests { cases, context, token } = requests::requests(n);
    let mut group = c.benchmark_group("decide/request");
    for case in &cases {
        let (authenticator, parts) = (&case.authenticator, &case.parts);
        group.bench_function(BenchmarkId::new(case.name, n), |b| {
            b.iter(|| black_box(authenticator.decide(black_box(parts), &context)))
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
