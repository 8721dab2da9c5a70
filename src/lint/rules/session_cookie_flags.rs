//! `session-cookie-flags`: a session cookie without `HttpOnly` or `Secure`.

use super::Rule;
use crate::lint::{Category, Finding, Level, LintContext};
use crate::model::SchemeConfig;

pub(crate) const RULE: Rule = Rule {
    id: "session-cookie-flags",
    level: Level::Error,
    category: Category::Security,
    summary: "a session cookie without `HttpOnly` or `Secure`",
    what: "Reports a `session` scheme with `http_only false` or `secure false`.",
    why: "Without HttpOnly, any script injected into the page can read the session id; \
          without Secure, the browser sends it over plain HTTP where anyone on the path can.",
    example: "scheme browser: session {\n    cookie \"sid\"\n    secure false\n    ...\n}",
    instead: "secure true\nhttp_only true",
    references: &["RFC 6265 sections 4.1.2.5 and 4.1.2.6", "OWASP ASVS V3.4"],
    check,
};

fn check(cx: &LintContext<'_>, findings: &mut Vec<Finding>) {
    for scheme in &cx.doc.schemes {
        let SchemeConfig::Session(session) = &scheme.config else { continue };
        let missing = match (session.http_only, session.secure) {
            (false, false) => "`HttpOnly` and `Secure`",
            (false, true) => "`HttpOnly`",
            (true, false) => "`Secure`",
            (true, true) => continue,
        };
        let message = format!("session cookie of `{}` lacks {missing}", scheme.name.value);
        let help = "set the attributes on the cookie, and `http_only true`, `secure true` here";
        findings.push(cx.finding(&RULE, scheme.name.span, message, Some(help.into())));
    }
}
