//! `default-not-deny`: a policy whose default lets unmatched requests through.

use super::Rule;
use crate::lint::{Category, Finding, Level, LintContext};
use crate::model;

pub(crate) const RULE: Rule = Rule {
    id: "default-not-deny",
    level: Level::Error,
    category: Category::Security,
    summary: "a public default",
    what: "Reports `default public`: every request no route matches is let through.",
    why: "Deny by default is what makes a forgotten route fail closed. With a public default, \
          every endpoint the application adds is open until someone remembers to write its \
          route, and a typo in a route's path opens the path it meant to protect.",
    example: "default public",
    instead: "default deny   # and list the public routes explicitly",
    references: &["OWASP ASVS V4.1.5 (access controls fail securely)"],
    check,
};

fn check(cx: &LintContext<'_>, findings: &mut Vec<Finding>) {
    if let Some(default) = &cx.doc.default
        && matches!(default.value, model::Rule::Public { .. })
    {
        let message = "the default is public: requests no route matches are let through".into();
        let help = "write `default deny` and make the public routes explicit".to_owned();
        findings.push(cx.finding(&RULE, default.span, message, Some(help)));
    }
}
