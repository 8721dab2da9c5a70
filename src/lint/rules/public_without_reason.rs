//! `public-without-reason`: a public route that does not say why it is open.

use super::{Rule, ruled};
use crate::lint::{Category, Finding, Level, LintContext};
use crate::model;

pub(crate) const RULE: Rule = Rule {
    id: "public-without-reason",
    level: Level::Warning,
    category: Category::Hygiene,
    summary: "a public route without a reason",
    what: "Reports a public route (or a public default) that gives no reason: `public` alone \
           in the DSL, `public: true` in YAML.",
    why: "Open routes are the first thing a security review reads. A reason tells the \
          reviewer what the openness is for, and makes an accidental `public` stand out.",
    example: "GET /health  public",
    instead: "GET /health  public \"load balancer health checks\"\n\
              # YAML: { route: GET /health, public: \"load balancer health checks\" }",
    references: &[],
    check,
};

fn check(cx: &LintContext<'_>, findings: &mut Vec<Finding>) {
    for ruled in ruled(cx.doc) {
        let blank = |reason: &Option<String>| reason.as_deref().is_none_or(|r| r.trim().is_empty());
        if matches!(ruled.rule, model::Rule::Public { reason } if blank(reason)) {
            let message = format!("{} is public without a reason", ruled.place());
            let help = "say why it is open: `public \"...\"` (YAML: `public: \"...\"`)".into();
            findings.push(cx.finding(&RULE, ruled.span, message, Some(help)));
        }
    }
}
