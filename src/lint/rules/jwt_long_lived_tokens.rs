//! `jwt-long-lived-tokens`: a JWT scheme that accepts tokens living longer than an hour
//! (the threshold is `--max-token-lifetime`).

use super::Rule;
use crate::lint::{Category, Finding, Level, LintContext};
use crate::model::SchemeConfig;

pub(crate) const RULE: Rule = Rule {
    id: "jwt-long-lived-tokens",
    level: Level::Warning,
    category: Category::Security,
    summary: "a JWT scheme without a short `max_lifetime`",
    what: "Reports a `jwt` scheme with no `max_lifetime`, or one above the threshold (1h by \
           default; `portcullis lint --max-token-lifetime 30m` changes it).",
    why: "A JWT cannot be revoked before it expires. Access tokens should live minutes; \
          long sessions belong to refresh tokens, which can be revoked.",
    example: "scheme user_jwt: jwt {\n    ...\n    max_lifetime 30d\n}",
    instead: "max_lifetime 15m",
    references: &["RFC 9700 section 2.2 (access token lifetime)", "RFC 8725 section 3.10"],
    check,
};

fn check(cx: &LintContext<'_>, findings: &mut Vec<Finding>) {
    let limit = cx.options.max_token_lifetime;
    for scheme in &cx.doc.schemes {
        let SchemeConfig::Jwt(jwt) = &scheme.config else { continue };
        let message = match jwt.max_lifetime {
            None => format!("JWT scheme `{}` sets no `max_lifetime`", scheme.name.value),
            Some(max) if max > limit => {
                format!("JWT scheme `{}` accepts tokens living {max}", scheme.name.value)
            }
            Some(_) => continue,
        };
        let help = format!("set `max_lifetime` to {limit} or less");
        findings.push(cx.finding(&RULE, scheme.name.span, message, Some(help)));
    }
}
