//! Writes a policy model as YAML: block style at the top, one flow-style line per scope,
//! scheme and route, as the examples in the documentation are written.
//!
//! [`parse`](super::parse) of the output yields a document equal to the input (positions
//! aside); the property tests hold the two to that.

use std::fmt::Write as _;

use crate::model::{
    Alternative, Document, Rule, SchemeDecl, ScopeMatch, ScopeRequirement, Setting,
};
use crate::quote;

/// The document as YAML text.
pub fn print(doc: &Document) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "version: {}", doc.version.value);
    let _ = writeln!(out, "realm: {}", scalar(&doc.realm.value));

    if let Some(scopes) = &doc.scopes {
        if scopes.is_empty() {
            out.push_str("scopes: {}\n");
        } else {
            out.push_str("scopes:\n");
        }
        for scope in scopes {
            let _ = write!(out, "  {}:", scalar(&scope.name.value));
            if !scope.implies.is_empty() {
                let implied: Vec<&str> = scope.implies.iter().map(|s| s.value.as_str()).collect();
                let _ = write!(out, " {{ implies: {} }}", list(&implied));
            }
            out.push('\n');
        }
    }

    if !doc.schemes.is_empty() {
        out.push_str("schemes:\n");
    }
    for scheme in &doc.schemes {
        let fields = scheme_fields(scheme);
        let _ = writeln!(out, "  {}: {{ {} }}", scheme.name.value, fields.join(", "));
    }

    if let Some(default) = &doc.default {
        let text = match &default.value {
            Rule::Deny => "deny".to_owned(),
            Rule::Public { reason: None } => "public".to_owned(),
            other => format!("{{ {} }}", rule(other)),
        };
        let _ = writeln!(out, "default: {text}");
    }

    if !doc.routes.is_empty() {
        out.push_str("routes:\n");
    }
    for route in &doc.routes {
        let pattern = scalar(&route.pattern.value.to_string());
        let _ = writeln!(out, "  - {{ route: {pattern}, {} }}", rule(&route.rule));
    }
    out
}

fn rule(rule: &Rule) -> String {
    match rule {
        Rule::Public { reason: None } => "public: true".into(),
        Rule::Public { reason: Some(reason) } => format!("public: {}", quote::json(reason)),
        Rule::Deny => "deny: true".into(),
        Rule::Allow(allow) => {
            let alternatives: Vec<String> = allow.alternatives.iter().map(alternative).collect();
            let mut text = format!("allow: [{}]", alternatives.join(", "));
            if let Some(scopes) = &allow.scopes {
                text.push_str(", ");
                text.push_str(&requirement(scopes));
            }
            text
        }
    }
}

fn alternative(alternative: &Alternative) -> String {
    let names: Vec<&str> = alternative.schemes.iter().map(|s| s.value.as_str()).collect();
    let set = match names.as_slice() {
        [one] if alternative.scopes.is_none() => return scalar(one),
        [one] => format!("scheme: {}", scalar(one)),
        _ => format!("all: {}", list(&names)),
    };
    match &alternative.scopes {
        None => format!("{{ {set} }}"),
        Some(scopes) => format!("{{ {set}, {} }}", requirement(scopes)),
    }
}

fn requirement(requirement: &ScopeRequirement) -> String {
    let key = match requirement.mode {
        ScopeMatch::All => "scopes",
        ScopeMatch::Any => "any_scopes",
    };
    let scopes: Vec<&str> = requirement.scopes.iter().map(|s| s.value.as_str()).collect();
    format!("{key}: {}", list(&scopes))
}

/// A scheme's body as flow-map entries: `type` first, then its settings, the dotted keys
/// (`keys.jwks_file`) written as a nested map.
fn scheme_fields(scheme: &SchemeDecl) -> Vec<String> {
    let mut fields = vec![format!("type: {}", scheme.config.kind().as_str())];
    for (key, value) in scheme.settings() {
        let value = match &value {
            Setting::Text(text) => scalar(text),
            Setting::Word(word) => word.clone(),
            Setting::Texts(items) | Setting::Words(items) => {
                list(&items.iter().map(String::as_str).collect::<Vec<_>>())
            }
        };
        fields.push(match key.split_once('.') {
            Some((outer, inner)) => format!("{outer}: {{ {inner}: {value} }}"),
            None => format!("{key}: {value}"),
        });
    }
    fields
}

fn list(items: &[&str]) -> String {
    let items: Vec<String> = items.iter().map(|item| scalar(item)).collect();
    format!("[{}]", items.join(", "))
}

/// `text` bare when YAML reads it back as the same string, otherwise double-quoted.
fn scalar(text: &str) -> String {
    if is_plain(text) { text.to_owned() } else { quote::json(text) }
}

/// Whether `text` can be written unquoted, even inside a flow collection, and still be read
/// as this string: word characters only, not starting with a digit or a colon, not ending
/// with a colon, and not a word YAML reads as a boolean or null.
fn is_plain(text: &str) -> bool {
    let reserved = ["true", "false", "null", "yes", "no", "on", "off", "y", "n"];
    let first_ok = text.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    first_ok
        && !text.ends_with(':')
        && !text.contains("::")
        && text.chars().all(|c| c.is_ascii_alphanumeric() || "_-./:".contains(c))
        && !reserved.iter().any(|word| word.eq_ignore_ascii_case(text))
}
