//! `portcullis convert --to dsl|yaml FILE`: print a policy in the other syntax.
//!
//! The file is read in the syntax its extension names and printed on standard output by
//! [`portcullis::syntax::print`] or [`portcullis::yaml::print`]; what it says is unchanged
//! (converting there and back compiles to the same engine), but comments are not carried
//! over. Asking for the file's own syntax prints it in that syntax's canonical layout, also
//! without comments (`portcullis fmt` keeps them). The policy is read, not compiled: key
//! files need not exist, and `portcullis check` judges the result. Exit status: 0 when the
//! policy was printed; 1 when it cannot be read (each error as `FILE:LINE:COL: error:
//! message`, as `check` prints them); 2 on usage errors.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use portcullis::model::{Document, Span};
use portcullis::syntax::SyntaxError;
use portcullis::{Diagnostic, LoadError, Syntax};

#[derive(clap::Args)]
pub(super) struct Args {
    /// The syntax to print.
    #[arg(long, value_enum, value_name = "SYNTAX")]
    to: Target,
    /// The policy file (`.policy`, `.yaml` or `.yml`).
    file: PathBuf,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Target {
    /// The DSL, as in `.policy` files.
    Dsl,
    /// YAML.
    Yaml,
}

pub(super) fn run(args: &Args) -> ExitCode {
    match read(&args.file) {
        Ok(doc) => {
            let text = match args.to {
                Target::Dsl => portcullis::syntax::print(&doc),
                Target::Yaml => portcullis::yaml::print(&doc),
            };
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            ExitCode::SUCCESS
        }
        Err(error) => {
            super::report(&args.file, &error);
            ExitCode::from(1)
        }
    }
}

fn read(path: &Path) -> Result<Document, LoadError> {
    let invalid = |diagnostics| LoadError::Invalid { file: Some(path.into()), diagnostics };
    let Some(syntax) = Syntax::from_path(path) else {
        let diagnostic = Diagnostic::new(Span::new(1, 1), SyntaxError::UnknownExtension);
        return Err(invalid(vec![diagnostic]));
    };
    let bytes = super::fmt::read(path)?;
    portcullis::parse(&bytes, syntax).map_err(invalid)
}
