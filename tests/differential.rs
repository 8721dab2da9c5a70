//! Differential properties (issue 7): the engine against obviously-correct models.
//!
//! 1. Whole decisions: for random policies, requests and verified credentials, the compiled
//!    engine decides exactly as a naive evaluator that scans the policy's rules (the route
//!    from `common::reference_governing`, then the rule's alternatives tried one by one,
//!    scopes closed under implication by a worklist).
//! 2. Raw paths: targets built from dot segments (plain and encoded), encoded separators,
//!    NUL, `%25`, random escapes, doubled and trailing slashes, mixed case, `;` parameters
//!    and query strings. No ambiguous path is let through; every other path is read as an
//!    independent decoder reads it, and decided as its decoded form is.
//! 3. Round trips: printing is a fixed point in both syntaxes and `convert` twice changes
//!    nothing; a policy written in any statement order, layout or YAML key order reads as
//!    itself, `fmt` puts it in the canonical layout, and every form compiles to one engine.
//! 4. Header order: `Authenticator::decide` gives the same decision whatever the order of
//!    the request's headers.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, UNIX_EPOCH};

use http::header::{HeaderName, HeaderValue};
use http::request::Parts;
use portcullis::authn::store::{SecretHash, StoreFile};
use portcullis::model::{Document, Rule, SchemeConfig, ScopeRequirement};
use portcullis::{
    AllowBasis, AuthScheme, Authenticator, Challenge, CompileOptions, Context, Credential,
    Decision, Engine, ForbiddenReason, Governing, Identity, MalformedRequest, Request, SchemeKind,
    ScopeMatch, Scopes, Syntax,
};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------
// The naive evaluator
// ---------------------------------------------------------------------------------------

/// What the reference says a request gets.
#[derive(Clone, Debug, PartialEq)]
enum Expected {
    /// A public rule let an anonymous request in.
    Public,
    /// A preflight with no `OPTIONS` route.
    Preflight,
    /// The alternative at this index (in the rule as written) allowed.
    Authorized { alternative: usize, principal: Arc<str>, scheme: String, scopes: Vec<String> },
    /// No alternative authenticated.
    Unauthenticated(Vec<Challenge>),
    /// 403.
    Forbidden {
        required: Vec<String>,
        mode: ScopeMatch,
        reason: ForbiddenReason,
        challenge: Option<Challenge>,
    },
}

/// The policy as written, read the slow way.
struct Reference<'d> {
    doc: &'d Document,
    kinds: HashMap<&'d str, SchemeKind>,
    /// The catalogue's direct implications (empty without a catalogue).
    implies: HashMap<&'d str, Vec<&'d str>>,
}

impl<'d> Reference<'d> {
    fn new(doc: &'d Document) -> Reference<'d> {
        let kinds = doc.schemes.iter().map(|s| (s.name.value.as_str(), s.config.kind())).collect();
        let implies = doc
            .scopes
            .iter()
            .flatten()
            .map(|d| (d.name.value.as_str(), d.implies.iter().map(|s| s.value.as_str()).collect()))
            .collect();
        Reference { doc, kinds, implies }
    }

    /// The decision for a request whose governing rule the reference matcher found.
    fn decide(&self, governing: Governing, credentials: &[Credential]) -> Expected {
        match governing {
            Governing::Preflight => Expected::Preflight,
            Governing::Default => match &self.doc.default {
                Some(rule) => self.rule(&rule.value, credentials, ForbiddenReason::NoRoute),
                None => self.rule(&Rule::Deny, credentials, ForbiddenReason::NoRoute),
            },
            Governing::Route(index) => {
                let rule = &self.doc.routes[index].rule;
                self.rule(rule, credentials, ForbiddenReason::RouteDenies)
            }
        }
    }

    fn rule(&self, rule: &Rule, credentials: &[Credential], deny: ForbiddenReason) -> Expected {
        let allow = match rule {
            Rule::Public { .. } => return Expected::Public,
            Rule::Deny => {
                let (required, mode, challenge) = (Vec::new(), ScopeMatch::All, None);
                return Expected::Forbidden { required, mode, reason: deny, challenge };
            }
            Rule::Allow(allow) => allow,
        };

        let mut short = None;
        for (index, alternative) in allow.alternatives.iter().enumerate() {
            // Every scheme of the alternative needs a credential naming it, of its kind.
            let members: Option<Vec<&Credential>> = alternative
                .schemes
                .iter()
                .map(|name| {
                    let kind = self.kinds.get(name.value.as_str());
                    credentials
                        .iter()
                        .find(|c| *c.identity().scheme == *name.value && Some(&c.kind()) == kind)
                })
                .collect();
            let Some(members) = members else { continue };

            let granted: Vec<&str> =
                members.iter().flat_map(|c| c.identity().scopes.iter()).map(|s| &**s).collect();
            let held = self.closure(&granted);
            let requirement = alternative.scopes.as_ref().or(allow.scopes.as_ref());
            let holds = |s: &&str| held.contains(*s);
            let satisfied = match requirement {
                None => true,
                Some(r) => {
                    let names: Vec<&str> = r.scopes.iter().map(|s| s.value.as_str()).collect();
                    match r.mode {
                        ScopeMatch::All => names.iter().all(holds),
                        ScopeMatch::Any => names.iter().any(holds),
                    }
                }
            };
            if satisfied {
                return Expected::Authorized {
                    alternative: index,
                    principal: members[0].identity().principal.clone(),
                    scheme: alternative.schemes[0].value.clone(),
                    scopes: held.into_iter().collect(),
                };
            }
            short.get_or_insert((alternative, requirement));
        }

        if let Some((alternative, requirement)) = short {
            let requirement = requirement.expect("an alternative without scopes is satisfied");
            let challenge = alternative
                .schemes
                .iter()
                .map(|name| self.challenge(&name.value))
                .find(|c| c.scheme == AuthScheme::Bearer);
            return Expected::Forbidden {
                required: names(requirement),
                mode: requirement.mode,
                reason: ForbiddenReason::InsufficientScope,
                challenge,
            };
        }

        // One challenge per auth-scheme name (ignoring case), first come first kept.
        let mut challenges: Vec<Challenge> = Vec::new();
        for name in allow.alternatives.iter().flat_map(|a| a.schemes.iter()) {
            let challenge = self.challenge(&name.value);
            let name = challenge.scheme.name();
            if !challenges.iter().any(|c| c.scheme.name().eq_ignore_ascii_case(name)) {
                challenges.push(challenge);
            }
        }
        Expected::Unauthenticated(challenges)
    }

    /// The granted scopes and everything they imply, transitively.
    fn closure(&self, granted: &[&str]) -> BTreeSet<String> {
        let mut held = BTreeSet::new();
        let mut work: Vec<&str> = granted.to_vec();
        while let Some(scope) = work.pop() {
            if held.insert(scope.to_owned()) {
                work.extend(self.implies.get(scope).into_iter().flatten());
            }
        }
        held
    }

    fn challenge(&self, scheme: &str) -> Challenge {
        let decl = self.doc.schemes.iter().find(|s| s.name.value == scheme).expect("declared");
        let (scheme, params) = match &decl.config {
            SchemeConfig::Jwt(_) | SchemeConfig::OpaqueToken(_) => (AuthScheme::Bearer, vec![]),
            SchemeConfig::ApiKey(key) => {
                let name = key.authorization_scheme.clone().unwrap_or_else(|| "ApiKey".into());
                (AuthScheme::ApiKey(name), vec![("header", key.header.clone())])
            }
            SchemeConfig::Session(session) => {
                (AuthScheme::Cookie, vec![("cookie-name", session.cookie.clone())])
            }
            other => panic!("a scheme kind the reference does not know: {other:?}"),
        };
        Challenge { scheme, realm: Arc::from(self.doc.realm.value.as_str()), params }
    }
}

/// A requirement's scopes, each once, in the order written.
fn names(requirement: &ScopeRequirement) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for scope in &requirement.scopes {
        if !out.contains(&scope.value) {
            out.push(scope.value.clone());
        }
    }
    out
}

/// The decision the engine must give.
fn decision(expected: &Expected) -> Decision<'static> {
    let anonymous =
        |basis| Decision::Allow { principal: None, scheme: None, scopes: Scopes::default(), basis };
    match expected {
        Expected::Public => anonymous(AllowBasis::Public),
        Expected::Preflight => anonymous(AllowBasis::Preflight),
        Expected::Authorized { principal, scheme, scopes, .. } => Decision::Allow {
            principal: Some(principal.clone().into()),
            scheme: Some(scheme.as_str().into()),
            scopes: Scopes::from_names(scopes.iter().map(String::as_str)),
            basis: AllowBasis::Authorized,
        },
        Expected::Unauthenticated(challenges) => {
            Decision::Unauthenticated { challenges: challenges.clone().into(), error: None }
        }
        Expected::Forbidden { required, mode, reason, challenge } => Decision::Forbidden {
            required: required.iter().map(|s| Arc::from(s.as_str())).collect(),
            mode: *mode,
            reason: *reason,
            challenge: challenge.clone(),
        },
    }
}

/// Checks the engine's decision against the reference's; `Err` says how they differ.
fn agree(
    engine: &Engine,
    governing: Governing,
    credentials: &[Credential],
    actual: &Decision,
    expected: &Expected,
) -> Result<(), String> {
    // The property the issue names first: whatever the tree allows, the reference allows.
    let allows =
        matches!(expected, Expected::Public | Expected::Preflight | Expected::Authorized { .. });
    if actual.is_allowed() && !allows {
        return Err(format!("the tree allows; the reference says {expected:?}"));
    }
    let want = decision(expected);
    if want != *actual {
        return Err(format!("decided {actual:?}\nreference {want:?}"));
    }
    // Allowed by the same alternative, hence with the same requirement.
    if let Expected::Authorized { alternative, .. } = expected {
        let reports = engine.explain_rule(governing, credentials);
        let first = reports.iter().position(|r| r.satisfied);
        if first != Some(*alternative) {
            return Err(format!("allowed by alternative {first:?}; reference {alternative}"));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------

const KINDS: [SchemeKind; 4] =
    [SchemeKind::Jwt, SchemeKind::OpaqueToken, SchemeKind::ApiKey, SchemeKind::Session];

/// Verified credentials for a policy's schemes: usually of the scheme's kind, sometimes of
/// another kind or naming an undeclared scheme (neither counts), with scopes from the
/// policy's vocabulary and one it never mentions.
fn credentials(kinds: Vec<SchemeKind>) -> impl Strategy<Value = Vec<Credential>> {
    let n = kinds.len();
    let vocabulary: Vec<&'static str> =
        common::SCOPES.iter().copied().chain(["unlisted"]).collect();
    let one = (
        0..=n,
        prop::option::weighted(0.15, prop::sample::select(KINDS.to_vec())),
        prop::sample::subsequence(vocabulary, 0..5),
        0..3usize,
    );
    prop::collection::vec(one, 0..5).prop_map(move |list| {
        list.into_iter()
            .enumerate()
            .map(|(i, (scheme, other_kind, scopes, principal))| {
                let kind = other_kind.or(kinds.get(scheme).copied()).unwrap_or(SchemeKind::Jwt);
                let identity =
                    Identity::new(format!("s{scheme}"), format!("p{principal}{i}"), scopes);
                Credential::new(kind, identity)
            })
            .collect()
    })
}

/// A policy and requests to it, each with its credentials.
type Case = (Document, Vec<((String, String, bool), Vec<Credential>)>);

fn case<S>(target: fn() -> S) -> impl Strategy<Value = Case>
where
    S: Strategy<Value = (String, String, bool)> + 'static,
{
    common::document().prop_flat_map(move |doc| {
        let kinds: Vec<SchemeKind> = doc.schemes.iter().map(|s| s.config.kind()).collect();
        let requests = prop::collection::vec((target(), credentials(kinds)), 1..16);
        (Just(doc), requests)
    })
}

/// One segment of a raw request path, hostile or not.
fn raw_segment() -> impl Strategy<Value = String> {
    let literal = || prop::sample::select(common::LITERALS);
    let hex = |b: u8, upper: bool| match upper {
        true => format!("%{b:02X}"),
        false => format!("%{b:02x}"),
    };
    prop_oneof![
        6 => literal().prop_map(str::to_owned),
        // Mixed case: never a literal of the policy, which matches case-sensitively.
        1 => (literal(), any::<u8>()).prop_map(|(l, mask)| {
            l.chars()
                .enumerate()
                .map(|(i, c)| if mask >> (i % 8) & 1 == 1 { c.to_ascii_uppercase() } else { c })
                .collect()
        }),
        // A literal with some characters percent-encoded, in either case of hex.
        2 => (literal(), any::<u8>(), any::<bool>()).prop_map(move |(l, mask, upper)| {
            l.bytes()
                .enumerate()
                .map(|(i, b)| match mask >> (i % 8) & 1 {
                    1 => hex(b, upper),
                    _ => char::from(b).to_string(),
                })
                .collect()
        }),
        2 => prop::sample::select(vec![
            ".", "..", "%2e", "%2E", "%2e%2e", "%2E%2e", ".%2e", "%2e.", "...", "a.", ".a",
        ])
        .prop_map(str::to_owned),
        2 => prop::sample::select(vec![
            "%2F", "%2f", "a%2Fb", "%5C", "%5c", "%25", "a%25b", "%252F", "%00", "%C3%A9",
            "%c3%a9", "%20", "%7e", "%7E", "%41", "%3B", "%3F", "%23", "%2",
            "%zz", "%", "\\", "a\\b", "a b", "\u{e9}", "#frag", "*", "@", ":", "%E2%80%AE",
        ])
        .prop_map(str::to_owned),
        2 => (any::<u8>(), any::<bool>()).prop_map(move |(b, upper)| hex(b, upper)),
        1 => (literal(), "[a-z]{1,3}(=[a-z0-9]{0,3})?").prop_map(|(l, p)| format!("{l};{p}")),
        1 => "[a-z0-9._~!$&'()*+,;=:@-]{1,4}",
        1 => Just(String::new()),
    ]
}

/// A raw request target: segments, maybe a trailing slash, maybe a query, rarely not
/// absolute at all.
fn raw_target() -> impl Strategy<Value = String> {
    let query = prop::sample::select(vec![
        "", "", "", "?", "?x=1", "?a=/../b", "?%2F", "?q=%00#x", "?x=%zz", "?/a//b/",
    ]);
    (
        prop::collection::vec(raw_segment(), 0..5),
        prop::bool::weighted(0.15),
        query,
        prop::bool::weighted(0.03),
    )
        .prop_map(|(segments, trailing, query, relative)| {
            let mut target = if relative { String::new() } else { "/".to_owned() };
            target.push_str(&segments.join("/"));
            if trailing && !segments.is_empty() {
                target.push('/');
            }
            target.push_str(query);
            target
        })
}

fn raw_request() -> impl Strategy<Value = (String, String, bool)> {
    let method = prop::sample::select(&["GET", "HEAD", "POST", "DELETE", "OPTIONS", "PUT"][..]);
    (method, raw_target(), prop::bool::weighted(0.2)).prop_map(|(method, target, preflight)| {
        (method.to_owned(), target, preflight && method == "OPTIONS")
    })
}

// ---------------------------------------------------------------------------------------
// An independent reading of raw paths
// ---------------------------------------------------------------------------------------

/// Whether a target's path could be read two ways: a backslash, an encoded `/`, `\`, `.`
/// or NUL, or an empty, `.` or `..` segment. (The query is not the path.)
fn ambiguous(target: &str) -> bool {
    let path = target.split('?').next().unwrap_or_default();
    let lower = path.to_ascii_lowercase();
    path.contains('\\')
        || ["%2f", "%5c", "%2e", "%00"].iter().any(|e| lower.contains(e))
        || (path != "/" && path.split('/').skip(1).any(|s| s.is_empty() || dots(s)))
}

/// `.` or `..`, alone or with `;` parameters, which servlet containers strip first.
fn dots(segment: &str) -> bool {
    matches!(segment.split(';').next(), Some("." | ".."))
}

/// The segments a path means, or `None` if it must be refused: RFC 3986 `pchar`s only,
/// escapes of unreserved characters decoded, other escapes kept in upper-case hex; the
/// escapes must decode to UTF-8.
fn decoded_segments(target: &str) -> Option<Vec<String>> {
    let path = target.split('?').next().unwrap_or_default();
    let rest = path.strip_prefix('/')?;
    if rest.is_empty() {
        return Some(Vec::new());
    }
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || b"-._~".contains(&b);
    let mut segments = Vec::new();
    for raw in rest.split('/') {
        if raw.is_empty() || dots(raw) {
            return None;
        }
        let mut out = String::new();
        let mut all = Vec::new();
        let mut bytes = raw.bytes();
        while let Some(b) = bytes.next() {
            if b != b'%' {
                if !(unreserved(b) || b"!$&'()*+,;=:@".contains(&b)) {
                    return None;
                }
                out.push(char::from(b));
                all.push(b);
                continue;
            }
            let high = char::from(bytes.next()?).to_digit(16)?;
            let low = char::from(bytes.next()?).to_digit(16)?;
            let value = u8::try_from(high * 16 + low).ok()?;
            all.push(value);
            match value {
                b'/' | b'\\' | b'.' | 0 => return None,
                v if unreserved(v) => out.push(char::from(v)),
                v => out.push_str(&format!("%{v:02X}")),
            }
        }
        std::str::from_utf8(&all).ok()?;
        segments.push(out);
    }
    Some(segments)
}

// ---------------------------------------------------------------------------------------
// 1 and 2: decisions
// ---------------------------------------------------------------------------------------

fn compile(doc: &Document) -> Engine {
    Engine::compile(doc, &CompileOptions::default()).expect("generated policies compile")
}

fn describe(
    doc: &Document,
    method: &str,
    target: &str,
    preflight: bool,
    creds: &[Credential],
) -> String {
    format!(
        "{method} {target:?} (preflight {preflight})\ncredentials {creds:?}\npolicy:\n{}",
        portcullis::syntax::print(doc)
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    /// The engine decides every request exactly as the naive evaluator does: the same
    /// allow (principal, scheme, scopes with implied ones, the same alternative), the same
    /// 401 challenges, the same 403 requirement, the same 400.
    #[test]
    fn decisions_agree_with_the_naive_evaluator((doc, requests) in case(common::request)) {
        let engine = compile(&doc);
        let reference = Reference::new(&doc);
        for ((method, target, preflight), creds) in &requests {
            let context = || describe(&doc, method, target, *preflight, creds);
            let request = Request::new(method, target).with_preflight(*preflight);
            let actual = engine.decide(&request, creds);
            let (governing, expected) =
                match common::reference_governing(&doc, method, target, *preflight) {
                    Ok(governing) => (governing, reference.decide(governing, creds)),
                    Err(error) => {
                        let want = Decision::Malformed {
                            reason: MalformedRequest::Path(error),
                            challenge: None,
                        };
                        prop_assert_eq!(&actual, &want, "{}", context());
                        continue;
                    }
                };
            prop_assert_eq!(engine.governing(&request), Ok(governing), "{}", context());
            if let Err(difference) = agree(&engine, governing, creds, &actual, &expected) {
                return Err(TestCaseError::fail(format!("{difference}\n{}", context())));
            }
        }
    }

    /// Hostile raw paths: an ambiguous one is refused (400) whatever the policy says; any
    /// other is refused exactly when an independent reader refuses it, and is otherwise
    /// decided as its decoded form, and as the naive evaluator decides it.
    #[test]
    fn raw_paths_are_refused_or_decided_as_decoded((doc, requests) in case(raw_request)) {
        let engine = compile(&doc);
        let reference = Reference::new(&doc);
        for ((method, target, preflight), creds) in &requests {
            let context = || describe(&doc, method, target, *preflight, creds);
            let request = Request::new(method, target).with_preflight(*preflight);
            let actual = engine.decide(&request, creds);
            let malformed = matches!(actual, Decision::Malformed { .. });
            if ambiguous(target) {
                let why = "an ambiguous path was not refused";
                prop_assert!(malformed, "{}: {:?}\n{}", why, actual, context());
                prop_assert!(!actual.is_allowed());
            }
            let Some(segments) = decoded_segments(target) else {
                let why = "a path to refuse was decided";
                prop_assert!(malformed, "{}: {:?}\n{}", why, actual, context());
                continue;
            };
            prop_assert!(!ambiguous(target), "the reader accepts an ambiguous path");
            let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
            let normalized = portcullis::normalize_path(target);
            let normalized: Option<Vec<&str>> =
                normalized.as_ref().ok().map(|s| s.iter().map(|s| &**s).collect());
            prop_assert_eq!(normalized.as_deref(), Some(&segments[..]), "{}", context());

            let decoded = format!("/{}", segments.join("/"));
            let decoded_request = Request::new(method, &decoded).with_preflight(*preflight);
            let again = engine.decide(&decoded_request, creds);
            prop_assert_eq!(&actual, &again, "decoded as {:?}\n{}", decoded, context());

            let governing = common::reference_route(&doc, method, &segments, *preflight);
            prop_assert_eq!(engine.governing(&request), Ok(governing), "{}", context());
            let expected = reference.decide(governing, creds);
            if let Err(difference) = agree(&engine, governing, creds, &actual, &expected) {
                return Err(TestCaseError::fail(format!("{difference}\n{}", context())));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// 3: round trips
// ---------------------------------------------------------------------------------------

fn read(text: &str, syntax: Syntax) -> Result<Document, TestCaseError> {
    portcullis::parse(text.as_bytes(), syntax)
        .map_err(|e| TestCaseError::fail(format!("does not read back: {e:?}\n{text}")))
}

/// The printed DSL split into its top-level statements, each with its lines: a block
/// (`scopes {`, `scheme ... {`) runs to its closing `}`.
fn statements(printed: &str) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut open = false;
    for line in printed.lines().filter(|l| !l.is_empty()) {
        if open {
            out.last_mut().expect("a block is open").push(line.to_owned());
            open = line != "}";
        } else {
            out.push(vec![line.to_owned()]);
            open = line.ends_with('{');
        }
    }
    out
}

/// How a statement is rewritten in a non-canonical layout.
#[derive(Clone, Debug)]
struct Layout {
    /// Indent of entries inside a block.
    indent: &'static str,
    /// Space between a route's methods, path and rule.
    gap: &'static str,
    /// Write a block on one line, its entries separated by `;`.
    one_line: bool,
    /// Blank lines after the statement.
    blanks: usize,
}

fn layout() -> impl Strategy<Value = Layout> {
    let indent = prop::sample::select(vec!["", " ", "\t", "  ", "        ", " \t "]);
    let gap = prop::sample::select(vec![" ", "\t", "   ", " \t"]);
    (indent, gap, prop::bool::weighted(0.3), 0..3usize)
        .prop_map(|(indent, gap, one_line, blanks)| Layout { indent, gap, one_line, blanks })
}

/// A statement's lines in `layout`.
fn relayout(statement: &[String], layout: &Layout) -> String {
    let mut out = String::new();
    if statement.len() > 1 {
        let entries: Vec<&str> =
            statement[1..statement.len() - 1].iter().map(|l| l.trim_start()).collect();
        if layout.one_line {
            out.push_str(&format!("{} {} }}", statement[0], entries.join("; ")));
        } else {
            out.push_str(&statement[0]);
            out.push('\n');
            for entry in entries {
                out.push_str(&format!("{}{entry}\n", layout.indent));
            }
            out.push('}');
        }
    } else {
        let line = &statement[0];
        let route = line.starts_with(|c: char| c.is_ascii_uppercase() || c == '*');
        if route {
            // Methods and path hold no spaces: re-space the first two gaps only.
            let (methods, rest) = line.split_once(' ').unwrap_or((line, ""));
            let rest = rest.trim_start();
            let (path, rule) = rest.split_once(' ').unwrap_or((rest, ""));
            let rule = rule.trim_start();
            out.push_str(&format!("{methods}{gap}{path}{gap}{rule}", gap = layout.gap));
        } else {
            out.push_str(line);
        }
    }
    out.push('\n');
    out.push_str(&"\n".repeat(layout.blanks));
    out
}

/// Interleaves `statements` at random, keeping schemes in order and routes in order (their
/// order is meaningful), each in a random layout.
fn shuffled_dsl() -> impl Strategy<Value = (Document, String)> {
    common::document().prop_flat_map(|doc| {
        let statements = statements(&portcullis::syntax::print(&doc));
        let n = statements.len();
        let keys = prop::collection::vec(any::<u16>(), n);
        let layouts = prop::collection::vec(layout(), n);
        (Just(doc), Just(statements), keys, layouts).prop_map(
            move |(doc, statements, keys, layouts)| {
                let scheme = |s: &[String]| s[0].starts_with("scheme ");
                let route =
                    |s: &[String]| s[0].starts_with(|c: char| c.is_ascii_uppercase() || c == '*');
                // Schemes, and routes, are placed at their sorted keys, in order.
                let mut order: Vec<(u16, usize)> = Vec::new();
                for class in [&scheme as &dyn Fn(&[String]) -> bool, &route] {
                    let members: Vec<usize> = (0..n).filter(|&i| class(&statements[i])).collect();
                    let mut slots: Vec<u16> = members.iter().map(|&i| keys[i]).collect();
                    slots.sort_unstable();
                    order.extend(slots.into_iter().zip(members));
                }
                for i in (0..n).filter(|&i| !scheme(&statements[i]) && !route(&statements[i])) {
                    order.push((keys[i], i));
                }
                order.sort_by_key(|&(key, i)| (key, i));
                let text =
                    order.iter().map(|&(_, i)| relayout(&statements[i], &layouts[i])).collect();
                (doc, text)
            },
        )
    })
}

/// The YAML printer's top-level sections, shuffled (a map's keys have no order).
fn shuffled_yaml() -> impl Strategy<Value = (Document, String)> {
    common::document().prop_flat_map(|doc| {
        let printed = portcullis::yaml::print(&doc);
        let mut sections: Vec<String> = Vec::new();
        for line in printed.lines() {
            match sections.last_mut() {
                Some(section) if line.starts_with(' ') => {
                    section.push_str(line);
                    section.push('\n');
                }
                _ => sections.push(format!("{line}\n")),
            }
        }
        (Just(doc), Just(sections).prop_shuffle()).prop_map(|(doc, s)| (doc, s.concat()))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Printing is a fixed point in both syntaxes, and `convert` there and back twice
    /// (DSL → YAML → DSL → YAML) gives the first texts again and the same engine.
    #[test]
    fn convert_twice_and_print_are_fixed_points(doc in common::document()) {
        let dsl = portcullis::syntax::print(&doc);
        prop_assert_eq!(&portcullis::syntax::print(&read(&dsl, Syntax::Dsl)?), &dsl);

        let yaml = portcullis::yaml::print(&read(&dsl, Syntax::Dsl)?);
        prop_assert_eq!(&portcullis::yaml::print(&read(&yaml, Syntax::Yaml)?), &yaml);
        let dsl_again = portcullis::syntax::print(&read(&yaml, Syntax::Yaml)?);
        prop_assert_eq!(&dsl_again, &dsl, "YAML:\n{}", yaml);
        let yaml_again = portcullis::yaml::print(&read(&dsl_again, Syntax::Dsl)?);
        prop_assert_eq!(&yaml_again, &yaml);

        let original = compile(&doc);
        let from_dsl = Engine::from_text(&dsl_again, Syntax::Dsl).expect("compiles");
        let from_yaml = Engine::from_text(&yaml_again, Syntax::Yaml).expect("compiles");
        prop_assert_eq!(&from_dsl, &original);
        prop_assert_eq!(&from_yaml, &original);
    }

    /// A policy written with its statements in any order (schemes and routes keeping
    /// theirs), any indentation and spacing, blocks on one line, and stray blank lines
    /// reads as itself; `fmt` rewrites it as the printer would, stably; every form compiles
    /// to the same engine.
    #[test]
    fn fmt_canonicalizes_any_layout((doc, source) in shuffled_dsl()) {
        prop_assert_eq!(&read(&source, Syntax::Dsl)?, &doc, "source:\n{}", source);
        let formatted = portcullis::syntax::format(&source)
            .map_err(|e| TestCaseError::fail(format!("{e:?}\n{source}")))?;
        prop_assert_eq!(&formatted, &portcullis::syntax::print(&doc), "source:\n{}", source);
        prop_assert_eq!(&portcullis::syntax::format(&formatted).expect("formats"), &formatted);
        let original = compile(&doc);
        prop_assert_eq!(&Engine::from_text(&source, Syntax::Dsl).expect("compiles"), &original);
        prop_assert_eq!(&Engine::from_text(&formatted, Syntax::Dsl).expect("compiles"), &original);
    }

    /// YAML with its top-level keys in any order reads as itself and converts to the
    /// canonical DSL, which compiles to the same engine.
    #[test]
    fn yaml_in_any_key_order_converts_to_the_canonical_dsl((doc, source) in shuffled_yaml()) {
        let read_back = read(&source, Syntax::Yaml)?;
        prop_assert_eq!(&read_back, &doc, "source:\n{}", source);
        let dsl = portcullis::syntax::print(&read_back);
        prop_assert_eq!(&dsl, &portcullis::syntax::print(&doc));
        let original = compile(&doc);
        prop_assert_eq!(&Engine::from_text(&source, Syntax::Yaml).expect("compiles"), &original);
        prop_assert_eq!(&Engine::from_text(&dsl, Syntax::Dsl).expect("compiles"), &original);
    }
}

// ---------------------------------------------------------------------------------------
// 4: header order
// ---------------------------------------------------------------------------------------

/// The clock of every decision here, as in tests/authn.rs (2027-01-15T08:00:00Z).
const T: u64 = 1_800_000_000;

const KEY_ACTIVE: &str = "sk_test_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const KEY_REVOKED: &str = "sk_test_RRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRR";
const KEY_UNKNOWN: &str = "sk_test_UUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUU";
const OPAQUE: &str = "opaque-valid-9f1c2e7a";
const OPAQUE_REVOKED: &str = "opaque-revoked-4b8d0c11";
const SESSION: &str = "session-valid-2b7e151628aed2a6";
const SESSION_ADMIN: &str = "session-admin-abf7158809cf4f3c";
const CSRF: &str = "csrf-valid-3c6ef372a54ff53a";
const CSRF_ADMIN: &str = "csrf-admin-510e527f9b05688c";

fn hex(secret: &str) -> String {
    SecretHash::of(secret).0.iter().map(|b| format!("{b:02x}")).collect()
}

/// tests/fixtures/authn.policy with its stores, read from store-file text.
static AUTHENTICATOR: LazyLock<Authenticator> = LazyLock::new(|| {
    let stores = format!(
        "api_keys:\n\
         - {{ prefix: sk_test_AAAA, sha256: \"{}\", principal: acme, \
              scopes: [data:read, data:write] }}\n\
         - {{ prefix: sk_test_RRRR, sha256: \"{}\", principal: acme, revoked: true }}\n\
         tokens:\n\
         - {{ sha256: \"{}\", principal: svc, scopes: [data:read, data:write] }}\n\
         - {{ sha256: \"{}\", principal: svc, scopes: [admin], revoked: true }}\n\
         sessions:\n\
         - {{ sha256: \"{}\", principal: bob, scopes: [data:write], csrf_token: {CSRF} }}\n\
         - {{ sha256: \"{}\", principal: eve, scopes: [admin], csrf_token: {CSRF_ADMIN} }}\n",
        hex(KEY_ACTIVE),
        hex(KEY_REVOKED),
        hex(OPAQUE),
        hex(OPAQUE_REVOKED),
        hex(SESSION),
        hex(SESSION_ADMIN),
    );
    let stores = StoreFile::parse(&stores).expect("the store text reads");
    let engine = Engine::load("tests/fixtures/authn.policy").expect("the fixture policy loads");
    Authenticator::builder(engine)
        .key_store("keys", Arc::new(stores.api_keys))
        .token_store("tokens", Arc::new(stores.tokens))
        .session_store("sessions", Arc::new(stores.sessions))
        .build()
        .expect("stores and keys bound")
});

/// `user_jwt` tokens (RS256, kid `rsa-1`): one with `data:read`, one with `admin`.
static TOKENS: LazyLock<[String; 2]> = LazyLock::new(|| {
    let pem = std::fs::read("tests/fixtures/keys/rsa.pem").expect("the fixture key reads");
    let key = jsonwebtoken::EncodingKey::from_rsa_pem(&pem).expect("an RSA key");
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some("rsa-1".to_owned());
    ["data:read", "admin"].map(|scope| {
        let claims = serde_json::json!({
            "iss": "https://issuer.test/", "aud": "api.test", "sub": "alice",
            "scope": scope, "iat": T - 10, "exp": T + 600
        });
        jsonwebtoken::encode(&header, &claims, &key).expect("signs")
    })
});

/// Headers a request may carry, credential-bearing and not, well-formed and not.
fn header() -> impl Strategy<Value = (&'static str, String)> {
    let token = |i: usize| format!("Bearer {}", TOKENS[i]);
    let authorization = prop_oneof![
        Just(token(0)),
        Just(token(1)),
        Just(format!("Bearer {OPAQUE}")),
        Just(format!("bearer  {OPAQUE_REVOKED}")),
        Just(format!("ApiKey {KEY_ACTIVE}")),
        Just("Bearer".to_owned()),
        Just("Bearer a,b".to_owned()),
        Just("Basic YTpi".to_owned()),
        Just("Bearer x\tz".to_owned()),
    ];
    let api_key = prop::sample::select(vec![KEY_ACTIVE, KEY_REVOKED, KEY_UNKNOWN, "pk_wrong"])
        .prop_map(str::to_owned);
    let cookie = prop::sample::select(vec![
        format!("sid={SESSION}"),
        format!("sid={SESSION_ADMIN}"),
        format!("sid=\"{SESSION}\"; theme=dark"),
        format!("lang=en; sid={SESSION_ADMIN}"),
        "theme=dark".to_owned(),
        "sid=unknown-session".to_owned(),
        "sid=".to_owned(),
        "a=b\tc".to_owned(),
        format!("sid={SESSION}; sid={SESSION_ADMIN}"),
    ]);
    let csrf =
        prop::sample::select(vec![CSRF, CSRF_ADMIN, "csrf-wrong", ""]).prop_map(str::to_owned);
    let unrelated = prop::sample::select(vec![
        ("accept", "application/json"),
        ("user-agent", "differential/1.0"),
        ("x-request-id", "42"),
        ("x-http-method-override", "DELETE"),
        ("access-control-request-method", "POST"),
        ("origin", "https://app.test"),
    ])
    .prop_map(|(n, v)| (n, v.to_owned()));
    prop_oneof![
        3 => authorization.prop_map(|v| ("authorization", v)),
        3 => api_key.prop_map(|v| ("x-api-key", v)),
        3 => cookie.prop_map(|v| ("cookie", v)),
        2 => csrf.prop_map(|v| ("x-csrf-token", v)),
        3 => unrelated,
    ]
}

/// The fixture policy's routes, a path none matches, and credentials in the query.
const URIS: &[&str] =
    &["/health", "/data", "/data/7", "/pair", "/elsewhere", "/data?x=1", "/data?access_token=a"];

fn parts(method: &str, uri: &str, headers: &[(&'static str, String)]) -> Parts {
    let mut parts = http::Request::builder()
        .method(method)
        .uri(uri)
        .body(())
        .expect("a valid request")
        .into_parts()
        .0;
    for (name, value) in headers {
        let value = HeaderValue::from_str(value).expect("a header value");
        parts.headers.append(HeaderName::from_static(name), value);
    }
    parts
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 320, ..ProptestConfig::default() })]

    /// The same request with its headers in another order gets the same decision: the
    /// same allow, the same 401 and its error, the same 403, the same 400 and its reason.
    #[test]
    fn decisions_do_not_depend_on_header_order(
        method in prop::sample::select(&["GET", "HEAD", "POST", "DELETE", "OPTIONS", "PUT"][..]),
        uri in prop::sample::select(URIS),
        (headers, shuffled) in prop::collection::vec(header(), 0..7)
            .prop_flat_map(|h| (Just(h.clone()), Just(h).prop_shuffle())),
    ) {
        let context = Context { peer: None, now: UNIX_EPOCH + Duration::from_secs(T) };
        let authenticator = &*AUTHENTICATOR;
        let first = authenticator.decide(&parts(method, uri, &headers), &context);
        let mut reversed = headers.clone();
        reversed.reverse();
        for order in [&shuffled, &reversed] {
            let other = authenticator.decide(&parts(method, uri, order), &context);
            prop_assert_eq!(
                &other,
                &first,
                "{} {} with headers\n{:?}\nthen\n{:?}",
                method,
                uri,
                headers,
                order
            );
        }
    }
}

/// The fixtures authenticate as the header-order property assumes: each credential in
/// its pool is one the authenticator accepts or refuses for the reason intended.
#[test]
fn the_fixtures_decide_as_expected() {
    let context = Context { peer: None, now: UNIX_EPOCH + Duration::from_secs(T) };
    let decide = |method, uri, headers: &[(&'static str, String)]| {
        AUTHENTICATOR.decide(&parts(method, uri, headers), &context).response().status
    };
    let bearer = |i: usize| ("authorization", format!("Bearer {}", TOKENS[i]));
    assert_eq!(decide("GET", "/data", &[bearer(0)]), 200);
    assert_eq!(decide("DELETE", "/data/7", &[bearer(0)]), 403);
    assert_eq!(decide("DELETE", "/data/7", &[bearer(1)]), 200);
    assert_eq!(decide("GET", "/data", &[("x-api-key", KEY_ACTIVE.into())]), 200);
    assert_eq!(decide("GET", "/data", &[("x-api-key", KEY_REVOKED.into())]), 401);
    assert_eq!(decide("GET", "/data", &[("authorization", format!("Bearer {OPAQUE}"))]), 200);
    let session = ("cookie", format!("sid={SESSION}"));
    assert_eq!(decide("GET", "/data", std::slice::from_ref(&session)), 200);
    assert_eq!(decide("POST", "/data", std::slice::from_ref(&session)), 403);
    assert_eq!(decide("POST", "/data", &[session, ("x-csrf-token", CSRF.into())]), 200);
    assert_eq!(decide("GET", "/pair", &[bearer(0), ("x-api-key", KEY_ACTIVE.into())]), 200);
}

/// The smallest request the header-order property found: two `Cookie` headers, one naming
/// the session twice and one holding a tab. Both orders are refused (400), but for a
/// different reason, and so with a different body, depending on which header comes first.
#[test]
fn a_refusal_does_not_depend_on_which_cookie_header_comes_first() {
    let context = Context { peer: None, now: UNIX_EPOCH + Duration::from_secs(T) };
    let twice = ("cookie", "sid=a; sid=b".to_owned());
    let tab = ("cookie", "a=b\tc".to_owned());
    let decide = |headers: &[(&'static str, String)]| {
        AUTHENTICATOR.decide(&parts("GET", "/health", headers), &context)
    };
    assert_eq!(decide(&[twice.clone(), tab.clone()]), decide(&[tab, twice]));
}
