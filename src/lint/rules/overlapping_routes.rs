//! `overlapping-routes`: two routes of the same length that can match one request and
//! require different things.

use super::Rule;
use crate::lint::{Category, Finding, Level, LintContext};
use crate::model::{MethodSet, PathPattern, Segment};

pub(crate) const RULE: Rule = Rule {
    id: "overlapping-routes",
    level: Level::Warning,
    category: Category::Correctness,
    summary: "two routes that can match the same request and require different things",
    what: "Reports pairs of routes without `**` whose methods share one and whose paths can \
           match the same request (`/users/{id}` and `/users/me`), when their rules differ.",
    why: "Only the more specific route decides such a request (literal beats parameter), so \
          the other route's requirement silently does not apply to it. That is often meant, \
          but a reviewer reading the general route alone will believe it protects every path \
          it spells.",
    example: "GET /users/{id}  allow user_jwt scopes users:read\n\
              GET /users/me    allow user_jwt, browser",
    instead: "Make the routes require the same thing, or keep both and suppress the finding \
              on the specific route with the reason it differs.",
    references: &["docs/policy-language.md, \"How a request is matched\""],
    check,
};

fn check(cx: &LintContext<'_>, findings: &mut Vec<Finding>) {
    let routes = &cx.doc.routes;
    for (i, a) in routes.iter().enumerate() {
        for b in &routes[i + 1..] {
            let (pa, pb) = (&a.pattern.value, &b.pattern.value);
            let same = super::same_requirement(&a.rule, &b.rule);
            if has_catch_all(&pa.path) || has_catch_all(&pb.path) || same {
                continue;
            }
            if methods_meet(&pa.methods, &pb.methods) && paths_meet(&pa.path, &pb.path) {
                let message = format!("route `{pb}` overlaps route `{pa}` and requires otherwise");
                let help = format!(
                    "requests both match are decided by the more specific one; make them \
                     agree or suppress this on the route (line {})",
                    b.pattern.span.line
                );
                findings.push(cx.finding(&RULE, b.pattern.span, message, Some(help)));
            }
        }
    }
}

fn has_catch_all(path: &PathPattern) -> bool {
    path.segments.last() == Some(&Segment::CatchAll)
}

/// Whether two method sets share a method (`*` shares every one).
pub(crate) fn methods_meet(a: &MethodSet, b: &MethodSet) -> bool {
    match (a, b) {
        (MethodSet::Any, _) | (_, MethodSet::Any) => true,
        (MethodSet::Only(a), MethodSet::Only(b)) => a.iter().any(|m| b.contains(m)),
    }
}

/// Whether two `**`-free paths of different shape can match one request path.
fn paths_meet(a: &PathPattern, b: &PathPattern) -> bool {
    a.segments.len() == b.segments.len()
        && !a.same_shape(b)
        && a.segments.iter().zip(&b.segments).all(|pair| match pair {
            (Segment::Literal(x), Segment::Literal(y)) => x == y,
            _ => true,
        })
}
