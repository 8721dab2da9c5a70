//! Arbitrary request targets against the example policy (see `entries::request_path`).
#![no_main]

#[path = "../entries/mod.rs"]
mod entries;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entries::request_path(data));
