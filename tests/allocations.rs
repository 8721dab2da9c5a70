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
