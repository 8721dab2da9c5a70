//! The scopes an allowed request holds, as [`Decision::Allow`](super::Decision) reports them.
//!
//! Deciding must not copy strings: an `Allow` is given millions of times, and the names it
//! reports already exist, in the compiled catalogue (every scope a policy mentions, with
//! what each implies) and in the credential (the scopes as issued). [`Scopes`] keeps a
//! share of both, and follows implication and spells the names out only when asked.
//! Reading them (`names`, `to_vec`) allocates; holding them does not.

use std::fmt;
use std::sync::Arc;

use smallvec::SmallVec;

use crate::compile::{ScopeId, ScopeIndex};

/// How many scope numbers a set computed while deciding holds without allocating.
const INLINE_SCOPES: usize = 16;

/// Catalogue scope numbers, sorted; inline up to [`INLINE_SCOPES`].
pub(crate) type ScopeIds = SmallVec<[ScopeId; INLINE_SCOPES]>;

/// The scopes a request was allowed with: implied ones included, and those the policy never
/// mentions kept as issued. Compare, print and read it as a sorted set of names.
#[derive(Clone, Default)]
pub struct Scopes {
    held: Held,
}

#[derive(Clone, Default)]
enum Held {
    /// Nothing (an anonymous request).
    #[default]
    None,
    /// Shares of the compiled catalogue and of the credentials' granted lists.
    Compiled {
        catalogue: Arc<ScopeIndex>,
        /// One list per credential that took part (one, unless a rule combines schemes).
        granted: SmallVec<[Arc<[Arc<str>]>; 1]>,
    },
    /// Names given directly (see [`Scopes::from_names`]), sorted and deduplicated.
    Listed(Arc<[Arc<str>]>),
}

impl Scopes {
    /// The scopes `granted` (as issued) hold under a compiled catalogue's implications.
    pub(crate) fn compiled(
        catalogue: &Arc<ScopeIndex>,
        granted: SmallVec<[Arc<[Arc<str>]>; 1]>,
    ) -> Scopes {
        Scopes { held: Held::Compiled { catalogue: Arc::clone(catalogue), granted } }
    }

    /// A set of scopes named directly, as a test or an application building its own
    /// [`Decision`](super::Decision) would.
    pub fn from_names(names: impl IntoIterator<Item = impl Into<Arc<str>>>) -> Scopes {
        let mut names: Vec<Arc<str>> = names.into_iter().map(Into::into).collect();
        names.sort_unstable();
        names.dedup();
        Scopes { held: Held::Listed(names.into()) }
    }

    /// Whether `scope` is held, directly or by implication.
    pub fn contains(&self, scope: &str) -> bool {
        match &self.held {
            Held::None => false,
            Held::Compiled { catalogue, granted } => {
                let names = granted.iter().flat_map(|list| list.iter()).map(|s| &**s);
                match catalogue.id(scope) {
                    Some(id) => catalogue.grants(names, id),
                    None => names.clone().any(|s| s == scope),
                }
            }
            Held::Listed(names) => names.binary_search_by(|s| (**s).cmp(scope)).is_ok(),
        }
    }

    /// The names, sorted and without repeats.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = match &self.held {
            Held::None => Vec::new(),
            Held::Compiled { catalogue, granted } => {
                let lists = granted.iter().flat_map(|list| list.iter());
                let known = catalogue.effective(lists.clone().map(|s| &**s));
                let implied = known.iter().map(|&id| &**catalogue.name(id));
                let unknown = lists.filter(|s| !catalogue.knows(s)).map(|s| &**s);
                implied.chain(unknown).collect()
            }
            Held::Listed(names) => names.iter().map(|s| &**s).collect(),
        };
        names.sort_unstable();
        names.dedup();
        names
    }

    /// The names, sorted and without repeats, as shared strings.
    pub fn to_vec(&self) -> Vec<Arc<str>> {
        let mut names: Vec<Arc<str>> = match &self.held {
            Held::None => Vec::new(),
            Held::Compiled { catalogue, granted } => {
                let lists = granted.iter().flat_map(|list| list.iter());
                let known = catalogue.effective(lists.clone().map(|s| &**s));
                let implied = known.iter().map(|&id| Arc::clone(catalogue.name(id)));
                let unknown = lists.filter(|s| !catalogue.knows(s)).cloned();
                implied.chain(unknown).collect()
            }
            Held::Listed(names) => names.to_vec(),
        };
        names.sort_unstable();
        names.dedup();
        names
    }

    /// The names in order; see [`Scopes::names`].
    pub fn iter(&self) -> std::vec::IntoIter<&str> {
        self.names().into_iter()
    }

    /// How many distinct scopes are held.
    pub fn len(&self) -> usize {
        match &self.held {
            Held::None => 0,
            Held::Listed(names) => names.len(),
            Held::Compiled { .. } => self.names().len(),
        }
    }

    /// Whether no scope is held.
    pub fn is_empty(&self) -> bool {
        match &self.held {
            Held::None => true,
            Held::Listed(names) => names.is_empty(),
            Held::Compiled { granted, .. } => granted.iter().all(|list| list.is_empty()),
        }
    }
}

impl PartialEq for Scopes {
    fn eq(&self, other: &Scopes) -> bool {
        self.names() == other.names()
    }
}

impl Eq for Scopes {}

impl fmt::Debug for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.names()).finish()
    }
}

impl<S: Into<Arc<str>>> FromIterator<S> for Scopes {
    fn from_iter<I: IntoIterator<Item = S>>(names: I) -> Scopes {
        Scopes::from_names(names)
    }
}

impl<'s> IntoIterator for &'s Scopes {
    type Item = &'s str;
    type IntoIter = std::vec::IntoIter<&'s str>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_scopes_are_a_sorted_set() {
        let scopes = Scopes::from_names(["b", "a", "b"]);
        assert_eq!(scopes.names(), ["a", "b"]);
        assert_eq!(scopes.len(), 2);
        assert!(scopes.contains("a") && !scopes.contains("c"));
        assert_eq!(format!("{scopes:?}"), r#"{"a", "b"}"#);
        assert!(Scopes::default().is_empty());
        assert_eq!(Scopes::default(), Scopes::from_names(Vec::<String>::new()));
    }
}
