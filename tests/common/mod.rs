//! Shared by the integration tests: a naive reference matcher, and generators of random
//! policies and requests for the property tests.

#![allow(dead_code)]

pub mod table;

use std::path::PathBuf;

use portcullis::model::{
    Algorithm, AllowRule, Alternative, ApiKeyConfig, Client, Document, Duration, JwtConfig,
    KeySource, Method, MethodSet, OpaqueTokenConfig, PathPattern, RouteDecl, RoutePattern, Rule,
    SameSite, SchemeConfig, SchemeDecl, ScopeDecl, ScopeRequirement, Segment, SessionConfig, Span,
    Spanned,
};
use portcullis::{Governing, PathError, ScopeMatch};
use proptest::prelude::*;

pub fn at<T>(value: T) -> Spanned<T> {
    Spanned::new(value, Span::default())
}

/// The obviously-correct matcher: scan every route, keep those whose path and method match,
/// and take the most specific by comparing segment kinds left to right.
pub fn reference_governing(
    doc: &Document,
    method: &str,
    target: &str,
    preflight: bool,
) -> Result<Governing, PathError> {
    let segments = portcullis::normalize_path(target)?;
    let segments: Vec<&str> = segments.iter().map(|s| &**s).collect();
    Ok(reference_route(doc, method, &segments, preflight))
}

/// [`reference_governing`] on a path already split into normalized segments (for a caller
/// that normalizes the path its own way).
pub fn reference_route(
    doc: &Document,
    method: &str,
    segments: &[&str],
    preflight: bool,
) -> Governing {
    let mut candidates: Vec<(Vec<u8>, u8, usize)> = Vec::new();
    for (index, route) in doc.routes.iter().enumerate() {
        let pattern = &route.pattern.value;
        let Some(key) = specificity(&pattern.path, segments) else {
            continue;
        };
        let Some(method_rank) = method_rank(&pattern.methods, method, preflight) else {
            continue;
        };
        candidates.push((key, method_rank, index));
    }

    candidates.sort();
    match candidates.first() {
        Some((_, _, index)) => Governing::Route(*index),
        None if preflight => Governing::Preflight,
        None => Governing::Default,
    }
}

/// Lower is more specific: per segment literal 0, parameter 1, `**` 2; a pattern that ends
/// exactly where the path ends adds a final 0 (it beats a `**` there).
fn specificity(pattern: &PathPattern, path: &[&str]) -> Option<Vec<u8>> {
    let mut key = Vec::new();
    for (i, segment) in pattern.segments.iter().enumerate() {
        match segment {
            Segment::CatchAll => {
                key.push(2);
                return Some(key);
            }
            Segment::Literal(text) if path.get(i) == Some(&text.as_str()) => key.push(0),
            Segment::Param(_) | Segment::Wildcard if i < path.len() => key.push(1),
            _ => return None,
        }
    }
    (pattern.segments.len() == path.len()).then(|| {
        key.push(0);
        key
    })
}

/// Lower is a better method match: the method itself 0, `GET` standing in for `HEAD` 1,
/// `*` 2. A preflight only matches a route naming `OPTIONS`.
fn method_rank(methods: &MethodSet, method: &str, preflight: bool) -> Option<u8> {
    let names = |m: &str| match methods {
        MethodSet::Only(list) => list.iter().any(|x| x.as_str() == m),
        MethodSet::Any => false,
    };
    if preflight {
        return names("OPTIONS").then_some(0);
    }
    if names(method) {
        Some(0)
    } else if method == "HEAD" && names("GET") {
        Some(1)
    } else if *methods == MethodSet::Any {
        Some(2)
    } else {
        None
    }
}

// ---- generators ----

/// The literal path segments the generated patterns use.
pub const LITERALS: &[&str] = &["a", "b", "users", "me"];
/// The methods the generated routes name.
pub const METHODS: &[&str] = &["GET", "HEAD", "POST", "DELETE", "OPTIONS"];

pub fn path_pattern() -> impl Strategy<Value = PathPattern> {
    let segment = prop_oneof![
        4 => prop::sample::select(LITERALS).prop_map(|l| Segment::Literal(l.to_owned())),
        2 => Just(Segment::Param(String::new())),
        1 => Just(Segment::Wildcard),
    ];
    (prop::collection::vec(segment, 0..4), prop::bool::weighted(0.25)).prop_map(
        |(mut segments, catch_all)| {
            let mut n = 0;
            for segment in &mut segments {
                if let Segment::Param(name) = segment {
                    n += 1;
                    *name = format!("p{n}");
                }
            }
            if catch_all {
                segments.push(Segment::CatchAll);
            }
            PathPattern { segments }
        },
    )
}

pub fn method_set() -> impl Strategy<Value = MethodSet> {
    prop_oneof![
        1 => Just(MethodSet::Any),
        3 => prop::sample::subsequence(METHODS, 1..3).prop_map(|methods| {
            let text = methods.join("|");
            let pattern = RoutePattern::parse(&format!("{text} /")).expect("valid methods");
            pattern.methods
        }),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9._-]{0,12}",
        "[ -~]{1,16}",
        "[a-z]{1,4}[\"\\\\\n\t\u{e9}\u{1F600}]{1,3}[a-z]{0,4}",
    ]
}

fn realm() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z]{1,8}\\.example\\.com", "[ -~]{0,8}[a-z][ -~]{0,8}"]
}

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9-]{0,12}"
}

fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![Just(0u64), Just(30), Just(900), Just(3600), Just(86_400), 1u64..100_000]
        .prop_map(Duration::from_secs)
}

fn scheme_config() -> impl Strategy<Value = SchemeConfig> {
    let algorithms = prop::sample::subsequence(
        vec![Algorithm::RS256, Algorithm::ES256, Algorithm::HS256, Algorithm::EdDSA],
        1..3,
    );
    let keys = prop_oneof![
        "[a-z]{1,8}/[a-z]{1,8}\\.json".prop_map(|p| KeySource::JwksFile(PathBuf::from(p))),
        "[a-z]{1,8}\\.pem".prop_map(|p| KeySource::PemFile(PathBuf::from(p))),
        "[A-Z_]{1,12}".prop_map(KeySource::HmacSecretEnv),
    ];
    let jwt = (
        prop::option::of(text()),
        prop::collection::vec(text(), 0..3),
        algorithms,
        keys,
        duration(),
        prop::option::of(duration()),
        prop_oneof![Just("scope".to_owned()), Just("scp".to_owned()), text()],
        prop_oneof![Just("sub".to_owned()), text()],
        prop::option::of(prop_oneof![Just("at+jwt".to_owned()), text()]),
    )
        .prop_map(|(issuer, audience, algorithms, keys, leeway, max, scope, subject, typ)| {
            SchemeConfig::Jwt(JwtConfig {
                issuer,
                audience,
                algorithms,
                keys,
                leeway,
                max_lifetime: max,
                scope_claim: scope,
                subject_claim: subject,
                typ,
            })
        });
    let opaque = text().prop_map(|store| SchemeConfig::OpaqueToken(OpaqueTokenConfig { store }));
    let api_key = (token(), prop::option::of(token()), prop::collection::vec(text(), 0..3), text())
        .prop_map(|(header, authorization_scheme, prefixes, store)| {
            SchemeConfig::ApiKey(ApiKeyConfig { header, authorization_scheme, prefixes, store })
        });
    let same_site = prop::sample::select(vec![SameSite::Strict, SameSite::Lax, SameSite::None]);
    let session =
        (token(), prop::option::of(token()), same_site, any::<bool>(), any::<bool>(), text())
            .prop_map(|(cookie, csrf_header, same_site, secure, http_only, store)| {
                SchemeConfig::Session(SessionConfig {
                    cookie,
                    csrf_header,
                    same_site,
                    secure,
                    http_only,
                    store,
                })
            });
    prop_oneof![jwt, opaque, api_key, session]
}

/// The scope vocabulary of the generated policies (their catalogue, when they have one).
pub const SCOPES: &[&str] = &["read", "write", "admin", "data:read", "https://x.example/s"];

fn requirement() -> impl Strategy<Value = ScopeRequirement> {
    let mode = prop::sample::select(vec![ScopeMatch::All, ScopeMatch::Any]);
    (mode, prop::sample::subsequence(SCOPES, 1..3)).prop_map(|(mode, scopes)| ScopeRequirement {
        mode,
        scopes: scopes.into_iter().map(|s| at(s.to_owned())).collect(),
    })
}

fn rule(scheme_count: usize) -> impl Strategy<Value = Rule> {
    let alternative = (
        prop::sample::subsequence((0..scheme_count).collect::<Vec<_>>(), 1..=scheme_count.min(2)),
        prop::option::of(requirement()),
    )
        .prop_map(|(members, scopes)| Alternative {
            schemes: members.into_iter().map(|i| at(format!("s{i}"))).collect(),
            scopes,
        });
    let allow = (prop::collection::vec(alternative, 1..3), prop::option::of(requirement()))
        .prop_map(|(alternatives, scopes)| Rule::Allow(AllowRule { alternatives, scopes }));
    prop_oneof![
        1 => prop::option::of(text()).prop_map(|reason| Rule::Public { reason }),
        1 => Just(Rule::Deny),
        4 => allow,
    ]
}

/// A random valid policy: schemes `s0..`, routes with no two clashing.
pub fn document() -> impl Strategy<Value = Document> {
    let clients = prop::sample::subsequence(Client::ALL.to_vec(), 0..3);
    let schemes = prop::collection::vec((scheme_config(), clients), 1..4);
    schemes.prop_flat_map(|configs| {
        let n = configs.len();
        let route = (method_set(), path_pattern(), rule(n));
        let catalogue = prop::option::of(prop::collection::vec(
            prop::sample::subsequence(SCOPES, 0..2),
            SCOPES.len(),
        ));
        (
            realm(),
            Just(configs),
            catalogue,
            prop::option::of(rule(n)),
            prop::collection::vec(route, 0..24),
        )
            .prop_map(|(realm, configs, catalogue, default, routes)| {
                build_document(realm, configs, catalogue, default, routes)
            })
    })
}

fn build_document(
    realm: String,
    configs: Vec<(SchemeConfig, Vec<Client>)>,
    catalogue: Option<Vec<Vec<&str>>>,
    default: Option<Rule>,
    routes: Vec<(MethodSet, PathPattern, Rule)>,
) -> Document {
    let schemes = configs
        .into_iter()
        .enumerate()
        .map(|(i, (config, clients))| SchemeDecl { name: at(format!("s{i}")), config, clients })
        .collect();

    // Implications only point to later scopes, so the catalogue never has a cycle.
    let scopes = catalogue.map(|implied| {
        SCOPES
            .iter()
            .enumerate()
            .map(|(i, name)| ScopeDecl {
                name: at((*name).to_owned()),
                implies: implied[i]
                    .iter()
                    .filter(|s| SCOPES.iter().position(|x| x == *s) > Some(i))
                    .map(|s| at((*s).to_owned()))
                    .collect(),
            })
            .collect()
    });

    let mut kept: Vec<RouteDecl> = Vec::new();
    for (methods, path, rule) in routes {
        let pattern = RoutePattern { methods, path };
        if kept.iter().all(|r| !r.pattern.value.clashes_with(&pattern)) {
            kept.push(RouteDecl { pattern: at(pattern), rule });
        }
    }

    Document {
        version: at(1),
        realm: at(realm),
        scopes,
        schemes,
        default: default.map(at),
        routes: kept,
    }
}

/// A request over the same small alphabet the patterns use, sometimes malformed.
pub fn request() -> impl Strategy<Value = (String, String, bool)> {
    let segment = prop_oneof![
        6 => prop::sample::select(LITERALS).prop_map(str::to_owned),
        2 => "[a-z0-9]{1,3}",
        1 => prop::sample::select(&["%61", "%2F", "..", "", "%7e"][..]).prop_map(str::to_owned),
    ];
    let method = prop::sample::select(&["GET", "HEAD", "POST", "DELETE", "OPTIONS", "PUT"][..]);
    (method, prop::collection::vec(segment, 0..5), any::<bool>()).prop_map(
        |(method, segments, preflight)| {
            let target = format!("/{}", segments.join("/"));
            (method.to_owned(), target, preflight && method == "OPTIONS")
        },
    )
}

pub fn method(name: &str) -> Method {
    match RoutePattern::parse(&format!("{name} /")).expect("valid method").methods {
        MethodSet::Only(mut list) => list.remove(0),
        MethodSet::Any => unreachable!("a named method"),
    }
}
