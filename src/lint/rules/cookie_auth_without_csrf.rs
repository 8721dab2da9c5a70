//! `cookie-auth-without-csrf`: a session accepted on a state-changing route with no CSRF
//! header to check.

use super::{Rule, has_unsafe_method, ruled, scheme, schemes_of};
use crate::lint::{Category, Finding, Level, LintContext};
use crate::model::SchemeConfig;

pub(crate) const RULE: Rule = Rule {
    id: "cookie-auth-without-csrf",
    level: Level::Error,
    category: Category::Security,
    summary: "a session accepted on a write route without a `csrf_header`",
    what: "Reports a route (or the default) that accepts a `session` scheme without \
           `csrf_header` on a method that can change state (anything but GET, HEAD, OPTIONS \
           and TRACE, or `*`).",
    why: "Browsers attach cookies to requests other sites trigger. Without a CSRF token that \
          only the application's own pages know, any site a signed-in user visits can post to \
          the route in their name.",
    example: "scheme browser: session { cookie \"sid\"; store \"sessions\" }\n\
              POST /data  allow browser",
    instead: "scheme browser: session { cookie \"sid\"; csrf_header \"X-CSRF-Token\"; \
              store \"sessions\" }",
    references: &["OWASP CSRF Prevention Cheat Sheet", "RFC 6265bis section 8.2"],
    check,
};

fn check(cx: &LintContext<'_>, findings: &mut Vec<Finding>) {
    for ruled in ruled(cx.doc) {
        if !has_unsafe_method(ruled.pattern.map(|p| &p.methods)) {
            continue;
        }
        for name in schemes_of(ruled.rule) {
            let Some(decl) = scheme(cx.doc, name) else { continue };
            if let SchemeConfig::Session(session) = &decl.config
                && session.csrf_header.is_none()
            {
                let message = format!(
                    "{} accepts session `{name}`, which has no `csrf_header`, on a write method",
                    ruled.place()
                );
                let help = format!("add `csrf_header \"X-CSRF-Token\"` to scheme `{name}`");
                findings.push(cx.finding(&RULE, ruled.span, message, Some(help)));
            }
        }
    }
}
