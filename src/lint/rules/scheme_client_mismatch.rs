//! `scheme-client-mismatch`: a scheme serving a kind of client it does not suit.

use super::Rule;
use crate::lint::{Category, Finding, Level, LintContext};
use crate::model::{Client, SchemeConfig, SchemeKind};

pub(crate) const RULE: Rule = Rule {
    id: "scheme-client-mismatch",
    level: Level::Warning,
    category: Category::Security,
    summary: "a scheme declared for clients it does not suit",
    what: "Checks each scheme's `clients` against the recommended pattern: server-to-server \
           and mobile clients use bearer tokens (JWT or opaque); an SPA uses short-lived JWTs \
           (its refresh token lives in an HttpOnly cookie the API never sees as a credential); \
           third-party developers and IoT devices use API keys; traditional web apps use \
           session cookies. See the table in this document.",
    why: "Each pattern fits how its clients can keep a secret: a browser cannot hide a \
          long-lived key from scripts, a device cannot run an interactive sign-in, a partner \
          needs a credential it can rotate without a user. The mismatches are where leaks \
          and forged requests come from.",
    example: "scheme partner_key: api_key {\n    ...\n    clients spa\n}",
    instead: "scheme spa_jwt: jwt {\n    ...\n    max_lifetime 15m\n    clients spa\n}",
    references: &["RFC 9700 (OAuth 2.0 security best current practice)", "RFC 8252 (native apps)"],
    check,
};

/// The scheme kinds recommended for a client, and a word on why.
pub(crate) fn recommended(client: Client) -> (&'static [SchemeKind], &'static str) {
    match client {
        Client::Server => (&[SchemeKind::Jwt, SchemeKind::OpaqueToken], "a bearer token"),
        Client::Mobile => (&[SchemeKind::Jwt, SchemeKind::OpaqueToken], "a bearer token"),
        Client::Spa => (&[SchemeKind::Jwt], "a short-lived JWT"),
        Client::ThirdParty => (&[SchemeKind::ApiKey], "an API key"),
        Client::Iot => (&[SchemeKind::ApiKey], "an API key"),
        Client::Web => (&[SchemeKind::Session], "a session cookie"),
    }
}

fn check(cx: &LintContext<'_>, findings: &mut Vec<Finding>) {
    for scheme in &cx.doc.schemes {
        let kind = scheme.config.kind();
        for &client in &scheme.clients {
            let (kinds, advice) = recommended(client);
            let short_lived = match &scheme.config {
                SchemeConfig::Jwt(jwt) => {
                    jwt.max_lifetime.is_some_and(|max| max <= cx.options.max_token_lifetime)
                }
                _ => true,
            };
            let fits = kinds.contains(&kind) && (client != Client::Spa || short_lived);
            if !fits {
                let message = format!(
                    "scheme `{}` ({kind}) serves `{}` clients, which should use {advice}",
                    scheme.name.value,
                    client.as_str()
                );
                let help = "see the client table in docs/lints.md".to_owned();
                findings.push(cx.finding(&RULE, scheme.name.span, message, Some(help)));
            }
        }
    }
}
