//! `session-samesite-strict`: a note that `SameSite=Strict` breaks sign-in redirects.

use super::Rule;
use crate::lint::{Category, Finding, Level, LintContext};
use crate::model::{SameSite, SchemeConfig};

pub(crate) const RULE: Rule = Rule {
    id: "session-samesite-strict",
    level: Level::Note,
    category: Category::Security,
    summary: "a session cookie with `SameSite=Strict`",
    what: "Notes a `session` scheme with `same_site strict`.",
    why: "Strict is the safest setting, but the browser then withholds the cookie on the \
          top-level navigation back from another site, so users arriving from an OAuth or SSO \
          redirect, or from a link in an email, look signed out.",
    example: "same_site strict",
    instead: "same_site lax   # if sign-in redirects or links from other sites must work",
    references: &["RFC 6265bis section 8.8.2"],
    check,
};

fn check(cx: &LintContext<'_>, findings: &mut Vec<Finding>) {
    for scheme in &cx.doc.schemes {
        let SchemeConfig::Session(session) = &scheme.config else { continue };
        if session.same_site == SameSite::Strict {
            let message = format!(
                "session cookie of `{}` is withheld on arrivals from other sites",
                scheme.name.value
            );
            let help = "use `same_site lax` if sign-in redirects must keep the session";
            findings.push(cx.finding(&RULE, scheme.name.span, message, Some(help.into())));
        }
    }
}
