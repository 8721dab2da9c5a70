//! Property tests: the two syntaxes agree, and the compiled tree agrees with a naive scan.

mod common;

use portcullis::{CompileOptions, Engine, Request, Syntax};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 1_000, ..ProptestConfig::default() })]

    /// A policy printed as DSL and as YAML reads back as itself, and both compile to the
    /// same engine as the original.
    #[test]
    fn both_syntaxes_compile_to_the_same_tree(doc in common::document()) {
        let dsl = portcullis::syntax::print(&doc);
        let yaml = portcullis::yaml::print(&doc);

        let from_dsl = portcullis::parse(dsl.as_bytes(), Syntax::Dsl)
            .map_err(|e| TestCaseError::fail(format!("{dsl}\n{e:?}")))?;
        let from_yaml = portcullis::parse(yaml.as_bytes(), Syntax::Yaml)
            .map_err(|e| TestCaseError::fail(format!("{yaml}\n{e:?}")))?;
        prop_assert_eq!(&from_dsl, &doc, "DSL:\n{}", dsl);
        prop_assert_eq!(&from_yaml, &doc, "YAML:\n{}", yaml);

        let options = CompileOptions::default();
        let original = Engine::compile(&doc, &options).expect("generated policies are valid");
        prop_assert_eq!(&Engine::compile(&from_dsl, &options).expect("compiles"), &original);
        prop_assert_eq!(&Engine::compile(&from_yaml, &options).expect("compiles"), &original);
    }

    /// For random policies and requests, the tree picks the route a linear scan picks.
    #[test]
    fn tree_agrees_with_a_linear_scan(
        doc in common::document(),
        requests in prop::collection::vec(common::request(), 1..40),
    ) {
        let engine = Engine::compile(&doc, &CompileOptions::default()).expect("valid policy");
        for (method, target, preflight) in requests {
            let request = Request::new(&method, &target).with_preflight(preflight);
            let expected = common::reference_governing(&doc, &method, &target, preflight);
            prop_assert_eq!(
                engine.governing(&request),
                expected,
                "{} {} (preflight {}) in\n{}",
                method,
                target,
                preflight,
                portcullis::syntax::print(&doc)
            );
        }
    }
}
