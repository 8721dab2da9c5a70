//! `unused-scope`: a catalogue scope that no route requires, directly or by implication.

use std::collections::HashSet;

use super::{Rule, ruled, scopes_of};
use crate::lint::{Category, Finding, Level, LintContext};

pub(crate) const RULE: Rule = Rule {
    id: "unused-scope",
    level: Level::Warning,
    category: Category::Correctness,
    summary: "a declared scope that no route requires",
    what: "Reports a scope in the `scopes` catalogue that no route requires and that does not \
           imply (directly or through other scopes) any scope a route requires.",
    why: "A scope nobody checks grants nothing: tokens carrying it are no more capable, which \
          misleads whoever issues them. Often a route meant to require it names another.",
    example: "scopes {\n    reports:read      # no route requires it\n}",
    instead: "Require the scope on the routes it protects, or remove it from the catalogue.",
    references: &["RFC 6749 section 3.3 (access token scope)"],
    check,
};

fn check(cx: &LintContext<'_>, findings: &mut Vec<Finding>) {
    let Some(catalogue) = &cx.doc.scopes else { return };
    let mut useful: HashSet<&str> = ruled(cx.doc).iter().flat_map(|r| scopes_of(r.rule)).collect();

    // A scope is useful if it implies a useful one: grow the set until it stops changing.
    loop {
        let before = useful.len();
        for decl in catalogue {
            if decl.implies.iter().any(|i| useful.contains(i.value.as_str())) {
                useful.insert(&decl.name.value);
            }
        }
        if useful.len() == before {
            break;
        }
    }

    for decl in catalogue.iter().filter(|d| !useful.contains(d.name.value.as_str())) {
        let message = format!("scope `{}` is never required", decl.name.value);
        let help = "require it on a route, or remove it from the catalogue".to_owned();
        findings.push(cx.finding(&RULE, decl.name.span, message, Some(help)));
    }
}
