//! Arbitrary request targets against the example policy: deciding must never panic, and a
//! path with a dot segment, an empty segment or a backslash must never be allowed.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use portcullis::{Credential, Engine, Identity, Request, SchemeKind, Syntax};

static ENGINE: LazyLock<Engine> = LazyLock::new(|| {
    let text = include_str!("../../policies/example.policy");
    Engine::from_text(text, Syntax::Dsl).expect("example compiles")
});

fuzz_target!(|data: &[u8]| {
    let Ok(target) = std::str::from_utf8(data) else { return };
    let admin = Credential::new(SchemeKind::Jwt, Identity::new("user_jwt", "a", ["admin"]));
    let decision = ENGINE.decide(&Request::new("GET", target), &[admin]);

    let path = target.split('?').next().unwrap_or_default();
    let ambiguous = path != "/"
        && (path.split('/').skip(1).any(|s| s.is_empty() || s == "." || s == "..")
            || path.contains('\\'));
    assert!(!(ambiguous && decision.is_allowed()), "allowed an ambiguous path: {target:?}");
});
