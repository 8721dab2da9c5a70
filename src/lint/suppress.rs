//! Suppression comments: `# portcullis: allow(RULE, reason = "...")` on the comment lines
//! directly above a route or scheme, in either syntax.
//!
//! A suppression needs a reason (`suppression-without-reason`), must name a rule
//! (`unknown-lint-rule`), and must suppress something (`unused-suppression`); those three
//! findings are themselves never suppressible, so a suppression cannot hide its own flaws.

use crate::model::Span;

use super::{Finding, LintContext, rules};

/// One suppression comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Suppression {
    /// Where the comment is.
    pub at: Span,
    /// The rule it names.
    pub rule: String,
    /// Its reason, if it gave one.
    pub reason: Option<String>,
}

const MARKER: &str = "portcullis:";

/// Every suppression comment in `source`: a line whose text starts with `#`, then
/// `portcullis: allow(`.
pub(crate) fn collect(source: &str) -> Vec<Suppression> {
    let mut found = Vec::new();
    for (index, line) in source.lines().enumerate() {
        let Some(comment) = line.trim_start().strip_prefix('#') else { continue };
        let Some(rest) = comment.trim_start().strip_prefix(MARKER) else { continue };
        let Some(inner) = rest.trim().strip_prefix("allow(").and_then(|r| r.strip_suffix(')'))
        else {
            continue;
        };

        let (rule, reason) = match inner.split_once(',') {
            Some((rule, rest)) => (rule.trim(), parse_reason(rest)),
            None => (inner.trim(), None),
        };
        let column = line.len() - line.trim_start().len() + 1;
        let at = Span::new(index as u32 + 1, column as u32);
        found.push(Suppression { at, rule: rule.to_owned(), reason });
    }
    found
}

/// `reason = "..."` (a non-empty quoted string) or nothing.
fn parse_reason(text: &str) -> Option<String> {
    let value = text.trim().strip_prefix("reason")?.trim_start().strip_prefix('=')?.trim();
    let inner = value.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.trim().is_empty()).then(|| inner.to_owned())
}

/// Marks the findings each suppression covers, and adds findings about the suppressions.
pub(crate) fn apply(
    cx: &LintContext<'_>,
    suppressions: &[Suppression],
    findings: &mut Vec<Finding>,
) {
    let lines: Vec<&str> = cx.source.lines().collect();
    let mut used = vec![false; suppressions.len()];

    for finding in findings.iter_mut() {
        let block = comment_block_above(&lines, finding.start.line);
        for (suppression, used) in suppressions.iter().zip(&mut used) {
            let covers = block.contains(&suppression.at.line)
                && suppression.rule == finding.rule
                && suppression.reason.is_some();
            if covers {
                finding.suppressed = true;
                *used = true;
            }
        }
    }

    for (suppression, used) in suppressions.iter().zip(used) {
        let meta = if super::rule(&suppression.rule).is_none() {
            let message = format!("`{}` names no lint rule", suppression.rule);
            Some((&rules::unknown_lint_rule::RULE, message, Some(did_you_mean(&suppression.rule))))
        } else if suppression.reason.is_none() {
            let message = format!("the suppression of `{}` gives no reason", suppression.rule);
            let help = "write `# portcullis: allow(RULE, reason = \"why this is fine here\")`";
            Some((&rules::suppression_without_reason::RULE, message, Some(help.to_owned())))
        } else if !used {
            let message = format!("the suppression of `{}` suppresses nothing", suppression.rule);
            let help = "it must sit on the comment lines directly above the route or scheme \
                        the rule reports; remove it if the finding is gone";
            Some((&rules::unused_suppression::RULE, message, Some(help.to_owned())))
        } else {
            None
        };
        if let Some((rule, message, help)) = meta {
            findings.push(cx.finding(rule, suppression.at, message, help));
        }
    }
}

/// The line numbers of the comment lines directly above `line` (no blank line between).
fn comment_block_above(lines: &[&str], line: u32) -> Vec<u32> {
    let mut block = Vec::new();
    let mut current = line.saturating_sub(1);
    while current >= 1 {
        let text = lines.get(current as usize - 1).map_or("", |l| l.trim_start());
        if !text.starts_with('#') {
            break;
        }
        block.push(current);
        current -= 1;
    }
    block
}

fn did_you_mean(id: &str) -> String {
    match crate::model::suggest(id, super::RULES.iter().map(|r| r.id)) {
        Some(close) => format!("did you mean `{close}`?"),
        None => "`portcullis lint --explain` lists the rules".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suppressions_are_read_with_and_without_reasons() {
        let source = "a\n  # portcullis: allow(unused-scheme, reason = \"kept for v2\")\n\
                      # portcullis: allow(public-without-reason)\n# not one\n";
        let found = collect(source);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].at, Span::new(2, 3));
        assert_eq!(found[0].rule, "unused-scheme");
        assert_eq!(found[0].reason.as_deref(), Some("kept for v2"));
        assert_eq!(found[1].reason, None);
    }

    #[test]
    fn the_block_above_stops_at_code_or_blank_lines() {
        let lines = ["GET /a public", "# one", "", "# two", "# three", "GET /b public"];
        assert_eq!(comment_block_above(&lines, 6), vec![5, 4]);
        assert_eq!(comment_block_above(&lines, 1), Vec::<u32>::new());
    }
}
