//! The cache of verified JWTs: a token seen again skips the signature and claim checks it
//! already passed.
//!
//! An entry is keyed by the SHA-256 of the whole token, so only the same bytes can hit it,
//! and holds the credential verification produced. It is used only between the time it was
//! verified and the token's `exp` (never the leeway past it), so it cannot outlive the
//! token; rejections are never cached. The cache belongs to one scheme's verifier: a policy
//! reload or key rotation builds new verifiers, and with them empty caches, so no entry
//! outlives the keys that verified it.
//!
//! The entries are spread over shards by hash, each behind its own read-write lock: hits
//! take a shared lock on one shard, and no lock covers the whole cache. Each shard holds at
//! most its share of the capacity; a full shard first drops entries that have expired, then
//! an arbitrary one.

use std::sync::RwLock;
use std::time::{SystemTime, UNIX_EPOCH};

use foldhash::HashMap;

use super::store::SecretHash;
use crate::credential::Credential;

/// How many verified tokens a JWT scheme keeps by default.
pub const DEFAULT_CAPACITY: usize = 4096;

/// Independent shards; a power of two, so that a hash byte picks one.
const SHARDS: usize = 16;

/// A bounded cache of verified tokens.
pub(crate) struct VerifiedTokens {
    shards: Box<[RwLock<HashMap<SecretHash, Entry>>]>,
    per_shard: usize,
}

struct Entry {
    credential: Credential,
    /// When verification passed, in seconds since the Unix epoch: an earlier `now` (a
    /// caller's clock, or a test's) verifies afresh, since `nbf` and `iat` were only checked
    /// from here on.
    verified_at: u64,
    /// The token's `exp`: from here on the entry is dead.
    expires_at: u64,
}

impl VerifiedTokens {
    /// A cache of about `capacity` tokens; `None` when `capacity` is zero (no caching).
    pub(crate) fn new(capacity: usize) -> Option<VerifiedTokens> {
        if capacity == 0 {
            return None;
        }
        let per_shard = capacity.div_ceil(SHARDS);
        let shards = (0..SHARDS).map(|_| RwLock::new(HashMap::default())).collect();
        Some(VerifiedTokens { shards, per_shard })
    }

    /// The credential verified for the token hashing to `hash`, if it is still good at `now`.
    pub(crate) fn get(&self, hash: &SecretHash, now: SystemTime) -> Option<Credential> {
        let now = seconds(now);
        let shard = self.shard(hash)?.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = shard.get(hash)?;
        (entry.verified_at <= now && now < entry.expires_at).then(|| entry.credential.clone())
    }

    /// Remembers `credential`, verified at `now` for the token hashing to `hash`, until
    /// `expires_at` (seconds since the Unix epoch).
    pub(crate) fn insert(
        &self,
        hash: SecretHash,
        credential: &Credential,
        now: SystemTime,
        expires_at: u64,
    ) {
        let now = seconds(now);
        if expires_at <= now {
            return;
        }
        let Some(shard) = self.shard(&hash) else { return };
        let mut shard = shard.write().unwrap_or_else(|poisoned| poisoned.into_inner());

        if shard.len() >= self.per_shard && !shard.contains_key(&hash) {
            shard.retain(|_, entry| now < entry.expires_at);
            if shard.len() >= self.per_shard {
                let evicted = shard.keys().next().copied();
                evicted.map(|key| shard.remove(&key));
            }
        }
        let entry = Entry { credential: credential.clone(), verified_at: now, expires_at };
        shard.insert(hash, entry);
    }

    /// How many tokens are cached, over all shards.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.shards.iter().map(|s| s.read().map_or(0, |s| s.len())).sum()
    }

    /// The shard for `hash` (always one: there are [`SHARDS`] of them).
    fn shard(&self, hash: &SecretHash) -> Option<&RwLock<HashMap<SecretHash, Entry>>> {
        let byte = hash.0.first().copied().unwrap_or_default();
        self.shards.get(usize::from(byte) % SHARDS)
    }
}

fn seconds(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::credential::Identity;
    use crate::model::SchemeKind;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn hash(n: u32) -> SecretHash {
        SecretHash::of(&format!("token-{n}"))
    }

    fn credential(principal: &str) -> Credential {
        Credential::new(SchemeKind::Jwt, Identity::new("jwt", principal, ["read"]))
    }

    #[test]
    fn a_hit_only_between_verification_and_exp() {
        let cache = VerifiedTokens::new(16).expect("a cache");
        cache.insert(hash(1), &credential("alice"), at(100), 200);

        assert_eq!(cache.get(&hash(1), at(100)), Some(credential("alice")));
        assert_eq!(cache.get(&hash(1), at(199)), Some(credential("alice")));
        assert_eq!(cache.get(&hash(1), at(200)), None, "dead at exp");
        assert_eq!(cache.get(&hash(1), at(99)), None, "before it was verified");
        assert_eq!(cache.get(&hash(2), at(150)), None, "another token");
    }

    #[test]
    fn an_expired_token_is_not_kept() {
        let cache = VerifiedTokens::new(16).expect("a cache");
        cache.insert(hash(1), &credential("alice"), at(300), 200);
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn the_capacity_bounds_every_shard() {
        let cache = VerifiedTokens::new(64).expect("a cache");
        for n in 0..10_000 {
            cache.insert(hash(n), &credential("alice"), at(100), 1_000);
        }
        assert!(cache.len() <= 64, "{} entries", cache.len());
        assert!(cache.len() >= 32, "shards fill up: {} entries", cache.len());
    }

    #[test]
    fn a_full_shard_drops_expired_entries_first() {
        let cache = VerifiedTokens::new(SHARDS).expect("one entry per shard");
        let shard_of = |h: &SecretHash| usize::from(h.0[0]) % SHARDS;
        let first = hash(0);
        let same_shard = (1..).map(hash).find(|h| shard_of(h) == shard_of(&first));
        let second = same_shard.expect("some token shares the shard");

        cache.insert(first, &credential("old"), at(100), 150);
        cache.insert(second, &credential("new"), at(160), 1_000);
        assert_eq!(cache.get(&second, at(170)), Some(credential("new")));
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn zero_capacity_is_no_cache() {
        assert!(VerifiedTokens::new(0).is_none());
    }
}
