//! Evaluating: deciding a request against a compiled [`Engine`].
//!
//! A decision takes three steps: normalize the path (refusing anything ambiguous, see
//! [`path`]), find the one route that governs the request in the tree, and evaluate that
//! route's rule against the request's credentials. The steps read the engine and never
//! write it, so any number of threads can decide at once without a lock.

mod decision;
mod name;
pub mod path;
mod scopes;
mod text;

pub use decision::{
    AllowBasis, AuthError, AuthErrorCode, AuthScheme, Challenge, Decision, ForbiddenReason,
    MalformedRequest, Rejection, ResponseHead,
};
pub use name::Name;
pub(crate) use scopes::ScopeIds;
pub use scopes::Scopes;
pub(crate) use text::same;

use std::sync::Arc;

use crate::compile::{CompiledAlternative, CompiledRule, Engine, MethodMatch, ScopeId};
use crate::credential::Credential;
use crate::model::{RoutePattern, ScopeMatch};
use path::PathError;

/// The parts of a request a decision depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request<'a> {
    /// The method, as sent (methods are case-sensitive).
    pub method: &'a str,
    /// The request target's path, raw; a query string is ignored.
    pub target: &'a str,
    /// Whether this is a CORS preflight (`OPTIONS` with `Access-Control-Request-Method`).
    pub preflight: bool,
}

impl<'a> Request<'a> {
    /// A request for `method` and `target`; a preflight when the method is `OPTIONS` and
    /// `access_control_request_method` is true.
    pub fn new(method: &'a str, target: &'a str) -> Request<'a> {
        Request { method, target, preflight: false }
    }

    /// Marks the request as a CORS preflight if its method is `OPTIONS`.
    pub fn with_preflight(mut self, has_request_method_header: bool) -> Request<'a> {
        self.preflight = has_request_method_header && self.method == "OPTIONS";
        self
    }
}

/// Which rule governs a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Governing {
    /// The route with this index (in policy order).
    Route(usize),
    /// No route matched: the policy's default.
    Default,
    /// A preflight with no explicit `OPTIONS` route: let through.
    Preflight,
}

impl Engine {
    /// Decides a request, given the credentials its schemes verified (none for an anonymous
    /// request). The decision borrows from the engine and the credentials; see
    /// [`Decision::into_owned`] for one that outlives them.
    pub fn decide<'a>(
        &'a self,
        request: &Request<'_>,
        credentials: &'a [Credential],
    ) -> Decision<'a> {
        match self.governing(request) {
            Ok(governing) => self.decide_governed(governing, credentials),
            Err(error) => Decision::Malformed { reason: error.into(), challenge: None },
        }
    }

    /// Decides a request whose governing rule is already known (see [`Engine::governing`]).
    pub fn decide_governed<'a>(
        &'a self,
        governing: Governing,
        credentials: &'a [Credential],
    ) -> Decision<'a> {
        match governing {
            Governing::Preflight => anonymous(AllowBasis::Preflight),
            Governing::Default => self.evaluate(&self.default, credentials, true),
            Governing::Route(index) => match self.routes.get(index) {
                Some(route) => self.evaluate(&route.rule, credentials, false),
                None => self.evaluate(&CompiledRule::Deny, credentials, false),
            },
        }
    }

    /// The route a governing decision names, as written (`GET /users/{id}`); `None` for the
    /// default and for preflights.
    pub fn route_text(&self, governing: Governing) -> Option<String> {
        match governing {
            Governing::Route(index) => self.routes.get(index).map(|r| r.pattern.to_string()),
            Governing::Default | Governing::Preflight => None,
        }
    }

    /// Which rule governs a request: the most specific route whose path and method match,
    /// or the default.
    ///
    /// # Errors
    /// A [`PathError`] when the path is refused before any rule is consulted.
    pub fn governing(&self, request: &Request<'_>) -> Result<Governing, PathError> {
        let method = match request.preflight {
            true => MethodMatch::Preflight,
            false => MethodMatch::Request(request.method),
        };
        let found =
            path::with_segments(request.target, |segments| self.tree.find(segments, method))?;
        Ok(match (found, request.preflight) {
            (Some(route), _) => Governing::Route(route as usize),
            (None, true) => Governing::Preflight,
            (None, false) => Governing::Default,
        })
    }

    fn evaluate<'a>(
        &'a self,
        rule: &'a CompiledRule,
        credentials: &'a [Credential],
        default: bool,
    ) -> Decision<'a> {
        let (alternatives, challenges) = match rule {
            CompiledRule::Public => return anonymous(AllowBasis::Public),
            CompiledRule::Deny => {
                let reason =
                    if default { ForbiddenReason::NoRoute } else { ForbiddenReason::RouteDenies };
                let (required, mode, challenge) = (Vec::new(), ScopeMatch::All, None);
                return Decision::Forbidden { required, mode, reason, challenge };
            }
            CompiledRule::Allow { alternatives, challenges, .. } => (alternatives, challenges),
        };
        // Every alternative names at least one scheme, so without credentials none holds.
        if credentials.is_empty() {
            return Decision::Unauthenticated { challenges: challenges.clone(), error: None };
        }

        // Try the alternatives in order; the first that authenticates and holds its scopes
        // allows. One that authenticates without the scopes is remembered for the 403.
        let mut short: Option<&CompiledAlternative> = None;
        for alternative in alternatives {
            let Some(members) = self.members(alternative, credentials) else {
                continue;
            };
            if self.holds(alternative, &members) {
                return self.allow(alternative, &members);
            }
            short.get_or_insert(alternative);
        }

        match short {
            Some(alternative) => self.insufficient(alternative),
            None => Decision::Unauthenticated { challenges: challenges.clone(), error: None },
        }
    }

    /// The credentials for every scheme of an alternative, or `None` if one is missing. A
    /// credential counts only for the scheme it names and only if its kind is that scheme's.
    fn members<'c>(
        &self,
        alternative: &CompiledAlternative,
        credentials: &'c [Credential],
    ) -> Option<Members<'c>> {
        let find = |id: u32| {
            let scheme = self.schemes.get(id as usize)?;
            // The kind first: one comparison rules out most credentials before any name.
            credentials.iter().find(|c| {
                c.kind() == scheme.config.kind() && same_name(&c.identity().scheme, &scheme.name)
            })
        };
        match alternative.schemes.as_slice() {
            // invariant: compiling refuses empty sets; an empty one still authenticates no one.
            [] => None,
            // The common case, one scheme, needs no list.
            [only] => find(*only).map(Members::One),
            many => many.iter().map(|&id| find(id)).collect::<Option<_>>().map(Members::Many),
        }
    }

    /// Whether the members' granted scopes meet the alternative's requirement, implication
    /// followed: each required scope is compared with the few names that grant it.
    fn holds(&self, alternative: &CompiledAlternative, members: &[&Credential]) -> bool {
        let held =
            |&id: &ScopeId| members.iter().any(|c| self.scopes.grants(&c.identity().scopes, id));
        let required = alternative.scopes.as_slice();
        match alternative.mode {
            _ if required.is_empty() => true,
            ScopeMatch::All => required.iter().all(held),
            ScopeMatch::Any => required.iter().any(held),
        }
    }

    /// Allow on behalf of the alternative's first scheme, which names the principal; the
    /// others (an app key beside a user token) vouch for the call.
    fn allow<'a>(
        &'a self,
        alternative: &CompiledAlternative,
        members: &[&'a Credential],
    ) -> Decision<'a> {
        let first = members.first().map(|c| c.identity());
        let scheme = alternative.schemes.first().and_then(|&id| self.schemes.get(id as usize));

        // Every name is lent, by the catalogue or by the credential: an Allow copies no
        // string and counts no reference.
        let granted = members.iter().map(|c| &c.identity().scopes);
        let scopes = Scopes::compiled(&self.scopes, granted);

        Decision::Allow {
            principal: first.map(|identity| Name::lent(&identity.principal)),
            scheme: scheme.map(|s| Name::lent(&s.name)),
            scopes,
            basis: AllowBasis::Authorized,
        }
    }

    fn insufficient(&self, alternative: &CompiledAlternative) -> Decision<'static> {
        let required = alternative.scopes.iter().map(|&id| self.scopes.name(id).clone()).collect();
        let challenge = alternative
            .schemes
            .iter()
            .filter_map(|&id| self.schemes.get(id as usize))
            .find(|s| s.challenge.scheme == AuthScheme::Bearer)
            .map(|s| s.challenge.clone());
        Decision::Forbidden {
            required,
            mode: alternative.mode,
            reason: ForbiddenReason::InsufficientScope,
            challenge,
        }
    }
}

/// Whether two scheme names are equal; names an authenticator made from the engine's own
/// share its string, and are recognized without comparing bytes.
fn same_name(a: &Arc<str>, b: &Arc<str>) -> bool {
    Arc::ptr_eq(a, b) || same(a, b)
}

fn anonymous(basis: AllowBasis) -> Decision<'static> {
    Decision::Allow { principal: None, scheme: None, scopes: Scopes::default(), basis }
}

/// Whether `effective` (sorted) meets the alternative's requirement.
fn satisfies(alternative: &CompiledAlternative, effective: &[ScopeId]) -> bool {
    let held = |id: &ScopeId| effective.binary_search(id).is_ok();
    let required = alternative.scopes.as_slice();
    match alternative.mode {
        _ if required.is_empty() => true,
        ScopeMatch::All => required.iter().all(held),
        ScopeMatch::Any => required.iter().any(held),
    }
}

/// The credentials that satisfy an alternative's schemes.
enum Members<'c> {
    One(&'c Credential),
    Many(Vec<&'c Credential>),
}

impl<'c> std::ops::Deref for Members<'c> {
    type Target = [&'c Credential];

    fn deref(&self) -> &Self::Target {
        match self {
            Members::One(credential) => std::slice::from_ref(credential),
            Members::Many(list) => list,
        }
    }
}

/// How one alternative of a rule fared, for `portcullis explain`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlternativeReport {
    /// The schemes that must all authenticate.
    pub schemes: Vec<Arc<str>>,
    /// Whether every one of them did.
    pub authenticated: bool,
    /// Whether all of `required` or one of them is needed.
    pub mode: ScopeMatch,
    /// The scopes required.
    pub required: Vec<Arc<str>>,
    /// The scopes held, implied ones included (empty when not authenticated).
    pub held: Vec<Arc<str>>,
    /// Whether the alternative allows the request.
    pub satisfied: bool,
}

impl Engine {
    /// The routes whose path pattern matches `target`, whatever their methods, in policy
    /// order: the candidates a request's method then chooses among.
    ///
    /// # Errors
    /// A [`PathError`] when the path is refused.
    pub fn candidate_routes(&self, target: &str) -> Result<Vec<usize>, PathError> {
        let segments = path::normalize(target)?;
        let segments: Vec<&str> = segments.iter().map(|s| &**s).collect();
        Ok((self.routes.iter().enumerate())
            .filter(|(_, route)| {
                let pattern = RoutePattern::parse(&route.pattern);
                pattern.is_ok_and(|pattern| matches_path(&pattern.path, &segments))
            })
            .map(|(i, _)| i)
            .collect())
    }

    /// How each alternative of the governing rule fares with `credentials`.
    pub fn explain_rule(
        &self,
        governing: Governing,
        credentials: &[Credential],
    ) -> Vec<AlternativeReport> {
        let rule = match governing {
            Governing::Route(index) => self.routes.get(index).map(|r| &r.rule),
            Governing::Default => Some(&self.default),
            Governing::Preflight => None,
        };
        let Some(CompiledRule::Allow { alternatives, .. }) = rule else { return Vec::new() };

        alternatives
            .iter()
            .map(|alternative| {
                let members = self.members(alternative, credentials);
                let granted =
                    members.iter().flat_map(|m| m.iter()).flat_map(|c| c.identity().scopes.iter());
                let effective = self.scopes.effective(granted.map(|s| &**s));
                let names =
                    |ids: &[ScopeId]| ids.iter().map(|&id| self.scopes.name(id).clone()).collect();
                AlternativeReport {
                    schemes: alternative
                        .schemes
                        .iter()
                        .filter_map(|&id| self.schemes.get(id as usize).map(|s| s.name.clone()))
                        .collect(),
                    authenticated: members.is_some(),
                    mode: alternative.mode,
                    required: names(&alternative.scopes),
                    held: names(&effective),
                    satisfied: members.is_some() && satisfies(alternative, &effective),
                }
            })
            .collect()
    }
}

/// Whether a path pattern matches normalized segments (the naive way; explain only).
fn matches_path(pattern: &crate::model::PathPattern, segments: &[&str]) -> bool {
    use crate::model::Segment;
    let mut rest = segments;
    for segment in &pattern.segments {
        match (segment, rest.split_first()) {
            (Segment::CatchAll, _) => return true,
            (Segment::Literal(text), Some((first, tail))) if text == first => rest = tail,
            (Segment::Param(_) | Segment::Wildcard, Some((_, tail))) => rest = tail,
            _ => return false,
        }
    }
    rest.is_empty()
}
