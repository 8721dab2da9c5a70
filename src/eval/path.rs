//! Request path normalization: the one place a request's path is read.
//!
//! The engine decides on the raw path's segments and must never be more permissive than
//! the application's router, so anything two routers could read differently is refused
//! rather than guessed at: dot segments, empty segments, encoded separators, backslashes,
//! bytes that a URL path cannot hold, and malformed percent-encoding. What is left is
//! unambiguous; percent-encoded unreserved characters are decoded (`/%61dmin` is `/admin`)
//! and other escapes are kept, with upper-case hex, so they can only meet a parameter.

use std::borrow::Cow;

use smallvec::SmallVec;

/// The most segments a request path may have.
pub const MAX_SEGMENTS: usize = 128;
/// The longest request path accepted, in bytes.
pub const MAX_PATH_BYTES: usize = 8 * 1024;

/// Why a request path was refused. Every variant leads to `400 invalid_request`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PathError {
    /// The path does not begin with `/`.
    #[error("the request path must begin with `/`")]
    NotAbsolute,
    /// `//` or a trailing `/`.
    #[error("the request path has an empty segment")]
    EmptySegment,
    /// A `.` or `..` segment, also with `;` parameters (`..;x`), which servlet containers
    /// strip before resolving the dots.
    #[error("the request path has a dot segment")]
    DotSegment,
    /// `%2F`, `%5C`, `%2E` or `%00`.
    #[error("the request path encodes a separator, a dot or NUL")]
    EncodedDelimiter,
    /// `%` not followed by two hex digits.
    #[error("the request path has malformed percent-encoding")]
    BadEncoding,
    /// Escapes that do not decode to UTF-8, such as the overlong `%C0%AE` for `.`, which
    /// lenient decoders read as a delimiter.
    #[error("the request path's escapes do not decode to UTF-8")]
    InvalidUtf8,
    /// A backslash.
    #[error("the request path contains a backslash")]
    Backslash,
    /// A byte a URL path cannot hold (space, control, non-ASCII, `"`, `<`, ...).
    #[error("the request path contains a character not allowed in a URL path")]
    BadCharacter,
    /// More than [`MAX_SEGMENTS`] segments or [`MAX_PATH_BYTES`] bytes.
    #[error("the request path is too long")]
    TooLong,
}

/// Splits a request target (the query, if any, is ignored) into normalized segments.
///
/// # Errors
/// A [`PathError`] for any path that routers could read in more than one way.
pub fn normalize(target: &str) -> Result<Vec<Cow<'_, str>>, PathError> {
    let path = target.split_once('?').map_or(target, |(path, _query)| path);
    if path.len() > MAX_PATH_BYTES {
        return Err(PathError::TooLong);
    }
    let rest = path.strip_prefix('/').ok_or(PathError::NotAbsolute)?;
    if rest.is_empty() {
        return Ok(Vec::new());
    }

    let mut segments = Vec::new();
    for raw in rest.split('/') {
        if segments.len() == MAX_SEGMENTS {
            return Err(PathError::TooLong);
        }
        segments.push(segment(raw)?);
    }
    Ok(segments)
}

/// Normalizes `target` and hands its segments to `decide`, without allocating when no
/// segment holds a percent escape (the common case): the segments then borrow from the
/// target, and short paths keep them in an array on the stack. One pass over the path's
/// bytes checks them and finds the separators.
///
/// Only a path that needs no decoding and breaks no rule is read here; anything else (an
/// escape, or any reason to refuse) goes to [`normalize`], so that both always agree, on
/// the refusal as on the segments.
///
/// # Errors
/// A [`PathError`], as [`normalize`] would give.
pub(crate) fn with_segments<R>(
    target: &str,
    decide: impl FnOnce(&[&str]) -> R,
) -> Result<R, PathError> {
    if target.len() > MAX_PATH_BYTES {
        return by_normalizing(target, decide);
    }
    let Some(mut rest) = target.strip_prefix('/') else {
        return by_normalizing(target, decide);
    };
    // `/` alone, with or without a query, has no segments.
    if matches!(rest.as_bytes().first(), None | Some(b'?')) {
        return Ok(decide(&[]));
    }

    // Borrowed segments, on the stack up to `INLINE_SEGMENTS` (the array is not cleared
    // first), in a list beyond.
    let mut segments: SmallVec<[&str; INLINE_SEGMENTS]> = SmallVec::new();
    loop {
        // The segment runs to the next separator: one table load per byte says what it is.
        let bytes = rest.as_bytes();
        let mut end = 0;
        let class = loop {
            match bytes.get(end).map_or(Class::End, |&byte| class(byte)) {
                Class::Path => end += 1,
                other => break other,
            }
        };

        // An escape to decode, a byte to refuse, an empty or dot segment, one too many:
        // `normalize` says what it is.
        let (text, tail) = rest.split_at_checked(end).unwrap_or((rest, ""));
        let plain = matches!(class, Class::Slash | Class::Query | Class::End);
        if !plain || text.is_empty() || is_dot_segment(text) || segments.len() == MAX_SEGMENTS {
            return by_normalizing(target, decide);
        }
        segments.push(text);

        if class != Class::Slash {
            return Ok(decide(&segments));
        }
        rest = tail.get(1..).unwrap_or_default();
    }
}

/// What a byte of a request path is, for the one-pass walk.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    /// A `pchar` other than `%`.
    Path,
    Slash,
    Query,
    /// `%`, which starts an escape to decode, or a byte to refuse: [`normalize`]'s to read.
    Other,
    /// Past the last byte.
    End,
}

/// What `byte` is in a path: one load from [`CLASSES`], which has an entry for every byte.
fn class(byte: u8) -> Class {
    CLASSES.get(usize::from(byte)).copied().unwrap_or(Class::Other)
}

/// [`Class`] as a table, entry `b` for the byte `b`.
static CLASSES: [Class; 256] = {
    let mut table = [Class::Other; 256];
    let (mut slots, mut byte): (&mut [Class], u8) = (&mut table, 0);
    while let Some((slot, rest)) = slots.split_first_mut() {
        *slot = match byte {
            b'/' => Class::Slash,
            b'?' => Class::Query,
            // A `pchar` too, but one that starts an escape.
            b'%' => Class::Other,
            _ if is_pchar(byte) => Class::Path,
            _ => Class::Other,
        };
        (slots, byte) = (rest, byte.wrapping_add(1));
    }
    table
};

/// [`with_segments`] for a path with percent escapes, or one to refuse.
fn by_normalizing<R>(target: &str, decide: impl FnOnce(&[&str]) -> R) -> Result<R, PathError> {
    let owned = normalize(target)?;
    let segments: Vec<&str> = owned.iter().map(|s| &**s).collect();
    Ok(decide(&segments))
}

/// How many segments [`with_segments`] holds without allocating.
const INLINE_SEGMENTS: usize = 16;

/// `.` or `..`, bare or followed by `;` parameters: Tomcat and Jetty drop the parameters,
/// then resolve the dots (`/public/..;/admin` reaches `/admin` there).
fn is_dot_segment(text: &str) -> bool {
    if !text.starts_with('.') {
        return false;
    }
    let name = text.split_once(';').map_or(text, |(name, _parameters)| name);
    matches!(name, "." | "..")
}

fn segment(raw: &str) -> Result<Cow<'_, str>, PathError> {
    if raw.is_empty() {
        return Err(PathError::EmptySegment);
    }
    if is_dot_segment(raw) {
        return Err(PathError::DotSegment);
    }
    for byte in raw.bytes() {
        match byte {
            b'\\' => return Err(PathError::Backslash),
            b if is_path_byte(b) => {}
            _ => return Err(PathError::BadCharacter),
        }
    }
    if !raw.contains('%') {
        return Ok(Cow::Borrowed(raw));
    }
    decode(raw).map(Cow::Owned)
}

/// RFC 3986 `pchar` bytes, with `%` (escapes are checked separately).
fn is_path_byte(b: u8) -> bool {
    PATH_BYTES.get(usize::from(b)).copied().unwrap_or(false)
}

/// RFC 3986 `pchar`, with `%`: unreserved, sub-delims, `:` and `@`.
const fn is_pchar(byte: u8) -> bool {
    byte.is_ascii_alphanumeric()
        || matches!(byte, b'-' | b'.' | b'_' | b'~')
        || matches!(byte, b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',')
        || matches!(byte, b';' | b'=' | b':' | b'@' | b'%')
}

/// [`is_path_byte`] as a table: one load per byte of every request path.
static PATH_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let (mut slots, mut byte): (&mut [bool], u8) = (&mut table, 0);
    while let Some((slot, rest)) = slots.split_first_mut() {
        *slot = is_pchar(byte);
        (slots, byte) = (rest, byte.wrapping_add(1));
    }
    table
};

/// Decodes escapes of unreserved characters and re-writes the rest in upper-case hex;
/// refuses escapes of delimiters that would change how the path splits.
fn decode(raw: &str) -> Result<String, PathError> {
    let bytes = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    // Every escape decoded, to check that together they spell UTF-8.
    let mut decoded = Vec::with_capacity(raw.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        if byte != b'%' {
            out.push(char::from(byte));
            decoded.push(byte);
            i += 1;
            continue;
        }
        let hex = bytes.get(i + 1..i + 3).ok_or(PathError::BadEncoding)?;
        let value = hex_value(hex).ok_or(PathError::BadEncoding)?;
        decoded.push(value);
        match value {
            b'/' | b'\\' | b'.' | 0 => return Err(PathError::EncodedDelimiter),
            b if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'~' => {
                out.push(char::from(b));
            }
            b => {
                out.push('%');
                out.extend(upper_hex(b));
            }
        }
        i += 3;
    }

    // Decoding can spell a dot segment only through `%2E`, refused above.
    if std::str::from_utf8(&decoded).is_err() {
        return Err(PathError::InvalidUtf8);
    }
    Ok(out)
}

/// `byte` as two upper-case hex digits.
fn upper_hex(byte: u8) -> [char; 2] {
    let digit = |value: u8| char::from_digit(u32::from(value), 16).unwrap_or('0');
    [digit(byte >> 4).to_ascii_uppercase(), digit(byte & 0xf).to_ascii_uppercase()]
}

fn hex_value(hex: &[u8]) -> Option<u8> {
    let digit = |b: u8| char::from(b).to_digit(16);
    let (high, low) = (digit(*hex.first()?)?, digit(*hex.get(1)?)?);
    u8::try_from(high * 16 + low).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(target: &str) -> Vec<String> {
        normalize(target).unwrap().into_iter().map(Cow::into_owned).collect()
    }

    #[test]
    fn accepted_paths() {
        assert_eq!(ok("/"), Vec::<String>::new());
        assert_eq!(ok("/data"), ["data"]);
        assert_eq!(ok("/users/42?x=/../y"), ["users", "42"]);
        assert_eq!(ok("/%61dmin"), ["admin"]);
        assert_eq!(ok("/a%7eb"), ["a~b"]);
        assert_eq!(ok("/caf%c3%a9"), ["caf%C3%A9"]);
        assert_eq!(ok("/a%20b"), ["a%20b"]);
        assert_eq!(ok("/v1:batch;x=1"), ["v1:batch;x=1"]);
        assert_eq!(ok("/...;x"), ["...;x"]);
        assert_eq!(ok("/caf%C3%A9"), ["caf%C3%A9"]);
    }

    #[test]
    fn the_borrowing_walk_agrees_with_normalize() {
        let targets =
            ["/", "/data", "/a/b/c?x=1", "/%61dmin", "//x", "/a/..", "/a\\b", "x", "/..;/a"];
        for target in targets {
            let walked = with_segments(target, |s| s.iter().map(|s| s.to_string()).collect());
            let normalized =
                normalize(target).map(|s| s.into_iter().map(Cow::into_owned).collect::<Vec<_>>());
            assert_eq!(walked, normalized, "{target}");
        }
        let long = "/a".repeat(MAX_SEGMENTS + 1);
        assert_eq!(with_segments(&long, |_| ()), Err(PathError::TooLong));
        let spilled = "/a".repeat(INLINE_SEGMENTS + 3);
        assert_eq!(with_segments(&spilled, |s| s.len()), Ok(INLINE_SEGMENTS + 3));
    }

    proptest::proptest! {
        /// The one-pass walk and `normalize` accept the same paths, with the same segments,
        /// and refuse the others with the same error.
        #[test]
        fn the_walk_and_normalize_never_disagree(
            target in "[/a.;%2eEfF5cC\\\\ ?~\u{e9}\u{0}]{0,40}",
            repeat in 1usize..=140,
        ) {
            for target in [target.clone(), target.repeat(repeat)] {
                let walked = with_segments(&target, |s| s.iter().map(|s| s.to_string()).collect());
                let normalized = normalize(&target)
                    .map(|s| s.into_iter().map(Cow::into_owned).collect::<Vec<_>>());
                proptest::prop_assert_eq!(walked, normalized, "{:?}", target);
            }
        }
    }

    #[test]
    fn refused_paths() {
        let cases = [
            ("", PathError::NotAbsolute),
            ("data", PathError::NotAbsolute),
            ("//data", PathError::EmptySegment),
            ("/data/", PathError::EmptySegment),
            ("/a/./b", PathError::DotSegment),
            ("/a/../admin", PathError::DotSegment),
            ("/static/..;/admin", PathError::DotSegment),
            ("/static/.;x=1/admin", PathError::DotSegment),
            ("/static/..;jsessionid=1", PathError::DotSegment),
            ("/static/%C0%AE%C0%AE/admin", PathError::InvalidUtf8),
            ("/static/..%C0%AFadmin", PathError::InvalidUtf8),
            ("/a%E2%82", PathError::InvalidUtf8),
            ("/a/%2e%2e/admin", PathError::EncodedDelimiter),
            ("/a%2Fb", PathError::EncodedDelimiter),
            ("/a%5cb", PathError::EncodedDelimiter),
            ("/a%00", PathError::EncodedDelimiter),
            ("/a%2", PathError::BadEncoding),
            ("/a%zz", PathError::BadEncoding),
            ("/a\\b", PathError::Backslash),
            ("/a b", PathError::BadCharacter),
            ("/a\u{0}b", PathError::BadCharacter),
            ("/caf\u{e9}", PathError::BadCharacter),
            ("/a#frag", PathError::BadCharacter),
        ];
        for (target, expected) in cases {
            assert_eq!(normalize(target), Err(expected), "{target:?}");
        }
        assert_eq!(normalize(&"/a".repeat(MAX_SEGMENTS + 1)), Err(PathError::TooLong));
        assert_eq!(normalize(&format!("/{}", "a".repeat(MAX_PATH_BYTES))), Err(PathError::TooLong));
    }
}
