//! `overlapping-routes`: two routes of the same length that can match one request and
//! require different things.

use std::collections::HashMap;

use super::Rule;
use crate::lint::{Category, Finding, Level, LintContext};
use crate::model::Rule::Public;
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
    let needs: Vec<_> = routes.iter().map(|r| super::needs(&r.rule)).collect();
    let trie = Trie::of(routes.iter().map(|r| &r.pattern.value.path));

    for (b, (later, later_needs)) in routes.iter().zip(&needs).enumerate() {
        let pb = &later.pattern.value;
        if has_catch_all(&pb.path) {
            continue;
        }
        // Only routes whose paths can meet this one's are compared: the trie finds them
        // without scanning the whole table.
        let mut met = Vec::new();
        trie.meeting(0, &pb.path.segments, &mut met);
        met.sort_unstable();
        for a in met.into_iter().filter(|&a| a < b) {
            let (Some(earlier), Some(earlier_needs)) = (routes.get(a), needs.get(a)) else {
                continue;
            };
            let pa = &earlier.pattern.value;
            let same = matches!((&earlier.rule, &later.rule), (Public { .. }, Public { .. }))
                || (earlier_needs.is_some() && earlier_needs == later_needs);
            if same || pa.path.same_shape(&pb.path) || !methods_meet(&pa.methods, &pb.methods) {
                continue;
            }
            let message = format!("route `{pb}` overlaps route `{pa}` and requires otherwise");
            let help = format!(
                "requests both match are decided by the more specific one; make them \
                 agree or suppress this on the route (line {})",
                later.pattern.span.line
            );
            findings.push(cx.finding(&RULE, later.pattern.span, message, Some(help)));
        }
    }
}

/// The routes without `**`, by path segment: literal children and one parameter child.
struct Trie<'d> {
    nodes: Vec<Node<'d>>,
}

#[derive(Default)]
struct Node<'d> {
    literals: HashMap<&'d str, usize>,
    param: Option<usize>,
    routes: Vec<usize>,
}

impl<'d> Trie<'d> {
    fn of(paths: impl Iterator<Item = &'d PathPattern>) -> Trie<'d> {
        let mut trie = Trie { nodes: vec![Node::default()] };
        for (index, path) in paths.enumerate() {
            if has_catch_all(path) {
                continue;
            }
            let mut node = 0;
            for segment in &path.segments {
                let next = trie.nodes.len();
                // `node` is always an index of `nodes`: the root, or a child pushed below.
                let Some(here) = trie.nodes.get_mut(node) else { break };
                let child = match segment {
                    Segment::Literal(text) => *here.literals.entry(text).or_insert(next),
                    _ => *here.param.get_or_insert(next),
                };
                if child == next {
                    trie.nodes.push(Node::default());
                }
                node = child;
            }
            if let Some(here) = trie.nodes.get_mut(node) {
                here.routes.push(index);
            }
        }
        trie
    }

    /// Collects the routes whose path can match some request `segments` also matches.
    fn meeting(&self, node: usize, segments: &[Segment], out: &mut Vec<usize>) {
        let Some(here) = self.nodes.get(node) else { return };
        let Some((first, rest)) = segments.split_first() else {
            out.extend_from_slice(&here.routes);
            return;
        };
        if let Some(param) = here.param {
            self.meeting(param, rest, out);
        }
        match first {
            Segment::Literal(text) => {
                if let Some(&child) = here.literals.get(text.as_str()) {
                    self.meeting(child, rest, out);
                }
            }
            _ => {
                for &child in here.literals.values() {
                    self.meeting(child, rest, out);
                }
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
