//! Linting: judging a policy that compiles for what it should not say.
//!
//! Each rule lives in its own file under [`rules`], with its documentation (what it does,
//! why it matters, an example, what to write instead, references), which is also what
//! `portcullis lint --explain RULE` prints and what `docs/lints.md` is generated from. A
//! rule looks at the [`Document`] (with its positions) and reports [`Finding`]s; this
//! module runs the rules, applies levels set on the command line, and honours suppression
//! comments (`# portcullis: allow(RULE, reason = "...")` on the lines above a route or
//! scheme). Problems that stop a policy from compiling are reported as errors no comment
//! can suppress.

pub mod report;
pub mod rules;
mod suppress;

use std::fmt;

use crate::Syntax;
use crate::model::{Document, Duration, Span};
pub use rules::{RULES, Rule};

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Worth knowing; never fails a run.
    Note,
    /// Probably wrong; fails a run with `--deny warnings`.
    Warning,
    /// Wrong or unsafe; fails a run.
    Error,
}

impl Level {
    /// The level's name in output and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Note => "note",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The group a rule belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    /// The policy does not do what its author meant.
    Correctness,
    /// The policy is less safe than it should be.
    Security,
    /// The policy is harder to review than it should be.
    Hygiene,
}

impl Category {
    /// The category's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Correctness => "correctness",
            Category::Security => "security",
            Category::Hygiene => "hygiene",
        }
    }
}

/// One thing a rule found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The rule's id; `compile-error` for a policy that does not compile.
    pub rule: &'static str,
    /// Its level, after command-line overrides.
    pub level: Level,
    /// What is wrong.
    pub message: String,
    /// How to put it right, when there is more to say.
    pub help: Option<String>,
    /// Where it starts (1-based).
    pub start: Span,
    /// Where it ends (1-based, inclusive of the last character).
    pub end: Span,
    /// Whether a comment suppressed it (suppressed findings are reported, never failing).
    pub suppressed: bool,
}

/// The id given to findings that are compile errors (not a rule; never suppressible).
pub const COMPILE_ERROR: &str = "compile-error";

/// A level set for a rule on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Override {
    /// `--allow RULE`: not reported.
    Allow(String),
    /// `--warn RULE`.
    Warn(String),
    /// `--deny RULE`: an error.
    Deny(String),
}

/// Settings for [`lint`].
#[derive(Clone, Debug)]
pub struct LintOptions {
    /// Levels set per rule, applied in order.
    pub overrides: Vec<Override>,
    /// Tokens may live at most this long before `jwt-long-lived-tokens` fires (default 1h).
    pub max_token_lifetime: Duration,
}

impl Default for LintOptions {
    fn default() -> LintOptions {
        LintOptions { overrides: Vec::new(), max_token_lifetime: Duration::from_secs(3600) }
    }
}

/// What rules see.
pub struct LintContext<'a> {
    /// The policy.
    pub doc: &'a Document,
    /// Its text.
    pub source: &'a str,
    /// Its syntax.
    pub syntax: Syntax,
    /// The settings.
    pub options: &'a LintOptions,
}

impl LintContext<'_> {
    /// A finding of `rule` at `at`, spanning to the end of that line's text.
    pub fn finding(&self, rule: &Rule, at: Span, message: String, help: Option<String>) -> Finding {
        Finding {
            rule: rule.id,
            level: rule.level,
            message,
            help,
            start: at,
            end: line_end(self.source, at),
            suppressed: false,
        }
    }
}

/// The last non-blank character of `at`'s line (or `at` itself past the end of the text).
fn line_end(source: &str, at: Span) -> Span {
    let line = source.lines().nth(at.line.saturating_sub(1) as usize).unwrap_or_default();
    let width = line.trim_end().chars().count() as u32;
    Span::new(at.line, width.max(at.column))
}

/// Lints one policy's text. Parse and compile errors come back as error findings with the
/// id [`COMPILE_ERROR`]; rules run only on a policy that compiles.
pub fn lint(source: &str, syntax: Syntax, options: &LintOptions) -> Vec<Finding> {
    let mut findings = Vec::new();
    let doc = match crate::parse(source.as_bytes(), syntax) {
        Ok(doc) => doc,
        Err(diagnostics) => return compile_errors(source, diagnostics),
    };
    if let Err(diagnostics) = crate::Engine::compile(&doc, &crate::CompileOptions::default()) {
        return compile_errors(source, diagnostics);
    }

    let cx = LintContext { doc: &doc, source, syntax, options };
    for rule in RULES {
        (rule.check)(&cx, &mut findings);
    }
    apply_overrides(&mut findings, options);

    let suppressions = suppress::collect(source);
    suppress::apply(&cx, &suppressions, &mut findings);
    apply_overrides(&mut findings, options);
    findings.retain(|f| !is_allowed(f.rule, options));
    findings.sort_by_key(|f| (f.start, f.rule));
    findings
}

fn compile_errors(source: &str, diagnostics: Vec<crate::Diagnostic>) -> Vec<Finding> {
    diagnostics
        .into_iter()
        .map(|d| Finding {
            rule: COMPILE_ERROR,
            level: Level::Error,
            message: d.error.to_string(),
            help: d.help(),
            start: d.span,
            end: line_end(source, d.span),
            suppressed: false,
        })
        .collect()
}

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|rule| rule.id == id)
}

/// The level a rule ends up with: its default, changed by each override naming it.
fn level_for(rule_id: &str, default: Level, options: &LintOptions) -> Level {
    options.overrides.iter().fold(default, |level, o| match o {
        Override::Warn(id) if id == rule_id => Level::Warning,
        Override::Deny(id) if id == rule_id => Level::Error,
        _ => level,
    })
}

fn is_allowed(rule_id: &str, options: &LintOptions) -> bool {
    let last = options.overrides.iter().rev().find(|o| match o {
        Override::Allow(id) | Override::Warn(id) | Override::Deny(id) => id == rule_id,
    });
    matches!(last, Some(Override::Allow(_)))
}

fn apply_overrides(findings: &mut [Finding], options: &LintOptions) {
    for finding in findings.iter_mut().filter(|f| f.rule != COMPILE_ERROR) {
        let default = rule(finding.rule).map_or(finding.level, |r| r.level);
        finding.level = level_for(finding.rule, default, options);
    }
}

/// Rule ids named on the command line that name no rule.
pub fn unknown_rules(options: &LintOptions) -> Vec<String> {
    options
        .overrides
        .iter()
        .filter_map(|o| match o {
            // `warnings` is a word of `--deny` only (`--deny warnings`).
            Override::Deny(id) if id == "warnings" => None,
            Override::Allow(id) | Override::Warn(id) | Override::Deny(id) => Some(id),
        })
        .filter(|id| rule(id).is_none())
        .cloned()
        .collect()
}
