//! `unknown-lint-rule`: a suppression comment or command-line flag that names no rule.
//! Applied by the runner (see `lint::suppress`), not by a check of its own.

use super::{Rule, no_check};
use crate::lint::{Category, Level};

pub(crate) const RULE: Rule = Rule {
    id: "unknown-lint-rule",
    level: Level::Error,
    category: Category::Correctness,
    summary: "a suppression or flag that names no rule",
    what: "Reports a `# portcullis: allow(...)` comment, or an `--allow`, `--warn` or `--deny` \
           flag, whose rule id is not one of the rules `portcullis lint --explain` lists.",
    why: "A misspelt id suppresses nothing and configures nothing, so the finding the author \
          meant to silence (or to make fatal) is silently left as it was.",
    example: "# portcullis: allow(unused-schema, reason = \"kept for v2\")",
    instead: "# portcullis: allow(unused-scheme, reason = \"kept for v2\")",
    references: &[],
    check: no_check,
};
