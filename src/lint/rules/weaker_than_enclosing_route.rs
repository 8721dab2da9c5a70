//! `weaker-than-enclosing-route`: a route inside a `**` route that requires less.

use super::overlapping_routes::methods_meet;
use super::{Rule, schemes_of, scopes_of};
use crate::lint::{Category, Finding, Level, LintContext};
use crate::model::{self, PathPattern, Segment};

pub(crate) const RULE: Rule = Rule {
    id: "weaker-than-enclosing-route",
    level: Level::Warning,
    category: Category::Correctness,
    summary: "a route that requires less than the `**` route around it",
    what: "Reports a route whose path lies inside a `**` route's (`/admin/health` inside \
           `/admin/**`) when, for a method they share, it is public where the enclosing route \
           is not, accepts a scheme the enclosing route does not, or omits a scope the \
           enclosing route requires.",
    why: "A `**` route reads as a fence around everything below it. A more specific route \
          inside silently opens a gate in that fence, and reviewers of the fence do not see it.",
    example: "*   /admin/**       allow user_jwt scopes admin\n\
              GET /admin/health   public",
    instead: "Move the route out from under the fence, give it the fence's requirement, or \
              suppress the finding with the reason the gate is safe.",
    references: &["OWASP ASVS V4.1 (general access control design)"],
    check,
};

fn check(cx: &LintContext<'_>, findings: &mut Vec<Finding>) {
    let routes = &cx.doc.routes;
    for outer in routes.iter().filter(|r| is_catch_all(&r.pattern.value.path)) {
        for inner in routes {
            let (po, pi) = (&outer.pattern.value, &inner.pattern.value);
            if std::ptr::eq(outer, inner)
                || !methods_meet(&po.methods, &pi.methods)
                || !encloses(&po.path, &pi.path)
            {
                continue;
            }
            if let Some(why) = weaker(&inner.rule, &outer.rule) {
                let message = format!("route `{pi}` requires less than `{po}` around it: {why}");
                let help = "give it the enclosing route's requirement, or suppress this with \
                            the reason it is safe"
                    .to_owned();
                findings.push(cx.finding(&RULE, inner.pattern.span, message, Some(help)));
            }
        }
    }
}

fn is_catch_all(path: &PathPattern) -> bool {
    path.segments.last() == Some(&Segment::CatchAll)
}

/// Whether every path `inner` matches lies under `outer`'s prefix (the part before `**`),
/// with `inner` strictly more specific.
fn encloses(outer: &PathPattern, inner: &PathPattern) -> bool {
    let prefix = &outer.segments[..outer.segments.len() - 1];
    if inner.segments.len() < prefix.len() || inner == outer {
        return false;
    }
    prefix.iter().zip(&inner.segments).all(|pair| match pair {
        (Segment::Literal(x), Segment::Literal(y)) => x == y,
        (Segment::Literal(_), _) => false,
        (Segment::Param(_) | Segment::Wildcard, Segment::CatchAll) => false,
        _ => true,
    })
}

/// How `inner` requires less than `outer`, in words, or `None`.
fn weaker(inner: &model::Rule, outer: &model::Rule) -> Option<&'static str> {
    use model::Rule::{Allow, Deny, Public};
    match (inner, outer) {
        (_, Public { .. }) | (Deny, _) => None,
        (Public { .. }, _) => Some("it is public"),
        (Allow(_), Deny) => Some("it allows what the enclosing route denies"),
        (Allow(_), Allow(_)) => {
            let outer_schemes = schemes_of(outer);
            let outer_scopes = scopes_of(outer);
            if schemes_of(inner).iter().any(|s| !outer_schemes.contains(s)) {
                Some("it accepts a scheme the enclosing route does not")
            } else if outer_scopes.iter().any(|s| !scopes_of(inner).contains(s)) {
                Some("it omits a scope the enclosing route requires")
            } else {
                None
            }
        }
    }
}
