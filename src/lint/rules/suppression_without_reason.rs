//! `suppression-without-reason`: a suppression comment with no reason. Applied by the
//! runner (see `lint::suppress`); such a comment suppresses nothing.

use super::{Rule, no_check};
use crate::lint::{Category, Level};

pub(crate) const RULE: Rule = Rule {
    id: "suppression-without-reason",
    level: Level::Error,
    category: Category::Hygiene,
    summary: "a suppression comment without a reason",
    what: "Reports a `# portcullis: allow(RULE)` comment that gives no `reason = \"...\"`. \
           The comment does not suppress anything until it has one.",
    why: "A suppression is a decision to accept a risk; the reason is what lets the next \
          reviewer judge whether it still holds.",
    example: "# portcullis: allow(unauthenticated-write-route)\nPOST /webhooks/stripe  public",
    instead: "# portcullis: allow(unauthenticated-write-route, reason = \"verified by the \
              Stripe-Signature header in the handler\")",
    references: &[],
    check: no_check,
};
