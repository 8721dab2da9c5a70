//! `portcullis decide --policy FILE [--store NAME=FILE]... [--now RFC3339] [REQUEST | -]`:
//! authenticate and decide one request, printed as one JSON object.
//!
//! The request is JSON: `{"method", "path", "headers": [[name, value], ...],
//! "remote_addr"}`; headers are pairs so that duplicates can be written. Exit status 0
//! whatever the decision; 2 when the policy, a store or the request cannot be read.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::SystemTime;

use portcullis::authn::store::StoreFile;
use portcullis::{Authenticator, Context, Decision, Engine, Governing, Request};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(clap::Args)]
pub(super) struct Args {
    /// The policy file.
    #[arg(long)]
    pub policy: PathBuf,
    /// A store file for the store the policy calls NAME (repeatable); its `api_keys`,
    /// `tokens` and `sessions` sections serve the policy's key, token and session stores
    /// of that name.
    #[arg(long = "store", value_name = "NAME=FILE")]
    pub stores: Vec<String>,
    /// The time to judge expiry by (RFC 3339); default: now.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// The request, as JSON; `-` or nothing reads standard input.
    pub request: Option<PathBuf>,
}

impl Args {
    /// The `--store NAME=FILE` bindings.
    pub(super) fn bindings(&self) -> Result<Vec<(String, PathBuf)>, String> {
        self.stores
            .iter()
            .map(|binding| match binding.split_once('=') {
                Some((name, file)) => Ok((name.to_owned(), PathBuf::from(file))),
                None => Err(format!("--store `{binding}`: write NAME=FILE")),
            })
            .collect()
    }
}

/// A request as `decide` reads it and policy tests write it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RequestFile {
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    pub remote_addr: Option<String>,
}

pub(super) fn run(args: &Args) -> ExitCode {
    match decide(args) {
        Ok(output) => {
            let mut out = std::io::stdout().lock();
            say!(out, "{}", serde_json::to_string_pretty(&output).unwrap_or_default());
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn decide(args: &Args) -> Result<Value, String> {
    let engine = match Engine::load(&args.policy) {
        Ok(engine) => Arc::new(engine),
        Err(error) => {
            super::report(&args.policy, &error);
            return Err(format!("cannot load policy `{}`", args.policy.display()));
        }
    };
    let authenticator = authenticator(&engine, &args.bindings()?)?;
    let (parts, peer) = read_request(args.request.as_ref())?;
    let now = match &args.now {
        None => SystemTime::now(),
        Some(text) => parse_time(text).map_err(|e| format!("--now {e}"))?,
    };

    let decision = authenticator.decide(&parts, &Context { peer, now });
    Ok(render(&decision, route_of(&engine, &parts)))
}

/// An RFC 3339 time, with a message that says what was expected.
pub(super) fn parse_time(text: &str) -> Result<SystemTime, String> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map(SystemTime::from)
        .map_err(|_| format!("`{text}` is not an RFC 3339 time, like 2026-12-01T10:00:00Z"))
}

/// The route that governs a request, as written; `None` for the default or a preflight.
pub(super) fn route_of(engine: &Engine, parts: &http::request::Parts) -> Option<String> {
    let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let preflight = parts.headers.contains_key(http::header::ACCESS_CONTROL_REQUEST_METHOD);
    let request = Request::new(parts.method.as_str(), target).with_preflight(preflight);
    match engine.governing(&request) {
        Ok(governing @ Governing::Route(_)) => engine.route_text(governing),
        _ => None,
    }
}

/// An authenticator whose stores come from store files, each bound to the store name the
/// policy uses (`--store NAME=FILE`).
pub(super) fn authenticator(
    engine: &Arc<Engine>,
    stores: &[(String, PathBuf)],
) -> Result<Authenticator, String> {
    let mut builder = Authenticator::builder(Arc::clone(engine));
    for (name, file) in stores {
        let contents = StoreFile::load(file).map_err(|e| e.to_string())?;
        builder = builder
            .key_store(name, Arc::new(contents.api_keys))
            .token_store(name, Arc::new(contents.tokens))
            .session_store(name, Arc::new(contents.sessions));
    }
    builder.build().map_err(|e| match e {
        portcullis::SetupError::MissingStore { .. } => {
            format!("{e} (bind it with --store NAME=FILE)")
        }
        _ => e.to_string(),
    })
}

pub(super) fn read_request(
    path: Option<&PathBuf>,
) -> Result<(http::request::Parts, Option<IpAddr>), String> {
    let mut text = String::new();
    let (name, result) = match path.filter(|p| p.as_os_str() != "-") {
        Some(path) => (path.display().to_string(), std::fs::read_to_string(path).map(|t| text = t)),
        None => ("standard input".to_owned(), std::io::stdin().read_to_string(&mut text).map(drop)),
    };
    result.map_err(|e| format!("cannot read the request from {name}: {e}"))?;
    let request: RequestFile = serde_json::from_str(&text)
        .map_err(|e| format!("the request in {name} is not valid: {e}"))?;
    request_parts(&request).map_err(|e| format!("the request in {name} {e}"))
}

/// The request head and peer address a request file describes.
pub(super) fn request_parts(
    request: &RequestFile,
) -> Result<(http::request::Parts, Option<IpAddr>), String> {
    let mut builder =
        http::Request::builder().method(request.method.as_str()).uri(request.path.as_str());
    for (header, value) in &request.headers {
        builder = builder.header(header.as_str(), value.as_str());
    }
    let parts = builder.body(()).map_err(|e| format!("is not valid HTTP: {e}"))?;
    let peer = match &request.remote_addr {
        None => None,
        Some(addr) => {
            let parsed =
                addr.parse().map_err(|_| format!("has `remote_addr` `{addr}`, not an IP"))?;
            Some(parsed)
        }
    };
    Ok((parts.into_parts().0, peer))
}

/// The decision as the JSON object the command prints.
pub(super) fn render(decision: &Decision, route: Option<String>) -> Value {
    let head = decision.response();
    let mut headers: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    if !head.www_authenticate.is_empty() {
        headers
            .insert("www-authenticate", head.www_authenticate.iter().map(String::as_str).collect());
    }
    if head.body.is_some() {
        headers.insert("content-type", vec!["application/json"]);
    }
    let body =
        head.body.as_deref().map(|b| serde_json::from_str::<Value>(b).unwrap_or(Value::Null));
    let field =
        |name: &str| body.as_ref().and_then(|b| b.get(name)).cloned().unwrap_or(Value::Null);

    let (kind, scheme, principal, scopes) = match decision {
        Decision::Allow { principal, scheme, scopes, .. } => {
            ("allow", json!(scheme.as_deref()), json!(principal.as_deref()), json!(scopes.names()))
        }
        Decision::Unauthenticated { error, .. } => {
            let scheme = error.as_ref().map(|e| &*e.scheme);
            ("unauthenticated", json!(scheme), Value::Null, Value::Null)
        }
        Decision::Forbidden { .. } => ("forbidden", Value::Null, Value::Null, Value::Null),
        _ => ("malformed", Value::Null, Value::Null, Value::Null),
    };
    json!({
        "decision": kind,
        "status": head.status,
        "route": route,
        "scheme": scheme,
        "principal": principal,
        "scopes": scopes,
        "error": field("error"),
        "required_scope": field("required_scope"),
        "headers": headers,
        "body": body,
    })
}
