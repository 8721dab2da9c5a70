//! Policy text to ready engine, and lint, on the shared route table:
//! `compile/yaml/N`, `compile/dsl/N` and `lint/N`. Also prints the heap a compiled engine
//! holds, measured with a counting allocator.
//!
//! Run with `cargo bench --bench compile`.

#[path = "../tests/common/table.rs"]
#[allow(dead_code)]
mod table;

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, Ordering};

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use portcullis::lint::{self, LintOptions};
use portcullis::{Engine, Syntax};

/// Counts the bytes live on the heap (allocated minus freed).
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY-free: delegates to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator, which the caller's contract
        // (a non-zero-size layout) is written for.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Text to ready engine. The engine is returned, so that the timing stops before it is
/// dropped: tearing an engine down is not part of compiling one. One compile per batch, so
/// that each one runs on the memory the last one freed, as a reload would.
fn compile(text: &str, syntax: Syntax) -> Engine {
    Engine::from_text(black_box(text), syntax).expect("compiles")
}

fn compile_benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("compile");
    group.sample_size(10);
    for n in table::SIZES {
        let yaml = table::yaml(n);
        let dsl = table::dsl(n);
        group.bench_with_input(BenchmarkId::new("yaml", n), &yaml, |b, text| {
            b.iter_batched(|| (), |()| compile(text, Syntax::Yaml), BatchSize::PerIteration)
        });
        group.bench_with_input(BenchmarkId::new("dsl", n), &dsl, |b, text| {
            b.iter_batched(|| (), |()| compile(text, Syntax::Dsl), BatchSize::PerIteration)
        });
    }
    group.finish();

    let mut group = c.benchmark_group("lint");
    group.sample_size(10);
    for n in table::SIZES {
        let dsl = table::dsl(n);
        group.bench_with_input(BenchmarkId::from_parameter(n), &dsl, |b, text| {
            b.iter(|| black_box(lint::lint(black_box(text), Syntax::Dsl, &LintOptions::default())))
        });
    }
    group.finish();

    for n in [10_000, 100_000] {
        let text = table::dsl(n);
        let before = LIVE.load(Ordering::Relaxed);
        let engine = Engine::from_text(&text, Syntax::Dsl).expect("compiles");
        let held = LIVE.load(Ordering::Relaxed) - before;
        println!("heap held by a compiled {n}-route engine: {:.2} MiB", held as f64 / 1048576.0);
        drop(engine);
    }
}

criterion_group!(benches, compile_benches);
criterion_main!(benches);
