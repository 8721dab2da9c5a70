//! `session-samesite-none`: a session cookie sent on every cross-site request.

use super::Rule;
use crate::lint::{Category, Finding, Level, LintContext};
use crate::model::{SameSite, SchemeConfig};

pub(crate) const RULE: Rule = Rule {
    id: "session-samesite-none",
    level: Level::Error,
    category: Category::Security,
    summary: "a session cookie with `SameSite=None`",
    what: "Reports a `session` scheme with `same_site none`.",
    why: "The browser then attaches the session to requests any other site triggers, which \
          leaves CSRF tokens as the only defence on every state-changing route.",
    example: "same_site none",
    instead: "same_site lax",
    references: &["RFC 6265bis section 8.8 (SameSite cookies)"],
    check,
};

fn check(cx: &LintContext<'_>, findings: &mut Vec<Finding>) {
    for scheme in &cx.doc.schemes {
        let SchemeConfig::Session(session) = &scheme.config else { continue };
        if session.same_site == SameSite::None {
            let message = format!("session cookie of `{}` is sent cross-site", scheme.name.value);
            let help = "use `same_site lax` unless another site must embed signed-in requests";
            findings.push(cx.finding(&RULE, scheme.name.span, message, Some(help.into())));
        }
    }
}
