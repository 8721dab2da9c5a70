//! `unused-scheme`: a scheme no route (and not the default) accepts.

use super::{Rule, ruled, schemes_of};
use crate::lint::{Category, Finding, Level, LintContext};

pub(crate) const RULE: Rule = Rule {
    id: "unused-scheme",
    level: Level::Warning,
    category: Category::Correctness,
    summary: "a scheme that no route accepts",
    what: "Reports a scheme that no route and not the default lists under `allow`.",
    why: "An unused scheme is usually a route that forgot to list it, or a leftover that \
          reviewers will still read and keys that will still be provisioned for it.",
    example: "scheme legacy_key: api_key { store \"keys\" }   # no route says `legacy_key`",
    instead: "List the scheme on the routes it is meant for, or delete it.",
    references: &[],
    check,
};

fn check(cx: &LintContext<'_>, findings: &mut Vec<Finding>) {
    let rules = ruled(cx.doc);
    for scheme in &cx.doc.schemes {
        let name = scheme.name.value.as_str();
        if !rules.iter().any(|r| schemes_of(r.rule).contains(&name)) {
            let message = format!("scheme `{name}` is not accepted by any route");
            let help = "list it under a route's `allow`, or delete it".to_owned();
            findings.push(cx.finding(&RULE, scheme.name.span, message, Some(help)));
        }
    }
}
