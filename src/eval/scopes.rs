//! The scopes an allowed request holds, as [`Decision::Allow`](super::Decision) reports them.
//!
//! Deciding must not copy strings: an `Allow` is given millions of times, and the names it
//! reports already exist, in the compiled catalogue (every scope a policy mentions, with
//! what each implies) and in the credential (the scopes as issued). [`Scopes`] borrows both
//! from the engine and the credentials it was decided from, or, once made to outlive them
//! ([`Scopes::into_owned`]), shares them; it follows implication and spells the names out
//! only when asked. Reading them (`names`, `to_vec`) allocates; holding them does not.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use smallvec::SmallVec;

use crate::compile::{ScopeId, ScopeIndex};

/// How many scope numbers a set computed while deciding holds without allocating.
const INLINE_SCOPES: usize = 16;

/// Catalogue scope numbers, sorted; inline up to [`INLINE_SCOPES`].
pub(crate) type ScopeIds = SmallVec<[ScopeId; INLINE_SCOPES]>;

/// A credential's granted scopes, as issued: lent or shared.
type Granted<'a> = Cow<'a, Arc<[Arc<str>]>>;

/// The scopes a request was allowed with: implied ones included, and those the policy never
/// mentions kept as issued. Compare, print and read it as a sorted set of names.
#[derive(Clone, Default)]
pub struct Scopes<'a> {
    held: Held<'a>,
}

#[derive(Clone, Default)]
enum Held<'a> {
    /// Nothing (an anonymous request).
    #[default]
    None,
    /// The compiled catalogue and one credential's granted list (the usual case).
    One { catalogue: Cow<'a, Arc<ScopeIndex>>, granted: Granted<'a> },
    /// The compiled catalogue and the granted lists of every credential that took part (a
    /// rule combining schemes).
    Many { catalogue: Cow<'a, Arc<ScopeIndex>>, granted: Vec<Granted<'a>> },
    /// Names given directly (see [`Scopes::from_names`]), sorted and deduplicated.
    Listed(Arc<[Arc<str>]>),
}

impl Scopes<'static> {
    /// A set of scopes named directly, as a test or an application building its own
    /// [`Decision`](super::Decision) would.
    pub fn from_names(names: impl IntoIterator<Item = impl Into<Arc<str>>>) -> Scopes<'static> {
        let mut names: Vec<Arc<str>> = names.into_iter().map(Into::into).collect();
        names.sort_unstable();
        names.dedup();
        Scopes { held: Held::Listed(names.into()) }
    }
}

impl<'a> Scopes<'a> {
    /// The scopes the credentials' `granted` lists (as issued) hold under a compiled
    /// catalogue's implications, lent by both.
    pub(crate) fn compiled(
        catalogue: &'a Arc<ScopeIndex>,
        mut granted: impl ExactSizeIterator<Item = &'a Arc<[Arc<str>]>>,
    ) -> Scopes<'a> {
        let catalogue = Cow::Borrowed(catalogue);
        let held = match (granted.len(), granted.next()) {
            (1, Some(only)) => Held::One { catalogue, granted: Cow::Borrowed(only) },
            (_, first) => {
                let granted = first.into_iter().chain(granted).map(Cow::Borrowed).collect();
                Held::Many { catalogue, granted }
            }
        };
        Scopes { held }
    }

    /// The same scopes, no longer borrowing from the engine or the credentials: their
    /// lists are shared, not copied.
    pub fn into_owned(self) -> Scopes<'static> {
        let own = |granted: Granted<'a>| -> Granted<'static> { Cow::Owned(granted.into_owned()) };
        let held = match self.held {
            Held::None => Held::None,
            Held::One { catalogue, granted } => {
                Held::One { catalogue: Cow::Owned(catalogue.into_owned()), granted: own(granted) }
            }
            Held::Many { catalogue, granted } => Held::Many {
                catalogue: Cow::Owned(catalogue.into_owned()),
                granted: granted.into_iter().map(own).collect(),
            },
            Held::Listed(names) => Held::Listed(names),
        };
        Scopes { held }
    }

    /// The catalogue and the credentials' granted lists, for sets a compiled policy decided.
    fn compiled_lists(&self) -> Option<(&ScopeIndex, &[Granted<'a>])> {
        match &self.held {
            Held::One { catalogue, granted } => Some((catalogue, std::slice::from_ref(granted))),
            Held::Many { catalogue, granted } => Some((catalogue, granted)),
            Held::None | Held::Listed(_) => None,
        }
    }

    /// Whether `scope` is held, directly or by implication.
    pub fn contains(&self, scope: &str) -> bool {
        if let Held::Listed(names) = &self.held {
            return names.binary_search_by(|s| (**s).cmp(scope)).is_ok();
        }
        let Some((catalogue, lists)) = self.compiled_lists() else { return false };
        match catalogue.id(scope) {
            Some(id) => lists.iter().any(|list| catalogue.grants(list, id)),
            None => lists.iter().flat_map(|list| list.iter()).any(|s| **s == *scope),
        }
    }

    /// The names, sorted and without repeats.
    pub fn names(&self) -> Vec<&str> {
        match (&self.held, self.compiled_lists()) {
            (Held::Listed(names), _) => names.iter().map(|s| &**s).collect(),
            (_, Some((catalogue, lists))) => held_names(catalogue, lists, |name| &**name),
            (_, None) => Vec::new(),
        }
    }

    /// The names, sorted and without repeats, as shared strings.
    pub fn to_vec(&self) -> Vec<Arc<str>> {
        match (&self.held, self.compiled_lists()) {
            (Held::Listed(names), _) => names.to_vec(),
            (_, Some((catalogue, lists))) => held_names(catalogue, lists, Arc::clone),
            (_, None) => Vec::new(),
        }
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
            Held::One { .. } | Held::Many { .. } => self.names().len(),
        }
    }

    /// Whether no scope is held.
    pub fn is_empty(&self) -> bool {
        match &self.held {
            Held::None => true,
            Held::Listed(names) => names.is_empty(),
            Held::One { granted, .. } => granted.is_empty(),
            Held::Many { granted, .. } => granted.iter().all(|list| list.is_empty()),
        }
    }
}

/// The names `lists` hold under `catalogue`, implied ones included and those it does not
/// know kept as issued, each as `name` makes it of the catalogue's or the list's string;
/// sorted and without repeats.
fn held_names<'s, T: Ord>(
    catalogue: &'s ScopeIndex,
    lists: &'s [Granted<'_>],
    name: impl Fn(&'s Arc<str>) -> T,
) -> Vec<T> {
    let granted = lists.iter().flat_map(|list| list.iter());
    let known = catalogue.effective(granted.clone().map(|s| &**s));
    let implied = known.iter().map(|&id| name(catalogue.name(id)));
    let unknown = granted.filter(|s| !catalogue.knows(s)).map(&name);
    let mut names: Vec<T> = implied.chain(unknown).collect();
    names.sort_unstable();
    names.dedup();
    names
}

impl PartialEq<Scopes<'_>> for Scopes<'_> {
    fn eq(&self, other: &Scopes<'_>) -> bool {
        self.names() == other.names()
    }
}

impl Eq for Scopes<'_> {}

impl fmt::Debug for Scopes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.names()).finish()
    }
}

impl<S: Into<Arc<str>>> FromIterator<S> for Scopes<'static> {
    fn from_iter<I: IntoIterator<Item = S>>(names: I) -> Scopes<'static> {
        Scopes::from_names(names)
    }
}

impl<'s> IntoIterator for &'s Scopes<'_> {
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
