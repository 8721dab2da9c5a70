//! `api-key-without-prefix`: API keys with no visible prefix.

use super::Rule;
use crate::lint::{Category, Finding, Level, LintContext};
use crate::model::SchemeConfig;

pub(crate) const RULE: Rule = Rule {
    id: "api-key-without-prefix",
    level: Level::Warning,
    category: Category::Security,
    summary: "an API key scheme without `prefixes`",
    what: "Reports an `api_key` scheme that declares no `prefixes`.",
    why: "A visible prefix (`sk_live_`) lets people tell keys apart and lets secret scanners \
          find a key leaked in a repository or a log. It also lets Portcullis reject a string \
          that cannot be a key without looking it up, and refuse keys pasted into URLs.",
    example: "scheme partner_key: api_key { store \"keys\" }",
    instead: "scheme partner_key: api_key { prefixes \"sk_live_\"; store \"keys\" }",
    references: &["GitHub secret scanning partner program"],
    check,
};

fn check(cx: &LintContext<'_>, findings: &mut Vec<Finding>) {
    for scheme in &cx.doc.schemes {
        let SchemeConfig::ApiKey(key) = &scheme.config else { continue };
        if key.prefixes.is_empty() {
            let message = format!("API key scheme `{}` declares no key prefix", scheme.name.value);
            let help = "issue keys with a recognisable prefix and list it under `prefixes`";
            findings.push(cx.finding(&RULE, scheme.name.span, message, Some(help.into())));
        }
    }
}
