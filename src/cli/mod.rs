//! The command line: argument parsing and the verbs, each in its own file.
//!
//! Exit codes are the same for every verb: 0 when all went well, 1 when a policy is
//! invalid (or, for verbs that judge, when the judgement failed), 2 for usage errors.

/// `writeln!` that ignores a closed pipe (`portcullis decide ... | head -1`) instead of
/// panicking as `println!` does.
macro_rules! say {
    ($out:expr, $($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!($out, $($arg)*);
    }};
}

mod check;
mod decide;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Portcullis: policy-as-data API authentication and authorization.
#[derive(Parser)]
#[command(name = "portcullis", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load and compile policy files, printing every error as FILE:LINE:COL.
    Check {
        /// Policy files (`.policy`, `.yaml` or `.yml`).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Authenticate and decide one request (JSON) and print the decision as JSON.
    Decide(decide::Args),
}

/// Runs the command line and returns the process's exit code.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    match cli.command {
        Command::Check { files } => check::run(&files),
        Command::Decide(args) => decide::run(&args),
    }
}

/// Prints a load error the way compilers do: `FILE:LINE:COL: error: message`, then help.
pub(crate) fn report(path: &std::path::Path, error: &portcullis::LoadError) {
    let file = path.display();
    match error.diagnostics() {
        [] => eprintln!("{file}: error: {error}"),
        diagnostics => {
            for diagnostic in diagnostics {
                let span = diagnostic.span;
                eprintln!("{file}:{}:{}: error: {}", span.line, span.column, diagnostic.error);
                if let Some(help) = diagnostic.help() {
                    eprintln!("  help: {help}");
                }
            }
        }
    }
}
