//! `non-canonical-format`: a DSL file that `portcullis fmt` would change.

use super::Rule;
use crate::Syntax;
use crate::lint::{Category, Finding, Level, LintContext};
use crate::model::Span;

pub(crate) const RULE: Rule = Rule {
    id: "non-canonical-format",
    level: Level::Note,
    category: Category::Hygiene,
    summary: "a DSL file not in canonical layout",
    what: "Notes a DSL policy that `portcullis fmt` would rewrite. YAML files are not checked.",
    why: "One layout for every policy keeps diffs about meaning, not whitespace, and makes a \
          changed requirement easy to spot in review.",
    example: "GET /health public\nGET|HEAD   /data allow user_jwt",
    instead: "Run `portcullis fmt FILE` (CI: `portcullis fmt --check`).",
    references: &[],
    check,
};

fn check(cx: &LintContext<'_>, findings: &mut Vec<Finding>) {
    if cx.syntax != Syntax::Dsl {
        return;
    }
    let Ok(canonical) = crate::syntax::format(cx.source) else { return };
    let Some(line) = first_difference(cx.source, &canonical) else { return };
    let message = "the file is not in canonical layout".to_owned();
    let help = "run `portcullis fmt` on it".to_owned();
    findings.push(cx.finding(&RULE, Span::new(line, 1), message, Some(help)));
}

/// The first line (1-based) where the two texts differ.
fn first_difference(source: &str, canonical: &str) -> Option<u32> {
    let mut ours = source.lines();
    let mut theirs = canonical.lines();
    let mut line = 1u32;
    loop {
        match (ours.next(), theirs.next()) {
            (None, None) => return None,
            (a, b) if a != b => return Some(line),
            _ => line += 1,
        }
    }
}
