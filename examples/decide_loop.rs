//! One decision, repeated: the loop behind the instruction counts in benches/README.md,
//! which callgrind gives the same whatever else the machine is doing.
//!
//! ```sh
//! cargo build --release --example decide_loop
//! valgrind --tool=callgrind --toggle-collect='portcullis::eval::*decide' \
//!     target/release/examples/decide_loop allow 100000
//! # The request cases need the test HMAC secret, which cargo sets from .cargo/config.toml
//! # for the programs it runs, and valgrind does not.
//! export PORTCULLIS_TEST_HMAC=test-only-hmac-secret-0123456789abcdef
//! valgrind --tool=callgrind --toggle-collect='*decide_traced*' \
//!     target/release/examples/decide_loop session 20000
//! ```
//!
//! The first argument is `allow` (`Engine::decide` on a verified credential, as
//! `decide/credential/allow/10000`), one of the `decide/request` cases (`anonymous`,
//! `api_key`, `session`, `jwt_rs256`, `jwt_rs256_cached`, `jwt_hs256`), or `dsl` or `yaml`
//! (compiling the table); the second, how many times (default 1); the third, the number of
//! routes in the table (default 10,000). Run it from the repository's root, where the key
//! fixtures are. `--toggle-collect` counts only inside the decision; divide by the number
//! of calls (the request cases are each decided once more while they are built, which a
//! count in the tens of thousands makes negligible).

#[path = "../tests/common/table.rs"]
#[allow(dead_code)]
mod table;

#[path = "../benches/common/requests.rs"]
#[allow(dead_code, reason = "the token is for the decide bench's reference cases")]
mod requests;

use std::hint::black_box;

use portcullis::{Credential, Engine, Identity, Request, SchemeKind, Syntax};

/// The table's size when the third argument does not give one.
const N: usize = 10_000;

fn main() {
    let mut args = std::env::args().skip(1);
    let case = args.next().unwrap_or_else(|| "allow".to_owned());
    let times: usize = args.next().map_or(1, |n| n.parse().expect("a number of calls"));
    let n: usize = args.next().map_or(N, |n| n.parse().expect("a number of routes"));

    match case.as_str() {
        "allow" => {
            let engine = Engine::from_text(&table::dsl(n), Syntax::Dsl).expect("compiles");
            let (method, target) = table::probe(n);
            let request = Request::new(method, &target);
            let identity = Identity::new("partner_key", "p", table::scopes(n, true));
            let credentials = [Credential::new(SchemeKind::ApiKey, identity)];
            assert!(engine.decide(&request, &credentials).is_allowed());
            for _ in 0..times {
                black_box(engine.decide(black_box(&request), black_box(&credentials)));
            }
        }
        "dsl" | "yaml" => {
            let (text, syntax) = match case.as_str() {
                "dsl" => (table::dsl(n), Syntax::Dsl),
                _ => (table::yaml(n), Syntax::Yaml),
            };
            for _ in 0..times {
                black_box(Engine::from_text(black_box(&text), syntax).expect("compiles"));
            }
        }
        name => {
            let requests = requests::requests(n);
            let Some(case) = requests.cases.iter().find(|c| c.name == name) else {
                panic!("no case `{name}`: allow, dsl, yaml or a decide/request case");
            };
            for _ in 0..times {
                black_box(case.authenticator.decide(black_box(&case.parts), &requests.context));
            }
        }
    }
}
