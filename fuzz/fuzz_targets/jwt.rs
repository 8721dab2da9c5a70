//! Raw bearer token bytes against a fixed JWK Set (see `entries::jwt`).
#![no_main]

#[path = "../entries/mod.rs"]
mod entries;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entries::jwt(data));
