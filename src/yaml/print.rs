//! Writes a policy model as YAML: block style at the top, one flow-style line per scope,
//! scheme and route, as the examples in the documentation are written.
//!
//! [`parse`](super::parse) of the output yields a document equal to the input (positions
//! aside); the property tests hold the two to that.

use std::fmt::Write as _;

use crate::model::{
    Alternative, Document, KeySource, Rule, SchemeConfig, ScopeMatch, ScopeRequirement,
};

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
        let fields: Vec<String> =
            scheme_fields(&scheme.config).into_iter().map(|(k, v)| format!("{k}: {v}")).collect();
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
        Rule::Public { reason: Some(reason) } => format!("public: {}", quoted(reason)),
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
        [one] if alternative.scopes.is_none() => return (*one).to_owned(),
        [one] => format!("scheme: {one}"),
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

fn scheme_fields(config: &SchemeConfig) -> Vec<(&'static str, String)> {
    let mut fields = vec![("type", config.kind().as_str().to_owned())];
    match config {
        SchemeConfig::Jwt(jwt) => {
            if let Some(issuer) = &jwt.issuer {
                fields.push(("issuer", scalar(issuer)));
            }
            if !jwt.audience.is_empty() {
                let audience: Vec<&str> = jwt.audience.iter().map(String::as_str).collect();
                fields.push(("audience", list(&audience)));
            }
            let algorithms: Vec<&str> = jwt.algorithms.iter().map(|a| a.as_str()).collect();
            fields.push(("algorithms", list(&algorithms)));
            let keys = match &jwt.keys {
                KeySource::JwksFile(path) => {
                    format!("jwks_file: {}", quoted(&path.to_string_lossy()))
                }
                KeySource::PemFile(path) => {
                    format!("pem_file: {}", quoted(&path.to_string_lossy()))
                }
                KeySource::HmacSecretEnv(name) => format!("hmac_secret_env: {}", quoted(name)),
            };
            fields.push(("keys", format!("{{ {keys} }}")));
            if jwt.leeway.as_secs() != 0 {
                fields.push(("leeway", jwt.leeway.to_string()));
            }
            if let Some(max) = jwt.max_lifetime {
                fields.push(("max_lifetime", max.to_string()));
            }
            if jwt.scope_claim != "scope" {
                fields.push(("scope_claim", quoted(&jwt.scope_claim)));
            }
            if jwt.subject_claim != "sub" {
                fields.push(("subject_claim", quoted(&jwt.subject_claim)));
            }
            if let Some(typ) = &jwt.typ {
                fields.push(("typ", quoted(typ)));
            }
        }
        SchemeConfig::OpaqueToken(opaque) => fields.push(("store", scalar(&opaque.store))),
        SchemeConfig::ApiKey(key) => {
            fields.push(("header", scalar(&key.header)));
            if let Some(scheme) = &key.authorization_scheme {
                fields.push(("authorization_scheme", scalar(scheme)));
            }
            if !key.prefixes.is_empty() {
                let prefixes: Vec<&str> = key.prefixes.iter().map(String::as_str).collect();
                fields.push(("prefixes", list(&prefixes)));
            }
            fields.push(("store", scalar(&key.store)));
        }
        SchemeConfig::Session(session) => {
            fields.push(("cookie", scalar(&session.cookie)));
            if let Some(header) = &session.csrf_header {
                fields.push(("csrf_header", scalar(header)));
            }
            fields.push(("same_site", session.same_site.as_str().to_owned()));
            fields.push(("secure", session.secure.to_string()));
            fields.push(("http_only", session.http_only.to_string()));
            fields.push(("store", scalar(&session.store)));
        }
    }
    fields
}

fn list(items: &[&str]) -> String {
    let items: Vec<String> = items.iter().map(|item| scalar(item)).collect();
    format!("[{}]", items.join(", "))
}

/// `text` bare when YAML reads it back as the same string, otherwise double-quoted.
fn scalar(text: &str) -> String {
    if is_plain(text) { text.to_owned() } else { quoted(text) }
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

/// A YAML double-quoted scalar; its escapes are a superset of JSON's, so JSON's rules do.
pub(crate) fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || c == '\u{feff}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
