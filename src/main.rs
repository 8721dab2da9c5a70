//! The `portcullis` command: see `portcullis --help`.

#![forbid(unsafe_code)]
// As in the library: no unwrapping or indexing outside tests; an exception gives a reason.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)
)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
