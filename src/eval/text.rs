//! Equality of the short strings a decision compares: path segments against a node's
//! literals, the method against a route's, scope and scheme names.
//!
//! `==` on `str` calls the C library's `memcmp` once the lengths agree, and for strings of
//! a few bytes the call costs more than the comparison: a sixth of an Allow decision went
//! there (`perf record`, 2026-12-04). Up to 16 bytes are compared here as at most two
//! overlapping machine words, inline; longer ones fall back to `==`. None of these strings
//! is a secret (secrets are compared in constant time where they are verified).

/// Whether `a` and `b` hold the same bytes.
#[inline]
pub(crate) fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }

    // Two loads from each end cover every byte of 8 to 16 bytes (overlapping in the middle),
    // of 4 to 7 bytes with half words, and of 1 to 3 bytes one at a time.
    match a.len() {
        0 => true,
        1..=3 => a.iter().zip(b).all(|(x, y)| x == y),
        4..=7 => words::<4>(a) == words::<4>(b),
        8..=16 => words::<8>(a) == words::<8>(b),
        _ => a == b,
    }
}

/// The first and the last `N` bytes of `bytes`, which is at least `N` long.
#[inline]
fn words<const N: usize>(bytes: &[u8]) -> ([u8; N], [u8; N]) {
    let first = bytes.first_chunk::<N>().copied().unwrap_or([0; N]);
    let last = bytes.last_chunk::<N>().copied().unwrap_or([0; N]);
    (first, last)
}

#[cfg(test)]
mod tests {
    use super::same;

    proptest::proptest! {
        /// Agrees with `==` on every pair, lengths from 0 to past the inline limit.
        #[test]
        fn agrees_with_str_equality(a in "[ab]{0,20}", b in "[ab]{0,20}") {
            proptest::prop_assert_eq!(same(&a, &b), a == b);
            proptest::prop_assert!(same(&a, &a.clone()));
        }
    }

    #[test]
    fn a_difference_anywhere_is_seen() {
        for len in 1..=24 {
            let a = "x".repeat(len);
            for at in 0..len {
                let mut b = a.clone().into_bytes();
                b[at] = b'y';
                let b = String::from_utf8(b).unwrap();
                assert!(!same(&a, &b), "length {len}, byte {at}");
            }
            assert!(same(&a, &a.clone()));
        }
    }
}
