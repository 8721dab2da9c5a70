//! `unused-suppression`: a suppression comment that suppresses nothing. Applied by the
//! runner (see `lint::suppress`).

use super::{Rule, no_check};
use crate::lint::{Category, Level};

pub(crate) const RULE: Rule = Rule {
    id: "unused-suppression",
    level: Level::Warning,
    category: Category::Hygiene,
    summary: "a suppression comment that suppresses nothing",
    what: "Reports a `# portcullis: allow(RULE, reason = \"...\")` comment when no finding of \
           that rule is reported on the route or scheme directly below it.",
    why: "Stale suppressions accumulate after the policy is fixed and later hide a new \
          finding of the same rule on the same line.",
    example: "# portcullis: allow(public-without-reason, reason = \"health check\")\n\
              GET /health  public \"load balancer health checks\"",
    instead: "Delete the comment, or move it directly above the route or scheme it is for.",
    references: &[],
    check: no_check,
};
