//! Writing lint findings: for people (rustc style), for programs (versioned JSON), for
//! GitHub code scanning (SARIF 2.1.0) and for GitHub Actions (workflow commands); and the
//! rule documentation as Markdown (`docs/lints.md`) or plain text (`--explain`).

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::{COMPILE_ERROR, Finding, Level, RULES, Rule};

/// The findings of one file.
pub struct FileFindings<'a> {
    /// The path as given on the command line (repository-relative in CI).
    pub path: &'a str,
    /// The file's text, for quoting source lines.
    pub source: &'a str,
    /// Its findings.
    pub findings: &'a [Finding],
}

/// Counts of unsuppressed findings by level.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Errors.
    pub errors: usize,
    /// Warnings.
    pub warnings: usize,
    /// Notes.
    pub notes: usize,
    /// Suppressed findings, any level.
    pub suppressed: usize,
}

impl Counts {
    /// Counts the findings of every file.
    pub fn of(files: &[FileFindings<'_>]) -> Counts {
        let mut counts = Counts::default();
        for finding in files.iter().flat_map(|f| f.findings) {
            match (finding.suppressed, finding.level) {
                (true, _) => counts.suppressed += 1,
                (false, Level::Error) => counts.errors += 1,
                (false, Level::Warning) => counts.warnings += 1,
                (false, Level::Note) => counts.notes += 1,
            }
        }
        counts
    }
}

/// rustc-style text: `error[rule]: message`, the location, the source line with a caret
/// underline, `= help:`, then a summary line. Colour only when `colour` is set.
pub fn human(files: &[FileFindings<'_>], colour: bool) -> String {
    let paint = |code: &str, text: &str| {
        if colour { format!("\u{1b}[{code}m{text}\u{1b}[0m") } else { text.to_owned() }
    };
    let mut out = String::new();
    for file in files {
        let lines: Vec<&str> = file.source.lines().collect();
        for finding in file.findings.iter().filter(|f| !f.suppressed) {
            let colour_code = match finding.level {
                Level::Error => "1;31",
                Level::Warning => "1;33",
                Level::Note => "1;36",
            };
            let head = format!("{}[{}]", finding.level, finding.rule);
            let _ = writeln!(out, "{}: {}", paint(colour_code, &head), finding.message);
            let (line, column) = (finding.start.line, finding.start.column);
            let gutter = " ".repeat(line.to_string().len());
            let _ = writeln!(out, "{gutter}--> {}:{line}:{column}", file.path);
            if let Some(text) = lines.get(line.saturating_sub(1) as usize) {
                let width = if finding.end.line == line {
                    finding.end.column.saturating_sub(column) + 1
                } else {
                    1
                };
                let pad = " ".repeat(column.saturating_sub(1) as usize);
                let _ = writeln!(out, "{gutter} |");
                let _ = writeln!(out, "{line} | {text}");
                let carets = "^".repeat(width.max(1) as usize);
                let _ = writeln!(out, "{gutter} | {pad}{}", paint(colour_code, &carets));
            }
            if let Some(help) = &finding.help {
                let _ = writeln!(out, "{gutter} = help: {help}");
            }
            out.push('\n');
        }
    }
    let counts = Counts::of(files);
    let _ = writeln!(
        out,
        "{} file(s) linted: {} error(s), {} warning(s), {} note(s), {} suppressed",
        files.len(),
        counts.errors,
        counts.warnings,
        counts.notes,
        counts.suppressed
    );
    out
}

/// A versioned JSON object: every finding, suppressed ones included, and the counts.
pub fn json(files: &[FileFindings<'_>]) -> Value {
    let findings: Vec<Value> = files
        .iter()
        .flat_map(|file| file.findings.iter().map(move |f| (file.path, f)))
        .map(|(path, f)| {
            json!({
                "rule": f.rule,
                "level": f.level.as_str(),
                "message": f.message,
                "help": f.help,
                "file": path,
                "start": { "line": f.start.line, "column": f.start.column },
                "end": { "line": f.end.line, "column": f.end.column },
                "suppressed": f.suppressed,
            })
        })
        .collect();
    let counts = Counts::of(files);
    json!({
        "version": 1,
        "findings": findings,
        "counts": {
            "errors": counts.errors,
            "warnings": counts.warnings,
            "notes": counts.notes,
            "suppressed": counts.suppressed,
        },
    })
}

/// SARIF 2.1.0, as GitHub code scanning takes it: every rule (and `compile-error`) in the
/// driver, one result per
/// unsuppressed finding (suppressed ones carry a `suppressions` entry), `results` always
/// present.
pub fn sarif(files: &[FileFindings<'_>]) -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|rule| {
            json!({
                "id": rule.id,
                "name": rule.id,
                "shortDescription": { "text": rule.summary },
                "fullDescription": { "text": format!("{} {}", rule.what, rule.why) },
                "help": { "text": explain(rule), "markdown": markdown_rule(rule) },
                "defaultConfiguration": { "level": sarif_level(rule.level) },
                "properties": { "tags": [rule.category.as_str()] },
            })
        })
        .collect();
    let mut rules = rules;
    rules.push(json!({
        "id": COMPILE_ERROR,
        "name": COMPILE_ERROR,
        "shortDescription": { "text": "the policy does not parse or compile" },
        "fullDescription": { "text": "Parse and compile errors: the policy cannot be loaded." },
        "help": { "text": "Fix the error; `portcullis check` reports the same problems." },
        "defaultConfiguration": { "level": "error" },
    }));
    let results: Vec<Value> = files
        .iter()
        .flat_map(|file| file.findings.iter().map(move |f| (file.path, f)))
        .map(|(path, f)| {
            let mut result = json!({
                "ruleId": f.rule,
                "level": sarif_level(f.level),
                "message": { "text": f.message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(path) },
                        "region": {
                            "startLine": f.start.line,
                            "startColumn": f.start.column,
                            "endLine": f.end.line,
                            "endColumn": f.end.column + 1,
                        },
                    },
                }],
            });
            if f.suppressed
                && let Some(result) = result.as_object_mut()
            {
                result.insert("suppressions".to_owned(), json!([{ "kind": "inSource" }]));
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "portcullis",
                    "informationUri": "https://github.com/portcullis/portcullis",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                },
            },
            "results": results,
        }],
    })
}

fn sarif_level(level: Level) -> &'static str {
    level.as_str()
}

/// A repository-relative URI: forward slashes, no leading `./`.
fn uri(path: &str) -> String {
    path.replace('\\', "/").trim_start_matches("./").to_owned()
}

/// GitHub Actions workflow commands: `::error file=…,line=…,col=…,title=…::message`.
pub fn github(files: &[FileFindings<'_>]) -> String {
    let mut out = String::new();
    for file in files {
        for f in file.findings.iter().filter(|f| !f.suppressed) {
            let command = match f.level {
                Level::Error => "error",
                Level::Warning => "warning",
                Level::Note => "notice",
            };
            let message = match &f.help {
                Some(help) => format!("{}\n{help}", f.message),
                None => f.message.clone(),
            };
            let _ = writeln!(
                out,
                "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
                escape_property(&uri(file.path)),
                f.start.line,
                f.start.column,
                f.end.line,
                f.end.column,
                escape_property(f.rule),
                escape_data(&message)
            );
        }
    }
    out
}

/// Workflow command data: `%`, CR and LF escaped.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Workflow command properties: also `:` and `,`.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// A rule's documentation as plain text, for `portcullis lint --explain`.
pub fn explain(rule: &Rule) -> String {
    let mut out = format!(
        "{} ({}, {} by default)\n\n{}\n\nWhat it does\n    {}\n\nWhy it matters\n    {}\n\n\
         Example\n{}\n\nUse instead\n{}\n",
        rule.id,
        rule.category.as_str(),
        rule.level,
        rule.summary,
        rule.what,
        rule.why,
        indent(rule.example),
        indent(rule.instead)
    );
    if !rule.references.is_empty() {
        out.push_str("\nReferences\n");
        for reference in rule.references {
            let _ = writeln!(out, "    {reference}");
        }
    }
    out
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
}

fn markdown_rule(rule: &Rule) -> String {
    let mut out = format!(
        "## `{}`\n\n{} · default level: **{}**\n\n{}\n\n**What it does.** {}\n\n\
         **Why it matters.** {}\n\n**Example**\n\n```text\n{}\n```\n\n**Use instead**\n\n\
         ```text\n{}\n```\n",
        rule.id,
        rule.category.as_str(),
        rule.level,
        capitalise(rule.summary),
        rule.what,
        rule.why,
        rule.example,
        rule.instead
    );
    if !rule.references.is_empty() {
        out.push_str("\n**References**\n\n");
        for reference in rule.references {
            let _ = writeln!(out, "- {reference}");
        }
    }
    out
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect::<String>()).unwrap_or_default()
        + "."
}

/// `docs/lints.md`, generated from the rules' own documentation.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Lint rules\n\n\
         <!-- Generated from src/lint/rules/ by `portcullis lint --docs`; do not edit. \
         A test keeps this file current. -->\n\n\
         `portcullis lint` reports the findings below. Each rule has a stable id, a default \
         level (error, warning or note) that `--allow`, `--warn` and `--deny` change, and can \
         be suppressed on one route or scheme with a comment on the lines directly above it:\n\n\
         ```text\n# portcullis: allow(RULE, reason = \"why this is fine here\")\n```\n\n\
         Parse and compile errors are reported as `compile-error` and cannot be suppressed.\n\n\
         | rule | category | level | reports |\n| --- | --- | --- | --- |\n",
    );
    for rule in RULES {
        let _ = writeln!(
            out,
            "| [`{}`](#{}) | {} | {} | {} |",
            rule.id,
            rule.id,
            rule.category.as_str(),
            rule.level,
            rule.summary
        );
    }
    out.push_str(CLIENT_TABLE);
    for rule in RULES {
        out.push('\n');
        out.push_str(&markdown_rule(rule));
    }
    out
}

const CLIENT_TABLE: &str = "\n## Client types\n\n\
A scheme may say which clients it serves (`clients server, spa` in the DSL, \
`clients: [server, spa]` in YAML); `scheme-client-mismatch` checks that against this table.\n\n\
| client | use | why |\n| --- | --- | --- |\n\
| `server` (server to server) | bearer token: `jwt` or `opaque_token` | no user is present; \
the token carries the calling service's identity and can be short-lived |\n\
| `spa` (single-page app) | short-lived `jwt` (`max_lifetime` at most the threshold, 1h by \
default), refresh token in an HttpOnly cookie | scripts can read anything the page holds, so \
the credential they can reach must expire quickly; the refresh token stays out of their \
reach |\n\
| `mobile` | bearer token via OAuth with PKCE: `jwt` or `opaque_token` | the system browser \
protects the sign-in and the OS keychain stores the token |\n\
| `third_party` (partner developers) | `api_key` | simple to issue, rotate and revoke per \
partner, with no user sign-in |\n\
| `web` (server-rendered web app) | `session` | the browser handles the cookie and the \
server can end a session at once |\n\
| `iot` (devices) | `api_key` | devices cannot run interactive sign-in; a key in secure \
storage can be rotated |\n";

/// Whether any finding fails the run: an unsuppressed error, or a warning when warnings
/// are denied. Compile errors always fail.
pub fn fails(files: &[FileFindings<'_>], deny_warnings: bool) -> bool {
    files.iter().flat_map(|f| f.findings).any(|f| {
        !f.suppressed
            && (f.level == Level::Error
                || f.rule == COMPILE_ERROR
                || (deny_warnings && f.level == Level::Warning))
    })
}
