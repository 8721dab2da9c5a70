//! The policy model: the abstract syntax both policy syntaxes load into.
//!
//! A [`Document`] is what a policy file *says*, with the source position of every name so
//! that later stages can point at the place a mistake was made. The DSL reader (`syntax`)
//! and the YAML reader (`yaml`) each build one; `compile` checks it as a whole and turns it
//! into the span-free [`Policy`](crate::Policy) that decisions are made on. Values that are
//! checked locally (a duration, a route pattern, a scheme's fields) are already typed here.

mod names;
mod route;
mod scheme;

pub use names::{is_scheme_name, is_scope_name, suggest};
pub use route::{Method, MethodSet, PathPattern, PatternError, RoutePattern, Segment};
pub use scheme::{
    Algorithm, ApiKeyConfig, Client, Duration, FieldError, JwtConfig, KeySource, OpaqueTokenConfig,
    SameSite, SchemeConfig, SchemeKind, SessionConfig,
};

pub(crate) use scheme::{FieldValue, SchemeField, SchemeFields, Setting, scheme_from_fields};

use std::fmt;

/// A position in a policy file: 1-based line and column (columns count characters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// Line number, starting at 1.
    pub line: u32,
    /// Column number, starting at 1.
    pub column: u32,
}

impl Span {
    /// A span at `line`, `column`.
    pub fn new(line: u32, column: u32) -> Span {
        Span { line, column }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A value together with the place in the policy file it was written.
///
/// Equality ignores the span, so that the same policy written in two syntaxes compares equal.
#[derive(Clone, Debug)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it was written.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Pairs `value` with `span`.
    pub fn new(value: T, span: Span) -> Spanned<T> {
        Spanned { value, span }
    }
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Eq> Eq for Spanned<T> {}

/// A whole policy file, as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// The format version; only `1` exists.
    pub version: Spanned<u32>,
    /// The realm named in every challenge.
    pub realm: Spanned<String>,
    /// The scope catalogue, when the file declares one.
    pub scopes: Option<Vec<ScopeDecl>>,
    /// The authentication schemes, in the order written.
    pub schemes: Vec<SchemeDecl>,
    /// What happens to a request no route matches; `None` means deny.
    pub default: Option<Spanned<Rule>>,
    /// The routes, in the order written.
    pub routes: Vec<RouteDecl>,
}

/// One entry of the scope catalogue.
#[derive(Clone, Debug, PartialEq)]
pub struct ScopeDecl {
    /// The scope's name.
    pub name: Spanned<String>,
    /// The scopes that holding this one also grants.
    pub implies: Vec<Spanned<String>>,
}

/// A named authentication scheme.
#[derive(Clone, Debug, PartialEq)]
pub struct SchemeDecl {
    /// The name routes refer to it by.
    pub name: Spanned<String>,
    /// Its kind and settings.
    pub config: SchemeConfig,
    /// The kinds of client it says it serves (for the linter; no effect on decisions).
    pub clients: Vec<Client>,
}

impl SchemeDecl {
    /// The settings a printer writes: the kind's own, then `clients`.
    pub(crate) fn settings(&self) -> Vec<(&'static str, Setting)> {
        let mut settings = self.config.settings();
        if !self.clients.is_empty() {
            let names = self.clients.iter().map(|c| c.as_str().to_owned()).collect();
            settings.push(("clients", Setting::Words(names)));
        }
        settings
    }
}

/// One entry of `routes`.
#[derive(Clone, Debug, PartialEq)]
pub struct RouteDecl {
    /// The methods and path pattern; the span is where the route was written.
    pub pattern: Spanned<RoutePattern>,
    /// What the route requires.
    pub rule: Rule,
}

/// What a route (or the default) requires of a request.
#[derive(Clone, Debug, PartialEq)]
pub enum Rule {
    /// Anyone may pass, with an optional written reason.
    Public {
        /// Why the route is open, when the author said.
        reason: Option<String>,
    },
    /// Nobody may pass.
    Deny,
    /// One of the alternatives must authenticate and hold the scopes.
    Allow(AllowRule),
}

/// The body of an `allow` rule.
#[derive(Clone, Debug, PartialEq)]
pub struct AllowRule {
    /// Alternatives, tried in order.
    pub alternatives: Vec<Alternative>,
    /// The scopes an alternative without its own requirement must hold.
    pub scopes: Option<ScopeRequirement>,
}

/// One way to satisfy an `allow` rule: every scheme listed authenticates.
#[derive(Clone, Debug, PartialEq)]
pub struct Alternative {
    /// The schemes that must all authenticate (one for the common case).
    pub schemes: Vec<Spanned<String>>,
    /// Scopes required of this alternative instead of the route's.
    pub scopes: Option<ScopeRequirement>,
}

/// Scopes a credential must hold.
#[derive(Clone, Debug, PartialEq)]
pub struct ScopeRequirement {
    /// Whether all of the scopes or at least one are needed.
    pub mode: ScopeMatch,
    /// The scopes, as written.
    pub scopes: Vec<Spanned<String>>,
}

/// How a list of required scopes is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScopeMatch {
    /// Every scope is required (`scopes`).
    All,
    /// At least one scope is required (`any_scopes`).
    Any,
}
