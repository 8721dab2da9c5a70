//! The scope catalogue compiled: every scope gets a number, and every number the sorted
//! list of numbers it grants once implication is followed to the end.
//!
//! The closure is computed here, once, so that a decision only looks a credential's scopes
//! up and merges short sorted lists; implication never costs anything per request.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use crate::eval::{ScopeIds, same};

/// FNV-1a: scope names are short and chosen by the policy's author, not by requests (a
/// request's scopes are looked up, never inserted), so a fast non-keyed hash is safe here
/// and several times cheaper than the default SipHash on a five-scope credential.
#[derive(Default)]
pub(crate) struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for &byte in bytes {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }
}

type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// A scope's number in the compiled catalogue.
pub(crate) type ScopeId = u32;

/// The compiled catalogue (or, when the policy declares none, every scope the routes use).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ScopeIndex {
    names: Vec<Arc<str>>,
    ids: FnvMap<Arc<str>, ScopeId>,
    /// For each scope, itself and everything it implies, sorted.
    closure: Vec<Box<[ScopeId]>>,
    /// For each scope, every scope that grants it: itself and the scopes implying it. A
    /// rule's requirement is checked against their names, with no hashing. Scope `i`'s
    /// grantors are `grantors[grantor_start[i]..grantor_start[i + 1]]` (one list for all,
    /// rather than an allocation per scope).
    grantors: Vec<ScopeId>,
    grantor_start: Vec<u32>,
}

/// The most implications one after another (`a implies b`, `b implies c`, ...): closing
/// them is recursive, and a chain this long is already past what a person can review.
pub const MAX_IMPLICATION_DEPTH: usize = 32;

/// Why implication could not be closed.
pub(crate) enum Unclosed {
    /// A cycle: the scopes on it, first one repeated at the end.
    Cycle(Vec<String>),
    /// A chain longer than [`MAX_IMPLICATION_DEPTH`]: its first scope.
    TooDeep(String),
}

impl ScopeIndex {
    /// Numbers `name` if it is new; returns its number either way.
    pub(crate) fn intern(&mut self, name: &str) -> ScopeId {
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        let id = ScopeId::try_from(self.names.len()).unwrap_or(ScopeId::MAX);
        let name: Arc<str> = Arc::from(name);
        self.names.push(Arc::clone(&name));
        self.ids.insert(name, id);
        self.closure.push(Box::new([id]));
        if self.grantor_start.is_empty() {
            self.grantor_start.push(0);
        }
        self.grantors.push(id);
        self.grantor_start.push(offset(self.grantors.len()));
        id
    }

    /// Whether the index knows `name`.
    pub(crate) fn knows(&self, name: &str) -> bool {
        self.ids.contains_key(name)
    }

    pub(crate) fn id(&self, name: &str) -> Option<ScopeId> {
        self.ids.get(name).copied()
    }

    #[allow(clippy::indexing_slicing, reason = "ids are only handed out by `intern`")]
    pub(crate) fn name(&self, id: ScopeId) -> &Arc<str> {
        // invariant: ids are only handed out by `intern`, which pushes the name.
        &self.names[id as usize]
    }

    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(|name| &**name)
    }

    /// Computes every scope's closure from its direct implications (`edges[id]`).
    ///
    /// # Errors
    /// The first implication cycle found; a cycle has no meaningful closure.
    pub(crate) fn close(&mut self, edges: &[Vec<ScopeId>]) -> Result<(), Unclosed> {
        let mut state = vec![Visit::New; self.names.len()];
        let mut closure: Vec<Option<Box<[ScopeId]>>> = vec![None; self.names.len()];
        let mut path = Vec::new();
        for id in 0..self.names.len() {
            self.visit(id as ScopeId, edges, &mut state, &mut closure, &mut path)?;
        }
        self.closure = closure.into_iter().map(Option::unwrap_or_default).collect();

        let mut granted_by = vec![Vec::new(); self.names.len()];
        for (id, implied) in self.closure.iter().enumerate() {
            for &scope in implied.iter() {
                if let Some(grantors) = granted_by.get_mut(scope as usize) {
                    grantors.push(id as ScopeId);
                }
            }
        }
        self.grantor_start = vec![0];
        self.grantors.clear();
        for grantors in granted_by {
            self.grantors.extend(grantors);
            self.grantor_start.push(offset(self.grantors.len()));
        }
        Ok(())
    }

    /// The scopes that grant `id`: itself and every scope implying it.
    pub(crate) fn grantors(&self, id: ScopeId) -> &[ScopeId] {
        let index = id as usize;
        let range = self.grantor_start.get(index).zip(self.grantor_start.get(index + 1));
        range
            .and_then(|(&start, &end)| self.grantors.get(start as usize..end as usize))
            .unwrap_or_default()
    }

    /// Whether holding `granted` (one credential's names, as issued) grants scope `id`.
    /// Several credentials grant it when one of them does.
    pub(crate) fn grants(&self, granted: &[impl AsRef<str>], id: ScopeId) -> bool {
        self.grantors(id).iter().any(|&grantor| {
            let name = &**self.name(grantor);
            granted.iter().any(|scope| same(scope.as_ref(), name))
        })
    }

    /// Depth-first closure of `id`, memoized; `path` holds the scopes being visited, so
    /// that a cycle can be reported as the user would trace it. Returns the length of the
    /// longest chain of implications from `id`, which may not pass
    /// [`MAX_IMPLICATION_DEPTH`]: checked on the way down (it bounds the recursion) and on
    /// the way up (a chain met in pieces, its lower part closed already, is as long).
    #[allow(
        clippy::indexing_slicing,
        reason = "`state` and `closure` have one entry per interned scope, and `start` is a \
                  position in `path`"
    )]
    fn visit(
        &self,
        id: ScopeId,
        edges: &[Vec<ScopeId>],
        state: &mut [Visit],
        closure: &mut [Option<Box<[ScopeId]>>],
        path: &mut Vec<ScopeId>,
    ) -> Result<usize, Unclosed> {
        let index = id as usize;
        let too_deep = |at: ScopeId| Unclosed::TooDeep(self.name(at).to_string());
        if path.len() > MAX_IMPLICATION_DEPTH {
            return Err(too_deep(path.first().copied().unwrap_or(id)));
        }
        match state[index] {
            Visit::Done(height) => return Ok(height),
            Visit::Open => {
                let start = path.iter().position(|&p| p == id).unwrap_or(0);
                let mut names: Vec<String> =
                    path[start..].iter().map(|&p| self.name(p).to_string()).collect();
                names.push(self.name(id).to_string());
                return Err(Unclosed::Cycle(names));
            }
            Visit::New => {}
        }

        state[index] = Visit::Open;
        path.push(id);
        let mut granted = vec![id];
        let mut height = 0;
        for &next in edges.get(index).map_or(&[][..], Vec::as_slice) {
            height = height.max(1 + self.visit(next, edges, state, closure, path)?);
            granted.extend(closure[next as usize].iter().flat_map(|c| c.iter()));
        }
        path.pop();
        if height > MAX_IMPLICATION_DEPTH {
            return Err(too_deep(path.first().copied().unwrap_or(id)));
        }

        granted.sort_unstable();
        granted.dedup();
        closure[index] = Some(granted.into_boxed_slice());
        state[index] = Visit::Done(height);
        Ok(height)
    }

    /// The sorted, deduplicated numbers granted by holding `scopes`; names the index does
    /// not know grant nothing a route could require, so they are skipped.
    #[allow(clippy::indexing_slicing, reason = "`close` gives every interned scope a closure")]
    pub(crate) fn effective<'s>(&self, scopes: impl Iterator<Item = &'s str>) -> ScopeIds {
        let mut granted = ScopeIds::new();
        for scope in scopes {
            if let Some(id) = self.ids.get(scope) {
                granted.extend_from_slice(&self.closure[*id as usize]);
            }
        }
        granted.sort_unstable();
        granted.dedup();
        granted
    }
}

fn offset(len: usize) -> u32 {
    // invariant: a policy is limited in size (see `load`) far below 2^32 scope grants.
    u32::try_from(len).unwrap_or(u32::MAX)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Visit {
    New,
    Open,
    /// Closed, with the length of the longest chain of implications from here.
    Done(usize),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(names: &[&str], edges: &[(usize, usize)]) -> (ScopeIndex, Vec<Vec<ScopeId>>) {
        let mut index = ScopeIndex::default();
        for name in names {
            index.intern(name);
        }
        let mut adjacency = vec![Vec::new(); names.len()];
        for &(from, to) in edges {
            adjacency[from].push(to as ScopeId);
        }
        (index, adjacency)
    }

    #[test]
    fn implication_is_transitive() {
        let (mut scopes, edges) = index(&["admin", "write", "read", "other"], &[(0, 1), (1, 2)]);
        assert!(scopes.close(&edges).is_ok());
        assert_eq!(scopes.effective(["admin"].into_iter()).as_slice(), [0, 1, 2]);
        assert_eq!(scopes.effective(["write", "unknown"].into_iter()).as_slice(), [1, 2]);
        assert_eq!(scopes.effective(["other"].into_iter()).as_slice(), [3]);
        assert!(scopes.grants(&["admin"], 2));
        assert!(scopes.grants(&["x", "write"], 2));
        assert!(!scopes.grants(&["read", "other"], 1));
        assert_eq!(scopes.grantors(2), [0, 1, 2]);
    }

    #[test]
    fn cycles_are_reported_along_their_path() {
        let (mut scopes, edges) = index(&["a", "b", "c"], &[(0, 1), (1, 2), (2, 1)]);
        let Err(Unclosed::Cycle(cycle)) = scopes.close(&edges) else { panic!("cycle not found") };
        assert_eq!(cycle, ["b", "c", "b"]);
    }
}
