//! Compiling: checking a [`Document`] as a whole and turning it into an [`Engine`].
//!
//! The readers have already checked each field in isolation; this stage checks what needs
//! the whole policy (names that refer to other declarations, duplicates, implication
//! cycles, key files) and reports every problem found. What comes out holds no source
//! positions and no strings that a decision would have to compare twice: schemes and scopes
//! are numbered, implication is closed, and routes sit in a trie ([`tree`]).

mod scopes;
mod tree;

use foldhash::{HashMap, HashMapExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use smallvec::SmallVec;

use crate::error::Diagnostic;
use crate::eval::{AuthScheme, Challenge};
use crate::model::{
    AllowRule, Document, KeySource, RoutePattern, Rule, SchemeConfig, ScopeMatch, ScopeRequirement,
    Span, Spanned, is_scope_name, suggest,
};
pub(crate) use scopes::{ScopeId, ScopeIndex, Unclosed};
pub(crate) use tree::{MethodMatch, RouteId, RouteTree, TreeBuilder};

/// Why a policy that reads well is still refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CompileError {
    /// A version other than 1.
    #[error("unsupported policy version `{0}`")]
    UnsupportedVersion(u32),
    /// A realm that cannot be put in a challenge.
    #[error("the realm must be non-empty text without control characters")]
    BadRealm,
    /// Two schemes with one name.
    #[error("scheme `{name}` is declared twice (first at {first})")]
    DuplicateScheme {
        /// The name.
        name: String,
        /// Where it was first declared.
        first: Span,
    },
    /// A scope name of the wrong shape.
    #[error("`{0}` is not a valid scope name")]
    BadScopeName(String),
    /// Two catalogue entries with one name.
    #[error("scope `{0}` is declared twice")]
    DuplicateScope(String),
    /// A scope used but absent from the catalogue.
    #[error("unknown scope `{name}`{}", in_place(place))]
    UnknownScope {
        /// The scope.
        name: String,
        /// The route it was used in, if any.
        place: Option<String>,
        /// The closest declared scope, if any is close.
        suggestion: Option<String>,
    },
    /// Scopes that imply each other in a circle.
    #[error("scopes imply each other in a cycle: {}", .0.join(" -> "))]
    ImplicationCycle(Vec<String>),
    /// A chain of implications longer than 32, the most allowed.
    #[error(
        "scope `{0}` starts a chain of more than {max} implications, the most allowed",
        max = scopes::MAX_IMPLICATION_DEPTH
    )]
    ImplicationTooDeep(String),
    /// A route names a scheme that is not declared.
    #[error("unknown scheme `{name}` in {place}")]
    UnknownScheme {
        /// The scheme as written.
        name: String,
        /// The route (or `the default`).
        place: String,
        /// The closest declared scheme, if any is close.
        suggestion: Option<String>,
    },
    /// One scheme twice in an all-of set.
    #[error("scheme `{0}` appears twice in one `all` set")]
    RepeatedScheme(String),
    /// `allow` with nothing in it, or an `all` set with no scheme.
    #[error("`allow` in {0} lists no scheme")]
    EmptyAllow(String),
    /// `scopes: []`.
    #[error("an empty scope list in {0} requires nothing")]
    EmptyScopes(String),
    /// Two routes matching the same requests with the same method.
    #[error("route `{route}` is declared twice (first at {first})")]
    DuplicateRoute {
        /// The later route.
        route: String,
        /// Where the earlier one is.
        first: Span,
    },
    /// A key file that does not exist.
    #[error("key file `{}` not found (looked for `{}`)", written.display(), resolved.display())]
    KeyFileMissing {
        /// The path as the policy wrote it.
        written: PathBuf,
        /// Where it was looked for.
        resolved: PathBuf,
    },
    /// The policy has more routes than [`PolicyLimits::max_routes`].
    #[error("the policy has {routes} routes; the limit is {limit}")]
    TooManyRoutes {
        /// How many routes the policy has.
        routes: usize,
        /// The limit it exceeds.
        limit: usize,
    },
}

fn in_place(place: &Option<String>) -> String {
    place.as_ref().map(|p| format!(" in {p}")).unwrap_or_default()
}

impl CompileError {
    /// How to put the mistake right, when the message alone does not say.
    pub fn help(&self) -> Option<String> {
        match self {
            CompileError::UnsupportedVersion(_) => Some("the only version is 1".into()),
            CompileError::BadScopeName(_) => Some(
                "scope names are an ASCII letter or digit then letters, digits and `_ . : / -`"
                    .into(),
            ),
            CompileError::UnknownScope { suggestion: Some(close), .. }
            | CompileError::UnknownScheme { suggestion: Some(close), .. } => {
                Some(format!("did you mean `{close}`?"))
            }
            CompileError::UnknownScope { suggestion: None, .. } => {
                Some("declare it under `scopes`, or correct the name".into())
            }
            CompileError::ImplicationCycle(_) => {
                Some("implication must flow one way: remove one of the `implies`".into())
            }
            CompileError::ImplicationTooDeep(_) => {
                Some("shorten the chain: let a scope imply the ones further down directly".into())
            }
            CompileError::EmptyScopes(_) => Some("remove the empty list".into()),
            CompileError::DuplicateRoute { .. } => {
                Some("merge the two routes, or give them different methods".into())
            }
            _ => None,
        }
    }
}

/// Where a rule is, for messages: formatted only when an error is reported.
#[derive(Clone, Copy)]
enum Place<'d> {
    Route(&'d RoutePattern),
    Default,
}

impl std::fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::Route(pattern) => write!(f, "route `{pattern}`"),
            Place::Default => f.write_str("the default"),
        }
    }
}

/// The most routes one policy may hold, unless [`PolicyLimits::max_routes`] says otherwise.
pub const MAX_ROUTES: usize = 250_000;

/// Settings for [`Engine::compile`].
#[derive(Clone, Debug, Default)]
pub struct CompileOptions {
    /// The folder that key file paths are relative to (the policy file's folder). When set,
    /// key files must exist; when `None`, they are not looked for.
    pub base_dir: Option<PathBuf>,
    /// How large a policy may be.
    pub limits: PolicyLimits,
}

/// How large a policy may be; a policy over a limit is a load error (at 1:1 for its size,
/// at the first route over for its routes). Pass them to [`Engine::load_with`] or
/// [`Engine::from_text_with`]; [`Engine::compile`] reads `max_routes` only, since the text
/// is read before it is called.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PolicyLimits {
    /// The most bytes of policy text read, [`MAX_POLICY_BYTES`](crate::MAX_POLICY_BYTES)
    /// (16 MiB) by default. It can lower that ceiling, not raise it: the readers refuse
    /// larger text themselves, and the YAML reader's node and event budgets are sized for
    /// it, so a larger value counts as the ceiling.
    pub max_bytes: usize,
    /// The most routes, [`MAX_ROUTES`] by default. Compiling is linear in the routes, and
    /// `max_bytes` bounds them too.
    pub max_routes: usize,
}

impl Default for PolicyLimits {
    fn default() -> PolicyLimits {
        PolicyLimits { max_bytes: crate::MAX_POLICY_BYTES, max_routes: MAX_ROUTES }
    }
}

impl PolicyLimits {
    /// `max_bytes`, held to the readers' ceiling.
    pub(crate) fn bytes(&self) -> usize {
        self.max_bytes.min(crate::MAX_POLICY_BYTES)
    }
}

/// A compiled policy: what requests are decided on. Cheap to share between threads
/// (`Engine: Send + Sync`); deciding takes `&self` and no lock.
#[derive(Clone, Debug, PartialEq)]
pub struct Engine {
    pub(crate) realm: Arc<str>,
    pub(crate) schemes: Vec<CompiledScheme>,
    pub(crate) scheme_ids: HashMap<String, u32>,
    pub(crate) scopes: Arc<ScopeIndex>,
    pub(crate) routes: Vec<CompiledRoute>,
    pub(crate) default: CompiledRule,
    pub(crate) tree: RouteTree,
    /// The folder key files are relative to, when the policy came from a file.
    pub(crate) base_dir: Option<std::path::PathBuf>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CompiledScheme {
    pub name: Arc<str>,
    pub config: SchemeConfig,
    pub challenge: Challenge,
    /// The request header the scheme reads, parsed once: an API key's header, or a
    /// session's CSRF header. `None` for other kinds, or a session without one.
    pub header: Option<http::HeaderName>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CompiledRoute {
    /// The pattern as written (`GET /users/{id}`): the tree holds what matching needs, and
    /// this text, a tenth of the parsed pattern's heap, is read back for `explain` only.
    pub pattern: Box<str>,
    pub rule: CompiledRule,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum CompiledRule {
    Public,
    Deny,
    Allow {
        alternatives: Vec<CompiledAlternative>,
        /// One challenge per distinct auth-scheme among the alternatives, in order.
        challenges: Arc<[Challenge]>,
        /// Every scheme the alternatives name, once each, in order: the credentials a
        /// request may present for this rule (computed here, not per request).
        accepted: SchemeIds,
    },
}

/// Scheme numbers as a rule lists them, inline up to four: a route accepting more schemes
/// than that is rare, and a table of routes then costs no allocation per list.
pub(crate) type SchemeIds = SmallVec<[u32; 4]>;

/// A requirement's scope numbers, inline up to four, for the same reason.
pub(crate) type RequiredScopes = SmallVec<[ScopeId; 4]>;

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CompiledAlternative {
    pub schemes: SchemeIds,
    pub mode: ScopeMatch,
    /// Required scope numbers; empty when the alternative requires no scope.
    pub scopes: RequiredScopes,
}

impl Engine {
    /// Compiles a document.
    ///
    /// # Errors
    /// Every problem found, sorted by position.
    pub fn compile(doc: &Document, options: &CompileOptions) -> Result<Engine, Vec<Diagnostic>> {
        let mut compiler = Compiler { errors: Vec::new(), options, challenge_sets: HashMap::new() };

        let realm = compiler.realm(doc);
        let (schemes, scheme_ids) = compiler.schemes(doc, &realm);
        let mut scopes = compiler.catalogue(doc);
        let mut routes = Vec::with_capacity(doc.routes.len());
        let mut tree = TreeBuilder::new();
        let limit = options.limits.max_routes;
        if let Some(first_too_many) = doc.routes.get(limit) {
            let span = first_too_many.pattern.span;
            compiler.error(span, CompileError::TooManyRoutes { routes: doc.routes.len(), limit });
        }

        let resolve = Resolve { doc, schemes: &schemes, ids: &scheme_ids };
        for (index, route) in doc.routes.iter().enumerate() {
            let place = Place::Route(&route.pattern.value);
            let rule = compiler.rule(&route.rule, place, route.pattern.span, &resolve, &mut scopes);
            let id = RouteId::try_from(index).unwrap_or(RouteId::MAX);
            let pattern = &route.pattern.value;
            if let Err(first) = tree.insert(&pattern.methods, &pattern.path, id) {
                let first =
                    doc.routes.get(first as usize).map_or(route.pattern.span, |r| r.pattern.span);
                let route_text = pattern.to_string();
                compiler.error(
                    route.pattern.span,
                    CompileError::DuplicateRoute { route: route_text, first },
                );
            }
            routes.push(CompiledRoute { pattern: pattern.text().into_boxed_str(), rule });
        }
        let default = match &doc.default {
            None => CompiledRule::Deny,
            Some(rule) => {
                compiler.rule(&rule.value, Place::Default, rule.span, &resolve, &mut scopes)
            }
        };

        if compiler.errors.is_empty() {
            let base_dir = options.base_dir.clone();
            Ok(Engine {
                realm,
                schemes,
                scheme_ids,
                scopes: Arc::new(scopes),
                routes,
                default,
                tree: tree.finish(),
                base_dir,
            })
        } else {
            compiler.errors.sort_by_key(|d| d.span);
            Err(compiler.errors)
        }
    }

    /// The realm named in challenges.
    pub fn realm(&self) -> &str {
        &self.realm
    }

    /// The declared schemes, by name, in declaration order.
    pub fn schemes(&self) -> impl Iterator<Item = (&str, &SchemeConfig)> {
        self.schemes.iter().map(|scheme| (&*scheme.name, &scheme.config))
    }

    /// How many routes the policy declares.
    pub fn route_count(&self) -> usize {
        self.routes.len()
    }
}

/// What resolving names in rules needs to see.
struct Resolve<'a> {
    doc: &'a Document,
    schemes: &'a [CompiledScheme],
    ids: &'a HashMap<String, u32>,
}

struct Compiler<'o> {
    errors: Vec<Diagnostic>,
    options: &'o CompileOptions,
    /// Challenge lists already built, by the schemes they came from: rules accepting the
    /// same schemes share one list.
    challenge_sets: HashMap<Vec<u32>, Arc<[Challenge]>>,
}

impl Compiler<'_> {
    fn error(&mut self, span: Span, error: CompileError) {
        self.errors.push(Diagnostic::new(span, error));
    }

    fn realm(&mut self, doc: &Document) -> Arc<str> {
        if doc.version.value != 1 {
            self.error(doc.version.span, CompileError::UnsupportedVersion(doc.version.value));
        }
        let realm = &doc.realm.value;
        if realm.trim().is_empty() || realm.chars().any(char::is_control) {
            self.error(doc.realm.span, CompileError::BadRealm);
        }
        Arc::from(realm.as_str())
    }

    fn schemes(
        &mut self,
        doc: &Document,
        realm: &Arc<str>,
    ) -> (Vec<CompiledScheme>, HashMap<String, u32>) {
        let mut schemes = Vec::new();
        let mut ids: HashMap<String, u32> = HashMap::new();
        let mut first_seen: HashMap<&str, Span> = HashMap::new();

        for decl in &doc.schemes {
            let name = &decl.name;
            if let Some(first) = first_seen.get(name.value.as_str()) {
                let error =
                    CompileError::DuplicateScheme { name: name.value.clone(), first: *first };
                self.error(name.span, error);
                continue;
            }
            first_seen.insert(&name.value, name.span);
            self.key_file(&decl.config, name.span);

            let id = u32::try_from(schemes.len()).unwrap_or(u32::MAX);
            ids.insert(name.value.clone(), id);
            schemes.push(CompiledScheme {
                name: Arc::from(name.value.as_str()),
                challenge: Challenge::for_scheme(&decl.config, realm),
                header: header_of(&decl.config),
                config: decl.config.clone(),
            });
        }
        (schemes, ids)
    }

    /// Key files must exist when the policy came from a file (their paths are relative to
    /// it); whether they hold usable keys is for the authenticator to say when it loads them.
    fn key_file(&mut self, config: &SchemeConfig, span: Span) {
        let (Some(base), SchemeConfig::Jwt(jwt)) = (&self.options.base_dir, config) else {
            return;
        };
        let written = match &jwt.keys {
            KeySource::JwksFile(path) | KeySource::PemFile(path) => path,
            KeySource::HmacSecretEnv(_) => return,
        };
        let resolved = base.join(written);
        if !Path::new(&resolved).is_file() {
            self.error(span, CompileError::KeyFileMissing { written: written.clone(), resolved });
        }
    }

    /// Numbers the catalogue's scopes and closes implication; without a catalogue, an empty
    /// index that routes will add their scopes to.
    fn catalogue(&mut self, doc: &Document) -> ScopeIndex {
        let mut index = ScopeIndex::default();
        let Some(catalogue) = &doc.scopes else {
            return index;
        };

        for decl in catalogue {
            if !is_scope_name(&decl.name.value) {
                self.error(decl.name.span, CompileError::BadScopeName(decl.name.value.clone()));
            }
            if index.id(&decl.name.value).is_some() {
                self.error(decl.name.span, CompileError::DuplicateScope(decl.name.value.clone()));
            }
            index.intern(&decl.name.value);
        }

        let mut edges = vec![Vec::new(); catalogue.len()];
        for decl in catalogue {
            let Some(from) = index.id(&decl.name.value) else {
                continue;
            };
            for implied in &decl.implies {
                match index.id(&implied.value) {
                    Some(to) => edges.get_mut(from as usize).into_iter().for_each(|e| e.push(to)),
                    None => self.unknown_scope(&index, implied, None),
                }
            }
        }
        if let Err(unclosed) = index.close(&edges) {
            let (first, error) = match unclosed {
                Unclosed::Cycle(cycle) => {
                    (cycle.first().cloned(), CompileError::ImplicationCycle(cycle))
                }
                Unclosed::TooDeep(first) => {
                    (Some(first.clone()), CompileError::ImplicationTooDeep(first))
                }
            };
            let span = catalogue.first().map_or(Span::default(), |d| d.name.span);
            let at = catalogue
                .iter()
                .find(|d| first.as_ref() == Some(&d.name.value))
                .map_or(span, |d| d.name.span);
            self.error(at, error);
        }
        index
    }

    fn unknown_scope(
        &mut self,
        index: &ScopeIndex,
        scope: &Spanned<String>,
        place: Option<Place<'_>>,
    ) {
        let suggestion = suggest(&scope.value, index.names()).map(str::to_owned);
        let error = CompileError::UnknownScope {
            name: scope.value.clone(),
            place: place.map(|p| p.to_string()),
            suggestion,
        };
        self.error(scope.span, error);
    }

    fn rule(
        &mut self,
        rule: &Rule,
        place: Place<'_>,
        span: Span,
        resolve: &Resolve<'_>,
        scopes: &mut ScopeIndex,
    ) -> CompiledRule {
        match rule {
            Rule::Public { .. } => CompiledRule::Public,
            Rule::Deny => CompiledRule::Deny,
            Rule::Allow(allow) => self.allow(allow, place, span, resolve, scopes),
        }
    }

    #[allow(
        clippy::indexing_slicing,
        reason = "scheme numbers come from `resolve.ids`, which numbers `resolve.schemes`"
    )]
    fn allow(
        &mut self,
        allow: &AllowRule,
        place: Place<'_>,
        span: Span,
        resolve: &Resolve<'_>,
        scopes: &mut ScopeIndex,
    ) -> CompiledRule {
        if allow.alternatives.is_empty() {
            self.error(span, CompileError::EmptyAllow(place.to_string()));
        }
        let route_requirement =
            allow.scopes.as_ref().map(|r| self.requirement(r, place, span, resolve, scopes));

        let mut alternatives = Vec::with_capacity(allow.alternatives.len());
        let mut challenge_schemes = SchemeIds::new();
        for alternative in &allow.alternatives {
            // An empty set would authenticate every request, anonymous ones included.
            if alternative.schemes.is_empty() {
                self.error(span, CompileError::EmptyAllow(place.to_string()));
            }
            let mut members = SchemeIds::new();
            for name in &alternative.schemes {
                let Some(&id) = resolve.ids.get(&name.value) else {
                    let declared = resolve.doc.schemes.iter().map(|s| s.name.value.as_str());
                    let suggestion = suggest(&name.value, declared).map(str::to_owned);
                    let error = CompileError::UnknownScheme {
                        name: name.value.clone(),
                        place: place.to_string(),
                        suggestion,
                    };
                    self.error(name.span, error);
                    continue;
                };
                if members.contains(&id) {
                    self.error(name.span, CompileError::RepeatedScheme(name.value.clone()));
                }
                members.push(id);
                let challenge = &resolve.schemes[id as usize].challenge;
                let seen = |other: &u32| {
                    resolve.schemes[*other as usize].challenge.scheme.same_as(&challenge.scheme)
                };
                if !challenge_schemes.iter().any(seen) {
                    challenge_schemes.push(id);
                }
            }

            let (mode, required) = match &alternative.scopes {
                Some(own) => self.requirement(own, place, span, resolve, scopes),
                None => {
                    route_requirement.clone().unwrap_or((ScopeMatch::All, RequiredScopes::new()))
                }
            };
            alternatives.push(CompiledAlternative { schemes: members, mode, scopes: required });
        }
        // Looked up by slice, so that only a set not seen before is copied into the map.
        let challenges = match self.challenge_sets.get(challenge_schemes.as_slice()) {
            Some(shared) => shared.clone(),
            None => {
                let challenges: Arc<[Challenge]> = (challenge_schemes.iter())
                    .map(|&id| resolve.schemes[id as usize].challenge.clone())
                    .collect();
                self.challenge_sets.insert(challenge_schemes.to_vec(), challenges.clone());
                challenges
            }
        };
        let mut accepted = SchemeIds::new();
        for &id in alternatives.iter().flat_map(|a| a.schemes.iter()) {
            if !accepted.contains(&id) {
                accepted.push(id);
            }
        }
        CompiledRule::Allow { alternatives, challenges, accepted }
    }

    /// Checks and numbers a scope list. With a catalogue, every scope must be declared in
    /// it; without one, each scope gets a number of its own and implies nothing.
    fn requirement(
        &mut self,
        requirement: &ScopeRequirement,
        place: Place<'_>,
        span: Span,
        resolve: &Resolve<'_>,
        scopes: &mut ScopeIndex,
    ) -> (ScopeMatch, RequiredScopes) {
        if requirement.scopes.is_empty() {
            self.error(span, CompileError::EmptyScopes(place.to_string()));
        }
        let mut ids = RequiredScopes::new();
        for scope in &requirement.scopes {
            if !is_scope_name(&scope.value) {
                self.error(scope.span, CompileError::BadScopeName(scope.value.clone()));
                continue;
            }
            let id = match (&resolve.doc.scopes, scopes.id(&scope.value)) {
                (_, Some(id)) => id,
                (None, None) => scopes.intern(&scope.value),
                (Some(_), None) => {
                    self.unknown_scope(scopes, scope, Some(place));
                    continue;
                }
            };
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        (requirement.mode, ids)
    }
}

/// The header a scheme reads. The reader accepted only RFC 9110 tokens as header names, and
/// every token is a valid header name, so parsing fails only on a reader bug (then `None`,
/// and the scheme finds no credential: it fails closed).
fn header_of(config: &SchemeConfig) -> Option<http::HeaderName> {
    let name = match config {
        SchemeConfig::ApiKey(key) => key.header.as_str(),
        SchemeConfig::Session(session) => session.csrf_header.as_deref()?,
        _ => return None,
    };
    http::HeaderName::from_bytes(name.as_bytes()).ok()
}

impl AuthScheme {
    fn same_as(&self, other: &AuthScheme) -> bool {
        self.name().eq_ignore_ascii_case(other.name())
    }
}

impl Challenge {
    /// The challenge a scheme answers an unauthenticated request with.
    fn for_scheme(config: &SchemeConfig, realm: &Arc<str>) -> Challenge {
        let (scheme, params) = match config {
            SchemeConfig::Jwt(_) | SchemeConfig::OpaqueToken(_) => (AuthScheme::Bearer, Vec::new()),
            SchemeConfig::ApiKey(key) => {
                let name = key.authorization_scheme.clone().unwrap_or_else(|| "ApiKey".into());
                (AuthScheme::ApiKey(name), vec![("header", key.header.clone())])
            }
            SchemeConfig::Session(session) => {
                (AuthScheme::Cookie, vec![("cookie-name", session.cookie.clone())])
            }
        };
        Challenge { scheme, realm: realm.clone(), params }
    }
}
