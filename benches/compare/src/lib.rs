//! Nothing but a benchmark: see `benches/compare.rs` and the README. Cargo wants a library or
//! binary target in every package, so this empty library is it.
