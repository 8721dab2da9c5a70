//! Writes a policy model as DSL text, in the canonical layout: statements in a fixed order,
//! four-space indents, and routes in aligned columns.
//!
//! [`parse`](super::parse) of the output yields a document equal to the input (positions
//! aside); the property tests hold the two to that.

use crate::model::{Alternative, Document, RouteDecl, Rule, ScopeMatch, ScopeRequirement, Setting};
use crate::quote;

/// What a line of the canonical layout shows. The formatter (`format.rs`) hangs the
/// author's comments on these, so that each comment travels with its statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Line {
    /// The blank line between two blocks.
    Blank,
    /// `version N`
    Version,
    /// `realm "..."`
    Realm,
    /// `scopes {`
    Scopes,
    /// The scope catalogue's entry at this index.
    Scope(usize),
    /// The `}` that closes the scope catalogue.
    ScopesEnd,
    /// `scheme NAME: KIND {` of the scheme at this index.
    Scheme(usize),
    /// A setting of the scheme at this index, by its key (`keys.jwks_file`).
    Setting(usize, &'static str),
    /// The `}` that closes the scheme at this index.
    SchemeEnd(usize),
    /// `default RULE`
    Default,
    /// The route at this index.
    Route(usize),
}

/// The document as DSL text.
pub fn print(doc: &Document) -> String {
    let mut out = String::new();
    for (_, text) in lines(doc) {
        out.push_str(&text);
        out.push('\n');
    }
    out
}

/// The canonical layout line by line (without line breaks), each with what it shows.
pub(super) fn lines(doc: &Document) -> Vec<(Line, String)> {
    let mut out = vec![
        (Line::Version, format!("version {}", doc.version.value)),
        (Line::Realm, format!("realm {}", quote::json(&doc.realm.value))),
    ];

    if let Some(scopes) = &doc.scopes {
        out.push((Line::Blank, String::new()));
        out.push((Line::Scopes, "scopes {".to_owned()));
        for (index, scope) in scopes.iter().enumerate() {
            let mut text = format!("    {}", scope.name.value);
            if !scope.implies.is_empty() {
                let implied: Vec<&str> = scope.implies.iter().map(|s| s.value.as_str()).collect();
                text.push_str(" implies ");
                text.push_str(&implied.join(", "));
            }
            out.push((Line::Scope(index), text));
        }
        out.push((Line::ScopesEnd, "}".to_owned()));
    }

    for (index, scheme) in doc.schemes.iter().enumerate() {
        out.push((Line::Blank, String::new()));
        let header = format!("scheme {}: {} {{", scheme.name.value, scheme.config.kind());
        out.push((Line::Scheme(index), header));
        for (key, value) in scheme.settings() {
            out.push((Line::Setting(index, key), format!("    {key} {}", setting(&value))));
        }
        out.push((Line::SchemeEnd(index), "}".to_owned()));
    }

    if let Some(default) = &doc.default {
        out.push((Line::Blank, String::new()));
        out.push((Line::Default, format!("default {}", rule(&default.value))));
    }

    if !doc.routes.is_empty() {
        out.push((Line::Blank, String::new()));
        print_routes(&mut out, &doc.routes);
    }
    out
}

fn print_routes(out: &mut Vec<(Line, String)>, routes: &[RouteDecl]) {
    let methods: Vec<String> = routes.iter().map(|r| r.pattern.value.to_string()).collect();
    let split: Vec<(&str, &str)> =
        methods.iter().map(|m| m.split_once(' ').unwrap_or((m, ""))).collect();
    let method_width = split.iter().map(|(m, _)| m.len()).max().unwrap_or(0);
    let path_width = split.iter().map(|(_, p)| p.len()).max().unwrap_or(0);

    for (index, ((method, path), route)) in split.iter().zip(routes).enumerate() {
        let line = format!("{method:method_width$} {path:path_width$}  {}", rule(&route.rule));
        out.push((Line::Route(index), line.trim_end().to_owned()));
    }
}

fn rule(rule: &Rule) -> String {
    match rule {
        Rule::Public { reason: None } => "public".into(),
        Rule::Public { reason: Some(reason) } => format!("public {}", quote::json(reason)),
        Rule::Deny => "deny".into(),
        Rule::Allow(allow) => {
            let alternatives: Vec<String> = allow.alternatives.iter().map(alternative).collect();
            let mut text = format!("allow {}", alternatives.join(", "));
            if let Some(scopes) = &allow.scopes {
                text.push(' ');
                text.push_str(&requirement(scopes));
            }
            text
        }
    }
}

fn alternative(alternative: &Alternative) -> String {
    let names: Vec<&str> = alternative.schemes.iter().map(|s| s.value.as_str()).collect();
    let set = names.join(" + ");
    match &alternative.scopes {
        None => set,
        Some(scopes) => format!("({set} {})", requirement(scopes)),
    }
}

fn requirement(requirement: &ScopeRequirement) -> String {
    let keyword = match requirement.mode {
        ScopeMatch::All => "scopes",
        ScopeMatch::Any => "any_scopes",
    };
    let scopes: Vec<&str> = requirement.scopes.iter().map(|s| s.value.as_str()).collect();
    format!("{keyword} {}", scopes.join(", "))
}

/// A setting's value in DSL form: free text quoted, words bare, lists with commas.
fn setting(value: &Setting) -> String {
    match value {
        Setting::Text(text) => quote::json(text),
        Setting::Word(word) => word.clone(),
        Setting::Texts(texts) => {
            texts.iter().map(|t| quote::json(t)).collect::<Vec<_>>().join(", ")
        }
        Setting::Words(words) => words.join(", "),
    }
}
