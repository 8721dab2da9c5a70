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
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut table = vec![0usize; (a.len() + 1) * width];
    let at = |i: usize, j: usize| i * width + j;

    for i in 0..=a.len() {
        table[at(i, 0)] = i;
    }
    for j in 0..=b.len() {
        table[at(0, j)] = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (table[at(i - 1, j)] + 1)
                .min(table[at(i, j - 1)] + 1)
                .min(table[at(i - 1, j - 1)] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(table[at(i - 2, j - 2)] + 1);
            }
            table[at(i, j)] = best;
        }
    }
    table[at(a.len(), b.len())]
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
