//! Arbitrary bytes as a YAML policy (see `entries::policy_yaml`).
#![no_main]

#[path = "../entries/mod.rs"]
mod entries;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entries::policy_yaml(data));
