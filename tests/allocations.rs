//! Counts heap allocations on the decision path (issue #6): deciding a request for a verified
//! credential that the route allows must not allocate, whatever the size of the policy.
//!
//! A counting allocator wraps the system one; the count is kept per thread, so tests running
//! beside each other in this binary do not disturb one another.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use common::table;
use portcullis::{Credential, Decision, Engine, Identity, Request, SchemeKind, Syntax};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; the wrapper only
// counts, in a thread-local cell that needs no allocation of its own.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|count| count.set(count.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|count| count.set(count.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// How many allocations `work` makes on this thread.
fn allocations<T>(work: impl FnOnce() -> T) -> (usize, T) {
    let before = ALLOCATIONS.with(Cell::get);
    let result = work();
    (ALLOCATIONS.with(Cell::get) - before, result)
}

#[test]
fn an_allowed_credential_decision_does_not_allocate() {
    for n in [100, 10_000] {
        let engine = Engine::from_text(&table::dsl(n), Syntax::Dsl).expect("table compiles");
        let (method, target) = table::probe(n);
        let request = Request::new(method, &target);
        let identity = Identity::new("partner_key", "p", table::scopes(n, true));
        let credentials = [Credential::new(SchemeKind::ApiKey, identity)];

        let (count, decision) = allocations(|| engine.decide(&request, &credentials));
        assert!(matches!(decision, Decision::Allow { .. }), "{decision:?}");
        assert_eq!(count, 0, "allocations deciding an Allow on {n} routes");

        // Dropping the decision gives back shares, never memory of its own.
        let (count, ()) = allocations(|| drop(decision));
        assert_eq!(count, 0);
    }
}

#[test]
fn the_counter_sees_allocations() {
    // Guards the test above against a counter that never counts.
    let (count, boxed) = allocations(|| Box::new(7));
    assert_eq!((count, *boxed), (1, 7));

    let engine = Engine::from_text(&table::dsl(100), Syntax::Dsl).expect("table compiles");
    let (method, target) = table::probe(100);
    let identity = Identity::new("partner_key", "p", table::scopes(100, false));
    let credentials = [Credential::new(SchemeKind::ApiKey, identity)];
    let (count, decision) =
        allocations(|| engine.decide(&Request::new(method, &target), &credentials));
    assert!(matches!(decision, Decision::Forbidden { .. }), "{decision:?}");
    assert!(count > 0, "a 403 names the missing scope, which takes a list");
}

/// A whole request through the authenticator: the headers read, the key or session looked
/// up, the query string checked for credentials. None of it allocates when the request is
/// allowed, a query of plain parameters included.
#[test]
fn an_allowed_request_through_the_authenticator_does_not_allocate() {
    use std::sync::Arc;
    use std::time::{Duration, UNIX_EPOCH};

    use portcullis::authn::api_key::generate_api_key;
    use portcullis::authn::store::{MemoryKeyStore, MemorySessionStore, SecretHash, SessionRecord};
    use portcullis::{Authenticator, Context};

    let n = 100;
    let engine = Engine::from_text(&table::dsl(n), Syntax::Dsl).expect("table compiles");
    let scopes = table::scopes(n, true);
    let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
    let keys = Arc::new(MemoryKeyStore::default());
    let (key, record) = generate_api_key("sk_test_", "p", &scopes, UNIX_EPOCH).expect("random");
    keys.insert(record);
    let sessions = Arc::new(MemorySessionStore::default());
    sessions.insert(SessionRecord {
        sha256: SecretHash::of("session-1"),
        principal: "p".into(),
        scopes: scopes.iter().map(|&s| s.into()).collect(),
        csrf_token: "csrf-1".into(),
        expires_at: None,
    });
    let authenticator = Authenticator::builder(Arc::new(engine))
        .key_store("keys", keys)
        .session_store("sessions", sessions)
        .key_dir("tests/fixtures")
        .build()
        .expect("stores bound");
    let context = Context { peer: None, now: UNIX_EPOCH + Duration::from_secs(1_800_000_000) };

    let (method, path) = table::probe(n);
    let cases = [
        ("an API key", vec![("x-api-key", key.as_str())]),
        ("a session", vec![("cookie", "sid=session-1"), ("x-csrf-token", "csrf-1")]),
    ];
    // A query is read where it lies; only a parameter with an escape is decoded into a copy.
    let queries = [("", 0), ("?page=2&sort=name", 0), ("?page=2&q=a%20b", 1)];
    for ((name, headers), (query, expected)) in cases.iter().flat_map(|c| queries.map(|q| (c, q))) {
        let mut request = http::Request::builder().method(method).uri(format!("{path}{query}"));
        for (header, value) in headers {
            request = request.header(*header, *value);
        }
        let request = request.body(()).expect("a valid request").into_parts().0;
        assert!(authenticator.decide(&request, &context).is_allowed(), "{name}{query}");

        let (count, decision) = allocations(|| authenticator.decide(&request, &context));
        assert!(decision.is_allowed(), "{name}{query}: {decision:?}");
        assert_eq!(count, expected, "allocations deciding {name} with {query:?}");
    }
}
