//! `portcullis check FILE...`: load and compile each policy, report every error.

use std::path::PathBuf;
use std::process::ExitCode;

use portcullis::Engine;

pub(super) fn run(files: &[PathBuf]) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let mut failed = 0usize;
    for file in files {
        match Engine::load(file) {
            Ok(engine) => {
                say!(out, "{}: ok ({} routes)", file.display(), engine.route_count());
            }
            Err(error) => {
                failed += 1;
                super::report(file, &error);
            }
        }
    }
    if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) }
}
