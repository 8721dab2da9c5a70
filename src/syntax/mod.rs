//! The policy DSL: reading it into the model ([`parse`]), writing the model as DSL
//! ([`print`]), and rewriting DSL text in the canonical layout with its comments kept
//! ([`format`]).
//!
//! The grammar lives in `grammar/policy.pest`. Pest's pairs never leave this module: the
//! builder below walks them once and produces a [`Document`], reporting every problem it
//! finds in scheme bodies and route patterns rather than stopping at the first.

mod format;
mod grammar;
mod print;

pub use format::format;
pub use print::print;

use std::cell::Cell;

use pest::Parser as _;
use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pair;

use crate::error::Diagnostic;
use crate::model::{
    AllowRule, Alternative, Document, FieldValue, RouteDecl, RoutePattern, Rule, SchemeDecl,
    SchemeField, SchemeFields, ScopeDecl, ScopeMatch, ScopeRequirement, Span, Spanned,
    scheme_from_fields,
};
use grammar::{PolicyParser, Rule as G};

/// Why a DSL policy could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SyntaxError {
    /// The text does not follow the grammar.
    #[error("expected {expected}")]
    Unexpected {
        /// What the grammar would have accepted here, in words.
        expected: String,
    },
    /// A statement that must appear once is missing.
    #[error("the policy has no `{0}` line")]
    Missing(&'static str),
    /// A statement that may appear once appears again.
    #[error("`{0}` is given twice")]
    Repeated(&'static str),
    /// A number too large to be a version.
    #[error("`{0}` is not a valid version number")]
    BadNumber(String),
    /// The file is not UTF-8; the span is the first bad byte.
    #[error("the policy is not valid UTF-8")]
    NotUtf8,
    /// The file is larger than [`MAX_POLICY_BYTES`](crate::MAX_POLICY_BYTES).
    #[error("the policy is {bytes} bytes; the limit is {limit}")]
    TooLarge {
        /// The file's size (or the limit plus one, when reading stopped there).
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// A scheme setting's key with more dotted parts than [`MAX_KEY_PARTS`]: each part
    /// nests the setting one level deeper, and no setting is more than two parts deep.
    #[error("the key has {parts} dotted parts; the limit is {limit}")]
    KeyTooDeep {
        /// The key's parts.
        parts: usize,
        /// The limit.
        limit: usize,
    },
    /// A file whose extension names no syntax.
    #[error("cannot tell the policy's syntax from its file name")]
    UnknownExtension,
}

impl SyntaxError {
    /// How to put the mistake right, when the message alone does not say.
    pub fn help(&self) -> Option<String> {
        match self {
            SyntaxError::Missing("version") => Some("start the file with `version 1`".into()),
            SyntaxError::UnknownExtension => {
                Some("name DSL policies `*.policy` and YAML policies `*.yaml` or `*.yml`".into())
            }
            SyntaxError::Missing(_) => {
                Some("name the realm used in challenges: `realm \"api.example.com\"`".into())
            }
            _ => None,
        }
    }
}

/// The most dotted parts a scheme setting's key may have (`keys.jwks_file` has two). Each
/// part nests the setting one level deeper in the model; the bound is the YAML reader's
/// nesting limit, so that neither syntax can build a deeper document than the other.
pub const MAX_KEY_PARTS: usize = 32;

/// Reads a DSL policy into the model.
///
/// Text over [`MAX_POLICY_BYTES`](crate::MAX_POLICY_BYTES) is refused unread, as
/// [`crate::parse`] refuses it. The grammar has no recursive rule, so no input can make the
/// parser nest deeper than the grammar itself does: bracketed input such as `((((a))))` is
/// a grammar error at the second `(`.
///
/// # Errors
/// Every problem found, in file order. A grammar error stops reading, so it comes alone.
pub fn parse(source: &str) -> Result<Document, Vec<Diagnostic>> {
    if source.len() > crate::MAX_POLICY_BYTES {
        let limit = crate::MAX_POLICY_BYTES;
        let error = SyntaxError::TooLarge { bytes: source.len(), limit };
        return Err(vec![Diagnostic::new(Span::new(1, 1), error)]);
    }
    let lines = LineIndex::new(source);
    let mut pairs = PolicyParser::parse(G::policy, source)
        .map_err(|error| vec![grammar_error(&error, &lines)])?;
    let Some(policy) = pairs.next() else {
        return Err(vec![Diagnostic::new(Span::new(1, 1), SyntaxError::Missing("version"))]);
    };

    let mut builder = Builder { lines: &lines, errors: Vec::new(), doc: Draft::default() };
    for statement in policy.into_inner() {
        builder.statement(statement);
    }
    builder.finish()
}

/// What the builder has collected so far; the required parts are optional until the end.
#[derive(Default)]
struct Draft {
    version: Option<Spanned<u32>>,
    realm: Option<Spanned<String>>,
    scopes: Option<Vec<ScopeDecl>>,
    schemes: Vec<SchemeDecl>,
    default: Option<Spanned<Rule>>,
    routes: Vec<RouteDecl>,
}

struct Builder<'a> {
    lines: &'a LineIndex<'a>,
    errors: Vec<Diagnostic>,
    doc: Draft,
}

impl Builder<'_> {
    fn span(&self, pair: &Pair<'_, G>) -> Span {
        self.lines.span(pair.as_span().start())
    }

    fn error(&mut self, span: Span, error: impl Into<crate::error::PolicyError>) {
        self.errors.push(Diagnostic::new(span, error));
    }

    fn spanned(&self, pair: &Pair<'_, G>) -> Spanned<String> {
        Spanned::new(pair.as_str().to_owned(), self.span(pair))
    }

    fn statement(&mut self, pair: Pair<'_, G>) {
        let span = self.span(&pair);
        match pair.as_rule() {
            G::version => self.version(pair, span),
            G::realm => {
                let realm = pair.into_inner().next().map(|text| self.text(text));
                if self.doc.realm.is_some() {
                    self.error(span, SyntaxError::Repeated("realm"));
                }
                self.doc.realm = realm.map(|r| Spanned::new(r, span));
            }
            G::scopes => {
                if self.doc.scopes.is_some() {
                    self.error(span, SyntaxError::Repeated("scopes"));
                }
                let decls = pair.into_inner().map(|decl| self.scope_decl(decl)).collect();
                self.doc.scopes = Some(decls);
            }
            G::scheme => self.scheme(pair),
            G::default => {
                if self.doc.default.is_some() {
                    self.error(span, SyntaxError::Repeated("default"));
                }
                if let Some(rule) = pair.into_inner().next() {
                    self.doc.default = Some(Spanned::new(self.rule(rule), span));
                }
            }
            G::route => self.route(pair, span),
            _ => {}
        }
    }

    fn version(&mut self, pair: Pair<'_, G>, span: Span) {
        let text = pair.into_inner().as_str();
        match text.parse::<u32>() {
            Ok(number) if self.doc.version.is_none() => {
                self.doc.version = Some(Spanned::new(number, span));
            }
            Ok(_) => self.error(span, SyntaxError::Repeated("version")),
            Err(_) => self.error(span, SyntaxError::BadNumber(text.to_owned())),
        }
    }

    fn scope_decl(&mut self, pair: Pair<'_, G>) -> ScopeDecl {
        let mut scopes = pair.into_inner().map(|scope| self.spanned(&scope));
        let name = scopes.next().unwrap_or_else(|| Spanned::new(String::new(), Span::default()));
        ScopeDecl { name, implies: scopes.collect() }
    }

    fn scheme(&mut self, pair: Pair<'_, G>) {
        let mut parts = pair.into_inner();
        let (Some(name), Some(kind)) = (parts.next(), parts.next()) else {
            return;
        };
        let fields = self.fields(parts);
        let body =
            SchemeFields { name: self.spanned(&name), kind: Some(self.spanned(&kind)), fields };

        match scheme_from_fields(&body) {
            Ok((config, clients)) => {
                self.doc.schemes.push(SchemeDecl { name: body.name, config, clients });
            }
            Err(errors) => {
                for (span, error) in errors {
                    self.error(span, error);
                }
            }
        }
    }

    /// Turns `key value, value` lines into fields; a dotted key `keys.jwks_file` becomes a
    /// nested field, as the same key would be in YAML.
    fn fields<'i>(&mut self, pairs: impl Iterator<Item = Pair<'i, G>>) -> Vec<SchemeField> {
        let mut fields: Vec<SchemeField> = Vec::new();
        for field in pairs {
            let mut parts = field.into_inner();
            let (Some(key), Some(values)) = (parts.next(), parts.next()) else {
                continue;
            };
            let key_span = self.span(&key);
            let parts = key.as_str().split('.').count();
            if parts > MAX_KEY_PARTS {
                let error = SyntaxError::KeyTooDeep { parts, limit: MAX_KEY_PARTS };
                self.errors.push(Diagnostic::new(key_span, error));
                continue;
            }
            let value = Spanned::new(self.values(values.clone()), self.span(&values));

            let mut path = key.as_str().split('.').peekable();
            let mut siblings = &mut fields;
            while let Some(part) = path.next() {
                let part = Spanned::new(part.to_owned(), key_span);
                if path.peek().is_none() {
                    siblings.push(SchemeField { key: part, value: value.clone() });
                    break;
                }
                // Always a map: `nested` finds or makes one.
                let Some(inner) = nested(siblings, part) else { break };
                siblings = inner;
            }
        }
        fields
    }

    fn values(&self, pair: Pair<'_, G>) -> FieldValue {
        let mut items: Vec<Spanned<String>> = pair
            .into_inner()
            .map(|value| {
                let span = self.span(&value);
                let text = match value.as_rule() {
                    G::text => self.text(value),
                    _ => value.as_str().to_owned(),
                };
                Spanned::new(text, span)
            })
            .collect();
        match items.len() {
            1 => FieldValue::Scalar(items.remove(0).value),
            _ => FieldValue::List(items),
        }
    }

    /// The contents of a quoted string with its escapes resolved. The grammar admits only
    /// well-formed escapes, so the one failure left is a `\uXXXX` naming half a surrogate
    /// pair, which becomes U+FFFD (the model's checks then refuse any name holding it).
    fn text(&self, pair: Pair<'_, G>) -> String {
        let inner = pair.into_inner().next().map_or("", |inner| inner.as_str());
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('u') => {
                    let hex: String = chars.by_ref().take(4).collect();
                    let code = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                    out.push(code.unwrap_or(char::REPLACEMENT_CHARACTER));
                }
                Some(other) => out.push(other),
                None => {}
            }
        }
        out
    }

    fn route(&mut self, pair: Pair<'_, G>, span: Span) {
        let mut parts = pair.into_inner();
        let (Some(methods), Some(path), Some(rule)) = (parts.next(), parts.next(), parts.next())
        else {
            return;
        };
        let rule = self.rule(rule);
        match RoutePattern::from_parts(methods.as_str(), path.as_str()) {
            Ok(pattern) => {
                self.doc.routes.push(RouteDecl { pattern: Spanned::new(pattern, span), rule });
            }
            Err(error) => self.error(span, error),
        }
    }

    fn rule(&mut self, pair: Pair<'_, G>) -> Rule {
        match pair.as_rule() {
            G::public => Rule::Public { reason: pair.into_inner().next().map(|t| self.text(t)) },
            G::allow => {
                let mut alternatives = Vec::new();
                let mut scopes = None;
                for part in pair.into_inner() {
                    match part.as_rule() {
                        G::scheme_set => alternatives
                            .push(Alternative { schemes: self.scheme_set(part), scopes: None }),
                        G::group => alternatives.push(self.group(part)),
                        _ => scopes = Some(self.requirement(part)),
                    }
                }
                Rule::Allow(AllowRule { alternatives, scopes })
            }
            _ => Rule::Deny,
        }
    }

    fn scheme_set(&self, pair: Pair<'_, G>) -> Vec<Spanned<String>> {
        pair.into_inner().map(|name| self.spanned(&name)).collect()
    }

    /// `(schemes scopes ...)`: an alternative with a requirement of its own.
    fn group(&self, pair: Pair<'_, G>) -> Alternative {
        let mut alternative = Alternative { schemes: Vec::new(), scopes: None };
        for part in pair.into_inner() {
            match part.as_rule() {
                G::scheme_set => alternative.schemes = self.scheme_set(part),
                _ => alternative.scopes = Some(self.requirement(part)),
            }
        }
        alternative
    }

    fn requirement(&self, pair: Pair<'_, G>) -> ScopeRequirement {
        // `any_scopes` and `scopes` are silent in the grammar: the first word tells them apart.
        let mode =
            if pair.as_str().starts_with("any_scopes") { ScopeMatch::Any } else { ScopeMatch::All };
        ScopeRequirement { mode, scopes: pair.into_inner().map(|s| self.spanned(&s)).collect() }
    }

    fn finish(mut self) -> Result<Document, Vec<Diagnostic>> {
        let end = Span::new(1, 1);
        if self.doc.version.is_none() {
            self.error(end, SyntaxError::Missing("version"));
        }
        if self.doc.realm.is_none() {
            self.error(end, SyntaxError::Missing("realm"));
        }

        let draft = self.doc;
        match (draft.version, draft.realm) {
            (Some(version), Some(realm)) if self.errors.is_empty() => Ok(Document {
                version,
                realm,
                scopes: draft.scopes,
                schemes: draft.schemes,
                default: draft.default,
                routes: draft.routes,
            }),
            _ => {
                self.errors.sort_by_key(|d| d.span);
                Err(self.errors)
            }
        }
    }
}

/// The nested field list under `key` among `siblings`, created if absent (so never `None`).
fn nested(siblings: &mut Vec<SchemeField>, key: Spanned<String>) -> Option<&mut Vec<SchemeField>> {
    let position = siblings
        .iter()
        .position(|f| f.key.value == key.value && matches!(f.value.value, FieldValue::Map(_)));
    let field = match position {
        Some(index) => siblings.get_mut(index),
        None => {
            let value = Spanned::new(FieldValue::Map(Vec::new()), key.span);
            siblings.push(SchemeField { key, value });
            siblings.last_mut()
        }
    };
    match field.map(|field| &mut field.value.value) {
        Some(FieldValue::Map(fields)) => Some(fields),
        _ => None,
    }
}

fn grammar_error(error: &pest::error::Error<G>, lines: &LineIndex) -> Diagnostic {
    let offset = match error.location {
        InputLocation::Pos(offset) | InputLocation::Span((offset, _)) => offset,
    };
    // A path runs to the next space, tab or line feed, so on a `\r\n` line that ends after
    // its path the parse fails at the `\n`; the author's line ends at the `\r`.
    let source = lines.source.as_bytes();
    let at_crlf = source.get(offset) == Some(&b'\n')
        && offset.checked_sub(1).and_then(|before| source.get(before)) == Some(&b'\r');
    let offset = if at_crlf { offset - 1 } else { offset };
    let expected = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => describe(positives),
        ErrorVariant::CustomError { message } => message.clone(),
    };
    Diagnostic::new(lines.span(offset), SyntaxError::Unexpected { expected })
}

/// Names the grammar rules a parse could have continued with, in the author's words.
fn describe(rules: &[G]) -> String {
    let mut words: Vec<&str> = rules
        .iter()
        .map(|expected| match expected {
            G::version => "`version`",
            G::realm => "`realm`",
            G::scopes => "`scopes`",
            G::scheme => "`scheme`",
            G::default => "`default`",
            G::route | G::methods => "a route (`METHOD /path rule`)",
            G::path => "a path beginning with `/`",
            G::public | G::deny | G::allow => "`public`, `deny` or `allow`",
            G::name | G::scheme_set | G::group => "a scheme name",
            G::requirement => "`scopes` or `any_scopes`",
            G::scope | G::scope_decl => "a scope name",
            G::text | G::inner => "a quoted string",
            G::escape => "an escape (`\\\"`, `\\\\`, `\\n`, `\\t`, `\\r` or `\\uXXXX`)",
            G::integer => "a number",
            G::field | G::key => "a field name",
            G::values | G::word => "a value",
            G::EOI => "the end of the line",
            _ => "something else",
        })
        .collect();
    words.dedup();
    words.sort_unstable();
    words.dedup();
    match words.as_slice() {
        [] => "something else".into(),
        [one] => (*one).into(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Turns byte offsets into line and column, in time logarithmic in the number of lines
/// (pest's own `line_col` rescans the input from the start each time), and constant when
/// the offsets come in file order, as the builder asks for them.
pub(crate) struct LineIndex<'a> {
    source: &'a str,
    starts: Vec<usize>,
    /// Whether every character is one byte, so that a column is a byte count.
    ascii: bool,
    /// The line of the last offset asked for: the next one is most often on it.
    last_line: Cell<usize>,
}

impl<'a> LineIndex<'a> {
    pub(crate) fn new(source: &'a str) -> LineIndex<'a> {
        let mut starts = vec![0];
        starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { source, starts, ascii: source.is_ascii(), last_line: Cell::new(0) }
    }

    pub(crate) fn span(&self, offset: usize) -> Span {
        let line = self.line_of(offset);
        self.last_line.set(line);

        let start = self.starts.get(line).copied().unwrap_or(0);
        let column = if self.ascii {
            offset.saturating_sub(start) + 1
        } else {
            self.source.get(start..offset).map_or(1, |prefix| prefix.chars().count() + 1)
        };
        Span::new(to_u32(line + 1), to_u32(column))
    }

    /// The index of the line holding `offset`: the last line asked for or the one after it
    /// if either holds it, else found by bisection.
    fn line_of(&self, offset: usize) -> usize {
        let holds = |line: usize| {
            let start = self.starts.get(line).copied().unwrap_or(usize::MAX);
            let end = self.starts.get(line + 1).copied().unwrap_or(usize::MAX);
            start <= offset && offset < end
        };
        let last = self.last_line.get();
        if holds(last) {
            return last;
        }
        if holds(last + 1) {
            return last + 1;
        }
        self.starts.partition_point(|&start| start <= offset).saturating_sub(1)
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Line and column the slow way: count line breaks and characters before the offset.
    fn counted(source: &str, offset: usize) -> Span {
        let before = &source[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        Span::new(to_u32(line), to_u32(column))
    }

    #[test]
    fn spans_are_right_in_any_order_of_offsets() {
        for source in ["ab\ncd\n\nef", "é\nxé y\n\nzz€\n", "\n\n", "one line"] {
            let lines = LineIndex::new(source);
            let offsets: Vec<usize> =
                (0..=source.len()).filter(|&i| source.is_char_boundary(i)).collect();
            // In file order (the hint's case), backwards, and leaping about.
            let leaps = offsets.iter().step_by(3).chain(offsets.iter().rev().step_by(2));
            for &offset in offsets.iter().chain(offsets.iter().rev()).chain(leaps) {
                assert_eq!(lines.span(offset), counted(source, offset), "{source:?} at {offset}");
            }
        }
    }
}
