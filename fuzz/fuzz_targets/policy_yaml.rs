//! Arbitrary bytes as a YAML policy: reading and compiling must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis::{CompileOptions, Engine, Syntax};

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = portcullis::parse(data, Syntax::Yaml) else { return };
    let _ = Engine::compile(&doc, &CompileOptions::default());
});
