//! `weaker-than-enclosing-route`: a route inside a `**` route that requires less.

use super::overlapping_routes::methods_meet;
use super::{Need, Rule, closure, needs};
use crate::lint::{Category, Finding, Level, LintContext};
use crate::model::{self, Document, PathPattern, Segment};

pub(crate) const RULE: Rule = Rule {
    id: "weaker-than-enclosing-route",
    level: Level::Warning,
    category: Category::Correctness,
    summary: "a route that requires less than the `**` route around it",
    what: "Reports a route whose path lies inside a `**` route's (`/admin/health` inside \
           `/admin/**`) when, for a method they share, some request it allows would be refused \
           by the enclosing route: it is public, accepts a scheme the enclosing route does \
           not, or lets through scopes that do not meet the enclosing route's (implication \
           counted).",
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
            if let Some(why) = weaker(cx.doc, &inner.rule, &outer.rule) {
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
    let Some((_catch_all, prefix)) = outer.segments.split_last() else {
        return false;
    };
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

/// How `inner` requires less than `outer`, in words, or `None`. Every way to satisfy
/// `inner` must satisfy `outer`: for each of inner's alternatives, some alternative of
/// outer's needs no scheme inner's lacks and is met by the scopes inner guarantees
/// (implication followed through the catalogue; for `any_scopes`, only what every choice
/// grants is guaranteed).
fn weaker(doc: &Document, inner: &model::Rule, outer: &model::Rule) -> Option<&'static str> {
    let (inner, outer) = match (needs(inner), needs(outer)) {
        (_, None) => return None,
        (None, Some(_)) => return Some("it is public"),
        (Some(inner), _) if inner.is_empty() => return None,
        (Some(_), Some(outer)) if outer.is_empty() => {
            return Some("it allows what the enclosing route denies");
        }
        (Some(inner), Some(outer)) => (inner, outer),
    };

    for need in &inner {
        let guaranteed = guaranteed(doc, need);
        let schemes_fit = |o: &Need<'_>| o.schemes.iter().all(|s| need.schemes.contains(s));
        if !outer.iter().any(schemes_fit) {
            return Some("it accepts a scheme the enclosing route does not");
        }
        let covered = outer.iter().filter(|o| schemes_fit(o)).any(|o| met(o, &guaranteed));
        if !covered {
            return Some("it lets through scopes the enclosing route would refuse");
        }
    }
    None
}

/// The scopes a credential satisfying `need` is sure to hold, implied ones included.
fn guaranteed<'d>(doc: &'d Document, need: &Need<'d>) -> Vec<&'d str> {
    let closures: Vec<Vec<&str>> = need.scopes.iter().map(|s| closure(doc, s)).collect();
    if !need.any {
        return closures.into_iter().flatten().collect();
    }
    let Some((first, rest)) = closures.split_first() else { return Vec::new() };
    first.iter().copied().filter(|s| rest.iter().all(|c| c.contains(s))).collect()
}

/// Whether holding `held` meets `need`'s scope requirement.
fn met(need: &Need<'_>, held: &[&str]) -> bool {
    match need.any {
        false => need.scopes.iter().all(|s| held.contains(s)),
        true => need.scopes.iter().any(|s| held.contains(s)),
    }
}
