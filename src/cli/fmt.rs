//! `portcullis fmt [--check] FILE...`: rewrite DSL policies (`.policy`) in the canonical
//! layout of [`portcullis::syntax::format`], keeping their comments.
//!
//! Without `--check`, each file that is not canonical is replaced (a temporary file beside
//! it, then a rename, so that a reader never sees half a policy) and its name printed. With
//! `--check`, nothing is written: the names of the files that would change are printed.
//! Exit status: 0 when every file is canonical (or now is); 1 with `--check` when some file
//! would change; 2 when some file cannot be formatted: it cannot be read or written, it is
//! not a `.policy` file (YAML is refused: fmt is for the DSL), or it does not parse (its
//! errors printed as `FILE:LINE:COL: error: message`). 2 outranks 1, so that a CI job can
//! tell "run fmt" from "fix the policy"; the other files are still formatted or checked.

use std::io::Read as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use portcullis::{Diagnostic, LoadError, MAX_POLICY_BYTES, Syntax};

#[derive(clap::Args)]
pub(super) struct Args {
    /// Change nothing; print the files that are not in the canonical layout, and exit with
    /// 1 if there are any.
    #[arg(long)]
    check: bool,
    /// DSL policy files (`.policy`).
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

pub(super) fn run(args: &Args) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let (mut failed, mut unformatted) = (false, false);
    for file in &args.files {
        let Some((source, formatted)) = format_file(file) else {
            failed = true;
            continue;
        };
        if formatted == source {
            continue;
        }
        if args.check {
            unformatted = true;
            say!(out, "{}", file.display());
            continue;
        }
        match replace(file, &formatted) {
            Ok(()) => say!(out, "{}", file.display()),
            Err(error) => {
                failed = true;
                eprintln!("{}: error: cannot write the formatted policy: {error}", file.display());
            }
        }
    }
    match (failed, unformatted) {
        (true, _) => ExitCode::from(2),
        (false, true) => ExitCode::from(1),
        (false, false) => ExitCode::SUCCESS,
    }
}

/// The file's text and its canonical form, or `None` once the reason it has none is
/// printed.
fn format_file(path: &Path) -> Option<(String, String)> {
    let file = path.display();
    match Syntax::from_path(path) {
        Some(Syntax::Dsl) => {}
        Some(Syntax::Yaml) => {
            eprintln!("{file}: error: `portcullis fmt` formats DSL policies, and this is YAML");
            eprintln!("  help: `portcullis convert --to dsl {file}` writes it as DSL");
            return None;
        }
        None => {
            eprintln!("{file}: error: `portcullis fmt` formats DSL policies, named `*.policy`");
            return None;
        }
    }
    let invalid = |diagnostics| LoadError::Invalid { file: Some(path.into()), diagnostics };
    let bytes = match read(path) {
        Ok(bytes) => bytes,
        Err(error) => {
            super::report(path, &error);
            return None;
        }
    };
    let source = match String::from_utf8(bytes) {
        Ok(source) if source.len() <= MAX_POLICY_BYTES => source,
        // Too large or not UTF-8: the loader's own checks say which, and where.
        Ok(source) => return fail(path, &invalid(diagnostics(source.as_bytes()))),
        Err(error) => return fail(path, &invalid(diagnostics(error.as_bytes()))),
    };
    match portcullis::syntax::format(&source) {
        Ok(formatted) => Some((source, formatted)),
        Err(diagnostics) => fail(path, &invalid(diagnostics)),
    }
}

fn fail<T>(path: &Path, error: &LoadError) -> Option<T> {
    super::report(path, error);
    None
}

/// Why the loader refuses these bytes before parsing them.
fn diagnostics(bytes: &[u8]) -> Vec<Diagnostic> {
    portcullis::parse(bytes, Syntax::Dsl).err().unwrap_or_default()
}

/// A policy file's bytes, reading at most one byte more than the loader accepts, so that a
/// huge or endless file is refused without being read whole.
pub(super) fn read(path: &Path) -> Result<Vec<u8>, LoadError> {
    let io = |source| LoadError::Io { path: path.to_path_buf(), source };
    let file = std::fs::File::open(path).map_err(io)?;
    let limit = u64::try_from(MAX_POLICY_BYTES).unwrap_or(u64::MAX) + 1;
    let mut bytes = Vec::new();
    file.take(limit).read_to_end(&mut bytes).map_err(io)?;
    Ok(bytes)
}

/// Replaces the file's contents at once: writes a temporary file in the same folder with
/// the same permissions, then renames it over the file. A symbolic link stays a link; the
/// file it points to is replaced.
fn replace(path: &Path, contents: &str) -> std::io::Result<()> {
    let target = std::fs::canonicalize(path)?;
    let permissions = std::fs::metadata(&target)?.permissions();
    let name = target.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    let temp = target.with_file_name(format!(".{name}.{}.fmt-tmp", std::process::id()));

    let written = (|| {
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&temp)?;
        file.write_all(contents.as_bytes())?;
        file.sync_all()?;
        std::fs::set_permissions(&temp, permissions)?;
        std::fs::rename(&temp, &target)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}
