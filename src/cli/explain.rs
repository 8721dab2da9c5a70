//! `portcullis explain`: the same input as `decide`, explained for a person: the candidate
//! routes and the one that governs, each scheme tried and its verdict, the scopes held
//! against those required (implication included), and the decision with its response head.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::SystemTime;

use portcullis::{Context, Decision, Engine, Governing, Request, TraceStep};

use super::decide::{self, Args};

pub(super) fn run(args: &Args) -> ExitCode {
    match explain(args) {
        Ok(text) => {
            let mut out = std::io::stdout().lock();
            say!(out, "{}", text.trim_end());
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn explain(args: &Args) -> Result<String, String> {
    let engine = match Engine::load(&args.policy) {
        Ok(engine) => Arc::new(engine),
        Err(error) => {
            super::report(&args.policy, &error);
            return Err(format!("cannot load policy `{}`", args.policy.display()));
        }
    };
    let authenticator = decide::authenticator(&engine, &args.bindings()?)?;
    let (parts, peer) = decide::read_request(args.request.as_ref())?;
    let now = match &args.now {
        Some(text) => decide::parse_time(text).map_err(|e| format!("--now {e}"))?,
        None => SystemTime::now(),
    };
    let (decision, trace) = authenticator.explain(&parts, &Context { peer, now });

    let mut out = String::new();
    let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let preflight = parts.headers.contains_key(http::header::ACCESS_CONTROL_REQUEST_METHOD);
    let request = Request::new(parts.method.as_str(), target).with_preflight(preflight);
    out.push_str(&format!(
        "request: {} {target}{}\n",
        request.method,
        if preflight { " (CORS preflight)" } else { "" }
    ));

    // The routes: which patterns matched the path, and which one governs.
    let governing = match engine.governing(&request) {
        Ok(governing) => governing,
        Err(error) => {
            out.push_str(&format!("\nthe path is refused before any route: {error}\n"));
            return Ok(finish(out, &decision));
        }
    };
    out.push_str("\nroutes whose path matches:\n");
    let candidates = engine.candidate_routes(target).unwrap_or_default();
    if candidates.is_empty() {
        out.push_str("  (none)\n");
    }
    for index in candidates {
        let text = engine.route_text(Governing::Route(index)).unwrap_or_default();
        let mark = if governing == Governing::Route(index) {
            "=> governs"
        } else {
            "   method does not apply or a more specific route wins"
        };
        out.push_str(&format!("  {text:<40} {mark}\n"));
    }
    match governing {
        Governing::Default => out.push_str("  no route applies: the policy's default governs\n"),
        Governing::Preflight => out.push_str("  a preflight with no OPTIONS route: let through\n"),
        Governing::Route(_) => {}
    }

    // The credentials: each scheme's verdict.
    out.push_str("\ncredentials:\n");
    if trace.steps.is_empty() {
        out.push_str("  none verified (none presented that the route accepts, or none needed)\n");
    }
    for step in &trace.steps {
        let line = match step {
            TraceStep::Verified { scheme, principal, scopes } => {
                format!(
                    "  {scheme}: verified, principal {principal}, scopes [{}]",
                    scopes.join(" ")
                )
            }
            TraceStep::Rejected { scheme, rejection } => {
                format!("  {scheme}: rejected: {rejection}")
            }
            TraceStep::SessionIgnored => {
                "  session cookie ignored: an explicit credential takes precedence".to_owned()
            }
            TraceStep::NothingAccepted => {
                "  the request presents no credential this route accepts".to_owned()
            }
            _ => continue,
        };
        out.push_str(&line);
        out.push('\n');
    }

    // The rule: each alternative, scopes held against scopes required.
    let credentials = verified(&trace, &engine);
    let alternatives = engine.explain_rule(governing, &credentials);
    if !alternatives.is_empty() {
        out.push_str("\nalternatives, in order:\n");
    }
    for alternative in alternatives {
        let schemes: Vec<&str> = alternative.schemes.iter().map(|s| &**s).collect();
        let required: Vec<&str> = alternative.required.iter().map(|s| &**s).collect();
        let held: Vec<&str> = alternative.held.iter().map(|s| &**s).collect();
        let mode = match alternative.mode {
            portcullis::ScopeMatch::All => "all of",
            portcullis::ScopeMatch::Any => "one of",
        };
        let verdict = match (alternative.authenticated, alternative.satisfied) {
            (false, _) => "not authenticated".to_owned(),
            (true, true) => "satisfied".to_owned(),
            (true, false) => "authenticated, scopes missing".to_owned(),
        };
        let needs = if required.is_empty() {
            "no scope".to_owned()
        } else {
            format!("{mode} [{}]", required.join(" "))
        };
        out.push_str(&format!(
            "  {}: needs {needs}; holds [{}]: {verdict}\n",
            schemes.join(" + "),
            held.join(" ")
        ));
    }
    Ok(finish(out, &decision))
}

/// The credentials the trace verified, rebuilt for the rule report (kinds from the policy).
fn verified(trace: &portcullis::Trace, engine: &Engine) -> Vec<portcullis::Credential> {
    trace
        .steps
        .iter()
        .filter_map(|step| match step {
            TraceStep::Verified { scheme, principal, scopes } => {
                let kind = engine.schemes().find(|(n, _)| *n == &**scheme)?.1.kind();
                let identity = portcullis::Identity::new(
                    Arc::clone(scheme),
                    Arc::clone(principal),
                    scopes.iter().cloned(),
                );
                Some(portcullis::Credential::new(kind, identity))
            }
            _ => None,
        })
        .collect()
}

fn finish(mut out: String, decision: &Decision) -> String {
    let head = decision.response();
    let summary = match decision {
        Decision::Allow { principal: Some(p), scheme, .. } => {
            format!("allow: {p} via {}", scheme.as_deref().unwrap_or("?"))
        }
        Decision::Allow { basis, .. } => format!("allow: anonymous ({basis:?})"),
        Decision::Unauthenticated { error: Some(error), .. } => {
            format!(
                "unauthenticated: {} rejected the credential: {}",
                error.scheme, error.rejection
            )
        }
        Decision::Unauthenticated { .. } => {
            "unauthenticated: no credential the route accepts".into()
        }
        Decision::Forbidden { reason, .. } => format!("forbidden ({})", reason.code()),
        Decision::Malformed { reason, .. } => format!("malformed: {reason}"),
        _ => "refused".into(),
    };
    out.push_str(&format!("\ndecision: {summary}\nHTTP {}\n", head.status));
    for value in &head.www_authenticate {
        out.push_str(&format!("WWW-Authenticate: {value}\n"));
    }
    if let Some(body) = &head.body {
        out.push_str(&format!("{body}\n"));
    }
    out
}
