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
    let Some(line) = first_difference(cx.source, &crate::syntax::print(cx.doc)) else { return };
    let message = "the file is not in canonical layout".to_owned();
    let help = "run `portcullis fmt` on it".to_owned();
    findings.push(cx.finding(&RULE, Span::new(line, 1), message, Some(help)));
}

/// The first line (1-based) where the two texts differ, ignoring comment lines, which the
/// canonical printer does not know about.
fn first_difference(source: &str, canonical: &str) -> Option<u32> {
    let code = |text: &str| -> Vec<(usize, String)> {
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim_start().starts_with('#'))
            .map(|(i, l)| (i + 1, l.trim_end().to_owned()))
            .collect()
    };
    let (ours, theirs) = (code(source), code(canonical));
    for (i, (line, text)) in ours.iter().enumerate() {
        if theirs.get(i).map(|(_, t)| t) != Some(text) {
            return Some(*line as u32);
        }
    }
    (ours.len() != theirs.len()).then(|| ours.last().map_or(1, |(l, _)| *l as u32))
}
