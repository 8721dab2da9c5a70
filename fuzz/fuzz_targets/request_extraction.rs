//! Method, target and header bytes through the Authenticator (see `entries::request_extraction`).
#![no_main]

#[path = "../entries/mod.rs"]
mod entries;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entries::request_extraction(data));
