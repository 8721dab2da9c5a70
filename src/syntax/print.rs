//! Writes a policy model as DSL text, in the canonical layout: statements in a fixed order,
//! four-space indents, and routes in aligned columns.
//!
//! [`parse`](super::parse) of the output yields a document equal to the input (positions
//! aside); the property tests hold the two to that.

use std::fmt::Write as _;

use crate::model::{Alternative, Document, RouteDecl, Rule, ScopeMatch, ScopeRequirement, Setting};
use crate::quote;

/// The document as DSL text.
pub fn print(doc: &Document) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "version {}", doc.version.value);
    let _ = writeln!(out, "realm {}", quote::json(&doc.realm.value));

    if let Some(scopes) = &doc.scopes {
        out.push_str("\nscopes {\n");
        for scope in scopes {
            let _ = write!(out, "    {}", scope.name.value);
            if !scope.implies.is_empty() {
                let implied: Vec<&str> = scope.implies.iter().map(|s| s.value.as_str()).collect();
                let _ = write!(out, " implies {}", implied.join(", "));
            }
            out.push('\n');
        }
        out.push_str("}\n");
    }

    for scheme in &doc.schemes {
        let _ = writeln!(out, "\nscheme {}: {} {{", scheme.name.value, scheme.config.kind());
        for (key, value) in scheme.settings() {
            let _ = writeln!(out, "    {key} {}", setting(&value));
        }
        out.push_str("}\n");
    }

    if let Some(default) = &doc.default {
        let _ = writeln!(out, "\ndefault {}", rule(&default.value));
    }

    if !doc.routes.is_empty() {
        out.push('\n');
        print_routes(&mut out, &doc.routes);
    }
    out
}

fn print_routes(out: &mut String, routes: &[RouteDecl]) {
    let methods: Vec<String> = routes.iter().map(|r| r.pattern.value.to_string()).collect();
    let split: Vec<(&str, &str)> =
        methods.iter().map(|m| m.split_once(' ').unwrap_or((m, ""))).collect();
    let method_width = split.iter().map(|(m, _)| m.len()).max().unwrap_or(0);
    let path_width = split.iter().map(|(_, p)| p.len()).max().unwrap_or(0);

    for ((method, path), route) in split.iter().zip(routes) {
        let line = format!("{method:method_width$} {path:path_width$}  {}", rule(&route.rule));
        out.push_str(line.trim_end());
        out.push('\n');
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
