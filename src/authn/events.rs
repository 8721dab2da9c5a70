//! Events: what the authenticator tells the host about credentials as it decides.
//!
//! The host implements [`Observer`] (the default observes nothing). Observers are called
//! inline and must return quickly; nothing in a decision waits on what they do with an
//! event. No event carries a secret: keys appear by their visible prefix only.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use crate::eval::{MalformedRequest, Rejection};

/// Something the host may want to know, log or alert on.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// An API key authenticated a request.
    KeyUsed {
        /// The scheme.
        scheme: Arc<str>,
        /// The key's visible prefix.
        prefix: String,
        /// The peer the request came from, when known.
        peer: Option<IpAddr>,
    },
    /// An API key was used from a network (IPv4 /24, IPv6 /48) this process had not seen it
    /// used from before. The first use of each key counts.
    KeyFromNewNetwork {
        /// The scheme.
        scheme: Arc<str>,
        /// The key's visible prefix.
        prefix: String,
        /// The first address of the network.
        network: IpAddr,
    },
    /// A presented credential was rejected.
    CredentialRejected {
        /// The scheme that rejected it.
        scheme: Arc<str>,
        /// Why.
        rejection: Rejection,
    },
    /// A credential was found in the URL (the request is refused).
    CredentialInUrl {
        /// The query parameter that held it.
        parameter: String,
    },
    /// A request was refused as malformed.
    MalformedRequest {
        /// Why.
        reason: MalformedRequest,
    },
    /// Dry-run mode: the policy would have refused this request, which was let through.
    WouldRefuse {
        /// The status the refusal would have had.
        status: u16,
        /// The request method.
        method: String,
        /// The request path (without the query, which may hold credentials).
        path: String,
    },
}

/// Receives [`Event`]s. Implementations must be cheap and must not block.
pub trait Observer: Send + Sync {
    /// Called once per event, on the thread deciding the request.
    fn observe(&self, event: &Event);
}

/// Remembers, per API key prefix, the networks it has been used from.
#[derive(Debug, Default)]
pub(crate) struct NetworkMemory {
    seen: Mutex<HashMap<String, HashSet<IpAddr>>>,
}

impl NetworkMemory {
    /// Records a use; returns the network if it is new for this key.
    pub(crate) fn record(&self, prefix: &str, peer: IpAddr) -> Option<IpAddr> {
        let network = network_of(peer);
        let mut seen = self.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let networks = seen.entry(prefix.to_owned()).or_default();
        networks.insert(network).then_some(network)
    }
}

/// The /24 of an IPv4 address or the /48 of an IPv6 one (IPv4-mapped addresses as IPv4).
fn network_of(peer: IpAddr) -> IpAddr {
    match peer {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            IpAddr::from([a, b, c, 0])
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => network_of(IpAddr::V4(v4)),
            None => {
                let mut octets = v6.octets();
                octets[6..].fill(0);
                IpAddr::from(octets)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_are_slash_24_and_slash_48() {
        let memory = NetworkMemory::default();
        let first: IpAddr = "203.0.113.9".parse().unwrap();
        assert_eq!(memory.record("sk_live_abcd", first), Some("203.0.113.0".parse().unwrap()));
        assert_eq!(memory.record("sk_live_abcd", "203.0.113.200".parse().unwrap()), None);
        assert!(memory.record("sk_live_abcd", "203.0.114.1".parse().unwrap()).is_some());
        assert!(memory.record("sk_live_efgh", first).is_some());

        let v6: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        assert_eq!(memory.record("k", v6), Some("2001:db8:1::".parse().unwrap()));
        assert_eq!(memory.record("k", "2001:db8:1:ffff::9".parse().unwrap()), None);
        let mapped: IpAddr = "::ffff:203.0.113.9".parse().unwrap();
        assert_eq!(memory.record("m", mapped), Some("203.0.113.0".parse().unwrap()));
    }
}
