//! `unauthenticated-write-route`: a public route on a method that changes state.

use super::{Rule, has_unsafe_method};
use crate::lint::{Category, Finding, Level, LintContext};
use crate::model;

pub(crate) const RULE: Rule = Rule {
    id: "unauthenticated-write-route",
    level: Level::Warning,
    category: Category::Security,
    summary: "a public POST, PUT, PATCH or DELETE",
    what: "Reports a public route whose methods include one that can change state (anything \
           but GET, HEAD, OPTIONS and TRACE, or `*`).",
    why: "Anonymous writes are rarely intended; when they are (webhooks, sign-up), the \
          handler must authenticate the caller some other way, and that is worth saying.",
    example: "POST /webhooks/stripe  public",
    instead: "Require a scheme, or suppress with the reason the handler is safe: \
              `# portcullis: allow(unauthenticated-write-route, reason = \"signature checked\")`",
    references: &["OWASP API Security Top 10 2023, API2 (broken authentication)"],
    check,
};

fn check(cx: &LintContext<'_>, findings: &mut Vec<Finding>) {
    for route in &cx.doc.routes {
        let methods = &route.pattern.value.methods;
        if matches!(route.rule, model::Rule::Public { .. }) && has_unsafe_method(Some(methods)) {
            let message = format!("route `{}` lets anyone change state", route.pattern.value);
            let help = "require a scheme, or suppress this with the reason it is safe".to_owned();
            findings.push(cx.finding(&RULE, route.pattern.span, message, Some(help)));
        }
    }
}
