//! Formatting DSL source ([`format`]): the canonical layout of [`print`](super::print), with
//! the author's comments kept beside the code they were written beside.
//!
//! The parser drops comments, so they are read here from the source lines and hung on the
//! statement, catalogue entry, scheme setting or closing brace that follows them; a comment
//! after code stays at the end of that code's line. The printer then lays the document out
//! line by line ([`lines`]) and each line takes its comments along, wherever the canonical
//! order puts it. `format(format(x)) == format(x)`, and the output reads back as the same
//! document as `x`; the tests in `tests/cli_fmt.rs` hold it to both.

use std::collections::BTreeMap;

use pest::Parser as _;
use pest::iterators::Pair;

use super::grammar::{PolicyParser, Rule as G};
use super::print::{Line, lines};
use super::{LineIndex, parse};
use crate::error::Diagnostic;
use crate::model::Document;

/// Rewrites DSL policy text in the canonical layout, keeping its comments.
///
/// The layout is the one [`print`](super::print) writes: `version`, `realm`, `scopes`, the
/// schemes, `default`, then the routes in aligned columns; four-space indents inside braces;
/// one blank line between blocks; settings a scheme states at their default value left out.
/// Comments are kept:
///
/// - a comment on a line of its own goes with the next thing in the file (a statement, an
///   entry of `scopes { }`, a scheme setting, or the block's closing `}`) and is printed
///   above it, at its indent, even where the canonical order moves it; comments after the
///   last statement stay at the end of the file;
/// - a comment after code stays at the end of that code's first line, two spaces after it;
/// - among comments, and between comments and their statement, a run of blank lines
///   becomes one blank line; blank lines with no comment next to them are the layout's.
///
/// A comment's text is kept as written, trailing spaces aside. Formatting is idempotent,
/// and the result parses to a document equal to the input's.
///
/// # Errors
/// The diagnostics [`parse`](super::parse) reports when the text is not a valid policy.
pub fn format(source: &str) -> Result<String, Vec<Diagnostic>> {
    let doc = parse(source)?;
    let (mut notes, mut end) = attach(source, &anchors(source, &doc));

    let mut out = Writer::default();
    for (line, text) in lines(&doc) {
        if line == Line::Blank {
            out.blank();
            continue;
        }
        let Notes { before, after } = notes.remove(&line).unwrap_or_default();
        let closing = matches!(line, Line::ScopesEnd | Line::SchemeEnd(_));
        let inner = closing || matches!(line, Line::Scope(_) | Line::Setting(..));
        out.comments(&before, if inner { "    " } else { "" }, closing);
        let opening = text.ends_with('{');
        let text = match after {
            Some(comment) => format!("{text}  {comment}"),
            None => text,
        };
        out.line(text, opening);
    }
    // Every anchor is a printed line, so nothing is left; were anything left, it is kept.
    for (_, Notes { before, after }) in notes {
        end.extend(before);
        end.extend(after.map(Item::Comment));
    }
    out.comments(&end, "", true);
    Ok(out.finish())
}

/// A line of the source that is not code, as kept before the code after it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Item {
    /// One or more blank lines.
    Blank,
    /// A comment, from its `#`, trailing spaces removed.
    Comment(String),
}

/// The comments that go with one printed line.
#[derive(Debug, Default)]
struct Notes {
    /// Comment lines (and blank lines among them) above it.
    before: Vec<Item>,
    /// The comment at the end of its line.
    after: Option<String>,
}

/// Where each printed line begins in the source: its 1-based line number, in source order.
/// Scheme settings left out of the canonical layout (a default value written out) have no
/// printed line and so are no anchor; their comments go to the next anchor.
fn anchors(source: &str, doc: &Document) -> Vec<(u32, Line)> {
    let index = LineIndex::new(source);
    let line_of = |offset: usize| index.span(offset).line;
    // `parse` has read the same text without error, so the grammar accepts it.
    let Some(policy) = PolicyParser::parse(G::policy, source).ok().and_then(|mut p| p.next())
    else {
        return Vec::new();
    };

    let mut anchors = Vec::new();
    let (mut schemes, mut routes) = (0, 0);
    for statement in policy.into_inner() {
        let start = line_of(statement.as_span().start());
        let last = line_of(statement.as_span().end().saturating_sub(1));
        match statement.as_rule() {
            G::version => anchors.push((start, Line::Version)),
            G::realm => anchors.push((start, Line::Realm)),
            G::default => anchors.push((start, Line::Default)),
            G::route => {
                anchors.push((start, Line::Route(routes)));
                routes += 1;
            }
            G::scopes => {
                anchors.push((start, Line::Scopes));
                for (i, decl) in statement.into_inner().enumerate() {
                    anchors.push((line_of(decl.as_span().start()), Line::Scope(i)));
                }
                anchors.push((last, Line::ScopesEnd));
            }
            G::scheme => {
                anchors.push((start, Line::Scheme(schemes)));
                let settings = doc.schemes.get(schemes).map(|s| s.settings()).unwrap_or_default();
                for field in statement.into_inner().filter(|p| p.as_rule() == G::field) {
                    let key = field_key(&field);
                    if let Some(&(printed, _)) = settings.iter().find(|(k, _)| *k == key) {
                        let line = line_of(field.as_span().start());
                        anchors.push((line, Line::Setting(schemes, printed)));
                    }
                }
                anchors.push((last, Line::SchemeEnd(schemes)));
                schemes += 1;
            }
            _ => {}
        }
    }
    anchors
}

fn field_key<'i>(field: &Pair<'i, G>) -> &'i str {
    field.clone().into_inner().next().map_or("", |key| key.as_str())
}

/// Hangs the source's comment lines on the anchors: the notes of each anchor, and those
/// left after the last one (the end of the file).
fn attach(source: &str, anchors: &[(u32, Line)]) -> (BTreeMap<Line, Notes>, Vec<Item>) {
    let mut notes = BTreeMap::new();
    let mut pending = Vec::new();
    let mut next = anchors.iter().peekable();

    for (number, text) in (1u32..).zip(source.split('\n')) {
        let (code, comment) = split_comment(text);
        let comment = comment.map(|c| c.trim_end().to_owned());
        let mut first = None;
        while let Some(&&(line, anchor)) = next.peek() {
            if line > number {
                break;
            }
            first = first.or((line == number).then_some(anchor));
            next.next();
        }

        if code.trim().is_empty() {
            pending.push(comment.map_or(Item::Blank, Item::Comment));
            continue;
        }
        match first {
            Some(anchor) => {
                let before = tidy(std::mem::take(&mut pending));
                notes.insert(anchor, Notes { before, after: comment });
            }
            // Code that is printed nowhere (a setting at its default): its comment moves
            // up to the comments of the next anchor.
            None => pending.extend(comment.map(Item::Comment)),
        }
    }
    (notes, tidy(pending))
}

/// Blank lines only matter among comments: none when there is no comment, and one for a
/// run of them.
fn tidy(mut items: Vec<Item>) -> Vec<Item> {
    if !items.iter().any(|item| matches!(item, Item::Comment(_))) {
        return Vec::new();
    }
    items.dedup_by(|a, b| *a == Item::Blank && *b == Item::Blank);
    items
}

/// Splits a source line into its code and its comment (from the `#` on). A `#` inside a
/// quoted string is text; strings cannot span lines, so each line is read on its own.
fn split_comment(line: &str) -> (&str, Option<&str>) {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let mut in_string = false;
    let mut escaped = false;
    for (at, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '#' if !in_string => return (&line[..at], Some(&line[at..])),
            _ => {}
        }
    }
    (line, None)
}

/// The output, line by line, keeping blank lines where the layout allows them: never two
/// in a row, never first, never right after an opening `{` or right before a closing `}`.
#[derive(Default)]
struct Writer {
    lines: Vec<String>,
    after_opening: bool,
}

impl Writer {
    fn line(&mut self, text: String, opening: bool) {
        self.lines.push(text);
        self.after_opening = opening;
    }

    fn blank(&mut self) {
        let allowed = self.lines.last().is_some_and(|last| !last.is_empty());
        if allowed && !self.after_opening {
            self.lines.push(String::new());
        }
    }

    /// Comment lines at `indent`; `closing` when what follows is a `}` or the end of the
    /// file, before which a blank line is not kept.
    fn comments(&mut self, items: &[Item], indent: &str, closing: bool) {
        let items = match items {
            [init @ .., Item::Blank] if closing => init,
            _ => items,
        };
        for item in items {
            match item {
                Item::Blank => self.blank(),
                Item::Comment(text) => self.line(format!("{indent}{text}"), false),
            }
        }
    }

    fn finish(self) -> String {
        let mut out = self.lines.join("\n");
        out.push('\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_inside_a_string_is_not_a_comment() {
        assert_eq!(split_comment(r##"realm "a#b" # c"##), (r##"realm "a#b" "##, Some("# c")));
        assert_eq!(split_comment(r##"realm "a\"#b""##), (r##"realm "a\"#b""##, None));
        assert_eq!(split_comment(r##"realm "a\\"#b"##), (r##"realm "a\\""##, Some("#b")));
        assert_eq!(split_comment("# only\r"), ("", Some("# only")));
        assert_eq!(split_comment("GET /a public"), ("GET /a public", None));
    }

    #[test]
    fn blank_lines_count_only_among_comments() {
        let c = |text: &str| Item::Comment(text.to_owned());
        assert_eq!(tidy(vec![Item::Blank, Item::Blank]), []);
        assert_eq!(
            tidy(vec![Item::Blank, Item::Blank, c("# a"), Item::Blank, Item::Blank, c("# b")]),
            [Item::Blank, c("# a"), Item::Blank, c("# b")]
        );
    }

    #[test]
    fn a_comment_on_a_default_setting_moves_to_the_next_setting() {
        let source = "version 1\nrealm \"r\"\nscheme s: jwt {\n    keys.jwks_file \"k.json\"\n\
                      \x20   algorithms RS256\n    # no leeway\n    leeway 0s  # really none\n\
                      \x20   typ \"at+jwt\"\n}\n";
        let formatted = format(source).expect("formats");
        assert!(formatted.contains("    # no leeway\n    # really none\n    typ \"at+jwt\"\n"));
        assert!(!formatted.contains("leeway 0s"), "{formatted}");
    }
}
