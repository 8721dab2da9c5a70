//! `portcullis test [--coverage] [--min-coverage PCT] PATH...`: run policy test files.
//!
//! A test file (`*.test.yaml`, found recursively under each PATH) names the policies it
//! tests, optionally the stores and the clock raw requests are authenticated with, and a
//! list of cases: a request and the expected outcome, spelled as in `decide`'s output. A
//! case that gives `credentials` tests the authorization rules alone; one that does not is
//! authenticated through the policy's schemes from its headers.
//!
//! Exit status 0 when every case passed (and coverage is at least `--min-coverage`), 1 when
//! one failed, 2 when a file cannot be read or names a policy or store that cannot be.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::SystemTime;

use portcullis::{Context, Credential, Engine, Identity, Request};
use serde::Deserialize;
use serde_json::Value;

use super::decide::{RequestFile, authenticator, parse_time, render, request_parts, route_of};

#[derive(clap::Args)]
pub(super) struct Args {
    /// Test files, or folders to search for `*.test.yaml`.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// List the routes no case reached.
    #[arg(long)]
    coverage: bool,
    /// Fail when fewer than PCT percent of each policy's routes are reached.
    #[arg(long, value_name = "PCT")]
    min_coverage: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TestFile {
    /// Policies the cases run against, relative to the test file.
    policies: Vec<PathBuf>,
    /// Store files by the store name the policies use, relative to the test file.
    #[serde(default)]
    stores: BTreeMap<String, PathBuf>,
    /// The clock for raw requests (RFC 3339).
    now: Option<String>,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    request: RequestFile,
    /// Verified credentials: the case tests authorization alone.
    credentials: Option<Vec<CredentialSpec>>,
    expect: Expect,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialSpec {
    scheme: String,
    principal: String,
    #[serde(default)]
    scopes: Vec<String>,
}

/// The expected outcome; each field given is compared, the others are not.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    decision: Option<String>,
    status: Option<u16>,
    error: Option<String>,
    required_scope: Option<String>,
    principal: Option<String>,
}

/// What running one policy's cases found.
struct PolicyRun {
    policy: PathBuf,
    routes: Vec<String>,
    reached: BTreeSet<String>,
}

pub(super) fn run(args: &Args) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let files = match test_files(&args.paths) {
        Ok(files) if !files.is_empty() => files,
        Ok(_) => {
            eprintln!("error: no `*.test.yaml` file under the paths given");
            return ExitCode::from(2);
        }
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };

    let (mut passed, mut failed) = (0usize, 0usize);
    let mut runs = Vec::new();
    for file in &files {
        match run_file(file, &mut out, &mut passed, &mut failed) {
            Ok(file_runs) => runs.extend(file_runs),
            Err(message) => {
                eprintln!("error: {}: {message}", file.display());
                return ExitCode::from(2);
            }
        }
    }

    let mut below = false;
    for run in &runs {
        let total = run.routes.len().max(1);
        let percent = 100.0 * run.reached.len() as f64 / total as f64;
        if args.coverage {
            say!(
                out,
                "coverage of {}: {percent:.0}% of {} routes",
                run.policy.display(),
                run.routes.len()
            );
            for route in run.routes.iter().filter(|r| !run.reached.contains(*r)) {
                say!(out, "  not reached: {route}");
            }
        }
        if args.min_coverage.is_some_and(|min| percent < min) {
            say!(
                out,
                "coverage of {} is {percent:.0}%, below --min-coverage",
                run.policy.display()
            );
            below = true;
        }
    }

    say!(out, "{passed} passed, {failed} failed");
    if failed > 0 || below { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

/// Runs every case of one file against each of its policies.
fn run_file(
    file: &Path,
    out: &mut std::io::StdoutLock<'_>,
    passed: &mut usize,
    failed: &mut usize,
) -> Result<Vec<PolicyRun>, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read: {e}"))?;
    let options = serde_saphyr::options! { with_snippet: false };
    let test: TestFile = serde_saphyr::from_str_with_options(&text, options)
        .map_err(|e| e.to_string().replace('\n', " "))?;
    let folder = file.parent().unwrap_or(Path::new("."));
    let now = match &test.now {
        Some(text) => parse_time(text)?,
        None => SystemTime::now(),
    };
    let stores: Vec<(String, PathBuf)> =
        test.stores.iter().map(|(name, path)| (name.clone(), folder.join(path))).collect();

    let mut runs = Vec::new();
    for policy in &test.policies {
        let path = folder.join(policy);
        let engine = Arc::new(Engine::load(&path).map_err(|e| {
            super::report(&path, &e);
            format!("cannot load policy `{}`", path.display())
        })?);
        let needs_stores = test.cases.iter().any(|c| c.credentials.is_none());
        let authn = if needs_stores { Some(authenticator(&engine, &stores)?) } else { None };
        let mut reached = BTreeSet::new();

        for case in &test.cases {
            let (parts, peer) =
                request_parts(&case.request).map_err(|e| format!("case `{}` {e}", case.name))?;
            let decision = match (&case.credentials, &authn) {
                (Some(specs), _) => {
                    let credentials = credentials(&engine, specs)
                        .map_err(|e| format!("case `{}`: {e}", case.name))?;
                    let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
                    let preflight =
                        parts.headers.contains_key(http::header::ACCESS_CONTROL_REQUEST_METHOD);
                    let request =
                        Request::new(parts.method.as_str(), target).with_preflight(preflight);
                    engine.decide(&request, &credentials).into_owned()
                }
                (None, Some(authn)) => authn.decide(&parts, &Context { peer, now }),
                (None, None) => return Err("an authenticator was not built".into()),
            };
            let route = route_of(&engine, &parts);
            reached.extend(route.clone());
            let actual = render(&decision, route.clone());

            let mismatches = compare(&case.expect, &actual);
            if mismatches.is_empty() {
                *passed += 1;
                continue;
            }
            *failed += 1;
            say!(out, "FAIL {} [{}]: {}", file.display(), policy.display(), case.name);
            for (field, expected, got) in mismatches {
                say!(out, "    {field}: expected {expected}, got {got}");
            }
            say!(out, "    route: {}", route.as_deref().unwrap_or("(none: the default)"));
        }

        let routes = (0..engine.route_count())
            .filter_map(|i| engine.route_text(portcullis::Governing::Route(i)))
            .collect();
        runs.push(PolicyRun { policy: path, routes, reached });
    }
    Ok(runs)
}

/// Credentials for the schemes the policy declares, of each scheme's kind.
fn credentials(engine: &Engine, specs: &[CredentialSpec]) -> Result<Vec<Credential>, String> {
    specs
        .iter()
        .map(|spec| {
            let kind = engine
                .schemes()
                .find(|(name, _)| *name == spec.scheme)
                .map(|(_, config)| config.kind())
                .ok_or_else(|| format!("the policy has no scheme `{}`", spec.scheme))?;
            let identity = Identity::new(
                spec.scheme.as_str(),
                spec.principal.as_str(),
                spec.scopes.iter().cloned(),
            );
            Ok(Credential::new(kind, identity))
        })
        .collect()
}

/// The fields of `expect` that `actual` (decide's JSON) does not match.
fn compare(expect: &Expect, actual: &Value) -> Vec<(&'static str, String, String)> {
    let mut mismatches = Vec::new();
    let mut check = |field: &'static str, expected: Option<Value>| {
        if let Some(expected) = expected {
            let got = actual.get(field).cloned().unwrap_or(Value::Null);
            if got != expected {
                mismatches.push((field, expected.to_string(), got.to_string()));
            }
        }
    };
    check("decision", expect.decision.clone().map(Value::from));
    check("status", expect.status.map(Value::from));
    check("error", expect.error.clone().map(Value::from));
    check("required_scope", expect.required_scope.clone().map(Value::from));
    check("principal", expect.principal.clone().map(Value::from));
    mismatches
}

/// `*.test.yaml` files: as named, or found recursively under folders, in name order.
fn test_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            collect(path, &mut files)?;
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            return Err(format!("`{}` does not exist", path.display()));
        }
    }
    Ok(files)
}

fn collect(folder: &Path, files: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(folder)
        .map_err(|e| format!("cannot read folder `{}`: {e}", folder.display()))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect(&path, files)?;
        } else if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with(".test.yaml"))
        {
            files.push(path);
        }
    }
    Ok(())
}
