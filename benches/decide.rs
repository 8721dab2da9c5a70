//! Decision cost: the example policy, and route tables of growing size to show that the
//! cost follows the path's length, not the number of routes.
//!
//! Run with `cargo bench --bench decide`.

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use portcullis::{Credential, Engine, Identity, Request, SchemeKind, Syntax};

fn example(c: &mut Criterion) {
    let engine = Engine::load("policies/example.policy").expect("example loads");
    let alice = [Credential::new(SchemeKind::Jwt, Identity::new("user_jwt", "alice", ["admin"]))];

    let mut group = c.benchmark_group("example");
    for (method, target) in [("GET", "/health"), ("GET", "/data/42"), ("DELETE", "/admin/a/b/c")] {
        let request = Request::new(method, target);
        group.bench_function(format!("{method} {target}"), |b| {
            b.iter(|| black_box(engine.decide(black_box(&request), black_box(&alice))))
        });
    }
    group.finish();
}

/// N routes over N/4 resources, each route requiring one scope; the probe is the last
/// route, the worst case for anything that scans.
fn table(n: usize) -> String {
    let mut text = String::from("version 1\nrealm \"bench\"\nscheme k: api_key { store \"s\" }\n");
    for k in 0..n / 4 {
        let _ = writeln!(text, "GET /api/r{k} allow k scopes r{k}:read");
        let _ = writeln!(text, "GET /api/r{k}/{{id}} allow k scopes r{k}:read");
        let _ = writeln!(text, "POST /api/r{k}/{{id}}/items allow k scopes r{k}:write");
        let _ = writeln!(text, "DELETE /api/r{k}/{{id}}/items/{{item}} allow k scopes r{k}:admin");
    }
    text
}

fn scale(c: &mut Criterion) {
    let mut group = c.benchmark_group("scale");
    for n in [100, 1_000, 10_000] {
        let engine = Engine::from_text(&table(n), Syntax::Dsl).expect("table compiles");
        let last = n / 4 - 1;
        let target = format!("/api/r{last}/42/items/7");
        let scopes = ["a:read", "b:write", "c:admin", "d:read", &format!("r{last}:admin")];
        let credential = [Credential::new(SchemeKind::ApiKey, Identity::new("k", "p", scopes))];
        let request = Request::new("DELETE", &target);
        assert!(engine.decide(&request, &credential).is_allowed());

        group.bench_with_input(BenchmarkId::new("allow", n), &request, |b, request| {
            b.iter(|| black_box(engine.decide(black_box(request), black_box(&credential))))
        });
    }
    group.finish();
}

criterion_group!(benches, example, scale);
criterion_main!(benches);
