//! Arbitrary bytes as a DSL policy (see `entries::policy_dsl`).
#![no_main]

#[path = "../entries/mod.rs"]
mod entries;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entries::policy_dsl(data));
