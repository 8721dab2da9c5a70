//! The shapes of names in a policy, and the "did you mean" suggestion for misspelt ones.

/// The longest scheme name accepted.
const MAX_SCHEME_NAME: usize = 64;
/// The longest scope name accepted.
const MAX_SCOPE_NAME: usize = 128;

/// Whether `name` is a valid scheme name: `[a-z][a-z0-9_]*`, at most 64 characters, and not
/// one of the words the DSL reserves.
pub fn is_scheme_name(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    first_ok && rest_ok && name.len() <= MAX_SCHEME_NAME && !RESERVED.contains(&name)
}

/// Words that cannot name a scheme, because the DSL reads them as keywords in a route.
pub(crate) const RESERVED: &[&str] = &["allow", "any_scopes", "deny", "public", "scopes"];

/// Whether `name` is a valid scope name: an ASCII letter or digit followed by letters,
/// digits and `_ . : / -`, at most 128 characters.
///
/// This is a subset of RFC 6749's scope-token; it leaves out the characters a policy would
/// have to quote, so every scope can be written bare in both syntaxes.
pub fn is_scope_name(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || "_.:/-".contains(c));
    first_ok && rest_ok && name.len() <= MAX_SCOPE_NAME
}

/// The candidate closest to `wrong`, if one is close enough to be a plausible typo.
pub fn suggest<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (wrong.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|candidate| (edit_distance(wrong, candidate), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Edit distance counting an insertion, deletion, substitution or swap of two neighbouring
/// characters as one edit (optimal string alignment), so that `RS265` is one edit from
/// `RS256`. Inputs are short names, so quadratic time is fine.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    // The table row by row: `previous` is the row above the one being filled, `before` the
    // one above that (for swaps); each row has one cell more than `b` has characters.
    let mut before: Vec<usize> = Vec::new();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut distance = b.len();
    let mut previous_a = None;
    for (i, ca) in a.chars().enumerate() {
        let mut current = Vec::with_capacity(previous.len());
        let mut left = i + 1;
        current.push(left);
        let mut previous_b = None;
        let above = previous.iter().zip(previous.iter().skip(1));
        for (j, (&cb, (&diagonal, &up))) in b.iter().zip(above).enumerate() {
            let cost = usize::from(ca != cb);
            let mut best = (up + 1).min(left + 1).min(diagonal + cost);
            if previous_a == Some(cb)
                && previous_b == Some(ca)
                && let Some(&swapped) = j.checked_sub(1).and_then(|k| before.get(k))
            {
                best = best.min(swapped + 1);
            }
            current.push(best);
            left = best;
            previous_b = Some(cb);
        }
        distance = left;
        before = std::mem::replace(&mut previous, current);
        previous_a = Some(ca);
    }
    distance
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_names() {
        assert!(is_scheme_name("user_jwt"));
        assert!(is_scheme_name("k2"));
        assert!(!is_scheme_name("2k"));
        assert!(!is_scheme_name("User"));
        assert!(!is_scheme_name(""));
        assert!(!is_scheme_name("a-b"));
        assert!(!is_scheme_name("scopes"));
        assert!(!is_scheme_name(&"a".repeat(65)));
    }

    #[test]
    fn scope_names() {
        assert!(is_scope_name("data:read"));
        assert!(is_scope_name("https://api.example.com/read"));
        assert!(!is_scope_name(":x"));
        assert!(!is_scope_name("a b"));
        assert!(!is_scope_name("a,b"));
        assert!(!is_scope_name(""));
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("usr_jwt", ["user_jwt", "browser"]), Some("user_jwt"));
        assert_eq!(suggest("zzz", ["user_jwt", "browser"]), None);
        assert_eq!(suggest("RS265", ["RS256", "ES256"]), Some("RS256"));
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("jtw", "jwt"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
