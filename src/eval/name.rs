//! The names an Allow reports (its principal and scheme), lent or shared.
//!
//! [`Engine::decide`](crate::Engine::decide) lends its decision the strings it already
//! holds, the scheme's name in the compiled policy and the principal in the credential, so
//! that an Allow costs neither an allocation nor an atomic reference count. A decision that
//! must outlive them ([`Decision::into_owned`](super::Decision::into_owned), which
//! [`Authenticator`](crate::Authenticator) returns) shares the same strings instead.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// A name a decision reports; reads as a `str` (`&*name`, `name == "alice"`).
#[derive(Clone)]
pub struct Name<'a>(Cow<'a, Arc<str>>);

impl<'a> Name<'a> {
    /// The name held by `shared`, lent for as long as `shared` lives.
    pub(crate) fn lent(shared: &'a Arc<str>) -> Name<'a> {
        Name(Cow::Borrowed(shared))
    }

    /// The name as a shared string (the same string: nothing is copied).
    pub fn into_shared(self) -> Arc<str> {
        self.0.into_owned()
    }

    /// A name that no longer borrows: the string is shared, not copied.
    pub fn into_owned(self) -> Name<'static> {
        Name(Cow::Owned(self.0.into_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Name<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Name<'_> {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<Arc<str>> for Name<'static> {
    fn from(shared: Arc<str>) -> Name<'static> {
        Name(Cow::Owned(shared))
    }
}

impl From<&str> for Name<'static> {
    fn from(text: &str) -> Name<'static> {
        Name(Cow::Owned(Arc::from(text)))
    }
}

impl From<String> for Name<'static> {
    fn from(text: String) -> Name<'static> {
        Name(Cow::Owned(Arc::from(text)))
    }
}

impl PartialEq<Name<'_>> for Name<'_> {
    fn eq(&self, other: &Name<'_>) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Name<'_> {}

impl PartialEq<str> for Name<'_> {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Name<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::hash::Hash for Name<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for Name<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lent_and_shared_names_read_alike() {
        let shared: Arc<str> = Arc::from("alice");
        let lent = Name::lent(&shared);
        assert_eq!(lent, Name::from("alice"));
        assert!(lent == "alice" && &*lent == "alice");
        assert_eq!(format!("{lent} {lent:?}"), r#"alice "alice""#);

        // Owning shares the string: no copy, one more reference.
        let owned = lent.into_owned();
        assert_eq!(Arc::strong_count(&shared), 2);
        assert!(Arc::ptr_eq(&owned.into_shared(), &shared));
    }
}
