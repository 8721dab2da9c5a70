//! `portcullis lint [OPTIONS] PATH...`: lint policy files (a folder means the `.policy`,
//! `.yaml` and `.yml` policies directly in it, `*.test.yaml` excepted).
//!
//! Exit status 0 when nothing is found at a failing level (errors; warnings too with
//! `--deny warnings`), 1 when something is, 2 for a usage error, an unreadable file or a
//! PATH that holds no policy.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use portcullis::Syntax;
use portcullis::lint::report::{self, FileFindings};
use portcullis::lint::{self, LintOptions, Override};
use portcullis::model::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Human,
    Json,
    Sarif,
    Github,
}

#[derive(clap::Args)]
pub(super) struct Args {
    /// Policy files or folders.
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Report RULE as an error; `--deny warnings` makes every warning fail the run.
    #[arg(long, value_name = "RULE")]
    deny: Vec<String>,
    /// Report RULE as a warning.
    #[arg(long, value_name = "RULE")]
    warn: Vec<String>,
    /// Do not report RULE.
    #[arg(long, value_name = "RULE")]
    allow: Vec<String>,
    /// The longest token lifetime `jwt-long-lived-tokens` accepts.
    #[arg(long, value_name = "DURATION", default_value = "1h")]
    max_token_lifetime: String,
    /// Print the documentation of RULE and exit.
    #[arg(long, value_name = "RULE", conflicts_with = "paths")]
    explain: Option<String>,
    /// Print the documentation of every rule as Markdown (docs/lints.md) and exit.
    #[arg(long, conflicts_with = "paths")]
    docs: bool,
}

pub(super) fn run(args: &Args) -> ExitCode {
    let mut out = std::io::stdout().lock();
    if args.docs {
        say!(out, "{}", report::markdown().trim_end());
        return ExitCode::SUCCESS;
    }
    if let Some(id) = &args.explain {
        return match lint::rule(id) {
            Some(rule) => {
                say!(out, "{}", report::explain(rule).trim_end());
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("error[unknown-lint-rule]: `{id}` names no lint rule");
                ExitCode::from(2)
            }
        };
    }
    if args.paths.is_empty() {
        eprintln!("error: name at least one policy file or folder");
        return ExitCode::from(2);
    }

    let options = match options(args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let unknown = lint::unknown_rules(&options);
    for id in &unknown {
        eprintln!("error[unknown-lint-rule]: a command-line flag names `{id}`, which is no rule");
    }

    let files = match policy_files(&args.paths) {
        Ok(files) => files,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let mut sources = Vec::new();
    for (path, syntax) in &files {
        match std::fs::read_to_string(path) {
            Ok(source) => sources.push((path.display().to_string(), *syntax, source)),
            Err(error) => {
                eprintln!("error: cannot read `{}`: {error}", path.display());
                return ExitCode::from(2);
            }
        }
    }

    let findings: Vec<_> =
        sources.iter().map(|(_, syntax, source)| lint::lint(source, *syntax, &options)).collect();
    let reports: Vec<FileFindings<'_>> = sources
        .iter()
        .zip(&findings)
        .map(|((path, _, source), findings)| FileFindings { path, source, findings })
        .collect();

    match args.format {
        Format::Human => {
            say!(out, "{}", report::human(&reports, std::io::stdout().is_terminal()).trim_end())
        }
        Format::Json => say!(
            out,
            "{}",
            serde_json::to_string_pretty(&report::json(&reports)).unwrap_or_default()
        ),
        Format::Sarif => say!(
            out,
            "{}",
            serde_json::to_string_pretty(&report::sarif(&reports)).unwrap_or_default()
        ),
        Format::Github => {
            let text = report::github(&reports);
            if !text.is_empty() {
                say!(out, "{}", text.trim_end());
            }
        }
    }

    let deny_warnings = args.deny.iter().any(|d| d == "warnings");
    if report::fails(&reports, deny_warnings) || !unknown.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn options(args: &Args) -> Result<LintOptions, String> {
    let lifetime = &args.max_token_lifetime;
    let max_token_lifetime = Duration::parse(lifetime)
        .ok_or_else(|| format!("--max-token-lifetime `{lifetime}` is not a duration like 1h"))?;
    let mut overrides: Vec<Override> = Vec::new();
    overrides.extend(args.allow.iter().cloned().map(Override::Allow));
    overrides.extend(args.warn.iter().cloned().map(Override::Warn));
    overrides.extend(args.deny.iter().cloned().map(Override::Deny));
    Ok(LintOptions { overrides, max_token_lifetime })
}

/// The policy files named by `paths`: files as given, folders for the policies directly
/// in them, in name order.
fn policy_files(paths: &[PathBuf]) -> Result<Vec<(PathBuf, Syntax)>, String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found: Vec<(PathBuf, Syntax)> = std::fs::read_dir(path)
                .map_err(|e| format!("cannot read folder `{}`: {e}", path.display()))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && !is_test_file(p))
                .filter_map(|p| Syntax::from_path(&p).map(|syntax| (p, syntax)))
                .collect();
            if found.is_empty() {
                return Err(format!("folder `{}` holds no policy", path.display()));
            }
            found.sort_by(|a, b| a.0.cmp(&b.0));
            files.extend(found);
        } else {
            let syntax = Syntax::from_path(path).ok_or_else(|| {
                format!("`{}` is not a policy (name it *.policy, *.yaml or *.yml)", path.display())
            })?;
            files.push((path.clone(), syntax));
        }
    }
    Ok(files)
}

fn is_test_file(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(".test.yaml"))
}
