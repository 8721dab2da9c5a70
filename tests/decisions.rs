//! Decisions on the shipped example policy and on small policies built for one rule each.

use std::sync::Arc;

use portcullis::{
    AllowBasis, Credential, Decision, Engine, ForbiddenReason, Governing, Identity, PathError,
    Request, SchemeKind, Scopes, Syntax,
};

fn example() -> Engine {
    Engine::load("policies/example.policy").expect("the example policy loads")
}

fn jwt(principal: &str, scopes: &[&str]) -> Credential {
    Credential::new(SchemeKind::Jwt, Identity::new("user_jwt", principal, scopes.to_vec()))
}

fn key(principal: &str, scopes: &[&str]) -> Credential {
    Credential::new(SchemeKind::ApiKey, Identity::new("partner_key", principal, scopes.to_vec()))
}

fn session(principal: &str, scopes: &[&str]) -> Credential {
    Credential::new(SchemeKind::Session, Identity::new("browser", principal, scopes.to_vec()))
}

/// (method, target, credentials, status, principal allowed or required scope refused)
type Case = (&'static str, &'static str, Vec<Credential>, u16, &'static str);

#[test]
fn example_policy_decisions() {
    let engine = example();
    let cases: Vec<Case> = vec![
        // public, and the default
        ("GET", "/health", vec![], 200, ""),
        ("POST", "/health", vec![], 403, ""),
        ("GET", "/nowhere", vec![jwt("alice", &["admin"])], 403, ""),
        // any of three schemes, with implication: admin -> data:write -> data:read
        ("GET", "/data", vec![], 401, ""),
        ("GET", "/data", vec![key("acme", &["data:read"])], 200, "acme"),
        ("GET", "/data", vec![session("bob", &["data:write"])], 200, "bob"),
        ("GET", "/data", vec![jwt("alice", &["admin"])], 200, "alice"),
        ("GET", "/data", vec![jwt("carol", &["users:read"])], 403, "data:read"),
        ("HEAD", "/data/7", vec![key("acme", &["data:read"])], 200, "acme"),
        // writes: API keys are not accepted, so a key is as good as nothing
        ("POST", "/data", vec![key("acme", &["data:write"])], 401, ""),
        ("POST", "/data", vec![session("bob", &["data:read"])], 403, "data:write"),
        ("PUT", "/data/7", vec![session("bob", &["data:write"])], 200, "bob"),
        ("DELETE", "/data/7", vec![jwt("alice", &["data:write"])], 403, "admin"),
        // literal beats parameter; no scopes required on /users/me
        ("GET", "/users/me", vec![session("bob", &[])], 200, "bob"),
        ("GET", "/users/42", vec![session("bob", &["users:read"])], 401, ""),
        ("GET", "/users/42", vec![jwt("alice", &["users:read"])], 200, "alice"),
        ("GET", "/users/42", vec![jwt("alice", &["admin"])], 200, "alice"),
        ("GET", "/users/42", vec![jwt("carol", &["data:read"])], 403, "users:read admin"),
        // per-alternative scopes
        ("PATCH", "/users/42", vec![session("bob", &["users:write"])], 200, "bob"),
        ("PATCH", "/users/42", vec![session("bob", &["users:read"])], 403, "users:write"),
        // the admin area, at any depth including its root
        ("DELETE", "/admin/users/7", vec![jwt("alice", &["admin"])], 200, "alice"),
        ("GET", "/admin", vec![jwt("alice", &["admin"])], 200, "alice"),
        ("GET", "/admin/x", vec![session("bob", &["admin"])], 401, ""),
        ("GET", "/%61dmin/x", vec![jwt("carol", &["data:write"])], 403, "admin"),
        // query strings are ignored for matching
        ("GET", "/health?next=/admin", vec![], 200, ""),
    ];

    for (method, target, credentials, status, detail) in cases {
        let decision = engine.decide(&Request::new(method, target), &credentials);
        let head = decision.response();
        assert_eq!(head.status, status, "{method} {target}: {decision:?}");
        match &decision {
            Decision::Allow { principal, .. } if !detail.is_empty() => {
                assert_eq!(principal.as_deref(), Some(detail), "{method} {target}");
            }
            Decision::Forbidden { reason: ForbiddenReason::InsufficientScope, .. } => {
                let body = head.body.unwrap_or_default();
                let expected = format!("\"required_scope\": \"{detail}\"");
                assert!(body.contains(&expected), "{method} {target}: {body}");
            }
            _ => {}
        }
    }
}

#[test]
fn allow_carries_principal_scheme_and_effective_scopes() {
    let engine = example();
    let presented = [jwt("alice", &["admin"])];
    let decision = engine.decide(&Request::new("GET", "/data"), &presented);
    let expected: Decision<'static> = Decision::Allow {
        principal: Some("alice".into()),
        scheme: Some("user_jwt".into()),
        scopes: Scopes::from_names([
            "admin",
            "data:read",
            "data:write",
            "users:read",
            "users:write",
        ]),
        basis: AllowBasis::Authorized,
    };
    assert_eq!(decision, expected);

    // An owned decision reads the same, and outlives the engine and the credentials.
    let owned = decision.clone().into_owned();
    assert_eq!(owned, decision);
    drop(decision);
    drop(presented);
    drop(engine);
    assert_eq!(owned, expected);
    let Decision::Allow { principal: Some(principal), scopes, .. } = owned else {
        panic!("an allow: {owned:?}")
    };
    assert_eq!(&*principal.into_shared(), "alice");
    assert!(scopes.contains("users:read") && !scopes.contains("admin:delete"));
    let names = ["admin", "data:read", "data:write", "users:read", "users:write"];
    assert_eq!(scopes.names(), names);
    assert_eq!(scopes.to_vec(), names.map(Arc::<str>::from));
}

#[test]
fn unauthenticated_lists_one_challenge_per_auth_scheme() {
    let engine = example();
    let head = engine.decide(&Request::new("GET", "/data"), &[]).response();
    assert_eq!(head.status, 401);
    assert_eq!(
        head.www_authenticate,
        [
            r#"Bearer realm="api.example.com""#,
            r#"ApiKey realm="api.example.com", header="X-API-Key""#,
            r#"Cookie realm="api.example.com", cookie-name="session_id""#,
        ]
    );
    assert!(!head.www_authenticate.iter().any(|c| c.contains("error=")));
}

#[test]
fn forbidden_renders_the_missing_scope_in_body_and_bearer_challenge() {
    let engine = example();
    let presented = [jwt("carol", &[])];
    let decision = engine.decide(&Request::new("DELETE", "/admin/x"), &presented);
    let head = decision.response();
    assert_eq!(head.status, 403);
    assert_eq!(
        head.body.as_deref(),
        Some(r#"{"error": "insufficient_scope", "required_scope": "admin"}"#)
    );
    assert_eq!(
        head.www_authenticate,
        [r#"Bearer realm="api.example.com", error="insufficient_scope", scope="admin""#]
    );

    // A session has no challenge to repeat.
    let presented = [session("bob", &[])];
    let decision = engine.decide(&Request::new("POST", "/data"), &presented);
    assert!(decision.response().www_authenticate.is_empty());
}

#[test]
fn a_credential_counts_only_for_its_own_scheme_and_kind() {
    let engine = example();
    let wrong_kind =
        Credential::new(SchemeKind::Session, Identity::new("user_jwt", "mallory", ["admin"]));
    let unknown_scheme =
        Credential::new(SchemeKind::Jwt, Identity::new("other_jwt", "mallory", ["admin"]));
    for credential in [wrong_kind, unknown_scheme] {
        let presented = [credential];
        let decision = engine.decide(&Request::new("GET", "/admin"), &presented);
        assert!(matches!(decision, Decision::Unauthenticated { .. }), "{decision:?}");
    }
}

#[test]
fn malformed_paths_are_refused_before_any_rule() {
    let engine = example();
    let cases = [
        ("/health/../admin", PathError::DotSegment),
        ("/admin/./x", PathError::DotSegment),
        ("//admin", PathError::EmptySegment),
        ("/health/", PathError::EmptySegment),
        ("/admin%2Fusers", PathError::EncodedDelimiter),
        ("/%2e%2e/admin", PathError::EncodedDelimiter),
        ("/admin\\users", PathError::Backslash),
        ("/admin%zz", PathError::BadEncoding),
        ("/ad min", PathError::BadCharacter),
        ("health", PathError::NotAbsolute),
    ];
    for (target, error) in cases {
        let presented = [jwt("alice", &["admin"])];
        let decision = engine.decide(&Request::new("GET", target), &presented);
        assert_eq!(
            decision,
            Decision::Malformed { reason: error.into(), challenge: None },
            "{target}"
        );
        let head = decision.response();
        assert_eq!(head.status, 400);
        assert!(head.body.unwrap_or_default().contains("invalid_request"));
    }
}

#[test]
fn matching_is_case_sensitive() {
    let engine = example();
    let presented = [];
    let decision = engine.decide(&Request::new("GET", "/Health"), &presented);
    assert!(matches!(decision, Decision::Forbidden { reason: ForbiddenReason::NoRoute, .. }));
    let presented = [];
    let lower_method = engine.decide(&Request::new("get", "/health"), &presented);
    assert!(!lower_method.is_allowed());
}

fn policy(routes: &str) -> Engine {
    let text = format!(
        "version 1\nrealm \"r\"\n\
         scheme app: api_key {{ store \"keys\" }}\n\
         scheme user: opaque_token {{ store \"tokens\" }}\n\
         {routes}\n"
    );
    Engine::from_text(&text, Syntax::Dsl).expect("test policy compiles")
}

fn governing(engine: &Engine, method: &str, target: &str) -> Governing {
    engine.governing(&Request::new(method, target)).expect("valid path")
}

#[test]
fn precedence_literal_then_parameter_then_catch_all() {
    let engine = policy(
        "GET /a/**     deny\n\
         GET /a/{x}/c  deny\n\
         GET /a/b/d    deny\n\
         GET /a/b      deny\n\
         GET /a/*      deny",
    );
    assert_eq!(governing(&engine, "GET", "/a/b"), Governing::Route(3));
    assert_eq!(governing(&engine, "GET", "/a/z"), Governing::Route(4));
    assert_eq!(governing(&engine, "GET", "/a/b/d"), Governing::Route(2));
    // `b` matches the literal, but `/a/b/c` continues only under the parameter: back up.
    assert_eq!(governing(&engine, "GET", "/a/b/c"), Governing::Route(1));
    assert_eq!(governing(&engine, "GET", "/a/b/e"), Governing::Route(0));
    assert_eq!(governing(&engine, "GET", "/a"), Governing::Route(0));
    assert_eq!(governing(&engine, "GET", "/b"), Governing::Default);
}

#[test]
fn methods_named_beat_star_and_head_falls_back_to_get() {
    let engine = policy(
        "*      /x   deny\n\
         GET    /x   public\n\
         HEAD   /y   deny\n\
         GET    /y   public\n\
         GET    /z   public\n\
         POST   /z/** deny",
    );
    assert_eq!(governing(&engine, "GET", "/x"), Governing::Route(1));
    assert_eq!(governing(&engine, "POST", "/x"), Governing::Route(0));
    assert_eq!(governing(&engine, "HEAD", "/x"), Governing::Route(1));
    assert_eq!(governing(&engine, "HEAD", "/y"), Governing::Route(2));
    assert_eq!(governing(&engine, "HEAD", "/z"), Governing::Route(4));
    // The most specific path has no rule for POST: the `**` route around it decides.
    assert_eq!(governing(&engine, "POST", "/z"), Governing::Route(5));
    assert_eq!(governing(&engine, "DELETE", "/z"), Governing::Default);
}

#[test]
fn preflight_is_allowed_unless_a_route_names_options() {
    let engine = policy(
        "*       /a   allow user\n\
         OPTIONS /b   allow user",
    );
    let preflight = |target| Request::new("OPTIONS", target).with_preflight(true);
    let presented = [];
    let decision = engine.decide(&preflight("/a"), &presented);
    assert!(matches!(decision, Decision::Allow { basis: AllowBasis::Preflight, .. }));
    assert_eq!(engine.decide(&preflight("/b"), &[]).response().status, 401);
    // A plain OPTIONS (no Access-Control-Request-Method) is an ordinary request.
    assert_eq!(engine.decide(&Request::new("OPTIONS", "/a"), &[]).response().status, 401);
    // A preflight with a malformed path is still malformed.
    assert!(matches!(engine.decide(&preflight("/a/.."), &[]), Decision::Malformed { .. }));
}

#[test]
fn all_of_sets_need_every_member_and_pool_their_scopes() {
    let engine = policy("GET /v allow user + app scopes read, write");
    let user = Credential::new(SchemeKind::OpaqueToken, Identity::new("user", "u1", ["read"]));
    let app = Credential::new(SchemeKind::ApiKey, Identity::new("app", "acme", ["write"]));

    let request = Request::new("GET", "/v");
    assert_eq!(engine.decide(&request, std::slice::from_ref(&user)).response().status, 401);
    assert_eq!(engine.decide(&request, std::slice::from_ref(&app)).response().status, 401);
    let presented = [app, user.clone()];
    let decision = engine.decide(&request, &presented);
    match decision {
        Decision::Allow { principal, scheme, .. } => {
            assert_eq!(principal.as_deref(), Some("u1"));
            assert_eq!(scheme.as_deref(), Some("user"));
        }
        other => panic!("expected allow, got {other:?}"),
    }

    let weak_app = Credential::new(SchemeKind::ApiKey, Identity::new("app", "acme", [""; 0]));
    let presented = [user, weak_app];
    let decision = engine.decide(&request, &presented);
    assert!(matches!(decision, Decision::Forbidden { .. }), "{decision:?}");
}

#[test]
fn alternatives_are_tried_in_order_and_a_later_one_can_allow() {
    let engine = policy("GET /v allow (user scopes admin), (app scopes read)");
    let user = Credential::new(SchemeKind::OpaqueToken, Identity::new("user", "u1", ["read"]));
    let app = Credential::new(SchemeKind::ApiKey, Identity::new("app", "acme", ["read"]));
    let request = Request::new("GET", "/v");

    let presented = [user.clone(), app];

    let decision = engine.decide(&request, &presented);
    assert!(matches!(&decision, Decision::Allow { principal: Some(p), .. } if &**p == "acme"));
    // With only the user's token, the first alternative authenticated but lacks `admin`.
    let head = engine.decide(&request, &[user]).response();
    assert_eq!(head.status, 403);
    assert!(head.body.unwrap_or_default().contains("\"admin\""));
}

#[test]
fn deny_routes_and_default_rules() {
    let engine = policy("GET /off deny\ndefault allow user");
    let user = Credential::new(SchemeKind::OpaqueToken, Identity::new("user", "u1", [""; 0]));
    let off = engine.decide(&Request::new("GET", "/off"), std::slice::from_ref(&user));
    assert!(matches!(off, Decision::Forbidden { reason: ForbiddenReason::RouteDenies, .. }));
    assert_eq!(off.response().body.as_deref(), Some(r#"{"error": "access_denied"}"#));
    let presented = [user];
    let elsewhere = engine.decide(&Request::new("PUT", "/anything/else"), &presented);
    assert!(elsewhere.is_allowed());
    assert_eq!(engine.decide(&Request::new("PUT", "/x"), &[]).response().status, 401);
}

#[test]
fn engines_are_shared_across_threads_without_locks() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Engine>();

    let engine = Arc::new(example());
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let engine = Arc::clone(&engine);
            std::thread::spawn(move || {
                let credential = jwt("alice", &["data:read"]);
                (0..500)
                    .filter(|n| {
                        let target = format!("/data/{}", n + i);
                        engine
                            .decide(
                                &Request::new("GET", &target),
                                std::slice::from_ref(&credential),
                            )
                            .is_allowed()
                    })
                    .count()
            })
        })
        .collect();
    for handle in handles {
        assert_eq!(handle.join().expect("no panic"), 500);
    }
}
