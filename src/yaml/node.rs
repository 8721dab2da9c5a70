//! A YAML document as a small tree of scalars, sequences and maps, each with its position.
//!
//! granit-parser (the parser under serde-saphyr, reached through its re-export) turns the
//! text into events, and [`read`] builds the tree from them directly: going through serde
//! cost more than the parse itself, two thirds of a large YAML policy's compile. The tree
//! is all the policy reader needs, so that it can check fields itself and name the place of
//! every mistake, not only of syntax errors.
//!
//! What the reader enforces on the way, since the parser does not:
//! - a budget against hostile input: nesting depth, nodes, anchors and aliases. An alias
//!   counts as the nodes and the depth it repeats, measured before it is copied, so that
//!   neither an alias bomb nor a deep chain of aliases is built; the copy an anchor keeps
//!   for its aliases counts too; an alias inside the node it names is refused;
//! - keys: plain values only, none repeated in one map;
//! - merge keys (`<<: *defaults`), whose entries a map's own keys override;
//! - one document per file.
//!
//! Every scalar keeps the text that was written (`007`, `1_000`, `0x1F`, `1.0`, `on` stay as
//! they are), with two exceptions for plain scalars, from YAML 1.2's core schema: the null
//! forms (`~`, `null`, nothing) are nothing, and the booleans' capitalised spellings (`True`,
//! `FALSE`) are `true` and `false`.

use std::collections::HashSet;

use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle, ScanError};

use crate::model::{Span, Spanned};

/// The most YAML nodes a policy may have: room for 250,000 routes of ten nodes each and
/// the rest of the policy.
pub(super) const MAX_NODES: usize = 3_000_000;
/// How deeply a YAML policy may nest; a policy needs six levels.
pub(super) const MAX_DEPTH: usize = 32;
/// The most aliases a YAML policy may use.
pub(super) const MAX_ALIASES: usize = 1_000;
/// The most anchors a YAML policy may define.
pub(super) const MAX_ANCHORS: usize = 1_000;

/// From this many keys on, a map's keys are checked for repeats through a set rather than
/// by comparing each new key with every earlier one.
const KEYS_SCANNED: usize = 16;

/// A map's entries, in the order written.
pub(super) type Entries = Vec<(Spanned<String>, Spanned<Node>)>;

/// One YAML node; every scalar is kept as its text.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Node {
    Null,
    Scalar(String),
    Seq(Vec<Spanned<Node>>),
    Map(Entries),
}

impl Node {
    /// What kind of node this is, for messages.
    pub(super) fn describe(&self) -> &'static str {
        match self {
            Node::Null => "nothing",
            Node::Scalar(_) => "a single value",
            Node::Seq(_) => "a list",
            Node::Map(_) => "a map",
        }
    }
}

/// Why the text is not a YAML tree the policy reader can take, and where.
#[derive(Debug)]
pub(super) struct ReadError {
    pub span: Span,
    pub message: String,
}

impl ReadError {
    fn new(span: Span, message: impl Into<String>) -> ReadError {
        ReadError { span, message: message.into() }
    }

    /// A breach of the budget, in the words the reader's other limits use.
    fn over_budget(span: Span, what: &str) -> ReadError {
        ReadError::new(span, format!("the document {what}, more than a policy needs"))
    }

    fn scan(error: &ScanError) -> ReadError {
        let at = error.marker();
        ReadError::new(span_at(at.line(), at.col()), error.info())
    }
}

/// Reads the one document in `source`; `Node::Null` where the text ends when there is none.
///
/// # Errors
/// The first syntax error, budget breach or misplaced key, with its position.
pub(super) fn read(source: &str) -> Result<Spanned<Node>, ReadError> {
    let mut tree = TreeBuilder::default();
    for event in Parser::new_from_str(source) {
        let (event, span) = event.map_err(|error| ReadError::scan(&error))?;
        let at = span_at(span.start.line(), span.start.col());
        tree.event(event, at)?;
    }
    Ok(tree.root.unwrap_or_else(|| Spanned::new(Node::Null, tree.end)))
}

/// A 1-based span from the parser's 1-based line and 0-based column.
fn span_at(line: usize, column: usize) -> Span {
    let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX).max(1);
    Span::new(clamp(line), clamp(column.saturating_add(1)))
}

/// A node with an anchor, kept for the aliases that repeat it.
struct Anchored {
    node: Spanned<Node>,
    /// How many nodes it holds, itself included: what each alias adds to the budget.
    nodes: usize,
    /// How many levels of lists and maps it nests: what each alias adds to the depth.
    height: usize,
}

/// A sequence or map being read.
struct Frame {
    span: Span,
    anchor: usize,
    /// The node count when it started, to tell how many nodes it holds when it ends.
    nodes_before: usize,
    /// The greatest height among its items so far (a scalar's is 0).
    height: usize,
    body: Body,
}

enum Body {
    Seq(Vec<Spanned<Node>>),
    Map(MapBody),
}

#[derive(Default)]
struct MapBody {
    entries: Entries,
    /// The key read, waiting for its value.
    key: Option<Spanned<String>>,
    /// The next value is a merge key's (`<<`).
    merging: bool,
    /// What the merge keys name, in order: maps, or lists of maps.
    merges: Vec<Spanned<Node>>,
    /// The keys, once there are too many to compare one by one.
    seen: Option<HashSet<String>>,
}

#[derive(Default)]
struct TreeBuilder {
    stack: Vec<Frame>,
    root: Option<Spanned<Node>>,
    anchors: foldhash::HashMap<usize, Anchored>,
    documents: usize,
    nodes: usize,
    aliases: usize,
    anchors_defined: usize,
    /// Where the text ends.
    end: Span,
}

impl TreeBuilder {
    fn event(&mut self, event: Event<'_>, at: Span) -> Result<(), ReadError> {
        match event {
            Event::DocumentStart(..) => {
                self.documents += 1;
                if self.documents > 1 {
                    let message = "the file holds more than one YAML document; a policy is one";
                    return Err(ReadError::new(at, message));
                }
                Ok(())
            }
            Event::Scalar(text, style, anchor, tag) => {
                self.count(at, 1, anchor)?;
                let plain = style == ScalarStyle::Plain && tag.is_none();
                if self.is_merge_key(&text, plain) {
                    return Ok(());
                }
                let node = match &*text {
                    "" | "~" | "null" | "Null" | "NULL" if plain => Node::Null,
                    "True" | "TRUE" if plain => Node::Scalar("true".to_owned()),
                    "False" | "FALSE" if plain => Node::Scalar("false".to_owned()),
                    _ => Node::Scalar(text.into_owned()),
                };
                self.complete(Spanned::new(node, at), anchor, 1, 0)
            }
            Event::SequenceStart(_, anchor, _) => self.open(at, anchor, Body::Seq(Vec::new())),
            Event::MappingStart(_, anchor, _) => {
                self.open(at, anchor, Body::Map(MapBody::default()))
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(),
            Event::Alias(anchor) => self.alias(anchor, at),
            Event::StreamEnd => {
                self.end = at;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Counts `nodes` more against the budget, and an anchor if the node defines one.
    fn count(&mut self, at: Span, nodes: usize, anchor: usize) -> Result<(), ReadError> {
        self.nodes = self.nodes.saturating_add(nodes);
        if self.nodes > MAX_NODES {
            return Err(ReadError::over_budget(at, "is too large"));
        }
        if anchor != 0 {
            self.anchors_defined += 1;
            if self.anchors_defined > MAX_ANCHORS {
                let what = format!("defines more than {MAX_ANCHORS} anchors");
                return Err(ReadError::over_budget(at, &what));
            }
        }
        Ok(())
    }

    /// Whether `text` is a plain, untagged `<<` where a map expects a key: then the value
    /// that follows is merged into the map rather than kept under a key.
    fn is_merge_key(&mut self, text: &str, plain: bool) -> bool {
        let Some(Frame { body: Body::Map(map), .. }) = self.stack.last_mut() else {
            return false;
        };
        let merge = map.key.is_none() && !map.merging && plain && text == "<<";
        map.merging |= merge;
        merge
    }

    fn open(&mut self, at: Span, anchor: usize, body: Body) -> Result<(), ReadError> {
        self.count(at, 1, anchor)?;
        if self.stack.len() >= MAX_DEPTH {
            let what = format!("is nested more than {MAX_DEPTH} levels deep");
            return Err(ReadError::over_budget(at, &what));
        }
        let nodes_before = self.nodes - 1;
        self.stack.push(Frame { span: at, anchor, nodes_before, height: 0, body });
        Ok(())
    }

    fn close(&mut self) -> Result<(), ReadError> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        let nodes = self.nodes - frame.nodes_before;
        let node = match frame.body {
            Body::Seq(items) => Node::Seq(items),
            Body::Map(map) => Node::Map(merged(map)?),
        };
        self.complete(Spanned::new(node, frame.span), frame.anchor, nodes, frame.height + 1)
    }

    /// Repeats an anchored node where its alias stands.
    fn alias(&mut self, anchor: usize, at: Span) -> Result<(), ReadError> {
        self.aliases += 1;
        if self.aliases > MAX_ALIASES {
            let what = format!("uses more than {MAX_ALIASES} aliases");
            return Err(ReadError::over_budget(at, &what));
        }
        // The parser knows an anchor from where its node starts, so an alias may stand inside
        // the very node it names: a cycle, which no policy needs.
        if self.stack.iter().any(|frame| frame.anchor == anchor) {
            let message = "an alias stands inside the node its anchor names; \
                           use it after that node ends";
            return Err(ReadError::new(at, message));
        }
        // invariant: the parser refuses an alias to an anchor it has not seen.
        let no_anchor = || ReadError::new(at, "an alias names no anchor defined before it");
        let Some(&Anchored { nodes, height, .. }) = self.anchors.get(&anchor) else {
            return Err(no_anchor());
        };

        // Measured before it is copied: neither a bomb nor a deep chain of aliases takes any
        // memory before it is refused.
        if self.stack.len() + height > MAX_DEPTH {
            let what = format!("is nested more than {MAX_DEPTH} levels deep");
            return Err(ReadError::over_budget(at, &what));
        }
        self.count(at, nodes, 0)?;
        let node = self.anchors.get(&anchor).ok_or_else(no_anchor)?.node.clone();
        self.complete(node, 0, nodes, height)
    }

    /// Puts a finished node where it belongs: the root, a list's next item, a map's key or
    /// value.
    fn complete(
        &mut self,
        node: Spanned<Node>,
        anchor: usize,
        nodes: usize,
        height: usize,
    ) -> Result<(), ReadError> {
        if anchor != 0 {
            // The copy kept for aliases counts too, so that anchors nested in anchors cannot
            // hold more than the budget between them.
            self.count(node.span, nodes, 0)?;
            self.anchors.insert(anchor, Anchored { node: node.clone(), nodes, height });
        }
        let Some(frame) = self.stack.last_mut() else {
            self.root = Some(node);
            return Ok(());
        };
        frame.height = frame.height.max(height);
        match &mut frame.body {
            Body::Seq(items) => items.push(node),
            Body::Map(map) if map.merging => {
                map.merging = false;
                map.merges.push(node);
            }
            Body::Map(map) => match map.key.take() {
                Some(key) => map.entries.push((key, node)),
                None => map.key = Some(new_key(map, node)?),
            },
        }
        Ok(())
    }
}

/// A map key: a plain value (nothing is the empty key), not already in the map.
fn new_key(map: &mut MapBody, node: Spanned<Node>) -> Result<Spanned<String>, ReadError> {
    let text = match node.value {
        Node::Scalar(text) => text,
        Node::Null => String::new(),
        other => {
            let message = format!("a map key must be a plain value, not {}", other.describe());
            return Err(ReadError::new(node.span, message));
        }
    };

    let repeated = match &mut map.seen {
        Some(seen) => !seen.insert(text.clone()),
        None => {
            let repeated = map.entries.iter().any(|(key, _)| key.value == text);
            if map.entries.len() >= KEYS_SCANNED {
                let keys = map.entries.iter().map(|(key, _)| key.value.clone());
                map.seen = Some(keys.chain([text.clone()]).collect());
            }
            repeated
        }
    };
    if repeated {
        return Err(ReadError::new(node.span, format!("the key `{text}` is repeated")));
    }
    Ok(Spanned::new(text, node.span))
}

/// A map's own entries, then those its merge keys bring that it does not already have (an
/// earlier merged map wins over a later one).
fn merged(map: MapBody) -> Result<Entries, ReadError> {
    let MapBody { mut entries, merges, .. } = map;
    if merges.is_empty() {
        return Ok(entries);
    }

    let mut present: HashSet<String> = entries.iter().map(|(key, _)| key.value.clone()).collect();
    for source in merges {
        let maps = match source.value {
            Node::Map(entries) => vec![entries],
            Node::Seq(items) => {
                let mut maps = Vec::with_capacity(items.len());
                for item in items {
                    match item.value {
                        Node::Map(entries) => maps.push(entries),
                        other => return Err(not_mergeable(item.span, &other)),
                    }
                }
                maps
            }
            other => return Err(not_mergeable(source.span, &other)),
        };
        for (key, value) in maps.into_iter().flatten() {
            if present.insert(key.value.clone()) {
                entries.push((key, value));
            }
        }
    }
    Ok(entries)
}

fn not_mergeable(span: Span, node: &Node) -> ReadError {
    let message = format!("`<<` merges a map or a list of maps, not {}", node.describe());
    ReadError::new(span, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(source: &str) -> Node {
        read(source).unwrap_or_else(|error| panic!("{source:?}: {}", error.message)).value
    }

    fn refusal(source: &str) -> (u32, u32, String) {
        let error = read(source).expect_err("refused");
        (error.span.line, error.span.column, error.message)
    }

    fn scalar(text: &str) -> Node {
        Node::Scalar(text.to_owned())
    }

    /// The map's keys and values, without positions.
    fn entries(node: &Node) -> Vec<(String, Node)> {
        let Node::Map(entries) = node else { panic!("not a map: {node:?}") };
        entries.iter().map(|(key, value)| (key.value.clone(), value.value.clone())).collect()
    }

    #[test]
    fn scalars_keep_their_text_and_only_plain_null_forms_are_nothing() {
        let node = tree(
            "a: 0x1F\nb: 007\nc: 1_000\nd: on\ne: 1.0\nf: ~\ng:\nh: null\ni: '~'\nj: \"\"\n\
                  k: True\nl: FALSE\nm: 'True'\n",
        );
        let expected = [
            ("a", scalar("0x1F")),
            ("b", scalar("007")),
            ("c", scalar("1_000")),
            ("d", scalar("on")),
            ("e", scalar("1.0")),
            ("f", Node::Null),
            ("g", Node::Null),
            ("h", Node::Null),
            ("i", scalar("~")),
            ("j", scalar("")),
            ("k", scalar("true")),
            ("l", scalar("false")),
            ("m", scalar("True")),
        ];
        let expected: Vec<(String, Node)> =
            expected.into_iter().map(|(key, node)| (key.to_owned(), node)).collect();
        assert_eq!(entries(&node), expected);
    }

    #[test]
    fn positions_are_where_each_node_starts() {
        let root = read("top:\n  - x\n  - { k: v }\n").expect("reads");
        assert_eq!((root.span.line, root.span.column), (1, 1));
        let Node::Map(entries) = &root.value else { panic!("a map") };
        let (key, list) = &entries[0];
        assert_eq!((key.span.line, key.span.column), (1, 1));
        let Node::Seq(items) = &list.value else { panic!("a list") };
        let spans: Vec<(u32, u32)> = items.iter().map(|i| (i.span.line, i.span.column)).collect();
        assert_eq!(spans, [(2, 5), (3, 5)]);
    }

    #[test]
    fn an_empty_text_is_nothing_where_it_ends() {
        for (source, line) in [("", 1), ("\n\n", 3), ("# only a comment\n", 2)] {
            let root = read(source).expect("reads");
            assert_eq!(root.value, Node::Null, "{source:?}");
            assert_eq!(root.span.line, line, "{source:?}");
        }
    }

    #[test]
    fn aliases_repeat_their_anchor() {
        let node = tree("base: &b [x, y]\ncopy: *b\n");
        let list = Node::Seq(vec![
            Spanned::new(scalar("x"), Span::new(1, 10)),
            Spanned::new(scalar("y"), Span::new(1, 13)),
        ]);
        assert_eq!(entries(&node), [("base".into(), list.clone()), ("copy".into(), list)]);
    }

    #[test]
    fn merge_keys_bring_entries_the_map_does_not_have() {
        let source = "d: &d { a: 1, b: 2 }\ne: &e { b: 3, c: 4 }\n\
                      m: { <<: [*d, *e], a: own }\nn: { a: own, <<: *d }\n";
        let node = tree(source);
        let found = entries(&node);
        let m: Vec<(String, Node)> = entries(&found[2].1);
        let n: Vec<(String, Node)> = entries(&found[3].1);
        let expected = |pairs: &[(&str, &str)]| -> Vec<(String, Node)> {
            pairs.iter().map(|(key, value)| ((*key).to_owned(), scalar(value))).collect()
        };
        // The map's own `a` wins, and the first merged map's `b` over the second's.
        assert_eq!(m, expected(&[("a", "own"), ("b", "2"), ("c", "4")]));
        assert_eq!(n, expected(&[("a", "own"), ("b", "2")]));
        // A quoted `<<` is an ordinary key.
        assert_eq!(entries(&tree("'<<': x\n")), [("<<".to_owned(), scalar("x"))]);
    }

    #[test]
    fn a_merge_of_anything_but_maps_is_refused() {
        for (source, found) in [
            ("m: { <<: x }\n", "a single value"),
            ("m: { <<: [{}, y] }\n", "a single value"),
            ("m: { <<: [[]] }\n", "a list"),
        ] {
            let (line, _, message) = refusal(source);
            assert_eq!(line, 1);
            assert_eq!(message, format!("`<<` merges a map or a list of maps, not {found}"));
        }
    }

    #[test]
    fn repeated_keys_are_refused_in_small_and_large_maps() {
        assert_eq!(refusal("a: 1\nb: 2\na: 3\n"), (3, 1, "the key `a` is repeated".into()));
        let mut large: String = (0..40).map(|i| format!("k{i}: v\n")).collect();
        large.push_str("k7: again\n");
        assert_eq!(refusal(&large), (41, 1, "the key `k7` is repeated".into()));
        // the same key in two maps is no repeat
        tree("a: { k: 1 }\nb: { k: 2 }\n");
    }

    #[test]
    fn keys_must_be_plain_values() {
        let (line, column, message) = refusal("? { a: 1 }\n: v\n");
        assert_eq!((line, column), (1, 3));
        assert_eq!(message, "a map key must be a plain value, not a map");
    }

    #[test]
    fn aliases_are_measured_for_depth_and_cycles_are_refused() {
        let nest = |levels: usize, inner: &str| {
            format!("{}{inner}{}", "[".repeat(levels), "]".repeat(levels))
        };
        let mut chain = format!("a0: &a0 {}\n", nest(10, "x"));
        for i in 1..3 {
            chain.push_str(&format!("a{i}: &a{i} {}\n", nest(10, &format!("*a{}", i - 1))));
        }
        // 1 map and 10 lists around an alias to 30 levels: 41, over the 32 allowed
        tree(&chain);
        chain.push_str(&format!("a3: {}\n", nest(10, "*a2")));
        let (line, column, message) = refusal(&chain);
        assert_eq!((line, column), (4, 15));
        assert_eq!(
            message,
            "the document is nested more than 32 levels deep, more than a policy needs"
        );

        let (_, _, message) = refusal("a: &x [1, *x]\n");
        assert_eq!(
            message,
            "an alias stands inside the node its anchor names; use it after that node ends"
        );
    }

    #[test]
    fn an_anchors_copy_counts_against_the_budget() {
        // 2,000,000 items in one anchored list: the list and the copy kept for its aliases
        // make 4,000,000 nodes, over the 3,000,000 allowed
        let items = vec!["1"; 2_000_000].join(",");
        let (_, _, message) = refusal(&format!("a: &big [{items}]\n"));
        assert_eq!(message, "the document is too large, more than a policy needs");
        tree(&format!("a: [{items}]\n"));
    }

    #[test]
    fn a_tagged_merge_key_is_an_ordinary_key() {
        let node = tree("m: { !k << : x }\n");
        let found = entries(&node);
        assert_eq!(entries(&found[0].1), [("<<".to_owned(), scalar("x"))]);
    }

    #[test]
    fn a_second_document_is_refused() {
        let (line, _, message) = refusal("a: 1\n---\nb: 2\n");
        assert_eq!(line, 2);
        assert_eq!(message, "the file holds more than one YAML document; a policy is one");
    }

    #[test]
    fn an_alias_bomb_is_refused_before_it_is_built() {
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = format!("*a{}", i - 1);
            let items = [prev.as_str(); 10].join(", ");
            bomb.push_str(&format!("a{i}: &a{i} [{items}]\n"));
        }
        let (_, _, message) = refusal(&bomb);
        assert_eq!(message, "the document is too large, more than a policy needs");
    }
}
