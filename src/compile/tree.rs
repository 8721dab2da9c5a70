//! The decision tree: a trie over path segments whose nodes hold per-method route numbers.
//!
//! Lookup walks the request's segments from the root, trying at each step the literal
//! child, then the parameter child, then a `**` ending at this node, and backs up when a
//! branch dead-ends. Each node is visited at most once per lookup, and a typical lookup
//! visits one node per segment, so the cost follows the path's length, not the number of
//! routes. The order of the tries is the precedence rule: literal > `{param}`/`*` > `**`.

use crate::eval::same;
use crate::model::{MethodSet, PathPattern, Segment};

/// A route's number: its index among the policy's routes.
pub(crate) type RouteId = u32;

/// How a request's method is matched against a node's rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MethodMatch<'a> {
    /// An ordinary request: its method, then `GET` for `HEAD`, then `*`.
    Request(&'a str),
    /// A CORS preflight: only a rule naming `OPTIONS` itself applies.
    Preflight,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RouteTree {
    nodes: Vec<Node<Literals>>,
}

/// A node; `L` holds the literal children (a hash map while building, [`Literals`] after).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Node<L> {
    /// Literal children.
    literals: L,
    /// The `{param}` / `*` child.
    param: Option<u32>,
    /// Routes whose pattern ends exactly here.
    exact: MethodTable,
    /// Routes whose pattern ends with `**` here.
    catch_all: MethodTable,
}

/// Up to this many literal children are searched in a sorted list; more go in a hash map,
/// so that a node with thousands of children (`/api/{resource}` tables) costs one hash
/// instead of a dozen string comparisons.
const FEW_LITERALS: usize = 8;

/// A finished node's literal children.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Literals {
    /// Sorted by text.
    Few(Box<[(Box<str>, u32)]>),
    /// Keyed by text. The hash is seeded at random per process, so a policy cannot be
    /// written to make its lookups collide.
    Many(foldhash::HashMap<Box<str>, u32>),
}

impl Literals {
    fn get(&self, segment: &str) -> Option<u32> {
        match self {
            Literals::Few(list) => list.iter().find(|(text, _)| same(text, segment)).map(|e| e.1),
            Literals::Many(map) => map.get(segment).copied(),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct MethodTable {
    named: Vec<(Box<str>, RouteId)>,
    any: Option<RouteId>,
}

impl MethodTable {
    fn is_empty(&self) -> bool {
        self.named.is_empty() && self.any.is_none()
    }

    fn named(&self, method: &str) -> Option<RouteId> {
        self.named.iter().find(|(m, _)| same(m, method)).map(|(_, route)| *route)
    }

    fn select(&self, method: MethodMatch<'_>) -> Option<RouteId> {
        if self.is_empty() {
            return None;
        }
        match method {
            MethodMatch::Preflight => self.named("OPTIONS"),
            MethodMatch::Request(method) => self
                .named(method)
                .or_else(|| if method == "HEAD" { self.named("GET") } else { None })
                .or(self.any),
        }
    }

    /// Adds `route` for `methods`; on a clash, the route already there.
    fn insert(&mut self, methods: &MethodSet, route: RouteId) -> Result<(), RouteId> {
        match methods {
            MethodSet::Any => match self.any {
                Some(existing) => Err(existing),
                None => {
                    self.any = Some(route);
                    Ok(())
                }
            },
            MethodSet::Only(list) => {
                if let Some(existing) = list.iter().find_map(|m| self.named(m.as_str())) {
                    return Err(existing);
                }
                self.named.extend(list.iter().map(|m| (Box::from(m.as_str()), route)));
                Ok(())
            }
        }
    }
}

/// Builds a [`RouteTree`]; every node's literal children are in a hash map while building
/// (a policy may give one node hundreds of thousands of them).
pub(crate) struct TreeBuilder {
    nodes: Vec<Node<foldhash::HashMap<Box<str>, u32>>>,
}

#[allow(
    clippy::indexing_slicing,
    reason = "node numbers are handed out by this builder as it pushes the nodes, and none \
              is ever removed"
)]
impl TreeBuilder {
    pub(crate) fn new() -> TreeBuilder {
        TreeBuilder { nodes: vec![Node::default()] }
    }

    /// Adds a route.
    ///
    /// # Errors
    /// The number of an earlier route that matches the same requests with the same method.
    pub(crate) fn insert(
        &mut self,
        methods: &MethodSet,
        path: &PathPattern,
        route: RouteId,
    ) -> Result<(), RouteId> {
        let mut node = 0usize;
        for segment in &path.segments {
            node = match segment {
                Segment::Literal(text) => self.literal_child(node, text),
                Segment::Param(_) | Segment::Wildcard => self.param_child(node),
                Segment::CatchAll => return self.nodes[node].catch_all.insert(methods, route),
            };
        }
        self.nodes[node].exact.insert(methods, route)
    }

    fn literal_child(&mut self, node: usize, text: &str) -> usize {
        if let Some(child) = self.nodes[node].literals.get(text) {
            return *child as usize;
        }
        let next = self.nodes.len();
        self.nodes[node].literals.insert(Box::from(text), node_id(next));
        self.nodes.push(Node::default());
        next
    }

    fn param_child(&mut self, node: usize) -> usize {
        if let Some(child) = self.nodes[node].param {
            return child as usize;
        }
        let next = self.nodes.len();
        self.nodes[node].param = Some(node_id(next));
        self.nodes.push(Node::default());
        next
    }

    /// The finished tree: few literal children become a short list, many keep their map.
    pub(crate) fn finish(self) -> RouteTree {
        let nodes = self.nodes.into_iter().map(|node| Node {
            literals: match node.literals.len() {
                0..=FEW_LITERALS => {
                    let mut few: Vec<(Box<str>, u32)> = node.literals.into_iter().collect();
                    few.sort_unstable();
                    Literals::Few(few.into_boxed_slice())
                }
                _ => {
                    let mut many = node.literals;
                    many.shrink_to_fit();
                    Literals::Many(many)
                }
            },
            param: node.param,
            exact: node.exact,
            catch_all: node.catch_all,
        });
        RouteTree { nodes: nodes.collect() }
    }
}

impl RouteTree {
    /// The route that decides a request for `segments` (already normalized), if any.
    pub(crate) fn find(&self, segments: &[&str], method: MethodMatch<'_>) -> Option<RouteId> {
        self.find_from(0, segments, method)
    }

    fn find_from(&self, node: usize, rest: &[&str], method: MethodMatch<'_>) -> Option<RouteId> {
        let here = self.nodes.get(node)?;

        // The path is used up: a pattern ending exactly here beats a `**` matching nothing.
        let Some((segment, tail)) = rest.split_first() else {
            return here.exact.select(method).or_else(|| here.catch_all.select(method));
        };

        // A literal child is the most specific continuation.
        if let Some(child) = here.literals.get(segment)
            && let Some(route) = self.find_from(child as usize, tail, method)
        {
            return Some(route);
        }

        // Then a parameter, which takes any one segment (normalization ruled out empty ones).
        if let Some(child) = here.param
            && let Some(route) = self.find_from(child as usize, tail, method)
        {
            return Some(route);
        }

        // Last, a `**` ending at this node swallows the rest of the path.
        here.catch_all.select(method)
    }
}

fn node_id(index: usize) -> u32 {
    // invariant: a policy is limited in size well below 2^32 nodes (see `load`).
    u32::try_from(index).unwrap_or(u32::MAX)
}
