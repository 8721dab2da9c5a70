//! Route patterns: `METHODS PATH`, as in `GET|HEAD /users/{id}` or `* /admin/**`.
//!
//! Both syntaxes read patterns here, YAML's as one text ([`RoutePattern::parse`]) and the
//! DSL's as the two parts its grammar already told apart ([`RoutePattern::from_parts`]), so a
//! pattern means the same thing wherever it is written. Literal segments are restricted to
//! the characters a URL path may hold unencoded, which is what lets the matcher compare them
//! byte for byte with a normalized request path.

use std::fmt;

/// Why a route pattern was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PatternError {
    /// Nothing but methods were written.
    #[error("route `{0}` has no path; write it as `METHODS /path`, e.g. `GET /health`")]
    MissingPath(String),
    /// A method is not an upper-case token.
    #[error("`{0}` is not an HTTP method; methods are upper case, like `GET` or `DELETE`")]
    BadMethod(String),
    /// `*` was combined with named methods.
    #[error("`*` already means every method; write `*` alone or list the methods")]
    StarAmongMethods,
    /// The same method twice in one route.
    #[error("method `{0}` is listed twice")]
    RepeatedMethod(String),
    /// The path does not start with `/`.
    #[error("path `{0}` must begin with `/`")]
    NotAbsolute(String),
    /// `//`, or a trailing `/`.
    #[error("path `{0}` has an empty segment; write `/a/b`, not `/a//b` or `/a/b/`")]
    EmptySegment(String),
    /// `**` somewhere other than last.
    #[error("`**` may only be the last segment of a path")]
    CatchAllNotLast,
    /// `{}`.
    #[error("`{{}}` needs a parameter name, as in `{{id}}`")]
    EmptyParam,
    /// A parameter name that is not `[A-Za-z_][A-Za-z0-9_]*`.
    #[error("parameter name `{0}` must be letters, digits and `_`, not starting with a digit")]
    BadParam(String),
    /// The same `{name}` twice in one path.
    #[error("parameter `{{{0}}}` appears twice in one path")]
    RepeatedParam(String),
    /// More segments (a closing `**` aside) than a request path may have
    /// ([`MAX_SEGMENTS`](crate::MAX_SEGMENTS)): no request could match the route.
    #[error(
        "the path has {segments} segments; a request path has at most {limit}, so no request \
         could match it"
    )]
    TooManySegments {
        /// The path's segments.
        segments: usize,
        /// The most a request path may have.
        limit: usize,
    },
    /// `.` or `..` as a segment.
    #[error("`{0}` cannot be a path segment; requests with dot segments are always refused")]
    DotSegment(String),
    /// A character that a path segment cannot hold unencoded, or `*`, `{`, `}` inside one.
    #[error(
        "segment `{}` contains `{}`, which a route literal cannot hold",
        visible(segment),
        visible(&bad.to_string())
    )]
    BadLiteral {
        /// The whole segment.
        segment: String,
        /// The offending character.
        bad: char,
    },
}

/// `text` with its control characters escaped (`\r`, `\u{1}`), so that a message shows
/// them instead of acting on the terminal.
fn visible(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { c.escape_debug().to_string() } else { c.to_string() })
        .collect()
}

/// An HTTP method, as written in a policy (upper-case ASCII letters).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Method(String);

impl Method {
    /// The method's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The methods a route applies to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum MethodSet {
    /// `*`: every method.
    Any,
    /// The listed methods, in the order written.
    Only(Vec<Method>),
}

impl MethodSet {
    /// Whether the two sets share a method (`*` shares only with `*`: a named method beats
    /// it rather than clashing with it).
    pub fn overlaps(&self, other: &MethodSet) -> bool {
        match (self, other) {
            (MethodSet::Any, MethodSet::Any) => true,
            (MethodSet::Only(a), MethodSet::Only(b)) => a.iter().any(|m| b.contains(m)),
            _ => false,
        }
    }
}

/// One segment of a path pattern.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Segment {
    /// Matches exactly this text.
    Literal(String),
    /// `{name}`: any one non-empty segment.
    Param(String),
    /// `*`: any one non-empty segment, unnamed.
    Wildcard,
    /// `**`: zero or more segments; only last.
    CatchAll,
}

impl Segment {
    /// The segment with parameter names erased: two patterns with equal shapes match the
    /// same requests.
    pub fn shape(&self) -> Segment {
        match self {
            Segment::Param(_) => Segment::Wildcard,
            other => other.clone(),
        }
    }
}

/// A path pattern such as `/users/{id}/keys/**`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PathPattern {
    /// The segments, root first; `/` alone has none.
    pub segments: Vec<Segment>,
}

/// A route's methods and path.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RoutePattern {
    /// Which methods the route applies to.
    pub methods: MethodSet,
    /// Which paths it applies to.
    pub path: PathPattern,
}

impl RoutePattern {
    /// Parses `METHODS PATH`, e.g. `GET|HEAD /data` or `* /admin/**`.
    ///
    /// # Errors
    /// A [`PatternError`] naming the first thing wrong with the pattern.
    pub fn parse(text: &str) -> Result<RoutePattern, PatternError> {
        let mut words = text.split_whitespace();
        let methods = words.next().unwrap_or_default();
        let path = words.next().ok_or_else(|| PatternError::MissingPath(text.to_owned()))?;
        if let Some(extra) = words.next() {
            return Err(PatternError::BadLiteral { segment: format!("{path} {extra}"), bad: ' ' });
        }

        RoutePattern::from_parts(methods, path)
    }

    /// Parses a pattern whose methods and path were already told apart, as the DSL's
    /// grammar does: `from_parts("GET|HEAD", "/data")` is `parse("GET|HEAD /data")`.
    ///
    /// # Errors
    /// A [`PatternError`] naming the first thing wrong with the methods or the path.
    pub fn from_parts(methods: &str, path: &str) -> Result<RoutePattern, PatternError> {
        Ok(RoutePattern { methods: parse_methods(methods)?, path: PathPattern::parse(path)? })
    }

    /// The pattern as text, in the form [`RoutePattern::parse`] reads (the same text as
    /// `to_string`, built with one allocation of the right size).
    pub fn text(&self) -> String {
        let mut length = 0;
        self.each_piece(|piece| length += piece.len());
        let mut text = String::with_capacity(length);
        self.each_piece(|piece| text.push_str(piece));
        text
    }

    /// Hands over the pattern's text piece by piece, in order: the one spelling that both
    /// [`RoutePattern::text`] and `Display` write.
    fn each_piece<'p>(&'p self, mut piece: impl FnMut(&'p str)) {
        match &self.methods {
            MethodSet::Any => piece("*"),
            MethodSet::Only(methods) => {
                for (i, method) in methods.iter().enumerate() {
                    if i > 0 {
                        piece("|");
                    }
                    piece(method.as_str());
                }
            }
        }
        piece(" ");
        self.path.each_piece(piece);
    }

    /// Whether the two patterns match the same requests with the same methods, so that
    /// declaring both is a mistake.
    pub fn clashes_with(&self, other: &RoutePattern) -> bool {
        self.path.same_shape(&other.path) && self.methods.overlaps(&other.methods)
    }
}

fn parse_methods(text: &str) -> Result<MethodSet, PatternError> {
    if text == "*" {
        return Ok(MethodSet::Any);
    }

    let mut methods: Vec<Method> = Vec::new();
    for word in text.split('|') {
        if word == "*" {
            return Err(PatternError::StarAmongMethods);
        }
        if word.is_empty() || !word.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(PatternError::BadMethod(word.to_owned()));
        }
        let method = Method(word.to_owned());
        if methods.contains(&method) {
            return Err(PatternError::RepeatedMethod(word.to_owned()));
        }
        methods.push(method);
    }
    Ok(MethodSet::Only(methods))
}

impl PathPattern {
    /// Parses a path pattern such as `/users/{id}`.
    ///
    /// # Errors
    /// A [`PatternError`] naming the first thing wrong with the path.
    pub fn parse(text: &str) -> Result<PathPattern, PatternError> {
        let rest = text.strip_prefix('/').ok_or_else(|| PatternError::NotAbsolute(text.into()))?;
        if rest.is_empty() {
            return Ok(PathPattern { segments: Vec::new() });
        }

        // A closing `**` may match no segment, so only the others must fit in a request.
        let count = rest.bytes().filter(|&b| b == b'/').count() + 1;
        let fixed = if rest == "**" || rest.ends_with("/**") { count - 1 } else { count };
        if fixed > crate::MAX_SEGMENTS {
            let limit = crate::MAX_SEGMENTS;
            return Err(PatternError::TooManySegments { segments: fixed, limit });
        }
        let mut segments = Vec::with_capacity(count);
        for raw in rest.split('/') {
            if segments.last() == Some(&Segment::CatchAll) {
                return Err(PatternError::CatchAllNotLast);
            }
            let segment = parse_segment(raw, text)?;
            if let Segment::Param(name) = &segment
                && segments.contains(&segment)
            {
                return Err(PatternError::RepeatedParam(name.clone()));
            }
            segments.push(segment);
        }
        Ok(PathPattern { segments })
    }

    /// Whether the two patterns match exactly the same paths (parameter names aside).
    pub fn same_shape(&self, other: &PathPattern) -> bool {
        self.segments.len() == other.segments.len()
            && self.segments.iter().zip(&other.segments).all(|(a, b)| a.shape() == b.shape())
    }
}

fn parse_segment(raw: &str, path: &str) -> Result<Segment, PatternError> {
    match raw {
        "" => return Err(PatternError::EmptySegment(path.to_owned())),
        "*" => return Ok(Segment::Wildcard),
        "**" => return Ok(Segment::CatchAll),
        "." | ".." => return Err(PatternError::DotSegment(raw.to_owned())),
        _ => {}
    }

    if let Some(name) = raw.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
        if name.is_empty() {
            return Err(PatternError::EmptyParam);
        }
        let mut chars = name.chars();
        let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(PatternError::BadParam(name.to_owned()));
        }
        return Ok(Segment::Param(name.to_owned()));
    }

    match raw.chars().find(|&c| !is_literal_char(c)) {
        Some(bad) => Err(PatternError::BadLiteral { segment: raw.to_owned(), bad }),
        None => Ok(Segment::Literal(raw.to_owned())),
    }
}

/// RFC 3986 `pchar` without `%` (literals are matched after normalization, which leaves
/// nothing encoded that a literal could spell) and without `*`, `{`, `}` (pattern syntax).
fn is_literal_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~!$&'()+,;=:@".contains(c)
}

impl fmt::Display for RoutePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut written = Ok(());
        self.each_piece(|piece| written = written.and_then(|()| f.write_str(piece)));
        written
    }
}

impl PathPattern {
    /// Hands over the path's text piece by piece, in order.
    fn each_piece<'p>(&'p self, mut piece: impl FnMut(&'p str)) {
        if self.segments.is_empty() {
            piece("/");
        }
        for segment in &self.segments {
            match segment {
                Segment::Literal(text) => {
                    piece("/");
                    piece(text);
                }
                Segment::Param(name) => {
                    piece("/{");
                    piece(name);
                    piece("}");
                }
                Segment::Wildcard => piece("/*"),
                Segment::CatchAll => piece("/**"),
            }
        }
    }
}

impl fmt::Display for PathPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut written = Ok(());
        self.each_piece(|piece| written = written.and_then(|()| f.write_str(piece)));
        written
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<RoutePattern, PatternError> {
        RoutePattern::parse(text)
    }

    #[test]
    fn a_path_with_more_segments_than_a_request_may_have_is_refused() {
        let limit = crate::MAX_SEGMENTS;
        let path = |n: usize, tail: &str| format!("GET {}{tail}", "/a".repeat(n));
        assert!(parse(&path(limit, "")).is_ok());
        assert!(parse(&path(limit, "/**")).is_ok(), "a closing `**` may match nothing");
        let refused = PatternError::TooManySegments { segments: limit + 1, limit };
        assert_eq!(parse(&path(limit + 1, "")), Err(refused.clone()));
        assert_eq!(parse(&path(limit + 1, "/**")), Err(refused));
        // far over it, refused before any segment is read
        let huge = parse(&path(1_000_000, "/{p}"));
        assert!(matches!(huge, Err(PatternError::TooManySegments { .. })));
    }

    #[test]
    fn control_characters_are_shown_escaped_in_messages() {
        // As the DSL hands it over: its path runs to the next space, tab or line feed.
        let error = RoutePattern::from_parts("GET", "/a\rb").unwrap_err();
        assert_eq!(
            error.to_string(),
            "segment `a\\rb` contains `\\r`, which a route literal cannot hold"
        );
        // Printable characters are shown as they are, quotes included.
        let error = parse("GET /a\"b").unwrap_err();
        assert_eq!(
            error.to_string(),
            "segment `a\"b` contains `\"`, which a route literal cannot hold"
        );
    }

    #[test]
    fn accepted_patterns_print_back_unchanged() {
        for text in ["GET /health", "GET|HEAD /data", "* /admin/**", "GET /users/{id}", "* /"] {
            assert_eq!(parse(text).unwrap().to_string(), text);
            assert_eq!(parse(text).unwrap().text(), text);
        }
        let catch_all = parse("GET /a/*/b/**").unwrap();
        assert_eq!(catch_all.path.segments.len(), 4);
    }

    #[test]
    fn refused_patterns_say_why() {
        let cases: &[(&str, PatternError)] = &[
            ("GET", PatternError::MissingPath("GET".into())),
            ("get /a", PatternError::BadMethod("get".into())),
            ("GET|* /a", PatternError::StarAmongMethods),
            ("GET|GET /a", PatternError::RepeatedMethod("GET".into())),
            ("GET a", PatternError::NotAbsolute("a".into())),
            ("GET /a//b", PatternError::EmptySegment("/a//b".into())),
            ("GET /a/", PatternError::EmptySegment("/a/".into())),
            ("GET /**/a", PatternError::CatchAllNotLast),
            ("GET /{}", PatternError::EmptyParam),
            ("GET /{1x}", PatternError::BadParam("1x".into())),
            ("GET /{id}/{id}", PatternError::RepeatedParam("id".into())),
            ("GET /a/..", PatternError::DotSegment("..".into())),
            ("GET /a%2F", PatternError::BadLiteral { segment: "a%2F".into(), bad: '%' }),
            ("GET /a*", PatternError::BadLiteral { segment: "a*".into(), bad: '*' }),
        ];
        for (text, expected) in cases {
            assert_eq!(&parse(text).unwrap_err(), expected, "{text}");
        }
    }

    #[test]
    fn clashes_ignore_parameter_names_but_not_methods() {
        let a = parse("GET /users/{id}").unwrap();
        assert!(a.clashes_with(&parse("GET|HEAD /users/{uid}").unwrap()));
        assert!(a.clashes_with(&parse("GET /users/*").unwrap()));
        assert!(!a.clashes_with(&parse("POST /users/{id}").unwrap()));
        assert!(!a.clashes_with(&parse("* /users/{id}").unwrap()));
        assert!(!a.clashes_with(&parse("GET /users/me").unwrap()));
    }
}
