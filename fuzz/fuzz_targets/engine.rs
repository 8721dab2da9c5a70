//! Generated policies and requests through the whole engine (see `entries::engine`).
#![no_main]

#[path = "../entries/mod.rs"]
mod entries;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entries::engine(data));
