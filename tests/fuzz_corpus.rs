//! Replays the fuzz corpora under plain `cargo test`: every file in `fuzz/seeds/<target>/`
//! (the hand-written, named inputs), `fuzz/corpus/<target>/` (what the fuzzer kept) and,
//! when the folder exists, `fuzz/artifacts/<target>/` (the crashes `cargo fuzz run` saved)
//! goes through the same entry point the fuzz target calls (`fuzz/entries/mod.rs`), without
//! libfuzzer. A missing or empty seed or corpus folder fails the test, so that it cannot
//! pass by replaying nothing.

#[path = "../fuzz/entries/mod.rs"]
mod entries;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

/// The files directly in `dir`, sorted; none when it does not exist.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("a readable folder entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

/// `fuzz/<folder>/<target>`.
fn fuzz_dir(folder: &str, target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(folder).join(target)
}

/// Runs every seed, corpus and artifact file of `target` through `entry`, and fails naming
/// each file that panicked.
fn replay(target: &str, entry: fn(&[u8])) {
    let mut files = Vec::new();
    for folder in ["seeds", "corpus"] {
        let dir = fuzz_dir(folder, target);
        let found = files_in(&dir);
        assert!(!found.is_empty(), "{} is missing or empty", dir.display());
        files.extend(found);
    }
    files.extend(files_in(&fuzz_dir("artifacts", target)));

    let failed: Vec<String> = files
        .iter()
        .filter(|file| {
            let data = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            catch_unwind(AssertUnwindSafe(|| entry(&data))).is_err()
        })
        .map(|file| file.display().to_string())
        .collect();
    assert!(
        failed.is_empty(),
        "{target}: {} of {} inputs broke an invariant (messages above):\n{}",
        failed.len(),
        files.len(),
        failed.join("\n")
    );
}

#[test]
fn policy_dsl() {
    replay("policy_dsl", entries::policy_dsl);
}

#[test]
fn policy_yaml() {
    replay("policy_yaml", entries::policy_yaml);
}

#[test]
fn request_path() {
    replay("request_path", entries::request_path);
}

#[test]
fn request_extraction() {
    replay("request_extraction", entries::request_extraction);
}

#[test]
fn jwt() {
    replay("jwt", entries::jwt);
}

#[test]
fn engine() {
    replay("engine", entries::engine);
}

// The invariants above say what must never be allowed; these check that the harness is
// not vacuous: the fixed authenticator does allow, and the corpora reach allowed decisions.

/// The status of a request_extraction seed.
fn seed_status(name: &str) -> Option<u16> {
    let data = std::fs::read(fuzz_dir("seeds", "request_extraction").join(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    entries::request_extraction_status(&data)
}

#[test]
fn request_extraction_seeds_reach_every_outcome() {
    for (seed, status) in [
        ("health", 200),
        ("data-jwt", 200),
        ("data-key", 200),
        ("data-key-authz", 200),
        ("data-opaque", 200),
        ("data-session-csrf", 200),
        ("admin-session", 401),
        ("data-delete-session", 200),
        ("admin-jwt", 200),
        ("pair", 200),
        ("ed-jwt", 200),
        ("pem-jwt", 200),
        ("data-session-no-csrf", 403),
        ("revoked-key", 401),
        ("admin-dot", 400),
        ("admin-encoded-dot", 400),
        ("admin-encoded-slash", 400),
        ("admin-empty", 400),
        ("two-authz", 400),
        ("two-keys", 400),
        ("key-in-query", 400),
        ("several", 400),
    ] {
        assert_eq!(seed_status(seed), Some(status), "{seed}");
    }
}

#[test]
fn every_valid_jwt_seed_is_allowed_somewhere() {
    let valid: Vec<PathBuf> = files_in(&fuzz_dir("seeds", "jwt"))
        .into_iter()
        .filter(|f| f.file_name().unwrap().to_string_lossy().starts_with("valid_"))
        .collect();
    assert_eq!(valid.len(), 5);
    for file in valid {
        let token = std::fs::read(&file).unwrap();
        assert!(entries::jwt_allowed(&token) > 0, "{} is refused everywhere", file.display());
    }
}

#[test]
fn the_engine_corpus_compiles_and_allows() {
    let mut files = files_in(&fuzz_dir("seeds", "engine"));
    files.extend(files_in(&fuzz_dir("corpus", "engine")));
    let rounds: Vec<Option<usize>> =
        files.iter().map(|f| entries::engine_round(&std::fs::read(f).unwrap())).collect();
    let compiled = rounds.iter().flatten().count();
    let allowed: usize = rounds.iter().flatten().sum();
    assert!(compiled * 4 >= rounds.len(), "{compiled} of {} policies compile", rounds.len());
    assert!(allowed > 0, "no generated request is ever allowed");
}
