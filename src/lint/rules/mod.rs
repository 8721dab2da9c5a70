//! The lint rules, one per file, and the helpers they share.
//!
//! A rule's id is stable: once released it never changes, because suppression comments and
//! CI configuration name it. Its documentation fields are printed by `portcullis lint
//! --explain RULE` and make up `docs/lints.md`.

use super::{Category, Finding, Level, LintContext};
use crate::model::{self, Document, MethodSet, RoutePattern, Span};

mod admin_route_shares_auth;
mod api_key_without_prefix;
mod cookie_auth_without_csrf;
mod default_not_deny;
mod jwt_long_lived_tokens;
mod jwt_missing_issuer_or_audience;
mod jwt_mixed_algorithm_families;
mod non_canonical_format;
mod overlapping_routes;
mod public_without_reason;
mod scheme_client_mismatch;
mod session_cookie_flags;
mod session_samesite_none;
mod session_samesite_strict;
pub(crate) mod suppression_without_reason;
mod unauthenticated_write_route;
pub(crate) mod unknown_lint_rule;
mod unused_scheme;
mod unused_scope;
pub(crate) mod unused_suppression;
mod weaker_than_enclosing_route;

/// A lint rule and its documentation.
pub struct Rule {
    /// The stable kebab-case id.
    pub id: &'static str,
    /// The level it reports at unless the command line says otherwise.
    pub level: Level,
    /// Its group.
    pub category: Category,
    /// One line: what it reports.
    pub summary: &'static str,
    /// What it does.
    pub what: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// A policy fragment it reports.
    pub example: &'static str,
    /// What to write instead.
    pub instead: &'static str,
    /// Further reading.
    pub references: &'static [&'static str],
    /// Adds the rule's findings (the suppression rules are applied by the runner instead).
    pub(crate) check: fn(&LintContext<'_>, &mut Vec<Finding>),
}

/// Every rule, in the order the documentation lists them.
pub static RULES: &[&Rule] = &[
    &unused_scheme::RULE,
    &unused_scope::RULE,
    &overlapping_routes::RULE,
    &weaker_than_enclosing_route::RULE,
    &unknown_lint_rule::RULE,
    &default_not_deny::RULE,
    &unauthenticated_write_route::RULE,
    &jwt_missing_issuer_or_audience::RULE,
    &jwt_mixed_algorithm_families::RULE,
    &jwt_long_lived_tokens::RULE,
    &session_cookie_flags::RULE,
    &session_samesite_none::RULE,
    &session_samesite_strict::RULE,
    &cookie_auth_without_csrf::RULE,
    &api_key_without_prefix::RULE,
    &admin_route_shares_auth::RULE,
    &scheme_client_mismatch::RULE,
    &public_without_reason::RULE,
    &unused_suppression::RULE,
    &suppression_without_reason::RULE,
    &non_canonical_format::RULE,
];

/// For rules the runner applies itself.
pub(crate) fn no_check(_: &LintContext<'_>, _: &mut Vec<Finding>) {}

/// A rule of the policy: a route's, or the default's (with no pattern).
pub(crate) struct Ruled<'d> {
    pub span: Span,
    pub pattern: Option<&'d RoutePattern>,
    pub rule: &'d model::Rule,
}

impl Ruled<'_> {
    /// `route `GET /x`` or `the default`, for messages.
    pub(crate) fn place(&self) -> String {
        match self.pattern {
            Some(pattern) => format!("route `{pattern}`"),
            None => "the default".into(),
        }
    }
}

/// Every route's rule, then the default's.
pub(crate) fn ruled(doc: &Document) -> Vec<Ruled<'_>> {
    let routes = doc.routes.iter().map(|r| Ruled {
        span: r.pattern.span,
        pattern: Some(&r.pattern.value),
        rule: &r.rule,
    });
    let default = doc.default.iter().map(|d| Ruled { span: d.span, pattern: None, rule: &d.value });
    routes.chain(default).collect()
}

/// The scheme names a rule accepts, each once, in order.
pub(crate) fn schemes_of(rule: &model::Rule) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    if let model::Rule::Allow(allow) = rule {
        for name in allow.alternatives.iter().flat_map(|a| a.schemes.iter()) {
            if !names.contains(&name.value.as_str()) {
                names.push(&name.value);
            }
        }
    }
    names
}

/// Every scope a rule names, each once.
pub(crate) fn scopes_of(rule: &model::Rule) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    if let model::Rule::Allow(allow) = rule {
        let own = allow.alternatives.iter().filter_map(|a| a.scopes.as_ref());
        for scope in allow.scopes.iter().chain(own).flat_map(|r| r.scopes.iter()) {
            if !names.contains(&scope.value.as_str()) {
                names.push(&scope.value);
            }
        }
    }
    names
}

/// Whether the methods include one that can change state (anything but GET, HEAD,
/// OPTIONS, TRACE); `None` (the default) and `*` do.
pub(crate) fn has_unsafe_method(methods: Option<&MethodSet>) -> bool {
    match methods {
        None | Some(MethodSet::Any) => true,
        Some(MethodSet::Only(list)) => {
            list.iter().any(|m| !matches!(m.as_str(), "GET" | "HEAD" | "OPTIONS" | "TRACE"))
        }
    }
}

/// One alternative of a rule in a comparable form: its schemes (sorted), and the scopes it
/// requires (sorted) with how they are read.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Need<'d> {
    pub schemes: Vec<&'d str>,
    pub any: bool,
    pub scopes: Vec<&'d str>,
}

/// What a rule requires, in a form where order and wording do not matter: `None` for a
/// public rule, `Some([])` for deny, otherwise each alternative's need, sorted.
pub(crate) fn needs(rule: &model::Rule) -> Option<Vec<Need<'_>>> {
    let model::Rule::Allow(allow) = rule else {
        return match rule {
            model::Rule::Deny => Some(Vec::new()),
            _ => None,
        };
    };
    let mut needs: Vec<Need<'_>> = allow
        .alternatives
        .iter()
        .map(|alternative| {
            let requirement = alternative.scopes.as_ref().or(allow.scopes.as_ref());
            let mut schemes: Vec<&str> =
                alternative.schemes.iter().map(|s| s.value.as_str()).collect();
            let mut scopes: Vec<&str> = requirement
                .map(|r| r.scopes.iter().map(|s| s.value.as_str()).collect())
                .unwrap_or_default();
            schemes.sort_unstable();
            schemes.dedup();
            scopes.sort_unstable();
            scopes.dedup();
            let any =
                requirement.is_some_and(|r| r.mode == model::ScopeMatch::Any) && scopes.len() > 1;
            Need { schemes, any, scopes }
        })
        .collect();
    needs.sort();
    needs.dedup();
    Some(needs)
}

/// Whether two rules require the same thing (reasons, order and repeats aside).
pub(crate) fn same_requirement(a: &model::Rule, b: &model::Rule) -> bool {
    matches!((a, b), (model::Rule::Public { .. }, model::Rule::Public { .. }))
        || (needs(a).is_some() && needs(a) == needs(b))
}

/// A scope and every scope it implies, through the catalogue (just itself without one).
pub(crate) fn closure<'d>(doc: &'d Document, scope: &'d str) -> Vec<&'d str> {
    let mut found = vec![scope];
    let mut next = 0;
    while let Some(&current) = found.get(next) {
        next += 1;
        let implied = doc.scopes.iter().flatten().filter(|d| d.name.value == current);
        for name in implied.flat_map(|d| d.implies.iter()).map(|i| i.value.as_str()) {
            if !found.contains(&name) {
                found.push(name);
            }
        }
    }
    found
}

/// The scheme declared under `name`.
pub(crate) fn scheme<'d>(doc: &'d Document, name: &str) -> Option<&'d model::SchemeDecl> {
    doc.schemes.iter().find(|s| s.name.value == name)
}
