//! The benchmark route table is what it says: both syntaxes compile to the same engine, the
//! probe reaches the last route, and the five-scope credential is allowed or forbidden.

mod common;

use common::table;
use portcullis::{Credential, Decision, Engine, Governing, Identity, Request, SchemeKind, Syntax};

#[test]
fn the_generated_table_decides_as_described() {
    for n in [100, 1_000] {
        let dsl = Engine::from_text(&table::dsl(n), Syntax::Dsl).expect("DSL table compiles");
        let yaml = Engine::from_text(&table::yaml(n), Syntax::Yaml).expect("YAML table compiles");
        assert_eq!(dsl, yaml);
        assert_eq!(dsl.route_count(), n);

        let (method, target) = table::probe(n);
        let request = Request::new(method, &target);
        assert_eq!(dsl.governing(&request), Ok(Governing::Route(n - 1)));
        for (allowed, expected) in [(true, 200), (false, 403)] {
            let identity = Identity::new("partner_key", "p", table::scopes(n, allowed));
            let credentials = [Credential::new(SchemeKind::ApiKey, identity)];
            let decision = dsl.decide(&request, &credentials);
            assert_eq!(decision.response().status, expected, "{n} {allowed}: {decision:?}");
            assert_eq!(matches!(decision, Decision::Allow { .. }), allowed);
        }
    }
}
