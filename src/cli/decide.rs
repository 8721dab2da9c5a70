//! `portcullis decide POLICY METHOD TARGET [--as SCHEME:PRINCIPAL[:SCOPES]]...`: decide one
//! request and print the decision and the response head an application would send.

use std::path::PathBuf;
use std::process::ExitCode;

use portcullis::{Credential, Decision, Engine, Identity, Request};

#[derive(clap::Args)]
pub(super) struct Args {
    /// The policy file.
    policy: PathBuf,
    /// The request method, e.g. GET.
    method: String,
    /// The request target, e.g. /users/42?expand=true.
    target: String,
    /// A verified credential: SCHEME:PRINCIPAL or SCHEME:PRINCIPAL:SCOPE,SCOPE (repeatable).
    #[arg(long = "as", value_name = "SCHEME:PRINCIPAL[:SCOPES]")]
    credentials: Vec<String>,
    /// Treat the request as a CORS preflight (an OPTIONS with Access-Control-Request-Method).
    #[arg(long)]
    preflight: bool,
}

pub(super) fn run(args: &Args) -> ExitCode {
    let engine = match Engine::load(&args.policy) {
        Ok(engine) => engine,
        Err(error) => {
            super::report(&args.policy, &error);
            return ExitCode::from(1);
        }
    };

    let mut credentials = Vec::new();
    for text in &args.credentials {
        match credential(&engine, text) {
            Ok(credential) => credentials.push(credential),
            Err(message) => {
                eprintln!("error: --as `{text}`: {message}");
                return ExitCode::from(2);
            }
        }
    }

    let request = Request::new(&args.method, &args.target).with_preflight(args.preflight);
    let decision = engine.decide(&request, &credentials);
    let mut out = std::io::stdout().lock();
    say!(out, "{}", summary(&decision));
    let head = decision.response();
    say!(out, "HTTP {}", head.status);
    for value in &head.www_authenticate {
        say!(out, "WWW-Authenticate: {value}");
    }
    if let Some(body) = &head.body {
        say!(out, "\n{body}");
    }
    ExitCode::SUCCESS
}

/// A credential for a scheme the policy declares, of that scheme's kind.
fn credential(engine: &Engine, text: &str) -> Result<Credential, String> {
    let mut parts = text.splitn(3, ':');
    let (Some(scheme), Some(principal)) = (parts.next(), parts.next()) else {
        return Err("write SCHEME:PRINCIPAL or SCHEME:PRINCIPAL:SCOPE,SCOPE".into());
    };
    let scopes = parts.next().map_or_else(Vec::new, |s| s.split(',').map(str::to_owned).collect());
    let Some((_, config)) = engine.schemes().find(|(name, _)| *name == scheme) else {
        let names: Vec<&str> = engine.schemes().map(|(name, _)| name).collect();
        return Err(format!("the policy has no scheme `{scheme}` (it has {})", names.join(", ")));
    };
    Ok(Credential::new(config.kind(), Identity::new(scheme, principal, scopes)))
}

fn summary(decision: &Decision) -> String {
    match decision {
        Decision::Allow { principal: Some(principal), scheme, scopes, .. } => {
            let scheme = scheme.as_deref().unwrap_or("?");
            let scopes: Vec<&str> = scopes.iter().map(|s| &**s).collect();
            format!("allow: {principal} via {scheme} (scopes: {})", scopes.join(" "))
        }
        Decision::Allow { basis, .. } => format!("allow: anonymous ({basis:?})"),
        Decision::Unauthenticated { .. } => "unauthenticated".into(),
        Decision::Forbidden { reason, .. } => format!("forbidden ({reason:?})"),
        Decision::Malformed { reason, .. } => format!("malformed request: {reason}"),
        _ => "refused".into(),
    }
}
