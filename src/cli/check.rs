//! `portcullis check FILE...`: load and compile each policy, report every error.

use std::path::PathBuf;
use std::process::ExitCode;

use portcullis::Engine;

pub(super) fn run(files: &[PathBuf]) -> ExitCode {
    let mut failed = 0usize;
    for file in files {
        match Engine::load(file) {
            Ok(engine) => {
                println!("{}: ok ({} routes)", file.display(), engine.route_count());
            }
            Err(error) => {
                failed += 1;
                super::report(file, &error);
            }
        }
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
