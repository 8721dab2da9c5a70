//! The YAML syntax: reading it into the model ([`parse`]) and writing the model as YAML
//! ([`print`]).
//!
//! The field names are exactly the model's. Reading happens in two steps: [`node`] builds a
//! tree of positioned nodes from the YAML parser's events, then the functions below check each
//! field, so that an unknown or misplaced field is reported with its line and a suggestion
//! instead of being ignored (a typo must never silently drop a requirement).

mod node;
mod print;

pub use print::print;

use crate::error::{Diagnostic, PolicyError};
use crate::model::{
    AllowRule, Alternative, Document, FieldValue, RouteDecl, RoutePattern, Rule, SchemeDecl,
    SchemeField, SchemeFields, ScopeDecl, ScopeMatch, ScopeRequirement, Span, Spanned,
    scheme_from_fields, suggest,
};
use node::Node;

/// Why a YAML policy could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum YamlError {
    /// The text is not YAML, or exceeds the reader's limits.
    #[error("invalid YAML: {0}")]
    Syntax(String),
    /// A field this place does not have.
    #[error("unknown field `{field}` in {place}")]
    UnknownField {
        /// What was written.
        field: String,
        /// Where it was written, in words (`a route`, `the policy`).
        place: &'static str,
        /// The closest known field, if any is close.
        suggestion: Option<&'static str>,
    },
    /// A required field is absent.
    #[error("{place} needs `{field}`")]
    MissingField {
        /// The field.
        field: &'static str,
        /// Where it is missing, in words.
        place: &'static str,
    },
    /// A value of the wrong shape.
    #[error("{} must be {expected}, not {found}", quote_field(field))]
    WrongShape {
        /// The field.
        field: &'static str,
        /// What it must be.
        expected: &'static str,
        /// What it is.
        found: &'static str,
    },
    /// Fields that cannot be given together.
    #[error("`{0}` and `{1}` cannot both be given")]
    Conflict(&'static str, &'static str),
    /// A route that says neither public, deny nor allow.
    #[error("a route needs one of `public`, `deny` or `allow`")]
    NoRule,
    /// `public: false` or `deny: false`.
    #[error("`{0}: false` says nothing")]
    FalseFlag(&'static str),
    /// `deny:` with something other than `true`.
    #[error("`deny` must be `true`")]
    DenyNotTrue,
    /// A file with no YAML document in it.
    #[error("the policy is empty")]
    Empty,
}

/// A field name in backticks; a description of a place (`the policy`) as it is.
fn quote_field(field: &str) -> String {
    if field.contains(' ') { field.to_owned() } else { format!("`{field}`") }
}

impl YamlError {
    /// How to put the mistake right, when the message alone does not say.
    pub fn help(&self) -> Option<String> {
        match self {
            YamlError::UnknownField { suggestion: Some(close), .. } => {
                Some(format!("did you mean `{close}`?"))
            }
            YamlError::FalseFlag(_) => Some("remove it and say what the route requires".into()),
            YamlError::Empty => Some("start with `version: 1` and `realm: ...`".into()),
            _ => None,
        }
    }
}

const POLICY_FIELDS: &[&str] = &["version", "realm", "scopes", "schemes", "default", "routes"];
const ROUTE_FIELDS: &[&str] = &["route", "public", "deny", "allow", "scopes", "any_scopes"];
const RULE_FIELDS: &[&str] = &["public", "deny", "allow", "scopes", "any_scopes"];
const ALTERNATIVE_FIELDS: &[&str] = &["scheme", "all", "scopes", "any_scopes"];

/// Reads a YAML policy into the model. Text over
/// [`MAX_POLICY_BYTES`](crate::MAX_POLICY_BYTES) is refused unread.
///
/// # Errors
/// Every problem found, in file order. A YAML syntax error stops reading, so it comes alone.
pub fn parse(source: &str) -> Result<Document, Vec<Diagnostic>> {
    if source.len() > crate::MAX_POLICY_BYTES {
        let limit = crate::MAX_POLICY_BYTES;
        let error = crate::syntax::SyntaxError::TooLarge { bytes: source.len(), limit };
        return Err(vec![Diagnostic::new(crate::model::Span::new(1, 1), error)]);
    }
    let root = match node::read(source) {
        Ok(root) => root,
        Err(error) => {
            return Err(vec![Diagnostic::new(error.span, YamlError::Syntax(error.message))]);
        }
    };

    let mut reader = Reader { errors: Vec::new() };
    let doc = reader.document(&root);
    match doc {
        Some(doc) if reader.errors.is_empty() => Ok(doc),
        _ => {
            reader.errors.sort_by_key(|d| d.span);
            Err(reader.errors)
        }
    }
}

type Entries = [(Spanned<String>, Spanned<Node>)];

struct Reader {
    errors: Vec<Diagnostic>,
}

impl Reader {
    fn error(&mut self, span: Span, error: impl Into<PolicyError>) {
        self.errors.push(Diagnostic::new(span, error));
    }

    fn map<'n>(&mut self, node: &'n Spanned<Node>, field: &'static str) -> Option<&'n Entries> {
        match &node.value {
            Node::Map(entries) => Some(entries),
            other => {
                let found = other.describe();
                self.error(node.span, YamlError::WrongShape { field, expected: "a map", found });
                None
            }
        }
    }

    /// Reports every key of `entries` not in `known`.
    fn refuse_unknown(&mut self, entries: &Entries, known: &[&'static str], place: &'static str) {
        for (key, _) in entries {
            if !known.contains(&key.value.as_str()) {
                let suggestion = suggest(&key.value, known.iter().copied());
                let field = key.value.clone();
                self.error(key.span, YamlError::UnknownField { field, place, suggestion });
            }
        }
    }

    fn text(&mut self, node: &Spanned<Node>, field: &'static str) -> Option<Spanned<String>> {
        match &node.value {
            Node::Scalar(text) => Some(Spanned::new(text.clone(), node.span)),
            other => {
                let (expected, found) = ("a single value", other.describe());
                self.error(node.span, YamlError::WrongShape { field, expected, found });
                None
            }
        }
    }

    /// A list of values; a single value stands for a list of one.
    fn list(&mut self, node: &Spanned<Node>, field: &'static str) -> Vec<Spanned<String>> {
        match &node.value {
            Node::Scalar(text) => vec![Spanned::new(text.clone(), node.span)],
            Node::Seq(items) => items.iter().filter_map(|item| self.text(item, field)).collect(),
            other => {
                let (expected, found) = ("a list of values", other.describe());
                self.error(node.span, YamlError::WrongShape { field, expected, found });
                Vec::new()
            }
        }
    }

    fn document(&mut self, root: &Spanned<Node>) -> Option<Document> {
        if root.value == Node::Null {
            return self.fail(root.span, YamlError::Empty);
        }
        let entries = self.map(root, "the policy")?;
        self.refuse_unknown(entries, POLICY_FIELDS, "the policy");

        let version = match field(entries, "version") {
            Some(node) => {
                // Digits only, as in the DSL: `u32::from_str` would also take `+1`.
                let number = |text: &str| {
                    let digits = text.bytes().all(|b| b.is_ascii_digit());
                    digits.then(|| text.parse::<u32>().ok()).flatten()
                };
                self.text(node, "version").and_then(|text| match number(&text.value) {
                    Some(number) => Some(Spanned::new(number, text.span)),
                    None => {
                        let (expected, found) = ("the number 1", "text");
                        let error = YamlError::WrongShape { field: "version", expected, found };
                        self.fail(text.span, error)
                    }
                })
            }
            None => self.missing(root.span, "version", "the policy"),
        };
        let realm = match field(entries, "realm") {
            Some(node) => self.text(node, "realm"),
            None => self.missing(root.span, "realm", "the policy"),
        };
        let scopes = field(entries, "scopes").map(|node| self.scopes(node));
        let schemes = field(entries, "schemes").map_or_else(Vec::new, |node| self.schemes(node));
        let default = field(entries, "default").and_then(|node| self.default(node));
        let routes = field(entries, "routes").map_or_else(Vec::new, |node| self.routes(node));

        Some(Document { version: version?, realm: realm?, scopes, schemes, default, routes })
    }

    fn missing<T>(&mut self, span: Span, field: &'static str, place: &'static str) -> Option<T> {
        self.error(span, YamlError::MissingField { field, place });
        None
    }

    fn scopes(&mut self, node: &Spanned<Node>) -> Vec<ScopeDecl> {
        let entries = match &node.value {
            Node::Map(entries) => entries,
            Node::Null => return Vec::new(),
            _ => {
                return self.map(node, "scopes").map(|_| Vec::new()).unwrap_or_default();
            }
        };

        let mut decls = Vec::new();
        for (name, body) in entries {
            let implies = match &body.value {
                Node::Null => Vec::new(),
                Node::Map(fields) => {
                    self.refuse_unknown(fields, &["implies"], "a scope");
                    field(fields, "implies").map_or_else(Vec::new, |n| self.list(n, "implies"))
                }
                other => {
                    let (expected, found) = ("a map like `{ implies: [...] }`", other.describe());
                    self.error(
                        body.span,
                        YamlError::WrongShape { field: "scopes", expected, found },
                    );
                    Vec::new()
                }
            };
            decls.push(ScopeDecl { name: name.clone(), implies });
        }
        decls
    }

    fn schemes(&mut self, node: &Spanned<Node>) -> Vec<SchemeDecl> {
        let Some(entries) = self.map(node, "schemes") else {
            return Vec::new();
        };

        let mut schemes = Vec::new();
        for (name, body) in entries {
            let Some(fields) = self.map(body, "a scheme") else {
                continue;
            };
            let body = SchemeFields {
                name: name.clone(),
                kind: field(fields, "type").and_then(|node| self.text(node, "type")),
                fields: fields
                    .iter()
                    .filter(|(key, _)| key.value != "type")
                    .map(|(key, value)| scheme_field(key, value))
                    .collect(),
            };
            match scheme_from_fields(&body) {
                Ok((config, clients)) => {
                    schemes.push(SchemeDecl { name: body.name, config, clients });
                }
                Err(errors) => {
                    for (span, error) in errors {
                        self.error(span, error);
                    }
                }
            }
        }
        schemes
    }

    fn default(&mut self, node: &Spanned<Node>) -> Option<Spanned<Rule>> {
        let rule = match &node.value {
            Node::Scalar(word) if word == "deny" => Rule::Deny,
            Node::Scalar(word) if word == "public" => Rule::Public { reason: None },
            Node::Map(entries) => {
                self.refuse_unknown(entries, RULE_FIELDS, "the default");
                self.rule(entries, node.span)?
            }
            other => {
                let (expected, found) = ("`deny`, `public` or a rule", other.describe());
                self.error(node.span, YamlError::WrongShape { field: "default", expected, found });
                return None;
            }
        };
        Some(Spanned::new(rule, node.span))
    }

    fn routes(&mut self, node: &Spanned<Node>) -> Vec<RouteDecl> {
        let Node::Seq(items) = &node.value else {
            let (expected, found) = ("a list", node.value.describe());
            self.error(node.span, YamlError::WrongShape { field: "routes", expected, found });
            return Vec::new();
        };

        let mut routes = Vec::new();
        for item in items {
            let Some(entries) = self.map(item, "a route") else {
                continue;
            };
            self.refuse_unknown(entries, ROUTE_FIELDS, "a route");
            let pattern = match field(entries, "route") {
                Some(node) => self.text(node, "route"),
                None => self.missing(item.span, "route", "a route"),
            };
            let pattern = pattern.and_then(|text| match RoutePattern::parse(&text.value) {
                Ok(pattern) => Some(Spanned::new(pattern, item.span)),
                Err(error) => {
                    self.error(text.span, error);
                    None
                }
            });
            let rule = self.rule(entries, item.span);
            if let (Some(pattern), Some(rule)) = (pattern, rule) {
                routes.push(RouteDecl { pattern, rule });
            }
        }
        routes
    }

    /// The rule part of a route or of the default: `public`, `deny` or `allow` + scopes.
    fn rule(&mut self, entries: &Entries, at: Span) -> Option<Rule> {
        let public = field(entries, "public");
        let deny = field(entries, "deny");
        let allow = field(entries, "allow");
        let requirement = self.requirement(entries);

        let given: Vec<&'static str> = [("public", public), ("deny", deny), ("allow", allow)]
            .into_iter()
            .filter_map(|(name, node)| node.map(|_| name))
            .collect();
        if let [first, second, ..] = given[..] {
            self.error(at, YamlError::Conflict(first, second));
            return None;
        }
        if allow.is_none() && requirement.is_some() {
            let other = if public.is_some() { "public" } else { "deny" };
            let scopes = if field(entries, "scopes").is_some() { "scopes" } else { "any_scopes" };
            self.error(at, YamlError::Conflict(other, scopes));
            return None;
        }

        if let Some(node) = public {
            let text = self.text(node, "public")?;
            return match text.value.as_str() {
                "true" => Some(Rule::Public { reason: None }),
                "false" => self.fail(text.span, YamlError::FalseFlag("public")),
                _ => Some(Rule::Public { reason: Some(text.value) }),
            };
        }
        if let Some(node) = deny {
            let text = self.text(node, "deny")?;
            return match text.value.as_str() {
                "true" => Some(Rule::Deny),
                "false" => self.fail(text.span, YamlError::FalseFlag("deny")),
                _ => self.fail(text.span, YamlError::DenyNotTrue),
            };
        }
        let Some(node) = allow else {
            return self.fail(at, YamlError::NoRule);
        };

        let alternatives = match &node.value {
            Node::Seq(items) => items.iter().filter_map(|item| self.alternative(item)).collect(),
            _ => vec![self.alternative(node)?],
        };
        Some(Rule::Allow(AllowRule { alternatives, scopes: requirement.flatten() }))
    }

    fn fail<T>(&mut self, span: Span, error: YamlError) -> Option<T> {
        self.error(span, error);
        None
    }

    /// `scopes` or `any_scopes` among `entries`: `None` when neither is given,
    /// `Some(None)` when the pair is in conflict (already reported).
    fn requirement(&mut self, entries: &Entries) -> Option<Option<ScopeRequirement>> {
        let all = field_entry(entries, "scopes");
        let any = field_entry(entries, "any_scopes");
        match (all, any) {
            (None, None) => None,
            (Some((key, _)), Some(_)) => {
                self.error(key.span, YamlError::Conflict("scopes", "any_scopes"));
                Some(None)
            }
            (Some((_, node)), None) => {
                let scopes = self.list(node, "scopes");
                Some(Some(ScopeRequirement { mode: ScopeMatch::All, scopes }))
            }
            (None, Some((_, node))) => {
                let scopes = self.list(node, "any_scopes");
                Some(Some(ScopeRequirement { mode: ScopeMatch::Any, scopes }))
            }
        }
    }

    /// One entry of `allow`: a scheme name, `{scheme: NAME, ...}` or `{all: [...], ...}`.
    fn alternative(&mut self, node: &Spanned<Node>) -> Option<Alternative> {
        let entries = match &node.value {
            Node::Scalar(name) => {
                let schemes = vec![Spanned::new(name.clone(), node.span)];
                return Some(Alternative { schemes, scopes: None });
            }
            _ => self.map(node, "allow")?,
        };
        self.refuse_unknown(entries, ALTERNATIVE_FIELDS, "an `allow` entry");

        let schemes = match (field(entries, "scheme"), field(entries, "all")) {
            (Some(_), Some(_)) => {
                return self.fail(node.span, YamlError::Conflict("scheme", "all"));
            }
            (Some(name), None) => vec![self.text(name, "scheme")?],
            (None, Some(names)) => self.list(names, "all"),
            (None, None) => return self.missing(node.span, "scheme", "an `allow` entry"),
        };
        let scopes = self.requirement(entries).flatten();
        Some(Alternative { schemes, scopes })
    }
}

fn field<'n>(entries: &'n Entries, name: &str) -> Option<&'n Spanned<Node>> {
    field_entry(entries, name).map(|(_, value)| value)
}

fn field_entry<'n>(
    entries: &'n Entries,
    name: &str,
) -> Option<&'n (Spanned<String>, Spanned<Node>)> {
    entries.iter().find(|(key, _)| key.value == name)
}

/// A YAML node inside a scheme body, as the shared scheme reader takes it.
fn scheme_field(key: &Spanned<String>, value: &Spanned<Node>) -> SchemeField {
    let converted = match &value.value {
        Node::Null => FieldValue::Null,
        Node::Scalar(text) => FieldValue::Scalar(text.clone()),
        Node::Seq(items) => FieldValue::List(
            items
                .iter()
                .map(|item| match &item.value {
                    Node::Scalar(text) => Spanned::new(text.clone(), item.span),
                    other => Spanned::new(format!("<{}>", other.describe()), item.span),
                })
                .collect(),
        ),
        Node::Map(entries) => {
            FieldValue::Map(entries.iter().map(|(k, v)| scheme_field(k, v)).collect())
        }
    };
    SchemeField { key: key.clone(), value: Spanned::new(converted, value.span) }
}
