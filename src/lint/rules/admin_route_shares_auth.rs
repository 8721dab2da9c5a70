//! `admin-route-shares-auth`: an admin route that asks no more than an ordinary one.

use super::{Rule, same_requirement, scopes_of};
use crate::lint::{Category, Finding, Level, LintContext};
use crate::model::{self, Segment};

pub(crate) const RULE: Rule = Rule {
    id: "admin-route-shares-auth",
    level: Level::Warning,
    category: Category::Security,
    summary: "an admin route that requires exactly what an ordinary route requires",
    what: "Reports a route whose path has a literal segment naming admin (`admin`, \
           `admin-api`, `superadmin`) when it requires no scope naming admin and its rule is \
           identical to the rule of a route whose path does not name admin.",
    why: "Administrative endpoints are where a stolen ordinary credential does the most harm. \
          If they accept exactly what ordinary routes accept, every user, partner key or \
          browser session that can read data can also administer.",
    example: "GET /data       allow user_jwt, partner_key\n\
              *   /admin/**   allow user_jwt, partner_key",
    instead: "*   /admin/**   allow user_jwt scopes admin",
    references: &["OWASP API Security Top 10 2023, API5 (broken function level authorization)"],
    check,
};

fn check(cx: &LintContext<'_>, findings: &mut Vec<Finding>) {
    let is_admin = |route: &model::RouteDecl| {
        route.pattern.value.path.segments.iter().any(|s| match s {
            Segment::Literal(text) => names_admin(text),
            _ => false,
        })
    };
    let (admin, ordinary): (Vec<_>, Vec<_>) = cx.doc.routes.iter().partition(|r| is_admin(r));

    for route in admin {
        let admin_scope = scopes_of(&route.rule).iter().any(|s| names_admin(s));
        if matches!(route.rule, model::Rule::Deny) || admin_scope {
            continue;
        }
        if let Some(twin) = ordinary.iter().find(|o| same_requirement(&o.rule, &route.rule)) {
            let message = format!(
                "admin route `{}` requires exactly what `{}` requires",
                route.pattern.value, twin.pattern.value
            );
            let help = "require an admin scope, or a scheme only administrators hold".into();
            findings.push(cx.finding(&RULE, route.pattern.span, message, Some(help)));
        }
    }
}

/// Whether a segment or scope names admin: a word of it (split at anything but letters and
/// digits) that starts or ends with `admin` (`admin-api`, `superadmin`, not `badminton`).
fn names_admin(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| word.starts_with("admin") || word.ends_with("admin"))
}
