//! `jwt-missing-issuer-or-audience`: a JWT scheme that does not pin `iss` and `aud`.

use super::Rule;
use crate::lint::{Category, Finding, Level, LintContext};
use crate::model::SchemeConfig;

pub(crate) const RULE: Rule = Rule {
    id: "jwt-missing-issuer-or-audience",
    level: Level::Error,
    category: Category::Security,
    summary: "a JWT scheme without `issuer` or `audience`",
    what: "Reports a `jwt` scheme that sets no `issuer` or no `audience`.",
    why: "Without an audience, a token the same identity provider issued for another API is \
          accepted here; without an issuer, any issuer whose keys share the key set is. Both \
          are how tokens are replayed across services.",
    example: "scheme user_jwt: jwt {\n    algorithms RS256\n    keys.jwks_file \"jwks.json\"\n}",
    instead: "scheme user_jwt: jwt {\n    issuer \"https://auth.example.com/\"\n    \
              audience \"api.example.com\"\n    algorithms RS256\n    \
              keys.jwks_file \"jwks.json\"\n}",
    references: &["RFC 8725 sections 3.8 and 3.9", "RFC 9068 section 4"],
    check,
};

fn check(cx: &LintContext<'_>, findings: &mut Vec<Finding>) {
    for scheme in &cx.doc.schemes {
        let SchemeConfig::Jwt(jwt) = &scheme.config else { continue };
        let missing = match (jwt.issuer.is_none(), jwt.audience.is_empty()) {
            (true, true) => "`issuer` and `audience`",
            (true, false) => "`issuer`",
            (false, true) => "`audience`",
            (false, false) => continue,
        };
        let message = format!("JWT scheme `{}` does not check {missing}", scheme.name.value);
        let help = "set the issuer your identity provider uses and this API's audience".into();
        findings.push(cx.finding(&RULE, scheme.name.span, message, Some(help)));
    }
}
