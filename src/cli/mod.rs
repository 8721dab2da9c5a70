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
mod convert;
mod decide;
mod explain;
mod fmt;
mod keys;
mod lint;
mod policy_test;

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
    /// Manage the API keys of a store file: new, list, revoke, audit.
    Keys(keys::Args),
    /// Rewrite DSL policies (`.policy`) in the canonical layout, keeping their comments.
    ///
    /// Prints the files it changed; with `--check`, changes nothing and prints the files that
    /// would change. Exits 1 when `--check` found any, 2 when a file cannot be formatted.
    Fmt(fmt::Args),
    /// Print a policy in the other syntax (DSL or YAML). Comments are not carried over.
    Convert(convert::Args),
    /// Lint policies for insecure or broken rules.
    Lint(lint::Args),
    /// Decide one request as `decide` does and explain how, for a person.
    Explain(decide::Args),
    /// Run policy test files (`*.test.yaml`): requests and the decisions they must get.
    Test(policy_test::Args),
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
        Command::Keys(args) => keys::run(&args),
        Command::Fmt(args) => fmt::run(&args),
        Command::Convert(args) => convert::run(&args),
        Command::Lint(args) => lint::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Test(args) => policy_test::run(&args),
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
