//! Hot reload: an [`AuthenticatorHandle`] whose authenticator (policy, keys and stores) can
//! be replaced while requests are in flight.
//!
//! The handle holds the current authenticator behind an `ArcSwap`: a request takes one
//! snapshot and decides on it from start to finish, so it sees the old policy or the new
//! one, never a mix, and taking the snapshot takes no lock. A replacement is built and
//! compiled completely before it is swapped in; one that fails leaves the old one serving.

use std::path::Path;
use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::authn::{Authenticator, AuthenticatorBuilder, SetupError};
use crate::compile::{Engine, PolicyLimits};
use crate::error::LoadError;

/// A shared, replaceable [`Authenticator`]. Clones share the same current authenticator.
#[derive(Clone)]
pub struct AuthenticatorHandle {
    current: Arc<ArcSwap<Authenticator>>,
}

impl std::fmt::Debug for AuthenticatorHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthenticatorHandle").field("current", &self.current.load()).finish()
    }
}

/// Why a reload was refused (the previous authenticator keeps serving).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReloadError {
    /// The new policy does not load or compile.
    #[error(transparent)]
    Policy(#[from] LoadError),
    /// The new policy's stores or keys cannot be bound.
    #[error(transparent)]
    Setup(#[from] SetupError),
}

impl AuthenticatorHandle {
    /// A handle serving `authenticator`.
    pub fn new(authenticator: Authenticator) -> AuthenticatorHandle {
        AuthenticatorHandle { current: Arc::new(ArcSwap::from_pointee(authenticator)) }
    }

    /// The authenticator serving now. Decide a whole request on one snapshot.
    pub fn current(&self) -> Arc<Authenticator> {
        self.current.load_full()
    }

    /// Replaces the authenticator; requests already deciding finish on the old one. The
    /// new one keeps the old one's memory of the networks keys were used from.
    pub fn replace(&self, mut authenticator: Authenticator) {
        authenticator.inherit_memory(&self.current.load());
        self.current.store(Arc::new(authenticator));
    }

    /// Loads the policy at `path`, binds it with `bind` (which supplies stores and other
    /// settings), and swaps it in.
    ///
    /// # Errors
    /// A [`ReloadError`] when the policy does not compile or cannot be bound; the current
    /// authenticator then stays in place.
    pub fn reload(
        &self,
        path: impl AsRef<Path>,
        bind: impl FnOnce(AuthenticatorBuilder) -> AuthenticatorBuilder,
    ) -> Result<(), ReloadError> {
        self.reload_with(path, PolicyLimits::default(), bind)
    }

    /// [`AuthenticatorHandle::reload`] within other policy limits than the defaults; a
    /// service that loaded its first policy with [`Engine::load_with`] reloads with this,
    /// so that a new policy is held to the same limits.
    ///
    /// # Errors
    /// As [`AuthenticatorHandle::reload`]; a policy over a limit is a
    /// [`ReloadError::Policy`].
    pub fn reload_with(
        &self,
        path: impl AsRef<Path>,
        limits: PolicyLimits,
        bind: impl FnOnce(AuthenticatorBuilder) -> AuthenticatorBuilder,
    ) -> Result<(), ReloadError> {
        let engine = Engine::load_with(path, limits)?;
        let authenticator = bind(Authenticator::builder(engine)).build()?;
        self.replace(authenticator);
        Ok(())
    }
}
