//! Issue #6's comparison: one decision on the shared route table (tests/common/table.rs) at
//! N = 10,000, the probe `DELETE /api/r2499/42/items/7` with a credential that holds the
//! required scope, measured four ways in the criterion group `compare`:
//!
//! - `compare/portcullis`: `Engine::decide`, exactly as `decide/credential/allow/10000`;
//! - `compare/matchit`: path lookup alone, one matchit router per method, no scope check;
//! - `compare/cedar_per_route`: matchit resolves the route, then Cedar decides against one
//!   policy per route (10,000 policies);
//! - `compare/cedar_indexed`: matchit resolves the route to a route entity, then Cedar decides
//!   against a single policy that reads the entity's `required_scope`.
//!
//! Each Cedar iteration is what a service would do per request: the route lookup, building
//! the `cedar_policy::Request` (principal, action and resource uids, empty context) and
//! `Authorizer::is_authorized`. The policy set, the entities and the routers are built once.
//! The README says more. Run with `cargo bench -p portcullis-compare`.

#[path = "../../../tests/common/table.rs"]
#[allow(dead_code)]
mod table;

use std::collections::{HashMap, HashSet};
use std::hint::black_box;
use std::str::FromStr;

use cedar_policy::{
    Authorizer, Context, Decision, Entities, Entity, EntityUid, PolicySet, RestrictedExpression,
};
use criterion::{Criterion, criterion_group, criterion_main};
use portcullis::{Credential, Engine, Identity, Request, SchemeKind, Syntax};

const N: usize = 10_000;

/// One route of the table: method, path template, required scope.
struct Route {
    method: String,
    path: String,
    scope: String,
}

/// The routes read back from the table's DSL text, so every case sees the same table.
fn routes(n: usize) -> Vec<Route> {
    let routes: Vec<Route> = table::dsl(n)
        .lines()
        .filter(|line| ["GET ", "POST ", "DELETE "].iter().any(|m| line.starts_with(m)))
        .map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(words[words.len() - 2], "scopes", "one scope per route: {line}");
            Route {
                method: words[0].to_owned(),
                path: words[1].to_owned(),
                scope: words[words.len() - 1].to_owned(),
            }
        })
        .collect();
    assert_eq!(routes.len(), n);
    routes
}

/// One matchit router per method: the table's methods are GET, POST and DELETE.
struct Routers<T> {
    get: matchit::Router<T>,
    post: matchit::Router<T>,
    delete: matchit::Router<T>,
}

impl<T> Routers<T> {
    fn new(routes: &[Route], value: impl Fn(&Route) -> T) -> Self {
        let mut routers = Routers {
            get: matchit::Router::new(),
            post: matchit::Router::new(),
            delete: matchit::Router::new(),
        };
        for route in routes {
            let router = match route.method.as_str() {
                "GET" => &mut routers.get,
                "POST" => &mut routers.post,
                "DELETE" => &mut routers.delete,
                other => panic!("method {other} not in the table"),
            };
            router.insert(route.path.as_str(), value(route)).expect("distinct routes");
        }
        routers
    }

    fn at(&self, method: &str, path: &str) -> Option<&T> {
        let router = match method {
            "GET" => &self.get,
            "POST" => &self.post,
            "DELETE" => &self.delete,
            _ => return None,
        };
        router.at(path).ok().map(|matched| matched.value)
    }
}

fn uid(text: &str) -> EntityUid {
    EntityUid::from_str(text).expect("valid entity uid")
}

/// A Cedar string literal (the table's paths and scopes need no escaping; check it).
fn quoted(text: &str) -> String {
    assert!(!text.contains(['"', '\\']), "{text}");
    format!("\"{text}\"")
}

/// The principals: `User::"p"` holds the probe's scope, `User::"q"` does not.
fn principals(n: usize) -> Vec<Entity> {
    [("p", true), ("q", false)]
        .into_iter()
        .map(|(id, allowed)| {
            let scopes =
                table::scopes(n, allowed).into_iter().map(RestrictedExpression::new_string);
            let attrs =
                HashMap::from([("scopes".to_owned(), RestrictedExpression::new_set(scopes))]);
            Entity::new(uid(&format!("User::{}", quoted(id))), attrs, HashSet::new())
                .expect("valid principal")
        })
        .collect()
}

/// One Cedar decision as a service makes it: resolve the route, build the request, authorize.
fn cedar_decide(
    routers: &Routers<EntityUid>,
    actions: &HashMap<&str, EntityUid>,
    principal: &EntityUid,
    (method, path): (&str, &str),
    authorizer: &Authorizer,
    policies: &PolicySet,
    entities: &Entities,
) -> Decision {
    let (Some(resource), Some(action)) = (routers.at(method, path), actions.get(method)) else {
        return Decision::Deny;
    };
    let request = cedar_policy::Request::new(
        principal.clone(),
        action.clone(),
        resource.clone(),
        Context::empty(),
        None,
    )
    .expect("no schema to violate");
    authorizer.is_authorized(&request, policies, entities).decision()
}

fn compare(c: &mut Criterion) {
    let routes = routes(N);
    let (method, target) = table::probe(N);
    let mut group = c.benchmark_group("compare");

    // Portcullis: as decide/credential/allow/10000 in benches/decide.rs.
    let engine = Engine::from_text(&table::dsl(N), Syntax::Dsl).expect("table compiles");
    let request = Request::new(method, &target);
    let identity = Identity::new("partner_key", "p", table::scopes(N, true));
    let credentials = [Credential::new(SchemeKind::ApiKey, identity)];
    assert!(engine.decide(&request, &credentials).is_allowed());
    let forbidden = Identity::new("partner_key", "q", table::scopes(N, false));
    assert!(
        !engine.decide(&request, &[Credential::new(SchemeKind::ApiKey, forbidden)]).is_allowed()
    );
    group.bench_function("portcullis", |b| {
        b.iter(|| black_box(engine.decide(black_box(&request), black_box(&credentials))))
    });

    // matchit: the route's required scope, looked up by method and path; no scope check.
    let scopes = Routers::new(&routes, |route| route.scope.clone());
    let last = N / 4 - 1;
    assert_eq!(scopes.at(method, &target).map(String::as_str), Some(&*format!("r{last}:admin")));
    group.bench_function("matchit", |b| {
        b.iter(|| black_box(scopes.at(black_box(method), black_box(&target))))
    });

    let authorizer = Authorizer::new();
    let actions: HashMap<&str, EntityUid> = ["GET", "POST", "DELETE"]
        .into_iter()
        .map(|m| (m, uid(&format!("Action::{}", quoted(m)))))
        .collect();
    let allowed = uid("User::\"p\"");
    let denied = uid("User::\"q\"");

    // Cedar, one policy per route: the route template is the resource, the method the action.
    let text: String = routes
        .iter()
        .map(|route| {
            format!(
                "permit(principal, action == Action::{}, resource == Route::{})\n  \
                 when {{ principal.scopes.contains({}) }};\n",
                quoted(&route.method),
                quoted(&route.path),
                quoted(&route.scope),
            )
        })
        .collect();
    let policies = PolicySet::from_str(&text).expect("per-route policies parse");
    assert_eq!(policies.policies().count(), N);
    let entities = Entities::from_entities(principals(N), None).expect("entities");
    let templates = Routers::new(&routes, |route| uid(&format!("Route::{}", quoted(&route.path))));
    let decide = |principal: &EntityUid| {
        cedar_decide(
            &templates,
            &actions,
            principal,
            (method, &target),
            &authorizer,
            &policies,
            &entities,
        )
    };
    assert_eq!(decide(&allowed), Decision::Allow);
    assert_eq!(decide(&denied), Decision::Deny);
    group.bench_function("cedar_per_route", |b| {
        b.iter(|| {
            black_box(cedar_decide(
                &templates,
                &actions,
                black_box(&allowed),
                black_box((method, &target)),
                &authorizer,
                &policies,
                &entities,
            ))
        })
    });

    // Cedar, routes as data: one entity per route carrying its scope, and a single policy.
    let indexed = PolicySet::from_str(
        "permit(principal, action, resource is Route)\n  \
         when { principal.scopes.contains(resource.required_scope) };",
    )
    .expect("the policy parses");
    let route_uid = |route: &Route| {
        uid(&format!("Route::{}", quoted(&format!("{} {}", route.method, route.path))))
    };
    let route_entities = routes.iter().map(|route| {
        let attrs = HashMap::from([(
            "required_scope".to_owned(),
            RestrictedExpression::new_string(route.scope.clone()),
        )]);
        Entity::new(route_uid(route), attrs, HashSet::new()).expect("valid route entity")
    });
    let entities = Entities::from_entities(route_entities.chain(principals(N)), None)
        .expect("distinct entities");
    let route_uids = Routers::new(&routes, route_uid);
    let decide = |principal: &EntityUid| {
        cedar_decide(
            &route_uids,
            &actions,
            principal,
            (method, &target),
            &authorizer,
            &indexed,
            &entities,
        )
    };
    assert_eq!(decide(&allowed), Decision::Allow);
    assert_eq!(decide(&denied), Decision::Deny);
    group.bench_function("cedar_indexed", |b| {
        b.iter(|| {
            black_box(cedar_decide(
                &route_uids,
                &actions,
                black_box(&allowed),
                black_box((method, &target)),
                &authorizer,
                &indexed,
                &entities,
            ))
        })
    });

    group.finish();
}

criterion_group!(benches, compare);
criterion_main!(benches);
