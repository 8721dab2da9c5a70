//! Arbitrary bytes as a DSL policy: reading and compiling must never panic, and whatever
//! reads must print and read back as the same document.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis::{CompileOptions, Engine, Syntax};

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = portcullis::parse(data, Syntax::Dsl) else { return };
    let printed = portcullis::syntax::print(&doc);
    let reread = portcullis::parse(printed.as_bytes(), Syntax::Dsl).expect("printed DSL reads");
    assert_eq!(reread, doc);
    let _ = Engine::compile(&doc, &CompileOptions::default());
});
