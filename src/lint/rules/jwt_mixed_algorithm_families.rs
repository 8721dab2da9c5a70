//! `jwt-mixed-algorithm-families`: HMAC and public-key algorithms in one JWT scheme.

use super::Rule;
use crate::lint::{Category, Finding, Level, LintContext};
use crate::model::SchemeConfig;

pub(crate) const RULE: Rule = Rule {
    id: "jwt-mixed-algorithm-families",
    level: Level::Error,
    category: Category::Security,
    summary: "HMAC and public-key algorithms in one JWT scheme",
    what: "Reports a `jwt` scheme whose `algorithms` list both an HMAC algorithm (HS256, \
           HS384, HS512) and a public-key one (RS*, PS*, ES*, EdDSA).",
    why: "Mixing the families is the precondition of algorithm confusion: a verifier that \
          lets the token pick the algorithm can be made to use a public key as an HMAC secret. \
          Portcullis binds each key to its family, but the list still says the scheme trusts \
          two kinds of issuer at once, which is almost never what was meant.",
    example: "algorithms RS256, HS256",
    instead: "Declare two schemes, one per issuer and family.",
    references: &["RFC 8725 section 3.1", "CVE-2015-9235"],
    check,
};

fn check(cx: &LintContext<'_>, findings: &mut Vec<Finding>) {
    for scheme in &cx.doc.schemes {
        let SchemeConfig::Jwt(jwt) = &scheme.config else { continue };
        let hmac = jwt.algorithms.iter().any(|a| a.is_hmac());
        let public = jwt.algorithms.iter().any(|a| !a.is_hmac());
        if hmac && public {
            let message = format!(
                "JWT scheme `{}` accepts both HMAC and public-key algorithms",
                scheme.name.value
            );
            let help = "split it into one scheme per algorithm family".to_owned();
            findings.push(cx.finding(&RULE, scheme.name.span, message, Some(help)));
        }
    }
}
